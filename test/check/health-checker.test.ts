import { HealthChecker } from '../../src/check/health-checker';
import { collectTargets } from '../../src/check/targets';
import type { ProbeOutcome } from '../../src/check/probe';
import type { Prober } from '../../src/check/prober';
import type { CheckTarget } from '../../src/check/targets';
import type { TcpCheck } from '../../src/config/model';
import { buildDesired } from '../../src/ipvs/desired';
import type { PoolState } from '../../src/ipvs/desired';
import { FakeClock } from './fake-clock';
import { realServer, tcpCheck, virtualServer } from './model-fixtures';

/** Pure-logic prober: answers from a table the test flips; counts probes per target. */
class TableProber implements Prober {
  down = new Set<string>();
  probes: { target: string; at: number }[] = [];
  constructor(private readonly clock: FakeClock) {}
  probe(t: CheckTarget): Promise<ProbeOutcome> {
    const c = t.check as TcpCheck;
    const name = `${c.connectIp}:${c.connectPort}`;
    this.probes.push({ target: name, at: this.clock.now() });
    return Promise.resolve({ result: this.down.has(name) ? 'failed' : 'success' });
  }
}

const timing = { delayLoopMs: 6000, delayBeforeRetryMs: 1000, warmupMs: 6000, retry: 1 };

function setup() {
  const rs = (a: string) => realServer(a, 80, { checkers: [tcpCheck({ connectIp: a, ...timing })] });
  const vs1 = virtualServer({ realServers: [rs('10.0.100.2'), rs('10.0.100.3')] });
  const vs2 = virtualServer({
    key: { kind: 'addr', protocol: 'TCP', address: '192.168.1.203', family: 4, port: 80 },
    realServers: [rs('10.0.100.2')],
  });
  const clock = new FakeClock();
  const prober = new TableProber(clock);
  const lines: string[] = [];
  const changes: string[] = [];
  const targets = collectTargets([vs1, vs2], []);
  const hc = new HealthChecker({
    targets, prober, clock, random: () => 0.5, log: (l) => lines.push(l),
    onChange: (t, up) => changes.push(`${t.name} ${up ? 'up' : 'down'} (${t.users.length} users)`),
  });
  return { vs1, vs2, clock, prober, lines, changes, targets, hc };
}

describe('HealthChecker on a fake clock', () => {
  test('one target per distinct check even when two virtual servers share a real server', () => {
    const { targets } = setup();
    expect(targets.map((t) => [t.name, t.users.length])).toEqual([['[10.0.100.2]:tcp:80', 2], ['[10.0.100.3]:tcp:80', 1]]);
  });

  test('warmup, delay_loop, retry: down after retry+1 failures, up on the first success; keepalived log lines', async () => {
    const { clock, prober, lines, changes, hc } = setup();
    hc.start();
    await clock.advance(2999);
    expect(prober.probes).toEqual([]);
    await clock.advance(1); // warmup 0.5 * 6000
    expect(prober.probes).toEqual([{ target: '10.0.100.2:80', at: 3000 }, { target: '10.0.100.3:80', at: 3000 }]);
    expect(lines).toEqual(['TCP connection to [10.0.100.2]:tcp:80 success.', 'TCP connection to [10.0.100.3]:tcp:80 success.']);

    const steady = hc.state(hc['targets'][1].key);
    await clock.advance(6000); // t=9000: another success of each changes no state: the same object is kept
    expect(hc.state(hc['targets'][1].key)).toBe(steady);
    prober.down.add('10.0.100.2:80');
    await clock.advance(6000); // t=15000: first failure, retry after 1 s
    expect(hc.state(hc['targets'][0].key)).toMatchObject({ isUp: true, retryIt: 1 });
    await clock.advance(1000); // t=16000: second failure -> down
    const times = prober.probes.filter((p) => p.target === '10.0.100.2:80').map((p) => p.at);
    expect(times).toEqual([3000, 9000, 15000, 16000]);
    expect(lines.slice(2)).toEqual(['TCP_CHECK on service [10.0.100.2]:tcp:80 failed after 1 retries.']);
    expect(changes).toEqual(['[10.0.100.2]:tcp:80 down (2 users)']);

    prober.down.clear();
    await clock.advance(6000); // t=22000: success -> up at once
    expect(lines.slice(3)).toEqual(['TCP connection to [10.0.100.2]:tcp:80 success.']);
    expect(changes[1]).toBe('[10.0.100.2]:tcp:80 up (2 users)');
    hc.stop();
  });

  test('one armed timer for all checks', async () => {
    const { clock, hc } = setup();
    hc.start();
    await clock.advance(60000);
    expect(clock.armed).toBeGreaterThan(5);
    expect(clock.maxLive).toBe(1);
    hc.stop();
  });

  test('log_all_failures adds "TCP connection to ... failed." for each failure while up', async () => {
    const rs = realServer('10.0.100.2', 80, { checkers: [tcpCheck({ ...timing, logAllFailures: true })] });
    const clock = new FakeClock();
    const prober = new TableProber(clock);
    prober.down.add('10.0.100.2:80');
    const lines: string[] = [];
    const hc = new HealthChecker({ targets: collectTargets([virtualServer({ realServers: [rs] })], []), prober, clock, random: () => 0, log: (l) => lines.push(l) });
    hc.start();
    await clock.advance(1);
    expect(lines).toEqual(['TCP connection to [10.0.100.2]:tcp:80 failed.', 'TCP_CHECK on service [10.0.100.2]:tcp:80 failed.']);
    hc.stop();
  });

  test('results fan out: both virtual servers sharing the real server drop it from their pool', async () => {
    const { vs1, vs2, clock, prober, hc } = setup();
    const input = { virtualServers: [vs1, vs2], virtualServerGroups: [] };
    let state: PoolState | null = buildDesired(input, hc.checkerUp, null).state;
    hc.start();
    prober.down.add('10.0.100.2:80');
    await clock.advance(3000);
    const t = buildDesired(input, hc.checkerUp, state);
    state = t.state;
    expect(t.services.map((s) => s.destinations.map((d) => d.address))).toEqual([['10.0.100.3'], []]);
    expect(t.events.map((e) => e.message).filter(Boolean)).toEqual([
      'Removing service [10.0.100.2]:tcp:80 from VS [192.168.1.202]:tcp:80',
      'Removing service [10.0.100.2]:tcp:80 from VS [192.168.1.203]:tcp:80',
      'Lost quorum 1-0=1 > 0 for VS [192.168.1.203]:tcp:80',
    ]);
    hc.stop();
  });
});

test('reload: a target still configured keeps its state; a new one starts fresh', async () => {
  const { clock, prober, hc, targets, vs1, vs2 } = setup();
  hc.start();
  prober.down.add('10.0.100.3:80');
  await clock.advance(3000);
  hc.stop();
  const saved = hc.exportStates();
  const extra = realServer('10.0.100.9', 80, { checkers: [tcpCheck({ connectIp: '10.0.100.9', ...timing })] });
  const next = collectTargets([vs1, { ...vs2, realServers: [...vs2.realServers, extra] }], []);
  const hc2 = new HealthChecker({ targets: next, prober, clock, log: () => undefined, previous: saved });
  expect(hc2.checkerUp(vs1.realServers[1].checkers[0] as never)).toBe(false);
  expect(hc2.state(targets[1].key)).toEqual({ isUp: false, hasRun: true, retryIt: 0 });
  expect(hc2.state(next[2].key)).toEqual({ isUp: true, hasRun: false, retryIt: 1 });
});
