/**
 * Interface state over rtnetlink: a one-shot query (name → index, MAC, up/down) and a monitor
 * of the RTNLGRP_LINK multicast group that reports each interface going up or down, as
 * keepalived's netlink reflector does for track_interface and each instance's own interface.
 *
 * "Up" is keepalived's IF_FLAGS_UP: IFF_UP (administratively up) and IFF_RUNNING (the kernel's
 * RFC 2863 OPER_UP, i.e. carrier present). Address add/remove events ride along, if asked, on
 * the IPV4_IFADDR / IPV6_IFADDR groups.
 *
 * Queries use the netlink package. Notifications come from halo_native's NetlinkEvents socket
 * (see createLinkMonitor) as raw datagrams, split with parseMessages and decoded with
 * rt.parseMessage(type, data), which also keeps NEW vs DEL apart (the package's high-level
 * 'message' event reports both as kind 'address').
 */
import * as ipaddr from 'ipaddr.js';
// the package's parts halo uses, not its index (which also loads nl80211 and WireGuard structs, ~270 KB)
import type { RtNetlinkSocket } from 'netlink/dist/rt/rt';
import * as rt from 'netlink/dist/rt/structs';
import { parseMessages } from 'netlink/dist/structs';
import { NetError, NetResult, errnoName, netError, ok } from './errors';
import { formatMac } from './mac';
import { HaloNative, haloNative } from './native';
import { createRtnl } from './rtnl-channel';
import { Serial, serial } from './serial';

/** RFC 2863 ifOperStatus as the kernel reports it in IFLA_OPERSTATE. */
export const OPER_STATES = ['unknown', 'notpresent', 'down', 'lowerlayerdown', 'testing', 'dormant', 'up'] as const;
export type OperState = (typeof OPER_STATES)[number];

export interface LinkState {
  name: string;
  index: number;
  /** Hardware address, null for links without one. */
  mac: string | null;
  /** IFF_UP: administratively up. */
  adminUp: boolean;
  /** IFF_RUNNING: operationally up (carrier). */
  running: boolean;
  operstate: OperState;
  /** adminUp && running — what VRRP tracks. */
  up: boolean;
  /** The kernel's ifi_flags (IFF_*) as last reported; keepalived logs them in hex (interface_up_down_delays). */
  flags: number;
}

export interface LinkEvent {
  /** 'change': `up` flipped (or the link appeared); 'removed': the link was deleted. */
  kind: 'change' | 'removed';
  link: LinkState;
}

export interface AddressEvent {
  kind: 'added' | 'removed';
  index: number;
  family: 4 | 6;
  address: string;
  prefixLen: number;
  label: string | null;
}

/** Name → link lookup; enough for the GARP sender and the VRRP socket's ifindex. */
export interface LinkQuery {
  query(name: string): Promise<NetResult<LinkState | null>>;
  list(): Promise<NetResult<LinkState[]>>;
}

export interface LinkMonitor extends LinkQuery {
  onLink(cb: (event: LinkEvent) => void): void;
  onAddress(cb: (event: AddressEvent) => void): void;
  /**
   * Every RTM_NEWLINK / RTM_DELLINK as it comes, the same flags repeated or not (keepalived's
   * update_interface_flags sees each one): `deleted` for RTM_DELLINK. For interface_up_down_delays.
   */
  onFlags(cb: (link: LinkState, deleted: boolean) => void): void;
  /**
   * Socket errors, for the log. On an event overrun (ENOBUFS: the kernel dropped notifications)
   * the monitor first re-reads the link table and reports whatever changed meanwhile as link
   * events, then reports the ENOBUFS here.
   */
  onError(cb: (error: NetError) => void): void;
  /** Leave the multicast groups and close the socket; releases the event loop. */
  close(): void;
}

// ---------------------------------------------------------------------------------------------
// Pure decoding and change detection

const RTM_NEWLINK = 16;
const RTM_DELLINK = 17;
const RTM_NEWADDR = 20;
const RTM_DELADDR = 21;
const AF_INET = 2;
const AF_INET6 = 10;

export function linkStateOf(msg: rt.LinkMessage): LinkState | null {
  const { data, attrs } = msg;
  if (data.index === undefined || attrs.ifname === undefined) return null;
  const adminUp = !!data.flags?.up;
  const running = !!data.flags?.running;
  return {
    name: attrs.ifname,
    index: data.index,
    mac: attrs.address && attrs.address.length === 6 ? formatMac(attrs.address) : null,
    adminUp,
    running,
    operstate: OPER_STATES[attrs.operstate ?? 0] ?? 'unknown',
    up: adminUp && running,
    flags: data.flags ? rt.formatDeviceFlags(data.flags) : 0,
  };
}

export function addressEventOf(type: number, msg: rt.AddressMessage): AddressEvent | null {
  const { data, attrs } = msg;
  const bytes = attrs.local ?? attrs.address;
  if (!bytes || data.index === undefined || (data.family !== AF_INET && data.family !== AF_INET6)) return null;
  return {
    kind: type === RTM_DELADDR ? 'removed' : 'added',
    index: data.index,
    family: data.family === AF_INET ? 4 : 6,
    address: ipaddr.fromByteArray(Array.from(bytes)).toString(),
    prefixLen: data.prefixlen ?? 0,
    label: attrs.label ?? null,
  };
}

/**
 * Last known `up` per interface name; turns the kernel's stream of RTM_NEWLINK (sent for any
 * attribute change, often repeating the same state) into up/down transitions.
 */
export class LinkTable {
  private readonly byName = new Map<string, LinkState>();

  /** Record a link; returns the event to report, or null when `up` did not change. */
  update(link: LinkState): LinkEvent | null {
    const before = this.byName.get(link.name);
    // A renamed link keeps its index: forget the old name.
    for (const [name, known] of this.byName) if (known.index === link.index && name !== link.name) this.byName.delete(name);
    this.byName.set(link.name, link);
    return before && before.up === link.up ? null : { kind: 'change', link };
  }

  /** The link as the notifications last described it. */
  get(name: string): LinkState | undefined {
    return this.byName.get(name);
  }

  remove(link: LinkState): LinkEvent | null {
    if (!this.byName.delete(link.name)) return null;
    return { kind: 'removed', link: { ...link, adminUp: false, running: false, up: false, flags: 0 } };
  }

  /** Reconcile with a full dump (after lost notifications): changes, then removals. */
  resync(links: readonly LinkState[]): LinkEvent[] {
    const events: LinkEvent[] = [];
    for (const link of links) {
      const e = this.update(link);
      if (e) events.push(e);
    }
    const present = new Set(links.map((l) => l.name));
    for (const known of [...this.byName.values()]) {
      if (present.has(known.name)) continue;
      const e = this.remove(known);
      if (e) events.push(e);
    }
    return events;
  }
}

// ---------------------------------------------------------------------------------------------
// Kernel side

/** A lost reply must not hang the daemon. */
const REQUEST_TIMEOUT_MS = 5000;

async function dumpLinks(sock: RtNetlinkSocket, one: Serial): Promise<NetResult<LinkState[]>> {
  try {
    const msgs = await one(() => sock.getLinks(undefined, undefined, { timeout: REQUEST_TIMEOUT_MS }));
    return ok(msgs.map(linkStateOf).filter((l): l is LinkState => l !== null));
  } catch (err) {
    return { ok: false, error: netError(err, 'listing links') };
  }
}

function queryOver(sock: RtNetlinkSocket): LinkQuery {
  const one = serial();
  return {
    list: () => dumpLinks(sock, one),
    async query(name) {
      const links = await dumpLinks(sock, one);
      return links.ok ? ok(links.value.find((l) => l.name === name) ?? null) : links;
    },
  };
}

/** A one-shot link query over its own rtnetlink socket (unreferenced: never holds the loop). */
export function createLinkQuery(): LinkQuery & { close(): void } {
  // halo's request channel (src/net/rtnl-channel.ts); a failed request reports through its own result
  const rtnl = createRtnl();
  return { ...queryOver(rtnl.sock), close: () => rtnl.close() };
}

/**
 * Start monitoring links (and, if asked, addresses). Resolves once the current link table has
 * been read, so the first events reported are real transitions. The event socket is referenced
 * (keeps the process alive) until close().
 *
 * Known limit of netlink 0.3.0: if the kernel drops notifications (ENOBUFS) and epoll reports
 * the socket error before a read does, the package's poll handler builds a JS error outside a
 * HandleScope and the process aborts (C++ terminate, "Error in native callback"; measured with
 * a 1 KiB buffer and a blocked event loop). A large receive buffer and subscribing only to what
 * is needed keep overruns away; an overrun seen by a read re-reads the link table (resync).
 */
export interface LinkMonitorOptions {
  /**
   * Receive buffer of the event socket in bytes (SO_RCVBUFFORCE as root, else capped at
   * net.core.rmem_max). Default 4 MiB: overruns should stay rare, and are recovered from.
   */
  recvBufferSize?: number;
  /** Also subscribe to IPv4/IPv6 address notifications (onAddress). Default false. */
  addressEvents?: boolean;
}

const DEFAULT_RECV_BUFFER = 4 * 1024 * 1024;
// <linux/rtnetlink.h> RTMGRP_* bits for bind().
const RTMGRP_LINK = 0x1;
const RTMGRP_IPV4_IFADDR = 0x10;
const RTMGRP_IPV6_IFADDR = 0x100;

/**
 * Start monitoring links (and, if asked, addresses). Resolves once the current link table has
 * been read, so the first events reported are real transitions. The event socket holds the
 * event loop until close().
 *
 * Notifications arrive on halo_native's NetlinkEvents socket, not the netlink package's: with
 * netlink 0.3.0 an overrun reported by epoll aborts the process (its poll handler builds the
 * error outside a HandleScope; measured with a small buffer and a busy loop). Here an overrun
 * (ENOBUFS: the kernel dropped notifications) re-reads the link table, reports whatever changed
 * meanwhile as link events, then reports the ENOBUFS through onError.
 */
export async function createLinkMonitor(
  opts: LinkMonitorOptions = {},
  native: () => HaloNative = haloNative,
): Promise<NetResult<LinkMonitor>> {
  const table = new LinkTable();
  const linkListeners: Array<(e: LinkEvent) => void> = [];
  const addressListeners: Array<(e: AddressEvent) => void> = [];
  const flagsListeners: Array<(link: LinkState, deleted: boolean) => void> = [];
  const errorListeners: Array<(e: NetError) => void> = [];
  const emitLink = (e: LinkEvent | null) => e && linkListeners.forEach((cb) => cb(e));
  const emitError = (e: NetError) => errorListeners.forEach((cb) => cb(e));
  // Dumps go over their own socket, so a resync never competes with the notifications.
  const requests = createLinkQuery();

  // One resync at a time; overruns during a resync ask for exactly one more afterwards.
  let resyncing = false;
  let again = false;
  async function resync(): Promise<void> {
    if (resyncing) {
      again = true;
      return;
    }
    resyncing = true;
    do {
      again = false;
      const links = await requests.list();
      if (!links.ok) emitError(links.error);
      else table.resync(links.value).forEach(emitLink);
    } while (again);
    resyncing = false;
    emitError(new NetError('ENOBUFS', 'receiving rtnetlink link and address events (notifications lost; link table re-read)'));
  }

  function onData(datagram: Buffer | null, error?: Error): void {
    if (!datagram) {
      if (errnoName(error) === 'ENOBUFS') void resync();
      else emitError(netError(error, 'receiving rtnetlink link and address events'));
      return;
    }
    try {
      for (const m of parseMessages(datagram)) {
        if (m.type === RTM_NEWLINK || m.type === RTM_DELLINK) {
          const link = linkStateOf(rt.parseMessage(m.type, m.data) as rt.LinkMessage);
          if (!link) continue;
          emitLink(m.type === RTM_NEWLINK ? table.update(link) : table.remove(link));
          flagsListeners.forEach((cb) => cb(link, m.type === RTM_DELLINK));
        } else if (m.type === RTM_NEWADDR || m.type === RTM_DELADDR) {
          const e = addressEventOf(m.type, rt.parseMessage(m.type, m.data) as rt.AddressMessage);
          if (e) addressListeners.forEach((cb) => cb(e));
        }
      }
    } catch (err) {
      emitError(netError(err, 'decoding an rtnetlink link or address event'));
    }
  }

  let events: { close(): void };
  try {
    const groups = RTMGRP_LINK | (opts.addressEvents ? RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR : 0);
    events = new (native().NetlinkEvents)(groups, opts.recvBufferSize ?? DEFAULT_RECV_BUFFER, onData);
  } catch (err) {
    requests.close();
    return { ok: false, error: netError(err, 'subscribing to rtnetlink link and address events') };
  }
  const close = () => {
    events.close();
    requests.close();
  };

  const initial = await requests.list();
  if (!initial.ok) {
    close();
    return initial;
  }
  for (const link of initial.value) table.update(link);

  return ok({
    list: requests.list,
    // the table the notifications keep current answers without a dump (a GARP on takeover, the
    // VRRP socket's ifindex): under emulation a link dump costs tens of ms on the takeover path;
    // a name the table does not know is asked of the kernel
    query: async (name) => {
      const known = table.get(name);
      return known ? ok({ ...known }) : requests.query(name);
    },
    onLink: (cb) => void linkListeners.push(cb),
    onAddress: (cb) => void addressListeners.push(cb),
    onFlags: (cb) => void flagsListeners.push(cb),
    onError: (cb) => void errorListeners.push(cb),
    close,
  });
}
