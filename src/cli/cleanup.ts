/**
 * `halo cleanup -f FILE`: what a dead director leaves behind, removed without starting one —
 * for systemd's ExecStopPost after a crash and for operators. Removes the VIPs the config owns
 * from their interfaces (keepalived's remove_residual_vips), the halo_announce VIPs (so their BGP
 * routes are withdrawn) and the IPVS services it defines (all of them with lvs_flush_on_stop ALL)
 * and the IPVS sync daemons lvs_sync_daemon runs on its interface, and the VMAC interfaces of
 * use_vmac (which a crash leaves up), the nftables tables of the VIP drop rules (vrrp_strict /
 * no_accept) and of nftables_ipvs, and the rules, routes and addresses of virtual_rules, virtual_routes, static_rules,
 * static_routes and static_ipaddress. Exit 0 when clean, 1 on a failure, 2 on usage.
 */
import { ipvsNamespacePath } from '../ipvs/ipvs-netns';
import { loadConfig } from '../config/load';
import { formatDiagnostic, needsFirewall, type Model } from '../config/model';
import { createRouteManager } from '../net/routes';
import type { NetResult } from '../net/errors';
import { buildDesired, initialCheckerUp } from '../ipvs/desired';
import { IpvsClient } from '../ipvs/client';
import { ownedAfter, teardown } from '../ipvs/reconcile';
import { createAddressManager, VipSpec } from '../net/addresses';
import { serviceKeyString } from '../ipvs/types';
import { createVmacManager, vmacSpecOf } from '../net/vmac';
import { removeFirewallTables } from '../net/nft-firewall';
import { vipOf } from '../daemon/announcer';

export async function main(argv: string[]): Promise<number> {
  let file: string | null = null;
  let configId: string | undefined;
  const usage = 'usage: halo cleanup -f FILE [-i CONFIG_ID]\n';
  for (let i = 0; i < argv.length; i++) {
    if ((argv[i] === '-f' || argv[i] === '--use-file') && argv[i + 1]) file = argv[++i];
    else if ((argv[i] === '-i' || argv[i] === '--config-id') && argv[i + 1]) configId = argv[++i];
    else {
      process.stderr.write(`halo cleanup: unknown option '${argv[i]}'\n${usage}`);
      return 2;
    }
  }
  if (!file) {
    process.stderr.write(usage);
    return 2;
  }
  // The same config id as `halo run -i` (the @ID lines decide which VIPs are this director's);
  // features halo does not run do not stop it from removing what it owns.
  const loaded = loadConfig(file, { configId, allowUnimplemented: true, vrfTables: 'host' });
  if (!loaded.model) {
    for (const d of loaded.diagnostics) if (d.severity === 'error') process.stderr.write(`${formatDiagnostic(d)}\n`);
    return 1;
  }
  const m = loaded.model;
  let rc = 0;
  // virtual and static rules, then routes, before the addresses (keepalived's order at stop)
  rc = Math.max(rc, await removeRoutes(m));
  // halo_announce VIPs too: with the address gone, the routing daemon withdraws the route
  const vips: VipSpec[] = [...m.vrrpInstances.flatMap((i) => [...i.virtualIpAddresses, ...i.virtualIpAddressesExcluded]), ...m.announces.map(vipOf), ...m.staticAddresses];
  if (vips.length > 0) {
    const addresses = createAddressManager();
    try {
      const r = await addresses.removeResidual(vips);
      for (const v of r.removed) process.stdout.write(`removed VIP ${v.address}/${v.prefixLen} from ${v.dev}\n`);
      for (const e of r.errors) {
        process.stderr.write(`halo cleanup: ${e.message}\n`);
        rc = 1;
      }
    } finally {
      addresses.close();
    }
  }
  if (m.announces.length > 0) {
    // a drain cut short leaves its local route (the VIP still accepted): remove it too
    const { createLocalRoutes } = await import('../net/local-route');
    const routes = createLocalRoutes();
    try {
      for (const a of m.announces) {
        const r = await routes.remove(vipOf(a));
        if (!r.ok) {
          process.stderr.write(`halo cleanup: ${r.error.message}\n`);
          rc = 1;
        } else if (r.value) process.stdout.write(`removed the local route of ${a.address} from ${a.interface}\n`);
      }
    } finally {
      routes.close();
    }
  }
  // net_namespace_ipvs: the table (and the sync daemons) are in that namespace
  const ipvsNetns = ipvsNamespacePath(m.globalDefs.netNamespaceIpvs);
  if (m.virtualServers.length > 0) {
    const client = await openIpvs(ipvsNetns);
    if (!client) return 1;
    try {
      const desired = buildDesired({ virtualServers: m.virtualServers, virtualServerGroups: m.virtualServerGroups }, initialCheckerUp, null);
      const mode = m.globalDefs.lvsFlushOnStop === 'all' ? 'all' : 'vs';
      const ops = teardown(ownedAfter(desired.services), await client.listServices(), mode);
      for (const r of await client.apply(ops)) {
        if (r.error) {
          process.stderr.write(`halo cleanup: ${r.error.message}\n`);
          rc = 1;
        } else process.stdout.write(`${r.op.op === 'flush' ? 'flushed the IPVS table' : `removed IPVS service ${r.op.op === 'del-service' ? serviceKeyString(r.op.key) : r.op.op}`}\n`);
      }
    } finally {
      client.close();
    }
  }
  if (m.globalDefs.lvsSyncDaemon) rc = Math.max(rc, await stopSyncDaemons(m.globalDefs.lvsSyncDaemon.interface, ipvsNetns));
  // the VMACs of use_vmac and of use_vmac_addr
  const specs = m.vrrpInstances.flatMap((i) => [...(i.vmac ? [vmacSpecOf(i)] : []), ...i.extraVmacs.map((x) => ({ instance: i.name, name: x.name, base: x.base, vrid: i.virtualRouterId, mac: x.mac }))]);
  if (specs.length > 0) {
    const vmacs = createVmacManager();
    try {
      for (const spec of specs) {
        const r = await vmacs.remove(spec);
        if (!r.ok) {
          process.stderr.write(`halo cleanup: ${r.error.message}\n`);
          rc = 1;
        } else if (r.value) process.stdout.write(`removed ${'ipvlan' in spec && spec.ipvlan ? 'ipvlan' : 'VMAC'} interface ${spec.name}\n`);
      }
    } finally {
      vmacs.close();
    }
  }
  // the VIP drop rules of non-accept instances (a crashed run leaves keepalived's tables behind)
  const table = m.globalDefs.nftables.table;
  if (table !== null && m.vrrpInstances.some((i) => needsFirewall(i) || i.vmac !== null)) rc = Math.max(rc, await removeTables(table));
  // nftables_ipvs's fwmark maps (removed at a graceful stop, left by a killed worker)
  const ipvsTable = m.globalDefs.nftablesIpvs.table;
  if (ipvsTable !== null && ipvsTable !== table) rc = Math.max(rc, await removeTables(ipvsTable));
  return rc;
}

/** The ip and ip6 nftables tables named `table`, if there: 0, or 1 on a failure. */
async function removeTables(table: string): Promise<number> {
  const r = await removeFirewallTables(table);
  if (!r.ok) {
    process.stderr.write(`halo cleanup: ${r.error.message}\n`);
    return 1;
  }
  for (const t of r.value) process.stdout.write(`removed nftables table ${t}\n`);
  return 0;
}

/** Every virtual_rules/static_rules rule, then every virtual_routes/static_routes route the config names, that is there. */
async function removeRoutes(m: Model): Promise<number> {
  const rules = [...m.vrrpInstances.flatMap((i) => i.virtualRules), ...m.staticRules];
  const routes = [...m.vrrpInstances.flatMap((i) => i.virtualRoutes), ...m.staticRoutes];
  if (rules.length + routes.length === 0) return 0;
  const manager = createRouteManager();
  let rc = 0;
  const report = (kind: string, text: string, r: NetResult<boolean>) => {
    if (!r.ok) {
      // a route whose interface is gone went with it
      if (r.error.code === 'ENODEV') return;
      process.stderr.write(`halo cleanup: ${r.error.message}\n`);
      rc = 1;
    } else if (r.value) process.stdout.write(`removed ${kind} ${text}\n`);
  };
  try {
    for (const r of rules) report('rule', r.text, await manager.rule('delete', r));
    for (const r of routes) report('route', r.text, await manager.route('delete', r));
  } finally {
    manager.close();
  }
  return rc;
}

/** The kernel's IPVS table, or null with the reason written to stderr. */
async function openIpvs(netns: string | null): Promise<IpvsClient | null> {
  try {
    return await IpvsClient.open({ netns });
  } catch (err) {
    process.stderr.write(`halo cleanup: ${(err as Error).message}\n`);
    return null;
  }
}

/** The IPVS sync daemons lvs_sync_daemon started (a dead director's master daemon keeps sending). */
async function stopSyncDaemons(ifname: string, netns: string | null): Promise<number> {
  const client = await openIpvs(netns);
  if (!client) return 1;
  let rc = 0;
  try {
    for (const d of await client.getDaemons()) {
      if (d.mcastInterface !== ifname) continue;
      await client.stopDaemon(d.state);
      process.stdout.write(`stopped the IPVS ${d.state} sync daemon on ${d.mcastInterface}\n`);
    }
  } catch (err) {
    process.stderr.write(`halo cleanup: ${(err as Error).message}\n`);
    rc = 1;
  } finally {
    client.close();
  }
  return rc;
}
