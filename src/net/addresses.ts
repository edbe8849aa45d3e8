/**
 * Virtual IP addresses over rtnetlink (RTM_NEWADDR / RTM_DELADDR), the way keepalived's
 * netlink_ipaddress() adds and removes them: the configured prefix, dev, scope, label and
 * broadcast; IPv6 with IFA_F_NODAD so a VIP is usable at once after failover.
 *
 * Idempotent by design: adding an address that is already there (EEXIST) or deleting one that
 * is not (EADDRNOTAVAIL) is "already so" and succeeds with changed = false. Every other
 * failure is a NetError value naming the errno and the operation
 * (`EPERM adding 192.168.1.200/32 to eth0`).
 */
import * as ipaddr from 'ipaddr.js';
// the package's parts halo uses, not its index (which also loads nl80211 and WireGuard structs, ~270 KB)
import { FlagsNew } from 'netlink/dist/constants';
import * as rt from 'netlink/dist/rt/structs';
import { MessageType as RtMessageType } from 'netlink/dist/rt/gen_structs';
import { AttrStream } from 'netlink/dist/structs';
import type { VirtualIpAddress } from '../config/model';
import { NetError, NetResult, fail, netError, ok } from './errors';
import { createRtnl } from './rtnl-channel';
import { serial } from './serial';

/** The parts of a configured VIP the kernel needs (a config VirtualIpAddress fits). */
export type VipSpec = Pick<VirtualIpAddress, 'address' | 'family' | 'prefixLen' | 'broadcast' | 'dev' | 'scope' | 'label' | 'preferredLft' | 'noDad'>;

const INFINITY_LIFE_TIME = 0xffffffff;

/** An IPv6 VIP's preferred lifetime as keepalived sets it: unset, 0 (deprecated) for a /128, else forever. */
export function preferredLifetime(vip: Pick<VipSpec, 'prefixLen' | 'preferredLft'>): number {
  const lft = vip.preferredLft ?? (vip.prefixLen === 128 ? 0 : 'forever');
  return lft === 'forever' ? INFINITY_LIFE_TIME : lft;
}

export interface InterfaceAddress {
  address: string;
  family: 4 | 6;
  prefixLen: number;
  dev: string;
  index: number;
  /** RT_SCOPE_* number (0 global, 200 site, 253 link, 254 host). */
  scope: number;
  label: string | null;
  broadcast: string | null;
  /** IFA_F_SECONDARY: another address on the interface covers the same subnet. */
  secondary: boolean;
}

export interface ResidualRemoval {
  removed: VipSpec[];
  errors: NetError[];
}

export interface AddressManager {
  /** Add a VIP; value = true when the kernel changed, false when it was already there. */
  add(vip: VipSpec): Promise<NetResult<boolean>>;
  /**
   * Add several VIPs, one result each, in order. Those whose interface index is known go to the
   * kernel in one netlink datagram, sent before this returns (a takeover's adds cost one round
   * trip, and no turn of the event loop comes between the decision and the request).
   */
  addAll(vips: readonly VipSpec[]): Promise<Array<NetResult<boolean>>>;
  /** Remove a VIP; value = true when the kernel changed, false when it was already gone. */
  remove(vip: VipSpec): Promise<NetResult<boolean>>;
  /** Addresses of one interface, IPv4 and IPv6, in the kernel's order. */
  list(dev: string): Promise<NetResult<InterfaceAddress[]>>;
  /**
   * The interface's primary IPv4 address — the first non-secondary one of the widest scope,
   * skipping `exclude` (the VIPs, so a /32 VIP a crashed run left behind is never taken as the
   * advert source). null when it has none.
   */
  primaryIPv4(dev: string, exclude?: readonly string[]): Promise<NetResult<string | null>>;
  /**
   * Crash recovery (keepalived's remove_residual_vips): delete every one of `vips` still present
   * on its interface, e.g. left behind by a run that died without cleaning up.
   */
  removeResidual(vips: readonly VipSpec[]): Promise<ResidualRemoval>;
  close(): void;
}

// ---------------------------------------------------------------------------------------------
// Pure helpers

const AF_INET = 2;
const AF_INET6 = 10;

const SCOPES: Record<string, number> = { global: 0, site: 200, link: 253, host: 254, nowhere: 255 };

export function scopeNumber(scope: VipSpec['scope']): number {
  return typeof scope === 'number' ? scope : SCOPES[scope];
}

/** `192.168.1.200/32` — how the address appears in messages. */
export const vipText = (vip: Pick<VipSpec, 'address' | 'prefixLen'>) => `${vip.address}/${vip.prefixLen}`;

const bytesOf = (address: string) => Buffer.from(ipaddr.parse(address).toByteArray());
const textOf = (bytes: Buffer) => ipaddr.fromByteArray(Array.from(bytes)).toString();
const sameAddress = (a: string, b: string) => ipaddr.parse(a).toNormalizedString() === ipaddr.parse(b).toNormalizedString();

export function interfaceAddressOf(msg: rt.AddressMessage, dev: string): InterfaceAddress | null {
  const { data, attrs } = msg;
  const bytes = attrs.local ?? attrs.address;
  if (!bytes || data.index === undefined || (data.family !== AF_INET && data.family !== AF_INET6)) return null;
  // IFA_FLAGS (u32) supersedes ifa_flags (u8) when present.
  const flags = attrs.flags ?? data.flags ?? {};
  return {
    address: textOf(bytes),
    family: data.family === AF_INET ? 4 : 6,
    prefixLen: data.prefixlen ?? 0,
    dev,
    index: data.index,
    scope: data.scope ?? 0,
    label: attrs.label ?? null,
    broadcast: attrs.broadcast ? textOf(attrs.broadcast) : null,
    secondary: !!flags.secondary,
  };
}

/**
 * The interface's primary IPv4 address: among its non-secondary addresses (not in `exclude`),
 * the first of the widest scope. The kernel keeps primaries sorted by scope, host before link
 * before global, so a host- or link-scope /32 VIP would otherwise come first; an advert's source
 * must be an address the peers can reach.
 */
export function firstPrimaryIPv4(addresses: readonly InterfaceAddress[], exclude: readonly string[] = []): string | null {
  let best: InterfaceAddress | null = null;
  for (const a of addresses) {
    if (a.family !== 4 || a.secondary || exclude.some((x) => sameAddress(x, a.address))) continue;
    if (!best || a.scope < best.scope) best = a;
  }
  return best ? best.address : null;
}

/**
 * The interface's IPv6 link-local address (keepalived's ifp->sin6_addr), the source of an IPv6
 * instance's adverts (RFC 9568 §5.1.2.1), skipping `exclude` (link-local VIPs). null when none.
 */
export function firstLinkLocalIPv6(addresses: readonly InterfaceAddress[], exclude: readonly string[] = []): string | null {
  const a = addresses.find(
    (x) => x.family === 6 && ipaddr.IPv6.parse(x.address).range() === 'linkLocal' && !exclude.some((e) => sameAddress(e, x.address)),
  );
  return a ? a.address : null;
}

// ---------------------------------------------------------------------------------------------
// Kernel side

/** A lost reply must not hang the daemon: every request gives up after this long. */
const REQUEST_TIMEOUT_MS = 5000;
const timeout = { timeout: REQUEST_TIMEOUT_MS };

export function createAddressManager(): AddressManager {
  // Unreferenced: the socket holds the event loop only while a request is in flight.
  // halo's request channel (src/net/rtnl-channel.ts): replies matched by sequence number, a
  // timeout judged on running time after the socket was read; each request reports its own failure
  const rtnl = createRtnl();
  const sock = rtnl.sock;
  const one = serial();

  // Interface indexes from the last link dump: a VIP add or delete on takeover is then one
  // request, not a dump and a request (tens of ms each under emulation). An index goes stale
  // only when its interface is deleted (indexes are not reused soon), and then the kernel says
  // ENODEV: the entry is dropped and the operation retried once on a fresh dump.
  const indexes = new Map<string, number>();

  async function indexOf(dev: string, operation: string, fresh = false): Promise<NetResult<number>> {
    const cached = fresh ? undefined : indexes.get(dev);
    if (cached !== undefined) return ok(cached);
    try {
      const links = await one(() => sock.getLinks(undefined, undefined, timeout));
      indexes.clear();
      for (const l of links) if (l.attrs.ifname !== undefined && l.data.index !== undefined) indexes.set(l.attrs.ifname, l.data.index);
      const index = indexes.get(dev);
      return index !== undefined ? ok(index) : fail('ENODEV', operation);
    } catch (err) {
      return { ok: false, error: netError(err, operation) };
    }
  }

  /** `run` on dev's index; once more on a freshly dumped index if a cached one met ENODEV. */
  async function onIndex<T>(dev: string, operation: string, run: (index: number) => Promise<NetResult<T>>): Promise<NetResult<T>> {
    const wasCached = indexes.has(dev);
    const index = await indexOf(dev, operation);
    if (!index.ok) return index;
    const r = await run(index.value);
    if (r.ok || r.error.code !== 'ENODEV' || !wasCached) return r;
    indexes.delete(dev);
    const again = await indexOf(dev, operation, true);
    return again.ok ? run(again.value) : again;
  }

  /** Why the kernel could not be asked at all, or null: caught here so the errno is honest. */
  function invalid(vip: VipSpec): string | null {
    if (!ipaddr.isValid(vip.address) || ipaddr.parse(vip.address).kind() !== (vip.family === 4 ? 'ipv4' : 'ipv6')) {
      return `${vip.address} is not an IPv${vip.family} address`;
    }
    // the config builder resolves `brd +`/`brd -` (vrrp-values.ts): anything else here is a caller's bug
    if (vip.broadcast !== null && !ipaddr.IPv4.isValidFourPartDecimal(vip.broadcast)) {
      return `broadcast ${vip.broadcast} is not an IPv4 address`;
    }
    if (scopeNumber(vip.scope) === undefined) return `unknown scope ${vip.scope}`;
    return null;
  }

  /** The header and attributes naming one address on one interface. */
  function message(vip: VipSpec, index: number, forAdd: boolean): [rt.Address, rt.AddressAttrs] {
    const local = bytesOf(vip.address);
    const data: rt.Address = {
      family: vip.family === 4 ? AF_INET : AF_INET6,
      prefixlen: vip.prefixLen,
      scope: scopeNumber(vip.scope),
      index,
    };
    const attrs: rt.AddressAttrs = { local, address: local };
    if (forAdd) {
      if (vip.family === 6 && vip.noDad !== false) attrs.flags = { nodad: true };
      // keepalived's netlink_ipaddress: a finite preferred lifetime (0: deprecated, never a source
      // address) goes in IFA_CACHEINFO with an infinite valid lifetime
      const preferred = vip.family === 6 ? preferredLifetime(vip) : INFINITY_LIFE_TIME;
      if (preferred !== INFINITY_LIFE_TIME) attrs.cacheInfo = { ifaPrefered: preferred, ifaValid: INFINITY_LIFE_TIME, cstamp: 0, tstamp: 0 };
      if (vip.family === 4 && vip.label) attrs.label = vip.label;
      if (vip.family === 4 && vip.broadcast) attrs.broadcast = bytesOf(vip.broadcast);
    }
    return [data, attrs];
  }

  async function list(dev: string): Promise<NetResult<InterfaceAddress[]>> {
    const operation = `listing addresses of ${dev}`;
    const index = await indexOf(dev, operation, true); // a fresh index: the listing filters by it
    if (!index.ok) return index;
    try {
      const msgs = await one(() => sock.getAddresses(undefined, undefined, timeout));
      return ok(
        msgs
          .filter((m) => m.data.index === index.value)
          .map((m) => interfaceAddressOf(m, dev))
          .filter((a): a is InterfaceAddress => a !== null),
      );
    } catch (err) {
      return { ok: false, error: netError(err, operation) };
    }
  }

  async function remove(vip: VipSpec): Promise<NetResult<boolean>> {
    const operation = `removing ${vipText(vip)} from ${vip.dev}`;
    const why = invalid(vip);
    if (why) return fail('EINVAL', `${operation}: ${why}`);
    return onIndex(vip.dev, operation, async (index) => {
      try {
        const [data, attrs] = message(vip, index, false);
        await one(() => sock.delAddress(data, attrs, timeout));
        return ok(true);
      } catch (err) {
        const error = netError(err, operation);
        return error.code === 'EADDRNOTAVAIL' ? ok(false) : { ok: false, error };
      }
    });
  }

  async function add(vip: VipSpec): Promise<NetResult<boolean>> {
    const operation = `adding ${vipText(vip)} to ${vip.dev}`;
    const why = invalid(vip);
    if (why) return fail('EINVAL', `${operation}: ${why}`);
    return onIndex(vip.dev, operation, async (index) => {
      try {
        const [data, attrs] = message(vip, index, true);
        await one(() => sock.newAddress(data, attrs, { ...timeout, flags: FlagsNew.CREATE | FlagsNew.EXCL }));
        return ok(true);
      } catch (err) {
        const error = netError(err, operation);
        return error.code === 'EEXIST' ? ok(false) : { ok: false, error };
      }
    });
  }

  /**
   * The adds whose index is cached go out as one batch, at once: a RTM_NEWADDR is no dump, so it
   * need not wait its turn behind one (the channel matches replies by sequence number). The
   * rest (an interface not yet looked up, a bad address) take add()'s path, as does a cached
   * index the kernel no longer knows (ENODEV: add() looks it up afresh).
   */
  function addAll(vips: readonly VipSpec[]): Promise<Array<NetResult<boolean>>> {
    const results: Array<Promise<NetResult<boolean>>> = [];
    const batch: Array<{ at: number; vip: VipSpec; bufs: Uint8Array[] }> = [];
    vips.forEach((vip, at) => {
      const index = indexes.get(vip.dev);
      if (index === undefined || invalid(vip)) {
        results[at] = add(vip);
        return;
      }
      const [data, attrs] = message(vip, index, true);
      const out = new AttrStream();
      rt.formatAddressMessage({ kind: 'address', data, attrs }, out);
      batch.push({ at, vip, bufs: out.bufs });
    });
    const sent = rtnl.channel.requestBatch(batch.map((b) => ({ type: RtMessageType.NEWADDR, data: b.bufs, options: { ...timeout, flags: FlagsNew.CREATE | FlagsNew.EXCL } })));
    batch.forEach(({ at, vip }, k) => {
      results[at] = sent[k].then(
        () => ok(true),
        (err): NetResult<boolean> | Promise<NetResult<boolean>> => {
          const error = netError(err, `adding ${vipText(vip)} to ${vip.dev}`);
          if (error.code === 'EEXIST') return ok(false);
          if (error.code === 'ENODEV') {
            indexes.delete(vip.dev);
            return add(vip);
          }
          return { ok: false, error };
        },
      );
    });
    return Promise.all(results);
  }

  return {
    list,
    remove,
    add,
    addAll,

    async primaryIPv4(dev, exclude = []) {
      const addresses = await list(dev);
      return addresses.ok ? ok(firstPrimaryIPv4(addresses.value, exclude)) : addresses;
    },

    async removeResidual(vips) {
      const result: ResidualRemoval = { removed: [], errors: [] };
      const present = new Map<string, NetResult<InterfaceAddress[]>>();
      for (const vip of vips) {
        if (!present.has(vip.dev)) present.set(vip.dev, await list(vip.dev));
        const onDev = present.get(vip.dev)!;
        if (!onDev.ok) {
          // A missing interface holds no residue; anything else is worth reporting once per VIP.
          if (onDev.error.code !== 'ENODEV') result.errors.push(onDev.error);
          continue;
        }
        const there = onDev.value.some((a) => a.prefixLen === vip.prefixLen && sameAddress(a.address, vip.address));
        if (!there) continue;
        const r = await remove(vip);
        if (!r.ok) result.errors.push(r.error);
        else if (r.value) result.removed.push(vip);
      }
      return result;
    },

    close: () => rtnl.close(),
  };
}
