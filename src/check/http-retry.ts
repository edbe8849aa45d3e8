/**
 * keepalived's HTTP_GET/SSL_GET retry rule (check_http.c epilog + timeout_epilog), as a pure
 * step over one checker's state. Unlike TCP_CHECK it walks the url list, one url per
 * delay_loop, and remembers the failing url:
 *
 *  - a url that answers right moves to the next url after delay_loop; after the last one the
 *    checker is up ("Remote Web server … succeed on service.") and starts again at the first;
 *  - a failure while up (or before the first verdict) is retried after delay_before_retry
 *    until more than `retry` failures: then down, and that url is the failed url;
 *  - while down only the failed url is checked, every max(delay_before_retry, delay_loop);
 *    once it answers, the whole list is checked again from the first url;
 *  - fast_recovery: while the state is not known to be failed (start, or recovering) urls
 *    follow each other at once.
 */
import type { CheckerState } from './retry';

export interface HttpRetryParams {
  retry: number;
  delayLoopMs: number;
  delayBeforeRetryMs: number;
  fastRecovery: boolean;
  urlCount: number;
}

export interface HttpState extends CheckerState {
  /** url_it: index of the url checked next. */
  urlIt: number;
  /** failed_url: index of the url that failed, or null. */
  failedUrl: number | null;
}

export type HttpLog =
  | { kind: 'url-success'; url: number }
  | { kind: 'succeed' }
  | { kind: 'failed' }
  | { kind: 'failed-after-retries'; retries: number }
  | { kind: 'failure-detail' };

export interface HttpStep {
  state: HttpState;
  delayMs: number;
  logs: HttpLog[];
  changed: boolean;
}

export function initialHttpState(p: { retry: number; alpha: boolean }): HttpState {
  return { isUp: !p.alpha, hasRun: false, retryIt: p.retry, urlIt: 0, failedUrl: null };
}

export function onHttpResult(s: HttpState, success: boolean, p: HttpRetryParams): HttpStep {
  let { isUp, hasRun, retryIt, urlIt, failedUrl } = s;
  let urlNext: number | null = urlIt;
  const logs: HttpLog[] = [];
  let method: 'new' | 'retry' | 'failed';
  if (success) {
    if (!isUp) logs.push({ kind: 'url-success', url: urlIt });
    method = 'new';
  } else if (isUp || !hasRun) {
    logs.push({ kind: 'failure-detail' });
    hasRun = true;
    method = 'retry';
  } else {
    method = 'failed';
  }

  if (method === 'new') {
    urlNext = urlIt + 1 >= p.urlCount ? null : urlIt + 1;
    retryIt = 0;
  } else if (method === 'retry') {
    retryIt += 1;
  }

  if (method === 'new' && urlNext === null && failedUrl === null) {
    if (!isUp || !hasRun) {
      logs.push({ kind: 'succeed' });
      isUp = true;
      hasRun = true;
    }
    urlNext = 0;
    retryIt = 0;
  } else if (method === 'retry' && retryIt > p.retry) {
    if (isUp || !hasRun) {
      logs.push(hasRun && p.retry ? { kind: 'failed-after-retries', retries: retryIt - 1 } : { kind: 'failed' });
      isUp = false;
    }
    failedUrl = urlIt;
  } else if (method === 'new' && failedUrl !== null) {
    failedUrl = null;
    urlNext = 0;
    retryIt = 0;
  }

  let delayMs: number;
  if (method === 'new') {
    delayMs = p.delayLoopMs;
    if (!hasRun) retryIt = p.retry;
  } else if (failedUrl !== null) {
    delayMs = Math.max(p.delayBeforeRetryMs, p.delayLoopMs);
  } else {
    delayMs = p.delayBeforeRetryMs;
  }
  if (p.fastRecovery && (!hasRun || (!isUp && failedUrl === null))) delayMs = 0;
  return {
    state: { isUp, hasRun, retryIt, urlIt: urlNext ?? 0, failedUrl },
    delayMs,
    logs,
    changed: isUp !== s.isUp,
  };
}
