/**
 * Statement tree → validated Model. Sections are built in file order; cross-references
 * (sync group members, track_script names, VRIDs per interface, virtual_server groups) are
 * checked once everything is read, so every problem is reported, each at its own place.
 */
import { buildGlobalDefs, buildVrrpScript, defaultGlobalDefs } from './build-global';
import { buildSsl, buildTrackFile } from './build-checker';
import { buildVirtualServer, buildVirtualServerGroup, type VirtualServerDraft } from './build-lvs';
import { buildInstance, buildSyncGroup, finishInstance, type InstanceDraft, type SyncGroupDraft } from './build-vrrp';
import { BuildContext } from './context';
import type { Diagnostic, Model, SslConfig, TrackFile, VirtualServerGroup, VrrpInstance, VrrpScript } from './model';
import type { Statement } from './parse';
import type { SourceMap } from './source';

/** Top-level blocks keepalived knows that halo does not implement: warned, then skipped. */
const UNSUPPORTED_TOP = new Set([
  'static_ipaddress', 'static_routes', 'static_rules', 'vrrp_track_process',
  'track_process', 'bfd_instance', 'linkbeat_interfaces', 'garp_group', 'net_namespace',
]);

export function buildModel(statements: Statement[], sources: SourceMap, file: string): { model: Model; diagnostics: Diagnostic[] } {
  const ctx = new BuildContext(sources);
  const globalDefs = defaultGlobalDefs();
  const scripts: VrrpScript[] = [];
  const syncDrafts: SyncGroupDraft[] = [];
  const instanceDrafts: InstanceDraft[] = [];
  const vsDrafts: VirtualServerDraft[] = [];
  const groups: VirtualServerGroup[] = [];
  let ssl: SslConfig | null = null;
  const trackFiles: TrackFile[] = [];

  for (const s of statements) {
    switch (s.keyword.value) {
      case 'global_defs': { const b = ctx.needBlock(s); if (b) buildGlobalDefs(ctx, b, globalDefs); break; }
      case 'vrrp_script': { const v = buildVrrpScript(ctx, s); if (v) scripts.push(v); break; }
      case 'vrrp_sync_group': { const g = buildSyncGroup(ctx, s); if (g) syncDrafts.push(g); break; }
      case 'vrrp_instance': { const d = buildInstance(ctx, s); if (d) instanceDrafts.push(d); break; }
      case 'virtual_server': { const v = buildVirtualServer(ctx, s, trackFiles); if (v) vsDrafts.push(v); break; }
      case 'virtual_server_group': { const g = buildVirtualServerGroup(ctx, s); if (g) groups.push(g); break; }
      case 'SSL': ssl = buildSsl(ctx, s) ?? ssl; break;
      case 'track_file': case 'vrrp_track_file': { const t = buildTrackFile(ctx, s); if (t) trackFiles.push(t); break; }
      default:
        if (UNSUPPORTED_TOP.has(s.keyword.value)) ctx.warn(s.keyword, `'${s.keyword.value}' is not supported yet; ignored`);
        else ctx.warn(s.keyword, `unknown keyword '${s.keyword.value}'`);
    }
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
  for (const d of instanceDrafts) {
    const name = d.name.value;
    const first = seen.get(name);
    if (first) {
      const at = ctx.loc(first.name);
      ctx.error(d.name, `duplicate vrrp_instance '${name}' (first defined at ${at.file}:${at.line}:${at.col})`);
      continue;
    }
    seen.set(name, d);
    for (const ref of d.scriptRefs) {
      if (!scriptNames.has(ref.value)) ctx.warn(ref, `(${name}) track_script '${ref.value}' is not a defined vrrp_script; ignored`);
    }
    const inst = finishInstance(ctx, d, globalDefs);
    if (!inst) continue;
    inst.trackScripts = inst.trackScripts.filter((t) => scriptNames.has(t.name));
    // One VRID per interface and address family: two instances would answer each other's adverts.
    const vridKey = `${inst.interface}/${inst.family}/${inst.virtualRouterId}`;
    const owner = vridOwner.get(vridKey);
    if (owner) {
      const at = ctx.loc(owner.vridWord ?? owner.name);
      ctx.error(d.vridWord ?? d.name, `(${name}) virtual_router_id ${inst.virtualRouterId} is already used on ${inst.interface} by ${owner.name.value} (${at.file}:${at.line}:${at.col})`);
    } else vridOwner.set(vridKey, d);
    instances.push(inst);
    byName.set(name, inst);
  }

  const syncGroups = [];
  const memberOf = new Map<string, string>();
  for (const g of syncDrafts) {
    for (const ref of g.scriptRefs) {
      if (!scriptNames.has(ref.value)) ctx.warn(ref, `(${g.group.name}) track_script '${ref.value}' is not a defined vrrp_script; ignored`);
    }
    g.group.trackScripts = g.group.trackScripts.filter((t) => scriptNames.has(t.name));
    for (const m of g.members) {
      const inst = byName.get(m.value);
      if (!seen.has(m.value)) {
        ctx.error(m, `vrrp_sync_group ${g.group.name}: unknown vrrp_instance '${m.value}'`);
        continue;
      }
      const other = memberOf.get(m.value);
      if (other !== undefined) {
        ctx.error(m, `vrrp_sync_group ${g.group.name}: vrrp_instance '${m.value}' is already in sync group ${other}`);
        continue;
      }
      memberOf.set(m.value, g.group.name);
      if (inst) {
        inst.syncGroup = g.group.name;
        // keepalived.conf(5): trackers of sync group members with a non-zero weight are ignored.
        const scriptWeight = (t: { name: string; weight: number | null }): number =>
          t.weight ?? scripts.find((v) => v.name === t.name)?.weight ?? 0;
        if (inst.trackInterfaces.some((t) => t.weight !== 0) || inst.trackScripts.some((t) => scriptWeight(t) !== 0)) {
          ctx.warn(m, `(${inst.name}) is in sync group ${g.group.name}: its trackers with a non-zero weight are ignored, as keepalived does`);
          inst.trackInterfaces = inst.trackInterfaces.filter((t) => t.weight === 0);
          inst.trackScripts = inst.trackScripts.filter((t) => scriptWeight(t) === 0);
        }
      }
    }
    if (g.group.group.length === 1) ctx.warn(g.members[0] ?? { value: '', quoted: false, line: 1, col: 1 }, `vrrp_sync_group ${g.group.name} has only one member`);
    syncGroups.push(g.group);
  }

  const groupNames = new Set(groups.map((g) => g.name));
  const vsKeys = new Set<string>();
  const virtualServers = [];
  for (const v of vsDrafts) {
    if (v.groupWord && !groupNames.has(v.groupWord.value)) {
      ctx.error(v.groupWord, `virtual_server group '${v.groupWord.value}' is not a defined virtual_server_group`);
      continue;
    }
    const k = v.server.key;
    const id = k.kind === 'addr' ? `${k.protocol} ${k.address} ${k.port}` : k.kind === 'fwmark' ? `fwmark ${k.fwmark}` : `group ${k.group}`;
    if (vsKeys.has(id)) ctx.diagnostics.push({ severity: 'error', message: `duplicate virtual_server ${id}`, location: v.server.location });
    vsKeys.add(id);
    virtualServers.push(v.server);
  }

  if (globalDefs.lvsSyncDaemon && !seen.has(globalDefs.lvsSyncDaemon.instance)) {
    const s = statements.find((t) => t.keyword.value === 'global_defs');
    const w = s?.block?.find((b) => b.keyword.value === 'lvs_sync_daemon')?.args[1];
    if (w) ctx.warn(w, `lvs_sync_daemon: unknown vrrp_instance '${w.value}'`);
  }

  // keepalived refuses to run scripts as root silently: any script without
  // enable_script_security is a config error it reports (keepalived -t fails).
  if (!globalDefs.enableScriptSecurity) {
    const hasNotify = (n: { notify: unknown; notifyMaster: unknown; notifyBackup: unknown; notifyFault: unknown; notifyStop: unknown }): boolean =>
      n.notify !== null || n.notifyMaster !== null || n.notifyBackup !== null || n.notifyFault !== null || n.notifyStop !== null;
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
      ssl,
      trackFiles,
    },
    diagnostics: ctx.diagnostics,
  };
}
