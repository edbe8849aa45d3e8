/**
 * The IPv4 header of a VRRP packet, built the way keepalived builds it (IP_HDRINCL): TTL 255
 * (RFC 3768 §5.2.3, RFC 5798 §5.1.1.3), TOS 0xc0 (DSCP CS6, internet network control),
 * DF clear, no options, protocol 112, a per-instance identification counter, source = the
 * interface's primary address (or unicast_src_ip), destination 224.0.0.18 or a unicast peer.
 * Golden bytes: ../shared/fixtures/keepalived-2.2.7/hex/*.ip.hex.
 */
import * as ipaddr from 'ipaddr.js';
import { internetChecksum } from './checksum';
import { canonicalIpv4 } from '../net/dotted-quad';

export const IPPROTO_VRRP = 112;
export const IPPROTO_AH = 51;
export const VRRP_IP_TTL = 255;
export const VRRP_IP_TOS = 0xc0;
export const IPV4_HEADER_LEN = 20;

export interface Ipv4HeaderFields {
  /** Identification (16 bits); keepalived counts from 1 per instance. */
  id: number;
  src: string;
  dst: string;
  /** Length of what follows the header (the VRRP message). */
  payloadLength: number;
  ttl?: number;
  tos?: number;
  protocol?: number;
}

export interface Ipv4Header {
  version: number;
  /** Header length in bytes (IHL × 4). */
  headerLength: number;
  tos: number;
  totalLength: number;
  id: number;
  dontFragment: boolean;
  moreFragments: boolean;
  fragmentOffset: number;
  ttl: number;
  protocol: number;
  checksum: number;
  src: string;
  dst: string;
}

/** Dotted-quad → 4 bytes, via ipaddr.js (throws on anything that is not IPv4). */
export function ipv4Bytes(address: string): number[] {
  const v = canonicalIpv4(address);
  if (v >= 0) return [Math.floor(v / 0x1000000), (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
  return ipaddr.IPv4.parse(address).toByteArray();
}

/** Writes `address` (an IPv4 address, as ipv4Bytes accepts) as 4 bytes at `offset`. */
export function writeIpv4(buf: Uint8Array, offset: number, address: string): void {
  const v = canonicalIpv4(address);
  if (v < 0) {
    buf.set(ipaddr.IPv4.parse(address).toByteArray(), offset);
    return;
  }
  buf[offset] = Math.floor(v / 0x1000000);
  buf[offset + 1] = (v >>> 16) & 0xff;
  buf[offset + 2] = (v >>> 8) & 0xff;
  buf[offset + 3] = v & 0xff;
}

/** 4 bytes at `offset` → canonical dotted quad. */
export function ipv4String(buf: Uint8Array, offset: number): string {
  return new ipaddr.IPv4([buf[offset], buf[offset + 1], buf[offset + 2], buf[offset + 3]]).toString();
}

/** The address as an unsigned 32-bit integer, for RFC 5798 §6.4.3's "primary IP address is greater". */
export function ipv4ToUint32(address: string): number {
  const b = ipv4Bytes(address);
  return ((b[0] << 24) >>> 0) + (b[1] << 16) + (b[2] << 8) + b[3];
}

export function encodeIpv4Header(f: Ipv4HeaderFields): Buffer {
  const h = Buffer.alloc(IPV4_HEADER_LEN);
  writeIpv4Header(h, 0, f);
  return h;
}

/** encodeIpv4Header into `h[offset, offset + 20)`, which must be zero-filled. */
export function writeIpv4Header(h: Buffer, offset: number, f: Ipv4HeaderFields): void {
  h[offset] = 0x45; // version 4, IHL 5: no options
  h[offset + 1] = f.tos ?? VRRP_IP_TOS;
  h.writeUInt16BE(IPV4_HEADER_LEN + f.payloadLength, offset + 2);
  h.writeUInt16BE(f.id & 0xffff, offset + 4);
  h.writeUInt16BE(0, offset + 6); // DF clear, as keepalived sends it
  h[offset + 8] = f.ttl ?? VRRP_IP_TTL;
  h[offset + 9] = f.protocol ?? IPPROTO_VRRP;
  writeIpv4(h, offset + 12, f.src);
  writeIpv4(h, offset + 16, f.dst);
  h.writeUInt16BE(internetChecksum(h, offset, offset + IPV4_HEADER_LEN), offset + 10);
}

export type Ipv4HeaderResult =
  | { ok: true; header: Ipv4Header }
  | { ok: false; reason: 'too-short' | 'bad-ip-version' | 'bad-ip-header-length' | 'bad-ip-total-length' | 'bad-ip-checksum' | 'ip-fragment'; message: string };

/**
 * Decodes and validates the header of a whole IPv4 packet as a raw socket delivers it.
 * Trailing bytes beyond Total Length (Ethernet padding in a capture) are allowed; fewer are not.
 */
export function decodeIpv4Header(buf: Uint8Array): Ipv4HeaderResult {
  if (buf.length < IPV4_HEADER_LEN) {
    return { ok: false, reason: 'too-short', message: `ip header too short. ${buf.length} and expect at least ${IPV4_HEADER_LEN}` };
  }
  const version = buf[0] >> 4;
  if (version !== 4) return { ok: false, reason: 'bad-ip-version', message: `invalid ip version ${version}` };
  const headerLength = (buf[0] & 0x0f) * 4;
  if (headerLength < IPV4_HEADER_LEN || headerLength > buf.length) {
    return { ok: false, reason: 'bad-ip-header-length', message: `invalid ip header length ${headerLength} (packet ${buf.length} bytes)` };
  }
  const totalLength = (buf[2] << 8) | buf[3];
  if (totalLength < headerLength || totalLength > buf.length) {
    return {
      ok: false,
      reason: 'bad-ip-total-length',
      message: `ip_tot_len mismatch against received length. ${totalLength} and received ${buf.length}`,
    };
  }
  if (internetChecksum(buf, 0, headerLength) !== 0) {
    return { ok: false, reason: 'bad-ip-checksum', message: 'invalid ip header checksum' };
  }
  const flagsFrag = (buf[6] << 8) | buf[7];
  const moreFragments = (flagsFrag & 0x2000) !== 0;
  const fragmentOffset = flagsFrag & 0x1fff;
  // A fragment cannot be a whole VRRP message; the kernel reassembles before raw delivery anyway.
  if (moreFragments || fragmentOffset !== 0) {
    return { ok: false, reason: 'ip-fragment', message: 'ip fragment received' };
  }
  return {
    ok: true,
    header: {
      version,
      headerLength,
      tos: buf[1],
      totalLength,
      id: (buf[4] << 8) | buf[5],
      dontFragment: (flagsFrag & 0x4000) !== 0,
      moreFragments,
      fragmentOffset,
      ttl: buf[8],
      protocol: buf[9],
      checksum: (buf[10] << 8) | buf[11],
      src: ipv4String(buf, 12),
      dst: ipv4String(buf, 16),
    },
  };
}
