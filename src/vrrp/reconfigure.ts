/**
 * Reload of one running instance as a pure transformation (keepalived's restore_vrrp_state):
 *
 *   reconfigure(old, newConfig, environment) → { state, actions }
 *
 * The instance keeps what the protocol has learned and what its trackers have settled — its
 * state, timers, master, IP id, counters, whether it holds its VIPs, and the settled states of
 * its scripts and links — and takes everything else from the new config. Then:
 *
 *  - VIPs that appeared or vanished are added or removed one by one, while it holds its VIPs
 *    (GARPs for the new ones only); the others are not touched (no flap, keepalived #2159);
 *  - the effective priority is recomputed from the new base priority and the *carried* tracker
 *    states, so a MASTER whose weighted track_script is up keeps advertising the same priority
 *    across a reload (a script with `rise` > 1 is not re-learned from scratch);
 *  - FAULT is re-judged with the new trackers (a new unweighted script with no result yet,
 *    or a removed failing one), through the same rule a tracker change uses.
 *
 * The environment is what only the shell knows now: the interface's primary address, the link
 * states, the shell's settled script states, the global settings and the sync group.
 */
import { listDiff, routeKey, ruleKey } from '../config/routes-model';
import type { GlobalDefs, VirtualIpAddress, VrrpInstance, VrrpScript, VrrpSyncGroup, BfdInstance } from '../config/model';
import { createInstanceState, InstanceState, sendGarps, Step, trackersChanged, withStep } from './instance';
import type { StepResult, TimerName } from './types';

export interface ReconfigureEnvironment {
  /** Monotonic ms, as for `step`. */
  now: number;
  /** The instance's interface's primary IPv4 address now. */
  primaryAddress: string;
  /** Link states now, by interface name (the instance's interface and its track_interfaces). */
  links: Record<string, boolean>;
  /** Settled script states the shell carries across the reload (null = no result yet). */
  scripts: Record<string, boolean | null>;
  /** Tracked file values and process quorums now (absent: what the instance knew). */
  files?: Record<string, number>;
  processes?: Record<string, boolean>;
  globalDefs?: Partial<GlobalDefs>;
  vrrpScripts?: VrrpScript[];
  syncGroup?: VrrpSyncGroup | null;
  bfdInstances?: BfdInstance[];
  /** BFD sessions Up now, by name (default: what the instance knew). */
  bfds?: Record<string, boolean>;
}

/** The identity of a VIP: two entries with the same key are the same kernel address. */
export function vipKey(v: VirtualIpAddress): string {
  return `${v.address}/${v.prefixLen} ${v.dev} ${v.scope} ${v.label ?? ''} ${v.broadcast ?? ''}`;
}

export function allVips(cfg: VrrpInstance): VirtualIpAddress[] {
  return [...cfg.virtualIpAddresses, ...cfg.virtualIpAddressesExcluded];
}

/** VIPs (virtual_ipaddress and _excluded) added and removed between two configs, in config order. */
export function vipDiff(before: VrrpInstance, after: VrrpInstance): { added: VirtualIpAddress[]; removed: VirtualIpAddress[] } {
  const b = new Map(allVips(before).map((v) => [vipKey(v), v]));
  const a = new Map(allVips(after).map((v) => [vipKey(v), v]));
  return {
    added: [...a].filter(([k]) => !b.has(k)).map(([, v]) => v),
    removed: [...b].filter(([k]) => !a.has(k)).map(([, v]) => v),
  };
}

export function reconfigure(old: InstanceState, newConfig: VrrpInstance, environment: ReconfigureEnvironment): StepResult<InstanceState> {
  const fresh = createInstanceState(newConfig, environment.primaryAddress, {
    globalDefs: environment.globalDefs,
    vrrpScripts: environment.vrrpScripts,
    syncGroup: environment.syncGroup,
    links: { ...old.links, ...environment.links },
    files: { ...old.files, ...environment.files },
    processes: { ...old.processes, ...environment.processes },
    delayedStartUntil: old.env.delayedStartUntil,
    bfdInstances: environment.bfdInstances,
    bfds: environment.bfds ?? old.bfds,
  });
  // Settled tracker states win over init_state: the shell's, else what the instance knew.
  const scripts: Record<string, boolean | null> = {};
  for (const name of Object.keys(fresh.scripts)) {
    if (environment.scripts[name] !== undefined) scripts[name] = environment.scripts[name];
    else if (old.scripts[name] !== undefined) scripts[name] = old.scripts[name];
    else scripts[name] = fresh.scripts[name];
  }
  const v2 = newConfig.version === 2;
  const merged: InstanceState = {
    ...fresh,
    state: old.state,
    wantState: old.wantState,
    // v2 and a MASTER advertise their own interval; a v3 BACKUP keeps the one it learned.
    masterAdverIntMs: v2 || old.state === 'MASTER' ? newConfig.advertIntMs : old.masterAdverIntMs,
    masterAddress: old.state === 'MASTER' ? fresh.srcAddress : old.masterAddress,
    masterPriority: old.masterPriority,
    preemptTime: fresh.preemptDelayMs > 0 ? old.preemptTime : null,
    ipId: old.ipId,
    // keepalived keeps the AH sequence counter across a reload
    ahSeq: old.ahSeq,
    ahCycle: old.ahCycle,
    oldUnicastChecksum: old.oldUnicastChecksum || fresh.oldUnicastChecksum,
    vipsSet: old.vipsSet,
    scripts,
    socketError: old.socketError,
    timers: { ...old.timers },
    lastTransition: old.lastTransition,
    stats: old.stats,
    dropLog: old.dropLog,
    // trackersChanged below logs and applies any change from here
    effectivePriority: old.effectivePriority,
  };
  return withStep(merged, environment.now, (st) => {
    for (const w of fresh.env.warnings) if (!old.env.warnings.includes(w)) st.log(w, 'warning');
    if (old.vipsSet) applyVipDiff(st, old.cfg);
    if (st.s.state === 'MASTER') adjustMasterTimers(st, old.cfg);
    trackersChanged(st);
  });
}

function applyVipDiff(st: Step, before: VrrpInstance): void {
  const s = st.s;
  const { added, removed } = vipDiff(before, s.cfg);
  if (removed.length > 0) {
    st.ilog(`removing VIPs no longer configured: ${removed.map((v) => `${v.address}/${v.prefixLen}`).join(' ')}`);
    st.actions.push({ type: 'removeVips', instance: s.name, vips: removed });
  }
  if (added.length > 0) {
    st.ilog(`setting VIPs newly configured: ${added.map((v) => `${v.address}/${v.prefixLen}`).join(' ')}`);
    st.actions.push({ type: 'addVips', instance: s.name, vips: added });
    if (s.state === 'MASTER') sendGarps(st, s.cfg.garpMasterRepeat, added);
  }
  // keepalived's clear_diff_vrrp_vroutes/vrules: what left the config goes, what came in is set
  const routes = listDiff(before.virtualRoutes, s.cfg.virtualRoutes, routeKey);
  const rules = listDiff(before.virtualRules, s.cfg.virtualRules, ruleKey);
  if (routes.removed.length > 0 || rules.removed.length > 0) {
    st.ilog(`removing Virtual Routes/Rules no longer configured: ${[...rules.removed, ...routes.removed].map((r) => r.text).join('; ')}`);
    st.actions.push({ type: 'routes', op: 'remove', instance: s.name, routes: routes.removed, rules: rules.removed });
  }
  if (routes.added.length > 0 || rules.added.length > 0) {
    st.ilog(`setting Virtual Routes/Rules newly configured: ${[...routes.added, ...rules.added].map((r) => r.text).join('; ')}`);
    st.actions.push({ type: 'routes', op: 'add', instance: s.name, routes: routes.added, rules: rules.added });
  }
}

/** A MASTER's advert interval and GARP refresh follow the new config from the next tick. */
function adjustMasterTimers(st: Step, before: VrrpInstance): void {
  const s = st.s;
  const cfg = s.cfg;
  if (cfg.advertIntMs !== before.advertIntMs) st.arm('adver', st.now + cfg.advertIntMs);
  if (cfg.garpMasterRefreshMs !== before.garpMasterRefreshMs) {
    if (cfg.garpMasterRefreshMs > 0) st.arm('garpRefresh', st.now + cfg.garpMasterRefreshMs);
    else st.cancel('garpRefresh' as TimerName);
  }
  if (cfg.garpExtraIfMs !== before.garpExtraIfMs) {
    if (cfg.garpExtraIfMs > 0) st.arm('garpExtraIf', st.now + cfg.garpExtraIfMs);
    else st.cancel('garpExtraIf');
  }
}
