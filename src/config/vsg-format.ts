/** A virtual_server_group range's last address, as keepalived's format_vsge and nft write it. */
import ipaddr from 'ipaddr.js';

export function rangeLast(e: { address: string; family: 4 | 6; last: number }): string {
  if (e.family === 4) {
    const b = ipaddr.IPv4.parse(e.address).octets.slice();
    b[3] = e.last;
    return b.join('.');
  }
  const parts = ipaddr.IPv6.parse(e.address).parts.slice();
  parts[7] = e.last;
  return new ipaddr.IPv6(parts).toString();
}
