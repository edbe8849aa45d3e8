import { instance, messages, model } from './helpers';

describe("keepalived's defaults", () => {
  it('global_defs', () => {
    expect(model('').globalDefs).toEqual({
      routerId: null,
      vrrpVersion: 2,
      vrrpMcastGroup4: '224.0.0.18',
      vrrpMcastGroup6: 'ff02::12',
      vrrpGarpMasterDelayMs: 5000,
      vrrpGarpMasterRepeat: 5,
      vrrpGarpMasterRefreshMs: 0,
      vrrpGarpMasterRefreshRepeat: 1,
      vrrpGarpLowerPrioDelayMs: null,
      vrrpGarpLowerPrioRepeat: null,
      vrrpGarpIntervalMs: 0,
      vrrpGnaIntervalMs: 0,
      vrrpLowerPrioNoAdvert: false,
      vrrpHigherPrioSendAdvert: false,
      vrrpStrict: false,
      vrrpSkipCheckAdvAddr: false,
      vrrpCheckUnicastSrc: false,
      vrrpDownTimerAdverts: 3,
      v3ChecksumAsV2: false,
      scriptUser: null,
      enableScriptSecurity: false, checkerLogAllFailures: false,
      lvsFlush: false,
      lvsFlushOnStop: 'off',
      lvsSyncDaemon: null,
      lvsTimeouts: { tcp: null, tcpfin: null, udp: null },
      other: {},
    });
  });

  it('vrrp_instance', () => {
    const i = model(instance()).vrrpInstances[0];
    expect(i).toEqual({
      name: 'VI_1',
      initialState: 'BACKUP',
      interface: 'eth0',
      virtualRouterId: 51,
      priority: 100,
      advertIntMs: 1000,
      version: 2,
      family: 4,
      authType: 'NONE',
      authPass: null,
      virtualIpAddresses: [
        {
          address: '10.0.0.1', family: 4, prefixLen: 32, broadcast: null, dev: 'eth0', scope: 'global', label: null,
          excluded: false, location: { file: expect.any(String), line: 5, col: 3 },
        },
      ],
      virtualIpAddressesExcluded: [],
      trackInterfaces: [],
      trackScripts: [],
      dontTrackPrimary: false,
      mcastSrcIp: null,
      unicastSrcIp: null,
      unicastPeers: [],
      nopreempt: false,
      preemptDelayMs: 0,
      garpMasterDelayMs: 5000,
      garpMasterRepeat: 5,
      garpMasterRefreshMs: 0,
      garpMasterRefreshRepeat: 1,
      garpLowerPrioDelayMs: 5000,
      garpLowerPrioRepeat: 5,
      accept: true,
      strictMode: false,
      v3ChecksumAsV2: false,
      lowerPrioNoAdvert: false,
      higherPrioSendAdvert: false,
      skipCheckAdvAddr: false,
      downTimerAdverts: 3,
      notify: { notify: null, notifyMaster: null, notifyBackup: null, notifyFault: null, notifyStop: null },
      lvsSyncDaemonInterface: null,
      syncGroup: null,
      location: { file: expect.any(String), line: 1, col: 1 },
    });
  });

  it('priority is 255 for state MASTER without a priority, 100 otherwise', () => {
    expect(model(instance('state MASTER')).vrrpInstances[0].priority).toBe(255);
    expect(model(instance('state BACKUP')).vrrpInstances[0].priority).toBe(100);
    expect(model(instance('state MASTER\npriority 150')).vrrpInstances[0].priority).toBe(150);
  });

  it('instances inherit GARP, version and strict settings from global_defs', () => {
    const g =
      'global_defs {\n vrrp_version 3\n vrrp_garp_master_delay 2\n vrrp_garp_master_repeat 3\n vrrp_garp_master_refresh 30\n' +
      ' vrrp_garp_master_refresh_repeat 2\n vrrp_down_timer_adverts 5\n vrrp_higher_prio_send_advert\n v3_checksum_as_v2\n}\n';
    const i = model(g + instance()).vrrpInstances[0];
    expect([i.version, i.garpMasterDelayMs, i.garpMasterRepeat, i.garpMasterRefreshMs, i.garpMasterRefreshRepeat]).toEqual([3, 2000, 3, 30000, 2]);
    expect([i.garpLowerPrioDelayMs, i.garpLowerPrioRepeat, i.downTimerAdverts, i.higherPrioSendAdvert, i.v3ChecksumAsV2]).toEqual([2000, 3, 5, true, true]);
  });

  it('strict mode: no accept, lower-priority GARPs off', () => {
    const i = model('global_defs {\n vrrp_strict\n}\n' + instance(), true).vrrpInstances[0];
    expect([i.strictMode, i.accept, i.garpLowerPrioDelayMs, i.garpLowerPrioRepeat]).toEqual([true, false, 0, 0]);
    // The address owner always accepts.
    expect(model('global_defs {\n vrrp_strict\n}\n' + instance('priority 255')).vrrpInstances[0].accept).toBe(true);
  });

  it('an IPv6 instance is VRRPv3 with /128 VIPs', () => {
    const i = model('vrrp_instance V6 {\n interface eth0\n virtual_router_id 9\n virtual_ipaddress {\n  2001:DB8::1\n }\n}\n', true).vrrpInstances[0];
    expect([i.family, i.version, i.virtualIpAddresses[0].address, i.virtualIpAddresses[0].prefixLen]).toEqual([6, 3, '2001:db8::1', 128]);
  });

  it('VRRPv2 advert_int is rounded to whole seconds with a warning; v3 keeps hundredths', () => {
    expect(model(instance('advert_int 2.4')).vrrpInstances[0].advertIntMs).toBe(2000);
    expect(messages(instance('advert_int 2.4'))).toEqual(['7:12: warning: (VI_1) VRRPv2 advert_int must be whole seconds; 2.4 rounded to 2']);
    expect(model(instance('advert_int 0.3')).vrrpInstances[0].advertIntMs).toBe(1000);
    expect(model(instance('version 3\nadvert_int 0.05')).vrrpInstances[0].advertIntMs).toBe(50);
    expect(model(instance('version 3\nadvert_int 40.95')).vrrpInstances[0].advertIntMs).toBe(40950);
  });

  it('virtual_server, real_server and TCP_CHECK', () => {
    // keepalived warns for each of protocol, scheduler and method left unset (see errors.test.ts).
    const m = model('virtual_server 10.0.0.1 80 {\n real_server 10.0.1.1 8080 {\n  TCP_CHECK {\n  }\n }\n}\n');
    const vs = m.virtualServers[0];
    expect(vs).toEqual({
      key: { kind: 'addr', protocol: 'UDP', address: '10.0.0.1', family: 4, port: 80 },
      protocol: 'UDP', lvsSched: 'wlc', lvsMethod: 'NAT', persistenceTimeout: null, persistenceGranularity: null,
      schedFlags: { flag1: false, flag2: false, flag3: false }, ops: false, hashed: false, delayLoopMs: 60000,
      quorum: 1, hysteresis: 0, quorumUp: null, quorumDown: null, sorryServer: null, inhibitOnFailure: false,
      alpha: false, omega: false, haSuspend: false, realServers: [expect.any(Object)],
      location: { file: expect.any(String), line: 1, col: 1 },
    });
    expect(vs.realServers[0]).toEqual({
      address: '10.0.1.1', family: 4, port: 8080, weight: 1, lvsMethod: 'NAT', inhibitOnFailure: false, uthreshold: 0,
      lthreshold: 0, notifyUp: null, notifyDown: null, alpha: false, checkers: [expect.any(Object)],
      location: { file: expect.any(String), line: 2, col: 2 },
    });
    expect(vs.realServers[0].checkers[0]).toEqual({
      kind: 'TCP_CHECK', connectIp: '10.0.1.1', connectPort: 8080, bindto: null, bindPort: null, bindIf: null, fwmark: null,
      connectTimeoutMs: 5000, retry: 1, delayBeforeRetryMs: 1000, warmupMs: 60000, delayLoopMs: 60000, alpha: false,
      logAllFailures: false, location: { file: expect.any(String), line: 3, col: 3 },
    });
  });

  it('persistence_timeout without a value is 360 s, and port-0 services are persistent', () => {
    const vs = (port: number, line: string) => `virtual_server 10.0.0.1 ${port} {\n ${line}\n real_server 10.0.1.1 80 {\n }\n}\n`;
    expect(model(vs(80, 'persistence_timeout')).virtualServers[0].persistenceTimeout).toBe(360);
    expect(model(vs(80, 'persistence_timeout 50')).virtualServers[0].persistenceTimeout).toBe(50);
    expect(model(vs(0, '')).virtualServers[0].persistenceTimeout).toBe(360);
    expect(model(vs(80, '')).virtualServers[0].persistenceTimeout).toBeNull();
  });

  it('checker settings inherit checker <- real_server <- virtual_server <- built-in', () => {
    const m = model(
      'virtual_server 10.0.0.1 80 {\n delay_loop 10\n connect_timeout 4\n retry 3\n lvs_method DR\n inhibit_on_failure\n' +
        ' real_server 10.0.1.1 80 {\n  delay_before_retry 2\n  connect_timeout 7\n  TCP_CHECK {\n   retry 5\n  }\n  TCP_CHECK {\n   warmup 1\n  }\n }\n}\n',
    );
    const rs = m.virtualServers[0].realServers[0];
    const pick = (c: (typeof rs.checkers)[number]): unknown =>
      c.kind === 'TCP_CHECK' ? [c.delayLoopMs, c.connectTimeoutMs, c.retry, c.delayBeforeRetryMs, c.warmupMs] : null;
    expect(rs.checkers.map(pick)).toEqual([
      [10000, 7000, 5, 2000, 10000],
      [10000, 7000, 3, 2000, 1000],
    ]);
    expect([rs.lvsMethod, rs.inhibitOnFailure, m.virtualServers[0].delayLoopMs]).toEqual(['DR', true, 10000]);
  });

  it('a real_server without a port uses the virtual server port', () => {
    expect(model('virtual_server 10.0.0.1 443 {\n real_server 10.0.1.1 {\n }\n}\n').virtualServers[0].realServers[0].port).toBe(443);
  });

  it('a virtual server weight is the default weight of its real servers', () => {
    const m = model('virtual_server 10.0.0.1 80 {\n weight 7\n real_server 10.0.1.1 80 {\n }\n real_server 10.0.1.2 80 {\n  weight 2\n }\n}\n');
    expect(m.virtualServers[0].realServers.map((r) => r.weight)).toEqual([7, 2]);
  });

  it('vrrp_script', () => {
    const m = model('vrrp_script chk {\n script "/bin/check \'a b\' c"\n}\n');
    expect(m.vrrpScripts[0]).toEqual({
      name: 'chk', script: ['/bin/check', 'a b', 'c'], intervalMs: 1000, timeoutMs: null, weight: 0, weightReverse: false,
      rise: 1, fall: 1, user: null, initState: 'unknown', location: { file: expect.any(String), line: 1, col: 1 },
    });
  });
});
