/**
 * KEEPALIVED-MIB's checker objects (keepalived 2.2.7's check_snmp.c choices) from a parsed config
 * and a live view, without snmpd; the comparison with keepalived itself is
 * test/integration/keepalived-mib-checker.vm.test.ts (kernel VM tier).
 */
import { checkMibVarbinds, CheckMibView, CmServer, CmStats, KEEPALIVED_CHECK, KEEPALIVED_CHECK_OBJECTS, poolNotification } from '../../src/daemon/snmp/check-mib';
import { compareOids, SnmpType } from '../../src/daemon/snmp/vrrpv3-mib';
import { buildDesired, shutdownEvents } from '../../src/ipvs/desired';
import type { Model } from '../../src/config/model';
import { model } from '../config/helpers';

const C = KEEPALIVED_CHECK.join('.');

const CONFIG = `virtual_server_group G {
 10.0.0.1 80
 10.0.0.2-4 80
 fwmark 7
}
virtual_server group G {
 protocol TCP
 real_server 10.0.1.1 80 {
 }
}
virtual_server 10.0.0.1 443 {
 protocol TCP
 lb_kind DR
 persistence_timeout 60
 persistence_granularity 255.255.255.0
 retry 2
 delay_before_retry 1.5
 snmp_name web
 sorry_server 10.0.2.1 443
 quorum_up "/bin/true up"
 real_server 10.0.1.1 443 {
  weight 3
  uthreshold 100
  snmp_name rs-a
  TCP_CHECK {
   connect_port 81
  }
 }
}
virtual_server fwmark 9 {
 lb_algo sh
 sh-port
 lb_kind DR
 real_server 10.0.1.1 0 {
 }
}
`;

const zero = (): CmStats => ({ conns: 0n, inpkts: 0n, outpkts: 0n, inbytes: 0n, outbytes: 0n, cps: 0n, inpps: 0n, outpps: 0n, inbps: 0n, outbps: 0n });
const server = (o: Partial<CmServer> = {}): CmServer => ({ alive: true, failedChecks: 0, weight: 1, stats: zero(), active: 0, inactive: 0, persistent: 0, ...o });

function view(m: Model): CheckMibView {
  return {
    model: m,
    commandPaths: {},
    virtualServers: m.virtualServers.map((cfg) => ({
      cfg, alive: true, quorumUp: true, stats: { ...zero(), inbytes: 5n << 32n, cps: 7n },
      sorry: cfg.sorryServer ? server({ alive: false }) : null,
      servers: cfg.realServers.map((rs) => server({ weight: rs.weight })),
    })),
  };
}
const value = (vbs: ReturnType<typeof checkMibVarbinds>, oid: string) => vbs.find((v) => v.oid.join('.') === `${C}.${oid}`);

describe('KEEPALIVED-MIB checker objects', () => {
  const m = model(CONFIG);
  const vbs = checkMibVarbinds(view(m)).sort((a, b) => compareOids(a.oid, b.oid));

  it('every cell is under a registered object', () => {
    for (const v of vbs) expect(KEEPALIVED_CHECK_OBJECTS.some((o) => o.every((n, k) => v.oid[k] === n))).toBe(true);
  });

  it("a group's members: its fwmarks first, then its addresses and ranges", () => {
    expect(value(vbs, '2.1.2.1.1')?.value).toBe(1);
    expect(value(vbs, '2.1.3.1.1')?.value).toBe(7);
    expect(value(vbs, '2.1.2.1.2')?.value).toBe(2);
    expect(value(vbs, '2.1.5.1.2')?.value).toEqual(Buffer.from([10, 0, 0, 1]));
    expect(value(vbs, '2.1.2.1.3')?.value).toBe(3);
    expect(value(vbs, '2.1.7.1.3')?.value).toEqual(Buffer.from([10, 0, 0, 4]));
    expect(value(vbs, '2.1.5.1.3')).toBeUndefined();
  });

  it('virtual servers: type, timing as keepalived shows it, raw granularity bytes, counters', () => {
    expect([1, 2, 3].map((k) => value(vbs, `3.1.2.${k}`)?.value)).toEqual([3, 2, 1]);
    expect(value(vbs, '3.1.15.2')?.value).toEqual(Buffer.from([255, 255, 255, 0]));
    expect(value(vbs, '3.1.51.2')).toBeUndefined();
    expect(value(vbs, '3.1.51.3')?.value).toBe(0xffffffff);
    expect(value(vbs, '3.1.57.2')?.value).toBe(2);
    expect(value(vbs, '3.1.58.2')?.value).toBe(1);
    expect(value(vbs, '3.1.65.2')?.value).toBe(1_500_000);
    expect(value(vbs, '3.1.59.2')?.value).toBe(0);
    expect(value(vbs, '3.1.67.2')?.value).toBe(5_000_000);
    expect(value(vbs, '3.1.71.2')?.value).toEqual(Buffer.from('web'));
    expect(value(vbs, '3.1.24.2')?.value).toEqual(Buffer.from("'/bin/true' 'up'"));
    expect(value(vbs, '3.1.30.1')).toEqual({ oid: expect.any(Array), type: SnmpType.Counter64, value: 5n << 32n });
    expect(value(vbs, '3.1.32.1')?.value).toBe(7);
    expect(value(vbs, '3.1.54.3')?.value).toBe(1);
    expect(value(vbs, '3.1.8.3')).toBeUndefined();
  });

  it('real servers: the sorry server first, without the regular columns', () => {
    expect(value(vbs, '4.1.2.2.1')?.value).toBe(2);
    expect(value(vbs, '4.1.4.2.1')?.value).toEqual(Buffer.from([10, 0, 2, 1]));
    expect(value(vbs, '4.1.6.2.1')).toBeUndefined();
    expect(value(vbs, '4.1.7.2.1')).toBeUndefined();
    expect(value(vbs, '4.1.51.2.1')?.value).toBe(0);
    expect(value(vbs, '4.1.2.2.2')?.value).toBe(1);
    expect(value(vbs, '4.1.7.2.2')?.value).toBe(3);
    expect(value(vbs, '4.1.8.2.2')?.value).toBe(100);
    expect(value(vbs, '4.1.9.2.2')).toBeUndefined();
    expect(value(vbs, '4.1.43.2.2')?.value).toBe(2);
    expect(value(vbs, '4.1.55.2.2')?.value).toEqual(Buffer.from('rs-a'));
  });

  it('scalars: the sync daemon off, no timeouts', () => {
    expect(value(vbs, '6.1.0')?.value).toBe(2);
    expect(value(vbs, '6.2.0')).toBeUndefined();
    expect(value(vbs, '7.1.0')).toBeUndefined();
  });
});

describe('checker notifications', () => {
  const m = model(CONFIG);
  const input = { virtualServers: m.virtualServers, virtualServerGroups: m.virtualServerGroups, rsInitNotifies: false };

  it('a quorum gained at start, a real server going down, every service stopping (quorum state 3)', () => {
    const start = buildDesired(input, () => true, null);
    const quorums = start.events.filter((e) => e.trap).map((e) => e.trap!);
    expect(quorums.map((t) => [t.rs, t.quorum])).toEqual([[null, 1], [null, 1], [null, 1]]);
    const down = buildDesired(input, (c) => c.kind !== 'TCP_CHECK', start.state);
    const rsTrap = down.events.find((e) => e.trap?.rs)!.trap!;
    expect(rsTrap).toMatchObject({ alive: false, realUp: 0 });
    const n = poolNotification(rsTrap, 'lb1');
    expect(n[0].value).toBe(`${C}.5.0.1`);
    expect(n.map((v) => v.oid.join('.').replace(`${C}.`, ''))).toEqual(['1.3.6.1.6.3.1.1.4.1.0', '4.1.3', '4.1.4', '4.1.5', '4.1.6', '3.1.2', '3.1.5', '3.1.6', '3.1.7', '3.1.8', '3.1.21', '3.1.20', '1.3.6.1.4.1.9586.100.5.1.2.0']);
    const stop = shutdownEvents(input, down.state, 'off').filter((e) => e.trap).map((e) => e.trap!);
    expect(stop.filter((t) => !t.rs).map((t) => t.quorum)).toEqual([3, 3, 3]);
    expect(stop.filter((t) => t.rs).map((t) => t.alive)).toEqual([false, false]);
    const q = poolNotification(stop.find((t) => !t.rs && t.vs.key.kind === 'group')!, 'lb1');
    expect(q[0].value).toBe(`${C}.5.0.2`);
    expect(q.find((v) => v.oid.join('.') === `${C}.3.1.3`)?.value).toEqual(Buffer.from('G'));
  });
});
