#!/usr/bin/env node
'use strict';
/**
 * The summary table of test/bench/drill/run.sh (issue 9's benchmarks for the closing note), from
 * what it left in OUT:
 *   BATCH.json     `halo lab drill --json` of each batch (idle, busy): per phase over the runs,
 *                  how many were within / beyond / inconclusive, min / median / max of the valid
 *                  HTTP and DNS outages (an inconclusive figure is no figure: never in the
 *                  spread), each run's figure with its verdict, and the restarted director's
 *                  start-up;
 *   startup.txt    test/bench/startup/in-vm.sh's trials: start → first VRRP state of `halo run`
 *                  and of keepalived 2.2.7 in the same VM, alternately, each trial valid or
 *                  inconclusive by the VM's own timer slip; min / median / max over the valid
 *                  ones and the ratio of the medians.
 *   usage: node test/bench/drill/summary.js OUT
 */
const fs = require('node:fs');
const path = require('node:path');
const { spreadOf } = require('../../../dist/lab/bounds.js');

const out = process.argv[2];
if (!out) {
  process.stderr.write('usage: node test/bench/drill/summary.js OUT\n');
  process.exit(2);
}
const ms = (x) => (x === null || x === undefined ? '-' : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${Math.round(x)} ms`);
const mmm = (s) => (s ? `${ms(s.min)} / ${ms(s.median)} / ${ms(s.max)}` : '-');
const nums = (xs) => xs.filter((x) => typeof x === 'number');

/** A phase's figure as the bench prints it per run: the outage when valid, else its verdict and why. */
function perRun(p) {
  if (p.valid) return `${ms(p.http.outageMs)}/${ms(p.dns.outageMs)} ${p.verdict}`;
  if (p.verdict === 'beyond') return `>=${ms(p.http.outageAtLeastMs)} beyond`;
  return p.validity.starvedDirectors ? 'inconclusive (directors starved)' : `inconclusive (client stalled ${(p.validity.stalledMs / 1000).toFixed(1)} s)`;
}

function drillRows(batch, results) {
  const rows = [];
  const names = [...new Set(results.flatMap((r) => r.phases.map((p) => p.name)))];
  for (const name of names) {
    const ps = results.flatMap((r) => r.phases.filter((p) => p.name === name));
    const valid = ps.filter((p) => p.valid);
    const count = (v) => ps.filter((p) => p.verdict === v).length;
    rows.push([batch, name, ms(ps[0].bound.ms), `${ps.length}`, `${count('within')}/${count('beyond')}/${count('inconclusive')}`,
      mmm(spreadOf(nums(valid.map((p) => p.http.outageMs)))), mmm(spreadOf(nums(valid.map((p) => p.dns.outageMs)))),
      mmm(spreadOf(nums(ps.map((p) => p.startupMs)))), ps.map(perRun).join('; ')]);
  }
  return rows;
}

function table(head, rows) {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => (i === r.length - 1 ? String(c) : String(c).padEnd(w[i]))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

const rows = [];
for (const batch of ['idle', 'busy']) {
  const f = path.join(out, `${batch}.json`);
  if (!fs.existsSync(f)) continue;
  const results = JSON.parse(fs.readFileSync(f, 'utf8'));
  if (!Array.isArray(results) || results.length === 0) {
    rows.push([batch, '(no results: the drill failed before measuring)', '', '', '', '', '', '', '']);
    continue;
  }
  rows.push(...drillRows(batch, results));
}
process.stdout.write('\n=== halo lab drill --mode all: client-observed outage per phase (valid measurements only in the spreads)\n');
process.stdout.write(`${table(['batch', 'phase', 'bound', 'runs', 'w/b/i', 'HTTP min / med / max', 'DNS min / med / max', 'start-up min / med / max', 'per run: HTTP/DNS outage, verdict'], rows)}\n`);
process.stdout.write('(w/b/i: within its bound / beyond / inconclusive: the measuring client stalled or the directors starved; start-up: the restarted director\'s `halo run` → control socket)\n');

const st = path.join(out, 'startup.txt');
if (fs.existsSync(st)) {
  const trials = [];
  const re = /^(halo|keepalived) run (\d+): start -> first VRRP state (\d+) ms .*-> IPVS services programmed (\d+) ms; the VM's timer slip max (\d+) ms: (valid|inconclusive)/;
  for (const line of fs.readFileSync(st, 'utf8').split('\n')) {
    const m = re.exec(line);
    if (m) trials.push({ tool: m[1], first: Number(m[3]), ipvs: Number(m[4]), slip: Number(m[5]), valid: m[6] === 'valid' });
  }
  const srows = [];
  const med = {};
  for (const tool of ['halo', 'keepalived']) {
    const t = trials.filter((x) => x.tool === tool);
    const v = t.filter((x) => x.valid);
    const first = spreadOf(v.map((x) => x.first));
    med[tool] = first?.median ?? null;
    srows.push([tool, `${v.length}/${t.length}`, mmm(first), mmm(spreadOf(v.map((x) => x.ipvs))), t.map((x) => `${ms(x.first)}${x.valid ? '' : ` (inconclusive, slip ${x.slip} ms)`}`).join('; ')]);
  }
  process.stdout.write('\n=== start → first VRRP state in the VM (1 vCPU; deploy/examples/master.conf), halo beside keepalived 2.2.7, alternately\n');
  process.stdout.write(`${table(['daemon', 'valid', 'first state min / med / max', 'IPVS programmed min / med / max', 'per trial'], srows)}\n`);
  process.stdout.write(med.halo !== null && med.keepalived ? `ratio of the medians (valid trials): halo / keepalived = ${(med.halo / med.keepalived).toFixed(1)}\n` : 'ratio: inconclusive (no valid trial of one of them)\n');
  const where = fs.readFileSync(st, 'utf8').split('\n').findIndex((l) => l.startsWith('halo run') && l.includes('times from the launch'));
  if (where >= 0) process.stdout.write(`(where halo's start-up goes, one traced run: ${st}, from line ${where + 1})\n`);
}
