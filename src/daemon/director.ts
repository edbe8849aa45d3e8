/**
 * One director's engines, wired: the VRRP engine (instances, sync groups, VIPs) and the LVS
 * engine (health checks → desired table → reconciler → kernel), plus the status snapshot both
 * feed. `-P` runs only the first, `-C` only the second, as with keepalived.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Model } from '../config/model';
import { formatDiagnostic } from '../config/model';
import { unsupportedReloadChanges } from './process-identity';
import { loadConfigOffThread } from './config-loader';
import { createReloadFile, reloadFilePath, removeReloadFile } from './reload-file';
import { loadOptions, type RunOptions } from './options';
import type { InstanceStatus, StatusSnapshot } from './status';
import { VrrpEngine, VrrpEngineDeps } from './vrrp-engine';
import type { Vrrpv3Instance } from './snmp/vrrpv3-mib';
import { scriptCommands, type KeepalivedMibView, type KmInstance } from './snmp/keepalived-mib';
import { keepalivedCommandPath } from './snmp/command-path';
import { lvsScriptCommands, type CheckMibView } from './snmp/check-mib';
import { faultReasonsOf, type InstanceState } from '../vrrp/instance';
import type { LvsEngine } from './lvs-engine';
import type { SyncDaemonDriver } from './sync-daemon';
import { formatReloadPlan } from './reload-plan';
import { NO_STATICS, routeEventsWanted, StaticEntries, staticSetOf } from './static-entries';
import type { RouteNotice, RuleNotice } from '../net/route-codec';
import type { NetError, NetResult } from '../net/errors';
import { Announcer } from './announcer';
import { planAnnounceReload } from '../announce/reload';
import type { VipSpec } from '../net/addresses';
import type { LocalRoutes } from '../net/local-route';
import type { ReloadPlan } from './reload-plan';
import { BfdRunner } from '../bfd/runner';

/** The name the supervisor holds static_ipaddress under (no instance name has a space). */
const STATIC_ADDRESSES = 'static_ipaddress (all)';

/** A reload's or a preview's outcome, as the control socket returns it. */
export interface ReloadOutcome {
  ok: boolean;
  errors: string[];
  plan: ReloadPlan | null;
  /** formatReloadPlan(plan): what `halo reload` prints and the daemon logs. */
  lines: string[];
}

/** `lvs` may load the engine's modules on first use: a VRRP-only director never loads the checkers or IPVS. */
export type DirectorDeps = VrrpEngineDeps & {
  lvs?: (model: Model) => LvsEngine | Promise<LvsEngine>;
  alerts?: (VrrpEngineDeps['alerts'] & { configure(model: Model): void }) | null;
  syncDaemon?: SyncDaemonDriver | null;
  /** A halo_announce VIP is now on the host / gone (the supervisor removes it if the worker dies). */
  onAnnounced?: (name: string, vip: VipSpec) => void;
  onWithdrawn?: (name: string) => void;
  /** Route and rule notifications, for the tracked virtual and static routes and rules. */
  watchRoutes?: (onNotice: (n: RouteNotice | RuleNotice) => void, onError: (e: NetError) => void) => NetResult<{ close(): void }>;
  /** Keeps a draining VIP accepted after its address left (src/net/local-route.ts). */
  localRoutes?: Pick<LocalRoutes, 'add' | 'remove'>;
  /** The worker's stop grace changed (a reload added, removed or changed halo_announce drains). */
  onStopGrace?: (ms: number) => void;
  /** The notify FIFOs: opened with each model in force, before the engines start; closed at stop. */
  fifo?: (NonNullable<VrrpEngineDeps['fifo']> & { lvs(line: string): void; configure(model: Model): void; close(): void }) | null;
  /** A reload was applied (the D-Bus interface re-registers its objects). */
  onReloaded?: (previous: Model, next: Model) => void;
  /** A reload read a valid config (config_save_dir saves each reading). */
  onConfigRead?: (model: Model) => void;
};

export class Director {
  private vrrp: VrrpEngine | null = null;
  private lvs: LvsEngine | null = null;
  private bfd: BfdRunner | null = null;
  private announcer: Announcer | null = null;
  /** static_ipaddress / static_routes / static_rules (the VRRP side, as keepalived's VRRP process). */
  private statics: StaticEntries | null = null;
  private routeWatch: { close(): void } | null = null;
  /** Interface indexes as last read, for matching route notifications (refreshed on a miss). */
  private readonly ifindexes = new Map<string, number>();
  private readonly startedAt = new Date();
  private reloads = { ok: 0, failed: 0, lastError: null as string | null, lastFailed: false };

  constructor(private model: Model, private readonly opts: RunOptions, private readonly deps: DirectorDeps) {}

  /** The config in force (the last one a reload applied). */
  get config(): Model {
    return this.model;
  }

  /**
   * Whether this process drives lvs_sync_daemon: keepalived's VRRP process when it names an
   * instance (-P side), its checker process when it names none (-C side).
   */
  private syncDaemonActive(model: Model): boolean {
    const d = model.globalDefs.lvsSyncDaemon;
    return d !== null && (d.instance !== null ? this.opts.vrrp : this.opts.lvs);
  }

  async start(): Promise<void> {
    this.deps.fifo?.configure(this.model);
    this.deps.syncDaemon?.configure(this.model.globalDefs.lvsSyncDaemon, this.syncDaemonActive(this.model));
    if (this.opts.lvs && this.deps.lvs && this.model.virtualServers.length > 0) {
      this.lvs = await this.deps.lvs(this.model);
      await this.lvs.start();
    }
    this.startAnnouncer(this.model);
    await this.startStatics(this.model);
    if (this.opts.vrrp && this.model.vrrpInstances.length > 0) {
      this.vrrp = new VrrpEngine(this.model, this.deps);
      await this.vrrp.start();
    }
    this.watchRoutesIfTracked(this.model);
    this.watchStaticLinks();
    await this.startBfd(this.model);
  }

  /**
   * A static address deleted by someone else, or an interface coming up, may put static entries
   * back (StaticEntries). Registered after the VRRP engine's listeners, so keepalived's order of
   * lines holds: `Netlink reports eth1 up`, the instances' states, then the `Restoring` lines.
   */
  private staticLinksWatched = false;
  private watchStaticLinks(): void {
    if (this.staticLinksWatched || !this.opts.vrrp) return;
    this.staticLinksWatched = true;
    const log = this.deps.log;
    const failed = (e: Error) => log.warning(`static entries: ${e.message}`);
    this.deps.links.onAddress((ev) => {
      if (ev.kind !== 'removed' || !this.statics) return;
      void this.refreshIndexes()
        .then(() => this.statics?.onAddressDeleted(ev, (name) => this.ifindexes.get(name) ?? null))
        .catch(failed);
    });
    this.deps.links.onLink((ev) => {
      if (ev.kind === 'change' && ev.link.up) void this.statics?.interfaceUp(ev.link.name).catch(failed);
    });
  }

  /** The interfaces' indexes, read now (an index changes when an interface is re-made). */
  private async refreshIndexes(): Promise<void> {
    const links = await this.deps.links.list();
    if (!links.ok) return;
    this.ifindexes.clear();
    for (const l of links.value) this.ifindexes.set(l.name, l.index);
  }

  /**
   * The bfd_instances' sessions, in this process (keepalived runs a BFD child; -B turns it off):
   * started after the engines, so each session's first Up reaches them.
   */
  private async startBfd(model: Model): Promise<void> {
    if (this.opts.bfd === false || model.bfdInstances.length === 0) return;
    const log = this.deps.log;
    this.bfd = new BfdRunner({
      log: { info: (m) => log.info(m), warning: (m) => log.warning(m), error: (m) => log.error(m) },
      onEvent: (b, up) => {
        if (b.toChecker) this.lvs?.bfdEvent?.(b.name, up);
        if (b.toVrrp) this.vrrp?.bfdEvent(b.name, up);
      },
    });
    await this.bfd.start(model.bfdInstances);
  }

  /**
   * keepalived's monitor_ipv4_routes & co.: route and rule events are read only when a tracked
   * virtual route or rule exists (vrrp_complete_instance), or a static one with a track_group
   * (process_static_entries); a reload may add the first. A deleted static route or rule is put
   * back only while they are read.
   */
  private watchRoutesIfTracked(model: Model): void {
    if (this.routeWatch || !this.opts.vrrp || !this.deps.watchRoutes) return;
    if (!routeEventsWanted(model)) return;
    const log = this.deps.log;
    const w = this.deps.watchRoutes(
      (n) => void this.onRouteNotice(n).catch((e: Error) => log.warning(`route event: ${e.message}`)),
      (e) => log.warning(`route monitor: ${e.message}`),
    );
    if (!w.ok) log.warning(`tracked routes and rules are not watched: ${w.error.message}`);
    else this.routeWatch = w.value;
  }

  private async onRouteNotice(n: RouteNotice | RuleNotice): Promise<void> {
    if (n.op !== 'del') return;
    // the interfaces our routes name, read now (an index changes when an interface is re-made)
    if (n.kind === 'route') await this.refreshIndexes();
    const indexOf = (name: string) => this.ifindexes.get(name) ?? null;
    this.vrrp?.routeDeleted(n, indexOf);
    await this.statics?.onNotice(n, indexOf);
  }

  /** keepalived's start_vrrp: static entries go in before the instances start. */
  private async startStatics(model: Model): Promise<void> {
    if (!this.opts.vrrp || this.statics) return;
    const set = staticSetOf(model);
    if (set.addresses.length + set.routes.length + set.rules.length === 0) return;
    if (!this.deps.routes) throw new Error('static_routes/static_rules/static_ipaddress: no route manager in this process');
    // the supervisor holds the added addresses as it holds a MASTER's VIPs (no adverts)
    const onAddresses = (vips: VipSpec[]) =>
      vips.length > 0 ? this.deps.onHeld?.({ instance: STATIC_ADDRESSES, interface: vips[0].dev, packets: [], vips }) : this.deps.onReleased?.(STATIC_ADDRESSES);
    this.statics = new StaticEntries(set, { addresses: this.deps.addresses, routes: this.deps.routes, log: this.deps.log, onAddresses });
    await this.statics.start();
  }

  /**
   * halo_announce needs the LVS side: its condition is the virtual servers' quorum. `starting`
   * false: the first block came with a reload (nothing is removed first; planAnnounceReload).
   */
  private startAnnouncer(model: Model, starting = true): void {
    if (this.announcer || model.announces.length === 0) return;
    const lvs = this.lvs;
    if (!lvs) {
      this.deps.log.warning(`halo_announce ${model.announces.map((a) => a.name).join(' ')}: the LVS side does not run here (-P); nothing is announced`);
      return;
    }
    this.announcer = new Announcer(model, {
      addresses: this.deps.addresses,
      localRoutes: this.deps.localRoutes,
      quorum: (id) => lvs.quorumOf(id),
      activeConnections: (a) => lvs.activeConnections(a),
      log: this.deps.log,
      onAnnounced: this.deps.onAnnounced,
      onWithdrawn: this.deps.onWithdrawn,
    }, starting);
    this.announcer.start();
  }

  /** Announcements are withdrawn and drained first; only then do VRRP and IPVS stop. */
  async stop(): Promise<void> {
    await this.announcer?.drain();
    this.bfd?.stop();
    this.routeWatch?.close();
    this.routeWatch = null;
    await this.vrrp?.stop();
    // keepalived's vrrp_terminate_phase2: static rules, routes, addresses, after the instances
    await this.statics?.stop();
    await this.deps.syncDaemon?.stop();
    await this.lvs?.stop();
    await this.announcer?.release();
    // keepalived's terminate_phase2: after the STOP lines
    this.deps.fifo?.close();
  }

  /** Reloads and previews run one at a time, in the order asked. */
  private reloadQueue: Promise<unknown> = Promise.resolve();

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.reloadQueue.then(fn, fn);
    this.reloadQueue = next.catch(() => undefined);
    return next;
  }

  /** Read and build `file` off the event loop; every diagnostic is logged. */
  private async load(file: string): Promise<{ model: Model | null; errors: string[] }> {
    const log = this.deps.log;
    const r = await loadConfigOffThread(file, loadOptions(this.opts));
    const errors = r.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
    for (const d of r.diagnostics) (d.severity === 'error' ? log.error : log.warning)(formatDiagnostic(d));
    return { model: r.model ?? null, errors };
  }

  /**
   * `halo reload --plan -f FILE`: what a SIGHUP with FILE as the config would do, computed by
   * the engines' own planning code on the live state, and nothing done.
   */
  planReload(file: string = this.opts.configFile): Promise<ReloadOutcome> {
    return this.serial(async () => {
      const { model: next, errors } = await this.load(file);
      if (!next) return { ok: false, errors, plan: null, lines: [] };
      const plan: ReloadPlan = { configFile: file, preview: true, vrrp: null, lvs: null, engines: [] };
      if (this.opts.vrrp) {
        plan.engines.push(...StaticEntries.describe(StaticEntries.diff(this.statics ? this.statics.entries : NO_STATICS, staticSetOf(next))));
        if (this.vrrp) plan.vrrp = await this.vrrp.planReload(next);
        else if (next.vrrpInstances.length > 0) plan.engines.push(`VRRP engine starts: ${next.vrrpInstances.map((i) => i.name).join(' ')}`);
      }
      if (this.opts.lvs) {
        if (this.lvs) plan.lvs = await this.lvs.planReload(next);
        else if (this.deps.lvs && next.virtualServers.length > 0) plan.engines.push(`LVS engine starts with ${next.virtualServers.length} virtual servers`);
      }
      const sync = this.syncDaemonChange(next);
      if (sync) plan.engines.push(sync);
      plan.engines.push(...(this.announcer ? this.announcer.plan(next) : planAnnounceReload(null, next.announces)).lines);
      return { ok: true, errors: [], plan, lines: formatReloadPlan(plan) };
    });
  }

  /**
   * SIGHUP (and `halo reload`): re-read the config off the event loop (adverts keep leaving
   * meanwhile); when it is invalid, log every located error and keep running the old one
   * unchanged. Otherwise apply only the difference — unchanged instances are not touched at
   * all — and log what was done, in the words `halo reload --plan` uses.
   */
  reload(): Promise<ReloadOutcome> {
    return this.serial(async () => {
      const log = this.deps.log;
      const file = this.opts.configFile;
      log.info(`Reloading configuration file ${file}`);
      // reload_file of the config in force: there while the config is read (main.c read_config_file)
      const reloadFile = reloadFilePath(this.model.globalDefs);
      if (reloadFile !== null) createReloadFile(reloadFile, log);
      const { model: next, errors } = await this.load(file).finally(() => reloadFile !== null && removeReloadFile(reloadFile));
      if (!next) {
        this.reloads.failed++;
        this.reloads.lastFailed = true;
        this.reloads.lastError = errors[0] ?? 'invalid configuration';
        log.error(`Reload of ${file} failed (${errors.length} errors); keeping the running configuration`);
        return { ok: false, errors, plan: null, lines: [] };
      }
      this.deps.onConfigRead?.(next);
      // what keepalived's parent fixed at start (main.c reload_config): such a reload is refused as a whole
      const unsupported = unsupportedReloadChanges(this.model.globalDefs, next.globalDefs, this.opts.netNamespace ?? null);
      if (unsupported.length > 0) {
        for (const l of unsupported) log.info(l);
        this.reloads.failed++;
        this.reloads.lastFailed = true;
        this.reloads.lastError = unsupported[0];
        log.error(`Reload of ${file} refused; keeping the running configuration`);
        return { ok: false, errors: unsupported, plan: null, lines: [] };
      }
      const plan: ReloadPlan = { configFile: file, preview: false, vrrp: null, lvs: null, engines: [] };
      try {
        await this.apply(next, plan);
      } catch (err) {
        // e.g. an instance's interface does not exist: the engines checked before changing anything
        const message = `${file}: ${(err as Error).message}`;
        this.reloads.failed++;
        this.reloads.lastError = message;
        log.error(`Reload of ${file} failed: ${(err as Error).message}; keeping the running configuration`);
        return { ok: false, errors: [message], plan: null, lines: [] };
      }
      const previous = this.model;
      this.model = next;
      this.deps.onReloaded?.(previous, next);
      this.reloads.ok++;
      this.reloads.lastFailed = false;
      const lines = formatReloadPlan(plan);
      for (const l of lines) log.info(l);
      log.info('Reload finished');
      return { ok: true, errors: [], plan, lines };
    });
  }

  /** D-Bus SendGarp on an instance (false: no such instance running). */
  sendGarp(name: string): boolean {
    return this.vrrp?.sendGarpOnce(name) ?? false;
  }

  /** When this director started (Date.now() clock). */
  get startedAtMs(): number {
    return this.startedAt.getTime();
  }

  /** One VRRP instance as the MIBs show it, or null (a notification reads only its own link). */
  async vrrpMibInstance(name: string): Promise<Vrrpv3Instance | null> {
    const s = this.vrrp?.states.get(name);
    return s ? this.mibInstance(name, s) : null;
  }

  /** The VRRP instances as the VRRPv3-MIB shows them (interface index and MAC read now). */
  async vrrpv3(): Promise<Vrrpv3Instance[]> {
    const out: Vrrpv3Instance[] = [];
    for (const [name, s] of this.vrrp?.states ?? []) out.push(await this.mibInstance(name, s));
    return out;
  }

  /**
   * What KEEPALIVED-MIB shows (enable_snmp_vrrp): the config in force with the instances' and
   * groups' live states, the trackers' results and the interfaces' indexes, read now.
   */
  async keepalivedMib(version: string, hostname: string): Promise<KeepalivedMibView> {
    const model = this.model;
    const instances: KmInstance[] = [];
    for (const cfg of model.vrrpInstances) {
      const s = this.vrrp?.states.get(cfg.name);
      instances.push({
        cfg,
        state: s?.state ?? 'INIT',
        wantState: s?.wantState ?? s?.state ?? 'INIT',
        basePriority: s?.basePriority ?? cfg.priority,
        effectivePriority: s?.effectivePriority ?? cfg.priority,
        vipsSet: s?.vipsSet ?? false,
        preempt: !(s?.nopreempt ?? cfg.nopreempt),
      });
    }
    const groupStates = Object.fromEntries([...(this.vrrp?.groupStates ?? [])].map(([n, g]) => [n, g.state]));
    const devs = new Set([...model.staticAddresses, ...model.vrrpInstances.flatMap((i) => [...i.virtualIpAddresses, ...i.virtualIpAddressesExcluded])].map((a) => a.dev));
    const ifindex: Record<string, number> = {};
    for (const d of devs) {
      const l = await this.deps.links.query(d);
      ifindex[d] = l.ok && l.value ? l.value.index : 0;
    }
    const t = this.vrrp?.trackers() ?? { scripts: {}, files: {}, bfds: {} };
    return { model, version, hostname, instances, groupStates, scripts: t.scripts, files: t.files, bfds: t.bfds, ifindex, staticAddressesSet: this.statics !== null, commandPaths: this.commandPaths(model) };
  }

  /** What KEEPALIVED-MIB's checker objects show (enable_snmp_checker): the config in force, the pools and the kernel's counters now. */
  async checkMib(): Promise<CheckMibView> {
    const model = this.model;
    return { model, virtualServers: (await this.lvs?.mib?.()) ?? [], commandPaths: this.commandPaths(model) };
  }

  /** The scripts' paths as keepalived resolves them when it reads a config: once per config read. */
  private readonly resolvedPaths = new WeakMap<Model, Record<string, string>>();
  private commandPaths(model: Model): Record<string, string> {
    let paths = this.resolvedPaths.get(model);
    if (!paths) {
      paths = Object.fromEntries([...scriptCommands(model), ...lvsScriptCommands(model)].map((argv) => [argv[0], keepalivedCommandPath(argv[0])]));
      this.resolvedPaths.set(model, paths);
    }
    return paths;
  }

  private async mibInstance(name: string, s: InstanceState): Promise<Vrrpv3Instance> {
    const link = await this.deps.links.query(s.cfg.interface);
    const l = link.ok ? link.value : null;
    return {
      name,
      ifIndex: l?.index ?? 0,
      vrid: s.cfg.virtualRouterId,
      state: s.state === 'STOP' ? 'INIT' : s.state,
      primaryAddress: s.primaryAddress,
      srcAddress: s.srcAddress,
      lastMasterAddress: s.state === 'MASTER' ? null : s.masterAddress,
      mac: l?.mac ?? null,
      basePriority: s.basePriority,
      vips: s.cfg.virtualIpAddresses.filter((v) => v.family === s.cfg.family && !v.excluded).map((v) => v.address),
      advertIntMs: s.cfg.advertIntMs,
      preempt: !s.nopreempt,
      accept: s.cfg.accept,
      startedAtMs: this.vrrp?.startedAt.get(name) ?? this.startedAt.getTime(),
      becameMaster: s.stats.becameMaster,
      masterReason: s.stats.masterReason,
      advertsReceived: s.stats.advertsReceived,
      priorityZeroReceived: s.stats.priorityZeroReceived,
      priorityZeroSent: s.stats.priorityZeroSent,
      drops: { ...s.stats.drops },
      version: s.cfg.version,
      authType: s.cfg.authType,
      heardMaster: s.stats.heardMaster,
    };
  }

  /** The line a reload to `next` adds to the plan for lvs_sync_daemon, if it changes it. */
  private syncDaemonChange(next: Model): string | null {
    if (!this.deps.syncDaemon) return null;
    const a = this.model.globalDefs.lvsSyncDaemon;
    const b = next.globalDefs.lvsSyncDaemon;
    const on = (m: Model) => (this.syncDaemonActive(m) ? m.globalDefs.lvsSyncDaemon : null);
    if (isDeepStrictEqual(on(this.model), on(next))) return null;
    if (!on(next)) return `IPVS sync daemon stops (was on ${a?.interface})`;
    const what = `on ${b!.interface} syncid ${b!.syncId}${b!.instance ? ` following ${b!.instance}` : ' (master and backup)'}`;
    return on(this.model) ? `IPVS sync daemon restarts ${what}` : `IPVS sync daemon starts ${what}`;
  }

  /** Both engines take `next`; what they did goes into `plan`. */
  private async apply(next: Model, plan: ReloadPlan): Promise<void> {
    // keepalived closes its FIFOs at a reload (removing those it made) and opens them again
    this.deps.fifo?.configure(next);
    const sync = this.syncDaemonChange(next);
    if (sync) plan.engines.push(sync);
    this.deps.alerts?.configure(next);
    if (this.opts.vrrp) {
      if (this.statics) plan.engines.push(...(await this.statics.reload(staticSetOf(next))));
      else {
        await this.startStatics(next);
        if (this.statics) plan.engines.push(...StaticEntries.describe(StaticEntries.diff(NO_STATICS, staticSetOf(next))));
      }
      if (this.vrrp) plan.vrrp = await this.vrrp.reload(next);
      else if (next.vrrpInstances.length > 0) {
        plan.engines.push(`VRRP engine starts: ${next.vrrpInstances.map((i) => i.name).join(' ')}`);
        this.vrrp = new VrrpEngine(next, this.deps);
        await this.vrrp.start();
      }
    }
    if (this.opts.lvs) {
      if (this.lvs) plan.lvs = await this.lvs.reload(next);
      else if (this.deps.lvs && next.virtualServers.length > 0) {
        plan.engines.push(`LVS engine starts with ${next.virtualServers.length} virtual servers`);
        this.lvs = await this.deps.lvs(next);
        await this.lvs.start();
      }
    }
    this.deps.syncDaemon?.configure(next.globalDefs.lvsSyncDaemon, this.syncDaemonActive(next));
    // every session's state reaches the engines again (new checkers and instances learn it)
    if (this.bfd) await this.bfd.reconfigure(next.bfdInstances);
    else await this.startBfd(next);
    const announce = this.announcer ? await this.announcer.reload(next) : planAnnounceReload(null, next.announces);
    if (!this.announcer) this.startAnnouncer(next, false);
    plan.engines.push(...announce.lines);
    this.deps.onStopGrace?.(announce.stopGraceMs);
    this.watchRoutesIfTracked(next);
  }

  /** The running VRRP instances as the D-Bus interface shows them, in config order. */
  dbusInstances(): Array<{ name: string; interface: string; vrid: number; family: 4 | 6; state: 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP' }> {
    return [...(this.vrrp?.states ?? [])].map(([name, s]) => ({ name, interface: s.cfg.interface, vrid: s.cfg.virtualRouterId, family: s.cfg.family, state: s.state }));
  }

  status(): StatusSnapshot {
    const instances: InstanceStatus[] = [];
    if (this.vrrp) {
      for (const [name, s] of this.vrrp.states) {
        instances.push({
          name,
          interface: s.cfg.interface,
          virtualRouterId: s.cfg.virtualRouterId,
          version: s.cfg.version,
          state: s.state === 'STOP' ? 'INIT' : s.state,
          since: (this.vrrp.since.get(name) ?? this.startedAt).toISOString(),
          basePriority: s.basePriority,
          effectivePriority: s.effectivePriority,
          masterAddress: s.state === 'MASTER' ? s.srcAddress : s.masterAddress,
          advertIntMs: s.cfg.advertIntMs,
          vips: [...s.cfg.virtualIpAddresses, ...s.cfg.virtualIpAddressesExcluded].map((v) => `${v.address}/${v.prefixLen}`),
          vipsHeld: s.vipsSet,
          syncGroup: s.env.syncGroup,
          faultReasons: s.state === 'FAULT' ? faultReasonsOf(s) : [],
          advertsSent: s.stats.advertsSent,
          advertsReceived: s.stats.advertsReceived,
          becameMaster: s.stats.becameMaster,
          releasedMaster: s.stats.releasedMaster,
          drops: { ...s.stats.drops } as Record<string, number>,
        });
      }
    }
    return {
      pid: process.pid,
      configFile: this.opts.configFile,
      startedAt: this.startedAt.toISOString(),
      reloads: { ...this.reloads },
      instances,
      syncGroups: this.vrrp
        ? [...this.vrrp.groupStates.values()].map((g) => ({ name: g.name, members: [...g.members], state: g.state }))
        : [],
      virtualServers: this.lvs?.status() ?? [],
      ...(this.bfd ? { bfd: this.bfd.status() } : {}),
      ...(this.vrrp ? { vrrpTimerLateness: this.vrrp.timerLateness, vrrpTakeovers: this.vrrp.takeovers } : {}),
      announces: this.announcer?.status() ?? [],
    };
  }
}
