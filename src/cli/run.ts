/**
 * `halo run`: the director daemon. This process is the supervisor — it holds the pid file,
 * forwards SIGHUP/SIGTERM, and runs the engines in a worker process (src/daemon/worker.ts);
 * if the worker dies abnormally it releases the worker's MASTER instances at once (priority-0
 * adverts, VIPs removed) and respawns it. Stays in the foreground; logs to stdout.
 */
import { join } from 'node:path';
import { createLogger, detectLogFormat } from '../daemon/logger';
import { loadOptions, parseRunArgs, RUN_USAGE } from '../daemon/options';
import { acquirePidFile, releasePidFile } from '../daemon/pidfile';
import { HeldInstance, Supervisor } from '../daemon/supervisor';
import { loadConfig } from '../config/load';
import { formatDiagnostic } from '../config/model';

/**
 * The modules a release needs (rtnetlink, the raw VRRP socket). Loading them costs seconds under
 * software emulation (test/bench/startup), so the supervisor loads them once its worker is
 * ready, not before starting it; a worker dying earlier than that waits for the load here.
 */
const releaseModules = () => Promise.all([import('../net/addresses'), import('../net/links'), import('../net/vrrp-socket')]);

/** What the supervisor does for a dead worker: the priority-0 packets it left, and its VIPs off. */
async function releaseHeld(held: HeldInstance[]): Promise<void> {
  const [{ createAddressManager }, { createLinkQuery }, { openVrrpSocket }] = await releaseModules();
  const links = createLinkQuery();
  const addresses = createAddressManager();
  try {
    for (const h of held) {
      if (h.packets.length === 0) continue; // halo_announce VIPs: no adverts to send
      const link = await links.query(h.interface);
      if (link.ok && link.value) {
        const t = openVrrpSocket({ ifname: h.interface, ifindex: link.value.index, group: null });
        try {
          for (const p of h.packets) await t.send(Buffer.from(p.hex, 'hex'), p.dst);
        } finally {
          t.close();
        }
      }
    }
    for (const h of held) for (const v of h.vips) await addresses.remove(v);
  } finally {
    links.close();
    addresses.close();
  }
}

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
  if (opts.umask !== null) process.umask(opts.umask);
  if (opts.configTest) {
    return (await import('./check')).main([
      '-f', opts.configFile, ...(opts.configId !== null ? ['-i', opts.configId] : []), ...(opts.allConfig ? ['-e'] : []),
      ...(opts.allowUnimplemented ? ['--allow-unimplemented'] : []),
    ]);
  }
  // Refuse before anything starts: every error, and every feature halo does not implement,
  // is listed with its place (keepalived would act on it; halo must not run as if it did).
  const loaded = loadConfig(opts.configFile, loadOptions(opts));
  if (loaded.model === null) {
    for (const d of loaded.diagnostics) if (d.severity === 'error') process.stderr.write(formatDiagnostic(d) + '\n');
    const n = loaded.diagnostics.filter((d) => d.severity === 'error').length;
    process.stderr.write(`halo run: ${opts.configFile}: ${n} error${n === 1 ? '' : 's'}; not starting\n`);
    return 1;
  }
  // global_defs umask, unless -u/--umask was given (keepalived: the command line wins).
  if (opts.umask === null && loaded.model.globalDefs.umask !== null) process.umask(loaded.model.globalDefs.umask);
  const log = createLogger({ format: opts.logFormat ?? detectLogFormat(), level: opts.logLevel, tag: opts.logDetail ? `halo[${process.pid}]` : undefined });
  const pid = acquirePidFile(opts.pidFile);
  if (!pid.ok) {
    process.stderr.write(`halo run: ${pid.message}\n`);
    return 1;
  }
  log.info(`Starting halo (config ${opts.configFile})`);
  const sup = new Supervisor({
    workerPath: join(__dirname, '..', 'daemon', 'worker.js'),
    workerArgs: [JSON.stringify(opts)],
    release: releaseHeld,
    log,
    onReady: () => void releaseModules(),
  });
  sup.start();
  process.on('SIGHUP', () => sup.reload());
  // a worker draining halo_announce VIPs is given their longest drain, beyond the usual 10 s
  const graceMs = 10_000 + Math.max(0, ...loaded.model.announces.map((a) => Math.max(a.drainDelayMs, a.drainTimeoutMs)));
  process.on('SIGTERM', () => sup.stop(graceMs));
  process.on('SIGINT', () => sup.stop(graceMs));
  const code = await sup.done;
  releasePidFile(opts.pidFile);
  log.info(`halo exiting with status ${code}`);
  return code;
}
