'use strict';
/**
 * Child process of the in-process checker bench: N listeners on 127.0.0.1, on ports from BASE upwards
 * (below the ephemeral range, so the checker's own client ports and their TIME_WAITs never
 * collide with them; a port already taken is skipped). Each listener closes what it accepts
 * (TCP_CHECK), or answers the request with a fixed 200 response (HTTP_GET).
 * Prints the ports as one JSON line, then serves until its parent says "exit" on stdin or goes
 * away, bounded by a hard timeout as well.
 */
const net = require('node:net');

const n = Number(process.argv[2] || 10000);
const hardTimeoutMs = Number(process.argv[3] || 300000);
const base = Number(process.argv[4] || 20000);
// 'http': answer every connection with one small HTTP response (the HTTP_GET bench), else close it.
const http = process.argv[5] === 'http';
const RESPONSE = Buffer.from('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n');
const ports = [];
let next = base;

function openOne() {
  if (ports.length === n) {
    process.stdout.write(JSON.stringify(ports) + '\n');
    return;
  }
  if (next > 32767) {
    process.stderr.write(`only ${ports.length} free ports below 32768\n`);
    process.exit(1);
  }
  const port = next++;
  const s = net.createServer(http ? (c) => {
    c.on('error', () => {});
    c.once('data', () => c.end(RESPONSE));
  } : (c) => c.destroy());
  s.once('error', () => openOne());
  s.listen(port, '127.0.0.1', 4096, () => {
    ports.push(port);
    openOne();
  });
}
openOne();
process.stdin.on('data', (d) => { if (String(d).includes('exit')) process.exit(0); });
process.stdin.on('end', () => process.exit(0));
setTimeout(() => process.exit(0), hardTimeoutMs).unref();
