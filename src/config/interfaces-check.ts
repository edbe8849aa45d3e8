/**
 * keepalived 2.2.7 without `dynamic_interfaces`: every interface the VRRP side names must exist
 * when the config is read (if_get_by_ifname(…, IF_CREATE_IF_DYNAMIC) returns nothing). Each name
 * that does not is reported with keepalived's words at its line, and then the config as a whole
 * is refused: "Non-existent interface specified in configuration" (keepalived's VRRP process
 * exits with its config error; halo refuses to start, or refuses the reload and keeps running).
 * With `dynamic_interfaces` all of them are kept and followed as they come and go.
 *
 * Pure: the host's interfaces come in as a predicate. The VMACs of use_vmac are halo's own to
 * make, so a route or address naming one is not a missing interface.
 */
import type { Diagnostic, Model, SourceLocation } from './model';
import type { IpRoute, IpRule } from './routes-model';

export const NON_EXISTENT = 'Non-existent interface specified in configuration';

export function missingInterfaces(model: Model, exists: (name: string) => boolean): Diagnostic[] {
  if (model.globalDefs.dynamicInterfaces) return [];
  const vmacs = new Set(model.vrrpInstances.flatMap((i) => [...(i.vmac ? [i.vmac.name] : []), ...i.extraVmacs.map((x) => x.name)]));
  const missing = (name: string | null): name is string => name !== null && !vmacs.has(name) && !exists(name);
  const out: Diagnostic[] = [];
  const report = (message: string, location: SourceLocation) => out.push({ severity: 'error', message, location });
  const routes = (rs: IpRoute[]) => {
    for (const r of rs) {
      for (const dev of [r.dev, ...r.nexthops.map((n) => n.dev)]) {
        if (missing(dev)) report(`WARNING - interface ${dev} for VROUTE nexthop doesn't exist`, r.location);
      }
    }
  };
  const rules = (rs: IpRule[]) => {
    for (const r of rs) {
      for (const dev of [r.iif, r.oif]) if (missing(dev)) report(`WARNING - interface ${dev} for rule doesn't exist`, r.location);
    }
  };
  // a garp_group naming a VMAC halo makes is refused too: keepalived reads it before any VMAC exists
  for (const g of model.globalDefs.garpGroups) {
    for (const i of g.interfaces) if (!exists(i.name)) report(`WARNING - interface ${i.name} specified for garp_group doesn't exist`, i.location);
  }
  for (const a of model.staticAddresses) if (missing(a.dev)) report(`WARNING - interface ${a.dev} for ip address ${a.address} doesn't exist`, a.location);
  routes(model.staticRoutes);
  rules(model.staticRules);
  for (const g of model.vrrpSyncGroups) {
    for (const t of g.trackInterfaces) if (missing(t.name)) report(`(${g.name}) tracked interface ${t.name} doesn't exist`, g.location);
  }
  for (const i of model.vrrpInstances) {
    if (missing(i.interface)) report(`WARNING - interface ${i.interface} for vrrp_instance ${i.name} doesn't exist`, i.location);
    // the interfaces of virtual routes and rules are tracked too: reported with their line below
    const ofRoutes = new Set([...i.virtualRoutes.flatMap((r) => [r.dev, ...r.nexthops.map((n) => n.dev)]), ...i.virtualRules.flatMap((r) => [r.iif, r.oif])]);
    for (const t of i.trackInterfaces) if (!ofRoutes.has(t.name) && missing(t.name)) report(`(${i.name}) tracked interface ${t.name} doesn't exist`, i.location);
    // a VIP's dev defaults to the instance's interface, reported above
    for (const a of [...i.virtualIpAddresses, ...i.virtualIpAddressesExcluded]) {
      const dev = i.extraVmacs.find((x) => x.name === a.dev)?.base ?? a.dev;
      if (dev !== i.interface && missing(dev)) report(`WARNING - interface ${dev} for ip address ${a.address} doesn't exist`, a.location);
    }
    routes(i.virtualRoutes);
    rules(i.virtualRules);
  }
  if (out.length > 0) report(NON_EXISTENT, { ...out[0].location, line: 0, col: 0 });
  return out;
}
