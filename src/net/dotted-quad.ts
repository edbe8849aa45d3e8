/** IPv4 addresses in their canonical text form, read without ipaddr.js. Pure. */

/**
 * A canonical dotted quad (four decimal octets, no leading zeros) → its 32-bit value, or -1.
 * The advert path's addresses and almost every address in a config are in this form; reading
 * them here instead of through ipaddr.js (several regular expressions and arrays per call) keeps
 * the per-advert work and a big `halo check` small (src/vrrp/ipv4-header.ts, src/config/context.ts).
 */
export function canonicalIpv4(address: string): number {
  let value = 0;
  let octets = 0;
  let i = 0;
  const n = address.length;
  while (octets < 4) {
    const start = i;
    let octet = 0;
    while (i < n) {
      const c = address.charCodeAt(i);
      if (c < 48 || c > 57) break;
      octet = octet * 10 + (c - 48);
      i++;
    }
    const digits = i - start;
    if (digits === 0 || digits > 3 || octet > 255 || (digits > 1 && address.charCodeAt(start) === 48)) return -1;
    value = value * 256 + octet;
    octets++;
    if (octets < 4) {
      if (address.charCodeAt(i) !== 46) return -1;
      i++;
    }
  }
  return i === n ? value : -1;
}
