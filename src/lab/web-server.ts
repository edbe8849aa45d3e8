/**
 * The lab's web server: what the thesis's index.php did — a page naming the server that answered
 * and the client address it saw, so round-robin spread and NAT are visible from the client.
 * Run inside a real server's namespace: `node dist/lab/web-server.js NAME ADDRESS PORT`.
 */
import { createServer } from 'node:http';

export function page(name: string, clientAddress: string): string {
  return `<html><body><h1>${name}</h1><p>client ${clientAddress}</p></body></html>\n`;
}

/** Which server a lab page came from (`web2`), or null when the body is not a lab page. */
export function serverOfPage(body: string): string | null {
  const m = /<h1>([\w-]+)<\/h1>/.exec(body);
  return m ? m[1] : null;
}

if (require.main === module) {
  const [name, address, port] = process.argv.slice(2);
  if (!name || !address || !port) {
    process.stderr.write('usage: web-server NAME ADDRESS PORT\n');
    process.exit(2);
  }
  const server = createServer((req, res) => {
    const body = page(name, req.socket.remoteAddress ?? '?');
    res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  });
  server.keepAliveTimeout = 5000;
  server.listen(Number(port), address, () => process.stdout.write(`${name} listening on ${address}:${port}\n`));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}
