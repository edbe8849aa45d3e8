#!/usr/bin/env node
'use strict';
/**
 * The reconcile decision at scale, on the host (no kernel): 10,000 virtual servers x 4 real
 * servers, one real server's weight changed; halo's buildDesired (config ∩ health → desired
 * table) and diff (desired vs kernel → ops) must find exactly one edit-dest. Timed here, not in
 * the unit tier (test/ipvs/desired-scale.test.ts and reconcile.test.ts keep the "exactly one op"
 * assertions).
 *
 *   node test/bench/ipvs/desired-diff.js [SERVICES] [RUNS]
 *
 * Prints per run wall and CPU time of buildDesired and of diff, then the best run. CPU time is
 * what halo costs; wall time well above CPU time means this process waited for a CPU, and such
 * a run is reported "inconclusive (starved)". The kernel side of the same change (halo's apply
 * of that one op beside `ipvsadm -e`) is in test/bench/ipvs/run.sh, inside the VM.
 */
require('../../net/support/ts-register');
const { buildDesired, initialCheckerUp } = require('../../../src/ipvs/desired');
const { diff, ownedAfter } = require('../../../src/ipvs/reconcile');
const { realServer, virtualServer } = require('../../check/model-fixtures');

const N = Number(process.argv[2] ?? 10000);
const RUNS = Number(process.argv[3] ?? 5);
const STARVED = 1.5; // wall / CPU above this: the run waited for a CPU

const vss = [];
for (let i = 0; i < N; i++) {
  vss.push(virtualServer({
    key: { kind: 'addr', protocol: 'TCP', address: `10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`, family: 4, port: 80 },
    realServers: [1, 2, 3, 4].map((n) => realServer(`10.200.${i & 255}.${n}`, 80)),
  }));
}
const input = { virtualServers: vss, virtualServerGroups: [] };
const start = buildDesired(input, initialCheckerUp, null);
const owned = ownedAfter(start.services);
const changed = Math.min(4321, N - 1);
vss[changed].realServers[2].weight = 7;

const ms = (a, b) => Number(b - a) / 1e6;
const runs = [];
console.log(`${N} virtual servers x 4 real servers, one weight changed (node ${process.version})`);
for (let r = 0; r < RUNS; r++) {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const next = buildDesired(input, initialCheckerUp, start.state);
  const c1 = process.cpuUsage();
  const t1 = process.hrtime.bigint();
  const ops = diff(next.services, start.services, { owned, lvsFlush: false });
  const t2 = process.hrtime.bigint();
  const c2 = process.cpuUsage();
  const cpu = (a, b) => (b.user - a.user + b.system - a.system) / 1000;
  if (ops.length !== 1 || ops[0].op !== 'edit-dest') throw new Error(`expected one edit-dest, got ${JSON.stringify(ops.map((o) => o.op))}`);
  const run = { buildWall: ms(t0, t1), buildCpu: cpu(c0, c1), diffWall: ms(t1, t2), diffCpu: cpu(c1, c2) };
  run.wall = run.buildWall + run.diffWall;
  run.cpu = run.buildCpu + run.diffCpu;
  run.starved = run.cpu > 0 && run.wall / run.cpu > STARVED;
  runs.push(run);
  console.log(`  run ${r + 1}${r === 0 ? ' (cold: JIT warm-up)' : ''}: buildDesired ${run.buildWall.toFixed(1)} ms wall / ${run.buildCpu.toFixed(1)} ms CPU, ` +
    `diff ${run.diffWall.toFixed(1)} ms wall / ${run.diffCpu.toFixed(1)} ms CPU, 1 op${run.starved ? '  [starved]' : ''}`);
}
const warm = runs.slice(1).filter((r) => !r.starved);
if (warm.length === 0) {
  console.log('result: inconclusive (every warm run waited for a CPU: wall > 1.5 x CPU)');
} else {
  const best = warm.reduce((a, b) => (b.cpu < a.cpu ? b : a));
  console.log(`result: best warm run ${best.cpu.toFixed(1)} ms CPU (buildDesired ${best.buildCpu.toFixed(1)} + diff ${best.diffCpu.toFixed(1)}), ${best.wall.toFixed(1)} ms wall; ${warm.length} of ${RUNS - 1} warm runs not starved`);
}
