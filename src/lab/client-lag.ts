/**
 * How late the measuring client itself runs: a figure it takes while starved is no figure.
 *
 * Two views of the same thing, kept per 100 ms bucket of wall time:
 *  - event-loop delay from perf_hooks.monitorEventLoopDelay (libuv timer, no JavaScript);
 *  - tick slip: a JavaScript interval that notes how much later than due it ran; when it was
 *    held up for longer than its period, the whole held-up span is a stall, and every bucket it
 *    covers gets the stall's length (a bucket without a tick would otherwise look quiet);
 * plus the send scheduler's slip, reported by the generator through `noteSendSlip`.
 * Completed buckets are handed to `emit`; nothing is allocated per tick but a bucket's record.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

export const BUCKET_MS = 100;
const TICK_MS = 25;
const RESOLUTION_MS = 20;
/** Stalls shorter than this are jitter, not worth a line. */
export const STALL_RECORD_MS = 20;

export interface LagRecord {
  k: 'lag';
  /** Bucket start, epoch ms, a multiple of BUCKET_MS. */
  t: number;
  /** Largest event-loop delay seen by the libuv monitor in the bucket, ms. */
  loop: number;
  /** Largest tick slip (or stall covering the bucket), ms. */
  tick: number;
  /** Largest send-schedule slip of a request sent in the bucket, ms. */
  send: number;
}

export interface StallRecord {
  k: 'stall';
  /** When the held-up tick was due and when it ran, epoch ms. */
  from: number;
  to: number;
}

export const epochNow = (): number => performance.timeOrigin + performance.now();

export class ClientLag {
  private readonly h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  private timer: NodeJS.Timeout | null = null;
  private last = 0;
  /** The open bucket. */
  private bucket = 0;
  private tick = 0;
  private send = 0;

  constructor(private readonly emit: (r: LagRecord | StallRecord) => void) {}

  start(): void {
    this.h.enable();
    this.last = epochNow();
    this.bucket = Math.floor(this.last / BUCKET_MS) * BUCKET_MS;
    this.timer = setInterval(() => this.onTick(), TICK_MS);
  }

  noteSendSlip(ms: number): void {
    if (ms > this.send) this.send = ms;
  }

  private onTick(): void {
    const now = epochNow();
    const slip = Math.max(0, now - this.last - TICK_MS);
    if (slip >= STALL_RECORD_MS) this.emit({ k: 'stall', from: this.last + TICK_MS, to: now });
    if (slip > this.tick) this.tick = slip;
    this.last = now;
    this.flush(now, slip);
  }

  /** Hands over every bucket that ended before `now`; a stall's length goes to all it covered. */
  private flush(now: number, slip: number): void {
    const current = Math.floor(now / BUCKET_MS) * BUCKET_MS;
    if (current === this.bucket) return;
    // the histogram's figures include its own resolution (an idle loop reads ~10 ms)
    const loop = Math.max(0, Math.round(this.h.max / 1e5 - RESOLUTION_MS * 10) / 10); // ns → ms
    this.h.reset();
    for (let t = this.bucket; t < current; t += BUCKET_MS) {
      const r = (x: number) => Math.round(x * 10) / 10;
      this.emit({ k: 'lag', t, loop, tick: r(t === this.bucket ? this.tick : slip), send: r(this.send) });
      this.send = 0;
    }
    this.bucket = current;
    this.tick = 0;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.onTickFinal();
    this.h.disable();
  }

  private onTickFinal(): void {
    const now = epochNow();
    this.flush(now + BUCKET_MS, 0);
  }
}
