/**
 * enable_snmp_vrrp serves KEEPALIVED-MIB's global and VRRP objects (src/daemon/snmp/keepalived-mib.ts)
 * but not its route, rule, next-hop and BFD tables: a config that would fill one of them is refused
 * as not implemented (a warning under --allow-unimplemented), never served with rows left out.
 */
import type { BuildContext } from './context';
import type { BfdInstance, VrrpInstance, VrrpSyncGroup } from './model';
import type { IpRoute, IpRule } from './routes-model';

export function refuseUnservedKeepalivedMib(
  ctx: BuildContext, instances: VrrpInstance[], groups: VrrpSyncGroup[], staticRoutes: IpRoute[], staticRules: IpRule[], bfds: BfdInstance[],
): void {
  const at = ctx.snmpVrrpWord;
  if (!at) return;
  const uses: Array<[boolean, string]> = [
    [staticRoutes.length > 0 || instances.some((i) => i.virtualRoutes.length > 0), 'vrrpRouteTable and vrrpRouteNextHopTable (static_routes, virtual_routes)'],
    [staticRules.length > 0 || instances.some((i) => i.virtualRules.length > 0), 'vrrpRuleTable (static_rules, virtual_rules)'],
    [bfds.some((b) => b.toVrrp) || instances.some((i) => i.trackBfds.length > 0) || groups.some((g) => g.trackBfds.length > 0), 'vrrpBfdTable, vrrpTrackedBfdTable and syncGroupTrackedBfdTable (bfd_instance, track_bfd)'],
  ];
  for (const [used, what] of uses) if (used) ctx.unimplemented(at, `enable_snmp_vrrp: KEEPALIVED-MIB's ${what}`);
}
