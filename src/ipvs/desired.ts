/**
 * The IPVS table halo wants: configured virtual servers ∩ real-server health, with keepalived's
 * pool rules (keepalived/check/ipwrapper.c, ipvswrapper.c, check_data.c):
 *
 *  - a real server is alive when none of its running checkers is down (num_failed_checkers == 0);
 *    a checker starts up, or down under `alpha`, until its first result;
 *  - a dead server leaves the pool, or stays at weight 0 with inhibit_on_failure;
 *  - quorum: the sum of live weights against quorum ± hysteresis (update_quorum_state); below
 *    quorum a sorry_server replaces the pool (alive servers leave it, or go to weight 0 when
 *    inhibited); with sorry_server_inhibit the sorry server waits in the table at weight 0;
 *  - virtual_server_group entries expand to one kernel service each (addresses, IP ranges,
 *    fwmarks), all sharing the same destinations.
 *
 * Pure: the previous PoolState goes in, the next one comes out with the log lines and notify
 * scripts keepalived would emit for the transitions, in keepalived's order.
 */
import { rsFifoLine, vsFifoLine } from '../alert/notify-fifo-lines';
import * as ipaddr from 'ipaddr.js';
import type {
  LvsMethod, Protocol, RealServer, RunCheck, ScriptUsers, VirtualServer, VirtualServerGroup,
} from '../config/model';
import { isRunCheck } from '../check/targets';
import {
  IP_VS_SVC_F_HASHED, IP_VS_SVC_F_ONEPACKET, IP_VS_SVC_F_PERSISTENT, IP_VS_SVC_F_SCHED1,
  IP_VS_SVC_F_SCHED2, IP_VS_SVC_F_SCHED3,
} from './types';
import type { IpvsDestination, IpvsForward, IpvsProtocol, IpvsService, IpvsServiceKey } from './types';
import { serviceKeyString } from './types';
import { formatRealServer, formatVirtualServer } from './desired-format';
import type { RunAs } from '../config/script-user';
import { mergeShared, stopLines } from './shared-services';
import type { OwnerLines, SharedServiceState } from './shared-services';

/** The runAs of a PoolEvent for a script given its own user; nothing (script_user applies) otherwise. */
function runAsOf(users: ScriptUsers | undefined, which: 'up' | 'down'): { runAs?: RunAs | null } {
  return users && users[which] !== undefined ? { runAs: users[which] } : {};
}

/** IPVS_SVC_PERSISTENT_TIMEOUT: keepalived's persistence for a port-0 service. */
const DEFAULT_PERSISTENCE_S = 360;

export const PROTOCOL_NUMBER: Record<Protocol, IpvsProtocol> = { TCP: 6, UDP: 17, SCTP: 132 };
export const FORWARD_OF_METHOD: Record<LvsMethod, IpvsForward> = { NAT: 'masq', DR: 'route', TUN: 'tunnel' };

/** What the pool rules remember of one virtual server between two evaluations. */
export interface VsPoolState {
  /** vs->quorum_state_up */
  readonly quorumUp: boolean;
  /** rs->alive of each real server, in config order (matched by address and port on reload). */
  readonly servers: readonly { readonly address: string; readonly port: number; readonly alive: boolean }[];
}

/**
 * What the pool rules remember between two evaluations (keepalived's vs/rs flags), by virtual
 * server id. A virtual server whose pool did not change keeps the very same object, so a
 * health change or reload allocates only for what changed.
 */
export interface PoolState {
  readonly pools: ReadonlyMap<string, VsPoolState>;
  /** Kernel services more than one virtual server programs (shared-services.ts), by service key. */
  readonly shared?: ReadonlyMap<string, SharedServiceState>;
}

export interface PoolEvent {
  /** The line keepalived logs, e.g. `Removing service [10.0.100.2]:tcp:80 from VS [192.168.1.202]:tcp:80`. */
  message: string;
  /** The notify script to run (notify_up/notify_down/quorum_up/quorum_down), if configured. */
  notify: string[] | null;
  /** Who runs it when the script was given a user (null = root); absent: script_user. */
  runAs?: RunAs | null;
  /** A quorum change of a virtual server whose smtp_alert is on: keepalived's SMTP_MSG_VS mail. */
  alert?: { vsName: string; up: boolean; body: string };
  /** A live real server taken out by a reload: keepalived's SMTP_MSG_RS_SHUT mail ("DOWN", "=> Removing <="). */
  rsAlert?: { rsName: string; vsName: string; body: string };
  /** The line for the notify FIFOs (notify_fifo, lvs_notify_fifo): `RS …`/`VS …` (notify-fifo-lines.ts). */
  fifo?: string;
  /** KEEPALIVED-MIB's notification keepalived sends here (check_snmp_rs_trap / check_snmp_quorum_trap). */
  trap?: PoolTrap;
}

/**
 * realServerStateChange (`rs` given) or virtualServerQuorumStateChange: the virtual server, the
 * real server's state, the quorum's (1 up, 2 down, 3 stopping) and how many real servers are
 * alive at that moment (keepalived counts them as it sends).
 */
export interface PoolTrap {
  vs: VirtualServer;
  rs: RealServer | null;
  alive: boolean;
  quorum: 1 | 2 | 3;
  realUp: number;
}

export interface DesiredTable {
  services: IpvsService[];
  state: PoolState;
  events: PoolEvent[];
}

/** Whether a checker is up now; before its first result: `!check.alpha` (keepalived's start state). */
export type CheckerUp = (check: RunCheck, rs: RealServer, vs: VirtualServer) => boolean;

export const initialCheckerUp: CheckerUp = (check) => !check.alpha;

/**
 * What a checker does to its real server's weight (keepalived's cur_weight): misc_dynamic sets
 * it (`set`: exit status − 2), FILE_CHECK adds to it (`add`: value × weight); null = nothing.
 */
export type CheckerWeight = (check: RunCheck) => { set: number } | { add: number } | null;

/** keepalived's effective_weight through real_weight(): configured weight + every checker's cur_weight, clamped to 0..INT32_MAX. */
export function effectiveWeight(rs: RealServer, checkerWeight: CheckerWeight | undefined): number {
  if (!checkerWeight) return rs.weight;
  let w = rs.weight;
  for (const c of rs.checkers) {
    if (!isRunCheck(c)) continue;
    const d = checkerWeight(c);
    if (d === null) continue;
    w += 'set' in d ? d.set - rs.weight : d.add;
  }
  return Math.max(0, Math.min(w, 0x7fffffff));
}

export interface DesiredInput {
  virtualServers: readonly VirtualServer[];
  virtualServerGroups: readonly VirtualServerGroup[];
  /** global rs_init_notifies: each real server up at start gets its UP notifies (notify_up, FIFO line). */
  rsInitNotifies?: boolean;
}

/** A stable id for a virtual server: its keepalived name, plus the family for fwmark services. */
export function virtualServerId(vs: VirtualServer, groups: readonly VirtualServerGroup[]): string {
  const name = formatVirtualServer(vs, groups);
  const copy = vs.copy !== undefined ? ` (copy ${vs.copy})` : '';
  if (vs.key.kind === 'fwmark') return `${name} IPv${vs.key.family}${copy}`;
  if (vs.key.kind === 'group') return `${name} ${vs.protocol}${copy}`;
  return name + copy;
}

/** The id of the first copy of a virtual server (its own id when it is the first). */
function firstCopyId(vs: VirtualServer, groups: readonly VirtualServerGroup[]): string {
  return virtualServerId(vs.copy === undefined ? vs : { ...vs, copy: undefined }, groups);
}

/**
 * The pool state a reload starts from when a config has copies of a virtual server, as
 * keepalived's clear_diff_services() leaves it: every old copy is matched to the first new one
 * (vs_exist() finds the first), so the first new copy takes the state of the last old copy; the
 * other new copies are matched by nothing and start afresh (their service add fails with EEXIST,
 * their servers are added again). Without copies, the state as it is.
 */
export function reloadState(old: DesiredInput, next: DesiredInput, state: PoolState): PoolState {
  const hasCopies = (i: DesiredInput) => i.virtualServers.some((vs) => vs.copy !== undefined);
  if (!hasCopies(old) && !hasCopies(next)) return state;
  const pools = new Map(state.pools);
  for (const vs of old.virtualServers) {
    if (vs.copy === undefined) continue;
    pools.delete(virtualServerId(vs, old.virtualServerGroups));
    const last = state.pools.get(virtualServerId(vs, old.virtualServerGroups));
    if (last) pools.set(firstCopyId(vs, old.virtualServerGroups), last);
  }
  if (!state.shared) return { pools };
  // each shared service: its first owner now stands where the last one's commands left it; the others are new
  const shared = new Map<string, SharedServiceState>();
  for (const [k, s] of state.shared) shared.set(k, { owners: [s.owners[s.owners.length - 1]], kernel: s.kernel });
  return { pools, shared };
}

/** A real server's previous rs->alive: same position first (the common case), else by address and port. */
function previousAlive(prev: VsPoolState | undefined, rs: RealServer, i: number): boolean | undefined {
  if (!prev) return undefined;
  const same = prev.servers[i];
  if (same && same.address === rs.address && same.port === rs.port) return same.alive;
  for (const s of prev.servers) if (s.address === rs.address && s.port === rs.port) return s.alive;
  return undefined;
}

/** A real server is alive when every checker it has is up (BFD_CHECK: its session's last event). */
export function realServerAlive(rs: RealServer, vs: VirtualServer, checkerUp: CheckerUp): boolean {
  for (const c of rs.checkers) if (!isRunCheck(c) || !checkerUp(c, rs, vs)) return false;
  return true;
}

export function buildDesired(input: DesiredInput, checkerUp: CheckerUp, prev: PoolState | null, checkerWeight?: CheckerWeight): DesiredTable {
  const groups = input.virtualServerGroups;
  const pools = new Map<string, VsPoolState>();
  const services: IpvsService[] = [];
  // each virtual server's own lines, and the services it programs (by key)
  const segments: PoolEvent[][] = [];
  const byKey = new Map<string, { service: IpvsService; owner: number; at: number }[]>();
  for (const vs of input.virtualServers) {
    const vsId = virtualServerId(vs, groups);
    const weights = vs.realServers.map((rs) => effectiveWeight(rs, checkerWeight));
    const own: PoolEvent[] = [];
    const pool = evaluatePool(vs, vsId, groups, checkerUp, prev?.pools.get(vsId), own, weights, input.rsInitNotifies === true);
    pools.set(vsId, pool.state);
    for (const svc of expandServices(vs, groups)) {
      const t = svc.template;
      const dests = destinations(vs, pool.alive, pool.state.quorumUp, svc, weights);
      const service: IpvsService = { key: t.key, scheduler: t.scheduler, flags: t.flags, timeout: t.timeout, netmask: t.netmask, destinations: dests };
      if (t.peName) service.peName = t.peName;
      const k = serviceKeyString(t.key);
      const list = byKey.get(k);
      if (list) list.push({ service, owner: segments.length, at: list[0].at });
      else {
        byKey.set(k, [{ service, owner: segments.length, at: services.length }]);
        services.push(service);
      }
    }
    segments.push(own);
  }
  // a kernel service several virtual servers program: the copies' commands meet there
  const shared = new Map<string, SharedServiceState>();
  for (const [k, list] of byKey) {
    if (list.length < 2) continue;
    const merged = mergeShared(list.map((o) => o.service), prev?.shared?.get(k));
    shared.set(k, merged.state);
    services[list[0].at] = merged.service;
    merged.lines.forEach((l, n) => placeLines(segments[list[n].owner], l));
  }
  const events = segments.flat();
  return { services, state: shared.size > 0 ? { pools, shared } : { pools }, events };
}

/** An owner's IPVS error lines among its own: start-up ones first, others after the line about their real server. */
function placeLines(own: PoolEvent[], lines: OwnerLines): void {
  own.unshift(...lines.first.map((message) => ({ message, notify: null })));
  for (const { address, line } of lines.after) {
    const at = own.findIndex((e) => e.message.includes(` service [${address}]:`));
    own.splice(at < 0 ? own.length : at + 1, 0, { message: line, notify: null });
  }
  own.push(...lines.last.map((message) => ({ message, notify: null })));
}

/**
 * The services in PoolState.shared, each with its key and the virtual servers that program it
 * (their indexes, in order: a virtual server's place among the service's owners).
 */
function sharedOwners(input: DesiredInput, shared: ReadonlyMap<string, SharedServiceState>): Map<string, { key: IpvsServiceKey; owners: number[] }> {
  const found = new Map<string, { key: IpvsServiceKey; owners: number[] }>();
  input.virtualServers.forEach((vs, i) => {
    for (const svc of expandServices(vs, input.virtualServerGroups)) {
      const k = serviceKeyString(svc.template.key);
      if (!shared.has(k)) continue;
      const entry = found.get(k) ?? { key: svc.template.key, owners: [] };
      if (!entry.owners.includes(i)) entry.owners.push(i);
      found.set(k, entry);
    }
  });
  return found;
}

interface PoolResult {
  alive: readonly boolean[];
  state: VsPoolState;
}

/** The previous state object when nothing changed (structural sharing), else a new one. */
function poolState(vs: VirtualServer, alive: readonly boolean[], quorumUp: boolean, prev: VsPoolState | undefined): VsPoolState {
  if (prev && prev.quorumUp === quorumUp && prev.servers.length === alive.length) {
    let same = true;
    for (let i = 0; same && i < alive.length; i++) {
      const p = prev.servers[i];
      const rs = vs.realServers[i];
      same = p.alive === alive[i] && p.address === rs.address && p.port === rs.port;
    }
    if (same) return prev;
  }
  return { quorumUp, servers: vs.realServers.map((rs, i) => ({ address: rs.address, port: rs.port, alive: alive[i] })) };
}

const countUp = (alive: readonly boolean[]): number => alive.filter(Boolean).length;

/** Walks real-server transitions one by one, as keepalived handles each checker result. */
function evaluatePool(
  vs: VirtualServer,
  vsId: string,
  groups: readonly VirtualServerGroup[],
  checkerUp: CheckerUp,
  prev: VsPoolState | undefined,
  events: PoolEvent[],
  weights: readonly number[],
  rsInitNotifies: boolean,
): PoolResult {
  const now = vs.realServers.map((rs) => realServerAlive(rs, vs, checkerUp));
  const quorum = new QuorumTracker(vs, groups, events, weights);

  if (prev === undefined) {
    // Start-up (init_service_vs): healthy servers join silently — with rs_init_notifies each
    // gets do_rs_notifies UP (init_service_rs) — then the quorum is judged once.
    if (rsInitNotifies) {
      vs.realServers.forEach((rs, i) => {
        if (now[i]) events.push({ message: '', fifo: rsFifoLine(formatRealServer(rs, vs, groups), quorum.vsName, true), notify: rs.notifyUp, ...runAsOf(rs.notifyRunAs, 'up'), trap: { vs, rs, alive: true, quorum: 1, realUp: countUp(now) } });
      });
    }
    quorum.update(now, true);
    return { alive: now, state: poolState(vs, now, quorum.up, undefined) };
  }

  quorum.up = prev.quorumUp;
  const alive = vs.realServers.map((rs, i) => previousAlive(prev, rs, i) ?? now[i]);
  // Nothing changed: no transition to walk; the quorum is still re-judged (a reload may change it).
  if (alive.every((a, i) => a === now[i])) {
    quorum.update(now, false);
    return { alive: now, state: poolState(vs, now, quorum.up, prev) };
  }
  vs.realServers.forEach((rs, i) => {
    if (alive[i] === now[i]) return;
    alive[i] = now[i];
    // perform_svr_state's wording: Adding/Removing ... to/from, Enabling/Disabling ... of.
    const verb = now[i] ? (rs.inhibitOnFailure ? 'Enabl' : 'Add') : rs.inhibitOnFailure ? 'Disabl' : 'Remov';
    const prep = rs.inhibitOnFailure ? 'of' : now[i] ? 'to' : 'from';
    events.push({
      message: `${verb}ing service ${formatRealServer(rs, vs, groups)} ${prep} VS ${quorum.vsName}`,
      fifo: rsFifoLine(formatRealServer(rs, vs, groups), quorum.vsName, now[i]),
      notify: now[i] ? rs.notifyUp : rs.notifyDown,
      ...runAsOf(rs.notifyRunAs, now[i] ? 'up' : 'down'),
      trap: { vs, rs, alive: now[i], quorum: quorum.up ? 1 : 2, realUp: countUp(alive) },
    });
    quorum.update(alive, false);
  });
  return { alive, state: poolState(vs, alive, quorum.up, prev) };
}

/** update_quorum_state(): hysteresis around quorum, sorry server swap, quorum notifies. */
class QuorumTracker {
  up = false;
  private name: string | null = null;

  constructor(
    private readonly vs: VirtualServer,
    private readonly groups: readonly VirtualServerGroup[],
    private readonly events: PoolEvent[],
    private readonly weights: readonly number[],
  ) {}

  /** FMT_VS, formatted only when a line is logged (most evaluations log nothing). */
  get vsName(): string {
    return (this.name ??= formatVirtualServer(this.vs, this.groups));
  }

  update(alive: readonly boolean[], init: boolean): void {
    const { vs } = this;
    let weightSum = 0;
    for (let i = 0; i < alive.length; i++) if (alive[i]) weightSum += this.weights[i];
    const threshold = vs.quorum + (this.up ? -1 : 1) * vs.hysteresis;
    const sorry = vs.sorryServer;
    if (!this.up && weightSum >= threshold) {
      const vsName = this.vsName;
      const sorryName = sorry ? formatRealServer(sorry, vs, this.groups) : '';
      const sorryWasIn = sorry !== null && !init;
      this.up = true;
      this.log(`Gained quorum ${vs.quorum}+${vs.hysteresis}=${threshold} <= ${weightSum} for VS ${vsName}`, vsFifoLine(vsName, true), this.trap(alive));
      if (sorry && sorryWasIn) {
        this.log(`${sorry.inhibit ? 'Disabling' : 'Removing'} sorry server ${sorryName} from VS ${vsName}`);
        this.log(`Adding alive servers to the pool for VS ${vsName}`);
      }
      this.notify(vs.quorumUp, 'up');
      this.alert(init ? 'Starting with quorum up' : 'Gained quorum', threshold, weightSum);
    } else if ((this.up && (weightSum === 0 || weightSum < threshold)) || (init && !this.up && sorry)) {
      const vsName = this.vsName;
      const sorryName = sorry ? formatRealServer(sorry, vs, this.groups) : '';
      this.up = false;
      this.log(
        `${init ? 'Starting with quorum down' : 'Lost quorum'} ${vs.quorum}-${vs.hysteresis}=${threshold} > ${weightSum} for VS ${vsName}`,
        vsFifoLine(vsName, false),
        this.trap(alive),
      );
      if (sorry) {
        this.log(`${sorry.inhibit ? 'Enabling' : 'Adding'} sorry server ${sorryName} to VS ${vsName}`);
        this.log(`Removing alive servers from the pool for VS ${vsName}`);
      }
      this.notify(vs.quorumDown, 'down');
      this.alert(init ? 'Starting with quorum down' : 'Lost quorum', threshold, weightSum);
    }
  }

  /** do_vs_notifies' mail: "+" and "<=" whichever way the quorum went, as keepalived writes it. */
  private alert(what: string, threshold: number, weightSum: number): void {
    const { vs } = this;
    if (!vs.smtpAlert) return;
    this.events.push({ message: '', notify: null, alert: { vsName: this.vsName, up: this.up, body: `=> ${what} ${vs.quorum}+${vs.hysteresis}=${threshold} <= ${weightSum} <=` } });
  }

  /** A log line; `fifo`: do_vs_notifies' FIFO line, carried by the quorum line, with its notification. */
  private log(message: string, fifo?: string, trap?: PoolTrap): void {
    this.events.push({ message, notify: null, ...(fifo ? { fifo } : {}), ...(trap ? { trap } : {}) });
  }

  /** do_vs_notifies' virtualServerQuorumStateChange, the quorum as it now is. */
  private trap(alive: readonly boolean[]): PoolTrap {
    return { vs: this.vs, rs: null, alive: false, quorum: this.up ? 1 : 2, realUp: countUp(alive) };
  }

  private notify(script: string[] | null, which: 'up' | 'down'): void {
    if (script) this.events.push({ message: '', notify: script, ...runAsOf(this.vs.quorumRunAs, which) });
  }
}

/** One kernel service of a virtual server, with the port its non-NAT destinations take. */
interface ExpandedService {
  template: Omit<IpvsService, 'destinations'>;
  /** The service's port (0 for fwmark): DR/TUN destinations use it, as keepalived does. */
  port: number;
}

/** The kernel services a virtual server stands for (group expansion included). */
export function expandServices(vs: VirtualServer, groups: readonly VirtualServerGroup[]): ExpandedService[] {
  const key = vs.key;
  if (key.kind === 'addr') {
    return [expanded(vs, { af: key.family, protocol: PROTOCOL_NUMBER[vs.protocol], address: key.address, port: key.port }, true)];
  }
  if (key.kind === 'fwmark') return [expanded(vs, { af: key.family, fwmark: key.fwmark }, false)];
  const group = groups.find((g) => g.name === key.group);
  if (!group) return [];
  if (vs.autoFwmark !== undefined) {
    // nftables_ipvs: one fwmark service; a group of both families (a service of none) gets one per family.
    const families: (4 | 6)[] = key.family !== null ? [key.family] : group.entries.some((e) => e.family === 6) && group.entries.some((e) => e.family === 4) ? [4, 6] : [4];
    return families.map((af) => expanded(vs, { af, fwmark: vs.autoFwmark! }, false));
  }
  // A group's fwmark entry has its own family, else the service's (ip_family or its servers'), else IPv4.
  const family = key.family ?? 4;
  const hasAddresses = group.entries.some((e) => e.kind !== 'fwmark');
  const out: ExpandedService[] = [];
  for (const e of group.entries) {
    if (e.kind === 'fwmark') out.push(expanded(vs, { af: e.family ?? family, fwmark: e.fwmark }, hasAddresses));
    else {
      const addresses = e.kind === 'addr' ? [e.address] : expandRange(e.address, e.family, e.last);
      for (const address of addresses) {
        out.push(expanded(vs, { af: e.family, protocol: PROTOCOL_NUMBER[vs.protocol], address, port: e.port }, true));
      }
    }
  }
  return out;
}

/**
 * keepalived's IP range `A.B.C.D-E`: D..E in the last octet (IPv4) or the last 16-bit group
 * (IPv6, written in hex). `last` is E.
 */
export function expandRange(first: string, family: 4 | 6, last: number): string[] {
  const out: string[] = [];
  if (family === 4) {
    const octets = ipaddr.IPv4.parse(first).octets.slice();
    for (let v = octets[3]; v <= Math.min(last, 255); v++) {
      octets[3] = v;
      out.push(octets.join('.'));
    }
  } else {
    const parts = ipaddr.IPv6.parse(first).parts.slice();
    for (let v = parts[7]; v <= Math.min(last, 0xffff); v++) {
      parts[7] = v;
      out.push(new ipaddr.IPv6(parts).toString());
    }
  }
  return out.length > 0 ? out : [first];
}

/**
 * ipvs_set_srule(): flags, persistence and netmask of one service.
 * `addressBased`: keepalived resets `ops` for TCP/SCTP services addressed by IP (it only means
 * something for UDP or fwmark), and makes a port-0 address service persistent.
 */
function expanded(vs: VirtualServer, key: IpvsServiceKey, addressBased: boolean): ExpandedService {
  const af = key.af;
  let flags = 0;
  if (vs.hashed) flags |= IP_VS_SVC_F_HASHED;
  if (vs.ops && !(addressBased && vs.protocol !== 'UDP')) flags |= IP_VS_SVC_F_ONEPACKET;
  if (vs.schedFlags.flag1) flags |= IP_VS_SVC_F_SCHED1;
  if (vs.schedFlags.flag2) flags |= IP_VS_SVC_F_SCHED2;
  if (vs.schedFlags.flag3) flags |= IP_VS_SVC_F_SCHED3;
  const port = 'port' in key ? key.port : 0;
  let timeout = vs.persistenceTimeout ?? 0;
  if (timeout === 0 && 'port' in key && port === 0) timeout = DEFAULT_PERSISTENCE_S;
  let netmask = af === 6 ? 128 : 0xffffffff;
  if (timeout > 0) {
    flags |= IP_VS_SVC_F_PERSISTENT;
    if (vs.persistenceGranularity !== null) netmask = parseGranularity(vs.persistenceGranularity, af);
  }
  const template: ExpandedService['template'] = { key, scheduler: vs.lvsSched, flags, timeout, netmask };
  if (vs.persistenceEngine) template.peName = vs.persistenceEngine;
  return { template, port };
}

/**
 * persistence_granularity as the kernel's netmask: IPv4 as the mask's 32-bit value read
 * big-endian (255.255.255.0 → 0xffffff00), IPv6 as a prefix length.
 */
export function parseGranularity(text: string, af: 4 | 6): number {
  const t = text.trim().replace(/^\//, '');
  if (/^\d+$/.test(t)) {
    const bits = Number(t);
    if (af === 6) return bits;
    return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  }
  const bytes = ipaddr.IPv4.parse(t).toByteArray();
  return ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
}

/**
 * The destinations of one service: live servers at their weight; dead or quorum-displaced
 * inhibited servers at weight 0; the sorry server when the quorum is lost (weight 1), or at
 * weight 0 with sorry_server_inhibit otherwise.
 */
function destinations(vs: VirtualServer, alive: readonly boolean[], quorumUp: boolean, svc: ExpandedService, weights: readonly number[]): IpvsDestination[] {
  const sorry = vs.sorryServer;
  const sorryActive = sorry !== null && !quorumUp;
  const out: IpvsDestination[] = [];
  const rss = vs.realServers;
  for (let i = 0; i < rss.length; i++) {
    const rs = rss[i];
    let weight: number;
    if (alive[i] && !sorryActive) weight = weights[i];
    else if (rs.inhibitOnFailure) weight = 0;
    else continue;
    out.push(dest(rs.address, rs.family, rs.port, rs.lvsMethod, svc, weight, rs.uthreshold, rs.lthreshold));
  }
  if (sorry && (sorryActive || sorry.inhibit)) {
    const family: 4 | 6 = sorry.address.includes(':') ? 6 : 4;
    const d = dest(sorry.address, family, sorry.port, sorry.lvsMethod, svc, sorryActive ? 1 : 0, 0, 0);
    const same = out.findIndex((o) => o.address === d.address && o.port === d.port);
    // A sorry server that is also a real server (s_svr_duplicates_rs) keeps the real entry while the quorum holds.
    if (same < 0) out.push(d);
    else if (sorryActive) out[same] = d;
  }
  return out;
}

/** Destination port as ipvs_cmd() sends it: NAT keeps the server's port; DR/TUN take the service's. */
function dest(
  address: string, af: 4 | 6, port: number, method: LvsMethod, svc: ExpandedService,
  weight: number, upperThreshold: number, lowerThreshold: number,
): IpvsDestination {
  const destPort = method === 'NAT' ? port || svc.port : svc.port;
  return { address, af, port: destPort, forward: FORWARD_OF_METHOD[method], weight, upperThreshold, lowerThreshold };
}

/**
 * What keepalived logs and runs when it stops (ipwrapper.c clear_services): per real server still
 * in the table `Shutting down [(inhibited) ]service RS from VS VS` unless lvs_flush_on_stop
 * flushes, and — only with `omega` — the notify_down of live servers and the quorum_down script.
 * The kernel side of stopping is reconcile.ts teardown().
 */
export function shutdownEvents(input: DesiredInput, state: PoolState, lvsFlushOnStop: 'off' | 'all' | 'vs'): PoolEvent[] {
  const groups = input.virtualServerGroups;
  const segments = input.virtualServers.map((vs) => {
    const own: PoolEvent[] = [];
    clearServiceVs(own, vs, state.pools.get(virtualServerId(vs, groups)), groups, true, lvsFlushOnStop);
    return own;
  });
  // a service several virtual servers programmed: the later ones' deletes find it gone
  if (lvsFlushOnStop !== 'all' && state.shared) {
    for (const [k, { key, owners }] of sharedOwners(input, state.shared)) {
      const shared = state.shared.get(k)!;
      if (owners.length !== shared.owners.length) continue;
      stopLines(key, shared, lvsFlushOnStop).forEach((l, n) => placeLines(segments[owners[n]], l));
    }
  }
  return segments.flat();
}

/**
 * What keepalived logs, runs and mails for what a reload takes away (ipwrapper.c
 * clear_diff_services): a virtual server no longer configured is cleared as at stop but
 * "Removing", its live real servers' notify_down run and "=> Removing <=" mailed whatever
 * `omega` says, and its quorum, if it had it, lost; a real server gone from a virtual server that
 * stays is "no longer exist" and cleared the same way.
 */
export function removalEvents(old: DesiredInput, next: DesiredInput, state: PoolState, lvsFlushOnStop: 'off' | 'all' | 'vs'): PoolEvent[] {
  const events: PoolEvent[] = [];
  const kept = new Map(next.virtualServers.map((vs) => [virtualServerId(vs, next.virtualServerGroups), vs]));
  for (const vs of old.virtualServers) {
    const id = virtualServerId(vs, old.virtualServerGroups);
    const pool = state.pools.get(id);
    // vs_exist(): every old copy finds the first new one
    const now = kept.get(firstCopyId(vs, old.virtualServerGroups));
    const vsName = formatVirtualServer(vs, old.virtualServerGroups);
    if (!now) {
      events.push({ message: vs.key.kind === 'group' ? `Removing Virtual Server Group [${vs.key.group}]` : `Removing Virtual Server ${vsName}`, notify: null });
      clearServiceVs(events, vs, pool, old.virtualServerGroups, false, lvsFlushOnStop);
      continue;
    }
    const stays = new Set(now.realServers.map((rs) => `${rs.address} ${rs.port}`));
    const sorryActive = vs.sorryServer !== null && pool?.quorumUp === false;
    vs.realServers.forEach((rs, i) => {
      if (stays.has(`${rs.address} ${rs.port}`)) return;
      events.push({ message: `service ${formatRealServer(rs, vs, old.virtualServerGroups)} no longer exist`, notify: null });
      clearServiceRs(events, vs, rs, previousAlive(pool, rs, i) ?? false, sorryActive, vsName, old.virtualServerGroups, false, () => countUp(vs.realServers.map((r, k) => k !== i && (previousAlive(pool, r, k) ?? false))));
    });
  }
  return events;
}

/** clear_service_vs: each real server (unless the table is flushed), then update_vs_notifies. */
function clearServiceVs(events: PoolEvent[], vs: VirtualServer, pool: VsPoolState | undefined, groups: readonly VirtualServerGroup[], stopping: boolean, lvsFlushOnStop: 'off' | 'all' | 'vs'): void {
  const vsName = formatVirtualServer(vs, groups);
  const sorryActive = vs.sorryServer !== null && pool?.quorumUp === false;
  // (keepalived unsets each live server as it clears it: the notifications count the others)
  const alive = vs.realServers.map((rs, i) => previousAlive(pool, rs, i) ?? false);
  if (lvsFlushOnStop === 'off') {
    vs.realServers.forEach((rs, i) => clearServiceRs(events, vs, rs, alive[i], sorryActive, vsName, groups, stopping, () => {
      alive[i] = false;
      return countUp(alive);
    }));
  }
  // update_vs_notifies: every real server is out now (weight 0), so a quorum held is lost; at
  // stop the notifiers run (with omega) whatever the quorum was, and the notification is sent
  // whatever omega says (quorum state 3, stopping)
  if (!stopping && pool?.quorumUp !== true) return;
  const trap: PoolTrap = { vs, rs: null, alive: false, quorum: stopping ? 3 : 2, realUp: countUp(alive) };
  if (stopping && !vs.omega) {
    events.push({ message: '', notify: null, trap });
    return;
  }
  // do_vs_notifies: the notification, quorum_down's script, then the FIFO line
  events.push({ message: '', notify: vs.quorumDown, ...(vs.quorumDown ? runAsOf(vs.quorumRunAs, 'down') : {}), fifo: vsFifoLine(vsName, false), trap });
  // keepalived's code mails "=> Shutting down <=" at stop too, but Debian's 2.2.7 sends nothing
  // then (its process is gone first: test/integration/rs-scripts.vm.test.ts), so neither does halo
  if (vs.smtpAlert && !stopping) {
    events.push({ message: '', notify: null, alert: { vsName, up: false, body: `=> Lost quorum ${vs.quorum}+${vs.hysteresis}=${vs.quorum - vs.hysteresis} <= 0 <=` } });
  }
}

/** clear_service_rs: the line for a server in the table (or any at stop); for a live one, notify_down and the mail. */
function clearServiceRs(
  events: PoolEvent[], vs: VirtualServer, rs: RealServer, alive: boolean, sorryActive: boolean, vsName: string, groups: readonly VirtualServerGroup[], stopping: boolean,
  /** Marks the server down; how many of the service's servers are still alive. */
  unset: () => number,
): void {
  const inTable = (alive && !sorryActive) || rs.inhibitOnFailure;
  const rsName = formatRealServer(rs, vs, groups);
  if (inTable || stopping) {
    events.push({ message: `${stopping ? 'Shutting down' : 'Removing'} ${rs.inhibitOnFailure && !alive ? '(inhibited) ' : ''}service ${rsName} from VS ${vsName}`, notify: null });
  }
  if (!inTable || !alive) return;
  const trap: PoolTrap = { vs, rs, alive: false, quorum: 2, realUp: unset() };
  // "In Omega mode we call VS and RS down notifiers all the way down the exit" (the notification goes out whatever omega says)
  if (stopping && !vs.omega) {
    events.push({ message: '', notify: null, trap });
    return;
  }
  // do_rs_notifies: notify_down's script, then the FIFO line
  events.push({ message: '', notify: rs.notifyDown, ...(rs.notifyDown ? runAsOf(rs.notifyRunAs, 'down') : {}), fifo: rsFifoLine(rsName, vsName, false), trap });
  if (rs.smtpAlert && !stopping) events.push({ message: '', notify: null, rsAlert: { rsName, vsName, body: '=> Removing <=' } });
}
