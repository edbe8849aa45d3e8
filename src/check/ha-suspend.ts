/**
 * `ha_suspend` as keepalived 2.2.7 runs it (check_api.c update_checker_activity,
 * register_checkers_thread): a virtual server with ha_suspend has its checkers suspended while its
 * address is on none of this host's interfaces — typically while the VRRP instance holding it is
 * not MASTER. Nothing else changes: a suspended checker simply sends no probe (its timer keeps
 * ticking every delay_loop) and its real server keeps the state it had.
 *
 * keepalived counts the host's copies of each such address (the netlink dump at start, then every
 * RTM_NEWADDR/RTM_DELADDR), so the checkers resume on the first copy and are suspended with the
 * last. Two 2.2.7 details kept on purpose: a virtual server given by a group never matches an
 * address (addr_matches returns false for vsg), so its checkers stay suspended; and a fwmark
 * virtual server has ha_suspend cleared by the config (build-lvs.ts).
 *
 * halo probes a target shared by several (virtual server, real server) pairs once (targets.ts):
 * it is suspended only when every virtual server using it is.
 */
import * as ipaddr from 'ipaddr.js';
import type { VirtualServer } from '../config/model';
import type { CheckTarget } from './targets';

/** How many copies of each ha_suspend virtual server's address the host has. */
export type SuspendCounts = ReadonlyMap<VirtualServer, number>;

const canonical = (a: string): string => {
  try {
    return ipaddr.parse(a).toNormalizedString();
  } catch {
    return a;
  }
};

/** addr_matches: only a virtual server given by address (and of the address's family) can match. */
export function vsMatches(vs: VirtualServer, family: 4 | 6, address: string): boolean {
  return vs.haSuspend && vs.key.kind === 'addr' && vs.key.family === family && canonical(vs.key.address) === canonical(address);
}

/** The counts from the host's addresses now (keepalived's netlink dump at start). */
export function initialCounts(virtualServers: readonly VirtualServer[], host: readonly { family: 4 | 6; address: string }[]): Map<VirtualServer, number> {
  const counts = new Map<VirtualServer, number>();
  for (const vs of virtualServers) {
    if (!vs.haSuspend) continue;
    counts.set(vs, host.filter((a) => vsMatches(vs, a.family, a.address)).length);
  }
  return counts;
}

/** A virtual server's checkers run unless it has ha_suspend and none of its address is here. */
export const vsActive = (vs: VirtualServer, counts: SuspendCounts): boolean => !vs.haSuspend || (counts.get(vs) ?? 0) > 0;

/** A shared target runs while any virtual server using it is active. */
export const targetSuspended = (t: CheckTarget, counts: SuspendCounts): boolean => t.users.every((u) => !vsActive(u.vs, counts));

export interface SuspendStep {
  counts: Map<VirtualServer, number>;
  /** Targets (by index) whose suspended state flips, and to what. */
  flips: { index: number; suspended: boolean }[];
  /** The virtual servers the address belonged to (for the log lines). */
  matched: VirtualServer[];
}

/**
 * One address added to or removed from the host: the counts after it, and the targets that flip
 * (keepalived: enable on any add, suspend only when the count reaches 0).
 */
export function addressChanged(
  counts: SuspendCounts, targets: readonly CheckTarget[], suspended: readonly boolean[], change: { kind: 'added' | 'removed'; family: 4 | 6; address: string },
): SuspendStep {
  const next = new Map(counts);
  const matched: VirtualServer[] = [];
  for (const vs of next.keys()) {
    if (!vsMatches(vs, change.family, change.address)) continue;
    matched.push(vs);
    next.set(vs, Math.max(0, (next.get(vs) ?? 0) + (change.kind === 'added' ? 1 : -1)));
  }
  const flips: SuspendStep['flips'] = [];
  if (matched.length > 0) {
    targets.forEach((t, index) => {
      if (!t.users.some((u) => matched.includes(u.vs))) return;
      const now = targetSuspended(t, next);
      if (now !== suspended[index]) flips.push({ index, suspended: now });
    });
  }
  return { counts: next, flips, matched };
}

/** keepalived's line for one (real server, virtual server) of a target that is (re)activated or suspended. */
export function suspendLine(kind: 'start' | 'change', suspended: boolean, rs: string, vs: string): string {
  const verb = kind === 'start' ? (suspended ? 'Deactivating' : 'Activating') : suspended ? 'Suspending' : 'Activating';
  return `${verb} healthchecker for service ${rs} for VS ${vs}`;
}
