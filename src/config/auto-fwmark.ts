/**
 * nftables_ipvs (keepalived 2.2.7 ipvswrapper.c ipvs_cmd, check_nftables.c set_vs_fwmark): a
 * group service whose virtual_server_group holds addresses only, and no fwmark entry, gets a
 * fwmark instead of one IPVS service per address. The services of one group and protocol share
 * it; fwmarks are handed out from nftables_ipvs_start_fwmark in the order the services are added.
 */
import type { GlobalDefs, VirtualServer, VirtualServerGroup } from './model';

export function assignAutoFwmarks(g: GlobalDefs, services: readonly VirtualServer[], groups: readonly VirtualServerGroup[]): void {
  if (g.nftablesIpvs.table === null) return;
  let next = g.nftablesIpvs.startFwmark;
  const given = new Map<string, number>();
  for (const vs of services) {
    if (vs.key.kind !== 'group') continue;
    const name = vs.key.group;
    const group = groups.find((x) => x.name === name);
    if (!group || group.entries.length === 0 || group.entries.some((e) => e.kind === 'fwmark')) continue;
    const id = `${name} ${vs.protocol}`;
    let mark = given.get(id);
    if (mark === undefined) {
      mark = next++;
      given.set(id, mark);
    }
    vs.autoFwmark = mark;
  }
}
