/**
 * One phase of the drill, measured (pure): the clients' outage for HTTP and DNS (with `--ipv6`
 * also HTTP over IPv6), the measuring client's validity through the decisive window, the
 * phase's bound and its verdict.
 */
import { boundFor, Bound, DrillMode, judge, outageAtLeast, PhaseKind, Verdict, VrrpTimers } from './bounds';
import type { Director } from './cluster';
import type { LagRecord, StallRecord } from './client-lag';
import type { LoadSummary, Sample } from './load';
import { analysePhase, PhaseReport } from './outage';
import type { TakeoverTimeline } from './takeover';
import { runDelayIn, type RunDelaySample } from './run-delay';
import { decisiveWindow, directorStarvation, judgeValidity, stallsOver, Validity } from './validity';

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
  /**
   * HTTP over IPv6 through the IPv6 VIP (`--ipv6` only): judged as HTTP and DNS are, against the
   * phase's bound, within the phase's validity (its gaps are among the decisive marks).
   */
  http6?: PhaseReport;
  /** Whether the figures hold: the measuring client's lag through the decisive window. */
  valid: boolean;
  validity: Validity;
  bound: Bound;
  verdict: Verdict;
  /** Why a phase is beyond its bound (empty otherwise). */
  why: string[];
  /** Which cycle of the mode these figures are from (1 = the first). */
  attempt: number;
  /** Graceful failover: where the time went, step by step (takeover.ts). */
  takeover?: TakeoverTimeline;
}

export interface PhaseMarks {
  /** Outages are looked for from here (the fault, or the restart command) to from + windowMs. */
  from: number;
  windowMs: number;
  /** The fault, or the restarted director's readiness. */
  at: number;
  restartAt: number | null;
  /** The restarted director never answered on its control socket (`at` is then the restart): no start-up figure. */
  neverReady?: boolean;
  /** Every VIP added on the new holder, epoch ms (null: never). */
  vipAt: number | null;
  holder: Director | null;
  attempt: number;
  /** The directors' processes' waits for a CPU over the cycle (run-delay.ts): the evidence of starvation. */
  runDelay?: RunDelaySample[];
}

export function measurePhase(mode: DrillMode, kind: PhaseKind, rec: Recording, timers: VrrpTimers, maxLagMs: number, p: PhaseMarks): PhaseResult {
  const stalls = stallsOver(rec.stalls, maxLagMs);
  const http = analysePhase(rec.samples, 'http', p.from, p.windowMs, { stalls });
  const dns = analysePhase(rec.samples, 'dns', p.from, p.windowMs, { stalls });
  const http6 = rec.samples.some((s) => s.k === 'http6') ? analysePhase(rec.samples, 'http6', p.from, p.windowMs, { stalls }) : undefined;
  const end = p.from + p.windowMs;
  // what decides the figures: the outage gaps, the VIPs' arrival, and for a failover the fault
  // itself; a failback's readiness is not among them (the new master takes over a
  // Master_Down_Interval later, while the old one keeps serving)
  const gaps = (r: PhaseReport) => [r.lastOkBefore, r.firstOkAfter ?? end];
  const window = decisiveWindow([
    kind === 'failover' ? p.at : null, p.vipAt ?? end, ...gaps(http), ...gaps(dns), ...(http6 ? gaps(http6) : []),
  ]);
  const clientValidity = judgeValidity(rec.lag, rec.stalls, window, maxLagMs);
  // A director whose processes waited for a CPU longer than the threshold within the window was
  // starved by the machine. Starving a director can only lengthen an outage (a late GARP, a
  // late VIP release), never shorten it: a phase within its bound stays within. Beyond it, the
  // phase is inconclusive when the waits can explain the excess (the figure is the machine's)
  // and beyond when they cannot; without that evidence a slow director is judged as it is.
  const runDelayMs = p.runDelay ? runDelayIn(p.runDelay, window) : undefined;
  const starved = runDelayMs ? directorStarvation(runDelayMs, maxLagMs) : [];
  const bound = boundFor(mode, kind, timers);
  const periodMs = 1000 / (rec.summary?.rateHz ?? 20);
  const asMeasured = judge({ ...clientValidity, periodMs }, bound, http, dns, http6);
  // what the client's stall and the directors' waits together can have added to the outage
  const waitedMs = starved.reduce((a, s) => a + s.waitedMs, 0);
  const blameDirectors = starved.length > 0 && asMeasured.verdict !== 'within';
  const validity: Validity = {
    ...clientValidity,
    ...(runDelayMs ? { directorRunDelayMs: runDelayMs } : {}),
    ...(blameDirectors ? { valid: false, starvedDirectors: starved.map((s) => s.text) } : {}),
  };
  const error = { ...validity, periodMs, ...(blameDirectors ? { directorWaitMs: waitedMs } : {}) };
  const { verdict, why } = blameDirectors ? judge(error, bound, http, dns, http6) : asMeasured;
  // a starved client's figure is no figure: kept apart for diagnosis, with the least the outage
  // can have been, never as the outage
  if (!validity.valid) {
    for (const r of [http, dns, ...(http6 ? [http6] : [])]) {
      Object.assign(r, { outageMs: null, unvalidatedOutageMs: r.outageMs, outageAtLeastMs: r.outageMs === null ? null : outageAtLeast(r.outageMs, error) });
    }
  }
  return {
    name: `${mode} ${kind}`, mode, kind, at: p.at, restartAt: p.restartAt,
    startupMs: p.restartAt === null || mode === 'link' || p.neverReady ? null : Math.round(p.at - p.restartAt),
    holder: p.holder, vipMoveMs: p.vipAt === null ? null : Math.round((p.vipAt - p.at) * 10) / 10,
    http, dns, ...(http6 ? { http6 } : {}), valid: validity.valid, validity, bound, verdict, why, attempt: p.attempt,
  };
}

/**
 * Across the cycles of a mode: each phase keeps its first conclusive measurement (valid, or
 * beyond its bound whatever the client's stall); a phase still inconclusive takes the newest
 * attempt (so it reports its last try).
 */
export function keepConclusive(best: PhaseResult[], latest: PhaseResult[]): PhaseResult[] {
  return latest.map((p, i) => (best[i] && best[i].verdict !== 'inconclusive' ? best[i] : p));
}
