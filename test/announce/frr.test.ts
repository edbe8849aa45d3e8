import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBgpPrefix, vtyshArgv } from '../../src/announce/bgp-status';
import { directorFrrConf, routerFrrConf } from '../../src/announce/frr-config';

const fx = (f: string) => readFileSync(join(__dirname, '../fixtures/frr-8.4.4', f), 'utf8');

describe('parseBgpPrefix (FRR 8.4.4 answers captured here)', () => {
  it('a director announcing: originated and advertised to the router', () => {
    expect(parseBgpPrefix(fx('director-announced.json'))).toEqual({ present: true, originated: true, advertisedTo: ['10.77.1.1'], usedFrom: [] });
  });
  it('a director after the address left lo: the network is kept but invalid, advertised to nobody', () => {
    expect(parseBgpPrefix(fx('director-withdrawn.json'))).toEqual({ present: true, originated: false, advertisedTo: [], usedFrom: [] });
  });
  it('the router: its ECMP set, one path, none', () => {
    expect(parseBgpPrefix(fx('router-two-paths.json')).usedFrom).toEqual(['10.77.1.2', '10.77.2.2']);
    expect(parseBgpPrefix(fx('router-one-path.json')).usedFrom).toEqual(['10.77.2.2']);
    expect(parseBgpPrefix(fx('router-none.json'))).toEqual({ present: false, originated: false, advertisedTo: [], usedFrom: [] });
  });
  it('refuses what is not a JSON object, naming it', () => {
    expect(() => parseBgpPrefix('% Unknown command: show ip bgp')).toThrow('vtysh did not answer JSON: % Unknown command');
    expect(() => parseBgpPrefix('[1]')).toThrow('not an object');
  });
});

describe('vtyshArgv', () => {
  it('asks for the host route, through the configured pathspace/socket', () => {
    expect(vtyshArgv('192.0.2.80', 4, { vtyshSocket: null, vtyshPathspace: null })).toEqual(['-c', 'show ip bgp 192.0.2.80/32 json']);
    expect(vtyshArgv('2001:db8::80', 6, { vtyshSocket: '/run/x', vtyshPathspace: 'd1' }))
      .toEqual(['-N', 'd1', '--vty_socket', '/run/x', '-c', 'show bgp ipv6 unicast 2001:db8::80/128 json']);
  });
});

describe('FRR configuration', () => {
  const director = directorFrrConf({ hostname: 'd1', asn: 65001, routerId: '10.77.1.2', peers: [{ address: '10.77.1.1', asn: 65000 }], vips: [{ address: '192.0.2.80', family: 4 }, { address: '192.0.2.81', family: 4 }] });
  const router = routerFrrConf({
    hostname: 'r', asn: 65000, routerId: '10.77.0.1', maximumPaths: 4,
    peers: [{ address: '10.77.1.2', asn: 65001 }, { address: '10.77.2.2', asn: 65002 }], vipRanges: [{ prefix: '192.0.2.0/24', family: 4 }],
  });
  const lines = (t: string) => t.split('\n');

  it('director: network + import-check per VIP, only its VIPs out, nothing in, BFD 300 ms x 3', () => {
    const l = lines(director);
    expect(l).toEqual(expect.arrayContaining([
      ' bgp network import-check', '  network 192.0.2.80/32', '  network 192.0.2.81/32',
      'ip prefix-list HALO-VIPS4 seq 5 permit 192.0.2.80/32', 'ip prefix-list HALO-VIPS4 seq 10 permit 192.0.2.81/32',
      'route-map HALO-IN deny 10', '  neighbor 10.77.1.1 route-map HALO-IN in', '  neighbor 10.77.1.1 route-map HALO-OUT4 out',
      ' neighbor 10.77.1.1 bfd profile halo', '  detect-multiplier 3', '  receive-interval 300', '  transmit-interval 300',
    ]));
    expect(director).not.toContain('address-family ipv6');
  });

  it('router: ECMP over the directors with as-path multipath-relax, host routes of the VIP ranges only', () => {
    expect(lines(router)).toEqual(expect.arrayContaining([
      ' bgp bestpath as-path multipath-relax', '  maximum-paths 4', 'ip prefix-list HALO-VIPS4 seq 5 permit 192.0.2.0/24 ge 32',
      '  neighbor 10.77.1.2 route-map HALO-DIRECTORS4 in', '  neighbor 10.77.2.2 route-map HALO-DIRECTORS4 in', ' neighbor 10.77.2.2 bfd profile halo',
    ]));
  });

  it('no top-level exit (it would end configuration mode for a daemon that does not know the block)', () => {
    for (const t of [director, router]) expect(lines(t).filter((x) => x.trim() === 'exit')).toEqual([]);
  });

  it('IPv6 VIPs go to an IPv6 session with activate', () => {
    const v6 = directorFrrConf({ hostname: 'd1', asn: 65001, routerId: '10.77.1.2', peers: [{ address: '2001:db8:77::1', asn: 65000 }], vips: [{ address: '2001:db8::80', family: 6 }] });
    expect(lines(v6)).toEqual(expect.arrayContaining([' address-family ipv6 unicast', '  network 2001:db8::80/128', '  neighbor 2001:db8:77::1 activate']));
    expect(v6).not.toContain('address-family ipv4');
  });
});
