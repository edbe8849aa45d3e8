/**
 * fwmark (SO_MARK) and bind_if (SO_BINDTODEVICE) on TCP_CHECK, HTTP_GET, SSL_GET and SMTP
 * sockets, judged by the kernel's routing: the server is reachable from `lb` only through a
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
  ].join('')], { stdio: 'ignore' });
  await waitFor(() => /:443 /.test(topo.exec('srv', ['ss', '-Hltn'], { allowFail: true })), 10_000, 50);
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
