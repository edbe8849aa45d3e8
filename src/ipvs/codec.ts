/**
 * The IPVS generic-netlink codec: pure encode/decode between the plain-data table of
 * ./types.ts and netlink message bytes. No sockets here (see ./genl-socket.ts).
 *
 * Wire rules (net/netfilter/ipvs/ip_vs_ctl.c):
 *  - a service is a nest IPVS_CMD_ATTR_SERVICE holding AF + (FWMARK | PROTOCOL + ADDR + PORT);
 *    NEW/SET_SERVICE also need SCHED_NAME, FLAGS ({flags, mask}), TIMEOUT and NETMASK;
 *  - ports are big-endian u16; addresses are a 16-byte union nf_inet_addr (IPv4 in the first 4);
 *  - NETMASK is a raw __be32: IPv4 a dotted mask in network order, IPv6 a prefix length;
 *  - NEW/SET_DEST need FWD_METHOD, WEIGHT, U_THRESH, L_THRESH; DEL_DEST only ADDR + PORT.
 */
import type * as IpAddr from 'ipaddr.js';
import { AttrMap, AttrWriter, getBe16, getBe32, getStr, getU16, getU32, getU64, getU8, parseAttrs, walkAttrs } from './attr';
import * as C from './constants';
import {
  IP_VS_SVC_F_HASHED,
  IpvsDestination,
  IpvsForward,
  IpvsProtocol,
  IpvsService,
  IpvsServiceKey,
  IpvsStats,
} from './types';
import type { IpvsDestinationKey } from './ops';

/** ipaddr.js, loaded on first use: an IPv4-only listing never needs it. */
let ipaddrModule: typeof IpAddr | undefined;
const ipaddr = (): typeof IpAddr => (ipaddrModule ??= require('ipaddr.js') as typeof IpAddr);

// ---------------------------------------------------------------------------------------------
// netlink + genetlink framing

export interface NetlinkHeader {
  type: number;
  flags: number;
  seq: number;
  pid: number;
}

export interface NetlinkMessage extends NetlinkHeader {
  /** Payload after the 16-byte nlmsghdr. */
  payload: Buffer;
}

/** One genetlink request: command, netlink flags beyond REQUEST, and its attributes. */
export interface GenlRequest {
  cmd: number;
  /** NLM_F_DUMP for dumps; NLM_F_ACK is added by the socket for non-dumps. */
  flags: number;
  attrs?: (w: AttrWriter) => void;
}

/** Encode a genetlink message: nlmsghdr + genlmsghdr(cmd, version) + attributes. */
export function encodeGenlMessage(
  family: number,
  cmd: number,
  version: number,
  hdr: { flags: number; seq: number; pid: number },
  attrs?: (w: AttrWriter) => void,
): Buffer {
  const w = new AttrWriter(128);
  appendGenlMessage(w, family, cmd, version, hdr, attrs);
  return w.bytes();
}

/** The same message appended to `w` (many requests, one buffer: the listing sends 10,000). */
export function appendGenlMessage(
  w: AttrWriter,
  family: number,
  cmd: number,
  version: number,
  hdr: { flags: number; seq: number; pid: number },
  attrs?: (w: AttrWriter) => void,
): void {
  const start = w.length;
  w.zeros(C.NLMSG_HDRLEN + C.GENL_HDRLEN);
  if (attrs) attrs(w);
  w.patchU32LE(start, w.length - start);
  w.patchU16LE(start + 4, family);
  w.patchU16LE(start + 6, hdr.flags);
  w.patchU32LE(start + 8, hdr.seq >>> 0);
  w.patchU32LE(start + 12, hdr.pid >>> 0);
  w.patchU8(start + 16, cmd);
  w.patchU8(start + 17, version);
}

/** Split one received datagram into its netlink messages. */
export function parseNetlinkMessages(buf: Buffer): NetlinkMessage[] {
  const out: NetlinkMessage[] = [];
  let off = 0;
  while (off + C.NLMSG_HDRLEN <= buf.length) {
    const len = buf.readUInt32LE(off);
    if (len < C.NLMSG_HDRLEN || off + len > buf.length) throw new Error(`malformed netlink message at offset ${off}`);
    out.push({
      type: buf.readUInt16LE(off + 4),
      flags: buf.readUInt16LE(off + 6),
      seq: buf.readUInt32LE(off + 8),
      pid: buf.readUInt32LE(off + 12),
      payload: buf.subarray(off + C.NLMSG_HDRLEN, off + len),
    });
    off += (len + 3) & ~3;
  }
  return out;
}

/** NLMSG_ERROR payload: the (negative) errno; 0 is an ACK. */
export function parseErrorPayload(payload: Buffer): number {
  return payload.readInt32LE(0);
}

export interface GenlMessage {
  cmd: number;
  version: number;
  attrs: AttrMap;
}

export function parseGenl(payload: Buffer): GenlMessage {
  return { cmd: payload.readUInt8(0), version: payload.readUInt8(1), attrs: parseAttrs(payload, C.GENL_HDRLEN) };
}

/** nlctrl CTRL_CMD_GETFAMILY by name (what resolves, and auto-loads, the "IPVS" family). */
export function getFamilyRequest(name: string): GenlRequest {
  return { cmd: C.CTRL_CMD_GETFAMILY, flags: 0, attrs: (w) => w.str(C.CTRL_ATTR_FAMILY_NAME, name) };
}

export function decodeFamilyId(msg: GenlMessage): number {
  const id = getU16(msg.attrs.get(C.CTRL_ATTR_FAMILY_ID));
  if (id === undefined) throw new Error('nlctrl reply without CTRL_ATTR_FAMILY_ID');
  return id;
}

// ---------------------------------------------------------------------------------------------
// addresses

const afToKernel = (af: 4 | 6): number => (af === 4 ? C.AF_INET : C.AF_INET6);
const afFromKernel = (af: number): 4 | 6 => {
  if (af === C.AF_INET) return 4;
  if (af === C.AF_INET6) return 6;
  throw new Error(`unknown address family ${af}`);
};

/** union nf_inet_addr: 16 bytes, IPv4 in the first four. */
const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function encodeAddress(af: 4 | 6, address: string): Buffer {
  const out = Buffer.alloc(16);
  const m = af === 4 ? IPV4_RE.exec(address) : null;
  if (m && +m[1] < 256 && +m[2] < 256 && +m[3] < 256 && +m[4] < 256) {
    out[0] = +m[1];
    out[1] = +m[2];
    out[2] = +m[3];
    out[3] = +m[4];
    return out;
  }
  const bytes = ipaddr().parse(address).toByteArray();
  if ((af === 4 && bytes.length !== 4) || (af === 6 && bytes.length !== 16)) {
    throw new Error(`address ${address} is not IPv${af}`);
  }
  Buffer.from(bytes).copy(out);
  return out;
}

export function decodeAddress(af: 4 | 6, b: Buffer): string {
  if (af === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  return ipaddr().fromByteArray(Array.from(b.subarray(0, 16))).toString();
}

// ---------------------------------------------------------------------------------------------
// services and destinations

const FWD_TO_KERNEL: Record<IpvsForward, number> = {
  masq: C.IP_VS_CONN_F_MASQ,
  local: C.IP_VS_CONN_F_LOCALNODE,
  tunnel: C.IP_VS_CONN_F_TUNNEL,
  route: C.IP_VS_CONN_F_DROUTE,
};
const FWD_FROM_KERNEL: IpvsForward[] = ['masq', 'local', 'tunnel', 'route'];

export function forwardFromKernel(connFlags: number): IpvsForward {
  const f = FWD_FROM_KERNEL[connFlags & C.IP_VS_CONN_F_FWD_MASK];
  if (!f) throw new Error(`unknown forwarding method ${connFlags & C.IP_VS_CONN_F_FWD_MASK}`);
  return f;
}

function putServiceKey(w: AttrWriter, key: IpvsServiceKey): void {
  w.u16(C.IPVS_SVC_ATTR_AF, afToKernel(key.af));
  if ('fwmark' in key) {
    w.u32(C.IPVS_SVC_ATTR_FWMARK, key.fwmark);
  } else {
    w.u16(C.IPVS_SVC_ATTR_PROTOCOL, key.protocol);
    w.put(C.IPVS_SVC_ATTR_ADDR, encodeAddress(key.af, key.address));
    w.be16(C.IPVS_SVC_ATTR_PORT, key.port);
  }
}

/** Default persistence granularity: /32 for IPv4 (as a mask), 128 for IPv6 (a prefix length). */
export const defaultNetmask = (af: 4 | 6): number => (af === 4 ? 0xffffffff : 128);

function putServiceFull(w: AttrWriter, svc: IpvsService): void {
  putServiceKey(w, svc.key);
  w.str(C.IPVS_SVC_ATTR_SCHED_NAME, svc.scheduler);
  const flags = Buffer.alloc(8);
  // HASHED is the kernel's own bookkeeping bit; never ask for it. The mask says "set all".
  flags.writeUInt32LE((svc.flags & ~IP_VS_SVC_F_HASHED) >>> 0, 0);
  flags.writeUInt32LE(0xffffffff, 4);
  w.put(C.IPVS_SVC_ATTR_FLAGS, flags);
  w.u32(C.IPVS_SVC_ATTR_TIMEOUT, svc.timeout);
  const netmask = svc.netmask || defaultNetmask(svc.key.af);
  if (svc.key.af === 4) w.be32(C.IPVS_SVC_ATTR_NETMASK, netmask);
  else w.u32(C.IPVS_SVC_ATTR_NETMASK, netmask);
  // libipvs ipvs_nl_fill_service_attr: only when there is one
  if (svc.peName) w.str(C.IPVS_SVC_ATTR_PE_NAME, svc.peName);
}

function putDestFull(w: AttrWriter, svcAf: 4 | 6, d: IpvsDestination): void {
  w.put(C.IPVS_DEST_ATTR_ADDR, encodeAddress(d.af, d.address));
  w.be16(C.IPVS_DEST_ATTR_PORT, d.port);
  w.u32(C.IPVS_DEST_ATTR_FWD_METHOD, FWD_TO_KERNEL[d.forward]);
  w.u32(C.IPVS_DEST_ATTR_WEIGHT, d.weight);
  w.u32(C.IPVS_DEST_ATTR_U_THRESH, d.upperThreshold);
  w.u32(C.IPVS_DEST_ATTR_L_THRESH, d.lowerThreshold);
  // Only needed (and only understood by kernels >= 4.x) for a destination of the other family.
  if (d.af !== svcAf) w.u16(C.IPVS_DEST_ATTR_ADDR_FAMILY, afToKernel(d.af));
}

function putDestKey(w: AttrWriter, svcAf: 4 | 6, d: IpvsDestinationKey): void {
  w.put(C.IPVS_DEST_ATTR_ADDR, encodeAddress(d.af, d.address));
  w.be16(C.IPVS_DEST_ATTR_PORT, d.port);
  if (d.af !== svcAf) w.u16(C.IPVS_DEST_ATTR_ADDR_FAMILY, afToKernel(d.af));
}

// ---------------------------------------------------------------------------------------------
// requests (one function per command)

export const newService = (svc: IpvsService): GenlRequest => ({
  cmd: C.IPVS_CMD_NEW_SERVICE,
  flags: 0,
  attrs: (w) => w.nest(C.IPVS_CMD_ATTR_SERVICE, () => putServiceFull(w, svc)),
});
export const setService = (svc: IpvsService): GenlRequest => ({
  cmd: C.IPVS_CMD_SET_SERVICE,
  flags: 0,
  attrs: (w) => w.nest(C.IPVS_CMD_ATTR_SERVICE, () => putServiceFull(w, svc)),
});
export const delService = (key: IpvsServiceKey): GenlRequest => ({
  cmd: C.IPVS_CMD_DEL_SERVICE,
  flags: 0,
  attrs: (w) => w.nest(C.IPVS_CMD_ATTR_SERVICE, () => putServiceKey(w, key)),
});
/** GET_SERVICE for one service (reply: one NEW_SERVICE message, or ESRCH). */
export const getService = (key: IpvsServiceKey): GenlRequest => ({
  cmd: C.IPVS_CMD_GET_SERVICE,
  flags: 0,
  attrs: (w) => w.nest(C.IPVS_CMD_ATTR_SERVICE, () => putServiceKey(w, key)),
});
export const dumpServices = (): GenlRequest => ({ cmd: C.IPVS_CMD_GET_SERVICE, flags: C.NLM_F_DUMP });
export const newDest = (key: IpvsServiceKey, d: IpvsDestination): GenlRequest => ({
  cmd: C.IPVS_CMD_NEW_DEST,
  flags: 0,
  attrs: (w) => {
    w.nest(C.IPVS_CMD_ATTR_SERVICE, () => putServiceKey(w, key));
    w.nest(C.IPVS_CMD_ATTR_DEST, () => putDestFull(w, key.af, d));
  },
});
export const setDest = (key: IpvsServiceKey, d: IpvsDestination): GenlRequest => ({
  ...newDest(key, d),
  cmd: C.IPVS_CMD_SET_DEST,
});
export const delDest = (key: IpvsServiceKey, d: IpvsDestinationKey): GenlRequest => ({
  cmd: C.IPVS_CMD_DEL_DEST,
  flags: 0,
  attrs: (w) => {
    w.nest(C.IPVS_CMD_ATTR_SERVICE, () => putServiceKey(w, key));
    w.nest(C.IPVS_CMD_ATTR_DEST, () => putDestKey(w, key.af, d));
  },
});
export const dumpDests = (key: IpvsServiceKey): GenlRequest => ({
  cmd: C.IPVS_CMD_GET_DEST,
  flags: C.NLM_F_DUMP,
  attrs: (w) => w.nest(C.IPVS_CMD_ATTR_SERVICE, () => putServiceKey(w, key)),
});
export const getInfo = (): GenlRequest => ({ cmd: C.IPVS_CMD_GET_INFO, flags: 0 });
export const getConfig = (): GenlRequest => ({ cmd: C.IPVS_CMD_GET_CONFIG, flags: 0 });
export const flush = (): GenlRequest => ({ cmd: C.IPVS_CMD_FLUSH, flags: 0 });
/** ZERO of one service's counters, or of everything when `key` is absent. */
export const zero = (key?: IpvsServiceKey): GenlRequest => ({
  cmd: C.IPVS_CMD_ZERO,
  flags: 0,
  attrs: key ? (w) => w.nest(C.IPVS_CMD_ATTR_SERVICE, () => putServiceKey(w, key)) : undefined,
});

/** Connection timeouts in seconds; 0 (or absent) leaves a value unchanged, as in the kernel. */
export interface IpvsTimeouts {
  tcp: number;
  tcpFin: number;
  udp: number;
}

export const setConfig = (t: Partial<IpvsTimeouts>): GenlRequest => ({
  cmd: C.IPVS_CMD_SET_CONFIG,
  flags: 0,
  attrs: (w) => {
    if (t.tcp !== undefined) w.u32(C.IPVS_CMD_ATTR_TIMEOUT_TCP, t.tcp);
    if (t.tcpFin !== undefined) w.u32(C.IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, t.tcpFin);
    if (t.udp !== undefined) w.u32(C.IPVS_CMD_ATTR_TIMEOUT_UDP, t.udp);
  },
});

export type IpvsDaemonState = 'master' | 'backup';

export interface IpvsDaemon {
  state: IpvsDaemonState;
  mcastInterface: string;
  syncId: number;
  /** Optional (kernel >= 4.3): UDP payload size, multicast group/port/TTL. */
  syncMaxLen?: number;
  mcastGroup?: string;
  mcastPort?: number;
  mcastTtl?: number;
}

const daemonStateToKernel = (s: IpvsDaemonState): number => (s === 'master' ? C.IP_VS_STATE_MASTER : C.IP_VS_STATE_BACKUP);

export const newDaemon = (d: IpvsDaemon): GenlRequest => ({
  cmd: C.IPVS_CMD_NEW_DAEMON,
  flags: 0,
  attrs: (w) =>
    w.nest(C.IPVS_CMD_ATTR_DAEMON, () => {
      w.u32(C.IPVS_DAEMON_ATTR_STATE, daemonStateToKernel(d.state));
      w.str(C.IPVS_DAEMON_ATTR_MCAST_IFN, d.mcastInterface);
      w.u32(C.IPVS_DAEMON_ATTR_SYNC_ID, d.syncId);
      if (d.syncMaxLen !== undefined) w.u16(C.IPVS_DAEMON_ATTR_SYNC_MAXLEN, d.syncMaxLen);
      if (d.mcastGroup !== undefined) {
        const bytes = Buffer.from(ipaddr().parse(d.mcastGroup).toByteArray());
        w.put(bytes.length === 4 ? C.IPVS_DAEMON_ATTR_MCAST_GROUP : C.IPVS_DAEMON_ATTR_MCAST_GROUP6, bytes);
      }
      // host byte order (nla_get_u16 in ip_vs_genl_new_daemon)
      if (d.mcastPort !== undefined) w.u16(C.IPVS_DAEMON_ATTR_MCAST_PORT, d.mcastPort);
      if (d.mcastTtl !== undefined) w.u8(C.IPVS_DAEMON_ATTR_MCAST_TTL, d.mcastTtl);
    }),
});
export const delDaemon = (state: IpvsDaemonState): GenlRequest => ({
  cmd: C.IPVS_CMD_DEL_DAEMON,
  flags: 0,
  attrs: (w) => w.nest(C.IPVS_CMD_ATTR_DAEMON, () => w.u32(C.IPVS_DAEMON_ATTR_STATE, daemonStateToKernel(state))),
});
export const dumpDaemons = (): GenlRequest => ({ cmd: C.IPVS_CMD_GET_DAEMON, flags: C.NLM_F_DUMP });

// ---------------------------------------------------------------------------------------------
// replies

function nested(attrs: AttrMap, type: number): AttrMap | undefined {
  const b = attrs.get(type);
  return b ? parseAttrs(b) : undefined;
}

/** STATS (u32 counters, u64 bytes) or STATS64 (all u64). */
export function decodeStats(b: Buffer, is64: boolean): IpvsStats {
  const v: bigint[] = [0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n];
  walkAttrs(b, 0, b.length, (type, off, len) => {
    if (type < C.IPVS_STATS_ATTR_CONNS || type > C.IPVS_STATS_ATTR_OUTBPS) return;
    v[type] = len >= 8 ? b.readBigUInt64LE(off) : len >= 4 ? BigInt(b.readUInt32LE(off)) : 0n;
  });
  void is64; // the attribute length says which it is (u32 counters in STATS, u64 in STATS64)
  return {
    conns: v[C.IPVS_STATS_ATTR_CONNS],
    inpkts: v[C.IPVS_STATS_ATTR_INPKTS],
    outpkts: v[C.IPVS_STATS_ATTR_OUTPKTS],
    inbytes: v[C.IPVS_STATS_ATTR_INBYTES],
    outbytes: v[C.IPVS_STATS_ATTR_OUTBYTES],
    cps: v[C.IPVS_STATS_ATTR_CPS],
    inpps: v[C.IPVS_STATS_ATTR_INPPS],
    outpps: v[C.IPVS_STATS_ATTR_OUTPPS],
    inbps: v[C.IPVS_STATS_ATTR_INBPS],
    outbps: v[C.IPVS_STATS_ATTR_OUTBPS],
  };
}

function statsOf(a: AttrMap, t32: number, t64: number): IpvsStats | undefined {
  const s64 = a.get(t64);
  if (s64) return decodeStats(s64, true);
  const s32 = a.get(t32);
  return s32 ? decodeStats(s32, false) : undefined;
}

const need = <T>(v: T | undefined, what: string): T => {
  if (v === undefined) throw new Error(`IPVS reply without ${what}`);
  return v;
};

/** A service as the kernel reports it (destinations empty: they come from GET_DEST). */
export function decodeService(msg: GenlMessage, withStats = true): IpvsService {
  const a = need(nested(msg.attrs, C.IPVS_CMD_ATTR_SERVICE), 'IPVS_CMD_ATTR_SERVICE');
  const af = afFromKernel(need(getU16(a.get(C.IPVS_SVC_ATTR_AF)), 'IPVS_SVC_ATTR_AF'));
  const fwmark = getU32(a.get(C.IPVS_SVC_ATTR_FWMARK)) ?? 0;
  const key: IpvsServiceKey =
    fwmark !== 0
      ? { af, fwmark }
      : {
          af,
          protocol: need(getU16(a.get(C.IPVS_SVC_ATTR_PROTOCOL)), 'IPVS_SVC_ATTR_PROTOCOL') as IpvsProtocol,
          address: decodeAddress(af, need(a.get(C.IPVS_SVC_ATTR_ADDR), 'IPVS_SVC_ATTR_ADDR')),
          port: need(getBe16(a.get(C.IPVS_SVC_ATTR_PORT)), 'IPVS_SVC_ATTR_PORT'),
        };
  const flagsBuf = a.get(C.IPVS_SVC_ATTR_FLAGS);
  const flags = flagsBuf && flagsBuf.length >= 8 ? flagsBuf.readUInt32LE(0) & flagsBuf.readUInt32LE(4) : 0;
  const nm = a.get(C.IPVS_SVC_ATTR_NETMASK);
  const svc: IpvsService = {
    key,
    scheduler: getStr(a.get(C.IPVS_SVC_ATTR_SCHED_NAME)) ?? '',
    flags: (flags & ~IP_VS_SVC_F_HASHED) >>> 0,
    timeout: getU32(a.get(C.IPVS_SVC_ATTR_TIMEOUT)) ?? 0,
    netmask: (af === 4 ? getBe32(nm) : getU32(nm)) ?? defaultNetmask(af),
    destinations: [],
  };
  const pe = getStr(a.get(C.IPVS_SVC_ATTR_PE_NAME));
  if (pe) svc.peName = pe;
  const stats = withStats ? statsOf(a, C.IPVS_SVC_ATTR_STATS, C.IPVS_SVC_ATTR_STATS64) : undefined;
  if (stats) svc.stats = stats;
  return svc;
}

/**
 * A destination from a GET_DEST dump reply. Walks the attributes in place: this runs once per
 * destination of every service when listing, 40,000 times for a 10,000 x 4 table.
 */
export function decodeDest(msg: GenlMessage, svcAf: 4 | 6, withStats = true): IpvsDestination {
  const nest = need(msg.attrs.get(C.IPVS_CMD_ATTR_DEST), 'IPVS_CMD_ATTR_DEST');
  return decodeDestNest(nest, 0, nest.length, svcAf, withStats);
}

/**
 * The same from a GET_DEST reply's genetlink payload (genlmsghdr + attributes) at
 * `start`..`end` of `buf`, without the attribute map and buffer slices of parseGenl: the
 * listing decodes 40,000 of these straight from the exchange's one buffer.
 */
export function decodeDestPayload(buf: Buffer, svcAf: 4 | 6, withStats = true, start = 0, end = buf.length): IpvsDestination {
  let nest = -1;
  let len = 0;
  walkAttrs(buf, start + C.GENL_HDRLEN, end, (type, off, l) => {
    if (type === C.IPVS_CMD_ATTR_DEST) {
      nest = off;
      len = l;
    }
  });
  if (nest < 0) throw new Error('IPVS reply without IPVS_CMD_ATTR_DEST');
  return decodeDestNest(buf, nest, nest + len, svcAf, withStats);
}

function decodeDestNest(nest: Buffer, start: number, end: number, svcAf: 4 | 6, withStats: boolean): IpvsDestination {
  let addrOff = -1;
  let port: number | undefined;
  let af = svcAf;
  let fwd = 0;
  let weight = 0;
  let u = 0;
  let l = 0;
  let act = 0;
  let inact = 0;
  let pers = 0;
  let s32: [number, number] | undefined;
  let s64: [number, number] | undefined;
  walkAttrs(nest, start, end, (type, off, len) => {
    switch (type) {
      case C.IPVS_DEST_ATTR_ADDR: addrOff = off; break;
      case C.IPVS_DEST_ATTR_PORT: port = nest.readUInt16BE(off); break;
      case C.IPVS_DEST_ATTR_FWD_METHOD: fwd = nest.readUInt32LE(off); break;
      case C.IPVS_DEST_ATTR_WEIGHT: weight = nest.readUInt32LE(off); break;
      case C.IPVS_DEST_ATTR_U_THRESH: u = nest.readUInt32LE(off); break;
      case C.IPVS_DEST_ATTR_L_THRESH: l = nest.readUInt32LE(off); break;
      case C.IPVS_DEST_ATTR_ACTIVE_CONNS: act = nest.readUInt32LE(off); break;
      case C.IPVS_DEST_ATTR_INACT_CONNS: inact = nest.readUInt32LE(off); break;
      case C.IPVS_DEST_ATTR_PERSIST_CONNS: pers = nest.readUInt32LE(off); break;
      case C.IPVS_DEST_ATTR_ADDR_FAMILY: af = afFromKernel(nest.readUInt16LE(off)); break;
      case C.IPVS_DEST_ATTR_STATS: s32 = [off, len]; break;
      case C.IPVS_DEST_ATTR_STATS64: s64 = [off, len]; break;
    }
  });
  if (addrOff < 0) throw new Error('IPVS reply without IPVS_DEST_ATTR_ADDR');
  const d: IpvsDestination = {
    address: af === 4 ? `${nest[addrOff]}.${nest[addrOff + 1]}.${nest[addrOff + 2]}.${nest[addrOff + 3]}` : decodeAddress(6, nest.subarray(addrOff, addrOff + 16)),
    af,
    port: need(port, 'IPVS_DEST_ATTR_PORT'),
    forward: forwardFromKernel(fwd),
    weight: weight | 0,
    upperThreshold: u,
    lowerThreshold: l,
    activeConns: act,
    inactiveConns: inact,
    persistentConns: pers,
  };
  if (withStats && (s64 || s32)) {
    const [off, len] = (s64 ?? s32)!;
    d.stats = decodeStats(nest.subarray(off, off + len), s64 !== undefined);
  }
  return d;
}

export interface IpvsInfo {
  /** IP_VS_VERSION_CODE, e.g. 0x010201 for 1.2.1. */
  version: number;
  /** Size of the connection hash table (ip_vs_conn_tab_size). */
  connTableSize: number;
}

export function decodeInfo(msg: GenlMessage): IpvsInfo {
  return {
    version: need(getU32(msg.attrs.get(C.IPVS_INFO_ATTR_VERSION)), 'IPVS_INFO_ATTR_VERSION'),
    connTableSize: need(getU32(msg.attrs.get(C.IPVS_INFO_ATTR_CONN_TAB_SIZE)), 'IPVS_INFO_ATTR_CONN_TAB_SIZE'),
  };
}

export function decodeConfig(msg: GenlMessage): IpvsTimeouts {
  return {
    tcp: getU32(msg.attrs.get(C.IPVS_CMD_ATTR_TIMEOUT_TCP)) ?? 0,
    tcpFin: getU32(msg.attrs.get(C.IPVS_CMD_ATTR_TIMEOUT_TCP_FIN)) ?? 0,
    udp: getU32(msg.attrs.get(C.IPVS_CMD_ATTR_TIMEOUT_UDP)) ?? 0,
  };
}

export function decodeDaemon(msg: GenlMessage): IpvsDaemon {
  const a = need(nested(msg.attrs, C.IPVS_CMD_ATTR_DAEMON), 'IPVS_CMD_ATTR_DAEMON');
  const state = getU32(a.get(C.IPVS_DAEMON_ATTR_STATE));
  const d: IpvsDaemon = {
    state: state === C.IP_VS_STATE_BACKUP ? 'backup' : 'master',
    mcastInterface: getStr(a.get(C.IPVS_DAEMON_ATTR_MCAST_IFN)) ?? '',
    syncId: getU32(a.get(C.IPVS_DAEMON_ATTR_SYNC_ID)) ?? 0,
  };
  const maxlen = getU16(a.get(C.IPVS_DAEMON_ATTR_SYNC_MAXLEN));
  if (maxlen !== undefined) d.syncMaxLen = maxlen;
  const g4 = a.get(C.IPVS_DAEMON_ATTR_MCAST_GROUP);
  const g6 = a.get(C.IPVS_DAEMON_ATTR_MCAST_GROUP6);
  if (g6) d.mcastGroup = decodeAddress(6, g6);
  else if (g4) d.mcastGroup = decodeAddress(4, g4);
  const port = getU16(a.get(C.IPVS_DAEMON_ATTR_MCAST_PORT));
  if (port !== undefined) d.mcastPort = port;
  const ttl = getU8(a.get(C.IPVS_DAEMON_ATTR_MCAST_TTL));
  if (ttl !== undefined) d.mcastTtl = ttl;
  return d;
}
