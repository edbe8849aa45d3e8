/**
 * One phase of the drill, measured (pure): the clients' outage for HTTP and DNS, the measuring
 * client's validity through the decisive window, the phase's bound and its verdict.
 */
import { boundFor, Bound, DrillMode, judge, PhaseKind, Verdict, VrrpTimers } from './bounds';
import type { Director } from './cluster';
import type { LagRecord, StallRecord } from './client-lag';
import type { LoadSummary, Sample } from './load';
import { analysePhase, PhaseReport } from './outage';
import { decisiveWindow, judgeValidity, stallsOver, Validity } from './validity';

/** What the load generator recorded over one cycle. */
export interface Recording {
  samples: Sample[];
  lag: LagRecord[];
  stalls: StallRecord[];
  summary: LoadSummary | null;
}

export interface PhaseResult {
  name: string;
  mode: DrillMode;
  kind: PhaseKind;
  /** Fault, or for a failback the moment the restarted director was ready, epoch ms. */
  at: number;
  /** Failback: the restart command (or link up), epoch ms; null for a failover. */
  restartAt: number | null;
  /** Failback after a restart: restart command → the director answers on its control socket, ms. */
  startupMs: number | null;
  /** `at` → every VIP added on the new holder, ms. */
  vipMoveMs: number | null;
  holder: Director | null;
  http: PhaseReport;
  dns: PhaseReport;
  /** Whether the figures hold: the measuring client's lag through the decisive window. */
  valid: boolean;
  validity: Validity;
  bound: Bound;
  verdict: Verdict;
  /** Which cycle of the mode these figures are from (1 = the first). */
  attempt: number;
}

export interface PhaseMarks {
  /** Outages are looked for from here (the fault, or the restart command) to from + windowMs. */
  from: number;
  windowMs: number;
  /** The fault, or the restarted director's readiness. */
  at: number;
  restartAt: number | null;
  /** Every VIP added on the new holder, epoch ms (null: never). */
  vipAt: number | null;
  holder: Director | null;
  attempt: number;
}

export function measurePhase(mode: DrillMode, kind: PhaseKind, rec: Recording, timers: VrrpTimers, maxLagMs: number, p: PhaseMarks): PhaseResult {
  const stalls = stallsOver(rec.stalls, maxLagMs);
  const http = analysePhase(rec.samples, 'http', p.from, p.windowMs, { stalls });
  const dns = analysePhase(rec.samples, 'dns', p.from, p.windowMs, { stalls });
  const end = p.from + p.windowMs;
  const validity = judgeValidity(rec.lag, rec.stalls, decisiveWindow([
    p.at, p.vipAt ?? end, http.lastOkBefore, http.firstOkAfter ?? end, dns.lastOkBefore, dns.firstOkAfter ?? end,
  ]), maxLagMs);
  const bound = boundFor(mode, kind, timers);
  const { verdict } = judge(validity.valid, bound, http, dns);
  // a starved client's figure is no figure: kept apart for diagnosis, never as the outage
  if (!validity.valid) for (const r of [http, dns]) Object.assign(r, { outageMs: null, unvalidatedOutageMs: r.outageMs });
  return {
    name: `${mode} ${kind}`, mode, kind, at: p.at, restartAt: p.restartAt,
    startupMs: p.restartAt === null || mode === 'link' ? null : Math.round(p.at - p.restartAt),
    holder: p.holder, vipMoveMs: p.vipAt === null ? null : Math.round((p.vipAt - p.at) * 10) / 10,
    http, dns, valid: validity.valid, validity, bound, verdict, attempt: p.attempt,
  };
}

/**
 * Across the cycles of a mode: each phase keeps its first valid measurement; a phase not yet
 * measured validly takes the newest attempt (so an inconclusive one reports its last try).
 */
export function keepValid(best: PhaseResult[], latest: PhaseResult[]): PhaseResult[] {
  return latest.map((p, i) => (best[i]?.valid ? best[i] : p));
}
