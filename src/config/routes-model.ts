/**
 * Routes and policy rules as keepalived 2.2.7 holds them (vrrp_iproute.h ip_route_t,
 * vrrp_iprule.h ip_rule_t): one `virtual_routes`/`static_routes` line is an IpRoute, one
 * `virtual_rules`/`static_rules` line an IpRule. Numbers are the kernel's (rtnetlink), so the
 * codec in src/net/route-codec.ts only lays them out; interfaces stay names until the request.
 */
import type { SourceLocation } from './model';

export interface IpPrefix {
  address: string;
  prefixLen: number;
}

/** A gateway; `family` may differ from the route's (RTA_VIA, e.g. an IPv4 route via IPv6). */
export interface Gateway {
  address: string;
  family: 4 | 6;
}

/**
 * RTA_METRICS members keepalived sets, by RTAX number; the codec writes them in keepalived's
 * order. congctl is the one string (RTAX_CC_ALGO).
 */
export interface RouteMetrics {
  mtu?: number;
  window?: number;
  rtt?: number;
  rttvar?: number;
  ssthresh?: number;
  cwnd?: number;
  advmss?: number;
  reordering?: number;
  hoplimit?: number;
  initcwnd?: number;
  features?: number;
  rtoMin?: number;
  initrwnd?: number;
  quickack?: number;
  congctl?: string;
  fastopenNoCookie?: number;
}

export interface Nexthop {
  via: Gateway | null;
  dev: string | null;
  /** rtnh_hops: the configured weight - 1 (null: not given). */
  hops: number | null;
  /** RTNH_F_ONLINK etc. */
  flags: number;
  realms: number | null;
}

export interface IpRoute {
  family: 4 | 6;
  /** `default`/`any`/`all` is 0.0.0.0/0 (::/0). */
  dst: IpPrefix;
  /** `from` (IPv6 source routing). */
  src: IpPrefix | null;
  /** `src`: RTA_PREFSRC. */
  prefSrc: string | null;
  via: Gateway | null;
  dev: string | null;
  table: number;
  /** rtm_protocol: RTPROT_KEEPALIVED (18) unless `no_track` and a protocol given. */
  protocol: number;
  /** keepalived's IPROUTE_BIT_PROTOCOL: a protocol was given, or the route was to be tracked (its log lines show `proto N`). */
  protocolSet: boolean;
  /** null: RT_SCOPE_UNIVERSE on add, RT_SCOPE_NOWHERE on delete (keepalived's netlink_route). */
  scope: number | null;
  /** rtm_type (RTN_UNICAST = 1 unless given). */
  type: number;
  /** A type was written (it then also goes in a delete request). */
  typeGiven: boolean;
  tos: number | null;
  metric: number | null;
  /** rtm_flags (RTNH_F_ONLINK = 4). */
  flags: number;
  realms: number | null;
  expires: number | null;
  /** RTA_PREF (IPv6 router preference). */
  pref: number | null;
  ttlPropagate: number | null;
  metrics: RouteMetrics;
  /** RTAX_LOCK bits (1 << RTAX_x for each `lock`). */
  lock: number;
  /**
   * keepalived's default is prepend (NLM_F_CREATE only); `add` adds NLM_F_EXCL, `append`
   * NLM_F_APPEND. Debian's keepalived 2.2.7 also makes a route with a type word (blackhole …)
   * `add` (its configuration dump and its requests show it), unless prepend/append follows.
   */
  mode: 'prepend' | 'add' | 'append';
  nexthops: Nexthop[];
  /** no_track: not watched (a deletion by someone else does not move the instance). */
  noTrack: boolean;
  /** static_routes: `track_group NAME` (a declared track_group; the route has a dev). */
  trackGroup?: string;
  /** The line as written, for logs and errors. */
  text: string;
  location: SourceLocation;
}

/** fib_rule_hdr action (FR_ACT_*). */
export const FR_ACT = { TO_TBL: 1, GOTO: 2, NOP: 3, BLACKHOLE: 6, UNREACHABLE: 7, PROHIBIT: 8 } as const;

export interface PortRange {
  start: number;
  end: number;
}

export interface IpRule {
  family: 4 | 6;
  from: IpPrefix | null;
  to: IpPrefix | null;
  /** Always set: keepalived gives a rule without one a priority counting down from 32765. */
  priority: number;
  action: number;
  table: number;
  gotoTarget: number | null;
  invert: boolean;
  tos: number;
  fwmark: number | null;
  fwmask: number | null;
  realms: number | null;
  suppressPrefixLen: number | null;
  suppressIfgroup: number | null;
  iif: string | null;
  oif: string | null;
  tunnelId: bigint | null;
  uidRange: { start: number; end: number } | null;
  l3mdev: boolean;
  /** FRA_PROTOCOL: RTPROT_KEEPALIVED unless `no_track`. */
  protocol: number | null;
  ipProto: number | null;
  sport: PortRange | null;
  dport: PortRange | null;
  noTrack: boolean;
  /** static_rules: `track_group NAME` (a declared track_group; the rule has an iif). */
  trackGroup?: string;
  text: string;
  location: SourceLocation;
}

export const RTPROT_KEEPALIVED = 18;

/** `10.1.0.0/16 via 10.0.0.1 table 100`: the line as the logs name it. */
export const routeText = (r: Pick<IpRoute, 'text'>): string => r.text;

/** What makes two routes (rules) the same to a reload: everything but where they were written. */
function keyOf(x: object): string {
  return JSON.stringify(x, (k, v) => (k === 'location' || k === 'text' ? undefined : typeof v === 'bigint' ? v.toString() : v));
}
export const routeKey = (r: IpRoute): string => keyOf(r);
export const ruleKey = (r: IpRule): string => keyOf(r);

/** The routes/rules of `after` not in `before` (added) and of `before` not in `after` (removed). */
export function listDiff<T>(before: readonly T[], after: readonly T[], key: (x: T) => string): { added: T[]; removed: T[] } {
  const b = new Set(before.map(key));
  const a = new Set(after.map(key));
  return { added: after.filter((x) => !b.has(key(x))), removed: before.filter((x) => !a.has(key(x))) };
}
