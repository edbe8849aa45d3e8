/**
 * `halo run`: the director daemon, in the foreground. This process becomes (execv, same pid) the
 * supervisor, native/src/supervisor.c: a ~1 MB C process that runs the engines in a Node worker
 * (src/daemon/worker.ts), forwards SIGHUP/SIGTERM, and, if the worker dies abnormally, releases
 * its MASTER instances at once (priority-0 adverts, VIPs removed) and respawns it. The launcher
 * (bin/halo, /usr/sbin/halo) execs the supervisor the same way without starting Node at all.
 * The command line is read by the first worker (src/daemon/run-start.ts: keepalived's flags and
 * messages, the pid file, net_namespace); the config is read once, by the worker: an invalid
 * one makes it print the located errors and exit EX_CONFIG, and the supervisor exits 1 without
 * respawning (fail-closed, nothing started).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { haloNative } from '../net/native';
import { RUN_ARGS_MARK, SUPERVISOR, WORKER_V8_FLAGS } from '../daemon/run-start';

export { SUPERVISOR, WORKER_V8_FLAGS };

/** The supervisor's command line for `halo run ARGS` (bin/halo builds the same one in sh). */
export function supervisorCommand(argv: string[], node = process.execPath, execArgv = process.execArgv): string[] {
  return [SUPERVISOR, '--run', '--', node, ...WORKER_V8_FLAGS, ...execArgv, join(__dirname, '..', 'daemon', 'worker-start.js'), RUN_ARGS_MARK, ...argv];
}

export async function main(argv: string[]): Promise<number> {
  if (!existsSync(SUPERVISOR)) {
    process.stderr.write(`halo run: ${SUPERVISOR} is missing: build the native part (npm run install)\n`);
    return 1;
  }
  try {
    haloNative().exec(SUPERVISOR, supervisorCommand(argv));
  } catch (err) {
    process.stderr.write(`halo run: cannot start the supervisor: ${(err as Error).message}\n`);
  }
  return 1;
}
