/**
 * keepalived's TCP_CHECK retry rule (check_tcp.c tcp_epilog; initial state from
 * check_data.c validate_check_config), as a pure step over one checker's state:
 *
 *  - a checker starts up, or down with `alpha`, and has not run; `retry_it = retry` so that
 *    before the first result one failure is enough to report it down;
 *  - while up, a failure is retried after delay_before_retry until retry failures have been
 *    retried, i.e. down after retry + 1 consecutive failures;
 *  - any success reports up at once and resets the count;
 *  - while down, failures just wait delay_loop.
 */

export interface RetryParams {
  retry: number;
  delayLoopMs: number;
  delayBeforeRetryMs: number;
  alpha: boolean;
  /**
   * check_tcp.c tcp_epilog (2.2.7) keeps counting retries while the checker is down, so a down
   * TCP_CHECK probes after delay_before_retry and delay_loop in turn; UDP_CHECK and PING_CHECK
   * (udp_epilog, icmp_epilog) only retry while up. Default: the UDP/ICMP form.
   */
  retryWhileDown?: boolean;
}

export interface CheckerState {
  /** checker->is_up */
  isUp: boolean;
  /** checker->has_run */
  hasRun: boolean;
  /** checker->retry_it */
  retryIt: number;
  /** HTTP_GET/SSL_GET: the url checked next and the failing one (http-retry.ts). */
  urlIt?: number;
  failedUrl?: number | null;
  /** MISC_CHECK: last exit status and the misc_dynamic weight (misc-retry.ts). */
  lastExitCode?: number;
  dynamicWeight?: number | null;
  /** FILE_CHECK: the file's last value and what it adds to the real server's weight (file-rule.ts). */
  fileValue?: number;
  fileOffset?: number;
}

/** Every field of CheckerState (the compiler refuses this list when a field is added and not listed). */
const STATE_FIELDS = Object.keys({
  isUp: 1, hasRun: 1, retryIt: 1, urlIt: 1, failedUrl: 1, lastExitCode: 1, dynamicWeight: 1, fileValue: 1, fileOffset: 1,
} satisfies Record<keyof CheckerState, 1>) as (keyof CheckerState)[];

/** Every field equal (a field left out and one set to undefined read the same). */
export function sameCheckerState(a: CheckerState, b: CheckerState): boolean {
  for (const f of STATE_FIELDS) if (a[f] !== b[f]) return false;
  return true;
}

export type { ProbeResult } from './probe';
import type { ProbeResult } from './probe';

export interface RetryStep {
  state: CheckerState;
  /** When to probe next, from now. */
  delayMs: number;
  /** What keepalived logs for this result (before the pool's own lines), if anything. */
  log: 'success' | 'failed' | 'failed-after-retries' | null;
  /** isUp changed: the pool must be re-evaluated. */
  changed: boolean;
}

export function initialCheckerState(p: RetryParams): CheckerState {
  return { isUp: !p.alpha, hasRun: false, retryIt: p.retry };
}

export function onProbeResult(s: CheckerState, result: ProbeResult, p: RetryParams): RetryStep {
  const success = result === 'success';
  let delayMs = p.delayLoopMs;
  let { isUp, retryIt } = s;
  let log: RetryStep['log'] = null;
  if (success || ((p.retryWhileDown || s.isUp || !s.hasRun) && s.retryIt >= p.retry)) {
    retryIt = 0;
    if (success && (!s.isUp || !s.hasRun)) {
      log = 'success';
      isUp = true;
    } else if (!success && (s.isUp || !s.hasRun)) {
      log = p.retry > 0 && s.hasRun ? 'failed-after-retries' : 'failed';
      isUp = false;
    }
  } else if (s.isUp || p.retryWhileDown) {
    delayMs = p.delayBeforeRetryMs;
    retryIt += 1;
  }
  return { state: { isUp, hasRun: true, retryIt }, delayMs, log, changed: isUp !== s.isUp };
}
