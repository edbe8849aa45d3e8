/**
 * src/net — the privileged I/O edge of the VRRP engine. Each piece sits behind a narrow
 * interface so the daemon's unit tests can swap in fakes:
 *
 *   VrrpTransport   openVrrpSocket({ ifname, ifindex, group })   raw IPv4 proto 112 socket
 *   AddressManager  createAddressManager()                      VIPs over rtnetlink
 *   LinkMonitor     createLinkMonitor() / createLinkQuery()     link up/down (+ address events)
 *   GarpSender      createGarpSender(linkQuery)                 gratuitous ARP over AF_PACKET
 *
 * Failures are NetError values: `${errno name} ${operation}`.
 */
export { NetError } from './errors';
export type { NetResult } from './errors';
export { openVrrpSocket, IPPROTO_VRRP, VRRP_GROUP_IPV4 } from './vrrp-socket';
export { openVrrp6Socket, VRRP_GROUP_IPV6 } from './vrrp6-socket';
export type { VrrpTransport, VrrpSocketOptions } from './vrrp-socket';
export { createAddressManager } from './addresses';
export type { AddressManager, InterfaceAddress, ResidualRemoval, VipSpec } from './addresses';
export { createLinkMonitor, createLinkQuery } from './links';
export type { AddressEvent, LinkEvent, LinkMonitor, LinkMonitorOptions, LinkQuery, LinkState } from './links';
export { createGarpSender, decodeArpFrame, encodeArpFrame, gratuitousArp } from './garp';
export type { ArpFrame, GarpAnnouncement, GarpSender, LinkLookup, PacketNative } from './garp';
