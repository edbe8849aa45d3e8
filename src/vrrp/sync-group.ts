/**
 * vrrp_sync_group: the member instances change state together (keepalived vrrp_sync.c, and the
 * order observed from keepalived 2.2.7 in ../shared/reference/keepalived-2.2.7-baseline.md §5).
 *
 * - One member enters FAULT (its own interface, a tracked interface or script): it goes first
 *   (priority-0 advert where its link allows, VIPs removed), then "VRRP_Group(G) Syncing
 *   instances to FAULT state", the GROUP notify (priority 0), and every other member follows
 *   into FAULT — a MASTER member sends its own priority-0 advert on its own, working link.
 * - The group leaves FAULT only when no member has a fault of its own; the member whose
 *   recovery completed that goes BACKUP first, then the others.
 * - A MASTER member that sees a better master goes BACKUP, and the others follow.
 * - A member whose Master_Down_Timer expires only *wants* MASTER; the group becomes MASTER when
 *   the last member wants it (the slowest timer governs, as keepalived showed), that member
 *   first, then "Syncing instances to MASTER state", then the others in config order.
 *
 * Members are stepped through `stepSyncGroupMember`, which runs the member's own `step` and then
 * this rule; both are pure.
 */
import type { VrrpSyncGroup } from '../config/model';
import { enterFault, enterMaster, hasOwnFault, InstanceState, leaveFault, masterToBackup, step, Step, withStep } from './instance';
import type { StepResult, VrrpAction, VrrpEvent } from './types';

export interface SyncGroupState {
  name: string;
  /** Member instance names in config order. */
  members: string[];
  state: 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT';
}

export interface SyncGroupStepResult {
  group: SyncGroupState;
  members: Record<string, InstanceState>;
  actions: VrrpAction[];
}

export function createSyncGroupState(g: VrrpSyncGroup): SyncGroupState {
  return { name: g.name, members: [...g.group], state: 'INIT' };
}

/**
 * keepalived's vrrp_init_state: before any member's own start, a group that starts in BACKUP
 * sends its notifies (`GROUP "VG1" BACKUP` comes before its members' BACKUP lines, and every
 * group's before any instance's). The group starts in BACKUP unless a member starts in FAULT
 * (then it is FAULT, told after its members as now) or every member is an address owner
 * (then it goes MASTER with them). Members must all still be INIT; their start is foreseen with
 * a dry step (the machine is pure).
 */
export function startSyncGroup(group: SyncGroupState, members: Record<string, InstanceState>, now: number): SyncGroupStepResult {
  const names = group.members.filter((n) => members[n] !== undefined);
  const none = { group, members, actions: [] };
  if (group.state !== 'INIT' || names.length === 0 || names.some((n) => members[n].state !== 'INIT')) return none;
  const started = names.map((n) => step(members[n], { type: 'startup' }, now).state);
  if (started.some((s) => s.state !== 'BACKUP')) return none;
  if (started.every((s) => s.basePriority === 255)) return none;
  return { group: { ...group, state: 'BACKUP' }, members, actions: [{ type: 'notify', kind: 'GROUP', name: group.name, state: 'BACKUP', priority: 0 }] };
}

/**
 * keepalived's start of a sync group one of whose members starts in FAULT on its own (a tracked
 * link down, a failing script): initialise_tracking_priorities puts the group in FAULT before
 * anything starts, and vrrp_complete_init then tells every member FAULT at its place among the
 * instances starting in FAULT (config order); the group's own FAULT notify comes later, with the
 * other groups' (vrrp_init_state, startSyncGroupInFault). Members must all still be INIT.
 */
export function groupStartsInFault(group: SyncGroupState, members: Record<string, InstanceState>, now: number): boolean {
  const names = group.members.filter((n) => members[n] !== undefined);
  if (group.state !== 'INIT' || names.length === 0 || names.some((n) => members[n].state !== 'INIT')) return false;
  return names.some((n) => step(members[n], { type: 'startup' }, now).state.state === 'FAULT');
}

/**
 * A member of a group starting in FAULT, started on its own (no group rule): in FAULT by its own
 * start, or put there by its group (never BACKUP first: keepalived tells such a member FAULT only).
 */
export function startMemberInFault(member: InstanceState, now: number): StepResult<InstanceState> {
  const own = step(member, { type: 'startup' }, now);
  if (own.state.state === 'FAULT') return own;
  return withStep(member, now, enterFault);
}

/** The group starting in FAULT, after its members (groupStartsInFault): its FAULT notify, told with the other groups'. */
export function startSyncGroupInFault(group: SyncGroupState): { group: SyncGroupState; actions: VrrpAction[] } {
  return { group: { ...group, state: 'FAULT' }, actions: [{ type: 'notify', kind: 'GROUP', name: group.name, state: 'FAULT', priority: 0 }] };
}

/** Steps member `name` with `event`, then lets the group follow. */
export function stepSyncGroupMember(
  group: SyncGroupState,
  members: Record<string, InstanceState>,
  name: string,
  event: VrrpEvent,
  now: number,
): SyncGroupStepResult {
  const m = members[name];
  if (!m) throw new Error(`instance ${name} is not a member of sync group ${group.name}`);
  const r = step(m, event, now);
  if (r.state === m) return { group, members, actions: r.actions };
  const after = syncGroupStep(group, { ...members, [name]: r.state }, name, now);
  return { ...after, actions: [...r.actions, ...after.actions] };
}

/** The group rule, applied after member `trigger` changed. */
export function syncGroupStep(
  group: SyncGroupState,
  members: Record<string, InstanceState>,
  trigger: string,
  now: number,
): SyncGroupStepResult {
  const out: VrrpAction[] = [];
  const ms: Record<string, InstanceState> = { ...members };
  let g = group;
  const names = group.members.filter((n) => ms[n] !== undefined);
  const others = names.filter((n) => n !== trigger);
  const apply = (n: string, fn: (st: Step) => void) => {
    const r: StepResult<InstanceState> = withStep(ms[n], now, fn);
    ms[n] = r.state;
    out.push(...r.actions);
  };
  const groupLog = (to: string) => out.push({ type: 'log', level: 'info', message: `VRRP_Group(${g.name}) Syncing instances to ${to} state` });
  const groupNotify = (state: 'MASTER' | 'BACKUP' | 'FAULT') =>
    out.push({ type: 'notify', kind: 'GROUP', name: g.name, state, priority: 0 });
  const running = (s: InstanceState) => s.state === 'BACKUP' || s.state === 'MASTER';

  // FAULT wins over everything: one failing member takes the whole group down.
  if (names.some((n) => ms[n].state === 'FAULT' && hasOwnFault(ms[n]))) {
    if (g.state !== 'FAULT') {
      g = { ...g, state: 'FAULT' };
      groupLog('FAULT');
      groupNotify('FAULT');
    }
    for (const n of [trigger, ...others]) if (running(ms[n])) apply(n, enterFault);
    return { group: g, members: ms, actions: out };
  }

  if (g.state === 'FAULT') {
    // Nobody fails on their own any more: the group returns to BACKUP, trigger first.
    const inFault = [trigger, ...others].filter((n) => ms[n].state === 'FAULT');
    if (inFault.length === 0) {
      g = { ...g, state: 'BACKUP' };
      return { group: g, members: ms, actions: out };
    }
    const [first, ...rest] = inFault;
    apply(first, leaveFault);
    g = { ...g, state: 'BACKUP' };
    groupLog('BACKUP');
    groupNotify('BACKUP');
    for (const n of rest) apply(n, leaveFault);
    return { group: g, members: ms, actions: out };
  }

  const t = ms[trigger];
  if (g.state === 'MASTER' && t.state === 'BACKUP') {
    g = { ...g, state: 'BACKUP' };
    groupLog('BACKUP');
    groupNotify('BACKUP');
    for (const n of others) if (ms[n].state === 'MASTER') apply(n, masterToBackup);
    return { group: g, members: ms, actions: out };
  }

  const wantsMaster = (s: InstanceState) => s.state === 'MASTER' || (s.state === 'BACKUP' && s.wantState === 'MASTER');
  if (t.state === 'BACKUP' && t.wantState === 'MASTER' && others.every((n) => wantsMaster(ms[n]))) {
    apply(trigger, enterMaster);
    g = { ...g, state: 'MASTER' };
    groupLog('MASTER');
    groupNotify('MASTER');
    for (const n of others) if (ms[n].state !== 'MASTER') apply(n, enterMaster);
    return { group: g, members: ms, actions: out };
  }

  if (g.state === 'INIT' && names.every((n) => ms[n].state !== 'INIT')) {
    // keepalived sends the group's notifies when it first settles in BACKUP (its notify_backup
    // and SMTP alert "VRRP Group G - Entering BACKUP state" at startup; seen beside 2.2.7 in
    // test/alert/smtp-alert.netns.test.ts)
    g = { ...g, state: 'BACKUP' };
    if (names.every((n) => ms[n].state === 'BACKUP')) groupNotify('BACKUP');
  }
  return { group: g, members: ms, actions: out };
}
