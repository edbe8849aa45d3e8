/**
 * ha_suspend as keepalived 2.2.7 runs it (check_api.c update_checker_activity): the checkers of a
 * virtual server with ha_suspend send no probe while its address is on none of the host's
 * interfaces; the real server keeps its state; on a fake clock with a table prober.
 */
import { addressChanged, initialCounts, suspendLine, targetSuspended, vsMatches } from '../../src/check/ha-suspend';
import { HealthChecker } from '../../src/check/health-checker';
import type { ProbeOutcome } from '../../src/check/probe';
import type { Prober } from '../../src/check/prober';
import { collectTargets, type CheckTarget } from '../../src/check/targets';
import type { TcpCheck } from '../../src/config/model';
import { FakeClock } from './fake-clock';
import { realServer, tcpCheck, virtualServer } from './model-fixtures';

class CountingProber implements Prober {
  probes: string[] = [];
  down = false;
  probe(t: CheckTarget): Promise<ProbeOutcome> {
    this.probes.push((t.check as TcpCheck).connectIp);
    return Promise.resolve({ result: this.down ? 'failed' : 'success' });
  }
}

const timing = { delayLoopMs: 1000, delayBeforeRetryMs: 1000, warmupMs: 0, retry: 0 };
const VIP = '192.168.1.200';

function setup() {
  const rs = (a: string) => realServer(a, 80, { checkers: [tcpCheck({ connectIp: a, ...timing })] });
  const suspending = virtualServer({ key: { kind: 'addr', protocol: 'TCP', address: VIP, family: 4, port: 80 }, haSuspend: true, realServers: [rs('10.0.100.2')] });
  const plain = virtualServer({ key: { kind: 'addr', protocol: 'TCP', address: '192.168.1.201', family: 4, port: 80 }, realServers: [rs('10.0.100.3')] });
  const targets = collectTargets([suspending, plain], []);
  return { suspending, plain, targets };
}

describe('ha_suspend', () => {
  it('counts the copies of the address on the host; only an address-given virtual server of the same family matches', () => {
    const { suspending, plain, targets } = setup();
    expect(vsMatches(suspending, 4, VIP)).toBe(true);
    expect(vsMatches(suspending, 6, '::ffff:192.168.1.200')).toBe(false);
    expect(vsMatches(plain, 4, '192.168.1.201')).toBe(false); // no ha_suspend
    // keepalived 2.2.7's addr_matches: a virtual server given by a group never matches
    const grouped = virtualServer({ key: { kind: 'group', group: 'G', family: 4 }, haSuspend: true });
    expect(vsMatches(grouped, 4, VIP)).toBe(false);
    const counts = initialCounts([suspending, plain, grouped], [{ family: 4, address: '10.0.0.1' }]);
    expect([...counts.values()]).toEqual([0, 0]);
    expect(targets.map((t) => targetSuspended(t, counts))).toEqual([true, false]);
    // the address on two interfaces: suspended only when both copies are gone
    let step = addressChanged(counts, targets, [true, false], { kind: 'added', family: 4, address: VIP });
    expect(step.flips).toEqual([{ index: 0, suspended: false }]);
    step = addressChanged(step.counts, targets, [false, false], { kind: 'added', family: 4, address: VIP });
    expect(step.flips).toEqual([]);
    step = addressChanged(step.counts, targets, [false, false], { kind: 'removed', family: 4, address: VIP });
    expect(step.flips).toEqual([]);
    step = addressChanged(step.counts, targets, [false, false], { kind: 'removed', family: 4, address: VIP });
    expect(step.flips).toEqual([{ index: 0, suspended: true }]);
    expect(step.counts.get(suspending)).toBe(0);
  });

  it("a target shared with a virtual server without ha_suspend keeps running", () => {
    const shared = realServer('10.0.100.2', 80, { checkers: [tcpCheck({ connectIp: '10.0.100.2', ...timing })] });
    const a = virtualServer({ key: { kind: 'addr', protocol: 'TCP', address: VIP, family: 4, port: 80 }, haSuspend: true, realServers: [shared] });
    const b = virtualServer({ key: { kind: 'addr', protocol: 'TCP', address: '192.168.1.201', family: 4, port: 80 }, realServers: [shared] });
    const targets = collectTargets([a, b], []);
    expect(targets).toHaveLength(1);
    expect(targetSuspended(targets[0], initialCounts([a, b], []))).toBe(false);
  });

  it('a suspended checker sends no probe and its server keeps its state; probes resume on the address', async () => {
    const { suspending, targets } = setup();
    const clock = new FakeClock();
    const prober = new CountingProber();
    const changes: string[] = [];
    const hc = new HealthChecker({ targets, prober, clock, random: () => 0, log: () => undefined, onChange: (t, up) => changes.push(`${t.name} ${up}`) });
    let counts = initialCounts([suspending], []);
    targets.forEach((t, i) => hc.setSuspended(i, targetSuspended(t, counts)));
    hc.start();
    await clock.advance(3500);
    expect(prober.probes.filter((p) => p === '10.0.100.2')).toEqual([]);
    expect(prober.probes.filter((p) => p === '10.0.100.3').length).toBe(4);
    // the server would fail now, but nobody asks: it stays up
    prober.down = true;
    await clock.advance(2000);
    expect(hc.checkerUp(targets[0].check)).toBe(true);
    // the VIP arrives: the next tick probes, and the failure is seen
    const step = addressChanged(counts, targets, hc.suspendedTargets, { kind: 'added', family: 4, address: VIP });
    counts = step.counts;
    for (const f of step.flips) hc.setSuspended(f.index, f.suspended);
    await clock.advance(1000);
    expect(prober.probes.filter((p) => p === '10.0.100.2').length).toBe(1);
    expect(hc.checkerUp(targets[0].check)).toBe(false);
    expect(changes).toContain('[10.0.100.2]:tcp:80 false');
    hc.stop();
  });

  it("keepalived's lines", () => {
    expect(suspendLine('start', true, '[10.0.100.2]:tcp:80', '[192.168.1.200]:tcp:80')).toBe('Deactivating healthchecker for service [10.0.100.2]:tcp:80 for VS [192.168.1.200]:tcp:80');
    expect(suspendLine('start', false, 'R', 'V')).toBe('Activating healthchecker for service R for VS V');
    expect(suspendLine('change', true, 'R', 'V')).toBe('Suspending healthchecker for service R for VS V');
    expect(suspendLine('change', false, 'R', 'V')).toBe('Activating healthchecker for service R for VS V');
  });
});
