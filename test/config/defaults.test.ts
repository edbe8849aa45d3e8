/**
 * keepalived's defaults in halo's model. The expected values come from keepalived-defaults.ts,
 * written from keepalived 2.2.7's source with a citation per value (not from halo's builders);
 * the netns tier compares the VRRP part with a running keepalived's own dump of the same config
 * (defaults-keepalived.netns.test.ts).
 */
import { instance, messages, model } from './helpers';
import {
  GLOBAL, INSTANCE, INSTANCE_MASTER_PRIORITY, INSTANCE_STRICT, REAL_SERVER, TCP_CHECK, VIRTUAL_SERVER, VRRP_SCRIPT, values,
} from './keepalived-defaults';

describe("keepalived's defaults (keepalived 2.2.7 source, cited in keepalived-defaults.ts)", () => {
  it('global_defs', () => {
    expect(model('').globalDefs).toMatchObject(values(GLOBAL));
  });

  it('vrrp_instance with only interface, virtual_router_id and a VIP', () => {
    const i = model(instance()).vrrpInstances[0];
    expect(i).toMatchObject(values(INSTANCE));
    // one VIP without a prefix is a host address on the instance's interface (keepalived dumps
    // it as "10.0.0.1 dev eth0 scope global")
    expect(i.virtualIpAddresses.map((v) => [v.address, v.prefixLen, v.dev, v.scope])).toEqual([['10.0.0.1', 32, 'eth0', 'global']]);
  });

  it(`state MASTER without a priority is the address owner (${INSTANCE_MASTER_PRIORITY.src})`, () => {
    expect(model(instance('state MASTER')).vrrpInstances[0].priority).toBe(INSTANCE_MASTER_PRIORITY.value);
    expect(model(instance('state BACKUP')).vrrpInstances[0].priority).toBe(INSTANCE.priority.value);
    expect(model(instance('state MASTER\npriority 150')).vrrpInstances[0].priority).toBe(150);
  });

  it('instances inherit GARP, version and advert settings from global_defs (alloc_vrrp copies the globals)', () => {
    const g =
      'global_defs {\n vrrp_version 3\n vrrp_garp_master_delay 2\n vrrp_garp_master_repeat 3\n vrrp_garp_master_refresh 30\n' +
      ' vrrp_garp_master_refresh_repeat 2\n vrrp_down_timer_adverts 5\n vrrp_higher_prio_send_advert\n v3_checksum_as_v2\n}\n';
    const i = model(g + instance()).vrrpInstances[0];
    expect([i.version, i.garpMasterDelayMs, i.garpMasterRepeat, i.garpMasterRefreshMs, i.garpMasterRefreshRepeat]).toEqual([3, 2000, 3, 30000, 2]);
    // lower-priority GARPs follow the (changed) master GARP settings when not set themselves
    expect([i.garpLowerPrioDelayMs, i.garpLowerPrioRepeat, i.downTimerAdverts, i.higherPrioSendAdvert, i.v3ChecksumAsV2]).toEqual([2000, 3, 5, true, true]);
  });

  it('vrrp_strict: no accept, no lower-priority GARPs, no lower-priority adverts (vrrp_complete_instance)', () => {
    const i = model('global_defs {\n vrrp_strict\n}\n' + instance(), true).vrrpInstances[0];
    expect(i).toMatchObject({ strictMode: true, ...values(INSTANCE_STRICT) });
    // the address owner always accepts
    expect(model('global_defs {\n vrrp_strict\n}\n' + instance('priority 255'), true).vrrpInstances[0].accept).toBe(true);
  });

  it('an IPv6 instance is VRRPv3 with /128 VIPs (keepalived.conf(5): IPv6 needs VRRPv3)', () => {
    const i = model('vrrp_instance V6 {\n interface eth0\n virtual_router_id 9\n virtual_ipaddress {\n  2001:DB8::1\n }\n}\n', true).vrrpInstances[0];
    expect([i.family, i.version, i.virtualIpAddresses[0].address, i.virtualIpAddresses[0].prefixLen]).toEqual([6, 3, '2001:db8::1', 128]);
  });

  it('VRRPv2 advert_int is whole seconds (an 8-bit field of seconds, RFC 3768 §5.3.7); v3 keeps hundredths (12-bit centiseconds, RFC 5798 §5.2.7)', () => {
    expect(model(instance('advert_int 2.4')).vrrpInstances[0].advertIntMs).toBe(2000);
    expect(messages(instance('advert_int 2.4'))).toEqual(['7:12: warning: (VI_1) VRRPv2 advert_int must be whole seconds; 2.4 rounded to 2']);
    expect(model(instance('advert_int 0.3')).vrrpInstances[0].advertIntMs).toBe(1000);
    expect(model(instance('version 3\nadvert_int 0.05')).vrrpInstances[0].advertIntMs).toBe(50);
    expect(model(instance('version 3\nadvert_int 40.95')).vrrpInstances[0].advertIntMs).toBe(40950);
  });

  it('virtual_server, real_server and TCP_CHECK with nothing set', () => {
    // keepalived warns for each of protocol, scheduler and method left unset (see errors.test.ts).
    const m = model('virtual_server 10.0.0.1 80 {\n real_server 10.0.1.1 8080 {\n  TCP_CHECK {\n  }\n }\n}\n');
    const vs = m.virtualServers[0];
    const { persistenceTimeoutWithoutValue: _a, persistenceTimeoutPortZero: _b, ...vsTable } = VIRTUAL_SERVER;
    expect(vs).toMatchObject(values(vsTable));
    const { portFromVirtualServer: _c, ...rsTable } = REAL_SERVER;
    expect(vs.realServers[0]).toMatchObject({ address: '10.0.1.1', port: 8080, ...values(rsTable) });
    const { connectToRealServer: _d, ...checkTable } = TCP_CHECK;
    expect(vs.realServers[0].checkers[0]).toMatchObject({ kind: 'TCP_CHECK', ...values(checkTable) });
    expect(vs.realServers[0].checkers[0]).toMatchObject({ connectIp: '10.0.1.1', connectPort: 8080 }); // TCP_CHECK.connectToRealServer
  });

  it(`persistence_timeout without a value, and a port-0 service, are ${VIRTUAL_SERVER.persistenceTimeoutWithoutValue.value} s (${VIRTUAL_SERVER.persistenceTimeoutWithoutValue.ka})`, () => {
    const vs = (port: number, line: string) => `virtual_server 10.0.0.1 ${port} {\n ${line}\n real_server 10.0.1.1 80 {\n }\n}\n`;
    expect(model(vs(80, 'persistence_timeout')).virtualServers[0].persistenceTimeout).toBe(VIRTUAL_SERVER.persistenceTimeoutWithoutValue.value);
    expect(model(vs(80, 'persistence_timeout 50')).virtualServers[0].persistenceTimeout).toBe(50);
    expect(model(vs(0, '')).virtualServers[0].persistenceTimeout).toBe(VIRTUAL_SERVER.persistenceTimeoutPortZero.value);
    expect(model(vs(80, '')).virtualServers[0].persistenceTimeout).toBe(VIRTUAL_SERVER.persistenceTimeout.value);
  });

  it('checker settings inherit checker <- real_server <- virtual_server <- built-in (check_data.c validate_check_config)', () => {
    const m = model(
      'virtual_server 10.0.0.1 80 {\n delay_loop 10\n connect_timeout 4\n retry 3\n lvs_method DR\n inhibit_on_failure\n' +
        ' real_server 10.0.1.1 80 {\n  delay_before_retry 2\n  connect_timeout 7\n  TCP_CHECK {\n   retry 5\n  }\n  TCP_CHECK {\n   warmup 1\n  }\n }\n}\n',
    );
    const rs = m.virtualServers[0].realServers[0];
    const pick = (c: (typeof rs.checkers)[number]): unknown =>
      c.kind === 'TCP_CHECK' ? [c.delayLoopMs, c.connectTimeoutMs, c.retry, c.delayBeforeRetryMs, c.warmupMs] : null;
    expect(rs.checkers.map(pick)).toEqual([
      [10000, 7000, 5, 2000, 10000], // warmup defaults to the delay_loop (check_data.c:1363)
      [10000, 7000, 3, 2000, 1000],
    ]);
    expect([rs.lvsMethod, rs.inhibitOnFailure, m.virtualServers[0].delayLoopMs]).toEqual(['DR', true, 10000]);
  });

  it('a real_server without a port uses the virtual server port (alloc_rs)', () => {
    expect(model('virtual_server 10.0.0.1 443 {\n real_server 10.0.1.1 {\n }\n}\n').virtualServers[0].realServers[0].port).toBe(443);
  });

  it('a virtual server weight is the default weight of its real servers (check_data.c:1216)', () => {
    const m = model('virtual_server 10.0.0.1 80 {\n weight 7\n real_server 10.0.1.1 80 {\n }\n real_server 10.0.1.2 80 {\n  weight 2\n }\n}\n');
    expect(m.virtualServers[0].realServers.map((r) => r.weight)).toEqual([7, 2]);
  });

  it('vrrp_script with only a script', () => {
    const m = model('vrrp_script chk {\n script "/bin/check \'a b\' c"\n}\n');
    expect(m.vrrpScripts[0]).toMatchObject({ name: 'chk', script: ['/bin/check', 'a b', 'c'], ...values(VRRP_SCRIPT) });
  });
});
