/**
 * keepalived's SMTP_CHECK rule (check_smtp.c smtp_final), pure. A failure while up (or before
 * the first verdict) is logged when it is the last one (or with log_all_failures); failures
 * are retried after delay_before_retry until retry_it passes retry, then the checker is down;
 * success logs "Remote SMTP server … succeed on service." when it brings the checker up.
 */
import type { CheckerState } from './retry';

export interface SmtpStep {
  state: CheckerState;
  delayMs: number;
  /** The failure text to log after "SMTP_CHECK ", if logged. */
  log: string | null;
  succeed: boolean;
  changed: boolean;
}

export function onSmtpResult(
  s: CheckerState, error: string | null, p: { retry: number; delayLoopMs: number; delayBeforeRetryMs: number; logAllFailures: boolean },
): SmtpStep {
  let { isUp, hasRun, retryIt } = s;
  if (error !== null) {
    const log = (isUp || !hasRun) && (p.logAllFailures || retryIt >= p.retry) ? error : null;
    retryIt += 1;
    if (retryIt <= p.retry) return { state: { isUp, hasRun, retryIt }, delayMs: p.delayBeforeRetryMs, log, succeed: false, changed: false };
    if (isUp || !hasRun) {
      isUp = false;
      hasRun = true;
    }
    return { state: { isUp, hasRun, retryIt }, delayMs: p.delayLoopMs, log, succeed: false, changed: isUp !== s.isUp };
  }
  const succeed = !isUp || !hasRun;
  return { state: { isUp: true, hasRun: true, retryIt: 0 }, delayMs: p.delayLoopMs, log: null, succeed, changed: !s.isUp };
}
