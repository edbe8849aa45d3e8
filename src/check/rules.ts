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
import { onDnsResult } from './dns-retry';
import { onSmtpResult } from './smtp-retry';
import { onFileValue } from './file-rule';
import { readTrackFile } from './file-probe';
import { initialCheckerState, onProbeResult } from './retry';
import type { CheckerState } from './retry';
import type { CheckTarget } from './targets';

/** keepalived's words of the TCP-like checkers (check_tcp.c, check_udp.c, check_ping.c). */
const WORDS: Record<'TCP_CHECK' | 'UDP_CHECK' | 'PING_CHECK', {
  conn: string; check: string; after: (t: CheckTarget) => string; detail: (t: CheckTarget, r: 'failed' | 'timeout', reason?: string) => string;
}> = {
  TCP_CHECK: { conn: 'TCP', check: 'TCP_CHECK', after: (t) => t.name, detail: (t, r) => `TCP connection to ${t.name} ${r}.` },
  UDP_CHECK: {
    conn: 'UDP', check: 'UDP_CHECK', after: (t) => t.name,
    detail: (t, _r, reason) => (reason === 'reply data mismatch' ? `UDP check to ${t.name} reply data mismatch.` : `UDP connection to ${t.name} failed.`),
  },
  PING_CHECK: {
    conn: 'ICMP', check: 'ICMP CHECK', after: (t) => `${t.name} of ${t.vsName}`,
    detail: (t, r) => (r === 'timeout' ? `ICMP connection to address ${t.name} timeout.` : `ICMP connection to ${t.name} of ${t.vsName} failed.`),
  },
};

export interface Verdict {
  state: CheckerState;
  /** When to probe next (absolute, the clock's timescale). */
  nextAt: number;
  lines: string[];
  /** isUp changed: the pools using the target must be re-evaluated. */
  changed: boolean;
  /** The misc_dynamic weight changed. */
  weightChanged: boolean;
  /**
   * The body of the SMTP alert keepalived's checker sends for this result (smtp_alert on the
   * real server permitting), or null: each kind's words (check_tcp.c, check_http.c, …).
   */
  alert: string | null;
}

/** keepalived's alert bodies of the TCP-like checkers. */
const ALERT_CHECK: Record<'TCP_CHECK' | 'UDP_CHECK' | 'PING_CHECK', string> = { TCP_CHECK: 'TCP CHECK', UDP_CHECK: 'UDP CHECK', PING_CHECK: 'ICMP CHECK' };

/** A change of the checker's state is mailed (all kinds but MISC_CHECK, which mails its own way). */
const onChange = (changed: boolean, up: boolean, ok: string, failed: string): string | null => (changed ? (up ? ok : failed) : null);

export function initialState(c: RunCheck): CheckerState {
  switch (c.kind) {
    case 'HTTP_GET': case 'SSL_GET': return initialHttpState(c);
    case 'MISC_CHECK': return initialMiscState(c);
    case 'FILE_CHECK': {
      // keepalived reads tracked files before the first pool is built (set_track_file_checkers_down).
      const v = readTrackFile(c.path) ?? 0;
      return onFileValue({ isUp: true, hasRun: false, retryIt: 0 }, v, c).state;
    }
    // check_bfd.c: up, or down with alpha, until the first event (has_run false).
    case 'BFD_CHECK': return { isUp: !c.alpha, hasRun: false, retryIt: 0 };
    default: return initialCheckerState(c);
  }
}

/** A definite outcome (never `stalled`: the engine handles that before any rule). */
export function settle(t: CheckTarget, s: CheckerState, o: ProbeOutcome, startedAt: number, now: number): Verdict {
  const c = t.check;
  switch (c.kind) {
    // Never probed: its state is set by bfdEvent (health-checker.ts).
    case 'BFD_CHECK': return { state: s, nextAt: now, lines: [], changed: false, weightChanged: false, alert: null };
    case 'TCP_CHECK': case 'UDP_CHECK': case 'PING_CHECK': {
      const w = WORDS[c.kind];
      const lines: string[] = [];
      const result = o.result === 'success' ? 'success' : o.result === 'timeout' ? 'timeout' : 'failed';
      if (result !== 'success' && s.isUp && c.logAllFailures) lines.push(w.detail(t, result, o.reason));
      // the rule's five parameters, not a copy of the whole check (a spread per check was the
      // largest self time of the settle path at 10,000 checks a second)
      const step = onProbeResult(s, result, {
        retry: c.retry, delayLoopMs: c.delayLoopMs, delayBeforeRetryMs: c.delayBeforeRetryMs, alpha: c.alpha, retryWhileDown: c.kind === 'TCP_CHECK',
      });
      if (step.log === 'success') lines.push(`${w.conn} connection to ${t.name} success.`);
      else if (step.log === 'failed') lines.push(`${w.check} on service ${t.name} failed.`);
      else if (step.log === 'failed-after-retries') lines.push(`${w.check} on service ${w.after(t)} failed after ${c.retry} retries.`);
      const alert = onChange(step.changed, step.state.isUp, `=> ${ALERT_CHECK[c.kind]} succeed on service <=`, `=> ${ALERT_CHECK[c.kind]} failed on service <=`);
      return { state: step.state, nextAt: now + step.delayMs, lines, changed: step.changed, weightChanged: false, alert };
    }
    case 'FILE_CHECK': {
      if (o.result !== 'success' || o.fileValue === undefined) {
        return { state: s, nextAt: now, lines: o.reason ? [o.reason] : [], changed: false, weightChanged: false, alert: null };
      }
      const step = onFileValue(s, o.fileValue, c);
      // keepalived's FILE_CHECK sends no mail (check_file.c)
      return { state: step.state, nextAt: now, lines: [], changed: step.changed, weightChanged: step.weightChanged, alert: null };
    }
    case 'SMTP_CHECK': {
      const step = onSmtpResult(s, o.result === 'success' ? null : o.reason ?? 'Unknown connection error', c);
      const lines: string[] = [];
      if (step.log !== null) lines.push(`SMTP_CHECK ${step.log}`);
      if (step.succeed) lines.push(`Remote SMTP server ${t.name} succeed on service.`);
      const why = o.result === 'success' ? '' : o.reason ?? '';
      const alert = onChange(step.changed, step.state.isUp, '=> CHECK succeed on service <=', why ? `=> CHECK failed on service : ${why} <=` : '=> CHECK failed on service <=');
      return { state: step.state, nextAt: now + step.delayMs, lines, changed: step.changed, weightChanged: false, alert };
    }
    case 'DNS_CHECK': {
      const step = onDnsResult(s, o.result === 'success' ? null : o.reason ?? 'connection failure.', c);
      const lines = step.log === null ? [] : [`DNS_CHECK (${t.name}) ${step.log}`];
      const alert = onChange(step.changed, step.state.isUp, '=> DNS_CHECK: succeed on service <=', '=> DNS_CHECK: failed on service <=');
      return { state: step.state, nextAt: now + step.delayMs, lines, changed: step.changed, weightChanged: false, alert };
    }
    case 'HTTP_GET': case 'SSL_GET': {
      const hs = s as HttpState;
      const step = onHttpResult(hs, o.result === 'success', {
        retry: c.retry, delayLoopMs: c.delayLoopMs, delayBeforeRetryMs: c.delayBeforeRetryMs, fastRecovery: c.fastRecovery, urlCount: c.urls.length,
      });
      const lines: string[] = [];
      for (const l of step.logs) {
        if (l.kind === 'url-success') lines.push(`${o.reason ?? 'HTTP status code'} success to ${t.name} url(${c.urls[l.url].path})`);
        else if (l.kind === 'succeed') lines.push(`Remote Web server ${t.name} succeed on service.`);
        else if (l.kind === 'failed') lines.push(`HTTP_CHECK on service ${t.name} failed.`);
        else if (l.kind === 'failed-after-retries') lines.push(`HTTP_CHECK on service ${t.name} failed after ${l.retries} retries.`);
        else if (c.logAllFailures) lines.push(`${o.reason ?? 'Connection failed'} server ${t.name}.`);
      }
      const alert = onChange(step.changed, step.state.isUp, '=> CHECK succeed on service <=', '=> CHECK failed on service : HTTP request failed <=');
      return { state: step.state, nextAt: now + step.delayMs, lines, changed: step.changed, weightChanged: false, alert };
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
        // check_misc.c mails every settling result, a first success that changes nothing included
        alert: step.mail === null ? null : `=> MISC CHECK ${step.mail} on service <=`,
      };
    }
  }
}
