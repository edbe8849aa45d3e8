/**
 * KEEPALIVED-MIB's vrrpRouteTable, vrrpRouteNextHopTable and vrrpRuleTable (vrrp_snmp.c
 * vrrp_snmp_route, vrrp_snmp_next_hop, vrrp_snmp_rule) over halo's routes and rules, which hold
 * keepalived's ip_route_t / ip_rule_t values (routes-model.ts).
 */
import { FR_ACT, type IpRoute, type IpRule, type Nexthop } from '../../config/routes-model';
import type { VrrpInstance } from '../../config/model';
import { Column, ipBytes, KeepalivedMibView, SCOPE_NUMBER, Table, text, truth } from './keepalived-mib-table';
import { SnmpType } from './vrrpv3-mib';

/**
 * A route or rule row: static_routes/static_rules under owner 0, then each instance's
 * virtual_routes/virtual_rules (keepalived's vrrp_header_ar_table, as for addresses).
 */
interface Owned<T> {
  x: T;
  set: boolean;
}
function ownedRows<T>(v: KeepalivedMibView, statics: T[], of: (c: VrrpInstance) => T[]): Array<{ index: number[]; row: Owned<T> }> {
  return [
    ...statics.map((x, m) => ({ index: [0, m + 1], row: { x, set: v.staticAddressesSet } })),
    ...v.instances.flatMap((i, k) => of(i.cfg).map((x, m) => ({ index: [k + 1, m + 1], row: { x, set: i.vipsSet } }))),
  ];
}
const familyType = (f: 4 | 6): number => (f === 6 ? 2 : 1);
const lowWord = (n: number | null): number | undefined => (n ? n & 0xffff : undefined);
const highWord = (n: number | null): number | undefined => (n && n >>> 16 ? n >>> 16 : undefined);
const ifName = (dev: string | null): Buffer | undefined => (dev !== null ? text(dev) : undefined);

/** RTAX numbers (linux/rtnetlink.h), for the lock bits. */
const RTAX = { MTU: 2, WINDOW: 3, RTT: 4, RTTVAR: 5, SSTHRESH: 6, CWND: 7, ADVMSS: 8, REORDERING: 9, HOPLIMIT: 10, RTO_MIN: 13 } as const;
/** vrrpRouteType by rtm_type: unicast(1), and the others as KEEPALIVED-MIB numbers them. */
const ROUTE_TYPE: Record<number, number> = { 6: 3, 4: 4, 5: 5, 3: 6, 7: 7, 8: 8, 9: 9, 10: 10, 11: 11 };
/** vrrpRoutePreference by RTA_PREF (ICMPV6_ROUTER_PREF_*: low 3, medium 0, high 1). */
const ROUTE_PREF: Record<number, number> = { 3: 1, 0: 2, 1: 3 };
type RouteRow = Owned<IpRoute>;
const metric = (r: RouteRow, k: keyof IpRoute['metrics']) => r.x.metrics[k] as number | undefined;
/** A metric and its lock column: both present when the metric was given. */
const metricColumns = (col: number, k: keyof IpRoute['metrics'], rtax: number, scale = 1): Column<RouteRow>[] => [
  { col, type: SnmpType.Gauge32, get: (r) => (metric(r, k) !== undefined ? Math.floor(metric(r, k)! / scale) : undefined) },
  { col: col + 1, type: SnmpType.Integer, get: (r) => (metric(r, k) !== undefined ? truth((r.x.lock & (1 << rtax)) !== 0) : undefined) },
];

export const ROUTE_TABLE: Table<RouteRow> = {
  entry: [7, 1],
  rows: (v) => ownedRows(v, v.model.staticRoutes, (c) => c.virtualRoutes),
  columns: [
    { col: 2, type: SnmpType.Integer, get: (r) => familyType(r.x.family) },
    { col: 3, type: SnmpType.OctetString, get: (r) => ipBytes(r.x.dst.address) },
    { col: 4, type: SnmpType.Gauge32, get: (r) => r.x.dst.prefixLen },
    { col: 5, type: SnmpType.OctetString, get: (r) => (r.x.via ? ipBytes(r.x.via.address) : undefined) },
    // a single nexthop (keepalived's "secondary gateway")
    { col: 6, type: SnmpType.OctetString, get: (r) => (r.x.nexthops.length === 1 && r.x.nexthops[0].via ? ipBytes(r.x.nexthops[0].via.address) : undefined) },
    { col: 7, type: SnmpType.OctetString, get: (r) => (r.x.prefSrc !== null ? ipBytes(r.x.prefSrc) : undefined) },
    { col: 8, type: SnmpType.Gauge32, get: (r) => r.x.metric ?? 0 },
    { col: 9, type: SnmpType.Integer, get: (r) => SCOPE_NUMBER[r.x.scope ?? 0] ?? 0 },
    { col: 10, type: SnmpType.Integer, get: (r) => (r.x.nexthops.length > 0 ? 2 : ROUTE_TYPE[r.x.type] ?? 1) },
    { col: 11, type: SnmpType.Integer, get: (r, v) => (r.x.dev !== null ? v.ifindex[r.x.dev] ?? 0 : undefined) },
    { col: 12, type: SnmpType.OctetString, get: (r) => ifName(r.x.dev) },
    { col: 13, type: SnmpType.Gauge32, get: (r) => r.x.table },
    { col: 14, type: SnmpType.Integer, get: (r) => truth(r.set) },
    { col: 15, type: SnmpType.OctetString, get: (r) => (r.x.src ? ipBytes(r.x.src.address) : undefined) },
    { col: 16, type: SnmpType.Gauge32, get: (r) => r.x.src?.prefixLen },
    { col: 17, type: SnmpType.Gauge32, get: (r) => r.x.tos ?? undefined },
    { col: 18, type: SnmpType.Integer, get: (r) => (r.x.protocolSet ? r.x.protocol + 1 : undefined) },
    { col: 19, type: SnmpType.Integer, get: (r) => truth(((metric(r, 'features') ?? 0) & 1) !== 0) },
    { col: 20, type: SnmpType.Integer, get: (r) => truth(metric(r, 'quickack') !== undefined) },
    { col: 21, type: SnmpType.Integer, get: (r) => r.x.expires ?? undefined },
    ...metricColumns(22, 'mtu', RTAX.MTU),
    { col: 24, type: SnmpType.Gauge32, get: (r) => metric(r, 'hoplimit') },
    // vrrpRouteAdvmss: keepalived tests the hoplimit's bit for it (shown when hoplimit is given)
    { col: 25, type: SnmpType.Gauge32, get: (r) => (metric(r, 'hoplimit') !== undefined ? metric(r, 'advmss') ?? 0 : undefined) },
    { col: 26, type: SnmpType.Integer, get: (r) => (metric(r, 'advmss') !== undefined ? truth((r.x.lock & (1 << RTAX.ADVMSS)) !== 0) : undefined) },
    ...metricColumns(27, 'rtt', RTAX.RTT, 8),
    ...metricColumns(29, 'rttvar', RTAX.RTTVAR, 4),
    ...metricColumns(31, 'reordering', RTAX.REORDERING),
    { col: 33, type: SnmpType.Gauge32, get: (r) => metric(r, 'window') },
    ...metricColumns(34, 'cwnd', RTAX.CWND),
    ...metricColumns(36, 'ssthresh', RTAX.SSTHRESH),
    ...metricColumns(38, 'rtoMin', RTAX.RTO_MIN),
    { col: 40, type: SnmpType.Gauge32, get: (r) => metric(r, 'initcwnd') },
    { col: 41, type: SnmpType.Gauge32, get: (r) => metric(r, 'initrwnd') },
    { col: 42, type: SnmpType.OctetString, get: (r) => (r.x.metrics.congctl !== undefined ? text(r.x.metrics.congctl) : undefined) },
    { col: 43, type: SnmpType.Integer, get: (r) => (r.x.pref !== null ? ROUTE_PREF[r.x.pref] ?? 0 : undefined) },
    { col: 44, type: SnmpType.Gauge32, get: (r) => lowWord(r.x.realms) },
    { col: 45, type: SnmpType.Gauge32, get: (r) => highWord(r.x.realms) },
    // 46-54: the encapsulation columns, empty (halo refuses encap)
    { col: 55, type: SnmpType.Integer, get: (r) => (metric(r, 'fastopenNoCookie') !== undefined ? truth(metric(r, 'fastopenNoCookie') !== 0) : undefined) },
  ],
};

/** vrrpRouteNextHopTable: (owner, route, nexthop), routes without nexthops left out. */
export const NEXT_HOP_TABLE: Table<Nexthop> = {
  entry: [11, 1],
  rows: (v) => {
    const owners = [v.model.staticRoutes, ...v.instances.map((i) => i.cfg.virtualRoutes)];
    return owners.flatMap((routes, k) => routes.flatMap((r, m) => r.nexthops.map((nh, n) => ({ index: [k, m + 1, n + 1], row: nh }))));
  },
  columns: [
    { col: 2, type: SnmpType.Integer, get: (nh) => (nh.via ? familyType(nh.via.family) : undefined) },
    { col: 3, type: SnmpType.OctetString, get: (nh) => (nh.via ? ipBytes(nh.via.address) : undefined) },
    { col: 4, type: SnmpType.Integer, get: (nh, v) => (nh.dev !== null ? v.ifindex[nh.dev] ?? 0 : undefined) },
    { col: 5, type: SnmpType.OctetString, get: (nh) => ifName(nh.dev) },
    { col: 6, type: SnmpType.Gauge32, get: (nh) => (nh.hops !== null ? nh.hops + 1 : undefined) },
    { col: 7, type: SnmpType.Integer, get: (nh) => truth((nh.flags & 4) !== 0) },
    { col: 8, type: SnmpType.Gauge32, get: (nh) => lowWord(nh.realms) },
    { col: 9, type: SnmpType.Gauge32, get: (nh) => highWord(nh.realms) },
  ],
};

type RuleRow = Owned<IpRule>;
const ruleAddress = (r: RuleRow) => r.x.to ?? r.x.from;
const toTable = (r: RuleRow): number | undefined => (r.x.action === FR_ACT.TO_TBL ? r.x.table : undefined);
export const RULE_TABLE: Table<RuleRow> = {
  entry: [8, 1],
  rows: (v) => ownedRows(v, v.model.staticRules, (c) => c.virtualRules),
  columns: [
    // (2-5: obsolete, the destination else the source)
    { col: 2, type: SnmpType.OctetString, get: (r) => text(r.x.to ? (r.x.from ? 'both' : 'to') : r.x.from ? 'from' : '') },
    { col: 3, type: SnmpType.Integer, get: (r) => (ruleAddress(r) ? familyType(r.x.family) : undefined) },
    { col: 4, type: SnmpType.OctetString, get: (r) => (ruleAddress(r) ? ipBytes(ruleAddress(r)!.address) : undefined) },
    { col: 5, type: SnmpType.Gauge32, get: (r) => ruleAddress(r)?.prefixLen },
    { col: 6, type: SnmpType.Gauge32, get: toTable },
    { col: 7, type: SnmpType.Integer, get: (r) => truth(r.set) },
    { col: 8, type: SnmpType.Integer, get: (r) => truth(r.x.invert) },
    { col: 9, type: SnmpType.Integer, get: (r) => (r.x.to ? familyType(r.x.family) : undefined) },
    { col: 10, type: SnmpType.OctetString, get: (r) => (r.x.to ? ipBytes(r.x.to.address) : undefined) },
    { col: 11, type: SnmpType.Gauge32, get: (r) => r.x.to?.prefixLen },
    { col: 12, type: SnmpType.Integer, get: (r) => (r.x.from ? familyType(r.x.family) : undefined) },
    { col: 13, type: SnmpType.OctetString, get: (r) => (r.x.from ? ipBytes(r.x.from.address) : undefined) },
    { col: 14, type: SnmpType.Gauge32, get: (r) => r.x.from?.prefixLen },
    { col: 15, type: SnmpType.Gauge32, get: (r) => r.x.tos },
    { col: 16, type: SnmpType.Gauge32, get: (r) => r.x.fwmark ?? undefined },
    { col: 17, type: SnmpType.Gauge32, get: (r) => r.x.fwmask ?? undefined },
    { col: 18, type: SnmpType.Gauge32, get: (r) => lowWord(r.x.realms) },
    { col: 19, type: SnmpType.Gauge32, get: (r) => highWord(r.x.realms) },
    { col: 20, type: SnmpType.OctetString, get: (r) => ifName(r.x.iif) },
    { col: 21, type: SnmpType.OctetString, get: (r) => ifName(r.x.oif) },
    { col: 22, type: SnmpType.Gauge32, get: (r) => (r.x.action === FR_ACT.GOTO ? r.x.gotoTarget ?? 0 : undefined) },
    { col: 23, type: SnmpType.Integer, get: (r) => r.x.action },
    { col: 24, type: SnmpType.Gauge32, get: toTable },
    { col: 25, type: SnmpType.Gauge32, get: (r) => r.x.priority || undefined },
    { col: 26, type: SnmpType.Gauge32, get: (r) => r.x.suppressPrefixLen ?? undefined },
    // 27 vrrpRuleSuppressGroup: keepalived shows the group's name from /etc/iproute2/group
    { col: 27, type: SnmpType.OctetString, get: (r) => (r.x.suppressIfgroup !== null ? text(r.x.suppressIfgroup === 0 ? 'default' : String(r.x.suppressIfgroup)) : undefined) },
    { col: 28, type: SnmpType.Gauge32, get: (r) => (r.x.tunnelId ? Number(r.x.tunnelId >> 32n) : undefined) },
    { col: 29, type: SnmpType.Gauge32, get: (r) => (r.x.tunnelId ? Number(r.x.tunnelId & 0xffffffffn) : undefined) },
    { col: 30, type: SnmpType.Gauge32, get: (r) => r.x.uidRange?.start },
    { col: 31, type: SnmpType.Gauge32, get: (r) => r.x.uidRange?.end },
    { col: 32, type: SnmpType.Integer, get: (r) => (r.x.l3mdev ? 1 : undefined) },
  ],
};

