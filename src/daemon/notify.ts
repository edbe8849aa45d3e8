/**
 * Notify scripts, run the way keepalived runs them: asynchronously, never through a shell
 * (execFile with the argv the config gave), and — with enable_script_security — only when
 * neither the script nor any directory above it is writable by a non-root user, because a root
 * daemon running a file someone else can edit is a privilege escalation (keepalived's
 * check_script_secure).
 *
 * The generic `notify` script gets keepalived's four arguments appended:
 * `INSTANCE|GROUP NAME STATE PRIORITY`.
 */
/** node:child_process, loaded on first use: with it the worker's start loaded node:dgram and ~6 ms of CPU (host) before its first VRRP state (issue 15). */
const childProcess = () => require('node:child_process') as typeof import('node:child_process');
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { RunAs } from '../config/model';

export type NotifyState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' | 'DELETED';

export interface NotifyRequest {
  kind: 'INSTANCE' | 'GROUP';
  name: string;
  state: NotifyState;
  priority: number;
}

/** Why a script may not run as root, or null when it may. */
export function scriptInsecurity(path: string, stat: (p: string) => { uid: number; mode: number } = statSync): string | null {
  if (!isAbsolute(path)) return `script ${path} is not an absolute path`;
  let p = resolve(path);
  for (;;) {
    let st: { uid: number; mode: number };
    try {
      st = stat(p);
    } catch {
      return `script ${path}: ${p} does not exist`;
    }
    if (st.uid !== 0) return `script ${path}: ${p} is owned by uid ${st.uid}, not root`;
    const isSticky = (st.mode & 0o1000) !== 0;
    if ((st.mode & 0o022) !== 0 && !(p !== path && isSticky)) {
      return `script ${path}: ${p} is writable by group or others`;
    }
    if (p === '/') return null;
    p = dirname(p);
  }
}

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** A bare command name's path on PATH (the first executable regular file), or null. */
export function searchPath(name: string, path = process.env.PATH || DEFAULT_PATH, executable = isExecutableFile): string | null {
  if (name.includes('/')) return name;
  for (const dir of path.split(':')) {
    if (dir !== '' && executable(join(dir, name))) return join(dir, name);
  }
  return null;
}

function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * enable_script_security, as keepalived.conf(5) states it: a bare command name is looked up on
 * PATH (keepalived does; refusing it left an unweighted script's instances in FAULT for good),
 * and a script that runs as root must not be writable or replaceable by anyone else; a script
 * run as another user (script_user, vrrp_script user) is not held to that. Returns the path to
 * run, or why not.
 */
export function secureScript(file: string, runAs: RunAs | null | undefined, insecure: (p: string) => string | null = scriptInsecurity): { file: string } | { error: string } {
  const found = searchPath(file);
  if (found === null) return { error: `script ${file} not found on PATH` };
  if (!runAs || (runAs.uid === 0 && runAs.gid === 0)) {
    const why = insecure(found);
    if (why) return { error: `SECURITY VIOLATION - ${why}` };
  }
  return { file: found };
}

export interface NotifyRunnerOptions {
  enableScriptSecurity: boolean;
  log: { warning(m: string): void; info(m: string): void; debug(m: string): void };
  /** Upper bound for a script's run time; keepalived's default script timeout is long, ours too. */
  timeoutMs?: number;
  /** script_user: who notify scripts run as (null/absent = root). */
  runAs?: RunAs | null;
}

/** execFile options that run a script as `runAs` (setgid then setuid, as keepalived's child does). */
export function asUser(runAs: RunAs | null | undefined): { uid?: number; gid?: number } {
  return runAs ? { uid: runAs.uid, gid: runAs.gid } : {};
}

export class NotifyRunner {
  private readonly refused = new Set<string>();
  private running = 0;

  constructor(private readonly opts: NotifyRunnerOptions) {}

  /** Scripts still running (for tests and orderly shutdown). */
  get inFlight(): number {
    return this.running;
  }

  /**
   * Run `argv` (from the config) with `extraArgs` appended. Never throws and never waits:
   * the VRRP side must not stall on a slow script.
   */
  run(argv: string[] | null, extraArgs: string[] = [], ownRunAs?: RunAs | null): void {
    if (!argv || argv.length === 0) return;
    let [file] = argv;
    const args = argv.slice(1);
    // the script's own user (notify* SCRIPT USER; null = root), else script_user
    const runAs = ownRunAs !== undefined ? ownRunAs : this.opts.runAs;
    if (this.opts.enableScriptSecurity) {
      const ok = secureScript(file, runAs);
      if ('error' in ok) {
        if (!this.refused.has(file)) this.opts.log.warning(`${ok.error}; not running it`);
        this.refused.add(file);
        return;
      }
      file = ok.file;
    }
    this.running++;
    childProcess().execFile(file, [...args, ...extraArgs], { timeout: this.opts.timeoutMs ?? 30_000, ...asUser(runAs) }, (err) => {
      this.running--;
      if (err) this.opts.log.warning(`notify script ${file} failed: ${err.message.split('\n')[0]}`);
    });
  }

  /** The generic `notify` script with keepalived's four arguments. */
  notify(argv: string[] | null, req: NotifyRequest, ownRunAs?: RunAs | null): void {
    this.run(argv, [req.kind, req.name, req.state, String(req.priority)], ownRunAs);
  }
}
