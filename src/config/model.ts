/**
 * The typed, validated model of a keepalived.conf, with every default already applied
 * (keepalived's own defaults: see ../shared/reference/anchors.md §1.3, §1.5).
 *
 * This is the contract between the config front end (src/config) and every engine
 * (src/vrrp, src/ipvs, src/check, src/daemon). Engines never see the AST.
 *
 * Addresses are kept as canonical strings (ipaddr.js `toString()`), so the model is plain
 * JSON: `halo check --dump` prints it as it is, and reload diffs compare it with deep equality.
 * Durations are in milliseconds unless the name says otherwise.
 */

import type { RunAs } from './script-user';

export type { RunAs };

/** Where something came from, for located messages: `FILE:LINE:COL`. */
import type { IpRoute, IpRule } from './routes-model';

/**
 * `startup_script|shutdown_script SCRIPT [USER [GROUP]]`. `runAs` null = root; undefined until
 * the build gives it the default script user.
 */
export interface StartStopScript {
  argv: string[];
  runAs: RunAs | null | undefined;
  location: SourceLocation;
}

export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

/**
 * SMTP alerts (global_defs): where mail goes and when it is sent. A block's own `smtp_alert`
 * wins; else smtp_alert_vrrp / smtp_alert_checker; else smtp_alert; else keepalived's default
 * (VRRP off, checkers on).
 */
export interface SmtpSettings {
  /** smtp_server ADDR|NAME [PORT] (null = no mail is ever sent). */
  server: { host: string; port: number } | null;
  /** smtp_helo_name (null = the host name). */
  heloName: string | null;
  /** notification_email_from (null = keepalived@HOSTNAME). */
  from: string | null;
  /** notification_email { ... }, in order. */
  emails: string[];
  /** smtp_connect_timeout, seconds (keepalived: 30; 0 becomes 1). */
  connectTimeoutSec: number;
  alert: boolean | null;
  alertVrrp: boolean | null;
  alertChecker: boolean | null;
  /** no_email_faults: no mail on entering FAULT. */
  noEmailFaults: boolean;
  /** no_checker_emails: a checker's change is mailed only when it changes its real server's state. */
  noCheckerEmails: boolean;
}

export interface GlobalDefs {
  routerId: string | null;
  smtp: SmtpSettings;
  /** 2 or 3; keepalived's default is 2. */
  vrrpVersion: 2 | 3;
  vrrpMcastGroup4: string; // 224.0.0.18
  vrrpMcastGroup6: string; // ff02::12
  vrrpGarpMasterDelayMs: number; // 5000
  vrrpGarpMasterRepeat: number; // 5
  vrrpGarpMasterRefreshMs: number; // 0 = off
  vrrpGarpMasterRefreshRepeat: number; // 1
  /** vrrp_garp_extra_if: the default of the instances' garp_extra_if (seconds, 0 = off) and its `all`. */
  vrrpGarpExtraIf: { sec: number; all: boolean };
  vrrpGarpLowerPrioDelayMs: number | null; // null = inherit master values
  vrrpGarpLowerPrioRepeat: number | null;
  /** Delay between GARPs of one burst; 0 = back to back. */
  vrrpGarpIntervalMs: number;
  /** vrrp_startup_delay: no BACKUP's master-down timer runs out before this long after start (0 = none). */
  vrrpStartupDelayMs: number;
  vrrpGnaIntervalMs: number;
  vrrpLowerPrioNoAdvert: boolean; // false: master answers a lower-priority advert with its own
  vrrpHigherPrioSendAdvert: boolean;
  vrrpStrict: boolean;
  /**
   * The VIP drop rules of non-accept instances (vrrp_nftables.c): `nftables [TABLE]`,
   * `nftables_priority`, `nftables_ifindex`, `nftables_counters` (vrrp_iptables maps to the default
   * table on Debian's build). `table` null: none configured; the build then sets `keepalived` when
   * an instance needs it (`defaulted`, logged at start as keepalived does).
   */
  nftables: { table: string | null; priority: number; ifindex: boolean; counters: boolean; defaulted: boolean };
  /**
   * `nftables_ipvs [TABLE]`, `nftables_ipvs_priority`, `nftables_ipvs_start_fwmark`
   * (check_nftables.c): with a table, a virtual_server_group of addresses only becomes one IPVS
   * fwmark service per protocol, its fwmark (from `startFwmark` up) set by an nftables map in
   * TABLE's chain `in` (hook input, `priority`). `table` null: not configured.
   */
  nftablesIpvs: { table: string | null; priority: number; startFwmark: number };
  vrrpSkipCheckAdvAddr: boolean;
  vrrpCheckUnicastSrc: boolean;
  /** log_unknown_vrids: log each advert of a VRID no instance here has. */
  logUnknownVrids: boolean;
  /** default_interface: where a static_ipaddress without dev goes (null: eth0, keepalived's DFLT_INT). */
  defaultInterface: string | null;
  /** disable_local_igmp: net.ipv4.igmp_link_local_mcast_reports off while running (restored at stop). */
  disableLocalIgmp: boolean;
  vrrpDownTimerAdverts: number; // 3
  v3ChecksumAsV2: boolean;
  scriptUser: string | null;
  /** Who scripts run as (script_user, else keepalived_script if it exists); null = root. */
  scriptRunAs: RunAs | null;
  /** `net_namespace NAME`: the network namespace (/var/run/netns/NAME) halo runs in; null = the one started in. */
  netNamespace: string | null;
  /**
   * `net_namespace_ipvs [NAME]`: the network namespace whose IPVS table halo programs
   * (/var/run/netns/NAME; no name: /proc/1/ns/net, the initial one), nftables_ipvs's table and
   * the LVS sync daemon with it; absent: halo's own namespace.
   */
  netNamespaceIpvs?: string;
  /** `instance NAME`: names the pid file and control socket (halo_NAME.pid). */
  instanceName: string | null;
  /** data_use_instance: the D-Bus PrintData file is named after net_namespace and instance (src/daemon/dump-files.ts). */
  dataUseInstance: boolean;
  /** reload_time_file: a file holding the time of the next reload; reload_repeat keeps a time-only one. */
  reloadTimeFile: string | null;
  reloadRepeat: boolean;
  /**
   * `reload_file [FILE]`: made empty before a reload reads the config and removed once it is read
   * (and removed at start), so an updater can wait for it; `{ file: null }`: the default name,
   * halo.reload (halo_INSTANCE.reload) beside the default pid file.
   */
  reloadFile: { file: string | null } | null;
  /**
   * The interface_up_down_delays block (a root block; kept here with the other process-wide
   * settings): per interface, how long a down or up must last before the instances act on it.
   * In config order; a later line for the same interface replaces an earlier one.
   */
  interfaceUpDownDelays: InterfaceUpDownDelay[];
  /** linkbeat_use_polling (a root keyword): every instance's interface is polled for its link state. */
  linkbeatUsePolling: boolean;
  /** The linkbeat_interfaces block: interfaces polled, each with its probe (null: MII, then ETHTOOL, then IOCTL). */
  linkbeatInterfaces: LinkbeatInterface[];
  /**
   * The garp_group blocks (root blocks, kept here with the other process-wide settings), in
   * config order, those keepalived removes ("does not have any delay set") left out.
   */
  garpGroups: GarpGroup[];
  /** config_save_dir: where each reading of the config is saved as keepalived.conf.PID.N (trailing / removed). */
  configSaveDir: string | null;
  /** startup_script / shutdown_script (run by the parent before its children start / after they stop). */
  startupScript: StartStopScript | null;
  shutdownScript: StartStopScript | null;
  /** startup_script_timeout / shutdown_script_timeout, seconds (1-1000, default 10). */
  startupScriptTimeoutS: number;
  shutdownScriptTimeoutS: number;
  /** global_defs umask (null = keepalived's 0177); run's -u/--umask takes precedence. */
  umask: number | null;
  /** Default of every checker's log_all_failures. */
  checkerLogAllFailures: boolean;
  enableScriptSecurity: boolean;
  /** dynamic_interfaces: an interface the VRRP side names may be missing at start (config/interfaces-check.ts). */
  dynamicInterfaces: boolean;
  /** vmac_prefix: the name of a VMAC given none is PREFIX.VRID (default vrrp). */
  vmacPrefix: string | null;
  /** vmac_addr_prefix: the same for the VMACs of use_vmac_addr (default vmac_prefix's). */
  vmacAddrPrefix: string | null;
  lvsFlush: boolean;
  lvsFlushOnStop: 'off' | 'all' | 'vs';
  /**
   * `lvs_sync_daemon INTERFACE [inst] VRRP_INSTANCE [id N] [maxlen N] [port N] [ttl N] [group IP]`,
   * or an instance's deprecated `lvs_sync_daemon_interface`; resolved at build as keepalived does
   * (an unknown instance clears it; the sync id defaults to the instance's VRID, else 0).
   */
  lvsSyncDaemon: LvsSyncDaemon | null;
  /** `lvs_timeouts tcp N tcpfin N udp N` (seconds; null = leave the kernel's). */
  lvsTimeouts: { tcp: number | null; tcpfin: number | null; udp: number | null };
  /** enable_snmp_rfcv3: serve VRRPv3-MIB (RFC 6527) as an AgentX subagent. */
  enableSnmpRfcv3: boolean;
  /** enable_snmp_rfcv2 (or enable_snmp_rfc): serve VRRP-MIB (RFC 2787) on the same session. */
  enableSnmpRfcv2: boolean;
  /** enable_snmp_vrrp (or enable_snmp_keepalived): serve KEEPALIVED-MIB's global and VRRP objects on the same session. */
  enableSnmpVrrp?: boolean;
  /** enable_dbus: keepalived's D-Bus interface on the system bus (absent: off). */
  enableDbus?: boolean;
  /** dbus_service_name (absent: org.keepalived.Vrrp1). */
  dbusServiceName?: string;
  /** enable_snmp_checker: serve KEEPALIVED-MIB's global and checker objects on the same session. */
  enableSnmpChecker?: boolean;
  /** enable_traps: send the served MIBs' notifications through the AgentX master. */
  enableTraps: boolean;
  /** snmp_socket: the AgentX master's address (null: net-snmp's default, unix:/var/agentx/master). */
  snmpSocket: string | null;
  /**
   * Keywords the registry (src/config/keywords) marks as having no effect here, or refused as
   * not implemented, as written, so `--dump` shows them.
   */
  other: Record<string, string[]>;
  /**
   * notify_fifo, vrrp_notify_fifo, lvs_notify_fifo and their `_script`s (keepalived's
   * notify_fifo_t): absent = none of them given.
   */
  notifyFifos?: NotifyFifos;
  /** vrrp_notify_priority_changes: the default of every instance's notify_priority_changes. */
  /** rs_init_notifies: real servers up at start get their UP notifies (notify_up, FIFO). */
  rsInitNotifies?: boolean;
  /** fifo_write_vrrp_states_on_reload: at a reload, each unchanged state is written to the FIFOs again. */
  fifoWriteVrrpStatesOnReload?: boolean;
  vrrpNotifyPriorityChanges?: boolean;
}

/** One notify FIFO as configured: `*notify_fifo PATH [USER [GROUP]]`, `*notify_fifo_script SCRIPT [USER [GROUP]]`. */
export interface NotifyFifoConfig {
  /** The FIFO's path (null: only a script was given, which keepalived then never runs). */
  path: string | null;
  /** Who owns a FIFO halo creates: the line's USER [GROUP] (null = root); absent: script_user. */
  owner?: RunAs | null;
  script: string[] | null;
  /** The script's own USER [GROUP] (null = root); absent: script_user. */
  scriptRunAs?: RunAs | null;
}

export interface NotifyFifos {
  global: NotifyFifoConfig;
  vrrp: NotifyFifoConfig;
  lvs: NotifyFifoConfig;
}

/** keepalived's vrrp_handle_accept_mode: VIP drop rules for every instance but the address owner and accept ones. */
export function needsFirewall(i: Pick<VrrpInstance, 'priority' | 'accept'>): boolean {
  return i.priority !== 255 && !i.accept;
}

export interface LvsSyncDaemon {
  interface: string;
  /** The VRRP instance whose state decides master/backup; null: both daemons run from the start. */
  instance: string | null;
  syncId: number | null;
  maxlen: number | null;
  port: number | null;
  ttl: number | null;
  group: string | null;
}

export interface VrrpScript {
  name: string;
  /** argv, already split as keepalived splits it (quoted words stay whole). */
  script: string[];
  intervalMs: number; // 1000
  timeoutMs: number | null; // null = interval
  weight: number; // 0
  weightReverse: boolean;
  rise: number; // 1
  fall: number; // 1
  user: string | null;
  /** Who it runs as: its own `user`, else script_user's; null = root. */
  runAs: RunAs | null;
  initState: 'unknown' | 'up' | 'down';
  location: SourceLocation;
}

export interface NotifyScripts {
  /** `notify` — called as `SCRIPT INSTANCE|GROUP NAME STATE PRIORITY`. */
  notify: string[] | null;
  notifyMaster: string[] | null;
  notifyBackup: string[] | null;
  notifyFault: string[] | null;
  notifyStop: string[] | null;
  /** Instances only: `notify_master_rx_lower_pri` (run, with no arguments added, when a MASTER hears a lower priority). */
  notifyMasterRxLowerPri?: string[] | null;
  /** Instances only: `notify_deleted [SCRIPT]`: the script run for DELETED. */
  notifyDeleted?: string[] | null;
  /** Instances only: `notify_deleted` given: removed by a reload it says DELETED (else FAULT, unless in FAULT). */
  sendDeleted?: boolean;
  /**
   * `notify* SCRIPT USER [GROUP]`: who each script given a user runs as (null = root); a script
   * absent here runs as script_user.
   */
  runAs?: Partial<Record<NotifyKey, RunAs | null>>;
}

/** The users an up and a down script were given (a key absent: none given, script_user applies). */
export interface ScriptUsers {
  up?: RunAs | null;
  down?: RunAs | null;
}

export type NotifyKey = 'notify' | 'notifyMaster' | 'notifyBackup' | 'notifyFault' | 'notifyStop' | 'notifyMasterRxLowerPri' | 'notifyDeleted';

export interface VirtualIpAddress {
  /** Canonical address string (IPv4 or IPv6). */
  address: string;
  family: 4 | 6;
  /** Prefix length; keepalived's default is /32 (/128 for IPv6). */
  prefixLen: number;
  /**
   * IPv4: the dotted-quad broadcast put on the address (IFA_BROADCAST), `brd +`/`brd -` already
   * worked out from the prefix as keepalived does when it reads the line; null: none (also for
   * 0.0.0.0, for `+`/`-` on a prefix longer than /30, and always for IPv6).
   */
  broadcast: string | null;
  /** Interface; default the instance's interface. */
  dev: string;
  scope: 'global' | 'site' | 'link' | 'host' | 'nowhere' | number;
  label: string | null;
  /** True for virtual_ipaddress_excluded entries (not sent in adverts). */
  excluded: boolean;
  /**
   * IPv6: `preferred_lft` in seconds, or 'forever'. Unset, keepalived's default: 0 (the address
   * is deprecated, never picked as a source) for a /128, forever otherwise.
   */
  preferredLft?: number | 'forever';
  /** IPv6: false after `-nodad` (duplicate address detection runs); IFA_F_NODAD otherwise. */
  noDad?: boolean;
  /**
   * The address's own `use_vmac`: it goes on a VMAC of its own on its interface (as use_vmac_addr
   * does for all of them), unless the instance's VMAC or use_vmac_addr already decides (then a warning).
   */
  useVmac?: boolean;
  /** static_ipaddress: `no_track` (a deletion by someone else is not put back). */
  noTrack?: boolean;
  /** static_ipaddress: `track_group NAME` (a declared track_group). */
  trackGroup?: string;
  location: SourceLocation;
}

/**
 * A track_file or track_process line of a vrrp_instance or vrrp_sync_group, resolved against its
 * block: the block's weight and reverse unless the line gives its own (track_file.c
 * vrrp_alloc_track_file, vrrp_track.c alloc_track_process).
 */
export interface TrackObjectRef {
  name: string;
  weight: number;
  reverse: boolean;
}

/**
 * vrrp_track_process NAME (vrrp_parser.c vrrp_tprocess_*): the processes whose name (comm, or the
 * full command line when parameters are given or full_command is set) is `process`; quorum is held
 * while quorum ≤ count ≤ quorumMax.
 */
export interface VrrpTrackProcess {
  name: string;
  process: string;
  /** Parameters after the process name (NUL-separated in the command line), or null. */
  params: string[] | null;
  paramMatch: 'none' | 'exact' | 'partial' | 'initial';
  /** Match /proc/PID/cmdline's first word instead of comm. */
  fullCommand: boolean;
  weight: number; // 0
  reverse: boolean;
  quorum: number; // 1
  /** null = unlimited (keepalived's UINT_MAX). */
  quorumMax: number | null;
  forkDelayMs: number; // 0
  terminateDelayMs: number; // 0
  location: SourceLocation;
}

export interface TrackInterface {
  name: string;
  /** 0 = a down interface puts the instance in FAULT; otherwise added/subtracted from priority. */
  weight: number;
}

export interface TrackScriptRef {
  name: string;
  /** null = use the vrrp_script's own weight. */
  weight: number | null;
  weightReverse: boolean;
}

/** track_bfd NAME [weight W [reverse|noreverse]]: null = the bfd_instance's own weight/reverse. */
export interface TrackBfdRef {
  name: string;
  weight: number | null;
  weightReverse: boolean | null;
}

/**
 * A bfd_instance block (keepalived bfd_parser.c): one single-hop BFD session (RFC 5880/5881)
 * whose Up/Down drives BFD_CHECKs (real servers) and track_bfd (VRRP instances and groups).
 */
export interface BfdInstance {
  name: string;
  family: 4 | 6;
  neighborIp: string;
  sourceIp: string | null;
  /** Microseconds, as on the wire; the config gives milliseconds. */
  minRxUs: number;
  minTxUs: number;
  idleTxUs: number;
  multiplier: number;
  passive: boolean;
  /** TTL (hop limit) sent: 255 for IPv4, 64 for IPv6 unless set. */
  ttl: number;
  /** Received packets must have TTL >= ttl - maxHops; -1 = not checked. */
  maxHops: number;
  /** The default weight of track_bfd (-253..253) and its reverse. */
  weight: number;
  weightReverse: boolean;
  /** Whom its events go to: `vrrp` / `checker` given in the block, else both. */
  toVrrp: boolean;
  toChecker: boolean;
  location: SourceLocation;
}

export interface UnicastPeer {
  address: string;
  minTtl: number | null;
  maxTtl: number | null;
}

export type VrrpState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT';

/**
 * use_ipvlan: the VMAC is an l2 ipvlan instead (the parent's MAC) carrying the adverts (the VIPs
 * stay on the interface, as keepalived 2.2.7 places them), with the mode's flags
 * (IFLA_IPVLAN_FLAGS: 0 bridge, 1 private, 2 vepa), the address put on it, and the config fault
 * (keepalived's words) that keeps the instance in FAULT.
 */
export interface IpvlanOptions {
  flags: number;
  address: { address: string; prefixLen: number; family: 4 | 6 } | null;
  fault: string | null;
}

export interface VrrpInstance {
  name: string;
  /** The state line as written (`MASTER`/`BACKUP`); keepalived still starts in BACKUP. */
  initialState: 'MASTER' | 'BACKUP';
  interface: string;
  virtualRouterId: number;
  /** Configured priority, with keepalived's rule: 255 if `state MASTER` and none given, else 100. */
  priority: number;
  /** Advert interval in ms: integer seconds for v2 (rounded, warned), 10 ms steps for v3. */
  advertIntMs: number;
  version: 2 | 3;
  family: 4 | 6;
  authType: 'NONE' | 'PASS' | 'AH';
  /** PASS password, truncated to 8 bytes as keepalived does (warned). */
  authPass: string | null;
  virtualIpAddresses: VirtualIpAddress[];
  virtualIpAddressesExcluded: VirtualIpAddress[];
  /** virtual_routes / virtual_rules: added after the VIPs on MASTER, removed before them on leaving it. */
  virtualRoutes: IpRoute[];
  virtualRules: IpRule[];
  trackInterfaces: TrackInterface[];
  /**
   * The track_interface entries as written, when tracked routes or rules added their interfaces
   * to trackInterfaces (absent: trackInterfaces is that list). KEEPALIVED-MIB shows these.
   */
  configuredTrackInterfaces?: TrackInterface[];
  trackScripts: TrackScriptRef[];
  trackFiles: TrackObjectRef[];
  trackProcesses: TrackObjectRef[];
  trackBfds: TrackBfdRef[];
  dontTrackPrimary: boolean;
  mcastSrcIp: string | null;
  unicastSrcIp: string | null;
  unicastPeers: UnicastPeer[];
  nopreempt: boolean;
  preemptDelayMs: number;
  garpMasterDelayMs: number;
  garpMasterRepeat: number;
  garpMasterRefreshMs: number;
  /**
   * garp_extra_if: every garpExtraIfMs (0 = off) while MASTER, one GARP/unsolicited NA for each of
   * garpExtraIfVips (config/vmac-values.ts garpExtraIfVips).
   */
  garpExtraIfMs: number;
  garpExtraIfVips: VirtualIpAddress[];
  garpMasterRefreshRepeat: number;
  garpLowerPrioDelayMs: number;
  garpLowerPrioRepeat: number;
  accept: boolean;
  strictMode: boolean;
  v3ChecksumAsV2: boolean;
  lowerPrioNoAdvert: boolean;
  higherPrioSendAdvert: boolean;
  skipCheckAdvAddr: boolean;
  /** Drop unicast adverts from addresses not in unicast_peer (check_unicast_src, or vrrp_check_unicast_src). */
  checkUnicastSrc: boolean;
  /**
   * unicast_ttl: the IPv4 TTL of the adverts (IPv6: the hop limit of unicast ones); null = the
   * default (255). Given without unicast peers keepalived resets it to 0, and its IPv4 adverts
   * then leave with TTL 0 (vrrp_parser.c vrrp_end_handler, vrrp.c vrrp_build_ip4).
   */
  unicastTtl: number | null;
  /** mcast_dst_ip: this instance's multicast group; null = vrrp_mcast_group4 / vrrp_mcast_group6. */
  mcastDstIp: string | null;
  /**
   * VRRPv3 over IPv4, keepalived < 1.3.6's unicast checksum (its pseudo-header names
   * vrrp_mcast_group4 as the destination, whatever the packet's): 'config' (old_unicast_checksum)
   * always; 'auto' (keepalived's default) switches to it on hearing a peer that uses it;
   * 'never' (old_unicast_checksum never) does not.
   */
  unicastChecksumCompat: 'auto' | 'never' | 'config';
  /**
   * unicast_fault_no_peer with no unicast peers: the instance stays in FAULT (keepalived's
   * "Cannot use unicast without any peers - going to fault state"); false otherwise.
   */
  faultNoPeer: boolean;
  /** promote_secondaries: net.ipv4.conf.IF.promote_secondaries turned on while the instance runs (not with a VMAC, which has it anyway). */
  promoteSecondaries: boolean;
  /** linkbeat_use_polling in the instance (deprecated there, with keepalived's warning): its interface's link is polled. */
  linkbeatUsePolling: boolean;
  downTimerAdverts: number;
  notify: NotifyScripts;
  /** The instance's own smtp_alert (null = inherit smtp_alert_vrrp, then smtp_alert, else off). */
  smtpAlert: boolean | null;
  /**
   * notify_priority_changes: each effective priority change is written to the notify FIFOs as
   * `INSTANCE "NAME" MASTER_PRIORITY|BACKUP_PRIORITY PRIO` (instance, else sync group, else global).
   */
  notifyPriorityChanges?: boolean;
  /** The instance gave notify_priority_changes itself (its sync group's does not override it). */
  ownNotifyPriorityChanges?: boolean;
  lvsSyncDaemonInterface: string | null;
  /**
   * use_vmac: a private-mode macvlan `name` (default vrrp.VRID) with MAC 00:00:5e:00:01:VRID (or
   * `mac`, the use_vmac MAC argument) on
   * the interface carries the VIPs that name no dev and, unless xmitBase (vmac_xmit_base), the adverts.
   */
  vmac: { name: string; xmitBase: boolean; mac: string | null; ipvlan?: IpvlanOptions } | null;
  /**
   * use_vmac_addr: the VMACs made for VIPs on another interface (or of the other family on the
   * instance's), one per interface and family, named by vmac_addr_prefix; the VIPs are on them.
   */
  extraVmacs: Array<{ name: string; base: string; family: 4 | 6; mac: string }>;
  /** Name of the vrrp_sync_group this instance belongs to, if any. */
  syncGroup: string | null;
  location: SourceLocation;
}

export interface VrrpSyncGroup {
  name: string;
  /** Member instance names, in config order. */
  group: string[];
  notify: NotifyScripts;
  /** The group's own smtp_alert (null = inherit smtp_alert_vrrp, then smtp_alert, else off). */
  smtpAlert: boolean | null;
  /** notify_priority_changes of the group: its members' default. */
  notifyPriorityChanges?: boolean;
  trackInterfaces: TrackInterface[];
  trackScripts: TrackScriptRef[];
  trackFiles: TrackObjectRef[];
  trackProcesses: TrackObjectRef[];
  trackBfds: TrackBfdRef[];
  /**
   * sync_group_tracking_weight (or the deprecated global_tracking): the members keep their own
   * weighted trackers; without it keepalived ignores them (vrrp_complete_instance).
   */
  trackingWeight: boolean;
  location: SourceLocation;
}

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export type LvsMethod = 'NAT' | 'DR' | 'TUN';
export type LvsScheduler =
  | 'rr' | 'wrr' | 'lc' | 'wlc' | 'lblc' | 'lblcr' | 'dh' | 'sh' | 'sed' | 'nq' | 'fo' | 'ovf' | 'mh' | 'twos';

/** What every checker has (check_api.c install_checker_common_keywords), resolved through
 * checker ← real_server ← virtual_server ← the checker's own default. */
export interface CheckCommon {
  retry: number; // 1; MISC_CHECK 0; DNS_CHECK 3
  /** 1000; HTTP_GET/SSL_GET 3000; DNS_CHECK delay_loop. */
  delayBeforeRetryMs: number;
  /** Upper bound of the random first-check delay; keepalived's default is delay_loop. */
  warmupMs: number;
  delayLoopMs: number; // 60000
  alpha: boolean;
  /** The checker's log_all_failures, or global_defs checker_log_all_failures. */
  logAllFailures: boolean;
  /** The checker of a virtual server's copy (VirtualServer.copy): its own target, probed apart from the first copy's. */
  copy?: number;
  location: SourceLocation;
}

/** A checker's connection (conn_opts_t): where it connects and from where. */
export interface ConnOpts {
  /** Resolved: defaults to the real server's address and port. */
  connectIp: string;
  connectPort: number;
  bindto: string | null;
  bindPort: number | null;
  bindIf: string | null;
  fwmark: number | null;
  connectTimeoutMs: number; // 5000
}

export interface TcpCheck extends CheckCommon, ConnOpts {
  kind: 'TCP_CHECK';
}

export interface HttpUrl {
  path: string;
  /** MD5 of the body, 32 lowercase hex digits. */
  digest: string | null;
  /** Accepted status codes as inclusive ranges; default 200-299. */
  statusCodes: [number, number][];
  virtualhost: string | null;
  regex: string | null;
  regexNoMatch: boolean;
  /** pcre2 option names as written (caseless, multiline, dotall, utf, ucp, ...). */
  regexOptions: string[];
  regexMinOffset: number;
  /** One beyond the last offset a match may start at; 0 = no limit (keepalived's encoding). */
  regexMaxOffset: number;
}

export interface HttpCheck extends CheckCommon, ConnOpts {
  kind: 'HTTP_GET' | 'SSL_GET';
  urls: HttpUrl[];
  httpProtocol: '1.0' | '1.0C' | '1.1';
  /** Checker-level virtualhost, else the real server's / virtual server's (already resolved). */
  virtualhost: string | null;
  enableSni: boolean;
  fastRecovery: boolean;
}

export interface MiscCheck extends CheckCommon {
  kind: 'MISC_CHECK';
  /** argv as keepalived splits misc_path. */
  path: string[];
  /** 0 = the virtual server's delay_loop (keepalived). */
  timeoutMs: number;
  dynamic: boolean;
  user: string | null;
  group: string | null;
}

export interface DnsCheck extends CheckCommon, ConnOpts {
  kind: 'DNS_CHECK';
  /** Query type name (A, NS, CNAME, SOA, MX, TXT, AAAA, RRSIG, DNSKEY); SOA by default. */
  type: string;
  /** Query name; "" (the root) by default. */
  name: string;
}

export interface UdpCheck extends CheckCommon, ConnOpts {
  kind: 'UDP_CHECK';
  /** Bytes to send as hex; null = keepalived's 32-byte filler ("keepalived check - …"). */
  payload: string | null;
  requireReply: boolean;
  /** Expected leading reply bytes as hex, and the wildcard mask (X nibbles) as hex, if any. */
  replyData: string | null;
  replyMask: string | null;
  minReplyLength: number; // 0
  maxReplyLength: number; // 255
}

export interface PingCheck extends CheckCommon, ConnOpts {
  kind: 'PING_CHECK';
}

export interface SmtpCheck extends CheckCommon, ConnOpts {
  kind: 'SMTP_CHECK';
  /** HELO argument; keepalived's default smtpchecker.keepalived.org. */
  heloName: string;
}

/** Top-level `track_file NAME { file PATH  weight W [reverse]  init_file [V] [overwrite] }`. */
export interface TrackFile {
  name: string;
  path: string;
  weight: number; // 1
  reverse: boolean;
  /** init_file: create the file with this value when missing (overwrite: always). */
  init: { value: number; overwrite: boolean } | null;
  location: SourceLocation;
}

/**
 * FILE_CHECK { track_file NAME [weight W [reverse]] } (check_file.c): the file's number × weight
 * (negated with reverse) moves the real server's weight; INT_MIN (weight 0: any non-zero value)
 * is a fault. Not scheduled: the file is watched.
 */
export interface FileCheck extends CheckCommon {
  kind: 'FILE_CHECK';
  trackFile: string;
  path: string;
  weight: number;
  reverse: boolean;
}

/**
 * BFD_CHECK { name BFD alpha } (check_bfd.c): no probe of its own; the named bfd_instance's
 * session Up/Down sets the checker up/down (it starts up, or down with alpha).
 */
export interface BfdCheck {
  kind: 'BFD_CHECK';
  /** The bfd_instance's name. */
  name: string;
  alpha: boolean;
  /** As CheckCommon.copy. */
  copy?: number;
  location: SourceLocation;
}

/** The checkers halo runs (BFD_CHECK's state comes from its BFD session, not from probes). */
export type RunCheck = TcpCheck | HttpCheck | MiscCheck | DnsCheck | UdpCheck | PingCheck | SmtpCheck | FileCheck | BfdCheck;
/** The checkers that probe their real server on a schedule. */
export type ProbeCheck = Exclude<RunCheck, BfdCheck>;
export type Checker = RunCheck;

/** Global `SSL { password ca certificate key }` for SSL_GET (check_parser.c). */
export interface SslConfig {
  password: string | null;
  ca: string | null;
  certificate: string | null;
  key: string | null;
}

/**
 * What only KEEPALIVED-MIB's checker tables show (enable_snmp_checker): keepalived's own values
 * of a virtual or real server, a real server's inherited from its service as keepalived's
 * validate_check_config copies them (null: never given, which the MIB shows as 0).
 */
export interface LvsMibFields {
  retry: number | null;
  delayBeforeRetryMs: number | null;
  warmupMs: number | null;
  connectTimeoutMs: number;
  delayLoopMs: number;
  virtualhost: string | null;
  /** snmp_name. */
  name: string | null;
}

export interface RealServer {
  address: string;
  family: 4 | 6;
  /** 0 for fwmark services without a port. */
  port: number;
  weight: number; // 1
  lvsMethod: LvsMethod; // inherited from the virtual server
  inhibitOnFailure: boolean;
  uthreshold: number; // 0 = none
  lthreshold: number;
  notifyUp: string[] | null;
  notifyDown: string[] | null;
  /** `notify_up/notify_down SCRIPT USER [GROUP]`: who each runs as (null = root); absent: script_user. */
  notifyRunAs?: ScriptUsers;
  alpha: boolean;
  /** smtp_alert: its own, else smtp_alert_checker, else smtp_alert, else on (keepalived's default). */
  smtpAlert: boolean;
  checkers: Checker[];
  /** KEEPALIVED-MIB's view (absent in hand-made models: the MIB shows keepalived's defaults). */
  snmp?: LvsMibFields;
  location: SourceLocation;
}

/** How a virtual server is identified in the kernel. */
export type VirtualServerKey =
  | { kind: 'addr'; protocol: Protocol; address: string; family: 4 | 6; port: number }
  | { kind: 'fwmark'; fwmark: number; family: 4 | 6 }
  /** family: ip_family or the servers' (keepalived's vs->af), null when nothing says. */
  | { kind: 'group'; group: string; family: 4 | 6 | null };

export interface VirtualServer {
  key: VirtualServerKey;
  protocol: Protocol; // as keepalived: UDP (with a warning) when an address service names none
  lvsSched: LvsScheduler; // wlc
  lvsMethod: LvsMethod; // NAT
  /** Seconds; null = not persistent. Keyword without value = 360. */
  persistenceTimeout: number | null;
  /** Netmask as a dotted quad / prefix; null = 255.255.255.255. */
  persistenceGranularity: string | null;
  /** persistence_engine: the IPVS persistence engine (`sip`), at most 15 characters; absent: none. */
  persistenceEngine?: string;
  /** Scheduler flags: sh-port, sh-fallback, mh-port, mh-fallback, flag-1..3. */
  schedFlags: { flag1: boolean; flag2: boolean; flag3: boolean };
  ops: boolean;
  hashed: boolean;
  delayLoopMs: number;
  quorum: number; // 1
  hysteresis: number; // 0
  quorumUp: string[] | null;
  quorumDown: string[] | null;
  /** `quorum_up/quorum_down SCRIPT USER [GROUP]`: who each runs as (null = root); absent: script_user. */
  quorumRunAs?: ScriptUsers;
  sorryServer: { address: string; port: number; lvsMethod: LvsMethod; inhibit: boolean } | null;
  inhibitOnFailure: boolean;
  alpha: boolean;
  /** smtp_alert: its own, else smtp_alert_checker, else smtp_alert, else off (quorum changes mailed). */
  smtpAlert: boolean;
  omega: boolean;
  haSuspend: boolean;
  realServers: RealServer[];
  /**
   * nftables_ipvs: the fwmark of a group service whose group has addresses only (shared by the
   * services of that group and protocol, numbered from nftables_ipvs_start_fwmark in service
   * order); it then runs as fwmark service(s). Absent otherwise.
   */
  autoFwmark?: number;
  /**
   * A group service's place among the services naming its group (link_vsg_to_vs): keepalived
   * keeps it as the service's port, shows it in FMT_VS (`[GROUP]:N`) and matches services by it
   * across a reload. Absent for other services.
   */
  groupMember?: number;
  /**
   * The same virtual server written again (keepalived has no duplicate check and keeps every
   * copy, each with its own checkers and pool state): 2 for the second, 3 for the third…; absent
   * for the first. The kernel has one service: the copies' adds and deletes meet there
   * (src/ipvs/shared-services.ts).
   */
  copy?: number;
  /** KEEPALIVED-MIB's view, with the `weight` its real servers default to (absent in hand-made models). */
  snmp?: LvsMibFields & { weight: number };
  location: SourceLocation;
}

export type VirtualServerGroupEntry =
  | { kind: 'addr'; address: string; family: 4 | 6; port: number }
  /** `IP-RANGE`: 10.0.0.1-10 — first address and how many after it, as keepalived writes it. */
  | { kind: 'range'; address: string; family: 4 | 6; last: number; port: number }
  /** `fwmark N [inet|inet6]`: family null when not written (keepalived's fwm_family AF_UNSPEC). */
  | { kind: 'fwmark'; fwmark: number; family: 4 | 6 | null };

export interface VirtualServerGroup {
  name: string;
  entries: VirtualServerGroupEntry[];
  location: SourceLocation;
}

export interface Model {
  /** The top file's path as given. */
  file: string;
  globalDefs: GlobalDefs;
  vrrpScripts: VrrpScript[];
  vrrpSyncGroups: VrrpSyncGroup[];
  vrrpInstances: VrrpInstance[];
  virtualServerGroups: VirtualServerGroup[];
  virtualServers: VirtualServer[];
  /** The global SSL block; null = keepalived's auto-generated context (no client certificate, no verification). */
  ssl: SslConfig | null;
  /** Top-level track_file blocks (FILE_CHECK and the VRRP instances' track_file read them). */
  trackFiles: TrackFile[];
  vrrpTrackProcesses: VrrpTrackProcess[];
  bfdInstances: BfdInstance[];
  /** halo_announce blocks (halo's own, not keepalived's): VIPs announced by a routing daemon. */
  announces: Announce[];
  /** static_ipaddress / static_routes / static_rules: installed at start, removed at stop (keepalived's VRRP process). */
  staticAddresses: VirtualIpAddress[];
  staticRoutes: IpRoute[];
  staticRules: IpRule[];
}

/**
 * One `halo_announce NAME { … }` block: a VIP this director puts on `interface` (the host-side
 * presence a routing daemon announces by BGP with `network` + import-check) while every
 * virtual_server on that address has quorum and halo runs; withdrawn first on stop.
 */
export interface Announce {
  name: string;
  address: string;
  family: 4 | 6;
  /** Always a host prefix (/32, /128): one VIP, one route. */
  prefixLen: number;
  /** Where halo adds the address; default lo (DR-style: the host accepts the VIP, ARP does not answer for it). */
  interface: string;
  /** After the withdrawal, wait this long for the router to converge before tearing down anything. */
  drainDelayMs: number;
  /** Then wait at most this long (counted from the withdrawal) for the VIP's IPVS connections to end. */
  drainTimeoutMs: number;
  /** vtysh's --vty_socket directory for `halo status` (null: vtysh's default). */
  vtyshSocket: string | null;
  /** vtysh's -N pathspace for `halo status` (null: none). */
  vtyshPathspace: string | null;
  /** Whose view `halo status` reads; auto = the daemon whose control socket exists. */
  routingDaemon: RoutingDaemonChoice;
  /** birdc's -s control socket (null: BIRD's default /run/bird/bird.ctl). */
  birdcSocket: string | null;
  /** Where `halo status` asks the upstream router for its view of the VIP (null: not asked). */
  router: RouterView | null;
  location: SourceLocation;
}

export type RoutingDaemonChoice = 'frr' | 'bird' | 'auto';

/** The upstream router's daemon as `halo status` reaches it: control socket (BIRD) or vty directory (FRR), in a netns or here. */
export interface RouterView {
  daemon: 'frr' | 'bird';
  socket: string | null;
  netns: string | null;
}

export interface Diagnostic {
  severity: 'error' | 'warning';
  message: string;
  location: SourceLocation;
  /** A use of a feature halo does not implement, accepted by --allow-unimplemented (not made an error by --strict). */
  unimplemented?: true;
}

/** `FILE:LINE:COL: error: MESSAGE`, the one format every command prints. */
/** One line of linkbeat_interfaces: `IFNAME [MII|ETHTOOL|IOCTL]`. */
/**
 * A garp_group block (keepalived's garp_delay_t, vrrp_if.h): its interfaces share one next-send
 * time for gratuitous ARPs and one for unsolicited NAs, whatever instance sends them.
 */
export interface GarpGroup {
  /** garp_interval / gna_interval, ms (µs precision); null: not set, that kind is not paced on these interfaces. */
  garpIntervalMs: number | null;
  gnaIntervalMs: number | null;
  /** The interfaces it paces (`interface` lines and `interfaces` blocks), each once. */
  interfaces: { name: string; location: SourceLocation }[];
  /** keepalived's aggregation group number: 1, 2, … for a group with an `interfaces` block, else 0. */
  aggregationGroup: number;
  location: SourceLocation;
}

export interface LinkbeatInterface {
  interface: string;
  type: LinkbeatType | null;
  location: SourceLocation;
}

/** keepalived's LB_MII / LB_ETHTOOL / LB_IOCTL: how a polled interface's link is read. */
export type LinkbeatType = 'MII' | 'ETHTOOL' | 'IOCTL';

/** One line of interface_up_down_delays: `IFNAME DOWN [UP]` (seconds, read to microseconds). */
export interface InterfaceUpDownDelay {
  interface: string;
  downUs: number;
  upUs: number;
  location: SourceLocation;
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.location.file}:${d.location.line}:${d.location.col}: ${d.severity}: ${d.message}`;
}
