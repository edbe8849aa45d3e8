/**
 * global_defs (keepalived/core/global_parser.c, init_global_keywords). Every keyword keepalived
 * 2.2.7 installs there, in its order.
 */
import { statSync } from 'node:fs';
import { parseGarpExtraIf } from '../vmac-values';
import type { BuildContext } from '../context';
import type { GlobalDefs, LvsSyncDaemon } from '../model';
import type { Statement, Word } from '../parse';
import { acted, noEffect, notImplemented, section, type KeywordSpec } from './types';
import { notifyFifoPath, notifyFifoScript, trueFalse } from '../notify-fifo-values';
import { applyIncludeCheck } from '../include-check';

/** `vrrp_garp_extra_if SECS [all]` (and its deprecated spelling): 1-86400 seconds; `all` sticks even when the time is bad. */
function garpExtraIfGlobal(ctx: BuildContext, s: Statement, g: GlobalDefs): void {
  const name = s.keyword.value;
  if (name === 'vrrp_vmac_garp_intvl') ctx.warn(s.keyword, 'Keyword "vrrp_vmac_garp_intvl" is deprecated - please use "vrrp_garp_extra_if"');
  const r = parseGarpExtraIf(s.args.map((a) => a.value), 1);
  if (r.all) g.vrrpGarpExtraIf.all = true;
  if (r.invalid !== null) return ctx.warn(s.args.find((a) => a.value === r.invalid)!, `${name} '${r.invalid}' invalid - ignoring`);
  if (r.sec === null) return ctx.warn(s.keyword, `${name} specified without time - ignoring`);
  g.vrrpGarpExtraIf.sec = r.sec;
}

type G = GlobalDefs;

const KEEPALIVED_MIB_VRRP = "KEEPALIVED-MIB's global and VRRP objects served to snmpd over AgentX, as keepalived 2.2.7 serves them, and with enable_traps its vrrpInstanceStateChange and vrrpSyncGroupStateChange (not the checker objects: enable_snmp_checker)";
function snmpVrrp(_ctx: BuildContext, _s: Statement, g: G): void {
  g.enableSnmpVrrp = true;
}

/** Keep what was written in `other`, so `--dump` shows it even though nothing reads it. */
function keep(_ctx: BuildContext, s: Statement, g: G): void {
  g.other[s.keyword.value] = s.block ? s.block.flatMap((b) => [b.keyword.value, ...b.args.map((w) => w.value)]) : s.args.map((w) => w.value);
}

/** A keyword keepalived 2.2.7 only parses when built with an option Debian's build lacks. */
function notBuilt(_ctx: BuildContext, s: Statement, g: G): void {
  _ctx.unknown(s, 'global_defs');
  void g;
}

/** `keyword [on|off]`: asks for the feature unless the argument turns it off. */
const onUnlessOff = (s: Statement): boolean => !/^(off|false|no)$/i.test(s.args[0]?.value ?? '');

const DBUS_SHORT = "keepalived 2.2.7's D-Bus interface, src/daemon/dbus";
const DBUS =
  "keepalived 2.2.7's D-Bus interface on the system bus (DBUS_SYSTEM_BUS_ADDRESS honoured, as GIO does): org.keepalived.Vrrp1 (or dbus_service_name), the Vrrp object and one Instance object per VRRP instance at keepalived's paths, Name and State, VrrpStarted, VrrpStatusChange, VrrpReloaded, VrrpStopped, SendGarp and ReloadConfig as keepalived; PrintData and PrintStats write `halo status` (not keepalived's dump format) to keepalived.data (named after net_namespace and instance with data_use_instance) and keepalived.stats in $TMPDIR or /tmp, as keepalived; PrintStatsClear is refused with NotSupported (halo's counters feed its metrics and are never cleared); CreateInstance/DestroyInstance absent, as in Debian's build (no --enable-dbus-create-instance)";
const PROCESS_TUNING = "tunes keepalived's own child process (scheduling, memory locking, CPU, rlimits); halo's worker is one Node.js process and is left to the OS scheduler";
const NAMES = "names keepalived's child processes; halo's have fixed names (halo_supervisor, and node for the worker)";
const NL_BUFS = "sizes the receive buffers of keepalived's own netlink sockets; halo sizes its own";
const SMTP = 'SMTP alerts on VRRP instance and sync group state changes (subjects, bodies and dialogue as keepalived 2.2.7)';
const FIFO = 'notify FIFO';
const NFT = "the nftables rules dropping traffic to the VIPs of non-accept instances (vrrp_strict / no_accept), as keepalived's tables, chains and sets, through Debian's nft";
const NFT_IPVS = 'a virtual_server_group of addresses runs as one IPVS fwmark service per protocol, the fwmark set by an nftables map (keepalived\'s table, chain and map, through Debian\'s nft)';

/** NFT_TABLE_MAXNAMELEN: the kernel's limit on a table name, with its NUL. */
const NFT_TABLE_MAXNAMELEN = 256;

/** `nftables [TABLE]`: the first one wins; it resets the chain priority to -1, as keepalived does. */
function nftablesTable(ctx: BuildContext, s: Statement, g: G): void {
  if (g.nftables.table !== null) {
    ctx.warn(s.keyword, 'nftables already specified - ignoring');
    return;
  }
  const name = s.args[0]?.value ?? 'keepalived';
  if (name.length >= NFT_TABLE_MAXNAMELEN) {
    ctx.warn(s.args[0] ?? s.keyword, 'nftables table name too long - ignoring');
    return;
  }
  // nft's language writes identifiers only (keepalived, building netlink itself, takes any name)
  if (!/^[A-Za-z][A-Za-z0-9_/.\\-]*$/.test(name)) {
    ctx.unimplemented(s.args[0]!, `nftables table name '${name}' (halo writes its rules with nft, which takes identifiers only)`);
    return;
  }
  g.nftables.table = name;
  g.nftables.priority = -1;
}

/** `nftables_priority N` (any int32). */
function nftablesPriority(ctx: BuildContext, s: Statement, g: G): void {
  const w = s.args[0];
  const n = w && /^[-+]?\d+$/.test(w.value) ? Number(w.value) : NaN;
  if (!(Number.isInteger(n) && n >= -2147483648 && n <= 2147483647)) {
    ctx.warn(w ?? s.keyword, `invalid nftables chain priority '${w?.value ?? ''}'`);
    return;
  }
  g.nftables.priority = n;
}

/**
 * `nftables_ipvs [TABLE]` (default keepalived_ipvs): the first one wins; it resets the chain
 * priority to -1 and the first fwmark to 1000, as keepalived's ipvs_nftables_handler does.
 */
function nftablesIpvs(ctx: BuildContext, s: Statement, g: G): void {
  if (g.nftablesIpvs.table !== null) {
    ctx.warn(s.keyword, 'ipvs nftables already specified - ignoring');
    return;
  }
  const name = s.args[0]?.value ?? 'keepalived_ipvs';
  if (name.length >= 32) { // NFT_TABLE_MAXNAMELEN
    ctx.warn(s.args[0] ?? s.keyword, 'ipvs nftables table name too long - ignoring');
    return;
  }
  if (!/^[A-Za-z][A-Za-z0-9_/.\\-]*$/.test(name)) {
    ctx.unimplemented(s.args[0]!, `nftables_ipvs table name '${name}' (halo writes its rules with nft, which takes identifiers only)`);
    return;
  }
  g.nftablesIpvs = { table: name, priority: -1, startFwmark: 1000 };
}

/** `nftables_ipvs_priority N` (any int32) and `nftables_ipvs_start_fwmark N` (1-4294967295). */
function nftablesIpvsNumber(which: 'priority' | 'startFwmark') {
  const [min, max, what] = which === 'priority' ? [-2147483648, 2147483647, 'chain priority'] : [1, 4294967295, 'start_fwmark priority'];
  return (ctx: BuildContext, s: Statement, g: G): void => {
    const w = s.args[0];
    const n = w && /^[-+]?\d+$/.test(w.value) ? Number(w.value) : NaN;
    if (!(Number.isInteger(n) && n >= min && n <= max)) ctx.warn(w ?? s.keyword, `invalid ipvs nftables ${what} '${w?.value ?? ''}'`);
    else g.nftablesIpvs[which] = n;
  };
}

/** vrrp_iptables on a keepalived built without iptables (Debian's): the default nftables table. */
function vrrpIptables(ctx: BuildContext, s: Statement, g: G): void {
  ctx.warn(s.keyword, "iptables not supported, using nftables instead. Please replace 'vrrp_iptables and 'vrrp_ipsets' with 'nftables' config option");
  keep(ctx, s, g);
  g.nftables.table = 'keepalived';
  g.nftables.priority = -1;
}

/** `config_save_dir DIR` (global_parser.c): an existing non-directory is refused; a missing one is made at run time. */
function configSaveDir(ctx: BuildContext, s: Statement, g: G): void {
  const w = s.args[0];
  if (!w) {
    ctx.warn(s.keyword, 'config_save_dir requires a directory');
    return;
  }
  let st: ReturnType<typeof statSync> | undefined;
  try {
    st = statSync(w.value);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      ctx.warn(w, `config_save_dir ${w.value} error ${(err as NodeJS.ErrnoException).errno ?? ''} - ${(err as Error).message}`);
      return;
    }
  }
  if (st && !st.isDirectory()) {
    ctx.warn(w, `config_save_dir ${w.value} exists and is not a directory`);
    return;
  }
  g.configSaveDir = w.value.length > 1 ? w.value.replace(/\/$/, '') : w.value;
}

/** `startup_script|shutdown_script SCRIPT [USER [GROUP]]` (global_parser.c startup_shutdown_script). */
function startStopScript(ctx: BuildContext, s: Statement, g: G, type: 'startup' | 'shutdown'): void {
  const key = type === 'startup' ? 'startupScript' : 'shutdownScript';
  if (g[key] !== null) {
    ctx.warn(s.keyword, `${type} script already specified`);
    return;
  }
  if (s.args.length === 0) {
    ctx.warn(s.keyword, `${type} script missing`);
    return;
  }
  const r = ctx.commandAs(s, type);
  if (r) g[key] = { argv: r.argv, runAs: r.runAs, location: ctx.loc(s.keyword) };
}

/** `startup_script_timeout|shutdown_script_timeout SECS`, 1-1000 (global_parser.c). */
function startStopTimeout(ctx: BuildContext, s: Statement, g: G, type: 'startup' | 'shutdown'): void {
  const w = s.args[0];
  if (!w) {
    ctx.warn(s.keyword, `${type}_script_timeout requires value`);
    return;
  }
  const n = /^\d+$/.test(w.value) ? Number(w.value) : NaN;
  if (!(n >= 1 && n <= 1000)) {
    ctx.warn(w, `${type}_script_timeout '${w.value}' must be in [1, 1000] - ignoring`);
    return;
  }
  g[type === 'startup' ? 'startupScriptTimeoutS' : 'shutdownScriptTimeoutS'] = n;
}

/** `smtp_server ADDRESS|NAME [PORT]` (keepalived: default port 25). */
function smtpServer(ctx: BuildContext, s: Statement, g: G): void {
  keep(ctx, s, g);
  ctx.smtp.server = s.keyword;
  const host = ctx.arg(s, 0, 'an address or host name');
  if (!host) return;
  let port = 25;
  if (s.args[1]) {
    const p = /^\d+$/.test(s.args[1].value) ? Number(s.args[1].value) : NaN;
    if (!(p >= 1 && p <= 65535)) {
      ctx.warn(s.args[1], `Invalid smtp server ${host.value} ${s.args[1].value}`);
      return;
    }
    port = p;
  }
  if (!/^[A-Za-z0-9.:_-]+$/.test(host.value)) {
    ctx.warn(host, `Invalid smtp server ${host.value} ${s.args[1]?.value ?? ''}`.trimEnd());
    return;
  }
  g.smtp.server = { host: host.value, port };
}

/** `smtp_connect_timeout N`: seconds, 0 becomes 1 (keepalived's words). */
function smtpTimeout(ctx: BuildContext, s: Statement, g: G): void {
  keep(ctx, s, g);
  const w = ctx.arg(s, 0, 'seconds');
  if (!w) return;
  const n = /^\d+$/.test(w.value) ? Number(w.value) : NaN;
  if (!(n >= 0 && n <= 2147483)) {
    ctx.warn(w, `smtp_connect_timeout '${w.value}' must be in [0, 2147483] - ignoring`);
    return;
  }
  if (n === 0) ctx.warn(w, 'smtp_conect_timeout must be greater than 0, setting to 1');
  g.smtp.connectTimeoutSec = Math.max(1, n);
}

/**
 * `lvs_sync_daemon IF [inst] INSTANCE [id N] [maxlen N] [port N] [ttl N] [group ADDR]` as
 * keepalived 2.2.7's lvs_syncd_handler reads it: the instance by position 2 or after `inst`, a
 * bare number in position 3 is the sync id (old form); bad values are ignored with its words.
 * Without an instance the checker side runs both the master and the backup daemon.
 */
function lvsSyncDaemon(ctx: BuildContext, s: Statement, g: G): void {
  if (g.lvsSyncDaemon) {
    ctx.warn(s.keyword, `lvs_sync_daemon has already been specified as ${g.lvsSyncDaemon.interface} ${g.lvsSyncDaemon.instance ?? ''} - ignoring`);
    return;
  }
  const iface = ctx.arg(s, 0, 'an interface');
  if (!iface) return;
  if (iface.value.length >= 16) {
    ctx.warn(iface, `lvs_sync_daemon interface name '${iface.value}' too long - ignoring`);
    return;
  }
  const d: LvsSyncDaemon = { interface: iface.value, instance: null, syncId: null, maxlen: null, port: null, ttl: null, group: null };
  const a = s.args;
  const uint = (w: Word, min: number, max: number): number | null => {
    const n = /^\d+$/.test(w.value) ? Number(w.value) : NaN;
    return n >= min && n <= max ? n : null;
  };
  for (let i = 1; i < a.length; i++) {
    const opt = a[i];
    const val: Word | undefined = a[i + 1];
    const k = opt.value;
    if (k === 'inst') {
      if (d.instance !== null) ctx.warn(opt, `lvs_sync_daemon vrrp instance has already been specified as ${d.instance} - ignoring`);
      else if (val) d.instance = val.value;
      i++;
      continue;
    }
    const ranges: Record<string, [number, number, string]> = {
      id: [0, 255, 'Invalid syncid (%s) - defaulting to vrid'],
      maxlen: [1, 65535 - 20 - 8, 'Invalid lvs_sync_daemon maxlen (%s) - ignoring'],
      port: [1, 65535, 'Invalid lvs_sync_daemon port (%s) - ignoring'],
      ttl: [1, 255, 'Invalid lvs_sync_daemon ttl (%s) - ignoring'],
    };
    if (k in ranges || k === 'group') {
      if (!val) {
        ctx.warn(opt, k === 'id' ? 'No value specified for lvs_sync_daemon id, defaulting to vrid' : `No value specified for lvs_sync_daemon ${k} - ignoring`);
        continue;
      }
      i++;
      if (k === 'group') {
        const addr = ctx.addressWord(val, 'lvs_sync_daemon group', true);
        if (!addr) ctx.warn(val, `Invalid lvs_sync_daemon group (${val.value}) - ignoring`);
        else if (!isMulticast(addr.address)) ctx.warn(val, `lvs_sync_daemon group address ${val.value} is not multicast - ignoring`);
        else d.group = addr.address;
        continue;
      }
      const [min, max, bad] = ranges[k];
      const n = uint(val, min, max);
      if (n === null) ctx.warn(val, bad.replace('%s', val.value));
      else if (k === 'id') d.syncId = n;
      else if (k === 'maxlen') d.maxlen = n;
      else if (k === 'port') d.port = n;
      else d.ttl = n;
      continue;
    }
    // keepalived < 1.3's form: lvs_sync_daemon IF VRRP_INSTANCE [SYNC_ID]
    if (i === 1) {
      d.instance = k;
      continue;
    }
    if (i === 2) {
      const n = uint(opt, 0, 255);
      if (n === null) ctx.warn(opt, `Invalid syncid (${k}) - defaulting to vrid`);
      else {
        ctx.warn(opt, 'Please use keyword "id" before lvs_sync_daemon SYNCID');
        d.syncId = n;
      }
      continue;
    }
    ctx.warn(opt, `Unknown option ${k} specified for lvs_sync_daemon`);
  }
  g.lvsSyncDaemon = d;
}

function isMulticast(address: string): boolean {
  if (address.includes(':')) return /^ff/i.test(address);
  const first = Number(address.split('.')[0]);
  return first >= 224 && first <= 239;
}

function lvsTimeouts(ctx: BuildContext, s: Statement, g: G): void {
  for (let i = 0; i < s.args.length; i += 2) {
    const opt = s.args[i];
    const val = s.args[i + 1];
    const key = opt.value.toLowerCase();
    if (key !== 'tcp' && key !== 'tcpfin' && key !== 'udp') {
      ctx.warn(opt, `lvs_timeouts: unknown option '${opt.value}'`);
      continue;
    }
    if (!val) {
      ctx.error(opt, `lvs_timeouts: '${opt.value}' needs a value`);
      break;
    }
    g.lvsTimeouts[key] = ctx.intWord(val, 0, 86400 * 31, `lvs_timeouts ${key}`);
  }
}

function mcastGroup(family: 4 | 6) {
  return (ctx: BuildContext, s: Statement, g: G): void => {
    const a = ctx.address(s);
    if (a && a.family !== family) ctx.error(s.args[0], `${s.keyword.value}: '${s.args[0].value}' is not an IPv${family} address`);
    else if (a && family === 4) g.vrrpMcastGroup4 = a.address;
    else if (a) g.vrrpMcastGroup6 = a.address;
  };
}

/** vrrp_garp_interval / vrrp_gna_interval: keepalived reads 0.000001-4294.967295 s and ignores anything else. */
function garpInterval(set: (g: G, ms: number) => void) {
  return (ctx: BuildContext, s: Statement, g: G): void => {
    const w = ctx.arg(s, 0, 'a time in seconds');
    if (!w) return;
    const sec = /^\d+(\.\d+)?$|^\.\d+$/.test(w.value) ? Number(w.value) : NaN;
    if (!(sec >= 0.000001 && sec <= 4294.967295)) {
      ctx.warn(w, `${s.keyword.value} '${w.value}' is invalid`);
      return;
    }
    set(g, sec * 1000);
  };
}

function flushOnStop(ctx: BuildContext, s: Statement, g: G): void {
  const v = s.args[0]?.value.toUpperCase();
  if (v === undefined || v === 'ALL') g.lvsFlushOnStop = 'all';
  else if (v === 'VS') g.lvsFlushOnStop = 'vs';
  else ctx.error(s.args[0], `lvs_flush_on_stop: '${s.args[0].value}' is not VS or ALL`);
}

const UMASK_BITS: Record<string, number> = {
  IRUSR: 0o400, IWUSR: 0o200, IXUSR: 0o100, IRGRP: 0o040, IWGRP: 0o020, IXGRP: 0o010, IROTH: 0o004, IWOTH: 0o002, IXOTH: 0o001,
};

/** `umask 022` (C number) or `umask IWGRP | IWOTH`, as keepalived's umask_handler. */
function umask(ctx: BuildContext, s: Statement, g: G): void {
  const first = ctx.arg(s, 0, 'a umask');
  if (!first) return;
  if (/^\d/.test(first.value)) {
    if (s.args.length !== 1) {
      ctx.warn(s.keyword, 'Extra parameter(s) to umask option');
      return;
    }
    const v = /^0[0-7]*$/.test(first.value) ? parseInt(first.value, 8) : /^0x[0-9a-f]+$/i.test(first.value) ? parseInt(first.value, 16) : /^\d+$/.test(first.value) ? Number(first.value) : NaN;
    if (!(v >= 0 && v <= 0o777)) ctx.warn(first, `invalid umask value ${first.value}`);
    else g.umask = v;
    return;
  }
  let bits = 0;
  let needOr = false;
  for (const w of s.args) {
    for (const part of w.value.split(/(\|)/).filter((x) => x !== '')) {
      if (needOr) {
        if (part !== '|') {
          ctx.warn(w, `Invalid umask syntax ${w.value}`);
          return;
        }
        needOr = false;
        continue;
      }
      const bit = UMASK_BITS[part];
      if (bit === undefined) {
        ctx.warn(w, `Unknown umask bit ${part}`);
        return;
      }
      bits |= bit;
      needOr = true;
    }
  }
  if (!needOr) ctx.warn(s.keyword, 'umask missing bit value');
  else g.umask = bits;
}

/** vrrp_min_garp: one GARP, no repeats, no refresh — without overriding values already set. */
function minGarp(ctx: BuildContext, s: Statement, g: G): void {
  if (s.args[0] && !ctx.bool(s)) return;
  if (g.vrrpGarpMasterRepeat === 5) g.vrrpGarpMasterRepeat = 1;
  if (g.vrrpGarpMasterRefreshRepeat === 1) g.vrrpGarpMasterRefreshRepeat = 0;
}

const K: KeywordSpec<G>[] = [
  noEffect('process_names', 'process_names_handler', 'off', NAMES, keep),
  noEffect('process_name', 'process_name_handler', 'keepalived', NAMES, keep),
  noEffect('vrrp_process_name', 'vrrp_process_name_handler', 'keepalived_vrrp', NAMES, keep),
  noEffect('checker_process_name', 'checker_process_name_handler', 'keepalived_healthcheckers', NAMES, keep),
  noEffect('lvs_process_name', 'lvs_process_name_handler', 'keepalived_healthcheckers', `${NAMES} (deprecated alias of checker_process_name)`, keep),
  noEffect('bfd_process_name', 'bfd_process_name_handler', 'keepalived_bfd', NAMES, keep),
  acted('router_id', 'routerid_handler', 'the host name', 'identifies this host in the subject of SMTP alerts', (ctx, s, g) => { g.routerId = ctx.str(s); }),
  acted('notification_email_from', 'emailfrom_handler', 'keepalived@HOSTNAME', 'the From of SMTP alerts', (ctx, s, g) => { keep(ctx, s, g); g.smtp.from = ctx.str(s); }),
  acted('smtp_server', 'smtpserver_handler', '', 'where SMTP alerts go: ADDRESS or host name, PORT default 25', smtpServer),
  acted('smtp_helo_name', 'smtphelo_handler', 'the host name', 'the HELO name of SMTP alerts', (ctx, s, g) => { keep(ctx, s, g); g.smtp.heloName = ctx.str(s); }),
  acted('smtp_connect_timeout', 'smtpto_handler', '30', 'timeout of each step of the SMTP dialogue', smtpTimeout),
  acted('notification_email', 'email_handler', '', 'the recipients of SMTP alerts', (ctx, s, g) => { keep(ctx, s, g); g.smtp.emails.push(...(s.block ?? []).flatMap((b) => [b.keyword.value, ...b.args.map((w) => w.value)])); }),
  acted('smtp_alert', 'smtp_alert_handler', 'unset', SMTP, (ctx, s, g) => { keep(ctx, s, g); g.smtp.alert = s.args[0] ? ctx.bool(s) : true; }),
  acted('startup_script', 'startup_script_handler', '', 'SCRIPT [USER [GROUP]]: run before the VRRP and checker engines start, which wait for it (a failure is logged, and they start anyway)', (ctx, s, g) => startStopScript(ctx, s, g, 'startup')),
  acted('startup_script_timeout', 'startup_script_timeout_handler', '10', 'seconds (1-1000) before the startup script is killed (SIGTERM, then SIGKILL, to its process group)', (ctx, s, g) => startStopTimeout(ctx, s, g, 'startup')),
  acted('shutdown_script', 'shutdown_script_handler', '', 'SCRIPT [USER [GROUP]]: run after the engines have stopped at SIGTERM/SIGINT; halo exits when it ends', (ctx, s, g) => startStopScript(ctx, s, g, 'shutdown')),
  acted('shutdown_script_timeout', 'shutdown_script_timeout_handler', '10', 'seconds (1-1000) before the shutdown script is killed (SIGTERM, then SIGKILL, to its process group)', (ctx, s, g) => startStopTimeout(ctx, s, g, 'shutdown')),
  noEffect('max_auto_priority', 'max_auto_priority_handler', 'off', PROCESS_TUNING, keep),
  noEffect('min_auto_priority_delay', 'min_auto_priority_delay_handler', '', PROCESS_TUNING, keep),
  acted('smtp_alert_vrrp', 'smtp_alert_vrrp_handler', 'unset', SMTP, (ctx, s, g) => { keep(ctx, s, g); g.smtp.alertVrrp = s.args[0] ? ctx.bool(s) : true; }),
  acted('smtp_alert_checker', 'smtp_alert_checker_handler', 'unset', 'default smtp_alert of real and virtual servers', (ctx, s, g) => { keep(ctx, s, g); g.smtp.alertChecker = s.args[0] ? ctx.bool(s) : true; }),
  acted('checker_log_all_failures', 'checker_log_all_failures_handler', 'off', 'default of the checkers\' log_all_failures', (ctx, s, g) => { g.checkerLogAllFailures = ctx.bool(s); }),
  acted('dynamic_interfaces', 'dynamic_interfaces_handler', 'off', 'without it an interface the VRRP side names (instance, track_interface, address, route, rule) must exist at start and reload, else "Non-existent interface specified in configuration" refuses the config; with it a missing one is followed as it appears (FAULT until then). `allow_if_changes` has no effect: halo always follows an interface re-made with a new index', (ctx, s, g) => {
    keep(ctx, s, g);
    g.dynamicInterfaces = true;
    if (s.args[0] && s.args[0].value !== 'allow_if_changes') ctx.warn(s.args[0], `Unknown dynamic_interfaces option '${s.args[0].value}'`);
  }),
  acted('no_email_faults', 'no_email_faults_handler', 'off', 'no SMTP alert on entering FAULT', (ctx, s, g) => { keep(ctx, s, g); g.smtp.noEmailFaults = true; }),
  acted('default_interface', 'default_interface_handler', 'eth0', "the interface of a static_ipaddress that names none (keepalived 2.2.7 uses it for nothing else: a VIP without dev goes on its instance's interface)", (ctx, s, g) => {
    if (!s.args[0]) ctx.warn(s.keyword, 'default_interface requires interface name');
    else g.defaultInterface = s.args[0].value;
  }),
  acted('disable_local_igmp', 'disable_local_igmp_handler', 'off', 'net.ipv4.igmp_link_local_mcast_reports turned off at start (not at a reload, which it cannot change), on again at stop; IPv4 VMACs then get no IGMP firewall entries', (_c, _s, g) => { g.disableLocalIgmp = true; }),
  acted('lvs_timeouts', 'lvs_timeouts', "the kernel's", 'tcp/tcpfin/udp SECS: IPVS connection timeouts (ipvsadm --set), set when the LVS engine starts, the kernel\'s originals put back at stop', lvsTimeouts),
  acted('lvs_flush', 'lvs_flush_handler', 'off', 'flush the whole IPVS table at start', (_c, _s, g) => { g.lvsFlush = true; }),
  acted('lvs_flush_on_stop', 'lvs_flush_on_stop_handler', 'off', 'ALL or VS', flushOnStop),
  acted('lvs_flush_onstop', 'lvs_flush_on_stop_handler', 'off', 'deprecated spelling of lvs_flush_on_stop', flushOnStop),
  acted('lvs_sync_daemon', 'lvs_syncd_handler', '', "the kernel's IPVS connection sync daemon: master while the named instance is MASTER, backup otherwise (both, without an instance)", lvsSyncDaemon),
  acted('vrrp_mcast_group4', 'vrrp_mcast_group4_handler', '224.0.0.18', '', mcastGroup(4)),
  acted('vrrp_mcast_group6', 'vrrp_mcast_group6_handler', 'ff02::12', 'the group IPv6 instances advertise to', mcastGroup(6)),
  acted('vrrp_garp_master_delay', 'vrrp_garp_delay_handler', '5', '', (ctx, s, g) => { g.vrrpGarpMasterDelayMs = ctx.secondsMs(s, 0, 86400) ?? g.vrrpGarpMasterDelayMs; }),
  acted('vrrp_garp_master_repeat', 'vrrp_garp_rep_handler', '5', '', (ctx, s, g) => { g.vrrpGarpMasterRepeat = ctx.int(s, 0, 65535) ?? g.vrrpGarpMasterRepeat; }),
  acted('vrrp_garp_master_refresh', 'vrrp_garp_refresh_handler', '0 (none)', '', (ctx, s, g) => { g.vrrpGarpMasterRefreshMs = ctx.secondsMs(s, 0, 86400) ?? g.vrrpGarpMasterRefreshMs; }),
  acted('vrrp_garp_master_refresh_repeat', 'vrrp_garp_refresh_rep_handler', '1', '', (ctx, s, g) => { g.vrrpGarpMasterRefreshRepeat = ctx.int(s, 0, 65535) ?? g.vrrpGarpMasterRefreshRepeat; }),
  acted('vrrp_garp_lower_prio_delay', 'vrrp_garp_lower_prio_delay_handler', 'vrrp_garp_master_delay', '', (ctx, s, g) => { g.vrrpGarpLowerPrioDelayMs = ctx.secondsMs(s, 0, 86400) ?? g.vrrpGarpLowerPrioDelayMs; }),
  acted('vrrp_garp_lower_prio_repeat', 'vrrp_garp_lower_prio_rep_handler', 'vrrp_garp_master_repeat', '', (ctx, s, g) => { g.vrrpGarpLowerPrioRepeat = ctx.int(s, 0, 65535) ?? g.vrrpGarpLowerPrioRepeat; }),
  acted('vrrp_down_timer_adverts', 'vrrp_down_timer_adverts_handler', '3', '', (ctx, s, g) => { g.vrrpDownTimerAdverts = ctx.int(s, 1, 100) ?? g.vrrpDownTimerAdverts; }),
  acted('vrrp_garp_interval', 'vrrp_garp_interval_handler', '0 (back to back)', "at most one gratuitous ARP per interval on each interface, whatever instance sends it (a burst's repeats that must wait collapse into one, as keepalived's set_default_garp_delay); an interface in a garp_group is paced by the group instead", garpInterval((g, ms) => { g.vrrpGarpIntervalMs = ms; })),
  acted('vrrp_gna_interval', 'vrrp_gna_interval_handler', '0 (back to back)', 'at most one unsolicited neighbour advert per interval on each interface, as vrrp_garp_interval', garpInterval((g, ms) => { g.vrrpGnaIntervalMs = ms; })),
  acted('vrrp_min_garp', 'vrrp_min_garp_handler', 'off', 'one GARP per transition, no refresh, unless set otherwise', minGarp),
  acted('vrrp_garp_extra_if', 'vrrp_vmac_garp_extra_if_handler', '', 'SECS [all]: the default of the instances\' garp_extra_if', garpExtraIfGlobal),
  acted('vrrp_vmac_garp_intvl', 'vrrp_vmac_garp_extra_if_handler', '', 'deprecated spelling of vrrp_garp_extra_if, with keepalived\'s warning', garpExtraIfGlobal),
  acted('vrrp_lower_prio_no_advert', 'vrrp_lower_prio_no_advert_handler', 'off', '', (ctx, s, g) => { g.vrrpLowerPrioNoAdvert = ctx.bool(s); }),
  acted('vrrp_higher_prio_send_advert', 'vrrp_higher_prio_send_advert_handler', 'off', '', (ctx, s, g) => { g.vrrpHigherPrioSendAdvert = ctx.bool(s); }),
  acted('vrrp_version', 'vrrp_version_handler', '2', '', (ctx, s, g) => { const v = ctx.int(s, 2, 3); if (v === 2 || v === 3) g.vrrpVersion = v; }),
  acted('vrrp_iptables', 'vrrp_iptables_handler', '', "Debian's keepalived is built with nftables only: it warns and uses the nftables table keepalived, and so does halo", vrrpIptables),
  noEffect('vrrp_ipsets', 'vrrp_ipsets_handler', '', "only parsed when keepalived is built with libipset, which Debian's 2.2.7 is not: keepalived warns 'Unknown keyword', and so does halo", notBuilt),
  acted('nftables', 'vrrp_nftables_handler', 'keepalived (when an instance needs it)', NFT, nftablesTable),
  acted('nftables_priority', 'vrrp_nftables_priority_handler', '-1', `${NFT}: the chains' priority`, nftablesPriority),
  acted('nftables_ifindex', 'vrrp_nftables_ifindex_handler', 'off', `${NFT}: IPv6 link-local VIPs always matched by interface index`, (_c, _s, g) => { g.nftables.ifindex = true; }),
  acted('nftables_ipvs', 'ipvs_nftables_handler', 'off (table keepalived_ipvs when given no name)', NFT_IPVS, nftablesIpvs),
  acted('nftables_ipvs_priority', 'ipvs_nftables_priority_handler', '-1', `${NFT_IPVS}: the chain's priority`, nftablesIpvsNumber('priority')),
  acted('nftables_ipvs_start_fwmark', 'ipvs_nftables_start_fwmark_handler', '1000', `${NFT_IPVS}: the first fwmark`, nftablesIpvsNumber('startFwmark')),
  acted('nftables_counters', 'nftables_counters_handler', 'off', `${NFT}: a counter in every rule`, (_c, _s, g) => { g.nftables.counters = true; }),
  acted('vrrp_check_unicast_src', 'vrrp_check_unicast_src_handler', 'off', 'drop unicast adverts from addresses not in unicast_peer', (_c, _s, g) => { g.vrrpCheckUnicastSrc = true; }),
  acted('vrrp_skip_check_adv_addr', 'vrrp_check_adv_addr_handler', 'off', '', (ctx, s, g) => { g.vrrpSkipCheckAdvAddr = ctx.bool(s); }),
  acted('vrrp_strict', 'vrrp_strict_handler', 'off', 'RFC strictness: no authentication, no preempt_delay, accept off, lower-priority GARPs off', (_c, _s, g) => { g.vrrpStrict = true; }),
  noEffect('vrrp_priority', 'vrrp_prio_handler', '0', PROCESS_TUNING, keep),
  noEffect('vrrp_no_swap', 'vrrp_no_swap_handler', 'off', PROCESS_TUNING, keep),
  noEffect('vrrp_rt_priority', 'vrrp_rt_priority_handler', '0', PROCESS_TUNING, keep),
  noEffect('vrrp_cpu_affinity', 'vrrp_cpu_affinity_handler', 'all CPUs', PROCESS_TUNING, keep),
  noEffect('vrrp_rlimit_rttime', 'vrrp_rt_rlimit_handler', '10000', PROCESS_TUNING, keep),
  noEffect('vrrp_rlimit_rtime', 'vrrp_rt_rlimit_handler', '10000', `${PROCESS_TUNING} (deprecated spelling)`, keep),
  acted('notify_fifo', 'global_notify_fifo', '', `${FIFO}: VRRP and LVS lines`, notifyFifoPath('global')),
  acted('notify_fifo_script', 'global_notify_fifo_script', '', `${FIFO}: the reader started with the FIFO's path`, notifyFifoScript('global')),
  acted('vrrp_notify_fifo', 'vrrp_notify_fifo', '', `${FIFO}: VRRP lines`, notifyFifoPath('vrrp')),
  acted('vrrp_notify_fifo_script', 'vrrp_notify_fifo_script', '', `${FIFO}: the reader started with the FIFO's path`, notifyFifoScript('vrrp')),
  acted('vrrp_notify_priority_changes', 'vrrp_notify_priority_changes', 'off', "every instance's notify_priority_changes default", (ctx, s, g) => {
    const v = trueFalse(ctx, s, 'global vrrp_notify_priority_changes');
    if (v !== null) g.vrrpNotifyPriorityChanges = v;
  }),
  acted('fifo_write_vrrp_states_on_reload', 'fifo_write_vrrp_states_on_reload', 'off', `${FIFO}: at a reload the groups' and the BACKUP/FAULT instances' unchanged states are written again`, (_c, _s, g) => { g.fifoWriteVrrpStatesOnReload = true; }),
  acted('lvs_notify_fifo', 'lvs_notify_fifo', '', `${FIFO}: real and virtual server lines`, notifyFifoPath('lvs')),
  acted('lvs_notify_fifo_script', 'lvs_notify_fifo_script', '', `${FIFO}: the reader started with the FIFO's path`, notifyFifoScript('lvs')),
  noEffect('checker_priority', 'checker_prio_handler', '0', PROCESS_TUNING, keep),
  noEffect('checker_no_swap', 'checker_no_swap_handler', 'off', PROCESS_TUNING, keep),
  noEffect('checker_rt_priority', 'checker_rt_priority_handler', '0', PROCESS_TUNING, keep),
  noEffect('checker_cpu_affinity', 'checker_cpu_affinity_handler', 'all CPUs', PROCESS_TUNING, keep),
  noEffect('checker_rlimit_rttime', 'checker_rt_rlimit_handler', '10000', PROCESS_TUNING, keep),
  noEffect('checker_rlimit_rtime', 'checker_rt_rlimit_handler', '10000', `${PROCESS_TUNING} (deprecated spelling)`, keep),
  noEffect('bfd_priority', 'bfd_prio_handler', '0', `${PROCESS_TUNING}; halo runs BFD in its one worker, no BFD process`, keep),
  noEffect('bfd_no_swap', 'bfd_no_swap_handler', 'off', `${PROCESS_TUNING}; halo runs BFD in its one worker, no BFD process`, keep),
  noEffect('bfd_rt_priority', 'bfd_rt_priority_handler', '0', `${PROCESS_TUNING}; halo runs BFD in its one worker, no BFD process`, keep),
  noEffect('bfd_cpu_affinity', 'bfd_cpu_affinity_handler', 'all CPUs', `${PROCESS_TUNING}; halo runs BFD in its one worker, no BFD process`, keep),
  noEffect('bfd_rlimit_rttime', 'bfd_rt_rlimit_handler', '10000', `${PROCESS_TUNING}; halo runs BFD in its one worker, no BFD process`, keep),
  noEffect('bfd_rlimit_rtime', 'bfd_rt_rlimit_handler', '10000', `${PROCESS_TUNING}; halo runs BFD in its one worker, no BFD process`, keep),
  acted('snmp_socket', 'snmp_socket_handler', 'unix:/var/agentx/master', 'the AgentX master halo registers with (unix:PATH or [tcp:]HOST:PORT)', (ctx, s, g) => { g.snmpSocket = ctx.str(s); }),
  acted('enable_traps', 'trap_handler', 'off', 'the served MIBs\' notifications through the AgentX master, as keepalived 2.2.7 sends them: vrrpTrapNewMaster and vrrpTrapAuthFailure (enable_snmp_rfcv2), vrrpv3NotifyNewMaster and vrrpv3NotifyProtoError (enable_snmp_rfcv3), vrrpInstanceStateChange and vrrpSyncGroupStateChange (enable_snmp_vrrp); none for a bad checksum or an auth type above 2, which halo finds before matching the advert to an instance', (_ctx, _s, g) => { g.enableTraps = true; }),
  acted('enable_snmp_vrrp', 'snmp_vrrp_handler', 'off', KEEPALIVED_MIB_VRRP, snmpVrrp),
  acted('enable_snmp_keepalived', 'snmp_vrrp_handler', 'off', `deprecated spelling of enable_snmp_vrrp: ${KEEPALIVED_MIB_VRRP}`, snmpVrrp),
  acted('enable_snmp_rfc', 'snmp_rfc_handler', 'off', 'VRRP-MIB (RFC 2787) and VRRPv3-MIB (RFC 6527) together, as enable_snmp_rfcv2 and enable_snmp_rfcv3', (_ctx, _s, g) => { g.enableSnmpRfcv2 = true; g.enableSnmpRfcv3 = true; }),
  acted('enable_snmp_rfcv2', 'snmp_rfcv2_handler', 'off', 'VRRP-MIB (RFC 2787) served to snmpd over AgentX, the rows and values keepalived 2.2.7 serves (its VRRP version 2 IPv4 instances)', (_ctx, _s, g) => { g.enableSnmpRfcv2 = true; }),
  acted('enable_snmp_rfcv3', 'snmp_rfcv3_handler', 'off', 'VRRPv3-MIB (RFC 6527) served to snmpd over AgentX, the rows and values keepalived 2.2.7 serves', (_ctx, _s, g) => { g.enableSnmpRfcv3 = true; }),
  acted('enable_dbus', 'enable_dbus_handler', 'off', DBUS, (_ctx, _s, g) => { g.enableDbus = true; }),
  acted('dbus_service_name', 'dbus_service_name_handler', 'org.keepalived.Vrrp1', `the bus name owned on the system bus (${DBUS_SHORT})`, (ctx, s, g) => {
    if (s.args.length === 0) ctx.warn(s.keyword, 'dbus_service_name missing - ignoring');
    else g.dbusServiceName = ctx.str(s) ?? undefined;
  }),
  acted('enable_snmp_checker', 'snmp_checker_handler', 'off', "KEEPALIVED-MIB's global and checker objects served to snmpd over AgentX, as keepalived 2.2.7 serves them (virtual server groups and members, virtual and real servers with the IPVS counters and rates, LVS sync daemon and timeouts), and with enable_traps its realServerStateChange and virtualServerQuorumStateChange; an SNMP Set of realServerWeight is answered notWritable", (_ctx, _s, g) => { g.enableSnmpChecker = true; }),
  acted('script_user', 'script_user_handler', 'keepalived_script if it exists, else root', 'USER [GROUP]; a user that does not exist leaves every script without a user, and keepalived then drops them', (ctx, s, g) => {
    if (s.args.length === 0) {
      ctx.warn(s.keyword, 'No script username specified');
      return;
    }
    g.scriptUser = s.args[0].value;
    ctx.scriptUser = s;
  }),
  acted('enable_script_security', 'script_security_handler', 'off', 'scripts are refused unless safe, as keepalived', (_c, _s, g) => { g.enableScriptSecurity = true; }),
  noEffect('vrrp_netlink_cmd_rcv_bufs', 'vrrp_netlink_cmd_rcv_bufs_handler', '', NL_BUFS, keep),
  noEffect('vrrp_netlink_cmd_rcv_bufs_force', 'vrrp_netlink_cmd_rcv_bufs_force_handler', 'off', NL_BUFS, keep),
  noEffect('vrrp_netlink_monitor_rcv_bufs', 'vrrp_netlink_monitor_rcv_bufs_handler', '', NL_BUFS, keep),
  noEffect('vrrp_netlink_monitor_rcv_bufs_force', 'vrrp_netlink_monitor_rcv_bufs_force_handler', 'off', NL_BUFS, keep),
  noEffect('process_monitor_rcv_bufs', 'process_monitor_rcv_bufs_handler', '', `${NL_BUFS} (process connector of track_process)`, keep),
  noEffect('process_monitor_rcv_bufs_force', 'process_monitor_rcv_bufs_force_handler', 'off', `${NL_BUFS} (process connector of track_process)`, keep),
  noEffect('lvs_netlink_cmd_rcv_bufs', 'lvs_netlink_cmd_rcv_bufs_handler', '', NL_BUFS, keep),
  noEffect('lvs_netlink_cmd_rcv_bufs_force', 'lvs_netlink_cmd_rcv_bufs_force_handler', 'off', NL_BUFS, keep),
  noEffect('lvs_netlink_monitor_rcv_bufs', 'lvs_netlink_monitor_rcv_bufs_handler', '', NL_BUFS, keep),
  noEffect('lvs_netlink_monitor_rcv_bufs_force', 'lvs_netlink_monitor_rcv_bufs_force_handler', 'off', NL_BUFS, keep),
  acted('rs_init_notifies', 'rs_init_notifies_handler', 'off', "each real server up at start gets its UP notifies (notify_up's script, the FIFO's RS line), as keepalived's init_service_rs", (ctx, s, g) => {
    const v = trueFalse(ctx, s, 'global rs_init_notifies');
    if (v !== null) g.rsInitNotifies = v;
  }),
  acted('no_checker_emails', 'no_checker_emails_handler', 'off', 'a checker change is mailed only when it changes its real server\'s state', (ctx, s, g) => { keep(ctx, s, g); g.smtp.noCheckerEmails = ctx.bool(s); }),
  noEffect('vrrp_rx_bufs_policy', 'vrrp_rx_bufs_policy_handler', '', "sizes keepalived's VRRP receive socket buffers; halo sizes its own", keep),
  noEffect('vrrp_rx_bufs_multiplier', 'vrrp_rx_bufs_multiplier_handler', '3', "sizes keepalived's VRRP receive socket buffers; halo sizes its own", keep),
  acted('vrrp_startup_delay', 'vrrp_startup_delay_handler', '0', 'SECS (0.001 and up): no instance leaves BACKUP before this long after halo starts (not after a reload)', (ctx, s, g) => {
    const w = s.args[0];
    const sec = w && /^\d+(\.\d+)?$|^\.\d+$/.test(w.value) ? Number(w.value) : NaN;
    if (!(sec >= 0.001)) {
      ctx.warn(w ?? s.keyword, `vrrp_startup_delay '${w?.value ?? ''}' is invalid`);
      return;
    }
    g.vrrpStartupDelayMs = Math.round(sec * 1000);
    if (sec >= 60) ctx.warn(w, `The vrrp_startup_delay is very large - ${w.value} seconds`);
  }),
  acted('log_unknown_vrids', 'vrrp_log_unknown_vrids_handler', 'off', "a log line for each advert of a VRID not configured here, in keepalived's words (any argument is ignored, as keepalived)", (_c, _s, g) => { g.logUnknownVrids = true; }),
  acted('vmac_prefix', 'vrrp_vmac_prefix_handler', 'vrrp', 'a VMAC given no name is PREFIX.VRID, then PREFIX1.VRID … when another instance has that name (an IPv6 one tries PREFIX6.VRID second)', (ctx, s, g) => {
    if (!s.args[0]) return;
    if (g.vmacPrefix !== null) ctx.warn(s.args[0], `vmac prefix has already been specified - ignoring ${s.args[0].value}`);
    else g.vmacPrefix = s.args[0].value;
  }),
  acted('vmac_addr_prefix', 'vrrp_vmac_addr_prefix_handler', 'vmac_prefix', 'the name prefix of the VMACs use_vmac_addr makes', (ctx, s, g) => {
    if (!s.args[0]) return;
    if (g.vmacAddrPrefix !== null) ctx.warn(s.args[0], `vmac address prefix has already been specified - ignoring ${s.args[0].value}`);
    else g.vmacAddrPrefix = s.args[0].value;
  }),
  acted('umask', 'umask_handler', '0177', "the umask of halo's files and of every script it runs (keepalived's 0177 unless set); run's -u/--umask wins, as keepalived", umask),
  noEffect('random_seed', 'random_seed_handler', 'time based', "seeds keepalived's PRNG for reproducible debugging; halo's random choices (warmup) use Math.random", keep),
  noEffect('reload_check_config', 'reload_check_config_handler', 'off', 'halo always checks a config before applying it on reload, and keeps the running one when it is invalid', keep),
  acted('reload_time_file', 'reload_time_file_handler', '', 'FILE holding HH:MM:SS, [YY]YY-MM-DD HH:MM:SS (Z: UTC): halo watches it and reloads at that time, removing the file', (ctx, s, g) => {
    if (s.args.length !== 1) return void ctx.warn(s.keyword, 'reload_time_file invalid');
    g.reloadTimeFile = s.args[0].value;
  }),
  acted('reload_repeat', 'reload_repeat_handler', 'off', 'a reload_time_file holding a time only is kept, and the reload repeats daily', (_ctx, _s, g) => { g.reloadRepeat = true; }),
  acted('reload_file', 'reload_file_handler', '/run/keepalived.reload', '[FILE] (default /run/halo/halo.reload, halo_INSTANCE.reload with instance): made empty (mode 0644) before a reload reads the config and removed once it is read, whether or not it was valid; a leftover is removed at start', (_ctx, s, g) => {
    // global_parser.c: a later one replaces an earlier one; no argument names the default file
    g.reloadFile = { file: s.args[0]?.value ?? null };
  }),
  acted('include_check', 'include_check_handler', 'off', '[[+|-]read|match|wildcard_match|brace_match]... (none: all): an include problem of these kinds, in the includes read after it, is an error and the config is refused (applied by the preprocessor, as keepalived reads it)', (ctx, s) => {
    for (const w of applyIncludeCheck(0, s.args.map((a) => a.value)).warnings) ctx.warn(s.args[w.index], w.message);
  }),
  acted('config_save_dir', 'config_save_dir_handler', '', "DIR: each reading of the config (start, reload) is saved there as keepalived.conf.PID.N in keepalived's consolidated form; a missing DIR is created (mode 0600, as keepalived's umask makes it)", configSaveDir),
  noEffect('tmp_config_directory', 'config_copy_directory_handler', '/tmp', "where keepalived copies the config for its children; halo's worker reads the file itself", keep),
  acted('v3_checksum_as_v2', '(halo only)', 'off', 'not a keepalived 2.2.7 keyword: VRRPv3 IPv4 checksum without the pseudo-header (RFC 9568), for peers that send it; no IPv6 meaning (keepalived after 2.2.7 likewise): IPv6 adverts always sum the IPv6 pseudo-header', (ctx, s, g) => { g.v3ChecksumAsV2 = ctx.bool(s); }),
  acted('data_use_instance', 'data_use_instance_handler', 'off', "[BOOL]: the file D-Bus PrintData writes is named after net_namespace and instance, as keepalived names its .data files (keepalived.NS_INSTANCE.data in $TMPDIR or /tmp)", (ctx, s, g) => {
    // keepalived's message names it 'date_use_instance'
    const v = trueFalse(ctx, s, 'global date_use_instance');
    if (v !== null) g.dataUseInstance = v;
  }),
];

export const GLOBAL_DEFS = section<G>('global_defs', K);
