/**
 * Value readers of the VRRP sections shared by their keyword tables (src/config/keywords/vrrp.ts):
 * notify scripts, tracked interfaces, scripts, files and processes, virtual addresses.
 */
import ipaddr from 'ipaddr.js';
import type { BuildContext } from './context';
import type { NotifyKey, NotifyScripts, TrackBfdRef, TrackInterface, TrackObjectRef, TrackScriptRef, VirtualIpAddress } from './model';
import type { Statement, Word } from './parse';

export function emptyNotify(): NotifyScripts {
  return { notify: null, notifyMaster: null, notifyBackup: null, notifyFault: null, notifyStop: null };
}

/** notify* keywords shared by instances and sync groups; true when `s` was one of them. */
export function notifyKeyword(ctx: BuildContext, s: Statement, n: NotifyScripts): boolean {
  switch (s.keyword.value) {
    case 'notify': return set(ctx, s, n, 'notify');
    case 'notify_master': return set(ctx, s, n, 'notifyMaster');
    case 'notify_backup': return set(ctx, s, n, 'notifyBackup');
    case 'notify_fault': return set(ctx, s, n, 'notifyFault');
    case 'notify_stop': return set(ctx, s, n, 'notifyStop');
    default: return false;
  }
}

/** `notify_master_rx_lower_pri SCRIPT [USER [GROUP]]` (vrrp_parser.c): the first one wins. */
export function notifyMasterRxLowerPri(ctx: BuildContext, s: Statement, n: NotifyScripts, instance: string): void {
  if (n.notifyMasterRxLowerPri) {
    ctx.warn(s.args[0] ?? s.keyword, `(${instance}) notify_master_rx_lower_pri script already specified - ignoring ${s.args[0]?.value ?? ''}`);
    return;
  }
  set(ctx, s, n, 'notifyMasterRxLowerPri');
}

/** `notify_deleted [SCRIPT [USER [GROUP]]]` (vrrp_parser.c): DELETED instead of FAULT at removal; the first one wins. */
export function notifyDeleted(ctx: BuildContext, s: Statement, n: NotifyScripts, instance: string): void {
  if (n.sendDeleted) {
    ctx.warn(s.args[0] ?? s.keyword, `(${instance}) notify_deleted already specified - ignoring ${s.args[0]?.value ?? ''}`);
    return;
  }
  if (s.args.length > 0) set(ctx, s, n, 'notifyDeleted');
  n.sendDeleted = true;
}

/** One notify script and, when the line names one, the user it runs as. */
function set(ctx: BuildContext, s: Statement, n: NotifyScripts, key: NotifyKey): true {
  const r = ctx.commandAs(s);
  n[key] = r ? r.argv : null;
  const runAs = { ...n.runAs };
  delete runAs[key];
  if (r && r.runAs !== undefined) runAs[key] = r.runAs;
  if (Object.keys(runAs).length > 0) n.runAs = runAs;
  else delete n.runAs;
  return true;
}

export function trackInterfaces(ctx: BuildContext, s: Statement): TrackInterface[] {
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

export function trackScripts(ctx: BuildContext, s: Statement, refs: Word[]): TrackScriptRef[] {
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

/** A track_file / track_process line as written; weight/reverse null = the block's own. */
export interface TrackObjectDraft {
  word: Word;
  weight: number | null;
  reverse: boolean | null;
}

/**
 * track_file / track_process entries: `NAME [weight W [reverse|noreverse]]`, with keepalived's
 * reports (track_file.c vrrp_alloc_track_file, vrrp_track.c alloc_track_process): an unknown
 * option or a weight without value drops the entry; a bad weight keeps the block's; an unknown
 * weight option drops a file entry and is only warned for a process.
 */
export function trackObjects(ctx: BuildContext, s: Statement, owner: string, kind: 'file' | 'process'): TrackObjectDraft[] {
  const out: TrackObjectDraft[] = [];
  const what = kind === 'file' ? 'track file' : 'track process';
  for (const e of ctx.needBlock(s) ?? []) {
    ctx.checkBlock(e);
    const d: TrackObjectDraft = { word: e.keyword, weight: null, reverse: null };
    const [opt, w, rev] = e.args;
    if (opt && opt.value !== 'weight') {
      ctx.warn(opt, `(${owner}) unknown ${what} option ${opt.value} - ignoring`);
      continue;
    }
    if (opt && !w) {
      ctx.warn(opt, `(${owner}) weight without value specified for ${what} ${e.keyword.value} - ignoring`);
      continue;
    }
    if (w) {
      d.weight = /^[-+]?\d+$/.test(w.value) && Math.abs(Number(w.value)) <= 254 ? Number(w.value) : null;
      if (d.weight === null) ctx.warn(w, `(${owner}) weight for ${what} ${e.keyword.value} must be in [-254..254] inclusive. Ignoring...`);
    }
    if (rev) {
      if (rev.value === 'reverse' || rev.value === 'noreverse') d.reverse = rev.value === 'reverse';
      else if (kind === 'file') {
        ctx.warn(rev, `(${owner}) unknown track file ${e.keyword.value} weight option ${rev.value} - ignoring`);
        continue;
      } else ctx.warn(rev, `(${owner}) unknown track_process ${e.keyword.value} weight option ${rev.value} - ignoring`);
    }
    out.push(d);
  }
  return out;
}

/** Drafts resolved against the defined blocks: unknown names and repeats are warned and dropped. */
export function resolveTrackObjects(
  ctx: BuildContext, owner: string, drafts: readonly TrackObjectDraft[], defs: readonly { name: string; weight: number; reverse: boolean }[], kind: 'file' | 'process',
): TrackObjectRef[] {
  const out: TrackObjectRef[] = [];
  for (const d of drafts) {
    const def = defs.find((f) => f.name === d.word.value);
    if (!def) {
      ctx.warn(d.word, `(${owner}) track ${kind} ${d.word.value} not found, ignoring...`);
      continue;
    }
    if (out.some((r) => r.name === def.name)) {
      ctx.warn(d.word, `(${owner}) duplicate track_${kind} ${def.name} - ignoring`);
      continue;
    }
    out.push({ name: def.name, weight: d.weight ?? def.weight, reverse: d.reverse ?? def.reverse });
  }
  return out;
}

/**
 * track_bfd { NAME [weight W [reverse|noreverse]] } (vrrp_track.c alloc_track_bfd); names are
 * checked against the bfd_instances once everything is read (build.ts).
 */
export function trackBfds(ctx: BuildContext, s: Statement, refs: Word[], owner: string): TrackBfdRef[] {
  const out: TrackBfdRef[] = [];
  for (const e of ctx.needBlock(s) ?? []) {
    ctx.checkBlock(e);
    const name = e.keyword.value;
    if (out.some((t) => t.name === name)) {
      ctx.warn(e.keyword, `(${owner}) duplicate track_bfd ${name} - ignoring`);
      continue;
    }
    let weight: number | null = null;
    let weightReverse: boolean | null = null;
    if (e.args[0]) {
      if (e.args[0].value !== 'weight') {
        ctx.warn(e.args[0], `(${owner}) unknown track bfd ${name} option ${e.args[0].value} - ignoring`);
        continue;
      }
      if (!e.args[1]) {
        ctx.warn(e.args[0], `(${owner}) weight without value specified for track bfd ${name} - ignoring`);
        continue;
      }
      const w = /^[-+]?\d+$/.test(e.args[1].value) ? Number(e.args[1].value) : NaN;
      if (!(w >= -253 && w <= 253)) ctx.warn(e.args[1], `(${owner}) weight for track bfd ${name} must be in [-253..253] inclusive. Ignoring...`);
      else weight = w;
      const opt = e.args[2]?.value;
      if (opt === 'reverse') weightReverse = true;
      else if (opt === 'noreverse') weightReverse = false;
      else if (opt !== undefined) {
        ctx.warn(e.args[2], `(${owner}) unknown track bfd ${name} weight option ${opt} - ignoring`);
        continue;
      }
    }
    refs.push(e.keyword);
    out.push({ name, weight, weightReverse });
  }
  return out;
}

const SCOPES = new Set(['global', 'site', 'link', 'host', 'nowhere']);

/** Where a VIP's `use_vmac` was written, for the instance's warnings about it (build-vrrp.ts). */
export const vipOptionWords = new WeakMap<VirtualIpAddress, Statement['keyword']>();

/** An address line of virtual_ipaddress(_excluded), or of static_ipaddress (`staticAddr`: no_track and track_group). */
export function vipEntry(ctx: BuildContext, e: Statement, excluded: boolean, staticAddr = false): VirtualIpAddress | null {
  const [addrText, lenText] = e.keyword.value.split('/', 2);
  const addr = ctx.addressWord({ ...e.keyword, value: addrText }, 'virtual_ipaddress', true);
  if (!addr) {
    // keepalived skips the address and carries on (placeholders such as __VIP__ are common).
    ctx.warn(e.keyword, `VRRP parsed invalid IP ${e.keyword.value}. skipping IP...`);
    return null;
  }
  const maxLen = addr.family === 4 ? 32 : 128;
  let prefixLen = maxLen;
  if (lenText !== undefined) {
    const n = /^\d+$/.test(lenText) ? Number(lenText) : NaN;
    if (!(n >= 0 && n <= maxLen)) ctx.warn(e.keyword, `Invalid address prefix len ${lenText} for address ${e.keyword.value} - using ${maxLen}`);
    else prefixLen = n;
  }
  const vip: VirtualIpAddress = {
    address: addr.address, family: addr.family, prefixLen, broadcast: null, dev: '', scope: 'global', label: null,
    excluded, location: ctx.loc(e.keyword),
  };
  // `brd +` / `brd -`: worked out once the line is read (keepalived's alloc_ipaddress)
  let brdFrom: { word: Word; sign: '+' | '-' } | null = null;
  options: for (let i = 0; i < e.args.length; i++) {
    const opt = e.args[i];
    const val = e.args[i + 1];
    const needs = (): boolean => {
      if (val === undefined) ctx.error(opt, `virtual_ipaddress: '${opt.value}' needs a value`);
      return val !== undefined;
    };
    switch (opt.value) {
      case 'brd': case 'broadcast':
        if (addr.family === 6 && val !== undefined) {
          // keepalived's alloc_ipaddress drops the address (its message names the keyword, not the value)
          ctx.warn(opt, `VRRP is trying to assign a broadcast ${opt.value} to the IPv6 address ${e.keyword.value} !!?? WTF... skipping VIP...`);
          return null;
        }
        if (needs()) {
          if (val.value === '+' || val.value === '-') brdFrom = { word: val, sign: val.value };
          else {
            const b = ctx.addressWord(val, 'virtual_ipaddress brd', true);
            if (b?.family !== 4) {
              ctx.warn(val, `VRRP is trying to assign invalid broadcast ${val.value}. skipping VIP...`);
              return null;
            }
            vip.broadcast = b.address;
          }
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
          else ctx.warn(val, `Invalid scope '${val.value}' specified for ${e.keyword.value} - ignoring`);
          i++;
        }
        break;
      case 'label':
        if (needs()) { vip.label = val.value; i++; }
        break;
      case '-nodad':
        vip.noDad = false;
        break;
      case 'use_vmac':
        vip.useVmac = true;
        vipOptionWords.set(vip, opt);
        break;
      case 'preferred_lft':
        if (needs()) {
          // keepalived: 'forever' or 0-4294967295 seconds; anything else is reported and ignored
          if (val.value === 'forever') vip.preferredLft = 'forever';
          else if (/^\d+$/.test(val.value) && Number(val.value) <= 0xffffffff) vip.preferredLft = Number(val.value);
          else ctx.warn(val, `preferred_lft ${val.value} is invalid`);
          i++;
        }
        break;
      case 'no_track':
        if (staticAddr) vip.noTrack = true;
        else ctx.unimplemented(opt, `virtual_ipaddress option '${opt.value}'`);
        break;
      case 'track_group':
        // keepalived's alloc_ipaddress: static addresses only; on a VIP, an unknown word (as is the name after it)
        if (!staticAddr) {
          ctx.warn(opt, `virtual_ipaddress: unknown option '${opt.value}'`);
          break;
        }
        if (val === undefined) {
          ctx.warn(opt, `No track_group parameter specified for ${e.keyword.value}`);
          return null;
        }
        i++;
        if (vip.trackGroup !== undefined) {
          // the rest of the line is not read
          ctx.warn(val, `track_group ${val.value} is a duplicate`);
          break options;
        }
        if (ctx.trackGroups.has(val.value)) vip.trackGroup = val.value;
        else ctx.warn(val, `track_group ${val.value} not found`);
        break;
      case 'home': case 'nodad': case 'noprefixroute': case 'autojoin':
        ctx.unimplemented(opt, `virtual_ipaddress option '${opt.value}'`);
        break;
      case 'valid_lft': case 'metric':
        ctx.unimplemented(opt, `virtual_ipaddress option '${opt.value}'`);
        i++;
        break;
      default:
        ctx.warn(opt, `virtual_ipaddress: unknown option '${opt.value}'`);
    }
  }
  if (addr.family === 6) ipv6Only(ctx, e, vip);
  if (brdFrom !== null) {
    if (vip.prefixLen <= 30) vip.broadcast = derivedBroadcast(vip.address, vip.prefixLen, brdFrom.sign);
    else ctx.warn(brdFrom.word, `Address prefix length ${vip.prefixLen} too long for broadcast`);
  }
  // keepalived sends no IFA_BROADCAST for 0.0.0.0 (given, or worked out from 0.0.0.0/N)
  if (vip.broadcast === '0.0.0.0') vip.broadcast = null;
  return vip;
}

/** The broadcast `brd +` (host bits set) or `brd -` (host bits clear) gives an IPv4 address/prefix (≤ 30). */
export function derivedBroadcast(address: string, prefixLen: number, sign: '+' | '-'): string {
  const bytes = ipaddr.IPv4.parse(address).toByteArray();
  const n = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  const host = prefixLen === 0 ? 0xffffffff : (0xffffffff >>> prefixLen) >>> 0;
  const b = sign === '+' ? (n | host) >>> 0 : (n & ~host) >>> 0;
  return [b >>> 24, (b >>> 16) & 0xff, (b >>> 8) & 0xff, b & 0xff].join('.');
}

/**
 * keepalived's alloc_ipaddress, once the line is read: an IPv6 address takes neither a scope (the
 * kernel derives it from the address) nor a label (IFA_LABEL is IPv4's); both are dropped with
 * its warnings, so the address is added, logged and shown in KEEPALIVED-MIB without them.
 */
function ipv6Only(ctx: BuildContext, e: Statement, vip: VirtualIpAddress): void {
  if (vip.scope !== 'global' && vip.scope !== 0) {
    ctx.warn(e.keyword, `Cannot specify scope for IPv6 addresses (${e.keyword.value}) - ignoring scope`);
    vip.scope = 'global';
  }
  if (vip.label !== null) {
    ctx.warn(e.keyword, `Cannot specify label for IPv6 addresses (${e.keyword.value}) - ignoring label`);
    vip.label = null;
  }
}

