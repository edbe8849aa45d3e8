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
import type { Model, VirtualIpAddress, VrrpInstance } from '../config/model';
import { vipDiff } from '../vrrp/reconfigure';

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
    && a.syncGroup === b.syncGroup;
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
    } else if (globalsSame && isDeepStrictEqual(withoutLocations(o), withoutLocations(n))) {
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
