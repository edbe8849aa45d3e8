import { initialCheckerState, onProbeResult } from '../../src/check/retry';
import type { CheckerState, ProbeResult, RetryParams } from '../../src/check/retry';

const p: RetryParams = { retry: 1, delayLoopMs: 6000, delayBeforeRetryMs: 1000, alpha: false };

function run(params: RetryParams, results: ProbeResult[], from: CheckerState = initialCheckerState(params)) {
  let s = from;
  return results.map((r) => {
    const step = onProbeResult(s, r, params);
    s = step.state;
    return [step.state.isUp ? 'up' : 'down', step.delayMs, step.log, step.changed] as const;
  });
}

describe("keepalived's TCP_CHECK retry rule", () => {
  test('start state: up and not run (down with alpha); one failure enough before the first result', () => {
    expect(initialCheckerState(p)).toEqual({ isUp: true, hasRun: false, retryIt: 1 });
    expect(initialCheckerState({ ...p, alpha: true })).toEqual({ isUp: false, hasRun: false, retryIt: 1 });
    expect(run(p, ['failed'])).toEqual([['down', 6000, 'failed', true]]);
  });

  test('first success logs "success" even though the checker was already up', () => {
    expect(run(p, ['success'])).toEqual([['up', 6000, 'success', false]]);
  });

  test('while up: down after retry + 1 consecutive failures, delay_before_retry between', () => {
    expect(run(p, ['success', 'failed', 'failed'])).toEqual([
      ['up', 6000, 'success', false],
      ['up', 1000, null, false],
      ['down', 6000, 'failed-after-retries', true],
    ]);
    const r3 = { ...p, retry: 3 };
    const out = run(r3, ['success', 'failed', 'timeout', 'failed', 'failed']);
    expect(out.map((o) => o[1])).toEqual([6000, 1000, 1000, 1000, 6000]);
    expect(out[3][0]).toBe('up');
    expect(out[4]).toEqual(['down', 6000, 'failed-after-retries', true]);
  });

  test('a success between failures resets the count', () => {
    expect(run(p, ['success', 'failed', 'success', 'failed', 'failed']).map((o) => o[0])).toEqual(['up', 'up', 'up', 'up', 'down']);
  });

  test('retry 0: the first failure while up is enough', () => {
    expect(run({ ...p, retry: 0 }, ['success', 'failed'])[1]).toEqual(['down', 6000, 'failed', true]);
  });

  test('while down: failures wait delay_loop and log nothing; the first success brings it up', () => {
    expect(run(p, ['failed', 'failed', 'failed', 'success'])).toEqual([
      ['down', 6000, 'failed', true],
      ['down', 6000, null, false],
      ['down', 6000, null, false],
      ['up', 6000, 'success', true],
    ]);
  });

  test('alpha: the first failure logs but does not change state; the first success brings it up', () => {
    const a = { ...p, alpha: true };
    expect(run(a, ['failed', 'success'])).toEqual([
      ['down', 6000, 'failed', false],
      ['up', 6000, 'success', true],
    ]);
  });
});
