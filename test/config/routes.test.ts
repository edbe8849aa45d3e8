/**
 * virtual_routes / virtual_rules / static_* lines as keepalived 2.2.7's alloc_route() and
 * alloc_rule() read them: the model, keepalived's warnings (same words), what drops a line, and
 * what halo refuses as not implemented.
 */
import { parseConfigText } from '../../src/config/load';
import { ACCOUNTS, FILE, load, messages, model } from './helpers';

const vi = (body: string) => `vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  10.0.0.1\n }\n${body}}\n`;
const routes = (...lines: string[]) => vi(` virtual_routes {\n${lines.map((l) => `  ${l}\n`).join('')} }\n`);
const rules = (...lines: string[]) => vi(` virtual_rules {\n${lines.map((l) => `  ${l}\n`).join('')} }\n`);

describe('route lines', () => {
  it('reads destination, gateway, dev, table, metric, scope, protocol, src, onlink and metrics', () => {
    const [r] = model(routes('10.1.0.0/16 via 10.0.0.254 dev eth0 table 100 metric 7 scope link src 10.0.0.1 onlink mtu lock 1400 advmss 1360 rtt 1s initcwnd 10 congctl lock cubic append')).vrrpInstances[0].virtualRoutes;
    expect(r).toMatchObject({
      family: 4, dst: { address: '10.1.0.0', prefixLen: 16 }, via: { address: '10.0.0.254', family: 4 }, dev: 'eth0', table: 100, metric: 7, scope: 253,
      prefSrc: '10.0.0.1', flags: 4, protocol: 18, mode: 'append', noTrack: false,
      metrics: { mtu: 1400, advmss: 1360, rtt: 8000, initcwnd: 10, congctl: 'cubic' }, lock: (1 << 2) | (1 << 16),
      text: '10.1.0.0/16 via 10.0.0.254 dev eth0 table 100 metric 7 scope link src 10.0.0.1 onlink mtu lock 1400 advmss 1360 rtt 1s initcwnd 10 congctl lock cubic append',
    });
  });

  it('types, default destinations and IPv6', () => {
    const rs = model(routes('blackhole 10.2.0.0/16 no_track', 'unreachable default table 5 no_track', 'inet6 default via fe80::1 dev eth0', '2001:db8::/32 from 2001:db8:1::/48 dev eth0 pref high expires 60')).vrrpInstances[0].virtualRoutes;
    expect(rs.map((r) => [r.family, r.type, r.typeGiven, `${r.dst.address}/${r.dst.prefixLen}`])).toEqual([
      [4, 6, true, '10.2.0.0/16'], [4, 7, true, '0.0.0.0/0'], [6, 1, false, '::/0'], [6, 1, false, '2001:db8::/32'],
    ]);
    expect(rs[3]).toMatchObject({ src: { address: '2001:db8:1::', prefixLen: 48 }, pref: 1, expires: 60 });
  });

  it('multipath nexthops with weights, and the deprecated "or"', () => {
    const [a, b] = model(routes('10.3.0.0/16 nexthop via 10.0.0.2 dev eth0 weight 3 nexthop via 10.0.0.3 onlink', '10.4.0.0/16 via 10.0.0.2 or 10.0.0.3 dev eth0')).vrrpInstances[0].virtualRoutes;
    expect(a.nexthops).toEqual([
      { via: { address: '10.0.0.2', family: 4 }, dev: 'eth0', hops: 2, flags: 0, realms: null },
      { via: { address: '10.0.0.3', family: 4 }, dev: null, hops: null, flags: 4, realms: null },
    ]);
    expect(b.nexthops.map((n) => n.via?.address)).toEqual(['10.0.0.2', '10.0.0.3']);
    expect(b.via).toBeNull();
  });

  it("keepalived's warnings: gw, no interface to track, protocol reset, MPLS 'as'", () => {
    expect(messages(routes('10.1.0.0/16 gw 10.0.0.254', '10.5.0.0/16 dev eth0 protocol static', '10.6.0.0/16 as to 10.9.9.9 dev eth0'))).toEqual([
      '8:3: warning: Warning - cannot track route 10.1.0.0/16 with no interface specified, not tracking',
      '8:15: warning: "gw" for routes is deprecated. Please use "via"',
      '9:3: warning: Route cannot be tracked if protocol is not RTPROT_KEEPALIVED(18), resetting protocol',
      '10:15: warning: "as to" for MPLS only - ignoring',
    ]);
    const rs = model(routes('10.5.0.0/16 dev eth0 protocol static', '10.7.0.0/16 dev eth0 protocol static no_track')).vrrpInstances[0].virtualRoutes;
    expect(rs.map((r) => r.protocol)).toEqual([18, 4]);
  });

  it('drops a line keepalived drops, with its message', () => {
    const text = routes('10.1.0.0/16 via 10.0.0.254 via 2001:db8::1 dev eth0', 'via 10.0.0.1 dev eth0', '10.8.0.0/16 frobnicate dev eth0', '10.9.0.0/16 mtu x dev eth0', '10.10.0.0/16 from 2001:db8::/32 dev eth0');
    expect(messages(text)).toEqual([
      '8:34: warning: Cannot mix IPv4 and IPv6 addresses for route',
      '9:3: warning: Route must have a destination',
      '10:15: warning: unknown route keyword frobnicate',
      '11:19: warning: Invalid MTU x specified for route',
      '12:21: warning: Cannot mix IPv4 and IPv6 addresses for route',
    ]);
    expect(model(text).vrrpInstances[0].virtualRoutes).toEqual([]);
  });

  it('refuses what halo cannot send, at the word', () => {
    expect(messages(routes('10.2.0.0/16 dev eth0 table custom')).filter((m) => m.includes('error'))).toEqual([
      "8:30: error: virtual_routes: 'custom' (a name from /etc/iproute2/rt_tables) is not implemented in halo (--allow-unimplemented to run without it)",
    ]);
  });

  it("vrf NAME is the VRF's table, read when the config is read; the later of table and vrf wins, as keepalived", () => {
    const host = { vrfTables: { red: 1001 }, interfaces: ['lo', 'eth0', 'red'], accounts: ACCOUNTS };
    const text = routes('10.1.0.0/16 dev eth0 vrf red', '10.2.0.0/16 dev eth0 vrf red table 7', '10.3.0.0/16 dev eth0 table 7 vrf red', '10.4.0.0/16 dev eth0 vrf blue', '10.5.0.0/16 dev eth0 vrf eth0');
    const r = parseConfigText(text, FILE, host);
    expect(r.diagnostics.map((d) => `${d.location.line}:${d.location.col}: ${d.message}`)).toEqual([
      '11:28: VRF blue not found for route',
      '12:28: Route specified VRF eth0 is not a VRF',
    ]);
    expect(r.model!.vrrpInstances[0].virtualRoutes.map((x) => [x.dst.address, x.table])).toEqual([['10.1.0.0', 1001], ['10.2.0.0', 7], ['10.3.0.0', 1001]]);
    // halo check reads no host: the table stays
    expect(model(routes('10.1.0.0/16 dev eth0 vrf red')).vrrpInstances[0].virtualRoutes[0].table).toBe(254);
  });

  it('a tracked route makes its interface an unweighted tracked interface of the instance', () => {
    const text = vi(' track_interface {\n  eth2 weight 10\n }\n') .replace('}\n}\n', '}\n virtual_routes {\n  10.1.0.0/16 dev eth1\n  10.2.0.0/16 dev eth2\n  10.3.0.0/16 dev eth3 no_track\n }\n}\n');
    expect(model(text).vrrpInstances[0].trackInterfaces).toEqual([{ name: 'eth2', weight: 0 }, { name: 'eth1', weight: 0 }]);
  });
});

describe('rule lines', () => {
  it('reads selectors and actions', () => {
    const rs = model(rules(
      'from 10.0.0.0/24 table 100 priority 100',
      'to 2001:db8::/32 fwmark 0x10/0xff lookup 200 priority 101',
      'iif eth0 oif eth1 uidrange 1000-2000 ipproto tcp dport 80-90 sport 1024-2000 prohibit priority 102 not',
      'from all goto 300 priority 150',
      'from 10.1.0.0/16 type blackhole priority 160 tos 16 no_track',
      'from 10.1.0.0/16 l3mdev priority 170 suppress_prefixlength 0 table 1000',
    )).vrrpInstances[0].virtualRules;
    expect(rs.slice(0, 5).map((r) => [r.family, r.action, r.table, r.priority])).toEqual([[4, 1, 100, 100], [6, 1, 200, 101], [4, 8, 0, 102], [4, 2, 0, 150], [4, 6, 0, 160]]);
    expect(rs[1]).toMatchObject({ to: { address: '2001:db8::', prefixLen: 32 }, fwmark: 16, fwmask: 255, protocol: 18 });
    expect(rs[2]).toMatchObject({ iif: 'eth0', oif: 'eth1', uidRange: { start: 1000, end: 2000 }, ipProto: 6, dport: { start: 80, end: 90 }, sport: { start: 1024, end: 2000 }, invert: true });
    expect(rs[3]).toMatchObject({ from: { address: '0.0.0.0', prefixLen: 0 }, gotoTarget: 300 });
    expect(rs[4]).toMatchObject({ tos: 16, protocol: null, noTrack: true });
  });

  it("counts the priority down from 16384 per family when none is given, with keepalived's warning", () => {
    const text = rules('from 10.0.0.0/24 table 100', 'from 10.0.1.0/24 table 100', 'from 2001:db8::/32 table 100');
    expect(model(text).vrrpInstances[0].virtualRules.map((r) => r.priority)).toEqual([16384, 16383, 16384]);
    expect(messages(text)[0]).toBe('8:3: warning: Rule has no preference specified - setting to 16384. This is probably not what you want.');
  });

  it("keepalived's checks: a single sport is ignored, goto needs a lower preference, one action only", () => {
    expect(messages(rules('from 10.0.0.0/24 sport 1024 table 5 priority 5', 'goto 10 priority 20', 'table 5 blackhole priority 6', 'from 10.0.0.0/8 priority 7', 'realms 3 blackhole priority 8'))).toEqual([
      '8:26: warning: invalid sport range 1024',
      '9:3: warning: Invalid rule - preference 20 >= goto target 10',
      '10:11: warning: Cannot specify more than one of table/nop/goto/blackhole/prohibit/unreachable/l3mdev for rule',
      '11:3: warning: No action specified for rule - ignoring',
      '12:3: warning: suppressor/realm specified for non table action - skipping',
    ]);
    expect(model(rules('from 10.0.0.0/24 sport 1024 table 5 priority 5')).vrrpInstances[0].virtualRules[0].sport).toBeNull();
  });
});

describe('static blocks', () => {
  it('static_ipaddress, static_routes and static_rules go to the model; rule priorities share the countdown', () => {
    const m = model('static_ipaddress {\n 192.0.2.1/24 dev eth0\n}\nstatic_routes {\n 198.51.100.0/24 via 192.0.2.254 dev eth0\n}\nstatic_rules {\n from 192.0.2.0/24 table 7\n}\n' + rules('from 10.0.0.0/24 table 100'));
    expect(m.staticAddresses.map((a) => `${a.address}/${a.prefixLen} ${a.dev}`)).toEqual(['192.0.2.1/24 eth0']);
    expect(m.staticRoutes.map((r) => r.text)).toEqual(['198.51.100.0/24 via 192.0.2.254 dev eth0']);
    expect([m.staticRules[0].priority, m.vrrpInstances[0].virtualRules[0].priority]).toEqual([16384, 16383]);
  });

  it('a static address with no dev goes on default_interface (eth0 unset), as keepalived', () => {
    expect(model('static_ipaddress {\n 192.0.2.1/24\n}\n').staticAddresses.map((a) => a.dev)).toEqual(['eth0']);
    expect(model('global_defs {\n default_interface bond0\n}\nstatic_ipaddress {\n 192.0.2.1/24\n 192.0.2.2/24 dev eth1\n}\n').staticAddresses.map((a) => a.dev)).toEqual(['bond0', 'eth1']);
    expect(messages('global_defs {\n default_interface\n}\n')).toEqual(['2:2: warning: default_interface requires interface name']);
  });
});
