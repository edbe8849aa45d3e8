/**
 * vrrp_sync_group and vrrp_instance blocks → model. Instance values that default from
 * global_defs are collected as "unset" (null) first and resolved in `finishInstance`, once
 * the whole file is read, as keepalived's vrrp_complete_init() does.
 */
import type { BuildContext } from './context';
import type {
  GlobalDefs, NotifyScripts, TrackInterface, TrackScriptRef, UnicastPeer, VirtualIpAddress, VrrpInstance,
  VrrpSyncGroup,
} from './model';
import type { Statement, Word } from './parse';

export function emptyNotify(): NotifyScripts {
  return { notify: null, notifyMaster: null, notifyBackup: null, notifyFault: null, notifyStop: null };
}

/** notify* keywords shared by instances and sync groups; true when `s` was one of them. */
function notifyKeyword(ctx: BuildContext, s: Statement, n: NotifyScripts): boolean {
  switch (s.keyword.value) {
    case 'notify': n.notify = ctx.command(s); return true;
    case 'notify_master': n.notifyMaster = ctx.command(s); return true;
    case 'notify_backup': n.notifyBackup = ctx.command(s); return true;
    case 'notify_fault': n.notifyFault = ctx.command(s); return true;
    case 'notify_stop': n.notifyStop = ctx.command(s); return true;
    default: return false;
  }
}

function trackInterfaces(ctx: BuildContext, s: Statement): TrackInterface[] {
  const out: TrackInterface[] = [];
  for (const e of ctx.needBlock(s) ?? []) {
    ctx.checkBlock(e);
    let weight = 0;
    if (e.args[0]?.value === 'weight') {
      const w = e.args[1] ? ctx.intWord(e.args[1], -254, 254, 'track_interface weight') : null;
      if (!e.args[1]) ctx.error(e.args[0], "track_interface: 'weight' needs a value");
      weight = w ?? 0;
    } else if (e.args[0]) ctx.warn(e.args[0], `track_interface: unknown option '${e.args[0].value}'`);
    out.push({ name: e.keyword.value, weight });
  }
  return out;
}

function trackScripts(ctx: BuildContext, s: Statement, refs: Word[]): TrackScriptRef[] {
  const out: TrackScriptRef[] = [];
  for (const e of ctx.needBlock(s) ?? []) {
    ctx.checkBlock(e);
    let weight: number | null = null;
    let weightReverse = false;
    if (e.args[0]?.value === 'weight') {
      if (!e.args[1]) ctx.error(e.args[0], "track_script: 'weight' needs a value");
      else weight = ctx.intWord(e.args[1], -254, 254, 'track_script weight');
      if (e.args[2]?.value === 'reverse') weightReverse = true;
    } else if (e.args[0]) ctx.warn(e.args[0], `track_script: unknown option '${e.args[0].value}'`);
    refs.push(e.keyword);
    out.push({ name: e.keyword.value, weight, weightReverse });
  }
  return out;
}

export interface SyncGroupDraft {
  group: VrrpSyncGroup;
  /** The member words, to locate "unknown instance" errors. */
  members: Word[];
  scriptRefs: Word[];
}

export function buildSyncGroup(ctx: BuildContext, s: Statement): SyncGroupDraft | null {
  const name = ctx.arg(s, 0, 'a name');
  const block = ctx.needBlock(s);
  if (!name || !block) return null;
  const g: VrrpSyncGroup = {
    name: name.value, group: [], notify: emptyNotify(), trackInterfaces: [], trackScripts: [], location: ctx.loc(s.keyword),
  };
  const draft: SyncGroupDraft = { group: g, members: [], scriptRefs: [] };
  let hasGroup = false;
  for (const b of block) {
    ctx.checkBlock(b);
    if (notifyKeyword(ctx, b, g.notify)) continue;
    switch (b.keyword.value) {
      case 'group':
        hasGroup = true;
        for (const m of ctx.needBlock(b) ?? []) {
          ctx.checkBlock(m);
          for (const w of [m.keyword, ...m.args]) {
            draft.members.push(w);
            g.group.push(w.value);
          }
        }
        break;
      case 'track_interface': g.trackInterfaces.push(...trackInterfaces(ctx, b)); break;
      case 'track_script': g.trackScripts.push(...trackScripts(ctx, b, draft.scriptRefs)); break;
      case 'smtp_alert': case 'global_tracking': case 'sync_group_tracking_weight': case 'notify_priority_changes':
      case 'notify_deleted': case 'track_file': case 'track_process': case 'track_bfd':
        ctx.warn(b.keyword, `'${b.keyword.value}' is not supported yet; ignored`);
        break;
      default: ctx.unknown(b, `vrrp_sync_group ${g.name}`);
    }
  }
  if (!hasGroup || g.group.length === 0) ctx.error(s.keyword, `vrrp_sync_group ${g.name}: no 'group' members`);
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
  downTimerAdverts: number | null;
  notify: NotifyScripts;
  lvsSyncDaemonInterface: string | null;
}

const UNSUPPORTED_INSTANCE = new Set([
  'virtual_routes', 'virtual_rules', 'track_file', 'track_process', 'track_bfd', 'track_src_ip', 'mcast_dst_ip',
  'unicast_ttl', 'unicast_fault_no_peer', 'check_unicast_src', 'old_unicast_checksum', 'use_vmac', 'use_vmac_addr',
  'vmac_xmit_base', 'use_ipvlan', 'native_ipv6', 'garp_extra_if', 'timer_expired_backup', 'owner_ignore_adverts',
  'promote_secondaries', 'linkbeat_use_polling', 'auth_hmac', 'notify_deleted', 'notify_master_rx_lower_pri',
  'notify_priority_changes', 'smtp_alert', 'kernel_rx_buf_size', 'debug', 'vrrp_linkbeat_use_polling',
]);

const SCOPES = new Set(['global', 'site', 'link', 'host', 'nowhere']);

function vipEntry(ctx: BuildContext, e: Statement, excluded: boolean): VirtualIpAddress | null {
  const [addrText, lenText] = e.keyword.value.split('/', 2);
  const addr = ctx.addressWord({ ...e.keyword, value: addrText }, 'virtual_ipaddress');
  if (!addr) return null;
  const maxLen = addr.family === 4 ? 32 : 128;
  let prefixLen = maxLen;
  if (lenText !== undefined) {
    const n = /^\d+$/.test(lenText) ? Number(lenText) : NaN;
    if (!(n >= 0 && n <= maxLen)) {
      ctx.error(e.keyword, `virtual_ipaddress: bad prefix length '/${lenText}' (0-${maxLen})`);
      return null;
    }
    prefixLen = n;
  }
  const vip: VirtualIpAddress = {
    address: addr.address, family: addr.family, prefixLen, broadcast: null, dev: '', scope: 'global', label: null,
    excluded, location: ctx.loc(e.keyword),
  };
  for (let i = 0; i < e.args.length; i++) {
    const opt = e.args[i];
    const val = e.args[i + 1];
    const needs = (): boolean => {
      if (val === undefined) ctx.error(opt, `virtual_ipaddress: '${opt.value}' needs a value`);
      return val !== undefined;
    };
    switch (opt.value) {
      case 'brd': case 'broadcast':
        if (needs()) {
          if (val.value === '+' || val.value === '-') vip.broadcast = val.value;
          else vip.broadcast = ctx.addressWord(val, 'virtual_ipaddress brd')?.address ?? null;
          i++;
        }
        break;
      case 'dev':
        if (needs()) { vip.dev = val.value; i++; }
        break;
      case 'scope':
        if (needs()) {
          if (SCOPES.has(val.value)) vip.scope = val.value as VirtualIpAddress['scope'];
          else if (/^\d+$/.test(val.value) && Number(val.value) <= 255) vip.scope = Number(val.value);
          else ctx.error(val, `virtual_ipaddress: unknown scope '${val.value}'`);
          i++;
        }
        break;
      case 'label':
        if (needs()) { vip.label = val.value; i++; }
        break;
      case 'no_track': case 'home': case 'nodad': case 'noprefixroute': case 'autojoin':
        ctx.warn(opt, `virtual_ipaddress: option '${opt.value}' is not supported yet; ignored`);
        break;
      case 'preferred_lft': case 'valid_lft': case 'metric': case 'track_group':
        ctx.warn(opt, `virtual_ipaddress: option '${opt.value}' is not supported yet; ignored`);
        i++;
        break;
      default:
        ctx.warn(opt, `virtual_ipaddress: unknown option '${opt.value}'`);
    }
  }
  return vip;
}

export function buildInstance(ctx: BuildContext, s: Statement): InstanceDraft | null {
  const name = ctx.arg(s, 0, 'a name');
  const block = ctx.needBlock(s);
  if (!name || !block) return null;
  const d: InstanceDraft = {
    name, keyword: s.keyword, state: null, interface: null, vrid: null, vridWord: null, priority: null,
    advertIntSec: null, advertWord: null, version: null, authType: 'NONE', authPass: null, vips: [], vipsExcluded: [],
    trackInterfaces: [], trackScripts: [], scriptRefs: [], dontTrackPrimary: false, mcastSrcIp: null,
    unicastSrcIp: null, unicastPeers: [], nopreempt: false, preemptDelayMs: 0, garpMasterDelayMs: null,
    garpMasterRepeat: null, garpMasterRefreshMs: null, garpMasterRefreshRepeat: null, garpLowerPrioDelayMs: null,
    garpLowerPrioRepeat: null, accept: null, strictMode: null, v3ChecksumAsV2: null, lowerPrioNoAdvert: null,
    higherPrioSendAdvert: null, skipCheckAdvAddr: null, downTimerAdverts: null, notify: emptyNotify(),
    lvsSyncDaemonInterface: null,
  };
  const where = `vrrp_instance ${name.value}`;
  for (const b of block) {
    ctx.checkBlock(b);
    if (notifyKeyword(ctx, b, d.notify)) continue;
    const kw = b.keyword.value;
    switch (kw) {
      case 'state': {
        const v = ctx.arg(b);
        if (v && (v.value === 'MASTER' || v.value === 'BACKUP')) d.state = v.value;
        else if (v) ctx.error(v, `state: '${v.value}' is not MASTER or BACKUP`);
        break;
      }
      case 'interface': d.interface = ctx.str(b); break;
      case 'virtual_router_id': d.vrid = ctx.int(b, 1, 255); d.vridWord = b.args[0] ?? null; break;
      case 'priority': d.priority = ctx.int(b, 1, 255); break;
      case 'advert_int': {
        const ms = ctx.timerMs(b, 0.01, 255);
        if (ms !== null) { d.advertIntSec = Number(b.args[0].value); d.advertWord = b.args[0]; }
        break;
      }
      case 'version': {
        const v = ctx.int(b, 2, 3);
        if (v === 2 || v === 3) d.version = v;
        break;
      }
      case 'authentication':
        for (const a of ctx.needBlock(b) ?? []) {
          ctx.checkBlock(a);
          if (a.keyword.value === 'auth_type') {
            const t = ctx.arg(a);
            if (t && (t.value === 'PASS' || t.value === 'AH')) d.authType = t.value;
            else if (t) ctx.error(t, `auth_type: '${t.value}' is not PASS or AH`);
          } else if (a.keyword.value === 'auth_pass') {
            const p = ctx.arg(a);
            if (p && Buffer.byteLength(p.value) > 8) {
              ctx.warn(p, 'auth_pass: password longer than 8 characters, truncated to 8 as keepalived does');
              d.authPass = Buffer.from(p.value).subarray(0, 8).toString();
            } else if (p) d.authPass = p.value;
          } else ctx.unknown(a, `${where} authentication`);
        }
        break;
      case 'virtual_ipaddress':
      case 'virtual_ipaddress_excluded': {
        const excluded = kw === 'virtual_ipaddress_excluded';
        for (const e of ctx.needBlock(b) ?? []) {
          ctx.checkBlock(e);
          const vip = vipEntry(ctx, e, excluded);
          if (vip) (excluded ? d.vipsExcluded : d.vips).push(vip);
        }
        break;
      }
      case 'track_interface': d.trackInterfaces.push(...trackInterfaces(ctx, b)); break;
      case 'track_script': d.trackScripts.push(...trackScripts(ctx, b, d.scriptRefs)); break;
      case 'dont_track_primary': d.dontTrackPrimary = true; break;
      case 'mcast_src_ip': d.mcastSrcIp = ctx.address(b)?.address ?? null; break;
      case 'unicast_src_ip': d.unicastSrcIp = ctx.address(b)?.address ?? null; break;
      case 'unicast_peer':
        for (const p of ctx.needBlock(b) ?? []) {
          ctx.checkBlock(p);
          const a = ctx.addressWord(p.keyword, 'unicast_peer');
          const peer: UnicastPeer = { address: a?.address ?? '', minTtl: null, maxTtl: null };
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
        break;
      case 'nopreempt': d.nopreempt = true; break;
      case 'preempt': d.nopreempt = false; break;
      case 'preempt_delay': d.preemptDelayMs = ctx.timerMs(b, 0, 1000) ?? d.preemptDelayMs; break;
      case 'garp_master_delay': d.garpMasterDelayMs = ctx.secondsMs(b, 0, 86400) ?? d.garpMasterDelayMs; break;
      case 'garp_master_repeat': d.garpMasterRepeat = ctx.int(b, 0, 65535) ?? d.garpMasterRepeat; break;
      case 'garp_master_refresh': d.garpMasterRefreshMs = ctx.secondsMs(b, 0, 86400) ?? d.garpMasterRefreshMs; break;
      case 'garp_master_refresh_repeat': d.garpMasterRefreshRepeat = ctx.int(b, 0, 65535) ?? d.garpMasterRefreshRepeat; break;
      case 'garp_lower_prio_delay': d.garpLowerPrioDelayMs = ctx.secondsMs(b, 0, 86400) ?? d.garpLowerPrioDelayMs; break;
      case 'garp_lower_prio_repeat': d.garpLowerPrioRepeat = ctx.int(b, 0, 65535) ?? d.garpLowerPrioRepeat; break;
      case 'accept': d.accept = true; break;
      case 'no_accept': d.accept = false; break;
      case 'strict_mode': d.strictMode = ctx.bool(b); break;
      case 'v3_checksum_as_v2': d.v3ChecksumAsV2 = ctx.bool(b); break;
      case 'lower_prio_no_advert': d.lowerPrioNoAdvert = ctx.bool(b); break;
      case 'higher_prio_send_advert': d.higherPrioSendAdvert = ctx.bool(b); break;
      case 'skip_check_adv_addr': d.skipCheckAdvAddr = ctx.bool(b); break;
      case 'down_timer_adverts': d.downTimerAdverts = ctx.int(b, 1, 100) ?? d.downTimerAdverts; break;
      case 'lvs_sync_daemon_interface':
        d.lvsSyncDaemonInterface = ctx.str(b);
        ctx.warn(b.keyword, `(${name.value}) Specifying lvs_sync_daemon_interface against a vrrp is deprecated. Please use global lvs_sync_daemon`);
        break;
      default:
        if (UNSUPPORTED_INSTANCE.has(kw)) ctx.warn(b.keyword, `'${kw}' is not supported yet; ignored`);
        else ctx.unknown(b, where);
    }
  }
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
    if (d.vridWord === null) ctx.error(d.keyword, `(${name}) the virtual router id must be set`);
    ok = false;
  }
    const family: 4 | 6 = d.vips[0]?.family ?? (d.unicastPeers[0] ? (d.unicastPeers[0].address.includes(':') ? 6 : 4) : 4);
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
  if (version === 3 && d.authType !== 'NONE') ctx.warn(d.keyword, `(${name}) VRRPv3 has no authentication; authentication ignored`);
  if (strict && d.authType !== 'NONE') ctx.error(d.keyword, `(${name}) strict mode does not allow authentication`);
  if (d.authType === 'PASS' && d.authPass === null) ctx.warn(d.keyword, `(${name}) Authentication specified but no password given. Ignoring`);
  if (d.vips.length === 0) ctx.warn(d.keyword, `(${name}) No VIP specified; at least one is sensible`);
  if ((d.unicastSrcIp !== null) && d.unicastPeers.length === 0) {
    ctx.warn(d.keyword, `(${name}) A unicast keyword has been specified without any unicast peers. Defaulting to multicast.`);
  }
  if (!ok || d.interface === null || d.vrid === null) return null;
  const iface = d.interface;
  for (const v of [...d.vips, ...d.vipsExcluded]) if (v.dev === '') v.dev = iface;
  const lowerDelay = d.garpLowerPrioDelayMs ?? g.vrrpGarpLowerPrioDelayMs;
  const lowerRepeat = d.garpLowerPrioRepeat ?? g.vrrpGarpLowerPrioRepeat;
  const masterDelay = d.garpMasterDelayMs ?? g.vrrpGarpMasterDelayMs;
  const masterRepeat = d.garpMasterRepeat ?? g.vrrpGarpMasterRepeat;
  return {
    name,
    initialState: d.state ?? 'BACKUP',
    interface: iface,
    virtualRouterId: d.vrid,
    priority,
    advertIntMs,
    version,
    family,
    // v3 has no authentication, and PASS without a password is ignored, as keepalived does.
    authType: version === 3 || (d.authType === 'PASS' && d.authPass === null) ? 'NONE' : d.authType,
    authPass: version === 3 || d.authType !== 'PASS' ? null : d.authPass,
    virtualIpAddresses: d.vips,
    virtualIpAddressesExcluded: d.vipsExcluded,
    trackInterfaces: d.trackInterfaces,
    trackScripts: d.trackScripts,
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
    accept: priority === 255 ? true : (d.accept ?? !strict),
    strictMode: strict,
    v3ChecksumAsV2: d.v3ChecksumAsV2 ?? g.v3ChecksumAsV2,
    // Unset, strict mode means no advert in reply to a lower priority and none on a higher one
    // (vrrp.c vrrp_complete_instance), whatever global_defs says.
    lowerPrioNoAdvert: d.lowerPrioNoAdvert ?? (strict ? true : g.vrrpLowerPrioNoAdvert),
    higherPrioSendAdvert: d.higherPrioSendAdvert ?? (strict ? false : g.vrrpHigherPrioSendAdvert),
    skipCheckAdvAddr: d.skipCheckAdvAddr ?? g.vrrpSkipCheckAdvAddr,
    downTimerAdverts: d.downTimerAdverts ?? g.vrrpDownTimerAdverts,
    notify: d.notify,
    lvsSyncDaemonInterface: d.lvsSyncDaemonInterface,
    syncGroup: null,
    location: ctx.loc(d.keyword),
  };
}
