/**
 * `halo run`: the director daemon, in the foreground. This Node process parses keepalived's
 * command line and takes the pid file, then becomes (execv, same pid) the supervisor,
 * native/src/supervisor.c: a ~1 MB C process that runs the engines in a Node worker
 * (src/daemon/worker.ts), forwards SIGHUP/SIGTERM, and, if the worker dies abnormally, releases
 * its MASTER instances at once (priority-0 adverts, VIPs removed) and respawns it. The config is
 * read once, by the worker: an invalid one makes it print the located errors and exit
 * EX_CONFIG, and the supervisor exits 1 without respawning (fail-closed, nothing started).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger, detectLogFormat } from '../daemon/logger';
import { parseRunArgs, RUN_USAGE } from '../daemon/options';
import { acquirePidFile, releasePidFile } from '../daemon/pidfile';
import { KEEPALIVED_UMASK } from '../daemon/umask';
import { haloNative } from '../net/native';
import { DEFAULT_CONTROL_SOCKET, DEFAULT_PID_FILE } from '../daemon/paths';
import { namespaceMissing, namespaceOverride, pidDirectories, readProcessIdentity, runtimePath } from '../daemon/process-identity';
import { searchPath } from '../daemon/notify';

/**
 * The worker's V8 flags, before this process's own (a later flag wins). Under a checker's
 * allocation rate V8 grows its young generation's semi-spaces up to 16 MB; 2 MB keeps a
 * director with 1,000 checked virtual servers in keepalived's weight class, at the cost of more
 * frequent (cheap: little survives) scavenges. Measured by test/bench/daemon/run.js lvs.
 */
export const WORKER_V8_FLAGS = ['--max-semi-space-size=2'];

/** The supervisor program, built with the native addon (native/binding.gyp). */
export const SUPERVISOR = join(__dirname, '..', '..', 'native', 'build', 'Release', 'halo_supervisor');

export async function main(argv: string[]): Promise<number> {
  const parsed = parseRunArgs(argv);
  if (!parsed.ok) {
    process.stderr.write(`halo run: ${parsed.message}\n${RUN_USAGE}`);
    return 2;
  }
  const opts = parsed.options;
  switch (opts.action.kind) {
    case 'help':
      process.stdout.write(RUN_USAGE);
      return 0;
    case 'version':
      process.stdout.write(`halo ${require('../../package.json').version} (keepalived 2.2.7 configuration)\n`);
      return 0;
    case 'signum':
      process.stdout.write(`${opts.action.signal}\n`);
      return 0;
    default:
      break;
  }
  // keepalived's main(): umask 0177 (lib/utils.c umask_val) unless -u/--umask says otherwise, from
  // the start, so every script (notify, track, MISC_CHECK, FIFO) and file inherits it; global_defs
  // umask replaces it in the worker
  process.umask(opts.umask ?? KEEPALIVED_UMASK);
  if (opts.configTest) {
    return (await import('./check')).main([
      '-f', opts.configFile, ...(opts.configId !== null ? ['-i', opts.configId] : []), ...(opts.allConfig ? ['-e'] : []),
      ...(opts.allowUnimplemented ? ['--allow-unimplemented'] : []),
    ]);
  }
  if (!existsSync(SUPERVISOR)) {
    process.stderr.write(`halo run: ${SUPERVISOR} is missing: build the native part (npm run install)\n`);
    return 1;
  }
  const format = opts.logFormat ?? detectLogFormat();
  const tag = opts.logDetail ? `halo[${process.pid}]` : undefined;
  const log = createLogger({ format, level: opts.logLevel, tag });
  // net_namespace and instance, known before the pid file is taken (keepalived's parent reads
  // them before it forks): they name the default pid file and control socket
  const fromConfig = readProcessIdentity(opts.configFile, { configId: opts.configId ?? undefined, allConfig: opts.allConfig });
  const ns = namespaceOverride(fromConfig.netNamespace, opts.netNamespace ?? null);
  if (ns.log) log.info(ns.log);
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
      for (const l of missing ?? [`cannot enter network namespace ${id.netNamespace}: ip (iproute2) not found`]) log.error(l);
      return 1;
    }
    enter = [ip, 'netns', 'exec', id.netNamespace];
  }
  // the pid stays the same through execv: the pid file names the supervisor
  const pid = acquirePidFile(opts.pidFile);
  if (!pid.ok) {
    process.stderr.write(`halo run: ${pid.message}\n`);
    return 1;
  }
  const worker = [process.execPath, ...WORKER_V8_FLAGS, ...process.execArgv, join(__dirname, '..', 'daemon', 'worker-start.js'), JSON.stringify(opts)];
  const supervisor = [SUPERVISOR, '--pid-file', opts.pidFile, '--log-format', format, '--log-level', opts.logLevel, ...(tag ? ['--tag', tag] : []),
    '--config', opts.configFile,
    ...pidDirectories(DEFAULT_PID_FILE, id).flatMap((d) => ['--remove-dir', d]), '--', ...worker];
  try {
    if (enter.length > 0) haloNative().exec(enter[0], [...enter, ...supervisor]);
    else haloNative().exec(SUPERVISOR, supervisor);
  } catch (err) {
    releasePidFile(opts.pidFile);
    process.stderr.write(`halo run: cannot start the supervisor: ${(err as Error).message}\n`);
  }
  return 1;
}
