#!/usr/bin/env node
'use strict';
/**
 * In-process checker scale bench (halo alone, no IPVS needed, so it runs on the host for
 * profiling): 10,000 TCP_CHECK or HTTP_GET targets at delay_loop 1 s against listeners on
 * 127.0.0.1 (one child process holding 10,000 listening ports), driven by halo's HealthChecker —
 * the single-timer heap scheduler and the real prober (checkProber), with the targets built
 * from a generated keepalived.conf by halo's own config loader.
 *
 *   node test/bench/check/run.js [TARGETS=10000] [SECONDS=20] [tcp|http] [--cpu-prof]
 *
 * The last line is `RESULT {json}` (host.js runs 1,000 and 10,000 targets of each kind in one
 * command and tabulates them). halo beside keepalived 2.2.7 on the same targets is
 * test/bench/check/http.js (needs IPVS).
 *
 * Validity (judged here): the run is inconclusive when the checker's thread waited for a CPU
 * more than 10 % of the window (schedstat run_delay: other work on the host), when a sentinel
 * process (a 10 ms timer in its own process, nothing else to do) slipped p99 more than 5 ms
 * (the host could not run a process on time), or when not every probe succeeded (a listener
 * refusing would make checks look cheaper). Only a valid run is judged against the targets
 * (under one core at 10,000 targets, start drift p99 < 20 ms).
 *
 * Prints the checker process's CPU (share of one core) over the measured window and the drift
 * of each check's start from its scheduled time (p50/p99/max), the figure keepalived users
 * report as multi-second (keepalived issue #2271), split into the scheduler's wake-up lateness and
 * the queue behind the checks the same wake-up started before it. The first delay_loop (warmup) is excluded.
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');
const { monitorEventLoopDelay } = require('node:perf_hooks');
const ts = require('typescript');

// Load the TypeScript sources directly (transpile-only), so the bench needs no build of the tree.
require.extensions['.ts'] = (module, filename) => {
  const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    fileName: filename,
  });
  module._compile(out.outputText, filename);
};
const root = path.resolve(__dirname, '..', '..', '..');
const { HealthChecker } = require(path.join(root, 'src/check/health-checker.ts'));
const { checkProber } = require(path.join(root, 'src/check/prober.ts'));
const { parseConfigText } = require(path.join(root, 'src/config/load.ts'));
const { collectTargets } = require(path.join(root, 'src/check/targets.ts'));
const inspector = require('node:inspector');

const TARGETS = Number(process.argv[2] || 10000);
const SECONDS = Math.min(Number(process.argv[3] || 20), 120);
const KIND = process.argv[4] === 'http' ? 'http' : 'tcp';
const PROFILE = process.argv.includes('--cpu-prof');
const DELAY_LOOP_MS = 1000;

/** utime + stime of another process, in ms (for the listeners' share, which is not halo's). */
function procCpuMs(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // USER_HZ is 100 on Linux
}

/** Time this process's main thread spent runnable but waiting for a CPU (schedstat run_delay), ms. */
function runDelayMs() {
  try {
    return Number(fs.readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return NaN;
  }
}

function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** A process doing nothing but a 10 ms timer: its slip says whether the host could run anything on time. */
function startSentinel() {
  const code = `const s=[];let last=performance.now();const t=setInterval(()=>{const n=performance.now();s.push(n-last-10);last=n;},10);`
    + `process.stdin.on('data',()=>{clearInterval(t);s.sort((a,b)=>a-b);process.stdout.write(JSON.stringify({p50:s[Math.floor(s.length*0.5)]??NaN,p99:s[Math.floor(s.length*0.99)]??NaN,max:s[s.length-1]??NaN})+'\\n');process.exit(0);});`
    + `setTimeout(()=>process.exit(0),600000).unref();`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['pipe', 'pipe', 'inherit'] });
  return {
    stop: () => new Promise((resolve) => {
      let out = '';
      const parse = () => {
        const r = out.includes('\n') ? JSON.parse(out) : {};
        return { p50: r.p50 ?? NaN, p99: r.p99 ?? NaN, max: r.max ?? NaN };
      };
      child.stdout.on('data', (d) => { out += d; if (out.includes('\n')) resolve(parse()); });
      child.once('exit', () => resolve(parse()));
      child.stdin.write('stop\n');
    }),
  };
}

async function main() {
  const child = spawn(process.execPath, [path.join(__dirname, 'listeners.js'), String(TARGETS), String((SECONDS + 60) * 1000), '20000', KIND], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const ports = await new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(buf.slice(0, nl)));
    });
    child.once('exit', (code) => reject(new Error(`listeners exited ${code}`)));
    setTimeout(() => reject(new Error('listeners not ready in 60 s')), 60000).unref();
  });

  const check = KIND === 'http'
    ? '    HTTP_GET {\n      url {\n        path /health\n        status_code 200\n      }\n      connect_timeout 3\n      retry 1\n      delay_before_retry 1\n      warmup 1\n    }\n'
    : '    TCP_CHECK {\n      connect_timeout 3\n      retry 1\n      delay_before_retry 1\n      warmup 1\n    }\n';
  const text = `virtual_server 10.255.0.1 80 {\n  delay_loop ${DELAY_LOOP_MS / 1000}\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n`
    + ports.map((port) => `  real_server 127.0.0.1 ${port} {\n${check}  }\n`).join('') + '}\n';
  const loaded = parseConfigText(text, 'bench.conf');
  if (!loaded.model) throw new Error(loaded.diagnostics.map((d) => d.message).join('\n'));
  const targets = collectTargets(loaded.model.virtualServers, loaded.model.virtualServerGroups ?? []);
  if (targets.length !== TARGETS) throw new Error(`${targets.length} targets built, ${TARGETS} wanted`);
  const prober = checkProber();
  let measuring = false;
  const drift = [];
  // drift = the scheduler's wake-up lateness (timer late, loop busy) + the wait behind the checks
  // the same wake-up started first (batch queueing)
  const wakeLate = [];
  const queued = [];
  let probes = 0;
  const failures = [];
  const hc = new HealthChecker({
    targets,
    prober: {
      // a plain .then, not an async wrapper: the bench's own counting should cost the checker little
      probe: (t, st) => prober.probe(t, st).then((r) => {
        if (measuring) { probes++; if (r.result !== 'success') failures.push(`${r.result}${r.reason ? ` (${r.reason})` : ''}`); }
        return r;
      }),
    },
    log: () => {},
    onProbeStart: (_t, scheduledAt, startedAt, wokeAt) => {
      if (!measuring) return;
      drift.push(startedAt - scheduledAt);
      wakeLate.push(wokeAt - scheduledAt);
      queued.push(startedAt - wokeAt);
    },
  });
  hc.start();
  await new Promise((r) => setTimeout(r, 2 * DELAY_LOOP_MS)); // warmup round + one settling round
  measuring = true;
  const session = PROFILE ? new inspector.Session() : null;
  if (session) {
    session.connect();
    await new Promise((r) => session.post('Profiler.enable', () => session.post('Profiler.start', r)));
  }
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const sentinel = startSentinel();
  const childCpu0 = procCpuMs(child.pid);
  const runDelay0 = runDelayMs();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - t0;
  const childShare = (procCpuMs(child.pid) - childCpu0) / wallMs;
  const waitShare = (runDelayMs() - runDelay0) / wallMs;
  loopDelay.disable();
  measuring = false;
  const slip = await sentinel.stop();
  if (session) {
    const file = path.join(os.tmpdir(), `halo-check-bench-${KIND}-${process.pid}.cpuprofile`);
    await new Promise((r) => session.post('Profiler.stop', (err, { profile }) => { fs.writeFileSync(file, JSON.stringify(profile)); r(); }));
    console.log(`  CPU profile of the window: ${file}`);
  }
  hc.stop();
  child.stdin.write('exit\n');

  drift.sort((a, b) => a - b);
  wakeLate.sort((a, b) => a - b);
  queued.sort((a, b) => a - b);
  const coreShare = (cpu.user + cpu.system) / 1000 / wallMs;
  console.log(`${KIND === 'http' ? 'HTTP_GET' : 'TCP_CHECK'} bench (in process): ${TARGETS} targets, delay_loop ${DELAY_LOOP_MS} ms, ${SECONDS} s measured, node ${process.version}`);
  console.log(`  checks started: ${drift.length} (${(drift.length / (wallMs / 1000)).toFixed(0)}/s; ideal ${(TARGETS * 1000 / DELAY_LOOP_MS).toFixed(0)}/s)`);
  console.log(`  probe results: ${probes} completed, ${failures.length} not successful`);
  console.log(`  CPU: ${(coreShare * 100).toFixed(1)}% of one core (user ${(cpu.user / 1e6).toFixed(2)} s, system ${(cpu.system / 1e6).toFixed(2)} s), `
    + `${probes ? (((cpu.user + cpu.system) / 1000) / probes).toFixed(3) : 'NaN'} ms CPU per check; RSS ${(process.memoryUsage().rss / 1048576).toFixed(1)} MB`);
  console.log(`  listeners (child process, not halo): ${(childShare * 100).toFixed(1)}% of one core`);
  console.log(`  main thread runnable but waiting for a CPU: ${(waitShare * 100).toFixed(1)}% of the window (CPU contention from other work on the host)`);
  console.log(`  event-loop delay: p50 ${(loopDelay.percentile(50) / 1e6).toFixed(2)} ms, p99 ${(loopDelay.percentile(99) / 1e6).toFixed(2)} ms, max ${(loopDelay.max / 1e6).toFixed(2)} ms`);
  console.log(`  host: ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (shared machine)`);
  console.log(`  start drift from schedule: p50 ${pct(drift, 50).toFixed(2)} ms, p99 ${pct(drift, 99).toFixed(2)} ms, max ${drift[drift.length - 1].toFixed(2)} ms`);
  console.log(`    of which the wake-up's lateness: p50 ${pct(wakeLate, 50).toFixed(2)} ms, p99 ${pct(wakeLate, 99).toFixed(2)} ms; `
    + `the queue behind checks the same wake-up started: p50 ${pct(queued, 50).toFixed(2)} ms, p99 ${pct(queued, 99).toFixed(2)} ms`);
  console.log(`  sentinel timer (10 ms, own process): slip p50 ${slip.p50.toFixed(2)} ms, p99 ${slip.p99.toFixed(2)} ms, max ${slip.max.toFixed(2)} ms`);
  const started = drift.length / (wallMs / 1000);
  const ideal = (TARGETS * 1000) / DELAY_LOOP_MS;
  const invalid = [];
  if (waitShare > 0.1) invalid.push(`the checker waited for a CPU ${(waitShare * 100).toFixed(1)} % of the window (> 10 %)`);
  if (!(slip.p99 <= 5)) invalid.push(`the sentinel timer slipped p99 ${slip.p99.toFixed(1)} ms (> 5 ms): the host could not run a process on time`);
  if (failures.length > probes * 0.001) invalid.push(`${failures.length} of ${probes} probes not successful (${[...new Set(failures)].join(', ')})`);
  const cpuPerCheckMs = probes ? ((cpu.user + cpu.system) / 1000) / probes : NaN;
  const projectedCores = (cpuPerCheckMs * 10000) / 1000;
  const misses = [];
  if (TARGETS >= 10000 && !(coreShare < 1)) misses.push(`${coreShare.toFixed(2)} cores at ${TARGETS} targets (target < 1)`);
  if (!(pct(drift, 99) < 20)) misses.push(`start drift p99 ${pct(drift, 99).toFixed(1)} ms (target < 20 ms)`);
  if (started < ideal * 0.95) misses.push(`${started.toFixed(0)} checks/s started of ${ideal.toFixed(0)}/s`);
  const verdict = invalid.length ? 'inconclusive' : misses.length ? 'beyond target' : 'within target';
  console.log(`  verdict: ${verdict}${invalid.length ? ` (${invalid.join('; ')})` : ''}${!invalid.length && misses.length ? ` (${misses.join('; ')})` : ''}`);
  console.log('RESULT ' + JSON.stringify({
    kind: KIND, targets: TARGETS, seconds: SECONDS, checksPerS: Math.round(started), idealPerS: ideal, probes, failures: failures.length,
    cores: coreShare, cpuPerCheckMs, projectedCoresAt10k: projectedCores, rssMb: process.memoryUsage().rss / 1048576,
    driftP50: pct(drift, 50), driftP99: pct(drift, 99), driftMax: drift[drift.length - 1],
    wakeLateP99: pct(wakeLate, 99), queuedP99: pct(queued, 99),
    loopDelayP99: loopDelay.percentile(99) / 1e6, cpuWaitShare: waitShare, listenersCores: childShare, sentinelSlip: slip,
    loadavg: os.loadavg(), verdict, invalid, misses,
  }));
  setTimeout(() => process.exit(0), 200);
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
