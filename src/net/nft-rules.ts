/**
 * The nftables rules keepalived 2.2.7 installs for the VIPs of an instance without accept mode
 * (vrrp_nftables.c), as `nft -f` commands: a pure planner over a small state, so the order of
 * tables, chains, sets and rules, and which set an address goes to, are tested without a kernel.
 *
 * keepalived builds the same objects as nfnetlink batches itself; `nft list ruleset` reads back the
 * same table for both (test/integration/strict-nftables.netns.test.ts compares them).
 *
 * What keepalived does, and so this does:
 * - `table ip|ip6 NAME` (default `keepalived`), created on the first VIP of the family, after
 *   deleting a table of that name left over by an earlier run ("Deleting old ip keepalived table");
 * - chains `out` (hook output) and `in` (hook input), filter, priority `nftables_priority` (-1),
 *   policy accept; set `vips`; rules `ip daddr @vips drop` in `in`, `ip saddr @vips drop` in `out`;
 * - IPv6 also: chains `in_link_local`/`out_link_local`, the constant set `neighbor-discovery`
 *   (solicit, advert) accepted first, link-local addresses sent to their own chains, and the sets
 *   `vips_link_local` (address . interface index) or `vips_link_local_name` (address . name: for
 *   `dont_track_primary` instances unless `nftables_ifindex`), each made on its first address;
 * - `nftables_counters` puts a counter in every rule;
 * - the elements are the instance's VIPs and excluded VIPs while it holds them (MASTER); at stop
 *   the tables are deleted;
 * - use_vmac (nft_add_vmac): IGMP/MLDv2 reports leaving a VMAC are sent out of its parent instead
 *   (map vmac_map, VMAC → parent) and IPv6 router solicitations from a VMAC dropped (set vmac_set),
 *   for the instance's family and the other one when it has excluded VIPs of that family.
 */

export interface NftSettings {
  /** The table's name (`nftables NAME`, default keepalived). */
  table: string;
  /** `nftables_priority` (default -1). */
  priority: number;
  /** `nftables_ifindex`: link-local VIPs always go in the ifindex set. */
  ifindex: boolean;
  /** `nftables_counters`. */
  counters: boolean;
}

/** One VIP as the firewall sees it. */
export interface FirewallAddress {
  address: string;
  family: 4 | 6;
  dev: string;
  /** Goes in vips_link_local_name (by interface name) rather than vips_link_local (by index). */
  byName: boolean;
}

/** What has been made in the kernel so far, and which instances hold each element. */
export interface FirewallState {
  ipv4Table: boolean;
  ipv4Vips: boolean;
  ipv6Table: boolean;
  ipv6Vips: boolean;
  llIndex: boolean;
  llName: boolean;
  /** use_vmac: the IGMP/MLD rules and their map (and set) made, per family. */
  ipv4Igmp: boolean;
  ipv6Igmp: boolean;
  /** Element key (family, set, element) → instances that hold it. */
  holders: Map<string, Set<string>>;
}

export const emptyFirewallState = (): FirewallState => ({
  ipv4Table: false, ipv4Vips: false, ipv6Table: false, ipv6Vips: false, llIndex: false, llName: false, ipv4Igmp: false, ipv6Igmp: false, holders: new Map(),
});

export const DEFAULT_NFT_TABLE = 'keepalived';

const isLinkLocal6 = (a: string): boolean => /^fe[89ab][0-9a-f]:/i.test(a);

/**
 * Which set an IPv6 link-local VIP goes to (nft_update_ipv6_address): by name for an instance with
 * dont_track_primary whose VIP is on its own interface, unless nftables_ifindex.
 */
export function firewallAddress(
  vip: { address: string; family: 4 | 6; dev: string },
  instance: { interface: string; dontTrackPrimary: boolean },
  s: Pick<NftSettings, 'ifindex'>,
): FirewallAddress {
  const byName = vip.family === 6 && isLinkLocal6(vip.address) && !s.ifindex && instance.dontTrackPrimary && vip.dev === instance.interface;
  return { address: vip.address, family: vip.family, dev: vip.dev, byName };
}

function setOf(a: FirewallAddress): { family: 'ip' | 'ip6'; set: string; element: string } {
  if (a.family === 4) return { family: 'ip', set: 'vips', element: a.address };
  if (!isLinkLocal6(a.address)) return { family: 'ip6', set: 'vips', element: a.address };
  return a.byName
    ? { family: 'ip6', set: 'vips_link_local_name', element: `${a.address} . "${a.dev}"` }
    : { family: 'ip6', set: 'vips_link_local', element: `${a.address} . "${a.dev}"` };
}

/**
 * A table name nft's command language can write (an identifier); keepalived, building netlink
 * itself, takes any name under 256 bytes. The config refuses other names as not implemented.
 */
export const NFT_IDENTIFIER = /^[A-Za-z][A-Za-z0-9_/.\\-]*$/;

const quote = (name: string): string => {
  if (!NFT_IDENTIFIER.test(name)) throw new Error(`nftables table name '${name}' cannot be written in nft's language`);
  return name;
};

function chain(fam: 'ip' | 'ip6', s: NftSettings, name: 'in' | 'out'): string {
  return `add chain ${fam} ${quote(s.table)} ${name} { type filter hook ${name === 'in' ? 'input' : 'output'} priority ${s.priority}; policy accept; }`;
}

function rule(fam: 'ip' | 'ip6', s: NftSettings, chainName: string, match: string, verdict: string): string {
  return `add rule ${fam} ${quote(s.table)} ${chainName} ${match}${s.counters ? ' counter' : ''} ${verdict}`;
}

/** The setup lines of nft_setup_ipv4 / nft_setup_ipv4_vips. */
function setupIpv4(st: FirewallState, s: NftSettings, out: string[]): void {
  if (st.ipv4Vips) return;
  const t = quote(s.table);
  setupTable(st, s, 'ip', out);
  out.push(
    chain('ip', s, 'in'),
    `add set ip ${t} vips { type ipv4_addr; }`,
    rule('ip', s, 'in', 'ip daddr @vips', 'drop'),
    rule('ip', s, 'out', 'ip saddr @vips', 'drop'),
  );
  st.ipv4Vips = true;
}

/** The setup lines of nft_setup_ipv6 / nft_setup_ipv6_vips. */
function setupIpv6(st: FirewallState, s: NftSettings, out: string[]): void {
  if (st.ipv6Vips) return;
  const t = quote(s.table);
  setupTable(st, s, 'ip6', out);
  out.push(
    chain('ip6', s, 'in'),
    `add chain ip6 ${t} in_link_local`,
    `add chain ip6 ${t} out_link_local`,
    `add set ip6 ${t} vips { type ipv6_addr; }`,
    `add set ip6 ${t} neighbor-discovery { type icmpv6_type; flags constant; elements = { nd-neighbor-solicit, nd-neighbor-advert }; }`,
    rule('ip6', s, 'in', 'icmpv6 type @neighbor-discovery', 'accept'),
    rule('ip6', s, 'in', 'ip6 daddr fe80::/10', 'goto in_link_local'),
    rule('ip6', s, 'out', 'icmpv6 type @neighbor-discovery', 'accept'),
    rule('ip6', s, 'out', 'ip6 saddr fe80::/10', 'goto out_link_local'),
    rule('ip6', s, 'in', 'ip6 daddr @vips', 'drop'),
    rule('ip6', s, 'out', 'ip6 saddr @vips', 'drop'),
  );
  st.ipv6Vips = true;
}

/** nft_setup_ipv4 / nft_setup_ipv6 alone: the table and its out chain. */
function setupTable(st: FirewallState, s: NftSettings, fam: 'ip' | 'ip6', out: string[]): void {
  if (fam === 'ip' ? st.ipv4Table : st.ipv6Table) return;
  out.push(`add table ${fam} ${quote(s.table)}`, chain(fam, s, 'out'));
  if (fam === 'ip') st.ipv4Table = true;
  else st.ipv6Table = true;
}

/**
 * nft_setup_igmp (use_vmac): IGMP (IPv6: MLDv2 reports) leaving through a VMAC goes out of its
 * parent instead, by the map vmac_map; IPv6 router solicitations from a VMAC are dropped.
 */
function setupIgmp(st: FirewallState, s: NftSettings, fam: 'ip' | 'ip6', out: string[]): void {
  if (fam === 'ip' ? st.ipv4Igmp : st.ipv6Igmp) return;
  setupTable(st, s, fam, out);
  const t = quote(s.table);
  out.push(`add map ${fam} ${t} vmac_map { type iface_index : iface_index; }`);
  if (fam === 'ip') {
    out.push(rule('ip', s, 'out', 'ip protocol igmp meta oifkind "macvlan" dup to ip daddr device oif map @vmac_map', 'drop'));
    st.ipv4Igmp = true;
  } else {
    out.push(
      `add set ip6 ${t} vmac_set { type iface_index; }`,
      rule('ip6', s, 'out', 'icmpv6 type mld2-listener-report meta oifkind "macvlan" dup to ip6 daddr device oif map @vmac_map', 'drop'),
      rule('ip6', s, 'out', 'icmpv6 type nd-router-solicit meta oifkind "macvlan" oif @vmac_set', 'drop'),
    );
    st.ipv6Igmp = true;
  }
}

/**
 * nft_add_vmac / nft_remove_vmac: a VMAC's entries in the instance's family, and in the other one
 * when it has excluded VIPs of that family (VRRP_FLAG_EVIP_OTHER_FAMILY).
 */
export function planVmac(
  prev: FirewallState, s: NftSettings, op: 'add' | 'remove', vmac: { name: string; base: string }, family: 4 | 6, otherFamily: boolean,
): FirewallPlan {
  const st = cloneState(prev);
  const lines: string[] = [];
  const t = quote(s.table);
  const fams: Array<'ip' | 'ip6'> = family === 4 ? ['ip'] : ['ip6'];
  if (otherFamily) fams.push(family === 4 ? 'ip6' : 'ip');
  const verb = op === 'add' ? 'add' : 'delete';
  for (const fam of fams) {
    const key = `${fam} vmac ${vmac.name}`;
    if ((op === 'add') === st.holders.has(key)) continue;
    if (op === 'add') {
      setupIgmp(st, s, fam, lines);
      st.holders.set(key, new Set([vmac.base]));
    } else st.holders.delete(key);
    lines.push(`${verb} element ${fam} ${t} vmac_map { "${vmac.name}" : "${vmac.base}" }`);
    if (fam === 'ip6') lines.push(`${verb} element ip6 ${t} vmac_set { "${vmac.name}" }`);
  }
  return { state: st, lines };
}

/** setup_link_local_checks: the link-local set of one kind and its two rules. */
function setupLinkLocal(st: FirewallState, s: NftSettings, byName: boolean, out: string[]): void {
  if (byName ? st.llName : st.llIndex) return;
  const t = quote(s.table);
  const set = byName ? 'vips_link_local_name' : 'vips_link_local';
  out.push(
    `add set ip6 ${t} ${set} { type ipv6_addr . ${byName ? 'ifname' : 'iface_index'}; }`,
    rule('ip6', s, 'in_link_local', `ip6 daddr . ${byName ? 'iifname' : 'iif'} @${set}`, 'drop'),
    rule('ip6', s, 'out_link_local', `ip6 saddr . ${byName ? 'oifname' : 'oif'} @${set}`, 'drop'),
  );
  if (byName) st.llName = true;
  else st.llIndex = true;
}

export interface FirewallPlan {
  state: FirewallState;
  /** `nft -f` lines, empty when nothing changes. */
  lines: string[];
}

const cloneState = (st: FirewallState): FirewallState => ({ ...st, holders: new Map([...st.holders].map(([k, v]) => [k, new Set(v)])) });

/**
 * nft_add_addresses for `instance`'s `addrs`: the tables, chains, sets and rules not made yet
 * (in keepalived's order), then the elements no other instance holds already.
 */
export function planAdd(prev: FirewallState, s: NftSettings, instance: string, addrs: FirewallAddress[]): FirewallPlan {
  const st = cloneState(prev);
  const setup: string[] = [];
  const elements = new Map<string, string[]>();
  for (const a of addrs) {
    const where = setOf(a);
    const key = `${where.family} ${where.set} ${where.element}`;
    const holders = st.holders.get(key) ?? new Set<string>();
    if (holders.has(instance)) continue;
    if (a.family === 4) setupIpv4(st, s, setup);
    else {
      setupIpv6(st, s, setup);
      if (isLinkLocal6(a.address)) setupLinkLocal(st, s, a.byName, setup);
    }
    if (holders.size === 0) {
      const setKey = `${where.family} ${quote(s.table)} ${where.set}`;
      elements.set(setKey, [...(elements.get(setKey) ?? []), where.element]);
    }
    holders.add(instance);
    st.holders.set(key, holders);
  }
  const lines = [...setup, ...[...elements].map(([set, els]) => `add element ${set} { ${els.join(', ')} }`)];
  return { state: st, lines };
}

/** nft_remove_addresses: the elements `instance` held that no other instance holds. */
export function planRemove(prev: FirewallState, s: NftSettings, instance: string, addrs: FirewallAddress[]): FirewallPlan {
  const st = cloneState(prev);
  const elements = new Map<string, string[]>();
  for (const a of addrs) {
    const where = setOf(a);
    const key = `${where.family} ${where.set} ${where.element}`;
    const holders = st.holders.get(key);
    if (!holders?.has(instance)) continue;
    holders.delete(instance);
    if (holders.size > 0) continue;
    st.holders.delete(key);
    const setKey = `${where.family} ${quote(s.table)} ${where.set}`;
    elements.set(setKey, [...(elements.get(setKey) ?? []), where.element]);
  }
  return { state: st, lines: [...elements].map(([set, els]) => `delete element ${set} { ${els.join(', ')} }`) };
}

/** nft_cleanup: delete the tables made (at stop). */
export function planCleanup(prev: FirewallState, s: NftSettings): FirewallPlan {
  const lines: string[] = [];
  if (prev.ipv4Table) lines.push(`delete table ip ${quote(s.table)}`);
  if (prev.ipv6Table) lines.push(`delete table ip6 ${quote(s.table)}`);
  return { state: emptyFirewallState(), lines };
}

/**
 * check_and_delete_tables, before the first table is made: the lines that delete tables of this
 * name a crashed run left, given the tables `nft list tables` shows, and keepalived's log lines.
 */
export function planResidue(existing: { family: string; name: string }[], table: string): { lines: string[]; log: string[] } {
  const lines: string[] = [];
  const log: string[] = [];
  for (const fam of ['ip', 'ip6'] as const) {
    if (!existing.some((t) => t.family === fam && t.name === table)) continue;
    log.push(`Deleting old ${fam} ${table} table`);
    lines.push(`delete table ${fam} ${quote(table)}`);
  }
  return { lines, log };
}

/** The tables `nft -j list tables` prints. */
export function parseTables(json: string): { family: string; name: string }[] {
  const doc = JSON.parse(json) as { nftables?: Array<{ table?: { family: string; name: string } }> };
  return (doc.nftables ?? []).flatMap((e) => (e.table ? [{ family: e.table.family, name: e.table.name }] : []));
}
