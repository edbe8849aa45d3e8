/**
 * rtnetlink bodies for routes (struct rtmsg + RTA_*) and policy rules (struct fib_rule_hdr +
 * FRA_*), laid out as keepalived 2.2.7's netlink_route() and netlink_rule() lay them out, so the
 * kernel sees the same request from halo as from keepalived (golden bytes captured from
 * keepalived in test/net/route-codec.test.ts). Pure: interface names arrive as indexes.
 */
import ipaddr from 'ipaddr.js';
import { FR_ACT, type Gateway, type IpRoute, type IpRule, type RouteMetrics } from '../config/routes-model';

export const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;
export const RTM_NEWRULE = 32;
export const RTM_DELRULE = 33;

export const NLM_F_REPLACE = 0x100;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
export const NLM_F_APPEND = 0x800;

const AF_INET = 2;
const AF_INET6 = 10;
const RT_SCOPE_UNIVERSE = 0;
const RT_SCOPE_NOWHERE = 255;
const RT_TABLE_UNSPEC = 0;
const RT_TABLE_MAIN = 254;
const FIB_RULE_INVERT = 2;

const RTA = { DST: 1, SRC: 2, OIF: 4, GATEWAY: 5, PRIORITY: 6, PREFSRC: 7, METRICS: 8, MULTIPATH: 9, FLOW: 11, TABLE: 15, VIA: 18, PREF: 20, EXPIRES: 23, TTL_PROPAGATE: 26 } as const;
const FRA = {
  DST: 1, SRC: 2, IIFNAME: 3, GOTO: 4, PRIORITY: 6, FWMARK: 10, FLOW: 11, TUN_ID: 12, SUPPRESS_IFGROUP: 13, SUPPRESS_PREFIXLEN: 14, TABLE: 15,
  FWMASK: 16, OIFNAME: 17, L3MDEV: 19, UID_RANGE: 20, PROTOCOL: 21, IP_PROTO: 22, SPORT_RANGE: 23, DPORT_RANGE: 24,
} as const;

/** The RTA_METRICS members in the order keepalived's netlink_route() adds them. */
const METRIC_ORDER: [keyof RouteMetrics, number][] = [
  ['rtt', 4], ['rttvar', 5], ['rtoMin', 13], ['features', 12], ['mtu', 2], ['window', 3], ['ssthresh', 6], ['cwnd', 7],
  ['advmss', 8], ['reordering', 9], ['hoplimit', 10], ['initcwnd', 11], ['initrwnd', 14], ['quickack', 15],
];
const RTAX_CC_ALGO = 16;
const RTAX_FASTOPEN_NO_COOKIE = 17;
const RTAX_LOCK = 1;

const align4 = (n: number) => (n + 3) & ~3;

/** One rtattr: length, type, payload, padded to 4 bytes. */
export function attr(type: number, payload: Buffer): Buffer {
  const b = Buffer.alloc(align4(4 + payload.length));
  b.writeUInt16LE(4 + payload.length, 0);
  b.writeUInt16LE(type, 2);
  payload.copy(b, 4);
  return b;
}

const u8 = (n: number) => Buffer.from([n & 0xff]);
function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0, 0);
  return b;
}
const addressBytes = (address: string) => Buffer.from(ipaddr.parse(address).toByteArray());
const familyNumber = (f: 4 | 6) => (f === 4 ? AF_INET : AF_INET6);

/** RTA_VIA: the gateway's family (u16) then its address. */
function viaPayload(g: Gateway): Buffer {
  const fam = Buffer.alloc(2);
  fam.writeUInt16LE(familyNumber(g.family), 0);
  return Buffer.concat([fam, addressBytes(g.address)]);
}

/** Interface names resolved to indexes by the caller; a missing one is an error it names first. */
export type IndexOf = (name: string) => number;

export interface Request {
  type: number;
  /** Flags beyond NLM_F_REQUEST/NLM_F_ACK. */
  flags: number;
  body: Buffer;
}

/** RTM_NEWROUTE (add) / RTM_DELROUTE for one route, as keepalived's netlink_route(). */
export function encodeRoute(r: IpRoute, op: 'add' | 'delete', indexOf: IndexOf): Request {
  const del = op === 'delete';
  const hdr = Buffer.alloc(12);
  const attrs: Buffer[] = [];
  hdr[0] = familyNumber(r.family);
  if (r.table < 256) hdr[4] = r.table;
  else {
    hdr[4] = RT_TABLE_UNSPEC;
    attrs.push(attr(RTA.TABLE, u32(r.table)));
  }
  hdr[6] = del ? RT_SCOPE_NOWHERE : RT_SCOPE_UNIVERSE;
  hdr[7] = del && !r.typeGiven ? 0 : r.type;
  hdr[5] = r.protocol;
  if (r.scope !== null) hdr[6] = r.scope;
  hdr[1] = r.dst.prefixLen;
  attrs.push(attr(RTA.DST, addressBytes(r.dst.address)));
  if (r.src) {
    hdr[2] = r.src.prefixLen;
    attrs.push(attr(RTA.SRC, addressBytes(r.src.address)));
  }
  if (r.prefSrc) attrs.push(attr(RTA.PREFSRC, addressBytes(r.prefSrc)));
  if (r.via) attrs.push(r.via.family === r.family ? attr(RTA.GATEWAY, addressBytes(r.via.address)) : attr(RTA.VIA, viaPayload(r.via)));
  if (r.tos !== null) hdr[3] = r.tos;
  if (r.dev !== null) attrs.push(attr(RTA.OIF, u32(indexOf(r.dev))));
  if (r.metric !== null) attrs.push(attr(RTA.PRIORITY, u32(r.metric)));
  hdr.writeUInt32LE(r.flags >>> 0, 8);
  if (r.realms !== null) attrs.push(attr(RTA.FLOW, u32(r.realms)));
  if (r.expires !== null) attrs.push(attr(RTA.EXPIRES, u32(r.expires)));

  const metrics: Buffer[] = [];
  if (r.metrics.congctl !== undefined) metrics.push(attr(RTAX_CC_ALGO, Buffer.from(r.metrics.congctl)));
  for (const [key, rtax] of METRIC_ORDER) {
    const v = r.metrics[key];
    if (v !== undefined) metrics.push(attr(rtax, u32(v as number)));
  }
  if (r.pref !== null) attrs.push(attr(RTA.PREF, u8(r.pref)));
  if (r.metrics.fastopenNoCookie !== undefined) metrics.push(attr(RTAX_FASTOPEN_NO_COOKIE, u32(r.metrics.fastopenNoCookie)));
  if (r.ttlPropagate !== null) attrs.push(attr(RTA.TTL_PROPAGATE, u8(r.ttlPropagate)));
  if (metrics.length > 0) {
    if (r.lock) metrics.push(attr(RTAX_LOCK, u32(r.lock)));
    attrs.push(attr(RTA.METRICS, Buffer.concat(metrics)));
  }

  if (r.nexthops.length > 0) {
    const hops: Buffer[] = [];
    for (const nh of r.nexthops) {
      const inner: Buffer[] = [];
      if (nh.via) inner.push(nh.via.family === r.family ? attr(RTA.GATEWAY, addressBytes(nh.via.address)) : attr(RTA.VIA, viaPayload(nh.via)));
      if (nh.realms !== null) inner.push(attr(RTA.FLOW, u32(nh.realms)));
      const body = Buffer.concat(inner);
      // struct rtnexthop: len u16, flags u8, hops u8, ifindex i32
      const rtnh = Buffer.alloc(8);
      rtnh.writeUInt16LE(8 + body.length, 0);
      rtnh[2] = nh.flags;
      rtnh[3] = nh.hops ?? 0;
      rtnh.writeInt32LE(nh.dev !== null ? indexOf(nh.dev) : 0, 4);
      hops.push(rtnh, body);
    }
    attrs.push(attr(RTA.MULTIPATH, Buffer.concat(hops)));
  }

  let flags = 0;
  if (!del) {
    flags = NLM_F_CREATE;
    if (r.mode === 'add') flags |= NLM_F_EXCL;
    else if (r.mode === 'append') flags |= NLM_F_APPEND;
  }
  return { type: del ? RTM_DELROUTE : RTM_NEWROUTE, flags, body: Buffer.concat([hdr, ...attrs]) };
}

/** RTM_NEWRULE / RTM_DELRULE for one rule, as keepalived's netlink_rule(). */
export function encodeRule(r: IpRule, op: 'add' | 'delete'): Request {
  const hdr = Buffer.alloc(12);
  const attrs: Buffer[] = [];
  hdr[0] = familyNumber(r.family);
  hdr[3] = r.tos;
  hdr[4] = RT_TABLE_UNSPEC;
  if (r.action === FR_ACT.TO_TBL && !r.l3mdev) {
    if (r.table < 256) hdr[4] = r.table ? r.table : RT_TABLE_MAIN;
    else attrs.push(attr(FRA.TABLE, u32(r.table)));
  }
  let flags = 0;
  if (r.invert) flags |= FIB_RULE_INVERT;
  hdr.writeUInt32LE(flags, 8);
  if (r.from) {
    attrs.push(attr(FRA.SRC, addressBytes(r.from.address)));
    hdr[2] = r.from.prefixLen;
  }
  if (r.to) {
    attrs.push(attr(FRA.DST, addressBytes(r.to.address)));
    hdr[1] = r.to.prefixLen;
  }
  attrs.push(attr(FRA.PRIORITY, u32(r.priority)));
  if (r.fwmark !== null) attrs.push(attr(FRA.FWMARK, u32(r.fwmark)));
  if (r.fwmask !== null) attrs.push(attr(FRA.FWMASK, u32(r.fwmask)));
  if (r.realms) attrs.push(attr(FRA.FLOW, u32(r.realms)));
  if (r.suppressPrefixLen !== null) attrs.push(attr(FRA.SUPPRESS_PREFIXLEN, u32(r.suppressPrefixLen)));
  if (r.suppressIfgroup !== null) attrs.push(attr(FRA.SUPPRESS_IFGROUP, u32(r.suppressIfgroup)));
  if (r.iif !== null) attrs.push(attr(FRA.IIFNAME, Buffer.from(`${r.iif}\0`)));
  if (r.oif !== null) attrs.push(attr(FRA.OIFNAME, Buffer.from(`${r.oif}\0`)));
  if (r.tunnelId) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(r.tunnelId, 0);
    attrs.push(attr(FRA.TUN_ID, b));
  }
  if (r.uidRange) attrs.push(attr(FRA.UID_RANGE, Buffer.concat([u32(r.uidRange.start), u32(r.uidRange.end)])));
  if (r.l3mdev) attrs.push(attr(FRA.L3MDEV, u8(1)));
  if (r.protocol !== null) attrs.push(attr(FRA.PROTOCOL, u8(r.protocol)));
  if (r.ipProto !== null) attrs.push(attr(FRA.IP_PROTO, u8(r.ipProto)));
  const range = (p: { start: number; end: number }) => {
    const b = Buffer.alloc(4);
    b.writeUInt16LE(p.start, 0);
    b.writeUInt16LE(p.end, 2);
    return b;
  };
  if (r.sport) attrs.push(attr(FRA.SPORT_RANGE, range(r.sport)));
  if (r.dport) attrs.push(attr(FRA.DPORT_RANGE, range(r.dport)));
  if (r.action === FR_ACT.GOTO) attrs.push(attr(FRA.GOTO, u32(r.gotoTarget!)));
  hdr[7] = r.action;
  const del = op === 'delete';
  return { type: del ? RTM_DELRULE : RTM_NEWRULE, flags: del ? 0 : NLM_F_CREATE | NLM_F_EXCL, body: Buffer.concat([hdr, ...attrs]) };
}

/** How a route or rule is named in logs and errors (`EEXIST adding route 10.1.0.0/16 via 10.0.0.1 table 100`). */
export const routeOperation = (op: 'add' | 'delete', r: IpRoute) => `${op === 'add' ? 'adding' : 'removing'} route ${r.text}`;
export const ruleOperation = (op: 'add' | 'delete', r: IpRule) => `${op === 'add' ? 'adding' : 'removing'} rule ${r.text}`;

// ---------------------------------------------------------------------------------------------
// Notifications: what a route or rule the kernel added or deleted says, enough to tell whether
// it is one of ours (keepalived's route_is_ours / rule_is_ours)

export interface RouteNotice {
  kind: 'route';
  op: 'new' | 'del';
  family: 4 | 6;
  dstLen: number;
  tos: number;
  /** RTA_TABLE when present, else rtm_table. */
  table: number;
  protocol: number;
  /** null: no RTA_DST (a default route). */
  dst: string | null;
  oif: number | null;
}

export interface RuleNotice {
  kind: 'rule';
  op: 'new' | 'del';
  family: 4 | 6;
  priority: number | null;
  action: number;
  table: number;
  /** FRA_PROTOCOL, null when the kernel did not say. */
  protocol: number | null;
}

function* attrsOf(body: Buffer, from: number): Generator<[number, Buffer]> {
  let at = from;
  while (at + 4 <= body.length) {
    const len = body.readUInt16LE(at);
    if (len < 4 || at + len > body.length) return;
    yield [body.readUInt16LE(at + 2) & 0x3fff, body.subarray(at + 4, at + len)];
    at += align4(len);
  }
}

const familyOf = (n: number): 4 | 6 | null => (n === AF_INET ? 4 : n === AF_INET6 ? 6 : null);
const addressText = (b: Buffer) => ipaddr.fromByteArray(Array.from(b)).toString();

/** A RTM_NEWROUTE/RTM_DELROUTE message body (after the nlmsghdr); null for other families. */
export function decodeRouteNotice(type: number, body: Buffer): RouteNotice | null {
  if ((type !== RTM_NEWROUTE && type !== RTM_DELROUTE) || body.length < 12) return null;
  const family = familyOf(body[0]);
  if (!family) return null;
  const n: RouteNotice = { kind: 'route', op: type === RTM_NEWROUTE ? 'new' : 'del', family, dstLen: body[1], tos: body[3], table: body[4], protocol: body[5], dst: null, oif: null };
  for (const [t, v] of attrsOf(body, 12)) {
    if (t === RTA.DST && (v.length === 4 || v.length === 16)) n.dst = addressText(v);
    else if (t === RTA.OIF && v.length >= 4) n.oif = v.readUInt32LE(0);
    else if (t === RTA.TABLE && v.length >= 4) n.table = v.readUInt32LE(0);
  }
  return n;
}

/** A RTM_NEWRULE/RTM_DELRULE message body; null for other families. */
export function decodeRuleNotice(type: number, body: Buffer): RuleNotice | null {
  if ((type !== RTM_NEWRULE && type !== RTM_DELRULE) || body.length < 12) return null;
  const family = familyOf(body[0]);
  if (!family) return null;
  const n: RuleNotice = { kind: 'rule', op: type === RTM_NEWRULE ? 'new' : 'del', family, priority: null, action: body[7], table: body[4], protocol: null };
  for (const [t, v] of attrsOf(body, 12)) {
    if (t === FRA.PRIORITY && v.length >= 4) n.priority = v.readUInt32LE(0);
    else if (t === FRA.TABLE && v.length >= 4) n.table = v.readUInt32LE(0);
    else if (t === FRA.PROTOCOL && v.length >= 1) n.protocol = v[0];
  }
  return n;
}

const sameAddress = (a: string, b: string) => ipaddr.parse(a).toNormalizedString() === ipaddr.parse(b).toNormalizedString();

/**
 * keepalived's route_is_ours: same table, family, prefix length, TOS and destination, and the
 * configured interface when the route names one. Only RTPROT_KEEPALIVED routes are looked at.
 */
export function isOurRoute(n: RouteNotice, r: IpRoute, indexOf: (name: string) => number | null): boolean {
  if (n.protocol !== 18 || n.table !== r.table || n.family !== r.family || n.dstLen !== r.dst.prefixLen || n.tos !== (r.tos ?? 0)) return false;
  if (r.dev !== null && n.oif !== indexOf(r.dev)) return false;
  return sameAddress(n.dst ?? (r.family === 4 ? '0.0.0.0' : '::'), r.dst.address);
}

/** keepalived's rule_is_ours (compare_rule): family, priority (every rule of ours has one), action, table. */
export function isOurRule(n: RuleNotice, r: IpRule): boolean {
  if (n.protocol !== null && n.protocol !== 18) return false;
  const table = r.action === FR_ACT.TO_TBL && !r.l3mdev ? (r.table || RT_TABLE_MAIN) : 0;
  return n.family === r.family && n.priority === r.priority && n.action === r.action && n.table === table;
}
