#!/usr/bin/env node
'use strict';
/**
 * Parse benchmark (issue 15: `halo check` of 100,000 lines in a new process ≤ 2× `keepalived -t`).
 * One generated config (test/bench/parse/generate.js) is checked by `bin/halo check -f` (what a
 * user runs: the launcher, then Node) and by Debian's `keepalived -t -f`, alternately, RUNS times
 * each, every run in a new process; then halo's phases in this process.
 *
 *   node test/bench/parse/run.js [LINES] [RUNS] [BASE]
 *     LINES  config size (100000); RUNS  runs of each (9); BASE  another checkout with dist/
 *     built, run as a third contender in the same rounds (e.g. main, for before/after)
 *
 * The target is judged on CPU time (user + system of the process and its threads, from wait4's
 * rusage, to the microsecond): what a busy machine inflates least. Wall time is judged only
 * when the runs did not wait for a CPU: a run whose wall time exceeds its CPU time by more than
 * a quarter (halo's GC threads can make CPU exceed wall, never the reverse when it is not
 * starved) waited, and more than a third of such runs make the wall figures inconclusive.
 * About 30 s at 100,000 lines; bounded by a 60 s limit per process.
 */
const { execFileSync, spawnSync } = require('node:child_process');
const { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { cpus, loadavg, tmpdir } = require('node:os');
const { join } = require('node:path');
const { generateConfig } = require('./generate');

const root = join(__dirname, '..', '..', '..');
const lines = Number(process.argv[2] ?? 100000);
const runs = Number(process.argv[3] ?? 9);
const baseDir = process.argv[4] ?? null;
const PER_PROCESS_TIMEOUT_MS = 60_000;

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
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function ms(t0) {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/**
 * One process, measured by its parent's wait4: CPU (user + system, every thread) and wall, both
 * in ms. python3's os.wait4 gives the rusage to the microsecond (GNU time prints 10 ms steps,
 * 10% of keepalived's run); without python3, /usr/bin/time.
 */
const PY_MEASURE = [
  'import os, sys, time',
  't0 = time.monotonic()',
  'pid = os.fork()',
  'if pid == 0:',
  '    fd = os.open("/dev/null", os.O_WRONLY); os.dup2(fd, 1); os.dup2(fd, 2)',
  '    os.execvp(sys.argv[1], sys.argv[1:])',
  '_, st, ru = os.wait4(pid, 0)',
  'print((ru.ru_utime + ru.ru_stime) * 1000, (time.monotonic() - t0) * 1000, os.waitstatus_to_exitcode(st))',
].join('\n');
const havePython = spawnSync('python3', ['-c', 'import os; os.wait4; os.waitstatus_to_exitcode'], { stdio: 'ignore' }).status === 0;

function measure(argv, tmp) {
  if (havePython) {
    const r = spawnSync('python3', ['-c', PY_MEASURE, ...argv], { encoding: 'utf8', timeout: PER_PROCESS_TIMEOUT_MS });
    if (r.status !== 0) throw new Error(`measuring ${argv.join(' ')}: ${r.error?.message ?? r.stderr}`);
    const [cpu, wall, status] = r.stdout.trim().split(/\s+/).map(Number);
    return { cpu, wall, status };
  }
  const out = join(tmp, 'time');
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', out, ...argv], { stdio: 'ignore', timeout: PER_PROCESS_TIMEOUT_MS });
  const wall = ms(t0);
  const [u, s] = readFileSync(out, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
  return { cpu: (u + s) * 1000, wall, status: r.status };
}

/** This process's CPU time in ms (user + system): the phases are timed in CPU, as the rest. */
function cpuNow() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** halo's phases in this process (after one warm-up run), medians over `n` runs, in CPU ms. */
function phases(dist, file, n) {
  const { preprocess } = require(join(dist, 'config', 'preprocess.js'));
  const { parseStatements } = require(join(dist, 'config', 'parse.js'));
  const { restructure } = require(join(dist, 'config', 'structure.js'));
  const { KEEPALIVED_SCHEMA } = require(join(dist, 'config', 'structure-schema.js'));
  const { buildModel } = require(join(dist, 'config', 'build.js'));
  const { summarize } = require(join(dist, 'config', 'summary.js'));
  const text = readFileSync(file, 'utf8');
  const got = { preprocess: [], parse: [], restructure: [], build: [], summary: [], total: [] };
  let model = null;
  let cold = null;
  for (let i = 0; i <= n; i++) {
    const t = [cpuNow()];
    const pre = preprocess(text, file, {});
    t.push(cpuNow());
    const parsed = parseStatements(pre.text, pre.sources);
    t.push(cpuNow());
    const shaped = restructure(parsed.statements, KEEPALIVED_SCHEMA, pre.sources);
    t.push(cpuNow());
    model = buildModel(shaped.statements, pre.sources, file, {}).model;
    t.push(cpuNow());
    summarize(model);
    t.push(cpuNow());
    const keys = Object.keys(got);
    if (i === 0) {
      // the first run is what a new process pays (interpreter and JIT warm-up); not in the medians
      cold = Object.fromEntries([...keys.slice(0, 5).map((k, j) => [k, t[j + 1] - t[j]]), ['total', t[5] - t[0]]]);
      continue;
    }
    for (let k = 0; k < 5; k++) got[keys[k]].push(t[k + 1] - t[k]);
    got.total.push(t[5] - t[0]);
  }
  const rs = model.virtualServers.reduce((k, v) => k + v.realServers.length, 0);
  const counts = `${model.vrrpInstances.length} vrrp_instances, ${model.virtualServers.length} virtual_servers, ${rs} real_servers`;
  return { counts, cold, medians: Object.fromEntries(Object.entries(got).map(([k, v]) => [k, median(v)])) };
}

function main() {
  if (!existsSync(join(root, 'dist', 'config', 'load.js'))) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (!ensureKeepalived()) {
    console.error('keepalived -t is the reference and is not available: no figures');
    process.exitCode = 1;
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'halo-bench-parse-'));
  try {
    const file = join(dir, 'keepalived.conf');
    const text = generateConfig(lines, pickInterface());
    writeFileSync(file, text);
    const lineCount = text.split('\n').length - 1;

    const contenders = {
      'halo check': [join(root, 'bin', 'halo'), 'check', '-f', file],
      ...(baseDir ? { [`halo check (${baseDir})`]: [join(baseDir, 'bin', 'halo'), 'check', '-f', file] } : {}),
      'keepalived -t': ['keepalived', '-t', '-f', file],
    };
    const got = Object.fromEntries(Object.keys(contenders).map((k) => [k, { cpu: [], wall: [], statuses: new Set() }]));
    const load0 = loadavg()[0];
    // one untimed round first: page cache, and the first exec of each binary
    for (const argv of Object.values(contenders)) measure(argv, dir);
    for (let i = 0; i < runs; i++) {
      for (const [k, argv] of Object.entries(contenders)) {
        const m = measure(argv, dir);
        got[k].cpu.push(m.cpu);
        got[k].wall.push(m.wall);
        got[k].statuses.add(m.status);
      }
    }
    const load1 = loadavg()[0];
    console.log(`config: ${lineCount} lines (${(text.length / 1e6).toFixed(1)} MB); ${runs} runs each, alternating, each a new process; load average ${load0.toFixed(1)} -> ${load1.toFixed(1)} on ${cpus().length} CPUs; CPU from ${havePython ? 'wait4 (python3)' : '/usr/bin/time (10 ms steps)'}`);
    let valid = true;
    let waited = 0;
    let total = 0;
    for (const [k, g] of Object.entries(got)) {
      const w = g.wall.filter((x, j) => x > 1.25 * g.cpu[j]).length;
      waited += w;
      total += g.wall.length;
      const statuses = [...g.statuses];
      if (statuses.length !== 1 || statuses[0] !== 0) valid = false;
      console.log(`  ${k.padEnd(28)} CPU ${median(g.cpu).toFixed(0).padStart(5)} ms (min ${Math.min(...g.cpu).toFixed(0)}, max ${Math.max(...g.cpu).toFixed(0)})   wall ${median(g.wall).toFixed(0).padStart(5)} ms   waited for a CPU in ${w}/${g.wall.length} runs   exit ${statuses.join(',')}`);
    }
    const ka = got['keepalived -t'];
    const cpuRatio = median(got['halo check'].cpu) / median(ka.cpu);
    const wallRatio = median(got['halo check'].wall) / median(ka.wall);
    const wallValid = waited <= total / 3;
    console.log(`  ratio halo check / keepalived -t: CPU ${cpuRatio.toFixed(2)} (target <= 2: ${!valid ? 'invalid run' : cpuRatio <= 2 ? 'met' : 'NOT met'}), wall ${wallRatio.toFixed(2)}${wallValid ? '' : ' (inconclusive: the runs waited for a CPU)'}`);
    if (baseDir) {
      const b = got[`halo check (${baseDir})`];
      console.log(`  ratio halo check / ${baseDir}: CPU ${(median(got['halo check'].cpu) / median(b.cpu)).toFixed(2)}`);
    }
    if (!valid) {
      console.log('  INVALID: a contender did not exit 0 on the config (both must accept it)');
      process.exitCode = 1;
    }
    // Where halo's time goes: its phases in one more Node process, with halo check's V8 flags
    const { CHECK_V8_FLAGS } = require(join(root, 'dist', 'cli', 'check.js'));
    const child = spawnSync(process.execPath, [...CHECK_V8_FLAGS, __filename, '--phases', file, String(Math.max(3, Math.min(runs, 5)))], { encoding: 'utf8', timeout: 5 * PER_PROCESS_TIMEOUT_MS });
    if (child.status !== 0) throw new Error(`phases: ${child.stderr}`);
    const p = JSON.parse(child.stdout);
    const fmt = (o) => Object.entries(o).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ');
    console.log(`halo's phases in one Node process with CHECK_V8_FLAGS (${p.counts}), CPU ms (the process, all its threads):`);
    console.log(`  first run (cold, as in a new process): ${fmt(p.cold)}`);
    console.log(`  warm, median of ${Math.max(3, Math.min(runs, 5))}: ${fmt(p.medians)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--phases') process.stdout.write(JSON.stringify(phases(join(root, 'dist'), process.argv[3], Number(process.argv[4]))));
else main();
