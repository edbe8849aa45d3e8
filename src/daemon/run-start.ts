/**
 * `halo run`'s command line, read by the first worker (issue 15: one Node start instead of two).
 *
 * `halo run` is the C supervisor from its first instruction: the `halo` launcher (bin/halo, the
 * Debian package's /usr/sbin/halo) execs native/src/supervisor.c in its `--run` mode, and
 * `node dist/cli/main.js run` does the same from src/cli/run.ts. The supervisor starts this
 * worker with the raw arguments; before it loads any engine the worker does what the Node CLI
 * did before it became the supervisor:
 *   - keepalived's flags and messages (src/daemon/options.ts): an error, --help, --version,
 *     --signum and -t end here, with the same output and exit status, and the supervisor exits
 *     with that status, silently;
 *   - umask, net_namespace and instance (identityOf: no full parse), the pid file and control
 *     socket paths, and the pid file itself, naming the supervisor (the worker's parent), once
 *     the supervisor has its path (held.ts `pidfile`: stopped before `run`, it removes the file);
 *   - then it tells the supervisor (held.ts `run`), which logs "Starting halo (config F)" and
 *     answers `go`; the worker runs the engines (src/daemon/worker.ts) and the config is read
 *     once, as before: an invalid one or a refused unimplemented feature (--allow-unimplemented
 *     absent) exits EX_CONFIG before any VIP moves. A respawned worker gets the RunOptions JSON.
 *   - With a net_namespace the supervisor and worker must both live in it: the worker asks the
 *     supervisor (held.ts `exec`) to exec `ip netns exec NS halo_supervisor ...` with the same
 *     arguments `halo run` gave it before, and exits; that supervisor starts a fresh worker.
 */
import { join } from 'node:path';
import { createLogger, detectLogFormat } from './logger';
import { parseRunArgs, RUN_USAGE, type RunOptions } from './options';
import { acquirePidFile } from './pidfile';
import { KEEPALIVED_UMASK } from './umask';
import { DEFAULT_CONTROL_SOCKET, DEFAULT_PID_FILE } from './paths';
import { namespaceMissing, namespaceOverride, pidDirectories, readProcessIdentity, runtimePath } from './process-identity';
import { searchPath } from './notify';
import type { SupervisorStart } from './held';

/**
 * The worker's V8 flags, before the `halo run` process's own (a later flag wins). Under a
 * checker's allocation rate V8 grows its young generation's semi-spaces up to 16 MB; 2 MB keeps
 * a director with 1,000 checked virtual servers in keepalived's weight class, at the cost of
 * more frequent (cheap: little survives) scavenges. Measured by test/bench/daemon/run.js lvs.
 * bin/halo and deploy/debian/halo pass the same (test/daemon/launcher.test.ts holds them to it).
 */
export const WORKER_V8_FLAGS = ['--max-semi-space-size=2'];

/** The supervisor program, built with the native addon (native/binding.gyp); from dist/daemon and dist/cli alike. */
export const SUPERVISOR = join(__dirname, '..', '..', 'native', 'build', 'Release', 'halo_supervisor');

/** The argument before `halo run`'s own arguments in the first worker's command line. */
export const RUN_ARGS_MARK = '--halo-run';

export type RunStart =
  | { kind: 'exit'; code: number }
  | { kind: 'run'; options: RunOptions; start: SupervisorStart }
  | { kind: 'exec'; argv: string[] };

/**
 * Read `halo run`'s arguments as the first worker; may print and take the pid file (for `ppid`).
 * `beforePidFile` is awaited first with its path: the supervisor is told (held.ts `pidFile`), so
 * it removes the file however this worker ends before `run`.
 */
export async function prepareRun(argv: string[], ppid = process.ppid, beforePidFile: (path: string) => Promise<void> = async () => undefined): Promise<RunStart> {
  const exit = (code: number): RunStart => ({ kind: 'exit', code });
  const parsed = parseRunArgs(argv);
  if (!parsed.ok) {
    process.stderr.write(`halo run: ${parsed.message}\n${RUN_USAGE}`);
    return exit(2);
  }
  const opts = parsed.options;
  switch (opts.action.kind) {
    case 'help':
      process.stdout.write(RUN_USAGE);
      return exit(0);
    case 'version':
      process.stdout.write(`halo ${require('../../package.json').version} (keepalived 2.2.7 configuration)\n`);
      return exit(0);
    case 'signum':
      process.stdout.write(`${opts.action.signal}\n`);
      return exit(0);
    default:
      break;
  }
  // keepalived's main(): umask 0177 (lib/utils.c umask_val) unless -u/--umask says otherwise, from
  // the start, so every script (notify, track, MISC_CHECK, FIFO) and file inherits it; global_defs
  // umask replaces it in the worker
  process.umask(opts.umask ?? KEEPALIVED_UMASK);
  if (opts.configTest) {
    // `halo check`, from dist/cli, outside the worker's bundle (a path esbuild does not follow)
    const check = require(join(__dirname, '..', 'cli', 'check.js')) as { main: (a: string[]) => Promise<number> };
    return exit(await check.main([
      '-f', opts.configFile, ...(opts.configId !== null ? ['-i', opts.configId] : []), ...(opts.allConfig ? ['-e'] : []),
      ...(opts.allowUnimplemented ? ['--allow-unimplemented'] : []),
    ]));
  }
  const format = opts.logFormat ?? detectLogFormat();
  // the tag names the supervisor, as it did when `halo run` became it
  const tag = opts.logDetail ? `halo[${ppid}]` : undefined;
  // net_namespace and instance, known before the pid file is taken (keepalived's parent reads
  // them before it forks): they name the default pid file and control socket
  const fromConfig = readProcessIdentity(opts.configFile, { configId: opts.configId ?? undefined, allConfig: opts.allConfig });
  const ns = namespaceOverride(fromConfig.netNamespace, opts.netNamespace ?? null);
  const log = () => createLogger({ format, level: opts.logLevel, tag });
  if (ns.log) log().info(ns.log);
  const id = { netNamespace: ns.namespace, instanceName: fromConfig.instanceName };
  opts.pidFile = runtimePath(opts.pidFile, DEFAULT_PID_FILE, id);
  opts.controlSocket = runtimePath(opts.controlSocket, DEFAULT_CONTROL_SOCKET, id);
  // the supervisor, the worker and every script run in the namespace: `ip netns exec` enters it
  // (setns) in the one thread that then execs the supervisor, with /sys remounted for it
  let enter: string[] = [];
  if (id.netNamespace !== null) {
    const missing = namespaceMissing(id.netNamespace);
    const ip = searchPath('ip');
    if (missing || ip === null || ip === 'ip') {
      const l = log();
      for (const line of missing ?? [`cannot enter network namespace ${id.netNamespace}: ip (iproute2) not found`]) l.error(line);
      return exit(1);
    }
    enter = [ip, 'netns', 'exec', id.netNamespace];
  }
  // the pid file names the supervisor: this worker's parent, which knows its path first
  await beforePidFile(opts.pidFile);
  const pid = acquirePidFile(opts.pidFile, ppid);
  if (!pid.ok) {
    process.stderr.write(`halo run: ${pid.message}\n`);
    return exit(1);
  }
  const start: SupervisorStart = {
    pidFile: opts.pidFile, logFormat: format, logLevel: opts.logLevel, tag, configFile: opts.configFile,
    options: JSON.stringify(opts), removeDirs: pidDirectories(DEFAULT_PID_FILE, id),
  };
  if (enter.length === 0) return { kind: 'run', options: opts, start };
  // this worker's own command line (its V8 flags included), with the options instead of the arguments
  const worker = [process.execPath, ...process.execArgv, process.argv[1], start.options];
  return { kind: 'exec', argv: [...enter, SUPERVISOR, ...supervisorArgs(start), '--', ...worker] };
}

/** The supervisor's options for a start `halo run` has prepared (its usage: native/src/supervisor.c). */
export function supervisorArgs(s: SupervisorStart): string[] {
  return ['--pid-file', s.pidFile, '--log-format', s.logFormat, '--log-level', s.logLevel, ...(s.tag ? ['--tag', s.tag] : []),
    '--config', s.configFile, ...s.removeDirs.flatMap((d) => ['--remove-dir', d])];
}
