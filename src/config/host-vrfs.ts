/**
 * The host's VRF devices and their tables, for routes' `vrf NAME` (keepalived reads
 * ifp->vrf_tb_id from its interface list when the config is read). Read with iproute2's `ip`
 * because the config is read synchronously, and only when a route names a VRF.
 */
/** node:child_process, loaded on first use: with it the worker's start loaded node:dgram and ~6 ms of CPU (host) before its first VRRP state (issue 15). */
const childProcess = () => require('node:child_process') as typeof import('node:child_process');

/** The VRFs in `ip -d -j link show type vrf`'s output: name → table (IFLA_VRF_TABLE). */
export function vrfTablesOf(json: string): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    for (const l of JSON.parse(json) as Array<{ ifname?: string; linkinfo?: { info_kind?: string; info_data?: { table?: number } } }>) {
      const table = l.linkinfo?.info_data?.table;
      if (l.ifname && l.linkinfo?.info_kind === 'vrf' && typeof table === 'number') out[l.ifname] = table;
    }
  } catch {
    /* no VRFs read */
  }
  return out;
}

/** This network namespace's VRFs, read once on first use. */
export function hostVrfTables(): () => Record<string, number> {
  let tables: Record<string, number> | null = null;
  return () => {
    if (!tables) {
      const r = childProcess().spawnSync('ip', ['-d', '-j', 'link', 'show', 'type', 'vrf'], { encoding: 'utf8', timeout: 10_000 });
      tables = r.status === 0 ? vrfTablesOf(r.stdout) : {};
    }
    return tables;
  };
}
