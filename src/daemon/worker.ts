/**
 * The worker process of `halo run`: loads the config, runs the VRRP engine (and, with the LVS
 * side, the checks and the IPVS reconciler), serves the control socket and metrics, and
 * reports to the supervisor over IPC which instances it holds as MASTER.
 *
 * Started by the supervisor (src/cli/run.ts) with the run options as one JSON argument.
 */
import { SmtpAlerter } from '../alert/alerter';
import { resolve } from 'node:path';
import { createAddressManager } from '../net/addresses';
import { createLocalRoutes, type LocalRouteSpec } from '../net/local-route';
import { createRouteManager } from '../net/routes';
import { createRouteWatch } from '../net/route-watch';
import { createGarpSender } from '../net/garp';
import { createLinkMonitor } from '../net/links';
import { createVmacManager } from '../net/vmac';
import { NftFirewall } from '../net/nft-firewall';
import type { NftSettings } from '../net/nft-rules';
import type { HostAddresses } from './lvs-engine';
import { openVrrpSocket } from '../net/vrrp-socket';
import { openVrrp6Socket } from '../net/vrrp6-socket';
import { formatDiagnostic } from '../config/model';
import { loadConfig } from '../config/load';
import { loadOptions } from './options';
import { startControlServer } from './control';
import { createLogger, detectLogFormat } from './logger';
import type { Metrics } from './metrics';
import { NotifyRunner } from './notify';
import type { RunOptions } from './options';
import { Director } from './director';
import { encodeWorkerMessage, EX_CONFIG, WorkerMessage } from './held';
import { snmpPlan } from './snmp/plan';
import { SyncDaemonDriver } from './sync-daemon';
import { haloNative } from '../net/native';
import { stopGraceMs } from '../announce/reload';

/**
 * `halo reload [--plan] [-f FILE]` over the control socket: a preview may name any file (the
 * default is the running one); applying re-reads the daemon's own config file, as SIGHUP does.
 */
export function reloadRequest(director: Pick<Director, 'reload' | 'planReload'>, configFile: string, req: { [k: string]: unknown }): Promise<unknown> {
  const file = typeof req.file === 'string' ? resolve(req.file) : null;
  if (req.plan === true) return director.planReload(file ?? configFile);
  if (file !== null && file !== resolve(configFile)) {
    throw new Error(`the daemon runs ${configFile}; put ${file} in its place first, or preview it with --plan`);
  }
  return director.reload();
}

export async function runWorker(opts: RunOptions): Promise<number> {
  const log = createLogger({ format: opts.logFormat ?? detectLogFormat(), level: opts.logLevel, tag: opts.logDetail ? `halo[${process.pid}]` : undefined });
  // The only reading of the config at start-up: refuse before anything starts. Every error, and
  // every feature halo does not implement, is listed with its place (keepalived would act on it;
  // halo must not run as if it did); the supervisor does not respawn a worker exiting EX_CONFIG.
  const loaded = loadConfig(opts.configFile, loadOptions(opts));
  if (!loaded.model) {
    const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
    process.stderr.write(errors.map((d) => `${formatDiagnostic(d)}\n`).join(''));
    process.stderr.write(`halo run: ${opts.configFile}: ${errors.length} error${errors.length === 1 ? '' : 's'}; not starting\n`);
    return EX_CONFIG;
  }
  for (const d of loaded.diagnostics) log.warning(formatDiagnostic(d));
  // global_defs umask, unless -u/--umask was given (keepalived: the command line wins)
  if (opts.umask === null && loaded.model.globalDefs.umask !== null) process.umask(loaded.model.globalDefs.umask);
  const send = (m: WorkerMessage) => process.send?.(encodeWorkerMessage(m));
  // address events: a VIP deleted behind our back (vip-upkeep.ts), and ha_suspend follows the
  // host's addresses
  const haSuspend = loaded.model.virtualServers.some((v) => v.haSuspend);
  const linksR = await createLinkMonitor({ addressEvents: true });
  if (!linksR.ok) {
    log.error(`cannot watch links: ${linksR.error.message}`);
    return 1;
  }
  const links = linksR.value;
  const addresses = createAddressManager();
  // the drain's holdover: its netlink socket opens on first use, so a reload that adds the first
  // halo_announce block drains at stop like a block present from the start
  let localRoutesSock: ReturnType<typeof createLocalRoutes> | null = null;
  const localRoutes = {
    add: (r: LocalRouteSpec) => (localRoutesSock ??= createLocalRoutes()).add(r),
    remove: (r: LocalRouteSpec) => (localRoutesSock ??= createLocalRoutes()).remove(r),
    close: () => localRoutesSock?.close(),
  };
  const hostAddresses: HostAddresses = {
    list: async () => {
      const all = await links.list();
      if (!all.ok) throw all.error;
      const out: { family: 4 | 6; address: string }[] = [];
      for (const l of all.value) {
        const r = await addresses.list(l.name);
        if (r.ok) out.push(...r.value);
      }
      return out;
    },
    onChange: (cb) => links.onAddress((e) => cb(e)),
  };
  // virtual_routes/virtual_rules/static_*: one rtnetlink socket, opened always (a reload may add them)
  const routes = createRouteManager();
  const garp = createGarpSender(links);
  const vmacs = loaded.model.vrrpInstances.some((i) => i.vmac) ? createVmacManager() : null;
  const nft = loaded.model.globalDefs.nftables;
  if (nft.defaulted) log.info('use_vmac or no_accept/strict specified, but no firewall configured - using nftables');
  // made on the first non-accept MASTER, with the settings of the config then in force
  const firewall = (settings: NftSettings) => new NftFirewall(settings, log);
  links.onError((e) => log.warning(`link monitor: ${e.message}; link states were re-read`));
  const notify = new NotifyRunner({ enableScriptSecurity: loaded.model.globalDefs.enableScriptSecurity, runAs: loaded.model.globalDefs.scriptRunAs, log });
  const alerts = new SmtpAlerter(loaded.model, log);
  let metrics: Metrics | null = null;
  // the IPVS client loads only when the sync daemon is used (lvs_sync_daemon)
  const syncDaemon = new SyncDaemonDriver({ open: async () => (await import('../ipvs/client')).IpvsClient.open(), log });
  const director: Director = new Director(loaded.model, opts, {
    log,
    // the checkers and the IPVS client load only for a config with virtual servers
    lvs: async (model) => {
      const [{ KernelLvsEngine }, { IpvsClient }] = await Promise.all([import('./lvs-engine'), import('../ipvs/client')]);
      return new KernelLvsEngine(model, { openTable: () => IpvsClient.open(), log, notify, metrics, alerts, hostAddresses: haSuspend ? hostAddresses : null });
    },
    addresses,
    links,
    garp,
    openTransport: (ifname, ifindex, groups, family, protocol) =>
      family === 6 ? openVrrp6Socket({ ifname, ifindex, group: groups[0] ?? null }) : openVrrpSocket({ ifname, ifindex, group: groups[0] ?? null, moreGroups: groups.slice(1), protocol }),
    // VRRP deadlines on a timerfd: a setTimeout fires up to 2 ms off (test/bench/failover)
    wakeTimer: (onExpire) => new (haloNative().DeadlineTimer)(onExpire),
    notify,
    alerts,
    syncDaemon,
    vmacs,
    firewall,
    routes,
    watchRoutes: (onNotice, onError) => createRouteWatch(onNotice, onError),
    onHeld: (held) => send({ type: 'held', held }),
    onReleased: (instance) => send({ type: 'released', instance }),
    // an announced VIP is held like a MASTER's VIPs (no adverts): a dead worker's route goes with it
    onAnnounced: (name, vip) => send({ type: 'held', held: { instance: `halo_announce ${name}`, interface: vip.dev, packets: [], vips: [vip] } }),
    onWithdrawn: (name) => send({ type: 'released', instance: `halo_announce ${name}` }),
    localRoutes,
    // a reload that changes the drains changes how long the supervisor waits for this worker at stop
    onStopGrace: (ms) => send({ type: 'stopGrace', ms }),
  });
  let control: Awaited<ReturnType<typeof startControlServer>>;
  try {
    control = await startControlServer(opts.controlSocket, (req) => {
      if (req.cmd === 'status') return director.status();
      if (req.cmd === 'reload') return reloadRequest(director, opts.configFile, req);
      throw new Error(`unknown command '${req.cmd}'`);
    });
  } catch (err) {
    log.error(`cannot start: ${(err as Error).message}`);
    return 1;
  }
  let metricsServer: { close(): void } | null = null;
  if (opts.metricsListen) {
    // prom-client is loaded only when asked for: its ~90 modules cost seconds of start-up
    // under emulation (test/bench/startup), for a feature that is opt-in
    const { Metrics, parseListen, serveMetrics } = await import('./metrics');
    const l = parseListen(opts.metricsListen)!;
    metrics = new Metrics(() => director.status(), (require('../../package.json') as { version: string }).version);
    metricsServer = await serveMetrics(metrics, l.host, l.port);
  }
  try {
    await director.start();
  } catch (err) {
    log.error(`cannot start: ${(err as Error).message}`);
    await director.stop().catch(() => undefined);
    await control.close();
    return 1;
  }
  const snmp = snmpPlan(loaded.model.globalDefs);
  for (const w of snmp.warnings) log.warning(w);
  const agent = snmp.rfcv3 && opts.vrrp ? (await import('./snmp/vrrp-agent')).startVrrpv3Agent(snmp, () => director.vrrpv3(), log) : null;
  send({ type: 'ready' });
  // a worker draining halo_announce VIPs is given their longest drain, beyond the usual 10 s
  send({ type: 'stopGrace', ms: stopGraceMs(loaded.model.announces) });
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (sig: string) => {
      if (stopping) return;
      stopping = true;
      log.info(`Stopping (${sig})`);
      agent?.stop();
      await director.stop();
      await control.close();
      metricsServer?.close();
      links.close();
      addresses.close();
      localRoutes.close();
      routes.close();
      garp.close();
      vmacs?.close();
      log.info('Stopped');
      resolve(0);
    };
    process.on('SIGTERM', () => void stop('SIGTERM'));
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGHUP', () => void director.reload());
    // the supervisor going away (kill -9 of both) must not leave an orphan driving VIPs
    process.on('disconnect', () => void stop('supervisor gone'));
  });
}

/** The worker process's main: argv[0] is the RunOptions JSON (what the supervisor passes). */
export function main(argv: string[]): void {
  const opts = JSON.parse(argv[0]) as RunOptions;
  runWorker(opts).then(
    (code) => process.exit(code),
    (err: Error) => {
      process.stderr.write(`halo worker: ${err.message}\n`);
      process.exit(70);
    },
  );
}

if (require.main === module) main(process.argv.slice(2));
