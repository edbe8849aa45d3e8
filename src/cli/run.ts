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
import { haloNative } from '../net/native';

/**
 * The modules a release needs (rtnetlink, the raw VRRP socket). Loading them costs seconds under
 * software emulation (test/bench/startup), so the supervisor loads them once its worker is
 * ready, not before starting it; a worker dying earlier than that waits for the load here.
 */
const releaseModules = () =>
  Promise.all([import('../net/addresses'), import('../net/links'), import('../net/vrrp-socket'), import('../net/vrrp6-socket')]);

/**
 * Send-only sockets (the addon's IPPROTO_RAW sender) for the interfaces of held instances, opened
 * when the worker reports an instance as held: a dead worker's priority-0 adverts then go out at
 * once, before any module load, netlink query or socket setup (those took 100 ms and more of
 * the Skew_Time budget under load).
 */
const readySenders = new Map<string, number>();

async function prepareRelease(h: HeldInstance): Promise<void> {
  if (readySenders.has(h.interface)) return;
  try {
    const [, { createLinkQuery }] = await releaseModules();
    const links = createLinkQuery();
    try {
      const link = await links.query(h.interface);
      if (link.ok && link.value && !readySenders.has(h.interface)) readySenders.set(h.interface, haloNative().openIpSender(h.interface, link.value.index));
    } finally {
      links.close();
    }
  } catch {
    // no addon or no such interface now: releaseHeld opens a socket itself when needed
  }
}

/** Sends the held priority-0 adverts through the ready senders; returns the instances it could not. */
function releaseAtOnce(held: HeldInstance[]): HeldInstance[] {
  const rest: HeldInstance[] = [];
  for (const h of held) {
    const fd = readySenders.get(h.interface);
    try {
      if (fd === undefined) throw new Error('no sender');
      if (h.packets.some((p) => p.src !== undefined)) throw new Error('IPv6: sent below through its own socket');
      for (const p of h.packets) haloNative().sendIpPacket(fd, Buffer.from(p.hex, 'hex'), p.dst);
    } catch {
      if (fd !== undefined) {
        readySenders.delete(h.interface); // a stale socket (interface gone): open afresh below
        try { haloNative().closeIpSender(fd); } catch { /* already unusable */ }
      }
      rest.push(h);
    }
  }
  return rest;
}

/** What the supervisor does for a dead worker: the priority-0 packets it left, and its VIPs off. */
async function releaseHeld(held: HeldInstance[]): Promise<void> {
  const unsent = releaseAtOnce(held);
  const [{ createAddressManager }, { createLinkQuery }, { openVrrpSocket }, { openVrrp6Socket }] = await releaseModules();
  const links = createLinkQuery();
  const addresses = createAddressManager();
  try {
    for (const h of unsent) {
      const link = await links.query(h.interface);
      if (link.ok && link.value) {
        const ipv6 = h.packets.some((p) => p.src !== undefined);
        const t = (ipv6 ? openVrrp6Socket : openVrrpSocket)({ ifname: h.interface, ifindex: link.value.index, group: null });
        try {
          for (const p of h.packets) await t.send(Buffer.from(p.hex, 'hex'), p.dst, p.src);
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
    onHeld: (h) => void prepareRelease(h),
  });
  sup.start();
  process.on('SIGHUP', () => sup.reload());
  process.on('SIGTERM', () => sup.stop());
  process.on('SIGINT', () => sup.stop());
  const code = await sup.done;
  releasePidFile(opts.pidFile);
  log.info(`halo exiting with status ${code}`);
  return code;
}
