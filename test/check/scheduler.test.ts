import { CheckScheduler } from '../../src/check/scheduler';
import type { Clock } from '../../src/check/scheduler';

/** A clock whose one timer fires only when the test says, as late as it likes. */
class LateClock implements Clock {
  t = 0;
  fn: (() => void) | null = null;
  delay = NaN;
  now(): number { return this.t; }
  setTimer(fn: () => void, delayMs: number): unknown { this.fn = fn; this.delay = delayMs; return 1; }
  clearTimer(): void { this.fn = null; }
  /** The wake-up comes at `t`, whatever the timer was armed for. */
  wakeAt(t: number): void {
    this.t = t;
    const fn = this.fn;
    this.fn = null;
    fn?.();
  }
}

test('a late wake-up runs every due entry in due order, each with its due time and the wake-up time', () => {
  const clock = new LateClock();
  const runs: [number, number, number][] = [];
  const s = new CheckScheduler(clock, (id, at, wokeAt) => {
    runs.push([id, at, wokeAt]);
    if (id === 1) s.at(clock.now(), 9); // queued for "now" by a run: waits for the next turn
  });
  s.at(15, 3);
  s.at(10, 1);
  s.at(10, 2);
  s.at(40, 4);
  expect(clock.delay).toBe(10);
  clock.wakeAt(25);
  expect(runs).toEqual([[1, 10, 25], [2, 10, 25], [3, 15, 25]]);
  expect(s.pending).toBe(2);
  expect(clock.delay).toBe(0);
  clock.wakeAt(26);
  expect(runs.slice(3)).toEqual([[9, 25, 26]]);
  expect(clock.delay).toBe(14);
  s.stop();
  expect(s.pending).toBe(0);
  expect(clock.fn).toBeNull();
});
