import { join } from 'node:path';
import { loadConfig } from '../../src/config/load';
import { backupTimers, boundFor, exitStatus, judge, outageAtLeast, spreadOf } from '../../src/lab/bounds';

const examples = join(__dirname, '..', '..', 'deploy', 'examples');
const model = (f: string) => {
  const r = loadConfig(join(examples, f));
  if (!r.model) throw new Error(JSON.stringify(r.diagnostics));
  return r.model;
};

describe('the drill bounds', () => {
  // the thesis: advert_int 1 (the default), the standby at priority 100, VRRPv2.
  // RFC 3768 §6.1: Skew_Time = (256 − 100) / 256 s = 0.609375 s; Master_Down_Interval = 3 × 1 s + Skew_Time
  const timers = backupTimers(model('master.conf'), model('standby.conf'));

  it('takes the backup\'s Master_Down_Interval and Skew_Time from the two configs', () => {
    expect(timers.skewTimeMs).toBeCloseTo(609.375, 3);
    expect(timers.masterDownIntervalMs).toBeCloseTo(3609.375, 3);
  });

  it('per mode: crash and link by the down timer, graceful by Skew_Time, failback 1 s', () => {
    expect(boundFor('crash', 'failover', timers).ms).toBeCloseTo(3909.375, 3);
    expect(boundFor('link', 'failover', timers).ms).toBeCloseTo(3909.375, 3);
    expect(boundFor('graceful', 'failover', timers).ms).toBeCloseTo(909.375, 3);
    for (const m of ['crash', 'graceful', 'link'] as const) expect(boundFor(m, 'failback', timers).ms).toBe(1000);
    expect(boundFor('graceful', 'failover', timers).rule).toMatch(/Skew_Time/);
  });

  it('judges a valid phase, names what is beyond, and never calls an invalid one within', () => {
    const b = boundFor('graceful', 'failover', timers);
    const valid = { valid: true, stalledMs: 0, maxLagMs: 20, periodMs: 50 };
    expect(judge(valid, b, { outageMs: 700 }, { outageMs: 909 }).verdict).toBe('within');
    const beyond = judge(valid, b, { outageMs: 950 }, { outageMs: null });
    expect(beyond.verdict).toBe('beyond');
    expect(beyond.why).toEqual([expect.stringMatching(/^HTTP outage 950 ms > 909\.4 ms/), 'DNS never recovered']);
    const stalled = { valid: false, stalledMs: 1500, maxLagMs: 400, periodMs: 50 };
    expect(judge(stalled, b, { outageMs: 700 }, { outageMs: 700 })).toEqual({ verdict: 'inconclusive', why: [] });
    // 2.8 s measured, of which the stall may have added 1.5 s + 0.4 s + one period: still ≥ 850 ms, not beyond
    expect(judge(stalled, b, { outageMs: 2800 }, { outageMs: null }).verdict).toBe('inconclusive');
    // 20 s measured: at least 18.05 s whatever the client did
    const certain = judge(stalled, b, { outageMs: 20_000 }, { outageMs: 300 });
    expect(certain.verdict).toBe('beyond');
    expect(certain.why).toEqual([expect.stringMatching(/^HTTP outage at least 18050 ms > 909\.4 ms .*even allowing for the client's 1\.5 s stall$/)]);
    expect(outageAtLeast(1000, stalled)).toBe(0);
  });

  it('judges HTTP over IPv6 (--ipv6) against the same bound and validity as HTTP', () => {
    const b = boundFor('graceful', 'failover', timers);
    const valid = { valid: true, stalledMs: 0, maxLagMs: 20, periodMs: 50 };
    // without an IPv6 figure the verdict is the IPv4 one
    expect(judge(valid, b, { outageMs: 700 }, { outageMs: 700 }, undefined)).toEqual({ verdict: 'within', why: [] });
    expect(judge(valid, b, { outageMs: 700 }, { outageMs: 700 }, { outageMs: 900 })).toEqual({ verdict: 'within', why: [] });
    const beyond = judge(valid, b, { outageMs: 700 }, { outageMs: 700 }, { outageMs: 950 });
    expect(beyond).toEqual({ verdict: 'beyond', why: [expect.stringMatching(/^HTTP over IPv6 outage 950 ms > 909\.4 ms \(Skew_Time 609\.375 ms \+ 300 ms\)$/)] });
    expect(judge(valid, b, { outageMs: 700 }, { outageMs: 700 }, { outageMs: null }).why).toEqual(['HTTP over IPv6 never recovered']);
    // failback: the 1 s bound, for IPv6 as for IPv4
    expect(judge(valid, boundFor('crash', 'failback', timers), { outageMs: 300 }, { outageMs: 300 }, { outageMs: 1001 }).verdict).toBe('beyond');
    expect(judge(valid, boundFor('crash', 'failover', timers), { outageMs: 3700 }, { outageMs: 3700 }, { outageMs: 3900 }).verdict).toBe('within');
    // a stalled client: an IPv6 figure the stall could explain is inconclusive, never within; one it cannot is beyond
    const stalled = { valid: false, stalledMs: 1500, maxLagMs: 400, periodMs: 50 };
    expect(judge(stalled, b, { outageMs: 300 }, { outageMs: 300 }, { outageMs: 2800 })).toEqual({ verdict: 'inconclusive', why: [] });
    expect(judge(stalled, b, { outageMs: 300 }, { outageMs: 300 }, { outageMs: 20_000 }).why).toEqual([expect.stringMatching(/^HTTP over IPv6 outage at least 18050 ms > 909\.4 ms .*1\.5 s stall$/)]);
  });

  it('exit status: a failure outranks an inconclusive phase, which is never a success', () => {
    expect(exitStatus(false, false)).toBe(0);
    expect(exitStatus(true, true)).toBe(1);
    expect(exitStatus(false, true)).toBe(3);
  });

  it('min / median / max', () => {
    expect(spreadOf([])).toBeNull();
    expect(spreadOf([3, 1, 2])).toEqual({ min: 1, median: 2, max: 3, n: 3 });
    expect(spreadOf([4, 1, 2, 10])).toEqual({ min: 1, median: 3, max: 10, n: 4 });
  });
});
