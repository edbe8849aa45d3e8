/**
 * Whether a phase's figures can be trusted (pure): the measuring client's lag must have stayed
 * below a threshold through the part of the phase that decides its figures — from the earliest
 * of the fault (failover) and the last answer before the outage, to the latest of the VIPs'
 * arrival and the first answer after it, with two 100 ms buckets either side. Inside that window a stalled client could have missed the service's return (the
 * outage looks longer), read the last answer late (shorter) or the first one late (longer); outside
 * it a stall changes nothing measured. A bucket without a lag record there means the client was
 * not running at all, which is no better than a stall. With lag ≤ L, an outage is off by at most
 * L plus one request period.
 */
import type { LagRecord, StallRecord } from './client-lag';
import { BUCKET_MS } from './client-lag';
import type { Span } from './outage';

/** The lag a valid measurement may carry: well under the 300 ms slack of every bound. */
export const DEFAULT_MAX_LAG_MS = 100;
export const MARGIN_MS = 200;

export interface Validity {
  valid: boolean;
  /** The window judged, epoch ms. */
  window: Span;
  maxLagMs: number;
  /** Time within the window the client was stalled beyond the threshold, ms. */
  stalledMs: number;
  /** 100 ms buckets of the window with no lag record (client not running). */
  missingBuckets: number;
  thresholdMs: number;
  /**
   * The lab's directors waited for a CPU longer than the threshold inside the window (schedstat
   * run_delay, run-delay.ts): the machine starved the lab, and the figure measures the machine.
   */
  starvedDirectors?: string[];
  /** Per director, the longest wait for a CPU of one of its processes inside the window, ms (null: not sampled). */
  directorRunDelayMs?: Partial<Record<string, number | null>>;
}

/**
 * The directors that waited for a CPU longer than the threshold (their run delay inside the
 * decisive window, per director), with what it can have added to the outage.
 */
export function directorStarvation(runDelayMs: Partial<Record<string, number | null>>, thresholdMs: number): Array<{ text: string; waitedMs: number }> {
  return Object.entries(runDelayMs)
    .filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] > thresholdMs)
    .map(([d, ms]) => ({ text: `${d} waited ${Math.round(ms)} ms for a CPU`, waitedMs: ms }));
}

/** The spans a client was stalled for longer than the threshold. */
export function stallsOver(stalls: StallRecord[], thresholdMs: number): Span[] {
  return stalls.filter((s) => s.to - s.from > thresholdMs).map((s) => ({ from: s.from, to: s.to }));
}

/** The decisive window: [earliest of the marks − margin, latest of the marks + margin]. */
export function decisiveWindow(marks: Array<number | null | undefined>, marginMs = MARGIN_MS): Span {
  const xs = marks.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  if (xs.length === 0) throw new Error('decisiveWindow: no marks');
  return { from: Math.min(...xs) - marginMs, to: Math.max(...xs) + marginMs };
}

export function judgeValidity(lag: LagRecord[], stalls: StallRecord[], window: Span, thresholdMs = DEFAULT_MAX_LAG_MS): Validity {
  const first = Math.floor(window.from / BUCKET_MS) * BUCKET_MS;
  const byBucket = new Map<number, number>();
  for (const r of lag) {
    if (r.t < first || r.t >= window.to) continue;
    byBucket.set(r.t, Math.max(byBucket.get(r.t) ?? 0, r.loop, r.tick, r.send));
  }
  let missing = 0;
  let maxLag = 0;
  for (let t = first; t < window.to; t += BUCKET_MS) {
    const v = byBucket.get(t);
    if (v === undefined) missing++;
    else maxLag = Math.max(maxLag, v);
  }
  let stalledMs = 0;
  for (const s of stallsOver(stalls, thresholdMs)) {
    const from = Math.max(s.from, window.from);
    const to = Math.min(s.to, window.to);
    if (to > from) stalledMs += to - from;
  }
  return {
    valid: missing === 0 && maxLag <= thresholdMs && stalledMs === 0,
    window,
    maxLagMs: Math.round(maxLag * 10) / 10,
    stalledMs: Math.round(stalledMs),
    missingBuckets: missing,
    thresholdMs,
  };
}
