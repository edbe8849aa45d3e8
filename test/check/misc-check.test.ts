/**
 * MISC_CHECK: keepalived's rule (exit codes, misc_dynamic weights, retries, log lines) and the
 * real probe running real scripts — a hung script and its children are killed at misc_timeout.
 */
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initialMiscState, onMiscResult } from '../../src/check/misc-retry';
import type { MiscParams, MiscRun, MiscState } from '../../src/check/misc-retry';
import { miscProbe } from '../../src/check/misc-probe';
import { checkProber } from '../../src/check/prober';
import { initialState } from '../../src/check/rules';
import { collectTargets } from '../../src/check/targets';
import { HealthChecker } from '../../src/check/health-checker';
import { buildDesired } from '../../src/ipvs/desired';
import type { MiscCheck } from '../../src/config/model';
import { realServer, virtualServer } from './model-fixtures';

jest.setTimeout(30_000);

const p: MiscParams = { retry: 0, delayLoopMs: 5000, delayBeforeRetryMs: 1000, dynamic: false, logAllFailures: false };
const exit = (status: number): MiscRun => ({ status, signal: null, timedOut: false });

function run(params: MiscParams, runs: MiscRun[], from: MiscState = initialMiscState({ retry: params.retry, alpha: false })) {
  let s = from;
  return runs.map((r) => {
    const step = onMiscResult(s, r, params);
    s = step.state;
    return [s.isUp ? 'up' : 'down', step.delayFromStartMs, step.log, s.dynamicWeight] as const;
  });
}

describe("keepalived's MISC_CHECK rule", () => {
  test('exit 0 up, 1 down; retry defaults to 0 ("with retry disabled")', () => {
    expect(run(p, [exit(0), exit(1), exit(1), exit(0)])).toEqual([
      ['up', 5000, 'succeeded', null],
      ['down', 5000, 'failed with retry disabled (exited with status 1)', null],
      ['down', 5000, null, null],
      ['up', 5000, 'succeeded', null],
    ]);
  });

  test('misc_dynamic: 2-255 is up with weight status-2; 0 restores the configured weight; a failure too', () => {
    const d = { ...p, dynamic: true };
    expect(run(d, [exit(12), exit(2), exit(0), exit(7), exit(1)])).toEqual([
      ['up', 5000, 'succeeded', 10],
      ['up', 5000, null, 0],
      ['up', 5000, null, null],
      ['up', 5000, null, 5],
      ['down', 5000, 'failed with retry disabled (exited with status 1)', null],
    ]);
    // without misc_dynamic, 2 is a failure
    expect(run(p, [exit(2)])[0][0]).toBe('down');
  });

  test('retries: silent unless log_all_failures, then ", will do", "on retry", "after"', () => {
    const r2 = { ...p, retry: 2 };
    expect(run(r2, [exit(0), exit(1), exit(1), exit(1)])).toEqual([
      ['up', 5000, 'succeeded', null],
      ['up', 1000, null, null],
      ['up', 1000, null, null],
      ['down', 5000, 'failed after 2 retries (exited with status 1)', null],
    ]);
    expect(run({ ...r2, logAllFailures: true }, [exit(0), exit(1), exit(1), exit(1)]).map((o) => o[2])).toEqual([
      'succeeded', 'failed, will do 2 retries (exited with status 1)', 'failed on retry 1/2 (exited with status 1)', 'failed after 2 retries (exited with status 1)',
    ]);
  });

  test('killed at misc_timeout: "timed out"; another signal: "due to signal"', () => {
    expect(run(p, [{ status: null, signal: 15, timedOut: true }])[0][2]).toBe('timed out with retry disabled');
    expect(run(p, [{ status: null, signal: 9, timedOut: false }])[0][2]).toBe('failed with retry disabled (due to signal 9)');
  });
});

describe('the MISC_CHECK probe with real scripts', () => {
  let dir: string;
  const script = (name: string, body: string): string => {
    const f = join(dir, name);
    writeFileSync(f, `#!/bin/sh\n${body}\n`);
    chmodSync(f, 0o755);
    return f;
  };
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'checkers-misc-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('exit status is reported; arguments are passed without a shell', async () => {
    const s = script('exit.sh', 'exit "$1"');
    expect(await miscProbe({ path: [s, '3'], timeoutMs: 5000 })).toEqual({ status: 3, signal: null, timedOut: false });
    expect(await miscProbe({ path: [s, '0'], timeoutMs: 5000 })).toEqual({ status: 0, signal: null, timedOut: false });
    expect((await miscProbe({ path: [join(dir, 'missing')], timeoutMs: 5000 })).status).toBe(127);
  });

  test('a hung script and the child it started are killed at misc_timeout', async () => {
    const marker = join(dir, 'child-alive');
    const s = script('hang.sh', `(sleep 3; touch ${marker}) &\nsleep 30`);
    const t0 = Date.now();
    const r = await miscProbe({ path: [s], timeoutMs: 300 });
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe(15);
    expect(Date.now() - t0).toBeLessThan(2500);
    await new Promise((res) => setTimeout(res, 3500));
    expect(existsSync(marker)).toBe(false);
  });

  test('a script that ignores SIGTERM is killed 2 s later', async () => {
    const s = script('stubborn.sh', "trap '' TERM\nwhile :; do sleep 0.1; done");
    const r = await miscProbe({ path: [s], timeoutMs: 200 });
    expect(r).toEqual({ status: null, signal: 9, timedOut: true });
  });

  test('engine: misc_dynamic moves the real server weight in the desired table; logs in keepalived words', async () => {
    const s = script('weight.sh', `exit $(cat ${join(dir, 'code')})`);
    writeFileSync(join(dir, 'code'), '12');
    const check: MiscCheck = {
      kind: 'MISC_CHECK', path: [s], timeoutMs: 2000, dynamic: true, user: null, group: null, retry: 0, delayBeforeRetryMs: 100,
      warmupMs: 0, delayLoopMs: 100, alpha: false, logAllFailures: false, location: { file: 't', line: 1, col: 1 },
    };
    const vs = virtualServer({ realServers: [realServer('127.0.0.1', 80, { weight: 3, checkers: [check] })] });
    const lines: string[] = [];
    let changes = 0;
    const hc = new HealthChecker({ targets: collectTargets([vs], []), prober: checkProber(), log: (l) => lines.push(l), onChange: () => { changes++; } });
    expect(initialState(check)).toMatchObject({ isUp: true, dynamicWeight: null });
    hc.start();
    const weight = () => buildDesired({ virtualServers: [vs], virtualServerGroups: [] }, hc.checkerUp, null, hc.checkerWeight).services[0].destinations.map((d) => d.weight);
    const until = async (f: () => boolean) => { for (let i = 0; i < 200 && !f(); i++) await new Promise((r) => setTimeout(r, 25)); };
    await until(() => changes >= 1);
    expect(weight()).toEqual([10]);
    writeFileSync(join(dir, 'code'), '1');
    await until(() => changes >= 2);
    expect(weight()).toEqual([]);
    writeFileSync(join(dir, 'code'), '0');
    await until(() => changes >= 3);
    expect(weight()).toEqual([3]);
    hc.stop();
    expect(lines.slice(0, 3)).toEqual([
      `Misc check for [[127.0.0.1]:tcp:80 VS [192.168.1.202]:tcp:80] by [${s}] succeeded.`,
      `Misc check for [[127.0.0.1]:tcp:80 VS [192.168.1.202]:tcp:80] by [${s}] failed with retry disabled (exited with status 1).`,
      `Misc check for [[127.0.0.1]:tcp:80 VS [192.168.1.202]:tcp:80] by [${s}] succeeded.`,
    ]);
  });
});
