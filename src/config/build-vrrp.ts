/**
 * vrrp_sync_group and vrrp_instance blocks → model. Instance values that default from
 * global_defs are collected as "unset" (null) first and resolved in `finishInstance`, once
 * the whole file is read, as keepalived's vrrp_complete_init() does.
 */
import type { BuildContext } from './context';
import { applySection } from './keywords/apply';
import { VRRP_INSTANCE, VRRP_SYNC_GROUP } from './keywords/vrrp';
import type {
  GlobalDefs, NotifyScripts, TrackBfdRef, TrackInterface, TrackScriptRef, UnicastPeer, VirtualIpAddress, VrrpInstance,
  VrrpSyncGroup,
} from './model';
import type { Statement, Word } from './parse';
import { emptyNotify, type TrackObjectDraft } from './vrrp-values';

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
    trackFiles: [], trackProcesses: [], trackBfds: [], location: ctx.loc(s.keyword),
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
  garpLowerPrioDelayMs: number | null;
  garpLowerPrioRepeat: number | null;
  accept: boolean | null;
  strictMode: boolean | null;
  v3ChecksumAsV2: boolean | null;
  lowerPrioNoAdvert: boolean | null;
  higherPrioSendAdvert: boolean | null;
  skipCheckAdvAddr: boolean | null;
  checkUnicastSrc: boolean;
  downTimerAdverts: number | null;
  notify: NotifyScripts;
  smtpAlert: boolean | null;
  lvsSyncDaemonInterface: string | null;
  /** use_vmac: the statement, and the name it gave (null: the default). */
  vmacWord: Word | null;
  vmacName: Word | null;
  vmacXmitBase: boolean;
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
    advertIntSec: null, advertWord: null, version: null, authType: 'NONE', authPass: null, vips: [], vipsExcluded: [],
    trackInterfaces: [], trackScripts: [], scriptRefs: [], fileRefs: [], processRefs: [], trackBfds: [], bfdRefs: [], dontTrackPrimary: false, mcastSrcIp: null,
    unicastSrcIp: null, unicastPeers: [], nopreempt: false, preemptDelayMs: 0, garpMasterDelayMs: null,
    garpMasterRepeat: null, garpMasterRefreshMs: null, garpMasterRefreshRepeat: null, garpLowerPrioDelayMs: null,
    garpLowerPrioRepeat: null, accept: null, strictMode: null, v3ChecksumAsV2: null, lowerPrioNoAdvert: null,
    higherPrioSendAdvert: null, skipCheckAdvAddr: null, checkUnicastSrc: false, downTimerAdverts: null, notify: emptyNotify(),
    smtpAlert: null, lvsSyncDaemonInterface: null, vmacWord: null, vmacName: null, vmacXmitBase: false, authWord: null, authTypeWord: null, acceptWord: null,
    nativeIpv6: false,
  };
  applySection(ctx, block, VRRP_INSTANCE, d, `vrrp_instance ${name.value}`);
  return d;
}

/** Apply keepalived's defaults and cross-field rules (vrrp.c vrrp_complete_instance()). */
export function finishInstance(ctx: BuildContext, d: InstanceDraft, g: GlobalDefs): VrrpInstance | null {
  const name = d.name.value;
  let ok = true;
  if (d.interface === null) {
    ctx.error(d.keyword, `(${name}) no interface given`);
    ok = false;
  }
  if (d.vrid === null) {
    // keepalived's VRRP process stops on this (vrrp_complete_init fails).
    ctx.error(d.keyword, `(${name}) the virtual router id must be set`);
    ok = false;
  }
  const family: 4 | 6 = d.nativeIpv6 ? 6 : d.vips[0]?.family ?? (d.unicastPeers[0] ? (d.unicastPeers[0].address.includes(':') ? 6 : 4) : 4);
  // keepalived drops VIPs of the other family (they belong in virtual_ipaddress_excluded).
  d.vips = d.vips.filter((v) => {
    if (v.family === family) return true;
    ctx.diagnostics.push({ severity: 'warning', message: `(${name}): address family must match VRRP instance [${v.address}] - ignoring`, location: v.location });
    return false;
  });
  let version: 2 | 3 = d.version ?? g.vrrpVersion;
  if (family === 6 && version === 2) {
    if (d.version === 2) ctx.warn(d.keyword, `(${name}) VRRPv2 does not support IPv6; using version 3`);
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
  let nopreempt = d.nopreempt;
  let preemptDelayMs = d.preemptDelayMs;
  if (priority === 255 && nopreempt) {
    ctx.warn(d.keyword, `(${name}) nopreempt is incompatible with priority 255 - resetting nopreempt`);
    nopreempt = false;
  }
  if (d.state === 'MASTER') {
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
  if (version === 3 && d.authType !== 'NONE') ctx.warn(d.keyword, `(${name}) VRRP version 3 does not support authentication. Ignoring.`);
  // keepalived drops the authentication of a strict instance and carries on.
  let dropAuth = version === 3 || (strict && d.authType !== 'NONE');
  if (strict && d.authType !== 'NONE' && version !== 3) ctx.warn(d.authWord ?? d.keyword, `(${name}) Strict mode does not support authentication. Ignoring.`);
  // keepalived's vrrp_complete_instance, in its order, for AH
  let initialState = d.state ?? 'BACKUP';
  if (!dropAuth && d.authType === 'AH' && d.authPass !== null && family === 6) {
    ctx.warn(d.authTypeWord ?? d.keyword, `(${name}) Cannot use AH authentication with IPv6. ignoring`);
    dropAuth = true;
  } else if (!dropAuth && d.authType === 'AH' && d.authPass !== null && initialState === 'MASTER' && priority !== 255) {
    // the AH sequence number is learnt from an advert before taking over
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
  const accept = priority === 255 ? true : (d.accept ?? !strict);
  // Without accept keepalived installs nftables rules dropping traffic to the VIPs; halo has none.
  if (!accept) ctx.unimplemented(d.acceptWord ?? d.keyword, `(${name}) no_accept${d.acceptWord ? '' : ' (the default in strict mode)'}: dropping traffic to the VIPs`);
  if (!dropAuth && d.authType !== 'NONE' && d.authPass === null) ctx.warn(d.keyword, `(${name}) Authentication specified but no password given. Ignoring`);
  // keepalived's VRRP process refuses a strict instance without VIPs at start (vrrp_complete_instance),
  // though `keepalived -t` lets it pass; halo refuses it up front.
  if (d.vips.length === 0 && strict) {
    ctx.error(d.keyword, `(${name}) No VIP specified; at least one is required`);
    ok = false;
  } else if (d.vips.length === 0) ctx.warn(d.keyword, `(${name}) No VIP specified; at least one is sensible`);
  if ((d.unicastSrcIp !== null || d.checkUnicastSrc) && d.unicastPeers.length === 0) {
    ctx.warn(d.keyword, `(${name}) A unicast keyword has been specified without any unicast peers. Defaulting to multicast.`);
  }
  if (!ok || d.interface === null || d.vrid === null) return null;
  const iface = d.interface;
  let vmac: VrrpInstance['vmac'] = null;
  if (d.vmacWord) {
    let xmitBase = d.vmacXmitBase;
    if (strict && xmitBase) {
      ctx.warn(d.vmacWord, `(${name}) xmit_base is incompatible with strict mode - resetting`);
      xmitBase = false;
    }
    vmac = { name: d.vmacName?.value ?? `vrrp.${d.vrid}`, xmitBase };
  }
  // VIPs that name no interface go on the VMAC (keepalived: vrrp->ifp is the VMAC)
  for (const v of [...d.vips, ...d.vipsExcluded]) if (v.dev === '') v.dev = vmac?.name ?? iface;
  const lowerDelay = d.garpLowerPrioDelayMs ?? g.vrrpGarpLowerPrioDelayMs;
  const lowerRepeat = d.garpLowerPrioRepeat ?? g.vrrpGarpLowerPrioRepeat;
  const masterDelay = d.garpMasterDelayMs ?? g.vrrpGarpMasterDelayMs;
  const masterRepeat = d.garpMasterRepeat ?? g.vrrpGarpMasterRepeat;
  return {
    name,
    initialState,
    interface: iface,
    virtualRouterId: d.vrid,
    priority,
    advertIntMs,
    version,
    family,
    // v3 has no authentication, and PASS or AH without a password is ignored, as keepalived does.
    authType: dropAuth || d.authPass === null ? 'NONE' : d.authType,
    authPass: dropAuth || d.authType === 'NONE' ? null : d.authPass,
    virtualIpAddresses: d.vips,
    virtualIpAddressesExcluded: d.vipsExcluded,
    trackInterfaces: d.trackInterfaces,
    trackScripts: d.trackScripts,
    trackFiles: [],
    trackProcesses: [],
    trackBfds: d.trackBfds,
    dontTrackPrimary: d.dontTrackPrimary,
    mcastSrcIp: d.mcastSrcIp,
    unicastSrcIp: d.unicastSrcIp,
    unicastPeers: d.unicastPeers,
    nopreempt,
    preemptDelayMs,
    garpMasterDelayMs: masterDelay,
    garpMasterRepeat: masterRepeat,
    garpMasterRefreshMs: d.garpMasterRefreshMs ?? g.vrrpGarpMasterRefreshMs,
    garpMasterRefreshRepeat: d.garpMasterRefreshRepeat ?? g.vrrpGarpMasterRefreshRepeat,
    // Unset lower-priority GARP settings inherit the master's, or 0 in strict mode (vrrp.c).
    garpLowerPrioDelayMs: lowerDelay ?? (strict ? 0 : masterDelay),
    garpLowerPrioRepeat: lowerRepeat ?? (strict ? 0 : masterRepeat),
    // The address owner always accepts; otherwise accept unless strict.
    accept,
    strictMode: strict,
    v3ChecksumAsV2: d.v3ChecksumAsV2 ?? g.v3ChecksumAsV2,
    // Unset, strict mode means no advert in reply to a lower priority and none on a higher one
    // (vrrp.c vrrp_complete_instance), whatever global_defs says.
    lowerPrioNoAdvert: d.lowerPrioNoAdvert ?? (strict ? true : g.vrrpLowerPrioNoAdvert),
    higherPrioSendAdvert: d.higherPrioSendAdvert ?? (strict ? false : g.vrrpHigherPrioSendAdvert),
    skipCheckAdvAddr: d.skipCheckAdvAddr ?? g.vrrpSkipCheckAdvAddr,
    checkUnicastSrc: d.checkUnicastSrc || g.vrrpCheckUnicastSrc,
    downTimerAdverts: d.downTimerAdverts ?? g.vrrpDownTimerAdverts,
    notify: d.notify,
    smtpAlert: d.smtpAlert,
    lvsSyncDaemonInterface: d.lvsSyncDaemonInterface,
    vmac,
    syncGroup: null,
    location: ctx.loc(d.keyword),
  };
}
