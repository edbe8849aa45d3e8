/**
 * Trackers: what puts an instance in FAULT and what moves its effective priority
 * (keepalived's track_interface / track_script / track_bfd, and the instance's own interface).
 *
 * - weight 0: the tracked object being down puts the instance in FAULT.
 * - weight > 0: added to the priority while the object is up.
 * - weight < 0: added (i.e. subtracted) while the object is down.
 * - reverse (scripts): the script's up/down sense is inverted first, so `weight 0 reverse`
 *   means FAULT while the script is up, as keepalived.conf(5) describes.
 * Effective priority stays within 1..254; the address owner (255) is never adjusted.
 * A script whose first result is not in yet (init state unknown) counts as down when it is
 * unweighted and adjusts nothing when weighted (keepalived's initialise_track_script_state).
 * A tracked BFD session counts as down until its first Up (keepalived's bfd_up starts false), so
 * an unweighted track_bfd holds the instance in FAULT until the session comes Up.
 * Sync-group members ignore weighted trackers, as keepalived does (a group moves together, so
 * one member's priority must not drift).
 *
 * Files and processes follow keepalived's own arithmetic (track_file.c, vrrp_track.c), where
 * `reverse` is a multiplier of −1 on the weight rather than an inversion of up/down:
 * - track_file, weight 0: a non-zero value (with reverse: zero) is FAULT; weighted: value × weight
 *   (× −1) is added, at most 253, and −254 or below is FAULT.
 * - track_process, weight 0: no quorum (with reverse: quorum) is FAULT; weighted: weight (× −1) is
 *   added while quorum is held if weight > 0, or while it is not if weight < 0.
 * Their weights are taken as the config left them (build.ts applies keepalived's sync-group and
 * address-owner rules for them, which differ from the scripts').
 */
import type { BfdInstance, TrackBfdRef, VrrpInstance, VrrpScript, VrrpSyncGroup } from '../config/model';

export interface Tracker {
  kind: 'interface' | 'script' | 'file' | 'process' | 'bfd';
  name: string;
  weight: number;
  reverse: boolean;
}

export interface TrackerStatus {
  /** Link state by interface name; absent = not reported yet, taken as up. */
  links: Record<string, boolean>;
  /** Settled script state by name; null = no result yet. */
  scripts: Record<string, boolean | null>;
  /** The number in each tracked file by track_file name; absent = 0 (no file). */
  files?: Record<string, number>;
  /** Whether each vrrp_track_process has its quorum; absent = not (no process seen). */
  processes?: Record<string, boolean>;
  /** BFD session Up by bfd_instance name; absent = not Up yet. */
  bfds?: Record<string, boolean>;
}

export interface TrackerSetup {
  trackers: Tracker[];
  warnings: string[];
  /** Initial script states from vrrp_script init_state. */
  scripts: Record<string, boolean | null>;
}

export function buildTrackers(cfg: VrrpInstance, vrrpScripts: VrrpScript[], syncGroup: VrrpSyncGroup | null, bfds: readonly BfdInstance[] = []): TrackerSetup {
  const trackers: Tracker[] = [];
  const warnings: string[] = [];
  const scripts: Record<string, boolean | null> = {};
  const byName = new Map(vrrpScripts.map((s) => [s.name, s]));

  const add = (t: Tracker, fromGroup: boolean) => {
    if (syncGroup && !syncGroup.trackingWeight && !fromGroup && t.weight !== 0) {
      warnings.push(`(${cfg.name}) ignoring weight ${t.weight} of tracked ${t.kind} ${t.name}: instance is in sync group ${syncGroup.name}`);
      t = { ...t, weight: 0 };
    }
    // a sync group's own weighted trackers move every member's priority (keepalived's
    // sync_group_tracking_init; build.ts clears them when a member is the address owner)
    if (cfg.priority === 255 && t.weight !== 0) {
      warnings.push(`(${cfg.name}) address owner priority 255 is not adjusted by tracked ${t.kind} ${t.name}`);
    }
    trackers.push(t);
  };

  const addScript = (name: string, weight: number | null, reverse: boolean, fromGroup: boolean) => {
    const s = byName.get(name);
    if (!s) {
      warnings.push(`(${cfg.name}) track_script ${name} not found, ignoring`);
      return;
    }
    scripts[name] = s.initState === 'up' ? true : s.initState === 'down' ? false : null;
    add({ kind: 'script', name, weight: weight ?? s.weight, reverse: reverse || s.weightReverse }, fromGroup);
  };

  // track_bfd: the bfd_instance's weight and reverse unless the reference gives its own.
  const addBfd = (t: TrackBfdRef, fromGroup: boolean) => {
    const b = bfds.find((x) => x.name === t.name);
    add({ kind: 'bfd', name: t.name, weight: t.weight ?? b?.weight ?? 0, reverse: t.weightReverse ?? b?.weightReverse ?? false }, fromGroup);
  };

  for (const t of cfg.trackInterfaces) add({ kind: 'interface', name: t.name, weight: t.weight, reverse: false }, false);
  for (const t of cfg.trackScripts) addScript(t.name, t.weight, t.weightReverse, false);
  for (const t of cfg.trackFiles) trackers.push({ kind: 'file', name: t.name, weight: t.weight, reverse: t.reverse });
  for (const t of cfg.trackProcesses) trackers.push({ kind: 'process', name: t.name, weight: t.weight, reverse: t.reverse });
  for (const t of cfg.trackBfds) addBfd(t, false);
  if (syncGroup) {
    for (const t of syncGroup.trackInterfaces) add({ kind: 'interface', name: t.name, weight: t.weight, reverse: false }, true);
    for (const t of syncGroup.trackScripts) addScript(t.name, t.weight, t.weightReverse, true);
    for (const t of syncGroup.trackBfds) addBfd(t, true);
    // keepalived: a group's file/process also tracked by the member itself keeps the member's entry,
    // with the group's weight (a file: and its reverse) unless the member's is 0; an address
    // owner member takes weight 0
    for (const [kind, refs] of [['file', syncGroup.trackFiles], ['process', syncGroup.trackProcesses]] as const) {
      for (const t of refs) {
        const weight = cfg.priority === 255 ? 0 : t.weight;
        const own = trackers.find((o) => o.kind === kind && o.name === t.name);
        if (!own) {
          trackers.push({ kind, name: t.name, weight, reverse: t.reverse });
          continue;
        }
        warnings.push(`(${cfg.name}) track_${kind} ${t.name} is configured on VRRP instance and sync group. Remove vrrp instance config`);
        if (own.weight !== 0) {
          own.weight = weight;
          if (kind === 'file') own.reverse = t.reverse;
        }
      }
    }
  }
  return { trackers, warnings, scripts };
}

/** keepalived's status of a tracked file for one tracker: −254 = FAULT, else the priority offset. */
function fileStatus(t: Tracker, st: TrackerStatus): number {
  return Math.max(-254, Math.min(253, fileRawStatus(t, st)));
}

function fileRawStatus(t: Tracker, st: TrackerStatus): number {
  const value = st.files?.[t.name] ?? 0;
  if (t.weight === 0) return (value !== 0) !== t.reverse ? -254 : 0;
  return value * t.weight * (t.reverse ? -1 : 1);
}

/** A tracked process's priority offset (weighted trackers only). */
function processOffset(t: Tracker, st: TrackerStatus): number {
  const quorum = st.processes?.[t.name] ?? false;
  const m = t.reverse ? -1 : 1;
  if (quorum) return t.weight > 0 ? t.weight * m : 0;
  return t.weight < 0 ? t.weight * m : 0;
}

/** Whether the tracked object counts as up (after `reverse`), or null if its state is unknown. */
function trackerUp(t: Tracker, st: TrackerStatus): boolean | null {
  const raw = t.kind === 'interface' ? st.links[t.name] ?? true : t.kind === 'bfd' ? st.bfds?.[t.name] ?? false : st.scripts[t.name] ?? null;
  if (raw === null) return null;
  return t.reverse ? !raw : raw;
}

/** Human-readable reasons the instance must be in FAULT; empty when it may run. */
export function faultReasons(cfg: VrrpInstance, trackers: Tracker[], st: TrackerStatus): string[] {
  const reasons: string[] = [];
  if (!cfg.dontTrackPrimary && st.links[cfg.interface] === false) reasons.push(`interface ${cfg.interface} is down`);
  for (const t of trackers) {
    if (t.kind === 'file') {
      if (fileStatus(t, st) === -254) reasons.push(`tracked file ${t.name} has status ${fileRawStatus(t, st)}`);
      continue;
    }
    if (t.kind === 'process') {
      if (t.weight === 0 && (st.processes?.[t.name] ?? false) === t.reverse) reasons.push(`tracked process ${t.name} quorum ${t.reverse ? 'achieved (weight reverse)' : 'not achieved'}`);
      continue;
    }
    if (t.weight !== 0) continue;
    const up = trackerUp(t, st);
    // An unweighted script with no result yet is treated as failed, as keepalived does.
    if (up === false || (up === null && t.kind === 'script')) {
      reasons.push(t.kind === 'interface' ? `tracked interface ${t.name} is down`
        : `tracked ${t.kind === 'bfd' ? 'BFD instance' : 'script'} ${t.name} is ${t.reverse ? 'up (reverse)' : 'down'}`);
    }
  }
  return reasons;
}

export function effectivePriority(basePriority: number, trackers: Tracker[], st: TrackerStatus): number {
  if (basePriority === 255) return 255;
  let p = basePriority;
  for (const t of trackers) {
    if (t.weight === 0) continue;
    if (t.kind === 'file') {
      const f = fileStatus(t, st);
      if (f !== -254) p += f;
      continue;
    }
    if (t.kind === 'process') {
      p += processOffset(t, st);
      continue;
    }
    const up = trackerUp(t, st);
    if (up === null) continue;
    if (t.weight > 0 && up) p += t.weight;
    if (t.weight < 0 && !up) p += t.weight;
  }
  return Math.min(254, Math.max(1, p));
}

/** Whether an interface or script name matters to this instance at all. */
export function tracks(cfg: VrrpInstance, trackers: Tracker[], kind: Tracker['kind'], name: string): boolean {
  if (kind === 'interface' && name === cfg.interface) return true;
  return trackers.some((t) => t.kind === kind && t.name === name);
}
