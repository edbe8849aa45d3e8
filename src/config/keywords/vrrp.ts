/**
 * The VRRP sections (keepalived/vrrp/vrrp_parser.c init_vrrp_keywords, and track_file.c):
 * vrrp_instance with its authentication block, vrrp_sync_group, vrrp_script, and the tracker
 * and static blocks halo does not implement (listed so the registry is complete; their root
 * keyword is refused, so their contents are never read).
 */
import { trackGroupMembers, type TrackGroupDraft } from '../track-groups';
import { parseGarpExtraIf, parseVmacMac } from '../vmac-values';
import * as ipaddr from 'ipaddr.js';
import type { InstanceDraft, SyncGroupDraft } from '../build-vrrp';
import type { BuildContext } from '../context';
import { rawLine, scriptLine } from '../script-words';
import type { UnicastPeer, VrrpScript, VrrpTrackProcess } from '../model';
import type { Statement, Word } from '../parse';
import { notifyDeleted, notifyKeyword, notifyMasterRxLowerPri, trackBfds, trackInterfaces, trackObjects, trackScripts, vipEntry } from '../vrrp-values';
import { resolveRunAs } from '../script-user';
import { trueFalse } from '../notify-fifo-values';
import { applySection } from './apply';
import { parseRoute, parseRule } from '../routes';
import { acted, noEffect, notImplemented, section, type KeywordSpec } from './types';

type I = InstanceDraft;

const onUnlessOff = (s: Statement): boolean => !/^(off|false|no)$/i.test(s.args[0]?.value ?? '');
const ROUTES = 'routes and rules that follow the VRRP state';

/** An address where keepalived also takes `ADDR/LEN` and ignores the length (inet_stosockaddr). */
function hostAddress(ctx: BuildContext, w: Word, instance: string, what: 'src' | 'unicast peer'): string | null {
  const slash = w.value.indexOf('/');
  const text = slash < 0 ? w.value : w.value.slice(0, slash);
  const a = ctx.addressWord({ ...w, value: text }, what, true)?.address ?? null;
  // keepalived skips a malformed address and carries on.
  if (a === null) ctx.warn(w, `Configuration error: VRRP instance[${instance}] malformed ${what} address[${w.value}]. Skipping...`);
  return a;
}

function notify<T>(pick: (t: T) => import('../model').NotifyScripts) {
  return (ctx: BuildContext, s: Statement, t: T): void => { notifyKeyword(ctx, s, pick(t)); };
}

function authentication(ctx: BuildContext, s: Statement, d: I): void {
  applySection(ctx, ctx.needBlock(s) ?? [], AUTHENTICATION, d, `vrrp_instance ${d.name.value} authentication`);
  d.authWord = s.keyword;
}

/** keepalived's vrrp_native_ipv6_handler: IPv6 and version 3, unless IPv4 VIPs came first. */
function nativeIpv6(ctx: BuildContext, s: Statement, d: I): void {
  if (d.vips.some((v) => v.family === 4)) {
    ctx.error(s.keyword, `(${d.name.value}) Cannot specify native_ipv6 with IPv4 addresses`);
    return;
  }
  d.nativeIpv6 = true;
}

function unicastPeers(ctx: BuildContext, s: Statement, d: I): void {
  for (const p of ctx.needBlock(s) ?? []) {
    ctx.checkBlock(p);
    const a = hostAddress(ctx, p.keyword, d.name.value, 'unicast peer');
    const peer: UnicastPeer = { address: a ?? '', minTtl: null, maxTtl: null };
    for (let i = 0; i < p.args.length; i += 2) {
      const opt = p.args[i];
      const val = p.args[i + 1];
      if (opt.value !== 'min_ttl' && opt.value !== 'max_ttl') {
        ctx.warn(opt, `unicast_peer: unknown option '${opt.value}'`);
        i--;
        continue;
      }
      if (!val) { ctx.error(opt, `unicast_peer: '${opt.value}' needs a value`); break; }
      const n = ctx.intWord(val, 0, 255, `unicast_peer ${opt.value}`);
      if (opt.value === 'min_ttl') peer.minTtl = n;
      else peer.maxTtl = n;
    }
    if (a) d.unicastPeers.push(peer);
  }
}

function vips(excluded: boolean) {
  return (ctx: BuildContext, s: Statement, d: I): void => {
    for (const e of ctx.needBlock(s) ?? []) {
      ctx.checkBlock(e);
      const vip = vipEntry(ctx, e, excluded);
      if (vip) (excluded ? d.vipsExcluded : d.vips).push(vip);
    }
  };
}

function state(ctx: BuildContext, s: Statement, d: I): void {
  const v = ctx.arg(s);
  if (!v) return;
  if (v.value === 'MASTER') d.state = 'MASTER';
  else if (v.value === 'BACKUP') {
    if (d.state === 'MASTER') ctx.warn(v, `(${d.name.value}) state previously set as MASTER - ignoring BACKUP`);
    else d.state = 'BACKUP';
  } else {
    ctx.warn(v, `(${d.name.value}) unknown state '${v.value}', defaulting to BACKUP`);
    d.state = 'BACKUP';
  }
}

function vrid(ctx: BuildContext, s: Statement, d: I): void {
  const w = ctx.arg(s, 0, 'a number');
  if (!w) return;
  d.vridWord = w;
  const n = /^\d+$/.test(w.value) ? Number(w.value) : NaN;
  if (!(n >= 1 && n <= 255)) ctx.warn(w, `(${d.name.value}): VRID '${w.value}' not valid - must be between 1 & 255`);
  else d.vrid = n;
}

function priority(ctx: BuildContext, s: Statement, d: I): void {
  const w = ctx.arg(s, 0, 'a number');
  if (!w) return;
  const n = /^\d+$/.test(w.value) ? Number(w.value) : NaN;
  if (!(n >= 1 && n <= 255)) {
    ctx.warn(w, `(${d.name.value}) Priority not valid! must be between 1 & 255. Using default 100`);
    d.priority = 100;
  } else d.priority = n;
}

function advertInt(ctx: BuildContext, s: Statement, d: I): void {
  const w = ctx.arg(s, 0, 'a time in seconds');
  if (!w) return;
  const sec = /^\d+(\.\d+)?$|^\.\d+$/.test(w.value) ? Number(w.value) : NaN;
  if (!(sec >= 0.01 && sec <= 255)) {
    ctx.warn(w, `(${d.name.value}) Advert interval (${w.value}) not valid! Must be > 0 - ignoring`);
    return;
  }
  d.advertIntSec = sec;
  d.advertWord = w;
}

/**
 * `use_vmac [NAME] [MAC]` (vrrp_vmac_handler): a word with ':' is a MAC address (config/vmac-values.ts),
 * any other an interface name, valid as dev_name_valid checks it.
 */
function useVmac(ctx: BuildContext, s: Statement, d: InstanceDraft): void {
  d.vmacWord = s.keyword;
  for (const w of s.args.slice(0, 2)) {
    if (w.value.includes(':')) {
      if (d.vmacMac) {
        ctx.warn(w, 'VMAC interface address already specified');
        continue;
      }
      const mac = parseVmacMac(w.value);
      if (mac.ok) d.vmacMac = { octets: mac.octets, useVrid: mac.useVrid, word: w };
      else ctx.warn(w, mac.message);
      continue;
    }
    if (d.vmacName) {
      ctx.warn(w, 'VMAC interface name already specified');
      continue;
    }
    if (w.value.length >= 16 || w.value === '.' || w.value === '..' || /[/\s]/.test(w.value)) {
      ctx.warn(w, `VMAC interface name '${w.value}' too long or invalid characters - ignoring`);
      continue;
    }
    d.vmacName = w;
  }
}

/** `vrf NAME` (vrrp_vrf_handler): kept only for an instance with no interface yet. */
function vrf(ctx: BuildContext, s: Statement, d: I): void {
  const w = ctx.arg(s, 0, 'a VRF name');
  if (!w) return;
  const name = d.name.value;
  if (w.value.length >= 16) ctx.warn(w, `(${name}) VRF interface name '${w.value}' too long - ignoring`);
  else if (d.interface !== null) ctx.warn(s.keyword, `(${name}) Cannot specify VRF interface and interface - ignoring`);
  else if (d.vrfWord) ctx.warn(w, `(${name}) VRF interface already specified as '${d.vrfWord.value}' - ignoring`);
  else d.vrfWord = w;
}

/** ipvlan modes' flags (IFLA_IPVLAN_FLAGS): bridge 0, private IPVLAN_F_PRIVATE, vepa IPVLAN_F_VEPA. */
const IPVLAN_TYPES: Record<string, number> = { bridge: 0, private: 1, vepa: 2 };

/**
 * `use_ipvlan [NAME] [ADDR[/LEN]] [bridge|private|vepa]`, in any order (vrrp_ipvlan_handler): the
 * first type wins, the first address (of the instance's family, if it has one yet) too, then the
 * first name not too long; keepalived 2.2.7 always makes an l2 ipvlan (no l3/l3s word: such a word
 * is read as the name, as keepalived does).
 */
function useIpvlan(ctx: BuildContext, s: Statement, d: I): void {
  const name = d.name.value;
  if (d.ipvlanWord) {
    ctx.warn(s.keyword, `(${name}) use_ipvlan already specified`);
    return;
  }
  d.ipvlanWord = s.keyword;
  let hadType = false;
  for (const w of s.args) {
    if (w.value in IPVLAN_TYPES) {
      if (hadType) ctx.warn(w, `(${name}) ipvlan type already specified - ignoring '${w.value}'`);
      else d.ipvlanFlags = IPVLAN_TYPES[w.value];
      hadType = true;
      continue;
    }
    const a = ipvlanAddress(ctx, w);
    if (a) {
      if (d.ipvlanAddress) {
        ctx.warn(w, `(${name}) ipvlan address already specified - ignoring '${w.value}'`);
        continue;
      }
      const family = d.nativeIpv6 ? 6 : d.vips[0]?.family;
      if (family !== undefined && family !== a.family) {
        ctx.warn(w, `(${name}) ipvlan address[${w.value}] MUST match vrrp instance family !!! Skipping...`);
        continue;
      }
      d.ipvlanAddress = { ...a, word: w };
      continue;
    }
    if (d.ipvlanName) {
      ctx.warn(w, `(${name}) IPVLAN interface already specified - ignoring '${w.value}'`);
      continue;
    }
    if (w.value.length >= 16) {
      ctx.warn(w, `(${name}) IPVLAN interface name '${w.value}' too long - ignoring`);
      continue;
    }
    d.ipvlanName = w;
  }
}

/** An ipvlan address (check_valid_ipaddress with a mask allowed): ADDR or ADDR/LEN, LEN defaulting to the host's. */
function ipvlanAddress(ctx: BuildContext, w: Word): { address: string; prefixLen: number; family: 4 | 6 } | null {
  const m = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(w.value);
  if (!m) return null;
  const a = ctx.addressWord({ ...w, value: m[1] }, 'use_ipvlan', true);
  if (!a) return null;
  const max = a.family === 4 ? 32 : 128;
  const prefixLen = m[2] === undefined ? max : Number(m[2]);
  return prefixLen <= max ? { ...a, prefixLen } : null;
}

/**
 * `garp_extra_if SECS [all]` (vrrp_garp_extra_if_handler; vmac_garp_intvl its deprecated spelling):
 * 0-86400 seconds; `all` sticks even when the rest is ignored.
 */
function garpExtraIf(ctx: BuildContext, s: Statement, d: InstanceDraft): void {
  const name = s.keyword.value;
  if (name === 'vmac_garp_intvl') ctx.warn(s.keyword, 'Keyword "vmac_garp_intvl" is deprecated - please use "garp_extra_if"');
  const r = parseGarpExtraIf(s.args.map((a) => a.value), 0);
  if (r.all) d.garpExtraIfAll = true;
  if (r.invalid !== null) return ctx.warn(s.args.find((a) => a.value === r.invalid)!, `(${d.name.value}): ${name} '${r.invalid}' invalid - ignoring`);
  if (r.sec === null) return ctx.warn(s.keyword, `(${d.name.value}): ${name} specified without time - ignoring`);
  d.garpExtraIfSec = r.sec;
}

/** `old_unicast_checksum [never]` (vrrp_unicast_chksum_handler). */
function oldUnicastChecksum(ctx: BuildContext, s: Statement, d: I): void {
  d.unicastConfigured = true;
  const mode = s.args[0];
  if (mode === undefined) d.unicastChecksumCompat = 'config';
  else if (mode.value === 'never') d.unicastChecksumCompat = 'never';
  else ctx.warn(mode, `(${d.name.value}) Unknown old_unicast_chksum mode ${mode.value} - ignoring`);
}

/** `unicast_ttl 0..255` (vrrp_ttl_handler). */
function unicastTtl(ctx: BuildContext, s: Statement, d: I): void {
  const w = ctx.arg(s, 0, 'a number');
  if (!w) return;
  const n = /^\d+$/.test(w.value) ? Number(w.value) : NaN;
  if (!(n >= 0 && n <= 255)) {
    ctx.warn(w, `(${d.name.value}): TTL '${w.value}' not valid - must be between 0 & 255`);
    return;
  }
  d.unicastTtl = n;
  d.unicastTtlWord = w;
}

/** `mcast_dst_ip ADDR` (vrrp_mcast_dstip_handler): an IPv4 multicast or IPv6 link-local multicast address. */
function mcastDstIp(ctx: BuildContext, s: Statement, d: I): void {
  const w = ctx.arg(s, 0, 'an IP address');
  if (!w) return;
  const a = ctx.addressWord(w, 'mcast_dst_ip', true);
  if (a === null) {
    ctx.warn(w, `(${d.name.value}) malformed mcast dest address ${w.value}. Skipping...`);
    return;
  }
  const range = ipaddr.parse(a.address).range();
  const ok = a.family === 4 ? range === 'multicast' : /^ff[0-9a-f]2:/i.test(a.address);
  if (!ok) {
    ctx.warn(w, `(${d.name.value}) mcast_dst_ip ${w.value} not${a.family === 6 ? ' link-local' : ''} multicast. Skipping...`);
    return;
  }
  d.mcastDstIp = { address: a.address, family: a.family, word: w };
}

/** `smtp_alert [on|off]` in an instance or sync group: bare means on. */
function smtpAlert(ctx: BuildContext, s: Statement): boolean {
  return s.args[0] ? ctx.bool(s) : true;
}

const INSTANCE: KeywordSpec<I>[] = [
  acted('use_vmac', 'vrrp_vmac_handler', 'off', 'a private-mode macvlan vrrp.VRID (or NAME) with MAC 00:00:5e:00:01:VRID (00:00:5e:00:02:VRID for IPv6, or the MAC given, its last octet the VRID when five are given) carries the VIPs and adverts', useVmac),
  acted('use_vmac_addr', 'vrrp_vmac_addr_handler', 'off', 'a VIP on another interface (or of the other family on this one) goes on a VMAC of its own on that interface (vmac_addr_prefix.VRID, 00:00:5e:00:01:VRID); IPv4 VIPs only: an IPv6 one is refused as not implemented', (_c, s, d) => { d.useVmacAddr = s.keyword; }),
  acted('vmac_xmit_base', 'vrrp_vmac_xmit_base_handler', 'off', 'adverts sent and received on the base interface instead of the VMAC', (_c, _s, d) => { d.vmacXmitBase = true; }),
  acted('use_ipvlan', 'vrrp_ipvlan_handler', 'off', "[NAME] [ADDR[/LEN]] [bridge|private|vepa]: an l2 ipvlan NAME (default vrrp.VRID) on the interface, with the mode's flags (bridge by default), IPv6 off on it for an IPv4 instance, ADDR put on it (and the adverts' source address unless one is configured) carries the adverts (the VIPs stay on the interface, where keepalived 2.2.7 puts them: it moves them for use_vmac only); an IPv4 instance without ADDR stays in FAULT, as keepalived; keepalived 2.2.7 makes l2 ipvlans only (l3/l3s are read as the name, as there)", useIpvlan),
  acted('unicast_peer', 'vrrp_unicast_peer_handler', 'multicast', 'ADDR/LEN is read as ADDR, as keepalived does', (ctx, s, d) => { d.unicastConfigured = true; unicastPeers(ctx, s, d); }),
  acted('unicast_fault_no_peer', 'vrrp_unicast_fault_no_peer', 'off', 'with no unicast peers the instance stays in FAULT instead of falling back to multicast', (_c, _s, d) => { d.unicastConfigured = true; d.unicastFaultNoPeer = true; }),
  acted('check_unicast_src', 'vrrp_check_unicast_src_handler', 'vrrp_check_unicast_src', 'drop unicast adverts from addresses not in unicast_peer', (_c, _s, d) => { d.unicastConfigured = true; d.checkUnicastSrc = true; }),
  acted('old_unicast_checksum', 'vrrp_unicast_chksum_handler', 'auto', "VRRPv3 over IPv4 with keepalived < 1.3.6's checksum (pseudo-header to vrrp_mcast_group4); 'never': do not switch to it on hearing it, as keepalived otherwise does", oldUnicastChecksum),
  acted('native_ipv6', 'vrrp_native_ipv6_handler', 'off', 'an IPv6 instance (VRRPv3) whatever its VIPs; refused after IPv4 VIPs, as keepalived', nativeIpv6),
  acted('state', 'vrrp_state_handler', 'BACKUP', "anything but MASTER or BACKUP is warned and read as BACKUP, as keepalived", state),
  acted('interface', 'vrrp_int_handler', '', '', (ctx, s, d) => { d.interface = ctx.str(s); }),
  acted('vrf', 'vrrp_vrf_handler', '', "the VRF of an instance with no interface (keepalived binds such a unicast instance's socket to it): after `interface` it is ignored with keepalived's warning, before it the interface wins as in keepalived; with no interface at all it is refused (halo runs no instance without an interface). An instance whose interface is enslaved to a VRF gets its VMAC or ipvlan enslaved to the same VRF", vrf),
  acted('dont_track_primary', 'vrrp_dont_track_handler', 'off', '', (_c, _s, d) => { d.dontTrackPrimary = true; }),
  acted('track_interface', 'vrrp_track_if_handler', '', '', (ctx, s, d) => { d.trackInterfaces.push(...trackInterfaces(ctx, s)); }),
  acted('track_script', 'vrrp_track_scr_handler', '', '', (ctx, s, d) => { d.trackScripts.push(...trackScripts(ctx, s, d.scriptRefs)); }),
  acted('track_file', 'vrrp_track_file_handler', '', 'NAME [weight W [reverse|noreverse]]: a track_file block defined above', (ctx, s, d) => { d.fileRefs.push(...trackObjects(ctx, s, d.name.value, 'file')); }),
  acted('track_process', 'vrrp_track_process_handler', '', 'NAME [weight W [reverse|noreverse]]: a vrrp_track_process block defined above', (ctx, s, d) => { d.processRefs.push(...trackObjects(ctx, s, d.name.value, 'process')); }),
  acted('track_bfd', 'vrrp_track_bfd_handler', '', "NAME [weight W [reverse|noreverse]]: weight 0 faults the instance while the session is not Up; else the bfd_instance's weight", (ctx, s, d) => { d.trackBfds.push(...trackBfds(ctx, s, d.bfdRefs, d.name.value)); }),
  acted('mcast_src_ip', 'vrrp_srcip_handler', 'the interface address', 'ADDR/LEN is read as ADDR, as keepalived does', (ctx, s, d) => { const w = ctx.arg(s, 0, 'an IP address'); if (w) d.mcastSrcIp = hostAddress(ctx, w, d.name.value, 'src'); }),
  acted('unicast_src_ip', 'vrrp_unicast_srcip_handler', 'the interface address', 'ADDR/LEN is read as ADDR, as keepalived does', (ctx, s, d) => { d.unicastConfigured = true; const w = ctx.arg(s, 0, 'an IP address'); if (w) d.unicastSrcIp = hostAddress(ctx, w, d.name.value, 'src'); }),
  acted('mcast_dst_ip', 'vrrp_mcast_dstip_handler', 'vrrp_mcast_group4 / vrrp_mcast_group6', "the instance's multicast group: sent to, joined, and the only destination heard", mcastDstIp),
  noEffect('track_src_ip', 'vrrp_track_srcip_handler', 'off', "none in keepalived 2.2.7 either: it is cleared without a configured source address, and with one keepalived_netlink.c compares the deleted address with the sockaddr instead of its address, so no instance ever faults (seen beside keepalived: test/integration/vrrp-addressing.netns.test.ts)"),
  acted('virtual_router_id', 'vrrp_vrid_handler', '', 'required; an invalid value is warned, then the instance has none (an error)', vrid),
  acted('unicast_ttl', 'vrrp_ttl_handler', '255', 'TTL (IPv6: hop limit) of unicast adverts; without unicast peers reset to 0, as keepalived (whose IPv4 adverts then carry TTL 0)', unicastTtl),
  acted('version', 'vrrp_version_handler', 'vrrp_version', '', vrrpVersion),
  acted('priority', 'vrrp_prio_handler', '100 (255 with state MASTER)', 'out of 1-255: warned, 100 as keepalived', priority),
  acted('advert_int', 'vrrp_adv_handler', '1', 'invalid: warned and ignored, as keepalived', advertInt),
  acted('virtual_ipaddress', 'vrrp_vip_handler', '', '', vips(false)),
  acted('virtual_ipaddress_excluded', 'vrrp_evip_handler', '', '', vips(true)),
  acted('promote_secondaries', 'vrrp_promote_secondaries_handler', 'off', "net.ipv4.conf.IF.promote_secondaries turned on at start when off, and off again at stop, as keepalived; ignored with a warning for a VMAC", (_c, _s, d) => { d.promoteSecondaries = true; }),
  acted('linkbeat_use_polling', 'vrrp_linkbeat_handler', 'off', "the instance's interface's link is polled each second (MII, ETHTOOL GLINK, then the interface flags) instead of read from netlink, as with the root keyword; keepalived's deprecation warning", (ctx, s, d) => {
    d.linkbeatUsePolling = true;
    ctx.warn(s.keyword, `(${d.name.value}) 'linkbeat_use_polling' in vrrp instance deprecated - use linkbeat_interfaces block`);
  }),
  acted('virtual_routes', 'vrrp_vroutes_handler', '', `${ROUTES}: every option of keepalived's route line except encap (refused), with no_track and 'vrf NAME' (the VRF's table, read from the host when the config is read: an unknown or non-VRF name drops the route with keepalived's words) (track_group is an unknown word here, as in keepalived); a tracked route's dev is tracked by the instance (down: FAULT), and a tracked route deleted by someone else sends a MASTER to BACKUP and back after the skew time, which puts it back`, (ctx, s, d) => {
    for (const e of ctx.needBlock(s) ?? []) {
      ctx.checkBlock(e);
      const r = parseRoute(ctx, e, 'virtual_routes');
      if (r) d.routes.push(r);
    }
  }),
  acted('virtual_rules', 'vrrp_vrules_handler', '', `${ROUTES}: every option of keepalived's rule line (track_group is an unknown word here, as in keepalived); a tracked rule's iif/oif is tracked by the instance, and a tracked rule deleted by someone else sends a MASTER to BACKUP and back`, (ctx, s, d) => {
    for (const e of ctx.needBlock(s) ?? []) {
      ctx.checkBlock(e);
      const r = parseRule(ctx, e, 'virtual_rules', ctx.rulePriorities);
      if (r) d.rules.push(r);
    }
  }),
  acted('accept', 'vrrp_accept_handler', 'on, off in strict mode', 'no drop rules for the VIPs (reset with a warning for a strict VRRPv2 instance, as keepalived does)', (_c, s, d) => { d.accept = true; d.acceptWord = s.keyword; }),
  acted('no_accept', 'vrrp_no_accept_handler', 'off', 'unless the priority is 255, traffic to and from the VIPs is dropped while the instance holds them, with the nftables rules keepalived installs', (_c, s, d) => { d.accept = false; d.acceptWord = s.keyword; }),
  acted('skip_check_adv_addr', 'vrrp_skip_check_adv_addr_handler', 'vrrp_skip_check_adv_addr', '', (ctx, s, d) => { d.skipCheckAdvAddr = ctx.bool(s); }),
  acted('strict_mode', 'vrrp_strict_mode_handler', 'vrrp_strict', '', (ctx, s, d) => { d.strictMode = ctx.bool(s); }),
  acted('preempt', 'vrrp_preempt_handler', 'on', '', (_c, _s, d) => { d.nopreempt = false; }),
  acted('nopreempt', 'vrrp_nopreempt_handler', 'off', '', (_c, _s, d) => { d.nopreempt = true; }),
  acted('preempt_delay', 'vrrp_preempt_delay_handler', '0', '', (ctx, s, d) => { d.preemptDelayMs = ctx.timerMs(s, 0, 1000) ?? d.preemptDelayMs; }),
  noEffect('debug', 'vrrp_debug_handler', '0', 'keepalived 2.2.7 only reads and dumps it', (ctx, s, d) => {
    const w = s.args[0];
    if (w && !(/^\d+$/.test(w.value) && Number(w.value) <= 4)) ctx.warn(w, `(${d.name.value}) Debug value '${w.value}' not valid; must be between 0-4`);
  }),
  acted('notify_backup', 'vrrp_notify_backup_handler', '', '', notify<I>((d) => d.notify)),
  acted('notify_master', 'vrrp_notify_master_handler', '', '', notify<I>((d) => d.notify)),
  acted('notify_fault', 'vrrp_notify_fault_handler', '', '', notify<I>((d) => d.notify)),
  acted('notify_stop', 'vrrp_notify_stop_handler', '', '', notify<I>((d) => d.notify)),
  acted('notify_deleted', 'vrrp_notify_deleted_handler', 'off', 'an instance removed by a reload says DELETED (its optional script, notify, FIFO, mail) instead of FAULT', (ctx, s, d) => notifyDeleted(ctx, s, d.notify, d.name.value)),
  acted('notify', 'vrrp_notify_handler', '', '', notify<I>((d) => d.notify)),
  acted('notify_master_rx_lower_pri', 'vrrp_notify_master_rx_lower_pri', '', 'a script run when MASTER hears a lower priority advert', (ctx, s, d) => notifyMasterRxLowerPri(ctx, s, d.notify, d.name.value)),
  acted('smtp_alert', 'vrrp_smtp_handler', 'smtp_alert_vrrp, else smtp_alert, else off', 'mail on state changes', (ctx, s, d) => { d.smtpAlert = smtpAlert(ctx, s); }),
  acted('notify_priority_changes', 'vrrp_notify_priority_changes_handler', 'vrrp_notify_priority_changes', "effective priority changes written to the notify FIFOs", (ctx, s, d) => {
    const v = trueFalse(ctx, s, `(${d.name.value}) notify_priority_changes`);
    if (v !== null) d.notifyPriorityChanges = v;
  }),
  acted('lvs_sync_daemon_interface', 'vrrp_lvs_syncd_handler', '', 'deprecated form of global lvs_sync_daemon IF INSTANCE', (ctx, s, d) => {
    d.lvsSyncDaemonInterface = ctx.str(s);
    ctx.warn(s.keyword, `(${d.name.value}) Specifying lvs_sync_daemon_interface against a vrrp is deprecated. Please use global lvs_sync_daemon`);
  }),
  acted('garp_master_delay', 'vrrp_garp_delay_handler', 'vrrp_garp_master_delay', '', (ctx, s, d) => { d.garpMasterDelayMs = ctx.secondsMs(s, 0, 86400) ?? d.garpMasterDelayMs; }),
  acted('garp_master_refresh', 'vrrp_garp_refresh_handler', 'vrrp_garp_master_refresh', '', (ctx, s, d) => { d.garpMasterRefreshMs = ctx.secondsMs(s, 0, 86400) ?? d.garpMasterRefreshMs; }),
  acted('garp_master_repeat', 'vrrp_garp_rep_handler', 'vrrp_garp_master_repeat', '', (ctx, s, d) => { d.garpMasterRepeat = ctx.int(s, 0, 65535) ?? d.garpMasterRepeat; }),
  acted('garp_master_refresh_repeat', 'vrrp_garp_refresh_rep_handler', 'vrrp_garp_master_refresh_repeat', '', (ctx, s, d) => { d.garpMasterRefreshRepeat = ctx.int(s, 0, 65535) ?? d.garpMasterRefreshRepeat; }),
  acted('garp_lower_prio_delay', 'vrrp_garp_lower_prio_delay_handler', 'vrrp_garp_lower_prio_delay', '', (ctx, s, d) => { d.garpLowerPrioDelayMs = ctx.secondsMs(s, 0, 86400) ?? d.garpLowerPrioDelayMs; }),
  acted('garp_lower_prio_repeat', 'vrrp_garp_lower_prio_rep_handler', 'vrrp_garp_lower_prio_repeat', '', (ctx, s, d) => { d.garpLowerPrioRepeat = ctx.int(s, 0, 65535) ?? d.garpLowerPrioRepeat; }),
  acted('down_timer_adverts', 'vrrp_down_timer_adverts_handler', 'vrrp_down_timer_adverts', '', (ctx, s, d) => { d.downTimerAdverts = ctx.int(s, 1, 100) ?? d.downTimerAdverts; }),
  acted('garp_extra_if', 'vrrp_garp_extra_if_handler', 'vrrp_garp_extra_if', 'SECS [all]: while MASTER, every SECS one GARP/unsolicited NA per interface, other than the advert one, that has VIPs; without `all` only on the VMACs of use_vmac_addr and of per-address use_vmac, and off when no VIP is elsewhere, as keepalived', garpExtraIf),
  acted('vmac_garp_intvl', 'vrrp_garp_extra_if_handler', 'vrrp_garp_extra_if', 'deprecated spelling of garp_extra_if, with keepalived\'s warning', garpExtraIf),
  acted('lower_prio_no_advert', 'vrrp_lower_prio_no_advert_handler', 'vrrp_lower_prio_no_advert', '', (ctx, s, d) => { d.lowerPrioNoAdvert = ctx.bool(s); }),
  acted('higher_prio_send_advert', 'vrrp_higher_prio_send_advert_handler', 'vrrp_higher_prio_send_advert', '', (ctx, s, d) => { d.higherPrioSendAdvert = ctx.bool(s); }),
  noEffect('kernel_rx_buf_size', 'kernel_rx_buf_size_handler', '', "sizes keepalived's receive socket buffer; halo sizes its own"),
  acted('authentication', 'NULL (a block)', '', 'auth_type PASS, or AH (IPsec AH with HMAC-MD5-96, built in user space as keepalived)', authentication),
  acted('v3_checksum_as_v2', '(halo only)', 'v3_checksum_as_v2', 'not a keepalived 2.2.7 keyword (RFC 9568; keepalived after 2.2.7): IPv4 only, an IPv6 advert always sums the IPv6 pseudo-header', (ctx, s, d) => { d.v3ChecksumAsV2 = ctx.bool(s); }),
];

/**
 * `version 2|3` (vrrp_parser.c vrrp_version_handler): a version that differs from one already
 * given, or 2 after an IPv6 VIP has made the instance IPv6, is ignored with keepalived's warning.
 */
function vrrpVersion(ctx: BuildContext, s: Statement, d: InstanceDraft): void {
  const v = ctx.int(s, 2, 3);
  if (v !== 2 && v !== 3) return;
  if ((d.version !== null && d.version !== v) || (v === 2 && d.vips[0]?.family === 6)) {
    ctx.warn(s.keyword, `(${d.name.value}) vrrp_version ${v} conflicts with configured or deduced version ${d.version ?? 0}; ignoring.`);
    return;
  }
  d.version = v;
}

export const VRRP_INSTANCE = section<I>('vrrp_instance', INSTANCE);

export const AUTHENTICATION = section<I>('vrrp_instance/authentication', [
  acted('auth_type', 'vrrp_auth_type_handler', 'none', 'PASS or AH', (ctx, s, d) => {
    const t = ctx.arg(s);
    if (t && (t.value === 'PASS' || t.value === 'AH')) { d.authType = t.value; d.authTypeWord = t; }
    else if (t) ctx.error(t, `auth_type: '${t.value}' is not PASS or AH`);
  }),
  acted('auth_pass', 'vrrp_auth_pass_handler', '', 'truncated to 8 characters with a warning, as keepalived', (ctx, s, d) => {
    const p = ctx.arg(s);
    if (p && Buffer.byteLength(p.value) > 8) {
      ctx.warn(p, 'Truncating auth_pass to 8 characters');
      d.authPass = Buffer.from(p.value).subarray(0, 8).toString();
    } else if (p) d.authPass = p.value;
  }),
]);

type G = SyncGroupDraft;

export const VRRP_SYNC_GROUP = section<G>('vrrp_sync_group', [
  acted('group', 'vrrp_group_handler', '', 'members; missing instances are warned and dropped, an empty group is removed, as keepalived', (ctx, s, g) => {
    g.groupWord = s.keyword;
    for (const m of ctx.needBlock(s) ?? []) {
      ctx.checkBlock(m);
      for (const w of [m.keyword, ...m.args]) {
        g.members.push(w);
        g.group.group.push(w.value);
      }
    }
  }),
  acted('track_interface', 'vrrp_group_track_if_handler', '', '', (ctx, s, g) => { g.group.trackInterfaces.push(...trackInterfaces(ctx, s)); }),
  acted('track_script', 'vrrp_group_track_scr_handler', '', '', (ctx, s, g) => { g.group.trackScripts.push(...trackScripts(ctx, s, g.scriptRefs)); }),
  acted('track_file', 'vrrp_group_track_file_handler', '', 'as in vrrp_instance; applies to every member', (ctx, s, g) => { g.fileRefs.push(...trackObjects(ctx, s, g.group.name, 'file')); }),
  acted('track_process', 'vrrp_group_track_process_handler', '', 'as in vrrp_instance; applies to every member', (ctx, s, g) => { g.processRefs.push(...trackObjects(ctx, s, g.group.name, 'process')); }),
  acted('track_bfd', 'vrrp_group_track_bfd_handler', '', 'NAME [weight W]: applies to every member; weight 0 faults them while the session is not Up, a weight moves their priority (cleared with an address owner member, as keepalived)', (ctx, s, g) => { g.group.trackBfds.push(...trackBfds(ctx, s, g.bfdRefs, g.group.name)); }),
  acted('notify_backup', 'vrrp_gnotify_backup_handler', '', '', notify<G>((g) => g.group.notify)),
  acted('notify_master', 'vrrp_gnotify_master_handler', '', '', notify<G>((g) => g.group.notify)),
  acted('notify_fault', 'vrrp_gnotify_fault_handler', '', '', notify<G>((g) => g.group.notify)),
  acted('notify_stop', 'vrrp_gnotify_stop_handler', '', '', notify<G>((g) => g.group.notify)),
  acted('notify', 'vrrp_gnotify_handler', '', '', notify<G>((g) => g.group.notify)),
  acted('smtp_alert', 'vrrp_gsmtp_handler', 'smtp_alert_vrrp, else smtp_alert, else off', 'mail on group state changes', (ctx, s, g) => { g.group.smtpAlert = smtpAlert(ctx, s); }),
  acted('global_tracking', 'vrrp_gglobal_tracking_handler', 'off', 'deprecated spelling of sync_group_tracking_weight, warned as keepalived', (ctx, s, g) => {
    ctx.warn(s.keyword, `(${g.group.name}) global_tracking is deprecated. Use track_interface/script/file on the sync group`);
    g.group.trackingWeight = true;
  }),
  acted('sync_group_tracking_weight', 'vrrp_sg_tracking_weight_handler', 'off', "the members keep their own weighted track_interface/script/file/bfd (otherwise ignored, as keepalived's vrrp_complete_instance does)", (_c, _s, g) => { g.group.trackingWeight = true; }),
  acted('notify_priority_changes', 'vrrp_sg_notify_priority_changes_handler', 'vrrp_notify_priority_changes', "the members' notify_priority_changes default", (ctx, s, g) => {
    const v = trueFalse(ctx, s, `(${g.group.name}) sync group notify_priority_changes`);
    if (v !== null) g.group.notifyPriorityChanges = v;
  }),
]);

type S = VrrpScript & { hasScript: boolean; userFailed: boolean; ownUser?: boolean };

export const VRRP_SCRIPT = section<S>('vrrp_script', [
  acted('script', 'vrrp_vscript_script_handler', '', '', (ctx, s, v) => {
    if (s.args.length === 0) ctx.error(s.keyword, "'script' needs a command");
    else {
      ctx.scriptsUsed ??= s.args[0];
      // keepalived reads only the first word (quote the command line to give arguments); a line
      // it cannot read sets no script, and the vrrp_script is removed.
      const line = scriptLine(rawLine(s));
      if ('error' in line) ctx.warn(s.args[0], line.error);
      else {
        v.hasScript = true;
        v.script = line.argv;
      }
    }
  }),
  acted('interval', 'vrrp_vscript_interval_handler', '1', '', (ctx, s, v) => { v.intervalMs = ctx.timerMs(s, 0.001, 86400) ?? v.intervalMs; }),
  acted('timeout', 'vrrp_vscript_timeout_handler', 'interval', '', (ctx, s, v) => { v.timeoutMs = ctx.timerMs(s, 0.001, 86400) ?? v.timeoutMs; }),
  acted('weight', 'vrrp_vscript_weight_handler', '0', '-254..254 [reverse]', (ctx, s, v) => {
    v.weight = ctx.int(s, -254, 254) ?? v.weight;
    if (s.args[1]?.value === 'reverse') v.weightReverse = true;
    else if (s.args[1]) ctx.warn(s.args[1], `weight: unknown option '${s.args[1].value}'`);
  }),
  acted('rise', 'vrrp_vscript_rise_handler', '1', '', (ctx, s, v) => { v.rise = ctx.int(s, 1, 1_000_000) ?? v.rise; }),
  acted('fall', 'vrrp_vscript_fall_handler', '1', '', (ctx, s, v) => { v.fall = ctx.int(s, 1, 1_000_000) ?? v.fall; }),
  acted('user', 'vrrp_vscript_user_handler', 'script_user', 'USER [GROUP]; a user that does not exist removes the script, as keepalived', (ctx, s, v) => {
    const w = ctx.arg(s, 0, 'a user name');
    if (!w) return;
    v.user = w.value;
    const runAs = resolveRunAs(w.value, s.args[1]?.value ?? null, ctx.options.accounts);
    if (runAs === null) {
      ctx.warn(w, `Unable to set uid/gid for script ${v.script.join(' ')}`);
      v.userFailed = true;
    } else {
      v.runAs = runAs.uid === 0 && runAs.gid === 0 ? null : runAs;
      v.ownUser = true;
      v.userFailed = false;
    }
  }),
  acted('init_fail', 'vrrp_vscript_init_fail_handler', 'off', '', (_c, _s, v) => { v.initState = 'down'; }),
]);

/** Sections whose root keyword is refused as not implemented: listed for the registry only. */
const nothing = <T>(path: string, rows: [string, string, string][], what: string) =>
  section<T>(path, rows.map(([n, h, d]) => notImplemented<T>(n, h, d, what)));

/** A vrrp_track_process block while it is read (vrrp_parser.c vrrp_tprocess_*_handler). */
export type TrackProcessDraft = VrrpTrackProcess & { hasProcess: boolean };

const processDelay = (which: 'both' | 'fork' | 'terminate') => (ctx: BuildContext, s: Statement, t: TrackProcessDraft): void => {
  const ms = ctx.timerMs(s, 0.000001, 3600);
  if (ms === null) return;
  if (which !== 'fork') t.terminateDelayMs = ms;
  if (which !== 'terminate') t.forkDelayMs = ms;
};

export const VRRP_TRACK_PROCESS = section<TrackProcessDraft>('vrrp_track_process', [
  acted('process', 'vrrp_tprocess_process_handler', '', 'NAME [PARAM...]: comm, or the command line when parameters are given', (ctx, s, t) => {
    const w = ctx.arg(s, 0, 'a process name');
    if (!w) return;
    if (t.hasProcess) {
      ctx.warn(w, `Process already set for track process ${t.name} - ignoring ${w.value}`);
      return;
    }
    t.hasProcess = true;
    t.process = w.value;
    if (s.args.length > 1) {
      t.params = s.args.slice(1).map((a) => a.value);
      if (t.paramMatch === 'none') t.paramMatch = 'exact';
      t.fullCommand = true;
    }
  }),
  acted('param_match', 'vrrp_tprocess_match_handler', 'none', 'exact (no value), initial or partial; implies full_command', (ctx, s, t) => {
    const m = s.args[0]?.value;
    if (m === undefined || m === 'initial' || m === 'partial') {
      t.paramMatch = m ?? 'exact';
      t.fullCommand = true;
    } else ctx.warn(s.args[0], `Invalid param_match type ${m} - ignoring`);
  }),
  acted('weight', 'vrrp_tprocess_weight_handler', '0', 'W [reverse], -254..254', (ctx, s, t) => {
    const w = s.args[0];
    if (!w) return ctx.warn(s.keyword, `No weight specified for track process ${t.name} - ignoring`);
    if (t.weight !== 0) return ctx.warn(w, `Weight already set for track process ${t.name} - ignoring ${w.value}`);
    if (!/^[-+]?\d+$/.test(w.value) || Math.abs(Number(w.value)) > 254) {
      return ctx.warn(w, `Weight (${w.value}) for vrrp_track_process ${t.name} must be between [-254..254] inclusive. Ignoring...`);
    }
    if (s.args[1]?.value === 'reverse') t.reverse = true;
    else if (s.args[1]) ctx.warn(s.args[1], `vrrp_track_process ${t.name} unknown weight option ${s.args[1].value}`);
    t.weight = Number(w.value);
  }),
  acted('quorum', 'vrrp_tprocess_quorum_handler', '1', '1..65535, not above quorum_max', (ctx, s, t) => {
    const w = ctx.arg(s, 0, 'a number');
    if (!w) return;
    const q = /^\d+$/.test(w.value) ? Number(w.value) : NaN;
    if (!(q >= 1 && q <= 65535)) return ctx.warn(w, `Quorum (${w.value}) for vrrp_track_process ${t.name} must be between [1..65535] inclusive. Ignoring...`);
    if (t.quorumMax !== null && q > t.quorumMax) return ctx.warn(w, 'Quorum is greater than quorum_max - ignoring');
    t.quorum = q;
  }),
  acted('quorum_max', 'vrrp_tprocess_quorum_max_handler', 'unlimited', '0..65535; 0 (without quorum) = quorum while no process runs', (ctx, s, t) => {
    const w = ctx.arg(s, 0, 'a number');
    if (!w) return;
    const q = /^\d+$/.test(w.value) ? Number(w.value) : NaN;
    if (!(q >= 0 && q <= 65535)) return ctx.warn(w, `quorum_max (${w.value}) for vrrp_track_process ${t.name} must be between [0..65535] inclusive. Ignoring...`);
    if ((q !== 0 || t.quorum > 1) && q < t.quorum) return ctx.warn(w, 'quorum_max is less than quorum - ignoring');
    t.quorumMax = q;
    if (q === 0) t.quorum = 0;
    else if (t.quorum === 0) t.quorum = 1;
  }),
  acted('delay', 'vrrp_tprocess_delay_handler', '0', 'seconds: both fork_delay and terminate_delay', processDelay('both')),
  acted('terminate_delay', 'vrrp_tprocess_terminate_delay_handler', '0', 'seconds before a lost quorum counts', processDelay('terminate')),
  acted('fork_delay', 'vrrp_tprocess_fork_delay_handler', '0', 'seconds before a quorum gained by a fork counts', processDelay('fork')),
  acted('full_command', 'vrrp_tprocess_full_handler', 'off', "match the command line's first word instead of comm", (_c, _s, t) => { t.fullCommand = true; }),
]);

/** vrrp_track_process NAME { ... } → the block, or null (warned) when it names no process. */
export function buildTrackProcess(ctx: BuildContext, s: Statement): VrrpTrackProcess | null {
  const name = ctx.arg(s, 0, 'a name');
  const block = ctx.needBlock(s);
  if (!name || !block) return null;
  const t: TrackProcessDraft = {
    name: name.value, process: '', params: null, paramMatch: 'none', fullCommand: false, weight: 0, reverse: false,
    quorum: 1, quorumMax: null, forkDelayMs: 0, terminateDelayMs: 0, location: ctx.loc(s.keyword), hasProcess: false,
  };
  applySection(ctx, block, VRRP_TRACK_PROCESS, t, `vrrp_track_process ${t.name}`);
  if (!t.hasProcess) {
    ctx.warn(s.keyword, `track process '${t.name}' process name not specified`);
    return null;
  }
  const { hasProcess: _h, ...def } = t;
  return def;
}
export { GARP_GROUP } from './garp-group';
export const TRACK_GROUP = section<TrackGroupDraft>('track_group', [
  acted('group', 'static_track_group_group_handler', '', "the group's instances, names in a block; an unknown one is warned about and dropped", (ctx, s, g) => trackGroupMembers(ctx, s, g)),
]);
export { BFD_INSTANCE } from './bfd';
