'use strict';
// Summarises trace.js's records of each halo run under DIR/trace-N (see in-vm.sh).
const fs = require('node:fs');
const path = require('node:path');
const dir = process.argv[2];
const ms = (x) => `${Math.round(x)} ms`.padStart(8);
for (const run of fs.readdirSync(dir).filter((d) => d.startsWith('trace-')).sort()) {
  const d = path.join(dir, run);
  const launched = Number(fs.readFileSync(path.join(d, 'launched'), 'utf8'));
  const recs = fs.readdirSync(d).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(fs.readFileSync(path.join(d, f), 'utf8'))).sort((a, b) => a.start - b.start);
  console.log(`\nhalo ${run.replace('trace-', 'run ')}: times from the launch of \`ip netns exec … halo run\``);
  for (const r of recs) {
    const role = r.argv.some((a) => /worker(-start)?\.js$/.test(a)) ? 'worker' : 'CLI (node dist/cli/main.js)';
    console.log(`  ${role} (pid ${r.pid}): process start at ${ms(r.start - launched)}, Node bootstrap ${ms(r.bootstrapped - r.start)}`);
    for (const s of [...r.steps].sort((a, b) => a.t0 - b.t0)) console.log(`    ${ms(s.t0 - launched)} → ${s.t1 ? ms(s.t1 - launched) : '       ?'}  ${s.t1 ? ms(s.t1 - s.t0) : ''}  ${s.name}`);
    const pk = Object.entries(r.packages).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${Math.round(v)}`).join(', ');
    console.log(`    npm packages loaded (inclusive ms): ${pk}`);
    if (r.firstState) console.log(`    first VRRP state at ${ms(r.firstState - launched)}`);
    const go = r.steps.find((x) => x.name === "supervisor's answer received");
    if (r.firstState && go) console.log(`    of which the engines' start (the supervisor's answer → the first state: config load, netlink, sockets, VRRP/LVS start) ${ms(r.firstState - go.t0)}`);
  }
}
