/**
 * What a reload changes on the VRRP side (pure): keepalived's clear_diff_vrrp and
 * restore_vrrp_state, decided by comparing the old and new models instance by instance.
 *
 *  - keep:   the instance's config is identical — its state, timers and VIPs stay untouched
 *            (no flap, no GARP burst, no transition; keepalived issues #2159, #349);
 *  - update: same name, interface, VRID, version and family, other settings changed — it keeps
 *            its protocol state and takes the new settings; VIPs that appeared or vanished are
 *            added or removed one by one if it holds its VIPs;
 *  - remove: gone from the config (or its identity changed) — stopped gracefully, priority 0 if
 *            MASTER, VIPs removed;
 *  - add:    new — started like at start-up.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Model, TrackFile, VirtualIpAddress, VrrpInstance, VrrpTrackProcess } from '../config/model';
import { vipDiff } from '../vrrp/reconfigure';
import type { VrrpAction } from '../vrrp/types';

export interface InstanceUpdate {
  name: string;
  vipsAdded: VirtualIpAddress[];
  vipsRemoved: VirtualIpAddress[];
}

export interface VrrpReloadPlan {
  keep: string[];
  update: InstanceUpdate[];
  remove: string[];
  add: string[];
}

/** Config comparison that ignores where in the file a thing was written. */
function withoutLocations<T>(x: T): T {
  return JSON.parse(JSON.stringify(x, (k, v) => (k === 'location' ? undefined : v)));
}

function sameIdentity(a: VrrpInstance, b: VrrpInstance): boolean {
  return a.interface === b.interface && a.virtualRouterId === b.virtualRouterId && a.version === b.version && a.family === b.family
    && a.syncGroup === b.syncGroup && isDeepStrictEqual(a.vmac, b.vmac) && isDeepStrictEqual(a.extraVmacs, b.extraVmacs);
}

/** The track_file and vrrp_track_process blocks an instance tracks, itself or through its sync group. */
function trackedBlocks(m: Model, i: VrrpInstance): { files: TrackFile[]; processes: VrrpTrackProcess[] } {
  const group = i.syncGroup ? m.vrrpSyncGroups.find((g) => g.name === i.syncGroup) : undefined;
  const files = new Set([...i.trackFiles, ...(group?.trackFiles ?? [])].map((t) => t.name));
  const procs = new Set([...i.trackProcesses, ...(group?.trackProcesses ?? [])].map((t) => t.name));
  return { files: m.trackFiles.filter((f) => files.has(f.name)), processes: m.vrrpTrackProcesses.filter((p) => procs.has(p.name)) };
}

/** The blocks some instance or sync group of `m` tracks, by kind. */
export function usedTrackers(m: Model): { files: TrackFile[]; processes: VrrpTrackProcess[] } {
  const used = (pick: (x: { trackFiles: { name: string }[]; trackProcesses: { name: string }[] }) => { name: string }[]) =>
    new Set([...m.vrrpInstances, ...m.vrrpSyncGroups].flatMap((x) => pick(x).map((t) => t.name)));
  const files = used((x) => x.trackFiles);
  const procs = used((x) => x.trackProcesses);
  return { files: m.trackFiles.filter((f) => files.has(f.name)), processes: m.vrrpTrackProcesses.filter((p) => procs.has(p.name)) };
}

/**
 * Tracked files and processes a reload starts and stops watching (pure): a block whose
 * definition changed is stopped and started again (its file or its processes are read afresh).
 */
export function planTrackerReload(oldModel: Model, newModel: Model): { stop: string[]; start: string[] } {
  const o = usedTrackers(oldModel);
  const n = usedTrackers(newModel);
  const key = (kind: string, x: TrackFile | VrrpTrackProcess) => `${kind} ${JSON.stringify(withoutLocations(x))}`;
  const entries = (u: ReturnType<typeof usedTrackers>) => new Map<string, string>([
    ...u.files.map((f): [string, string] => [key('f', f), `track_file ${f.name} (${f.path})`]),
    ...u.processes.map((p): [string, string] => [key('p', p), `vrrp_track_process ${p.name} (${p.process})`]),
  ]);
  const before = entries(o);
  const after = entries(n);
  return {
    stop: [...before].filter(([k]) => !after.has(k)).map(([, v]) => v),
    start: [...after].filter(([k]) => !before.has(k)).map(([, v]) => v),
  };
}

export function planVrrpReload(oldModel: Model, newModel: Model): VrrpReloadPlan {
  const plan: VrrpReloadPlan = { keep: [], update: [], remove: [], add: [] };
  const oldByName = new Map(oldModel.vrrpInstances.map((i) => [i.name, i]));
  const newNames = new Set(newModel.vrrpInstances.map((i) => i.name));
  // global settings every instance inherits: a change there touches every instance
  const globalsSame = isDeepStrictEqual(withoutLocations(oldModel.globalDefs), withoutLocations(newModel.globalDefs))
    && isDeepStrictEqual(withoutLocations(oldModel.vrrpScripts), withoutLocations(newModel.vrrpScripts))
    && isDeepStrictEqual(withoutLocations(oldModel.vrrpSyncGroups), withoutLocations(newModel.vrrpSyncGroups));
  for (const o of oldModel.vrrpInstances) if (!newNames.has(o.name)) plan.remove.push(o.name);
  for (const n of newModel.vrrpInstances) {
    const o = oldByName.get(n.name);
    if (!o) {
      plan.add.push(n.name);
    } else if (!sameIdentity(o, n)) {
      plan.remove.push(n.name);
      plan.add.push(n.name);
    } else if (globalsSame && isDeepStrictEqual(withoutLocations(o), withoutLocations(n))
      && isDeepStrictEqual(withoutLocations(trackedBlocks(oldModel, o)), withoutLocations(trackedBlocks(newModel, n)))) {
      plan.keep.push(n.name);
    } else {
      const d = vipDiff(o, n);
      plan.update.push({
        name: n.name,
        vipsAdded: d.added,
        vipsRemoved: d.removed,
      });
    }
  }
  return plan;
}

// ---------------------------------------------------------------------------------------------
// The whole reload, as `halo reload --plan` shows it and as the daemon logs it once applied.
// Both come from the same code: the engines compute the VRRP part with planVrrpReload and a
// dry run of reconfigure/shutdown on the live state (pure), and the IPVS part with the
// reconcile loop's own diff; applying runs those same functions for real.

/** What happens to one VRRP instance: its current state and the I/O the reload causes. */
export interface InstanceChange {
  name: string;
  change: 'start' | 'stop' | 'update' | 'restart';
  /** State before the reload (INIT for a new instance). */
  state: string;
  /** State after (null for a stopped instance, or a new one whose state the election decides). */
  after: string | null;
  /** One line per effect: VIPs added/removed, adverts, GARPs, transitions, priority changes. */
  effects: string[];
}

export interface VrrpReloadReport {
  unchanged: string[];
  changes: InstanceChange[];
  /** Tracked files and processes watched from now on, with what was read ("… value 4", "… 2 processes, quorum held"), and no longer. */
  trackers?: { start: string[]; stop: string[] };
}

export interface LvsReloadReport {
  /** The IPVS operations, in order ("adding service TCP 10.0.0.1:80 (rr)"), with the error if one failed. */
  ipvs: { op: string; error?: string }[];
  /** Pool transitions and quorum lines keepalived would log. */
  events: string[];
  checkersStarted: string[];
  checkersStopped: string[];
}

export interface ReloadPlan {
  configFile: string;
  /** true: computed, nothing done (halo reload --plan); false: applied. */
  preview: boolean;
  vrrp: VrrpReloadReport | null;
  lvs: LvsReloadReport | null;
  /** Engines starting or stopping as a whole (a config that gains or loses its first instance or service). */
  engines: string[];
}

const vipText = (v: VirtualIpAddress) => `${v.address}/${v.prefixLen} dev ${v.dev}`;

/**
 * The effects of one instance's actions, as plan lines (pure). Transitions and priority changes
 * come from the machine's own log lines; I/O from the actions.
 */
export function describeVrrpActions(actions: readonly VrrpAction[]): string[] {
  const out: string[] = [];
  for (const a of actions) {
    switch (a.type) {
      case 'sendAdvert':
        out.push(`advert with priority ${a.priority}`);
        break;
      case 'addVips':
        for (const v of a.vips) out.push(`add VIP ${vipText(v)}`);
        break;
      case 'removeVips':
        for (const v of a.vips) out.push(`remove VIP ${vipText(v)}`);
        break;
      case 'routes':
        if (a.op === 'add') for (const r of [...a.routes, ...a.rules]) out.push(`add ${'action' in r ? 'rule' : 'route'} ${r.text}`);
        else for (const r of [...a.rules, ...a.routes]) out.push(`remove ${'action' in r ? 'rule' : 'route'} ${r.text}`);
        break;
      case 'sendGarps':
        out.push(`gratuitous ARP x${a.repeat} for ${a.vips.map((v) => v.address).join(' ')}`);
        break;
      case 'notify':
        out.push(`notify ${a.kind === 'GROUP' ? 'group ' : ''}${a.name} ${a.state}`);
        break;
      case 'log':
        if (/Entering \w+ STATE|Changing effective priority/.test(a.message)) out.push(a.message.replace(/^\([^)]*\) /, ''));
        break;
      default:
        break;
    }
  }
  return out;
}

/** The plan as text lines: what `halo reload` prints and the daemon logs. */
export function formatReloadPlan(p: ReloadPlan): string[] {
  const out: string[] = [];
  const verb = p.preview ? 'would' : 'did';
  out.push(`Reload plan for ${p.configFile} (${p.preview ? 'preview, nothing applied' : 'applied'})`);
  for (const e of p.engines) out.push(`  ${e}`);
  if (p.vrrp) {
    const v = p.vrrp;
    out.push(`VRRP: ${v.changes.filter((c) => c.change === 'start').length} started, ${v.changes.filter((c) => c.change === 'stop').length} stopped, ${v.changes.filter((c) => c.change === 'update').length} updated, ${v.changes.filter((c) => c.change === 'restart').length} restarted, ${v.unchanged.length} unchanged`);
    for (const c of v.changes) {
      const after = c.after && c.after !== c.state ? ` -> ${c.after}` : '';
      out.push(`  ${c.change} ${c.name} (${c.state}${after})`);
      for (const e of c.effects) out.push(`    ${e}`);
    }
    if (v.unchanged.length > 0) out.push(`  unchanged: ${v.unchanged.join(' ')}`);
    for (const t of v.trackers?.stop ?? []) out.push(`  stop watching ${t}`);
    for (const t of v.trackers?.start ?? []) out.push(`  start watching ${t}`);
  }
  if (p.lvs) {
    const l = p.lvs;
    out.push(`IPVS: ${l.ipvs.length} operation${l.ipvs.length === 1 ? '' : 's'}${l.ipvs.some((o) => o.error) ? ` (${l.ipvs.filter((o) => o.error).length} failed)` : ''}`);
    for (const o of l.ipvs) out.push(`  ${o.op}${o.error ? `: ${o.error}` : ''}`);
    for (const e of l.events) out.push(`  ${e}`);
    out.push(`Checkers: ${l.checkersStarted.length} started, ${l.checkersStopped.length} stopped`);
    for (const c of l.checkersStarted) out.push(`  start ${c}`);
    for (const c of l.checkersStopped) out.push(`  stop ${c}`);
  }
  if (!p.vrrp && !p.lvs && p.engines.length === 0) out.push(`  nothing ${verb} change`);
  return out;
}
