/**
 * The nft commands for keepalived's VIP drop rules (src/net/nft-rules.ts). The lines are what
 * vrrp_nftables.c builds, in its order; test/integration/strict-nftables.netns.test.ts checks that
 * the kernel then holds the same ruleset as under keepalived 2.2.7.
 */
import {
  emptyFirewallState, firewallAddress, parseTables, planAdd, planCleanup, planRemove, planResidue, planVmac, type NftSettings,
} from '../../src/net/nft-rules';

const S: NftSettings = { table: 'keepalived', priority: -1, ifindex: false, counters: false };
const v4 = (address: string, dev = 'eth0') => ({ address, family: 4 as const, dev, byName: false });
const v6 = (address: string, dev = 'eth0', byName = false) => ({ address, family: 6 as const, dev, byName });

describe('nftables VIP drop rules as keepalived 2.2.7 makes them', () => {
  it('the first IPv4 VIPs: table, out chain, in chain, set, in rule, out rule, then the elements', () => {
    const p = planAdd(emptyFirewallState(), S, 'VI_1', [v4('10.0.0.100'), v4('10.0.0.101')]);
    expect(p.lines).toEqual([
      'add table ip keepalived',
      'add chain ip keepalived out { type filter hook output priority -1; policy accept; }',
      'add chain ip keepalived in { type filter hook input priority -1; policy accept; }',
      'add set ip keepalived vips { type ipv4_addr; }',
      'add rule ip keepalived in ip daddr @vips drop',
      'add rule ip keepalived out ip saddr @vips drop',
      'add element ip keepalived vips { 10.0.0.100, 10.0.0.101 }',
    ]);
    // the next transition only adds and removes elements
    const removed = planRemove(p.state, S, 'VI_1', [v4('10.0.0.100'), v4('10.0.0.101')]);
    expect(removed.lines).toEqual(['delete element ip keepalived vips { 10.0.0.100, 10.0.0.101 }']);
    expect(planAdd(removed.state, S, 'VI_1', [v4('10.0.0.100')]).lines).toEqual(['add element ip keepalived vips { 10.0.0.100 }']);
  });

  it('IPv6: neighbour discovery accepted, link-local VIPs by interface, nftables_priority and nftables_counters', () => {
    const s = { ...S, table: 'fw', priority: 5, counters: true };
    const p = planAdd(emptyFirewallState(), s, 'VI_6', [v6('2001:db8::1'), v6('fe80::1', 'eth1')]);
    expect(p.lines).toEqual([
      'add table ip6 fw',
      'add chain ip6 fw out { type filter hook output priority 5; policy accept; }',
      'add chain ip6 fw in { type filter hook input priority 5; policy accept; }',
      'add chain ip6 fw in_link_local',
      'add chain ip6 fw out_link_local',
      'add set ip6 fw vips { type ipv6_addr; }',
      'add set ip6 fw neighbor-discovery { type icmpv6_type; flags constant; elements = { nd-neighbor-solicit, nd-neighbor-advert }; }',
      'add rule ip6 fw in icmpv6 type @neighbor-discovery counter accept',
      'add rule ip6 fw in ip6 daddr fe80::/10 counter goto in_link_local',
      'add rule ip6 fw out icmpv6 type @neighbor-discovery counter accept',
      'add rule ip6 fw out ip6 saddr fe80::/10 counter goto out_link_local',
      'add rule ip6 fw in ip6 daddr @vips counter drop',
      'add rule ip6 fw out ip6 saddr @vips counter drop',
      'add set ip6 fw vips_link_local { type ipv6_addr . iface_index; }',
      'add rule ip6 fw in_link_local ip6 daddr . iif @vips_link_local counter drop',
      'add rule ip6 fw out_link_local ip6 saddr . oif @vips_link_local counter drop',
      'add element ip6 fw vips { 2001:db8::1 }',
      'add element ip6 fw vips_link_local { fe80::1 . "eth1" }',
    ]);
    expect(planCleanup(p.state, s).lines).toEqual(['delete table ip6 fw']);
  });

  it('a dont_track_primary instance matches its own link-local VIPs by name, unless nftables_ifindex', () => {
    const inst = { interface: 'eth0', dontTrackPrimary: true };
    expect(firewallAddress({ address: 'fe80::9', family: 6, dev: 'eth0' }, inst, { ifindex: false }).byName).toBe(true);
    expect(firewallAddress({ address: 'fe80::9', family: 6, dev: 'eth1' }, inst, { ifindex: false }).byName).toBe(false);
    expect(firewallAddress({ address: 'fe80::9', family: 6, dev: 'eth0' }, inst, { ifindex: true }).byName).toBe(false);
    expect(firewallAddress({ address: '2001:db8::9', family: 6, dev: 'eth0' }, inst, { ifindex: false }).byName).toBe(false);
    const p = planAdd(emptyFirewallState(), S, 'VI_6', [v6('fe80::9', 'eth0', true)]);
    expect(p.lines.slice(-4)).toEqual([
      'add set ip6 keepalived vips_link_local_name { type ipv6_addr . ifname; }',
      'add rule ip6 keepalived in_link_local ip6 daddr . iifname @vips_link_local_name drop',
      'add rule ip6 keepalived out_link_local ip6 saddr . oifname @vips_link_local_name drop',
      'add element ip6 keepalived vips_link_local_name { fe80::9 . "eth0" }',
    ]);
  });

  it('a VIP two instances hold is added once and deleted when the last one lets go', () => {
    const a = planAdd(emptyFirewallState(), S, 'VI_1', [v4('10.0.0.1')]);
    const b = planAdd(a.state, S, 'VI_2', [v4('10.0.0.1'), v4('10.0.0.2')]);
    expect(b.lines).toEqual(['add element ip keepalived vips { 10.0.0.2 }']);
    const c = planRemove(b.state, S, 'VI_1', [v4('10.0.0.1')]);
    expect(c.lines).toEqual([]);
    expect(planRemove(c.state, S, 'VI_2', [v4('10.0.0.1'), v4('10.0.0.2')]).lines).toEqual(['delete element ip keepalived vips { 10.0.0.1, 10.0.0.2 }']);
    // removing what is not held, or adding twice, is no batch at all
    expect(planRemove(emptyFirewallState(), S, 'VI_1', [v4('10.0.0.1')]).lines).toEqual([]);
    expect(planAdd(a.state, S, 'VI_1', [v4('10.0.0.1')]).lines).toEqual([]);
    // the planner is pure: the states it was given are unchanged
    expect([...a.state.holders.get('ip vips 10.0.0.1')!]).toEqual(['VI_1']);
  });

  it('use_vmac: IGMP and MLDv2 reports leave by the parent, router solicitations from the VMAC are dropped', () => {
    const p = planVmac(emptyFirewallState(), S, 'add', { name: 'vrrp.51', base: 'eth0' }, 4, true);
    expect(p.lines).toEqual([
      'add table ip keepalived',
      'add chain ip keepalived out { type filter hook output priority -1; policy accept; }',
      'add map ip keepalived vmac_map { type iface_index : iface_index; }',
      'add rule ip keepalived out ip protocol igmp meta oifkind "macvlan" dup to ip daddr device oif map @vmac_map drop',
      'add element ip keepalived vmac_map { "vrrp.51" : "eth0" }',
      'add table ip6 keepalived',
      'add chain ip6 keepalived out { type filter hook output priority -1; policy accept; }',
      'add map ip6 keepalived vmac_map { type iface_index : iface_index; }',
      'add set ip6 keepalived vmac_set { type iface_index; }',
      'add rule ip6 keepalived out icmpv6 type mld2-listener-report meta oifkind "macvlan" dup to ip6 daddr device oif map @vmac_map drop',
      'add rule ip6 keepalived out icmpv6 type nd-router-solicit meta oifkind "macvlan" oif @vmac_set drop',
      'add element ip6 keepalived vmac_map { "vrrp.51" : "eth0" }',
      'add element ip6 keepalived vmac_set { "vrrp.51" }',
    ]);
    // a second VMAC only adds its elements; the VIP rules later share the tables and out chain
    const q = planVmac(p.state, S, 'add', { name: 'vrrp.52', base: 'eth0' }, 4, false);
    expect(q.lines).toEqual(['add element ip keepalived vmac_map { "vrrp.52" : "eth0" }']);
    expect(planAdd(q.state, S, 'VI_1', [v4('10.0.0.1')]).lines[0]).toBe('add chain ip keepalived in { type filter hook input priority -1; policy accept; }');
    expect(planVmac(q.state, S, 'remove', { name: 'vrrp.51', base: 'eth0' }, 4, true).lines).toEqual([
      'delete element ip keepalived vmac_map { "vrrp.51" : "eth0" }',
      'delete element ip6 keepalived vmac_map { "vrrp.51" : "eth0" }',
      'delete element ip6 keepalived vmac_set { "vrrp.51" }',
    ]);
  });

  it("a crashed run's tables are deleted before the first one is made, in keepalived's words", () => {
    const listed = '{"nftables": [{"metainfo": {"version": "1.0.6"}}, {"table": {"family": "ip", "name": "keepalived", "handle": 1}}, {"table": {"family": "inet", "name": "filter", "handle": 2}}, {"table": {"family": "ip6", "name": "keepalived", "handle": 3}}]}';
    expect(planResidue(parseTables(listed), 'keepalived')).toEqual({
      lines: ['delete table ip keepalived', 'delete table ip6 keepalived'],
      log: ['Deleting old ip keepalived table', 'Deleting old ip6 keepalived table'],
    });
    expect(planResidue(parseTables(listed), 'other')).toEqual({ lines: [], log: [] });
  });

  it('a table name nft cannot write is an error here (the config refuses it first)', () => {
    expect(() => planCleanup({ ...emptyFirewallState(), ipv4Table: true }, { ...S, table: 'my table' })).toThrow("nftables table name 'my table' cannot be written in nft's language");
  });
});
