import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { directorsCalm, parseSchedstat, readinessDeadline, READY_WAIT_CAP_MS, runDelayIn, RunDelaySample } from '../../src/lab/run-delay';

describe("directors' run delay (schedstat)", () => {
  it('reads the second field of /proc/<pid>/schedstat, ns to ms', () => {
    expect(parseSchedstat('123456789 2500000 42\n')).toBe(2.5);
    expect(parseSchedstat('')).toBeNull();
    expect(parseSchedstat('garbage')).toBeNull();
  });

  const s = (t: number, pid: number, delayMs: number, director: 'lb1' | 'lb2' = 'lb2'): RunDelaySample => ({ t, director, pid, delayMs });

  it("per director, the worst process's wait from the last sample at or before the window to the first at or after it", () => {
    const samples = [s(0, 1, 10), s(100, 1, 10), s(200, 1, 60), s(300, 1, 160), s(400, 1, 160), s(0, 2, 5), s(400, 2, 30), s(0, 3, 0, 'lb1'), s(400, 3, 4, 'lb1')];
    // window [150, 250]: pid 1 from its sample at 100 (10) to the one at 300 (160)
    expect(runDelayIn(samples, { from: 150, to: 250 })).toEqual({ lb2: 150, lb1: 4 });
    // a late sampler only widens the window read, never narrows it
    expect(runDelayIn(samples, { from: 0, to: 400 })).toEqual({ lb2: 150, lb1: 4 });
  });

  it('a process born or gone inside the window counts from its first or to its last sample; no samples, no figure', () => {
    const samples = [s(300, 7, 2), s(350, 7, 90), s(100, 8, 0), s(200, 8, 40)];
    expect(runDelayIn(samples, { from: 150, to: 400 })).toEqual({ lb2: 88 });
    expect(runDelayIn([], { from: 0, to: 1 })).toEqual({});
  });

  it('a process sleeping (a held VIP add, a timer) accrues no run_delay for it: the kernel counts only runnable waits', async () => {
    // the real kernel's accounting, read as the drill reads it: a child sleeps 2 s in a timer
    const child = spawn(process.execPath, ['-e', "process.stdout.write('sleeping\\n'); setTimeout(() => { process.stdout.write('woke\\n'); setTimeout(() => {}, 60000); }, 2000)"], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const said = (word: string) => new Promise<void>((r) => {
        let buf = '';
        const on = (d: Buffer) => { buf += d; if (buf.includes(word)) { child.stdout!.off('data', on); r(); } };
        child.stdout!.on('data', on);
      });
      const delay = () => parseSchedstat(readFileSync(`/proc/${child.pid}/schedstat`, 'utf8'));
      await said('sleeping');
      const before = delay();
      const woke = said('woke');
      await woke;
      const after = delay();
      expect(before).not.toBeNull();
      expect(after).not.toBeNull();
      // what it waited for a CPU over its 2 s sleep is its wake-up's wait only, not the sleep
      expect(after! - before!).toBeLessThan(1000);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('readinessDeadline: a restarted director is waited for in its own time', () => {
  it('is 90 s after the restart when its processes never waited for a CPU', () => {
    expect(readinessDeadline(1_000_000, 0)).toBe(1_090_000);
    expect(readinessDeadline(1_000_000, null)).toBe(1_090_000);
  });
  it('grows by the time its processes waited for a CPU', () => {
    // the bench run of 2026-12-01: lb1 waited 67.8 s for a CPU and answered 121 s after its restart
    expect(readinessDeadline(1_000_000, 67_760)).toBe(1_157_760);
  });
  it('never goes beyond the hard limit, however starved', () => {
    expect(readinessDeadline(1_000_000, 1_000_000)).toBe(1_000_000 + READY_WAIT_CAP_MS);
  });
});

describe('directorsCalm: a fault waits for directors that are not waiting for a CPU', () => {
  const s = (t: number, director: 'lb1' | 'lb2', pid: number, delayMs: number): RunDelaySample => ({ t, director, pid, delayMs });
  const steady = (d: 'lb1' | 'lb2', pid: number, perTick: number) => Array.from({ length: 31 }, (_, i) => s(i * 100, d, pid, i * perTick));

  it('is calm when every director waited at most the threshold over the span', () => {
    // 10 ms per 100 ms sample: 200 ms over 2 s
    expect(directorsCalm([...steady('lb1', 1, 1), ...steady('lb2', 2, 4)], 3000, 2000, 100, ['lb1', 'lb2'])).toBe(true);
    expect(directorsCalm([...steady('lb1', 1, 1), ...steady('lb2', 2, 10)], 3000, 2000, 100, ['lb1', 'lb2'])).toBe(false);
  });

  it('judges each process apart (the worst of a director counts)', () => {
    expect(directorsCalm([...steady('lb1', 1, 1), ...steady('lb1', 3, 6), ...steady('lb2', 2, 1)], 3000, 2000, 100, ['lb1', 'lb2'])).toBe(false);
  });

  it('is not calm while a director has no samples covering the span (just restarted, or not sampled yet)', () => {
    expect(directorsCalm([...steady('lb1', 1, 0)], 3000, 2000, 100, ['lb1', 'lb2'])).toBe(false);
    const young = Array.from({ length: 5 }, (_, i) => s(2600 + i * 100, 'lb2', 9, 0));
    expect(directorsCalm([...steady('lb1', 1, 0), ...young], 3000, 2000, 100, ['lb1', 'lb2'])).toBe(false);
  });
});
