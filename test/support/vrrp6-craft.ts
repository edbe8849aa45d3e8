/**
 * A crafted VRRPv3 IPv6 advert, sent by a python3 script in a test namespace (raw IPPROTO_VRRP
 * socket, source and hop limit set per packet through IPV6_PKTINFO / IPV6_HOPLIMIT): for the
 * receive checks a real VRRP speaker never trips (hop limit ≠ 255, a global source, a bad
 * checksum, a unicast destination). Arguments: --src ADDR --dst ADDR --hops N [--bad-checksum].
 */
export function craftAdvert6Script(vrid: number, priority: number, vips: string[]): string {
  return `
import socket, struct, sys, ipaddress
a = dict(zip(sys.argv[1::2], sys.argv[2::2]))
bad = '--bad-checksum' in sys.argv
src, dst, hops = a['--src'], a['--dst'], int(a['--hops'])
vips = [${vips.map((v) => `ipaddress.IPv6Address('${v}').packed`).join(', ')}]
msg = bytearray(struct.pack('!BBBBH', 0x31, ${vrid}, ${priority}, len(vips), 10) + b'\\0\\0' + b''.join(vips))
ph = ipaddress.IPv6Address(src).packed + ipaddress.IPv6Address(dst).packed + struct.pack('!I3xB', len(msg), 112)
data = ph + bytes(msg)
s = sum((data[i] << 8) + data[i + 1] for i in range(0, len(data), 2))
while s > 0xffff: s = (s & 0xffff) + (s >> 16)
struct.pack_into('!H', msg, 6, (~s & 0xffff) ^ (0x5a5a if bad else 0))
sk = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 112)
sk.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b'eth0')
idx = socket.if_nametoindex('eth0')
anc = [(socket.IPPROTO_IPV6, socket.IPV6_PKTINFO, ipaddress.IPv6Address(src).packed + struct.pack('@I', idx)),
       (socket.IPPROTO_IPV6, socket.IPV6_HOPLIMIT, struct.pack('@i', hops))]
sk.sendmsg([bytes(msg)], anc, 0, (dst, 0, 0, idx))
`;
}
