/**
 * virtual_server, virtual_server_group, real_server and checker blocks → model. Checker
 * timing is inherited checker ← real_server ← virtual_server ← built-in (check_data.c).
 */
import ipaddr from 'ipaddr.js';
import type { BuildContext } from './context';
import { applySection } from './keywords/apply';
import { REAL_SERVER, VIRTUAL_SERVER } from './keywords/lvs';
import { buildChecker, followsServerPort } from './build-checker';
import { groupFamilies, linkFamily } from './link-vsg';
import { rangeLast } from './vsg-format';
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
  /** snmp_name (KEEPALIVED-MIB only). */
  snmpName?: string;
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
  /** snmp_name (KEEPALIVED-MIB only). */
  snmpName?: string;
}

/**
 * A virtual_server block once read (keepalived's parse, with vs_end_handler), before
 * link_vsg_to_vs and validate_check_config: `validateVirtualServer` finishes it.
 */
export interface VirtualServerDraft {
  server: VirtualServer;
  groupWord: Word | null;
  statement: Statement;
  draft: VsDraft;
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
  const { timing, rsStatements, sorryMethod, sorryInhibit, sorry } = draft;
  if (key === null) return null;
  vs.delayLoopMs = timing.delayLoopMs ?? DEFAULT_DELAY_LOOP_MS;
  vs.snmp = {
    retry: timing.retry, delayBeforeRetryMs: timing.delayBeforeRetryMs, warmupMs: timing.warmupMs, connectTimeoutMs: timing.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    delayLoopMs: vs.delayLoopMs, virtualhost: draft.virtualhost, name: draft.snmpName ?? null, weight: draft.rsWeight,
  };
  for (const r of rsStatements) {
    const rs = buildRealServer(ctx, r, vs, draft, g, trackFiles);
    if (rs) vs.realServers.push(rs);
  }
  if (sorry) vs.sorryServer = { address: sorry.address, port: sorry.port, lvsMethod: sorryMethod ?? vs.lvsMethod, inhibit: sorryInhibit };
  settleFamily(ctx, s, vs, draft);
  return { server: vs, groupWord, statement: s, draft };
}

/**
 * What keepalived's validate_check_config() corrects, with its warnings: run once the groups
 * are linked. `member` is the service's place among those naming its group (keepalived shows
 * it as the port of a group service). Null when the service is dropped.
 */
export function validateVirtualServer(ctx: BuildContext, v: VirtualServerDraft, link: LinkedService = { member: 0, group: null }): VirtualServer | null {
  const { server: vs, statement: s, draft } = v;
  const { rsStatements, protocolSet, schedSet, methodSet, hashFlags, sorryMethod } = draft;
  const key = vs.key;
  const { member, group } = link;
  if (key.kind === 'group') vs.groupMember = member;
  const label = (protocolShown: boolean): string => vsLabel(key, vs.protocol, protocolShown, member);
  const name = `Virtual server ${label(protocolSet)}`;
  const warn = (m: string): void => ctx.warn(s.keyword, m);
  if (vs.realServers.length === 0 && rsStatements.length === 0) {
    warn(`${name} has no real servers - ignoring`);
    return null;
  }
  const groupFwmarks = group?.entries.some((e) => e.kind === 'fwmark') ?? false;
  const groupAddresses = group?.entries.some((e) => e.kind !== 'fwmark') ?? false;
  if (vs.haSuspend && (key.kind === 'fwmark' || groupFwmarks)) {
    warn(`${name}: cannot use ha_suspend with fwmarks - clearing ha_suspend`);
    vs.haSuspend = false;
  }
  // The service type as keepalived holds it (0, shown "none", when a fwmark makes it unused).
  let serviceType: string = protocolSet ? vs.protocol.toLowerCase() : 'none';
  if (key.kind === 'addr' || groupAddresses) {
    if (!protocolSet) {
      // Protocol 0 would make the kernel use UDP, so keepalived sets it explicitly.
      warn(`${name}: no protocol set - defaulting to UDP`);
      vs.protocol = 'UDP';
      serviceType = 'udp';
    }
    if (key.kind === 'addr') key.protocol = vs.protocol;
    if (vs.ops && vs.protocol !== 'UDP') {
      warn(`${name}: one packet scheduling requires UDP - resetting`);
      vs.ops = false;
    }
    if (key.kind === 'addr' && key.port === 0 && vs.persistenceTimeout === null) {
      warn(`${name}: zero port only valid for persistent services - setting`);
      vs.persistenceTimeout = DEFAULT_PERSISTENCE_TIMEOUT;
    }
  }
  if (vs.persistenceTimeout === null && group?.entries.some((e) => e.kind !== 'fwmark' && e.port === 0)) {
    warn(`${name}: zero port only valid for persistent services - setting`);
    vs.persistenceTimeout = DEFAULT_PERSISTENCE_TIMEOUT;
  }
  if (protocolSet && (key.kind === 'fwmark' || (groupFwmarks && !groupAddresses))) {
    warn(`Warning: ${name}: protocol specified for fwmark - protocol will be ignored`);
    serviceType = 'none';
  }
  const rsLabel = (rs: { address: string; port: number }): string => `[${rs.address}]:${serviceType}:${rs.port}`;
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
      ctx.diagnostics.push({ severity: 'warning', message: `VS ${label(true)}: real server ${rsLabel(rs)} is duplicated - removing second rs`, location: rs.location });
      continue;
    }
    unique.push(rs);
  }
  vs.realServers = unique;
  for (const rs of vs.realServers) {
    if (rs.lvsMethod === 'NAT') continue;
    // Without NAT the kernel cannot change the port: the real server's is the service's.
    if (key.kind === 'fwmark' && rs.port !== 0) {
      ctx.diagnostics.push({ severity: 'warning', message: `WARNING - fwmark virtual server ${label(true)}, real server ${rsLabel(rs)} has port specified - clearing`, location: rs.location });
      rs.port = 0;
    } else if (key.kind === 'addr' && rs.port !== key.port) {
      ctx.diagnostics.push({ severity: 'warning', message: `WARNING - virtual server ${label(true)} and real server ${rsLabel(rs)} ports don't match - resetting`, location: rs.location });
      rs.port = key.port;
    }
    for (const c of rs.checkers) if (followsServerPort(c)) c.connectPort = rs.port;
  }
  if (group) groupPortWarnings(ctx, vs, group, label(true), rsLabel);
  const weightSum = vs.realServers.reduce((n, r) => n + r.weight, 0);
  if (vs.quorum > weightSum) {
    warn(`Warning - quorum ${vs.quorum} for ${label(true)} exceeds total weight of real servers ${weightSum}, reducing quorum to ${weightSum}`);
    vs.quorum = weightSum;
  }
  if (vs.hysteresis >= vs.quorum && vs.hysteresis > 0) {
    const h = Math.max(0, vs.quorum - 1);
    warn(`${name}: hysteresis ${vs.hysteresis} >= quorum ${vs.quorum}; setting hysteresis to ${h}`);
    vs.hysteresis = h;
  }
  return vs;
}

/**
 * Real servers that name their own forwarding method: the inherited value is re-derived for
 * the others after keepalived's corrections. Identity marks only (WeakSet), so the model
 * objects stay plain data.
 */
const ownMethod = new WeakSet<RealServer>();

/**
 * validate_check_config's port checks for a group service, warnings only (the kernel takes each
 * entry's port for its non-NAT destinations): fwmark entries first, then each address entry.
 */
function groupPortWarnings(ctx: BuildContext, vs: VirtualServer, group: VirtualServerGroup, label: string, rsLabel: (rs: { address: string; port: number }) => string): void {
  const notNat = vs.realServers.filter((r) => r.lvsMethod !== 'NAT');
  const sorry = vs.sorryServer && vs.sorryServer.lvsMethod !== 'NAT' && vs.sorryServer.port !== 0 ? vs.sorryServer : null;
  const push = (message: string, location = vs.location): void => { ctx.diagnostics.push({ severity: 'warning', message, location }); };
  if (group.entries.some((e) => e.kind === 'fwmark')) {
    for (const rs of notNat) if (rs.port !== 0) push(`WARNING - fwmark virtual server ${label}, real server ${rsLabel(rs)} has port specified - port will be ignored`, rs.location);
    if (sorry) push(`WARNING - fwmark virtual server ${label}, sorry server has port specified - port will be ignored`);
  }
  for (const e of group.entries) {
    if (e.kind === 'fwmark') continue;
    const entry = e.kind === 'addr' ? `${e.address},${e.port}` : `${e.address}-${rangeLast(e)},${e.port}`;
    for (const rs of notNat) {
      if (rs.port !== 0 && rs.port !== e.port) push(`virtual server ${label}:[${entry}] and real server ${rsLabel(rs)} ports don't match`, rs.location);
    }
    if (sorry && sorry.port !== e.port) push(`WARNING - virtual server ${label}, sorry server has port specified - port will be ignored`);
  }
}

/** keepalived's FMT_VS: `[GROUP]:MEMBER`, `FWM N` or `[ADDRESS]:PROTOCOL:PORT`. */
export function vsLabel(key: VirtualServerKey, protocol: Protocol, protocolSet: boolean, member = 0): string {
  if (key.kind === 'fwmark') return `FWM ${key.fwmark}`;
  if (key.kind === 'group') return `[${key.group}]:${member}`;
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
      ctx.warn(s.keyword, `Address family of virtual server and sorry server ${sorry.address} don't match - skipping sorry server.`);
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
      ctx.warn(addrWord, `Address family of virtual server and real server ${a.address} don't match - skipping real server.`);
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
  rs.snmp = {
    retry: inherited.retry, delayBeforeRetryMs: inherited.delayBeforeRetryMs, warmupMs: inherited.warmupMs,
    connectTimeoutMs: inherited.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, delayLoopMs: inherited.delayLoopMs ?? DEFAULT_DELAY_LOOP_MS,
    virtualhost: draft.virtualhost, name: draft.snmpName ?? null,
  };
  ctx.smtp.realServers.push({ rs, own: draft.smtpAlert });
  return rs;
}

/**
 * keepalived's link_vsg_to_vs, run once every block is read: a group service whose group is
 * missing, or whose family the group's entries contradict, is dropped with keepalived's log
 * line (a warning: keepalived carries on); the others take the group's family. Each is returned
 * with its member number, its place among the services naming the same group.
 */
/** A service once linked: its member number in its group and the group (null: not a group service). */
export interface LinkedService {
  member: number;
  group: VirtualServerGroup | null;
}

export function linkGroups(
  ctx: BuildContext, drafts: readonly VirtualServerDraft[], groups: readonly VirtualServerGroup[],
): { draft: VirtualServerDraft; link: LinkedService }[] {
  const linked: { draft: VirtualServerDraft; group: VirtualServerGroup | null }[] = [];
  for (const v of drafts) {
    const key = v.server.key;
    if (key.kind !== 'group' || !v.groupWord) {
      linked.push({ draft: v, group: null });
      continue;
    }
    const label = vsLabel(key, v.server.protocol, false);
    const group = groups.find((g) => g.name === key.group);
    if (!group) {
      ctx.warn(v.groupWord, `Virtual server group ${key.group} specified but not configured - ignoring virtual server ${label}`);
      continue;
    }
    const r = linkFamily(key.group, label, groupFamilies(group.entries), key.family);
    if ('dropped' in r) {
      ctx.warn(v.groupWord, r.dropped);
      continue;
    }
    if (r.note !== null) ctx.warn(v.groupWord, r.note);
    key.family = r.family;
    v.draft.family = r.family;
    linked.push({ draft: v, group });
  }
  const members = new Map<string, number>();
  return linked.map(({ draft, group }) => {
    if (!group) return { draft, link: { member: 0, group } };
    const member = members.get(group.name) ?? 0;
    members.set(group.name, member + 1);
    return { draft, link: { member, group } };
  });
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
      if (n === null) continue;
      const fw = e.args[1];
      const family = fw === undefined ? null : fw.value === 'inet' ? 4 : fw.value === 'inet6' ? 6 : undefined;
      if (family === undefined) ctx.warn(fw!, `(${name.value}): fwmark '${n}' family ${fw!.value} unknown - ignoring`);
      else entries.push({ kind: 'fwmark', fwmark: n, family });
      continue;
    }
    const port = e.args[0] ? ctx.port(e.args[0], 'virtual_server_group') : 0;
    const range = /^(.*)-([0-9A-Fa-f]+)$/.exec(e.keyword.value);
    if (range) {
      const a = ctx.addressWord({ ...e.keyword, value: range[1] }, 'virtual_server_group');
      if (!a || port === null) continue;
      // inet_stor: the range end is decimal for IPv4, hexadecimal for IPv6.
      const last = a.family === 4 ? (/^\d+$/.test(range[2]) ? Number(range[2]) : NaN) : parseInt(range[2], 16);
      const bytes = ipaddr.parse(a.address).toByteArray();
      const firstLast = a.family === 4 ? bytes[3] : (bytes[14] << 8) | bytes[15];
      const max = a.family === 4 ? 255 : 0xffff;
      if (Number.isNaN(last)) {
        ctx.error(e.keyword, `virtual_server_group ${name.value}: bad range '${e.keyword.value}'`);
        continue;
      }
      // inet_stor, then alloc_vsg_entry: both skip the entry and carry on.
      if (last > max) {
        ctx.warn(e.keyword, `Virtual server group range '${e.keyword.value}' end '${range[2]}' too large`);
        continue;
      }
      if (last <= firstLast) {
        ctx.warn(e.keyword, `Address range end is not greater than address range start - ${e.keyword.value} - skipping`);
        continue;
      }
      entries.push({ kind: 'range', address: a.address, family: a.family, last, port });
      continue;
    }
    const a = ctx.addressWord(e.keyword, 'virtual_server_group');
    if (a && port !== null) entries.push({ kind: 'addr', address: a.address, family: a.family, port });
  }
  // vsg_handler: a group left with nothing, or one whose fwmarks cannot take a family, is removed.
  const f = groupFamilies(entries);
  if (entries.length === 0) ctx.warn(s.keyword, `virtual server group ${name.value} has no entries - removing`);
  else if (f.have4 && f.have6 && f.fwmarkNoFamily) ctx.warn(s.keyword, `virtual server group ${name.value} cannot have IPv4, IPv6 and fwmark without family - removing`);
  else return { name: name.value, entries, location: ctx.loc(s.keyword) };
  return null;
}
