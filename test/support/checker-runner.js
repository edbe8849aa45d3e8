#!/usr/bin/env node
'use strict';
/**
 * halo's health-check engine alone, for hosts without IPVS (the netns tier): loads a
 * keepalived.conf with the compiled config front end, runs every checker with the real probes
 * (dist/check) and prints keepalived's log lines plus one `STATE <rs> up|down` line per change
 * on stdout. Stops on SIGTERM.
 *
 *   node test/support/checker-runner.js keepalived.conf
 */
const path = require('node:path');
const dist = path.resolve(__dirname, '..', '..', 'dist');
const { loadConfig } = require(path.join(dist, 'config/load.js'));
const { HealthChecker } = require(path.join(dist, 'check/health-checker.js'));
const { checkProber } = require(path.join(dist, 'check/prober.js'));
const { collectTargets } = require(path.join(dist, 'check/targets.js'));

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
  onChange: (t, up) => process.stdout.write(`STATE ${t.name} ${up ? 'up' : 'down'}\n`),
});
hc.start();
process.on('SIGTERM', () => { hc.stop(); process.exit(0); });
