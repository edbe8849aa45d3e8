#!/usr/bin/env node
'use strict';
/**
 * halo's health-check engine alone, for hosts without IPVS (the netns tier): loads a
 * keepalived.conf with the compiled config front end, runs every checker with the real probes
 * (dist/check) and prints keepalived's log lines plus one `STATE <rs> up|down` line per change
 * on stdout, and with TABLE=1 in the environment the desired IPVS table after each change (one
 * `TABLE <vip:port> <rip:port:weight …>` line per service: src/ipvs/desired.ts, the model the
 * daemon reconciles the kernel to). bfd_instances run too (dist/bfd/runner.js), their events reaching BFD_CHECKs as in
 * the director. Stops on SIGTERM.
 *
 *   node test/support/checker-runner.js keepalived.conf
 */
const path = require('node:path');
const dist = path.resolve(__dirname, '..', '..', 'dist');
const { loadConfig } = require(path.join(dist, 'config/load.js'));
const { HealthChecker } = require(path.join(dist, 'check/health-checker.js'));
const { checkProber } = require(path.join(dist, 'check/prober.js'));
const { collectTargets } = require(path.join(dist, 'check/targets.js'));
const { buildDesired } = require(path.join(dist, 'ipvs/desired.js'));

const r = loadConfig(process.argv[2]);
if (!r.model) {
  process.stderr.write(`${r.diagnostics.map((d) => d.message).join('\n')}\n`);
  process.exit(1);
}
const m = r.model;
const hc = new HealthChecker({
  targets: collectTargets(m.virtualServers, m.virtualServerGroups),
  prober: checkProber({ ssl: m.ssl, enableScriptSecurity: m.globalDefs.enableScriptSecurity, scriptUser: m.globalDefs.scriptUser, trackFiles: m.trackFiles }),
  log: (l) => process.stdout.write(`${l}\n`),
  onChange: (t, up) => {
    process.stdout.write(`STATE ${t.name} ${up ? 'up' : 'down'}\n`);
    if (process.env.TABLE === '1') printTable();
  },
});
let pools = null;
function printTable() {
  const d = buildDesired({ virtualServers: m.virtualServers, virtualServerGroups: m.virtualServerGroups }, (c) => hc.checkerUp(c), pools, (c) => hc.checkerWeight(c));
  pools = d.state;
  for (const s of d.services) {
    const dests = s.destinations.map((x) => `${x.address}:${x.port}:${x.weight}`).join(' ');
    process.stdout.write(`TABLE ${s.key.address ?? `fwmark${s.key.fwmark}`}:${s.key.port ?? 0} ${dests}\n`.replace(/ \n$/, '\n'));
  }
}
if (process.env.TABLE === '1') printTable();
hc.start();
let bfd = null;
if (m.bfdInstances.length > 0) {
  const { BfdRunner } = require(path.join(dist, 'bfd/runner.js'));
  const say = (l) => process.stdout.write(`${l}\n`);
  bfd = new BfdRunner({ log: { info: say, warning: say, error: say }, onEvent: (b, up) => { if (b.toChecker) hc.bfdEvent(b.name, up); } });
  bfd.start(m.bfdInstances).catch((e) => { say(`BFD: ${e.message}`); process.exit(1); });
}
process.on('SIGTERM', () => { bfd?.stop(); hc.stop(); process.exit(0); });
