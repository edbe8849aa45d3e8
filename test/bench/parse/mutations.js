#!/usr/bin/env node
'use strict';
/**
 * The mutation test's workload as a benchmark: the seeded edits of the example configs
 * (test/config/mutate.ts, the same sequence the unit test checks) parsed by halo's front end,
 * and, in the same run, a sample of the same edited files checked by Debian's `keepalived -t`
 * (in an `unshare -rn` namespace holding eth0/eth1, as the oracle test does).
 *
 *   node test/bench/parse/mutations.js [EDITS] [KEEPALIVED_SAMPLE]
 *
 * keepalived -t is a process per config, so its figure includes process start-up; halo's is
 * in-process. Both are per config, with CPU time beside wall time (a run whose wall time is
 * well above its CPU time waited for a CPU and is marked so).
 */
require('../../net/support/ts-register');
const { spawnSync } = require('node:child_process');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { parseConfigText } = require('../../../src/config/load');
const { mutations } = require('../../config/mutate');

const EDITS = Number(process.argv[2] ?? 3000);
const SAMPLE = Number(process.argv[3] ?? 200);
const cpuMs = (u) => (u.user + u.system) / 1000;
const verdict = (wall, cpu) => (cpu > 0 && wall / cpu > 1.5 ? ' [waited for a CPU: inconclusive]' : '');

const all = [...mutations(EDITS)];
// halo: warm-up pass (JIT), then the timed pass
for (const m of all.slice(0, 300)) parseConfigText(m.text, m.file);
let c0 = process.cpuUsage();
let t0 = process.hrtime.bigint();
let valid = 0;
for (const m of all) if (parseConfigText(m.text, m.file).model) valid++;
const haloWall = Number(process.hrtime.bigint() - t0) / 1e6;
const haloCpu = cpuMs(process.cpuUsage(c0));

// keepalived -t on every (EDITS/SAMPLE)-th edit
const dir = mkdtempSync(join(tmpdir(), 'halo-bench-mut-'));
const step = Math.max(1, Math.floor(all.length / SAMPLE));
const sample = all.filter((_, i) => i % step === 0).slice(0, SAMPLE);
const files = sample.map((m, i) => {
  const f = join(dir, `m${i}.conf`);
  writeFileSync(f, m.text);
  return f;
});
// one namespace for the whole sample: the loop runs inside it, so namespace set-up is not timed
const script = 'ip link add eth0 type veth peer name eth1 && ip link set eth0 up && ip link set eth1 up || exit 99\n' +
  's=$(date +%s%N); for f in "$@"; do keepalived -t -f "$f" >/dev/null 2>&1; done; e=$(date +%s%N); echo $(( (e - s) / 1000 ))';
c0 = process.cpuUsage();
const r = spawnSync('unshare', ['-rn', 'sh', '-c', script, 'sh', ...files], { encoding: 'utf8' });
rmSync(dir, { recursive: true, force: true });
if (r.status !== 0) {
  console.error(`keepalived -t sample failed: ${r.stderr || r.error}`);
  process.exit(1);
}
const kaWall = Number(r.stdout.trim()) / 1000;

console.log(`${all.length} seeded edits of deploy/examples (${valid} valid), node ${process.version}`);
console.log(`  halo parseConfigText: ${haloWall.toFixed(0)} ms wall, ${haloCpu.toFixed(0)} ms CPU = ${(haloWall / all.length).toFixed(3)} ms per config${verdict(haloWall, haloCpu)}`);
console.log(`  keepalived -t, ${sample.length} of the same edits: ${kaWall.toFixed(0)} ms wall = ${(kaWall / sample.length).toFixed(3)} ms per config (a process each)`);
console.log(`  per config, halo / keepalived -t: ${((haloWall / all.length) / (kaWall / sample.length)).toFixed(3)}`);
