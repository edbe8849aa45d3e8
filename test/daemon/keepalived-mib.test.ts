/**
 * KEEPALIVED-MIB's global and VRRP objects (keepalived 2.2.7's choices) from a parsed config and
 * a live view, without snmpd; the comparison with keepalived itself is
 * test/integration/keepalived-mib.netns.test.ts.
 */
import { answer, PduType } from '../../src/daemon/snmp/agentx';
import {
  commandString, groupStateNotification, instanceStateNotification, KEEPALIVED_MIB, KEEPALIVED_MIB_OBJECTS, KeepalivedMibView,
  keepalivedMibVarbinds, KmInstance, scriptCommands,
} from '../../src/daemon/snmp/keepalived-mib';
import { keepalivedCommandPath } from '../../src/daemon/snmp/command-path';
import { compareOids, SnmpType } from '../../src/daemon/snmp/vrrpv3-mib';
import type { Model } from '../../src/config/model';
import { model } from '../config/helpers';

const KM = KEEPALIVED_MIB.join('.');

const CONFIG = `global_defs {
 router_id lb1
 notification_email {
  a@example.com
  b@example.com
 }
}
static_ipaddress {
 10.9.0.1/24 dev eth1
}
vrrp_script chk {
 script "/bin/true arg"
 weight 4
}
vrrp_sync_group G1 {
 group {
  VI_2
  VI_1
 }
 sync_group_tracking_weight
}
vrrp_instance VI_1 {
 interface eth0
 virtual_router_id 51
 priority 150
 track_script {
  chk
 }
 virtual_ipaddress {
  10.0.0.1/24 brd 10.0.0.255 label eth0:1
  10.0.0.2/24
 }
 virtual_ipaddress_excluded {
  10.0.1.1/24
 }
}
vrrp_instance VI_2 {
 interface eth0
 virtual_router_id 52
 virtual_routes {
  10.5.0.0/16 table 100 nexthop via 10.0.0.7 dev eth0 weight 3 nexthop via 10.0.0.8 dev eth0
  10.6.0.0/16 via 10.0.0.7 dev eth0 hoplimit 4 rtt 80 mtu lock 1300
 }
 virtual_rules {
  to 10.7.0.0/16 fwmark 9 priority 300 table 100
 }
 unicast_peer {
  10.0.0.9
 }
 virtual_ipaddress {
  10.0.0.3/24
 }
}
`;

function view(m: Model, o: Partial<KeepalivedMibView> = {}): KeepalivedMibView {
  const instances: KmInstance[] = m.vrrpInstances.map((cfg) => ({
    cfg, state: 'MASTER', wantState: 'MASTER', basePriority: cfg.priority, effectivePriority: cfg.priority + 4, vipsSet: true, preempt: true,
  }));
  return {
    model: m, version: 'halo test', hostname: 'host1', instances, groupStates: { G1: 'MASTER' }, scripts: { chk: { up: true } }, files: {}, bfds: {},
    ifindex: { eth0: 2, eth1: 3 }, staticAddressesSet: true, commandPaths: {}, ...o,
  };
}

const value = (vbs: ReturnType<typeof keepalivedMibVarbinds>, oid: string) => vbs.find((v) => v.oid.join('.') === `${KM}.${oid}`)?.value;
const under = (vbs: ReturnType<typeof keepalivedMibVarbinds>, prefix: string) => vbs.filter((v) => v.oid.join('.').startsWith(`${KM}.${prefix}.`));

describe('KEEPALIVED-MIB objects', () => {
  const m = model(CONFIG);
  const vbs = keepalivedMibVarbinds(view(m));

  it('sorted by OID, one varbind per (object, row), every OID under a registered object', () => {
    for (let i = 1; i < vbs.length; i++) expect(compareOids(vbs[i - 1].oid, vbs[i].oid)).toBeLessThan(0);
    for (const v of vbs) expect(KEEPALIVED_MIB_OBJECTS.some((o) => o.every((n, k) => v.oid[k] === n))).toBe(true);
  });

  it('global scalars: router_id, or the host name without it; the email table numbered from 1', () => {
    expect(value(vbs, '1.2.0')).toEqual(Buffer.from('lb1'));
    expect(value(keepalivedMibVarbinds(view(model(CONFIG.replace(' router_id lb1\n', '')))), '1.2.0')).toEqual(Buffer.from('host1'));
    expect(under(vbs, '1.3.5.1.2').map((v) => v.value.toString())).toEqual(['a@example.com', 'b@example.com']);
    // no smtp_server: address type 2 (keepalived's SNMP_InetAddressType: all but AF_INET), four
    // zero bytes, port 0, connect timeout 0 (its 30 s default comes with a server only)
    expect([value(vbs, '1.3.1.0'), value(vbs, '1.3.2.0'), value(vbs, '1.3.6.0'), value(vbs, '1.3.3.0')]).toEqual([2, Buffer.alloc(4), 0, 0]);
  });

  it('instances by config position; a cell keepalived leaves empty is absent (multicast address of a unicast instance)', () => {
    expect(under(vbs, '2.3.1.2').map((v) => `${v.oid.at(-1)}=${v.value.toString()}`)).toEqual(['1=VI_1', '2=VI_2']);
    expect(value(vbs, '2.3.1.8.1')).toBe(154);
    expect(value(vbs, '2.3.1.18.1')).toEqual(Buffer.from('G1'));
    expect(value(vbs, '2.3.1.35.1')).toEqual(Buffer.from([224, 0, 0, 18]));
    expect(value(vbs, '2.3.1.34.2')).toBeUndefined();
    expect(value(vbs, '2.3.1.35.2')).toBeUndefined();
  });

  it('sync group members by (group, member) in the group\'s order', () => {
    expect(under(vbs, '2.2.1.2').map((v) => `${v.oid.slice(-2).join('.')}=${v.value.toString()}`)).toEqual(['1.1=VI_2', '1.2=VI_1']);
  });

  it('addresses: static_ipaddress under 0, then each instance\'s VIPs and excluded VIPs numbered on; only the first instance\'s VIPs advertised', () => {
    expect(under(vbs, '2.6.1.3').map((v) => v.oid.slice(-2).join('.'))).toEqual(['0.1', '1.1', '1.2', '1.3', '2.1']);
    expect(under(vbs, '2.6.1.11').map((v) => v.value)).toEqual([2, 1, 1, 2, 2]);
    expect(value(vbs, '2.6.1.4.1.1')).toEqual(Buffer.from([10, 0, 0, 255]));
    expect(value(vbs, '2.6.1.4.1.2')).toEqual(Buffer.alloc(4));
    expect(value(vbs, '2.6.1.7.0.1')).toBe(3);
    expect(value(vbs, '2.6.1.9.1.1')).toEqual(Buffer.from('eth0:1'));
    expect(value(vbs, '2.6.1.9.1.2')).toBeUndefined();
  });

  it('scripts as cmd_str_r writes them; the result init until the first settled one', () => {
    expect(value(vbs, '2.9.1.3.1')).toEqual(Buffer.from("'/bin/true' 'arg'"));
    expect(value(vbs, '2.9.1.6.1')).toBe(3);
    expect(value(keepalivedMibVarbinds(view(m, { scripts: { chk: { up: null } } })), '2.9.1.6.1')).toBe(1);
    expect(value(keepalivedMibVarbinds(view(m, { commandPaths: { '/bin/true': '/usr/bin/true' } })), '2.9.1.3.1')).toEqual(Buffer.from("'/usr/bin/true' 'arg'"));
    expect(commandString(['</tmp/x'])).toEqual(Buffer.from('</tmp/x'));
    expect(scriptCommands(m)).toEqual([['/bin/true', 'arg']]);
  });

  it('a tracked script takes the vrrp_script\'s weight when it gives none', () => {
    expect(under(vbs, '2.5.1').map((v) => `${v.oid.slice(-3).join('.')}=${Buffer.isBuffer(v.value) ? v.value.toString() : v.value}`)).toEqual(['2.1.1=chk', '3.1.1=4', '4.1.1=2']);
  });

  it('through the subagent: a missing cell is noSuchInstance, an unregistered object noSuchObject, GetNext skips empty cells', () => {
    const get = (oid: string) => answer({ type: PduType.Get, flags: 0, sessionID: 1, transactionID: 1, packetID: 1, ranges: [{ start: `${KM}.${oid}`.split('.').map(Number), include: false, end: [] }] }, vbs, KEEPALIVED_MIB_OBJECTS)[0];
    expect(get('2.3.1.35.2').type).toBe(129);
    expect(get('2.3.1.2.3').type).toBe(129);
    expect(get('2.99.1.1').type).toBe(128);
    expect(get('2.3.1.2.2')).toEqual({ oid: `${KM}.2.3.1.2.2`, type: SnmpType.OctetString, value: Buffer.from('VI_2') });
    const next = answer({ type: PduType.GetNext, flags: 0, sessionID: 1, transactionID: 1, packetID: 1, ranges: [{ start: `${KM}.2.3.1.35.1`.split('.').map(Number), include: false, end: [] }] }, vbs, KEEPALIVED_MIB_OBJECTS)[0];
    // (no tracked interface: the next object with a row is vrrpTrackedScriptName)
    expect(next.oid).toBe(`${KM}.2.5.1.2.1.1`);
  });
});

describe('KEEPALIVED-MIB routes and rules', () => {
  const m = model(CONFIG);
  const vbs = keepalivedMibVarbinds(view(m));
  it('routes by (instance, route); a multipath route is type 2 with its next hops by (instance, route, hop)', () => {
    expect(under(vbs, '2.7.1.3').map((v) => v.oid.slice(-2).join('.'))).toEqual(['2.1', '2.2']);
    expect(value(vbs, '2.7.1.10.2.1')).toBe(2);
    expect(value(vbs, '2.7.1.10.2.2')).toBe(1);
    expect(under(vbs, '2.11.1.3').map((v) => v.oid.slice(-3).join('.'))).toEqual(['2.1.1', '2.1.2']);
    expect(value(vbs, '2.11.1.6.2.1.1')).toBe(3);
    expect(value(vbs, '2.11.1.6.2.1.2')).toBeUndefined();
  });
  it('metrics with their lock columns; advmss shown because hoplimit is given (keepalived tests the hoplimit bit)', () => {
    expect([value(vbs, '2.7.1.22.2.2'), value(vbs, '2.7.1.23.2.2'), value(vbs, '2.7.1.24.2.2'), value(vbs, '2.7.1.25.2.2')]).toEqual([1300, 1, 4, 0]);
    expect(value(vbs, '2.7.1.22.2.1')).toBeUndefined();
  });
  it('rules by (instance, rule): destination, fwmark, table, preference; a table only for a to-table action', () => {
    expect(value(vbs, '2.8.1.2.2.1')).toEqual(Buffer.from('to'));
    expect([value(vbs, '2.8.1.10.2.1'), value(vbs, '2.8.1.16.2.1'), value(vbs, '2.8.1.24.2.1'), value(vbs, '2.8.1.25.2.1')]).toEqual([Buffer.from([10, 7, 0, 0]), 9, 100, 300]);
    expect(value(vbs, '2.8.1.13.2.1')).toBeUndefined();
  });
});

describe('KEEPALIVED-MIB notifications', () => {
  const m = model(CONFIG);
  it('vrrpInstanceStateChange: name, state (STOP is 5), initial state, routerId; no index', () => {
    const n = instanceStateNotification(m.vrrpInstances[0], 'STOP', m.globalDefs, 'host1');
    expect(n.map((v) => [v.oid.join('.'), v.type, Buffer.isBuffer(v.value) ? v.value.toString() : v.value])).toEqual([
      ['1.3.6.1.6.3.1.1.4.1.0', 6, `${KM}.2.10.0.2`],
      [`${KM}.2.3.1.2`, SnmpType.OctetString, 'VI_1'],
      [`${KM}.2.3.1.4`, SnmpType.Integer, 5],
      [`${KM}.2.3.1.5`, SnmpType.Integer, 1],
      [`${KM}.1.2.0`, SnmpType.OctetString, 'lb1'],
    ]);
  });
  it('vrrpSyncGroupStateChange: name, state, routerId', () => {
    const n = groupStateNotification('G1', 'MASTER', m.globalDefs, 'host1');
    expect(n.map((v) => v.oid.join('.'))).toEqual(['1.3.6.1.6.3.1.1.4.1.0', `${KM}.2.1.1.2`, `${KM}.2.1.1.3`, `${KM}.1.2.0`]);
    expect(n[2].value).toBe(2);
  });
});

describe('keepalivedCommandPath (check_script_secure\'s rewrite)', () => {
  const real: Record<string, string> = { '/bin/true': '/usr/bin/true', '/usr/local/bin/vi': '/usr/bin/vim' };
  const realpath = (p: string) => {
    if (!(p in real)) throw new Error('ENOENT');
    return real[p];
  };
  it('resolves links; keeps a differently named link\'s file name; searches PATH for a bare name; leaves the unresolvable', () => {
    expect(keepalivedCommandPath('/bin/true', realpath)).toBe('/usr/bin/true');
    expect(keepalivedCommandPath('/usr/local/bin/vi', realpath)).toBe('/usr/bin/vi');
    expect(keepalivedCommandPath('true', realpath, () => '/bin/true')).toBe('/usr/bin/true');
    expect(keepalivedCommandPath('nothere', realpath, () => null)).toBe('nothere');
    expect(keepalivedCommandPath('/gone', realpath)).toBe('/gone');
    expect(keepalivedCommandPath('</etc/x', realpath)).toBe('</etc/x');
  });
});
