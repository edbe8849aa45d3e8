// Client load for the ECMP tests: COUNT HTTP requests to HOST:80, CONCURRENCY at a time, each on
// its own connection (so each is a new flow for the router's L4 hash), each bounded by
// TIMEOUT_MS. Prints {ok, failed, hung, answeredBy} as JSON. Usage: node ecmp-client.js HOST COUNT CONCURRENCY TIMEOUT_MS [GAP_MS]
'use strict';
const http = require('http');
const [host, count, conc, timeoutMs, gapMs] = [process.argv[2], +process.argv[3], +process.argv[4], +process.argv[5], +(process.argv[6] || 0)];
const r = { ok: 0, failed: 0, hung: 0, answeredBy: {}, errors: {} };
let started = 0;
function one() {
  return new Promise((resolve) => {
    let done = false;
    const finish = (kind, detail) => {
      if (done) return;
      done = true;
      r[kind]++;
      if (kind === 'ok') r.answeredBy[detail] = (r.answeredBy[detail] || 0) + 1;
      else r.errors[detail] = (r.errors[detail] || 0) + 1;
      resolve();
    };
    const req = http.get({ host, port: 80, path: '/', agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => finish(res.statusCode === 200 ? 'ok' : 'failed', body.trim() || String(res.statusCode)));
      res.on('error', (e) => finish('failed', e.code || e.message));
    });
    req.setTimeout(timeoutMs, () => { req.destroy(); finish('hung', 'timeout'); });
    req.on('error', (e) => finish('failed', e.code || e.message));
  });
}
async function worker() {
  while (started < count) {
    started++;
    await one();
    if (gapMs) await new Promise((res) => setTimeout(res, gapMs));
  }
}
Promise.all(Array.from({ length: conc }, worker)).then(() => process.stdout.write(JSON.stringify(r) + '\n'));
