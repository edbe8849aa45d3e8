/**
 * The VRRP transport of one interface over IPv6 (RFC 9568 §5.1.2): halo_native's Vrrp6Socket,
 * a raw AF_INET6 socket for protocol 112 set up as keepalived's vrrp.c does —
 *
 *   SO_BINDTODEVICE          this interface only
 *   IPV6_MULTICAST_ALL=0     only the groups this socket joined
 *   IPV6_RECVHOPLIMIT        the hop limit of each packet as ancillary data (§7.1: must be 255)
 *   IPV6_RECVPKTINFO         its destination address (the group, or unicast)
 *   IPV6_MULTICAST_HOPS=255, IPV6_MULTICAST_IF, IPV6_MULTICAST_LOOP=0
 *   IPV6_ADD_MEMBERSHIP      ff02::12 (vrrp_mcast_group6) on this interface, unless unicast only
 *
 * and read with recvmsg(), which raw-socket cannot do. Each send names its source address
 * (IPV6_PKTINFO): the checksum covers the pseudo-header, so the source the caller computed it
 * for must be the one on the wire. The kernel neither computes nor checks the checksum here.
 */
import * as ipaddr from 'ipaddr.js';
import { NetError, netError } from './errors';
import { haloNative, HaloNative } from './native';
import type { ReceivedEnvelope, VrrpTransport } from './vrrp-socket';

export const VRRP_GROUP_IPV6 = 'ff02::12';

export interface Vrrp6SocketOptions {
  ifname: string;
  ifindex: number;
  /** Multicast group to join (vrrp_mcast_group6); null for unicast only. */
  group?: string | null;
}

const bytes16 = (a: string): Buffer => Buffer.from(ipaddr.IPv6.parse(a).toByteArray());
const text16 = (b: Buffer): string => ipaddr.fromByteArray(Array.from(b)).toString();

/** Opens the IPv6 VRRP socket of one interface; throws a NetError naming what failed. */
export function openVrrp6Socket(opts: Vrrp6SocketOptions, native: () => Pick<HaloNative, 'Vrrp6Socket'> = haloNative): VrrpTransport {
  const { ifname, ifindex } = opts;
  const group = opts.group === undefined ? VRRP_GROUP_IPV6 : opts.group;
  if (group !== null && !(ipaddr.IPv6.isValid(group) && ipaddr.IPv6.parse(group).range() === 'multicast')) {
    throw new NetError('EINVAL', `joining ${group} on ${ifname}: not an IPv6 multicast group`);
  }
  const packetListeners: Array<(packet: Buffer, source: string, envelope?: ReceivedEnvelope) => void> = [];
  const errorListeners: Array<(error: NetError) => void> = [];
  let closed = false;
  let sock: InstanceType<HaloNative['Vrrp6Socket']>;
  try {
    sock = new (native().Vrrp6Socket)(ifname, ifindex, group === null ? null : bytes16(group), (error, data, source, hopLimit, destination) => {
      if (error) {
        closed = true;
        sock.close();
        const e = netError(error, `receiving on the IPv6 VRRP socket of ${ifname}`);
        for (const cb of errorListeners) cb(e);
        return;
      }
      const src = text16(source!);
      const envelope: ReceivedEnvelope = { hopLimit: hopLimit ?? -1, destination: destination ? text16(destination) : null };
      for (const cb of packetListeners) cb(data!, src, envelope);
    });
  } catch (err) {
    throw netError(err, `opening the IPv6 VRRP socket (protocol 112) on ${ifname}`);
  }
  /** The 16 bytes of each address sent to or from, parsed once (the group or the peers, and our link-local source). */
  const parsed = new Map<string, Buffer | null>();
  const addressBytes = (a: string): Buffer | null => {
    let b = parsed.get(a);
    if (b === undefined) {
      b = ipaddr.IPv6.isValid(a) ? bytes16(a) : null;
      if (parsed.size >= 64) parsed.clear();
      parsed.set(a, b);
    }
    return b;
  };
  const sendNow = (packet: Buffer, destination: string, source?: string, hopLimit?: number): NetError | null => {
    const operation = () => `sending VRRP to ${destination} on ${ifname}`;
    if (closed) return new NetError('EBADF', `${operation()}: socket closed`);
    const dst = addressBytes(destination);
    if (!dst) return new NetError('EINVAL', `${operation()}: not an IPv6 address`);
    const src = source === undefined ? null : addressBytes(source);
    if (source !== undefined && !src) return new NetError('EINVAL', `${operation()}: source ${source} is not an IPv6 address`);
    try {
      // hop limit 255 on every advert (RFC 9568 §5.1.2.3) unless unicast_ttl says otherwise
      const sent = sock.send(packet, dst, src, hopLimit ?? 255);
      return sent === packet.length ? null : new NetError('EMSGSIZE', `${operation()}: sent ${sent} of ${packet.length} bytes`);
    } catch (err) {
      return netError(err, operation());
    }
  };
  return {
    sendNow,
    send(packet, destination, source, hopLimit) {
      const err = sendNow(packet, destination, source, hopLimit);
      return err ? Promise.reject(err) : Promise.resolve();
    },
    onPacket: (cb) => void packetListeners.push(cb),
    onError: (cb) => void errorListeners.push(cb),
    close() {
      if (closed) return;
      closed = true;
      sock.close();
    },
  };
}
