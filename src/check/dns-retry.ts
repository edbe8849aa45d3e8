/**
 * keepalived's DNS_CHECK rule (check_dns.c dns_final), pure. retry defaults to 3 and
 * delay_before_retry to delay_loop. A failure while up (or before the first verdict) is logged
 * only when it is the last one (or with log_all_failures), with " after N retries" once the
 * checker has run; the retries are at delay_before_retry; success logs nothing.
 */
import type { CheckerState } from './retry';

export interface DnsStep {
  state: CheckerState;
  delayMs: number;
  /** The message after "DNS_CHECK ([ip]:udp:53) ", if one is logged. */
  log: string | null;
  changed: boolean;
}

export function onDnsResult(
  s: CheckerState, error: string | null, p: { retry: number; delayLoopMs: number; delayBeforeRetryMs: number; logAllFailures: boolean },
): DnsStep {
  let { isUp, hasRun, retryIt } = s;
  let log: string | null = null;
  if (error !== null) {
    if (isUp || !hasRun) {
      if (p.logAllFailures || retryIt >= p.retry) log = hasRun && retryIt >= p.retry ? `${error} after ${p.retry} retries` : error;
      if (retryIt < p.retry) {
        return { state: { isUp, hasRun: true, retryIt: retryIt + 1 }, delayMs: p.delayBeforeRetryMs, log, changed: false };
      }
      isUp = false;
      hasRun = true;
    }
  } else if (!isUp || !hasRun) {
    isUp = true;
    hasRun = true;
  }
  return { state: { isUp, hasRun, retryIt: 0 }, delayMs: p.delayLoopMs, log, changed: isUp !== s.isUp };
}
