#!/usr/bin/env node
// Where `halo ipvs -Ln` spends its time: family lookup, GET_SERVICE dump, GET_DEST dumps,
// formatting. usage: list-phases.js DIST_DIR [parallelism | x] [write the listing to FILE]
// (x: the synchronous native exchange and /proc/net/ip_vs, as `halo ipvs` lists; a number: that
// many async sockets, one GET_DEST dump per service, as the daemon reads the table)
'use strict';
const path = require('path');
const dist = path.resolve(process.argv[2]);
const t0 = process.hrtime.bigint();
const { IpvsClient } = require(path.join(dist, 'ipvs/client.js'));
const { formatListing } = require(path.join(dist, 'ipvs/listing.js'));
const ms = (a, b) => (Number(b - a) / 1e6).toFixed(0);
(async () => {
  const t1 = process.hrtime.bigint();
  const sync = process.argv[3] === 'x';
  const c = await IpvsClient.open(sync ? { exchange: new (require(path.join(dist, 'ipvs/genl-exchange.js')).GenlExchange)() } : {});
  const info = await c.getInfo();
  const t2 = process.hrtime.bigint();
  // as `halo ipvs -Ln` lists: the destinations from /proc/net/ip_vs (with the native exchange)
  const destinationText = sync ? () => require('fs').readFileSync('/proc/net/ip_vs', 'latin1') : undefined;
  const services = await c.listServices({ parallelism: sync ? 1 : Number(process.argv[3] ?? 4), stats: false, destinationText });
  const t3 = process.hrtime.bigint();
  const text = formatListing(info, services, { numeric: true, stats: false, rate: false, exact: false });
  const t4 = process.hrtime.bigint();
  c.close();
  if (process.argv[4]) require('fs').writeFileSync(process.argv[4], text);
  process.stdout.write(`require ${ms(t0, t1)} ms, open+info ${ms(t1, t2)} ms, list ${services.length} services ${ms(t2, t3)} ms, format ${ms(t3, t4)} ms (${text.length} bytes)\n`);
})();
