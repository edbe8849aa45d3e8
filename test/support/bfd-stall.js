#!/usr/bin/env node
'use strict';
/**
 * One BFD session (dist/bfd/runner.js) whose own event loop is then blocked: once the session
 * is Up, the process busy-waits STALL_MS (longer than its detection time) while the peer keeps
 * sending, then runs 2 s more and exits. Prints the runner's log lines and `EVENT up|down`.
 *
 *   node test/support/bfd-stall.js NEIGHBOR SOURCE STALL_MS
 */
const path = require('node:path');
const { BfdRunner } = require(path.resolve(__dirname, '..', '..', 'dist', 'bfd', 'runner.js'));

const [neighborIp, sourceIp, stallMs] = process.argv.slice(2);
const say = (l) => process.stdout.write(`${l}\n`);
let stalled = false;
const r = new BfdRunner({
  log: { info: say, warning: say, error: say },
  onEvent: (_b, up) => {
    say(`EVENT ${up ? 'up' : 'down'}`);
    if (!up || stalled) return;
    stalled = true;
    setTimeout(() => {
      say('STALL START');
      const end = Date.now() + Number(stallMs);
      while (Date.now() < end) { /* the event loop is blocked */ }
      say('STALL END');
      setTimeout(() => { say(`DONE stalls=${r.stalls}`); r.stop(); process.exit(0); }, 2000); // stop() reports an Up session down
    }, 1000);
  },
});
r.start([{
  name: 'stall', family: 4, neighborIp, sourceIp, minRxUs: 300000, minTxUs: 300000, idleTxUs: 1000000, multiplier: 3,
  passive: false, ttl: 255, maxHops: 0, weight: 0, weightReverse: false, toVrrp: true, toChecker: true, location: { file: '-', line: 0, col: 0 },
}]).catch((e) => { say(`ERROR ${e.message}`); process.exit(1); });
