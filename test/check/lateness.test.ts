/**
 * A check's verdict must not come from the checker's own lateness (halo issue 11; keepalived
 * #2066, #2238, #2271). The process is stalled for real here (a synchronous busy loop on the
 * event loop, as a loaded VM does to it), against real sockets on 127.0.0.1.
 */
import * as net from 'node:net';
import { armDeadline, timerExpiredLine } from '../../src/check/deadline';
import { HealthChecker } from '../../src/check/health-checker';
import type { ProbeOutcome } from '../../src/check/probe';
import { collectTargets } from '../../src/check/targets';
import { tcpProbe } from '../../src/check/tcp-probe';
import { FakeClock } from './fake-clock';
import { realServer, tcpCheck, virtualServer } from './model-fixtures';

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* the process is stalled */ }
}

test('a connect that completed while the process was stalled wins over the timeout that fired with it', async () => {
  const srv = net.createServer((c) => c.destroy());
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  try {
    const port = (srv.address() as net.AddressInfo).port;
    for (let i = 0; i < 5; i++) {
      const p = tcpProbe({ connectIp: '127.0.0.1', connectPort: port, bindto: null, bindPort: null, connectTimeoutMs: 200 });
      busy(300); // the kernel completes the handshake meanwhile; the timer is due too
      expect((await p).result).toBe('success');
    }
  } finally {
    await new Promise<void>((r) => srv.close(() => r()));
  }
});

test('a timer that fires later than its whole timeout is a stall, not a verdict', async () => {
  const seen = await new Promise<{ lateMs: number; stalled: boolean }>((resolve) => {
    armDeadline(50, resolve);
    busy(250);
  });
  expect(seen.stalled).toBe(true);
  expect(seen.lateMs).toBeGreaterThanOrEqual(150);
  // On time: the clock the deadline reads says it fired 5 ms late (injected, so a busy test
  // machine that really runs this timer late cannot decide the outcome).
  let clock = 1000;
  const onTime = await new Promise<{ lateMs: number; stalled: boolean }>((resolve) => {
    armDeadline(30, resolve, () => clock);
    clock = 1035;
  });
  expect(onTime).toEqual({ lateMs: 5, stalled: false });
});

test("keepalived's timer-expired line", () => {
  expect(timerExpiredLine(2345.6789)).toBe('A thread timer expired 2.345679 seconds ago');
  expect(timerExpiredLine(12)).toBe('A thread timer expired 0.012000 seconds ago');
});

test('the engine: a stalled probe changes nothing, is logged as keepalived does and probed again at once', async () => {
  const clock = new FakeClock();
  const rs = realServer('10.0.100.2', 80, { checkers: [tcpCheck({ retry: 0, delayLoopMs: 6000, warmupMs: 0 })] });
  const outcomes: ProbeOutcome[] = [{ result: 'success' }, { result: 'stalled', lateMs: 7000 }, { result: 'stalled', lateMs: 1500 }, { result: 'success' }];
  const probes: number[] = [];
  const lines: string[] = [];
  const changes: boolean[] = [];
  const hc = new HealthChecker({
    targets: collectTargets([virtualServer({ realServers: [rs] })], []),
    prober: { probe: () => { probes.push(clock.now()); return Promise.resolve(outcomes.shift() ?? { result: 'success' }); } },
    clock, random: () => 0, log: (l) => lines.push(l), onChange: (_t, up) => changes.push(up),
  });
  hc.start();
  await clock.advance(6000);
  expect(probes).toEqual([0, 6000, 6000, 6000]);
  expect(lines).toEqual([
    'TCP connection to [10.0.100.2]:tcp:80 success.',
    'A thread timer expired 7.000000 seconds ago',
    'A thread timer expired 1.500000 seconds ago',
  ]);
  expect(changes).toEqual([]);
  expect(hc.stalls).toBe(2);
  hc.stop();
});
