/**
 * Loader for the halo_native N-API addon (native/), built by the package's install script
 * (`node-gyp rebuild --directory native`). It holds only what raw-socket and netlink cannot do.
 *
 * The addon is resolved relative to the package root, found by walking up from this file, so
 * the same code works from src/ (ts-jest) and from dist/ (the built daemon).
 */
import * as fs from 'fs';
import * as path from 'path';

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
   */
  NetlinkEvents: new (
    groups: number,
    rcvbuf: number,
    onData: (datagram: Buffer | null, error?: Error & { code?: string }) => void,
  ) => { close(): void };
  /**
   * A checker socket's SO_MARK (fwmark) and SO_BINDTODEVICE (bind_if), each when not null, on
   * a descriptor Node owns, before it connects.
   */
  setCheckerSocketOptions(fd: number, fwmark: number | null, ifname: string | null): void;
  /** execv(2): this process becomes `path` with `argv` (argv[0] included); returns only by throwing. */
  exec(path: string, argv: string[]): never;
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
