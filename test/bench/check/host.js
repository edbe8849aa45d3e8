#!/usr/bin/env node
'use strict';
/**
 * Issue 11's host figures in one command (halo alone, no IPVS or VM needed, ≤ 5 min):
 * TCP_CHECK and HTTP_GET at 1,000 and 10,000 targets, delay_loop 1, each in a fresh process
 * (run.js: halo's HealthChecker and prober against local listeners). Prints one table with CPU
 * per check, cores, start drift p50/p99, the CPU wait and sentinel slip behind each run's
 * validity verdict, and exits 0 when every valid run is within the targets (under one core at
 * 10,000 targets, drift p99 < 20 ms), 1 when a valid run is beyond them, 3 when no run was valid
 * or some were inconclusive and none beyond.
 *
 *   node test/bench/check/host.js [--seconds 20] [--targets 1000,10000] [--kinds tcp,http]
 *
 * keepalived is not run here (its checker needs IPVS); the comparison beside keepalived is
 * test/bench/check/http-run.sh (in the VM on this host).
 */
const { spawn } = require('node:child_process');
const path = require('node:path');

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const SECONDS = Math.min(Math.max(Number(opt('seconds', 20)), 5), 40);
const TARGETS = String(opt('targets', '1000,10000')).split(',').map(Number);
const KINDS = String(opt('kinds', 'tcp,http')).split(',');
// each run: listeners up (≤ 60 s), two settling rounds, the window, and a margin
const RUN_LIMIT_MS = (SECONDS + 90) * 1000;

function runOne(kind, targets) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'run.js'), String(targets), String(SECONDS), kind], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; process.stdout.write(d); });
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      resolve(line ? JSON.parse(line.slice(7)) : { kind, targets, verdict: 'failed', invalid: [`run.js exited ${code ?? signal} without a result`], misses: [] });
    });
  });
}

const f = (x, d = 2) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : '—');

async function main() {
  const t0 = Date.now();
  const results = [];
  for (const kind of KINDS) for (const n of TARGETS) results.push(await runOne(kind, n));
  console.log(`\nhalo checkers on the host, delay_loop 1, ${SECONDS} s windows (${((Date.now() - t0) / 1000).toFixed(0)} s in all)`);
  console.log('| check | targets | checks/s | CPU/check | cores | drift p50 | drift p99 | p99 wake-up / queue | CPU wait | sentinel p99 | verdict |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(`| ${r.kind === 'http' ? 'HTTP_GET' : 'TCP_CHECK'} | ${r.targets} | ${r.checksPerS ?? '—'} | ${f(r.cpuPerCheckMs, 4)} ms | ${f(r.cores)} | ${f(r.driftP50)} ms | ${f(r.driftP99)} ms | ${f(r.wakeLateP99)} / ${f(r.queuedP99)} ms `
      + `| ${f((r.cpuWaitShare ?? NaN) * 100, 1)} % | ${f(r.sentinelSlip?.p99)} ms | ${r.verdict}${r.invalid?.length ? `: ${r.invalid.join('; ')}` : ''}${r.verdict === 'beyond target' ? `: ${r.misses.join('; ')}` : ''} |`);
  }
  const beyond = results.some((r) => r.verdict === 'beyond target');
  const allValid = results.every((r) => r.verdict === 'within target');
  console.log(beyond ? 'RESULT: beyond target in a valid run' : allValid ? 'RESULT: every run valid and within target' : 'RESULT: inconclusive (no valid run beyond target; see the runs above)');
  process.exit(beyond ? 1 : allValid ? 0 : 3);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
