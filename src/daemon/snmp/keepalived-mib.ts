/**
 * KEEPALIVED-MIB (1.3.6.1.4.1.9586.100.5) as keepalived 2.2.7 serves it with `enable_snmp_vrrp`
 * (core/snmp.c's global objects, vrrp/vrrp_snmp.c's VRRP objects, Debian's build): a pure
 * function from the VRRP side's configuration and live state to the sorted varbinds the
 * subagent answers from.
 *
 * The objects are tables of (sub-identifier, type, getter) rows, one per OID, as keepalived's
 * `struct variable8` arrays are; a getter returning undefined leaves that row's cell out (keepalived's
 * handler then returns NULL and a walk moves on to the next row). keepalived's choices kept:
 *  - rows are numbered by list position from 1 (config order); two-index tables (members,
 *    tracked objects, addresses) by (owner's position, element's position);
 *  - vrrpAddressTable lists static_ipaddress under owner 0, then each instance's
 *    virtual_ipaddress then virtual_ipaddress_excluded, numbered on from one to the other;
 *    vrrpAddressIsAdvertised is true only for the first instance's virtual_ipaddress (its
 *    iterator sets the flag once, for the first instance, and clears it at the first excluded list);
 *  - scripts are shown as keepalived's cmd_str_r writes them: each word in single quotes;
 *  - routerId is the host name when router_id is not given.
 * Not served here: the route encapsulation columns (halo refuses encap), the
 * process tables (Debian's keepalived is built without them), and SNMP Set of
 * vrrpInstanceBasePriority/Preempt (halo's agent is read-only).
 */
import * as ipaddr from 'ipaddr.js';
import type { GlobalDefs, Model, TrackInterface, VirtualIpAddress, VrrpInstance, VrrpSyncGroup } from '../../config/model';
import { compareOids, SnmpType, Varbind } from './vrrpv3-mib';
import {
  Column, GlobalView, inetType, ipBytes, KeepalivedMibView, KmInstance, KmState, nested, numbered, Scalar, scopeOf, STATE, Table, tableVarbinds, text, truth,
} from './keepalived-mib-table';
import { NEXT_HOP_TABLE, ROUTE_TABLE, RULE_TABLE } from './keepalived-mib-routes';
import { trapOid } from './traps';

export type { KeepalivedMibView, KmInstance, KmScript, KmState } from './keepalived-mib-table';

export const KEEPALIVED_MIB = [1, 3, 6, 1, 4, 1, 9586, 100, 5];
/** The global objects (keepalived's GLOBAL_OID) and the VRRP objects (VRRP_OID). */
export const KEEPALIVED_GLOBAL = [...KEEPALIVED_MIB, 1];
export const KEEPALIVED_VRRP = [...KEEPALIVED_MIB, 2];

/**
 * keepalived's cmd_str_r: each word quoted, but a first word that is a redirection; the first
 * word as keepalived resolved it (`paths`).
 */
export function commandString(argv: string[] | null | undefined, paths: Record<string, string> = {}): Buffer | undefined {
  if (!argv || argv.length === 0) return undefined;
  const words = [paths[argv[0]] ?? argv[0], ...argv.slice(1)];
  return text(words.map((w, i) => (i === 0 && (w.startsWith('<') || w.startsWith('>')) ? w : `'${w}'`)).join(' '));
}

/** Every script's argv in the config (what commandPaths is computed for). */
export function scriptCommands(m: Model): string[][] {
  const n = (x: VrrpSyncGroup['notify']) => [x.notify, x.notifyMaster, x.notifyBackup, x.notifyFault, x.notifyStop, x.notifyMasterRxLowerPri, x.notifyDeleted];
  return [...m.vrrpScripts.map((s) => s.script), ...m.vrrpSyncGroups.flatMap((s) => n(s.notify)), ...m.vrrpInstances.flatMap((i) => n(i.notify))]
    .filter((a): a is string[] => !!a && a.length > 0);
}

// ---- global (core/snmp.c global_vars) ----

const g = (v: GlobalView): GlobalDefs => v.model.globalDefs;
/** smtp_alert / _vrrp / _checker: 1 on, 2 off, 3 unset. */
const triState = (b: boolean | null): number => (b === null ? 3 : b ? 1 : 2);
const smtpAddress = (v: GlobalView): string | null => {
  const host = g(v).smtp.server?.host;
  return host && ipaddr.isValid(host) ? host : null;
};

const GLOBAL_SCALARS: Scalar<GlobalView>[] = [
  { sub: [1], type: SnmpType.OctetString, get: (v) => text(v.version) },
  { sub: [2], type: SnmpType.OctetString, get: (v) => text(g(v).routerId ?? v.hostname) },
  // (SNMP_InetAddressType: 1 for AF_INET, else 2, an unset server included)
  { sub: [3, 1], type: SnmpType.Integer, get: (v) => { const a = smtpAddress(v); return a ? inetType(a) : 2; } },
  { sub: [3, 2], type: SnmpType.OctetString, get: (v) => { const a = smtpAddress(v); return a ? ipBytes(a) : Buffer.alloc(4); } },
  // keepalived defaults smtp_connect_timeout to 30 s only with an smtp_server (else 0 unless written;
  // halo's model holds 30 either way, so an explicit 30 without a server shows 0)
  { sub: [3, 3], type: SnmpType.Gauge32, get: (v) => (g(v).smtp.server || g(v).smtp.connectTimeoutSec !== 30 ? g(v).smtp.connectTimeoutSec : 0) },
  { sub: [3, 4], type: SnmpType.OctetString, get: (v) => (g(v).smtp.from !== null ? text(g(v).smtp.from!) : undefined) },
  { sub: [3, 6], type: SnmpType.Gauge32, get: (v) => (smtpAddress(v) ? g(v).smtp.server!.port : 0) },
  { sub: [3, 7], type: SnmpType.Integer, get: (v) => truth(!g(v).smtp.noEmailFaults) },
  { sub: [3, 8], type: SnmpType.Integer, get: (v) => triState(g(v).smtp.alert) },
  { sub: [3, 9], type: SnmpType.Integer, get: (v) => triState(g(v).smtp.alertVrrp) },
  { sub: [3, 10], type: SnmpType.Integer, get: (v) => triState(g(v).smtp.alertChecker) },
  { sub: [4], type: SnmpType.Integer, get: (v) => truth(g(v).enableTraps) },
  // linkBeat: netlink (2 would be polling, which halo refuses)
  { sub: [5], type: SnmpType.Integer, get: () => 1 },
  { sub: [6], type: SnmpType.Integer, get: (v) => truth(g(v).lvsFlush) },
  // ipvs64BitStats: Debian's build has them
  { sub: [7], type: SnmpType.Integer, get: () => 1 },
  { sub: [8], type: SnmpType.OctetString, get: (v) => text(g(v).netNamespace ?? '') },
  // dbusEnabled: enable_dbus (keepalived clears it only when its interface files cannot be read)
  { sub: [9], type: SnmpType.Integer, get: (v) => truth(g(v).enableDbus ?? false) },
  { sub: [10], type: SnmpType.Integer, get: (v) => truth(g(v).dynamicInterfaces) },
  { sub: [11], type: SnmpType.Integer, get: (v) => ({ all: 1, off: 2, vs: 3 })[g(v).lvsFlushOnStop] },
];

const EMAIL_TABLE: Table<string, GlobalView> = {
  entry: [3, 5, 1],
  rows: (v) => numbered(g(v).smtp.emails),
  columns: [{ col: 2, type: SnmpType.OctetString, get: (e) => text(e) }],
};

// ---- VRRP (vrrp/vrrp_snmp.c vrrp_vars) ----

const groups = (v: KeepalivedMibView): VrrpSyncGroup[] => v.model.vrrpSyncGroups;
const notifies = (n: VrrpSyncGroup['notify']): boolean =>
  !!(n.notify || n.notifyMaster || n.notifyBackup || n.notifyFault || n.notifyStop || n.notifyMasterRxLowerPri || n.notifyDeleted);
/** smtp_alert resolved as keepalived does for the VRRP side. */
const smtpAlert = (own: boolean | null, v: KeepalivedMibView): boolean => own ?? g(v).smtp.alertVrrp ?? g(v).smtp.alert ?? false;

const SYNC_GROUP_TABLE: Table<VrrpSyncGroup> = {
  entry: [1, 1],
  rows: (v) => numbered(groups(v)),
  columns: [
    { col: 2, type: SnmpType.OctetString, get: (s) => text(s.name) },
    { col: 3, type: SnmpType.Integer, get: (s, v) => STATE[v.groupStates[s.name] ?? 'INIT'] },
    { col: 4, type: SnmpType.Integer, get: (s, v) => truth(smtpAlert(s.smtpAlert, v)) },
    { col: 5, type: SnmpType.Integer, get: (s) => truth(notifies(s.notify)) },
    { col: 6, type: SnmpType.OctetString, get: (s, v) => commandString(s.notify.notifyMaster, v.commandPaths) },
    { col: 7, type: SnmpType.OctetString, get: (s, v) => commandString(s.notify.notifyBackup, v.commandPaths) },
    { col: 8, type: SnmpType.OctetString, get: (s, v) => commandString(s.notify.notifyFault, v.commandPaths) },
    { col: 9, type: SnmpType.OctetString, get: (s, v) => commandString(s.notify.notify, v.commandPaths) },
    { col: 10, type: SnmpType.Integer, get: (s) => truth(s.trackingWeight) },
    { col: 11, type: SnmpType.OctetString, get: (s, v) => commandString(s.notify.notifyStop, v.commandPaths) },
  ],
};

const SYNC_GROUP_MEMBER_TABLE: Table<string> = {
  entry: [2, 1],
  rows: (v) => nested(groups(v), (s) => s.group.filter((n) => v.instances.some((i) => i.cfg.name === n))),
  columns: [{ col: 2, type: SnmpType.OctetString, get: (n) => text(n) }],
};

const inst = (v: KeepalivedMibView): KmInstance[] => v.instances;
const AUTH: Record<VrrpInstance['authType'], number> = { NONE: 0, PASS: 1, AH: 2 };
const unicast = (c: VrrpInstance): boolean => c.unicastPeers.length > 0;
const mcastGroup = (c: VrrpInstance, v: KeepalivedMibView): string =>
  c.mcastDstIp ?? (c.family === 6 ? g(v).vrrpMcastGroup6 : g(v).vrrpMcastGroup4);

const INSTANCE_TABLE: Table<KmInstance> = {
  entry: [3, 1],
  rows: (v) => numbered(inst(v)),
  columns: [
    { col: 2, type: SnmpType.OctetString, get: (i) => text(i.cfg.name) },
    { col: 3, type: SnmpType.Gauge32, get: (i) => i.cfg.virtualRouterId },
    { col: 4, type: SnmpType.Integer, get: (i) => STATE[i.state] },
    { col: 5, type: SnmpType.Integer, get: (i) => STATE[i.cfg.initialState] },
    { col: 6, type: SnmpType.Integer, get: (i) => STATE[i.wantState] },
    { col: 7, type: SnmpType.Integer, get: (i) => i.basePriority },
    { col: 8, type: SnmpType.Integer, get: (i) => i.effectivePriority },
    { col: 9, type: SnmpType.Integer, get: (i) => truth(i.vipsSet) },
    { col: 10, type: SnmpType.OctetString, get: (i) => text(i.cfg.interface) },
    { col: 11, type: SnmpType.Integer, get: (i) => truth((i.cfg.configuredTrackInterfaces ?? i.cfg.trackInterfaces).length > 0) },
    { col: 12, type: SnmpType.Gauge32, get: (i) => Math.floor(i.cfg.advertIntMs / (i.cfg.version === 2 ? 1000 : 10)) },
    { col: 13, type: SnmpType.Integer, get: (i) => truth(i.preempt) },
    { col: 14, type: SnmpType.Gauge32, get: (i) => Math.floor(i.cfg.preemptDelayMs / 1000) },
    { col: 15, type: SnmpType.Integer, get: (i) => (i.cfg.version === 2 ? AUTH[i.cfg.authType] : 0) },
    { col: 16, type: SnmpType.Integer, get: (i, v) => truth(g(v).lvsSyncDaemon?.instance === i.cfg.name) },
    { col: 17, type: SnmpType.OctetString, get: (i, v) => (g(v).lvsSyncDaemon?.instance === i.cfg.name ? text(g(v).lvsSyncDaemon!.interface) : undefined) },
    { col: 18, type: SnmpType.OctetString, get: (i) => (i.cfg.syncGroup !== null ? text(i.cfg.syncGroup) : undefined) },
    { col: 19, type: SnmpType.Gauge32, get: (i) => Math.floor(i.cfg.garpMasterDelayMs / 1000) },
    { col: 20, type: SnmpType.Integer, get: (i, v) => truth(smtpAlert(i.cfg.smtpAlert, v)) },
    { col: 21, type: SnmpType.Integer, get: (i) => truth(notifies(i.cfg.notify)) },
    { col: 22, type: SnmpType.OctetString, get: (i, v) => commandString(i.cfg.notify.notifyMaster, v.commandPaths) },
    { col: 23, type: SnmpType.OctetString, get: (i, v) => commandString(i.cfg.notify.notifyBackup, v.commandPaths) },
    { col: 24, type: SnmpType.OctetString, get: (i, v) => commandString(i.cfg.notify.notifyFault, v.commandPaths) },
    { col: 25, type: SnmpType.OctetString, get: (i, v) => commandString(i.cfg.notify.notifyStop, v.commandPaths) },
    { col: 26, type: SnmpType.OctetString, get: (i, v) => commandString(i.cfg.notify.notify, v.commandPaths) },
    { col: 27, type: SnmpType.Integer, get: (i) => (i.cfg.version === 3 ? truth(i.cfg.accept) : 0) },
    { col: 28, type: SnmpType.Integer, get: (i) => truth(i.cfg.promoteSecondaries) },
    // vrrpInstanceUseLinkbeat: linkbeat_use_polling, which halo refuses
    { col: 29, type: SnmpType.Integer, get: () => 2 },
    { col: 30, type: SnmpType.Integer, get: (i) => i.cfg.version },
    { col: 31, type: SnmpType.OctetString, get: (i, v) => commandString(i.cfg.notify.notifyMasterRxLowerPri, v.commandPaths) },
    { col: 32, type: SnmpType.OctetString, get: (i, v) => commandString(i.cfg.notify.notifyDeleted, v.commandPaths) },
    { col: 33, type: SnmpType.Integer, get: (i) => truth(!!i.cfg.notify.sendDeleted) },
    { col: 34, type: SnmpType.Integer, get: (i, v) => (unicast(i.cfg) ? undefined : inetType(mcastGroup(i.cfg, v))) },
    { col: 35, type: SnmpType.OctetString, get: (i, v) => (unicast(i.cfg) ? undefined : ipBytes(mcastGroup(i.cfg, v))) },
  ],
};

/** A tracked object's (name, weight, reverse) columns, from `first` on. */
function trackedColumns<R>(first: number, name: (r: R) => string, weight: (r: R, v: KeepalivedMibView) => number, reverse: (r: R, v: KeepalivedMibView) => boolean): Column<R>[] {
  return [
    { col: first, type: SnmpType.OctetString, get: (r) => text(name(r)) },
    { col: first + 1, type: SnmpType.Integer, get: (r, v) => weight(r, v) },
    { col: first + 2, type: SnmpType.Integer, get: (r, v) => truth(reverse(r, v)) },
  ];
}

type TrackScript = VrrpInstance['trackScripts'][number];
type TrackFileRef = VrrpInstance['trackFiles'][number];
const scriptDefault = (v: KeepalivedMibView, name: string) => v.model.vrrpScripts.find((s) => s.name === name);
const fileDefault = (v: KeepalivedMibView, name: string) => v.model.trackFiles.find((f) => f.name === name);
/** A track_script's weight: its own, else the vrrp_script's. */
const scriptWeight = (t: TrackScript, v: KeepalivedMibView): number => t.weight ?? scriptDefault(v, t.name)?.weight ?? 0;
const scriptReverse = (t: TrackScript, v: KeepalivedMibView): boolean => (t.weight !== null ? t.weightReverse : scriptDefault(v, t.name)?.weightReverse ?? false);
const knownScripts = (ts: TrackScript[], v: KeepalivedMibView): TrackScript[] => ts.filter((t) => scriptDefault(v, t.name));
const knownFiles = (ts: TrackFileRef[], v: KeepalivedMibView): TrackFileRef[] => ts.filter((t) => fileDefault(v, t.name));
/** vrrpTrackedFileTable shows the track_file's own weight (keepalived reads bfile->file->weight). */
const fileWeight = (t: TrackFileRef, v: KeepalivedMibView): number => fileDefault(v, t.name)!.weight;
const fileReverse = (t: TrackFileRef, v: KeepalivedMibView): boolean => fileDefault(v, t.name)!.reverse;

const TRACKED_INTERFACE_TABLE: Table<TrackInterface> = {
  entry: [4, 1],
  // (as written: not the interfaces of tracked routes and rules, which keepalived tracks apart)
  rows: (v) => nested(inst(v), (i) => i.cfg.configuredTrackInterfaces ?? i.cfg.trackInterfaces),
  // (halo's track_interface takes no 'reverse')
  columns: trackedColumns(1, (t) => t.name, (t) => t.weight, () => false),
};
const TRACKED_SCRIPT_TABLE: Table<TrackScript> = {
  entry: [5, 1],
  rows: (v) => nested(inst(v), (i) => knownScripts(i.cfg.trackScripts, v)),
  columns: trackedColumns(2, (t) => t.name, scriptWeight, scriptReverse),
};
const TRACKED_FILE_TABLE: Table<TrackFileRef> = {
  entry: [12, 1],
  rows: (v) => nested(inst(v), (i) => knownFiles(i.cfg.trackFiles, v)),
  columns: trackedColumns(2, (t) => t.name, fileWeight, fileReverse),
};

interface AddressRow {
  a: VirtualIpAddress;
  advertised: boolean;
  set: boolean;
}

/** static_ipaddress (owner 0), then per instance its VIPs then its excluded VIPs (one numbering). */
function addressRows(v: KeepalivedMibView): Array<{ index: number[]; row: AddressRow }> {
  const out: Array<{ index: number[]; row: AddressRow }> = [];
  v.model.staticAddresses.forEach((a, m) => out.push({ index: [0, m + 1], row: { a, advertised: false, set: v.staticAddressesSet } }));
  v.instances.forEach((i, k) => {
    const all = [
      ...i.cfg.virtualIpAddresses.map((a) => ({ a, advertised: k === 0 })),
      ...i.cfg.virtualIpAddressesExcluded.map((a) => ({ a, advertised: false })),
    ];
    all.forEach((r, m) => out.push({ index: [k + 1, m + 1], row: { ...r, set: i.vipsSet } }));
  });
  return out;
}

const ADDRESS_TABLE: Table<AddressRow> = {
  entry: [6, 1],
  rows: addressRows,
  columns: [
    { col: 2, type: SnmpType.Integer, get: (r) => (r.a.family === 6 ? 2 : 1) },
    { col: 3, type: SnmpType.OctetString, get: (r) => ipBytes(r.a.address) },
    { col: 4, type: SnmpType.OctetString, get: (r) => (r.a.family === 6 ? undefined : ipBytes(r.a.broadcast ?? '0.0.0.0')) },
    { col: 5, type: SnmpType.Gauge32, get: (r) => r.a.prefixLen },
    { col: 6, type: SnmpType.Integer, get: (r) => scopeOf(r.a.scope) },
    { col: 7, type: SnmpType.Integer, get: (r, v) => v.ifindex[r.a.dev] ?? 0 },
    { col: 8, type: SnmpType.OctetString, get: (r) => text(r.a.dev) },
    { col: 9, type: SnmpType.OctetString, get: (r) => (r.a.label !== null ? text(r.a.label) : undefined) },
    { col: 10, type: SnmpType.Integer, get: (r) => truth(r.set) },
    { col: 11, type: SnmpType.Integer, get: (r) => truth(r.advertised) },
    // vrrpAddressPeer (12): halo's virtual_ipaddress takes no 'peer', so no row has one
  ],
};

type VrrpScriptCfg = Model['vrrpScripts'][number];
/** vrrpScriptResult: init(1), bad(2), good(3). */
const scriptResult = (s: VrrpScriptCfg, v: KeepalivedMibView): number => {
  const live = v.scripts[s.name];
  if (!live || live.up === null) return 1;
  return live.up ? 3 : 2;
};
const SCRIPT_TABLE: Table<VrrpScriptCfg> = {
  entry: [9, 1],
  rows: (v) => numbered(v.model.vrrpScripts),
  columns: [
    { col: 2, type: SnmpType.OctetString, get: (s) => text(s.name) },
    { col: 3, type: SnmpType.OctetString, get: (s, v) => commandString(s.script, v.commandPaths) ?? text('') },
    { col: 4, type: SnmpType.Integer, get: (s) => Math.floor(s.intervalMs / 1000) },
    { col: 5, type: SnmpType.Integer, get: (s) => s.weight },
    { col: 6, type: SnmpType.Integer, get: scriptResult },
    { col: 7, type: SnmpType.Gauge32, get: (s) => s.rise },
    { col: 8, type: SnmpType.Gauge32, get: (s) => s.fall },
    { col: 9, type: SnmpType.Integer, get: (s) => truth(s.weightReverse) },
  ],
};

type TrackFileCfg = Model['trackFiles'][number];
const FILE_TABLE: Table<TrackFileCfg> = {
  entry: [13, 1],
  rows: (v) => numbered(v.model.trackFiles),
  columns: [
    { col: 2, type: SnmpType.OctetString, get: (f) => text(f.name) },
    { col: 3, type: SnmpType.OctetString, get: (f) => text(f.path) },
    { col: 4, type: SnmpType.Integer, get: (f, v) => v.files[f.name] ?? 0 },
    { col: 5, type: SnmpType.Integer, get: (f) => f.weight },
    { col: 6, type: SnmpType.Integer, get: (f) => truth(f.reverse) },
  ],
};

const SGROUP_TRACKED_INTERFACE_TABLE: Table<TrackInterface> = {
  entry: [14, 1],
  rows: (v) => nested(groups(v), (s) => s.trackInterfaces),
  columns: trackedColumns(1, (t) => t.name, (t) => t.weight, () => false),
};
const SGROUP_TRACKED_SCRIPT_TABLE: Table<TrackScript> = {
  entry: [15, 1],
  rows: (v) => nested(groups(v), (s) => knownScripts(s.trackScripts, v)),
  columns: trackedColumns(2, (t) => t.name, scriptWeight, scriptReverse),
};
const SGROUP_TRACKED_FILE_TABLE: Table<TrackFileRef> = {
  entry: [16, 1],
  rows: (v) => nested(groups(v), (s) => knownFiles(s.trackFiles, v)),
  columns: trackedColumns(2, (t) => t.name, fileWeight, fileReverse),
};

type BfdCfg = Model['bfdInstances'][number];
type TrackBfd = VrrpInstance['trackBfds'][number];
/** keepalived's vrrp_track_bfds: the bfd_instances that send to VRRP, in config order. */
const vrrpBfds = (v: KeepalivedMibView): BfdCfg[] => v.model.bfdInstances.filter((b) => b.toVrrp);
const bfdOf = (v: KeepalivedMibView, name: string) => vrrpBfds(v).find((b) => b.name === name);
const knownBfds = (ts: TrackBfd[], v: KeepalivedMibView): TrackBfd[] => ts.filter((t) => bfdOf(v, t.name));
/** vrrpTrackedBfdTable shows the bfd_instance's weight, not the track_bfd's (keepalived reads bbfd->bfd->weight). */
const bfdWeight = (t: TrackBfd, v: KeepalivedMibView): number => bfdOf(v, t.name)!.weight;
const bfdReverse = (t: TrackBfd, v: KeepalivedMibView): boolean => bfdOf(v, t.name)!.weightReverse;

const TRACKED_BFD_TABLE: Table<TrackBfd> = {
  entry: [17, 1],
  rows: (v) => nested(inst(v), (i) => knownBfds(i.cfg.trackBfds, v)),
  columns: trackedColumns(2, (t) => t.name, bfdWeight, bfdReverse),
};
const BFD_TABLE: Table<BfdCfg> = {
  entry: [18, 1],
  rows: (v) => numbered(vrrpBfds(v)),
  columns: [
    { col: 2, type: SnmpType.OctetString, get: (b) => text(b.name) },
    // vrrpBfdResult: keepalived's bfd_up as a number, 1 Up, 0 otherwise (not a TruthValue)
    { col: 3, type: SnmpType.Integer, get: (b, v) => (v.bfds[b.name] ? 1 : 0) },
    { col: 4, type: SnmpType.Integer, get: (b) => b.weight },
    { col: 5, type: SnmpType.Integer, get: (b) => truth(b.weightReverse) },
  ],
};
const SGROUP_TRACKED_BFD_TABLE: Table<TrackBfd> = {
  entry: [19, 1],
  rows: (v) => nested(groups(v), (s) => knownBfds(s.trackBfds, v)),
  columns: trackedColumns(2, (t) => t.name, bfdWeight, bfdReverse),
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const VRRP_TABLES: Table<any>[] = [
  SYNC_GROUP_TABLE, SYNC_GROUP_MEMBER_TABLE, INSTANCE_TABLE, TRACKED_INTERFACE_TABLE, TRACKED_SCRIPT_TABLE,
  ADDRESS_TABLE, ROUTE_TABLE, RULE_TABLE, SCRIPT_TABLE, NEXT_HOP_TABLE, TRACKED_FILE_TABLE, FILE_TABLE,
  SGROUP_TRACKED_INTERFACE_TABLE, SGROUP_TRACKED_SCRIPT_TABLE, SGROUP_TRACKED_FILE_TABLE,
  TRACKED_BFD_TABLE, BFD_TABLE, SGROUP_TRACKED_BFD_TABLE,
];

/** The global objects registered (scalars and columns, without instance sub-identifiers). */
export const KEEPALIVED_GLOBAL_OBJECTS: number[][] = [
  ...GLOBAL_SCALARS.map((s) => [...KEEPALIVED_GLOBAL, ...s.sub]),
  ...EMAIL_TABLE.columns.map((c) => [...KEEPALIVED_GLOBAL, ...EMAIL_TABLE.entry, c.col]),
];
/** The VRRP objects registered. */
export const KEEPALIVED_VRRP_OBJECTS: number[][] = VRRP_TABLES.flatMap((t) => t.columns.map((c) => [...KEEPALIVED_VRRP, ...t.entry, c.col]));

/** KEEPALIVED-MIB's global objects (core/snmp.c), unsorted. */
export function keepalivedGlobalVarbinds(v: GlobalView): Varbind[] {
  const out: Varbind[] = [];
  for (const s of GLOBAL_SCALARS) {
    const value = s.get(v);
    if (value !== undefined) out.push({ oid: [...KEEPALIVED_GLOBAL, ...s.sub, 0], type: s.type, value });
  }
  tableVarbinds(KEEPALIVED_GLOBAL, EMAIL_TABLE, v, out);
  return out;
}

/** KEEPALIVED-MIB's VRRP objects (vrrp/vrrp_snmp.c) for this view, unsorted. */
export function keepalivedVrrpVarbinds(v: KeepalivedMibView): Varbind[] {
  const out: Varbind[] = [];
  for (const t of VRRP_TABLES) tableVarbinds(KEEPALIVED_VRRP, t, v, out);
  return out;
}

/** The global and VRRP objects registered (enable_snmp_vrrp). */
export const KEEPALIVED_MIB_OBJECTS: number[][] = [...KEEPALIVED_GLOBAL_OBJECTS, ...KEEPALIVED_VRRP_OBJECTS];

/** The whole KEEPALIVED-MIB (global and VRRP parts) for this view, sorted by OID. */
export function keepalivedMibVarbinds(v: KeepalivedMibView): Varbind[] {
  return [...keepalivedGlobalVarbinds(v), ...keepalivedVrrpVarbinds(v)].sort((a, b) => compareOids(a.oid, b.oid));
}

/** The state a notification carries: keepalived's traps number STOP 5 (the tables say unknown(4)). */
const TRAP_STATE: Record<KmState, number> = { ...STATE, STOP: 5 };

export type KmNotification = Array<{ oid: number[]; type: number; value: number | Buffer | string }>;

const routerIdVarbind = (gd: GlobalDefs, hostname: string) => ({ oid: [...KEEPALIVED_GLOBAL, 2, 0], type: SnmpType.OctetString, value: text(gd.routerId ?? hostname) });

/**
 * vrrpInstanceStateChange (…5.2.10.0.2), sent by keepalived with enable_traps at each of an
 * instance's notifies: vrrpInstanceName, vrrpInstanceState and vrrpInstanceInitialState without
 * an index (as keepalived writes them), then routerId.0.
 */
export function instanceStateNotification(cfg: VrrpInstance, state: KmState, gd: GlobalDefs, hostname: string): KmNotification {
  return [
    trapOid([...KEEPALIVED_VRRP, 10, 0, 2]),
    { oid: [...KEEPALIVED_VRRP, 3, 1, 2], type: SnmpType.OctetString, value: text(cfg.name) },
    { oid: [...KEEPALIVED_VRRP, 3, 1, 4], type: SnmpType.Integer, value: TRAP_STATE[state] },
    { oid: [...KEEPALIVED_VRRP, 3, 1, 5], type: SnmpType.Integer, value: STATE[cfg.initialState] },
    routerIdVarbind(gd, hostname),
  ];
}

/** vrrpSyncGroupStateChange (…5.2.10.0.1) at each of a sync group's notifies. */
export function groupStateNotification(name: string, state: KmState, gd: GlobalDefs, hostname: string): KmNotification {
  return [
    trapOid([...KEEPALIVED_VRRP, 10, 0, 1]),
    { oid: [...KEEPALIVED_VRRP, 1, 1, 2], type: SnmpType.OctetString, value: text(name) },
    { oid: [...KEEPALIVED_VRRP, 1, 1, 3], type: SnmpType.Integer, value: TRAP_STATE[state] },
    routerIdVarbind(gd, hostname),
  ];
}
