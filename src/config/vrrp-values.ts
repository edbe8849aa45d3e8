/**
 * Value readers of the VRRP sections shared by their keyword tables (src/config/keywords/vrrp.ts):
 * notify scripts, tracked interfaces and scripts, virtual addresses.
 */
import type { BuildContext } from './context';
import type { NotifyScripts, TrackInterface, TrackScriptRef, VirtualIpAddress } from './model';
import type { Statement, Word } from './parse';

export function emptyNotify(): NotifyScripts {
  return { notify: null, notifyMaster: null, notifyBackup: null, notifyFault: null, notifyStop: null };
}

/** notify* keywords shared by instances and sync groups; true when `s` was one of them. */
export function notifyKeyword(ctx: BuildContext, s: Statement, n: NotifyScripts): boolean {
  switch (s.keyword.value) {
    case 'notify': n.notify = ctx.command(s); return true;
    case 'notify_master': n.notifyMaster = ctx.command(s); return true;
    case 'notify_backup': n.notifyBackup = ctx.command(s); return true;
    case 'notify_fault': n.notifyFault = ctx.command(s); return true;
    case 'notify_stop': n.notifyStop = ctx.command(s); return true;
    default: return false;
  }
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

const SCOPES = new Set(['global', 'site', 'link', 'host', 'nowhere']);

export function vipEntry(ctx: BuildContext, e: Statement, excluded: boolean): VirtualIpAddress | null {
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
      case 'preferred_lft':
        if (needs()) {
          // keepalived: 'forever' or 0-4294967295 seconds; anything else is reported and ignored
          if (val.value === 'forever') vip.preferredLft = 'forever';
          else if (/^\d+$/.test(val.value) && Number(val.value) <= 0xffffffff) vip.preferredLft = Number(val.value);
          else ctx.warn(val, `preferred_lft ${val.value} is invalid`);
          i++;
        }
        break;
      case 'no_track': case 'home': case 'nodad': case 'noprefixroute': case 'autojoin':
        ctx.unimplemented(opt, `virtual_ipaddress option '${opt.value}'`);
        break;
      case 'valid_lft': case 'metric': case 'track_group':
        ctx.unimplemented(opt, `virtual_ipaddress option '${opt.value}'`);
        i++;
        break;
      default:
        ctx.warn(opt, `virtual_ipaddress: unknown option '${opt.value}'`);
    }
  }
  return vip;
}

