/**
 * VRRPv3-MIB (RFC 6527, 1.3.6.1.2.1.207) as keepalived 2.2.7 serves it (vrrp_snmp.c with
 * SNMP_V3_FOR_V2, Debian's build): a pure function from the VRRP instances to the sorted list of
 * (OID, type, value) the subagent answers Get/GetNext/GetBulk from.
 *
 * keepalived's choices, kept so that `snmpwalk` shows the same thing for the same config:
 *  - every instance with at least one virtual_ipaddress is a row, VRRP v2 ones included;
 *  - rows are indexed by (ifIndex, VRID, InetAddressType) and the associated addresses by the
 *    same plus the address's bytes *without* a length sub-identifier;
 *  - MasterIpAddr is the interface's primary address while MASTER, else the last master's
 *    source (0.0.0.0 before any); VirtualMacAddr is the interface's MAC; Priority is the base
 *    priority; UpTime counts centiseconds since the instance started while it is BACKUP or
 *    MASTER (0 otherwise); RowStatus is active; discontinuity times are 0; RefreshRate is the
 *    advert interval in ms.
 */
import * as ipaddr from 'ipaddr.js';
export const VRRPV3_MIB = [1, 3, 6, 1, 2, 1, 207];

export const mibColumns = (root: number[], table: number[], from: number, to: number): number[][] =>
  Array.from({ length: to - from + 1 }, (_, k) => [...root, ...table, from + k]);

/**
 * The objects keepalived registers (columns and scalars, without instance sub-identifiers): a Get
 * under one of them that finds no instance is noSuchInstance, elsewhere noSuchObject.
 */
export const VRRPV3_MIB_OBJECTS: number[][] = [
  ...mibColumns(VRRPV3_MIB, [1, 1, 1, 1], 3, 13),
  [...VRRPV3_MIB, 1, 1, 2, 1, 2],
  ...mibColumns(VRRPV3_MIB, [1, 2], 1, 4),
  ...mibColumns(VRRPV3_MIB, [1, 2, 5, 1], 1, 13),
];


/** SNMP types as AgentX numbers them (RFC 2741 §5.4). */
export const enum SnmpType {
  Integer = 2,
  OctetString = 4,
  IpAddress = 64,
  Counter32 = 65,
  Gauge32 = 66,
  TimeTicks = 67,
  Counter64 = 70,
}

export interface Varbind {
  oid: number[];
  type: SnmpType;
  value: number | bigint | Buffer;
  /** Reached by GetNext/GetBulk only: a Get of it finds nothing (keepalived's VRRP-MIB tables). */
  nextOnly?: boolean;
}

export type MasterReason = 'notMaster' | 'priority' | 'preempted' | 'masterNoResponse';
const MASTER_REASON: Record<MasterReason, number> = { notMaster: 0, priority: 1, preempted: 2, masterNoResponse: 3 };

/** One VRRP instance as the MIB sees it. */
export interface Vrrpv3Instance {
  /** The vrrp_instance's name (not in the MIBs: what notifications are sent for). */
  name: string;
  ifIndex: number;
  vrid: number;
  state: 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT';
  /** The interface's primary IPv4 address. */
  primaryAddress: string;
  /** The source of its adverts (unicast_src_ip, else the primary address): keepalived's saddr. */
  srcAddress: string;
  /** Source of the last advert of another master, null before any. */
  lastMasterAddress: string | null;
  mac: string | null;
  basePriority: number;
  /** virtual_ipaddress (not the excluded ones), IPv4. */
  vips: string[];
  advertIntMs: number;
  preempt: boolean;
  accept: boolean;
  /** When the instance started (ms, same clock as `now`). */
  startedAtMs: number;
  becameMaster: number;
  masterReason: MasterReason;
  advertsReceived: number;
  priorityZeroReceived: number;
  priorityZeroSent: number;
  /** Drop counters by halo reason code (src/vrrp/rejection.ts). */
  drops: Record<string, number>;
  /** The rest is for VRRP-MIB (RFC 2787, vrrp-mib.ts). */
  version: 2 | 3;
  authType: 'NONE' | 'PASS' | 'AH';
  /** Source of the last advert heard as BACKUP (keepalived's master_saddr), null before any. */
  heardMaster: string | null;
}

/** Address bytes, IPv4 or IPv6 (an IPv6 instance's rows are indexed with InetAddressType ipv6(2)). */
const ipv4 = (a: string): number[] => ipaddr.parse(a).toByteArray();
const ipBytes = (a: string): Buffer => Buffer.from(ipv4(a));
export const macBytes = (m: string | null): Buffer => (m ? Buffer.from(m.split(':').map((h) => parseInt(h, 16))) : Buffer.alloc(0));
export const truth = (b: boolean): number => (b ? 1 : 2);
export const sum = (d: Record<string, number>, reasons: string[]): number => reasons.reduce((n, r) => n + (d[r] ?? 0), 0);

/** keepalived's counters, from halo's drop reasons (shared with VRRP-MIB, vrrp-mib.ts). */
export const CHECKSUM = ['bad-checksum'];
export const VERSION = ['bad-version', 'version-mismatch'];
export const VRID = ['vrid-mismatch'];
export const TTL = ['bad-ttl'];
export const ADV_INT = ['adver-int-mismatch'];
export const INVALID_TYPE = ['bad-type'];
export const ADDR_LIST = ['addr-count-mismatch', 'addr-list-mismatch', 'wrong-group'];
export const PACKET_LENGTH = ['too-short', 'bad-length', 'bad-ip-total-length'];

/** vrrpv3StatisticsProtoErrReason: the kind of protocol error seen (keepalived keeps the latest). */
function protoErrReason(d: Record<string, number>): number {
  if (sum(d, VRID) > 0) return 4;
  if (sum(d, CHECKSUM) > 0) return 3;
  if (sum(d, VERSION) > 0) return 2;
  if (sum(d, TTL) > 0) return 1;
  return 0;
}

export function compareOids(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return a.length - b.length;
}

/** The whole VRRPv3-MIB for these instances at `nowMs`, sorted by OID. */
export function vrrpv3Varbinds(instances: Vrrpv3Instance[], nowMs: number): Varbind[] {
  const out: Varbind[] = [];
  const rows = instances
    .filter((i) => i.vips.length > 0)
    .map((i) => ({ i, index: [i.ifIndex, i.vrid, i.primaryAddress.includes(':') ? 2 : 1] }))
    .sort((a, b) => compareOids(a.index, b.index));
  const col = (prefix: number[], c: number, index: number[], type: SnmpType, value: number | bigint | Buffer) =>
    out.push({ oid: [...VRRPV3_MIB, ...prefix, c, ...index], type, value });
  // vrrpv3OperationsTable (1.1.1.1.<col>)
  const ops = [1, 1, 1, 1];
  for (const { i, index } of rows) {
    col(ops, 3, index, SnmpType.OctetString, ipBytes(i.state === 'MASTER' ? i.primaryAddress : i.lastMasterAddress ?? (i.primaryAddress.includes(':') ? '::' : '0.0.0.0')));
  }
  for (const { i, index } of rows) col(ops, 4, index, SnmpType.OctetString, ipBytes(i.primaryAddress));
  for (const { i, index } of rows) col(ops, 5, index, SnmpType.OctetString, macBytes(i.mac));
  for (const { i, index } of rows) col(ops, 6, index, SnmpType.Integer, i.state === 'MASTER' ? 3 : i.state === 'BACKUP' ? 2 : 1);
  for (const { i, index } of rows) col(ops, 7, index, SnmpType.Gauge32, i.basePriority);
  for (const { i, index } of rows) col(ops, 8, index, SnmpType.Integer, i.vips.length);
  for (const { i, index } of rows) col(ops, 9, index, SnmpType.Integer, Math.floor(i.advertIntMs / 10));
  for (const { i, index } of rows) col(ops, 10, index, SnmpType.Integer, truth(i.preempt));
  for (const { i, index } of rows) col(ops, 11, index, SnmpType.Integer, truth(i.accept));
  for (const { i, index } of rows) {
    const up = i.state === 'BACKUP' || i.state === 'MASTER';
    col(ops, 12, index, SnmpType.TimeTicks, up ? Math.max(0, Math.floor((nowMs - i.startedAtMs) / 10)) : 0);
  }
  for (const { index } of rows) col(ops, 13, index, SnmpType.Integer, 1);
  // vrrpv3AssociatedIpAddrTable (1.1.2.1.2): RowStatus per address, address bytes unprefixed
  const assoc: Varbind[] = [];
  for (const { i, index } of rows)
    for (const a of i.vips) assoc.push({ oid: [...VRRPV3_MIB, 1, 1, 2, 1, 2, ...index, ...ipv4(a)], type: SnmpType.Integer, value: 1 });
  out.push(...assoc.sort((a, b) => compareOids(a.oid, b.oid)));
  // vrrpv3Statistics scalars (1.2.<n>.0): totals over the rows' instances
  const total = (reasons: string[]) => BigInt(rows.reduce((n, { i }) => n + sum(i.drops, reasons), 0));
  out.push({ oid: [...VRRPV3_MIB, 1, 2, 1, 0], type: SnmpType.Counter64, value: total(CHECKSUM) });
  out.push({ oid: [...VRRPV3_MIB, 1, 2, 2, 0], type: SnmpType.Counter64, value: total(VERSION) });
  out.push({ oid: [...VRRPV3_MIB, 1, 2, 3, 0], type: SnmpType.Counter64, value: total(VRID) });
  out.push({ oid: [...VRRPV3_MIB, 1, 2, 4, 0], type: SnmpType.TimeTicks, value: 0 });
  // vrrpv3StatisticsTable (1.2.5.1.<col>)
  const st = [1, 2, 5, 1];
  const c64 = (n: number) => BigInt(n);
  for (const { i, index } of rows) col(st, 1, index, SnmpType.Counter32, i.becameMaster);
  for (const { i, index } of rows) col(st, 2, index, SnmpType.Integer, MASTER_REASON[i.masterReason]);
  for (const { i, index } of rows) col(st, 3, index, SnmpType.Counter64, c64(i.advertsReceived));
  for (const { i, index } of rows) col(st, 4, index, SnmpType.Counter64, c64(sum(i.drops, ADV_INT)));
  for (const { i, index } of rows) col(st, 5, index, SnmpType.Counter64, c64(sum(i.drops, TTL)));
  for (const { i, index } of rows) col(st, 6, index, SnmpType.Integer, protoErrReason(i.drops));
  for (const { i, index } of rows) col(st, 7, index, SnmpType.Counter64, c64(i.priorityZeroReceived));
  for (const { i, index } of rows) col(st, 8, index, SnmpType.Counter64, c64(i.priorityZeroSent));
  for (const { i, index } of rows) col(st, 9, index, SnmpType.Counter64, c64(sum(i.drops, INVALID_TYPE)));
  for (const { i, index } of rows) col(st, 10, index, SnmpType.Counter64, c64(sum(i.drops, ADDR_LIST)));
  for (const { i, index } of rows) col(st, 11, index, SnmpType.Counter64, c64(sum(i.drops, PACKET_LENGTH)));
  for (const { index } of rows) col(st, 12, index, SnmpType.TimeTicks, 0);
  for (const { i, index } of rows) col(st, 13, index, SnmpType.Gauge32, Math.floor(i.advertIntMs / 10) * 10);
  return out;
}

/** RFC 2741 §7.2.3.2: the first varbind after `start` (at it when `include`), before `end` if given. */
export function getNext(sorted: Varbind[], start: number[], include: boolean, end: number[] | null): Varbind | null {
  for (const v of sorted) {
    const c = compareOids(v.oid, start);
    if (c < 0 || (c === 0 && !include)) continue;
    if (end && end.length > 0 && compareOids(v.oid, end) >= 0) return null;
    return v;
  }
  return null;
}
