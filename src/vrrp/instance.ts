/**
 * The VRRP state machine of one instance (RFC 3768 §6, RFC 5798/9568 §6, with keepalived
 * 2.2.7's behaviour where the RFC leaves room), as a pure function.
 *
 * How to drive this: build the state once with `createInstanceState(cfg, primaryAddress,
 * opts)`, feed the current link states (`{type:'interface'}`) and any known script states,
 * then `{type:'startup'}`. From then on, every time something happens call
 * `step(state, event, now)` with `now` in milliseconds on a monotonic clock, keep the returned
 * `state`, and carry out the returned `actions` in order: write each `sendAdvert` packet to the
 * raw socket (IP_HDRINCL; the bytes are complete), add/remove VIPs, send GARP bursts, run notify
 * scripts, log, count, and keep exactly one OS timer per (instance, timer name) — `armTimer`
 * replaces the previous deadline, `cancelTimer` drops it — and when one expires, step
 * `{type:'timer', timer}`. A timer event for a timer the state no longer holds is ignored, so
 * a late timer after a cancel is harmless. Received packets go through `decodePacket` and then
 * `{type:'advert', packet}` to the instance whose VRID (and interface) they carry; decode
 * failures may be stepped into any instance on that interface to be counted. Instances in a
 * sync group are stepped through `stepSyncGroupMember` (sync-group.ts) instead, which applies
 * the group rule after each step. Nothing in here reads a clock, arms a timer or does I/O.
 */
import type { BfdInstance, GlobalDefs, VirtualIpAddress, VrrpInstance, VrrpScript, VrrpSyncGroup } from '../config/model';
import * as ipaddr from 'ipaddr.js';
import { AdvertTemplate, DecodedPacket, encodePacket, type PacketFields } from './advert-codec';
import { ipv4ToUint32 } from './ipv4-header';
import { AH_SEQ_MAX, ahKey } from './ipsec-ah';
import { advertGroup, checkAdvert } from './receive-check';
import { REJECT_REASONS } from './rejection';
import type { Rejection, RejectReason } from './rejection';
import { masterDownIntervalMs, skewTimeMs } from './timers';
import { buildTrackers, effectivePriority, faultReasons, Tracker, TrackerStatus, tracks } from './tracking';
import type {
  CounterName,
  InstanceStateName,
  NotifyStateName,
  OutgoingPacket,
  StepResult,
  TimerName,
  VrrpAction,
  VrrpEvent,
} from './types';

/** Minimum gap between two log lines for the same drop reason (RFC 9568 rate-limited logging). */
export const DROP_LOG_INTERVAL_MS = 10_000;

/** What the instance needs besides its own config; fixed for its lifetime. */
export interface InstanceEnv {
  mcastGroup4: string;
  /** vrrp_mcast_group6 (ff02::12): where an IPv6 instance advertises. */
  mcastGroup6: string;
  checkUnicastSrc: boolean;
  trackers: Tracker[];
  /** Sync group name when the instance is a member (its transitions then go through the group). */
  syncGroup: string | null;
  /** Config warnings to log at startup, in keepalived's wording. */
  warnings: string[];
  /** Why the instance cannot run at all (unsupported feature); it stays in FAULT. */
  unsupported: string | null;
  /** vrrp_startup_delay: until then (monotonic ms) a BACKUP's master-down timer counts from this time. */
  delayedStartUntil: number | null;
}

/**
 * Why the instance last became MASTER, as RFC 6527's vrrpv3StatisticsNewMasterReason names it
 * (keepalived's master_reason): `notMaster` until it first does; `priority` after a priority-0
 * advert, `preempted` when it preempted a lower-priority master (or owns the addresses),
 * `masterNoResponse` when the master went silent.
 */
export type MasterReason = 'notMaster' | 'priority' | 'preempted' | 'masterNoResponse';

export interface InstanceStats {
  advertsSent: number;
  advertsReceived: number;
  priorityZeroSent: number;
  priorityZeroReceived: number;
  becameMaster: number;
  releasedMaster: number;
  transitions: number;
  masterReason: MasterReason;
  /**
   * Source of the last advert heard as BACKUP (keepalived's master_saddr, RFC 2787's
   * vrrpOperMasterIpAddr): kept through MASTER and FAULT, null before any.
   */
  heardMaster: string | null;
  /** The reason the next transition to MASTER will have (keepalived's next_master_reason). */
  nextMasterReason: MasterReason;
  /** Every reason is present (0 when never seen), so the counters keep one shape. */
  drops: Record<RejectReason, number>;
}

export interface InstanceState {
  readonly cfg: VrrpInstance;
  readonly env: InstanceEnv;
  name: string;
  state: InstanceStateName;
  /**
   * Sync-group members only: the transition this member is waiting for the group to allow
   * (MASTER after its down timer expired, BACKUP after its own fault cleared).
   */
  wantState: 'MASTER' | 'BACKUP' | null;
  primaryAddress: string;
  /** Source of our adverts and the address compared in the tie-break (unicast_src_ip or primary). */
  srcAddress: string;
  basePriority: number;
  effectivePriority: number;
  nopreempt: boolean;
  preemptDelayMs: number;
  /** Learned from the master's adverts in v3 (RFC 5798 §6.4.2); always ours in v2. */
  masterAdverIntMs: number;
  masterAddress: string | null;
  masterPriority: number | null;
  /** keepalived's preempt_time: when a started preempt_delay runs out. */
  preemptTime: number | null;
  /** IP identification of the last packet sent (keepalived counts from 1). */
  ipId: number;
  /**
   * auth_type AH: keepalived's ipsecah_counter, one number shared by sending and receiving: the
   * last sequence number sent, or the last one accepted from a peer (a packet must carry more).
   */
  ahSeq: number;
  /** The counter passed 0xFFFFFFFD and stopped; reset when the instance next becomes MASTER. */
  ahCycle: boolean;
  /**
   * VRRPv3 over IPv4: keepalived < 1.3.6's checksum is in use (old_unicast_checksum, or
   * switched to on hearing it: keepalived's CHKSUM_COMPATIBILITY_CONFIG / _AUTO).
   */
  oldUnicastChecksum: boolean;
  vipsSet: boolean;
  links: Record<string, boolean>;
  scripts: Record<string, boolean | null>;
  /** The number in each tracked file (track_file name → value), as the shell last read it. */
  files: Record<string, number>;
  /** Whether each tracked vrrp_track_process has its quorum, as the shell last counted. */
  processes: Record<string, boolean>;
  /** Tracked BFD sessions that are Up, by bfd_instance name (absent: not Up). */
  bfds: Record<string, boolean>;
  /** Why the interface's VRRP socket is unusable (the shell is reopening it), or null. */
  socketError: string | null;
  timers: Partial<Record<TimerName, number>>;
  lastTransition: number | null;
  stats: InstanceStats;
  /**
   * Drop-log rate limiting per reason: when we last logged it and the drop count then (so the
   * number suppressed since is drops − countAtLog − 1; nothing to copy per suppressed drop).
   */
  dropLog: Partial<Record<RejectReason, { lastAt: number; countAtLog: number }>>;
}

export interface InstanceOptions {
  globalDefs?: Partial<GlobalDefs>;
  vrrpScripts?: VrrpScript[];
  /** The group this instance belongs to, if any (its trackers apply to every member). */
  syncGroup?: VrrpSyncGroup | null;
  /** Known link states at creation, by interface name. */
  links?: Record<string, boolean>;
  /** vrrp_startup_delay's end (monotonic ms), or null. */
  delayedStartUntil?: number | null;
  /** Tracked file values and process quorums at creation (read before the instance starts). */
  files?: Record<string, number>;
  processes?: Record<string, boolean>;
  /** The bfd_instances (track_bfd takes its default weight from them) and the sessions Up now. */
  bfdInstances?: BfdInstance[];
  bfds?: Record<string, boolean>;
}

export function createInstanceState(cfg: VrrpInstance, primaryAddress: string, opts: InstanceOptions = {}): InstanceState {
  const g = opts.globalDefs ?? {};
  // a one-member group is still a group (keepalived 2.2.7 only warns about it)
  const group = opts.syncGroup ?? null;
  const setup = buildTrackers(cfg, opts.vrrpScripts ?? [], group, opts.bfdInstances ?? []);
  const warnings = [...setup.warnings];
  let nopreempt = cfg.nopreempt;
  let preemptDelayMs = cfg.preemptDelayMs;
  if (nopreempt && cfg.initialState === 'MASTER') {
    warnings.push(`(${cfg.name}) Warning - nopreempt will not work with initial state MASTER - clearing`);
    nopreempt = false;
  }
  if (preemptDelayMs > 0 && nopreempt) {
    warnings.push(`(${cfg.name}) preempt_delay is incompatible with nopreempt mode - resetting`);
    preemptDelayMs = 0;
  }
  const first = cfg.virtualIpAddresses[0];
  if (cfg.family === 6 && cfg.unicastPeers.length === 0 && first && ipaddr.parse(first.address).range() !== 'linkLocal') {
    warnings.push(`(${cfg.name}) the first IPv6 VIP address should be link local`); // RFC 9568 §5.2.9
  }
  const unsupported: string | null = null;
  const srcAddress = cfg.unicastSrcIp ?? cfg.mcastSrcIp ?? primaryAddress;
  const links = { ...(opts.links ?? {}) };
  const files = { ...(opts.files ?? {}) };
  const processes = { ...(opts.processes ?? {}) };
  const bfds = { ...(opts.bfds ?? {}) };
  const st = { links, scripts: setup.scripts, files, processes, bfds };
  return {
    cfg,
    env: {
      mcastGroup4: g.vrrpMcastGroup4 ?? '224.0.0.18',
      mcastGroup6: g.vrrpMcastGroup6 ?? 'ff02::12',
      checkUnicastSrc: cfg.checkUnicastSrc || (g.vrrpCheckUnicastSrc ?? false),
      trackers: setup.trackers,
      syncGroup: group?.name ?? null,
      warnings,
      unsupported,
      delayedStartUntil: opts.delayedStartUntil ?? null,
    },
    name: cfg.name,
    state: 'INIT',
    wantState: null,
    primaryAddress,
    srcAddress,
    basePriority: cfg.priority,
    effectivePriority: effectivePriority(cfg.priority, setup.trackers, st),
    nopreempt,
    preemptDelayMs,
    masterAdverIntMs: cfg.advertIntMs,
    masterAddress: null,
    masterPriority: null,
    preemptTime: null,
    ipId: 0,
    ahSeq: 0,
    ahCycle: false,
    oldUnicastChecksum: cfg.unicastChecksumCompat === 'config',
    vipsSet: false,
    links,
    scripts: { ...setup.scripts },
    files,
    processes,
    bfds,
    socketError: null,
    timers: {},
    lastTransition: null,
    stats: {
      advertsSent: 0,
      advertsReceived: 0,
      priorityZeroSent: 0,
      priorityZeroReceived: 0,
      becameMaster: 0,
      releasedMaster: 0,
      transitions: 0,
      masterReason: 'notMaster',
      heardMaster: null,
      nextMasterReason: 'masterNoResponse',
      drops: Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number>,
    },
    dropLog: {},
  };
}

/** The part of the state that decides protocol behaviour (everything but counters and log bookkeeping). */
export function protocolView(s: InstanceState): Omit<InstanceState, 'stats' | 'dropLog'> {
  const { stats: _stats, dropLog: _dropLog, ...rest } = s;
  return rest;
}

/** Master_Down_Interval for this instance now (RFC 5798 §6.1). */
export function masterDownInterval(s: InstanceState): number {
  return masterDownIntervalMs(s.cfg.version, skewPriority(s), s.masterAdverIntMs, s.cfg.downTimerAdverts);
}

export function skewTime(s: InstanceState): number {
  return skewTimeMs(s.cfg.version, skewPriority(s), s.masterAdverIntMs);
}

function skewPriority(s: InstanceState): number {
  return s.basePriority === 255 ? 255 : s.effectivePriority;
}

/** Collects actions and owns the copy-on-write of the state for one step. */
export class Step {
  readonly actions: VrrpAction[] = [];
  constructor(
    readonly s: InstanceState,
    readonly now: number,
  ) {}

  log(message: string, level: 'info' | 'warning' = 'info'): void {
    this.actions.push({ type: 'log', level, message });
  }
  ilog(message: string, level: 'info' | 'warning' = 'info'): void {
    this.log(`(${this.s.name}) ${message}`, level);
  }
  count(counter: CounterName): void {
    this.s.stats[counter]++;
    this.actions.push({ type: 'count', instance: this.s.name, counter });
  }
  arm(timer: TimerName, deadline: number): void {
    this.s.timers[timer] = deadline;
    this.actions.push({ type: 'armTimer', instance: this.s.name, timer, deadline });
  }
  cancel(timer: TimerName): void {
    if (this.s.timers[timer] === undefined) return;
    delete this.s.timers[timer];
    this.actions.push({ type: 'cancelTimer', instance: this.s.name, timer });
  }
  cancelAll(): void {
    for (const t of Object.keys(this.s.timers) as TimerName[]) this.cancel(t);
  }
  notify(state: NotifyStateName, priority = this.s.effectivePriority): void {
    this.actions.push({ type: 'notify', kind: 'INSTANCE', name: this.s.name, state, priority });
  }
}

/**
 * Every field named: one object literal of a fixed shape. A spread of the whole state (`{ ...s }`)
 * took half of a step's time (an advert sent or received: 3.5 -> 1.7 us per step, warm).
 * InstanceState has no optional field, so the compiler refuses a clone that forgets one.
 */
function cloneState(s: InstanceState): InstanceState {
  return {
    cfg: s.cfg,
    env: s.env,
    name: s.name,
    state: s.state,
    wantState: s.wantState,
    primaryAddress: s.primaryAddress,
    srcAddress: s.srcAddress,
    basePriority: s.basePriority,
    effectivePriority: s.effectivePriority,
    nopreempt: s.nopreempt,
    preemptDelayMs: s.preemptDelayMs,
    masterAdverIntMs: s.masterAdverIntMs,
    masterAddress: s.masterAddress,
    masterPriority: s.masterPriority,
    preemptTime: s.preemptTime,
    ipId: s.ipId,
    ahSeq: s.ahSeq,
    ahCycle: s.ahCycle,
    vipsSet: s.vipsSet,
    // the trackers' records change only in step()'s tracker events, which copy them first: shared
    links: s.links,
    scripts: s.scripts,
    files: s.files,
    processes: s.processes,
    bfds: s.bfds,
    socketError: s.socketError,
    timers: { ...s.timers },
    lastTransition: s.lastTransition,
    // drops and dropLog change only in dropped(), which copies them itself: shared here
    stats: { ...s.stats },
    dropLog: s.dropLog,
    oldUnicastChecksum: s.oldUnicastChecksum,
  };
}

/** Runs `fn` on a copy of `state`; the input is never modified. */
export function withStep(state: InstanceState, now: number, fn: (st: Step) => void): StepResult<InstanceState> {
  const st = new Step(cloneState(state), now);
  fn(st);
  return { state: st.s, actions: st.actions };
}

export function step(state: InstanceState, event: VrrpEvent, now: number): StepResult<InstanceState> {
  switch (event.type) {
    case 'startup':
      if (state.state !== 'INIT') return { state, actions: [] };
      return withStep(state, now, startup);
    case 'advert': {
      if (state.state === 'INIT' || state.state === 'STOP') return { state, actions: [] };
      // Invalid packets are the common case under attack or misconfiguration: settle them
      // without copying the protocol state, which they must never change.
      const switched = event.packet.ok && switchesToOldChecksum(state, event.packet) ? oldChecksumFrom(state) : null;
      const s0 = switched?.state ?? state;
      const bad = event.packet.ok ? checkAdvert(s0, event.packet) : event.packet;
      const r = bad
        ? dropped(s0, bad, now, event.packet.ok ? event.packet.ip.src : undefined)
        : withStep(s0, now, (st) => receive(st, event.packet as DecodedPacket));
      return switched ? { state: r.state, actions: [...switched.actions, ...r.actions] } : r;
    }
    case 'timer':
      if (state.timers[event.timer] === undefined) return { state, actions: [] };
      return withStep(state, now, (st) => {
        delete st.s.timers[event.timer];
        onTimer(st, event.timer);
      });
    case 'interface':
      if (!tracks(state.cfg, state.env.trackers, 'interface', event.name)) return { state, actions: [] };
      return withStep(state, now, (st) => {
        st.s.links = { ...st.s.links, [event.name]: event.up };
        trackersChanged(st);
      });
    case 'trackScript':
      if (!tracks(state.cfg, state.env.trackers, 'script', event.name)) return { state, actions: [] };
      return withStep(state, now, (st) => {
        st.s.scripts = { ...st.s.scripts, [event.name]: event.up };
        trackersChanged(st);
      });
    case 'trackFile':
      if (!tracks(state.cfg, state.env.trackers, 'file', event.name) || state.files[event.name] === event.value) return { state, actions: [] };
      return withStep(state, now, (st) => {
        st.s.files = { ...st.s.files, [event.name]: event.value };
        trackersChanged(st);
      });
    case 'trackProcess':
      if (!tracks(state.cfg, state.env.trackers, 'process', event.name) || state.processes[event.name] === event.up) return { state, actions: [] };
      return withStep(state, now, (st) => {
        st.s.processes = { ...st.s.processes, [event.name]: event.up };
        trackersChanged(st);
      });
    case 'trackBfd':
      if (!tracks(state.cfg, state.env.trackers, 'bfd', event.name) || (state.bfds[event.name] ?? false) === event.up) return { state, actions: [] };
      return withStep(state, now, (st) => {
        st.s.bfds = { ...st.s.bfds, [event.name]: event.up };
        st.log(`VRRP_Instance(${st.s.name}) Tracked BFD instance ${event.name} is ${event.up ? 'UP' : 'DOWN'}`);
        trackersChanged(st);
      });
    case 'socket': {
      const socketError = event.up ? null : event.reason ?? 'socket error';
      if (socketError === state.socketError) return { state, actions: [] };
      return withStep(state, now, (st) => {
        st.s.socketError = socketError;
        if (socketError === null) st.ilog(`VRRP socket on ${st.s.cfg.interface} reopened`);
        trackersChanged(st);
      });
    }
    case 'routeDeleted':
      if (state.state !== 'MASTER') return { state, actions: [] };
      return withStep(state, now, (st) => {
        st.ilog(`${event.what} deleted - leaving MASTER`);
        setVrrpBackup(st);
      });
    case 'vipDeleted':
      if (state.state !== 'MASTER' || !allVips(state.cfg).some((v) => v.address === event.address && v.dev === event.dev)) return { state, actions: [] };
      return withStep(state, now, (st) => {
        st.log(`Netlink reflector reports IP ${event.address} removed from ${event.dev}`);
        setVrrpBackup(st);
      });
    case 'shutdown':
      if (state.state === 'STOP') return { state, actions: [] };
      return withStep(state, now, shutdown);
  }
}

// ---------------------------------------------------------------------------------------------
// Transitions (exported for the sync-group rule, which drives members through them).

/** The VIPs then the excluded VIPs, keepalived's vip and evip lists. */
export function allVips(cfg: VrrpInstance): VirtualIpAddress[] {
  return [...cfg.virtualIpAddresses, ...cfg.virtualIpAddressesExcluded];
}

function advertAddresses(cfg: VrrpInstance): string[] {
  return cfg.virtualIpAddresses.filter((v) => v.family === cfg.family && !v.excluded).map((v) => v.address);
}

/** -1, 0 or 1 as `a` is lower than, equal to or higher than `b` as an unsigned number (same family). */
export function compareAddresses(a: string, b: string): number {
  const x = ipaddr.parse(a).toByteArray();
  const y = ipaddr.parse(b).toByteArray();
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}

function ownLinkUp(s: InstanceState): boolean {
  return s.links[s.cfg.interface] !== false;
}

/**
 * A config fault keepalived counts (num_config_faults): the instance is in FAULT for good —
 * unicast_fault_no_peer without peers, an ipvlan without its (IPv4) address.
 */
function configFaultOf(cfg: InstanceState['cfg']): string | null {
  if (cfg.faultNoPeer) return 'Cannot use unicast without any peers - going to fault state';
  return cfg.vmac?.ipvlan?.fault ?? null;
}

function faults(s: InstanceState): string[] {
  const reasons = faultReasons(s.cfg, s.env.trackers, trackerStatus(s));
  const configFault = configFaultOf(s.cfg);
  if (configFault) reasons.unshift(configFault);
  if (s.socketError !== null) reasons.push(`VRRP socket on ${s.cfg.interface} failed: ${s.socketError}`);
  if (s.env.unsupported) reasons.unshift(s.env.unsupported);
  return reasons;
}

/** Why the instance is (or would be) in FAULT now, in the words it logs; empty when nothing fails. */
export function faultReasonsOf(s: InstanceState): string[] {
  return faults(s);
}

export function hasOwnFault(s: InstanceState): boolean {
  return faults(s).length > 0;
}

/** keepalived's vrrp_update_pkt for AH: the next advert's sequence number (once per advert, not per peer). */
export function nextAhSeq(s: InstanceState): { seq: number; cycle: boolean } {
  return s.ahSeq > AH_SEQ_MAX ? { seq: s.ahSeq, cycle: true } : { seq: s.ahSeq + 1, cycle: s.ahCycle };
}

/**
 * The packets of one advert carrying `priority`: one to the multicast group, or one per unicast
 * peer, with IP ids continuing the instance's counter (and, with AH, sequence number `ahSeq`).
 * Pure: `state` is not changed (the daemon may use it to pre-build the priority-0 advert it
 * sends if it has to stop in a hurry).
 */
export function advertPackets(s: InstanceState, priority: number, ahSeq = nextAhSeq(s).seq): OutgoingPacket[] {
  const cfg = s.cfg;
  const group = advertGroup(s);
  const unicast = cfg.unicastPeers.length > 0;
  const dsts = unicast ? cfg.unicastPeers.map((p) => p.address) : [group];
  if (cfg.family === 6) {
    // No IP header on an IPv6 raw socket: the message alone, checksummed for the source the
    // transport sends from (IPV6_PKTINFO).
    return dsts.map((dst) => ({
      dst,
      src: s.srcAddress,
      bytes: templateOf(s, priority, dst).packet(0),
      // unicast_ttl: the hop limit of unicast adverts (keepalived's IPV6_HOPLIMIT ancillary data)
      ...(unicast && cfg.unicastTtl !== null ? { hopLimit: cfg.unicastTtl } : {}),
    }));
  }
  return dsts.map((dst, i) => ({
    dst,
    bytes: cfg.authType === 'AH'
      ? encodePacket({ ...packetFields(s, priority, dst), ah: { seq: ahSeq, key: ahKey(cfg.authPass), unicast }, ipId: (s.ipId + 1 + i) & 0xffff })
      : templateOf(s, priority, dst).packet((s.ipId + 1 + i) & 0xffff),
  }));
}

/** What an advert of `s` to `dst` carries, but for its IP id (and AH's sequence number). */
function packetFields(s: InstanceState, priority: number, dst: string): Omit<PacketFields, 'ipId'> {
  const cfg = s.cfg;
  if (cfg.family === 6) return { version: 3, virtualRouterId: cfg.virtualRouterId, priority, adverIntMs: cfg.advertIntMs, ipAddresses: advertAddresses(cfg), src: s.srcAddress, dst };
  return {
    version: cfg.version,
    virtualRouterId: cfg.virtualRouterId,
    priority,
    adverIntMs: cfg.advertIntMs,
    ipAddresses: advertAddresses(cfg),
    authType: cfg.authType,
    authPass: cfg.authPass,
    src: s.srcAddress,
    dst,
    v3Checksum: cfg.v3ChecksumAsV2 ? 'as-v2' : 'pseudo-header',
    ...(cfg.unicastTtl !== null ? { ttl: cfg.unicastTtl } : {}),
    ...(s.oldUnicastChecksum ? { pseudoDst: s.env.mcastGroup4 } : {}),
  };
}

/** An instance's encoded adverts, by config (a reload's new config starts afresh), newest last. */
interface Encoded {
  priority: number;
  src: string;
  dst: string;
  pseudoDst: string | null;
  template: AdvertTemplate;
}
const encoded = new WeakMap<VrrpInstance, Encoded[]>();
/** Distinct (priority, source, destination) adverts kept per config: one per peer and a few priorities. */
const ENCODED_PER_CONFIG = 16;

/**
 * The advert of `s` to `dst` with `priority`, encoded once (a MASTER's steady adverts differ only
 * in their IP id). Everything else the bytes depend on is in the config, kept as long as it is.
 */
function templateOf(s: InstanceState, priority: number, dst: string): AdvertTemplate {
  const pseudoDst = s.cfg.family === 4 && s.oldUnicastChecksum ? s.env.mcastGroup4 : null;
  let list = encoded.get(s.cfg);
  if (!list) encoded.set(s.cfg, (list = []));
  for (const e of list) if (e.priority === priority && e.dst === dst && e.src === s.srcAddress && e.pseudoDst === pseudoDst) return e.template;
  const template = new AdvertTemplate(packetFields(s, priority, dst), s.cfg.family === 6 ? 'message' : 'packet');
  if (list.length >= ENCODED_PER_CONFIG) list.shift();
  list.push({ priority, src: s.srcAddress, dst, pseudoDst, template });
  return template;
}

/** Sends one advert with `priority` (nothing when our own link is down). */
export function sendAdvert(st: Step, priority: number): void {
  const s = st.s;
  if (!ownLinkUp(s) || s.env.unsupported) return;
  const ah = s.cfg.authType === 'AH' && s.cfg.family === 4 ? nextAhSeq(s) : null;
  const packets = advertPackets(s, priority, ah?.seq);
  s.ipId = (s.ipId + packets.length) & 0xffff;
  if (ah) {
    s.ahSeq = ah.seq;
    s.ahCycle = ah.cycle;
  }
  st.actions.push({ type: 'sendAdvert', instance: s.name, interface: s.cfg.interface, priority, packets });
  st.count('advertsSent');
  if (priority === 0) st.count('priorityZeroSent');
}

export function sendGarps(st: Step, repeat: number, vips: VirtualIpAddress[] = allVips(st.s.cfg)): void {
  if (repeat <= 0 || vips.length === 0 || !ownLinkUp(st.s)) return;
  st.actions.push({ type: 'sendGarps', instance: st.s.name, vips, repeat });
}

/** keepalived's vrrp_state_become_master: VIPs, then virtual routes, then virtual rules. */
function addVips(st: Step): void {
  const cfg = st.s.cfg;
  st.ilog('setting VIPs.');
  st.actions.push({ type: 'addVips', instance: st.s.name, vips: allVips(cfg) });
  if (cfg.virtualRoutes.length > 0) st.ilog('setting Virtual Routes');
  if (cfg.virtualRules.length > 0) st.ilog('setting Virtual Rules');
  if (cfg.virtualRoutes.length > 0 || cfg.virtualRules.length > 0) {
    st.actions.push({ type: 'routes', op: 'add', instance: st.s.name, routes: cfg.virtualRoutes, rules: cfg.virtualRules });
  }
  st.s.vipsSet = true;
}

/** keepalived's vrrp_restore_interface: virtual rules, then virtual routes, then VIPs. */
function removeVips(st: Step): void {
  const cfg = st.s.cfg;
  if (cfg.virtualRules.length > 0) st.ilog('removing Virtual Rules');
  if (cfg.virtualRoutes.length > 0) st.ilog('removing Virtual Routes');
  if (cfg.virtualRoutes.length > 0 || cfg.virtualRules.length > 0) {
    st.actions.push({ type: 'routes', op: 'remove', instance: st.s.name, routes: cfg.virtualRoutes, rules: cfg.virtualRules });
  }
  st.ilog('removing VIPs.');
  st.actions.push({ type: 'removeVips', instance: st.s.name, vips: allVips(cfg) });
  st.s.vipsSet = false;
}

function transitioned(st: Step, to: InstanceStateName): void {
  st.s.state = to;
  st.s.lastTransition = st.now;
  st.count('transitions');
}

/**
 * RFC 5798 §6.4.1/§6.4.2 "transition to Master", in keepalived's order: the advert first (so the
 * old master steps down before anyone sees our GARPs), then the VIPs, then garp_master_repeat
 * GARPs; a second burst after garp_master_delay and a refresh every garp_master_refresh.
 */
export function enterMaster(st: Step): void {
  const s = st.s;
  const cfg = s.cfg;
  st.ilog('Entering MASTER STATE');
  if (s.ahCycle) {
    // keepalived: becoming MASTER after the AH counter cycled resets the anti-replay counter
    s.ahCycle = false;
    s.ahSeq = 0;
  }
  transitioned(st, 'MASTER');
  s.wantState = null;
  s.masterAdverIntMs = cfg.advertIntMs;
  s.masterAddress = s.srcAddress;
  s.masterPriority = s.effectivePriority;
  s.preemptTime = null;
  st.cancel('masterDown');
  s.stats.masterReason = s.stats.nextMasterReason;
  sendAdvert(st, s.effectivePriority);
  addVips(st);
  for (const v of allVips(cfg)) {
    st.ilog(`Sending/queueing ${v.family === 4 ? 'gratuitous ARPs' : 'Unsolicited Neighbour Adverts'} on ${v.dev} for ${v.address}`);
  }
  sendGarps(st, cfg.garpMasterRepeat);
  st.arm('adver', st.now + cfg.advertIntMs);
  if (cfg.garpMasterDelayMs > 0) st.arm('garpDelay', st.now + cfg.garpMasterDelayMs);
  if (cfg.garpMasterRefreshMs > 0) st.arm('garpRefresh', st.now + cfg.garpMasterRefreshMs);
  if (cfg.garpExtraIfMs > 0) st.arm('garpExtraIf', st.now + cfg.garpExtraIfMs);
  st.count('becameMaster');
  st.notify('MASTER');
}

/** keepalived's vrrp_init_instance_sands for BACKUP: within vrrp_startup_delay, counted from its end. */
function armMasterDown(st: Step): void {
  const until = st.s.env.delayedStartUntil;
  st.arm('masterDown', (until !== null && st.now < until ? until : st.now) + masterDownInterval(st.s));
}

/** MASTER → BACKUP (a higher-priority master exists, or the sync group follows one). */
export function masterToBackup(st: Step): void {
  const s = st.s;
  st.ilog('Entering BACKUP STATE');
  transitioned(st, 'BACKUP');
  s.wantState = null;
  s.preemptTime = null;
  for (const t of ['adver', 'garpDelay', 'garpRefresh', 'garpLowerPrio', 'garpExtraIf'] as TimerName[]) st.cancel(t);
  removeVips(st);
  st.count('releasedMaster');
  s.stats.nextMasterReason = 'masterNoResponse';
  armMasterDown(st);
  st.notify('BACKUP');
}

/**
 * A MASTER's VIP deleted behind its back: keepalived 2.2.7 (keepalived_netlink.c,
 * netlink_if_address_filter → set_vrrp_backup) leaves MASTER for BACKUP, releasing the other
 * VIPs, with the down timer at Skew_Time "for a quick transition back to master", which adds
 * every VIP again and sends GARPs, unless another master is heard meanwhile.
 */
function setVrrpBackup(st: Step): void {
  // vrrp_state_leave_master(vrrp, true) → vrrp_restore_interface(advF): the others hear
  // priority 0 and take over at once
  sendAdvert(st, 0);
  st.ilog('sent 0 priority');
  masterToBackup(st);
  // "We want a quick transition back to master"
  st.arm('masterDown', st.now + skewTime(st.s));
}

/**
 * Any running state → FAULT. A MASTER tells the others with a priority-0 advert where its own
 * link still allows it (a tracked interface or script failed), then drops its VIPs.
 */
export function enterFault(st: Step): void {
  const s = st.s;
  const wasMaster = s.state === 'MASTER';
  st.ilog('Entering FAULT STATE');
  transitioned(st, 'FAULT');
  s.wantState = null;
  st.cancelAll();
  if (wasMaster) {
    if (ownLinkUp(s)) {
      sendAdvert(st, 0);
      st.ilog('sent 0 priority');
    }
    removeVips(st);
    st.count('releasedMaster');
  }
  s.masterAddress = null;
  s.masterPriority = null;
  st.notify('FAULT');
}

/** FAULT → BACKUP once nothing is failing (the owner goes straight to MASTER, RFC §6.4.1). */
export function leaveFault(st: Step): void {
  const s = st.s;
  s.masterAdverIntMs = s.cfg.advertIntMs;
  if (s.basePriority === 255 && s.env.syncGroup === null) {
    enterMaster(st);
    return;
  }
  st.ilog('Entering BACKUP STATE');
  transitioned(st, 'BACKUP');
  s.wantState = null;
  s.preemptTime = null;
  armMasterDown(st);
  st.notify('BACKUP');
}

// ---------------------------------------------------------------------------------------------
// Event handlers.

function startup(st: Step): void {
  const s = st.s;
  for (const w of s.env.warnings) st.log(w, 'warning');
  const configFault = configFaultOf(s.cfg);
  if (configFault) {
    // keepalived counts it as a config fault: the instance is in FAULT from the start, so
    // vrrp_init_state logs no "Entering FAULT STATE (init)" and runs no notify; it never leaves
    st.ilog(configFault);
    transitioned(st, 'FAULT');
    return;
  }
  const why = faults(s);
  if (why.length > 0) {
    for (const r of why) st.ilog(r);
    st.ilog('Entering FAULT STATE (init)');
    transitioned(st, 'FAULT');
    st.notify('FAULT');
    return;
  }
  // RFC 5798 §6.4.1: the address owner goes straight to Master. Anyone else — even with
  // `state MASTER` — starts as Backup and waits its Master_Down_Interval (keepalived 2.2.7).
  s.stats.nextMasterReason = s.basePriority === 255 ? 'preempted' : 'masterNoResponse';
  if (s.basePriority === 255 && s.env.syncGroup === null) {
    enterMaster(st);
    return;
  }
  // Residual VIPs from a crashed run would make us answer for an address we do not hold.
  removeVips(st);
  st.ilog('Entering BACKUP STATE (init)');
  transitioned(st, 'BACKUP');
  armMasterDown(st);
  st.notify('BACKUP');
  if (s.basePriority === 255) s.wantState = 'MASTER';
}

function shutdown(st: Step): void {
  const s = st.s;
  const wasMaster = s.state === 'MASTER';
  st.cancelAll();
  if (wasMaster) {
    sendAdvert(st, 0);
    st.ilog('sent 0 priority');
    removeVips(st);
    st.count('releasedMaster');
  }
  transitioned(st, 'STOP');
  s.wantState = null;
  st.notify('STOP');
}

/**
 * keepalived's vrrp_check_packet, checksum compatibility left at its default: a unicast VRRPv3
 * IPv4 instance that hears an advert whose checksum verifies only with keepalived < 1.3.6's
 * pseudo-header (destination vrrp_mcast_group4) switches to that checksum for good.
 */
function switchesToOldChecksum(s: InstanceState, p: DecodedPacket): boolean {
  const cfg = s.cfg;
  return cfg.unicastChecksumCompat === 'auto' && !s.oldUnicastChecksum && cfg.version === 3 && cfg.family === 4
    && cfg.unicastPeers.length > 0 && p.ip.version === 4 && p.vrrp.virtualRouterId === cfg.virtualRouterId
    && !cfg.v3ChecksumAsV2 && p.ip.dst !== s.env.mcastGroup4
    && !p.v3Checksums.includes('pseudo-header') && p.v3Checksums.includes('old-unicast');
}

function oldChecksumFrom(s: InstanceState): StepResult<InstanceState> {
  return {
    state: { ...s, oldUnicastChecksum: true },
    actions: [{ type: 'log', level: 'info', message: `(${s.name}) Setting unicast VRRPv3 checksum to old version` }],
  };
}

/** Counts (and, rate-limited, logs) a rejected packet; nothing but counters and log bookkeeping change. */
function dropped(state: InstanceState, r: Rejection, now: number, src?: string): StepResult<InstanceState> {
  const actions: VrrpAction[] = [{ type: 'countDrop', instance: state.name, reason: r.reason, ...(src === undefined ? {} : { src }) }];
  const drops = { ...state.stats.drops };
  const count = ++drops[r.reason];
  const prev = state.dropLog[r.reason];
  let dropLog = state.dropLog;
  if (!prev || now - prev.lastAt >= DROP_LOG_INTERVAL_MS) {
    const suppressed = prev ? count - prev.countAtLog - 1 : 0;
    const more = suppressed > 0 ? ` (${suppressed} more since last report)` : '';
    actions.push({ type: 'log', level: 'info', message: `(${state.name}) ${r.message}${more}` });
    dropLog = { ...state.dropLog, [r.reason]: { lastAt: now, countAtLog: count } };
  }
  const ah = r.ahSeq !== undefined ? { ahSeq: r.ahSeq } : {};
  return { state: { ...state, ...ah, stats: { ...state.stats, drops }, dropLog }, actions };
}

/** A packet that passed every check (RFC 5798 §7.1), dispatched by state. */
function receive(st: Step, packet: DecodedPacket): void {
  const s = st.s;
  st.count('advertsReceived');
  if (packet.vrrp.priority === 0) st.count('priorityZeroReceived');
  if (packet.ah && s.cfg.authType === 'AH') {
    s.ahSeq = packet.ah.seq; // keepalived's vrrp_in_chk_ipsecah: the counter follows the peer
    if (s.state === 'BACKUP') s.ahCycle = false;
  }
  if (s.state === 'BACKUP') backupRx(st, packet);
  else if (s.state === 'MASTER') masterRx(st, packet);
  // FAULT: counted, nothing else — only our own trackers take us out of FAULT.
}

function learnInterval(st: Step, p: DecodedPacket, how: string): void {
  const s = st.s;
  if (s.cfg.version !== 3 || s.masterAdverIntMs === p.vrrp.adverIntMs) return;
  st.ilog(`advertisement interval updated ${how} ${p.vrrp.adverIntMs} milli-sec from ${s.masterAdverIntMs} milli-sec`);
  s.masterAdverIntMs = p.vrrp.adverIntMs;
}

/** RFC 5798 §6.4.2 (Backup) with keepalived's preempt_delay. */
function backupRx(st: Step, p: DecodedPacket): void {
  const s = st.s;
  const prio = p.vrrp.priority;
  const src = p.ip.src;
  if (prio === 0) {
    // The master is leaving: take over after Skew_Time only, so the highest backup wins.
    st.ilog('Backup received priority 0 advertisement');
    s.stats.nextMasterReason = 'priority';
    st.arm('masterDown', st.now + skewTime(s));
    return;
  }
  const delaying = s.preemptDelayMs > 0 && (s.preemptTime === null || s.preemptTime > st.now);
  if (s.nopreempt || prio >= s.effectivePriority || delaying) {
    learnInterval(st, p, 'to');
    s.masterAddress = src;
    s.stats.heardMaster = src;
    s.masterPriority = prio;
    s.stats.nextMasterReason = 'masterNoResponse';
    if (s.wantState === 'MASTER') s.wantState = null; // a live master answered: stop waiting for the group
    if (s.preemptDelayMs > 0) {
      if (prio >= s.effectivePriority) {
        if (s.preemptTime !== null) {
          st.ilog('stop preempt delay');
          s.preemptTime = null;
        }
      } else if (s.preemptTime === null) {
        st.ilog(`start preempt delay(${Math.round(s.preemptDelayMs / 1000)})`);
        s.preemptTime = st.now + s.preemptDelayMs;
      }
    }
    armMasterDown(st);
    return;
  }
  // Preempt: let the Master_Down_Timer run out and take over then (RFC: discard the advert).
  st.ilog(`received lower priority (${prio}) advert from ${src} - discarding`);
  s.masterAddress = src;
  s.stats.heardMaster = src;
  s.stats.nextMasterReason = 'preempted';
}

/** RFC 5798 §6.4.3 (Master), with keepalived's split-brain handling (#14, #166). */
function masterRx(st: Step, p: DecodedPacket): void {
  const s = st.s;
  const cfg = s.cfg;
  const prio = p.vrrp.priority;
  const src = p.ip.src;
  const addrCmp = compareAddresses(src, s.srcAddress);

  if (prio === 0) {
    // Someone is leaving as master while we are master: answer at once so backups see us.
    st.ilog('Master received priority 0 message');
    sendAdvert(st, s.effectivePriority);
    st.arm('adver', st.now + cfg.advertIntMs);
    return;
  }
  if (cfg.higherPrioSendAdvert && (prio > s.effectivePriority || (prio === s.effectivePriority && addrCmp > 0))) {
    sendAdvert(st, s.effectivePriority);
  }
  if (prio === s.effectivePriority && s.effectivePriority === 255 && s.basePriority === 255) {
    st.ilog(
      'CONFIGURATION ERROR: local instance and a remote instance are both configured as address owner, please fix - reducing local priority',
      'warning',
    );
    s.basePriority = 254;
    s.effectivePriority = 254;
  }
  if (prio < s.effectivePriority || (prio === s.effectivePriority && addrCmp < 0)) {
    // Another master with less right to be one: a healed split brain. Make it step down now
    // and refresh every neighbour's ARP cache, which may hold the loser's MAC.
    st.ilog(
      `Received advert from ${src} with lower priority ${prio}, ours ${s.effectivePriority}${cfg.lowerPrioNoAdvert ? '' : ', forcing new election'}`,
    );
    if (p.ah && cfg.authType === 'AH') {
      // keepalived jumps its counter past the other master's, so our next adverts are not replays to it
      st.ilog('IPSEC-AH : Syncing seq_num - Increment seq');
      s.ahSeq = p.ah.seq + 1;
      s.ahCycle = false;
    }
    if (!cfg.lowerPrioNoAdvert) sendAdvert(st, s.effectivePriority);
    if (cfg.garpLowerPrioRepeat > 0) {
      sendGarps(st, cfg.garpLowerPrioRepeat);
      if (cfg.garpLowerPrioDelayMs > 0) st.arm('garpLowerPrio', st.now + cfg.garpLowerPrioDelayMs);
    }
    st.actions.push({ type: 'event', instance: s.name, event: 'MASTER_RX_LOWER_PRI', priority: s.effectivePriority });
    return;
  }
  // Higher priority, or equal priority and a higher primary address: step down.
  if (prio > s.effectivePriority) {
    st.ilog(`Master received advert from ${src} with higher priority ${prio}, ours ${s.effectivePriority}`);
  } else {
    st.ilog(`Master received advert from ${src} with same priority ${prio} but higher IP address than ours`);
  }
  if (cfg.authType === 'AH') s.ahCycle = false;
  learnInterval(st, p, 'to');
  s.masterAddress = src;
  s.masterPriority = prio;
  masterToBackup(st);
}

function onTimer(st: Step, timer: TimerName): void {
  const s = st.s;
  const cfg = s.cfg;
  switch (timer) {
    case 'masterDown':
      if (s.state !== 'BACKUP') return;
      st.ilog('Receive advertisement timeout');
      if (s.env.syncGroup !== null) {
        s.wantState = 'MASTER'; // the group decides (sync-group.ts)
        return;
      }
      enterMaster(st);
      return;
    case 'adver':
      if (s.state !== 'MASTER') return;
      sendAdvert(st, s.effectivePriority);
      st.arm('adver', st.now + cfg.advertIntMs);
      return;
    case 'garpDelay':
      if (s.state === 'MASTER') sendGarps(st, cfg.garpMasterRepeat);
      return;
    case 'garpRefresh':
      if (s.state !== 'MASTER') return;
      sendGarps(st, cfg.garpMasterRefreshRepeat);
      st.arm('garpRefresh', st.now + cfg.garpMasterRefreshMs);
      return;
    case 'garpLowerPrio':
      if (s.state === 'MASTER') sendGarps(st, cfg.garpLowerPrioRepeat);
      return;
    case 'garpExtraIf':
      // vrrp_send_vmac_update: one per extra interface
      if (s.state !== 'MASTER') return;
      sendGarps(st, 1, cfg.garpExtraIfVips);
      st.arm('garpExtraIf', st.now + cfg.garpExtraIfMs);
      return;
  }
}

function trackerStatus(s: InstanceState): TrackerStatus {
  return { links: s.links, scripts: s.scripts, files: s.files, processes: s.processes, bfds: s.bfds };
}

/** Re-judges effective priority and FAULT after a tracker (or, on reload, the config) changed. */
export function trackersChanged(st: Step): void {
  const s = st.s;
  const prio = effectivePriority(s.basePriority, s.env.trackers, trackerStatus(s));
  if (prio !== s.effectivePriority) {
    st.ilog(`Changing effective priority from ${s.effectivePriority} to ${prio}`);
    s.effectivePriority = prio;
    if (s.cfg.notifyPriorityChanges) {
      st.actions.push({ type: 'event', instance: s.name, event: s.state === 'MASTER' ? 'MASTER_PRIORITY' : 'BACKUP_PRIORITY', priority: prio });
    }
  }
  if (s.state === 'INIT' || s.state === 'STOP') return;
  const why = faults(s);
  if (why.length > 0 && s.state !== 'FAULT') {
    for (const r of why) st.ilog(r);
    enterFault(st);
  } else if (why.length === 0 && s.state === 'FAULT') {
    if (s.env.syncGroup !== null) s.wantState = 'BACKUP'; // the group decides (sync-group.ts)
    else leaveFault(st);
  } else if (why.length > 0 && s.state === 'FAULT') {
    s.wantState = null;
  }
}

