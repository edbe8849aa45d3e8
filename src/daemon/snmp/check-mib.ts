/**
 * KEEPALIVED-MIB's checker objects (1.3.6.1.4.1.9586.100.5.3) as keepalived 2.2.7 serves them with
 * `enable_snmp_checker` (check/check_snmp.c, Debian's build: 64-bit IPVS stats, tunnel type and
 * checksum columns): a pure function from the virtual servers' configuration, their pools and the
 * kernel's counters to the varbinds the subagent answers from, table-driven as the VRRP part.
 *
 * keepalived's choices kept:
 *  - virtual servers and groups are numbered by list position from 1 (config order, copies of a
 *    virtual server written twice included); a group's members are its fwmark entries first, then
 *    its addresses and ranges, each in config order;
 *  - realServerTable lists a virtual server's sorry server first (realServerType 2), then its
 *    real servers; the sorry server's row has no status, weight, thresholds, action, scripts
 *    or failed-check count, and keepalived's zeroed values for its timing columns;
 *  - timing columns show a value never given as 0, in seconds (cut) and in microseconds;
 *  - virtualServerPersistGranularity is the netmask's four bytes as keepalived holds them, and
 *    virtualServerPersistGranularity6 (…51) the same four bytes read as a host-order number, each
 *    shown unless the service's address is of the other family (so both for fwmark and group
 *    services, whose address is unset);
 *  - the …RateXxxLow columns read a stale counter64 (check_snmp.c returns the wrong variable):
 *    they show its high half, 0 unless a counter passed 2^32; the …High columns the rate >> 32;
 *  - virtualServerStatus: the service is in the kernel (true once started);
 *  - scripts written as keepalived's cmd_str_r writes them (keepalived-mib.ts commandString).
 * The checker notifications (realServerStateChange, virtualServerQuorumStateChange) are built
 * here too: `poolNotification`.
 * Not served: SNMP Set of realServerWeight (halo's agent is read-only: notWritable).
 */
import * as ipaddr from 'ipaddr.js';
import type { Model, RealServer, VirtualServer, VirtualServerGroup, VirtualServerGroupEntry } from '../../config/model';
import { rangeLast } from '../../config/vsg-format';
import { SnmpType, Varbind } from './vrrpv3-mib';
import { Column, inetType, ipBytes, nested, numbered, Scalar, Table, tableVarbinds, text, truth, Value } from './keepalived-mib-table';
import { commandString, KEEPALIVED_GLOBAL, KEEPALIVED_MIB } from './keepalived-mib';
import { trapOid } from './traps';
import type { PoolTrap } from '../../ipvs/desired';
import type { IpvsStats } from '../../ipvs/types';

/** keepalived's CHECK_OID. */
export const KEEPALIVED_CHECK = [...KEEPALIVED_MIB, 3];

/** IPVS counters of a service or destination (ip_vs_stats_user, 64-bit). */
export type CmStats = IpvsStats;

/** A real (or sorry) server as the MIB sees it now. */
export interface CmServer {
  alive: boolean;
  failedChecks: number;
  /** real_weight(effective_weight): the weight with dynamic changes. */
  weight: number;
  stats: CmStats;
  active: number;
  inactive: number;
  persistent: number;
}

export interface CmVirtual {
  cfg: VirtualServer;
  /** In the kernel. */
  alive: boolean;
  quorumUp: boolean;
  stats: CmStats;
  sorry: CmServer | null;
  servers: CmServer[];
}

export interface CheckMibView {
  model: Model;
  virtualServers: CmVirtual[];
  /** Each script's first word as keepalived shows it (command-path.ts). */
  commandPaths: Record<string, string>;
}

const U32 = 0xffffffffn;
const low32 = (n: bigint): number => Number(n & U32);
const high32 = (n: bigint): number => Number((n >> 32n) & U32);

// ---- virtualServerGroupTable, virtualServerGroupMemberTable ----

const GROUP_TABLE: Table<VirtualServerGroup, CheckMibView> = {
  entry: [1, 1],
  rows: (v) => numbered(v.model.virtualServerGroups),
  columns: [{ col: 2, type: SnmpType.OctetString, get: (gr) => text(gr.name) }],
};

/** keepalived keeps a group's fwmarks and its addresses in two lists, walked in that order. */
const members = (gr: VirtualServerGroup): VirtualServerGroupEntry[] => [...gr.entries.filter((e) => e.kind === 'fwmark'), ...gr.entries.filter((e) => e.kind !== 'fwmark')];
type Member = VirtualServerGroupEntry;
const isRange = (e: Member): e is Extract<Member, { kind: 'range' }> => e.kind === 'range' && rangeLast(e) !== ipaddr.parse(e.address).toString();

const GROUP_MEMBER_TABLE: Table<Member, CheckMibView> = {
  entry: [2, 1],
  rows: (v) => nested(v.model.virtualServerGroups, members),
  columns: [
    { col: 2, type: SnmpType.Integer, get: (e) => (e.kind === 'fwmark' ? 1 : isRange(e) ? 3 : 2) },
    { col: 3, type: SnmpType.Gauge32, get: (e) => (e.kind === 'fwmark' ? e.fwmark : undefined) },
    { col: 4, type: SnmpType.Integer, get: (e) => (e.kind === 'fwmark' ? undefined : inetType(e.address)) },
    { col: 5, type: SnmpType.OctetString, get: (e) => (e.kind === 'fwmark' || isRange(e) ? undefined : ipBytes(e.address)) },
    { col: 6, type: SnmpType.OctetString, get: (e) => (isRange(e) ? ipBytes(e.address) : undefined) },
    { col: 7, type: SnmpType.OctetString, get: (e) => (isRange(e) ? ipBytes(rangeLast(e)) : undefined) },
    { col: 8, type: SnmpType.Gauge32, get: (e) => (e.kind === 'fwmark' ? undefined : e.port) },
  ],
};

// ---- virtualServerTable ----

const SCHEDULER: Record<string, number> = { rr: 1, wrr: 2, lc: 3, lblc: 5, lblcr: 6, dh: 7, sh: 8, sed: 9, nq: 10, fo: 11, ovf: 12, mh: 13, twos: 14, wlc: 4 };
const METHOD: Record<string, number> = { NAT: 1, DR: 2, TUN: 3 };
const PROTOCOL: Record<string, number> = { TCP: 1, UDP: 2, SCTP: 3 };
const sec = (ms: number | null): number => (ms === null ? 0 : Math.floor(ms / 1000));
const usec = (ms: number | null): number => (ms === null ? 0 : Math.round(ms * 1000));

/** The persistence netmask's 4 bytes as keepalived holds them (inet_aton's for IPv4, a host-order prefix length for IPv6). */
function granularityBytes(vs: VirtualServer): Buffer {
  const g = vs.persistenceGranularity;
  const b = Buffer.alloc(4);
  if (g === null) b.writeUInt32LE(0xffffffff);
  else if (/^\d+$/.test(g.trim().replace(/^\//, ''))) b.writeUInt32LE(Number(g.trim().replace(/^\//, '')));
  else Buffer.from(ipaddr.IPv4.parse(g).toByteArray()).copy(b);
  return b;
}
/** keepalived's vs->addr family: unset (0) for fwmark and group services. */
const addrFamily = (vs: VirtualServer): 4 | 6 | 0 => (vs.key.kind === 'addr' ? vs.key.family : 0);
const family = (vs: VirtualServer): 4 | 6 => (vs.key.kind === 'addr' || vs.key.kind === 'fwmark' ? vs.key.family : vs.key.family ?? 4);

/** A stats column (Gauge32/Counter32: the low 32 bits; Counter64 whole). */
function statColumns<R>(stats: (r: R) => CmStats, first: { conns: number; pkts: number; bytes: number; rates: number; sixtyFour: number }): Column<R, CheckMibView>[] {
  const RATES = ['cps', 'inpps', 'outpps', 'inbps', 'outbps'] as const;
  return [
    { col: first.conns, type: SnmpType.Gauge32, get: (r) => low32(stats(r).conns) },
    { col: first.pkts, type: SnmpType.Counter32, get: (r) => low32(stats(r).inpkts) },
    { col: first.pkts + 1, type: SnmpType.Counter32, get: (r) => low32(stats(r).outpkts) },
    { col: first.bytes, type: SnmpType.Counter64, get: (r) => stats(r).inbytes },
    { col: first.bytes + 1, type: SnmpType.Counter64, get: (r) => stats(r).outbytes },
    ...RATES.map((k, i): Column<R, CheckMibView> => ({ col: first.rates + i, type: SnmpType.Gauge32, get: (r) => low32(stats(r)[k]) })),
    { col: first.sixtyFour, type: SnmpType.Counter64, get: (r) => stats(r).conns },
    { col: first.sixtyFour + 1, type: SnmpType.Counter64, get: (r) => stats(r).inpkts },
    { col: first.sixtyFour + 2, type: SnmpType.Counter64, get: (r) => stats(r).outpkts },
    // (Low: keepalived's stale counter64, see the header; High: the rate's upper half)
    ...RATES.flatMap((k, i): Column<R, CheckMibView>[] => [
      { col: first.sixtyFour + 3 + 2 * i, type: SnmpType.Gauge32, get: (r) => high32(stats(r).outpkts) },
      { col: first.sixtyFour + 4 + 2 * i, type: SnmpType.Gauge32, get: (r) => high32(stats(r)[k]) },
    ]),
  ];
}

const vsOf = (r: CmVirtual): VirtualServer => r.cfg;
const vsMib = (vs: VirtualServer) => vs.snmp ?? { retry: null, delayBeforeRetryMs: null, warmupMs: null, connectTimeoutMs: 5000, delayLoopMs: vs.delayLoopMs, virtualhost: null, name: null, weight: 1 };

/** Columns in sub-identifier order (the stats columns are written as a block). */
const byColumn = <R>(cs: Column<R, CheckMibView>[]): Column<R, CheckMibView>[] => cs.sort((a, b) => a.col - b.col);

const VIRTUAL_SERVER_TABLE: Table<CmVirtual, CheckMibView> = {
  entry: [3, 1],
  rows: (v) => numbered(v.virtualServers),
  columns: byColumn<CmVirtual>([
    { col: 2, type: SnmpType.Integer, get: (r) => ({ group: 3, fwmark: 1, addr: 2 })[vsOf(r).key.kind] },
    { col: 3, type: SnmpType.OctetString, get: (r) => { const k = vsOf(r).key; return k.kind === 'group' ? text(k.group) : undefined; } },
    { col: 4, type: SnmpType.Gauge32, get: (r) => { const k = vsOf(r).key; return k.kind === 'fwmark' ? k.fwmark : undefined; } },
    { col: 5, type: SnmpType.Integer, get: (r) => (family(vsOf(r)) === 6 ? 2 : 1) },
    { col: 6, type: SnmpType.OctetString, get: (r) => { const k = vsOf(r).key; return k.kind === 'addr' ? ipBytes(k.address) : undefined; } },
    { col: 7, type: SnmpType.Gauge32, get: (r) => { const k = vsOf(r).key; return k.kind === 'addr' ? k.port : undefined; } },
    { col: 8, type: SnmpType.Integer, get: (r) => (vsOf(r).key.kind === 'fwmark' ? undefined : PROTOCOL[vsOf(r).protocol] ?? 4) },
    { col: 9, type: SnmpType.Integer, get: (r) => SCHEDULER[vsOf(r).lvsSched] ?? 99 },
    { col: 10, type: SnmpType.Integer, get: (r) => METHOD[vsOf(r).lvsMethod] },
    { col: 11, type: SnmpType.Integer, get: (r) => truth(r.alive) },
    { col: 12, type: SnmpType.OctetString, get: (r) => { const h = vsMib(vsOf(r)).virtualhost; return h !== null ? text(h) : undefined; } },
    { col: 13, type: SnmpType.Integer, get: (r) => truth(!!vsOf(r).persistenceTimeout) },
    { col: 14, type: SnmpType.Gauge32, get: (r) => vsOf(r).persistenceTimeout || undefined },
    { col: 15, type: SnmpType.OctetString, get: (r) => (addrFamily(vsOf(r)) === 6 ? undefined : granularityBytes(vsOf(r))) },
    { col: 16, type: SnmpType.Gauge32, get: (r) => sec(vsOf(r).delayLoopMs) },
    { col: 17, type: SnmpType.Integer, get: (r) => truth(vsOf(r).haSuspend) },
    { col: 18, type: SnmpType.Integer, get: (r) => truth(vsOf(r).alpha) },
    { col: 19, type: SnmpType.Integer, get: (r) => truth(vsOf(r).omega) },
    { col: 20, type: SnmpType.Gauge32, get: (r) => r.servers.length },
    { col: 21, type: SnmpType.Gauge32, get: (r) => r.servers.filter((s) => s.alive).length },
    { col: 22, type: SnmpType.Gauge32, get: (r) => vsOf(r).quorum },
    { col: 23, type: SnmpType.Integer, get: (r) => truth(r.quorumUp) },
    { col: 24, type: SnmpType.OctetString, get: (r, v) => commandString(vsOf(r).quorumUp, v.commandPaths) },
    { col: 25, type: SnmpType.OctetString, get: (r, v) => commandString(vsOf(r).quorumDown, v.commandPaths) },
    { col: 26, type: SnmpType.Gauge32, get: (r) => vsOf(r).hysteresis },
    ...statColumns((r: CmVirtual) => r.stats, { conns: 27, pkts: 28, bytes: 30, rates: 32, sixtyFour: 38 }),
    { col: 37, type: SnmpType.Integer, get: (r) => truth(vsOf(r).ops) },
    { col: 51, type: SnmpType.Gauge32, get: (r) => (addrFamily(vsOf(r)) === 4 ? undefined : granularityBytes(vsOf(r)).readUInt32LE()) },
    { col: 52, type: SnmpType.Integer, get: (r) => truth(vsOf(r).hashed) },
    { col: 53, type: SnmpType.Integer, get: (r) => truth(vsOf(r).schedFlags.flag1) },
    { col: 54, type: SnmpType.Integer, get: (r) => truth(vsOf(r).schedFlags.flag2) },
    { col: 55, type: SnmpType.Integer, get: (r) => truth(vsOf(r).schedFlags.flag3) },
    { col: 56, type: SnmpType.Integer, get: (r) => truth(!vsOf(r).inhibitOnFailure) },
    { col: 57, type: SnmpType.Gauge32, get: (r) => vsMib(vsOf(r)).retry ?? 0 },
    { col: 58, type: SnmpType.Gauge32, get: (r) => sec(vsMib(vsOf(r)).delayBeforeRetryMs) },
    { col: 59, type: SnmpType.Gauge32, get: (r) => sec(vsMib(vsOf(r)).warmupMs) },
    { col: 60, type: SnmpType.Integer, get: (r) => vsMib(vsOf(r)).weight },
    { col: 61, type: SnmpType.Integer, get: (r) => truth(vsOf(r).smtpAlert) },
    // mh-fallback and mh-port are the same IPVS flag bits as sh-fallback and sh-port
    { col: 62, type: SnmpType.Integer, get: (r) => truth(vsOf(r).schedFlags.flag1) },
    { col: 63, type: SnmpType.Integer, get: (r) => truth(vsOf(r).schedFlags.flag2) },
    { col: 64, type: SnmpType.Gauge32, get: (r) => usec(vsOf(r).delayLoopMs) },
    { col: 65, type: SnmpType.Gauge32, get: (r) => usec(vsMib(vsOf(r)).delayBeforeRetryMs) },
    { col: 66, type: SnmpType.Gauge32, get: (r) => usec(vsMib(vsOf(r)).warmupMs) },
    { col: 67, type: SnmpType.Gauge32, get: (r) => usec(vsMib(vsOf(r)).connectTimeoutMs) },
    // tunnel type ipip(1): halo refuses the other tunnel types, so no port (69) or checksum (70) either
    { col: 68, type: SnmpType.Integer, get: (r) => (vsOf(r).lvsMethod === 'TUN' ? 1 : undefined) },
    { col: 71, type: SnmpType.OctetString, get: (r) => { const n = vsMib(vsOf(r)).name; return n !== null ? text(n) : undefined; } },
  ]),
};

// ---- realServerTable ----

interface ServerRow {
  vs: CmVirtual;
  /** null: the sorry server. */
  cfg: RealServer | null;
  live: CmServer;
}

const serverRows = (v: CheckMibView) => nested(v.virtualServers, (r): ServerRow[] => [
  ...(r.sorry ? [{ vs: r, cfg: null, live: r.sorry }] : []),
  ...r.servers.map((live, i) => ({ vs: r, cfg: r.cfg.realServers[i], live })),
]);
const address = (s: ServerRow): { address: string; port: number; method: string } => {
  if (s.cfg) return { address: s.cfg.address, port: s.cfg.port, method: s.cfg.lvsMethod };
  const so = s.vs.cfg.sorryServer!;
  return { address: so.address, port: so.port, method: so.lvsMethod };
};
/** A regular real server's column (the sorry server's row leaves it out). */
const real = <T>(f: (rs: RealServer, s: ServerRow) => T | undefined) => (s: ServerRow): T | undefined => (s.cfg ? f(s.cfg, s) : undefined);
/** A timing column: the real server's own else its service's; the sorry server's is zeroed memory. */
const rsMib = (s: ServerRow) => (s.cfg ? s.cfg.snmp ?? { retry: null, delayBeforeRetryMs: null, warmupMs: null, connectTimeoutMs: 5000, delayLoopMs: s.vs.cfg.delayLoopMs, virtualhost: null, name: null } : null);

const REAL_SERVER_TABLE: Table<ServerRow, CheckMibView> = {
  entry: [4, 1],
  rows: serverRows,
  columns: byColumn<ServerRow>([
    { col: 2, type: SnmpType.Integer, get: (s) => truth(s.cfg !== null) },
    { col: 3, type: SnmpType.Integer, get: (s) => inetType(address(s).address) },
    { col: 4, type: SnmpType.OctetString, get: (s) => ipBytes(address(s).address) },
    { col: 5, type: SnmpType.Gauge32, get: (s) => address(s).port },
    { col: 6, type: SnmpType.Integer, get: real((_rs, s) => truth(s.live.alive)) },
    { col: 7, type: SnmpType.Integer, get: real((_rs, s) => s.live.weight) },
    { col: 8, type: SnmpType.Gauge32, get: real((rs) => rs.uthreshold || undefined) },
    { col: 9, type: SnmpType.Gauge32, get: real((rs) => rs.lthreshold || undefined) },
    { col: 10, type: SnmpType.Integer, get: real((rs) => truth(!rs.inhibitOnFailure)) },
    { col: 11, type: SnmpType.OctetString, get: (s, v) => (s.cfg ? commandString(s.cfg.notifyUp, v.commandPaths) : undefined) },
    { col: 12, type: SnmpType.OctetString, get: (s, v) => (s.cfg ? commandString(s.cfg.notifyDown, v.commandPaths) : undefined) },
    { col: 13, type: SnmpType.Gauge32, get: real((_rs, s) => s.live.failedChecks) },
    { col: 14, type: SnmpType.Gauge32, get: (s) => low32(s.live.stats.conns) },
    { col: 15, type: SnmpType.Gauge32, get: (s) => s.live.active },
    { col: 16, type: SnmpType.Gauge32, get: (s) => s.live.inactive },
    { col: 17, type: SnmpType.Gauge32, get: (s) => s.live.persistent },
    ...statColumns((s: ServerRow) => s.live.stats, { conns: 14, pkts: 18, bytes: 20, rates: 22, sixtyFour: 27 }).filter((c) => c.col !== 14),
    { col: 40, type: SnmpType.Integer, get: (s) => METHOD[address(s).method] },
    { col: 41, type: SnmpType.OctetString, get: (s) => { const h = rsMib(s)?.virtualhost ?? null; return h !== null ? text(h) : undefined; } },
    { col: 42, type: SnmpType.Integer, get: (s) => truth(s.cfg?.alpha ?? false) },
    { col: 43, type: SnmpType.Gauge32, get: (s) => rsMib(s)?.retry ?? 0 },
    { col: 44, type: SnmpType.Gauge32, get: (s) => sec(rsMib(s)?.delayBeforeRetryMs ?? null) },
    { col: 45, type: SnmpType.Gauge32, get: (s) => sec(rsMib(s)?.warmupMs ?? null) },
    { col: 46, type: SnmpType.Gauge32, get: (s) => sec(rsMib(s)?.delayLoopMs ?? null) },
    { col: 47, type: SnmpType.Integer, get: (s) => truth(s.cfg?.smtpAlert ?? false) },
    { col: 48, type: SnmpType.Gauge32, get: (s) => usec(rsMib(s)?.delayBeforeRetryMs ?? null) },
    { col: 49, type: SnmpType.Gauge32, get: (s) => usec(rsMib(s)?.warmupMs ?? null) },
    { col: 50, type: SnmpType.Gauge32, get: (s) => usec(rsMib(s)?.delayLoopMs ?? null) },
    { col: 51, type: SnmpType.Gauge32, get: (s) => usec(rsMib(s)?.connectTimeoutMs ?? null) },
    { col: 52, type: SnmpType.Integer, get: (s) => (address(s).method === 'TUN' ? 1 : undefined) },
    { col: 55, type: SnmpType.OctetString, get: (s) => { const n = rsMib(s)?.name ?? null; return n !== null ? text(n) : undefined; } },
  ]),
};

// ---- LVS sync daemon and timeouts (scalars) ----

const gd = (v: CheckMibView) => v.model.globalDefs;
const syncd = (v: CheckMibView) => gd(v).lvsSyncDaemon;
const ifSyncd = <T extends Value>(f: (s: NonNullable<ReturnType<typeof syncd>>) => T | undefined) => (v: CheckMibView): T | undefined => {
  const s = syncd(v);
  return s ? f(s) : undefined;
};

const CHECK_SCALARS: Scalar<CheckMibView>[] = [
  { sub: [6, 1], type: SnmpType.Integer, get: (v) => truth(syncd(v) !== null) },
  { sub: [6, 2], type: SnmpType.OctetString, get: ifSyncd((s) => text(s.interface)) },
  { sub: [6, 3], type: SnmpType.OctetString, get: ifSyncd((s) => (s.instance !== null ? text(s.instance) : undefined)) },
  { sub: [6, 4], type: SnmpType.Integer, get: ifSyncd((s) => s.syncId ?? 0) },
  { sub: [6, 5], type: SnmpType.Integer, get: ifSyncd((s) => s.maxlen ?? 0) },
  { sub: [6, 6], type: SnmpType.Integer, get: ifSyncd((s) => s.port ?? 0) },
  { sub: [6, 7], type: SnmpType.Integer, get: ifSyncd((s) => s.ttl ?? 0) },
  { sub: [6, 8], type: SnmpType.Integer, get: ifSyncd((s) => (s.group !== null ? inetType(s.group) : undefined)) },
  { sub: [6, 9], type: SnmpType.OctetString, get: ifSyncd((s) => (s.group !== null ? ipBytes(s.group) : undefined)) },
  { sub: [7, 1], type: SnmpType.Integer, get: (v) => gd(v).lvsTimeouts.tcp || undefined },
  { sub: [7, 2], type: SnmpType.Integer, get: (v) => gd(v).lvsTimeouts.tcpfin || undefined },
  { sub: [7, 3], type: SnmpType.Integer, get: (v) => gd(v).lvsTimeouts.udp || undefined },
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const CHECK_TABLES: Table<any, CheckMibView>[] = [GROUP_TABLE, GROUP_MEMBER_TABLE, VIRTUAL_SERVER_TABLE, REAL_SERVER_TABLE];

/** The checker objects registered (scalars and columns, without instance sub-identifiers). */
export const KEEPALIVED_CHECK_OBJECTS: number[][] = [
  ...CHECK_TABLES.flatMap((t) => t.columns.map((c) => [...KEEPALIVED_CHECK, ...t.entry, c.col])),
  ...CHECK_SCALARS.map((s) => [...KEEPALIVED_CHECK, ...s.sub]),
];

/** KEEPALIVED-MIB's checker objects for this view, unsorted. */
export function checkMibVarbinds(v: CheckMibView): Varbind[] {
  const out: Varbind[] = [];
  for (const t of CHECK_TABLES) tableVarbinds(KEEPALIVED_CHECK, t, v, out);
  for (const s of CHECK_SCALARS) {
    const value = s.get(v);
    if (value !== undefined) out.push({ oid: [...KEEPALIVED_CHECK, ...s.sub, 0], type: s.type, value });
  }
  return out;
}

/** The LVS side's scripts (quorum_up/down, notify_up/down), for the paths keepalived shows. */
export function lvsScriptCommands(m: Model): string[][] {
  return m.virtualServers.flatMap((vs) => [vs.quorumUp, vs.quorumDown, ...vs.realServers.flatMap((rs) => [rs.notifyUp, rs.notifyDown])])
    .filter((a): a is string[] => !!a && a.length > 0);
}

export type CheckNotification = Array<{ oid: number[]; type: number; value: number | Buffer | string }>;

/**
 * realServerStateChange (…5.3.5.0.1) for a real server's change, virtualServerQuorumStateChange
 * (…5.3.5.0.2) for a quorum's (check_snmp_rs_trap): the objects without an index, as keepalived
 * writes them, and routerId.0. keepalived's quirks: virtualServerProtocol is a TruthValue of
 * "TCP" here (1 TCP, 2 otherwise) and is sent for fwmark services too (2: no protocol).
 */
export function poolNotification(t: PoolTrap, routerId: string): CheckNotification {
  const C = KEEPALIVED_CHECK;
  const vs = t.vs;
  const out: CheckNotification = [trapOid([...C, 5, 0, t.rs ? 1 : 2])];
  if (t.rs) {
    out.push(
      { oid: [...C, 4, 1, 3], type: SnmpType.Integer, value: inetType(t.rs.address) },
      { oid: [...C, 4, 1, 4], type: SnmpType.OctetString, value: ipBytes(t.rs.address) },
      { oid: [...C, 4, 1, 5], type: SnmpType.Gauge32, value: t.rs.port },
      { oid: [...C, 4, 1, 6], type: SnmpType.Integer, value: truth(t.alive) },
    );
  }
  const k = vs.key;
  out.push({ oid: [...C, 3, 1, 2], type: SnmpType.Integer, value: k.kind === 'group' ? 3 : k.kind === 'fwmark' ? 1 : 2 });
  if (k.kind === 'group') out.push({ oid: [...C, 3, 1, 3], type: SnmpType.OctetString, value: text(k.group) });
  else if (k.kind === 'fwmark') out.push({ oid: [...C, 3, 1, 4], type: SnmpType.Gauge32, value: k.fwmark });
  else {
    out.push(
      { oid: [...C, 3, 1, 5], type: SnmpType.Integer, value: inetType(k.address) },
      { oid: [...C, 3, 1, 6], type: SnmpType.OctetString, value: ipBytes(k.address) },
      { oid: [...C, 3, 1, 7], type: SnmpType.Gauge32, value: k.port },
    );
  }
  // (a fwmark service's protocol is unset in keepalived unless written: halo's model cannot tell, so never TCP)
  out.push({ oid: [...C, 3, 1, 8], type: SnmpType.Integer, value: truth(k.kind !== 'fwmark' && vs.protocol === 'TCP') });
  if (!t.rs) {
    out.push({ oid: [...C, 3, 1, 23], type: SnmpType.Integer, value: t.quorum }, { oid: [...C, 3, 1, 22], type: SnmpType.Gauge32, value: vs.quorum });
  }
  out.push(
    { oid: [...C, 3, 1, 21], type: SnmpType.Gauge32, value: t.realUp },
    { oid: [...C, 3, 1, 20], type: SnmpType.Gauge32, value: vs.realServers.length },
    { oid: [...KEEPALIVED_GLOBAL, 2, 0], type: SnmpType.OctetString, value: text(routerId) },
  );
  return out;
}
