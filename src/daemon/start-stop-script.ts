/**
 * startup_script and shutdown_script, run as keepalived 2.2.7's parent runs them (core/main.c
 * run_startup_script, startup_shutdown_script_completed, handle_child_timeout; lib/notify.c
 * system_call_script): the daemon waits for the script; a failure is only logged. The script
 * runs in its own process group, as its user (uid, gid, no supplementary groups), with stdin,
 * stdout and stderr on /dev/null. At its timeout the group gets SIGTERM, 2 s later SIGKILL,
 * 2 s later SIGKILL again, and 10 s after that the daemon gives up waiting.
 *
 * The decisions (what to check, what to log, the kill escalation) are pure functions; run()
 * is the shell around them.
 */
/** node:child_process, loaded on first use: with it the worker's start loaded node:dgram and ~6 ms of CPU (host) before its first VRRP state (issue 15). */
const childProcess = () => require('node:child_process') as typeof import('node:child_process');
import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import type { StartStopScript } from '../config/model';
import { asUser, searchPath, secureScript } from './notify';

export type StartStopType = 'startup' | 'shutdown';

/** keepalived's `type` string of these scripts: its lines read "startup script script failed". */
const label = (type: StartStopType): string => `${type} script`;

/** One step of handle_child_timeout: the signal sent to the group, and how long to wait after it. */
export interface Escalation {
  signal: 'SIGTERM' | 'SIGKILL' | null;
  waitMs: number;
  log: string | null;
}

/** The step taken when the script is still running at the `n`th deadline (0 = the timeout itself). */
export function escalation(type: StartStopType, n: number, pid: number): Escalation {
  switch (n) {
    case 0: return { signal: 'SIGTERM', waitMs: 2000, log: `${label(type)} timed out` };
    case 1: return { signal: 'SIGKILL', waitMs: 2000, log: null };
    case 2: return { signal: 'SIGKILL', waitMs: 10_000, log: `${label(type)} (PID ${pid}) failed to terminate after kill` };
    default: return { signal: null, waitMs: 0, log: null }; // give up waiting
  }
}

/** The longest a script can hold the daemon: its timeout and the whole escalation. */
export function longestRunMs(timeoutS: number): number {
  let ms = timeoutS * 1000;
  for (let n = 0; escalation('startup', n, 0).signal !== null; n++) ms += escalation('startup', n, 0).waitMs;
  return ms;
}

/** The line logged when the script ended (null: nothing to log). */
export function exitLine(type: StartStopType, code: number | null, detail: boolean): string | null {
  if (code === null) return null; // killed by a signal: keepalived logs nothing
  if (code !== 0) return `${label(type)} script failed, status ${code}`;
  return detail ? `${label(type)} script succeeded` : null;
}

export interface FileFacts {
  realpath(p: string): string;
  isFile(p: string): boolean;
  executableBy(p: string, uid: number, gid: number): boolean;
}

const fsFacts: FileFacts = {
  realpath: (p) => realpathSync(p),
  isFile: (p) => statSync(p).isFile(),
  executableBy: (p, uid, gid) => {
    const st = statSync(p);
    if (uid === 0) {
      try {
        accessSync(p, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    }
    if (st.uid === uid) return (st.mode & 0o100) !== 0;
    if (st.gid === gid) return (st.mode & 0o010) !== 0;
    return (st.mode & 0o001) !== 0;
  },
};

/**
 * check_script_secure for these scripts: the path to execute, or the line keepalived logs when it
 * will not run the script (a bare name not on PATH, a file that cannot be read, not executable
 * by its user, or, under enable_script_security, writable by someone else).
 */
export function checkStartStopScript(script: StartStopScript, scriptSecurity: boolean, facts: FileFacts = fsFacts): { file: string } | { refused: string } {
  const name = script.argv[0];
  const uid = script.runAs?.uid ?? 0;
  const gid = script.runAs?.gid ?? 0;
  if (scriptSecurity) {
    const ok = secureScript(name, script.runAs);
    if ('error' in ok) return { refused: `${ok.error} - disabling` };
  }
  const found = searchPath(name);
  if (found === null) return { refused: `Cannot find script ${name} in path - disabling` };
  try {
    facts.realpath(found);
    if (!facts.isFile(found)) throw Object.assign(new Error('not a file'), { code: 'EACCES' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { refused: `Script ${name} cannot be accessed - ${code === 'ENOENT' ? 'No such file or directory' : code === 'EACCES' ? 'Permission denied' : (err as Error).message}` };
  }
  if (!facts.executableBy(found, uid, gid)) return { refused: `WARNING - script '${found}' is not executable for uid:gid ${uid}:${gid} - disabling.` };
  return { file: found };
}

export interface StartStopDeps {
  log: { info(m: string): void; warning(m: string): void };
  /** -D/--log-detail: keepalived logs "Running startup script X" and success only then. */
  detail: boolean;
  scriptSecurity: boolean;
  /** Signal a process group (tests may watch it). */
  killGroup?: (pgid: number, signal: NodeJS.Signals) => void;
}

/** Run the script and resolve when it has ended (or been given up on). Never rejects. */
export function runStartStopScript(type: StartStopType, script: StartStopScript, timeoutS: number, deps: StartStopDeps): Promise<void> {
  const checked = checkStartStopScript(script, deps.scriptSecurity);
  if ('refused' in checked) {
    deps.log.warning(checked.refused);
    return Promise.resolve();
  }
  if (deps.detail) deps.log.info(`Running ${type} script ${script.argv[0]}`);
  const killGroup = deps.killGroup ?? ((pgid, sig) => process.kill(-pgid, sig));
  return new Promise<void>((resolve) => {
    const child = childProcess().spawn(checked.file, script.argv.slice(1), {
      argv0: script.argv[0],
      detached: true, // setsid: its own process group, killed as a whole
      stdio: 'ignore',
      ...asUser(script.runAs),
    });
    let timer: NodeJS.Timeout | null = null;
    let termSent = false;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      resolve();
    };
    const step = (n: number): void => {
      const e = escalation(type, n, child.pid ?? 0);
      if (e.log) deps.log.info(e.log);
      if (e.signal === null) return finish();
      try {
        killGroup(child.pid!, e.signal);
        if (e.signal === 'SIGTERM') termSent = true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ESRCH') {
          deps.log.info(`${label(type)} (PID ${child.pid}) lost`);
          return finish();
        }
        deps.log.info(`kill -${e.signal} of ${label(type)} (${child.pid}) failed: ${(err as Error).message}`);
      }
      timer = setTimeout(() => step(n + 1), e.waitMs);
    };
    child.once('error', (err) => {
      // keepalived's forked child logs the failed exec and exits 0: not a script failure
      deps.log.warning(`Error exec-ing command '${script.argv[0]}', error ${(err as NodeJS.ErrnoException).errno ?? ''}: ${err.message}`);
      finish();
    });
    child.once('exit', (code, signal) => {
      // terminated by our SIGTERM: make sure whatever it started goes too
      if (signal === 'SIGTERM' && termSent) {
        try {
          killGroup(child.pid!, 'SIGKILL');
        } catch {
          // the group is gone already
        }
      }
      const line = exitLine(type, signal ? null : code, deps.detail);
      if (line) deps.log.info(line);
      finish();
    });
    timer = setTimeout(() => step(0), timeoutS * 1000);
  });
}
