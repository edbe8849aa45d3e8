/**
 * The worker process of `halo run`: loads the config, runs the VRRP engine (and, with the LVS
 * side, the checks and the IPVS reconciler), serves the control socket and metrics, and
 * reports to the supervisor over IPC which instances it holds as MASTER.
 *
 * Started by the supervisor (native/src/supervisor.c): the first worker with `halo run`'s
 * arguments (run-start.ts), a respawned one with the run options as one JSON argument.
 */
import { hostname } from 'node:os';
import { rmSync, writeFileSync } from 'node:fs';
import { ipvsNamespacePath, nftRunnerIn } from '../ipvs/ipvs-netns';
import { SmtpAlerter } from '../alert/alerter';
import { resolve } from 'node:path';
import { createAddressManager } from '../net/addresses';
import { createLocalRoutes, type LocalRouteSpec } from '../net/local-route';
import { createRouteManager } from '../net/routes';
import { createRouteWatch } from '../net/route-watch';
import { createGarpSender } from '../net/garp';
import { createLinkMonitor } from '../net/links';
import { reloadFilePath, removeReloadFile } from './reload-file';
import { createVmacManager, procSysctl, VmacSysctls } from '../net/vmac';
import type { UndoLog } from '../net/undo-requests';
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
import { KEEPALIVED_UMASK, NotifyFifos } from './notify-fifo';
import type { RunOptions } from './options';
import { Director } from './director';
import { encodeWorkerMessage, EX_CONFIG, WorkerMessage } from './held';
import { prepareRun, RUN_ARGS_MARK } from './run-start';
import { servedPlan, snmpAtReload, snmpPlan, type SnmpPlan } from './snmp/plan';
import { SyncDaemonDriver } from './sync-daemon';
import { haloNative } from '../net/native';
import { BASE_STOP_GRACE_MS, stopGraceMs } from '../announce/reload';
import type { Model } from '../config/model';
import { formatStatus } from './status';
import { longestRunMs, runStartStopScript } from './start-stop-script';
import { saveConfigCopy } from './config-save';
import { ReloadScheduler } from './reload-schedule';
import { dumpFile, tmpDir, tmpFile } from './dump-files';
import { Writable } from 'node:stream';

let readyNow: () => void = () => undefined;
/**
 * Settled once this worker has started its engines and told the supervisor it is ready: where
 * deploy/bundle-worker.js takes the V8 code cache of a real start (worker-start.ts).
 */
export const ready = new Promise<void>((resolve) => (readyNow = resolve));

/** Set by the supervisor on a worker it respawns: keepalived runs startup_script once, not per child start. */
export const RESPAWNED_ENV = 'HALO_WORKER_RESPAWNED';

/** How long the supervisor waits for this worker at stop: the longest drain, and the shutdown script. */
export function workerStopGraceMs(model: Model, drainGraceMs = stopGraceMs(model.announces)): number {
  const g = model.globalDefs;
  return Math.max(drainGraceMs, g.shutdownScript ? BASE_STOP_GRACE_MS + longestRunMs(g.shutdownScriptTimeoutS) : 0);
}
import type { RejectReason } from '../vrrp/rejection';

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
  // the supervisor's umask is the shell's: keepalived's (or -u's) for this worker and its scripts
  process.umask(opts.umask ?? KEEPALIVED_UMASK);
  // keepalived's set_tmp_dir, at start: where D-Bus PrintData/PrintStats write
  const dumpDir = tmpDir();
  const log = createLogger({ format: opts.logFormat ?? detectLogFormat(), level: opts.logLevel, tag: opts.logDetail ? `halo[${process.pid}]` : undefined });
  // A signal before the engines run (the startup script can take minutes) must not kill the
  // worker: it is remembered and acted on once they do.
  const early: { reload: boolean; stop: string | null } = { reload: false, stop: null };
  const earlyHandlers = {
    SIGHUP: () => { early.reload = true; },
    SIGTERM: () => { early.stop ??= 'SIGTERM'; },
    SIGINT: () => { early.stop ??= 'SIGINT'; },
  };
  for (const [sig, h] of Object.entries(earlyHandlers)) process.on(sig, h);
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
  const respawned = process.env[RESPAWNED_ENV] !== undefined;
  delete process.env[RESPAWNED_ENV]; // not passed on to scripts
  const scriptDeps = { log, detail: opts.logDetail, scriptSecurity: loaded.model.globalDefs.enableScriptSecurity };
  // keepalived's parent runs it before it starts its children, and waits for it however it ends
  const saveCopy = (m: Model) => {
    if (m.globalDefs.configSaveDir !== null) saveConfigCopy(m.globalDefs.configSaveDir, opts.configFile, process.ppid, { log, configId: opts.configId ?? undefined, allConfig: opts.allConfig });
  };
  if (!respawned) saveCopy(loaded.model);
  // keepalived's parent removes a leftover reload_file once it has read the config (main.c)
  const reloadFile = reloadFilePath(loaded.model.globalDefs);
  if (reloadFile !== null && !respawned) removeReloadFile(reloadFile);
  const startup = loaded.model.globalDefs.startupScript;
  if (startup && !respawned) await runStartStopScript('startup', startup, loaded.model.globalDefs.startupScriptTimeoutS, scriptDeps);
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
  // what the worker installs beyond VIPs (routes, rules, VMACs, their sysctls, nftables tables)
  // is recorded with its undo: the supervisor replays those of a dead worker
  const undo: UndoLog = { record: (key, entry) => send({ type: 'undo', key, entry }), forget: (key) => send({ type: 'undone', key }) };
  const routes = createRouteManager(undefined, undo);
  const garp = createGarpSender(links);
  const vmacs = loaded.model.vrrpInstances.some((i) => i.vmac || i.extraVmacs.length > 0) ? createVmacManager(new VmacSysctls(procSysctl, undo), undo) : null;
  const nft = loaded.model.globalDefs.nftables;
  if (nft.defaulted) log.info('use_vmac or no_accept/strict specified, but no firewall configured - using nftables');
  // made on the first non-accept MASTER, with the settings of the config then in force
  const firewall = (settings: NftSettings) => new NftFirewall(settings, log, undefined, undo);
  links.onError((e) => log.warning(`link monitor: ${e.message}; link states were re-read`));
  const notify = new NotifyRunner({ enableScriptSecurity: loaded.model.globalDefs.enableScriptSecurity, runAs: loaded.model.globalDefs.scriptRunAs, log });
  const alerts = new SmtpAlerter(loaded.model, log);
  const fifo = new NotifyFifos((m) => ({
    scriptRunAs: m.globalDefs.scriptRunAs,
    enableScriptSecurity: m.globalDefs.enableScriptSecurity,
    umask: opts.umask ?? m.globalDefs.umask ?? KEEPALIVED_UMASK,
    vrrp: opts.vrrp && m.vrrpInstances.length > 0,
    lvs: opts.lvs && m.virtualServers.length > 0,
    log,
  }));
  // enable_traps: instance state changes also go to the SNMP subagent, once it is started below
  let snmpAgent: import('./snmp/vrrp-agent').VrrpAgent | null = null;
  // enable_dbus: instance state changes also go to the D-Bus interface, once it is started below
  let dbus: import('./dbus/service').VrrpDbus | null = null;
  const vrrpAlerts = {
    configure: (m: Parameters<typeof alerts.configure>[0]) => alerts.configure(m),
    notify: (kind: 'INSTANCE' | 'GROUP', name: string, state: 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP') => {
      alerts.notify(kind, name, state);
      if (kind === 'INSTANCE') {
        snmpAgent?.instanceState(name, state);
        dbus?.stateChange(name, state);
      } else snmpAgent?.groupState(name, state);
    },
    dropped: (instance: string, reason: RejectReason, src: string | undefined) => snmpAgent?.instanceDrop(instance, reason, src),
  };
  let metrics: Metrics | null = null;
  // the IPVS client loads only when the sync daemon is used (lvs_sync_daemon)
  // net_namespace_ipvs (fixed at start): the IPVS table, nftables_ipvs and the sync daemon are there
  const ipvsNetns = ipvsNamespacePath(loaded.model.globalDefs.netNamespaceIpvs);
  const syncDaemon = new SyncDaemonDriver({ open: async () => (await import('../ipvs/client')).IpvsClient.open({ netns: ipvsNetns }), log });
  const director: Director = new Director(loaded.model, opts, {
    log,
    // the checkers and the IPVS client load only for a config with virtual servers
    lvs: async (model) => {
      const [{ KernelLvsEngine }, { IpvsClient }] = await Promise.all([import('./lvs-engine'), import('../ipvs/client')]);
      return new KernelLvsEngine(model, {
        openTable: () => IpvsClient.open({ netns: ipvsNetns }), nft: nftRunnerIn(ipvsNetns), log, notify, fifo, metrics, alerts, hostAddresses: haSuspend ? hostAddresses : null,
        trap: (t) => snmpAgent?.poolTrap(t),
      });
    },
    addresses,
    links,
    garp,
    openTransport: (ifname, ifindex, groups, family, protocol) =>
      family === 6 ? openVrrp6Socket({ ifname, ifindex, group: groups[0] ?? null }) : openVrrpSocket({ ifname, ifindex, group: groups[0] ?? null, moreGroups: groups.slice(1), protocol }),
    // VRRP deadlines on a timerfd: a setTimeout fires up to 2 ms off (test/bench/failover)
    wakeTimer: (onExpire) => new (haloNative().DeadlineTimer)(onExpire),
    notify,
    fifo,
    alerts: vrrpAlerts,
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
    onConfigRead: saveCopy,
    // enable_dbus on or off, or the instances changed (vrrp_daemon.c reload_vrrp_thread → dbus_reload)
    onReloaded: (previous, next) => {
      void snmpReloaded(next);
      void dbusReloaded(previous, next);
    },
    onStopGrace: (ms) => send({ type: 'stopGrace', ms: workerStopGraceMs(director.config, ms) }),
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
  // the SNMP subagent first, as keepalived's vrrp_snmp_agent_init runs before its instances
  // start: a MASTER at once (an address owner) has a session for its notifications. Its
  // handshake with snmpd takes milliseconds; an absent snmpd delays the start by at most 500 ms.
  const version = `halo ${(require('../../package.json') as { version: string }).version}`;
  const served = (m: Model) => servedPlan(snmpPlan(m.globalDefs), { vrrp: opts.vrrp, lvs: opts.lvs, virtualServers: m.virtualServers.length });
  const startSnmp = async (plan: SnmpPlan | null) => {
    if (plan === null) return null;
    const started = (await import('./snmp/vrrp-agent')).startVrrpAgent(plan, () => director.vrrpv3(), director.startedAtMs, log, (name) => director.vrrpMibInstance(name), {
      view: () => director.keepalivedMib(version, hostname()),
      config: () => ({ model: director.config, hostname: hostname() }),
      version,
    }, { view: () => director.checkMib() });
    if (started) await Promise.race([started.agent.registeredOnce(), new Promise((r) => setTimeout(r, 500).unref())]);
    return started;
  };
  snmpAgent = await startSnmp(served(loaded.model));
  try {
    await director.start();
  } catch (err) {
    log.error(`cannot start: ${(err as Error).message}`);
    snmpAgent?.agent.stop();
    await director.stop().catch(() => undefined);
    await control.close();
    return 1;
  }
  // keepalived's dbus_start runs once its instances are set up (vrrp_daemon.c start_vrrp); the
  // D-Bus code loads only for a config that enables it; a missing bus is logged, not fatal
  const startDbus = async (m: Model) => {
    if (!m.globalDefs.enableDbus || !opts.vrrp) return null;
    const { VrrpDbus } = await import('./dbus/service');
    return new VrrpDbus(
      { serviceName: m.globalDefs.dbusServiceName ?? null, netNamespace: opts.netNamespace ?? m.globalDefs.netNamespace, instanceName: m.globalDefs.instanceName },
      {
        log,
        instances: () => director.dbusInstances(),
        sendGarp: (name) => director.sendGarp(name),
        reloadConfig: () => process.kill(process.ppid, 'SIGHUP'),
        print: (what) => {
          const g = director.config.globalDefs;
          const naming = { dataUseInstance: g.dataUseInstance, instanceName: g.instanceName, netNamespace: opts.netNamespace ?? g.netNamespace };
          const file = what === 'data' ? dumpFile(dumpDir, 'keepalived.data', naming) : tmpFile(dumpDir, 'keepalived.stats');
          // as keepalived's fopen_safe: never through a link planted in /tmp
          try {
            rmSync(file, { force: true });
            writeFileSync(file, formatStatus(director.status()), { mode: 0o600, flag: 'wx' });
          } catch (err) {
            log.warning(`cannot write ${file}: ${(err as Error).message}`);
          }
        },
      },
    );
  };
  // SNMP at a reload: snmp/plan.ts snmpAtReload; one reload's change at a time (a start awaits snmpd)
  let snmpChange = Promise.resolve();
  const snmpReloaded = (next: Model) => (snmpChange = snmpChange.then(() => applySnmpReload(next)));
  const applySnmpReload = async (next: Model) => {
    const plan = served(next);
    const what = snmpAtReload(snmpAgent !== null, plan);
    if (what === 'stop' && snmpAgent) {
      const old = snmpAgent;
      snmpAgent = null;
      await old.flush();
      old.agent.stop();
    } else if (what === 'start') snmpAgent = await startSnmp(plan);
  };
  const dbusReloaded = async (previous: Model, next: Model) => {
    if (!next.globalDefs.enableDbus) {
      const old = dbus;
      dbus = null;
      await old?.stop();
    } else if (previous.globalDefs.enableDbus && dbus) dbus.reloaded();
    else dbus = await startDbus(next);
  };
  dbus = await startDbus(loaded.model);
  // reload_time_file: watched from now on, and again after every reload (with the config then in force)
  let schedule: ReloadScheduler | null = null;
  const reschedule = (m: Model) => {
    schedule?.stop();
    const g = m.globalDefs;
    schedule = g.reloadTimeFile !== null ? new ReloadScheduler(g.reloadTimeFile, g.reloadRepeat, { log, reload: () => void reloadAndReschedule() }) : null;
    schedule?.start();
  };
  const reloadAndReschedule = async () => {
    schedule?.stop();
    await director.reload();
    reschedule(director.config);
  };
  reschedule(loaded.model);
  send({ type: 'ready' });
  readyNow();
  // a worker draining halo_announce VIPs is given their longest drain, beyond the usual 10 s
  // and a shutdown_script its timeout with the kills after it
  send({ type: 'stopGrace', ms: workerStopGraceMs(loaded.model) });
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (sig: string) => {
      if (stopping) return;
      stopping = true;
      log.info(`Stopping (${sig})`);
      schedule?.stop();
      await director.stop();
      // keepalived's vrrp_terminate_phase2: VrrpStopped after the instances' STOP signals
      await dbus?.stop();
      // keepalived's agent closes after its instances' stop notifies (KEEPALIVED-MIB's STOP notifications go out)
      await snmpChange; // a reload's subagent start is over before it closes
      await snmpAgent?.flush();
      snmpAgent?.agent.stop();
      await control.close();
      metricsServer?.close();
      links.close();
      addresses.close();
      localRoutes.close();
      routes.close();
      garp.close();
      vmacs?.close();
      // keepalived's parent runs it once its children have stopped (not when it is itself gone)
      const shutdown = director.config.globalDefs.shutdownScript;
      if (shutdown && sig !== 'supervisor gone') {
        const g = director.config.globalDefs;
        await runStartStopScript('shutdown', shutdown, g.shutdownScriptTimeoutS, { ...scriptDeps, scriptSecurity: g.enableScriptSecurity });
      }
      log.info('Stopped');
      resolve(0);
    };
    process.on('SIGTERM', () => void stop('SIGTERM'));
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGHUP', () => void reloadAndReschedule());
    for (const [sig, h] of Object.entries(earlyHandlers)) process.off(sig, h);
    if (early.stop !== null) void stop(early.stop);
    else if (early.reload) void reloadAndReschedule();
    // the supervisor going away (kill -9 of both) must not leave an orphan driving VIPs
    process.on('disconnect', () => void stop('supervisor gone'));
  });
}

/**
 * Runs the logger once in each format, into a sink: deploy/bundle-worker.js calls this before it
 * takes the bundle's V8 code cache, so winston's functions (compiled lazily, on the first line a
 * worker logs) are in the cache as compiled code rather than compiled at every start.
 */
export function warmLogging(): void {
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  for (const format of ['plain', 'journald', 'json'] as const) {
    const log = createLogger({ format, stream: sink, level: 'debug', tag: 'warm' });
    log.info('warm', { warm: true });
    log.close();
  }
}

/**
 * The first worker of `halo run` (argv: RUN_ARGS_MARK, then `halo run`'s arguments): reads the
 * command line (run-start.ts), tells the supervisor and waits for its `go`, so that its
 * "Starting halo" line comes before anything this worker logs.
 */
async function firstWorker(argv: string[]): Promise<number> {
  // each message is in the channel when its promise resolves
  const send = (m: WorkerMessage) => new Promise<void>((res) => (process.send ? process.send(encodeWorkerMessage(m), () => res()) : res()));
  const r = await prepareRun(argv, process.ppid, (path) => send({ type: 'pidFile', path }));
  if (r.kind === 'exit') return r.code;
  if (r.kind === 'exec') {
    await send({ type: 'exec', argv: r.argv });
    return 0;
  }
  const go = new Promise<void>((res) => {
    if (!process.send) return res();
    process.once('message', () => res());
    // the supervisor gone before its answer: the usual 'disconnect' handling applies later
    process.once('disconnect', () => res());
  });
  await send({ type: 'run', start: r.start });
  await go;
  return runWorker(r.options);
}

/** The worker process's main: argv[0] is the RunOptions JSON (what the supervisor passes to a respawned worker), or RUN_ARGS_MARK. */
export function main(argv: string[]): void {
  (argv[0] === RUN_ARGS_MARK ? firstWorker(argv.slice(1)) : runWorker(JSON.parse(argv[0]) as RunOptions)).then(
    (code) => process.exit(code),
    (err: Error) => {
      process.stderr.write(`halo worker: ${err.message}\n`);
      process.exit(70);
    },
  );
}

if (require.main === module) main(process.argv.slice(2));
