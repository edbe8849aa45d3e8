/**
 * What the clients saw, computed from the load generator's samples (pure).
 *
 * The client-observed outage of a fault at time F is the gap between the last answer before the
 * trouble and the first answer after it: among requests answered within their timeout and
 * completing in [F − lookbackMs, F + windowMs], the longest gap between consecutive completion
 * times that ends after F; a gap open at F − lookbackMs starts at the last answer before it. A
 * gap that overlaps a span where the client itself was stalled, with no request sent in it
 * failing or answered late, is the client's doing, not the service's, and is left out; one with
 * failures stays a candidate (and the drill's validity check then judges it).
 * Counts are of requests scheduled in the window: answered, late (a reply after the timeout),
 * failed (error or no reply), not sent (the client was stalled at the slot). Spread counts
 * which real server answered, before the fault and after recovery.
 */
import { outcomeOf, Sample, SampleKind } from './load';

export interface PhaseReport {
  kind: SampleKind;
  /** null when the service never came back in the window, or when the measurement is invalid. */
  outageMs: number | null;
  /** An invalid measurement's figure, for diagnosis only (phase.ts). */
  unvalidatedOutageMs?: number | null;
  /** An invalid measurement's lower limit: the figure less all the client's stall can have added. */
  outageAtLeastMs?: number | null;
  lastOkBefore: number | null;
  firstOkAfter: number | null;
  answered: number;
  /** Replies that came after the request's timeout: neither answered nor failed. */
  late: number;
  failed: number;
  /** Slots the client could not send because it was stalled. */
  notSent: number;
  /** Failures by reason (timeout, ECONNREFUSED, ...). */
  errors: Record<string, number>;
  sent: number;
  spreadBefore: Record<string, number>;
  spreadAfter: Record<string, number>;
}

export interface Span {
  from: number;
  to: number;
}

export interface AnalyseOptions {
  lookbackMs?: number;
  /** Spans where the client was stalled: a gap overlapping one is not an outage candidate. */
  stalls?: Span[];
}

const overlaps = (a: Span, b: Span): boolean => a.from < b.to && b.from < a.to;

export function analysePhase(samples: Sample[], kind: SampleKind, faultAt: number, windowMs: number, opts: AnalyseOptions = {}): PhaseReport {
  const lookbackMs = opts.lookbackMs ?? 2000;
  const stalls = opts.stalls ?? [];
  const mine = samples.filter((s) => s.k === kind);
  const inWindow = mine.filter((s) => s.t0 >= faultAt - lookbackMs && s.t0 <= faultAt + windowMs);
  // an outage already in progress at faultAt (a failback whose VIPs moved before the restarted
  // director was ready, lookback or not) is measured from the last answer before it: the gap's
  // start is the newest answer completing at or before the window's first one, however far back
  const earliest = faultAt - lookbackMs;
  const anchor = mine.reduce<number | null>((a, s) => (s.ok && s.t1 <= faultAt && s.t0 < earliest && (a === null || s.t1 > a) ? s.t1 : a), null);
  const oks = [...(anchor === null ? [] : [anchor]), ...inWindow.filter((s) => s.ok).map((s) => s.t1)].sort((a, b) => a - b);
  const troubled = mine.filter((s) => s.t0 >= (anchor ?? earliest) && s.t0 <= faultAt + windowMs && (s.o === 'failed' || s.o === 'late' || (!s.o && !s.ok))).map((s) => s.t0);
  let best: Span | null = null;
  for (let i = 1; i < oks.length; i++) {
    if (oks[i] <= faultAt) continue;
    const gap = { from: oks[i - 1], to: oks[i] };
    // a gap the client made by stalling: it overlaps a stall and no request sent in it failed
    if (stalls.some((s) => overlaps(s, gap)) && !troubled.some((t) => t > gap.from && t < gap.to)) continue;
    if (!best || gap.to - gap.from > best.to - best.from) best = gap;
  }
  const spread = (xs: Sample[]) =>
    xs.filter((s) => s.ok && s.srv).reduce<Record<string, number>>((acc, s) => ((acc[s.srv!] = (acc[s.srv!] ?? 0) + 1), acc), {});
  const after = best ? best.to : faultAt;
  const count = (o: string) => inWindow.filter((s) => outcomeOf(s) === o).length;
  return {
    kind,
    outageMs: best ? Math.round((best.to - best.from) * 10) / 10 : null,
    lastOkBefore: best?.from ?? null,
    firstOkAfter: best?.to ?? null,
    answered: count('answered'),
    late: count('late'),
    failed: count('failed'),
    notSent: count('not-sent'),
    errors: inWindow.filter((s) => outcomeOf(s) === 'failed').reduce<Record<string, number>>((acc, s) => ((acc[s.err ?? '?'] = (acc[s.err ?? '?'] ?? 0) + 1), acc), {}),
    sent: inWindow.length - count('not-sent'),
    spreadBefore: spread(mine.filter((s) => s.t1 < faultAt && s.t0 >= faultAt - lookbackMs)),
    spreadAfter: spread(mine.filter((s) => s.t0 > after && s.t0 <= faultAt + windowMs)),
  };
}
