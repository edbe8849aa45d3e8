/**
 * The drill's bounds (pure): how long clients may see an outage in each phase, from the VRRP
 * timers of the two directors' configs, and the verdict on a measured phase.
 *
 *   crash and link failover:  outage ≤ Master_Down_Interval + 0.3 s  (the backup hears nothing
 *                             and takes over when its down timer expires)
 *   graceful failover:        outage ≤ Skew_Time + 0.3 s             (the master sends priority 0,
 *                             RFC 3768 §6.4.2: the backup waits Skew_Time only)
 *   every failback:           outage ≤ 1.0 s, counted from when the restarted director is ready
 *
 * What the 300 ms must hold, for a graceful failover (takeover.ts measures each term per cycle):
 *   the client's resolution: the last answer can come up to one request period P before the VIPs
 *   leave and the first one up to P after the GARP, plus the first request's round trip through
 *   the new director (P = 50 ms in the VM, 20 ms on a host with IPVS: 100 / 40 ms of the 300);
 *   the master's answer to SIGTERM up to its priority-0 adverts, the spread between a sync
 *   group's adverts (its backup moves when the last member's Skew_Time has run out, keepalived's
 *   vrrp_sync_can_goto_master), and the backup's MASTER → VIPs → GARP: keepalived does these in
 *   well under 10 ms; halo in the 1-vCPU emulated VM, in cycles with both directors on time, took
 *   15-77, 30-58 and 46-168 ms (the VIP watch; 54-74 ms from its first advert to its GARP on the wire).
 * A cycle is inconclusive when a director's processes waited for a CPU longer than the client's
 * lag threshold inside the decisive window (schedstat run_delay: run-delay.ts, validity.ts
 * directorStarvation); without that evidence a slow director is judged, never a reason to widen
 * the bound. The takeover's own lateness (timer slip, lb1's answer to SIGTERM) is reported only.
 *
 * Master_Down_Interval and Skew_Time are the backup's (its own priority, the master's advert
 * interval); with a sync group every instance must move, so the largest one over the group.
 * A phase is judged only when its measurement is valid; an invalid one is "inconclusive",
 * never within or beyond its bound.
 */
import type { Model } from '../config/model';
import { masterDownIntervalMs, skewTimeMs } from '../vrrp/timers';

export type DrillMode = 'crash' | 'graceful' | 'link';
export type PhaseKind = 'failover' | 'failback';

/** Slack for the client's own resolution and the new master's first GARP. */
export const FAILOVER_SLACK_MS = 300;
export const FAILBACK_BOUND_MS = 1000;

export interface VrrpTimers {
  masterDownIntervalMs: number;
  skewTimeMs: number;
}

/**
 * The backup's timers against the master: for every instance of the backup, the master's
 * instance with the same virtual_router_id gives Master_Adver_Interval; the largest over them.
 */
export function backupTimers(master: Model, backup: Model): VrrpTimers {
  let mdi = 0;
  let skew = 0;
  for (const b of backup.vrrpInstances) {
    const m = master.vrrpInstances.find((i) => i.virtualRouterId === b.virtualRouterId && i.family === b.family);
    const adverInt = m?.advertIntMs ?? b.advertIntMs;
    mdi = Math.max(mdi, masterDownIntervalMs(b.version, b.priority, adverInt));
    skew = Math.max(skew, skewTimeMs(b.version, b.priority, adverInt));
  }
  if (backup.vrrpInstances.length === 0) throw new Error(`${backup.file}: no vrrp_instance, nothing to take over`);
  return { masterDownIntervalMs: mdi, skewTimeMs: skew };
}

export interface Bound {
  ms: number;
  /** How the bound was derived, for the report: "Master_Down_Interval 3609.4 ms + 300 ms". */
  rule: string;
}

export function boundFor(mode: DrillMode, kind: PhaseKind, t: VrrpTimers): Bound {
  if (kind === 'failback') return { ms: FAILBACK_BOUND_MS, rule: `failback ${FAILBACK_BOUND_MS} ms from the restarted director's readiness` };
  if (mode === 'graceful') return { ms: t.skewTimeMs + FAILOVER_SLACK_MS, rule: `Skew_Time ${t.skewTimeMs} ms + ${FAILOVER_SLACK_MS} ms` };
  return { ms: t.masterDownIntervalMs + FAILOVER_SLACK_MS, rule: `Master_Down_Interval ${t.masterDownIntervalMs} ms + ${FAILOVER_SLACK_MS} ms` };
}

export type Verdict = 'within' | 'beyond' | 'inconclusive';

export interface JudgedOutage {
  /** Client-observed outage, ms; null when the service never came back within the phase. */
  outageMs: number | null;
}

/** How far the measuring client's own trouble can have stretched a measured outage. */
export interface MeasurementError {
  valid: boolean;
  /** Time the client was stalled in the decisive window, ms. */
  stalledMs: number;
  /** Its largest lag there, ms. */
  maxLagMs: number;
  /** One request period, ms: a stalled client may have missed the probe that would have seen the return. */
  periodMs: number;
  /** What the starved directors waited for a CPU in the window, ms (phase.ts: only when that can excuse the figure). */
  directorWaitMs?: number;
}

/** The least the outage can have been: the measured gap less everything the client may have added. */
export function outageAtLeast(outageMs: number, e: MeasurementError): number {
  return Math.max(0, Math.round((outageMs - e.stalledMs - (e.directorWaitMs ?? 0) - e.maxLagMs - e.periodMs) * 10) / 10);
}

/**
 * A phase's verdict. Valid: beyond when HTTP, DNS or (the dual-stack lab) HTTP over IPv6 saw a
 * longer outage than the bound or never recovered, within otherwise. Invalid: beyond only when
 * the outage exceeds the bound even after taking off all the client's stall could have added (a
 * 20 s outage is not made by a 1.5 s stall); inconclusive otherwise, never within. `why` names
 * the kind and the figures. HTTP over IPv6 has the IPv4 service's bound: the new master's
 * unsolicited Neighbor Advertisements (Override set) move the clients' neighbour entries as
 * its gratuitous ARPs do.
 */
export function judge(e: MeasurementError, bound: Bound, http: JudgedOutage, dns: JudgedOutage, http6?: JudgedOutage): { verdict: Verdict; why: string[] } {
  const why: string[] = [];
  const b = Math.round(bound.ms * 10) / 10;
  const kinds: Array<readonly [string, JudgedOutage]> = [['HTTP', http], ['DNS', dns], ...(http6 ? [['HTTP over IPv6', http6] as const] : [])];
  for (const [kind, r] of kinds) {
    if (e.valid) {
      if (r.outageMs === null) why.push(`${kind} never recovered`);
      else if (r.outageMs > bound.ms) why.push(`${kind} outage ${r.outageMs} ms > ${b} ms (${bound.rule})`);
    } else if (r.outageMs !== null && outageAtLeast(r.outageMs, e) > bound.ms) {
      why.push(`${kind} outage at least ${outageAtLeast(r.outageMs, e)} ms > ${b} ms (${bound.rule}), even allowing for the client's ${(e.stalledMs / 1000).toFixed(1)} s stall${e.directorWaitMs ? ` and the directors' ${(e.directorWaitMs / 1000).toFixed(1)} s waiting for a CPU` : ''}`);
    }
  }
  if (why.length > 0) return { verdict: 'beyond', why };
  return { verdict: e.valid ? 'within' : 'inconclusive', why };
}

/** min / median / max of the valid figures (null when there are none). */
export function spreadOf(xs: number[]): { min: number; median: number; max: number; n: number } | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { min: s[0], median: Math.round(median * 10) / 10, max: s[s.length - 1], n: s.length };
}

/** The drill's exit status: 1 when anything failed, else 3 when a phase stayed inconclusive, else 0. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_INCONCLUSIVE = 3;

export function exitStatus(failed: boolean, inconclusive: boolean): number {
  if (failed) return EXIT_FAILED;
  return inconclusive ? EXIT_INCONCLUSIVE : EXIT_OK;
}
