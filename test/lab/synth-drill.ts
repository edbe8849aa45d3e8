/**
 * A synthesised drill cycle, shaped like a real VM run of the thesis cluster (20 Hz client,
 * 1 s timeout, advert_int 1): measured with the drill's own pure functions, for the report's
 * tests. Every figure follows from the events below, none is written in by hand.
 */
import { VrrpTimers } from '../../src/lab/bounds';
import { LagRecord, StallRecord } from '../../src/lab/client-lag';
import type { DrillResult, DrillTrace } from '../../src/lab/drill';
import { DrillMode } from '../../src/lab/bounds';
import { Sample } from '../../src/lab/load';
import { measurePhase, Recording } from '../../src/lab/phase';
import { VipEvent } from '../../src/lab/vip-watch';
import { Transition } from '../../src/lab/timeline';
import type { RunDelaySample } from '../../src/lab/run-delay';
import { ConnSyncResult, ConnSyncRun, runViolations, SYNC_DAEMON } from '../../src/lab/conn-sync';
import { FlowVerdict, tally } from '../../src/lab/flows';

export const TIMERS: VrrpTimers = { masterDownIntervalMs: 3609.375, skewTimeMs: 609.375 };
const T0 = Date.parse('2026-11-30T11:00:00Z');
const VIPS = ['192.168.1.200', '192.168.1.202', '10.0.100.200'];

export interface SynthOptions {
  mode?: DrillMode;
  /** A client stall [from, to) in ms after the cycle start. */
  stall?: [number, number];
  /** How long lb2 takes to hold the VIPs after the fault, ms. */
  takeoverMs?: number;
  /** --ipv6: HTTP over IPv6 too, failing for this long after the fault (ms). */
  ipv6OutageMs?: number;
  /** How long each director's worker waited for a CPU around the failover (schedstat run_delay), ms. */
  directorWaitMs?: Partial<Record<'lb1' | 'lb2', number>>;
  /** lb1 never answered on its control socket after its restart. */
  neverReady?: boolean;
}

export function synthCycle(o: SynthOptions = {}): { trace: DrillTrace; result: DrillResult } {
  const mode = o.mode ?? 'crash';
  const takeover = o.takeoverMs ?? (mode === 'graceful' ? 650 : 3640);
  const f = T0 + 2500;
  const moved = f + takeover;
  const r = moved + 6000;
  const ready = r + (mode === 'link' ? 0 : 18_000);
  const back = ready + 250;
  const end = back + 3500;
  const stalled = (t: number) => !!o.stall && t >= T0 + o.stall[0] && t < T0 + o.stall[1];
  const samples: Sample[] = [];
  let n = 0;
  for (let slot = T0; slot < end - 1000; slot += 50) {
    for (const k of o.ipv6OutageMs === undefined ? (['http', 'dns'] as const) : (['http', 'dns', 'http6'] as const)) {
      if (stalled(slot)) {
        samples.push({ k, slot, t0: slot, t1: slot, ok: false, o: 'not-sent', err: 'client stalled' });
        continue;
      }
      const srv = k === 'dns' ? `dns${(n % 3) + 1}` : `web${(n % 3) + 1}`;
      const down = k === 'http6' ? slot >= f && slot < f + o.ipv6OutageMs! : (slot >= f && slot < moved) || (slot >= back - 200 && slot < back);
      if (down && k === 'http' && slot < f + 1000) samples.push({ k, slot, t0: slot + 1, t1: slot + 2100, ok: false, o: 'late', srv });
      else if (down) samples.push({ k, slot, t0: slot + 1, t1: slot + 3001, ok: false, o: 'failed', err: 'timeout' });
      else samples.push({ k, slot, t0: slot + 1, t1: slot + 4, ok: true, o: 'answered', srv });
    }
    n++;
  }
  const lag: LagRecord[] = [];
  for (let t = T0; t < end; t += 100) lag.push({ k: 'lag', t, loop: 3, tick: stalled(t) ? 1000 : 1, send: 0.5 });
  const stalls: StallRecord[] = o.stall ? [{ k: 'stall', from: T0 + o.stall[0], to: T0 + o.stall[1] }] : [];
  const ev = (at: number, director: 'lb1' | 'lb2', added: boolean): VipEvent[] => VIPS.map((vip, i) => ({ at: at + i, director, vip, added }));
  const vipEvents = [...ev(T0 - 60_000, 'lb1', true), ...ev(f + 90, 'lb1', false), ...ev(moved - 3, 'lb2', true),
    ...ev(back - 60, 'lb2', false), ...ev(back - 3, 'lb1', true)];
  const tr = (at: number, director: 'lb1' | 'lb2', state: string): Transition[] =>
    ['VI_E', 'VI_I'].map((instance) => ({ at, director, instance, state, resolutionMs: 1 }));
  const transitions = [...tr(moved - 5, 'lb2', 'MASTER'), ...tr(ready + 100, 'lb1', 'BACKUP'), ...tr(back - 5, 'lb1', 'MASTER'), ...tr(back - 60, 'lb2', 'BACKUP')];
  const rec: Recording = { samples, lag, stalls, summary: null };
  // cumulative run delay, sampled every 100 ms: each director's wait falls just after the fault
  const runDelay: RunDelaySample[] = [];
  for (const [i, lb] of (['lb1', 'lb2'] as const).entries()) {
    for (let t = T0; t < end; t += 100) runDelay.push({ t, director: lb, pid: 100 + i, delayMs: 5 + (t > f + 100 ? o.directorWaitMs?.[lb] ?? 0 : 0) });
  }
  const failover = measurePhase(mode, 'failover', rec, TIMERS, 100, { from: f, windowMs: r - f, at: f, restartAt: null, vipAt: moved, holder: 'lb2', attempt: 1, runDelay });
  const failback = measurePhase(mode, 'failback', rec, TIMERS, 100, { from: ready, windowMs: end - ready, at: ready, restartAt: r, neverReady: o.neverReady, vipAt: back, holder: 'lb1', attempt: 1 });
  const marks = [{ at: f, label: `${mode} fault` }, { at: r, label: 'lb1 restarted' }, { at: ready, label: 'lb1 ready' }];
  const phases = [failover, failback];
  return {
    trace: { mode, run: 1, attempt: 1, from: T0, to: end, samples, lag, stalls, vipEvents, marks, transitions, phases },
    result: { mode, run: 1, phases, realServerFailure: null, hung: 0, violations: [], inconclusive: phases.filter((p) => p.verdict === 'inconclusive').map((p) => p.name), attempts: 1 },
  };
}

/**
 * `--conn-sync`'s result as the drill builds it (conn-sync.ts's runViolations and tally judge
 * the flows): three flows with sync, three without; `brokenWithSync` breaks that many of the
 * flows that should have survived (ECONNRESET), a violation.
 */
export function synthConnSync(brokenWithSync = 0): ConnSyncResult {
  const flow = (f: number, outcome: FlowVerdict['outcome'], end: string | null): FlowVerdict => ({ f, port: 40000 + f, outcome, bytesBeforeFault: 65536, bytesAfterTakeover: outcome === 'survived' ? 32768 : 0, end });
  const run = (sync: boolean): ConnSyncRun => {
    const flows = [0, 1, 2].map((f) => (sync && f >= brokenWithSync ? flow(f, 'survived', 'stopped') : sync || f !== 2 ? flow(f, 'broken', 'ECONNRESET') : flow(f, 'stalled', 'stopped')));
    const t = tally(flows);
    const r = { sync, flows, onBackupAtFault: sync ? 3 : 0, takenOver: true };
    return { ...r, survived: t.survived, broke: t.broke, ends: t.ends, violations: runViolations(r) };
  };
  const runs = [run(true), run(false)];
  return { flows: 3, service: '192.168.1.202:80', syncDaemon: SYNC_DAEMON, runs, violations: runs.flatMap((r) => r.violations) };
}
