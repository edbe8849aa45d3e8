/**
 * vrrp_sync_group and vrrp_instance blocks → model. Instance values that default from
 * global_defs are collected as "unset" (null) first and resolved in `finishInstance`, once
 * the whole file is read, as keepalived's vrrp_complete_init() does.
 */
import { garpExtraIfVips, vmacAddress, vmacMacText } from './vmac-values';
import type { BuildContext } from './context';
import { applySection } from './keywords/apply';
import { VRRP_INSTANCE, VRRP_SYNC_GROUP } from './keywords/vrrp';
import type {
  GlobalDefs, NotifyScripts, TrackBfdRef, TrackInterface, TrackScriptRef, UnicastPeer, VirtualIpAddress, VrrpInstance,
  VrrpSyncGroup,
} from './model';
import type { Statement, Word } from './parse';
import type { IpRoute, IpRule } from './routes-model';
import { emptyNotify, vipOptionWords, type TrackObjectDraft } from './vrrp-values';

/** fe80::/10 */
function isLinkLocal6(address: string): boolean {
  return /^fe[89ab][0-9a-f]:/i.test(address);
}

export { emptyNotify };

export interface SyncGroupDraft {
  group: VrrpSyncGroup;
  keyword: Word;
  /** The `group` keyword, and the member words, to locate what keepalived reports. */
  groupWord: Word | null;
  members: Word[];
  scriptRefs: Word[];
  /** track_file / track_process lines, resolved once every block is read (build.ts). */
  fileRefs: TrackObjectDraft[];
  processRefs: TrackObjectDraft[];
  bfdRefs: Word[];
}

export function buildSyncGroup(ctx: BuildContext, s: Statement): SyncGroupDraft | null {
  const name = ctx.arg(s, 0, 'a name');
  const block = ctx.needBlock(s);
  if (!name || !block) return null;
  const g: VrrpSyncGroup = {
    name: name.value, group: [], notify: emptyNotify(), smtpAlert: null, trackInterfaces: [], trackScripts: [],
    trackFiles: [], trackProcesses: [], trackBfds: [], trackingWeight: false, location: ctx.loc(s.keyword),
  };
  const draft: SyncGroupDraft = { group: g, keyword: s.keyword, groupWord: null, members: [], scriptRefs: [], fileRefs: [], processRefs: [], bfdRefs: [] };
  applySection(ctx, block, VRRP_SYNC_GROUP, draft, `vrrp_sync_group ${g.name}`);
  if (draft.groupWord && g.group.length === 0) ctx.warn(draft.groupWord, `Warning - sync group ${g.name} has empty group block`);
  return draft;
}

/** An instance as written; null = not given, resolved by finishInstance. */
export interface InstanceDraft {
  name: Word;
  keyword: Word;
  state: 'MASTER' | 'BACKUP' | null;
  interface: string | null;
  vrid: number | null;
  vridWord: Word | null;
  priority: number | null;
  advertIntSec: number | null;
  advertWord: Word | null;
  version: 2 | 3 | null;
  authType: 'NONE' | 'PASS' | 'AH';
  authPass: string | null;
  vips: VirtualIpAddress[];
  vipsExcluded: VirtualIpAddress[];
  routes: IpRoute[];
  rules: IpRule[];
  trackInterfaces: TrackInterface[];
  trackScripts: TrackScriptRef[];
  scriptRefs: Word[];
  fileRefs: TrackObjectDraft[];
  processRefs: TrackObjectDraft[];
  trackBfds: TrackBfdRef[];
  bfdRefs: Word[];
  dontTrackPrimary: boolean;
  mcastSrcIp: string | null;
  unicastSrcIp: string | null;
  unicastPeers: UnicastPeer[];
  nopreempt: boolean;
  preemptDelayMs: number;
  garpMasterDelayMs: number | null;
  garpMasterRepeat: number | null;
  garpMasterRefreshMs: number | null;
  garpMasterRefreshRepeat: number | null;
  /** garp_extra_if: seconds (null: vrrp_garp_extra_if's), and `all`. */
  garpExtraIfSec: number | null;
  garpExtraIfAll: boolean;
  garpLowerPrioDelayMs: number | null;
  garpLowerPrioRepeat: number | null;
  accept: boolean | null;
  strictMode: boolean | null;
  v3ChecksumAsV2: boolean | null;
  lowerPrioNoAdvert: boolean | null;
  higherPrioSendAdvert: boolean | null;
  skipCheckAdvAddr: boolean | null;
  checkUnicastSrc: boolean;
  /** Any unicast keyword was given (keepalived's VRRP_FLAG_UNICAST_CONFIGURED). */
  unicastConfigured: boolean;
  unicastFaultNoPeer: boolean;
  unicastTtl: number | null;
  unicastTtlWord: Word | null;
  mcastDstIp: { address: string; family: 4 | 6; word: Word } | null;
  unicastChecksumCompat: 'auto' | 'never' | 'config';
  promoteSecondaries: boolean;
  linkbeatUsePolling: boolean;
  downTimerAdverts: number | null;
  notify: NotifyScripts;
  smtpAlert: boolean | null;
  notifyPriorityChanges?: boolean;
  lvsSyncDaemonInterface: string | null;
  /** use_vmac: the statement, and the name it gave (null: the default). */
  vmacWord: Word | null;
  vmacName: Word | null;
  /** use_vmac's MAC argument, and its word. */
  vmacMac: { octets: number[]; useVrid: boolean; word: Word } | null;
  vmacXmitBase: boolean;
  /** vrf: the VRF named before any interface. */
  vrfWord?: Word | null;
  /** use_ipvlan: the statement, its name, mode flags (IFLA_IPVLAN_FLAGS) and address. */
  ipvlanWord?: Word | null;
  ipvlanName?: Word | null;
  ipvlanFlags?: number;
  ipvlanAddress?: { address: string; prefixLen: number; family: 4 | 6; word: Word } | null;
  /** use_vmac_addr, as written. */
  useVmacAddr: Word | null;
  authWord: Word | null;
  authTypeWord: Word | null;
  acceptWord: Word | null;
  /** native_ipv6: the instance is IPv6 (and VRRPv3) even with no IPv6 VIP. */
  nativeIpv6: boolean;
}

export function buildInstance(ctx: BuildContext, s: Statement): InstanceDraft | null {
  const name = ctx.arg(s, 0, 'a name');
  const block = ctx.needBlock(s);
  if (!name || !block) return null;
  const d: InstanceDraft = {
    name, keyword: s.keyword, state: null, interface: null, vrid: null, vridWord: null, priority: null,
    advertIntSec: null, advertWord: null, version: null, authType: 'NONE', authPass: null, vips: [], vipsExcluded: [], routes: [], rules: [],
    trackInterfaces: [], trackScripts: [], scriptRefs: [], fileRefs: [], processRefs: [], trackBfds: [], bfdRefs: [], dontTrackPrimary: false, mcastSrcIp: null,
    unicastSrcIp: null, unicastPeers: [], nopreempt: false, preemptDelayMs: 0, garpMasterDelayMs: null,
    garpMasterRepeat: null, garpMasterRefreshMs: null, garpMasterRefreshRepeat: null, garpExtraIfSec: null, garpExtraIfAll: false, garpLowerPrioDelayMs: null,
    garpLowerPrioRepeat: null, accept: null, strictMode: null, v3ChecksumAsV2: null, lowerPrioNoAdvert: null,
    higherPrioSendAdvert: null, skipCheckAdvAddr: null, checkUnicastSrc: false, unicastConfigured: false, unicastFaultNoPeer: false,
    unicastTtl: null, unicastTtlWord: null, mcastDstIp: null, unicastChecksumCompat: 'auto', promoteSecondaries: false, linkbeatUsePolling: false, downTimerAdverts: null, notify: emptyNotify(),
    smtpAlert: null, lvsSyncDaemonInterface: null, vmacWord: null, vmacName: null, vmacMac: null, vmacXmitBase: false, useVmacAddr: null, authWord: null, authTypeWord: null, acceptWord: null,
    nativeIpv6: false,
  };
  applySection(ctx, block, VRRP_INSTANCE, d, `vrrp_instance ${name.value}`);
  // vrrp_parser.c vrrp_end_handler: unicast_ttl without unicast peers is reset to 0 (and an
  // IPv4 instance then sends its multicast adverts with TTL 0, as keepalived 2.2.7 does)
  if (d.unicastPeers.length === 0 && d.unicastTtl !== null) {
    ctx.warn(d.unicastTtlWord ?? s.keyword, `(${name.value}): Cannot use unicast_ttl without unicast peers - resetting`);
    d.unicastTtl = 0;
  }
  return d;
}

/** The interfaces of the instance's tracked routes (dev) and rules (iif, oif). */
function routeInterfaces(d: InstanceDraft): string[] {
  return [
    ...d.routes.filter((r) => !r.noTrack && r.dev !== null).map((r) => r.dev!),
    ...d.rules.filter((r) => !r.noTrack).flatMap((r) => [r.iif, r.oif].filter((n): n is string => n !== null)),
  ];
}

/** Apply keepalived's defaults and cross-field rules (vrrp.c vrrp_complete_instance()). */
/**
 * keepalived's vrrp_complete_instance: the interface of a tracked route (dev) or rule (iif, oif)
 * is tracked by the instance unweighted (down = FAULT), overriding a track_interface weight.
 */
function routeTrackedInterfaces(d: InstanceDraft): TrackInterface[] {
  const out = d.trackInterfaces.map((t) => ({ ...t }));
  for (const name of routeInterfaces(d)) {
    const t = out.find((x) => x.name === name);
    if (t) t.weight = 0;
    else out.push({ name, weight: 0 });
  }
  return out;
}

/**
 * use_ipvlan as vrrp_complete_instance completes it: named like a VMAC (vmac_prefix.VRID) when
 * given no name; an IPv4 instance needs its address, else it is in FAULT (a config fault), and
 * an address of the other family is a config fault too. It wins over use_vmac (keepalived makes
 * the ipvlan when both are given); vmac_xmit_base is only valid with a vmac.
 */
function ipvlanOf(ctx: BuildContext, d: InstanceDraft, family: 4 | 6, vmacName: (vrid: number, family: 4 | 6) => string): VrrpInstance['vmac'] {
  const name = d.name.value;
  const word = d.ipvlanWord!;
  if (d.vmacXmitBase) ctx.warn(word, `(${name}) vmac_xmit_base is only valid with a vmac`);
  const a = d.ipvlanAddress ?? null;
  let fault: string | null = null;
  if (family === 4 && !a) fault = 'IPv4 ipvlan requires a source ip address to be configured. setting instance to fault state';
  else if (a && a.family !== family) fault = 'IPv4 ipvlan address family does not match instance. setting instance to fault state';
  if (fault) ctx.warn(a?.word ?? word, `(${name}) ${fault}`);
  return {
    name: d.ipvlanName?.value ?? vmacName(d.vrid!, family), xmitBase: false, mac: null,
    ipvlan: { flags: d.ipvlanFlags ?? 0, address: a ? { address: a.address, prefixLen: a.prefixLen, family: a.family } : null, fault },
  };
}

/**
 * `vmacName` names a VMAC given none (build.ts: vmac_prefix, and the names other instances use).
 */
export function finishInstance(ctx: BuildContext, d: InstanceDraft, g: GlobalDefs, vmacName: (vrid: number, family: 4 | 6, forAddress?: boolean) => string = (vrid) => `vrrp.${vrid}`): VrrpInstance | null {
  const name = d.name.value;
  let ok = true;
  if (d.interface === null && d.vrfWord) {
    ctx.unimplemented(d.vrfWord, `(${name}) an instance with no interface, its socket bound to VRF ${d.vrfWord.value}`);
    ok = false;
  } else if (d.interface === null) {
    ctx.error(d.keyword, `(${name}) no interface given`);
    ok = false;
  }
  if (d.vrid === null) {
    // keepalived's VRRP process stops on this (vrrp_complete_init fails).
    ctx.error(d.keyword, `(${name}) the virtual router id must be set`);
    ok = false;
  }
  const family: 4 | 6 = d.nativeIpv6 ? 6 : d.vips[0]?.family ?? d.ipvlanAddress?.family ?? d.mcastDstIp?.family ?? (d.unicastPeers[0] ? (d.unicastPeers[0].address.includes(':') ? 6 : 4) : 4);
  // keepalived drops VIPs of the other family (they belong in virtual_ipaddress_excluded).
  d.vips = d.vips.filter((v) => {
    if (v.family === family) return true;
    ctx.diagnostics.push({ severity: 'warning', message: `(${name}): address family must match VRRP instance [${v.address}] - ignoring`, location: v.location });
    return false;
  });
  let version: 2 | 3 = d.version ?? g.vrrpVersion;
  if (family === 6 && version === 2) {
    // keepalived's words in strict mode; without it keepalived 2.2.7 keeps version 2 (halo does not)
    if (d.version === 2) ctx.warn(d.keyword, (d.strictMode ?? g.vrrpStrict) ? `(${name}) cannot use IPv6 with VRRP version 2; setting version 3` : `(${name}) VRRPv2 does not support IPv6; using version 3`);
    version = 3;
  }
  const priority = d.priority ?? (d.state === 'MASTER' ? 255 : 100);
  let advertIntMs = 1000;
  if (d.advertIntSec !== null && d.advertWord) {
    if (version === 2) {
      const rounded = Math.max(1, Math.round(d.advertIntSec));
      if (rounded !== d.advertIntSec) ctx.warn(d.advertWord, `(${name}) VRRPv2 advert_int must be whole seconds; ${d.advertWord.value} rounded to ${rounded}`);
      advertIntMs = rounded * 1000;
    } else {
      const cs = Math.round(d.advertIntSec * 100);
      if (cs > 4095) {
        ctx.error(d.advertWord, `(${name}) VRRPv3 advert_int ${d.advertWord.value} is out of range 0.01-40.95 seconds`);
        ok = false;
      } else {
        if (cs / 100 !== d.advertIntSec) ctx.warn(d.advertWord, `(${name}) VRRPv3 advert_int is in hundredths of a second; ${d.advertWord.value} rounded to ${cs / 100}`);
        advertIntMs = cs * 10;
      }
    }
  }
  const strict = d.strictMode ?? g.vrrpStrict;
  // vrrp_complete_instance: in strict mode a MASTER start state means the address owner and back
  let state = d.state;
  if (state !== null && strict && (state === 'MASTER') !== (priority === 255)) {
    ctx.warn(d.keyword, `(${name}) State MASTER must match being address owner`);
    state = priority === 255 ? 'MASTER' : 'BACKUP';
  }
  let nopreempt = d.nopreempt;
  let preemptDelayMs = d.preemptDelayMs;
  if (priority === 255 && nopreempt) {
    ctx.warn(d.keyword, `(${name}) nopreempt is incompatible with priority 255 - resetting nopreempt`);
    nopreempt = false;
  }
  if (state === 'MASTER') {
    if (nopreempt) {
      ctx.warn(d.keyword, `(${name}) Warning - nopreempt will not work with initial state MASTER - clearing`);
      nopreempt = false;
    }
    if (preemptDelayMs) {
      ctx.warn(d.keyword, `(${name}) Warning - preempt delay will not work with initial state MASTER - clearing`);
      preemptDelayMs = 0;
    }
  }
  if (preemptDelayMs && strict) {
    ctx.warn(d.keyword, `(${name}) preempt_delay is incompatible with strict mode - resetting`);
    preemptDelayMs = 0;
  }
  if (preemptDelayMs && nopreempt) {
    ctx.warn(d.keyword, `(${name}) preempt_delay is incompatible with nopreempt mode - resetting`);
    preemptDelayMs = 0;
  }
  // vrrp_complete_instance drops the authentication, first reason only, and carries on
  let dropAuth = false;
  if (d.authType !== 'NONE') {
    const why = strict ? `(${name}) Strict mode does not support authentication. Ignoring.`
      : version === 3 ? `(${name}) VRRP version 3 does not support authentication. Ignoring.`
        : d.authPass === null ? `(${name}) Authentication specified but no password given. Ignoring`
          : family === 6 && d.authType === 'AH' ? `(${name}) Cannot use AH authentication with IPv6. ignoring` : null;
    if (why) ctx.warn(d.authWord ?? d.keyword, why);
    dropAuth = why !== null;
  }
  // keepalived's vrrp_complete_instance, for AH: the sequence number is learnt from an advert
  // before taking over, so an initial MASTER (not the address owner) starts as BACKUP
  let initialState = state ?? 'BACKUP';
  if (!dropAuth && d.authType === 'AH' && initialState === 'MASTER' && priority !== 255) {
    ctx.warn(d.keyword, `(${name}) Initial state master is incompatible with AH authentication - clearing`);
    initialState = 'BACKUP';
  }
  // RFC 9568 §5.2.9 / keepalived vrrp_complete_instance: the first IPv6 VIP of a multicast
  // instance should be link-local; strict mode makes that an error.
  const firstVip = d.vips[0];
  if (family === 6 && d.unicastPeers.length === 0 && firstVip && !isLinkLocal6(firstVip.address)) {
    // (without strict mode keepalived only logs it at start: see createInstanceState)
    if (strict) {
      ctx.error(d.keyword, `(${name}) the first IPv6 VIP address must be link local`);
      ok = false;
    }
  }
  const wrongPeers = d.unicastPeers.filter((p) => (p.address.includes(':') ? 6 : 4) !== family);
  for (const p of wrongPeers) ctx.warn(d.keyword, `(${name}) unicast peer address [${p.address}] MUST be of the same family !!! Skipping...`);
  d.unicastPeers = d.unicastPeers.filter((p) => !wrongPeers.includes(p));
  // vrrp_complete_instance: unset, accept is on for the address owner and off in strict mode;
  // a strict VRRPv2 instance cannot accept. Without accept the VIPs get drop rules (nftables).
  let accept = d.accept ?? (priority === 255 ? true : !strict);
  if (accept && priority !== 255 && strict && version === 2) {
    ctx.warn(d.acceptWord ?? d.keyword, `(${name}) warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting`);
    accept = false;
  }
  // keepalived's VRRP process refuses a strict, VRRPv3 or IPv6 instance without VIPs at start
  // (vrrp_complete_instance), though `keepalived -t` lets it pass; halo refuses it up front.
  if (d.vips.length === 0 && (strict || version === 3 || family === 6)) {
    ctx.error(d.keyword, `(${name}) No VIP specified; at least one is required`);
    ok = false;
  } else if (d.vips.length === 0) ctx.warn(d.keyword, `(${name}) No VIP specified; at least one is sensible`);
  // vrrp_complete_instance: a unicast keyword without peers means multicast (deprecated), or
  // with unicast_fault_no_peer a FAULT the instance never leaves
  const faultNoPeer = d.unicastConfigured && d.unicastPeers.length === 0 && d.unicastFaultNoPeer;
  if (d.unicastConfigured && d.unicastPeers.length === 0 && !faultNoPeer) {
    ctx.warn(d.keyword, `(${name}) A unicast keyword has been specified without any unicast peers. Defaulting to multicast. This usage is deprecated - please update your configuration.`);
  }
  const mcastDstIp = settleMcastDst(ctx, d, family);
  // vrrp_complete_instance: a VMAC has promote_secondaries set anyway
  let promoteSecondaries = d.promoteSecondaries;
  if (promoteSecondaries && (d.vmacWord || d.ipvlanWord)) {
    ctx.warn(d.keyword, `(${name}) promote_secondaries is automatically set for vmacs - ignoring`);
    promoteSecondaries = false;
  }
  if (!ok || d.interface === null || d.vrid === null) return null;
  const iface = d.interface;
  // vrrp_complete_instance: the instance's own interface is tracked anyway (down = FAULT); a
  // track_interface naming it is dropped, weight and all
  d.trackInterfaces = d.trackInterfaces.filter((t) => {
    if (t.name !== iface) return true;
    ctx.warn(d.keyword, `(${name}) Ignoring track_interface ${iface} since own interface`);
    return false;
  });
  let vmac: VrrpInstance['vmac'] = null;
  if (d.vmacWord) {
    let xmitBase = d.vmacXmitBase;
    if (strict && xmitBase) {
      ctx.warn(d.vmacWord, `(${name}) xmit_base is incompatible with strict mode - resetting`);
      xmitBase = false;
    }
    let mac = d.vmacMac;
    if (strict && mac) {
      ctx.warn(mac.word, `(${name}): cannot specify MAC address with strict mode - clearing`);
      mac = null;
    }
    vmac = { name: d.vmacName?.value ?? vmacName(d.vrid, family), xmitBase, mac: mac ? vmacMacText(mac, d.vrid) : null };
  }
  if (d.ipvlanWord) vmac = ipvlanOf(ctx, d, family, vmacName);
  else if (d.vmacXmitBase && !d.vmacWord) ctx.warn(d.keyword, `(${name}) vmac_xmit_base is only valid with a vmac`);
  // vrrp_complete_instance: a VIP that names no interface, or the instance's own, goes on the
  // VMAC when it is of the instance's family (vrrp->ifp is the VMAC); otherwise on the interface.
  // use_vmac_addr: one elsewhere, or of the other family on the interface, goes on a VMAC of its
  // own on its interface (one per interface and family, found again for the next such VIP)
  const extraVmacs: VrrpInstance['extraVmacs'] = [];
  const vrid = d.vrid;
  for (const v of [...d.vips, ...d.vipsExcluded]) {
    const onOwn = v.dev === '' || v.dev === iface;
    // an address's own use_vmac (vrrp_complete_instance): kept only where neither the instance's
    // VMAC nor use_vmac_addr decides already
    if (v.useVmac) {
      const word = vipOptionWords.get(v)!;
      const text = `${v.address}${v.prefixLen === (v.family === 4 ? 32 : 128) ? '' : `/${v.prefixLen}`}`;
      if (onOwn && vmac && v.family === family) {
        ctx.warn(word, `(${name}) use_vmac specified for VIP/eVIP ${text} and vrrp instance`);
        v.useVmac = false;
      } else if ((!onOwn || v.family !== family) && d.useVmacAddr) {
        ctx.warn(word, `(${name}) use_vmac_addr specified and use_vmac specified for VIP/eVIP ${text}`);
        v.useVmac = false;
      }
    }
    // (an ipvlan's instance keeps them on the interface: keepalived moves them for use_vmac only)
    if (onOwn) v.dev = vmac && !vmac.ipvlan && v.family === family ? vmac.name : iface;
    const byAddr = d.useVmacAddr !== null && !(onOwn && (vmac !== null || v.family === family));
    if (!byAddr && !v.useVmac) continue;
    if (v.family === 6) {
      ctx.unimplemented(byAddr ? d.useVmacAddr! : vipOptionWords.get(v)!, `(${name}) ${byAddr ? 'use_vmac_addr' : 'use_vmac'} for the IPv6 address ${v.address}`);
      continue;
    }
    let extra = extraVmacs.find((x) => x.base === v.dev && x.family === v.family);
    if (!extra) {
      const mac = vmac?.mac ?? vmacAddress(vrid, v.family);
      extra = { name: vmacName(vrid, v.family, true), base: v.dev, family: v.family, mac };
      extraVmacs.push(extra);
    }
    v.dev = extra.name;
  }
  // strict mode: no lower-priority GARPs, no advert to a lower priority, none on a higher one, and
  // the RFC's down timer; set otherwise, each is reset with keepalived's warning
  const strictReset = <T>(value: T | null, allowed: (v: T) => boolean, fixed: T, message: string): T | null => {
    if (!strict || value === null || allowed(value)) return value;
    ctx.warn(d.keyword, `(${name}) ${message}`);
    return fixed;
  };
  const downTimerAdverts = strictReset(d.downTimerAdverts ?? g.vrrpDownTimerAdverts, (v) => v === 3, 3, 'down_timer_adverts is incompatible with strict mode - resetting');
  const ownLowerRepeat = strictReset(d.garpLowerPrioRepeat, (v) => v === 0, 0, 'Strict mode requires no repeat garps. resetting');
  const ownLowerDelay = strictReset(d.garpLowerPrioDelayMs, (v) => v === 0, 0, 'Strict mode requires no repeat garp delay. resetting');
  const lowerPrioNoAdvert = strictReset(d.lowerPrioNoAdvert, (v) => v, true, 'Strict mode requires no lower priority advert. resetting');
  const higherPrioSendAdvert = strictReset(d.higherPrioSendAdvert, (v) => !v, false, 'strict mode requires higher_prio_send_advert to be clear. resetting');
  // unset in a strict instance: 0, whatever global_defs says
  const lowerDelay = ownLowerDelay ?? (strict ? 0 : g.vrrpGarpLowerPrioDelayMs);
  const lowerRepeat = ownLowerRepeat ?? (strict ? 0 : g.vrrpGarpLowerPrioRepeat);
  const masterDelay = d.garpMasterDelayMs ?? g.vrrpGarpMasterDelayMs;
  const masterRepeat = d.garpMasterRepeat ?? g.vrrpGarpMasterRepeat;
  const inst: VrrpInstance = {
    name,
    initialState,
    interface: iface,
    virtualRouterId: d.vrid,
    priority,
    advertIntMs,
    version,
    family,
    // v3 has no authentication, and PASS or AH without a password is ignored, as keepalived does.
    authType: dropAuth ? 'NONE' : d.authType,
    authPass: dropAuth || d.authType === 'NONE' ? null : d.authPass,
    virtualIpAddresses: d.vips,
    virtualIpAddressesExcluded: d.vipsExcluded,
    virtualRoutes: d.routes,
    virtualRules: d.rules,
    trackInterfaces: routeTrackedInterfaces(d),
    // (KEEPALIVED-MIB's vrrpTrackedInterfaceTable lists these, not the routes' interfaces)
    ...(routeInterfaces(d).length > 0 ? { configuredTrackInterfaces: d.trackInterfaces.map((t) => ({ ...t })) } : {}),
    trackScripts: d.trackScripts,
    trackFiles: [],
    trackProcesses: [],
    trackBfds: d.trackBfds,
    dontTrackPrimary: d.dontTrackPrimary,
    // vrrp_ipvlan_handler: the ipvlan's address is the adverts' source unless one is configured
    mcastSrcIp: d.mcastSrcIp ?? (d.unicastSrcIp === null && vmac?.ipvlan?.address?.family === family ? vmac.ipvlan.address.address : null),
    unicastSrcIp: d.unicastSrcIp,
    unicastPeers: d.unicastPeers,
    nopreempt,
    preemptDelayMs,
    garpMasterDelayMs: masterDelay,
    garpMasterRepeat: masterRepeat,
    garpMasterRefreshMs: d.garpMasterRefreshMs ?? g.vrrpGarpMasterRefreshMs,
    garpMasterRefreshRepeat: d.garpMasterRefreshRepeat ?? g.vrrpGarpMasterRefreshRepeat,
    garpExtraIfMs: 0,
    garpExtraIfVips: [],
    // Unset lower-priority GARP settings inherit the master's, or 0 in strict mode (vrrp.c).
    garpLowerPrioDelayMs: lowerDelay ?? (strict ? 0 : masterDelay),
    garpLowerPrioRepeat: lowerRepeat ?? (strict ? 0 : masterRepeat),
    // The address owner always accepts; otherwise accept unless strict.
    accept,
    strictMode: strict,
    v3ChecksumAsV2: d.v3ChecksumAsV2 ?? g.v3ChecksumAsV2,
    // Unset, strict mode means no advert in reply to a lower priority and none on a higher one
    // (vrrp.c vrrp_complete_instance), whatever global_defs says.
    lowerPrioNoAdvert: lowerPrioNoAdvert ?? (strict ? true : g.vrrpLowerPrioNoAdvert),
    higherPrioSendAdvert: higherPrioSendAdvert ?? (strict ? false : g.vrrpHigherPrioSendAdvert),
    skipCheckAdvAddr: d.skipCheckAdvAddr ?? g.vrrpSkipCheckAdvAddr,
    checkUnicastSrc: d.checkUnicastSrc || g.vrrpCheckUnicastSrc,
    unicastTtl: d.unicastTtl,
    mcastDstIp,
    unicastChecksumCompat: d.unicastChecksumCompat,
    faultNoPeer,
    promoteSecondaries,
    linkbeatUsePolling: d.linkbeatUsePolling,
    downTimerAdverts: downTimerAdverts ?? 3,
    notify: d.notify,
    smtpAlert: d.smtpAlert,
    // the instance's own, else its sync group's, else global (set when the group is known: build.ts)
    notifyPriorityChanges: d.notifyPriorityChanges ?? g.vrrpNotifyPriorityChanges ?? false,
    ...(d.notifyPriorityChanges !== undefined ? { ownNotifyPriorityChanges: true } : {}),
    lvsSyncDaemonInterface: d.lvsSyncDaemonInterface,
    vmac,
    extraVmacs,
    syncGroup: null,
    location: ctx.loc(d.keyword),
  };
  // garp_extra_if: the instance's, else vrrp_garp_extra_if's time and `all`
  const extraSec = d.garpExtraIfSec ?? g.vrrpGarpExtraIf.sec;
  const extraAll = d.garpExtraIfAll || (d.garpExtraIfSec === null && g.vrrpGarpExtraIf.all);
  const extraVips = extraSec > 0 ? garpExtraIfVips(inst, extraAll) : null;
  if (extraVips) {
    inst.garpExtraIfMs = extraSec * 1000;
    inst.garpExtraIfVips = extraVips;
  }
  return inst;
}

/**
 * mcast_dst_ip as vrrp_complete_instance leaves it: dropped (warned) when it is not of the
 * instance's family or the instance is unicast.
 */
function settleMcastDst(ctx: BuildContext, d: InstanceDraft, family: 4 | 6): string | null {
  const m = d.mcastDstIp;
  if (m === null) return null;
  if (m.family !== family) {
    ctx.warn(m.word, `(${d.name.value}) mcast dest address ${m.word.value} MUST match VRRP instance family. Skipping...`);
    return null;
  }
  if (d.unicastPeers.length > 0) {
    ctx.warn(m.word, `(${d.name.value}) multicast destination specified with unicast - ignoring`);
    return null;
  }
  return m.address;
}
