/**
 * Each checker kind's retry rule and log lines, behind one shape, so the engine
 * (health-checker.ts) runs every kind the same way: a probe outcome and the checker's state go
 * in, the next state, when to probe next and keepalived's log lines come out.
 */
import type { RunCheck } from '../config/model';
import { initialHttpState, onHttpResult } from './http-retry';
import type { HttpState } from './http-retry';
import { initialMiscState, onMiscResult } from './misc-retry';
import type { MiscState } from './misc-retry';
import type { ProbeOutcome } from './probe';
import { initialCheckerState, onProbeResult } from './retry';
import type { CheckerState } from './retry';
import type { CheckTarget } from './targets';

export interface Verdict {
  state: CheckerState;
  /** When to probe next (absolute, the clock's timescale). */
  nextAt: number;
  lines: string[];
  /** isUp changed: the pools using the target must be re-evaluated. */
  changed: boolean;
  /** The misc_dynamic weight changed. */
  weightChanged: boolean;
}

export function initialState(c: RunCheck): CheckerState {
  switch (c.kind) {
    case 'HTTP_GET': case 'SSL_GET': return initialHttpState(c);
    case 'MISC_CHECK': return initialMiscState(c);
    default: return initialCheckerState(c);
  }
}

/** A definite outcome (never `stalled`: the engine handles that before any rule). */
export function settle(t: CheckTarget, s: CheckerState, o: ProbeOutcome, startedAt: number, now: number): Verdict {
  const c = t.check;
  switch (c.kind) {
    case 'TCP_CHECK': {
      const lines: string[] = [];
      const result = o.result === 'success' ? 'success' : o.result === 'timeout' ? 'timeout' : 'failed';
      if (result !== 'success' && s.isUp && c.logAllFailures) lines.push(`TCP connection to ${t.name} ${result === 'timeout' ? 'timeout' : 'failed'}.`);
      const step = onProbeResult(s, result, c);
      if (step.log === 'success') lines.push(`TCP connection to ${t.name} success.`);
      else if (step.log === 'failed') lines.push(`TCP_CHECK on service ${t.name} failed.`);
      else if (step.log === 'failed-after-retries') lines.push(`TCP_CHECK on service ${t.name} failed after ${c.retry} retries.`);
      return { state: step.state, nextAt: now + step.delayMs, lines, changed: step.changed, weightChanged: false };
    }
    case 'HTTP_GET': case 'SSL_GET': {
      const hs = s as HttpState;
      const step = onHttpResult(hs, o.result === 'success', { ...c, urlCount: c.urls.length });
      const lines: string[] = [];
      for (const l of step.logs) {
        if (l.kind === 'url-success') lines.push(`${o.reason ?? 'HTTP status code'} success to ${t.name} url(${c.urls[l.url].path})`);
        else if (l.kind === 'succeed') lines.push(`Remote Web server ${t.name} succeed on service.`);
        else if (l.kind === 'failed') lines.push(`HTTP_CHECK on service ${t.name} failed.`);
        else if (l.kind === 'failed-after-retries') lines.push(`HTTP_CHECK on service ${t.name} failed after ${l.retries} retries.`);
        else if (c.logAllFailures) lines.push(`${o.reason ?? 'Connection failed'} server ${t.name}.`);
      }
      return { state: step.state, nextAt: now + step.delayMs, lines, changed: step.changed, weightChanged: false };
    }
    case 'MISC_CHECK': {
      const ms = s as MiscState;
      const run = { status: o.exitCode ?? (o.result === 'success' ? 0 : null), signal: o.signal ?? null, timedOut: o.timedOut ?? false };
      if (run.status === null && run.signal === null) run.status = 1;
      const step = onMiscResult(ms, run, c);
      const lines = step.log === null ? [] : [`Misc check for [${t.name} VS ${t.vsName}] by [${c.path[0]}] ${step.log}.`];
      if (o.reason && o.result !== 'success' && lines.length > 0) lines.unshift(o.reason);
      return {
        state: step.state, nextAt: Math.max(now, startedAt + step.delayFromStartMs), lines, changed: step.changed,
        weightChanged: step.weightChanged,
      };
    }
  }
}
