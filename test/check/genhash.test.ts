/**
 * `halo genhash` against keepalived 2.2.7's `genhash` on the same servers: the same stdout
 * (the response-time figure aside), the same exit code.
 */
import { execFile } from 'node:child_process';
import * as net from 'node:net';
import { main } from '../../src/cli/genhash';

jest.setTimeout(60_000);

function theirs(args: string[]): Promise<{ out: string; code: number }> {
  return new Promise((resolve) => execFile('genhash', args, { timeout: 20_000 }, (e, out) => resolve({ out, code: e ? (e.code as number) : 0 })));
}
async function ours(args: string[]): Promise<{ out: string; code: number }> {
  let out = '';
  const code = await main(args, (s) => { out += s; }, () => undefined);
  return { out, code };
}
const masked = (s: string): string => s.replace(/= \d+ usecs/, '= N usecs');

let srv: net.Server;
let port: number;
let closedPort: number;
beforeAll(async () => {
  srv = net.createServer((c) => {
    c.on('error', () => undefined);
    c.once('data', (d) => {
      const path = d.toString('latin1').split(' ')[1];
      const body = path === '/big' ? Buffer.alloc(3000, 0x41) : Buffer.from(`page ${path}\n`);
      c.end(Buffer.concat([Buffer.from(`HTTP/1.0 ${path === '/missing' ? '404 Not Found' : '200 OK'}\r\nContent-Length: ${body.length}\r\n\r\n`), body]));
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  port = (srv.address() as net.AddressInfo).port;
  const tmp = net.createServer();
  await new Promise<void>((r) => tmp.listen(0, '127.0.0.1', () => r()));
  closedPort = (tmp.address() as net.AddressInfo).port;
  await new Promise<void>((r) => tmp.close(() => r()));
});
afterAll(() => new Promise<void>((r) => srv.close(() => r())));

test.each([
  [['-u', '/index.html']],
  [['-u', '/missing']],
  [['-u', '/index.html', '-v']],
  [['--url', '/index.html', '--protocol', '1.1', '--use-virtualhost', 'www.example.org']],
])('same output as genhash: %j', async (extra) => {
  const args = ['-s', '127.0.0.1', '-p', String(port), ...extra];
  const [a, b] = [await theirs(args), await ours(args)];
  expect(masked(b.out)).toBe(masked(a.out));
  expect(b.code).toBe(a.code);
});

test('refused: the same failure line and exit code', async () => {
  const args = ['-s', '127.0.0.1', '-p', String(closedPort), '-u', '/'];
  const [a, b] = [await theirs(args), await ours(args)];
  expect(b).toEqual(a);
  expect(a.out).toBe('Connection failed\n');
});

test('bad usage: exit 1', async () => {
  for (const args of [['-s', '127.0.0.1'], ['-s', 'host.example', '-p', '80', '-u', '/'], ['-s', '127.0.0.1', '-p', '0', '-u', '/'], ['-x']]) {
    expect((await ours(args)).code).toBe((await theirs(args)).code);
  }
});
