/**
 * What the clients saw, computed from the load generator's samples (pure).
 *
 * The client-observed outage of a fault at time F is the gap between the last success that
 * completed before the trouble and the first success after it: among successes completing in
 * [F − lookbackMs, F + windowMs], the longest gap between consecutive completion times that
 * ends after F. Failed requests are those started in the window. Spread counts which real
 * server answered, before the fault and after recovery.
 */
import { Sample } from './load';

export interface PhaseReport {
  kind: 'http' | 'dns';
  outageMs: number | null;
  lastOkBefore: number | null;
  firstOkAfter: number | null;
  failed: number;
  /** Failures by reason (timeout, ECONNREFUSED, ...). */
  errors: Record<string, number>;
  sent: number;
  spreadBefore: Record<string, number>;
  spreadAfter: Record<string, number>;
}

export function analysePhase(
  samples: Sample[], kind: 'http' | 'dns', faultAt: number, windowMs: number, lookbackMs = 2000,
): PhaseReport {
  const mine = samples.filter((s) => s.k === kind);
  const inWindow = mine.filter((s) => s.t0 >= faultAt - lookbackMs && s.t0 <= faultAt + windowMs);
  const oks = inWindow.filter((s) => s.ok).map((s) => s.t1).sort((a, b) => a - b);
  let best: { from: number; to: number } | null = null;
  for (let i = 1; i < oks.length; i++) {
    if (oks[i] <= faultAt) continue;
    const gap = oks[i] - oks[i - 1];
    if (!best || gap > best.to - best.from) best = { from: oks[i - 1], to: oks[i] };
  }
  const spread = (xs: Sample[]) =>
    xs.filter((s) => s.ok && s.srv).reduce<Record<string, number>>((acc, s) => ((acc[s.srv!] = (acc[s.srv!] ?? 0) + 1), acc), {});
  const after = best ? best.to : faultAt;
  return {
    kind,
    outageMs: best ? Math.round((best.to - best.from) * 10) / 10 : null,
    lastOkBefore: best?.from ?? null,
    firstOkAfter: best?.to ?? null,
    failed: mine.filter((s) => !s.ok && s.t0 >= faultAt - lookbackMs && s.t0 <= faultAt + windowMs).length,
    errors: inWindow.filter((s) => !s.ok).reduce<Record<string, number>>((acc, s) => ((acc[s.err ?? '?'] = (acc[s.err ?? '?'] ?? 0) + 1), acc), {}),
    sent: inWindow.length,
    spreadBefore: spread(mine.filter((s) => s.t1 < faultAt && s.t0 >= faultAt - lookbackMs)),
    spreadAfter: spread(mine.filter((s) => s.t0 > after && s.t0 <= faultAt + windowMs)),
  };
}
