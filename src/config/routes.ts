/**
 * The grammar of a route line (virtual_routes, static_routes) and a rule line (virtual_rules,
 * static_rules), as keepalived 2.2.7's alloc_route() (vrrp_iproute.c) and alloc_rule()
 * (vrrp_iprule.c) read them: words → IpRoute / IpRule, pure, one table entry per keyword.
 *
 * keepalived's leniency is kept: where it reports an error and drops the line, halo warns in
 * its words and drops the line; where it reports and carries on, halo warns and carries on.
 * What keepalived accepts and halo cannot send (lwtunnel `encap`, names from /etc/iproute2
 * files) is refused as not implemented, located at the word. `track_group` is read on static
 * routes and rules only (a virtual route or rule takes it as keepalived does: an unknown word).
 * A route's `vrf NAME` is its VRF's table, read from the host when the config is read, as
 * keepalived (rules have no `vrf` in 2.2.7: their `l3mdev` is the VRF action).
 */
import ipaddr from 'ipaddr.js';
import type { BuildContext } from './context';
import type { Statement, Word } from './parse';
import { FR_ACT, RTPROT_KEEPALIVED, type Gateway, type IpPrefix, type IpRoute, type IpRule, type Nexthop, type PortRange, type RouteMetrics } from './routes-model';

// ---------------------------------------------------------------------------------------------
// keepalived's name tables (lib/rttables.c defaults; numbers are always accepted)

const RTN_TYPES: Record<string, number> = {
  local: 2, nat: 10, broadcast: 3, brd: 3, anycast: 4, multicast: 5, prohibit: 8, unreachable: 7, blackhole: 6, xresolve: 11, unicast: 1, throw: 9,
};
const RTPROTS: Record<string, number> = {
  none: 0, redirect: 1, kernel: 2, boot: 3, static: 4, gated: 8, ra: 9, mrt: 10, zebra: 11, bird: 12, babel: 42, dnrouted: 13, xorp: 14, ntk: 15, dhcp: 16,
};
const TABLES: Record<string, number> = { default: 253, main: 254, local: 255 };
const SCOPES: Record<string, number> = { global: 0, nowhere: 255, host: 254, link: 253, site: 200 };
const IP_PROTOS: Record<string, number> = { icmp: 1, igmp: 2, tcp: 6, udp: 17, gre: 47, esp: 50, ah: 51, 'ipv6-icmp': 58, icmpv6: 58, sctp: 132, udplite: 136 };

/** RTAX numbers (linux/rtnetlink.h), for the lock bits. */
export const RTAX = {
  LOCK: 1, MTU: 2, WINDOW: 3, RTT: 4, RTTVAR: 5, SSTHRESH: 6, CWND: 7, ADVMSS: 8, REORDERING: 9, HOPLIMIT: 10,
  INITCWND: 11, FEATURES: 12, RTO_MIN: 13, INITRWND: 14, QUICKACK: 15, CC_ALGO: 16, FASTOPEN_NO_COOKIE: 17,
} as const;

const RTNH_F_ONLINK = 4;
const RTAX_FEATURE_ECN = 1;
const U32 = 0xffffffff;
const RULE_START_PRIORITY = 16384;

// ---------------------------------------------------------------------------------------------
// A cursor over the line's words

class Line {
  i = 0;
  /** keepalived's allow_track_group: static_routes and static_rules take `track_group`. */
  readonly allowTrackGroup: boolean;
  constructor(readonly words: Word[], readonly ctx: BuildContext, readonly what: string) {
    this.allowTrackGroup = what.startsWith('static_');
  }
  get done(): boolean {
    return this.i >= this.words.length;
  }
  peek(): Word | undefined {
    return this.words[this.i];
  }
  /** The next word (a keyword's value); reported when the line ends first. */
  value(after: Word): Word | null {
    const w = this.words[++this.i];
    if (w === undefined) {
      this.ctx.warn(after, `${this.what}: '${after.value}' needs a value`);
      return null;
    }
    return w;
  }
  /** keepalived's report_config_error: a warning here, at the word. */
  report(w: Word, message: string): void {
    this.ctx.warn(w, message);
  }
}

/** Thrown by a handler to drop the line (keepalived's `goto err`), after its report. */
class Drop extends Error {}
const drop = (): never => { throw new Drop(); };

function unsigned(text: string, max: number): number | null {
  if (!/^\d+$/.test(text)) return null;
  const n = Number(text);
  return n <= max ? n : null;
}

/** strtoul(…, 0): decimal, 0x hex or 0 octal. */
function cNumber(text: string): number | null {
  if (/^0x[0-9a-f]+$/i.test(text)) return parseInt(text.slice(2), 16);
  if (/^0[0-7]+$/.test(text)) return parseInt(text, 8);
  if (/^\d+$/.test(text)) return Number(text);
  return null;
}

function familyOf(text: string): 4 | 6 | null {
  if (text.includes(':')) return ipaddr.IPv6.isValid(text) ? 6 : null;
  return ipaddr.IPv4.isValidFourPartDecimal(text) ? 4 : null;
}

function canonical(text: string, family: 4 | 6): string {
  return family === 4 ? ipaddr.IPv4.parse(text).toString() : ipaddr.IPv6.parse(text).toString();
}

/** parse_ipaddress(…, allow_subnet = false): a bare address (`ADDR/LEN` is taken with the length ignored). */
function address(text: string): Gateway | null {
  const bare = text.split('/')[0];
  const family = familyOf(bare);
  return family ? { address: canonical(bare, family), family } : null;
}

/** parse_route(): `default`/`any`/`all`, `default6`, or ADDR[/LEN]. family null = not yet known. */
function prefix(text: string): { p: IpPrefix | null; family: 4 | 6 | null } | null {
  if (text === 'default' || text === 'any' || text === 'all') return { p: null, family: null };
  if (text === 'default6') return { p: null, family: 6 };
  const [a, len, extra] = text.split('/');
  if (extra !== undefined) return null;
  const family = familyOf(a);
  if (!family) return null;
  const max = family === 4 ? 32 : 128;
  const n = len === undefined ? max : unsigned(len, max);
  if (n === null) return null;
  return { p: { address: canonical(a, family), prefixLen: n }, family };
}

const anyPrefix = (family: 4 | 6): IpPrefix => ({ address: family === 4 ? '0.0.0.0' : '::', prefixLen: 0 });

/** A name from keepalived's defaults, or a number ≤ max; a name only /etc/iproute2 could give is not read by halo. */
function named(l: Line, w: Word, table: Record<string, number>, max: number, file: string, notFound: string): number {
  const n = cNumber(w.value);
  if (n !== null) {
    if (n <= max) return n;
    l.report(w, notFound);
    return drop();
  }
  if (w.value in table) return table[w.value];
  l.ctx.unimplemented(w, `${l.what}: '${w.value}' (a name from ${file})`);
  return drop();
}

/** get_realms: FROM/TO realm numbers (the upper 16 bits are the source realm). */
function realms(l: Line, w: Word, message: string): number {
  const parts = w.value.split('/');
  const nums = parts.map((p) => cNumber(p));
  if (parts.length > 2 || nums.some((n) => n === null || n > 255)) {
    if (parts.some((p) => cNumber(p) === null)) {
      l.ctx.unimplemented(w, `${l.what}: realm names (from /etc/iproute2/rt_realms)`);
      return drop();
    }
    l.report(w, message);
    return drop();
  }
  return nums.length === 2 ? ((nums[0]! << 16) | nums[1]!) >>> 0 : nums[0]!;
}

/** get_time_rtt: a raw number, or N[.N]s / N[.N]ms, in units of 1/(1000·mult) s, clamped to 0.2–120 s. */
function rttTime(text: string, mult: number): number | null {
  const m = /^(\d+(?:\.\d+)?)(ms|s|sec|secs)?$/i.exec(text);
  if (!m) return null;
  let v = Number(m[1]);
  if (!m[2]) {
    if (!Number.isInteger(v)) return null;
  } else {
    v = (m[2].toLowerCase() === 'ms' ? v : v * 1000) * mult;
  }
  v = Math.floor(v);
  return Math.min(Math.max(v, 200 * mult), 120000 * mult);
}

// ---------------------------------------------------------------------------------------------
// Routes

/** A route while its line is read: what is not known yet is null. */
type RouteDraft = Omit<IpRoute, 'family' | 'dst' | 'protocol' | 'protocolSet' | 'text' | 'location'> & {
  family: 4 | 6 | null;
  dst: IpPrefix | null;
  dstSeen: boolean;
  dstText: string | null;
  protocol: number | null;
  /** `or` / `nexthop` already used. */
  orUsed: boolean;
};

type RouteHandler = (l: Line, w: Word, r: RouteDraft) => void | 'nexthops' | 'stop';

/** Join a family learnt from an address; keepalived's own message on a mismatch. */
function joinFamily(l: Line, w: Word, r: { family: 4 | 6 | null }, f: 4 | 6 | null, message = 'Cannot mix IPv4 and IPv6 addresses for route'): void {
  if (f === null) return;
  if (r.family === null) r.family = f;
  else if (r.family !== f) {
    l.report(w, message);
    drop();
  }
}

function u32(l: Line, w: Word, max: number, message: string): number {
  const v = l.value(w) ?? drop();
  const n = unsigned(v.value, max);
  if (n === null) {
    l.report(v, message.replace('%s', v.value));
    return drop();
  }
  return n;
}

/** `KEY [lock] N`: a metric with keepalived's optional lock. */
function lockable(bit: number, set: (r: RouteDraft, n: number) => void, message: string, read: (l: Line, v: Word) => number | null = (_l, v) => unsigned(v.value, U32)): RouteHandler {
  return (l, w, r) => {
    let v = l.value(w) ?? drop();
    if (v.value === 'lock') {
      r.lock |= 1 << bit;
      v = l.value(v) ?? drop();
    }
    const n = read(l, v);
    if (n === null) {
      l.report(v, message.replace('%s', v.value));
      drop();
    }
    set(r, n!);
  };
}

function metric(key: keyof RouteMetrics, message: string): RouteHandler {
  return (l, w, r) => { (r.metrics as Record<string, number>)[key] = u32(l, w, U32, message); };
}

function family(f: 4 | 6, message: string): RouteHandler {
  return (l, w, r) => joinFamily(l, w, r, f, message);
}

function via(l: Line, w: Word, r: RouteDraft): void {
  if (w.value === 'gw') l.report(w, '"gw" for routes is deprecated. Please use "via"');
  let v = l.value(w) ?? drop();
  let f: 4 | 6 | null = r.family;
  if (v.value === 'inet' || v.value === 'inet6') {
    f = v.value === 'inet' ? 4 : 6;
    v = l.value(v) ?? drop();
  }
  joinFamily(l, v, r, f);
  const a = address(v.value);
  if (!a) {
    l.report(v, `invalid route via address ${v.value}`);
    drop();
  }
  joinFamily(l, v, r, a!.family);
  r.via = a;
}

const ROUTE_KEYWORDS: Record<string, RouteHandler> = {
  inet6: family(6, 'inet6 specified for IPv4 route'),
  inet: family(4, 'inet specified for IPv6 route'),
  src: (l, w, r) => {
    const v = l.value(w) ?? drop();
    const a = address(v.value);
    if (!a) {
      l.report(v, `invalid route src address ${v.value}`);
      drop();
    }
    joinFamily(l, v, r, a!.family);
    r.prefSrc = a!.address;
  },
  as: (l, w) => {
    const v = l.value(w) ?? drop();
    if (v.value === 'to') l.value(v);
    l.report(w, '"as to" for MPLS only - ignoring');
  },
  via,
  gw: via,
  from: (l, w, r) => {
    const v = l.value(w) ?? drop();
    const p = prefix(v.value);
    if (!p) {
      l.report(v, `invalid route from address ${v.value}`);
      drop();
    }
    if (p!.family !== 6) {
      l.report(v, `route from address only supported with IPv6 (${v.value})`);
      drop();
    }
    joinFamily(l, v, r, 6);
    r.src = p!.p ?? anyPrefix(6);
  },
  tos: (l, w, r) => { r.tos = dsfield(l, w, 'TOS value %s is invalid'); },
  dsfield: (l, w, r) => { r.tos = dsfield(l, w, 'TOS value %s is invalid'); },
  table: (l, w, r) => {
    const v = l.value(w) ?? drop();
    r.table = named(l, v, TABLES, U32, '/etc/iproute2/rt_tables', `Routing table ${v.value} not found for route`);
  },
  protocol: (l, w, r) => {
    const v = l.value(w) ?? drop();
    r.protocol = named(l, v, RTPROTS, 255, '/etc/iproute2/rt_protos', `Protocol ${v.value} not found or invalid for route`);
  },
  scope: (l, w, r) => {
    const v = l.value(w) ?? drop();
    r.scope = named(l, v, SCOPES, 255, '/etc/iproute2/rt_scopes', `Scope ${v.value} not found or invalid for route`);
  },
  metric: (l, w, r) => { r.metric = u32(l, w, U32, 'Invalid metric %s specified for route'); },
  priority: (l, w, r) => { r.metric = u32(l, w, U32, 'Invalid metric %s specified for route'); },
  preference: (l, w, r) => { r.metric = u32(l, w, U32, 'Invalid metric %s specified for route'); },
  dev: (l, w, r) => { r.dev = (l.value(w) ?? drop()).value; },
  oif: (l, w, r) => { r.dev = (l.value(w) ?? drop()).value; },
  onlink: (_l, _w, r) => { r.flags |= RTNH_F_ONLINK; },
  encap: (l, w) => { l.ctx.unimplemented(w, `${l.what}: 'encap' (lightweight tunnel encapsulation)`); drop(); },
  expires: (l, w, r) => {
    if (r.family === 4) {
      l.report(w, 'expires is only valid for IPv6');
      drop();
    }
    r.family = 6;
    r.expires = u32(l, w, U32, 'Invalid expires time %s specified for route');
  },
  mtu: lockable(RTAX.MTU, (r, n) => { r.metrics.mtu = n; }, 'Invalid MTU %s specified for route'),
  hoplimit: (l, w, r) => { r.metrics.hoplimit = u32(l, w, 255, 'Invalid hoplimit %s specified for route'); },
  advmss: lockable(RTAX.ADVMSS, (r, n) => { r.metrics.advmss = n; }, 'Invalid advmss %s specified for route'),
  rtt: lockable(RTAX.RTT, (r, n) => { r.metrics.rtt = n; }, 'Invalid rtt %s for route', (_l, v) => rttTime(v.value, 8)),
  rttvar: lockable(RTAX.RTTVAR, (r, n) => { r.metrics.rttvar = n; }, 'Invalid rttvar %s for route', (_l, v) => rttTime(v.value, 4)),
  reordering: lockable(RTAX.REORDERING, (r, n) => { r.metrics.reordering = n; }, 'Invalid reordering value %s specified for route'),
  window: metric('window', 'Invalid window value %s specified for route'),
  cwnd: lockable(RTAX.CWND, (r, n) => { r.metrics.cwnd = n; }, 'Invalid cwnd value %s specified for route'),
  ssthresh: lockable(RTAX.SSTHRESH, (r, n) => { r.metrics.ssthresh = n; }, 'Invalid ssthresh value %s specified for route'),
  realms: (l, w, r) => {
    const v = l.value(w) ?? drop();
    r.realms = realms(l, v, `Invalid realms ${v.value} for route`);
    if (r.family === 6) {
      l.report(w, 'realms are only valid for IPv4');
      drop();
    }
    r.family = 4;
  },
  rto_min: lockable(RTAX.RTO_MIN, (r, n) => { r.metrics.rtoMin = n; }, 'Invalid rto_min value %s specified for route', (_l, v) => rttTime(v.value, 1)),
  initcwnd: metric('initcwnd', 'Invalid initcwnd value %s specified for route'),
  initrwnd: metric('initrwnd', 'Invalid initrwnd value %s specified for route'),
  features: (l, w, r) => {
    const v = l.value(w) ?? drop();
    if (v.value === 'ecn') r.metrics.features = (r.metrics.features ?? 0) | RTAX_FEATURE_ECN;
    else l.report(v, `feature ${v.value} not supported`);
  },
  quickack: (l, w, r) => { r.metrics.quickack = u32(l, w, 1, 'Invalid quickack value %s specified for route'); },
  congctl: (l, w, r) => {
    let v = l.value(w) ?? drop();
    if (v.value === 'lock') {
      r.lock |= 1 << RTAX.CC_ALGO;
      v = l.value(v) ?? drop();
    }
    r.metrics.congctl = v.value;
  },
  pref: (l, w, r) => {
    if (r.family === 4) {
      l.report(w, 'pref is only valid for IPv6');
      drop();
    }
    r.family = 6;
    const v = l.value(w) ?? drop();
    const names: Record<string, number> = { low: 3, medium: 0, high: 1 };
    const n = v.value in names ? names[v.value] : unsigned(v.value, 255);
    if (n === null) {
      l.report(v, `Invalid pref value ${v.value} specified for route`);
      drop();
    }
    r.pref = n;
  },
  'ttl-propagate': (l, w, r) => {
    const v = l.value(w) ?? drop();
    if (v.value === 'enabled') r.ttlPropagate = 1;
    else if (v.value === 'disabled') r.ttlPropagate = 0;
    else {
      l.report(v, `ttl-propagate value ${v.value} not recognised`);
      // keepalived still sets the bit, with the value left at 0
      r.ttlPropagate = 0;
    }
  },
  fastopen_no_cookie: (l, w, r) => { r.metrics.fastopenNoCookie = u32(l, w, 1, 'Invalid fastopen_no_cookie value %s specified for route'); },
  add: (_l, _w, r) => { r.mode = 'add'; },
  prepend: (_l, _w, r) => { r.mode = 'prepend'; },
  append: (_l, _w, r) => { r.mode = 'append'; },
  or: (l, w, r) => {
    l.report(w, '"or" for routes is deprecated. Please use "nexthop"');
    if (r.orUsed) {
      l.report(w, '"or" route already specified - ignoring subsequent');
      l.i++;
      return;
    }
    const v = l.value(w) ?? drop();
    const a = address(v.value);
    if (!a) {
      l.report(v, `Invalid "or" address ${v.value}`);
      drop();
    }
    r.nexthops.push({ via: r.via, dev: null, hops: null, flags: 0, realms: null }, { via: a, dev: null, hops: null, flags: 0, realms: null });
    r.via = null;
    r.orUsed = true;
  },
  nexthop: (l, w, r) => {
    if (r.orUsed) {
      l.report(w, 'Cannot specify nexthops with "or" route');
      return;
    }
    return 'nexthops';
  },
  no_track: (_l, _w, r) => { r.noTrack = true; },
  track_group: (l, w, r) => (l.allowTrackGroup ? trackGroup(l, w, r) : destination(l, w, r)),
  vrf: (l, w, r) => { r.table = vrfTable(l, l.value(w) ?? drop(), r.table); },
};

/**
 * `track_group NAME` (static routes and rules): a group declared earlier in the file, as
 * keepalived's static_track_group_find at the word; a second one ends the line ('stop').
 */
function trackGroup(l: Line, w: Word, r: { trackGroup?: string }): 'stop' | undefined {
  const v = l.value(w) ?? drop();
  if (r.trackGroup !== undefined) {
    l.report(v, `track_group ${v.value} is a duplicate`);
    return 'stop';
  }
  if (l.ctx.trackGroups.has(v.value)) r.trackGroup = v.value;
  else l.report(v, `track_group ${v.value} not found`);
  return undefined;
}

/**
 * `vrf NAME`: the VRF's table (keepalived's parse_route reads ifp->vrf_tb_id when the config is
 * read); a name that is no interface, or no VRF, drops the route with keepalived's words. Without
 * the host's VRFs (`halo check`) the table stays as it is.
 */
function vrfTable(l: Line, v: Word, table: number): number {
  const { vrfTables, interfaces } = l.ctx.options;
  if (!vrfTables) return table;
  const t = vrfTables()[v.value];
  if (t !== undefined) return t;
  l.report(v, interfaces && !interfaces.includes(v.value) ? `VRF ${v.value} not found for route` : `Route specified VRF ${v.value} is not a VRF`);
  return drop();
}

function dsfield(l: Line, w: Word, message: string): number {
  const v = l.value(w) ?? drop();
  const n = cNumber(v.value);
  if (n === null) {
    l.ctx.unimplemented(v, `${l.what}: '${v.value}' (a name from /etc/iproute2/rt_dsfield)`);
    return drop();
  }
  if (n > 255) {
    l.report(v, message.replace('%s', v.value));
    return drop();
  }
  return n;
}

/** The destination, with an optional `to` and route type before it (keepalived's fallback branch). */
function destination(l: Line, w: Word, r: RouteDraft): void {
  // keepalived looks up the type on the word before `to` was skipped, so `to TYPE PREFIX` is not a type
  let at = w;
  if (w.value === 'to') at = l.value(w) ?? drop();
  else if (w.value in RTN_TYPES || (/^\d+$/.test(w.value) && Number(w.value) <= 255)) {
    r.type = w.value in RTN_TYPES ? RTN_TYPES[w.value] : Number(w.value);
    r.typeGiven = true;
    r.mode = 'add';
    at = l.value(w) ?? drop();
  }
  const p = prefix(at.value);
  if (!p) {
    l.report(at, `unknown route keyword ${at.value}`);
    drop();
  }
  joinFamily(l, at, r, p!.family, `Cannot mix IPv4 and IPv6 addresses for route (${at.value})`);
  r.dst = p!.p;
  r.dstSeen = true;
  r.dstText = at.value;
}

/** parse_nexthops: `nexthop via ADDR dev IF weight N onlink realms R …`, repeated. */
function nexthops(l: Line, r: RouteDraft): void {
  while (!l.done && l.peek()!.value === 'nexthop') {
    l.i++;
    const nh: Nexthop = { via: null, dev: null, hops: null, flags: 0, realms: null };
    try {
      for (; !l.done; l.i++) {
        const w = l.peek()!;
        if (w.value === 'via') {
          let v = l.value(w) ?? drop();
          if (v.value === 'inet' || v.value === 'inet6') {
            joinFamily(l, v, r, v.value === 'inet' ? 4 : 6, 'IPv4/6 mismatch for nexthop');
            v = l.value(v) ?? drop();
          }
          const a = address(v.value);
          if (!a) {
            l.report(v, `invalid nexthop address ${v.value}`);
            drop();
          }
          joinFamily(l, v, r, a!.family, 'Address family mismatch for next hop');
          nh.via = a;
        } else if (w.value === 'dev') nh.dev = (l.value(w) ?? drop()).value;
        else if (w.value === 'weight') {
          const v = l.value(w) ?? drop();
          const n = unsigned(v.value, 256);
          if (n === null) {
            l.report(v, `Invalid weight ${v.value} specified for route`);
            drop();
          }
          if (n === 0) {
            l.report(v, 'Invalid weight 0 specified for route');
            drop();
          }
          nh.hops = (n! - 1) & 0xff;
        } else if (w.value === 'onlink') nh.flags |= RTNH_F_ONLINK;
        else if (w.value === 'encap') {
          l.ctx.unimplemented(w, `${l.what}: nexthop 'encap' (lightweight tunnel encapsulation)`);
          drop();
        } else if (w.value === 'realms') {
          const v = l.value(w) ?? drop();
          nh.realms = realms(l, v, `Invalid realms ${v.value} for route`);
          joinFamily(l, w, r, 4, 'realms are only supported for IPv4');
        } else if (w.value === 'as') {
          const v = l.value(w);
          if (v?.value === 'to') l.i++;
          l.report(w, "'as [to]' (nat) not supported");
          drop();
        } else break;
      }
    } catch (e) {
      // keepalived drops this nexthop and the rest of the line, and keeps the route
      if (!(e instanceof Drop)) throw e;
      return;
    }
    r.nexthops.push(nh);
  }
  if (!l.done) l.report(l.peek()!, `Route has trailing nonsense after nexthops - ${l.peek()!.value}`);
}

function lineText(words: Word[]): string {
  return words.map((w) => w.value).join(' ');
}

/**
 * One route line; null when keepalived would drop it (already reported). `what` names the block
 * in messages (`virtual_routes`, `static_routes`).
 */
export function parseRoute(ctx: BuildContext, s: Statement, what: string): IpRoute | null {
  const words = [s.keyword, ...s.args];
  const l = new Line(words, ctx, what);
  const r: RouteDraft = {
    family: null, dst: null, dstSeen: false, dstText: null, src: null, prefSrc: null, via: null, dev: null, table: 254, protocol: null, scope: null,
    type: 1, typeGiven: false, tos: null, metric: null, flags: 0, realms: null, expires: null, pref: null, ttlPropagate: null,
    metrics: {}, lock: 0, mode: 'prepend', nexthops: [], noTrack: false, orUsed: false,
  };
  try {
    for (; !l.done; l.i++) {
      const w = l.peek()!;
      const h = Object.prototype.hasOwnProperty.call(ROUTE_KEYWORDS, w.value) ? ROUTE_KEYWORDS[w.value] : destination;
      const next = h(l, w, r);
      if (next === 'nexthops') {
        nexthops(l, r);
        break;
      }
      if (next === 'stop') break;
    }
  } catch (e) {
    if (e instanceof Drop) return null;
    throw e;
  }
  if (!r.dstSeen) {
    ctx.warn(s.keyword, 'Route must have a destination');
    return null;
  }
  let protocol = r.protocol;
  let noTrack = r.noTrack;
  if (!noTrack) {
    if (protocol !== null && protocol !== RTPROT_KEEPALIVED) ctx.warn(s.keyword, `Route cannot be tracked if protocol is not RTPROT_KEEPALIVED(${RTPROT_KEEPALIVED}), resetting protocol`);
    protocol = RTPROT_KEEPALIVED;
    if (r.dev === null) {
      ctx.warn(s.keyword, `Warning - cannot track route ${r.dstText} with no interface specified, not tracking`);
      noTrack = true;
    }
  }
  if (r.trackGroup !== undefined && r.dev === null) {
    ctx.warn(s.keyword, 'Static route cannot have track group if no oif specified');
    delete r.trackGroup;
  }
  const fam = r.family ?? 4;
  const { dstSeen: _seen, dstText: _text, orUsed: _or, ...route } = r;
  return {
    ...route, family: fam, dst: r.dst ?? anyPrefix(fam), protocol: protocol ?? RTPROT_KEEPALIVED, protocolSet: protocol !== null, noTrack,
    text: lineText(words), location: ctx.loc(s.keyword),
  };
}

// ---------------------------------------------------------------------------------------------
// Rules

/** A rule while its line is read. */
type RuleDraft = Omit<IpRule, 'family' | 'from' | 'to' | 'priority' | 'text' | 'location'> & {
  family: 4 | 6 | null;
  from: IpPrefix | null;
  fromAny: boolean;
  to: IpPrefix | null;
  toAny: boolean;
  priority: number | null;
  /** realms/suppress_*: only for a table action. */
  tableOption: boolean;
};

type RuleHandler = (l: Line, w: Word, r: RuleDraft) => void | 'stop';

const MIXED = 'rule specification has mixed IPv4 and IPv6';

function rulePrefix(side: 'from' | 'to'): RuleHandler {
  return (l, w, r) => {
    const v = l.value(w) ?? drop();
    const p = prefix(v.value);
    if (!p) {
      l.report(v, `Invalid rule ${side} address ${v.value}`);
      drop();
    }
    joinFamily(l, v, r, p!.family, MIXED);
    if (side === 'from') { r.from = p!.p; r.fromAny = p!.p === null; }
    else { r.to = p!.p; r.toAny = p!.p === null; }
  };
}

function setAction(l: Line, w: Word, r: RuleDraft, action: number, message: string): void {
  if (r.action !== 0) {
    l.report(w, message);
    drop();
  }
  r.action = action;
}

/**
 * keepalived reads `N-M` with sscanf("%hu-%hu") and takes only two numbers: a single port is
 * reported ("invalid sport range 80") and the option ignored, the rule kept.
 */
function portRange(l: Line, w: Word, what: string): PortRange | null {
  const v = l.value(w) ?? drop();
  const m = /^(\d+)-(\d+)/.exec(v.value);
  if (!m) {
    l.report(v, `invalid ${what} range ${v.value}`);
    return null;
  }
  return { start: Number(m[1]) & 0xffff, end: Number(m[2]) & 0xffff };
}

const ACTION_CLASH = 'Cannot specify more than one of table/nop/goto/blackhole/prohibit/unreachable for rule';

const RULE_KEYWORDS: Record<string, RuleHandler> = {
  inet6: (l, w, r) => joinFamily(l, w, r, 6, 'inet6 specified for IPv4 rule'),
  inet: (l, w, r) => joinFamily(l, w, r, 4, 'inet specified for IPv6 rule'),
  from: rulePrefix('from'),
  to: rulePrefix('to'),
  table: ruleTable,
  lookup: ruleTable,
  not: (_l, _w, r) => { r.invert = true; },
  preference: rulePriority,
  order: rulePriority,
  priority: rulePriority,
  tos: (l, w, r) => { r.tos = dsfield(l, w, 'TOS value %s is invalid'); },
  dsfield: (l, w, r) => { r.tos = dsfield(l, w, 'TOS value %s is invalid'); },
  fwmark: (l, w, r) => {
    const v = l.value(w) ?? drop();
    const [mark, mask, extra] = v.value.split('/');
    const m = cNumber(mark);
    const k = mask === undefined ? null : cNumber(mask);
    if (m === null || m > U32 || extra !== undefined || (mask !== undefined && (k === null || k > U32))) {
      l.report(v, `Invalid rule fwmark ${v.value} specified`);
      drop();
    }
    r.fwmark = m;
    r.fwmask = k;
  },
  realms: (l, w, r) => {
    const v = l.value(w) ?? drop();
    r.realms = realms(l, v, `invalid realms ${v.value} for rule`);
    r.tableOption = true;
    joinFamily(l, w, r, 4, 'realms is only valid for IPv4');
  },
  suppress_prefixlength: suppressPrefix,
  sup_pl: suppressPrefix,
  suppress_ifgroup: suppressGroup,
  sup_group: suppressGroup,
  dev: (l, w, r) => { r.iif = (l.value(w) ?? drop()).value; },
  iif: (l, w, r) => { r.iif = (l.value(w) ?? drop()).value; },
  oif: (l, w, r) => { r.oif = (l.value(w) ?? drop()).value; },
  'tunnel-id': (l, w, r) => {
    const v = l.value(w) ?? drop();
    if (!/^\d+$/.test(v.value) || BigInt(v.value) > 0xffffffffffffffffn) {
      l.report(v, `Invalid tunnel-id ${v.value} specified`);
      drop();
    }
    r.tunnelId = BigInt(v.value);
  },
  uidrange: (l, w, r) => {
    const v = l.value(w) ?? drop();
    const m = /^(\d+)-(\d+)/.exec(v.value);
    if (!m || Number(m[1]) > U32 || Number(m[2]) > U32) {
      l.report(v, `Invalid uidrange ${v.value} specified`);
      drop();
    }
    r.uidRange = { start: Number(m![1]), end: Number(m![2]) };
  },
  l3mdev: (l, w, r) => {
    r.l3mdev = true;
    setAction(l, w, r, FR_ACT.TO_TBL, 'Cannot specify l3mdev with other action');
  },
  protocol: (l, w, r) => {
    const v = l.value(w) ?? drop();
    const n = unsigned(v.value, 255);
    if (n === null) l.report(v, `Invalid protocol ${v.value}`);
    else r.protocol = n;
  },
  ipproto: (l, w, r) => {
    const v = l.value(w) ?? drop();
    const n = v.value in IP_PROTOS ? IP_PROTOS[v.value] : unsigned(v.value, 255);
    if (n === null) l.report(v, `Invalid ipproto ${v.value}`);
    else r.ipProto = n;
  },
  sport: (l, w, r) => { r.sport = portRange(l, w, 'sport') ?? r.sport; },
  dport: (l, w, r) => { r.dport = portRange(l, w, 'dport') ?? r.dport; },
  no_track: (_l, _w, r) => { r.noTrack = true; },
  track_group: (l, w, r) => (l.allowTrackGroup ? trackGroup(l, w, r) : ruleAction(l, w, r)),
};

function ruleTable(l: Line, w: Word, r: RuleDraft): void {
  const v = l.value(w) ?? drop();
  const t = named(l, v, TABLES, U32, '/etc/iproute2/rt_tables', `Routing table ${v.value} not found for rule`);
  if (t === 0) {
    l.report(v, 'Table 0 is not valid');
    drop();
  }
  r.table = t;
  setAction(l, w, r, FR_ACT.TO_TBL, ACTION_CLASH);
}

function rulePriority(l: Line, w: Word, r: RuleDraft): void {
  const v = l.value(w) ?? drop();
  const n = cNumber(v.value);
  if (n === null || n > U32) {
    l.report(v, `Invalid rule preference ${w.value} specified`);
    drop();
  }
  r.priority = n;
}

function suppressPrefix(l: Line, w: Word, r: RuleDraft): void {
  const v = l.value(w) ?? drop();
  const n = unsigned(v.value, 0x7fffffff);
  if (n === null) {
    l.report(v, `Invalid suppress_prefixlength ${w.value} specified`);
    drop();
  }
  r.suppressPrefixLen = n;
  r.tableOption = true;
}

function suppressGroup(l: Line, w: Word, r: RuleDraft): void {
  const v = l.value(w) ?? drop();
  const n = cNumber(v.value);
  if (n === null) {
    l.ctx.unimplemented(v, `${l.what}: '${v.value}' (a name from /etc/iproute2/group)`);
    drop();
  }
  if (n! > 0x7fffffff) {
    l.report(v, `suppress_group ${v.value} is invalid`);
    drop();
  }
  r.suppressIfgroup = n;
  r.tableOption = true;
}

/** The action words: `[type] goto N | nop | blackhole | unreachable | prohibit`. */
function ruleAction(l: Line, w: Word, r: RuleDraft): void {
  let at = w;
  if (w.value === 'type') at = l.value(w) ?? drop();
  let action: number;
  if (at.value === 'goto') {
    const v = l.value(at) ?? drop();
    const n = unsigned(v.value, U32);
    if (n === null) {
      l.report(v, `Invalid target ${v.value} specified`);
      drop();
    }
    r.gotoTarget = n;
    action = FR_ACT.GOTO;
  } else if (at.value === 'nop') action = FR_ACT.NOP;
  else {
    const t = at.value in RTN_TYPES ? RTN_TYPES[at.value] : (/^\d+$/.test(at.value) && Number(at.value) <= 255 ? Number(at.value) : null);
    if (t === null) {
      l.report(at, `Unknown rule option ${at.value}`);
      return drop();
    }
    const map: Record<number, number> = { 6: FR_ACT.BLACKHOLE, 7: FR_ACT.UNREACHABLE, 8: FR_ACT.PROHIBIT };
    if (!(t in map)) {
      l.report(at, `Invalid rule action ${at.value}`);
      return drop();
    }
    action = map[t];
  }
  setAction(l, at, r, action, 'Cannot specify more than one of table/nop/goto/blackhole/prohibit/unreachable/l3mdev for rule');
}

/** keepalived numbers rules without a preference downwards from 16384, per family, across the config. */
export interface RulePriorities {
  4: number;
  6: number;
}
export const newRulePriorities = (): RulePriorities => ({ 4: RULE_START_PRIORITY, 6: RULE_START_PRIORITY });

export function parseRule(ctx: BuildContext, s: Statement, what: string, next: RulePriorities): IpRule | null {
  const words = [s.keyword, ...s.args];
  const l = new Line(words, ctx, what);
  const r: RuleDraft = {
    family: null, from: null, fromAny: false, to: null, toAny: false, priority: null, action: 0, table: 0, gotoTarget: null, invert: false, tos: 0,
    fwmark: null, fwmask: null, realms: null, suppressPrefixLen: null, suppressIfgroup: null, tableOption: false, iif: null, oif: null,
    tunnelId: null, uidRange: null, l3mdev: false, protocol: null, ipProto: null, sport: null, dport: null, noTrack: false,
  };
  try {
    for (; !l.done; l.i++) {
      const w = l.peek()!;
      const h = Object.prototype.hasOwnProperty.call(RULE_KEYWORDS, w.value) ? RULE_KEYWORDS[w.value] : ruleAction;
      if (h(l, w, r) === 'stop') break;
    }
  } catch (e) {
    if (e instanceof Drop) return null;
    throw e;
  }
  if (r.action === FR_ACT.GOTO) {
    if (r.priority !== null) {
      if (r.priority >= r.gotoTarget!) {
        ctx.warn(s.keyword, `Invalid rule - preference ${r.priority} >= goto target ${r.gotoTarget}`);
        return null;
      }
    } else {
      ctx.warn(s.keyword, `Invalid rule - goto target ${r.gotoTarget} specified without preference`);
      return null;
    }
  }
  if (r.action === 0) {
    ctx.warn(s.keyword, 'No action specified for rule - ignoring');
    return null;
  }
  if (r.action !== FR_ACT.TO_TBL && r.tableOption) {
    ctx.warn(s.keyword, 'suppressor/realm specified for non table action - skipping');
    return null;
  }
  if (r.table && r.l3mdev) {
    ctx.warn(s.keyword, 'table cannot be specified for l3mdev rules');
    return null;
  }
  let protocol = r.protocol;
  if (!r.noTrack) {
    if (protocol !== null && protocol !== RTPROT_KEEPALIVED) ctx.warn(s.keyword, `Rule cannot be tracked if protocol is not RTPROT_KEEPALIVED(${RTPROT_KEEPALIVED}), resetting protocol`);
    protocol = RTPROT_KEEPALIVED;
  }
  if (r.trackGroup !== undefined && r.iif === null) {
    ctx.warn(s.keyword, 'Static rule cannot have track_group if dev/iif not specified');
    delete r.trackGroup;
  }
  const fam = r.family ?? 4;
  let priority = r.priority;
  if (priority === null) {
    priority = next[fam]--;
    ctx.warn(s.keyword, `Rule has no preference specified - setting to ${priority}. This is probably not what you want.`);
  }
  const { fromAny: _f, toAny: _t, tableOption: _o, ...rule } = r;
  return {
    ...rule, family: fam, from: r.from ?? (r.fromAny ? anyPrefix(fam) : null), to: r.to ?? (r.toAny ? anyPrefix(fam) : null), priority, protocol,
    text: lineText(words), location: ctx.loc(s.keyword),
  };
}
