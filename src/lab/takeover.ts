/**
 * A graceful failover, step by step (pure): where the client-observed outage went, from the
 * drill's own marks, both directors' JSON logs (millisecond timestamps, keepalived's log words),
 * the `ip monitor address` events and the client's samples.
 *
 *   last answer before ─ SIGTERM sent ─ lb1 "Stopping (SIGTERM)" ─ lb1 "sent 0 priority"
 *   ─ lb2 "Backup received priority 0 advertisement" ─ lb2 "Receive advertisement timeout"
 *   (due Skew_Time after the priority-0 advert: the difference is lb2's timer slip)
 *   ─ lb2 "Entering MASTER STATE" ─ every VIP added on lb2 ─ lb2's last
 *   "Sending/queueing gratuitous ARPs" ─ first answer after (HTTP, DNS)
 *
 * Every mark is the first such event after the SIGTERM (for a sync group, the last instance's,
 * since the clients need every VIP). A mark that is missing stays null and so do its segments.
 *
 * halo writes a step's log lines after the step's network actions have started (the VIP adds
 * leave first), so lb2's "timeout" and "MASTER" lines are stamped once its adds are on their
 * way: "MASTER → VIPs added" can be near zero or negative, and the timer slip includes the
 * step's own work. "priority 0 received → VIPs added" (Skew_Time plus everything lb2 did) does
 * not depend on where the lines fall, and compares across builds.
 */
import type { Sample, SampleKind } from './load';
import type { VipEvent } from './vip-watch';

export interface LogEvent {
  at: number;
  message: string;
}

/** halo's JSON log lines (`--log-format json`) as (epoch ms, message); other lines are skipped. */
export function parseJsonLog(text: string): LogEvent[] {
  const out: LogEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const j = JSON.parse(line) as { timestamp?: string; message?: string };
      const at = j.timestamp ? Date.parse(j.timestamp) : NaN;
      if (Number.isFinite(at) && typeof j.message === 'string') out.push({ at, message: j.message });
    } catch {
      /* a torn line */
    }
  }
  return out;
}

export interface TakeoverMarks {
  lastOkBefore: number | null;
  sigterm: number;
  stopping: number | null;
  priority0Sent: number | null;
  priority0Received: number | null;
  adverTimeout: number | null;
  master: number | null;
  vipsAdded: number | null;
  garp: number | null;
  firstOk: Partial<Record<SampleKind, number | null>>;
}

export interface TakeoverTimeline {
  marks: TakeoverMarks;
  /** Named segments, ms (null when either end is missing). */
  segments: Record<string, number | null>;
  /** lb2's down timer fired this late after Skew_Time from the priority-0 advert, ms. */
  backupTimerSlipMs: number | null;
}

export interface TakeoverInput {
  sigterm: number;
  /** The end of the failover phase (the recovery began). */
  until: number;
  master: LogEvent[];
  backup: LogEvent[];
  vipEvents: VipEvent[];
  vips: string[];
  samples: Sample[];
  skewTimeMs: number;
  /** The instances that must all move (the sync group). */
  instances: string[];
}

const round = (x: number | null): number | null => (x === null ? null : Math.round(x * 10) / 10);
const diff = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : round(b - a));

/** The first event in [from, until) whose message matches, per instance; the latest of those (every instance done). */
function allInstances(events: LogEvent[], from: number, until: number, instances: string[], re: (vi: string) => RegExp, which: 'first' | 'last' = 'last'): number | null {
  const ats: number[] = [];
  for (const vi of instances) {
    const e = events.find((x) => x.at >= from && x.at < until && re(vi).test(x.message));
    if (!e) return null;
    ats.push(e.at);
  }
  return which === 'last' ? Math.max(...ats) : Math.min(...ats);
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function takeoverTimeline(i: TakeoverInput): TakeoverTimeline {
  const from = i.sigterm - 50; // the log's clock and the drill's clock are the same, its stamps are ms
  const firstAfter = (events: LogEvent[], re: RegExp, after = from) => events.find((e) => e.at >= after && e.at < i.until && re.test(e.message))?.at ?? null;
  const stopping = firstAfter(i.master, /^Stopping \(SIGTERM\)/);
  const priority0Sent = allInstances(i.master, from, i.until, i.instances, (vi) => new RegExp(`^\\(${esc(vi)}\\) sent 0 priority`), 'first');
  const priority0Received = allInstances(i.backup, from, i.until, i.instances, (vi) => new RegExp(`^\\(${esc(vi)}\\) Backup received priority 0 advertisement`), 'first');
  const after0 = priority0Received ?? from;
  const adverTimeout = allInstances(i.backup, after0, i.until, i.instances, (vi) => new RegExp(`^\\(${esc(vi)}\\) Receive advertisement timeout`), 'first');
  const master = allInstances(i.backup, after0, i.until, i.instances, (vi) => new RegExp(`^\\(${esc(vi)}\\) Entering MASTER STATE`));
  const garp = allInstances(i.backup, after0, i.until, i.instances, (vi) => new RegExp(`^\\(${esc(vi)}\\) Sending/queueing gratuitous ARPs`));
  const added = new Map<string, number>();
  for (const e of [...i.vipEvents].sort((a, b) => a.at - b.at)) if (e.director === 'lb2' && e.added && e.at >= from && e.at < i.until && !added.has(e.vip)) added.set(e.vip, e.at);
  const vipsAdded = i.vips.every((v) => added.has(v)) ? Math.max(...i.vips.map((v) => added.get(v)!)) : null;
  const kinds = [...new Set(i.samples.map((s) => s.k))].sort();
  const oks = (k: SampleKind) => i.samples.filter((s) => s.k === k && s.ok).map((s) => s.t1).sort((a, b) => a - b);
  const firstOk: TakeoverMarks['firstOk'] = {};
  let lastOkBefore: number | null = null;
  for (const k of kinds) {
    const t = oks(k);
    const before = t.filter((x) => x <= i.sigterm);
    if (before.length > 0) lastOkBefore = Math.max(lastOkBefore ?? -Infinity, before[before.length - 1]);
    // the first answer after the VIPs left (lb1 goes on answering until it removes them)
    const start = garp ?? vipsAdded ?? i.sigterm;
    firstOk[k] = t.find((x) => x > start && x < i.until) ?? null;
  }
  const marks: TakeoverMarks = { lastOkBefore, sigterm: i.sigterm, stopping, priority0Sent, priority0Received, adverTimeout, master, vipsAdded, garp, firstOk };
  const segments: Record<string, number | null> = {
    'last answer → SIGTERM': diff(lastOkBefore, i.sigterm),
    'SIGTERM → lb1 stopping': diff(i.sigterm, stopping),
    'lb1 stopping → priority 0 sent': diff(stopping, priority0Sent),
    'priority 0 sent → lb2 received it': diff(priority0Sent, priority0Received),
    'priority 0 received → lb2 timeout': diff(priority0Received, adverTimeout),
    'lb2 timeout → MASTER (all)': diff(adverTimeout, master),
    'MASTER → VIPs added (all)': diff(master, vipsAdded),
    'MASTER → GARP (all)': diff(master, garp),
    'priority 0 received → VIPs added (all)': diff(priority0Received, vipsAdded),
    'SIGTERM → GARP': diff(i.sigterm, garp),
  };
  for (const k of kinds) segments[`GARP → first ${k} answer`] = diff(garp, firstOk[k] ?? null);
  const backupTimerSlipMs = priority0Received === null || adverTimeout === null ? null : round(adverTimeout - priority0Received - i.skewTimeMs);
  return { marks, segments, backupTimerSlipMs };
}

/** One line per segment, for the drill's printout. */
export function formatTakeover(t: TakeoverTimeline): string {
  const f = (x: number | null) => (x === null ? '-' : `${x.toFixed(0)} ms`);
  const parts = Object.entries(t.segments).map(([k, v]) => `${k} ${f(v)}`);
  return `${parts.join('; ')}; lb2 timer slip ${f(t.backupTimerSlipMs)}`;
}
