#!/usr/bin/env node
'use strict';
/**
 * What `halo run` spends reading a config before it execs the supervisor (net_namespace and
 * instance, for the pid file's name), in a new process as at start-up: the scan it does now
 * (process-identity.ts identityOf) beside the statement tree it built before, for a generated
 * config of LINES lines (test/bench/parse/generate.js), and `keepalived -t` of the same file in
 * the same run for scale. CPU time (user + system) of each new process: it holds on a busy host;
 * the wall time is printed with the load average.
 *
 *   node test/bench/startup/identity.js [LINES] [RUNS]        (a built dist/)
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { generateConfig } = require('../parse/generate');

const root = path.join(__dirname, '..', '..', '..');
const lines = Number(process.argv[2] ?? 100000);
const runs = Number(process.argv[3] ?? 7);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dist = path.join(root, 'dist');
// each variant in a new process: module loading and cold JIT included, as for `halo run`
const variants = {
  'scan (now)': `require(${JSON.stringify(path.join(dist, 'daemon', 'process-identity.js'))}).readProcessIdentity(process.argv[1])`,
  'statement tree (before)': `const fs = require('fs'); const { preprocess } = require(${JSON.stringify(path.join(dist, 'config', 'preprocess.js'))});
    const { parseStatements } = require(${JSON.stringify(path.join(dist, 'config', 'parse.js'))});
    const f = process.argv[1]; const pre = preprocess(fs.readFileSync(f, 'utf8'), f, {}); parseStatements(pre.text, pre.sources);`,
  'node only': '',
};

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'halo-bench-identity-'));
try {
  const file = path.join(dir, 'keepalived.conf');
  const iface = fs.readdirSync('/sys/class/net').filter((n) => n !== 'lo').sort()[0] ?? 'eth0';
  fs.writeFileSync(file, generateConfig(lines, iface));
  const cpuFile = path.join(dir, 'cpu');
  const got = {};
  const load0 = os.loadavg()[0];
  const kinds = { ...Object.fromEntries(Object.entries(variants).map(([k, code]) => [k, [process.execPath, '-e', code, file]])), 'keepalived -t': ['keepalived', '-t', '-f', file] };
  for (let r = 0; r < runs; r++) {
    for (const [k, argv] of Object.entries(kinds)) {
      const t0 = process.hrtime.bigint();
      const res = spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', cpuFile, ...argv], { stdio: ['ignore', 'ignore', 'pipe'] });
      const wall = Number(process.hrtime.bigint() - t0) / 1e6;
      if (res.error || (res.status !== 0 && k !== 'keepalived -t')) throw new Error(`${k}: ${res.error?.message ?? res.stderr}`);
      const [u, s] = fs.readFileSync(cpuFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
      (got[k] ??= { cpu: [], wall: [] }).cpu.push((u + s) * 1000);
      got[k].wall.push(wall);
    }
  }
  const busy = Math.max(load0, os.loadavg()[0]) > os.cpus().length;
  console.log(`halo run's config read before the supervisor, ${lines} lines, new process each, ${runs} runs interleaved; load average ${load0.toFixed(1)} → ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs${busy ? ' (busy: wall times inflated, compare CPU)' : ''}`);
  for (const [k, g] of Object.entries(got)) console.log(`  ${k.padEnd(24)} ${median(g.cpu).toFixed(0).padStart(5)} ms CPU, ${median(g.wall).toFixed(0).padStart(5)} ms wall (median)`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
