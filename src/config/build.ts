/**
 * Statement tree → validated Model. Sections are built in file order; cross-references
 * (sync group members, track_script names, VRIDs per interface, virtual_server groups) are
 * checked once everything is read, so every problem is reported, each at its own place.
 */
import { createVmacName } from './vmac-values';
import { checkAnnounces } from './build-announce';
import { assignAutoFwmarks } from './auto-fwmark';
import { defaultGlobalDefs } from './build-global';
import { linkGroups, validateVirtualServer, type VirtualServerDraft } from './build-lvs';
import { finishInstance, type InstanceDraft, type SyncGroupDraft } from './build-vrrp';
import { BuildContext, ownUserScripts, type BuildOptions } from './context';
import { applySection } from './keywords/apply';
import { ROOT } from './keywords/root';
import type {
  Announce, BfdInstance, Diagnostic, GlobalDefs, Model, NotifyScripts, SourceLocation, SslConfig, TrackBfdRef, TrackFile, VirtualServer, VirtualServerGroup, VrrpInstance,
  VrrpScript, VrrpSyncGroup, VrrpTrackProcess, VirtualIpAddress,
} from './model';
import { resolveTrackObjects } from './vrrp-values';
import { applyTrackGroups } from './track-groups';
import { DEFAULT_SCRIPT_USER, resolveRunAs } from './script-user';
import type { Statement, Word } from './parse';
import type { SourceMap } from './source';
import type { IpRoute, IpRule } from './routes-model';

export function buildModel(statements: Statement[], sources: SourceMap, file: string, opts: BuildOptions = {}): { model: Model; diagnostics: Diagnostic[] } {
  const ctx = new BuildContext(sources, opts);
  const globalDefs = defaultGlobalDefs();
  const scripts: VrrpScript[] = [];
  const syncDrafts: SyncGroupDraft[] = [];
  const instanceDrafts: InstanceDraft[] = [];
  const vsDrafts: VirtualServerDraft[] = [];
  const groups: VirtualServerGroup[] = [];
  const trackFiles: TrackFile[] = [];
  const trackProcesses: VrrpTrackProcess[] = [];
  const bfdInstances: BfdInstance[] = [];
  const ssl: { config: SslConfig | null } = { config: null };
  const announceDrafts: Announce[] = [];
  const staticAddresses: VirtualIpAddress[] = [];
  const staticRoutes: IpRoute[] = [];
  const staticRules: IpRule[] = [];

  applySection(ctx, statements, ROOT, { globalDefs, scripts, syncDrafts, instanceDrafts, vsDrafts, groups, ssl, trackFiles, trackProcesses, bfdInstances, announces: announceDrafts, staticAddresses, staticRoutes, staticRules }, '');
  const noScriptUser = resolveScriptUser(ctx, globalDefs);
  for (let i = scripts.length - 1; i >= 0; i--) {
    const v = scripts[i];
    if (v.user !== null) continue;
    if (noScriptUser) {
      ctx.diagnostics.push({ severity: 'warning', message: `Unable to set default user for vrrp script ${v.name} - removing`, location: v.location });
      scripts.splice(i, 1);
    } else v.runAs = globalDefs.scriptRunAs;
  }

  const instances: VrrpInstance[] = [];
  const byName = new Map<string, VrrpInstance>();
  const seen = new Map<string, InstanceDraft>();
  const vridOwner = new Map<string, InstanceDraft>();
  const scriptNames = new Set(scripts.map((v) => v.name));
  const seenScripts = new Set<string>();
  for (const v of scripts) {
    if (seenScripts.has(v.name)) ctx.diagnostics.push({ severity: 'error', message: `duplicate vrrp_script '${v.name}'`, location: v.location });
    seenScripts.add(v.name);
  }
  const vmacOwner = new Map<string, string>();
  // create_vmac_name: a VMAC given no name takes one no other instance's VMAC has
  const vmacNames = new Set(instanceDrafts.flatMap((d) => [d.vmacName?.value, d.ipvlanName?.value].filter((n): n is string => n !== undefined)));
  const vmacName = (vrid: number, family: 4 | 6, forAddress = false) => {
    const prefix = (forAddress ? globalDefs.vmacAddrPrefix : null) ?? globalDefs.vmacPrefix ?? 'vrrp';
    const name = createVmacName(prefix, vrid, family, (n) => vmacNames.has(n));
    vmacNames.add(name);
    return name;
  };
  const ipv6Group = new Map<string, string>();
  for (const d of instanceDrafts) {
    const name = d.name.value;
    const first = seen.get(name);
    if (first) {
      // keepalived skips the second block and carries on.
      ctx.warn(d.name, `vrrp instance ${name} already defined`);
      continue;
    }
    seen.set(name, d);
    for (const ref of d.scriptRefs) {
      if (!scriptNames.has(ref.value)) ctx.warn(ref, `(${name}) track_script '${ref.value}' is not a defined vrrp_script; ignored`);
    }
    const inst = finishInstance(ctx, d, globalDefs, vmacName);
    if (!inst) continue;
    inst.trackScripts = inst.trackScripts.filter((t) => scriptNames.has(t.name));
    inst.trackFiles = resolveTrackObjects(ctx, name, d.fileRefs, trackFiles, 'file');
    inst.trackProcesses = resolveTrackObjects(ctx, name, d.processRefs, trackProcesses, 'process');
    if (inst.priority === 255) unweightTrackFiles(ctx, inst, 'address_owner', d.name);
    inst.trackBfds = knownBfds(ctx, inst.name, inst.trackBfds, d.bfdRefs, bfdInstances);
    // One VRID per interface, address family and multicast group (mcast_dst_ip; keepalived's
    // vrrp_complete_init allows one per group): two instances would answer each other's adverts.
    const groupKey = inst.unicastPeers.length === 0 && inst.mcastDstIp !== null && inst.mcastDstIp !== (inst.family === 6 ? globalDefs.vrrpMcastGroup6 : globalDefs.vrrpMcastGroup4) ? inst.mcastDstIp : '';
    const vridKey = `${inst.interface}/${inst.family}/${inst.virtualRouterId}/${groupKey}`;
    const owner = vridOwner.get(vridKey);
    if (owner) {
      const at = ctx.loc(owner.vridWord ?? owner.name);
      ctx.error(d.vridWord ?? d.name, `(${name}) virtual_router_id ${inst.virtualRouterId} is already used on ${inst.interface} by ${owner.name.value} (${at.file}:${at.line}:${at.col})`);
    } else vridOwner.set(vridKey, d);
    // halo's IPv6 VRRP socket (native) joins one group per interface: a second one there is refused
    if (inst.family === 6 && inst.unicastPeers.length === 0) {
      const dev = inst.vmac && !inst.vmac.xmitBase ? inst.vmac.name : inst.interface;
      const group = inst.mcastDstIp ?? globalDefs.vrrpMcastGroup6;
      const other = ipv6Group.get(dev);
      if (other === undefined) ipv6Group.set(dev, group);
      else if (other !== group) ctx.unimplemented(d.name, `(${name}) a second IPv6 multicast group on ${dev} (mcast_dst_ip ${group}, beside ${other})`);
    }
    if (inst.vmac) {
      const other = vmacOwner.get(inst.vmac.name);
      if (other) ctx.error(d.ipvlanName ?? d.vmacName ?? d.ipvlanWord ?? d.vmacWord ?? d.name, `(${name}) VRRP instance ${other} is already using ${inst.vmac.name}`);
      else vmacOwner.set(inst.vmac.name, name);
    }
    instances.push(inst);
    byName.set(name, inst);
  }

  // vrrp.c vrrp_complete_init: static_track_group_init
  applyTrackGroups(ctx, instances, { addresses: staticAddresses, routes: staticRoutes, rules: staticRules });

  const syncGroups = [];
  const memberOf = new Map<string, string>();
  for (const g of syncDrafts) {
    for (const ref of g.scriptRefs) {
      if (!scriptNames.has(ref.value)) ctx.warn(ref, `(${g.group.name}) track_script '${ref.value}' is not a defined vrrp_script; ignored`);
    }
    g.group.trackScripts = g.group.trackScripts.filter((t) => scriptNames.has(t.name));
    g.group.trackFiles = resolveTrackObjects(ctx, g.group.name, g.fileRefs, trackFiles, 'file');
    g.group.trackProcesses = resolveTrackObjects(ctx, g.group.name, g.processRefs, trackProcesses, 'process');
    g.group.trackBfds = knownBfds(ctx, g.group.name, g.group.trackBfds, g.bfdRefs, bfdInstances);
    const kept: string[] = [];
    for (const m of g.members) {
      const inst = byName.get(m.value);
      if (!seen.has(m.value)) {
        // keepalived drops the member and carries on.
        ctx.warn(m, `Virtual router ${m.value} specified in sync group ${g.group.name} doesn't exist - ignoring`);
        continue;
      }
      const other = memberOf.get(m.value);
      if (other !== undefined) {
        ctx.error(m, `vrrp_sync_group ${g.group.name}: vrrp_instance '${m.value}' is already in sync group ${other}`);
        continue;
      }
      memberOf.set(m.value, g.group.name);
      kept.push(m.value);
      if (inst) {
        inst.syncGroup = g.group.name;
        if (!inst.ownNotifyPriorityChanges && g.group.notifyPriorityChanges !== undefined) inst.notifyPriorityChanges = g.group.notifyPriorityChanges;
        // vrrp_complete_instance: without sync_group_tracking_weight a member's weighted trackers
        // are ignored: an interface's weight becomes 0 (down = FAULT), a script or bfd is dropped
        if (!g.group.trackingWeight) unweightMember(ctx, inst, m, scripts, bfdInstances);
      }
    }
    if (kept.length === 0) {
      // keepalived removes a sync group left without members, and runs its instances alone.
      if (g.members.length > 0) ctx.warn(g.keyword, `Sync group ${g.group.name}, no matching virtual router found in group declaration - removing`);
      else ctx.warn(g.keyword, `Sync group ${g.group.name} has no virtual router(s). removing`);
      continue;
    }
    g.group.group = kept;
    if (kept.length === 1) ctx.warn(g.members[0], `Sync group ${g.group.name} has only 1 virtual router(s) - this probably isn't what you want`);
    // sync_group_tracking_init: with an address owner among the members the group's trackers lose their weights
    if (kept.some((n) => instances.find((i) => i.name === n)?.priority === 255)) unweightGroup(ctx, g, scripts, bfdInstances);
    syncGroups.push(g.group);
  }

  const copies = new Map<string, number>();
  const virtualServers: VirtualServer[] = [];
  for (const { draft: v, link } of linkGroups(ctx, vsDrafts, groups)) {
    if (validateVirtualServer(ctx, v, link) === null) continue;
    const k = v.server.key;
    const id = k.kind === 'addr' ? `${k.protocol} ${k.address} ${k.port}` : k.kind === 'fwmark' ? `fwmark ${k.fwmark} ${k.family}` : `group ${k.group} ${v.server.protocol} ${v.server.groupMember ?? 0}`;
    // keepalived has no duplicate check (check_parser.c, ipwrapper.c): every copy is kept with
    // its own checkers; the kernel's one service takes the first copy's settings (the second
    // IPVS add fails with EEXIST, which keepalived takes as done) and both copies' real servers.
    const n = (copies.get(id) ?? 0) + 1;
    copies.set(id, n);
    virtualServers.push(n === 1 ? v.server : markCopy(v.server, n));
  }
  checkBfdNames(ctx, virtualServers, bfdInstances);
  assignAutoFwmarks(globalDefs, virtualServers, groups);

  resolveSyncDaemon(ctx, statements, globalDefs, instances);
  // vrrp_complete_instance: a non-accept or VMAC instance needs a firewall; none configured means nftables' default table
  if (globalDefs.nftables.table === null && instances.some((i) => !i.accept || (i.vmac !== null && !i.vmac.ipvlan))) {
    globalDefs.nftables.table = 'keepalived'; // DEFAULT_NFTABLES_TABLE
    globalDefs.nftables.defaulted = true;
  }

  const announces = checkAnnounces(announceDrafts, virtualServers);
  for (const e of announces.errors) ctx.diagnostics.push({ severity: 'error', ...e });

  smtpAlerts(ctx, globalDefs);
  if (noScriptUser) dropNotifyScripts(ctx, instances, syncGroups, virtualServers);
  startStopScriptUsers(ctx, globalDefs, noScriptUser);

  // keepalived refuses to run scripts as root silently: any script without
  // enable_script_security is a config error it reports (keepalived -t fails).
  if (!globalDefs.enableScriptSecurity) {
    const hasNotify = (n: NotifyScripts): boolean =>
      n.notify !== null || n.notifyMaster !== null || n.notifyBackup !== null || n.notifyFault !== null || n.notifyStop !== null || !!n.notifyMasterRxLowerPri || !!n.notifyDeleted;
    const first =
      scripts[0]?.location ??
      instances.find((i) => hasNotify(i.notify))?.location ??
      syncGroups.find((g) => hasNotify(g.notify))?.location ??
      virtualServers.find((v) => v.quorumUp !== null || v.quorumDown !== null || v.realServers.some((r) => r.notifyUp !== null || r.notifyDown !== null || r.checkers.some((c) => c.kind === 'MISC_CHECK')))?.location;
    if (first) {
      ctx.diagnostics.push({ severity: 'warning', message: 'SECURITY VIOLATION - scripts are being executed but script_security not enabled.', location: first });
    }
  }

  return {
    model: {
      file,
      globalDefs,
      vrrpScripts: scripts,
      vrrpSyncGroups: syncGroups,
      vrrpInstances: instances,
      virtualServerGroups: groups,
      virtualServers,
      ssl: ssl.config,
      trackFiles,
      vrrpTrackProcesses: trackProcesses,
      bfdInstances,
      announces: announces.kept,
      staticAddresses,
      staticRoutes,
      staticRules,
    },
    diagnostics: ctx.diagnostics,
  };
}

/** track_bfd names that are bfd_instances (that send to VRRP); the others are warned and dropped, as keepalived. */
function knownBfds(ctx: BuildContext, owner: string, refs: TrackBfdRef[], words: Word[], bfds: readonly BfdInstance[]): TrackBfdRef[] {
  return refs.filter((t) => {
    const ok = bfds.some((b) => b.name === t.name && b.toVrrp);
    const w = words.find((x) => x.value === t.name);
    if (!ok && w) ctx.warn(w, `(${owner}) track bfd ${t.name} not found, ignoring...`);
    return ok;
  });
}

/** BFD_CHECK names that are bfd_instances (that send to the checkers); the others are dropped with keepalived's words. */
function checkBfdNames(ctx: BuildContext, virtualServers: VirtualServer[], bfds: readonly BfdInstance[]): void {
  // indexed loops: run once over every real server, mostly before V8 optimises them
  for (let i = 0; i < virtualServers.length; i++) {
    const rss = virtualServers[i].realServers;
    for (let j = 0; j < rss.length; j++) {
      const rs = rss[j];
      // most servers have none: their checker list is left as it is, not copied
      let any = false;
      for (let k = 0; k < rs.checkers.length; k++) if (rs.checkers[k].kind === 'BFD_CHECK') any = true;
      if (!any) continue;
      rs.checkers = rs.checkers.filter((c) => {
        if (c.kind !== 'BFD_CHECK' || bfds.some((b) => b.name === c.name && b.toChecker)) return true;
        ctx.diagnostics.push({ severity: 'warning', message: `(${rs.address}:${rs.port}) BFD_CHECK - BFD ${c.name} not configured`, location: c.location });
        return false;
      });
    }
  }
}

/**
 * The smtp_alert of real and virtual servers as keepalived 2.2.7 settles it (check_data.c):
 * their own, else smtp_alert_checker, else smtp_alert, else on for a real server and off for a
 * virtual server.
 */
function smtpAlerts(ctx: BuildContext, g: GlobalDefs): void {
  const inherited = g.smtp.alertChecker ?? g.smtp.alert;
  for (const r of ctx.smtp.realServers) r.rs.smtpAlert = r.own ?? inherited ?? true;
  for (const v of ctx.smtp.virtualServers) v.vs.smtpAlert = v.own ?? inherited ?? false;
}

/**
 * Who scripts run as, as keepalived decides it: script_user USER [GROUP]; without it the user
 * keepalived_script if it exists, else root — except that with enable_script_security keepalived
 * will not fall back to root. True when no user could be set: keepalived then drops every
 * script that has no user of its own.
 */
function resolveScriptUser(ctx: BuildContext, g: GlobalDefs): boolean {
  const s = ctx.scriptUser;
  if (s !== null) {
    const r = resolveRunAs(s.args[0].value, s.args[1]?.value ?? null, ctx.options.accounts);
    if (r === null) {
      ctx.warn(s.args[0], 'Error setting global script uid/gid');
      return true;
    }
    g.scriptRunAs = r.uid === 0 && r.gid === 0 ? null : r;
    return false;
  }
  const d = resolveRunAs(DEFAULT_SCRIPT_USER, null, ctx.options.accounts);
  if (d !== null) {
    g.scriptRunAs = d;
    return false;
  }
  if (!g.enableScriptSecurity) return false;
  const used = ctx.scriptsUsed;
  if (used) ctx.warn(used, `Unable to set default user ${DEFAULT_SCRIPT_USER} for script`);
  return used !== null;
}

/**
 * startup_script / shutdown_script without a user of their own run as the default script user;
 * when there is none keepalived drops them ("Failed to set default user for startup script X -
 * ignoring"). Run as root without enable_script_security, keepalived reports its own line.
 */
function startStopScriptUsers(ctx: BuildContext, g: GlobalDefs, noScriptUser: boolean): void {
  for (const [key, type] of [['startupScript', 'startup'], ['shutdownScript', 'shutdown']] as const) {
    const sc = g[key];
    if (sc === null || sc.runAs !== undefined) continue;
    if (noScriptUser) {
      ctx.diagnostics.push({ severity: 'warning', message: `Failed to set default user for ${type} script ${sc.argv[0]} - ignoring`, location: sc.location });
      g[key] = null;
    } else sc.runAs = g.scriptRunAs;
  }
  const first = g.startupScript ?? g.shutdownScript;
  if (first && !g.enableScriptSecurity) {
    ctx.diagnostics.push({ severity: 'warning', message: 'SECURITY VIOLATION - start/shutdown scripts are being executed but script_security not enabled.', location: first.location });
  }
}

/** keepalived: "Failed to set default user for notify script X - ignoring", for each. */
function dropNotifyScripts(ctx: BuildContext, instances: VrrpInstance[], groups: VrrpSyncGroup[], virtualServers: VirtualServer[]): void {
  const drop = (argv: string[] | null, location: SourceLocation, type: string): string[] | null => {
    if (argv === null || ownUserScripts.has(argv)) return argv;
    ctx.diagnostics.push({ severity: 'warning', message: `Failed to set default user for ${type} script ${argv[0]} - ignoring`, location });
    return null;
  };
  for (const x of [...instances, ...groups]) {
    const n = x.notify;
    n.notify = drop(n.notify, x.location, 'notify');
    n.notifyMaster = drop(n.notifyMaster, x.location, 'notify');
    n.notifyBackup = drop(n.notifyBackup, x.location, 'notify');
    n.notifyFault = drop(n.notifyFault, x.location, 'notify');
    n.notifyStop = drop(n.notifyStop, x.location, 'notify');
    if (n.notifyMasterRxLowerPri) n.notifyMasterRxLowerPri = drop(n.notifyMasterRxLowerPri, x.location, 'notify');
    if (n.notifyDeleted) n.notifyDeleted = drop(n.notifyDeleted, x.location, 'notify');
  }
  for (const vs of virtualServers) {
    vs.quorumUp = drop(vs.quorumUp, vs.location, 'quorum');
    vs.quorumDown = drop(vs.quorumDown, vs.location, 'quorum');
    for (const rs of vs.realServers) {
      rs.notifyUp = drop(rs.notifyUp, rs.location, 'notify');
      rs.notifyDown = drop(rs.notifyDown, rs.location, 'notify');
    }
  }
}

/**
 * The sync daemon as keepalived 2.2.7 settles it (vrrp_complete_init): an instance's deprecated
 * `lvs_sync_daemon_interface` when global_defs named none; the instance looked up by name (an
 * unknown one clears the whole setting); the sync id defaults to its VRID, else 0.
 */
function resolveSyncDaemon(ctx: BuildContext, statements: Statement[], g: Model['globalDefs'], instances: VrrpInstance[]): void {
  const globalWord = statements.find((t) => t.keyword.value === 'global_defs')?.block?.find((b) => b.keyword.value === 'lvs_sync_daemon');
  for (const inst of instances) {
    if (inst.lvsSyncDaemonInterface === null) continue;
    if (g.lvsSyncDaemon) {
      const w = statements.find((t) => t.keyword.value === 'vrrp_instance' && t.args[0]?.value === inst.name);
      if (w) ctx.warn(w.keyword, `(${inst.name}) lvs_sync_daemon_interface has already been specified as ${g.lvsSyncDaemon.interface} - ignoring`);
      continue;
    }
    g.lvsSyncDaemon = { interface: inst.lvsSyncDaemonInterface, instance: inst.name, syncId: null, maxlen: null, port: null, ttl: null, group: null };
  }
  const d = g.lvsSyncDaemon;
  if (!d) return;
  if (d.instance === null) {
    d.syncId ??= 0;
    return;
  }
  const inst = instances.find((i) => i.name === d.instance);
  if (!inst) {
    const w = globalWord?.keyword;
    if (w) ctx.warn(w, `Unable to find vrrp instance ${d.instance} for lvs_syncd - clearing lvs_syncd config`);
    g.lvsSyncDaemon = null;
    return;
  }
  d.syncId ??= inst.virtualRouterId;
}

/** A sync group's own weighted trackers with an address owner member, as sync_group_tracking_init clears them (in its words). */
function unweightGroup(ctx: BuildContext, g: SyncGroupDraft, scripts: VrrpScript[], bfdInstances: BfdInstance[]): void {
  const grp = g.group;
  const say = (kind: string, name: string, tail: string) => ctx.warn(g.keyword, `(${grp.name}) Cannot have weighted track ${kind} '${name}' with member having priority 255 - ${tail}`);
  grp.trackScripts = grp.trackScripts.map((t) => {
    if ((t.weight ?? scripts.find((v) => v.name === t.name)?.weight ?? 0) === 0) return t;
    say('script', t.name, 'clearing weight');
    return { ...t, weight: 0 };
  });
  grp.trackInterfaces = grp.trackInterfaces.map((t) => {
    if (t.weight === 0) return t;
    say('interface', t.name, 'clearing weight');
    return { ...t, weight: 0 };
  });
  grp.trackBfds = grp.trackBfds.map((t) => {
    if ((t.weight ?? bfdInstances.find((b) => b.name === t.name)?.weight ?? 0) === 0) return t;
    say('bfd', t.name, 'setting weight 0');
    return { ...t, weight: 0 };
  });
}

/** A sync group member's weighted interfaces, scripts, bfds and files, as vrrp_complete_instance ignores them (in its words). */
function unweightMember(ctx: BuildContext, inst: VrrpInstance, at: Word, scripts: VrrpScript[], bfdInstances: BfdInstance[]): void {
  const scriptWeight = (t: { name: string; weight: number | null }): number => t.weight ?? scripts.find((v) => v.name === t.name)?.weight ?? 0;
  const bfdWeight = (t: { name: string; weight: number | null }): number => t.weight ?? bfdInstances.find((b) => b.name === t.name)?.weight ?? 0;
  inst.trackInterfaces = inst.trackInterfaces.map((t) => {
    if (t.weight === 0) return t;
    ctx.warn(at, `(${inst.name}) ignoring ${t.name} tracked interface weight due to SYNC group`);
    return { ...t, weight: 0 };
  });
  inst.trackScripts = inst.trackScripts.filter((t) => {
    if (scriptWeight(t) === 0) return true;
    ctx.warn(at, `(${inst.name}) ignoring tracked script ${t.name} with weights due to SYNC group`);
    return false;
  });
  inst.trackBfds = inst.trackBfds.filter((t) => {
    const w = bfdWeight(t);
    if (w === 0) return true;
    ctx.warn(at, `(${inst.name}) ignoring tracked bfd ${t.name} with weight ${w} due to SYNC group`);
    return false;
  });
  unweightTrackFiles(ctx, inst, 'SYNC group', at);
}

/**
 * A sync group member's or an address owner's own track_files (vrrp.c vrrp_complete_instance): the
 * default weight 1 becomes 0 (FAULT on a non-zero value), any other weight drops the file; both
 * warned in keepalived's words. (keepalived leaves a member's own track_process weights alone.)
 */
function unweightTrackFiles(ctx: BuildContext, inst: VrrpInstance, why: 'SYNC group' | 'address_owner', at: Word): void {
  inst.trackFiles = inst.trackFiles.flatMap((t) => {
    if (t.weight === 1) {
      ctx.warn(at, `(${inst.name}) ignoring weight from tracked file ${t.name} due to ${why}. specify weight 0`);
      return [{ ...t, weight: 0 }];
    }
    if (t.weight !== 0) {
      ctx.warn(at, `(${inst.name}) ignoring tracked file ${t.name} with weight ${t.weight} due to ${why}`);
      return [];
    }
    return [t];
  });
}

/** The n-th copy of a virtual server: it and its checkers carry `copy` (their own pool state and probes). */
function markCopy(vs: VirtualServer, n: number): VirtualServer {
  return { ...vs, copy: n, realServers: vs.realServers.map((rs) => ({ ...rs, checkers: rs.checkers.map((c) => ({ ...c, copy: n })) })) };
}
