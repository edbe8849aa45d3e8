/**
 * enable_snmp_vrrp serves KEEPALIVED-MIB's global and VRRP objects (src/daemon/snmp/keepalived-mib.ts)
 * but not its route, rule and next-hop tables: a config that would fill one of them is refused
 * as not implemented (a warning under --allow-unimplemented), never served with rows left out.
 */
import type { BuildContext } from './context';
import type { VrrpInstance } from './model';
import type { IpRoute, IpRule } from './routes-model';

export function refuseUnservedKeepalivedMib(
  ctx: BuildContext, instances: VrrpInstance[], staticRoutes: IpRoute[], staticRules: IpRule[],
): void {
  const at = ctx.snmpVrrpWord;
  if (!at) return;
  const uses: Array<[boolean, string]> = [
    [staticRoutes.length > 0 || instances.some((i) => i.virtualRoutes.length > 0), 'vrrpRouteTable and vrrpRouteNextHopTable (static_routes, virtual_routes)'],
    [staticRules.length > 0 || instances.some((i) => i.virtualRules.length > 0), 'vrrpRuleTable (static_rules, virtual_rules)'],
  ];
  for (const [used, what] of uses) if (used) ctx.unimplemented(at, `enable_snmp_vrrp: KEEPALIVED-MIB's ${what}`);
}
