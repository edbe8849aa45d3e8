/**
 * virtual_server and real_server (keepalived/check/check_parser.c init_check_keywords). The
 * checker blocks inside real_server are declared in ./checkers.ts.
 */
import ipaddr from 'ipaddr.js';
import type { RealServerDraft, VsDraft } from '../build-lvs';
import type { BuildContext } from '../context';
import { lvsMethod, timingReader } from '../lvs-values';
import type { LvsScheduler, Protocol, ScriptUsers } from '../model';
import type { Statement } from '../parse';
import { CHECKERS } from './checkers';
import { acted, noEffect, notImplemented, section, type KeywordSpec } from './types';

/** Every scheduler the kernel's IPVS knows. */
const SCHEDULERS = new Set<LvsScheduler>(['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos']);
const PROTOCOLS = new Set<Protocol>(['TCP', 'UDP', 'SCTP']);
/** IPVS_SVC_PERSISTENT_TIMEOUT: `persistence_timeout` without a value, and port-0 services. */
export const DEFAULT_PERSISTENCE_TIMEOUT = 360;

type V = VsDraft;

function scheduler(ctx: BuildContext, s: Statement, v: V): void {
  const w = ctx.arg(s, 0, 'a scheduler');
  if (w && SCHEDULERS.has(w.value as LvsScheduler)) {
    v.vs.lvsSched = w.value as LvsScheduler;
    v.schedSet = true;
  } else if (w) ctx.warn(w, `Invalid lvs_scheduler '${w.value}' - ignoring`);
}

function persistenceTimeout(ctx: BuildContext, s: Statement, v: V): void {
  const w = s.args[0];
  if (w === undefined) {
    v.vs.persistenceTimeout = DEFAULT_PERSISTENCE_TIMEOUT;
    return;
  }
  const n = /^\d+$/.test(w.value) ? Number(w.value) : NaN;
  // keepalived: "persistence_timeout invalid", and the service stays as it was.
  if (!(n >= 1 && n <= 2678400)) ctx.warn(w, 'persistence_timeout invalid');
  else v.vs.persistenceTimeout = n;
}

function granularity(ctx: BuildContext, s: Statement, v: V): void {
  const w = ctx.arg(s, 0, 'a netmask');
  if (!w) return;
  if (ipaddr.IPv4.isValidFourPartDecimal(w.value) && ipaddr.IPv4.parse(w.value).prefixLengthFromSubnetMask() !== null) v.vs.persistenceGranularity = w.value;
  else if (/^\d+$/.test(w.value) && Number(w.value) <= 128) v.vs.persistenceGranularity = w.value;
  else return ctx.error(w, `persistence_granularity: '${w.value}' is not a netmask`);
  // pgr_handler: a service of no family yet takes the granularity's (a dotted mask is IPv4).
  v.family ??= w.value.includes('.') ? 4 : 6;
}

function quorum(ctx: BuildContext, s: Statement, v: V): void {
  const w = ctx.arg(s, 0, 'a number');
  if (!w) return;
  const n = /^\d+$/.test(w.value) ? Number(w.value) : NaN;
  if (!(n >= 1 && n <= 4294967295)) {
    ctx.warn(w, `Quorum ${w.value} must be in [1, 4294967295]. Setting to 1.`);
    v.vs.quorum = 1;
  } else v.vs.quorum = n;
}

function protocol(ctx: BuildContext, s: Statement, v: V): void {
  const w = ctx.arg(s, 0, 'TCP, UDP or SCTP');
  if (w && PROTOCOLS.has(w.value.toUpperCase() as Protocol)) {
    v.vs.protocol = w.value.toUpperCase() as Protocol;
    v.protocolSet = true;
  } else if (w) ctx.error(w, `protocol: unknown protocol '${w.value}' (TCP, UDP or SCTP)`);
}

function sorryServer(ctx: BuildContext, s: Statement, v: V): void {
  const w = ctx.arg(s, 0, 'an IP address');
  if (!w) return;
  const a = ctx.addressWord(w, 'sorry_server', true);
  const pw = s.args[1];
  const p = pw === undefined ? v.port : /^\d+$/.test(pw.value) && Number(pw.value) >= 1 && Number(pw.value) <= 65535 ? Number(pw.value) : null;
  if (a && p !== null) v.sorry = { address: a.address, port: p };
  else ctx.warn(w, `Invalid sorry server IP address ${w.value} - skipping`);
}

/** keepalived 2.2.7 reads snmp_name only in check_snmp.c (KEEPALIVED-MIB's checker tables) and its config dump. */
const SNMP_NAME = "virtualServerName / realServerName in KEEPALIVED-MIB's checker tables (enable_snmp_checker); nothing else reads it, in keepalived too";
const snmpName = (ctx: BuildContext, s: Statement, d: { snmpName?: string }): void => { d.snmpName = ctx.str(s) ?? d.snmpName; };

/** `persistence_engine NAME`: keepalived copies it into pe_name[IP_VS_PENAME_MAXLEN + 1], cutting it with a warning. */
function persistenceEngine(ctx: BuildContext, s: Statement, v: V): void {
  const w = ctx.arg(s, 0, 'a persistence engine name');
  if (!w) return;
  if (w.value.length > 15) ctx.warn(w, `persistence_name too long, truncating - ${w.value}`);
  v.vs.persistenceEngine = w.value.slice(0, 15);
}

/** `ip_family inet|inet6`; an unknown family or one that conflicts with the service's address is warned and ignored, as keepalived. */
function ipFamily(ctx: BuildContext, s: Statement, v: V): void {
  const w = ctx.arg(s, 0, 'inet or inet6');
  if (!w) return;
  const af = w.value === 'inet' ? 4 : w.value === 'inet6' ? 6 : null;
  if (af === null) ctx.warn(w, `unknown address family ${w.value}`);
  else if (v.family !== null && v.family !== af) ctx.warn(w, `Virtual server specified family ${w.value} conflicts with server family`);
  else v.family = af;
}

/** A real server weight: keepalived takes 0-2147483647 and ignores anything else with a warning. */
function weight(what: string, min: number) {
  return (ctx: BuildContext, w: import('../parse').Word): number | null => {
    const n = /^\d+$/.test(w.value) ? Number(w.value) : NaN;
    if (!(n >= min && n <= 2147483647)) {
      ctx.warn(w, `${what} weight ${w.value} is outside range ${min}-2147483647`);
      return null;
    }
    return n;
  };
}
/**
 * notify_up/notify_down/quorum_up/quorum_down SCRIPT [USER [GROUP]] (keepalived's
 * notify_script_init): the command, and who runs it when a user is given (an unknown user or
 * group drops the script with keepalived's line).
 */
function scriptAs(ctx: BuildContext, s: Statement, users: ScriptUsers | undefined, which: 'up' | 'down'): { argv: string[] | null; users: ScriptUsers | undefined } {
  const c = ctx.commandAs(s);
  const rest = { ...users };
  delete rest[which];
  const next = c && c.runAs !== undefined ? { ...rest, [which]: c.runAs } : rest;
  return { argv: c ? c.argv : null, users: Object.keys(next).length > 0 ? next : undefined };
}

function vsScript(which: 'up' | 'down') {
  return (ctx: BuildContext, s: Statement, v: V): void => {
    const r = scriptAs(ctx, s, v.vs.quorumRunAs, which);
    if (which === 'up') v.vs.quorumUp = r.argv;
    else v.vs.quorumDown = r.argv;
    if (r.users) v.vs.quorumRunAs = r.users;
    else delete v.vs.quorumRunAs;
  };
}

function rsScript(which: 'up' | 'down') {
  return (ctx: BuildContext, s: Statement, d: RealServerDraft): void => {
    const r = scriptAs(ctx, s, d.rs.notifyRunAs, which);
    if (which === 'up') d.rs.notifyUp = r.argv;
    else d.rs.notifyDown = r.argv;
    if (r.users) d.rs.notifyRunAs = r.users;
    else delete d.rs.notifyRunAs;
  };
}

const rsWeight = weight('Real server', 0);
const vsWeight = weight('Virtual server', 1);

function threshold(ctx: BuildContext, s: Statement): number | null {
  const w = ctx.arg(s, 0, 'a number');
  if (!w) return null;
  const n = /^\d+$/.test(w.value) ? Number(w.value) : NaN;
  if (!(n >= 0 && n <= 4294967295)) {
    ctx.warn(w, `Invalid real_server ${s.keyword.value} '${w.value}' - ignoring`);
    return null;
  }
  return n;
}

const flag = (set: (v: V) => void) => (_c: BuildContext, _s: Statement, v: V): void => set(v);

const VS: KeywordSpec<V>[] = [
  acted('ip_family', 'ip_family_handler', 'from the addresses', 'inet or inet6: the family of a fwmark or group service', ipFamily),
  acted('retry', 'vs_retry_handler', '1', "checkers' retry", timingReader('retry')),
  acted('delay_before_retry', 'vs_delay_before_retry_handler', '1', "checkers' delay_before_retry", timingReader('delayBeforeRetryMs')),
  acted('warmup', 'vs_warmup_handler', 'delay_loop', "checkers' warmup", timingReader('warmupMs')),
  acted('connect_timeout', 'vs_co_timeout_handler', '5', "checkers' connect_timeout", timingReader('connectTimeoutMs')),
  acted('delay_loop', 'vs_delay_handler', '60', 'invalid: warned and ignored, as keepalived', timingReader('delayLoopMs', "virtual server delay loop '%s' invalid - ignoring")),
  acted('inhibit_on_failure', 'vs_inhibit_handler', 'off', 'default of its real servers', (ctx, s, v) => { v.vs.inhibitOnFailure = ctx.flag(s); }),
  acted('lb_algo', 'lbalgo_handler', 'wlc', '', scheduler),
  acted('lvs_sched', 'lbalgo_handler', 'wlc', '', scheduler),
  acted('hashed', 'lbflags_handler', 'off', 'sh/mh only', (_c, s, v) => { v.hashFlags.push(s.keyword); }),
  acted('ops', 'lbflags_handler', 'off', 'one-packet scheduling (UDP only)', flag((v) => { v.vs.ops = true; })),
  acted('flag-1', 'lbflags_handler', 'off', '', flag((v) => { v.vs.schedFlags.flag1 = true; })),
  acted('flag-2', 'lbflags_handler', 'off', '', flag((v) => { v.vs.schedFlags.flag2 = true; })),
  acted('flag-3', 'lbflags_handler', 'off', '', flag((v) => { v.vs.schedFlags.flag3 = true; })),
  acted('sh-port', 'lbflags_handler', 'off', 'sh only', (_c, s, v) => { v.hashFlags.push(s.keyword); }),
  acted('sh-fallback', 'lbflags_handler', 'off', 'sh only', (_c, s, v) => { v.hashFlags.push(s.keyword); }),
  acted('mh-port', 'lbflags_handler', 'off', 'mh only', (_c, s, v) => { v.hashFlags.push(s.keyword); }),
  acted('mh-fallback', 'lbflags_handler', 'off', 'mh only', (_c, s, v) => { v.hashFlags.push(s.keyword); }),
  acted('lb_kind', 'vs_forwarding_handler', 'NAT', 'NAT, DR or TUN; TUN options are refused as not implemented', (ctx, s, v) => { const m = lvsMethod(ctx, s, 'virtual server'); if (m) { v.vs.lvsMethod = m; v.methodSet = true; } }),
  acted('lvs_method', 'vs_forwarding_handler', 'NAT', 'NAT, DR or TUN; TUN options are refused as not implemented', (ctx, s, v) => { const m = lvsMethod(ctx, s, 'virtual server'); if (m) { v.vs.lvsMethod = m; v.methodSet = true; } }),
  acted('persistence_engine', 'pengine_handler', 'none', "the IPVS persistence engine (IPVS_SVC_ATTR_PE_NAME; the kernel's is sip); a longer name than 15 characters is cut, as keepalived", persistenceEngine),
  acted('persistence_timeout', 'pto_handler', 'not persistent (360 when given without a value)', 'out of 1-2678400: warned and ignored, as keepalived', persistenceTimeout),
  acted('persistence_granularity', 'pgr_handler', '255.255.255.255', '', granularity),
  acted('protocol', 'proto_handler', 'TCP (UDP with a warning when none is given)', '', protocol),
  acted('ha_suspend', 'hasuspend_handler', 'off', "the virtual server's checkers send no probe while its address is on none of the host's interfaces (keepalived 2.2.7: a group's never is, fwmarks clear it)", (ctx, s, v) => { v.vs.haSuspend = ctx.flag(s); }),
  acted('smtp_alert', 'vs_smtp_alert_handler', 'smtp_alert_checker, else smtp_alert, else off', 'mail on quorum gained/lost (keepalived\'s subjects and bodies)', (ctx, s, v) => { v.smtpAlert = s.args[0] ? ctx.bool(s) : true; }),
  acted('virtualhost', 'vs_virtualhost_handler', '', 'the Host header of HTTP_GET/SSL_GET checks that name none', (ctx, s, d) => { d.virtualhost = ctx.str(s) ?? d.virtualhost; }),
  acted('snmp_name', 'vs_snmp_name_handler', '', SNMP_NAME, snmpName),
  acted('alpha', 'vs_alpha_handler', 'off', 'real servers start down until their first check succeeds', (ctx, s, v) => { v.vs.alpha = ctx.flag(s); }),
  acted('omega', 'omega_handler', 'off', 'notify_down and quorum_down scripts run at stop', (ctx, s, v) => { v.vs.omega = ctx.flag(s); }),
  acted('quorum_up', 'quorum_up_handler', '', '', vsScript('up')),
  acted('quorum_down', 'quorum_down_handler', '', '', vsScript('down')),
  acted('quorum', 'quorum_handler', '1', 'out of range: warned, 1 as keepalived', quorum),
  acted('hysteresis', 'hysteresis_handler', '0', '', (ctx, s, v) => { v.vs.hysteresis = ctx.int(s, 0, 4294967295) ?? v.vs.hysteresis; }),
  acted('weight', 'vs_weight_handler', '1', 'default weight of its real servers', (ctx, s, v) => { const w = ctx.arg(s, 0, 'a number'); const n = w ? vsWeight(ctx, w) : null; if (n !== null) v.rsWeight = n; }),
  acted('sorry_server', 'ssvr_handler', '', '', sorryServer),
  acted('sorry_server_inhibit', 'ssvri_handler', 'off', '', (ctx, s, v) => { v.sorryInhibit = ctx.bool(s); }),
  acted('sorry_server_lvs_method', 'ss_forwarding_handler', "the service's", '', (ctx, s, v) => { v.sorryMethod = lvsMethod(ctx, s, 'sorry server'); }),
  acted('real_server', 'rs_handler', '', '', (_c, s, v) => { v.rsStatements.push(s); }),
];

export const VIRTUAL_SERVER = section<V>('virtual_server', VS);

type R = RealServerDraft;

const RS: KeywordSpec<R>[] = [
  acted('weight', 'rs_weight_handler', "the service's weight, else 1", 'out of 0-2147483647: warned and ignored, as keepalived', (ctx, s, r) => { const w = ctx.arg(s, 0, 'a number'); const n = w ? rsWeight(ctx, w) : null; if (n !== null) r.rs.weight = n; }),
  acted('lvs_method', 'rs_forwarding_handler', "the service's", '', (ctx, s, r) => { const m = lvsMethod(ctx, s, 'real server'); if (m) { r.rs.lvsMethod = m; r.ownMethod = true; } }),
  acted('uthreshold', 'uthreshold_handler', '0 (none)', 'invalid: warned and ignored, as keepalived', (ctx, s, r) => { r.rs.uthreshold = threshold(ctx, s) ?? r.rs.uthreshold; }),
  acted('lthreshold', 'lthreshold_handler', '0 (none)', 'invalid: warned and ignored, as keepalived', (ctx, s, r) => { r.rs.lthreshold = threshold(ctx, s) ?? r.rs.lthreshold; }),
  acted('inhibit_on_failure', 'rs_inhibit_handler', "the service's", '', (ctx, s, r) => { r.rs.inhibitOnFailure = ctx.bool(s); }),
  acted('notify_up', 'notify_up_handler', '', '', rsScript('up')),
  acted('notify_down', 'notify_down_handler', '', '', rsScript('down')),
  acted('alpha', 'rs_alpha_handler', "the service's", '', (ctx, s, r) => { r.rs.alpha = ctx.bool(s); }),
  acted('retry', 'rs_retry_handler', "the service's", "checkers' retry", timingReader('retry')),
  acted('delay_before_retry', 'rs_delay_before_retry_handler', "the service's", "checkers' delay_before_retry", timingReader('delayBeforeRetryMs')),
  acted('warmup', 'rs_warmup_handler', "the service's", "checkers' warmup", timingReader('warmupMs')),
  acted('connect_timeout', 'rs_co_timeout_handler', "the service's", "checkers' connect_timeout", timingReader('connectTimeoutMs')),
  acted('delay_loop', 'rs_delay_handler', "the service's", "checkers' delay_loop", timingReader('delayLoopMs', "real server delay_loop '%s' invalid - ignoring")),
  acted('smtp_alert', 'rs_smtp_alert_handler', 'smtp_alert_checker, else smtp_alert, else on', 'mail on each checker change (keepalived\'s subjects and bodies per checker kind)', (ctx, s, r) => { r.smtpAlert = s.args[0] ? ctx.bool(s) : true; }),
  acted('virtualhost', 'rs_virtualhost_handler', '', 'the Host header of HTTP_GET/SSL_GET checks that name none', (ctx, s, r) => { r.virtualhost = ctx.str(s) ?? r.virtualhost; }),
  acted('snmp_name', 'rs_snmp_name_handler', '', SNMP_NAME, snmpName),
  ...CHECKERS,
];

export const REAL_SERVER = section<R>('virtual_server/real_server', RS);
