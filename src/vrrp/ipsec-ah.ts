/**
 * VRRPv2 `auth_type AH` as keepalived 2.2.7 does it (vrrp.c, vrrp_ipsecah.c): an IPsec
 * Authentication Header (RFC 2402) built and checked in user space, between the IPv4 header
 * and the VRRP message, IP protocol 51. The kernel's IPsec (INET_AH) takes no part: the raw
 * socket for protocol 51 sees the packet as it came.
 *
 *   IPv4 (20, protocol 51) | next header 112, payload len 4, reserved 0 | SPI (4) |
 *   sequence number (4) | ICV (12) | VRRPv2 message (auth type 2, 8 zero auth bytes)
 *
 * The SPI is the sender's IPv4 source address. The ICV is HMAC-MD5 (RFC 2104) truncated to 96
 * bits, keyed with the 8 auth bytes (auth_pass, zero-padded), over the IP header with its
 * mutable fields zeroed (TOS, fragment offset and flags, header checksum; and TTL, but only
 * for unicast instances: keepalived leaves the TTL in for multicast) followed by the AH header
 * with a zero ICV and the VRRP message. The sequence-number rules (one counter per instance,
 * shared by sending and receiving) live in the state machine (instance.ts).
 * Golden bytes: test/fixtures/keepalived-2.2.7-ah/.
 */
/** node:crypto, loaded on first use: a worker that never needs it does not pay its ~2 MB of RSS (issue 15). */
const crypto = () => require('node:crypto') as typeof import('node:crypto');

/** sizeof(ipsec_ah_t): 12 bytes of header and a 96-bit ICV. */
export const AH_HEADER_LEN = 24;
/** The Payload Len field for a 96-bit ICV: (3 + 3) 32-bit words minus 2 (RFC 2402 §2.2). */
export const IPSEC_AH_PLEN = 4;
/** HMAC-MD5 truncated to 96 bits (RFC 2403 §2). */
export const HMAC_MD5_TRUNC = 12;
/** Beyond this keepalived stops counting ("cycled") and keeps sending the same number. */
export const AH_SEQ_MAX = 0xfffffffd;

export interface AhHeader {
  nextHeader: number;
  payloadLen: number;
  /** As on the wire (network byte order), unsigned. */
  spi: number;
  seq: number;
  icv: Buffer;
}

/** The HMAC key: the 8 auth bytes keepalived keeps (auth_pass truncated or zero-padded). */
export function ahKey(pass: string | null): Buffer {
  const k = Buffer.alloc(8);
  if (pass) Buffer.from(pass, 'utf8').copy(k, 0, 0, 8); // the bytes of the config file, as keepalived keeps them
  return k;
}

/** The AH header at `off` (the caller checked that 24 bytes are there). */
export function decodeAhHeader(buf: Uint8Array, off: number): AhHeader {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  return {
    nextHeader: b[off],
    payloadLen: b[off + 1],
    spi: b.readUInt32BE(off + 4),
    seq: b.readUInt32BE(off + 8),
    icv: Buffer.from(b.subarray(off + 12, off + AH_HEADER_LEN)),
  };
}

/** Writes the AH header (ICV zero) at `off`: next header 112, payload len 4, SPI = `src`. */
export function writeAhHeader(b: Buffer, off: number, srcBytes: ArrayLike<number>, seq: number): void {
  b[off] = 112;
  b[off + 1] = IPSEC_AH_PLEN;
  b.writeUInt16BE(0, off + 2);
  for (let i = 0; i < 4; i++) b[off + 4 + i] = srcBytes[i];
  b.writeUInt32BE(seq >>> 0, off + 8);
  b.fill(0, off + 12, off + AH_HEADER_LEN);
}

/**
 * The 96-bit ICV of a whole IPv4 + AH + VRRP packet (`packet` up to its total length; the AH
 * header right after an IP header of `ipHeaderLength` bytes), computed as keepalived does on
 * send and on receive: mutable IP fields and the ICV itself taken as zero.
 */
export function ahIcv(packet: Uint8Array, ipHeaderLength: number, key: Buffer, zeroTtl: boolean): Buffer {
  const head = Buffer.from(packet.subarray(0, ipHeaderLength + AH_HEADER_LEN));
  head[1] = 0; // TOS
  head.writeUInt16BE(0, 6); // flags + fragment offset
  head.writeUInt16BE(0, 10); // header checksum
  if (zeroTtl) head[8] = 0;
  head.fill(0, ipHeaderLength + 12, ipHeaderLength + AH_HEADER_LEN);
  return crypto().createHmac('md5', key)
    .update(head)
    .update(packet.subarray(ipHeaderLength + AH_HEADER_LEN))
    .digest()
    .subarray(0, HMAC_MD5_TRUNC);
}
