/**
 * keepalived 2.2.7's start of every instance and sync group (pure), in its order:
 *  1. vrrp_complete_init: every instance that starts in FAULT is told FAULT, in config order;
 *     the members of a sync group that starts in FAULT (one of them fails on its own) are among
 *     them, each told FAULT only (groupStartsInFault, startMemberInFault);
 *  2. vrrp_init_state: the groups starting in FAULT or BACKUP send their notifies, in config order;
 *  3. then every other instance starts, in config order (group members under the group rule).
 * Compared line for line with keepalived's notify FIFO in
 * test/integration/sync-group-fault-start.netns.test.ts and notify-reload.netns.test.ts.
 */
import { InstanceState, step } from './instance';
import { groupStartsInFault, startMemberInFault, startSyncGroup, startSyncGroupInFault, stepSyncGroupMember, SyncGroupState } from './sync-group';
import type { VrrpAction } from './types';

export interface StartResult {
  instances: Record<string, InstanceState>;
  groups: SyncGroupState[];
  actions: VrrpAction[];
}

/** Starts `order` (instance names, config order) and `groups` (config order); members must all be INIT. */
export function startAll(order: string[], instances: Record<string, InstanceState>, groups: SyncGroupState[], now: number): StartResult {
  const ms: Record<string, InstanceState> = { ...instances };
  const gs = new Map(groups.map((g) => [g.name, g]));
  const actions: VrrpAction[] = [];
  const membersOf = (g: SyncGroupState) => Object.fromEntries(g.members.filter((n) => ms[n] !== undefined).map((n) => [n, ms[n]]));
  const faultGroups = new Set(groups.filter((g) => groupStartsInFault(g, membersOf(g), now)).map((g) => g.name));
  const startsInFault = (name: string): boolean => {
    const g = ms[name].env.syncGroup;
    if (g !== null) return faultGroups.has(g);
    return step(ms[name], { type: 'startup' }, now).state.state === 'FAULT';
  };
  const faulty = new Set(order.filter(startsInFault));
  for (const name of faulty) {
    const r = ms[name].env.syncGroup === null ? step(ms[name], { type: 'startup' }, now) : startMemberInFault(ms[name], now);
    ms[name] = r.state;
    actions.push(...r.actions);
  }
  for (const g of groups) {
    const r = faultGroups.has(g.name) ? startSyncGroupInFault(g) : startSyncGroup(g, membersOf(g), now);
    gs.set(g.name, r.group);
    actions.push(...r.actions);
  }
  for (const name of order) {
    if (faulty.has(name)) continue;
    const gname = ms[name].env.syncGroup;
    const g = gname === null ? undefined : gs.get(gname);
    if (!g) {
      const r = step(ms[name], { type: 'startup' }, now);
      ms[name] = r.state;
      actions.push(...r.actions);
      continue;
    }
    const r = stepSyncGroupMember(g, membersOf(g), name, { type: 'startup' }, now);
    gs.set(g.name, r.group);
    Object.assign(ms, r.members);
    actions.push(...r.actions);
  }
  return { instances: ms, groups: groups.map((g) => gs.get(g.name)!), actions };
}
