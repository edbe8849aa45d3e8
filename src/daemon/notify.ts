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
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { RunAs } from '../config/model';

export type NotifyState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP';

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
  run(argv: string[] | null, extraArgs: string[] = []): void {
    if (!argv || argv.length === 0) return;
    const [file, ...args] = argv;
    if (this.opts.enableScriptSecurity) {
      const why = scriptInsecurity(file);
      if (why) {
        if (!this.refused.has(file)) this.opts.log.warning(`SECURITY VIOLATION - ${why}; not running it`);
        this.refused.add(file);
        return;
      }
    }
    this.running++;
    execFile(file, [...args, ...extraArgs], { timeout: this.opts.timeoutMs ?? 30_000, ...asUser(this.opts.runAs) }, (err) => {
      this.running--;
      if (err) this.opts.log.warning(`notify script ${file} failed: ${err.message.split('\n')[0]}`);
    });
  }

  /** The generic `notify` script with keepalived's four arguments. */
  notify(argv: string[] | null, req: NotifyRequest): void {
    this.run(argv, [req.kind, req.name, req.state, String(req.priority)]);
  }
}
