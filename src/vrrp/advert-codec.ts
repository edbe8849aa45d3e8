/**
 * VRRP advertisement wire codec. IPv4: VRRPv2 (RFC 3768 §5.3) with auth none/PASS, and
 * VRRPv3 (RFC 5798/9568 §5.2) with its 12-bit centisecond interval.
 *
 *   v2:  ver|type  vrid  prio  count | auth type  adver int(s)  checksum | IPv4 addrs | 8 auth bytes
 *   v3:  ver|type  vrid  prio  count | rsvd(4) max adver int(12, cs)  checksum | IPv4 addrs
 *
 * Checksums: v2 over the VRRP message including the auth bytes; v3 over an IPv4 pseudo-header
 * (src, dst, 0, 112, length) + message by default — what keepalived 2.2.7 sends and expects —
 * or over the message alone when `v3_checksum_as_v2` is set (RFC 9568 §5.2.8).
 * VRRPv2 with IPsec AH (IP protocol 51, auth type 2, keepalived's `auth_type AH`): the AH header
 * sits between the IPv4 header and the message (ipsec-ah.ts); the ICV, SPI and sequence number
 * need the instance (its password and counter), so they are checked in receive-check.ts.
 *
 * IPv6 (RFC 9568 §5.1.2, §5.2.8): VRRPv3 only, 16-byte addresses, the checksum always over the
 * IPv6 pseudo-header (src, dst, upper-layer length, next header 112). An IPv6 raw socket
 * delivers no IP header, so decodeAdvert6 takes the message and the envelope the socket's
 * ancillary data gave (source, destination, hop limit).
 */
import * as ipaddr from 'ipaddr.js';
import { finishChecksum, internetChecksum, sumWords } from './checksum';
import {
  decodeIpv4Header,
  Ipv4Header,
  IPPROTO_AH,
  IPPROTO_VRRP,
  IPV4_HEADER_LEN,
  ipv4Bytes,
  ipv4String,
  writeIpv4,
  writeIpv4Header,
} from './ipv4-header';
import { AH_HEADER_LEN, ahIcv, AhHeader, decodeAhHeader, writeAhHeader } from './ipsec-ah';
import { reject, Rejection } from './rejection';

export const VRRP_HEADER_LEN = 8;
export const VRRP_AUTH_LEN = 8;
export const VRRP_TYPE_ADVERTISEMENT = 1;
export const VRRP_AUTH_NONE = 0;
export const VRRP_AUTH_PASS = 1;
export const VRRP_AUTH_AH = 2;

export type V3ChecksumMode = 'pseudo-header' | 'as-v2';
/**
 * A v3 checksum convention a received packet verified under: one of the modes, or keepalived
 * < 1.3.6's unicast one (the IPv4 pseudo-header names vrrp_mcast_group4, not the packet's
 * destination: keepalived's old_unicast_checksum).
 */
export type V3ChecksumSeen = V3ChecksumMode | 'old-unicast';

export interface AdvertFields {
  version: 2 | 3;
  virtualRouterId: number;
  priority: number;
  /** v2: whole seconds on the wire (1–255); v3: centiseconds (1–4095). */
  adverIntMs: number;
  /** IPv4 virtual addresses carried in the advert (not the excluded ones). */
  ipAddresses: string[];
  /** v2 only. */
  authType?: 'NONE' | 'PASS' | 'AH';
  /** v2 PASS: up to 8 bytes, zero-padded. */
  authPass?: string | null;
}

export interface VrrpAdvert {
  version: 2 | 3;
  type: number;
  virtualRouterId: number;
  priority: number;
  countIpAddrs: number;
  /** v2 auth type (0 none, 1 PASS, 2 AH); always 0 for v3. */
  authType: number;
  /** Interval as carried: v2 seconds × 1000, v3 centiseconds × 10. */
  adverIntMs: number;
  checksum: number;
  ipAddresses: string[];
  /** v2: the 8 auth bytes; v3: empty. */
  authData: Buffer;
}

/** What an IPv6 raw socket tells about a received message (recvmsg ancillary data). */
export interface Ipv6Envelope {
  version: 6;
  src: string;
  /** The destination (IPV6_PKTINFO): the group, or our unicast address. */
  dst: string;
  /** Hop limit (IPV6_HOPLIMIT); -1 when the kernel gave none. Named as the IPv4 field. */
  ttl: number;
}

export type PacketIp = Ipv4Header | Ipv6Envelope;

export interface DecodedPacket<I extends PacketIp = PacketIp> {
  ok: true;
  ip: I;
  vrrp: VrrpAdvert;
  /** Which v3 checksum convention the packet verified under (null for v2). */
  v3Checksum: V3ChecksumSeen | null;
  /** Every accepted convention it verified under (both, in the rare case the pseudo-header sums to zero). */
  v3Checksums: V3ChecksumSeen[];
  /** IPv4 protocol 51: the AH header and the packet it covers (for the instance's ICV check). */
  ah?: ReceivedAh;
}

export interface ReceivedAh extends AhHeader {
  /** The whole IPv4 packet up to its total length (what the ICV covers). */
  packet: Buffer;
  ipHeaderLength: number;
}

export type DecodeResult<I extends PacketIp = PacketIp> = DecodedPacket<I> | Rejection;

/** Length of the VRRP message (without IP header) for `count` addresses of `family`. */
export function vrrpMessageLength(version: 2 | 3, count: number, family: 4 | 6 = 4): number {
  return VRRP_HEADER_LEN + (family === 6 ? 16 : 4) * count + (version === 2 ? VRRP_AUTH_LEN : 0);
}

/** The partial sum of the IPv6 pseudo-header (RFC 8200 §8.1) for a message of `length` bytes. */
export function pseudoHeaderSum6(src: string, dst: string, length: number, nextHeader = IPPROTO_VRRP): number {
  const p = Buffer.alloc(40);
  Buffer.from(ipaddr.IPv6.parse(src).toByteArray()).copy(p, 0);
  Buffer.from(ipaddr.IPv6.parse(dst).toByteArray()).copy(p, 16);
  p.writeUInt32BE(length, 32);
  p[39] = nextHeader;
  return sumWords(p);
}

/** The partial sum of the IPv4 pseudo-header for a VRRPv3 message of `length` bytes. */
function pseudoHeaderSum(src: string, dst: string, length: number): number {
  const a = ipv4Bytes(src);
  const b = ipv4Bytes(dst);
  return ((a[0] << 8) | a[1]) + ((a[2] << 8) | a[3]) + ((b[0] << 8) | b[1]) + ((b[2] << 8) | b[3]) + IPPROTO_VRRP + length;
}

function pseudoHeaderSumRaw(ip: Uint8Array, ipOffset: number, length: number): number {
  // src and dst sit at ip[12..20): sum them straight from the packet (hot path of decode).
  let s = sumWords(ip, ipOffset + 12, ipOffset + 20);
  s += IPPROTO_VRRP;
  s += length;
  return s;
}

export interface ChecksumContext {
  /** Source and destination of the packet (for the v3 pseudo-header); IPv6 ones make an IPv6 advert. */
  src: string;
  dst: string;
  v3Checksum?: V3ChecksumMode;
  /** The destination the IPv4 pseudo-header names, when not `dst` (old_unicast_checksum: vrrp_mcast_group4). */
  pseudoDst?: string;
}

/** Encodes the VRRP message (no IP header), checksum filled in. */
export function encodeAdvert(a: AdvertFields, ctx: ChecksumContext): Buffer {
  const b = Buffer.alloc(advertLength(a, advertFamily(ctx)));
  writeAdvert(b, 0, a, ctx);
  return b;
}

function advertLength(a: AdvertFields, family: 4 | 6 = 4): number {
  const count = a.ipAddresses.length;
  if (count > 255) throw new RangeError(`too many addresses in one advert: ${count}`);
  if (family === 6 && a.version !== 3) throw new RangeError('VRRPv2 has no IPv6 form');
  return vrrpMessageLength(a.version, count, family);
}

/** An advert whose source is an IPv6 address is an IPv6 advert. */
function advertFamily(ctx: ChecksumContext): 4 | 6 {
  return ctx.src.includes(':') ? 6 : 4;
}

/** encodeAdvert into `b` from `off` (zero-filled, advertLength(a) bytes). */
function writeAdvert(b: Buffer, off: number, a: AdvertFields, ctx: ChecksumContext): void {
  const count = a.ipAddresses.length;
  const family = advertFamily(ctx);
  const len = advertLength(a, family);
  b[off] = (a.version << 4) | VRRP_TYPE_ADVERTISEMENT;
  b[off + 1] = a.virtualRouterId;
  b[off + 2] = a.priority;
  b[off + 3] = count;
  if (a.version === 2) {
    b[off + 4] = a.authType === 'PASS' ? VRRP_AUTH_PASS : a.authType === 'AH' ? VRRP_AUTH_AH : VRRP_AUTH_NONE;
    b[off + 5] = Math.round(a.adverIntMs / 1000) & 0xff;
  } else {
    b.writeUInt16BE(Math.round(a.adverIntMs / 10) & 0x0fff, off + 4);
  }
  if (family === 6) {
    for (let i = 0; i < count; i++) Buffer.from(ipaddr.IPv6.parse(a.ipAddresses[i]).toByteArray()).copy(b, off + VRRP_HEADER_LEN + 16 * i);
  } else {
    for (let i = 0; i < count; i++) writeIpv4(b, off + VRRP_HEADER_LEN + 4 * i, a.ipAddresses[i]);
  }
  if (a.version === 2 && a.authType === 'PASS' && a.authPass) {
    b.write(a.authPass.slice(0, VRRP_AUTH_LEN), off + VRRP_HEADER_LEN + 4 * count, VRRP_AUTH_LEN, 'latin1');
  }
  const acc =
    family === 6 ? pseudoHeaderSum6(ctx.src, ctx.dst, len)
    : a.version === 3 && (ctx.v3Checksum ?? 'pseudo-header') === 'pseudo-header' ? pseudoHeaderSum(ctx.src, ctx.pseudoDst ?? ctx.dst, len)
    : 0;
  b.writeUInt16BE(internetChecksum(b, off, off + len, acc), off + 6);
}

export interface PacketFields extends AdvertFields {
  ipId: number;
  src: string;
  dst: string;
  ttl?: number;
  v3Checksum?: V3ChecksumMode;
  /** VRRPv3: the destination the pseudo-header names, when not `dst` (old_unicast_checksum). */
  pseudoDst?: string;
  /** authType 'AH': the sequence number, the HMAC key (ahKey) and whether the TTL is left out of the ICV (unicast). */
  ah?: { seq: number; key: Buffer; unicast: boolean };
}

/** A whole IPv4 VRRP packet as keepalived puts it on the wire (for an IP_HDRINCL socket). */
export function encodePacket(p: PacketFields): Buffer {
  const len = advertLength(p);
  if (p.version === 2 && p.authType === 'AH') return encodeAhPacket(p, len);
  // one small buffer from Node's pool (allocUnsafe), zeroed, instead of three allocations
  const out = Buffer.allocUnsafe(IPV4_HEADER_LEN + len).fill(0);
  writeAdvert(out, IPV4_HEADER_LEN, p, { src: p.src, dst: p.dst, v3Checksum: p.v3Checksum, pseudoDst: p.pseudoDst });
  writeIpv4Header(out, 0, { id: p.ipId, src: p.src, dst: p.dst, payloadLength: len, ttl: p.ttl });
  return out;
}

/**
 * One advert encoded once and sent many times (keepalived builds its packet once per instance
 * too, and vrrp_update_pkt patches it): the bytes of an IPv4 packet (encodePacket) or an IPv6
 * message (encodeAdvert) as they are for every advert of these fields; only an IPv4 packet's IP
 * id changes, and with it the header checksum, updated from the header's sum without it
 * (RFC 1624). Not for auth_type AH, whose sequence number and ICV change with every advert.
 */
export class AdvertTemplate {
  private readonly bytes: Buffer;
  /** A packet's IPv4 header's partial sum with id and checksum zero; -1 for a message. */
  private readonly headerSum: number;

  /** `form`: a whole IPv4 packet (encodePacket) or a message alone, as an IPv6 socket sends (encodeAdvert). */
  constructor(fields: Omit<PacketFields, 'ipId'>, form: 'packet' | 'message') {
    if (fields.authType === 'AH') throw new RangeError('an AH advert changes with every packet: encodePacket it');
    if (form === 'message') {
      this.bytes = encodeAdvert(fields, { src: fields.src, dst: fields.dst });
      this.headerSum = -1;
    } else {
      this.bytes = encodePacket({ ...fields, ipId: 0 });
      this.bytes.writeUInt16BE(0, 10);
      this.headerSum = sumWords(this.bytes, 0, IPV4_HEADER_LEN);
      this.bytes.writeUInt16BE(finishChecksum(this.headerSum), 10);
    }
  }

  /** The advert's bytes with IP id `ipId` (a packet's; a message has none): a new buffer each time. */
  packet(ipId: number): Buffer {
    const b = Buffer.allocUnsafe(this.bytes.length);
    this.bytes.copy(b, 0);
    if (this.headerSum >= 0) {
      const id = ipId & 0xffff;
      b[4] = id >> 8;
      b[5] = id & 0xff;
      const sum = finishChecksum(this.headerSum + id);
      b[10] = sum >> 8;
      b[11] = sum & 0xff;
    }
    return b;
  }
}

/** keepalived's vrrp_build_pkt + vrrp_update_pkt for auth_type AH: IPv4 (protocol 51) + AH + VRRPv2. */
function encodeAhPacket(p: PacketFields, len: number): Buffer {
  if (!p.ah) throw new RangeError('an AH advert needs its sequence number and key');
  const out = Buffer.alloc(IPV4_HEADER_LEN + AH_HEADER_LEN + len);
  writeAdvert(out, IPV4_HEADER_LEN + AH_HEADER_LEN, p, { src: p.src, dst: p.dst });
  writeAhHeader(out, IPV4_HEADER_LEN, ipv4Bytes(p.src), p.ah.seq);
  writeIpv4Header(out, 0, { id: p.ipId, src: p.src, dst: p.dst, payloadLength: AH_HEADER_LEN + len, ttl: p.ttl, protocol: IPPROTO_AH });
  ahIcv(out, IPV4_HEADER_LEN, p.ah.key, p.ah.unicast).copy(out, IPV4_HEADER_LEN + 12);
  return out;
}

export interface DecodeOptions {
  /**
   * Which v3 checksum conventions to accept: the keepalived default (pseudo-header), the
   * RFC 9568 one (as-v2), or either (what a receiver that must talk to both would do).
   */
  v3Checksum?: V3ChecksumMode | 'either';
  /**
   * Also try keepalived < 1.3.6's unicast checksum, whose pseudo-header names this group
   * (vrrp_mcast_group4) as the destination: a match adds 'old-unicast' to v3Checksums.
   */
  oldUnicastGroup?: string;
}

/**
 * Decodes a whole IPv4 packet (header included, as a raw socket for protocol 112 returns it)
 * and runs every check that needs no instance: IP header sanity, protocol, VRRP version and
 * type, length against the address count, v2 auth type, v3 interval, checksum.
 * Never throws: any byte string gives a packet or a rejection.
 */
export function decodePacket(buf: Uint8Array, opts: DecodeOptions = {}): DecodeResult<Ipv4Header> {
  const ipr = decodeIpv4Header(buf);
  if (!ipr.ok) return reject(ipr.reason, ipr.message);
  const ip = ipr.header;
  let ah: ReceivedAh | undefined;
  let off = ip.headerLength;
  if (ip.protocol === IPPROTO_AH) {
    if (ip.totalLength < off + AH_HEADER_LEN + VRRP_HEADER_LEN) return reject('too-short', `IPv4 VRRP packet with AH too short - ${ip.totalLength} bytes`);
    ah = { ...decodeAhHeader(buf, off), packet: Buffer.from(buf.subarray(0, ip.totalLength)), ipHeaderLength: off };
    off += AH_HEADER_LEN;
  } else if (ip.protocol !== IPPROTO_VRRP) {
    return reject('not-vrrp', `ip protocol ${ip.protocol} is not VRRP (112)`);
  }
  const end = ip.totalLength;
  const avail = end - off;
  if (avail < VRRP_HEADER_LEN) {
    return reject('too-short', `ip/vrrp header too short. ${end} and expect at least ${off + VRRP_HEADER_LEN}`);
  }
  const version = buf[off] >> 4;
  if (version !== 2 && version !== 3) return reject('bad-version', `invalid version. ${version} and expect 2 or 3`);
  const type = buf[off] & 0x0f;
  if (type !== VRRP_TYPE_ADVERTISEMENT) {
    return reject('bad-type', `Invalid packet type. ${type} and expect ${VRRP_TYPE_ADVERTISEMENT}`);
  }
  const count = buf[off + 3];
  const expected = vrrpMessageLength(version, count);
  if (avail !== expected) {
    return reject('bad-length', `Received packet length mismatch against expected. ${avail} and expect ${expected} (${count} addresses)`);
  }
  let authType = 0;
  let adverIntMs: number;
  if (version === 2) {
    authType = buf[off + 4];
    if (authType !== VRRP_AUTH_NONE && authType !== VRRP_AUTH_PASS && authType !== VRRP_AUTH_AH) {
      return reject('bad-auth-type', `Invalid auth type: ${authType}`);
    }
    adverIntMs = buf[off + 5] * 1000;
  } else {
    adverIntMs = (((buf[off + 4] << 8) | buf[off + 5]) & 0x0fff) * 10;
  }
  if (adverIntMs === 0) return reject('bad-adver-int', 'advertisement interval 0 is invalid');

  let v3Checksum: V3ChecksumSeen | null = null;
  const v3Checksums: V3ChecksumSeen[] = [];
  if (version === 2) {
    if (internetChecksum(buf, off, end) !== 0) return reject('bad-checksum', 'Invalid VRRPv2 checksum');
  } else {
    const mode = opts.v3Checksum ?? 'pseudo-header';
    const plain = sumWords(buf, off, end);
    // (keepalived's v3 pseudo-header is over the IP addresses whatever comes between)
    const withPseudo = finishChecksum(plain + pseudoHeaderSumRaw(buf, 0, expected)) === 0;
    const asV2 = finishChecksum(plain) === 0;
    if ((mode === 'pseudo-header' || mode === 'either') && withPseudo) v3Checksums.push('pseudo-header');
    if ((mode === 'as-v2' || mode === 'either') && asV2) v3Checksums.push('as-v2');
    if (opts.oldUnicastGroup !== undefined && finishChecksum(plain + pseudoHeaderSum(ipv4String(buf, 12), opts.oldUnicastGroup, expected)) === 0) {
      v3Checksums.push('old-unicast');
    }
    v3Checksum = v3Checksums[0] ?? null;
    if (v3Checksum === null) return reject('bad-checksum', `Invalid VRRPv3 checksum${asV2 ? ' (computed without the IPv4 pseudo-header, as RFC 9568 / v3_checksum_as_v2)' : withPseudo ? ' (computed with the IPv4 pseudo-header; v3_checksum_as_v2 is set here)' : ''}`);
  }

  const ipAddresses: string[] = new Array(count);
  for (let i = 0; i < count; i++) ipAddresses[i] = ipv4String(buf, off + VRRP_HEADER_LEN + 4 * i);
  const authStart = off + VRRP_HEADER_LEN + 4 * count;
  return {
    ok: true,
    ip,
    vrrp: {
      version,
      type,
      virtualRouterId: buf[off + 1],
      priority: buf[off + 2],
      countIpAddrs: count,
      authType,
      adverIntMs,
      checksum: (buf[off + 6] << 8) | buf[off + 7],
      ipAddresses,
      authData: version === 2 ? Buffer.from(buf.subarray(authStart, authStart + VRRP_AUTH_LEN)) : Buffer.alloc(0),
    },
    v3Checksum,
    v3Checksums,
    ...(ah ? { ah } : {}),
  };
}

/**
 * Decodes a VRRP message received on an IPv6 raw socket (no IP header: `envelope` carries what
 * recvmsg's ancillary data said) and runs the checks that need no instance: version 3 only,
 * type, length against the address count, interval, checksum over the IPv6 pseudo-header.
 * Never throws.
 */
export function decodeAdvert6(buf: Uint8Array, envelope: Omit<Ipv6Envelope, 'version'>): DecodeResult<Ipv6Envelope> {
  const ip: Ipv6Envelope = { version: 6, ...envelope };
  if (buf.length < VRRP_HEADER_LEN) {
    return reject('too-short', `vrrp packet too short, length ${buf.length} and expect at least ${VRRP_HEADER_LEN}`);
  }
  const version = buf[0] >> 4;
  if (version !== 3) return reject('bad-version', `invalid version. ${version} and expect 3 (VRRP over IPv6 is version 3 only)`);
  const type = buf[0] & 0x0f;
  if (type !== VRRP_TYPE_ADVERTISEMENT) return reject('bad-type', `Invalid packet type. ${type} and expect ${VRRP_TYPE_ADVERTISEMENT}`);
  const count = buf[3];
  const expected = vrrpMessageLength(3, count, 6);
  if (buf.length !== expected) {
    return reject('bad-length', `vrrp packet too ${buf.length > expected ? 'long' : 'short'}, length ${buf.length} and expect ${expected} (${count} addresses)`);
  }
  const adverIntMs = (((buf[4] << 8) | buf[5]) & 0x0fff) * 10;
  if (adverIntMs === 0) return reject('bad-adver-int', 'advertisement interval 0 is invalid');
  let acc: number;
  try {
    acc = pseudoHeaderSum6(ip.src, ip.dst, expected);
  } catch {
    return reject('bad-checksum', `no IPv6 pseudo-header for source ${ip.src} / destination ${ip.dst}`);
  }
  if (internetChecksum(buf, 0, expected, acc) !== 0) return reject('bad-checksum', 'Invalid VRRPv3 checksum (over the IPv6 pseudo-header)');
  const ipAddresses: string[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const at = VRRP_HEADER_LEN + 16 * i;
    ipAddresses[i] = ipaddr.fromByteArray(Array.from(buf.subarray(at, at + 16))).toString();
  }
  return {
    ok: true,
    ip,
    vrrp: {
      version: 3,
      type,
      virtualRouterId: buf[1],
      priority: buf[2],
      countIpAddrs: count,
      authType: 0,
      adverIntMs,
      checksum: (buf[6] << 8) | buf[7],
      ipAddresses,
      authData: Buffer.alloc(0),
    },
    v3Checksum: 'pseudo-header',
    v3Checksums: ['pseudo-header'],
  };
}
