import { LagRecord, StallRecord } from '../../src/lab/client-lag';
import { decisiveWindow, judgeValidity, stallsOver } from '../../src/lab/validity';

const lagFrom = (from: number, to: number, v: (t: number) => number = () => 2): LagRecord[] => {
  const out: LagRecord[] = [];
  for (let t = from; t < to; t += 100) out.push({ k: 'lag', t, loop: v(t), tick: 0, send: 0 });
  return out;
};

describe('measurement validity', () => {
  it('the decisive window spans the marks with two buckets either side', () => {
    expect(decisiveWindow([5000, null, 8600, 4980, undefined])).toEqual({ from: 4780, to: 8800 });
  });

  it('is valid when the client lag stayed under the threshold through the window', () => {
    const v = judgeValidity(lagFrom(0, 20_000), [], { from: 3000, to: 9000 }, 100);
    expect(v).toMatchObject({ valid: true, maxLagMs: 2, stalledMs: 0, missingBuckets: 0 });
  });

  it('is invalid with a stall inside the window, and says for how long', () => {
    const lag = lagFrom(0, 20_000, (t) => (t >= 6000 && t < 8000 ? 2000 : 3));
    const stalls: StallRecord[] = [{ k: 'stall', from: 6000, to: 8000 }, { k: 'stall', from: 1000, to: 1030 }];
    const v = judgeValidity(lag, stalls, { from: 3000, to: 9000 }, 100);
    expect(v).toMatchObject({ valid: false, maxLagMs: 2000, stalledMs: 2000 });
    // the same stall outside the window does not matter
    expect(judgeValidity(lag, stalls, { from: 10_000, to: 15_000 }, 100).valid).toBe(true);
    expect(stallsOver(stalls, 100)).toEqual([{ from: 6000, to: 8000 }]);
  });

  it('is invalid where the client recorded nothing (it was not running)', () => {
    const v = judgeValidity(lagFrom(0, 5000), [], { from: 3000, to: 9000 }, 100);
    expect(v.valid).toBe(false);
    expect(v.missingBuckets).toBe(40);
  });

  it('counts the send schedule slip and the tick slip, not only the loop delay', () => {
    const lag: LagRecord[] = lagFrom(0, 10_000).map((r) => (r.t === 5000 ? { ...r, send: 180 } : r));
    expect(judgeValidity(lag, [], { from: 4000, to: 6000 }, 100)).toMatchObject({ valid: false, maxLagMs: 180 });
  });
});
