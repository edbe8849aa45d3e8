#!/usr/bin/env node
// The halo side of "program N services from an empty table": read the same ipvsadm -R rules
// (only the -A -t/-u ... -s S and -a ... -r ... -m|-g|-i -w W forms gen-rules.js writes), turn
// them into Ops and hand them to IpvsClient.apply (pipelined). Prints the phase times as JSON.
// usage: halo-restore.js DIST_DIR < rules
'use strict';
const t0 = process.hrtime.bigint();
const path = require('path');
const dist = path.resolve(process.argv[2]);
const { IpvsClient } = require(path.join(dist, 'ipvs/client.js'));
const ms = (a, b) => Number(b - a) / 1e6;

function parse(text) {
  const ops = [];
  const fwd = { '-m': 'masq', '-g': 'route', '-i': 'tunnel' };
  for (const line of text.split('\n')) {
    if (!line) continue;
    const w = line.split(' ');
    const proto = w[1] === '-t' ? 6 : 17;
    const [address, port] = w[2].split(':');
    const key = { af: 4, protocol: proto, address, port: Number(port) };
    if (w[0] === '-A') {
      ops.push({ op: 'add-service', service: { key, scheduler: w[4], flags: 0, timeout: 0, netmask: 0xffffffff, destinations: [] } });
    } else if (w[0] === '-a') {
      const [ra, rp] = w[4].split(':');
      ops.push({ op: 'add-dest', key, dest: { af: 4, address: ra, port: Number(rp), forward: fwd[w[5]], weight: Number(w[7]), upperThreshold: 0, lowerThreshold: 0 } });
    }
  }
  return ops;
}

(async () => {
  const text = require('fs').readFileSync(0, 'latin1');
  const t1 = process.hrtime.bigint();
  const ops = parse(text);
  const t2 = process.hrtime.bigint();
  const client = await IpvsClient.open();
  const res = await client.apply(ops);
  const t3 = process.hrtime.bigint();
  client.close();
  const failed = res.filter((r) => r.error);
  process.stdout.write(JSON.stringify({ ops: ops.length, failed: failed.length, firstError: failed[0]?.error.message, startupMs: ms(t0, t1), parseMs: ms(t1, t2), applyMs: ms(t2, t3) }) + '\n');
  process.exitCode = failed.length ? 1 : 0;
})();
