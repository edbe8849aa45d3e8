/**
 * The comparison behind the corpus model tests, on keepalived 2.2.7's own dumps of
 * fixtures/keepalived-dump.conf (captured with test/support/keepalived-dump.ts: the VRRP side
 * in a namespace here, the checker side in the kernel VM, which has IPVS).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load';
import { diffRunning, fromModel, parseCheckDump, parseVrrpDump, type RunningConfig } from '../support/running-config';
import { missingInterfaces } from '../support/keepalived-dump';

const FIX = join(__dirname, 'fixtures');
const vrrpDump = readFileSync(join(FIX, 'keepalived-2.2.7-dump-vrrp.txt'), 'utf8');
const checkDump = readFileSync(join(FIX, 'keepalived-2.2.7-dump-check.txt'), 'utf8');

function keepalivedSide(): RunningConfig {
  return { instances: parseVrrpDump(vrrpDump), virtualServers: parseCheckDump(checkDump) };
}

describe("keepalived's dump, read", () => {
  it('VRRP instances: VRID, priority, interface, version, VIPs with their prefix and device', () => {
    expect(parseVrrpDump(vrrpDump)).toEqual([
      { name: 'VI_1', vrid: 51, priority: 150, interface: 'kd-eth0', version: 2, vips: ['10.9.0.1/24 dev kd-eth0', '10.9.0.2 dev kd-eth0'] },
    ]);
  });

  it('virtual servers, real servers with weights, and the checker each runs (from the checkers queue)', () => {
    expect(parseCheckDump(checkDump)).toEqual([
      {
        key: '10.9.0.1:80 TCP', scheduler: 'wrr', method: 'NAT', persistence: 0,
        realServers: [
          { key: '10.9.1.1:80', weight: 3, checkers: ['TCP_CHECK'] },
          { key: '10.9.1.2:80', weight: 1, checkers: ['HTTP_GET'] },
        ],
      },
    ]);
  });

  it('lines other processes log in the middle of a dump are skipped', () => {
    expect(checkDump).toMatch(/------< LVS Topology >------\n.*: Stopping\n/);
    const interleaved = vrrpDump.replace(/(\n.*   Priority = 150\n)/, '$1Mon Nov 30 11:13:30 2026: Startup complete\n');
    expect(interleaved).not.toBe(vrrpDump);
    expect(parseVrrpDump(interleaved)).toEqual(parseVrrpDump(vrrpDump));
  });

  it("a VIP with a broadcast address, on a VMAC, with a label (keepalived's format_ipaddress)", () => {
    const dump = vrrpDump.replace(/( {5}10\.9\.0\.2 dev kd-eth0 scope global)/, '     172.17.11.187/16 brd 172.17.255.255 dev eth0 scope global label eth0\n     10.1.1.1 dev vrrp.51@eth0 scope global\n$1');
    expect(parseVrrpDump(dump)[0].vips).toEqual(['10.9.0.1/24 dev kd-eth0', '172.17.11.187/16 dev eth0', '10.1.1.1 dev vrrp.51@eth0', '10.9.0.2 dev kd-eth0']);
  });

  it('fwmark and virtual_server_group services, as format_vs() names them, with their checkers', () => {
    const dump = [
      '------< LVS Topology >------',
      ' ------< Virtual server >------',
      ' VS FWMARK = 1',
      '   lvs_sched = wlc',
      '   protocol = TCP',
      '   default forwarding method = DR',
      '   RIP = 192.168.12.85, RPORT = 0, WEIGHT = 1 EFF WEIGHT = 1',
      ' ------< Virtual server >------',
      ' VS GROUP = [web-1]:0',
      '   lvs_sched = rr',
      '   persistence timeout = 50',
      '   default forwarding method = NAT',
      '   RIP = 10.0.0.5, RPORT = 80, WEIGHT = 2 EFF WEIGHT = 2',
      '------< Health checkers >------',
      ' FWM 1 -> [192.168.12.85]:tcp:0',
      '   Keepalive method = TCP_CHECK',
      ' [web-1]:0 -> [10.0.0.5]:tcp:80',
      '   Keepalive method = HTTP_GET, http protocol 1.0',
    ].join('\n');
    expect(parseCheckDump(dump)).toEqual([
      { key: 'FWMARK 1', scheduler: 'wlc', method: 'DR', persistence: 0, realServers: [{ key: '192.168.12.85:0', weight: 1, checkers: ['TCP_CHECK'] }] },
      { key: 'GROUP web-1', scheduler: 'rr', method: 'NAT', persistence: 50, realServers: [{ key: '10.0.0.5:80', weight: 2, checkers: ['HTTP_GET'] }] },
    ]);
  });

  it('an empty or missing section reads as nothing, not an error', () => {
    expect(parseVrrpDump('')).toEqual([]);
    expect(parseCheckDump('Stopped\n')).toEqual([]);
  });

  it('finds the interfaces keepalived says are missing', () => {
    expect(missingInterfaces("(Line 6) WARNING - interface eth1 for vrrp_instance VI_1 doesn't exist\n(x: Line 3) WARNING - interface ens4 for ip address 10.0.0.1 doesn't exist\n"))
      .toEqual(['eth1', 'ens4']);
  });
});

describe('halo against keepalived', () => {
  it('the fixture: halo runs what keepalived runs', () => {
    const r = loadConfig(join(FIX, 'keepalived-dump.conf'), { allowUnimplemented: true });
    expect(r.model).not.toBeNull();
    expect(diffRunning(fromModel(r.model!), keepalivedSide())).toEqual([]);
  });

  it('names every difference: a field, a VIP list, a missing or extra server, a checker, the order', () => {
    const ka = keepalivedSide();
    const halo: RunningConfig = JSON.parse(JSON.stringify(ka));
    halo.instances[0].priority = 100;
    halo.instances[0].vips.pop();
    halo.virtualServers[0].realServers[0].weight = 1;
    halo.virtualServers[0].realServers[1].checkers = ['TCP_CHECK'];
    halo.virtualServers[0].realServers.push({ key: '10.9.1.3:80', weight: 1, checkers: [] });
    halo.virtualServers.push({ key: 'FWMARK 5', scheduler: 'rr', method: 'DR', persistence: 0, realServers: [] });
    expect(diffRunning(halo, ka)).toEqual([
      'vrrp_instance VI_1 priority: halo 100, keepalived 150',
      'vrrp_instance VI_1 VIPs: halo [10.9.0.1/24 dev kd-eth0], keepalived [10.9.0.1/24 dev kd-eth0, 10.9.0.2 dev kd-eth0]',
      'virtual_server 10.9.0.1:80 TCP real_server 10.9.1.1:80 weight: halo 1, keepalived 3',
      'virtual_server 10.9.0.1:80 TCP real_server 10.9.1.2:80 checkers: halo [TCP_CHECK], keepalived [HTTP_GET]',
      'virtual_server 10.9.0.1:80 TCP real_server 10.9.1.3:80: halo runs it, keepalived does not',
      'virtual_server FWMARK 5: halo runs it, keepalived does not',
    ]);
    const swapped: RunningConfig = JSON.parse(JSON.stringify(ka));
    swapped.virtualServers[0].realServers.reverse();
    expect(diffRunning(swapped, ka)).toEqual([
      'virtual_server 10.9.0.1:80 TCP real_server: order differs: halo [10.9.1.2:80, 10.9.1.1:80], keepalived [10.9.1.1:80, 10.9.1.2:80]',
    ]);
    expect(diffRunning(halo, ka, { vrrp: false, lvs: false })).toEqual([]);
  });
});

describe('a virtual server written twice', () => {
  const vs = (checkers: string[][]) => ({
    key: '10.0.0.1:80 TCP', scheduler: 'rr', method: 'DR', persistence: 0,
    realServers: checkers.map((c, i) => ({ key: `10.0.1.${i + 1}:80`, weight: 1, checkers: c })),
  });
  it('compares the number of copies and every copy\'s checkers per real server (the dump names no copy)', () => {
    // keepalived's dump attributes both copies' checkers to the first copy's servers
    const ka: RunningConfig = { instances: [], virtualServers: [vs([['HTTP_GET', 'HTTP_GET']]), vs([[]])] };
    expect(diffRunning({ instances: [], virtualServers: [vs([['HTTP_GET']]), vs([['HTTP_GET']])] }, ka)).toEqual([]);
    expect(diffRunning({ instances: [], virtualServers: [vs([['HTTP_GET']])] }, ka)).toEqual([
      'virtual_server 10.0.0.1:80 TCP: halo runs it, keepalived does not',
      'virtual_server 10.0.0.1:80 TCP (2 copies): keepalived runs it, halo does not',
    ]);
  });
});
