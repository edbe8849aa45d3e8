/**
 * nftables_ipvs's firewall side (keepalived 2.2.7 check_nftables.c), as nft commands: per address
 * family one table (`ip`/`ip6` TABLE) with a base chain `in` (filter, hook input, the configured
 * priority, policy accept); per protocol a map `tcp_map`/`udp_map`/`sctp_map` from
 * address . port (intervals: a group range is one element) to the group service's fwmark, and
 * a rule setting the packet's mark from it, then returning (with nftables_counters, a counter in
 * the rule and in the map). Tables, maps and
 * rules come in the order keepalived makes them: as it adds the services, entry by entry.
 *
 * Pure: the shell (src/daemon/lvs-engine.ts) hands the script to `nft -f -`.
 */
import type { GlobalDefs, VirtualServer, VirtualServerGroup } from '../config/model';
import { rangeLast } from '../config/vsg-format';

export type NftProtocol = 'tcp' | 'udp' | 'sctp';

export interface IpvsNftMap {
  protocol: NftProtocol;
  /** nft element text, `ADDR[-ADDR_END] . PORT : FWMARK`. */
  elements: string[];
}

export interface IpvsNftTable {
  family: 4 | 6;
  maps: IpvsNftMap[];
}

export interface IpvsNftPlan {
  table: string;
  priority: number;
  counters: boolean;
  tables: IpvsNftTable[];
}

const nftFamily = (f: 4 | 6): string => (f === 4 ? 'ip' : 'ip6');

/** What the model's group services with an auto fwmark need; null when nftables_ipvs is off. */
export function planIpvsNft(g: GlobalDefs, services: readonly VirtualServer[], groups: readonly VirtualServerGroup[]): IpvsNftPlan | null {
  const table = g.nftablesIpvs.table;
  if (table === null) return null;
  const tables: IpvsNftTable[] = [];
  const seen = new Set<string>();
  for (const vs of services) {
    if (vs.autoFwmark === undefined || vs.key.kind !== 'group') continue;
    const name = vs.key.group;
    const protocol = vs.protocol.toLowerCase() as NftProtocol;
    // The services of one group and protocol share the fwmark: its elements go in once.
    if (seen.has(`${name} ${protocol}`)) continue;
    seen.add(`${name} ${protocol}`);
    for (const e of groups.find((x) => x.name === name)?.entries ?? []) {
      if (e.kind === 'fwmark') continue;
      let t = tables.find((x) => x.family === e.family);
      if (!t) tables.push((t = { family: e.family, maps: [] }));
      let m = t.maps.find((x) => x.protocol === protocol);
      if (!m) t.maps.push((m = { protocol, elements: [] }));
      const addr = e.kind === 'range' ? `${e.address}-${rangeLast(e)}` : e.address;
      m.elements.push(`${addr} . ${e.port} : ${vs.autoFwmark}`);
    }
  }
  return { table, priority: g.nftablesIpvs.priority, counters: g.nftables.counters, tables };
}

/** The `table` block of one family, as nft -f reads it. */
function tableText(p: IpvsNftPlan, t: IpvsNftTable): string {
  const fam = nftFamily(t.family);
  const addrType = t.family === 4 ? 'ipv4_addr' : 'ipv6_addr';
  const lines = [`table ${fam} ${p.table} {`];
  for (const m of t.maps) {
    lines.push(`\tmap ${m.protocol}_map {`, `\t\ttype ${addrType} . inet_service : mark`, '\t\tflags interval');
    if (p.counters) lines.push('\t\tcounter');
    lines.push(`\t\telements = { ${m.elements.join(', ')} }`, '\t}');
  }
  lines.push('\tchain in {', `\t\ttype filter hook input priority ${p.priority}; policy accept;`);
  // add_counter: a counter only with nftables_counters
  const counter = p.counters ? ' counter' : '';
  for (const m of t.maps) lines.push(`\t\tmeta l4proto ${m.protocol} meta mark set ${fam} daddr . ${m.protocol} dport map @${m.protocol}_map${counter} return`);
  lines.push('\t}', '}');
  return lines.join('\n');
}

/** Removes `table` of `family` whether it is there or not (add then delete, in one batch). */
const dropTable = (table: string, family: 4 | 6): string => `add table ${nftFamily(family)} ${table}\ndelete table ${nftFamily(family)} ${table}`;

/**
 * One atomic nft batch taking the kernel from whatever halo wrote before (tables named in
 * `previous`, or left by a crash: every family is cleared) to `plan`. null plan: remove all.
 */
export function ipvsNftScript(plan: IpvsNftPlan | null, previous: { table: string } | null): string {
  const out: string[] = [];
  const names = new Set([...(previous ? [previous.table] : []), ...(plan ? [plan.table] : [])]);
  for (const name of names) for (const f of [4, 6] as const) out.push(dropTable(name, f));
  if (plan) for (const t of plan.tables) out.push(tableText(plan, t));
  return `${out.join('\n')}\n`;
}
