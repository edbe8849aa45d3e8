/**
 * Loader for the halo_native N-API addon (native/), built by the package's install script
 * (`node-gyp rebuild --directory native`). It holds only what raw-socket and netlink cannot do.
 *
 * The addon is resolved relative to the package root, found by walking up from this file, so
 * the same code works from src/ (ts-jest) and from dist/ (the built daemon).
 */
import * as fs from 'fs';
import * as path from 'path';

/** A ConnectProber of the addon (native/src/connect_prober.h documents the records). */
export interface NativeConnectProber {
  /** Throws on a bind or socket-option error (nothing is in flight then). */
  probe(
    id: number, ip: string, port: number, bindto: string | null, bindPort: number, bindIf: string | null, fwmark: number,
    stepMs: number, wholeMs: number, request: Buffer | null,
  ): void;
  cancel(id: number): void;
  inFlight(): number;
  /** Entries in its timeout heap (an ended probe's entry leaves when it reaches the top). */
  timeoutsPending(): number;
  close(): void;
}

/** Every function throws an Error with `.syscall` and `.code` (the errno name) on failure. */
export interface HaloNative {
  /**
   * A send-only, non-blocking AF_PACKET socket; returns its descriptor. Keep it: closing a
   * packet socket waits for an RCU grace period (~10 ms measured), too slow per frame.
   */
  openPacketSocket(): number;
  /**
   * Send one complete Ethernet frame (dst MAC, src MAC, EtherType, payload) out of the
   * interface `ifindex`. Returns the byte count.
   */
  sendFrame(fd: number, ifindex: number, frame: Buffer): number;
  closePacketSocket(fd: number): void;
  /**
   * A listen-only rtnetlink socket bound to the RTMGRP_* `groups` bitmask, with receive buffer
   * `rcvbuf` (SO_RCVBUFFORCE, falling back to SO_RCVBUF), polled on the event loop. Each datagram
   * (one or more netlink messages) reaches `onData`; an overrun arrives as
   * `onData(null, error)` with code ENOBUFS and listening goes on. Holds the loop until close().
   * Datagrams not from the kernel are dropped; send() passes one message to the kernel.
   */
  NetlinkEvents: new (
    groups: number,
    rcvbuf: number,
    onData: (datagram: Buffer | null, error?: Error & { code?: string }) => void,
    /** NETLINK_ROUTE (0, the default) or NETLINK_CONNECTOR (11, the process events). */
    protocol?: number,
  ) => { close(): void; send(message: Buffer): number };
  /**
   * A send-only IPPROTO_RAW socket (the caller writes the IPv4 header), non-blocking, bound to
   * `ifname`, multicast out of `ifindex` without loopback; returns its descriptor.
   */
  openIpSender(ifname: string, ifindex: number): number;
  /** One synchronous sendto of a whole IPv4 packet to `destination`; returns the byte count (EAGAIN throws). */
  sendIpPacket(fd: number, packet: Buffer, destination: string): number;
  closeIpSender(fd: number): void;
  /**
   * A timerfd (CLOCK_MONOTONIC) watched on the event loop: `arm(delayMs)` (fractional ms from
   * now; replaces an earlier arming) calls `onExpire` once, within ~0.1 ms of the deadline;
   * `disarm()` cancels. Holds the event loop only while armed. `close()` frees the descriptor.
   */
  DeadlineTimer: new (onExpire: () => void) => { arm(delayMs: number): void; disarm(): void; close(): void };
  /**
   * The checkers' TCP connections (src/check/connect-prober.ts): an epoll set on the event loop,
   * its events written as records of 4 numbers [id, type, a, b] into `records` (chunks read into
   * `data`), `onEvents(count)` called once per turn with all of them.
   */
  ConnectProber: new (onEvents: (count: number) => void, records: Float64Array, data: Buffer) => NativeConnectProber;
  /**
   * A non-blocking TCP socket (family 4 or 6) with SO_MARK and SO_BINDTODEVICE set (each unless
   * -1 / null) and bound to bindto:bindPort (when either is given), not connected; returns its
   * descriptor for Node's net.Socket. A bind error throws "bind ADDR:PORT: CODE".
   */
  openCheckerSocket(family: 4 | 6, bindto: string | null, bindPort: number, bindIf: string | null, fwmark: number): number;
  /**
   * A non-blocking UDP socket with SO_REUSEADDR (when asked), SO_MARK, SO_BINDTODEVICE and
   * IP_MINTTL/IPV6_MINHOPCOUNT (each when not null) set, bound to address:port when either is
   * given (or a device is); returns its descriptor for Node's `dgram` `bind({ fd })`.
   */
  openDatagramSocket(
    family: 4 | 6, address: string | null, port: number, fwmark: number | null, ifname: string | null, minTtl: number | null, reuseAddr: boolean,
    /** With minTtl: per source address a minimum of its own (a socket filter checks both; Linux checks IP_MINTTL for TCP only). */
    ttlBySource?: Array<[address: string, minTtl: number]>,
  ): number;
  /**
   * The IPv6 VRRP socket of one interface (src/net/vrrp6-socket.ts): raw protocol 112, bound to
   * the interface, joined to `group` (16 bytes) unless null, read with recvmsg() — each message
   * arrives with its source, IPV6_HOPLIMIT (-1 if absent) and IPV6_PKTINFO destination (null if
   * absent). `send` goes out with IPV6_PKTINFO (source, ifindex) and IPV6_HOPLIMIT when ≥ 0.
   * A receive error arrives as `onMessage(error)`. Holds the loop until close().
   */
  Vrrp6Socket: new (
    ifname: string,
    ifindex: number,
    group: Buffer | null,
    onMessage: (error: (Error & { code?: string }) | null, data?: Buffer, source?: Buffer, hopLimit?: number, destination?: Buffer | null) => void,
  ) => { send(data: Buffer, destination: Buffer, source: Buffer | null, hopLimit: number): number; close(): void };
  /** execv(2): this process becomes `path` with `argv` (argv[0] included); returns only by throwing. */
  exec(path: string, argv: string[]): never;
  /**
   * A synchronous netlink exchange on a private socket of `protocol`: the messages in
   * `requests` (back to back) are sent one at a time, each followed by reading its replies up
   * to the NLMSG_DONE or NLMSG_ERROR with its sequence number. Returns every reply datagram
   * concatenated. No reply within `timeoutMs` of the last one throws ETIMEDOUT.
   */
  netlinkExchange(protocol: number, requests: Buffer, timeoutMs: number): Buffer;
  /**
   * `fn()` with the calling thread in the network namespace at `path` (/var/run/netns/NAME,
   * /proc/1/ns/net), then back in its own, also when fn throws; a socket fn opens stays there.
   */
  withNetns<T>(path: string, fn: () => T): T;
  /**
   * An inotify descriptor polled on the event loop, with the caller's own event mask (fs.watch
   * always adds IN_MODIFY and IN_ATTRIB): add() watches a path (returns the watch descriptor),
   * every event reaches `onEvent` with its name inside a watched directory. Holds the loop until close().
   */
  InotifyWatch: new (onEvent: (wd: number, mask: number, name: string) => void) => { add(path: string, mask: number): number; close(): void };
  /** An interface's link by ioctl (linkbeat): MII BMSR, ETHTOOL_GLINK or IFF_UP|IFF_RUNNING; -1 when the driver cannot say ('flags': no such interface). */
  linkbeatProbe: (ifname: string, kind: 'mii' | 'ethtool' | 'flags') => { status: -1 | 0 | 1; log: string[] };
}

const ADDON = path.join('native', 'build', 'Release', 'halo_native.node');
const MAX_DEPTH = 6;

function packageRoot(from: string): string {
  let dir = from;
  for (let i = 0; i < MAX_DEPTH; i++) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    dir = path.dirname(dir);
  }
  throw new Error(`halo package root not found above ${from}`);
}

let loaded: HaloNative | undefined;

/** The addon, loaded once on first use (unit tests of pure codecs never load it). */
export function haloNative(): HaloNative {
  if (loaded) return loaded;
  const file = path.join(packageRoot(__dirname), ADDON);
  if (!fs.existsSync(file)) {
    throw new Error(`halo native addon not built (${file} missing): run \`npm run install\``);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded = require(file) as HaloNative;
  return loaded;
}
