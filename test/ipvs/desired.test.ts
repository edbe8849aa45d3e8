import { buildDesired, expandRange, initialCheckerUp, parseGranularity, removalEvents, shutdownEvents } from '../../src/ipvs/desired';
import type { CheckerUp, PoolEvent, PoolState } from '../../src/ipvs/desired';
import {
  IP_VS_SVC_F_HASHED, IP_VS_SVC_F_ONEPACKET, IP_VS_SVC_F_PERSISTENT, IP_VS_SVC_F_SCHED1, IP_VS_SVC_F_SCHED2,
  serviceKeyString,
} from '../../src/ipvs/types';
import type { VirtualServer, VirtualServerGroup } from '../../src/config/model';
import { group, realServer, tcpCheck, virtualServer } from '../check/model-fixtures';

/** Checkers of the listed `ip:port` targets are down; every other checker has its start state. */
/** The events without KEEPALIVED-MIB's notifications (test/daemon/check-mib.test.ts covers them). */
function untrapped(events: PoolEvent[]): PoolEvent[] {
  return events.filter((e) => !(e.trap && e.message === '' && e.notify === null && !e.fifo)).map(({ trap: _trap, ...e }) => e);
}

function down(...targets: string[]): CheckerUp {
  const set = new Set(targets);
  return (c, rs, vs) => {
    const t = 'connectIp' in c ? `${c.connectIp}:${c.connectPort}` : '';
    return set.has(t) ? false : set.has(`up ${t}`) ? true : initialCheckerUp(c, rs, vs);
  };
}
function up(...targets: string[]): CheckerUp {
  return down(...targets.map((t) => `up ${t}`));
}

function build(vss: VirtualServer[], health: CheckerUp, prev: PoolState | null = null, groups: VirtualServerGroup[] = []) {
  return buildDesired({ virtualServers: vss, virtualServerGroups: groups }, health, prev);
}

function weights(t: ReturnType<typeof build>, i = 0): Record<string, number> {
  return Object.fromEntries(t.services[i].destinations.map((d) => [`${d.address}:${d.port}`, d.weight]));
}

describe('desired table: service attributes', () => {
  test('TCP service with NAT real servers, wlc, defaults', () => {
    const t = build([virtualServer()], initialCheckerUp);
    expect(t.services).toEqual([
      {
        key: { af: 4, protocol: 6, address: '192.168.1.202', port: 80 },
        scheduler: 'wlc',
        flags: 0,
        timeout: 0,
        netmask: 0xffffffff,
        destinations: [
          { address: '10.0.100.2', af: 4, port: 80, forward: 'masq', weight: 1, upperThreshold: 0, lowerThreshold: 0 },
          { address: '10.0.100.3', af: 4, port: 80, forward: 'masq', weight: 1, upperThreshold: 0, lowerThreshold: 0 },
        ],
      },
    ]);
  });

  test('persistence, granularity, hashed, sh flags', () => {
    const vs = virtualServer({
      lvsSched: 'sh',
      persistenceTimeout: 600,
      persistenceGranularity: '255.255.255.0',
      hashed: true,
      schedFlags: { flag1: true, flag2: true, flag3: false },
    });
    const [s] = build([vs], initialCheckerUp).services;
    expect(s.scheduler).toBe('sh');
    expect(s.timeout).toBe(600);
    expect(s.netmask).toBe(0xffffff00);
    expect(s.flags).toBe(IP_VS_SVC_F_PERSISTENT | IP_VS_SVC_F_HASHED | IP_VS_SVC_F_SCHED1 | IP_VS_SVC_F_SCHED2);
  });

  test('granularity without persistence is ignored, as ipvs_set_srule does', () => {
    const [s] = build([virtualServer({ persistenceGranularity: '255.255.0.0' })], initialCheckerUp).services;
    expect(s.netmask).toBe(0xffffffff);
    expect(s.flags & IP_VS_SVC_F_PERSISTENT).toBe(0);
  });

  test('ops only for UDP or fwmark services', () => {
    const tcp = virtualServer({ ops: true });
    const udp = virtualServer({ ops: true, protocol: 'UDP', key: { kind: 'addr', protocol: 'UDP', address: '192.168.1.202', family: 4, port: 53 } });
    const fwm = virtualServer({ ops: true, key: { kind: 'fwmark', fwmark: 7, family: 4 } });
    const t = build([tcp, udp, fwm], initialCheckerUp);
    expect(t.services.map((s) => s.flags & IP_VS_SVC_F_ONEPACKET)).toEqual([0, IP_VS_SVC_F_ONEPACKET, IP_VS_SVC_F_ONEPACKET]);
    expect(t.services[1].key).toEqual({ af: 4, protocol: 17, address: '192.168.1.202', port: 53 });
  });

  test('port 0 address service becomes persistent 360 s', () => {
    const vs = virtualServer({ key: { kind: 'addr', protocol: 'TCP', address: '192.168.1.202', family: 4, port: 0 } });
    const [s] = build([vs], initialCheckerUp).services;
    expect(s.timeout).toBe(360);
    expect(s.flags & IP_VS_SVC_F_PERSISTENT).toBe(IP_VS_SVC_F_PERSISTENT);
  });

  test('forwarding per real server; DR/TUN take the service port, NAT keeps its own', () => {
    const vs = virtualServer({
      realServers: [
        realServer('10.0.100.2', 8080, { lvsMethod: 'NAT' }),
        realServer('10.0.100.3', 8080, { lvsMethod: 'DR' }),
        realServer('10.0.100.4', 0, { lvsMethod: 'TUN' }),
      ],
    });
    const [s] = build([vs], initialCheckerUp).services;
    expect(s.destinations.map((d) => [d.address, d.port, d.forward])).toEqual([
      ['10.0.100.2', 8080, 'masq'],
      ['10.0.100.3', 80, 'route'],
      ['10.0.100.4', 80, 'tunnel'],
    ]);
  });

  test('fwmark service: DR destinations get port 0; IPv6 netmask 128', () => {
    const vs = virtualServer({
      key: { kind: 'fwmark', fwmark: 3, family: 6 },
      realServers: [realServer('2001:db8::2', 80, { lvsMethod: 'DR' })],
    });
    const [s] = build([vs], initialCheckerUp).services;
    expect(s.key).toEqual({ af: 6, fwmark: 3 });
    expect(s.netmask).toBe(128);
    expect(s.destinations[0]).toMatchObject({ address: '2001:db8::2', af: 6, port: 0, forward: 'route' });
  });

  test('weights and thresholds', () => {
    const vs = virtualServer({ realServers: [realServer('10.0.100.2', 80, { weight: 7, uthreshold: 100, lthreshold: 10 })] });
    expect(build([vs], initialCheckerUp).services[0].destinations[0]).toMatchObject({ weight: 7, upperThreshold: 100, lowerThreshold: 10 });
  });
});

describe('virtual_server_group expansion', () => {
  const groups = [
    group('web', [
      { kind: 'addr', address: '192.168.1.10', family: 4, port: 80 },
      { kind: 'range', address: '192.168.1.20', family: 4, last: 22, port: 443 },
      { kind: 'fwmark', fwmark: 9, family: null },
    ]),
  ];
  const vs = virtualServer({
    key: { kind: 'group', group: 'web', family: 4 },
    realServers: [realServer('10.0.100.2', 0, { lvsMethod: 'DR' }), realServer('10.0.100.3', 8080)],
  });

  test('one kernel service per address, per range address, per fwmark', () => {
    const t = build([vs], initialCheckerUp, null, groups);
    expect(t.services.map((s) => serviceKeyString(s.key))).toEqual([
      'TCP 192.168.1.10:80',
      'TCP 192.168.1.20:443',
      'TCP 192.168.1.21:443',
      'TCP 192.168.1.22:443',
      'FWM 9 IPv4',
    ]);
  });

  test('every expanded service has the same real servers, ports per keepalived', () => {
    const t = build([vs], initialCheckerUp, null, groups);
    expect(t.services.map((s) => s.destinations.map((d) => d.port))).toEqual([[80, 8080], [443, 8080], [443, 8080], [443, 8080], [0, 8080]]);
  });

  test('a failed server leaves every expanded service', () => {
    const start = build([vs], initialCheckerUp, null, groups);
    const t = build([vs], down('10.0.100.3:8080'), start.state, groups);
    for (const s of t.services) expect(s.destinations.map((d) => d.address)).toEqual(['10.0.100.2']);
    expect(t.events.map((e) => e.message)).toContain('Removing service [10.0.100.3]:tcp:8080 from VS [web]:0');
  });

  test('the run-time lines name a group service by its member number, as keepalived\'s FMT_VS', () => {
    const udp = virtualServer({ ...vs, protocol: 'UDP', groupMember: 1 });
    const start = build([{ ...vs, groupMember: 0 }, udp], initialCheckerUp, null, groups);
    const t = build([{ ...vs, groupMember: 0 }, udp], down('10.0.100.3:8080'), start.state, groups);
    const removed = t.events.map((e) => e.message).filter((m) => m.startsWith('Removing service [10.0.100.3]'));
    expect(removed).toEqual(['Removing service [10.0.100.3]:tcp:8080 from VS [web]:0', 'Removing service [10.0.100.3]:udp:8080 from VS [web]:1']);
  });

  test('IPv4 and IPv6 ranges', () => {
    expect(expandRange('10.0.0.1', 4, 3)).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    expect(expandRange('2001:db8::a', 6, 0xc)).toEqual(['2001:db8::a', '2001:db8::b', '2001:db8::c']);
    expect(expandRange('10.0.0.5', 4, 5)).toEqual(['10.0.0.5']);
  });
});

describe('health: removal, inhibit_on_failure, alpha', () => {
  test('a failed real server is removed and logged as keepalived does', () => {
    const vs = virtualServer({ notifyUp: null } as Partial<VirtualServer>);
    vs.realServers[0].notifyDown = ['/bin/rs-down'];
    const start = build([vs], initialCheckerUp);
    expect(untrapped(start.events)).toEqual([{ message: 'Gained quorum 1+0=1 <= 2 for VS [192.168.1.202]:tcp:80', notify: null, fifo: 'VS [192.168.1.202]:tcp:80 UP\n' }]);
    const t = build([vs], down('10.0.100.2:80'), start.state);
    expect(weights(t)).toEqual({ '10.0.100.3:80': 1 });
    expect(untrapped(t.events)).toEqual([
      { message: 'Removing service [10.0.100.2]:tcp:80 from VS [192.168.1.202]:tcp:80', notify: ['/bin/rs-down'], fifo: 'RS [10.0.100.2]:tcp:80 [192.168.1.202]:tcp:80 DOWN\n' },
    ]);
    const back = build([vs], initialCheckerUp, t.state);
    expect(weights(back)).toEqual({ '10.0.100.2:80': 1, '10.0.100.3:80': 1 });
    expect(back.events.map((e) => e.message)).toEqual(['Adding service [10.0.100.2]:tcp:80 to VS [192.168.1.202]:tcp:80']);
  });

  test('notify_up/notify_down SCRIPT USER: the event names who runs it; a script without a user leaves it to script_user', () => {
    const nobody = { user: 'nobody', uid: 65534, gid: 65534 };
    const vs = virtualServer({ notifyUp: null } as Partial<VirtualServer>);
    Object.assign(vs.realServers[0], { notifyDown: ['/bin/rs-down'], notifyUp: ['/bin/rs-up'], notifyRunAs: { down: nobody } });
    const start = build([vs], initialCheckerUp);
    const t = build([vs], down('10.0.100.2:80'), start.state);
    expect(untrapped(t.events)).toEqual([{ message: 'Removing service [10.0.100.2]:tcp:80 from VS [192.168.1.202]:tcp:80', notify: ['/bin/rs-down'], runAs: nobody, fifo: 'RS [10.0.100.2]:tcp:80 [192.168.1.202]:tcp:80 DOWN\n' }]);
    const back = build([vs], initialCheckerUp, t.state);
    expect(untrapped(back.events)).toEqual([{ message: 'Adding service [10.0.100.2]:tcp:80 to VS [192.168.1.202]:tcp:80', notify: ['/bin/rs-up'], fifo: 'RS [10.0.100.2]:tcp:80 [192.168.1.202]:tcp:80 UP\n' }]);
  });

  test('inhibit_on_failure keeps a failed server at weight 0 (Disabling/Enabling ... of VS)', () => {
    const vs = virtualServer({ realServers: [realServer('10.0.100.2', 80, { inhibitOnFailure: true, weight: 5 }), realServer('10.0.100.3', 80)] });
    const start = build([vs], initialCheckerUp);
    const t = build([vs], down('10.0.100.2:80'), start.state);
    expect(weights(t)).toEqual({ '10.0.100.2:80': 0, '10.0.100.3:80': 1 });
    expect(t.events.map((e) => e.message)).toEqual(['Disabling service [10.0.100.2]:tcp:80 of VS [192.168.1.202]:tcp:80']);
    const back = build([vs], initialCheckerUp, t.state);
    expect(weights(back)).toEqual({ '10.0.100.2:80': 5, '10.0.100.3:80': 1 });
    expect(back.events.map((e) => e.message)).toEqual(['Enabling service [10.0.100.2]:tcp:80 of VS [192.168.1.202]:tcp:80']);
  });

  test('alpha: servers start down until their first success; inhibited alpha servers wait at weight 0', () => {
    const alpha = (a: string, inhibit = false) =>
      realServer(a, 80, { alpha: true, inhibitOnFailure: inhibit, checkers: [tcpCheck({ connectIp: a, alpha: true })] });
    const vs = virtualServer({ alpha: true, realServers: [alpha('10.0.100.2'), alpha('10.0.100.3', true)] });
    const start = build([vs], initialCheckerUp);
    expect(weights(start)).toEqual({ '10.0.100.3:80': 0 });
    expect(untrapped(start.events)).toEqual([]);
    const t = build([vs], up('10.0.100.2:80'), start.state);
    expect(weights(t)).toEqual({ '10.0.100.2:80': 1, '10.0.100.3:80': 0 });
    expect(t.events.map((e) => e.message)).toEqual([
      'Adding service [10.0.100.2]:tcp:80 to VS [192.168.1.202]:tcp:80',
      'Gained quorum 1+0=1 <= 1 for VS [192.168.1.202]:tcp:80',
    ]);
  });

  test('without alpha servers start up (in the pool before the first check)', () => {
    expect(weights(build([virtualServer()], initialCheckerUp))).toEqual({ '10.0.100.2:80': 1, '10.0.100.3:80': 1 });
  });

  test('a real server with two checkers is alive only when both are up', () => {
    const rs = realServer('10.0.100.2', 80, { checkers: [tcpCheck({ connectPort: 80 }), tcpCheck({ connectPort: 81 })] });
    const vs = virtualServer({ realServers: [rs] });
    expect(weights(build([vs], down('10.0.100.2:81')))).toEqual({});
  });

});

describe('quorum, hysteresis, sorry server', () => {
  const five = (over: Partial<VirtualServer> = {}) =>
    virtualServer({
      quorum: 3,
      hysteresis: 1,
      quorumUp: ['/bin/qup'],
      quorumDown: ['/bin/qdown'],
      sorryServer: { address: '10.0.200.1', port: 80, lvsMethod: 'NAT', inhibit: false },
      realServers: ['2', '3', '4', '5', '6'].map((n) => realServer(`10.0.100.${n}`, 80)),
      ...over,
    });

  test('start with quorum (sum 5 >= 3+1): pool as configured, quorum_up runs', () => {
    const t = build([five()], initialCheckerUp);
    expect(Object.keys(weights(t))).toHaveLength(5);
    expect(untrapped(t.events)).toEqual([
      { message: 'Gained quorum 3+1=4 <= 5 for VS [192.168.1.202]:tcp:80', notify: null, fifo: 'VS [192.168.1.202]:tcp:80 UP\n' },
      { message: '', notify: ['/bin/qup'] },
    ]);
  });

  test('hysteresis: quorum is kept down to quorum-hysteresis, lost below it; sorry server replaces the pool', () => {
    const vs = five();
    let t = build([vs], initialCheckerUp);
    t = build([vs], down('10.0.100.2:80', '10.0.100.3:80'), t.state); // sum 3 >= 3-1: still up
    expect(t.state.pools.get('[192.168.1.202]:tcp:80')?.quorumUp).toBe(true);
    expect(Object.keys(weights(t))).toEqual(['10.0.100.4:80', '10.0.100.5:80', '10.0.100.6:80']);
    t = build([vs], down('10.0.100.2:80', '10.0.100.3:80', '10.0.100.4:80'), t.state); // 2 >= 2: up
    expect(t.state.pools.get('[192.168.1.202]:tcp:80')?.quorumUp).toBe(true);
    t = build([vs], down('10.0.100.2:80', '10.0.100.3:80', '10.0.100.4:80', '10.0.100.5:80'), t.state); // 1 < 2: lost
    expect(weights(t)).toEqual({ '10.0.200.1:80': 1 });
    expect(t.events.map((e) => e.message || `notify ${e.notify}`)).toEqual([
      'Removing service [10.0.100.5]:tcp:80 from VS [192.168.1.202]:tcp:80',
      'Lost quorum 3-1=2 > 1 for VS [192.168.1.202]:tcp:80',
      'Adding sorry server [10.0.200.1]:tcp:80 to VS [192.168.1.202]:tcp:80',
      'Removing alive servers from the pool for VS [192.168.1.202]:tcp:80',
      'notify /bin/qdown',
    ]);
    // Regaining needs quorum+hysteresis = 4: with 3 alive the sorry server stays.
    t = build([vs], down('10.0.100.2:80', '10.0.100.3:80'), t.state);
    expect(weights(t)).toEqual({ '10.0.200.1:80': 1 });
    t = build([vs], down('10.0.100.2:80'), t.state);
    expect(Object.keys(weights(t))).toEqual(['10.0.100.3:80', '10.0.100.4:80', '10.0.100.5:80', '10.0.100.6:80']);
    expect(t.events.map((e) => e.message || `notify ${e.notify}`)).toEqual([
      'Adding service [10.0.100.3]:tcp:80 to VS [192.168.1.202]:tcp:80',
      'Gained quorum 3+1=4 <= 4 for VS [192.168.1.202]:tcp:80',
      'Removing sorry server [10.0.200.1]:tcp:80 from VS [192.168.1.202]:tcp:80',
      'Adding alive servers to the pool for VS [192.168.1.202]:tcp:80',
      'notify /bin/qup',
    ]);
  });

  test('starting below quorum with a sorry server: "Starting with quorum down", sorry server in', () => {
    const t = build([five()], down('10.0.100.2:80', '10.0.100.3:80', '10.0.100.4:80'));
    expect(weights(t)).toEqual({ '10.0.200.1:80': 1 });
    expect(t.events[0].message).toBe('Starting with quorum down 3-1=4 > 2 for VS [192.168.1.202]:tcp:80');
  });

  test('quorum lost without a sorry server: the live servers stay', () => {
    const vs = five({ sorryServer: null, hysteresis: 0 });
    let t = build([vs], initialCheckerUp);
    t = build([vs], down('10.0.100.2:80', '10.0.100.3:80', '10.0.100.4:80'), t.state);
    expect(Object.keys(weights(t))).toEqual(['10.0.100.5:80', '10.0.100.6:80']);
    expect(t.events.map((e) => e.message)).toContain('Lost quorum 3-0=3 > 2 for VS [192.168.1.202]:tcp:80');
  });

  test('sorry_server_inhibit and inhibited real servers: everything stays at weight 0 while the sorry server serves', () => {
    const vs = five({
      hysteresis: 0,
      sorryServer: { address: '10.0.200.1', port: 80, lvsMethod: 'DR', inhibit: true },
      realServers: ['2', '3', '4'].map((n) => realServer(`10.0.100.${n}`, 80, { inhibitOnFailure: true })),
    });
    const start = build([vs], initialCheckerUp);
    expect(weights(start)).toEqual({ '10.0.100.2:80': 1, '10.0.100.3:80': 1, '10.0.100.4:80': 1, '10.0.200.1:80': 0 });
    const t = build([vs], down('10.0.100.2:80'), start.state);
    expect(weights(t)).toEqual({ '10.0.100.2:80': 0, '10.0.100.3:80': 0, '10.0.100.4:80': 0, '10.0.200.1:80': 1 });
    expect(t.events.map((e) => e.message)).toContain('Enabling sorry server [10.0.200.1]:tcp:80 to VS [192.168.1.202]:tcp:80');
  });
});

describe('granularity', () => {
  test('dotted quad and prefix forms', () => {
    expect(parseGranularity('255.255.255.0', 4)).toBe(0xffffff00);
    expect(parseGranularity('24', 4)).toBe(0xffffff00);
    expect(parseGranularity('/32', 4)).toBe(0xffffffff);
    expect(parseGranularity('64', 6)).toBe(64);
  });
});

describe('shutdown (omega)', () => {
  const vs = (omega: boolean) =>
    virtualServer({
      omega,
      quorumDown: ['/bin/qdown'],
      realServers: [
        realServer('10.0.100.2', 80, { notifyDown: ['/bin/down', '2'] }),
        realServer('10.0.100.3', 80, { notifyDown: ['/bin/down', '3'], inhibitOnFailure: true }),
      ],
    });

  test('without omega: only the Shutting down lines', () => {
    const v = vs(false);
    const s = build([v], down('10.0.100.3:80')).state;
    expect(untrapped(shutdownEvents({ virtualServers: [v], virtualServerGroups: [] }, s, 'off'))).toEqual([
      { message: 'Shutting down service [10.0.100.2]:tcp:80 from VS [192.168.1.202]:tcp:80', notify: null },
      { message: 'Shutting down (inhibited) service [10.0.100.3]:tcp:80 from VS [192.168.1.202]:tcp:80', notify: null },
    ]);
  });

  test('with omega: notify_down of live servers, then quorum_down, and no mail (Debian\'s keepalived 2.2.7 sends none at stop); lvs_flush_on_stop skips the per-server lines', () => {
    const v = { ...vs(true), smtpAlert: true };
    const s = build([v], down('10.0.100.3:80')).state;
    const line = (e: PoolEvent) => e.message || e.notify?.join(' ') || (e.rsAlert ? `mail ${e.rsAlert.rsName} ${e.rsAlert.body}` : `mail ${e.alert?.vsName} ${e.alert?.up ? 'UP' : 'DOWN'} ${e.alert?.body}`);
    expect(untrapped(shutdownEvents({ virtualServers: [v], virtualServerGroups: [] }, s, 'off')).map(line)).toEqual([
      'Shutting down service [10.0.100.2]:tcp:80 from VS [192.168.1.202]:tcp:80',
      '/bin/down 2',
      'Shutting down (inhibited) service [10.0.100.3]:tcp:80 from VS [192.168.1.202]:tcp:80',
      '/bin/qdown',
    ]);
    expect(untrapped(shutdownEvents({ virtualServers: [v], virtualServerGroups: [] }, s, 'all')).map(line)).toEqual(['/bin/qdown']);
  });

  test('a reload that removes a virtual server, or a real server of one that stays: keepalived\'s lines, notify_down and mails whatever omega says, the quorum lost', () => {
    const v = { ...vs(false), smtpAlert: true };
    const other = virtualServer({ key: { kind: 'addr', address: '192.168.1.203', port: 80 } } as Partial<VirtualServer>);
    const s = build([v, other], down('10.0.100.3:80')).state;
    const line = (e: PoolEvent) => e.message || e.notify?.join(' ') || (e.rsAlert ? `mail ${e.rsAlert.rsName} ${e.rsAlert.body}` : `mail ${e.alert?.vsName} ${e.alert?.up ? 'UP' : 'DOWN'} ${e.alert?.body}`);
    const old = { virtualServers: [v, other], virtualServerGroups: [] };
    expect(untrapped(removalEvents(old, { virtualServers: [other], virtualServerGroups: [] }, s, 'off')).map(line)).toEqual([
      'Removing Virtual Server [192.168.1.202]:tcp:80',
      'Removing service [10.0.100.2]:tcp:80 from VS [192.168.1.202]:tcp:80',
      '/bin/down 2',
      'mail [10.0.100.2]:tcp:80 => Removing <=',
      'Removing (inhibited) service [10.0.100.3]:tcp:80 from VS [192.168.1.202]:tcp:80',
      '/bin/qdown',
      `mail [192.168.1.202]:tcp:80 DOWN => Lost quorum ${v.quorum}+${v.hysteresis}=${v.quorum - v.hysteresis} <= 0 <=`,
    ]);
    const fewer = { ...v, realServers: [v.realServers[1]] };
    expect(untrapped(removalEvents(old, { virtualServers: [fewer, other], virtualServerGroups: [] }, s, 'off')).map(line)).toEqual([
      'service [10.0.100.2]:tcp:80 no longer exist',
      'Removing service [10.0.100.2]:tcp:80 from VS [192.168.1.202]:tcp:80',
      '/bin/down 2',
      'mail [10.0.100.2]:tcp:80 => Removing <=',
    ]);
    expect(untrapped(removalEvents(old, old, s, 'off'))).toEqual([]);
  });
});

describe('notify FIFO lines at stop (omega), at removal, and rs_init_notifies at start', () => {
  const v = (omega: boolean) => virtualServer({
    omega,
    realServers: [realServer('10.0.100.2', 80, { notifyDown: ['/bin/down'] }), realServer('10.0.100.3', 80), realServer('10.0.100.4', 80)],
  });
  const fifo = (events: PoolEvent[]) => events.flatMap((e) => (e.fifo ? [e.fifo] : []));

  test('omega: each live server\'s RS DOWN line (with or without a notify_down), then the VS DOWN line; without omega none', () => {
    const s = build([v(true)], down('10.0.100.4:80')).state;
    expect(fifo(shutdownEvents({ virtualServers: [v(true)], virtualServerGroups: [] }, s, 'off'))).toEqual([
      'RS [10.0.100.2]:tcp:80 [192.168.1.202]:tcp:80 DOWN\n',
      'RS [10.0.100.3]:tcp:80 [192.168.1.202]:tcp:80 DOWN\n',
      'VS [192.168.1.202]:tcp:80 DOWN\n',
    ]);
    expect(fifo(shutdownEvents({ virtualServers: [v(false)], virtualServerGroups: [] }, build([v(false)], down('10.0.100.4:80')).state, 'off'))).toEqual([]);
  });

  test('a reload removing a live real server: its RS DOWN line whatever omega says', () => {
    const old = { virtualServers: [v(false)], virtualServerGroups: [] };
    const s = build([v(false)], down('10.0.100.4:80')).state;
    const fewer = { ...v(false), realServers: v(false).realServers.slice(1) };
    expect(fifo(removalEvents(old, { virtualServers: [fewer], virtualServerGroups: [] }, s, 'off'))).toEqual(['RS [10.0.100.2]:tcp:80 [192.168.1.202]:tcp:80 DOWN\n']);
  });

  test('rs_init_notifies: each server up at start gets notify_up and its RS UP line, before the quorum line; off: none', () => {
    const up = virtualServer({ realServers: [realServer('10.0.100.2', 80, { notifyUp: ['/bin/up'] }), realServer('10.0.100.3', 80)] });
    const at = (rsInitNotifies: boolean) => buildDesired({ virtualServers: [up], virtualServerGroups: [], rsInitNotifies }, () => true, null).events;
    expect(at(true).map((e) => [e.notify?.join(' ') ?? null, e.fifo ?? null])).toEqual([
      ['/bin/up', 'RS [10.0.100.2]:tcp:80 [192.168.1.202]:tcp:80 UP\n'],
      [null, 'RS [10.0.100.3]:tcp:80 [192.168.1.202]:tcp:80 UP\n'],
      [null, 'VS [192.168.1.202]:tcp:80 UP\n'],
    ]);
    expect(fifo(at(false))).toEqual(['VS [192.168.1.202]:tcp:80 UP\n']);
  });
});

describe('desired table: BFD_CHECK votes with its session state', () => {
  const bfd = (alpha = false) => ({ kind: 'BFD_CHECK' as const, name: 'frr', alpha, location: { file: 'k.conf', line: 1, col: 1 } });
  const bfdUp = (up: boolean): CheckerUp => (c, rs, vs) => (c.kind === 'BFD_CHECK' ? up : initialCheckerUp(c, rs, vs));

  test('starts up without alpha, down with alpha (check_bfd.c: checker->is_up before the first event)', () => {
    const vs = virtualServer({ realServers: [realServer('10.0.100.2', 80, { checkers: [bfd()] }), realServer('10.0.100.3', 80, { checkers: [bfd(true)] })] });
    expect(weights(build([vs], initialCheckerUp))).toEqual({ '10.0.100.2:80': 1 });
  });

  test('a session that left Up takes the server out; inhibit_on_failure keeps it at weight 0', () => {
    const vs = virtualServer({ realServers: [realServer('10.0.100.2', 80, { checkers: [bfd()] }), realServer('10.0.100.3', 80, { checkers: [bfd()], inhibitOnFailure: true })] });
    expect(weights(build([vs], bfdUp(false)))).toEqual({ '10.0.100.3:80': 0 });
    expect(weights(build([vs], bfdUp(true)))).toEqual({ '10.0.100.2:80': 1, '10.0.100.3:80': 1 });
  });

  test('a TCP_CHECK that is up does not outvote a BFD_CHECK that is down', () => {
    const rs = realServer('10.0.100.2', 80, { checkers: [tcpCheck(), bfd()] });
    expect(build([virtualServer({ realServers: [rs] })], bfdUp(false)).services[0].destinations).toEqual([]);
  });
});
