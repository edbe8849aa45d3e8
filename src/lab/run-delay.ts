/**
 * The directors' own lag, measured apart from halo: how long each director's processes waited
 * for a CPU while runnable (schedstat run_delay, the kernel's accounting), so the drill can tell
 * a director the machine starved from a director that was slow on its own.
 *
 * `/proc/<pid>/schedstat` is "run time, run delay (ns), timeslices" of the main thread, which is
 * where halo's event loop runs. The counters are cumulative, so a sampler that itself runs late
 * loses resolution at the window's edges, never time inside it: the delay over a window is read
 * from the last sample at or before its start to the first at or after its end (a little more
 * than the window, never less).
 *
 * Not seen here: a whole VM the host does not run (every process of it stops alike, the
 * measuring client too, whose own lag judges that case: validity.ts).
 */
import { readFileSync } from 'node:fs';
import type { Director } from './cluster';
import type { Span } from './outage';

export interface RunDelaySample {
  /** epoch ms */
  t: number;
  director: Director;
  pid: number;
  /** cumulative run delay of the process's main thread, ms */
  delayMs: number;
}

/** `/proc/<pid>/schedstat`'s second field (ns) in ms; null for an unreadable or odd line. */
export function parseSchedstat(text: string): number | null {
  const f = text.trim().split(/\s+/);
  if (f.length < 2 || !/^\d+$/.test(f[1])) return null;
  return Number(f[1]) / 1e6;
}

/**
 * Per director, the longest any one of its processes waited for a CPU within `window` (ms), or
 * null when its samples do not cover the window. A process started inside the window counts from
 * its first sample.
 */
export function runDelayIn(samples: readonly RunDelaySample[], window: Span): Partial<Record<Director, number | null>> {
  const out: Partial<Record<Director, number | null>> = {};
  const byPid = new Map<number, RunDelaySample[]>();
  for (const s of samples) byPid.set(s.pid, [...(byPid.get(s.pid) ?? []), s]);
  const directors = new Set(samples.map((s) => s.director));
  for (const d of directors) {
    let worst: number | null = null;
    for (const [, ss] of byPid) {
      if (ss[0].director !== d) continue;
      const sorted = [...ss].sort((a, b) => a.t - b.t);
      const before = [...sorted].reverse().find((s) => s.t <= window.from);
      const after = sorted.find((s) => s.t >= window.to);
      const inside = sorted.filter((s) => s.t > window.from && s.t < window.to);
      // from: the last sample at or before the start, else (born inside) its first
      const start = before ?? inside[0] ?? null;
      // to: the first sample at or after the end, else (it exited inside) its last
      const end = after ?? inside[inside.length - 1] ?? null;
      if (!start || !end || end.t < start.t) continue;
      worst = Math.max(worst ?? 0, end.delayMs - start.delayMs);
    }
    out[d] = worst === null ? null : Math.round(worst * 10) / 10;
  }
  return out;
}

/**
 * Whether the directors are calm at `now`: every director has samples over the last `spanMs`
 * and none of its processes waited longer than `thresholdMs` for a CPU in them (the rule that
 * calls a director starved inside a phase, validity.ts directorStarvation). A fault made while
 * one is still starved (the previous cycle's restarted director warming up) measures the
 * machine, and is measured again.
 */
export function directorsCalm(samples: readonly RunDelaySample[], now: number, spanMs: number, thresholdMs: number, directors: readonly Director[]): boolean {
  const recent = samples.filter((s) => s.t >= now - spanMs - 1000);
  if (!directors.every((d) => recent.some((s) => s.director === d && s.t <= now - spanMs))) return false;
  const waited = runDelayIn(recent, { from: now - spanMs, to: now });
  return directors.every((d) => typeof waited[d] === 'number' && waited[d]! <= thresholdMs);
}

/**
 * Samples the directors' run delay every `everyMs` while running (the edge: reads /proc). The
 * process list is refreshed each second (a restarted director has new processes).
 */
export class RunDelaySampler {
  readonly samples: RunDelaySample[] = [];
  private timer: NodeJS.Timeout | null = null;
  private pids: Array<{ director: Director; pid: number }> = [];
  private listedAt = -Infinity;

  constructor(private readonly pidsOf: (d: Director) => number[], private readonly directors: readonly Director[] = ['lb1', 'lb2'], private readonly everyMs = 100) {}

  start(): void {
    if (this.timer) return;
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Forget samples older than `before` (epoch ms): one cycle's worth is kept at a time. */
  dropBefore(before: number): void {
    let n = 0;
    while (n < this.samples.length && this.samples[n].t < before) n++;
    this.samples.splice(0, n);
  }

  private sample(): void {
    const t = Date.now();
    if (t - this.listedAt >= 1000) {
      this.listedAt = t;
      this.pids = this.directors.flatMap((director) => this.pidsOf(director).map((pid) => ({ director, pid })));
    }
    for (const { director, pid } of this.pids) {
      let text: string;
      try {
        text = readFileSync(`/proc/${pid}/schedstat`, 'utf8');
      } catch {
        continue; // exited
      }
      const delayMs = parseSchedstat(text);
      if (delayMs !== null) this.samples.push({ t, director, pid, delayMs });
    }
  }
}

/** How long a restarted director gets to answer on its control socket, in its own time. */
export const READY_WAIT_MS = 90_000;
/** The readiness wait's hard limit, however starved the director was. */
export const READY_WAIT_CAP_MS = 300_000;

/**
 * When the wait for a restarted director's readiness ends (epoch ms): READY_WAIT_MS after its
 * restart, plus the time its processes waited for a CPU since then (`waitedMs`, run_delay), never
 * beyond READY_WAIT_CAP_MS. A start-up the machine starved is waited for, not called dead: the
 * drill's timer must not decide "down" because the processes it watches ran late.
 */
export function readinessDeadline(restartAt: number, waitedMs: number | null | undefined): number {
  return restartAt + Math.min(READY_WAIT_CAP_MS, READY_WAIT_MS + Math.max(0, waitedMs ?? 0));
}
