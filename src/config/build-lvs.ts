/**
 * virtual_server, virtual_server_group, real_server and checker blocks → model. Checker
 * timing is inherited checker ← real_server ← virtual_server ← built-in (check_data.c).
 */
import ipaddr from 'ipaddr.js';
import type { BuildContext } from './context';
import {
  CHECKER_KEYWORDS, DEFAULT_DELAY_LOOP_MS, buildChecker, followsServerPort, noTiming, timingKeyword,
} from './build-checker';
import type { CheckTiming } from './build-checker';
import type {
  LvsMethod, LvsScheduler, Protocol, RealServer, TrackFile, VirtualServer,
  VirtualServerGroup, VirtualServerGroupEntry, VirtualServerKey,
} from './model';
import type { Statement, Word } from './parse';

export { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_DELAY_BEFORE_RETRY_MS, DEFAULT_DELAY_LOOP_MS, DEFAULT_RETRY } from './build-checker';
/** IPVS_SVC_PERSISTENT_TIMEOUT: `persistence_timeout` without a value, and port-0 services. */
export const DEFAULT_PERSISTENCE_TIMEOUT = 360;

const SCHEDULERS = new Set<LvsScheduler>(['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos']);
const METHODS = new Set<LvsMethod>(['NAT', 'DR', 'TUN']);
const PROTOCOLS = new Set<Protocol>(['TCP', 'UDP', 'SCTP']);
const IGNORED_VS = new Set(['smtp_alert', 'snmp_name', 'ip_family', 'persistence_engine', 'log_all_failures']);

function lvsMethod(ctx: BuildContext, s: Statement): LvsMethod | null {
  const w = ctx.arg(s, 0, 'NAT, DR or TUN');
  if (!w) return null;
  const m = w.value.toUpperCase() as LvsMethod;
  if (!METHODS.has(m)) {
    ctx.error(w, `${s.keyword.value}: unknown forwarding method '${w.value}' (NAT, DR or TUN)`);
    return null;
  }
  if (s.args.length > 1) ctx.warn(s.args[1], `${s.keyword.value}: tunnel options are not supported yet; ignored`);
  return m;
}

export interface VirtualServerDraft {
  server: VirtualServer;
  groupWord: Word | null;
}

export function buildVirtualServer(ctx: BuildContext, s: Statement, trackFiles: readonly TrackFile[] = []): VirtualServerDraft | null {
  const block = ctx.needBlock(s);
  const first = ctx.arg(s, 0, 'IP PORT, fwmark N or group NAME');
  if (!first || !block) return null;
  let key: VirtualServerKey | null = null;
  let groupWord: Word | null = null;
  let vsPort = 0;
  let family: 4 | 6 = 4;
  if (first.value === 'fwmark') {
    const n = ctx.int(s, 1, 0xffffffff, 1);
    if (n !== null) key = { kind: 'fwmark', fwmark: n, family: 4 };
  } else if (first.value === 'group') {
    groupWord = ctx.arg(s, 1, 'a virtual_server_group name');
    if (groupWord) key = { kind: 'group', group: groupWord.value };
  } else {
    const a = ctx.addressWord(first, 'virtual_server');
    const p = s.args[1] ? ctx.port(s.args[1], 'virtual_server') : 0;
    if (a && p !== null) {
      family = a.family;
      vsPort = p;
      key = { kind: 'addr', protocol: 'TCP', address: a.address, family: a.family, port: p };
    }
  }
  const vs: VirtualServer = {
    key: key ?? { kind: 'fwmark', fwmark: 0, family: 4 },
    protocol: 'TCP', lvsSched: 'wlc', lvsMethod: 'NAT', persistenceTimeout: null, persistenceGranularity: null,
    schedFlags: { flag1: false, flag2: false, flag3: false }, ops: false, hashed: false,
    delayLoopMs: DEFAULT_DELAY_LOOP_MS, quorum: 1, hysteresis: 0, quorumUp: null, quorumDown: null, sorryServer: null,
    inhibitOnFailure: false, alpha: false, omega: false, haSuspend: false, realServers: [], location: ctx.loc(s.keyword),
  };
  const timing = noTiming();
  let vsVirtualhost: string | null = null;
  const rsStatements: Statement[] = [];
  let protocolSet = false;
  let schedSet = false;
  let methodSet = false;
  let rsWeight = 1;
  /** Scheduler flags that only mean something to sh/mh, checked once the scheduler is known. */
  const hashFlags: Word[] = [];
  let sorryMethod: LvsMethod | null = null;
  let sorryInhibit = false;
  let sorry: { address: string; port: number } | null = null;
  const where = `virtual_server ${s.args.map((w) => w.value).join(' ')}`;
  for (const b of block) {
    ctx.checkBlock(b);
    if (timingKeyword(ctx, b, timing)) continue;
    const kw = b.keyword.value;
    switch (kw) {
      case 'lb_algo': case 'lvs_sched': {
        const w = ctx.arg(b, 0, 'a scheduler');
        if (w && SCHEDULERS.has(w.value as LvsScheduler)) {
          vs.lvsSched = w.value as LvsScheduler;
          schedSet = true;
        }
        else if (w) ctx.error(w, `${kw}: unknown scheduler '${w.value}'`);
        break;
      }
      case 'lb_kind': case 'lvs_method': { const m = lvsMethod(ctx, b); if (m) { vs.lvsMethod = m; methodSet = true; } break; }
      case 'weight': rsWeight = ctx.int(b, 0, 65535) ?? rsWeight; break;
      case 'protocol': {
        const w = ctx.arg(b, 0, 'TCP, UDP or SCTP');
        if (w && PROTOCOLS.has(w.value.toUpperCase() as Protocol)) {
          vs.protocol = w.value.toUpperCase() as Protocol;
          protocolSet = true;
        }
        else if (w) ctx.error(w, `protocol: unknown protocol '${w.value}' (TCP, UDP or SCTP)`);
        break;
      }
      case 'persistence_timeout':
        vs.persistenceTimeout = b.args.length === 0 ? DEFAULT_PERSISTENCE_TIMEOUT : (ctx.int(b, 1, 86400 * 31) ?? vs.persistenceTimeout);
        break;
      case 'persistence_granularity': {
        const w = ctx.arg(b, 0, 'a netmask');
        if (!w) break;
        if (ipaddr.IPv4.isValidFourPartDecimal(w.value) && ipaddr.IPv4.parse(w.value).prefixLengthFromSubnetMask() !== null) vs.persistenceGranularity = w.value;
        else if (/^\d+$/.test(w.value) && Number(w.value) <= 128) vs.persistenceGranularity = w.value;
        else ctx.error(w, `persistence_granularity: '${w.value}' is not a netmask`);
        break;
      }
      case 'quorum': vs.quorum = ctx.int(b, 1, 65535) ?? vs.quorum; break;
      case 'hysteresis': vs.hysteresis = ctx.int(b, 0, 65535) ?? vs.hysteresis; break;
      case 'quorum_up': vs.quorumUp = ctx.command(b); break;
      case 'quorum_down': vs.quorumDown = ctx.command(b); break;
      case 'sorry_server': {
        const a = ctx.address(b);
        const p = b.args[1] ? ctx.port(b.args[1], 'sorry_server') : vsPort;
        if (a && p !== null) sorry = { address: a.address, port: p };
        break;
      }
      case 'sorry_server_inhibit': sorryInhibit = ctx.bool(b); break;
      case 'sorry_server_lvs_method': sorryMethod = lvsMethod(ctx, b); break;
      case 'inhibit_on_failure': vs.inhibitOnFailure = ctx.flag(b); break;
      case 'alpha': vs.alpha = ctx.flag(b); break;
      case 'omega': vs.omega = ctx.flag(b); break;
      case 'ha_suspend': vs.haSuspend = ctx.flag(b); break;
      case 'ops': vs.ops = true; break;
      case 'flag-1': vs.schedFlags.flag1 = true; break;
      case 'flag-2': vs.schedFlags.flag2 = true; break;
      case 'flag-3': vs.schedFlags.flag3 = true; break;
      case 'hashed': case 'sh-fallback': case 'mh-fallback': case 'sh-port': case 'mh-port': hashFlags.push(b.keyword); break;
      case 'real_server': rsStatements.push(b); break;
      case 'virtualhost': vsVirtualhost = ctx.str(b) ?? vsVirtualhost; break;
      default:
        if (IGNORED_VS.has(kw)) ctx.warn(b.keyword, `'${kw}' is not supported yet; ignored`);
        else ctx.unknown(b, where);
    }
  }
  if (key === null) return null;
  vs.delayLoopMs = timing.delayLoopMs ?? DEFAULT_DELAY_LOOP_MS;
  for (const r of rsStatements) {
    const rs = buildRealServer(ctx, r, vs, timing, vsPort, family, rsWeight, vsVirtualhost, trackFiles);
    if (rs) vs.realServers.push(rs);
  }
  if (sorry) vs.sorryServer = { address: sorry.address, port: sorry.port, lvsMethod: sorryMethod ?? vs.lvsMethod, inhibit: sorryInhibit };
  // What keepalived's validate_check_config() corrects, with its warnings.
  const name = `Virtual server ${vsLabel(key, vs.protocol, protocolSet)}`;
  const warn = (m: string): void => ctx.warn(s.keyword, m);
  if (vs.realServers.length === 0 && rsStatements.length === 0) {
    warn(`${name} has no real servers - ignoring`);
    return null;
  }
  if (vs.haSuspend && key.kind === 'fwmark') {
    warn(`${name}: cannot use ha_suspend with fwmarks - clearing ha_suspend`);
    vs.haSuspend = false;
  }
  if (key.kind === 'addr') {
    if (!protocolSet) {
      // Protocol 0 would make the kernel use UDP, so keepalived sets it explicitly.
      warn(`${name}: no protocol set - defaulting to UDP`);
      vs.protocol = 'UDP';
    }
    key.protocol = vs.protocol;
    if (vs.ops && vs.protocol !== 'UDP') {
      warn(`${name}: one packet scheduling requires UDP - resetting`);
      vs.ops = false;
    }
    if (key.port === 0 && vs.persistenceTimeout === null) {
      warn(`${name}: zero port only valid for persistent services - setting`);
      vs.persistenceTimeout = DEFAULT_PERSISTENCE_TIMEOUT;
    }
  } else if (key.kind === 'fwmark' && protocolSet) {
    warn(`Warning: ${name}: protocol specified for fwmark - protocol will be ignored`);
  }
  if (!schedSet) warn(`${name}: no scheduler set, setting default 'wlc'`);
  for (const f of hashFlags) {
    // keepalived's wording, which says sh for the mh flags too.
    if (vs.lvsSched !== 'sh' && vs.lvsSched !== 'mh') ctx.warn(f, `${f.value} only applies to sh scheduler - ignoring`);
    else if (f.value === 'hashed') vs.hashed = true;
    else if (f.value.endsWith('fallback')) vs.schedFlags.flag1 = true;
    else vs.schedFlags.flag2 = true;
  }
  if (!methodSet && (vs.realServers.some((r) => !ownMethod.has(r)) || (vs.sorryServer && sorryMethod === null))) {
    warn(`${name}: no forwarding method set, setting default NAT`);
  }
  const unique: RealServer[] = [];
  for (const rs of vs.realServers) {
    if (unique.some((u) => u.address === rs.address && u.port === rs.port)) {
      ctx.diagnostics.push({ severity: 'warning', message: `VS ${vsLabel(key, vs.protocol, true)}: real server ${rs.address}:${rs.port} is duplicated - removing second rs`, location: rs.location });
      continue;
    }
    unique.push(rs);
  }
  vs.realServers = unique;
  for (const rs of vs.realServers) {
    if (rs.lvsMethod === 'NAT') continue;
    // Without NAT the kernel cannot change the port: the real server's is the service's.
    if (key.kind === 'fwmark' && rs.port !== 0) {
      ctx.diagnostics.push({ severity: 'warning', message: `WARNING - fwmark virtual server ${vsLabel(key, vs.protocol, true)}, real server ${rs.address}:${rs.port} has port specified - clearing`, location: rs.location });
      rs.port = 0;
    } else if (key.kind === 'addr' && rs.port !== key.port) {
      ctx.diagnostics.push({ severity: 'warning', message: `WARNING - virtual server ${vsLabel(key, vs.protocol, true)} and real server ${rs.address}:${rs.port} ports don't match - resetting`, location: rs.location });
      rs.port = key.port;
    }
    for (const c of rs.checkers) if (followsServerPort(c)) c.connectPort = rs.port;
  }
  const weightSum = vs.realServers.reduce((n, r) => n + r.weight, 0);
  if (vs.quorum > weightSum) {
    warn(`Warning - quorum ${vs.quorum} for ${vsLabel(key, vs.protocol, true)} exceeds total weight of real servers ${weightSum}, reducing quorum to ${weightSum}`);
    vs.quorum = weightSum;
  }
  if (vs.hysteresis >= vs.quorum && vs.hysteresis > 0) {
    const h = Math.max(0, vs.quorum - 1);
    warn(`${name}: hysteresis ${vs.hysteresis} >= quorum ${vs.quorum}; setting hysteresis to ${h}`);
    vs.hysteresis = h;
  }
  return { server: vs, groupWord };
}

/**
 * Real servers that name their own forwarding method: the inherited value is re-derived for
 * the others after keepalived's corrections. Identity marks only (WeakSet), so the model
 * objects stay plain data.
 */
const ownMethod = new WeakSet<RealServer>();

function vsLabel(key: VirtualServerKey, protocol: Protocol, protocolSet: boolean): string {
  if (key.kind === 'fwmark') return `FWM ${key.fwmark}`;
  if (key.kind === 'group') return `group ${key.group}`;
  return `[${key.address}]:${protocolSet ? protocol.toLowerCase() : 'none'}:${key.port}`;
}

function buildRealServer(
  ctx: BuildContext, s: Statement, vs: VirtualServer, vsTiming: CheckTiming, vsPort: number, vsFamily: 4 | 6, defaultWeight: number,
  vsVirtualhost: string | null, trackFiles: readonly TrackFile[],
): RealServer | null {
  const addrWord = ctx.arg(s, 0, 'IP [PORT]');
  const block = s.block ?? [];
  if (!addrWord) return null;
  const a = ctx.addressWord(addrWord, 'real_server');
  const port = s.args[1] ? ctx.port(s.args[1], 'real_server') : vsPort;
  if (!a || port === null) return null;
  if (vs.key.kind === 'addr' && a.family !== vsFamily && vs.lvsMethod !== 'TUN') {
    ctx.error(addrWord, `real_server ${a.address}: address family differs from the virtual server's (only TUN may mix)`);
  }
  const rs: RealServer = {
    address: a.address, family: a.family, port, weight: defaultWeight, lvsMethod: vs.lvsMethod, inhibitOnFailure: vs.inhibitOnFailure,
    uthreshold: 0, lthreshold: 0, notifyUp: null, notifyDown: null, alpha: vs.alpha, checkers: [], location: ctx.loc(s.keyword),
  };
  const timing = noTiming();
  let rsVirtualhost: string | null = null;
  const checkerStatements: Statement[] = [];
  for (const b of block) {
    ctx.checkBlock(b);
    if (timingKeyword(ctx, b, timing)) continue;
    const kw = b.keyword.value;
    switch (kw) {
      case 'weight': rs.weight = ctx.int(b, 0, 65535) ?? rs.weight; break;
      case 'lvs_method': { const m = lvsMethod(ctx, b); if (m) { rs.lvsMethod = m; ownMethod.add(rs); } break; }
      case 'inhibit_on_failure': rs.inhibitOnFailure = ctx.bool(b); break;
      case 'uthreshold': rs.uthreshold = ctx.int(b, 0, 65535) ?? rs.uthreshold; break;
      case 'lthreshold': rs.lthreshold = ctx.int(b, 0, 65535) ?? rs.lthreshold; break;
      case 'notify_up': rs.notifyUp = ctx.command(b); break;
      case 'notify_down': rs.notifyDown = ctx.command(b); break;
      case 'alpha': rs.alpha = ctx.bool(b); break;
      case 'virtualhost': rsVirtualhost = ctx.str(b) ?? rsVirtualhost; break;
      case 'smtp_alert': case 'snmp_name': case 'log_all_failures':
        ctx.warn(b.keyword, `'${kw}' is not supported yet; ignored`);
        break;
      default:
        if (CHECKER_KEYWORDS.has(kw)) checkerStatements.push(b);
        else ctx.unknown(b, `real_server ${a.address}`);
    }
  }
  if (rs.lthreshold && rs.uthreshold && rs.lthreshold > rs.uthreshold) {
    ctx.error(s.keyword, `real_server ${a.address}: lthreshold ${rs.lthreshold} is above uthreshold ${rs.uthreshold}`);
  }
  const inherited: CheckTiming = {
    connectTimeoutMs: timing.connectTimeoutMs ?? vsTiming.connectTimeoutMs,
    retry: timing.retry ?? vsTiming.retry,
    delayBeforeRetryMs: timing.delayBeforeRetryMs ?? vsTiming.delayBeforeRetryMs,
    warmupMs: timing.warmupMs ?? vsTiming.warmupMs,
    delayLoopMs: timing.delayLoopMs ?? vsTiming.delayLoopMs,
  };
  const parent = {
    rs, timing: inherited, virtualhost: rsVirtualhost ?? vsVirtualhost, vsDelayLoopMs: vsTiming.delayLoopMs ?? DEFAULT_DELAY_LOOP_MS,
    logAllFailures: false, trackFiles,
  };
  for (const c of checkerStatements) {
    rs.checkers.push(...buildChecker(ctx, c, parent));
  }
  return rs;
}

export function buildVirtualServerGroup(ctx: BuildContext, s: Statement): VirtualServerGroup | null {
  const name = ctx.arg(s, 0, 'a name');
  const block = ctx.needBlock(s);
  if (!name || !block) return null;
  const entries: VirtualServerGroupEntry[] = [];
  for (const e of block) {
    ctx.checkBlock(e);
    if (e.keyword.value === 'fwmark') {
      const n = ctx.int(e, 1, 0xffffffff);
      if (n !== null) entries.push({ kind: 'fwmark', fwmark: n });
      continue;
    }
    const port = e.args[0] ? ctx.port(e.args[0], 'virtual_server_group') : 0;
    const range = /^(.*)-(\d+)$/.exec(e.keyword.value);
    if (range) {
      const a = ctx.addressWord({ ...e.keyword, value: range[1] }, 'virtual_server_group');
      if (!a || port === null) continue;
      const last = Number(range[2]);
      const bytes = ipaddr.parse(a.address).toByteArray();
      const firstLast = a.family === 4 ? bytes[3] : (bytes[14] << 8) | bytes[15];
      const max = a.family === 4 ? 255 : 0xffff;
      if (last < firstLast || last > max) {
        ctx.error(e.keyword, `virtual_server_group ${name.value}: bad range '${e.keyword.value}'`);
        continue;
      }
      entries.push({ kind: 'range', address: a.address, family: a.family, last, port });
      continue;
    }
    const a = ctx.addressWord(e.keyword, 'virtual_server_group');
    if (a && port !== null) entries.push({ kind: 'addr', address: a.address, family: a.family, port });
  }
  return { name: name.value, entries, location: ctx.loc(s.keyword) };
}
