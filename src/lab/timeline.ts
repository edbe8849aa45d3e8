/**
 * The drill's timeline (pure): what the report draws, from what the drill recorded.
 *  - requests per 100 ms bucket (by slot time), by outcome;
 *  - which director held the VIPs, as bands, replayed from `ip monitor address` events;
 *  - each director's VRRP transitions, read from its log (keepalived's wording: `(VI_E)
 *    Entering MASTER STATE`), in halo's JSON log format (millisecond timestamps) or the plain
 *    console format (whole seconds, local time).
 */
import { outcomeOf, Outcome, Sample } from './load';
import type { VipEvent } from './vip-watch';
import type { Director } from './cluster';
import { BUCKET_MS } from './client-lag';

export interface Bucket {
  t: number;
  http: Record<Outcome, number>;
  dns: Record<Outcome, number>;
  /** HTTP over IPv6 (all zero unless the drill ran with --ipv6). */
  http6: Record<Outcome, number>;
}

const zero = (): Record<Outcome, number> => ({ answered: 0, late: 0, failed: 0, 'not-sent': 0 });

/** Requests of [from, to) per bucket, placed by the time the schedule wanted them sent. */
export function bucketize(samples: Sample[], from: number, to: number, bucketMs = BUCKET_MS): Bucket[] {
  const first = Math.floor(from / bucketMs) * bucketMs;
  const out: Bucket[] = [];
  for (let t = first; t < to; t += bucketMs) out.push({ t, http: zero(), dns: zero(), http6: zero() });
  for (const s of samples) {
    const at = s.slot ?? s.t0;
    if (at < first || at >= to) continue;
    const b = out[Math.floor((at - first) / bucketMs)];
    if (b) b[s.k][outcomeOf(s)]++;
  }
  return out;
}

export type Holder = Director | 'none' | 'split';

export interface Band {
  from: number;
  to: number;
  holder: Holder;
  /** Who held each VIP: `192.168.1.200 lb1, 10.0.100.200 -`. */
  detail: string;
}

/** Who held every VIP over [from, to), replaying every event seen since the watch began. */
export function holderBands(events: VipEvent[], vips: string[], from: number, to: number): Band[] {
  const held = new Map<string, Set<Director>>(vips.map((v) => [v, new Set<Director>()]));
  const holderNow = (): Holder => {
    const sets = vips.map((v) => held.get(v)!);
    if (sets.every((s) => s.size === 0)) return 'none';
    for (const d of ['lb1', 'lb2'] as const) if (sets.every((s) => s.size === 1 && s.has(d))) return d;
    return 'split';
  };
  const bands: Band[] = [];
  const push = (at: number) => {
    const h = holderNow();
    const detail = vips.map((v) => `${v} ${[...held.get(v)!].sort().join('+') || '-'}`).join(', ');
    const last = bands[bands.length - 1];
    if (last && last.holder === h && last.detail === detail) return;
    if (last) last.to = at;
    bands.push({ from: at, to, holder: h, detail });
  };
  const sorted = [...events].sort((a, b) => a.at - b.at);
  let i = 0;
  for (; i < sorted.length && sorted[i].at < from; i++) apply(sorted[i]);
  push(from);
  for (; i < sorted.length && sorted[i].at < to; i++) {
    apply(sorted[i]);
    push(sorted[i].at);
  }
  return bands.filter((b) => b.to > b.from);

  function apply(e: VipEvent): void {
    const s = held.get(e.vip);
    if (!s) return;
    if (e.added) s.add(e.director);
    else s.delete(e.director);
  }
}

export interface Transition {
  at: number;
  director: Director;
  instance: string;
  state: string;
  /** The timestamp's resolution in the log, ms (1000 for keepalived's console format). */
  resolutionMs: number;
}

const ENTERING = /\((\S+)\) Entering (\w+) STATE/;

/** VRRP state entries from a director's log, in either of halo's timestamped formats. */
export function parseTransitions(log: string, director: Director): Transition[] {
  const out: Transition[] = [];
  for (const line of log.split('\n')) {
    const m = ENTERING.exec(line);
    if (!m) continue;
    let at: number | null = null;
    let resolutionMs = 1;
    if (line.startsWith('{')) {
      try {
        const j = JSON.parse(line) as { timestamp?: string };
        if (j.timestamp) at = Date.parse(j.timestamp);
      } catch {
        /* not JSON after all */
      }
    } else {
      // `Sun Nov 22 15:52:38 2026: ...` (local time, whole seconds)
      const p = /^\w{3} (\w{3}) +(\d{1,2}) (\d\d:\d\d:\d\d) (\d{4}):/.exec(line);
      if (p) {
        at = new Date(`${p[1]} ${p[2]} ${p[4]} ${p[3]}`).getTime();
        resolutionMs = 1000;
      }
    }
    if (at !== null && Number.isFinite(at)) out.push({ at, director, instance: m[1], state: m[2], resolutionMs });
  }
  return out;
}
