/**
 * The top level of keepalived.conf: every block keyword keepalived 2.2.7 installs with
 * install_keyword_root (global_parser.c, vrrp_parser.c, check_parser.c, bfd_parser.c,
 * track_file.c), and the root keywords keepalived only accepts outside global_defs.
 */
import { buildGlobalDefs, buildVrrpScript } from '../build-global';
import { buildVirtualServer, buildVirtualServerGroup, type VirtualServerDraft } from '../build-lvs';
import { buildInstance, buildSyncGroup, type InstanceDraft, type SyncGroupDraft } from '../build-vrrp';
import { buildSsl, buildTrackFile } from '../build-checker';
import { buildBfdInstance } from '../build-bfd';
import { buildAnnounce } from '../build-announce';
import type { Announce, BfdInstance, GlobalDefs, InterfaceUpDownDelay, SslConfig, TrackFile, VirtualIpAddress, VirtualServerGroup, VrrpScript, VrrpTrackProcess } from '../model';
import type { IpRoute, IpRule } from '../routes-model';
import { parseRoute, parseRule } from '../routes';
import { vipEntry } from '../vrrp-values';
import { startTrackGroup } from '../track-groups';
import { readTimerUs } from '../timer-value';

/** keepalived's DFLT_INT (vrrp_ipaddress.h): the interface when neither dev nor default_interface names one. */
const DEFAULT_INTERFACE = 'eth0';
import { buildTrackProcess, TRACK_GROUP } from './vrrp';
import { applySection } from './apply';
import { buildGarpGroup } from './garp-group';
import { acted, noEffect, notImplemented, section, type KeywordSpec } from './types';
import type { BuildContext } from '../context';
import type { Statement } from '../parse';

/** `net_namespace NAME` / `instance NAME`: the first one counts (global_parser.c). */
function processName(ctx: BuildContext, s: Statement, g: GlobalDefs, key: 'netNamespace' | 'instanceName', what: string, missing: string): void {
  const w = s.args[0];
  if (!w) {
    ctx.warn(s.keyword, missing);
    return;
  }
  if (g[key] !== null) {
    ctx.warn(w, `Duplicate ${what} definition ${w.value} - ignoring`);
    return;
  }
  g[key] = w.value;
}

/** vrrp_parser.c alloc_if_up_down_delay: one line of interface_up_down_delays, with its words. */
function upDownDelay(ctx: BuildContext, e: Statement): InterfaceUpDownDelay | null {
  const name = e.keyword.value;
  if (e.args.length < 1) return void ctx.warn(e.keyword, `No timeouts specified for ${name} up/down delays`), null;
  if (e.args.length > 2) ctx.warn(e.args[2], `Too many parameters for ${name} up/down delays`);
  const read = (i: number, what: string): number | null => {
    const r = readTimerUs(e.args[i].value, 0, 255_000_000);
    for (const w of r.warnings) ctx.warn(e.args[i], w);
    if (r.us === null) ctx.warn(e.args[i], `Invalid ${what} delay ${e.args[i].value} for ${name}`);
    return r.us;
  };
  const downUs = read(0, 'down');
  if (downUs === null) return null;
  const upUs = e.args.length >= 2 ? read(1, 'up') : 0;
  if (upUs === null) return null;
  return { interface: name, downUs, upUs, location: ctx.loc(e.keyword) };
}

export interface RootDrafts {
  globalDefs: GlobalDefs;
  scripts: VrrpScript[];
  syncDrafts: SyncGroupDraft[];
  instanceDrafts: InstanceDraft[];
  vsDrafts: VirtualServerDraft[];
  groups: VirtualServerGroup[];
  /** The SSL block (SSL_GET's client certificate and CA). */
  ssl: { config: SslConfig | null };
  /** track_file blocks, read before the virtual servers whose FILE_CHECKs name them. */
  trackFiles: TrackFile[];
  trackProcesses: VrrpTrackProcess[];
  bfdInstances: BfdInstance[];
  /** halo_announce blocks (halo's own). */
  announces: Announce[];
  staticAddresses: VirtualIpAddress[];
  staticRoutes: IpRoute[];
  staticRules: IpRule[];
}

type R = RootDrafts;

const K: KeywordSpec<R>[] = [
  acted('linkbeat_use_polling', 'use_polling_handler', 'off', "every instance's interface is polled each second for its link (MII BMSR, else ETHTOOL GLINK, else the interface flags, and IFF_UP|IFF_RUNNING) instead of read from netlink: 'Linkbeat reports IF up/down'", (_ctx, _s, r) => { r.globalDefs.linkbeatUsePolling = true; }),
  acted('net_namespace', 'net_namespace_handler', '', 'NAME: halo (supervisor, worker, scripts) runs in /run/netns/NAME, entered with ip netns exec; the default pid file and control socket become /run/halo/NAME/halo.pid and .sock; a reload cannot change it', (ctx, s, r) => processName(ctx, s, r.globalDefs, 'netNamespace', 'net_namespace', 'net_namespace name missing - ignoring')),
  acted('net_namespace_ipvs', 'net_namespace_ipvs_handler', '', "[NAME]: the IPVS table (and nftables_ipvs's table, the LVS sync daemon) is programmed in /run/netns/NAME, or without a name in the initial namespace (/proc/1/ns/net); checkers and VRRP stay in halo's own; a reload cannot change it", (ctx, s, r) => {
    const w = s.args[0];
    if (r.globalDefs.netNamespaceIpvs !== undefined) {
      ctx.warn(w ?? s.keyword, `Duplicate net_namespace_ipvs definition ${w?.value ?? '(null)'} - ignoring`);
      return;
    }
    r.globalDefs.netNamespaceIpvs = w?.value ?? '';
  }),
  noEffect('namespace_with_ipsets', 'namespace_ipsets_handler', 'off', "lets keepalived use its default ipset names with net_namespace on kernels before 3.13 (vrrp_ipset.c, built only with libipset: Debian's 2.2.7 has no ipset support and ignores it, keepalived -v); halo uses no ipsets"),
  noEffect('use_pid_dir', 'use_pid_dir_handler', 'off', "places keepalived's pid files under /run/keepalived/; halo's pid file is --pid-file"),
  acted('instance', 'instance_handler', '', 'NAME: the default pid file and control socket become /run/halo/halo_NAME.pid and .sock (keepalived_NAME.pid); a reload cannot change it', (ctx, s, r) => processName(ctx, s, r.globalDefs, 'instanceName', 'instance', 'instance name missing - ignoring')),
  noEffect('child_wait_time', 'child_wait_handler', '', "how long keepalived waits for its children at stop; halo's supervisor has its own stop timeout"),
  acted('global_defs', 'NULL (a block)', '', '', (ctx, s, r) => { const b = ctx.needBlock(s); if (b) buildGlobalDefs(ctx, b, r.globalDefs); }),
  acted('track_group', 'static_track_group_handler', '', "NAME { group { INSTANCE … } }: each of the group's instances tracks the interface of every static address, route (dev) and rule (iif) naming the group with track_group, unweighted (down: FAULT); declared before the entries that name it; a group left without instances is removed, with keepalived's lines", (ctx, s) => {
    const g = startTrackGroup(ctx, s);
    const b = ctx.needBlock(s);
    if (g && b) applySection(ctx, b, TRACK_GROUP, g, `track_group ${g.name}`);
  }),
  acted('static_ipaddress', 'static_addresses_handler', '', "addresses added at start and removed at stop, in virtual_ipaddress's grammar with no_track and track_group; one with no dev goes on default_interface (eth0 when unset), as keepalived; one deleted by someone else, or still missing when its interface comes up, is put back unless no_track ('Restoring deleted static address')", (ctx, s, r) => {
    for (const e of ctx.needBlock(s) ?? []) {
      ctx.checkBlock(e);
      const a = vipEntry(ctx, e, false, true);
      if (!a) continue;
      // vrrp_ipaddress.c get_default_if: default_interface as set so far in the file, else eth0
      if (a.dev === '') a.dev = r.globalDefs.defaultInterface ?? DEFAULT_INTERFACE;
      r.staticAddresses.push(a);
    }
  }),
  acted('static_routes', 'static_routes_handler', '', "routes added at start (after removing leftovers) and removed at stop; a tracked one (with dev, no no_track) deleted by someone else is put back while route events are read (a static route or rule with track_group, or a tracked virtual route or rule, as keepalived), and when its dev comes up, as keepalived's reinstate_static_route; track_group as in track_group; `vrf NAME` is the VRF's table (read from the host when the config is read: an unknown or non-VRF name drops the route with keepalived's words); encap is refused", (ctx, s, r) => {
    for (const e of ctx.needBlock(s) ?? []) {
      ctx.checkBlock(e);
      const x = parseRoute(ctx, e, 'static_routes');
      if (x) r.staticRoutes.push(x);
    }
  }),
  acted('static_rules', 'static_rules_handler', '', 'policy rules added at start (after removing leftovers) and removed at stop; a tracked one deleted by someone else is put back while rule events are read (as static_routes); track_group (with iif) as in track_group', (ctx, s, r) => {
    for (const e of ctx.needBlock(s) ?? []) {
      ctx.checkBlock(e);
      const x = parseRule(ctx, e, 'static_rules', ctx.rulePriorities);
      if (x) r.staticRules.push(x);
    }
  }),
  acted('vrrp_sync_group', 'vrrp_sync_group_handler', '', '', (ctx, s, r) => { const g = buildSyncGroup(ctx, s); if (g) r.syncDrafts.push(g); }),
  acted('garp_group', 'garp_group_handler', '', "GARP/NA intervals shared by a group of interfaces: every instance's gratuitous ARPs (unsolicited NAs) on them go at most one per garp_interval (gna_interval), from one next-send time, as keepalived's garp_delay (vrrp_arp.c); an interface in no group is paced by vrrp_garp_interval / vrrp_gna_interval on its own", (ctx, s, r) => {
    const g = buildGarpGroup(ctx, s, r.globalDefs.garpGroups);
    if (g) r.globalDefs.garpGroups.push(g);
  }),
  acted('linkbeat_interfaces', 'linkbeat_interfaces_handler', '', "lines IFNAME [MII|ETHTOOL|IOCTL]: the interface's link is polled each second with that probe (none: the first that works), instead of read from netlink; one no instance uses or tracks is not polled (keepalived's line); one not there at start is warned about and ignored (dynamic_interfaces: kept)", (ctx, s, r) => {
    for (const e of ctx.needBlock(s) ?? []) {
      ctx.checkBlock(e);
      // vrrp_parser.c alloc_linkbeat_interface
      const w = e.args[0];
      const type = w && (['MII', 'ETHTOOL', 'IOCTL'] as const).find((t) => t === w.value);
      if (w && (!type || e.args.length > 1)) ctx.warn(w, `extra characters ${w.value} in linkbeat interface`);
      r.globalDefs.linkbeatInterfaces.push({ interface: e.keyword.value, type: type ?? null, location: ctx.loc(e.keyword) });
    }
  }),
  acted('vrrp_instance', 'vrrp_handler', '', '', (ctx, s, r) => { const d = buildInstance(ctx, s); if (d) r.instanceDrafts.push(d); }),
  acted('vrrp_script', 'vrrp_script_handler', '', '', (ctx, s, r) => { const v = buildVrrpScript(ctx, s); if (v) r.scripts.push(v); }),
  acted('vrrp_track_process', 'vrrp_tprocess_handler', '', 'a tracked process set (track_process), counted from the kernel\'s process events; only in the initial network namespace (the connector serves no other): elsewhere halo refuses to start', (ctx, s, r) => { const t = buildTrackProcess(ctx, s); if (t) r.trackProcesses.push(t); }),
  acted('interface_up_down_delays', 'interface_up_down_delays_handler', '', "lines IFNAME DOWN [UP] (seconds, 0-255): a down or up of that interface is acted on by the instances (FAULT, tracking) only once it has lasted that long, with keepalived's lines; a delay not below (down_timer_adverts - 1) * advert_int of an instance on the interface is cut to just below it, and none with down_timer_adverts 1; an interface that is not there at start is warned about and ignored (dynamic_interfaces: kept)", (ctx, s, r) => {
    for (const e of ctx.needBlock(s) ?? []) {
      ctx.checkBlock(e);
      const d = upDownDelay(ctx, e);
      if (d) r.globalDefs.interfaceUpDownDelays.push(d);
    }
  }),
  acted('SSL', 'ssl_handler', '', 'SSL_GET client certificate (certificate, key, password) and CA; as keepalived, the server certificate is not verified', (ctx, s, r) => { r.ssl.config = buildSsl(ctx, s) ?? r.ssl.config; }),
  acted('virtual_server_group', 'vsg_handler', '', '', (ctx, s, r) => { const g = buildVirtualServerGroup(ctx, s); if (g) r.groups.push(g); }),
  acted('virtual_server', 'vs_handler', '', '', (ctx, s, r) => { const v = buildVirtualServer(ctx, s, r.globalDefs, r.trackFiles); if (v) r.vsDrafts.push(v); }),
  acted('bfd_instance', 'bfd_handler', '', 'a single-hop BFD session (RFC 5880/5881) in the director process, for BFD_CHECK and track_bfd', (ctx, s, r) => { const b = buildBfdInstance(ctx, s, r.bfdInstances); if (b) r.bfdInstances.push(b); }),
  acted('track_file', 'track_file_handler', '', "a tracked file for FILE_CHECK and the VRRP instances' track_file (file, weight [reverse], init_file)", (ctx, s, r) => { const t = buildTrackFile(ctx, s); if (t) r.trackFiles.push(t); }),
  acted('vrrp_track_file', 'vrrp_track_file_handler', '', 'deprecated spelling of track_file, with keepalived\'s warning', (ctx, s, r) => { const t = buildTrackFile(ctx, s); if (t) r.trackFiles.push(t); }),
  acted('halo_announce', '(halo only)', '', 'not a keepalived keyword: a VIP announced by the routing daemon (BGP ECMP) while its virtual servers have quorum; see README "Active-active directors"', (ctx, s, r) => { const a = buildAnnounce(ctx, s); if (a) r.announces.push(a); }),
];

export const ROOT = section<R>('(top level)', K);
