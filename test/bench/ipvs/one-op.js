#!/usr/bin/env node
// One edit-dest (a changed weight) applied with IpvsClient.apply while the table holds
// 10,000 services: the netlink cost of a one-op reconcile, process start-up excluded.
// usage: one-op.js DIST_DIR VIP RIP
'use strict';
const path = require('path');
const { IpvsClient } = require(path.join(path.resolve(process.argv[2]), 'ipvs/client.js'));
(async () => {
  const c = await IpvsClient.open();
  const key = { af: 4, protocol: 6, address: process.argv[3], port: 80 };
  const times = [];
  for (let w = 2; w < 7; w++) {
    const t0 = process.hrtime.bigint();
    const [r] = await c.apply([{ op: 'edit-dest', key, dest: { af: 4, address: process.argv[4], port: 80, forward: 'masq', weight: w, upperThreshold: 0, lowerThreshold: 0 } }]);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.error) throw r.error;
  }
  c.close();
  process.stdout.write(`one edit-dest via apply(): ${times.map((t) => t.toFixed(2)).join(' ')} ms\n`);
})();
