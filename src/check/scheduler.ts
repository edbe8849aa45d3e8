/**
 * One scheduler for all checks: a timer heap driving a single armed timer. Time is injected
 * (Clock) so unit tests run on a fake clock and the daemon on the real one.
 */
import { TimerHeap } from './timer-heap';

export interface Clock {
  now(): number;
  setTimer(fn: () => void, delayMs: number): unknown;
  clearTimer(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
};

export class CheckScheduler {
  private readonly heap = new TimerHeap();
  private armedAt = Infinity;
  private handle: unknown = null;
  private stopped = false;

  /**
   * `run(id, scheduledAt, wokeAt)` is called once per due entry, in due order; `wokeAt` is when
   * the timer's wake-up read the clock (how late the wake-up was, apart from the queue behind it).
   */
  constructor(private readonly clock: Clock, private readonly run: (id: number, scheduledAt: number, wokeAt: number) => void) {}

  /** Queue `id` to run at absolute time `at` (the clock's timescale). */
  at(at: number, id: number): void {
    if (this.stopped) return;
    this.heap.push(at, id);
    if (at < this.armedAt) this.arm();
  }

  stop(): void {
    this.stopped = true;
    this.heap.clear();
    if (this.handle !== null) this.clock.clearTimer(this.handle);
    this.handle = null;
    this.armedAt = Infinity;
  }

  get pending(): number {
    return this.heap.size;
  }

  private arm(): void {
    if (this.handle !== null) this.clock.clearTimer(this.handle);
    this.handle = null;
    const at = this.heap.topAt;
    this.armedAt = at;
    if (at === Infinity) return;
    this.handle = this.clock.setTimer(this.onTimer, Math.max(0, at - this.clock.now()));
  }

  private readonly onTimer = (): void => this.fire();

  private fire(): void {
    this.handle = null;
    this.armedAt = Infinity;
    const now = this.clock.now();
    // Entries queued by run() for "now" wait for the next turn, so one busy instant cannot starve the loop.
    const ats: number[] = [];
    const ids: number[] = [];
    while (this.heap.topAt <= now) {
      ats.push(this.heap.topAt);
      ids.push(this.heap.popId());
    }
    for (let k = 0; k < ids.length; k++) {
      if (this.stopped) return;
      this.run(ids[k], ats[k], now);
    }
    if (!this.stopped && this.handle === null) this.arm();
  }
}
