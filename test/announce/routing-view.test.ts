import { BIRD_CTL, chooseRoutingDaemon, frrVtyOf, localRouteQuery, routerHasUs, routerRouteQuery } from '../../src/announce/routing-view';

const A = { routingDaemon: 'auto' as const, birdcSocket: null, vtyshSocket: null, vtyshPathspace: null };
const only = (...paths: string[]) => (p: string) => paths.includes(p);

describe('chooseRoutingDaemon', () => {
  it('takes the configured daemon as said, whatever runs', () => {
    expect(chooseRoutingDaemon({ ...A, routingDaemon: 'bird' }, only())).toEqual({ daemon: 'bird', auto: false });
    expect(chooseRoutingDaemon({ ...A, routingDaemon: 'frr' }, only(BIRD_CTL))).toEqual({ daemon: 'frr', auto: false });
  });

  it("auto: the daemon whose control socket exists (bgpd's vty, BIRD's socket), honouring the configured paths", () => {
    expect(chooseRoutingDaemon(A, only('/var/run/frr/bgpd.vty'))).toEqual({ daemon: 'frr', auto: true });
    expect(chooseRoutingDaemon(A, only(BIRD_CTL))).toEqual({ daemon: 'bird', auto: true });
    expect(chooseRoutingDaemon({ ...A, birdcSocket: '/lab/d1.ctl' }, only('/lab/d1.ctl'))).toEqual({ daemon: 'bird', auto: true });
    expect(chooseRoutingDaemon({ ...A, vtyshSocket: '/lab/frr-d1' }, only('/lab/frr-d1/bgpd.vty'))).toEqual({ daemon: 'frr', auto: true });
    expect(frrVtyOf({ vtyshSocket: null, vtyshPathspace: 'd1' })).toBe('/var/run/frr/d1/bgpd.vty');
  });

  it('auto with neither or both: an error that says what to set', () => {
    expect(chooseRoutingDaemon(A, only())).toEqual({ error: 'no routing daemon found (neither /var/run/frr/bgpd.vty nor /run/bird/bird.ctl); set routing_daemon' });
    expect(chooseRoutingDaemon(A, only('/var/run/frr/bgpd.vty', BIRD_CTL))).toEqual({ error: expect.stringContaining('set routing_daemon frr or bird') });
  });
});

describe('the questions', () => {
  const vip = { address: '192.0.2.80', family: 4 as const, birdcSocket: '/lab/d1.ctl', vtyshSocket: '/lab/frr-d1', vtyshPathspace: null };

  it('local: vtysh or birdc, through the configured socket', () => {
    expect(localRouteQuery('frr', vip)).toEqual({ file: 'vtysh', args: ['--vty_socket', '/lab/frr-d1', '-c', 'show ip bgp 192.0.2.80/32 json'] });
    expect(localRouteQuery('bird', vip)).toEqual({ file: 'birdc', args: ['-s', '/lab/d1.ctl', 'show', 'route', 'for', '192.0.2.80/32', 'all'] });
  });

  it('router: only when configured; in its namespace when one is named', () => {
    expect(routerRouteQuery({ ...vip, router: null })).toBeNull();
    expect(routerRouteQuery({ ...vip, router: { daemon: 'bird', socket: '/lab/r.ctl', netns: 'labr' } }))
      .toEqual({ file: 'ip', args: ['netns', 'exec', 'labr', 'birdc', '-s', '/lab/r.ctl', 'show', 'route', 'for', '192.0.2.80/32', 'all'] });
    expect(routerRouteQuery({ ...vip, router: { daemon: 'frr', socket: '/lab/frr-r', netns: null } }))
      .toEqual({ file: 'vtysh', args: ['--vty_socket', '/lab/frr-r', '-c', 'show ip bgp 192.0.2.80/32 json'] });
  });

  it("the router's paths are through this director when one of them is a local address", () => {
    expect(routerHasUs(['10.77.0.11', '10.77.0.12'], ['127.0.0.1', '10.77.0.12'])).toBe(true);
    expect(routerHasUs(['10.77.0.11'], ['10.77.0.12'])).toBe(false);
    expect(routerHasUs([], ['10.77.0.12'])).toBe(false);
  });
});
