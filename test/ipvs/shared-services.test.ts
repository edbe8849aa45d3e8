/**
 * The same virtual server written twice (keepalived 2.2.7 keeps both copies, each with its own
 * checkers): the kernel's one service as the copies' commands leave it, and keepalived's lines.
 * The sequence is the one Debian's keepalived 2.2.7 logged in the kernel VM for this config
 * (test/integration/duplicate-vs.vm.test.ts compares the two daemons there).
 */
import { buildDesired, reloadState, removalEvents, shutdownEvents } from '../../src/ipvs/desired';
import { checkKey, migrateCopyStates } from '../../src/check/targets';
import type { CheckerUp, PoolState } from '../../src/ipvs/desired';
import { formatSrule, mergeShared } from '../../src/ipvs/shared-services';
import type { IpvsService } from '../../src/ipvs/types';
import type { VirtualServer } from '../../src/config/model';
import { realServer, tcpCheck, virtualServer } from '../check/model-fixtures';

const KEY = { kind: 'addr' as const, protocol: 'TCP' as const, address: '10.9.0.100', family: 4 as const, port: 80 };

/** Copy 1 checks port 8001 (weight 10, rr), copy 2 port 8002 (weight 20, wrr): one real server. */
function copies(): VirtualServer[] {
  const rs = (port: number, weight: number, copy?: number) =>
    realServer('10.9.0.1', 80, { weight, lvsMethod: 'DR', checkers: [tcpCheck({ connectIp: '127.0.0.1', connectPort: port, ...(copy ? { copy } : {}) })] });
  return [
    virtualServer({ key: KEY, lvsSched: 'rr', lvsMethod: 'DR', realServers: [rs(8001, 10)] }),
    virtualServer({ key: KEY, lvsSched: 'wrr', lvsMethod: 'DR', realServers: [rs(8002, 20, 2)], copy: 2 }),
  ];
}

/** Checkers on the listed ports are up, the others down. */
function upOn(...ports: number[]): CheckerUp {
  return (c) => 'connectPort' in c && ports.includes(c.connectPort);
}
const initial: CheckerUp = () => true;

const lines = (t: { events: { message: string }[] }) => t.events.map((e) => e.message).filter((m) => m !== '');
const dests = (t: { services: IpvsService[] }) => t.services.map((s) => s.destinations.map((d) => `${d.address}:${d.port} w${d.weight}`));

describe('a virtual server written twice: one kernel service, both copies programming it', () => {
  const input = { virtualServers: copies(), virtualServerGroups: [] };

  test('start, one copy down, the other back, both down, stop: the table and the lines keepalived 2.2.7 gives', () => {
    // start: each copy adds the service and its real server; the second's adds find them there
    const t0 = buildDesired(input, initial, null);
    expect(t0.services).toHaveLength(1);
    expect(t0.services[0].scheduler).toBe('rr');
    expect(dests(t0)).toEqual([['10.9.0.1:80 w10']]);
    expect(lines(t0)).toEqual([
      'Gained quorum 1+0=1 <= 10 for VS [10.9.0.100]:tcp:80',
      'IPVS cmd IP_VS_SO_SET_ADD(1154) error: Service already exists(17) (10.9.0.100:tcp:80)',
      'IPVS cmd IP_VS_SO_SET_ADDDEST(1159) error: Destination already exists(17) (10.9.0.100:tcp:80 -> 10.9.0.1:80)',
      'Gained quorum 1+0=1 <= 20 for VS [10.9.0.100]:tcp:80',
    ]);

    // copy 2's checker fails: it takes the real server out though copy 1's says up
    const t1 = buildDesired(input, upOn(8001), t0.state);
    expect(dests(t1)).toEqual([[]]);
    expect(lines(t1)).toEqual(['Removing service [10.9.0.1]:tcp:80 from VS [10.9.0.100]:tcp:80', 'Lost quorum 1-0=1 > 0 for VS [10.9.0.100]:tcp:80']);

    // copy 2's checker succeeds again: it adds the server at its own weight
    const t2 = buildDesired(input, upOn(8001, 8002), t1.state);
    expect(dests(t2)).toEqual([['10.9.0.1:80 w20']]);
    expect(lines(t2)).toEqual(['Adding service [10.9.0.1]:tcp:80 to VS [10.9.0.100]:tcp:80', 'Gained quorum 1+0=1 <= 20 for VS [10.9.0.100]:tcp:80']);

    // copy 1's fails: out of the kernel, whatever copy 2 says
    const t3 = buildDesired(input, upOn(8002), t2.state);
    expect(dests(t3)).toEqual([[]]);
    expect(lines(t3)).toEqual(['Removing service [10.9.0.1]:tcp:80 from VS [10.9.0.100]:tcp:80', 'Lost quorum 1-0=1 > 0 for VS [10.9.0.100]:tcp:80']);

    // copy 2's fails too: its delete finds nothing (ENOENT, logged, taken as done)
    const t4 = buildDesired(input, upOn(), t3.state);
    expect(dests(t4)).toEqual([[]]);
    expect(lines(t4)).toEqual([
      'Removing service [10.9.0.1]:tcp:80 from VS [10.9.0.100]:tcp:80',
      'IPVS cmd IP_VS_SO_SET_DELDEST(1160) error: No such destination(2) (10.9.0.100:tcp:80 -> 10.9.0.1:80)',
      'Lost quorum 1-0=1 > 0 for VS [10.9.0.100]:tcp:80',
    ]);

    // stop: each copy shuts its servers down and deletes the service; the second finds it gone
    expect(lines({ events: shutdownEvents(input, t4.state, 'off') })).toEqual([
      'Shutting down service [10.9.0.1]:tcp:80 from VS [10.9.0.100]:tcp:80',
      'Shutting down service [10.9.0.1]:tcp:80 from VS [10.9.0.100]:tcp:80',
      'IPVS cmd IP_VS_SO_SET_DEL(1156) error: No such file or directory(2) (10.9.0.100:tcp:80)',
    ]);
  });

  test('both copies up at stop: the first deletes the server and the service, the second finds neither', () => {
    const t0 = buildDesired(input, initial, null);
    expect(lines({ events: shutdownEvents(input, t0.state, 'off') })).toEqual([
      'Shutting down service [10.9.0.1]:tcp:80 from VS [10.9.0.100]:tcp:80',
      'Shutting down service [10.9.0.1]:tcp:80 from VS [10.9.0.100]:tcp:80',
      'IPVS cmd IP_VS_SO_SET_DELDEST(1160) error: No such destination(2) (10.9.0.100:tcp:80 -> 10.9.0.1:80)',
      'IPVS cmd IP_VS_SO_SET_DEL(1156) error: No such file or directory(2) (10.9.0.100:tcp:80)',
    ]);
    // lvs_flush_on_stop VS: no destination deletes, the service delete still per copy
    expect(lines({ events: shutdownEvents(input, t0.state, 'vs') })).toEqual(['IPVS cmd IP_VS_SO_SET_DEL(1156) error: No such file or directory(2) (10.9.0.100:tcp:80)']);
  });

  test('a copy that differs only by its checker runs on its own pool state (no shared state for a lone service)', () => {
    const one = buildDesired({ virtualServers: [copies()[0]], virtualServerGroups: [] }, initial, null);
    expect(one.state.shared).toBeUndefined();
    const state: PoolState = buildDesired(input, initial, null).state;
    expect([...state.pools.keys()]).toEqual(['[10.9.0.100]:tcp:80', '[10.9.0.100]:tcp:80 (copy 2)']);
  });

  test('mergeShared keeps the first owner service settings; an edit that finds nothing adds', () => {
    const svc = (weight: number): IpvsService => ({
      key: { af: 4, protocol: 6, address: '10.9.0.100', port: 80 }, scheduler: 'rr', flags: 0, timeout: 0, netmask: 0xffffffff,
      destinations: [{ address: '10.9.0.1', af: 4, port: 80, forward: 'route', weight, upperThreshold: 0, lowerThreshold: 0 }],
    });
    const start = mergeShared([svc(10), { ...svc(20), scheduler: 'wrr' }], undefined);
    expect(start.service.scheduler).toBe('rr');
    expect(start.service.destinations.map((d) => d.weight)).toEqual([10]);
    // copy 2's weight changes (EDIT_DEST): the kernel takes it
    const next = mergeShared([svc(10), { ...svc(30), scheduler: 'wrr' }], start.state);
    expect(next.service.destinations.map((d) => d.weight)).toEqual([30]);
    expect(next.lines).toEqual([{ first: [], after: [], last: [] }, { first: [], after: [], last: [] }]);
  });

  test('reload: every old copy matched to the first new one, the others start afresh (clear_diff_services)', () => {
    // both copies down, nothing in the kernel (as keepalived had it before its reload in the VM)
    const t0 = buildDesired(input, initial, null);
    const down = buildDesired(input, upOn(), buildDesired(input, upOn(8001), t0.state).state);
    expect(dests(down)).toEqual([[]]);
    expect(removalEvents(input, input, down.state, 'off')).toEqual([]);
    const state = reloadState(input, input, down.state);
    expect([...state.pools.keys()]).toEqual(['[10.9.0.100]:tcp:80']);
    // copy 2's checkers start afresh (up): its service add fails, its server is added again
    const health: CheckerUp = (c) => c.copy === 2;
    const r = buildDesired(input, health, state);
    expect(lines(r)).toEqual(['IPVS cmd IP_VS_SO_SET_ADD(1154) error: Service already exists(17) (10.9.0.100:tcp:80)', 'Gained quorum 1+0=1 <= 20 for VS [10.9.0.100]:tcp:80']);
    expect(dests(r)).toEqual([['10.9.0.1:80 w20']]);
    // a reload without copies leaves the state as it is
    const one = { virtualServers: [copies()[0]], virtualServerGroups: [] };
    const s1 = buildDesired(one, initial, null).state;
    expect(reloadState(one, one, s1)).toBe(s1);
  });

  test('reload: the first copy checker takes the last old copy state of an equal checker; later copies start afresh', () => {
    const [a, b] = copies();
    const same = { ...b.realServers[0].checkers[0], connectPort: 8001 };
    const k1 = checkKey(a.realServers[0].checkers[0] as never);
    const k2 = checkKey(same as never);
    const k3 = checkKey(b.realServers[0].checkers[0] as never);
    expect(k2).not.toBe(k1);
    const out = migrateCopyStates(new Map([[k1, 'copy 1'], [k2, 'copy 2, equal'], [k3, 'copy 2, other port']]));
    expect(out.get(k1)).toBe('copy 2, equal');
    expect(out.has(k2)).toBe(false);
    expect(out.has(k3)).toBe(false);
  });

  test('format_srule', () => {
    expect(formatSrule({ af: 6, protocol: 17, address: 'fd00::1', port: 53 })).toBe('fd00::1:udp:53');
    expect(formatSrule({ af: 6, fwmark: 5 })).toBe('Fwm 5 inet6');
    expect(formatSrule({ af: 4, fwmark: 5 })).toBe('Fwm 5');
  });
});
