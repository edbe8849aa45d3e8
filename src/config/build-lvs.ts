/**
 * virtual_server, virtual_server_group, real_server and checker blocks → model. Checker
 * timing is inherited checker ← real_server ← virtual_server ← built-in (check_data.c).
 */
import ipaddr from 'ipaddr.js';
import type { BuildContext } from './context';
import { applySection } from './keywords/apply';
import { REAL_SERVER, VIRTUAL_SERVER } from './keywords/lvs';
import { buildChecker, followsServerPort } from './build-checker';
import {
  DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_DELAY_BEFORE_RETRY_MS, DEFAULT_DELAY_LOOP_MS, DEFAULT_RETRY, noTiming, type CheckTiming,
} from './lvs-values';
import type {
  GlobalDefs, LvsMethod, Protocol, RealServer, TrackFile, VirtualServer,
  VirtualServerGroup, VirtualServerGroupEntry, VirtualServerKey,
} from './model';
import type { Statement, Word } from './parse';

export { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_DELAY_BEFORE_RETRY_MS, DEFAULT_DELAY_LOOP_MS, DEFAULT_RETRY };
export { DEFAULT_PERSISTENCE_TIMEOUT } from './keywords/lvs';
import { DEFAULT_PERSISTENCE_TIMEOUT } from './keywords/lvs';

/** A virtual_server block while it is read (the keyword table's target). */
export interface VsDraft {
  vs: VirtualServer;
  port: number;
  timing: CheckTiming;
  rsStatements: Statement[];
  protocolSet: boolean;
  schedSet: boolean;
  methodSet: boolean;
  rsWeight: number;
  /** Scheduler flags that only mean something to sh/mh, checked once the scheduler is known. */
  hashFlags: Word[];
  sorryMethod: LvsMethod | null;
  sorryInhibit: boolean;
  sorry: { address: string; port: number } | null;
  /** virtualhost: the Host of HTTP_GET/SSL_GET checks that name none. */
  virtualhost: string | null;
  /**
   * keepalived's vs->af while the block is read: the address's family, else `ip_family`, else
   * persistence_granularity's, else the first real or sorry server that is not tunnelled;
   * null (AF_UNSPEC) until one of them says.
   */
  family: 4 | 6 | null;
  /** Its own smtp_alert (null: inherited once global_defs is read). */
  smtpAlert: boolean | null;
}

/** A real_server block while it is read. */
export interface RealServerDraft {
  rs: RealServer;
  timing: CheckTiming;
  checkerStatements: Statement[];
  ownMethod: boolean;
  smtpAlert: boolean | null;
  /** virtualhost: the Host of this server's HTTP_GET/SSL_GET checks that name none. */
  virtualhost: string | null;
}

export interface VirtualServerDraft {
  server: VirtualServer;
  groupWord: Word | null;
}

export function buildVirtualServer(ctx: BuildContext, s: Statement, g: GlobalDefs, trackFiles: readonly TrackFile[] = []): VirtualServerDraft | null {
  const block = ctx.needBlock(s);
  const first = ctx.arg(s, 0, 'IP PORT, fwmark N or group NAME');
  if (!first || !block) return null;
  let key: VirtualServerKey | null = null;
  let groupWord: Word | null = null;
  let vsPort = 0;
  let family: 4 | 6 | null = null;
  if (first.value === 'fwmark') {
    const n = ctx.int(s, 1, 0xffffffff, 1);
    if (n !== null) key = { kind: 'fwmark', fwmark: n, family: 4 };
  } else if (first.value === 'group') {
    groupWord = ctx.arg(s, 1, 'a virtual_server_group name');
    if (groupWord) key = { kind: 'group', group: groupWord.value, family: null };
  } else {
    const a = ctx.addressWord(first, 'virtual_server', true);
    const pw = s.args[1];
    const p = pw === undefined ? 0 : /^\d+$/.test(pw.value) && Number(pw.value) <= 65535 ? Number(pw.value) : null;
    if (!a || p === null) {
      // keepalived skips the whole block and carries on.
      ctx.warn(first, `Invalid virtual server IP address/port ${first.value}/${pw?.value ?? ''} - skipping`);
      return null;
    }
    family = a.family;
    vsPort = p;
    key = { kind: 'addr', protocol: 'TCP', address: a.address, family: a.family, port: p };
  }
  const vs: VirtualServer = {
    key: key ?? { kind: 'fwmark', fwmark: 0, family: 4 },
    protocol: 'TCP', lvsSched: 'wlc', lvsMethod: 'NAT', persistenceTimeout: null, persistenceGranularity: null,
    schedFlags: { flag1: false, flag2: false, flag3: false }, ops: false, hashed: false,
    delayLoopMs: DEFAULT_DELAY_LOOP_MS, quorum: 1, hysteresis: 0, quorumUp: null, quorumDown: null, sorryServer: null,
    inhibitOnFailure: false, alpha: false, omega: false, haSuspend: false, smtpAlert: false, realServers: [], location: ctx.loc(s.keyword),
  };
  const draft: VsDraft = {
    vs, port: vsPort, timing: noTiming(), rsStatements: [], protocolSet: false, schedSet: false, methodSet: false, rsWeight: 1,
    hashFlags: [], sorryMethod: null, sorryInhibit: false, sorry: null, virtualhost: null, family, smtpAlert: null,
  };
  applySection(ctx, block, VIRTUAL_SERVER, draft, `virtual_server ${s.args.map((w) => w.value).join(' ')}`);
  ctx.smtp.virtualServers.push({ vs, own: draft.smtpAlert });
  const { timing, rsStatements, protocolSet, schedSet, methodSet, rsWeight, hashFlags, sorryMethod, sorryInhibit, sorry } = draft;
  if (key === null) return null;
  vs.delayLoopMs = timing.delayLoopMs ?? DEFAULT_DELAY_LOOP_MS;
  for (const r of rsStatements) {
    const rs = buildRealServer(ctx, r, vs, draft, g, trackFiles);
    if (rs) vs.realServers.push(rs);
  }
  if (sorry) vs.sorryServer = { address: sorry.address, port: sorry.port, lvsMethod: sorryMethod ?? vs.lvsMethod, inhibit: sorryInhibit };
  settleFamily(ctx, s, vs, draft);
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

/**
 * vs_end_handler: a sorry server that is not tunnelled must be of the service's family (else it
 * is dropped); a fwmark service still of no family takes its servers' when they all agree, else
 * IPv4. The family then goes into the service's key.
 */
function settleFamily(ctx: BuildContext, s: Statement, vs: VirtualServer, draft: VsDraft): void {
  const familyOf = (a: string): 4 | 6 => (a.includes(':') ? 6 : 4);
  const sorry = vs.sorryServer;
  if (sorry && sorry.lvsMethod !== 'TUN') {
    if (draft.family === null) draft.family = familyOf(sorry.address);
    else if (draft.family !== familyOf(sorry.address)) {
      ctx.error(s.keyword, `Address family of virtual server and sorry server ${sorry.address} don't match - skipping sorry server.`);
      vs.sorryServer = null;
    }
  }
  if (draft.family === null && vs.key.kind !== 'group') {
    const families = new Set([...(vs.sorryServer ? [familyOf(vs.sorryServer.address)] : []), ...vs.realServers.map((r) => r.family)]);
    draft.family = families.size === 1 ? [...families][0] : 4;
  }
  if (vs.key.kind === 'fwmark') vs.key.family = draft.family ?? 4;
  else if (vs.key.kind === 'group') vs.key.family = draft.family;
}

function buildRealServer(
  ctx: BuildContext, s: Statement, vs: VirtualServer, vsDraft: VsDraft, g: GlobalDefs, trackFiles: readonly TrackFile[],
): RealServer | null {
  const { timing: vsTiming, port: vsPort, rsWeight: defaultWeight } = vsDraft;
  const addrWord = ctx.arg(s, 0, 'IP [PORT]');
  const block = s.block ?? [];
  if (!addrWord) return null;
  const a = ctx.addressWord(addrWord, 'real_server');
  const port = s.args[1] ? ctx.port(s.args[1], 'real_server') : vsPort;
  if (!a || port === null) return null;
  const rs: RealServer = {
    address: a.address, family: a.family, port, weight: defaultWeight, lvsMethod: vs.lvsMethod, inhibitOnFailure: vs.inhibitOnFailure,
    uthreshold: 0, lthreshold: 0, notifyUp: null, notifyDown: null, alpha: vs.alpha, smtpAlert: true, checkers: [], location: ctx.loc(s.keyword),
  };
  const draft: RealServerDraft = { rs, timing: noTiming(), checkerStatements: [], ownMethod: false, smtpAlert: null, virtualhost: null };
  applySection(ctx, block, REAL_SERVER, draft, `real_server ${a.address}`);
  const { timing, checkerStatements } = draft;
  if (draft.ownMethod) ownMethod.add(rs);
  // rs_end_handler: only a tunnelled real server may be of another family than its service.
  if (rs.lvsMethod !== 'TUN') {
    if (vsDraft.family === null) vsDraft.family = a.family;
    else if (vsDraft.family !== a.family) {
      ctx.error(addrWord, `Address family of virtual server and real server ${a.address} don't match - skipping real server.`);
      return null;
    }
  }
  const inherited: CheckTiming = {
    connectTimeoutMs: timing.connectTimeoutMs ?? vsTiming.connectTimeoutMs,
    retry: timing.retry ?? vsTiming.retry,
    delayBeforeRetryMs: timing.delayBeforeRetryMs ?? vsTiming.delayBeforeRetryMs,
    warmupMs: timing.warmupMs ?? vsTiming.warmupMs,
    delayLoopMs: timing.delayLoopMs ?? vsTiming.delayLoopMs,
  };
  const parent = {
    rs, timing: inherited, virtualhost: draft.virtualhost ?? vsDraft.virtualhost, vsDelayLoopMs: vsTiming.delayLoopMs ?? DEFAULT_DELAY_LOOP_MS,
    logAllFailures: g.checkerLogAllFailures, trackFiles,
  };
  for (const c of checkerStatements) rs.checkers.push(...buildChecker(ctx, c, parent));
  ctx.smtp.realServers.push({ rs, own: draft.smtpAlert });
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
