/**
 * diff(desired, actual) → the fewest kernel operations that turn the actual IPVS table into the
 * desired one, never touching services halo does not own (unless lvs_flush).
 *
 *  - a changed weight, threshold or forwarding method is one edit-dest, never delete + add;
 *  - a changed scheduler, flags, persistence timeout, netmask or persistence engine is one edit-service;
 *  - a service that is desired and already in the kernel is adopted (owned from now on) and only
 *    its differences are applied — a restart does not recreate the table;
 *  - an owned service that is no longer desired is deleted, its destinations with it;
 *  - foreign services (not owned, not desired) are left alone, or deleted when lvs_flush is set
 *    (keepalived flushes the whole table at start-up; deleting only what differs has the same
 *    end state without dropping the connections of services that stay).
 *
 * Order is valid for the kernel as it comes: service deletions, then per service its edit or
 * add, then its destination deletions, edits and additions.
 */
import { IP_VS_SVC_F_HASHED, serviceKeyString } from './types';
import type { IpvsDestination, IpvsService } from './types';
import type { Op } from './ops';

export interface DiffOptions {
  /** serviceKeyString() of every service halo created or adopted. */
  owned: ReadonlySet<string>;
  /** global_defs lvs_flush: services halo does not want may be removed even if foreign. */
  lvsFlush: boolean;
}

export function diff(desired: readonly IpvsService[], actual: readonly IpvsService[], opts: DiffOptions): Op[] {
  const actualByKey = new Map<string, IpvsService>();
  for (const s of actual) actualByKey.set(serviceKeyString(s.key), s);
  const desiredKeys = new Set<string>();
  for (const s of desired) desiredKeys.add(serviceKeyString(s.key));

  const ops: Op[] = [];
  for (const [k, s] of actualByKey) {
    if (desiredKeys.has(k)) continue;
    if (opts.owned.has(k) || opts.lvsFlush) ops.push({ op: 'del-service', key: s.key });
  }
  for (const want of desired) {
    const have = actualByKey.get(serviceKeyString(want.key));
    if (!have) {
      ops.push({ op: 'add-service', service: want });
      for (const d of want.destinations) ops.push({ op: 'add-dest', key: want.key, dest: d });
      continue;
    }
    if (!sameService(want, have)) ops.push({ op: 'edit-service', service: want });
    diffDestinations(want, have, ops);
  }
  return ops;
}

/** What halo owns once diff()'s ops are applied: exactly what it wants. */
export function ownedAfter(desired: readonly IpvsService[]): Set<string> {
  return new Set(desired.map((s) => serviceKeyString(s.key)));
}

/**
 * Stop: remove what halo owns. lvs_flush_on_stop "all" flushes the whole table; "vs" and "off"
 * both delete each owned service (the kernel drops its destinations with it; keepalived's "off"
 * removes the real servers one by one first, which ends in the same table).
 */
export function teardown(owned: ReadonlySet<string>, actual: readonly IpvsService[], lvsFlushOnStop: 'off' | 'all' | 'vs'): Op[] {
  if (lvsFlushOnStop === 'all') return [{ op: 'flush' }];
  const ops: Op[] = [];
  for (const s of actual) if (owned.has(serviceKeyString(s.key))) ops.push({ op: 'del-service', key: s.key });
  return ops;
}

/**
 * The kernel reports IP_VS_SVC_F_HASHED on every service it holds (ip_vs_svc_hash sets it), so
 * that bit never counts as a difference.
 */
function sameService(a: IpvsService, b: IpvsService): boolean {
  return (
    a.scheduler === b.scheduler &&
    (a.flags & ~IP_VS_SVC_F_HASHED) === (b.flags & ~IP_VS_SVC_F_HASHED) &&
    a.timeout === b.timeout &&
    a.netmask === b.netmask &&
    (a.peName ?? '') === (b.peName ?? '')
  );
}

function sameDestination(a: IpvsDestination, b: IpvsDestination): boolean {
  return (
    a.forward === b.forward &&
    a.weight === b.weight &&
    a.upperThreshold === b.upperThreshold &&
    a.lowerThreshold === b.lowerThreshold
  );
}

function diffDestinations(want: IpvsService, have: IpvsService, ops: Op[]): void {
  const w = want.destinations;
  const h = have.destinations;
  // Fast path, no allocation: the same destinations in the same order (a table halo wrote and reads back).
  if (w.length === h.length && w.every((d, i) => d.address === h[i].address && d.port === h[i].port)) {
    for (let i = 0; i < w.length; i++) if (!sameDestination(w[i], h[i])) ops.push({ op: 'edit-dest', key: want.key, dest: w[i] });
    return;
  }
  const haveIndex = new DestIndex(h);
  const wantIndex = new DestIndex(w);
  for (const d of h) {
    if (!wantIndex.get(d)) ops.push({ op: 'del-dest', key: want.key, dest: { af: d.af, address: d.address, port: d.port } });
  }
  const adds: Op[] = [];
  for (const d of w) {
    const found = haveIndex.get(d);
    if (!found) adds.push({ op: 'add-dest', key: want.key, dest: d });
    else if (!sameDestination(d, found)) ops.push({ op: 'edit-dest', key: want.key, dest: d });
  }
  for (const a of adds) ops.push(a);
}

/** Destinations by (address, port), keyed on the address string itself so lookups allocate nothing. */
class DestIndex {
  private readonly byAddress = new Map<string, IpvsDestination | IpvsDestination[]>();

  constructor(dests: readonly IpvsDestination[]) {
    for (const d of dests) {
      const cur = this.byAddress.get(d.address);
      if (cur === undefined) this.byAddress.set(d.address, d);
      else if (Array.isArray(cur)) cur.push(d);
      else this.byAddress.set(d.address, [cur, d]);
    }
  }

  get(d: { address: string; port: number }): IpvsDestination | undefined {
    const cur = this.byAddress.get(d.address);
    if (cur === undefined) return undefined;
    if (!Array.isArray(cur)) return cur.port === d.port ? cur : undefined;
    return cur.find((c) => c.port === d.port);
  }
}
