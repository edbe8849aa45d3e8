import { mapLimit } from './pool';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('mapLimit', () => {
  it('keeps the list order whatever order the steps finish in', async () => {
    const out = await mapLimit([30, 5, 20, 0, 10], 3, async (ms, i) => {
      await tick(ms);
      return `${i}:${ms}`;
    });
    expect(out).toEqual(['0:30', '1:5', '2:20', '3:0', '4:10']);
  });

  it('never has more than the limit in flight, and reaches it', async () => {
    let inFlight = 0;
    let most = 0;
    await mapLimit(Array.from({ length: 12 }, (_, i) => i), 4, async (i) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await tick(i % 3);
      inFlight--;
    });
    expect(most).toBe(4);
    expect(inFlight).toBe(0);
  });

  it('rejects with the first failure, starts nothing after it, and lets the steps in flight finish', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const run = mapLimit([0, 1, 2, 3, 4, 5], 2, async (i) => {
      started.push(i);
      if (i === 1) throw new Error('step 1 failed');
      await tick(20);
      finished.push(i);
      return i;
    });
    await expect(run).rejects.toThrow('step 1 failed');
    // 0 was in flight when 1 failed and finished; 1 failed before any slot was free, so 2 never started
    expect(started).toEqual([0, 1]);
    expect(finished).toEqual([0]);
  });

  it('an empty list gives an empty result; a limit that is not a positive integer is refused', async () => {
    await expect(mapLimit([], 3, async () => 1)).resolves.toEqual([]);
    await expect(mapLimit([1], 0, async () => 1)).rejects.toThrow(RangeError);
    await expect(mapLimit([1], 1.5, async () => 1)).rejects.toThrow(RangeError);
  });
});
