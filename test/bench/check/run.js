#!/usr/bin/env node
'use strict';
/**
 * TCP_CHECK scale bench: 10,000 targets at delay_loop 1 s against listeners on 127.0.0.1
 * (one child process holding 10,000 listening ports), driven by halo's HealthChecker — the
 * single-timer heap scheduler and the real non-blocking prober.
 *
 *   node test/bench/check/run.js [TARGETS=10000] [SECONDS=20]
 *
 * Prints the checker process's CPU (share of one core) over the measured window and the drift
 * of each check's start from its scheduled time (p50/p99/max), the figure keepalived users
 * report as multi-second (keepalived issue #2271). The first delay_loop (warmup) is excluded.
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
const { tcpProbe } = require(path.join(root, 'src/check/tcp-probe.ts'));

const TARGETS = Number(process.argv[2] || 10000);
const SECONDS = Math.min(Number(process.argv[3] || 20), 120);
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

async function main() {
  const child = spawn(process.execPath, [path.join(__dirname, 'listeners.js'), String(TARGETS), String((SECONDS + 60) * 1000)], {
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

  const targets = ports.map((port, i) => ({
    key: String(i),
    check: {
      kind: 'TCP_CHECK', connectIp: '127.0.0.1', connectPort: port, bindto: null, bindPort: null, bindIf: null, fwmark: null,
      connectTimeoutMs: 3000, retry: 1, delayLoopMs: DELAY_LOOP_MS, delayBeforeRetryMs: 1000, alpha: false,
      warmupMs: DELAY_LOOP_MS, logAllFailures: false, location: { file: 'bench', line: 0, col: 0 },
    },
    name: `[127.0.0.1]:tcp:${port}`, vsName: '[127.0.0.1]:tcp:80', users: [],
  }));
  let measuring = false;
  const drift = [];
  let probes = 0;
  const failures = [];
  const hc = new HealthChecker({
    targets,
    prober: {
      probe: async (t) => {
        const r = await tcpProbe(t.check);
        if (measuring) { probes++; if (r.result !== 'success') failures.push(r.result); }
        return r;
      },
    },
    log: () => {},
    onProbeStart: (_t, scheduledAt, startedAt) => { if (measuring) drift.push(startedAt - scheduledAt); },
  });
  hc.start();
  await new Promise((r) => setTimeout(r, 2 * DELAY_LOOP_MS)); // warmup round + one settling round
  measuring = true;
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
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
  hc.stop();
  child.stdin.write('exit\n');

  drift.sort((a, b) => a - b);
  const coreShare = (cpu.user + cpu.system) / 1000 / wallMs;
  console.log(`TCP_CHECK bench: ${TARGETS} targets, delay_loop ${DELAY_LOOP_MS} ms, ${SECONDS} s measured, node ${process.version}`);
  console.log(`  checks started: ${drift.length} (${(drift.length / (wallMs / 1000)).toFixed(0)}/s; ideal ${(TARGETS * 1000 / DELAY_LOOP_MS).toFixed(0)}/s)`);
  console.log(`  probe results: ${probes} completed, ${failures.length} not successful`);
  console.log(`  CPU: ${(coreShare * 100).toFixed(1)}% of one core (user ${(cpu.user / 1e6).toFixed(2)} s, system ${(cpu.system / 1e6).toFixed(2)} s)`);
  console.log(`  listeners (child process, not halo): ${(childShare * 100).toFixed(1)}% of one core`);
  console.log(`  main thread runnable but waiting for a CPU: ${(waitShare * 100).toFixed(1)}% of the window (CPU contention from other work on the host)`);
  console.log(`  event-loop delay: p50 ${(loopDelay.percentile(50) / 1e6).toFixed(2)} ms, p99 ${(loopDelay.percentile(99) / 1e6).toFixed(2)} ms, max ${(loopDelay.max / 1e6).toFixed(2)} ms`);
  console.log(`  host: ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (shared machine)`);
  console.log(`  start drift from schedule: p50 ${pct(drift, 50).toFixed(2)} ms, p99 ${pct(drift, 99).toFixed(2)} ms, max ${drift[drift.length - 1].toFixed(2)} ms`);
  setTimeout(() => process.exit(0), 200);
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
