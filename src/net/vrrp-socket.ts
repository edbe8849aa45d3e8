/**
 * The VRRP transport for one interface: an IPv4 raw socket for IP protocol 112 (raw-socket),
 * set up with the socket options keepalived's vrrp_if.c uses:
 *
 *   SO_BINDTODEVICE     send and receive on this interface only
 *   IP_HDRINCL          the caller supplies the IPv4 header (TTL 255, TOS 0xc0, its own IP ID);
 *                       the kernel fills in only the header checksum (and tot_len)
 *   IP_MULTICAST_ALL=0  receive only the groups this socket joined, not every group any
 *                       socket on the host joined
 *   IP_ADD_MEMBERSHIP   join the VRRP group (224.0.0.18 by default) with a struct ip_mreqn
 *                       naming the interface by index; dropped again on close
 *   IP_MULTICAST_IF     and IP_MULTICAST_LOOP=0, so our own adverts are not read back
 *
 * Unicast mode (unicast_peer) is the same socket without a group: send() once per peer.
 * Instances with `auth_type AH` get a second such socket for IP protocol 51 (keepalived opens
 * its read socket with IPPROTO_AH for them): the kernel hands a raw socket every packet of its
 * protocol whether or not it has IPsec (this one has no INET_AH), and sends what we built.
 *
 * Received packets are whole IPv4 packets, header included, so the receiver can check the TTL
 * (RFC 5798 §7.1: 255 for multicast). raw-socket re-uses one receive buffer for every packet,
 * so each packet is copied before it is handed on.
 */
import * as ipaddr from 'ipaddr.js';
import { NetError, netError } from './errors';
import { haloNative } from './native';

export const IPPROTO_VRRP = 112;
export const VRRP_GROUP_IPV4 = '224.0.0.18';

// Linux <linux/in.h>; raw-socket exports none of these.
const SOL_SOCKET = 1;
const SO_BINDTODEVICE = 25;
const IPPROTO_IP = 0;
const IP_HDRINCL = 3;
const IP_MULTICAST_IF = 32;
const IP_MULTICAST_LOOP = 34;
const IP_ADD_MEMBERSHIP = 35;
const IP_DROP_MEMBERSHIP = 36;
const IP_MULTICAST_ALL = 49;

/** What recvmsg's ancillary data says about a packet an IPv6 socket received. */
export interface ReceivedEnvelope {
  /** IPV6_HOPLIMIT; -1 when the kernel gave none. */
  hopLimit: number;
  /** IPV6_PKTINFO's destination address; null when the kernel gave none. */
  destination: string | null;
}

export interface VrrpTransport {
  /**
   * Send one prebuilt packet to `destination` (the group, or one unicast peer). IPv4: the whole
   * packet, header included, whose destination must be `destination`. IPv6: the VRRP message,
   * sent from `source` (the address its checksum was computed for). Rejects with a NetError.
   */
  send(packet: Buffer, destination: string, source?: string, hopLimit?: number): Promise<void>;
  /**
   * send(), done now when it can be (the addon's senders: one sendto, the packet is on the wire
   * on return): null when it was sent, its NetError when it failed, undefined when it could not
   * be tried now (no synchronous sender, or a full socket buffer): then send() it. An idle
   * MASTER's advert so costs no promise and no later turn of the event loop.
   */
  sendNow?(packet: Buffer, destination: string, source?: string, hopLimit?: number): NetError | null | undefined;
  /**
   * Every received packet and its source address. IPv4: the whole packet (header included).
   * IPv6: the VRRP message, with the envelope from the ancillary data.
   */
  onPacket(cb: (packet: Buffer, source: string, envelope?: ReceivedEnvelope) => void): void;
  /** A socket-level receive/poll error; raw-socket closes the socket after reporting it. */
  onError(cb: (error: NetError) => void): void;
  /** Leave the group and close the socket; releases the event loop. Idempotent. */
  close(): void;
}

export interface VrrpSocketOptions {
  /** Interface name, for SO_BINDTODEVICE. */
  ifname: string;
  /** Interface index, for ip_mreqn (LinkQuery.query gives it). */
  ifindex: number;
  /** Multicast group to join (vrrp_mcast_group4); null for unicast only. */
  group?: string | null;
  /** Further groups to join (mcast_dst_ip of other instances on this interface). */
  moreGroups?: string[];
  /** Receive buffer; adverts are small, but jumbo MTUs exist. Default 4096. */
  bufferSize?: number;
  /** IP protocol to read: 112 (VRRP, the default) or 51 (IPsec AH, for auth_type AH). */
  protocol?: number;
}

/** The slice of raw-socket 1.8.1 used here (the package ships no typings). */
interface RawSocket {
  setOption(level: number, option: number, value: number): void;
  setOption(level: number, option: number, value: Buffer, length: number): void;
  send(buf: Buffer, offset: number, length: number, address: string, cb: (error: Error | null, bytes: number) => void): void;
  on(event: 'message', cb: (buf: Buffer, source: string) => void): void;
  on(event: 'error', cb: (error: Error) => void): void;
  close(): void;
}
interface RawSocketModule {
  createSocket(options: { protocol: number; addressFamily?: number; bufferSize?: number }): RawSocket;
}

/** struct ip_mreqn { in_addr imr_multiaddr; in_addr imr_address; int imr_ifindex; } */
export function ipMreqn(group: string, ifindex: number): Buffer {
  const b = Buffer.alloc(12);
  b.set(ipaddr.IPv4.parse(group).toByteArray(), 0);
  b.writeInt32LE(ifindex, 8); // host byte order; x86-64 and arm64 are little-endian
  return b;
}

/** The destination address written in an IPv4 header, or a reason the buffer is not one. */
export function headerDestination(packet: Buffer): string | { reason: string } {
  if (packet.length < 20) return { reason: `${packet.length} bytes is shorter than an IPv4 header` };
  if (packet[0] >> 4 !== 4) return { reason: `IP version ${packet[0] >> 4}, not 4` };
  return `${packet[16]}.${packet[17]}.${packet[18]}.${packet[19]}`;
}

/**
 * The addon's send-only IPPROTO_RAW socket (native/src/ip_sender.cc): one synchronous sendto per
 * advert, where raw-socket queues the packet for the next event-loop turn and switches epoll
 * write interest on and off around it (two extra loop turns and four epoll_ctl calls per packet).
 */
export interface IpSender {
  open(ifname: string, ifindex: number): number;
  send(fd: number, packet: Buffer, destination: string): number;
  close(fd: number): void;
}

function loadIpSender(): IpSender | null {
  try {
    const n = haloNative();
    return { open: n.openIpSender, send: n.sendIpPacket, close: n.closeIpSender };
  } catch {
    return null; // addon not built: raw-socket sends too, one loop turn later
  }
}

function loadRawSocket(): RawSocketModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('raw-socket') as RawSocketModule;
}

/**
 * Open the VRRP socket of one interface. Throws a NetError (needs CAP_NET_RAW; ENODEV for an
 * unknown interface) naming the option that failed.
 */
export function openVrrpSocket(
  opts: VrrpSocketOptions,
  raw: () => RawSocketModule = loadRawSocket,
  ipSender: () => IpSender | null = loadIpSender,
): VrrpTransport {
  const { ifname, ifindex } = opts;
  const group = opts.group === undefined ? VRRP_GROUP_IPV4 : opts.group;
  const groups = [...(group === null ? [] : [group]), ...(opts.moreGroups ?? []).filter((g) => g !== group)];
  for (const g of groups) {
    if (!ipaddr.IPv4.parse(g).range().startsWith('multicast')) throw new NetError('EINVAL', `joining ${g} on ${ifname}: not a multicast group`);
  }
  const protocol = opts.protocol ?? IPPROTO_VRRP;
  let sock: RawSocket;
  try {
    sock = raw().createSocket({ protocol, bufferSize: opts.bufferSize ?? 4096 });
  } catch (err) {
    throw netError(err, `opening a raw IPv4 socket for protocol ${protocol} on ${ifname}`);
  }
  const setup = (what: string, apply: () => void) => {
    try {
      apply();
    } catch (err) {
      sock.close();
      throw netError(err, `setting ${what} on the VRRP socket of ${ifname}`);
    }
  };
  const name = Buffer.from(`${ifname}\0`);
  setup(`SO_BINDTODEVICE ${ifname}`, () => sock.setOption(SOL_SOCKET, SO_BINDTODEVICE, name, name.length));
  setup('IP_HDRINCL', () => sock.setOption(IPPROTO_IP, IP_HDRINCL, 1));
  setup('IP_MULTICAST_ALL=0', () => sock.setOption(IPPROTO_IP, IP_MULTICAST_ALL, 0));
  setup('IP_MULTICAST_LOOP=0', () => sock.setOption(IPPROTO_IP, IP_MULTICAST_LOOP, 0));
  const ifOnly = ipMreqn('0.0.0.0', ifindex);
  setup(`IP_MULTICAST_IF ${ifname}`, () => sock.setOption(IPPROTO_IP, IP_MULTICAST_IF, ifOnly, ifOnly.length));
  const memberships = groups.map((g) => ({ g, m: ipMreqn(g, ifindex) }));
  for (const { g, m } of memberships) setup(`IP_ADD_MEMBERSHIP ${g}`, () => sock.setOption(IPPROTO_IP, IP_ADD_MEMBERSHIP, m, m.length));

  // The fast path is an optimisation: without it (no addon, or the socket refused) raw-socket sends.
  const sender = ipSender();
  let senderFd: number | null = null;
  if (sender) {
    try {
      senderFd = sender.open(ifname, ifindex);
    } catch {
      senderFd = null;
    }
  }

  const packetListeners: Array<(packet: Buffer, source: string) => void> = [];
  const errorListeners: Array<(error: NetError) => void> = [];
  // raw-socket silently drops queued sends on close; settle them here instead.
  const pending = new Set<(error: NetError) => void>();
  let closed = false;

  sock.on('message', (buf, source) => {
    const packet = Buffer.from(buf); // raw-socket's buffer is overwritten by the next recv
    for (const cb of packetListeners) cb(packet, source);
  });
  sock.on('error', (err) => {
    closed = true; // raw-socket closes the socket itself after an error event
    const error = netError(err, `receiving on the VRRP socket of ${ifname}`);
    for (const cb of errorListeners) cb(error);
  });

  const operation = (destination: string) => `sending VRRP to ${destination} on ${ifname}`;
  const sendNow = (packet: Buffer, destination: string): NetError | null | undefined => {
    if (closed) return new NetError('EBADF', `${operation(destination)}: socket closed`);
    const dst = headerDestination(packet);
    if (typeof dst !== 'string') return new NetError('EINVAL', `${operation(destination)}: ${dst.reason}`);
    if (dst !== destination && (!ipaddr.isValid(destination) || dst !== ipaddr.parse(destination).toString())) {
      return new NetError('EINVAL', `${operation(destination)}: the IPv4 header says ${dst}`);
    }
    if (!sender || senderFd === null) return undefined;
    try {
      const bytes = sender.send(senderFd, packet, dst);
      return bytes === packet.length ? null : new NetError('EMSGSIZE', `${operation(destination)}: sent ${bytes} of ${packet.length} bytes`);
    } catch (err) {
      // a full send buffer waits for writability on raw-socket's queue; anything else is the answer
      return (err as { code?: string }).code === 'EAGAIN' ? undefined : netError(err, operation(destination));
    }
  };

  return {
    sendNow,
    send(packet, destination) {
      const now = sendNow(packet, destination);
      if (now === null) return Promise.resolve();
      if (now) return Promise.reject(now);
      return new Promise((resolve, reject) => {
        pending.add(reject);
        sock.send(packet, 0, packet.length, destination, (err, bytes) => {
          pending.delete(reject);
          if (err) reject(netError(err, operation(destination)));
          else if (bytes !== packet.length) reject(new NetError('EMSGSIZE', `${operation(destination)}: sent ${bytes} of ${packet.length} bytes`));
          else resolve();
        });
      });
    },
    onPacket: (cb) => void packetListeners.push(cb),
    onError: (cb) => void errorListeners.push(cb),
    close() {
      if (closed) return;
      closed = true;
      for (const { m } of memberships) {
        try {
          sock.setOption(IPPROTO_IP, IP_DROP_MEMBERSHIP, m, m.length);
        } catch {
          // The kernel drops the membership with the socket anyway (e.g. the link is gone).
        }
      }
      sock.close();
      if (sender && senderFd !== null) {
        try {
          sender.close(senderFd);
        } catch {
          // EBADF cannot happen for a descriptor only we hold; nothing else to do on close
        }
        senderFd = null;
      }
      for (const reject of pending) reject(new NetError('EBADF', `sending VRRP on ${ifname}: socket closed before the send`));
      pending.clear();
    },
  };
}
