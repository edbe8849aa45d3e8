/**
 * fwmark (SO_MARK) and bind_if (SO_BINDTODEVICE) on TCP_CHECK, HTTP_GET, SSL_GET and SMTP
 * sockets, and on UDP_CHECK and DNS_CHECK datagram sockets (opened by the native addon), judged by the kernel's routing: the server is reachable from `lb` only through a
 * policy-routing table selected by fwmark 42, and only out of eth0 — so a check without the
 * mark, or bound to another device, cannot connect, and one with them can. The checker engine
 * runs alone in `lb` (test/support/checker-runner.js).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { CheckerRun } from '../support/checker-run';
import { Topology, waitFor } from '../support/netns';

jest.setTimeout(120_000);

const SRV = '10.0.105.10';
let topo: Topology;
let tmp: string;
let server: ChildProcess;
let run: CheckerRun;

function conf(): string {
  const t = ['   connect_timeout 1', '   retry 0'];
  const rs = (port: number, body: string[]) => [` real_server ${SRV} ${port} {`, ...body, ' }'];
  return [
    `SSL {`, `}`,
    'virtual_server 192.168.54.1 80 {', ' delay_loop 0.5', ' lb_algo rr', ' lb_kind NAT', ' protocol TCP',
    ...rs(8001, ['  TCP_CHECK {', '   connect_port 80', '   fwmark 42', ...t, '  }']),
    ...rs(8002, ['  TCP_CHECK {', '   connect_port 80', ...t, '  }']),
    ...rs(8003, ['  TCP_CHECK {', '   connect_port 80', '   fwmark 42', '   bind_if dummy0', ...t, '  }']),
    ...rs(8004, ['  HTTP_GET {', '   connect_port 80', '   fwmark 42', '   bind_if eth0', '   url {', '    path /', '   }', ...t, '  }']),
    ...rs(8005, ['  SSL_GET {', '   connect_port 443', '   fwmark 42', '   url {', '    path /', '   }', ...t, '  }']),
    '}',
    // datagram checkers start down (alpha) so that reaching the server shows as STATE up
    'virtual_server 192.168.54.2 53 {', ' delay_loop 0.5', ' lb_algo rr', ' lb_kind NAT', ' protocol UDP',
    ...rs(8006, ['  UDP_CHECK {', '   connect_port 7', '   fwmark 42', '   payload 6869', '   require_reply 4f4b', '   alpha', ...t, '  }']),
    ...rs(8007, ['  UDP_CHECK {', '   connect_port 7', '   payload 6869', '   require_reply 4f4b', ...t, '  }']),
    ...rs(8008, ['  UDP_CHECK {', '   connect_port 7', '   fwmark 42', '   bind_if dummy0', '   payload 6869', '   require_reply 4f4b', ...t, '  }']),
    ...rs(8009, ['  DNS_CHECK {', '   connect_port 53', '   fwmark 42', '   bind_if eth0', '   name example.test', '   alpha', ...t, '  }']),
    ...rs(8010, ['  DNS_CHECK {', '   connect_port 53', '   name example.test', ...t, '  }']),
    '}', '',
  ].join('\n');
}

beforeAll(async () => {
  topo = new Topology('checkers-conn-').build(['br0'], [
    { name: 'srv', links: [['br0', `${SRV}/24`]] },
    { name: 'lb', links: [['br0', '10.0.105.2/32']] },
  ]);
  // lb reaches the server only with mark 42, through table 100, out of eth0
  // a second device that leads nowhere (this kernel may have no dummy driver: a veth pair)
  topo.exec('lb', ['ip', 'link', 'add', 'dummy0', 'type', 'veth', 'peer', 'name', 'dummy1']);
  topo.exec('lb', ['ip', 'link', 'set', 'dummy0', 'up']);
  topo.exec('lb', ['ip', 'link', 'set', 'dummy1', 'up']);
  topo.exec('lb', ['ip', 'route', 'add', '10.0.105.0/24', 'dev', 'eth0', 'table', '100']);
  topo.exec('lb', ['ip', 'route', 'add', '10.0.105.0/24', 'dev', 'dummy0', 'table', '101']);
  topo.exec('lb', ['ip', 'rule', 'add', 'fwmark', '42', 'table', '100']);
  topo.exec('srv', ['ip', 'route', 'add', '10.0.105.2/32', 'dev', 'eth0']);
  tmp = mkdtempSync(join(tmpdir(), 'checkers-conn-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(tmp, 'k.pem'), '-out', join(tmp, 'c.pem'), '-days', '1', '-subj', '/CN=x'], { stdio: 'ignore' });
  server = topo.spawn('srv', [process.execPath, '-e', [
    "const fs=require('fs');const h=(q,s)=>s.end('ok');",
    `require('http').createServer(h).listen(80,'${SRV}');`,
    `require('https').createServer({key:fs.readFileSync('${join(tmp, 'k.pem')}'),cert:fs.readFileSync('${join(tmp, 'c.pem')}')},h).listen(443,'${SRV}');`,
    // UDP 7 answers OK; UDP 53 answers each query with QR set and rcode 0 (what DNS_CHECK needs)
    "const d=require('dgram');const u=d.createSocket('udp4');u.on('message',(m,r)=>u.send('OK',r.port,r.address));",
    `u.bind(7,'${SRV}');`,
    "const n=d.createSocket('udp4');n.on('message',(m,r)=>{const a=Buffer.from(m);a[2]|=0x80;a[3]=0x80;n.send(a,r.port,r.address);});",
    `n.bind(53,'${SRV}');`,
  ].join('')], { stdio: 'ignore' });
  await waitFor(() => /:443 /.test(topo.exec('srv', ['ss', '-Hltn'], { allowFail: true })) && /:53 /.test(topo.exec('srv', ['ss', '-Hlun'], { allowFail: true })), 10_000, 50);
  writeFileSync(join(tmp, 'k.conf'), conf());
  run = new CheckerRun(topo, 'lb', join(tmp, 'k.conf'));
});

afterAll(async () => {
  run?.stop();
  server?.kill('SIGKILL');
  topo?.destroy();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('the mark and the device decide whether a checker can reach its server', async () => {
  const settled = () => ['8001', '8002', '8003', '8004', '8005'].every((p) => run.out.includes(`:${p} `) || run.out.includes(`:${p} success`) || run.out.includes(`:${p}`));
  await waitFor(() => settled() && run.out.includes('TCP_CHECK on service [10.0.105.10]:tcp:8002 failed.') && run.out.includes('TCP_CHECK on service [10.0.105.10]:tcp:8003 failed.'), 20_000, 50);
  await new Promise((r) => setTimeout(r, 1500));
  expect(run.out).toContain(`TCP connection to [${SRV}]:tcp:8001 success.`); // fwmark 42: routed
  expect(run.out).toContain(`TCP_CHECK on service [${SRV}]:tcp:8002 failed.`); // no mark: unreachable
  expect(run.out).toContain(`TCP_CHECK on service [${SRV}]:tcp:8003 failed.`); // marked but bound to dummy0
  expect(run.out).toContain(`Remote Web server [${SRV}]:tcp:8004 succeed on service.`); // mark + bind_if eth0
  expect(run.out).toContain(`Remote Web server [${SRV}]:tcp:8005 succeed on service.`); // TLS over the marked socket
  expect(run.out).not.toMatch(/STATE \[10\.0\.105\.10\]:tcp:800[145] down/);
});

test('UDP_CHECK and DNS_CHECK: the mark and the device decide too (SO_MARK/SO_BINDTODEVICE through the native addon)', async () => {
  const st = (port: number) => {
    const lines = run.out.split('\n').filter((l) => l.startsWith(`STATE [${SRV}]:udp:${port} `));
    return lines.length ? lines[lines.length - 1].split(' ')[2] : null;
  };
  const want: Record<number, string> = { 8006: 'up', 8007: 'down', 8008: 'down', 8009: 'up', 8010: 'down' };
  const ok = await waitFor(() => Object.entries(want).every(([p, s]) => st(Number(p)) === s), 20_000, 50);
  if (!ok) throw new Error(`states: ${JSON.stringify(Object.keys(want).map((p) => [p, st(Number(p))]))}\n${run.out.slice(-3000)}`);
  expect(Object.fromEntries(Object.keys(want).map((p) => [p, st(Number(p))]))).toEqual(want);
});
