/**
 * VRRP-MIB (RFC 2787, 1.3.6.1.2.1.68) as keepalived 2.2.7 serves it (`enable_snmp_rfcv2`, or
 * `enable_snmp_rfc` beside VRRPv3-MIB; Debian's build has both MIBs): a pure function from the
 * VRRP instances to the sorted (OID, type, value) list the subagent answers from.
 *
 * keepalived's choices, kept so that `snmpwalk` shows the same thing for the same config:
 *  - a row is an instance of VRRP version 2 (a build with VRRPv3-MIB leaves version 3 ones to
 *    it), IPv4, with at least one virtual_ipaddress; rows are indexed (ifIndex, VRID), the
 *    associated addresses by the same plus the address's four bytes;
 *  - vrrpOperTable and vrrpRouterStatsTable show the lowest row only, and only to GetNext: in
 *    keepalived's snmp_rfcv2_header_list_table the test meant to skip interfaces below the
 *    requested one, `vrrp->ifp ? IF_BASE_INDEX(vrrp->ifp) : 0 < target[0]`, parses as
 *    `ifp ? ifindex : (0 < target[0])` and skips every instance as soon as the request names a
 *    row, so a walk gets the first row of each column and then the next column, and a Get of any
 *    row gets no object. vrrpAssoIpAddrTable (another search) lists every address of every row;
 *  - vrrpOperVirtualMacAddr is the interface's MAC; vrrpOperMasterIpAddr the source of the last
 *    advert heard as BACKUP (0.0.0.0 before any, kept while MASTER); vrrpOperPriority the base
 *    priority; vrrpOperAdvertisementInterval whole seconds (advert_int 0.5 shows 0);
 *    vrrpOperAuthType keepalived's auth_type + 1; vrrpOperAuthKey is never readable (no object);
 *    vrrpOperVirtualRouterUpTime is the time from the start of the VRRP process to the
 *    instance's start, while BACKUP or MASTER (0 otherwise); AdminState, Protocol and RowStatus
 *    are 1;
 *  - vrrpNodeVersion is 2, vrrpNotificationCntl is disabled(2) (halo sends no notifications);
 *  - the three error scalars total the rows' instances; the statistics columns are Counter32.
 */
import * as ipaddr from 'ipaddr.js';
import {
  ADDR_LIST, ADV_INT, CHECKSUM, compareOids, INVALID_TYPE, macBytes, PACKET_LENGTH, SnmpType, sum, truth, TTL, Varbind,
  mibColumns, VERSION, VRID, Vrrpv3Instance,
} from './vrrpv3-mib';

export const VRRP_MIB = [1, 3, 6, 1, 2, 1, 68];

/** The objects keepalived registers (see VRRPV3_MIB_OBJECTS), vrrpOperAuthKey among them. */
export const VRRP_MIB_OBJECTS: number[][] = [
  ...mibColumns(VRRP_MIB, [1], 1, 2),
  ...mibColumns(VRRP_MIB, [1, 3, 1], 2, 15),
  [...VRRP_MIB, 1, 4, 1, 2],
  ...mibColumns(VRRP_MIB, [2], 1, 3),
  ...mibColumns(VRRP_MIB, [2, 4, 1], 1, 12),
];

/** keepalived's auth counters, from halo's drop reasons. */
const AUTH_FAILURE = ['auth-mismatch', 'ah-bad-icv', 'ah-bad-spi', 'ah-replay'];
const INVALID_AUTH_TYPE = ['bad-auth-type'];
const AUTH_TYPE_MISMATCH = ['auth-type-mismatch'];

const AUTH_TYPE = { NONE: 1, PASS: 2, AH: 3 } as const;

/** RFC 2787 rows: keepalived's suitable_for_rfc2787 (with VRRPv3-MIB in the build). */
export function rfc2787Rows(instances: Vrrpv3Instance[]): Vrrpv3Instance[] {
  return instances.filter((i) => i.version === 2 && !i.primaryAddress.includes(':') && i.vips.length > 0);
}

const ip = (a: string | null): Buffer => Buffer.from(ipaddr.parse(a ?? '0.0.0.0').toByteArray());

/**
 * The whole VRRP-MIB for these instances, sorted by OID. `processStartedAtMs`: when the VRRP
 * process started (keepalived's snmp_vrrp_start_time), on the instances' clock.
 */
export function vrrpMibVarbinds(instances: Vrrpv3Instance[], processStartedAtMs: number): Varbind[] {
  const out: Varbind[] = [];
  const rows = rfc2787Rows(instances)
    .map((i) => ({ i, index: [i.ifIndex, i.vrid] }))
    .sort((a, b) => compareOids(a.index, b.index));
  const scalar = (sub: number[], type: SnmpType, value: number) => out.push({ oid: [...VRRP_MIB, ...sub, 0], type, value });
  // (keepalived's tables: the lowest row, GetNext only; see above)
  const first = rows.slice(0, 1);
  const column = (prefix: number[], c: number, type: SnmpType, value: (i: Vrrpv3Instance) => number | Buffer) => {
    for (const { i, index } of first) out.push({ oid: [...VRRP_MIB, ...prefix, c, ...index], type, value: value(i), nextOnly: true });
  };
  // vrrpOperations (1): vrrpNodeVersion, vrrpNotificationCntl
  scalar([1, 1], SnmpType.Integer, 2);
  scalar([1, 2], SnmpType.Integer, 2);
  // vrrpOperTable (1.3.1.<col>)
  const oper = [1, 3, 1];
  column(oper, 2, SnmpType.OctetString, (i) => macBytes(i.mac));
  column(oper, 3, SnmpType.Integer, (i) => (i.state === 'MASTER' ? 3 : i.state === 'BACKUP' ? 2 : 1));
  column(oper, 4, SnmpType.Integer, () => 1);
  column(oper, 5, SnmpType.Integer, (i) => i.basePriority);
  column(oper, 6, SnmpType.Integer, (i) => i.vips.length);
  column(oper, 7, SnmpType.IpAddress, (i) => ip(i.heardMaster));
  column(oper, 8, SnmpType.IpAddress, (i) => ip(i.primaryAddress));
  column(oper, 9, SnmpType.Integer, (i) => AUTH_TYPE[i.authType]);
  column(oper, 11, SnmpType.Integer, (i) => Math.floor(i.advertIntMs / 1000));
  column(oper, 12, SnmpType.Integer, (i) => truth(i.preempt));
  column(oper, 13, SnmpType.TimeTicks, (i) =>
    i.state === 'BACKUP' || i.state === 'MASTER' ? Math.max(0, Math.floor((i.startedAtMs - processStartedAtMs) / 10)) : 0);
  column(oper, 14, SnmpType.Integer, () => 1);
  column(oper, 15, SnmpType.Integer, () => 1);
  // vrrpAssoIpAddrTable (1.4.1.2): RowStatus per address
  const assoc: Varbind[] = [];
  for (const { i, index } of rows)
    for (const a of i.vips) assoc.push({ oid: [...VRRP_MIB, 1, 4, 1, 2, ...index, ...ip(a)], type: SnmpType.Integer, value: 1 });
  out.push(...assoc.sort((a, b) => compareOids(a.oid, b.oid)));
  // vrrpStatistics (2): the error scalars, then vrrpRouterStatsTable (2.4.1.<col>)
  const total = (reasons: string[]) => rows.reduce((n, { i }) => n + sum(i.drops, reasons), 0);
  scalar([2, 1], SnmpType.Counter32, total(CHECKSUM));
  scalar([2, 2], SnmpType.Counter32, total(VERSION));
  scalar([2, 3], SnmpType.Counter32, total(VRID));
  const stats = [2, 4, 1];
  const counted = (c: number, reasons: string[]) => column(stats, c, SnmpType.Counter32, (i) => sum(i.drops, reasons));
  column(stats, 1, SnmpType.Counter32, (i) => i.becameMaster);
  column(stats, 2, SnmpType.Counter32, (i) => i.advertsReceived);
  counted(3, ADV_INT);
  counted(4, AUTH_FAILURE);
  counted(5, TTL);
  column(stats, 6, SnmpType.Counter32, (i) => i.priorityZeroReceived);
  column(stats, 7, SnmpType.Counter32, (i) => i.priorityZeroSent);
  counted(8, INVALID_TYPE);
  counted(9, ADDR_LIST);
  counted(10, INVALID_AUTH_TYPE);
  counted(11, AUTH_TYPE_MISMATCH);
  counted(12, PACKET_LENGTH);
  return out;
}
