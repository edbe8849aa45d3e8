#!/usr/bin/env node
'use strict';
/**
 * Parse benchmark: a generated 100,000-line keepalived.conf through halo's loadConfig and,
 * in the same run, through Debian's `keepalived -t -f` (installed here if missing).
 *
 *   node test/bench/parse/run.js [LINES] [RUNS] [BASE]   (BASE: another checkout, dist/ built)
 *
 * Prints the median of RUNS timed runs for each (after one untimed warm-up for halo, whose
 * first run also pays for JIT compilation; that cold figure is printed too), and the ratio.
 */
const { execFileSync, spawnSync } = require('node:child_process');
const { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { cpus, loadavg, tmpdir } = require('node:os');
const { join } = require('node:path');
const { generateConfig } = require('./generate');

const root = join(__dirname, '..', '..', '..');
const lines = Number(process.argv[2] ?? 100000);
const runs = Number(process.argv[3] ?? 5);

function ensureKeepalived() {
  if (spawnSync('sh', ['-c', 'command -v keepalived'], { stdio: 'ignore' }).status === 0) return true;
  if (process.getuid && process.getuid() !== 0) {
    console.error('keepalived is not installed and this is not root: apt-get install -y keepalived');
    return false;
  }
  const r = spawnSync('apt-get', ['install', '-y', 'keepalived'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return r.status === 0;
}

/** keepalived -t refuses interfaces that do not exist: use a real one. */
function pickInterface() {
  try {
    const names = readdirSync('/sys/class/net').filter((n) => n !== 'lo').sort();
    return names[0] ?? 'eth0';
  } catch {
    return 'eth0';
  }
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function ms(t0) {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function main() {
  if (!existsSync(join(root, 'dist', 'config', 'load.js'))) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  const { loadConfig } = require(join(root, 'dist', 'config', 'load.js'));
  const dir = mkdtempSync(join(tmpdir(), 'halo-bench-parse-'));
  try {
    const file = join(dir, 'keepalived.conf');
    const text = generateConfig(lines, pickInterface());
    writeFileSync(file, text);
    const lineCount = text.split('\n').length - 1;

    let t0 = process.hrtime.bigint();
    const first = loadConfig(file);
    const cold = ms(t0);
    if (!first.model) {
      console.error('halo rejected the generated config:');
      for (const d of first.diagnostics.slice(0, 10)) console.error(`  ${d.location.file}:${d.location.line}: ${d.severity}: ${d.message}`);
      process.exitCode = 1;
      return;
    }
    const haloTimes = [];
    for (let i = 0; i < runs; i++) {
      t0 = process.hrtime.bigint();
      loadConfig(file);
      haloTimes.push(ms(t0));
    }
    const halo = median(haloTimes);
    const m = first.model;
    const rs = m.virtualServers.reduce((n, v) => n + v.realServers.length, 0);
    console.log(`config: ${lineCount} lines, ${m.vrrpInstances.length} vrrp_instances, ${m.virtualServers.length} virtual_servers, ${rs} real_servers`);
    console.log(`halo loadConfig:     ${halo.toFixed(0)} ms median of ${runs} (first, cold: ${cold.toFixed(0)} ms)`);
    // What a user waits for: a fresh process, module loading and JIT warm-up included; halo
    // check (and BASE's, another checkout with dist/ built) and keepalived -t interleaved, wall
    // and CPU time (user + system, from /usr/bin/time: what a busy machine does not inflate).
    if (!ensureKeepalived()) {
      console.log('keepalived -t:       not available');
      return;
    }
    const base = process.argv[4] ? join(process.argv[4], 'dist', 'cli', 'main.js') : null;
    const kinds = { halo: [process.execPath, join(root, 'dist', 'cli', 'main.js'), 'check', '-f', file], ...(base ? { base: [process.execPath, base, 'check', '-f', file] } : {}), keepalived: ['keepalived', '-t', '-f', file] };
    const got = Object.fromEntries(Object.keys(kinds).map((k) => [k, { wall: [], cpu: [], status: null }]));
    const cpuFile = join(dir, 'cpu');
    const load0 = loadavg()[0];
    for (let i = 0; i < runs; i++) {
      for (const [k, argv] of Object.entries(kinds)) {
        t0 = process.hrtime.bigint();
        const r = spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', cpuFile, ...argv], { stdio: 'ignore' });
        got[k].wall.push(ms(t0));
        got[k].status = r.status;
        const [u, sy] = readFileSync(cpuFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
        got[k].cpu.push((u + sy) * 1000);
      }
    }
    const busy = Math.max(load0, loadavg()[0]) > cpus().length;
    console.log(`new process, ${runs} runs each, interleaved; load average ${load0.toFixed(1)} → ${loadavg()[0].toFixed(1)} on ${cpus().length} CPUs${busy ? ' (busy: wall times inflated, compare CPU)' : ''}`);
    for (const [k, g] of Object.entries(got)) {
      const name = k === 'halo' ? 'halo check -f' : k === 'base' ? `halo check (${process.argv[4]})` : 'keepalived -t -f';
      console.log(`  ${name.padEnd(20)} ${median(g.wall).toFixed(0)} ms wall, ${median(g.cpu).toFixed(0)} ms CPU, median of ${runs} (exit ${g.status})`);
    }
    const ka = got.keepalived;
    const ratio = (x, y) => (median(x) / median(y)).toFixed(2);
    console.log(`  ratio halo check / keepalived -t: ${ratio(got.halo.wall, ka.wall)} wall, ${ratio(got.halo.cpu, ka.cpu)} CPU (target <= 2 wall: ${busy ? 'inconclusive on a busy machine' : median(got.halo.wall) <= 2 * median(ka.wall) ? 'met' : 'NOT met'})`);
    console.log(`halo loadConfig in-process: ${halo.toFixed(0)} ms median of ${runs}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
