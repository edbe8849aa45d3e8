/**
 * Keyed deadlines on one wake-up source: the VRRP shell's timers (one per instance and timer
 * name) kept in a min-heap, with a single OS timer armed for the earliest.
 *
 * The wake-up source is injected. In the daemon it is the addon's DeadlineTimer (a timerfd on
 * the event loop, nanosecond resolution: it fires within ~0.1 ms of the deadline, where a
 * setTimeout fires up to 2 ms early or late because libuv counts whole milliseconds of a cached
 * loop clock). Tests and hosts without the addon use setTimeout.
 *
 * Each expiry also records its lateness (firing time − deadline) in a histogram, so the
 * precision can be read from a running daemon (`halo status --json`, benchmarks).
 */
import { TimerHeap } from '../check/timer-heap';

/** One OS timer: arm(delayMs) replaces any earlier arming; disarm() cancels; close() frees it. */
export interface WakeTimer {
  arm(delayMs: number): void;
  disarm(): void;
  close(): void;
}

export type WakeTimerFactory = (onExpire: () => void) => WakeTimer;

/** The fallback wake-up source: a setTimeout (millisecond granularity). */
export const timeoutWakeTimer: WakeTimerFactory = (onExpire) => {
  let t: NodeJS.Timeout | null = null;
  const disarm = () => {
    if (t) clearTimeout(t);
    t = null;
  };
  return {
    arm(delayMs) {
      disarm();
      t = setTimeout(() => {
        t = null;
        onExpire();
      }, Math.max(0, delayMs));
    },
    disarm,
    close: disarm,
  };
};

/** Upper bounds (ms) of the lateness histogram's buckets; the last bucket is everything above. */
export const LATENESS_BUCKETS_MS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 50, 100, 1000] as const;

export interface LatenessHistogram {
  /** Bucket upper bounds in ms, as LATENESS_BUCKETS_MS; counts has one more entry (above the last). */
  bucketsMs: readonly number[];
  counts: number[];
  expiries: number;
  maxMs: number;
  sumMs: number;
}

export function emptyHistogram(): LatenessHistogram {
  return { bucketsMs: LATENESS_BUCKETS_MS, counts: new Array<number>(LATENESS_BUCKETS_MS.length + 1).fill(0), expiries: 0, maxMs: 0, sumMs: 0 };
}

/** Adds one lateness (ms; early counts as 0) to `h`. */
export function recordLateness(h: LatenessHistogram, lateMs: number): void {
  const late = Math.max(0, lateMs);
  let i = 0;
  while (i < LATENESS_BUCKETS_MS.length && late > LATENESS_BUCKETS_MS[i]) i++;
  h.counts[i]++;
  h.expiries++;
  h.sumMs += late;
  if (late > h.maxMs) h.maxMs = late;
}

interface Pending<K> {
  key: K;
  token: number;
  deadline: number;
}

export class Deadlines<K> {
  private readonly heap = new TimerHeap();
  private readonly pending = new Map<string, Pending<K>>();
  private readonly byToken = new Map<number, string>();
  private nextToken = 1;
  private armedFor = Infinity;
  private readonly timer: WakeTimer;
  private closed = false;
  readonly lateness: LatenessHistogram = emptyHistogram();

  /**
   * @param now     monotonic ms, the clock deadlines are given in
   * @param expire  called once per expired deadline, earliest first, with the deadline it was set for
   *                and the time of the wake-up that expired it
   */
  constructor(
    private readonly now: () => number,
    private readonly expire: (key: K, deadline: number, firedAt: number) => void,
    wake: WakeTimerFactory = timeoutWakeTimer,
  ) {
    this.timer = wake(() => this.fire());
  }

  /** (Re)arms `id` for `deadline` (the clock of `now`); replaces an earlier arming of the same id. */
  set(id: string, key: K, deadline: number): void {
    if (this.closed) return;
    this.drop(id);
    const token = this.nextToken++;
    this.pending.set(id, { key, token, deadline });
    this.byToken.set(token, id);
    this.heap.push(deadline, token);
    if (deadline < this.armedFor) this.rearm();
  }

  /** Cancels `id` (its heap entry is left behind and skipped when it comes up). */
  clear(id: string): void {
    this.drop(id);
  }

  has(id: string): boolean {
    return this.pending.has(id);
  }

  get size(): number {
    return this.pending.size;
  }

  /** Cancels everything and frees the OS timer. */
  close(): void {
    this.closed = true;
    this.pending.clear();
    this.byToken.clear();
    this.heap.clear();
    this.timer.close();
    this.armedFor = Infinity;
  }

  private drop(id: string): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    this.byToken.delete(p.token);
  }

  /** Arms the OS timer for the earliest live entry, discarding cancelled ones on top. */
  private rearm(): void {
    for (let e = this.heap.peek(); e && !this.byToken.has(e.id); e = this.heap.peek()) this.heap.pop();
    const next = this.heap.peek();
    if (!next) {
      this.armedFor = Infinity;
      this.timer.disarm();
      return;
    }
    this.armedFor = next.at;
    this.timer.arm(next.at - this.now());
  }

  private fire(): void {
    this.armedFor = Infinity;
    const now = this.now();
    // Deadlines set by expire() for "now" wait for the next wake-up, so one instant cannot loop.
    const due: Array<Pending<K>> = [];
    for (let e = this.heap.peek(); e && e.at <= now; e = this.heap.peek()) {
      this.heap.pop();
      const id = this.byToken.get(e.id);
      if (id === undefined) continue;
      const p = this.pending.get(id)!;
      this.drop(id);
      due.push(p);
    }
    for (const p of due) {
      recordLateness(this.lateness, now - p.deadline);
      if (this.closed) return;
      this.expire(p.key, p.deadline, now);
    }
    if (!this.closed && this.armedFor === Infinity) this.rearm();
  }}
