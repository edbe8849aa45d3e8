import { analysePhase } from '../../src/lab/outage';
import { Sample } from '../../src/lab/load';

/** A request every 20 ms, 2 ms long, rotating over web1..3, failing (timeout 300 ms) in [down, up). */
function traffic(from: number, to: number, down: number, up: number): Sample[] {
  const out: Sample[] = [];
  let n = 0;
  for (let t = from; t < to; t += 20) {
    const failing = t >= down && t < up;
    out.push(failing ? { k: 'http', t0: t, t1: t + 300, ok: false, err: 'timeout' }
      : { k: 'http', t0: t, t1: t + 2, ok: true, srv: `web${(n++ % 3) + 1}` });
  }
  return out;
}

describe('client-observed outage', () => {
  it('is the gap from the last success before the fault to the first after it', () => {
    const s = traffic(0, 10_000, 5_000, 8_600);
    const r = analysePhase(s, 'http', 5_000, 4_000);
    expect(r.lastOkBefore).toBe(4_982);
    expect(r.firstOkAfter).toBe(8_602);
    expect(r.outageMs).toBe(3_620);
    expect(r.failed).toBe(180);
    expect(Object.keys(r.spreadBefore).sort()).toEqual(['web1', 'web2', 'web3']);
    expect(Object.values(r.spreadAfter).reduce((a, b) => a + b)).toBeGreaterThan(0);
  });

  it('with no interruption reports only the normal inter-request gap', () => {
    const r = analysePhase(traffic(0, 4_000, 99_999, 99_999), 'http', 2_000, 1_000);
    expect(r.outageMs).toBe(20);
    expect(r.failed).toBe(0);
  });

  it('ignores the other kind and counts failures by reason', () => {
    const s: Sample[] = [
      { k: 'dns', t0: 0, t1: 1, ok: true, srv: 'dns1' },
      { k: 'dns', t0: 10, t1: 310, ok: false, err: 'timeout' },
      { k: 'dns', t0: 20, t1: 21, ok: false, err: 'ECONNREFUSED' },
    ];
    expect(analysePhase(s, 'http', 0, 100).sent).toBe(0);
    expect(analysePhase(s, 'dns', 0, 100).errors).toEqual({ timeout: 1, ECONNREFUSED: 1 });
  });
});

import { parseMonitorLine } from '../../src/lab/vip-watch';

describe('ip monitor address lines', () => {
  it('reads adds and deletes of IPv4 addresses', () => {
    expect(parseMonitorLine('3: eth0    inet 192.168.1.200/32 scope global eth0\\       valid_lft forever preferred_lft forever'))
      .toEqual({ vip: '192.168.1.200', added: true, at: null });
    expect(parseMonitorLine('Deleted 3: eth0    inet 10.0.100.200/32 scope global eth1')).toEqual({ vip: '10.0.100.200', added: false, at: null });
    expect(parseMonitorLine('[2026-11-22T16:40:03.538155] Deleted 1: lo    inet 10.9.9.9/32 scope global lo')).toEqual({
      vip: '10.9.9.9', added: false, at: new Date('2026-11-22T16:40:03').getTime() + 538.155,
    });
    expect(parseMonitorLine('3: eth0    inet6 fe80::1/64 scope link')).toBeNull();
  });
});

describe('client-observed outage with outcomes', () => {
  it('counts late replies and unsent slots apart from failures, and only answers end an outage', () => {
    const s: Sample[] = [
      ...traffic(0, 5_000, 99_999, 99_999),
      // the fault at 5000: a reply after the timeout is late, not an answer
      { k: 'http', slot: 5_000, t0: 5_000, t1: 6_500, ok: false, o: 'late', srv: 'web1' },
      { k: 'http', slot: 5_020, t0: 5_020, t1: 5_320, ok: false, o: 'failed', err: 'timeout' },
      { k: 'http', slot: 5_040, t0: 5_040, t1: 5_040, ok: false, o: 'not-sent', err: 'client stalled' },
      ...traffic(6_000, 8_000, 99_999, 99_999).map((x) => ({ ...x, slot: x.t0 })),
    ];
    const r = analysePhase(s, 'http', 5_000, 3_000);
    expect(r.outageMs).toBe(1_020); // 4982 → 6002
    expect(r).toMatchObject({ late: 1, failed: 1, notSent: 1, errors: { timeout: 1 } });
    expect(r.sent).toBe(r.answered + r.late + r.failed);
  });

  it('leaves out gaps the client made by stalling', () => {
    // no requests between 6000 and 7500 because the client was stalled; the service's own outage is 5000–5400
    const s = [...traffic(0, 6_000, 5_000, 5_400), ...traffic(7_500, 9_000, 99_999, 99_999)];
    expect(analysePhase(s, 'http', 5_000, 4_000).outageMs).toBe(1_520);
    expect(analysePhase(s, 'http', 5_000, 4_000, { stalls: [{ from: 6_000, to: 7_500 }] }).outageMs).toBe(420);
  });
});

describe('stalls and failures', () => {
  it('keeps a stall-overlapping gap as a candidate when requests in it failed', () => {
    // the service is down 5000–7000; the client also stalled 6000–6500 inside the outage
    const s = traffic(0, 10_000, 5_000, 7_000).filter((x) => x.t0 < 6_000 || x.t0 >= 6_500);
    const r = analysePhase(s, 'http', 5_000, 4_000, { stalls: [{ from: 6_000, to: 6_500 }] });
    expect(r.outageMs).toBe(2_020);
  });
});

describe('an outage already in progress at the phase start', () => {
  it('is measured from the last answer before it, beyond the lookback', () => {
    // a failback whose VIPs arrived before the restarted director was ready: the phase starts at
    // 9000 (the VIPs' arrival), the service was down since 5000 (lookback 2000 would see 7000 on)
    const s = traffic(0, 12_000, 5_000, 9_000);
    const r = analysePhase(s, 'http', 9_000, 3_000);
    expect(r.lastOkBefore).toBe(4_982);
    expect(r.firstOkAfter).toBe(9_002);
    expect(r.outageMs).toBe(4_020);
    // the counts stay the window's: requests scheduled from 7000
    expect(r.failed).toBe(100);
  });

  it('does not reach back past an answer inside the lookback', () => {
    const s = traffic(0, 12_000, 5_000, 8_000);
    expect(analysePhase(s, 'http', 9_000, 3_000).outageMs).toBe(20);
  });
});
