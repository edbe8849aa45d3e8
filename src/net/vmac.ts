/**
 * VRRP virtual MAC interfaces as keepalived 2.2.7 makes them (vrrp_vmac.c, vrrp_if_config.c):
 * a macvlan in private mode on the instance's interface with the RFC 5798 MAC
 * 00:00:5e:00:01:VRID, and the sysctls that make it work:
 *   on the VMAC     arp_ignore=1, accept_local=1, rp_filter=0, promote_secondaries=1,
 *                   IPv6 off (an IPv4 instance) and no link-local address generation;
 *   on its parent   arp_ignore=1, arp_filter=1 (the old values are restored when the last
 *                   VMAC on it goes);
 *   an IPv6 instance (MAC 00:00:5e:00:02:VRID) gets none of these ARP sysctls: IPv6 stays on the
 *                   VMAC, which gets the link-local address its adverts leave from (the
 *                   configured source, else its interface's), unless vmac_xmit_base;
 *   globally        rp_filter=0 on "all" needs every interface's own rp_filter raised to the
 *                   old "all" value first (clear_rp_filter), restored at the end.
 * The link is made over rtnetlink (RTM_NEWLINK with IFLA_LINKINFO), the sysctls are written
 * under /proc/sys/net (the process's network namespace), as keepalived's sysctl fallback does.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as ipaddr from 'ipaddr.js';
import { FlagsNew } from 'netlink/dist/constants';
import { NetResult, fail, netError, ok } from './errors';
import { IPVLAN_MODE_L2, ipvlanLinkInfo, ipvlanOf, nla, vrfTableOf } from './ipvlan';
import { formatMac, parseMac } from './mac';
import { createRtnl } from './rtnl-channel';
import { serial } from './serial';
import { NETLINK_ROUTE, delLinkMessage, type UndoLog } from './undo-requests';

import type { IpvlanOptions } from '../config/model';
import { vmacAddress } from '../config/vmac-values';

export { vmacAddress };

/** keepalived's default VMAC name: `vrrp.VRID` (vmac_prefix "vrrp"). */
export const defaultVmacName = (vrid: number): string => `vrrp.${vrid}`;

const AF_INET = 2;
const AF_INET6 = 10;
const IFLA_INFO_KIND = 1;
const IFLA_INFO_DATA = 2;
const IFLA_MACVLAN_MODE = 1;
export const MACVLAN_MODE_PRIVATE = 1;

/** The IFLA_LINKINFO payload of a private-mode macvlan (kind "macvlan", IFLA_MACVLAN_MODE 1). */
export function macvlanLinkInfo(mode = MACVLAN_MODE_PRIVATE): Buffer {
  const u32 = Buffer.alloc(4);
  u32.writeUInt32LE(mode, 0);
  return Buffer.concat([nla(IFLA_INFO_KIND, Buffer.from('macvlan')), nla(IFLA_INFO_DATA, nla(IFLA_MACVLAN_MODE, u32))]);
}

/** The macvlan mode in an IFLA_LINKINFO payload, or null when it is not a macvlan. */
export function macvlanModeOf(info: Buffer | undefined): number | null {
  if (!info) return null;
  let kind = '';
  let mode: number | null = null;
  for (let off = 0; off + 4 <= info.length; ) {
    const len = info.readUInt16LE(off);
    const type = info.readUInt16LE(off + 2);
    if (len < 4) break;
    const body = info.subarray(off + 4, off + len);
    if (type === IFLA_INFO_KIND) kind = body.toString().replace(/\0+$/, '');
    else if (type === IFLA_INFO_DATA) {
      for (let o = 0; o + 4 <= body.length; ) {
        const l = body.readUInt16LE(o);
        if (l < 4) break;
        if (body.readUInt16LE(o + 2) === IFLA_MACVLAN_MODE && l >= 8) mode = body.readUInt32LE(o + 4);
        o += (l + 3) & ~3;
      }
    }
    off += (len + 3) & ~3;
  }
  return kind === 'macvlan' ? mode ?? 0 : null;
}

export interface VmacSpec {
  /** The instance (for log lines). */
  instance: string;
  name: string;
  /** The instance's interface. */
  base: string;
  vrid: number;
  /** The VMAC's MAC: 00:00:5e:00:01:VRID (02 for IPv6) unless use_vmac gave one. */
  mac: string;
  /**
   * keepalived's set_interface_parameters (the ARP sysctls above, on the VMAC and its parent):
   * IPv4 instances only. Default true.
   */
  arpSysctls?: boolean;
  /** IPv6 on the VMAC (keepalived's link_set_ipv6): an IPv6 instance, or excluded VIPs of the other family. Default false. */
  ipv6?: boolean;
  /** keepalived's set_link_local_address: the IPv6 link-local address added to the VMAC (/64, nodad). */
  linkLocal?: string | null;
  /** use_ipvlan: an l2 ipvlan with these flags instead of a macvlan (no MAC, no ARP sysctls), its address put on it. */
  ipvlan?: { flags: number; address: { address: string; prefixLen: number; family: 4 | 6 } | null };
}

/** The VMAC of an instance with use_vmac. */
export function vmacSpecOf(
  i: { name: string; interface: string; virtualRouterId: number; family: 4 | 6; vmac: { name: string; mac: string | null; xmitBase?: boolean; ipvlan?: IpvlanOptions } | null; virtualIpAddressesExcluded?: Array<{ family: 4 | 6 }> },
  linkLocal: string | null = null,
): VmacSpec {
  const otherFamily = (i.virtualIpAddressesExcluded ?? []).some((v) => v.family !== i.family);
  const ipvlan = i.vmac!.ipvlan;
  // netlink_link_add_ipvlan: IPv6 on it unless an IPv4 instance without eVIPs of the other family
  if (ipvlan) return { instance: i.name, name: i.vmac!.name, base: i.interface, vrid: i.virtualRouterId, mac: '', arpSysctls: false, ipv6: i.family === 6 || otherFamily, ipvlan: { flags: ipvlan.flags, address: ipvlan.address } };
  return {
    instance: i.name, name: i.vmac!.name, base: i.interface, vrid: i.virtualRouterId, mac: i.vmac!.mac ?? vmacAddress(i.virtualRouterId, i.family),
    arpSysctls: i.family === 4, ipv6: i.family === 6 || otherFamily, linkLocal: i.family === 6 && !i.vmac!.xmitBase ? linkLocal : null,
  };
}

export interface VmacManager {
  /** Create (or correct) the VMAC, set its and its parent's sysctls, bring it up. */
  ensure(spec: VmacSpec): Promise<NetResult<{ ifindex: number; created: boolean; log: string[] }>>;
  /** Delete the VMAC (if it is a macvlan) and restore what ensure() changed on its parent. */
  remove(spec: VmacSpec): Promise<NetResult<boolean>>;
  close(): void;
}

/** /proc/sys paths, injectable so the bookkeeping can be tested without root. */
export interface Sysctl {
  get(path: string): number | null;
  set(path: string, value: number): void;
  interfaces(): string[];
}

export const procSysctl: Sysctl = {
  get(path) {
    try {
      const n = Number(readFileSync(`/proc/sys/${path}`, 'utf8').trim());
      return Number.isInteger(n) ? n : null;
    } catch {
      return null;
    }
  },
  set(path, value) {
    writeFileSync(`/proc/sys/${path}`, `${value}\n`);
  },
  interfaces() {
    try {
      return readdirSync('/proc/sys/net/ipv4/conf').filter((n) => n !== 'all' && n !== 'default');
    } catch {
      return [];
    }
  },
};

const conf4 = (ifname: string, p: string) => `net/ipv4/conf/${ifname}/${p}`;

/**
 * What ensure()/remove() change beyond the link, kept so the end restores it: the parents'
 * arp_ignore/arp_filter (per parent, with a count of the VMACs on it), and rp_filter.
 */
export class VmacSysctls {
  private readonly parents = new Map<string, { count: number; arpIgnore: number | null; arpFilter: number | null }>();
  private rpFilter: { all: number; default: number | null; raised: string[] } | null = null;

  /** `undo`: each value changed outside the VMAC itself is recorded with its old value (a crash restores it). */
  constructor(private readonly sys: Sysctl = procSysctl, private readonly undo: UndoLog | null = null) {}

  /** Set `path`, recording the value to put back should the worker die. */
  private change(path: string, old: number | null, value: number): void {
    this.sys.set(path, value);
    if (old !== null) this.undo?.record(`sysctl ${path}`, { kind: 'sysctl', path, value: old });
  }

  /** Put back `path` (or leave it, old === null), and forget its undo. */
  private restore(path: string, old: number | null): void {
    this.undo?.forget(`sysctl ${path}`);
    if (old !== null) this.sys.set(path, old);
  }

  /** set_interface_parameters: the VMAC's own values, its parent's, and rp_filter. */
  apply(vmac: string, base: string): string[] {
    const log: string[] = [];
    this.clearRpFilter(log);
    this.sys.set(conf4(vmac, 'arp_ignore'), 1);
    this.sys.set(conf4(vmac, 'accept_local'), 1);
    this.sys.set(conf4(vmac, 'rp_filter'), 0);
    this.sys.set(conf4(vmac, 'promote_secondaries'), 1);
    const p = this.parents.get(base);
    if (p) p.count++;
    else {
      const arpIgnore = this.sys.get(conf4(base, 'arp_ignore'));
      const arpFilter = this.sys.get(conf4(base, 'arp_filter'));
      if (arpIgnore !== 1) this.change(conf4(base, 'arp_ignore'), arpIgnore, 1);
      if (arpFilter !== 1) this.change(conf4(base, 'arp_filter'), arpFilter, 1);
      this.parents.set(base, { count: 1, arpIgnore, arpFilter });
    }
    return log;
  }

  /** reset_interface_parameters: the parent's old values once its last VMAC is gone. */
  release(base: string): void {
    const p = this.parents.get(base);
    if (!p) return;
    if (--p.count > 0) return;
    this.parents.delete(base);
    try {
      if (p.arpIgnore !== 1) this.restore(conf4(base, 'arp_ignore'), p.arpIgnore);
      if (p.arpFilter !== 1) this.restore(conf4(base, 'arp_filter'), p.arpFilter);
    } catch {
      /* the parent went away */
    }
    if (this.parents.size === 0) this.restoreRpFilter();
  }

  /**
   * clear_rp_filter: rp_filter=0 on a VMAC only works with all.rp_filter=0; so that no other
   * interface changes behaviour, default and every interface are first raised to the old "all".
   */
  private clearRpFilter(log: string[]): void {
    if (this.rpFilter) return;
    const all = this.sys.get('net/ipv4/conf/all/rp_filter');
    if (all === null) {
      log.push('Unable to read sysctl net.ipv4.conf.all.rp_filter');
      return;
    }
    if (all === 0) return;
    let dflt: number | null = null;
    const cur = this.sys.get('net/ipv4/conf/default/rp_filter');
    if (cur !== null && cur < all) {
      log.push(`NOTICE: setting sysctl net.ipv4.conf.default.rp_filter from ${cur} to ${all}`);
      this.change('net/ipv4/conf/default/rp_filter', cur, all);
      dflt = cur;
    }
    const raised: string[] = [];
    for (const ifname of this.sys.interfaces()) {
      const v = this.sys.get(conf4(ifname, 'rp_filter'));
      if (v !== null && v < all) {
        this.sys.set(conf4(ifname, 'rp_filter'), all);
        raised.push(ifname);
      }
    }
    this.change('net/ipv4/conf/all/rp_filter', all, 0);
    this.rpFilter = { all, default: dflt, raised };
  }

  /** restore_rp_filter: "all" and "default" back; the raised interfaces keep an equivalent value. */
  private restoreRpFilter(): void {
    const r = this.rpFilter;
    if (!r) return;
    this.rpFilter = null;
    try {
      this.restore('net/ipv4/conf/all/rp_filter', r.all);
      if (r.default !== null) this.restore('net/ipv4/conf/default/rp_filter', r.default);
    } catch {
      /* nothing more to do */
    }
  }
}

const REQUEST_TIMEOUT_MS = 5000;
const timeout = { timeout: REQUEST_TIMEOUT_MS };

/** `undo`: a VMAC in place is recorded with its RTM_DELLINK (the supervisor replays it should the worker die). */
export function createVmacManager(sysctls = new VmacSysctls(), undo: UndoLog | null = null): VmacManager {
  // halo's request channel (src/net/rtnl-channel.ts): replies matched by sequence number, a
  // timeout judged on running time after the socket was read; each request reports its own failure
  const rtnl = createRtnl();
  const sock = rtnl.sock;
  const one = serial();

  async function links() {
    return one(() => sock.getLinks(undefined, undefined, timeout));
  }
  async function find(name: string) {
    return (await links()).find((l) => l.attrs.ifname === name) ?? null;
  }

  /**
   * The VRF the parent is enslaved to (IFLA_MASTER naming a link of kind vrf): keepalived enslaves
   * the VMAC or ipvlan to it too (netlink_link_add_vmac / _ipvlan).
   */
  async function vrfMaster(base: { attrs: { master?: number } }): Promise<{ master?: number }> {
    const m = base.attrs.master;
    if (!m) return {};
    const master = (await links()).find((l) => l.data.index === m);
    return master && vrfTableOf(master.attrs.linkinfo) !== null ? { master: m } : {};
  }

  /**
   * netlink_link_add_ipvlan: an l2 ipvlan NAME on the parent (created up), one already there of
   * the same parent, mode and flags kept; IPv6 off unless needed (link_set_ipv6); the address
   * added. No ARP sysctls (keepalived sets none on an ipvlan).
   */
  async function ensureIpvlan(spec: VmacSpec, ipvlan: NonNullable<VmacSpec['ipvlan']>, operation: string): Promise<NetResult<{ ifindex: number; created: boolean; log: string[] }>> {
    const log: string[] = [];
    const base = await find(spec.base);
    if (!base?.data.index) return fail('ENODEV', operation);
    const existing = await find(spec.name);
    let create = !existing;
    if (existing) {
      const kind = ipvlanOf(existing.attrs.linkinfo);
      if (kind === null) return fail('EEXIST', `${operation} (IPVLAN ${spec.name} conflicts with existing interface)`);
      if (existing.attrs.link?.readUInt32LE(0) !== base.data.index || kind.mode !== IPVLAN_MODE_L2 || kind.flags !== ipvlan.flags) {
        log.push(`(${spec.instance}) IPVLAN ${spec.name} already exists but is incompatible. It will be deleted/updated`);
        await one(() => sock.delLink({ index: existing.data.index }, undefined, timeout));
        create = true;
      }
    }
    if (create) {
      const link = Buffer.alloc(4);
      link.writeUInt32LE(base.data.index, 0);
      const attrs = { link, ifname: spec.name, linkinfo: ipvlanLinkInfo(ipvlan.flags), ...(await vrfMaster(base)) };
      await one(() => sock.newLink({ flags: { up: true }, change: { up: true } }, attrs, { ...timeout, flags: FlagsNew.CREATE | FlagsNew.EXCL }));
    }
    const now = await find(spec.name);
    if (!now?.data.index) return fail('ENODEV', operation);
    if (!create) await one(() => sock.setLink({ index: now.data.index, flags: { up: true }, change: { up: true } }, undefined, timeout));
    try {
      procSysctl.set(`net/ipv6/conf/${spec.name}/disable_ipv6`, spec.ipv6 ? 0 : 1);
    } catch {
      /* no IPv6 in this kernel */
    }
    const a = ipvlan.address;
    if (a) {
      const local = Buffer.from(ipaddr.parse(a.address).toByteArray());
      try {
        await one(() => sock.newAddress({ family: a.family === 6 ? AF_INET6 : AF_INET, prefixlen: a.prefixLen, index: now.data.index }, { local, address: local }, { ...timeout, flags: FlagsNew.CREATE | FlagsNew.EXCL }));
      } catch (err) {
        if (netError(err, operation).code !== 'EEXIST') log.push(`${spec.instance}: Failed to add interface address to ${spec.name}`);
      }
    }
    undo?.record(`VMAC ${spec.name}`, { kind: 'netlink', protocol: NETLINK_ROUTE, datagram: delLinkMessage(now.data.index) });
    return ok({ ifindex: now.data.index, created: create, log });
  }

  return {
    async ensure(spec) {
      const mac = spec.mac;
      const operation = `creating ${spec.ipvlan ? 'ipvlan' : 'VMAC'} interface ${spec.name} on ${spec.base}`;
      const log: string[] = [];
      try {
        if (spec.ipvlan) return await ensureIpvlan(spec, spec.ipvlan, operation);
        const base = await find(spec.base);
        if (!base?.data.index) return fail('ENODEV', operation);
        const existing = await find(spec.name);
        let created = false;
        const macBuf = parseMac(mac)!;
        if (existing) {
          const mode = macvlanModeOf(existing.attrs.linkinfo);
          if (mode === null) return fail('EEXIST', `${operation} (VMAC ${spec.name} conflicts with existing interface)`);
          const parent = existing.attrs.link?.readUInt32LE(0);
          if (parent !== base.data.index) {
            log.push(`(${spec.instance}) Removing old VMAC interface ${spec.name} due to conflicting interface`);
            await one(() => sock.delLink({ index: existing.data.index }, undefined, timeout));
            created = true;
          } else if ((existing.attrs.address ? formatMac(existing.attrs.address) : '') !== mac || mode !== MACVLAN_MODE_PRIVATE) {
            log.push(`(${spec.instance}) Update old VMAC interface ${spec.name} due to wrong MAC/mode `);
            await one(() => sock.newLink({ index: existing.data.index }, { address: macBuf, linkinfo: macvlanLinkInfo() }, timeout));
          }
        } else created = true;
        if (created) {
          const link = Buffer.alloc(4);
          link.writeUInt32LE(base.data.index, 0);
          const master = await vrfMaster(base);
          await one(() => sock.newLink({}, { ifname: spec.name, link, address: macBuf, linkinfo: macvlanLinkInfo(), ...master }, { ...timeout, flags: FlagsNew.CREATE | FlagsNew.EXCL }));
        }
        const now = await find(spec.name);
        if (!now?.data.index) return fail('ENODEV', operation);
        if (spec.arpSysctls !== false) log.push(...sysctls.apply(spec.name, spec.base));
        // no link-local address made from its MAC (RFC 5798 §7.4); IPv6 off unless the instance needs it
        try {
          procSysctl.set(`net/ipv6/conf/${spec.name}/addr_gen_mode`, 1);
          procSysctl.set(`net/ipv6/conf/${spec.name}/disable_ipv6`, spec.ipv6 ? 0 : 1);
        } catch {
          /* no IPv6 in this kernel */
        }
        await one(() => sock.setLink({ index: now.data.index, flags: { up: true }, change: { up: true } }, undefined, timeout));
        if (spec.linkLocal) {
          const local = Buffer.from(ipaddr.parse(spec.linkLocal).toByteArray());
          try {
            await one(() => sock.newAddress({ family: AF_INET6, prefixlen: 64, index: now.data.index }, { local, address: local, flags: { nodad: true } }, { ...timeout, flags: FlagsNew.CREATE | FlagsNew.EXCL }));
          } catch (err) {
            if (netError(err, operation).code !== 'EEXIST') log.push(`(${spec.instance}) adding link-local address to ${spec.name} failed`);
          }
        }
        undo?.record(`VMAC ${spec.name}`, { kind: 'netlink', protocol: NETLINK_ROUTE, datagram: delLinkMessage(now.data.index) });
        return ok({ ifindex: now.data.index!, created, log });
      } catch (err) {
        return { ok: false, error: netError(err, operation) };
      }
    },

    async remove(spec) {
      const operation = `removing ${spec.ipvlan ? 'ipvlan' : 'VMAC'} interface ${spec.name}`;
      try {
        if (spec.arpSysctls !== false) sysctls.release(spec.base);
        undo?.forget(`VMAC ${spec.name}`);
        const existing = await find(spec.name);
        if (!existing || (spec.ipvlan ? ipvlanOf(existing.attrs.linkinfo) : macvlanModeOf(existing.attrs.linkinfo)) === null) return ok(false);
        await one(() => sock.delLink({ index: existing.data.index }, undefined, timeout));
        return ok(true);
      } catch (err) {
        return { ok: false, error: netError(err, operation) };
      }
    },

    close() {
      rtnl.close();
    },
  };
}
