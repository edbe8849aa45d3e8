#!/usr/bin/env node
'use strict';
/**
 * Parse benchmark: a generated 100,000-line keepalived.conf through halo's loadConfig and,
 * in the same run, through Debian's `keepalived -t -f` (installed here if missing).
 *
 *   node test/bench/parse/run.js [LINES] [RUNS]
 *
 * Prints the median of RUNS timed runs for each (after one untimed warm-up for halo, whose
 * first run also pays for JIT compilation; that cold figure is printed too), and the ratio.
 */
const { execFileSync, spawnSync } = require('node:child_process');
const { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
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
    // What a user waits for: a fresh process, module loading and JIT warm-up included.
    const cliTimes = [];
    for (let i = 0; i < runs; i++) {
      t0 = process.hrtime.bigint();
      const r = spawnSync(process.execPath, [join(root, 'dist', 'cli', 'main.js'), 'check', '-f', file], { stdio: 'ignore' });
      cliTimes.push(ms(t0));
      if (r.status !== 0) console.error(`halo check exited ${r.status}`);
    }
    console.log(`halo check -f (new process): ${median(cliTimes).toFixed(0)} ms median of ${runs}`);

    if (!ensureKeepalived()) {
      console.log('keepalived -t:       not available');
      return;
    }
    const kaTimes = [];
    let status = null;
    for (let i = 0; i < runs; i++) {
      t0 = process.hrtime.bigint();
      const r = spawnSync('keepalived', ['-t', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
      kaTimes.push(ms(t0));
      status = r.status;
    }
    const ka = median(kaTimes);
    console.log(`keepalived -t -f:    ${ka.toFixed(0)} ms median of ${runs} (exit ${status})`);
    console.log(`ratio halo/keepalived: ${(halo / ka).toFixed(2)}  (target: halo <= 1000 ms${halo <= 1000 ? ', met' : ', NOT met'})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
