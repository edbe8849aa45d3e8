/**
 * The VRRP shell: drives the pure per-instance state machines (src/vrrp) with real sockets,
 * timers, rtnetlink and scripts. It owns no protocol decision; it only
 *  - turns kernel happenings into events (a packet on an interface's VRRP socket, a link
 *    going down, a timer expiring, a track script settling),
 *  - carries out the actions each step returns, in order, per instance (advert first, then
 *    VIPs, then GARPs — the order the machine emits),
 *  - keeps every (instance, timer) deadline on a monotonic clock behind one OS timer
 *    (src/daemon/deadlines.ts; a timerfd in the daemon),
 *  - tells the supervisor what to release if this process dies while MASTER.
 */
import { isDeepStrictEqual } from 'node:util';
import { needsFirewall, type Model, type TrackFile, type VirtualIpAddress, type VrrpInstance, type VrrpScript, type VrrpSyncGroup, type VrrpTrackProcess } from '../config/model';
import { firstLinkLocalIPv6 } from '../net/addresses';
import type { AddressManager, VipSpec } from '../net/addresses';
import type { GarpSender } from '../net/garp';
import { pacingOf, type PacedFrame, type PacingOf } from '../net/garp-pacing';
import { GarpQueue } from './garp-queue';
import type { LinkMonitor, LinkState } from '../net/links';
import { LinkDelayTable } from './link-delay-table';
import { LinkbeatPoller } from './linkbeat-poller';
import { haloNative } from '../net/native';
import type { LinkProbe } from '../vrrp/linkbeat';
import type { ReceivedEnvelope, VrrpTransport } from '../net/vrrp-socket';
import { VrrpSockets } from './vrrp-sockets';
import { decodeAdvert6, decodePacket } from '../vrrp/advert-codec';
import { IPPROTO_AH } from '../vrrp/ipv4-header';
import { AH_SEQ_MAX } from '../vrrp/ipsec-ah';
import { allVips, createInstanceState, InstanceState, step } from '../vrrp/instance';
import { removalNotifies } from '../vrrp/removal';
import { createSyncGroupState, stepSyncGroupMember, syncGroupStep, SyncGroupState } from '../vrrp/sync-group';
import { startAll } from '../vrrp/start';
import { allVips as instanceVips, reconfigure } from '../vrrp/reconfigure';
import { advertGroup } from '../vrrp/receive-check';
import { PromoteSecondaries } from './promote-secondaries';
import { LocalIgmp } from './local-igmp';
import { carryScriptTracker, scriptResult, ScriptTrackerState } from '../vrrp/track-script';
import type { TimerName, VrrpAction, VrrpEvent } from '../vrrp/types';
import type { RejectReason } from '../vrrp/rejection';
import type { Logger } from './logger';
import { describeVrrpActions, planTrackerReload, planVrrpReload, usedTrackers } from './reload-plan';
import type { InstanceChange, InstanceUpdate, VrrpReloadReport } from './reload-plan';
import type { NotifyRunner } from './notify';
import { reloadStateLines, vrrpFifoLine } from '../alert/notify-fifo-lines';
import { Deadlines, LatenessHistogram, WakeTimerFactory } from './deadlines';
import { TakeoverTrace, TakeoverTracer } from './takeover-trace';
import type { HeldInstance } from './held';
import { ScriptRunner } from './script-runner';
import { OwnDeletes, VipOp, stillWanted, vipKey, vipRetryDelayMs } from './vip-upkeep';
import { vmacSpecOf, type Sysctl, type VmacManager, type VmacSpec } from '../net/vmac';
import type { NftFirewall } from '../net/nft-firewall';
import { firewallAddress, type NftSettings } from '../net/nft-rules';
import type { RouteManager } from '../net/routes';
import { isOurRoute, isOurRule, type RouteNotice, type RuleNotice } from '../net/route-codec';

/** The interface an instance's VRRP socket sends and receives on: its VMAC unless vmac_xmit_base. */
export function xmitInterface(cfg: VrrpInstance): string {
  return cfg.vmac && !cfg.vmac.xmitBase ? cfg.vmac.name : cfg.interface;
}

/** Which of an interface's VRRP sockets an instance uses: IPv4 protocol 112, IPv6, or IPv4 protocol 51 (auth_type AH). */
type SocketKind = 4 | 6 | 'ah';
/** Actions that reach the network (an advert, VIPs, routes, GARPs): carried out before the rest of a step's. */
const isNetworkAction = (a: VrrpAction): boolean => a.type === 'sendAdvert' || a.type === 'addVips' || a.type === 'removeVips' || a.type === 'routes' || a.type === 'sendGarps';
/** The engine's deadlines: the state machine's timers, and the takeover warm-up before masterDown. */
type EngineTimer = TimerName | 'warmTakeover';
interface TimerKey { id: string; instance: string; timer: EngineTimer }
const socketKind = (cfg: VrrpInstance): SocketKind => (cfg.family === 6 ? 6 : cfg.authType === 'AH' ? 'ah' : 4);
/** The instances (names) on one VRRP socket, in config order, and by VRID. */
interface SocketMembers {
  all: string[];
  byVrid: Map<number, string[]>;
}

const vmacSpec = (cfg: VrrpInstance): VmacSpec => vmacSpecOf(cfg);
const extraVmacSpec = (cfg: VrrpInstance, x: VrrpInstance['extraVmacs'][number]): VmacSpec => ({ instance: cfg.name, name: x.name, base: x.base, vrid: cfg.virtualRouterId, mac: x.mac });
import { ProcessMonitor, procfs } from './process-monitor';
import { TrackFileMonitor } from './track-files';
import { readTrackFile } from '../check/file-probe';
import { scanProcesses } from '../vrrp/track-process';

export interface VrrpEngineDeps {
  addresses: AddressManager;
  garp: GarpSender;
  links: LinkMonitor;
  /** linkbeat's driver probes (default: halo_native's ioctls). */
  linkProbe?: LinkProbe;
  /** The VRRP socket of one interface for one address family (IPv6: recvmsg with ancillary data). */
  /** `protocol` 51 (IPsec AH) for the instances with auth_type AH, as keepalived opens a second socket for them. */
  openTransport(ifname: string, ifindex: number, groups: string[], family: 4 | 6, protocol?: number): VrrpTransport;
  notify: NotifyRunner;
  /** SMTP alerts, sent at the same moments as the notify scripts (null/absent: none). */
  alerts?: {
    notify(kind: 'INSTANCE' | 'GROUP', name: string, state: 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' | 'DELETED'): void;
    /** A packet an instance rejected (enable_traps: keepalived's error notifications). */
    dropped?(instance: string, reason: RejectReason, src: string | undefined): void;
  } | null;
  log: Logger;
  /** The notify FIFOs (notify_fifo, vrrp_notify_fifo): each state line and event (null/absent: none). */
  fifo?: { vrrp(line: string): void } | null;
  /** The supervisor's channel: what to release if we die while MASTER. */
  onHeld?(held: HeldInstance): void;
  onReleased?(instance: string): void;
  /** Monotonic ms; injectable for tests. */
  now?: () => number;
  /** Runs the tracked vrrp_scripts and reports each exit (default: ScriptRunner, real processes). */
  runScripts?: ScriptRunnerFactory;
  /** virtual_routes / virtual_rules (required when an instance has any). */
  routes?: Pick<RouteManager, 'route' | 'rule'> | null;
  /** use_vmac: makes and removes the VMAC interfaces (required when an instance uses one). */
  vmacs?: Pick<VmacManager, 'ensure' | 'remove'> | null;
  /** /proc/sys access for promote_secondaries (default: the real one). */
  sysctl?: Sysctl;
  /**
   * The VIP drop rules of non-accept instances (strict mode / no_accept: src/net/nft-firewall.ts);
   * required when an instance needs them.
   */
  firewall?: ((settings: NftSettings) => Pick<NftFirewall, 'add' | 'remove' | 'close' | 'vmac'>) | null;
  /** Told every instance's state as it changes (the IPVS sync daemon follows lvs_sync_daemon's instance). */
  syncDaemon?: { follow(instance: string, state: string): void; forget(instance: string): void } | null;
  /** Watches the tracked files (default: TrackFileMonitor). */
  watchFiles?: (files: TrackFile[], log: Logger, onValue: (name: string, value: number) => void, reload: boolean) => TrackerMonitor<number>;
  /** Counts the tracked processes (default: ProcessMonitor on the kernel's process events). */
  watchProcesses?: (defs: VrrpTrackProcess[], log: Logger, onChange: (name: string, up: boolean) => void) => TrackerMonitor<boolean>;
  /**
   * The OS timer behind every VRRP deadline, on the clock of `now` (default: setTimeout; the
   * daemon passes the addon's timerfd, which fires within ~0.1 ms instead of ±2 ms).
   */
  wakeTimer?: WakeTimerFactory;
}

/** A tracker shell: start() returns the values now, by name, and reports changes after. */
export interface TrackerMonitor<V> {
  start(): Record<string, V>;
  stop(): void;
}

export type ScriptRunnerFactory = (
  scripts: VrrpScript[],
  scriptSecurity: boolean,
  log: Logger,
  onResult: (name: string, ok: boolean) => void,
) => { start(): void; stop(): void };

const realFiles: NonNullable<VrrpEngineDeps['watchFiles']> = (files, log, onValue, reload) => new TrackFileMonitor(files, log, onValue, reload);
const realProcesses: NonNullable<VrrpEngineDeps['watchProcesses']> = (defs, log, onChange) => new ProcessMonitor(defs, { log }, onChange);

const usedTrackFiles = (model: Model): TrackFile[] => usedTrackers(model).files;
const usedTrackProcesses = (model: Model): VrrpTrackProcess[] => usedTrackers(model).processes;

/** Reload report lines for the trackers started and stopped, with what the new ones read. */
function trackerLines(old: Model, next: Model, tracked: { files: Record<string, number>; processes: Record<string, boolean> }): { start: string[]; stop: string[] } | undefined {
  const t = planTrackerReload(old, next);
  if (t.start.length === 0 && t.stop.length === 0) return undefined;
  const read = (line: string): string => {
    const m = /^(track_file|vrrp_track_process) (\S+)/.exec(line)!;
    return m[1] === 'track_file' ? `${line}: value ${tracked.files[m[2]] ?? 0}` : `${line}: quorum ${tracked.processes[m[2]] ? 'held' : 'not held'}`;
  };
  return { stop: t.stop, start: t.start.map(read) };
}

const realScripts: ScriptRunnerFactory = (scripts, security, log, onResult) => new ScriptRunner(scripts, security, log, onResult);

// the global performance: node:perf_hooks would load ~2 ms of CPU more at the worker's start (issue 15)
const monotonic = (): number => performance.now();
/** How often a slow stop says what it still waits for. */
const STOP_WATCHDOG_MS = 2000;
/** How long before a BACKUP's down timer its takeover is dry-run (see onTimer). */
const WARM_TAKEOVER_MS = 5;
const TIMER_NAMES: TimerName[] = ['adver', 'masterDown', 'garpDelay', 'garpRefresh', 'garpLowerPrio', 'garpExtraIf'];
const timerEvent = (timer: TimerName): VrrpEvent => Object.freeze({ type: 'timer', timer });
/** One event object per timer name (an expiry allocates none). */
const TIMER_EVENTS: Record<TimerName, VrrpEvent> = {
  adver: timerEvent('adver'), masterDown: timerEvent('masterDown'), garpDelay: timerEvent('garpDelay'),
  garpRefresh: timerEvent('garpRefresh'), garpLowerPrio: timerEvent('garpLowerPrio'), garpExtraIf: timerEvent('garpExtraIf'),
};

/** The vrrp_scripts some instance or sync group of `model` tracks. */
function usedScripts(model: Model): VrrpScript[] {
  const used = new Set(model.vrrpInstances.flatMap((i) => i.trackScripts.map((t) => t.name)));
  for (const g of model.vrrpSyncGroups) for (const t of g.trackScripts) used.add(t.name);
  return model.vrrpScripts.filter((s) => used.has(s.name));
}

function stopChange(name: string, state: string, actions: VrrpAction[], restart: boolean): InstanceChange {
  const effects = describeVrrpActions(actions);
  if (restart) effects.push('started again: its interface, VRID, version, family, sync group or VMAC changed');
  return { name, change: restart ? 'restart' : 'stop', state, after: null, effects };
}

/** An update's effects; a VIP list change on an instance not holding its VIPs is shown as such. */
function updateEffects(u: InstanceUpdate, vipsHeld: boolean, actions: VrrpAction[]): string[] {
  const effects = describeVrrpActions(actions);
  if (!vipsHeld) {
    for (const v of u.vipsAdded) effects.push(`VIP ${v.address}/${v.prefixLen} dev ${v.dev} added to the config (not held now)`);
    for (const v of u.vipsRemoved) effects.push(`VIP ${v.address}/${v.prefixLen} dev ${v.dev} removed from the config (not held now)`);
  }
  if (effects.length === 0) effects.push('settings changed; no state change, no I/O');
  return effects;
}

function allVipsOf(model: Model): VipSpec[] {
  return model.vrrpInstances.flatMap((i) => [...i.virtualIpAddresses, ...i.virtualIpAddressesExcluded]).map(vipSpec);
}

function vipSpec(v: VirtualIpAddress): VipSpec {
  return {
    address: v.address, family: v.family, prefixLen: v.prefixLen, broadcast: v.broadcast, dev: v.dev, scope: v.scope, label: v.label,
    ...(v.preferredLft !== undefined ? { preferredLft: v.preferredLft } : {}),
    ...(v.noDad !== undefined ? { noDad: v.noDad } : {}),
  };
}

export class VrrpEngine {
  readonly states = new Map<string, InstanceState>();
  /** When each instance entered its current state (wall clock, for status). */
  readonly since = new Map<string, Date>();
  /** When each instance was first created (ms since the epoch): VRRPv3-MIB's up time counts from it. */
  readonly startedAt = new Map<string, number>();
  private readonly timers: Deadlines<TimerKey>;
  /** The instances on each VRRP socket (membersOn), null when to be worked out again. */
  private socketMembers: Map<SocketKind, Map<string, SocketMembers>> | null = null;
  private readonly timerKeys = new Map<string, Partial<Record<EngineTimer, TimerKey>>>();
  private readonly queues = new Map<string, Promise<void>>();
  /** Adverts handed to a socket and not yet settled (stop waits for them before closing). */
  private readonly adverts = new Set<Promise<void>>();
  /** Each instance's last takeover, step by step on this process's clock (halo status --json). */
  private readonly tracer = new TakeoverTracer(performance.timeOrigin);
  /** I/O actions per instance started or waiting and not yet settled. */
  private readonly inflight = new Map<string, number>();
  /** The I/O action each instance is running now and since when (monotonic ms): what a slow stop waits for. */
  private readonly running = new Map<string, { what: string; since: number }>();
  private readonly sockets: VrrpSockets;
  /** The IPv6 VRRP sockets: a second socket per interface, for the IPv6 instances on it. */
  private readonly sockets6: VrrpSockets;
  /** IPv4 protocol 51 sockets, for the instances with auth_type AH (their adverts come as IPsec AH). */
  private readonly socketsAh: VrrpSockets;
  private readonly scripts = new Map<string, ScriptTrackerState>();
  /** BFD sessions Up, by bfd_instance name (events from src/bfd via the director). */
  private readonly bfdUp = new Map<string, boolean>();
  private scriptRunner: { start(): void; stop(): void } | null = null;
  private fileMonitor: TrackerMonitor<number> | null = null;
  private processMonitor: TrackerMonitor<boolean> | null = null;
  /** Tracked file values and process quorums as the monitors last reported. */
  private files: Record<string, number> = {};
  /** vrrp_startup_delay's end (monotonic ms), set at start (not at reload, as keepalived). */
  private delayedStartUntil: number | null = null;
  private processes: Record<string, boolean> = {};
  private readonly groups = new Map<string, VrrpSyncGroup>();
  readonly groupStates = new Map<string, SyncGroupState>();
  private stopped = false;
  /** The drop-rule tables, made on the first non-accept MASTER (deps.firewall), with their settings. */
  private firewall: { settings: NftSettings; fw: Pick<NftFirewall, 'add' | 'remove' | 'close' | 'vmac'> } | null = null;
  /** While set, I/O actions wait here instead of starting (stop(): every advert goes out first). */
  private heldIo: Array<() => void> | null = null;
  /**
   * While set, every action but an advert waits here (stop(): the priority-0 adverts of all
   * instances go out back to back; their logs, timers and notifies follow in order).
   */
  private deferred: VrrpAction[] | null = null;
  /** halo's own VIP deletes, whose RTM_DELADDR is not someone else's (vip-upkeep.ts). */
  private readonly ownDeletes = new OwnDeletes();
  private readonly promote: PromoteSecondaries;
  private readonly localIgmp: LocalIgmp;
  /** Pending retries of failed VIP adds/deletes. */
  private readonly vipRetries = new Set<NodeJS.Timeout>();
  /** interface_up_down_delays: the interfaces whose up/down waits before the instances hear it. */
  private readonly linkDelays: LinkDelayTable;
  /** linkbeat_use_polling / linkbeat_interfaces: the interfaces whose link is polled, not read from netlink. */
  private readonly linkbeat: LinkbeatPoller;
  private readonly now: () => number;
  private model: Model;
  /** Every instance's GARP/NA bursts, paced per interface (group) as keepalived's garp_delay. */
  private readonly garps: GarpQueue;
  private pacingFor: { model: Model; of: PacingOf } | null = null;

  constructor(model: Model, private readonly deps: VrrpEngineDeps) {
    this.model = model;
    this.now = deps.now ?? monotonic;
    this.promote = new PromoteSecondaries(deps.sysctl);
    this.localIgmp = new LocalIgmp(deps.sysctl);
    // every expiry of one wake-up steps at the wake-up's time: instances advertising together
    // re-arm for the same instant and keep sharing one wake-up (keepalived's time_now)
    this.timers = new Deadlines(this.now, ({ instance, timer }, deadline, now) => this.onTimer(instance, timer, deadline, now), deps.wakeTimer);
    this.garps = new GarpQueue({
      garp: deps.garp, log: deps.log, now: this.now, wakeTimer: deps.wakeTimer, pacing: () => this.pacing(),
      live: (f) => {
        const s = this.states.get(f.instance);
        return s?.state === 'MASTER' && s.vipsSet;
      },
    });
    const socketsOf = (family: 4 | 6, kind: SocketKind = family) =>
      new VrrpSockets({
        open: (ifname, ifindex, groups) =>
          kind === 'ah' ? deps.openTransport(ifname, ifindex, groups, 4, IPPROTO_AH) : deps.openTransport(ifname, ifindex, groups, family),
        ifindex: async (ifname) => {
          const l = await deps.links.query(ifname);
          return l.ok && l.value ? l.value.index : null;
        },
        log: deps.log,
        onPacket: (ifname, pkt, source, envelope) => this.onPacket(ifname, kind, pkt, source, envelope),
        onDown: (ifname, reason) => this.feedInterface(ifname, kind, { type: 'socket', up: false, reason }),
        onUp: (ifname) => this.feedInterface(ifname, kind, { type: 'socket', up: true }),
      });
    this.linkDelays = new LinkDelayTable(deps.log, (ifname, up) => this.linkUpDown(ifname, up));
    this.linkbeat = new LinkbeatPoller(deps.log, deps.linkProbe ?? ((ifname, kind) => haloNative().linkbeatProbe(ifname, kind)), (ifname, up) => this.linkUpDown(ifname, up, false));
    this.sockets = socketsOf(4);
    this.sockets6 = socketsOf(6);
    this.socketsAh = socketsOf(4, 'ah');
    for (const g of model.vrrpSyncGroups) {
      this.groups.set(g.name, g);
      this.groupStates.set(g.name, createSyncGroupState(g));
    }
  }

  private allVips(): VipSpec[] {
    return allVipsOf(this.model);
  }

  async start(): Promise<void> {
    const { log, addresses, links } = this.deps;
    // keepalived's remove_residual_vips: a crashed run may have left our VIPs behind
    const residual = await addresses.removeResidual(this.allVips());
    for (const v of residual.removed) log.notice(`Removing residual VIP ${v.address}/${v.prefixLen} from ${v.dev}`);
    for (const e of residual.errors) log.warning(`residual VIP removal: ${e.message}`);

    links.onLink((ev) => {
      for (const sockets of [this.sockets, this.sockets6, this.socketsAh]) {
        if (!sockets.has(ev.link.name)) continue;
        if (ev.kind === 'removed') sockets.failed(ev.link.name, `interface ${ev.link.name} removed`);
        else sockets.linkChanged(ev.link.name, ev.link.index);
      }
      if (ev.kind === 'removed') {
        this.linkDelays.removed(ev.link.name);
        this.linkbeat.removed(ev.link.name);
      // a polled interface's netlink reports are not used (linkbeat); one with up/down delays
      // is heard through its flags reports (onFlags)
      } else if (this.linkbeat.polls(ev.link.name) || this.linkDelays.has(ev.link.name)) return;
      this.linkUpDown(ev.link.name, ev.kind === 'change' ? ev.link.up : false, ev.kind === 'change');
    });
    links.onFlags((link, deleted) => {
      if (!deleted && !this.linkbeat.polls(link.name)) this.linkDelays.report(link);
    });
    await this.linkDelays.configure(this.model, (n) => this.linkNow(n));
    await this.configureLinkbeat(this.model);

    links.onAddress((ev) => {
      if (ev.kind === 'removed') void this.onVipDeleted(ev.address, ev.index);
    });

    if (this.model.globalDefs.disableLocalIgmp) {
      const err = this.localIgmp.disable();
      if (err) log.info(err);
    }
    this.startTrackers(this.model, false);
    const delay = this.model.globalDefs.vrrpStartupDelayMs;
    if (delay > 0) {
      this.delayedStartUntil = this.now() + delay;
      log.info(`Delaying startup for ${delay / 1000} seconds`);
    }
    for (const cfg of this.model.vrrpInstances) this.states.set(cfg.name, await this.createState(cfg));
    this.socketMembers = null;
    this.startScripts();
    // keepalived's start order (src/vrrp/start.ts): the states first, then what they do
    const started = startAll([...this.states.keys()], Object.fromEntries(this.states), [...this.groupStates.values()], this.now());
    for (const g of started.groups) this.groupStates.set(g.name, g);
    for (const st of Object.values(started.instances)) this.commit(st);
    this.execute(started.actions);
    setImmediate(() => this.warmTakeover());
  }

  /**
   * An interface went up or down (after its interface_up_down_delays, if any): the instances
   * that run on it or track it hear it, after keepalived's line (not for a deleted interface).
   */
  private linkUpDown(ifname: string, up: boolean, reported = true): void {
    const tracking = [...this.states].filter(([, s]) => ifname === s.cfg.interface || s.cfg.trackInterfaces.some((t) => t.name === ifname));
    if (tracking.length > 0 && reported) this.deps.log.info(`Netlink reports ${ifname} ${up ? 'up' : 'down'}`);
    for (const [name] of tracking) this.feed(name, { type: 'interface', name: ifname, up });
  }

  private async configureLinkbeat(model: Model): Promise<void> {
    const all = await this.deps.links.list();
    this.linkbeat.configure(model, all.ok ? [...all.value].sort((a, b) => a.index - b.index) : []);
  }

  private async linkNow(ifname: string): Promise<LinkState | null> {
    const l = await this.deps.links.query(ifname);
    return l.ok ? l.value : null;
  }

  /**
   * V8 compiles a function at its first call: the first takeover ran the machine's MASTER paths
   * (the sync group's pull, the advert encoding, the held adverts) cold, tens of ms under software
   * emulation between the backup's timer and its VIP adds. A dry run of each BACKUP's down timer
   * and of its held adverts, once after start, compiles them ahead. Pure: nothing is changed or sent.
   */
  private warmTakeover(): void {
    if (this.stopped) return;
    for (const [name, s] of this.states) {
      if (s.state !== 'BACKUP') continue;
      this.dryRun(name, { type: 'timer', timer: 'masterDown' });
      this.heldOf(s);
    }
  }

  /** What only the kernel knows about `cfg` now: its interface's index, primary address and link states. */
  private async environment(cfg: VrrpInstance, model = this.model): Promise<{ ifindex: number; primary: string; links: Record<string, boolean> }> {
    const { addresses, links } = this.deps;
    const vipAddrs = [...this.allVips(), ...allVipsOf(model)].map((v) => v.address);
    const link = await links.query(cfg.interface);
    if (!link.ok) throw link.error;
    if (!link.value) throw new Error(`(${cfg.name}) interface ${cfg.interface} does not exist`);
    let primary: string | null;
    if (cfg.family === 6) {
      // RFC 9568 §5.1.2.1: IPv6 adverts come from the interface's link-local address.
      const listed = await addresses.list(cfg.interface);
      if (!listed.ok) throw listed.error;
      primary = firstLinkLocalIPv6(listed.value, vipAddrs) ?? cfg.unicastSrcIp ?? cfg.mcastSrcIp;
      if (!primary) throw new Error(`(${cfg.name}) interface ${cfg.interface} has no IPv6 link-local address to send adverts from`);
    } else {
      const prim = await addresses.primaryIPv4(cfg.interface, vipAddrs);
      if (!prim.ok) throw prim.error;
      primary = prim.value ?? cfg.unicastSrcIp ?? cfg.mcastSrcIp;
      if (!primary) throw new Error(`(${cfg.name}) interface ${cfg.interface} has no IPv4 address to send adverts from`);
    }
    const linkStates: Record<string, boolean> = { [cfg.interface]: this.linkbeat.state(cfg.interface) ?? link.value.up };
    for (const t of cfg.trackInterfaces) {
      const l = await links.query(t.name);
      linkStates[t.name] = this.linkbeat.state(t.name) ?? (l.ok && l.value ? l.value.up : false);
    }
    return { ifindex: link.value.index, primary, links: linkStates };
  }

  /** A fresh instance state for `cfg`: its interface's primary address and link states now. */
  private async createState(cfg: VrrpInstance): Promise<InstanceState> {
    const env = await this.environment(cfg);
    if (cfg.promoteSecondaries) {
      const err = this.promote.set(cfg.interface);
      if (err) this.deps.log.warning(`(${cfg.name}) ${err}`);
    }
    let socketIndex = env.ifindex;
    if (cfg.vmac) {
      if (!this.deps.vmacs) throw new Error(`(${cfg.name}) use_vmac: no VMAC support in this process`);
      // an IPv6 instance's adverts leave the VMAC from the configured source, else its interface's link-local address
      const src = [cfg.mcastSrcIp, cfg.unicastSrcIp].find((a) => a !== null && a.includes(':')) ?? env.primary;
      const r = await this.deps.vmacs.ensure(vmacSpecOf(cfg, cfg.family === 6 ? src : null));
      if (!r.ok) throw new Error(`(${cfg.name}): Unable to create ${cfg.vmac.ipvlan ? 'ipvlan' : 'VMAC'} interface ${cfg.vmac.name}: ${r.error.message}`);
      for (const l of r.value.log) this.deps.log.info(l);
      if (!cfg.vmac.xmitBase) socketIndex = r.value.ifindex;
      await this.vmacFirewall(cfg, 'add');
    }
    // use_vmac_addr: the VMACs of the VIPs elsewhere
    for (const x of cfg.extraVmacs) {
      if (!this.deps.vmacs) throw new Error(`(${cfg.name}) use_vmac_addr: no VMAC support in this process`);
      const r = await this.deps.vmacs.ensure(extraVmacSpec(cfg, x));
      if (!r.ok) throw new Error(`(${cfg.name}): Unable to create VMAC interface ${x.name}: ${r.error.message}`);
      for (const l of r.value.log) this.deps.log.info(l);
      await this.extraVmacFirewall(cfg, x, 'add');
    }
    const state = createInstanceState(cfg, env.primary, {
      globalDefs: this.model.globalDefs,
      vrrpScripts: this.model.vrrpScripts,
      syncGroup: cfg.syncGroup ? this.groups.get(cfg.syncGroup) ?? null : null,
      links: env.links,
      files: this.files,
      processes: this.processes,
      delayedStartUntil: this.delayedStartUntil,
      bfdInstances: this.model.bfdInstances,
      bfds: Object.fromEntries(this.bfdUp),
    });
    for (const w of state.env.warnings) this.deps.log.warning(w);
    this.since.set(cfg.name, new Date());
    if (!this.startedAt.has(cfg.name)) this.startedAt.set(cfg.name, Date.now());
    this.openSocket(cfg, socketIndex);
    return state;
  }

  /** Settled script states as a reload to `next` would carry them (see carryScriptTracker). */
  private carriedScriptStates(next: Model): Record<string, boolean | null> {
    const out: Record<string, boolean | null> = {};
    for (const d of usedScripts(next)) out[d.name] = carryScriptTracker(this.scripts.get(d.name), d).up;
    return out;
  }

  /**
   * reconfigure() of instance `name` for `next`, on its state *now* with the kernel's view `env`
   * (synchronous: nothing can step the instance between reading its state and the result).
   */
  private reconfigureNow(
    name: string, next: Model, env: { primary: string; links: Record<string, boolean>; ifindex: number }, scripts: Record<string, boolean | null>,
    tracked: { files: Record<string, number>; processes: Record<string, boolean> } = { files: this.files, processes: this.processes },
  ) {
    const old = this.states.get(name)!;
    const cfg = next.vrrpInstances.find((i) => i.name === name)!;
    const group = cfg.syncGroup ? next.vrrpSyncGroups.find((g) => g.name === cfg.syncGroup) ?? null : null;
    const r = reconfigure(old, cfg, {
      now: this.now(),
      primaryAddress: env.primary,
      links: env.links,
      scripts,
      files: tracked.files,
      processes: tracked.processes,
      globalDefs: next.globalDefs,
      vrrpScripts: next.vrrpScripts,
      syncGroup: group,
      bfdInstances: next.bfdInstances,
      bfds: Object.fromEntries(this.bfdUp),
    });
    return { ...r, old, cfg, ifindex: env.ifindex };
  }

  /**
   * What a reload to `next` would do, computed and not done: the same plan (planVrrpReload) and
   * the same pure steps (reconfigure, shutdown) as reload(), on a copy of the live state.
   */
  async planReload(next: Model): Promise<VrrpReloadReport> {
    const plan = planVrrpReload(this.model, next);
    const restarted = new Set(plan.remove.filter((n) => plan.add.includes(n)));
    const changes: InstanceChange[] = [];
    for (const name of plan.remove) {
      const s = this.states.get(name)!;
      const told = this.removalTold(name, restarted);
      changes.push(stopChange(name, s.state, told(this.dryRun(name, { type: 'shutdown' })), restarted.has(name)));
    }
    const scripts = this.carriedScriptStates(next);
    const tracked = this.trackedNow(next);
    for (const u of plan.update) {
      const env = await this.environment(next.vrrpInstances.find((i) => i.name === u.name)!, next);
      const r = this.reconfigureNow(u.name, next, env, scripts, tracked);
      changes.push({ name: u.name, change: 'update', state: r.old.state, after: r.state.state, effects: updateEffects(u, r.old.vipsSet, r.actions) });
    }
    for (const name of plan.add) if (!restarted.has(name)) changes.push({ name, change: 'start', state: 'INIT', after: null, effects: [] });
    const trackers = trackerLines(this.model, next, tracked);
    return { unchanged: plan.keep, changes, ...(trackers ? { trackers } : {}) };
  }

  /**
   * SIGHUP with a valid new model: apply only the difference (see reload-plan.ts). Unchanged
   * instances are not stepped at all; updated ones go through reconfigure (src/vrrp), which
   * keeps their protocol and tracker state. Returns what was done, in planReload's terms.
   */
  async reload(next: Model): Promise<VrrpReloadReport> {
    const plan = planVrrpReload(this.model, next);
    const restarted = new Set(plan.remove.filter((n) => plan.add.includes(n)));
    const { log } = this.deps;
    // Everything that can fail (an interface gone, no address) is asked first, so a reload
    // that cannot be applied changes nothing.
    const envs = new Map<string, Awaited<ReturnType<VrrpEngine['environment']>>>();
    const byName = new Map(next.vrrpInstances.map((i) => [i.name, i]));
    for (const u of plan.update) envs.set(u.name, await this.environment(byName.get(u.name)!, next));
    for (const name of plan.add) await this.environment(byName.get(name)!, next);
    // the new trackers start before anything changes (the process connector can refuse)
    this.startTrackers(next, true);
    await this.linkDelays.configure(next, (n) => this.linkNow(n));
    await this.configureLinkbeat(next);
    const trackers = trackerLines(this.model, next, { files: this.files, processes: this.processes });
    const changes: InstanceChange[] = [];
    // the states before the reload: the ones that stay are written again (fifo_write_vrrp_states_on_reload)
    const statesBefore = new Map([...this.states].map(([n, st]) => [n, st.state]));
    const groupsBefore = new Map([...this.groupStates].map(([n, g]) => [n, g.state]));
    for (const name of plan.remove) {
      const before = this.states.get(name)!.state;
      const actions = this.feed(name, { type: 'shutdown' }, this.removalTold(name, restarted));
      changes.push(stopChange(name, before, actions, restarted.has(name)));
      for (const t of TIMER_NAMES) this.cancel(name, t);
      await Promise.all([this.queues.get(name), ...this.adverts]);
      const gone = this.states.get(name)!.cfg;
      if (gone.vmac || gone.extraVmacs.length > 0) await this.removeVmac(gone);
      this.states.delete(name);
      this.socketMembers = null;
      this.timerKeys.delete(name);
      this.tracer.forget(name);
      this.queues.delete(name);
      this.deps.onReleased?.(name);
      this.deps.syncDaemon?.forget(name);
    }
    // from here to the last update nothing awaits: no event can step an instance in between
    // the script trackers keep their settled state and rise/fall counts (see carryScriptTracker)
    const scripts = this.carriedScriptStates(next);
    const configsBefore = new Map([...this.states].map(([n, st]) => [n, st.cfg]));
    this.model = next;
    // keepalived's reload frees every garp_delay and the VIPs' pending marks: paced afresh
    this.garps.reset();
    this.groups.clear();
    for (const g of next.vrrpSyncGroups) {
      this.groups.set(g.name, g);
      const old = this.groupStates.get(g.name);
      this.groupStates.set(g.name, old && isDeepStrictEqual(old.members, g.group) ? old : createSyncGroupState(g));
    }
    for (const name of [...this.groupStates.keys()]) if (!this.groups.has(name)) this.groupStates.delete(name);
    this.scriptRunner?.stop();
    this.scriptRunner = null;
    this.carryScripts();
    for (const u of plan.update) {
      const r = this.reconfigureNow(u.name, next, envs.get(u.name)!, scripts);
      log.info(`(${u.name}) configuration changed; keeping state ${r.old.state}`);
      // an update keeps the VMAC (a VMAC change restarts the instance): its socket stays where it is
      if (!r.cfg.vmac || r.cfg.vmac.xmitBase) this.openSocket(r.cfg, r.ifindex);
      this.commit(r.state);
      this.execute(r.actions);
      const actions = [...r.actions];
      const now = this.states.get(u.name)!;
      if (r.state.env.syncGroup && (now.state !== r.old.state || now.wantState !== r.old.wantState)) actions.push(...this.regroup(u.name));
      const after = this.states.get(u.name)!;
      if (after.state === 'MASTER') this.deps.onHeld?.(this.heldOf(after));
      changes.push({ name: u.name, change: 'update', state: r.old.state, after: after.state, effects: updateEffects(u, r.old.vipsSet, actions) });
    }
    if (next.globalDefs.fifoWriteVrrpStatesOnReload) this.writeStatesAgain(next, statesBefore, groupsBefore);
    await this.reloadFirewall(configsBefore, next);
    for (const name of plan.add) this.states.set(name, await this.createState(byName.get(name)!));
    this.socketMembers = null;
    this.startAdded(plan.add, next);
    for (const name of plan.add) if (!restarted.has(name)) changes.push({ name, change: 'start', state: 'INIT', after: null, effects: [] });
    // sockets of interfaces no instance uses any more
    for (const kind of [4, 6, 'ah'] as const) {
      const sockets = this.socketsOfKind(kind);
      const used = new Set(next.vrrpInstances.filter((i) => socketKind(i) === kind).map(xmitInterface));
      for (const ifname of sockets.interfaces()) if (!used.has(ifname)) sockets.close(ifname);
    }
    this.startScripts();
    // an unchanged instance learns what the new monitors read (nothing happens where it is the same)
    for (const name of plan.keep) {
      for (const [f, value] of Object.entries(this.files)) this.feed(name, { type: 'trackFile', name: f, value });
      for (const [p, up] of Object.entries(this.processes)) this.feed(name, { type: 'trackProcess', name: p, up });
    }
    log.info(`Reload: ${plan.keep.length} instances unchanged, ${plan.update.length} updated, ${plan.add.length} added, ${plan.remove.length} removed`);
    return { unchanged: plan.keep, changes, ...(trackers ? { trackers } : {}) };
  }

  /**
   * The instances a reload adds start as at start (src/vrrp/start.ts, keepalived's order: FAULT
   * first, a sync group starting in FAULT telling its members FAULT only), with the sync groups
   * all of whose members are new; a new member of a group that was there before joins it alone.
   */
  private startAdded(added: string[], next: Model): void {
    const isNew = new Set(added);
    const groups = [...this.groupStates.values()].filter((g) => g.members.length > 0 && g.members.every((m) => isNew.has(m)));
    const fresh = new Set(groups.map((g) => g.name));
    const order = next.vrrpInstances.map((i) => i.name).filter((n) => isNew.has(n));
    const together = order.filter((n) => { const g = this.states.get(n)!.env.syncGroup; return g === null || fresh.has(g); });
    const started = startAll(together, Object.fromEntries(together.map((n) => [n, this.states.get(n)!])), groups, this.now());
    for (const g of started.groups) this.groupStates.set(g.name, g);
    for (const st of Object.values(started.instances)) this.commit(st);
    this.execute(started.actions);
    for (const name of order) if (!together.includes(name)) this.feed(name, { type: 'startup' });
  }

  private openSocket(cfg: VrrpInstance, ifindex: number): void {
    const ifname = xmitInterface(cfg);
    const kind = socketKind(cfg);
    // keepalived: a socket per group; here one per interface joins the groups of its multicast
    // instances (mcast_dst_ip, else vrrp_mcast_group4/6), and each instance hears only its own
    const g = this.model.globalDefs;
    const groups = new Set(this.model.vrrpInstances
      .filter((i) => xmitInterface(i) === ifname && socketKind(i) === kind && i.unicastPeers.length === 0)
      .map((i) => i.mcastDstIp ?? (i.family === 6 ? g.vrrpMcastGroup6 : g.vrrpMcastGroup4)));
    this.socketsOfKind(kind).ensure(ifname, ifindex, [...groups]);
  }

  private socketsOfKind(kind: SocketKind): VrrpSockets {
    return kind === 6 ? this.sockets6 : kind === 'ah' ? this.socketsAh : this.sockets;
  }

  private socketOf(cfg: VrrpInstance): VrrpTransport | null {
    return this.socketsOfKind(socketKind(cfg)).get(xmitInterface(cfg));
  }

  /** firewall_add_vmac / firewall_remove_vmac: the VMAC's IGMP/MLD entries (keepalived makes them for every VMAC). */
  private async vmacFirewall(cfg: VrrpInstance, op: 'add' | 'remove'): Promise<void> {
    // (an ipvlan gets none: keepalived makes them in netlink_link_add_vmac only)
    if (!cfg.vmac || cfg.vmac.ipvlan || (op === 'remove' && !this.firewall)) return;
    // vrrp_vmac.c: with disable_local_igmp an IPv4 VMAC gets no IGMP entries (no reports to redirect)
    if (cfg.family === 4 && this.model.globalDefs.disableLocalIgmp) return;
    const firewall = this.ensureFirewall();
    if (!firewall) return;
    const otherFamily = cfg.virtualIpAddressesExcluded.some((v) => v.family !== cfg.family);
    const r = await firewall.fw.vmac(op, { name: cfg.vmac.name, base: cfg.interface }, cfg.family, otherFamily);
    if (!r.ok) this.deps.log.error(`(${cfg.name}) ${r.error.message}`);
  }

  private async removeVmac(cfg: VrrpInstance): Promise<void> {
    if (cfg.vmac) {
      await this.vmacFirewall(cfg, 'remove');
      const r = await this.deps.vmacs?.remove(vmacSpec(cfg));
      if (r && !r.ok) this.deps.log.warning(`(${cfg.name}) ${r.error.message}`);
    }
    for (const x of cfg.extraVmacs) {
      if (this.firewall) await this.extraVmacFirewall(cfg, x, 'remove');
      const r = await this.deps.vmacs?.remove(extraVmacSpec(cfg, x));
      if (r && !r.ok) this.deps.log.warning(`(${cfg.name}) ${r.error.message}`);
    }
  }

  /** firewall_add_vmac for a VMAC of use_vmac_addr (keepalived's dummy instance of the VIP's family). */
  private async extraVmacFirewall(cfg: VrrpInstance, x: VrrpInstance['extraVmacs'][number], op: 'add' | 'remove'): Promise<void> {
    // only with a firewall configured (or defaulted by another instance's use_vmac / no_accept)
    if (this.model.globalDefs.nftables.table === null) return;
    const firewall = this.ensureFirewall();
    if (!firewall) return;
    const r = await firewall.fw.vmac(op, { name: x.name, base: x.base }, x.family, false);
    if (!r.ok) this.deps.log.error(`(${cfg.name}) ${r.error.message}`);
  }

  /** Feeds `event` to every instance using the `kind` socket of interface `ifname`. */
  private feedInterface(ifname: string, kind: SocketKind, event: VrrpEvent): void {
    for (const name of this.membersOn(ifname, kind)?.all ?? []) this.feed(name, event);
  }

  /**
   * The instances on the `kind` socket of interface `ifname`, in config order, all and by VRID:
   * worked out once, not for every packet received (with 255 instances, a scan of all of them per
   * advert was most of a BACKUP's receive path). Remade when an instance comes, goes or changes config.
   */
  private membersOn(ifname: string, kind: SocketKind): SocketMembers | undefined {
    if (!this.socketMembers) {
      const index = new Map<SocketKind, Map<string, SocketMembers>>();
      for (const [name, s] of this.states) {
        const k = socketKind(s.cfg);
        const ifn = xmitInterface(s.cfg);
        let byIf = index.get(k);
        if (!byIf) index.set(k, (byIf = new Map()));
        let m = byIf.get(ifn);
        if (!m) byIf.set(ifn, (m = { all: [], byVrid: new Map() }));
        m.all.push(name);
        const same = m.byVrid.get(s.cfg.virtualRouterId);
        if (same) same.push(name);
        else m.byVrid.set(s.cfg.virtualRouterId, [name]);
      }
      this.socketMembers = index;
    }
    return this.socketMembers.get(kind)?.get(ifname);
  }

  /** A timer expired; a BACKUP's down timer is traced (heard → deadline → fired → first advert sent). */
  private onTimer(instance: string, timer: EngineTimer, deadline: number, firedAt: number): void {
    if (timer === 'warmTakeover') {
      // WARM_TAKEOVER_MS before a BACKUP's down timer: the master has been silent that long, so
      // a takeover is likely; a dry run of it now re-warms what a GC cooled since start-up (the
      // step's inline caches: ~0.6 ms cold, ~0.1 ms warm). Pure: nothing is changed or sent.
      if (this.states.get(instance)?.state === 'BACKUP') this.dryRun(instance, TIMER_EVENTS.masterDown);
      return;
    }
    // every expiry of one wake-up steps at the wake-up's time (see the constructor)
    if (timer !== 'masterDown') {
      this.feed(instance, TIMER_EVENTS[timer], undefined, firedAt);
      return;
    }
    const was = this.states.get(instance)?.state;
    this.tracer.fired(instance, deadline, firedAt, () => this.feed(instance, TIMER_EVENTS[timer], undefined, firedAt), () => was !== 'MASTER' && this.states.get(instance)?.state === 'MASTER');
  }

  private onPacket(ifname: string, kind: SocketKind, pkt: Buffer, source: string, envelope?: ReceivedEnvelope): void {
    const heardAt = this.now();
    const decoded =
      kind === 6
        ? decodeAdvert6(pkt, { src: source, dst: envelope?.destination ?? '::', ttl: envelope?.hopLimit ?? -1 })
        : decodePacket(pkt, { v3Checksum: 'either', oldUnicastGroup: this.model.globalDefs.vrrpMcastGroup4 });
    // as keepalived: a socket's packets go to the instances on that socket (AH ones read protocol 51)
    const members = this.membersOn(ifname, kind);
    if (!members || members.all.length === 0) return;
    let target: string | undefined;
    if (decoded.ok) {
      const vrid = decoded.vrrp.virtualRouterId;
      const same = members.byVrid.get(vrid) ?? [];
      // a VRID may be used once per multicast group (mcast_dst_ip): the instance of the packet's group
      target = same.find((n) => {
        const s = this.states.get(n)!;
        return s.cfg.unicastPeers.length > 0 || advertGroup(s) === decoded.ip.dst;
      }) ?? same[0];
      if (target === undefined && this.model.globalDefs.logUnknownVrids) this.deps.log.info(`Unknown VRID(${vrid}) received on interface(${ifname}). ignoring...`);
      if (target !== undefined) this.tracer.heard(target, heardAt, decoded.vrrp.priority);
    }
    // an invalid packet, or one for a VRID we do not run, is counted on the interface's first instance
    this.feed(target ?? members.all[0], { type: 'advert', packet: decoded });
  }

  /** Trackers for the scripts now in use: carried by name from before, new ones from init_state. */
  private carryScripts(): void {
    const defs = usedScripts(this.model);
    const carried = new Map(defs.map((d) => [d.name, carryScriptTracker(this.scripts.get(d.name), d)]));
    this.scripts.clear();
    for (const [n, t] of carried) this.scripts.set(n, t);
  }

  /**
   * Tracked files and processes as a reload to `next` would find them: read and counted now, as
   * startTrackers does for the reload itself (keepalived rereads them at reload too).
   */
  private trackedNow(next: Model): { files: Record<string, number>; processes: Record<string, boolean> } {
    const files: Record<string, number> = {};
    for (const f of usedTrackFiles(next)) files[f.name] = readTrackFile(f.path) ?? this.files[f.name] ?? 0;
    const defs = usedTrackProcesses(next);
    const processes: Record<string, boolean> = {};
    if (defs.length > 0) {
      const counted = scanProcesses(defs, procfs.scan(defs.some((d) => d.fullCommand)));
      for (const [n, c] of Object.entries(counted.counts)) processes[n] = c.quorum;
    }
    return { files, processes };
  }

  /**
   * (Re)starts the file and process monitors for `model`'s tracked files and processes and takes
   * their values now; the old monitors are stopped only once the new ones run.
   */
  private startTrackers(model: Model, reload: boolean): void {
    const files = usedTrackFiles(model);
    const defs = usedTrackProcesses(model);
    const fileMonitor = files.length > 0 ? (this.deps.watchFiles ?? realFiles)(files, this.deps.log, (name, value) => {
      this.files[name] = value;
      for (const n of this.states.keys()) this.feed(n, { type: 'trackFile', name, value });
    }, reload) : null;
    const processMonitor = defs.length > 0 ? (this.deps.watchProcesses ?? realProcesses)(defs, this.deps.log, (name, up) => {
      this.processes[name] = up;
      for (const n of this.states.keys()) this.feed(n, { type: 'trackProcess', name, up });
    }) : null;
    const processes = processMonitor?.start() ?? {};
    const fileValues = fileMonitor?.start() ?? {};
    this.fileMonitor?.stop();
    this.processMonitor?.stop();
    this.fileMonitor = fileMonitor;
    this.processMonitor = processMonitor;
    this.files = fileValues;
    this.processes = processes;
  }

  private startScripts(): void {
    const defs = usedScripts(this.model);
    this.carryScripts();
    if (defs.length === 0) return;
    this.scriptRunner = (this.deps.runScripts ?? realScripts)(defs, this.model.globalDefs.enableScriptSecurity, this.deps.log, (name, ok) => {
      const def = defs.find((d) => d.name === name)!;
      const r = scriptResult(this.scripts.get(name)!, def, ok);
      this.scripts.set(name, r.state);
      if (r.log) this.deps.log.info(r.log);
      if (r.changed && r.state.up !== null) {
        for (const n of this.states.keys()) this.feed(n, { type: 'trackScript', name, up: r.state.up });
      }
    });
    this.scriptRunner.start();
  }

  /**
   * A bfd_instance's session went Up or left Up (keepalived's vrrp_handle_bfd_event): every
   * instance tracking it (directly or through its sync group) re-judges priority and FAULT.
   */
  /**
   * A route or rule the kernel deleted: every MASTER whose tracked virtual route or rule it was
   * leaves MASTER and comes back (keepalived's netlink_route_filter / netlink_rule_filter).
   */
  routeDeleted(n: RouteNotice | RuleNotice, indexOf: (name: string) => number | null): void {
    if (n.op !== 'del') return;
    for (const [name, s] of this.states) {
      if (s.state !== 'MASTER') continue;
      const hit = n.kind === 'route'
        ? s.cfg.virtualRoutes.find((r) => !r.noTrack && isOurRoute(n, r, indexOf))
        : s.cfg.virtualRules.find((r) => !r.noTrack && isOurRule(n, r));
      if (hit) this.feed(name, { type: 'routeDeleted', what: `virtual ${n.kind} ${hit.text}` });
    }
  }

  bfdEvent(name: string, up: boolean): void {
    if ((this.bfdUp.get(name) ?? false) === up) return;
    this.bfdUp.set(name, up);
    for (const n of this.states.keys()) this.feed(n, { type: 'trackBfd', name, up });
  }

  /** The current state of each running member of a sync group, by name. */
  private groupMembers(names: readonly string[]): Record<string, InstanceState> {
    const members: Record<string, InstanceState> = {};
    for (const m of names) {
      const ms = this.states.get(m);
      if (ms) members[m] = ms;
    }
    return members;
  }

  /** Lets member `name`'s sync group follow a change made outside `step` (a reload). */
  private regroup(name: string): VrrpAction[] {
    const s = this.states.get(name)!;
    const group = this.groupStates.get(s.env.syncGroup!);
    if (!group) return [];
    const members = this.groupMembers(group.members);
    const r = syncGroupStep(group, members, name, this.now());
    this.groupStates.set(group.name, r.group);
    for (const ms of Object.values(r.members)) this.commit(ms);
    this.execute(r.actions);
    return r.actions;
  }

  /** The actions feed() would carry out for `event`, without changing anything (the machine is pure). */
  private dryRun(name: string, event: VrrpEvent): VrrpAction[] {
    const s = this.states.get(name)!;
    const now = this.now();
    if (s.env.syncGroup) {
      const group = this.groupStates.get(s.env.syncGroup)!;
      const members = this.groupMembers(group.members);
      return stepSyncGroupMember(group, members, name, event, now).actions;
    }
    return step(s, event, now).actions;
  }

  /**
   * Step one instance (through its sync group if it has one) and carry out the actions (`rewrite`:
   * changed first; `now`: the time of the event, when it was read already).
   */
  feed(name: string, event: VrrpEvent, rewrite: (a: VrrpAction[]) => VrrpAction[] = (a) => a, now = this.now()): VrrpAction[] {
    const s = this.states.get(name);
    if (!s) return [];
    if (s.env.syncGroup) {
      const group = this.groupStates.get(s.env.syncGroup)!;
      const members = this.groupMembers(group.members);
      const r = stepSyncGroupMember(group, members, name, event, now);
      this.tracer.stepped(name, this.now);
      this.groupStates.set(group.name, r.group);
      for (const ms of Object.values(r.members)) this.commit(ms);
      const actions = rewrite(r.actions);
      this.execute(actions);
      return actions;
    }
    const r = step(s, event, now);
    this.tracer.stepped(name, this.now);
    this.commit(r.state);
    const actions = rewrite(r.actions);
    this.execute(actions);
    return actions;
  }

  private commit(next: InstanceState): void {
    const prev = this.states.get(next.name);
    this.states.set(next.name, next);
    if (prev?.cfg !== next.cfg) this.socketMembers = null;
    if (prev && next.masterAdverIntMs < prev.masterAdverIntMs) this.linkDelays.masterAdverInt(next.cfg, next.masterAdverIntMs);
    if (!prev || prev.state === next.state) return;
    this.deps.syncDaemon?.follow(next.name, next.state);
    this.since.set(next.name, new Date());
    // Told to the supervisor right after this step's actions started: a new MASTER's first
    // advert goes out before the dry-run step and the IPC message are paid for.
    if (next.state === 'MASTER') queueMicrotask(() => this.deps.onHeld?.(this.heldOf(next)));
    else if (prev.state === 'MASTER') queueMicrotask(() => this.deps.onReleased?.(next.name));
  }

  /**
   * What the supervisor must send if we die now: exactly the priority-0 adverts a graceful
   * shutdown of this instance would send, taken from a dry-run step (the machine is pure, so
   * stepping a copy has no effect).
   */
  private heldOf(s: InstanceState): HeldInstance {
    // AH: the supervisor sends this only after we died, having sent more adverts since; a
    // sequence number far ahead (2^31 adverts, 68 years at 1 s) is still new to every peer then
    const dryRun = step(s.cfg.authType === 'AH' ? { ...s, ahSeq: Math.min(s.ahSeq + 0x80000000, AH_SEQ_MAX) } : s, { type: 'shutdown' }, this.now());
    const packets = dryRun.actions.flatMap((a) => (a.type === 'sendAdvert' && a.priority === 0 ? a.packets : []));
    return {
      instance: s.name,
      interface: xmitInterface(s.cfg),
      packets: packets.map((p) => ({ dst: p.dst, hex: p.bytes.toString('hex'), ...(p.src ? { src: p.src } : {}) })),
      vips: [...s.cfg.virtualIpAddresses, ...s.cfg.virtualIpAddressesExcluded].map(vipSpec),
    };
  }

  /**
   * Carry out a step's actions: first the ones that reach the network (adverts, VIPs, routes,
   * GARPs), in the order emitted, then the bookkeeping (logs, timers, notify scripts, FIFO lines,
   * counters), in the order emitted. A new MASTER's VIP adds are then on their way to the kernel
   * before any line is written or script spawned: keepalived makes them as plain system calls
   * before its logging, and here a log line or a spawn costs far more under emulation.
   */
  private execute(actions: VrrpAction[]): void {
    for (const a of actions) if (isNetworkAction(a)) this.executeOne(a);
    for (const a of actions) if (!isNetworkAction(a)) this.executeOne(a);
  }

  private executeOne(a: VrrpAction): void {
    if (this.deferred && a.type !== 'sendAdvert') {
      this.deferred.push(a);
      return;
    }
    switch (a.type) {
      case 'armTimer':
        this.arm(a.instance, a.timer, a.deadline);
        break;
      case 'cancelTimer':
        this.cancel(a.instance, a.timer);
        break;
      case 'log':
        this.deps.log[a.level](a.message);
        break;
      case 'count':
        break; // the state's own stats already hold these; status and metrics read them there
      case 'countDrop':
        // (counted in the state's stats too) enable_traps: keepalived's error notifications
        this.deps.alerts?.dropped?.(a.instance, a.reason, a.src);
        break;
      case 'notify':
        this.runNotify(a);
        break;
      case 'event':
        // vrrp_notify.c send_event_notify: notify_master_rx_lower_pri's script (no arguments added), then the FIFO line
        if (a.event === 'MASTER_RX_LOWER_PRI') {
          const n = this.states.get(a.instance)?.cfg.notify;
          if (n?.notifyMasterRxLowerPri) this.deps.notify.run(n.notifyMasterRxLowerPri, [], n.runAs?.notifyMasterRxLowerPri);
        }
        this.deps.fifo?.vrrp(vrrpFifoLine('INSTANCE', a.instance, a.event, a.priority));
        break;
      case 'sendAdvert':
        // Not queued behind the instance's VIP and GARP I/O: a netlink request that hangs
        // (5 s timeouts were seen in the VM) must not hold back the adverts that keep the
        // backups from taking over. A transition's first advert still goes before its VIPs:
        // it is emitted first and sent at once.
        this.sendAdvert(a);
        break;
      default:
        this.enqueue(a.instance, () => this.io(a), a.type);
    }
  }

  /**
   * Per-instance serial I/O: an instance's advert, VIPs and GARPs happen in the order emitted.
   * With nothing of the instance's in flight the action starts at once (an advert is then on
   * the wire before this turn of the event loop ends), else it waits for the previous one.
   */
  private enqueue(instance: string, io: () => Promise<void>, what = 'io'): void {
    if (this.heldIo) {
      this.heldIo.push(() => this.enqueue(instance, io, what));
      return;
    }
    const fn = () => {
      this.running.set(instance, { what, since: monotonic() });
      return io();
    };
    const fail = (err: Error) => this.deps.log.error(`(${instance}) ${err.message}`);
    const busy = this.inflight.get(instance) ?? 0;
    this.inflight.set(instance, busy + 1);
    const done = () => {
      const n = (this.inflight.get(instance) ?? 1) - 1;
      if (n > 0) this.inflight.set(instance, n);
      else {
        this.inflight.delete(instance);
        this.running.delete(instance);
      }
    };
    let started: Promise<void>;
    if (busy === 0) {
      try {
        started = fn();
      } catch (err) {
        started = Promise.reject(err);
      }
    } else {
      started = (this.queues.get(instance) ?? Promise.resolve()).then(fn);
    }
    const next = started.catch(fail).finally(done);
    this.queues.set(instance, next);
  }

  /**
   * D-Bus SendGarp: keepalived's vrrp_send_link_update(vrrp, 1), one gratuitous ARP (or
   * unsolicited NA) per VIP, only while the VIPs are set. False for an unknown instance.
   */
  sendGarpOnce(name: string): boolean {
    const s = this.states.get(name);
    if (!s) return false;
    const vips = s.vipsSet ? instanceVips(s.cfg) : [];
    for (const v of vips) this.deps.log.info(`(${name}) Sending/queueing ${v.family === 4 ? 'gratuitous ARPs' : 'Unsolicited Neighbour Adverts'} on ${v.dev} for ${v.address}`);
    if (vips.length > 0) this.enqueue(name, () => this.io({ type: 'sendGarps', instance: name, vips, repeat: 1 }), 'garp');
    return true;
  }

  /** Every packet of one advert, in order; with the addon's sender each is on the wire on return. */
  private sendAdvert(a: Extract<VrrpAction, { type: 'sendAdvert' }>): void {
    const { log } = this.deps;
    const cfg = this.states.get(a.instance)?.cfg;
    const t = cfg ? this.socketOf(cfg) : this.sockets.get(a.interface);
    if (!t) {
      log.warning(`(${a.instance}) cannot send advert with priority ${a.priority}: no working VRRP socket on ${cfg ? xmitInterface(cfg) : a.interface}`);
      return;
    }
    // sent at once where the transport can (nothing then stays in flight); else through send()
    let sent: Array<Promise<void>> | null = null;
    for (const p of a.packets) {
      const now = t.sendNow?.(p.bytes, p.dst, p.src, p.hopLimit);
      if (now === null) continue;
      if (now) {
        log.warning(`(${a.instance}) sending advert: ${now.message}`);
        continue;
      }
      (sent ??= []).push(t.send(p.bytes, p.dst, p.src, p.hopLimit).catch((e: Error) => log.warning(`(${a.instance}) sending advert: ${e.message}`)));
    }
    this.tracer.sent(a.instance, this.now);
    if (!sent) return;
    const all = sent.length === 1 ? sent[0] : Promise.all(sent).then(() => undefined);
    this.adverts.add(all);
    void all.finally(() => this.adverts.delete(all));
  }

  /**
   * vrrp_send_link_update: `repeat` rounds, each every VIP in the instance's order, with the
   * instance's and each VIP's place for the pacer's walk (keepalived's vrrp and vip lists).
   */
  private garpFrames(instance: string, vips: VirtualIpAddress[], repeat: number): PacedFrame[] {
    const order = this.model.vrrpInstances.findIndex((i) => i.name === instance);
    const cfg = this.states.get(instance)?.cfg;
    const own = cfg ? allVips(cfg) : [];
    const round = vips.map((v): PacedFrame => ({
      instance, vip: v.address, dev: v.dev, rank: [order, own.findIndex((o) => o.address === v.address && o.dev === v.dev)],
    }));
    return Array.from({ length: repeat }, () => round).flat();
  }

  /** The pacing of the config in force, worked out once per model. */
  private pacing(): PacingOf {
    if (this.pacingFor?.model !== this.model) {
      const base = new Map<string, string>();
      for (const i of this.model.vrrpInstances) {
        if (i.vmac) base.set(i.vmac.name, i.interface);
        for (const x of i.extraVmacs) base.set(x.name, x.base);
      }
      const g = this.model.globalDefs;
      const of = pacingOf(g.garpGroups, { garpIntervalMs: g.vrrpGarpIntervalMs, gnaIntervalMs: g.vrrpGnaIntervalMs }, (dev) => base.get(dev) ?? dev);
      this.pacingFor = { model: this.model, of };
    }
    return this.pacingFor.of;
  }

  private async io(a: VrrpAction): Promise<void> {
    const { log } = this.deps;
    switch (a.type) {
      case 'addVips':
        // vrrp_state_become_master: the drop rule goes in before the VIPs (awaited only when
        // there is one, so that without it the adds leave in this very turn)
        if (this.firewallCfg(a.instance, a.vips)) await this.firewallRule(a.instance, 'add', a.vips);
        return this.vipOp('add', a.instance, a.vips, 0);
      case 'removeVips':
        await this.vipOp('remove', a.instance, a.vips, 0);
        // vrrp_restore_interface: and it goes after them
        await this.firewallRule(a.instance, 'remove', a.vips);
        return;
      case 'routes':
        await this.virtualRoutes(a);
        return;
      case 'sendGarps':
        return this.garps.announce(this.garpFrames(a.instance, a.vips, a.repeat));
      default:
        return;
    }
  }

  /** The instance's config when these VIPs need the no_accept drop rule (vrrp_handle_accept_mode), else null. */
  private firewallCfg(instance: string, vips: VirtualIpAddress[]): VrrpInstance | null {
    const cfg = this.states.get(instance)?.cfg ?? this.model.vrrpInstances.find((i) => i.name === instance);
    return cfg && needsFirewall(cfg) && vips.length > 0 ? cfg : null;
  }

  /** vrrp_handle_accept_mode: nothing for the address owner or an accept instance. */
  private async firewallRule(instance: string, op: 'add' | 'remove', vips: VirtualIpAddress[]): Promise<void> {
    const cfg = this.firewallCfg(instance, vips);
    if (!cfg) return;
    const { log } = this.deps;
    log.debug(`(${instance}) ${op === 'add' ? 'setting' : 'removing'} firewall drop rule`);
    if (!this.firewall && op === 'remove') return;
    const firewall = this.ensureFirewall();
    if (!firewall) {
      log.error(`(${instance}) no firewall in this process: traffic to the VIPs is not dropped`);
      return;
    }
    const addrs = vips.map((v) => firewallAddress(v, cfg, firewall.settings));
    const r = op === 'add' ? await firewall.fw.add(instance, addrs) : await firewall.fw.remove(instance, addrs);
    if (!r.ok) log.error(`(${instance}) ${r.error.message}`);
  }

  /** The model's nftables settings (the build gives a table whenever an instance needs one). */
  private nftSettings(model = this.model): NftSettings {
    const n = model.globalDefs.nftables;
    return { table: n.table ?? 'keepalived', priority: n.priority, ifindex: n.ifindex, counters: n.counters };
  }

  private ensureFirewall(): { settings: NftSettings; fw: Pick<NftFirewall, 'add' | 'remove' | 'close' | 'vmac'> } | null {
    if (!this.firewall && this.deps.firewall) {
      const settings = this.nftSettings();
      this.firewall = { settings, fw: this.deps.firewall(settings) };
    }
    return this.firewall;
  }

  /**
   * After a reload (vrrp.c: "If blocking traffic to VIPs is changing, update the firewall
   * entries"): new nftables settings delete the old tables and remake them for every MASTER that
   * needs them; an instance whose accept mode flipped while MASTER gains or loses its rules.
   */
  private async reloadFirewall(before: Map<string, VrrpInstance>, next: Model): Promise<void> {
    const settingsChanged = this.firewall !== null && !isDeepStrictEqual(this.firewall.settings, this.nftSettings(next));
    if (settingsChanged) {
      const r = await this.firewall!.fw.close();
      if (!r.ok) this.deps.log.error(r.error.message);
      this.firewall = null;
      for (const s of this.states.values()) if (s.cfg.vmac) await this.vmacFirewall(s.cfg, 'add');
    }
    for (const [name, s] of this.states) {
      if (!s.vipsSet) continue;
      const was = before.get(name);
      const needs = needsFirewall(s.cfg);
      const vips = [...s.cfg.virtualIpAddresses, ...s.cfg.virtualIpAddressesExcluded];
      if (needs && (settingsChanged || !was || !needsFirewall(was))) this.enqueue(name, () => this.firewallRule(name, 'add', vips));
      else if (!needs && was && needsFirewall(was) && this.firewall) {
        const wasVips = [...was.virtualIpAddresses, ...was.virtualIpAddressesExcluded];
        const fw = this.firewall;
        this.enqueue(name, async () => {
          const r = await fw.fw.remove(name, wasVips.map((v) => firewallAddress(v, was, fw.settings)));
          if (!r.ok) this.deps.log.error(`(${name}) ${r.error.message}`);
        });
      }
    }
  }

  /**
   * Add or delete VIPs; the ones that failed are retried with backoff while still wanted
   * (vip-upkeep.ts). A retried add that succeeds is announced again (its transition's GARPs may
   * have gone out while the address was missing).
   */
  private async vipOp(op: VipOp, instance: string, vips: VirtualIpAddress[], attempt: number): Promise<void> {
    const { addresses, log } = this.deps;
    const failed: VirtualIpAddress[] = [];
    const added: VirtualIpAddress[] = [];
    // the adds in one batch, on their way to the kernel before the first await (AddressManager.addAll)
    const addResults = op === 'add' ? await addresses.addAll(vips.map(vipSpec)) : [];
    for (const [i, v] of vips.entries()) {
      const key = vipKey(v.address, v.dev);
      if (op === 'remove') this.ownDeletes.mark(key, this.now());
      const r = op === 'add' ? addResults[i] : await addresses.remove(vipSpec(v));
      if (op === 'remove' && !(r.ok && r.value)) this.ownDeletes.unmark(key);
      if (!r.ok) {
        log.error(`(${instance}) ${r.error.message}`);
        failed.push(v);
      } else if (attempt > 0) {
        log.info(`(${instance}) VIP ${v.address}/${v.prefixLen} ${op === 'add' ? 'added to' : 'removed from'} ${v.dev} on retry ${attempt}`);
        if (op === 'add') added.push(v);
      }
    }
    const s = this.states.get(instance);
    if (added.length && s && s.cfg.garpMasterRepeat > 0) await this.garps.announce(this.garpFrames(instance, added, s.cfg.garpMasterRepeat));
    if (failed.length && stillWanted(op, s, this.stopped)) this.retryVips(op, instance, failed, attempt + 1);
  }

  private retryVips(op: VipOp, instance: string, vips: VirtualIpAddress[], attempt: number): void {
    const delay = vipRetryDelayMs(attempt);
    const what = vips.map((v) => `${v.address}/${v.prefixLen} ${op === 'add' ? 'to' : 'from'} ${v.dev}`).join(', ');
    this.deps.log.warning(`(${instance}) retrying ${op === 'add' ? 'adding' : 'removing'} ${what} in ${delay} ms`);
    const t = setTimeout(() => {
      this.vipRetries.delete(t);
      const s = this.states.get(instance);
      if (!stillWanted(op, s, this.stopped)) return;
      // only what the instance still has in its config (a reload may have dropped some)
      const keys = new Set([...s!.cfg.virtualIpAddresses, ...s!.cfg.virtualIpAddressesExcluded].map((v) => vipKey(v.address, v.dev)));
      const left = vips.filter((v) => keys.has(vipKey(v.address, v.dev)));
      if (left.length) this.enqueue(instance, () => this.vipOp(op, instance, left, attempt), `${op} VIPs (retry ${attempt})`);
    }, delay);
    t.unref();
    this.vipRetries.add(t);
  }

  /**
   * An address left an interface: when it is a VIP of a MASTER instance and halo did not delete
   * it, the instance is told (keepalived's set_vrrp_backup; see the machine's vipDeleted).
   */
  private async onVipDeleted(address: string, index: number): Promise<void> {
    for (const [name, s] of this.states) {
      for (const v of [...s.cfg.virtualIpAddresses, ...s.cfg.virtualIpAddressesExcluded]) {
        const key = vipKey(v.address, v.dev);
        if (key !== vipKey(address, v.dev)) continue;
        const link = await this.deps.links.query(v.dev);
        if (!link.ok || !link.value || link.value.index !== index) continue;
        // halo's own delete (whatever the instance's state now) is claimed, never fed
        if (this.ownDeletes.claim(key, this.now())) return;
        if (this.states.get(name)?.state === 'MASTER') this.feed(name, { type: 'vipDeleted', address: v.address, dev: v.dev });
        return;
      }
    }
  }

  /**
   * keepalived's netlink_rtlist/netlink_rulelist for an instance: on add the routes then the
   * rules, on remove the rules then the routes; one that fails is logged and the rest go on.
   * Removing one that is not there is quiet (a crash cleanup at start, or a route the kernel
   * dropped with its interface).
   */
  private async virtualRoutes(a: Extract<VrrpAction, { type: 'routes' }>): Promise<void> {
    const { log } = this.deps;
    const m = this.deps.routes;
    if (!m) {
      log.error(`(${a.instance}) virtual routes/rules: no route manager in this process`);
      return;
    }
    const op = a.op === 'add' ? 'add' : 'delete';
    const routes = async () => {
      for (const r of a.routes) {
        const res = await m.route(op, r);
        if (!res.ok) log.error(`(${a.instance}) ${res.error.message}`);
      }
    };
    const rules = async () => {
      for (const r of a.rules) {
        const res = await m.rule(op, r);
        if (!res.ok) log.error(`(${a.instance}) ${res.error.message}`);
      }
    };
    if (a.op === 'add') {
      await routes();
      await rules();
    } else {
      await rules();
      await routes();
    }
  }

  /** What a removed instance's stop tells: removed for good (not restarted), DELETED or FAULT instead of STOP (removal.ts). */
  private removalTold(name: string, restarted: ReadonlySet<string>): (a: VrrpAction[]) => VrrpAction[] {
    const s = this.states.get(name)!;
    return restarted.has(name) ? (a) => a : (a) => removalNotifies(a, name, s.cfg.notify.sendDeleted === true, s.state === 'FAULT');
  }

  /** fifo_write_vrrp_states_on_reload: the groups' and instances' states that a reload kept, to the FIFOs again. */
  private writeStatesAgain(next: Model, states: Map<string, string>, groups: Map<string, string>): void {
    const sameGroups = next.vrrpSyncGroups.flatMap((g) => {
      const now = this.groupStates.get(g.name);
      return now && groups.get(g.name) === now.state ? [now] : [];
    });
    const same = next.vrrpInstances.flatMap((i) => {
      const now = this.states.get(i.name);
      return now && states.get(i.name) === now.state ? [{ name: i.name, state: now.state, priority: now.effectivePriority }] : [];
    });
    for (const line of reloadStateLines(sameGroups, same)) this.deps.fifo?.vrrp(line);
  }

  private runNotify(a: Extract<VrrpAction, { type: 'notify' }>): void {
    const scripts = a.kind === 'GROUP' ? this.groups.get(a.name)?.notify : this.states.get(a.name)?.cfg.notify;
    if (!scripts) return;
    const key = ({ MASTER: 'notifyMaster', BACKUP: 'notifyBackup', FAULT: 'notifyFault', STOP: 'notifyStop', DELETED: 'notifyDeleted' } as const)[a.scriptOf ?? a.state];
    this.deps.notify.run(scripts[key] ?? null, [], scripts.runAs?.[key]);
    this.deps.notify.notify(scripts.notify, { kind: a.kind, name: a.name, state: a.state, priority: a.priority }, scripts.runAs?.notify);
    this.deps.fifo?.vrrp(vrrpFifoLine(a.kind, a.name, a.state, a.priority));
    this.deps.alerts?.notify(a.kind, a.name, a.state);
  }

  private arm(instance: string, timer: TimerName, deadline: number): void {
    if (this.stopped) return this.cancel(instance, timer);
    const k = this.timerKey(instance, timer);
    this.timers.set(k.id, k, deadline);
    if (timer === 'masterDown') {
      const w = this.timerKey(instance, 'warmTakeover');
      this.timers.set(w.id, w, deadline - WARM_TAKEOVER_MS);
    }
  }

  /** The deadline id and key of an (instance, timer), made once: re-arming allocates none. */
  private timerKey(instance: string, timer: EngineTimer): TimerKey {
    let keys = this.timerKeys.get(instance);
    if (!keys) this.timerKeys.set(instance, (keys = {}));
    return (keys[timer] ??= { id: `${instance}\0${timer}`, instance, timer });
  }

  private cancel(instance: string, timer: TimerName): void {
    this.timers.clear(this.timerKey(instance, timer).id);
    if (timer === 'masterDown') this.timers.clear(this.timerKey(instance, 'warmTakeover').id);
  }

  /** The vrrp_scripts' results (up: null before the first settled one), the tracked files' values and the BFD sessions Up, as now. */
  trackers(): { scripts: Record<string, { up: boolean | null }>; files: Record<string, number>; bfds: Record<string, boolean> } {
    return { scripts: Object.fromEntries([...this.scripts].map(([n, t]) => [n, { up: t.up }])), files: { ...this.files }, bfds: Object.fromEntries(this.bfdUp) };
  }

  /** Each instance's last takeover (BACKUP → MASTER on its down timer), step by step. */
  get takeovers(): TakeoverTrace[] {
    return this.tracer.last();
  }

  /** How late the VRRP timers fired (ms past their deadline), since start. */
  get timerLateness(): LatenessHistogram {
    return this.timers.lateness;
  }

  /** Graceful stop: every MASTER sends priority 0 and removes its VIPs; then sockets close. */
  /** What the instances' I/O queues and the advert sender are busy with: `(VI_E) removeVips for 2103 ms (3 queued)`. */
  pendingIo(): string[] {
    const out: string[] = [];
    for (const [instance, n] of this.inflight) {
      const r = this.running.get(instance);
      out.push(`(${instance}) ${r ? `${r.what} for ${Math.round(monotonic() - r.since)} ms` : 'waiting'}${n > 1 ? ` (${n} queued)` : ''}`);
    }
    if (this.adverts.size > 0) out.push(`${this.adverts.size} advert send(s)`);
    return out;
  }

  async stop(): Promise<void> {
    // Every instance's priority-0 advert goes out before any instance's VIP removal starts: the
    // synchronous start of one instance's netlink work must not delay the next one's advert (a
    // sync group's backup becomes MASTER only when its last member's Skew_Time has run out).
    // Nor do the instances' logs: under emulation (the lab's VM) each instance's log lines cost
    // tens of ms, which a sync group's backup waited for between the first and last advert.
    this.heldIo = [];
    this.deferred = [];
    try {
      for (const name of this.states.keys()) this.feed(name, { type: 'shutdown' });
      // vrrp_notify.c notify_shutdown(): every sync group's STOP notifies follow its instances'
      // (deferred with them, so they keep that order)
      for (const name of this.groups.keys()) this.deferred.push({ type: 'notify', kind: 'GROUP', name, state: 'STOP', priority: 0 });
    } finally {
      const later = this.deferred;
      this.deferred = null;
      this.execute(later);
      const held = this.heldIo;
      this.heldIo = null;
      for (const start of held) start();
    }
    this.stopped = true;
    for (const t of this.vipRetries) clearTimeout(t);
    this.vipRetries.clear();
    this.linkDelays.close();
    this.linkbeat.close();
    this.timers.close();
    this.garps.close();
    this.scriptRunner?.stop();
    this.fileMonitor?.stop();
    this.processMonitor?.stop();
    // a stop that waits long says what for (the supervisor SIGKILLs a worker that takes 10 s)
    const began = monotonic();
    const watchdog = setInterval(() => this.deps.log.warning(`stopping: still waiting after ${Math.round(monotonic() - began)} ms for ${this.pendingIo().join(', ') || 'nothing known'}`), STOP_WATCHDOG_MS);
    try {
      await Promise.all([...this.queues.values(), ...this.adverts]);
    } finally {
      clearInterval(watchdog);
    }
    this.sockets.closeAll();
    this.sockets6.closeAll();
    this.socketsAh.closeAll();
    // shutdown_vrrp_instances: promote_secondaries back to off where we turned it on
    for (const err of this.promote.resetAll()) this.deps.log.warning(err);
    const igmp = this.localIgmp.restore();
    if (igmp) this.deps.log.info(igmp);
    // keepalived deletes its VMACs at shutdown (after the priority-0 adverts and the VIPs)
    for (const s of this.states.values()) if (s.cfg.vmac || s.cfg.extraVmacs.length > 0) await this.removeVmac(s.cfg);
    // nft_end: the drop-rule tables go last
    const closed = await this.firewall?.fw.close();
    if (closed && !closed.ok) this.deps.log.error(closed.error.message);
  }
}

