/**
 * track_group blocks and the `track_group` / `no_track` options of static_ipaddress,
 * static_routes and static_rules, as keepalived 2.2.7 reads them (vrrp_parser.c
 * static_track_group_*, vrrp_ipaddress.c, vrrp_iproute.c, vrrp_iprule.c) and sets them up
 * (vrrp_static_track.c static_track_group_init): keepalived's words at each place, and which
 * instances end up tracking which interfaces. The lines were checked against `keepalived -t` and
 * a running keepalived on the same config.
 */
import { formatIpAddress } from '../../src/config/address-format';
import { formatIpRoute, formatIpRule } from '../../src/config/routes-format';
import { instance, load, messages, model } from './helpers';

const vi = (name: string, vrid: number, extra = '') => instance(extra, name, `interface eth0\n virtual_router_id ${vrid}`);
const TG1 = 'track_group TG1 {\n group {\n  VI_1\n }\n}\n';

describe('track_group blocks', () => {
  it('names the instances; an unknown one, a nameless, repeated or empty group are warned about as keepalived', () => {
    const text = [
      'track_group TG1 {\n group {\n  VI_1 VI_MISSING\n }\n}',
      'track_group TG2 {\n}',
      'track_group TG1 {\n group { VI_2 }\n}',
      'track_group {\n group { VI_2 }\n}',
      'track_group TG3 {\n group { VI_MISSING }\n}',
      'track_group TG4 {\n group {\n }\n group { VI_1 }\n group { VI_2 }\n}',
      vi('VI_1', 51), vi('VI_2', 52),
    ].join('\n');
    expect(messages(text)).toEqual([
      "3:8: warning: vrrp instance VI_MISSING specified in track group TG1 doesn't exist - ignoring",
      '6:1: warning: Static track group TG2 has no virtual router(s)',
      '6:1: warning: Static track group TG2 init fails - removing',
      '8:13: warning: track_group TG1 already defined',
      '11:1: warning: track_group must have a name - skipping',
      "15:10: warning: vrrp instance VI_MISSING specified in track group TG3 doesn't exist - ignoring",
      '14:1: warning: Static track group TG3 has no VRRP instance(s)',
      '14:1: warning: Static track group TG3 init fails - removing',
      '18:2: warning: Warning - track group TG4 has empty group block',
      // the empty first block left the list unset: the second sets it, the third is the repeat
      '21:2: warning: Group list already specified for sync group TG4',
    ].sort(byPlace));
  });
});

/** Diagnostics come sorted by place. */
function byPlace(a: string, b: string): number {
  const [la, ca] = a.split(':').map(Number);
  const [lb, cb] = b.split(':').map(Number);
  return la - lb || ca - cb;
}

describe('track_group and no_track on static entries', () => {
  it('are read on static addresses, routes and rules, with keepalived lines for a missing, duplicate or unusable group', () => {
    const text = TG1 + 'track_group TG2 {\n group { VI_2 }\n}\n' + [
      'static_ipaddress {',
      ' 192.168.81.1/24 dev eth1 track_group TG1',
      ' 192.168.81.2/24 dev eth1 no_track',
      ' 192.168.81.3/24 dev eth1 track_group TG1 no_track',
      ' 192.168.81.4/24 dev eth1 track_group NOPE',
      ' 192.168.81.5/24 dev eth1 track_group TG1 track_group TG2 label x',
      ' 192.168.81.6/24 dev eth1 track_group',
      '}',
      'static_routes {',
      ' 198.51.100.0/24 via 192.168.81.254 dev eth1 track_group TG1',
      ' 198.51.101.0/24 via 192.168.81.254 dev eth1 no_track track_group TG2',
      ' 198.51.102.0/24 via 192.168.81.254 track_group TG1',
      ' 198.51.103.0/24 dev eth1 track_group TG1 track_group TG2 metric 5',
      '}',
      'static_rules {',
      ' from 192.168.81.0/24 table 100 priority 100 track_group TG1',
      ' iif eth1 table 101 priority 101 track_group TG1',
      ' iif eth1 table 102 priority 102 track_group NOPE',
      '}',
    ].join('\n') + '\n' + vi('VI_1', 51) + vi('VI_2', 52);
    expect(messages(text)).toEqual([
      '12:2: warning: Static address has both track_group and no_track set - not tracking',
      '13:39: warning: track_group NOPE not found',
      '14:55: warning: track_group TG2 is a duplicate',
      '15:27: warning: No track_group parameter specified for 192.168.81.6/24',
      '19:2: warning: Static route has both track_group and no_track set - not tracking',
      '20:2: warning: Warning - cannot track route 198.51.102.0/24 with no interface specified, not tracking',
      '20:2: warning: Static route cannot have track group if no oif specified',
      '21:55: warning: track_group TG2 is a duplicate',
      '24:2: warning: Static rule cannot have track_group if dev/iif not specified',
      '26:46: warning: track_group NOPE not found',
    ]);
    const m = model(text);
    expect(m.staticAddresses.map((a) => [a.address, a.noTrack ?? false, a.trackGroup ?? null, a.label])).toEqual([
      ['192.168.81.1', false, 'TG1', null], ['192.168.81.2', true, null, null], ['192.168.81.3', true, 'TG1', null],
      ['192.168.81.4', false, null, null], ['192.168.81.5', false, 'TG1', null],
    ]);
    // a duplicate ends the line: the metric after it is not read
    expect(m.staticRoutes.map((r) => [r.dst.address, r.trackGroup ?? null, r.noTrack, r.metric])).toEqual([
      ['198.51.100.0', 'TG1', false, null], ['198.51.101.0', 'TG2', true, null], ['198.51.102.0', null, true, null], ['198.51.103.0', 'TG1', false, null],
    ]);
    expect(m.staticRules.map((r) => [r.priority, r.trackGroup ?? null])).toEqual([[100, null], [101, 'TG1'], [102, null]]);
    // TG1's VI_1 tracks eth1 (addresses .1 and .5, the route, the rule); TG2's VI_2 nothing (its only route is no_track)
    expect(m.vrrpInstances.map((i) => [i.name, i.trackInterfaces])).toEqual([['VI_1', [{ name: 'eth1', weight: 0 }]], ['VI_2', []]]);
    expect(m.vrrpInstances[0].configuredTrackInterfaces).toEqual([]);
  });

  it('a group must be declared before the entry that names it', () => {
    expect(messages('static_routes {\n 10.0.0.0/8 dev eth1 track_group TG1\n}\n' + TG1 + vi('VI_1', 51))).toEqual(['2:34: warning: track_group TG1 not found']);
  });

  it("makes a weighted track_interface of the same interface unweighted; the instance's own interface is not added", () => {
    const text = TG1 + 'static_ipaddress {\n 10.9.0.1/24 dev eth1 track_group TG1\n 10.9.1.1/24 dev eth0 track_group TG1\n}\n' +
      vi('VI_1', 51, ' track_interface {\n  eth1 weight 10\n  eth2 weight 5\n }');
    const [i] = model(text).vrrpInstances;
    expect(i.trackInterfaces).toEqual([{ name: 'eth1', weight: 0 }, { name: 'eth2', weight: 5 }]);
    expect(i.configuredTrackInterfaces).toEqual([{ name: 'eth1', weight: 10 }, { name: 'eth2', weight: 5 }]);
  });

  it('on a VIP and on virtual routes and rules, track_group is an unknown word, as keepalived; no_track on a VIP is still refused', () => {
    const text = TG1 + vi('VI_1', 51, ' virtual_routes {\n  10.1.0.0/16 dev eth1 track_group TG1\n }\n virtual_rules {\n  iif eth1 table 5 priority 5 track_group TG1\n }').replace('10.0.0.1\n', '10.0.0.1 track_group TG1\n  10.0.0.2 no_track\n');
    expect(messages(text)).toEqual([
      "10:12: warning: virtual_ipaddress: unknown option 'track_group'",
      "10:24: warning: virtual_ipaddress: unknown option 'TG1'",
      "11:12: error: virtual_ipaddress option 'no_track' is not implemented in halo (--allow-unimplemented to run without it)",
      '14:24: warning: unknown route keyword track_group',
      '17:31: warning: Unknown rule option track_group',
    ]);
    expect(load(text, false, true).model?.vrrpInstances[0].virtualRoutes).toEqual([]);
  });
});

describe("keepalived's log words for the entries", () => {
  it('format_ipaddress, format_iproute and format_iprule with track_group, as the Restoring lines show them', () => {
    const m = model(TG1 + 'static_ipaddress {\n 192.168.81.1/24 dev eth1 track_group TG1\n 192.168.81.2/24 brd + dev eth1 label eth1:x no_track\n 2001:db8::5/64 dev eth1\n}\n' +
      'static_routes {\n 198.51.100.0/24 via 192.168.81.254 dev eth1 track_group TG1\n}\nstatic_rules {\n iif eth1 table 101 priority 101 track_group TG1\n}\n' + vi('VI_1', 51));
    expect(m.staticAddresses.map((a) => formatIpAddress(a, true))).toEqual([
      '192.168.81.1/24 dev eth1 scope global track_group TG1 set',
      '192.168.81.2/24 brd 192.168.81.255 dev eth1 scope global label eth1:x no_track set',
      '2001:db8::5/64 dev eth1 scope global preferred_lft forever set',
    ]);
    expect(formatIpRoute(m.staticRoutes[0])).toBe('prepend 198.51.100.0/24 via inet 192.168.81.254 dev eth1 proto 18 track_group TG1');
    expect(formatIpRule(m.staticRules[0])).toBe('from all priority 101 tos 0x0 iif eth1 protocol 18 lookup 101 track_group TG1');
  });
});
