/**
 * The MISC_CHECK probe: run misc_path (argv, never through a shell) as its user, in its own
 * process group; at misc_timeout SIGTERM the group, 2 s later SIGKILL it (keepalived's
 * SCRIPT_STATE_REQUESTING/FORCING_TERMINATION), so a hung script and its children never
 * outlive the check. The exit status or signal goes to the pure rule (misc-retry.ts).
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { readFileSync } from 'node:fs';
import type { MiscRun } from './misc-retry';

export interface MiscProbeTarget {
  path: string[];
  timeoutMs: number;
  uid?: number;
  gid?: number;
}

/** keepalived waits this long between SIGTERM and SIGKILL. */
const TERM_GRACE_MS = 2000;

/** uid/gid of a user (and optional group) name or number, from /etc/passwd and /etc/group. */
export function resolveUser(user: string, group: string | null): { uid: number; gid: number } | null {
  const passwd = readFileSync('/etc/passwd', 'utf8').split('\n').map((l) => l.split(':'));
  const u = passwd.find((f) => f[0] === user || (/^\d+$/.test(user) && f[2] === user));
  if (!u && !/^\d+$/.test(user)) return null;
  const uid = u ? Number(u[2]) : Number(user);
  let gid = u ? Number(u[3]) : uid;
  if (group !== null) {
    const groups = readFileSync('/etc/group', 'utf8').split('\n').map((l) => l.split(':'));
    const g = groups.find((f) => f[0] === group || (/^\d+$/.test(group) && f[2] === group));
    if (!g && !/^\d+$/.test(group)) return null;
    gid = g ? Number(g[2]) : Number(group);
  }
  return { uid, gid };
}

export function miscProbe(t: MiscProbeTarget): Promise<MiscRun> {
  return new Promise((resolve) => {
    const [file, ...args] = t.path;
    let timedOut = false;
    let term: NodeJS.Timeout | null = null;
    let kill: NodeJS.Timeout | null = null;
    const child = spawn(file, args, {
      detached: true,
      stdio: 'ignore',
      ...(t.uid !== undefined ? { uid: t.uid } : {}),
      ...(t.gid !== undefined ? { gid: t.gid } : {}),
    });
    const signalGroup = (sig: NodeJS.Signals): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, sig);
      } catch {
        /* already gone */
      }
    };
    term = setTimeout(() => {
      timedOut = true;
      signalGroup('SIGTERM');
      kill = setTimeout(() => signalGroup('SIGKILL'), TERM_GRACE_MS);
    }, t.timeoutMs);
    const done = (r: MiscRun): void => {
      if (term) clearTimeout(term);
      if (kill) clearTimeout(kill);
      resolve(r);
    };
    child.once('error', () => done({ status: 127, signal: null, timedOut: false }));
    child.once('exit', (code, signal) => {
      // Children the script left behind go with it (keepalived kills the group after SIGTERM).
      if (timedOut) signalGroup('SIGKILL');
      if (signal) done({ status: null, signal: constants.signals[signal] ?? 0, timedOut });
      else done({ status: code ?? 0, signal: null, timedOut: false });
    });
  });
}
