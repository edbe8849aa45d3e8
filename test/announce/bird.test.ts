import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { birdPeerName, directorBirdConf, routerBirdConf } from '../../src/announce/bird-config';
import { birdcArgv, birdPrefixView, parseBirdProtocols, parseBirdRoute } from '../../src/announce/bird-status';

const fx = (f: string) => readFileSync(join(__dirname, '../fixtures/bird-2.0.12', f), 'utf8');

describe('birdc answers (BIRD 2.0.12, captured here)', () => {
  const protocols = parseBirdProtocols(fx('director-protocols-all.txt'));

  it('protocols: name, kind, state, info and the BGP neighbour address', () => {
    expect(protocols.map((p) => [p.name, p.proto, p.state])).toEqual([['device1', 'Device', 'up'], ['halo_vips', 'Direct', 'up'], ['halo', 'BFD', 'up'], ['peer_10_77_0_1', 'BGP', 'up']]);
    expect(protocols[3]).toMatchObject({ info: 'Established', neighbor: '10.77.0.1' });
    expect(parseBirdProtocols(fx('director-protocols-down.txt'))[3]).toMatchObject({ state: 'down', info: '', neighbor: null });
  });

  it('a director announcing: the device route from the direct protocol, exported to the Established router session', () => {
    const route = parseBirdRoute(fx('director-announced.txt'));
    expect(route).toEqual([{ protocol: 'halo_vips', primary: true, preference: 240, via: null, type: 'device univ', asPathLength: null }]);
    expect(parseBirdRoute(fx('director-exported.txt'))).toHaveLength(1);
    expect(birdPrefixView(route, protocols, ['peer_10_77_0_1'])).toEqual({ present: true, originated: true, advertisedTo: ['10.77.0.1'], usedFrom: [] });
  });

  it('a director after the address left lo: no route, nothing exported', () => {
    expect(parseBirdRoute(fx('director-withdrawn.txt'))).toEqual([]);
    expect(parseBirdRoute(fx('director-not-exported.txt'))).toEqual([]);
    expect(birdPrefixView([], protocols, [])).toEqual({ present: false, originated: false, advertisedTo: [], usedFrom: [] });
  });

  it('a session that is down advertises nothing, even when the route would pass the filter', () => {
    expect(parseBirdRoute(fx('director-session-down-export.txt'))).toEqual([]);
    const down = parseBirdProtocols(fx('director-protocols-down.txt'));
    expect(birdPrefixView(parseBirdRoute(fx('director-announced.txt')), down, ['peer_10_77_0_1']).advertisedTo).toEqual([]);
  });

  it('the router: every equal path is in the ECMP set (merge paths), one path, none', () => {
    const rp = parseBirdProtocols(['BIRD 2.0.12 ready.', 'Name       Proto      Table      State  Since         Info',
      ...['11', '12', '13'].map((x) => `peer_10_77_0_${x} BGP        ---        up     17:05:57.240  Established   `)].join('\n'));
    const three = parseBirdRoute(fx('router-three-paths.txt'));
    expect(three.map((p) => [p.protocol, p.primary, p.via, p.asPathLength])).toEqual([
      ['peer_10_77_0_11', true, '10.77.0.11', 1], ['peer_10_77_0_12', false, '10.77.0.12', 1], ['peer_10_77_0_13', false, '10.77.0.13', 1]]);
    expect(birdPrefixView(three, rp, []).usedFrom).toEqual(['10.77.0.11', '10.77.0.12', '10.77.0.13']);
    expect(birdPrefixView(parseBirdRoute(fx('router-one-path.txt')), rp, []).usedFrom).toEqual(['10.77.0.13']);
    expect(birdPrefixView(parseBirdRoute(fx('router-none.txt')), rp, [])).toEqual({ present: false, originated: false, advertisedTo: [], usedFrom: [] });
  });

  it('a longer AS path is not merged into the ECMP route', () => {
    const two = parseBirdRoute(fx('router-three-paths.txt').replace('BGP.as_path: 65002', 'BGP.as_path: 65002 65002'));
    const rp = parseBirdProtocols(`Name Proto Table State Since Info\n${['11', '12', '13'].map((x) => `peer_10_77_0_${x} BGP --- up 17:05:57.240 Established`).join('\n')}`);
    expect(birdPrefixView(two, rp, []).usedFrom).toEqual(['10.77.0.11', '10.77.0.13']);
  });

  it('refuses an error answer, naming it', () => {
    expect(() => parseBirdRoute(fx('bad-command.txt'))).toThrow('birdc: syntax error, unexpected CF_SYM_UNDEFINED');
    expect(() => parseBirdRoute('192.0.2.80 nonsense')).toThrow('not a route listing');
  });

  it('birdc argv through the configured control socket', () => {
    expect(birdcArgv('/run/x.ctl', 'show protocols all')).toEqual(['-s', '/run/x.ctl', 'show', 'protocols', 'all']);
    expect(birdcArgv(null, 'show protocols')).toEqual(['show', 'protocols']);
  });
});

describe('BIRD configuration', () => {
  const director = directorBirdConf({ hostname: 'd1', asn: 65001, routerId: '10.77.1.2', peers: [{ address: '10.77.1.1', asn: 65000 }], vips: [{ address: '192.0.2.80', family: 4 }, { address: '192.0.2.81', family: 4 }] });
  const router = routerBirdConf({
    hostname: 'r', asn: 65000, routerId: '10.77.0.1', maximumPaths: 4,
    peers: [{ address: '10.77.1.2', asn: 65001 }, { address: '10.77.2.2', asn: 65002 }], vipRanges: [{ prefix: '192.0.2.0/24', family: 4 }],
  });
  const lines = (t: string) => t.split('\n').map((l) => l.trim());

  it('director: the VIPs on lo through a filtered direct protocol, only their device routes exported, nothing imported, BFD 300 ms x 3', () => {
    expect(lines(director)).toEqual(expect.arrayContaining([
      'protocol direct halo_vips {', 'interface "lo";', 'ipv4 { import filter halo_vips4; };',
      'if net ~ [ 192.0.2.80/32, 192.0.2.81/32 ] then accept;', 'if net ~ [ 192.0.2.80/32, 192.0.2.81/32 ] && source = RTS_DEVICE then accept;',
      `protocol bgp ${birdPeerName('10.77.1.1')} {`, 'neighbor 10.77.1.1 as 65000;', 'local as 65001;', 'bfd on;',
      'ipv4 { import none; export filter halo_out4; };',
      'interface "*" { min rx interval 300 ms; min tx interval 300 ms; multiplier 3; };',
    ]));
    expect(birdPeerName('10.77.1.1')).toBe('peer_10_77_1_1');
  });

  it('router: merge paths (ECMP) in the kernel protocol, host routes of the VIP ranges only, nothing exported to the directors', () => {
    expect(lines(router)).toEqual(expect.arrayContaining([
      'merge paths on limit 4;', 'if net ~ [ 192.0.2.0/24{32,32} ] then accept;',
      'ipv4 { import filter halo_directors4; export none; };', 'neighbor 10.77.2.2 as 65002;', 'bfd on;',
    ]));
  });

  it('a family with no VIPs rejects everything (BIRD refuses an empty set)', () => {
    expect(director).toMatch(/filter halo_vips6\n\{\n {2}reject;\n\}/);
  });

  it('IPv6 VIPs go to an IPv6 session', () => {
    const v6 = directorBirdConf({ hostname: 'd1', asn: 65001, routerId: '10.77.1.2', peers: [{ address: '2001:db8:77::1', asn: 65000 }], vips: [{ address: '2001:db8::80', family: 6 }] });
    expect(lines(v6)).toEqual(expect.arrayContaining(['if net ~ [ 2001:db8::80/128 ] then accept;', 'ipv6 { import none; export filter halo_out6; };', 'protocol bgp peer_2001_db8_77__1 {']));
  });
});
