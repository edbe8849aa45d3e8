import { initialHttpState, onHttpResult } from '../../src/check/http-retry';
import type { HttpRetryParams, HttpState } from '../../src/check/http-retry';

const p: HttpRetryParams = { retry: 1, delayLoopMs: 6000, delayBeforeRetryMs: 3000, fastRecovery: false, urlCount: 1 };

function run(params: HttpRetryParams, results: boolean[], from: HttpState = initialHttpState({ retry: params.retry, alpha: false })) {
  let s = from;
  return results.map((ok) => {
    const step = onHttpResult(s, ok, params);
    s = step.state;
    return [s.isUp ? 'up' : 'down', step.delayMs, step.logs.map((l) => l.kind).join(','), s.urlIt, s.failedUrl] as const;
  });
}

describe("keepalived's HTTP_GET epilog", () => {
  test('start: one failure is enough ("failed after 1 retries" as keepalived words it), then max(delay_before_retry, delay_loop)', () => {
    expect(run(p, [false, false, true])).toEqual([
      ['down', 6000, 'failure-detail,failed-after-retries', 0, 0],
      ['down', 6000, '', 0, 0],
      ['down', 6000, 'url-success', 0, null],
    ]);
  });

  test('a recovered url sends the check back to the first url; up only after the whole list', () => {
    const two = { ...p, urlCount: 2 };
    expect(run(two, [true, true, false, false, true, true, true])).toEqual([
      ['up', 6000, '', 1, null],
      ['up', 6000, 'succeed', 0, null],
      ['up', 3000, 'failure-detail', 0, null],
      ['down', 6000, 'failure-detail,failed-after-retries', 0, 0],
      ['down', 6000, 'url-success', 0, null],
      ['down', 6000, 'url-success', 1, null],
      ['up', 6000, 'url-success,succeed', 0, null],
    ]);
  });

  test('retry 0 logs "failed."; retry 3 needs four failures in a row while up', () => {
    expect(run({ ...p, retry: 0 }, [true, false])[1]).toEqual(['down', 6000, 'failure-detail,failed', 0, 0]);
    const out = run({ ...p, retry: 3 }, [true, false, false, false, false]);
    expect(out.map((o) => o[0])).toEqual(['up', 'up', 'up', 'up', 'down']);
    expect(out.map((o) => o[1])).toEqual([6000, 3000, 3000, 3000, 6000]);
  });

  test('fast_recovery: urls follow each other at once at start and after the failed url recovers', () => {
    const fr = { ...p, urlCount: 3, fastRecovery: true };
    // The failed url (the first) answers, then the whole list is walked again from the first url.
    expect(run(fr, [true, true, true, false, false, true, true, true, true]).map((o) => [o[0], o[1]])).toEqual([
      ['up', 0], ['up', 0], ['up', 6000], ['up', 3000], ['down', 6000], ['down', 0], ['down', 0], ['down', 0], ['up', 6000],
    ]);
  });

  test('alpha: starts down; the first failure changes nothing (only log_all_failures words it); after it the failed url and then the whole list must pass', () => {
    const s = initialHttpState({ retry: 1, alpha: true });
    expect(run(p, [false, true], s)).toEqual([
      ['down', 6000, 'failure-detail', 0, 0],
      ['down', 6000, 'url-success', 0, null],
    ]);
  });
});
