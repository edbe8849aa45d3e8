/**
 * keepalived 2.2.7's defaults, written from keepalived's own source (tag v2.2.7 of
 * github.com/acassen/keepalived) and keepalived.conf(5), one citation per value — never from
 * halo's builders. Values are in halo's model units (milliseconds for times); `ka` is the value
 * as keepalived holds or dumps it, `src` where it is set. The unit tier checks halo's model
 * against this table (test/config/defaults.test.ts); the netns tier checks the VRRP and global
 * part against a live keepalived's own dump of the same config
 * (test/config/defaults-keepalived.netns.test.ts).
 *
 * TIMER_HZ is 1,000,000 (lib/timer.h): keepalived keeps times in microseconds.
 */

export interface Cited<T> {
  value: T;
  ka: string;
  src: string;
}

const c = <T>(value: T, ka: string, src: string): Cited<T> => ({ value, ka, src });

/** global_defs (keepalived/core/global_data.c, set_default_mcast_group / set_vrrp_defaults). */
export const GLOBAL = {
  vrrpVersion: c(2, 'VRRP_VERSION_2', 'core/global_data.c set_vrrp_defaults: data->vrrp_version = VRRP_VERSION_2'),
  vrrpMcastGroup4: c('224.0.0.18', 'INADDR_VRRP_GROUP', 'include/vrrp.h:111 INADDR_VRRP_GROUP "224.0.0.18"; global_data.c set_default_mcast_group'),
  vrrpMcastGroup6: c('ff02::12', 'INADDR6_VRRP_GROUP', 'include/vrrp.h:112 INADDR6_VRRP_GROUP "ff02::12"'),
  vrrpGarpMasterDelayMs: c(5000, 'VRRP_GARP_DELAY (5 * TIMER_HZ)', 'include/vrrp.h:129; set_vrrp_defaults: vrrp_garp_delay = VRRP_GARP_DELAY'),
  vrrpGarpMasterRepeat: c(5, 'VRRP_GARP_REP 5', 'include/vrrp.h:130; set_vrrp_defaults: vrrp_garp_rep'),
  vrrpGarpMasterRefreshMs: c(0, 'VRRP_GARP_REFRESH 0 (none)', 'include/vrrp.h:131; set_vrrp_defaults: vrrp_garp_refresh.tv_sec'),
  vrrpGarpMasterRefreshRepeat: c(1, 'VRRP_GARP_REFRESH_REP 1', 'include/vrrp.h:132; set_vrrp_defaults: vrrp_garp_refresh_rep'),
  vrrpGarpLowerPrioDelayMs: c(null, 'PARAMETER_UNSET (instances fall back to the garp delay)', 'set_vrrp_defaults: vrrp_garp_lower_prio_delay = PARAMETER_UNSET'),
  vrrpGarpLowerPrioRepeat: c(null, 'PARAMETER_UNSET (instances fall back to the garp repeat)', 'set_vrrp_defaults: vrrp_garp_lower_prio_rep = PARAMETER_UNSET'),
  vrrpDownTimerAdverts: c(3, 'VRRP_DOWN_TIMER_ADVERTS 3', 'include/vrrp.h:128 (RFC 5798 §6.1: 3 adverts); set_vrrp_defaults'),
  vrrpLowerPrioNoAdvert: c(false, 'false', 'set_vrrp_defaults: vrrp_lower_prio_no_advert = false'),
  vrrpHigherPrioSendAdvert: c(false, 'false', 'set_vrrp_defaults: vrrp_higher_prio_send_advert = false'),
  vrrpCheckUnicastSrc: c(false, 'false', 'set_vrrp_defaults: vrrp_check_unicast_src = false'),
  vrrpSkipCheckAdvAddr: c(false, 'false', 'set_vrrp_defaults: vrrp_skip_check_adv_addr = false'),
  vrrpStrict: c(false, 'false', 'set_vrrp_defaults: vrrp_strict = false'),
  lvsFlush: c(false, 'false', 'core/global_data.c dump " LVS flush = false" unless lvs_flush is given (keepalived.conf(5): lvs_flush "flush any existing LVS configuration at startup")'),
  lvsFlushOnStop: c('off', 'LVS_NO_FLUSH ("disabled")', 'global_data.c dump " LVS flush on stop = disabled"; keepalived.conf(5) lvs_flush_on_stop [VS|ALL]'),
  enableScriptSecurity: c(false, 'script_security false', 'global_data.c dump " Script security disabled" unless enable_script_security'),
  routerId: c(null, 'NULL: the host name is used at run time', 'keepalived.conf(5): router_id "String identifying the machine (doesn\'t have to be hostname)"'),
} as const;

/**
 * vrrp_instance (keepalived/vrrp/vrrp_data.c alloc_vrrp, then vrrp.c vrrp_complete_instance),
 * for an instance that sets only interface, virtual_router_id and one VIP.
 */
export const INSTANCE = {
  initialState: c('BACKUP', 'wantstate VRRP_STATE_BACK when the priority is not 255', 'vrrp.c vrrp_complete_instance: wantstate = base_priority == VRRP_PRIO_OWNER ? MAST : BACK'),
  priority: c(100, 'VRRP_PRIO_DFL 100', 'include/vrrp.h:119; vrrp_complete_instance: base_priority = VRRP_PRIO_DFL unless state MASTER'),
  advertIntMs: c(1000, 'VRRP_ADVER_DFL 1 s', 'include/vrrp.h:127; vrrp_complete_instance: adver_int = VRRP_ADVER_DFL * TIMER_HZ'),
  version: c(2, 'global vrrp_version (2)', 'vrrp_complete_instance: version from global_data->vrrp_version when unset'),
  authType: c('NONE', 'auth_type 0', 'alloc_vrrp leaves auth_type 0 = VRRP_AUTH_NONE'),
  nopreempt: c(false, 'VRRP_FLAG_NOPREEMPT clear', 'alloc_vrrp sets no flags but skip_check_adv_addr'),
  preemptDelayMs: c(0, 'preempt_delay 0', 'alloc_vrrp: PMALLOC zeroes the structure'),
  garpMasterDelayMs: c(5000, 'global vrrp_garp_delay', 'alloc_vrrp: garp_delay = global_data->vrrp_garp_delay'),
  garpMasterRepeat: c(5, 'global vrrp_garp_rep', 'alloc_vrrp: garp_rep = global_data->vrrp_garp_rep'),
  garpMasterRefreshMs: c(0, 'global vrrp_garp_refresh', 'alloc_vrrp: garp_refresh = global_data->vrrp_garp_refresh'),
  garpMasterRefreshRepeat: c(1, 'global vrrp_garp_refresh_rep', 'alloc_vrrp: garp_refresh_rep = global_data->vrrp_garp_refresh_rep'),
  garpLowerPrioDelayMs: c(5000, 'the garp delay (lower-prio global unset)', 'vrrp_complete_instance: garp_lower_prio_delay = strict ? 0 : global (which defaults to the garp delay)'),
  garpLowerPrioRepeat: c(5, 'the garp repeat (lower-prio global unset)', 'vrrp_complete_instance: garp_lower_prio_rep = strict ? 0 : global (which defaults to the garp repeat)'),
  accept: c(true, 'accept = !strict_mode (or address owner)', 'vrrp_complete_instance: accept = base_priority == VRRP_PRIO_OWNER ? true : !strict_mode'),
  strictMode: c(false, 'global vrrp_strict', 'vrrp_complete_instance: strict_mode from global_data->vrrp_strict when unset'),
  lowerPrioNoAdvert: c(false, 'strict ? true : global (false)', 'vrrp_complete_instance: lower_prio_no_advert = strict_mode ? true : global'),
  higherPrioSendAdvert: c(false, 'strict ? false : global (false)', 'vrrp_complete_instance: higher_prio_send_advert = strict_mode ? false : global'),
  skipCheckAdvAddr: c(false, 'global vrrp_skip_check_adv_addr', 'alloc_vrrp: VRRP_FLAG_SKIP_CHECK_ADV_ADDR only when the global is set'),
  downTimerAdverts: c(3, 'global vrrp_down_timer_adverts', 'alloc_vrrp: down_timer_adverts = global_data->vrrp_down_timer_adverts'),
  dontTrackPrimary: c(false, 'dont_track_primary 0', 'alloc_vrrp: PMALLOC zeroes the structure'),
  family: c(4, 'AF_INET from the first VIP', 'alloc_vrrp: family AF_UNSPEC until an address sets it'),
} as const;

/** What changes for `state MASTER` without a priority, and under `vrrp_strict`. */
export const INSTANCE_MASTER_PRIORITY = c(255, 'VRRP_PRIO_OWNER 255', 'vrrp_complete_instance: "If no priority has been set, derive it from the initial state"');
export const INSTANCE_STRICT = {
  accept: c(false, '!strict_mode', 'vrrp_complete_instance: accept = !strict_mode (not the address owner)'),
  garpLowerPrioDelayMs: c(0, '0', 'vrrp_complete_instance: garp_lower_prio_delay = strict_mode ? 0 : ...'),
  garpLowerPrioRepeat: c(0, '0', 'vrrp_complete_instance: garp_lower_prio_rep = strict_mode ? 0 : ...'),
  lowerPrioNoAdvert: c(true, 'true', 'vrrp_complete_instance: lower_prio_no_advert = strict_mode ? true : ...'),
  higherPrioSendAdvert: c(false, 'false', 'vrrp_complete_instance: higher_prio_send_advert = strict_mode ? false : ...'),
} as const;

/** virtual_server (keepalived/check/check_data.c alloc_vs, then validate_check_config). */
export const VIRTUAL_SERVER = {
  delayLoopMs: c(60000, 'KEEPALIVED_DEFAULT_DELAY (60 * TIMER_HZ)', 'include/check_data.h:53; alloc_vs: delay_loop = KEEPALIVED_DEFAULT_DELAY'),
  quorum: c(1, '1', 'alloc_vs: quorum = 1'),
  hysteresis: c(0, '0', 'alloc_vs: hysteresis = 0'),
  lvsSched: c('wlc', 'IPVS_DEF_SCHED "wlc"', 'include/ipvswrapper.h:46; validate_check_config: "no scheduler set, setting default"'),
  lvsMethod: c('NAT', 'IP_VS_CONN_F_MASQ', 'validate_check_config: "no forwarding method set, setting default NAT"'),
  protocol: c('UDP', 'IPPROTO_UDP', 'validate_check_config: "no protocol set - defaulting to UDP" (the kernel\'s own default for 0)'),
  persistenceTimeout: c(null, '0 (not persistent)', 'alloc_vs: PMALLOC zeroes persistence_timeout'),
  persistenceTimeoutWithoutValue: c(360, 'IPVS_SVC_PERSISTENT_TIMEOUT (6*60)', 'include/libipvs.h:25; check_parser.c:485 pto_handler with no argument'),
  persistenceTimeoutPortZero: c(360, 'IPVS_SVC_PERSISTENT_TIMEOUT', 'validate_check_config: "zero port only valid for persistent services - setting"'),
  alpha: c(false, 'false', 'alloc_vs: alpha = false'),
  omega: c(false, 'false', 'alloc_vs: omega = false'),
} as const;

/** real_server (check_data.c alloc_rs; values it leaves unset are inherited in validate_check_config). */
export const REAL_SERVER = {
  weight: c(1, 'vs->weight (1)', 'check_data.c:838 alloc_vs weight = 1; :1216 validate_check_config: an unset real-server weight = vs->weight'),
  lvsMethod: c('NAT', 'vs->forwarding_method', 'alloc_rs: forwarding_method = vs->forwarding_method'),
  inhibitOnFailure: c(false, 'inhibit -1 → vs inhibit (false)', 'alloc_rs: inhibit = -1, inherited from the virtual server'),
  portFromVirtualServer: c(true, 'port of the virtual server when none is given', 'alloc_rs: port_str NULL → the virtual server\'s port'),
} as const;

/** TCP_CHECK (check/check_api.c and the inheritance in check_data.c validate_check_config). */
export const TCP_CHECK = {
  connectTimeoutMs: c(5000, 'vs connection_to 5 * TIMER_HZ', 'check_data.c:833 alloc_vs connection_to = 5 * TIMER_HZ; :1209 rs, :1359 checker inherit it when unset'),
  retry: c(1, 'default_retry 1', 'check_api.c:170 checker->default_retry = 1'),
  delayBeforeRetryMs: c(1000, 'default_delay_before_retry 1 * TIMER_HZ', 'check_api.c:169'),
  delayLoopMs: c(60000, 'the virtual server delay_loop', 'check_api.c: delay_loop ULONG_MAX until inherited from vs (60 s)'),
  warmupMs: c(60000, 'the checker delay_loop', 'check_data.c:1363 warmup = rs warmup, else checker->delay_loop'),
  connectToRealServer: c(true, 'connect_ip/port = the real server', 'keepalived.conf(5) connect_ip / connect_port: "default: the real server address/port"'),
} as const;

/** vrrp_script (vrrp/vrrp_data.c alloc_vrrp_script). */
export const VRRP_SCRIPT = {
  intervalMs: c(1000, 'VRRP_SCRIPT_DI 1 s', 'include/vrrp_track.h:46; alloc_vrrp_script: interval = VRRP_SCRIPT_DI * TIMER_HZ'),
  timeoutMs: c(null, 'VRRP_SCRIPT_DT 0 = none of its own (the interval is used)', 'include/vrrp_track.h:47; vrrp_scheduler.c:1209 timeout ? timeout : interval'),
  weight: c(0, 'VRRP_SCRIPT_DW 0', 'include/vrrp_track.h:48'),
  rise: c(1, '1', 'alloc_vrrp_script: rise = 1'),
  fall: c(1, '1', 'alloc_vrrp_script: fall = 1'),
  initState: c('unknown', 'SCRIPT_INIT_STATE_INIT', 'alloc_vrrp_script: init_state = SCRIPT_INIT_STATE_INIT (init_fail sets FAILED)'),
} as const;

/** The plain values of a table section, for toMatchObject. */
export function values<T extends Record<string, Cited<unknown>>>(table: T): { [K in keyof T]: T[K]['value'] } {
  return Object.fromEntries(Object.entries(table).map(([k, v]) => [k, v.value])) as { [K in keyof T]: T[K]['value'] };
}
