/** global_defs and vrrp_script blocks → model, with keepalived's defaults. */
import type { BuildContext } from './context';
import { splitCommand } from './context';
import type { GlobalDefs, LvsSyncDaemon, VrrpScript } from './model';
import type { Statement } from './parse';

export function defaultGlobalDefs(): GlobalDefs {
  return {
    routerId: null,
    vrrpVersion: 2,
    vrrpMcastGroup4: '224.0.0.18',
    vrrpMcastGroup6: 'ff02::12',
    vrrpGarpMasterDelayMs: 5000,
    vrrpGarpMasterRepeat: 5,
    vrrpGarpMasterRefreshMs: 0,
    vrrpGarpMasterRefreshRepeat: 1,
    vrrpGarpLowerPrioDelayMs: null,
    vrrpGarpLowerPrioRepeat: null,
    vrrpGarpIntervalMs: 0,
    vrrpGnaIntervalMs: 0,
    vrrpLowerPrioNoAdvert: false,
    vrrpHigherPrioSendAdvert: false,
    vrrpStrict: false,
    vrrpSkipCheckAdvAddr: false,
    vrrpCheckUnicastSrc: false,
    vrrpDownTimerAdverts: 3,
    v3ChecksumAsV2: false,
    scriptUser: null,
    enableScriptSecurity: false,
    lvsFlush: false,
    lvsFlushOnStop: 'off',
    lvsSyncDaemon: null,
    lvsTimeouts: { tcp: null, tcpfin: null, udp: null },
    other: {},
  };
}

/**
 * global_defs keywords halo reads but has no use for yet (mail alerts, process tuning, ...):
 * kept in `other` without a warning, because keepalived accepts them.
 */
const KNOWN_OTHER = new Set([
  'notification_email', 'notification_email_from', 'smtp_server', 'smtp_helo_name', 'smtp_connect_timeout',
  'smtp_alert', 'smtp_alert_vrrp', 'smtp_alert_checker', 'checker_log_all_failures', 'default_interface',
  'vrrp_min_garp', 'vrrp_garp_extra_if', 'vrrp_iptables', 'vrrp_ipsets', 'nftables', 'nftables_priority',
  'nftables_counters', 'nftables_ifindex', 'vrrp_priority', 'checker_priority', 'bfd_priority',
  'vrrp_rt_priority', 'checker_rt_priority', 'bfd_rt_priority', 'vrrp_no_swap', 'checker_no_swap',
  'bfd_no_swap', 'vrrp_cpu_affinity', 'checker_cpu_affinity', 'bfd_cpu_affinity', 'max_auto_priority',
  'min_auto_priority_delay', 'net_namespace', 'net_namespace_ipvs', 'namespace_with_ipsets', 'instance',
  'use_pid_dir', 'vrrp_startup_delay', 'notify_fifo', 'notify_fifo_script', 'vrrp_notify_fifo',
  'vrrp_notify_fifo_script', 'lvs_notify_fifo', 'lvs_notify_fifo_script', 'json_version',
  'state_dump_file', 'stats_dump_file', 'json_dump_file', 'reload_check_config', 'reload_time_file',
  'reload_repeat', 'reload_file', 'vmac_prefix', 'vmac_addr_prefix', 'linkbeat_use_polling',
  'linkbeat_interfaces', 'dynamic_interfaces', 'no_email_faults', 'script_security', 'process_names',
  'process_name', 'vrrp_process_name', 'checker_process_name', 'bfd_process_name', 'tmp_config_directory',
  'vrrp_netlink_cmd_rcv_bufs', 'vrrp_netlink_cmd_rcv_bufs_force', 'vrrp_netlink_monitor_rcv_bufs',
  'vrrp_netlink_monitor_rcv_bufs_force', 'lvs_netlink_cmd_rcv_bufs', 'lvs_netlink_cmd_rcv_bufs_force',
  'lvs_netlink_monitor_rcv_bufs', 'lvs_netlink_monitor_rcv_bufs_force', 'process_monitor_rcv_bufs',
  'process_monitor_rcv_bufs_force', 'vrrp_rx_bufs_policy', 'vrrp_rx_bufs_multiplier', 'vrrp_startup_delay',
  'vrrp_garp_lower_prio_no_advert', 'vrrp_track_process', 'random_seed', 'umask', 'startup_script',
  'startup_script_timeout', 'shutdown_script', 'shutdown_script_timeout', 'snmp_socket', 'enable_traps',
  'enable_snmp_vrrp', 'enable_snmp_checker', 'enable_snmp_rfc', 'enable_snmp_rfcv2', 'enable_snmp_rfcv3',
  'enable_dbus', 'enable_dbus_instance', 'router_id_as_hostname',
]);

const LVS_SYNC_OPTIONS = new Set(['id', 'maxlen', 'port', 'ttl', 'group']);

export function buildGlobalDefs(ctx: BuildContext, block: Statement[], g: GlobalDefs): void {
  for (const s of block) {
    ctx.checkBlock(s);
    const kw = s.keyword.value;
    switch (kw) {
      case 'router_id': g.routerId = ctx.str(s); break;
      case 'vrrp_version': {
        const v = ctx.int(s, 2, 3);
        if (v === 2 || v === 3) g.vrrpVersion = v;
        break;
      }
      case 'vrrp_mcast_group4': {
        const a = ctx.address(s);
        if (a && a.family !== 4) ctx.error(s.args[0], `vrrp_mcast_group4: '${s.args[0].value}' is not an IPv4 address`);
        else if (a) g.vrrpMcastGroup4 = a.address;
        break;
      }
      case 'vrrp_mcast_group6': {
        const a = ctx.address(s);
        if (a && a.family !== 6) ctx.error(s.args[0], `vrrp_mcast_group6: '${s.args[0].value}' is not an IPv6 address`);
        else if (a) g.vrrpMcastGroup6 = a.address;
        break;
      }
      case 'vrrp_garp_master_delay': g.vrrpGarpMasterDelayMs = ctx.secondsMs(s, 0, 86400) ?? g.vrrpGarpMasterDelayMs; break;
      case 'vrrp_garp_master_repeat': g.vrrpGarpMasterRepeat = ctx.int(s, 0, 65535) ?? g.vrrpGarpMasterRepeat; break;
      case 'vrrp_garp_master_refresh': g.vrrpGarpMasterRefreshMs = ctx.secondsMs(s, 0, 86400) ?? g.vrrpGarpMasterRefreshMs; break;
      case 'vrrp_garp_master_refresh_repeat': g.vrrpGarpMasterRefreshRepeat = ctx.int(s, 0, 65535) ?? g.vrrpGarpMasterRefreshRepeat; break;
      case 'vrrp_garp_lower_prio_delay': g.vrrpGarpLowerPrioDelayMs = ctx.secondsMs(s, 0, 86400) ?? g.vrrpGarpLowerPrioDelayMs; break;
      case 'vrrp_garp_lower_prio_repeat': g.vrrpGarpLowerPrioRepeat = ctx.int(s, 0, 65535) ?? g.vrrpGarpLowerPrioRepeat; break;
      case 'vrrp_garp_interval': g.vrrpGarpIntervalMs = ctx.timerMs(s, 0, 1) ?? g.vrrpGarpIntervalMs; break;
      case 'vrrp_gna_interval': g.vrrpGnaIntervalMs = ctx.timerMs(s, 0, 1) ?? g.vrrpGnaIntervalMs; break;
      case 'vrrp_lower_prio_no_advert': g.vrrpLowerPrioNoAdvert = ctx.bool(s); break;
      case 'vrrp_higher_prio_send_advert': g.vrrpHigherPrioSendAdvert = ctx.bool(s); break;
      case 'vrrp_strict': g.vrrpStrict = true; break;
      case 'vrrp_skip_check_adv_addr': g.vrrpSkipCheckAdvAddr = ctx.bool(s); break;
      case 'vrrp_check_unicast_src': g.vrrpCheckUnicastSrc = true; break;
      case 'vrrp_down_timer_adverts': g.vrrpDownTimerAdverts = ctx.int(s, 1, 100) ?? g.vrrpDownTimerAdverts; break;
      case 'v3_checksum_as_v2': g.v3ChecksumAsV2 = ctx.bool(s); break;
      case 'script_user': g.scriptUser = ctx.str(s); break;
      case 'enable_script_security': g.enableScriptSecurity = true; break;
      case 'lvs_flush': g.lvsFlush = true; break;
      case 'lvs_flush_on_stop': {
        const v = s.args[0]?.value.toUpperCase();
        if (v === undefined || v === 'ALL') g.lvsFlushOnStop = 'all';
        else if (v === 'VS') g.lvsFlushOnStop = 'vs';
        else ctx.error(s.args[0], `lvs_flush_on_stop: '${s.args[0].value}' is not VS or ALL`);
        break;
      }
      case 'lvs_sync_daemon': buildLvsSyncDaemon(ctx, s, g); break;
      case 'lvs_timeouts': buildLvsTimeouts(ctx, s, g); break;
      default:
        if (KNOWN_OTHER.has(kw)) {
          g.other[kw] = s.block ? s.block.flatMap((b) => [b.keyword.value, ...b.args.map((w) => w.value)]) : s.args.map((w) => w.value);
        } else ctx.unknown(s, 'global_defs');
    }
  }
}

function buildLvsSyncDaemon(ctx: BuildContext, s: Statement, g: GlobalDefs): void {
  const iface = ctx.arg(s, 0, 'an interface');
  const instance = ctx.arg(s, 1, 'a vrrp_instance name');
  if (!iface || !instance) return;
  const d: LvsSyncDaemon = { interface: iface.value, instance: instance.value, syncId: null, maxlen: null, port: null, ttl: null, group: null };
  for (let i = 2; i < s.args.length; i += 2) {
    const opt = s.args[i];
    const val = s.args[i + 1];
    if (!LVS_SYNC_OPTIONS.has(opt.value)) {
      ctx.warn(opt, `lvs_sync_daemon: unknown option '${opt.value}'`);
      continue;
    }
    if (!val) {
      ctx.error(opt, `lvs_sync_daemon: '${opt.value}' needs a value`);
      break;
    }
    if (opt.value === 'id') d.syncId = ctx.intWord(val, 0, 255, 'lvs_sync_daemon id');
    else if (opt.value === 'maxlen') d.maxlen = ctx.intWord(val, 1, 65535 - 20 - 8, 'lvs_sync_daemon maxlen');
    else if (opt.value === 'port') d.port = ctx.intWord(val, 1, 65535, 'lvs_sync_daemon port');
    else if (opt.value === 'ttl') d.ttl = ctx.intWord(val, 1, 255, 'lvs_sync_daemon ttl');
    else d.group = ctx.addressWord(val, 'lvs_sync_daemon group')?.address ?? null;
  }
  g.lvsSyncDaemon = d;
}

function buildLvsTimeouts(ctx: BuildContext, s: Statement, g: GlobalDefs): void {
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

/** `vrrp_script NAME { script ...; interval; timeout; weight N [reverse]; rise; fall; user; init_fail }` */
export function buildVrrpScript(ctx: BuildContext, s: Statement): VrrpScript | null {
  const name = ctx.arg(s, 0, 'a name');
  const block = ctx.needBlock(s);
  if (!name || !block) return null;
  const vs: VrrpScript = {
    name: name.value, script: [], intervalMs: 1000, timeoutMs: null, weight: 0, weightReverse: false,
    rise: 1, fall: 1, user: null, initState: 'unknown', location: ctx.loc(s.keyword),
  };
  let hasScript = false;
  for (const b of block) {
    ctx.checkBlock(b);
    switch (b.keyword.value) {
      case 'script':
        if (b.args.length === 0) ctx.error(b.keyword, "'script' needs a command");
        else {
          hasScript = true;
          vs.script = b.args.length === 1 ? splitCommand(b.args[0].value) : b.args.map((w) => w.value);
        }
        break;
      case 'interval': vs.intervalMs = ctx.timerMs(b, 0.001, 86400) ?? vs.intervalMs; break;
      case 'timeout': vs.timeoutMs = ctx.timerMs(b, 0.001, 86400) ?? vs.timeoutMs; break;
      case 'weight': {
        vs.weight = ctx.int(b, -254, 254) ?? vs.weight;
        if (b.args[1]?.value === 'reverse') vs.weightReverse = true;
        else if (b.args[1]) ctx.warn(b.args[1], `weight: unknown option '${b.args[1].value}'`);
        break;
      }
      case 'rise': vs.rise = ctx.int(b, 1, 1_000_000) ?? vs.rise; break;
      case 'fall': vs.fall = ctx.int(b, 1, 1_000_000) ?? vs.fall; break;
      case 'user': vs.user = ctx.str(b); break;
      case 'init_fail': vs.initState = 'down'; break;
      default: ctx.unknown(b, `vrrp_script ${vs.name}`);
    }
  }
  if (!hasScript) {
    ctx.warn(s.keyword, `No script set for vrrp_script ${vs.name} - removing`);
    return null;
  }
  return vs;
}
