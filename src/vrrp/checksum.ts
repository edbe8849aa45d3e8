/**
 * The Internet checksum (RFC 1071): ones'-complement of the ones'-complement sum of 16-bit
 * big-endian words. Used for the IPv4 header and for the VRRP message (RFC 3768 §5.3.8,
 * RFC 5798 §5.2.8).
 */

/** Adds `buf[start, end)` to a running 32-bit partial sum (not yet folded or complemented). */
export function sumWords(buf: Uint8Array, start = 0, end = buf.length, acc = 0): number {
  let sum = acc;
  let i = start;
  for (; i + 1 < end; i += 2) sum += (buf[i] << 8) | buf[i + 1];
  // An odd trailing byte is padded with a zero byte on the right (RFC 1071 §4.1).
  if (i < end) sum += buf[i] << 8;
  return sum;
}

/** Folds a partial sum to 16 bits and complements it: the value to put in a checksum field. */
export function finishChecksum(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return ~s & 0xffff;
}

/** Checksum of `buf[start, end)`, optionally continuing a pseudo-header's partial sum. */
export function internetChecksum(buf: Uint8Array, start = 0, end = buf.length, acc = 0): number {
  return finishChecksum(sumWords(buf, start, end, acc));
}
