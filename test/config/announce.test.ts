/** halo_announce: halo's own block (not a keepalived keyword), read into Model.announces. */
import { messages, model } from './helpers';

const VS = (addr: string, quorum = '') => `virtual_server ${addr} 80 {\n lb_algo mh\n lb_kind DR\n protocol TCP\n${quorum}\n real_server 10.0.1.1 80 {\n  TCP_CHECK {\n  }\n }\n}\n`;

describe('halo_announce', () => {
  it('reads a block with its defaults (lo, drain_delay 5 s, drain_timeout 30 s)', () => {
    const m = model(`halo_announce WEB {\n address 192.0.2.80\n}\n${VS('192.0.2.80')}`);
    expect(m.announces).toEqual([{
      name: 'WEB', address: '192.0.2.80', family: 4, prefixLen: 32, interface: 'lo', drainDelayMs: 5000, drainTimeoutMs: 30_000,
      vtyshSocket: null, vtyshPathspace: null, routingDaemon: 'auto', birdcSocket: null, router: null, location: expect.objectContaining({ line: 1, col: 1 }),
    }]);
  });

  it('reads every keyword; IPv6 is a /128', () => {
    const m = model(`halo_announce V6 {\n address 2001:db8::80\n interface dummy0\n drain_delay 1.5\n drain_timeout 10\n vtysh_socket /run/frr/d1\n vtysh_pathspace d1\n}\n${VS('2001:db8::80').replace('10.0.1.1', '2001:db8:1::1')}`);
    expect(m.announces[0]).toMatchObject({ address: '2001:db8::80', family: 6, prefixLen: 128, interface: 'dummy0', drainDelayMs: 1500, drainTimeoutMs: 10_000, vtyshSocket: '/run/frr/d1', vtyshPathspace: 'd1' });
  });

  it('reads the routing daemon settings: BIRD locally, the router asked in its namespace', () => {
    const m = model(`halo_announce WEB {\n address 192.0.2.80\n routing_daemon bird\n birdc_socket /run/bird/d1.ctl\n router_daemon frr\n router_socket /run/frr/r\n router_netns labr\n}\n${VS('192.0.2.80')}`);
    expect(m.announces[0]).toMatchObject({ routingDaemon: 'bird', birdcSocket: '/run/bird/d1.ctl', router: { daemon: 'frr', socket: '/run/frr/r', netns: 'labr' } });
    expect(model(`halo_announce WEB {\n address 192.0.2.80\n router_daemon bird\n}\n${VS('192.0.2.80')}`).announces[0].router).toEqual({ daemon: 'bird', socket: null, netns: null });
  });

  it('refuses an unknown daemon, and a router socket without the router daemon', () => {
    expect(messages(`halo_announce WEB {\n address 192.0.2.80\n routing_daemon quagga\n}\n${VS('192.0.2.80')}`)).toContain("3:2: error: routing_daemon: 'quagga' is not one of frr, bird, auto");
    expect(messages(`halo_announce WEB {\n address 192.0.2.80\n router_daemon auto\n}\n${VS('192.0.2.80')}`)).toContain("3:2: error: router_daemon: 'auto' is not one of frr, bird");
    expect(messages(`halo_announce WEB {\n address 192.0.2.80\n router_socket /x\n}\n${VS('192.0.2.80')}`)).toContain('1:1: error: halo_announce WEB: router_socket/router_netns without router_daemon (frr or bird)');
  });

  it('refuses a block without an address, or with a bad one, at its place', () => {
    expect(messages(`halo_announce WEB {\n interface lo\n}\n${VS('192.0.2.80')}`)).toContain('1:1: error: halo_announce WEB: no address');
    expect(messages(`halo_announce WEB {\n address 192.0.2.300\n}\n${VS('192.0.2.80')}`)).toContain("2:10: error: address: '192.0.2.300' is not a valid IP address");
  });

  it('refuses a VIP with no virtual_server (no quorum to announce on) and duplicates', () => {
    expect(messages(`halo_announce WEB {\n address 192.0.2.81\n}\n${VS('192.0.2.80')}`)).toContain('1:1: error: halo_announce WEB: no virtual_server on 192.0.2.81, so no quorum to announce it on');
    const two = `halo_announce A {\n address 192.0.2.80\n}\nhalo_announce B {\n address 192.0.2.80\n}\nhalo_announce A {\n address 192.0.2.80\n}\n${VS('192.0.2.80')}`;
    const m = messages(two);
    expect(m).toContain('4:1: error: halo_announce B: 192.0.2.80 is already announced by another block');
    expect(m).toContain("7:1: error: duplicate halo_announce 'A'");
  });

  it('warns on an out-of-range drain time and keeps the default', () => {
    expect(messages(`halo_announce WEB {\n address 192.0.2.80\n drain_delay 301\n}\n${VS('192.0.2.80')}`))
      .toContain('3:14: warning: drain_delay: 301 is out of range 0-300 seconds - ignoring');
  });

  it('an unknown keyword inside is warned as keepalived warns, not silently taken', () => {
    expect(messages(`halo_announce WEB {\n address 192.0.2.80\n bgp_asn 65001\n}\n${VS('192.0.2.80')}`).join('\n')).toMatch(/3:2: warning: .*bgp_asn/);
  });
});

describe('halo check summary', () => {
  it('lists the announcements', () => {
    const { summarize } = require('../../src/config/summary') as typeof import('../../src/config/summary');
    const m = model(`halo_announce WEB {\n address 192.0.2.80\n drain_delay 2\n}\n${VS('192.0.2.80')}`);
    expect(summarize(m)).toContain('halo_announce: 1\n  WEB: 192.0.2.80/32 on lo, drain_delay 2s, drain_timeout 30s\n');
  });
});
