/**
 * Every network checker over IPv6 against real servers (the netns tier; halo's checker engine
 * alone in the `lb` namespace, test/support/checker-runner.js): TCP_CHECK, HTTP_GET and SSL_GET
 * against nginx, DNS_CHECK against bind9, SMTP_CHECK against exim4, UDP_CHECK against a UDP
 * responder, PING_CHECK with ICMPv6 echo — all on IPv6 addresses of the `srv` namespace. Up while
 * each answers; down when its server stops (or the segment is cut); back up on recovery. PING_CHECK's
 * bind_if and fwmark act on the ICMPv6 socket: bound to `lo` it hears no reply, and with a mark
 * that an ip rule prohibits it cannot send, while the plain check beside them stays up.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckerRun } from '../support/checker-run';
import { Exim } from '../support/exim';
import { NamedServer } from '../support/named';
import { Topology, waitFor } from '../support/netns';
import { UdpResponder } from '../support/udp-responder';
import { NginxServer } from '../support/web';

jest.setTimeout(300_000);

const SRV = '2001:db8:106::10';
const LB = '2001:db8:106::2';
let topo: Topology;
let tmp: string;
let web: NginxServer;
let named: NamedServer;
let udp: UdpResponder;
let mx: Exim;
let run: CheckerRun;

/** One virtual server per check, each on its own real-server port so its STATE line is its own. */
function conf(): string {
  const t = ['   connect_timeout 1', '   delay_before_retry 0.3', '   retry 1'];
  const vs = (n: number, proto: 'TCP' | 'UDP', port: number, check: string[]): string[] => [
    `virtual_server 2001:db8:ffff::${n} ${port} {`, ' delay_loop 0.5', ' lb_algo rr', ' lb_kind NAT', ` protocol ${proto}`,
    ` real_server ${SRV} ${port} {`, ...check.map((l) => `  ${l}`), ' }', '}',
  ];
  return [
    ...vs(1, 'TCP', 80, ['TCP_CHECK {', ...t, '}']),
    ...vs(2, 'TCP', 8080, ['HTTP_GET {', ' connect_port 80', ' url {', '  path /health.html', '  status_code 200', ' }', ...t, '}']),
    ...vs(3, 'TCP', 443, ['SSL_GET {', ' url {', '  path /health.html', ' }', ...t, '}']),
    ...vs(4, 'UDP', 53, ['DNS_CHECK {', ' type AAAA', ' name www.checkers.test', ...t, '}']),
    ...vs(5, 'TCP', 2525, ['SMTP_CHECK {', ' helo_name lb.checkers.test', ...t, '}']),
    ...vs(6, 'UDP', 7, ['UDP_CHECK {', ' payload 68 61 6c 6f', ' require_reply 4f4b', ...t, '}']),
    ...vs(7, 'TCP', 1001, ['PING_CHECK {', ...t, '}']),
    ...vs(8, 'TCP', 1002, ['PING_CHECK {', ' bind_if lo', ...t, '}']),
    ...vs(9, 'TCP', 1003, ['PING_CHECK {', ' fwmark 5', ...t, '}']),
    '',
  ].join('\n');
}

const PORT_PROTO: Record<number, string> = { 53: 'udp', 7: 'udp' };

/** The real server on `port`, as the checker lines name it. */
const target = (port: number): string => `[${SRV}]:${PORT_PROTO[port] ?? 'tcp'}:${port}`;
const state = (port: number): string | null => run.state(target(port));
const expectState = (port: number, want: 'up' | 'down', what: string): Promise<void> => run.expectState(target(port), want, what);

beforeAll(async () => {
  topo = new Topology('h6c-').build(['br0'], [
    { name: 'srv', links: [['br0', '10.0.106.10/24']] },
    { name: 'lb', links: [['br0', '10.0.106.2/24']] },
  ]);
  // nodad: the addresses are usable at once (no tentative period to wait out)
  topo.exec('srv', ['ip', 'addr', 'add', `${SRV}/64`, 'dev', 'eth0', 'nodad']);
  topo.exec('lb', ['ip', 'addr', 'add', `${LB}/64`, 'dev', 'eth0', 'nodad']);
  // PING_CHECK with fwmark 5: the mark's route lookup is prohibited, so its echo cannot leave
  topo.exec('lb', ['ip', '-6', 'rule', 'add', 'fwmark', '5', 'prohibit']);
  tmp = mkdtempSync(join(tmpdir(), 'h6c-'));
  web = new NginxServer(topo, 'srv', join(tmp, 'web'), [SRV]);
  web.page('health.html', 'healthy\n');
  await web.start();
  named = new NamedServer(topo, 'srv', tmp, [SRV]);
  await named.start();
  udp = new UdpResponder(topo, 'srv', SRV, 7);
  udp.start('OK');
  mx = new Exim(topo, 'srv', SRV, 2525, join(tmp, 'exim'));
  mx.start();
  if (!(await waitFor(() => mx.listening(), 20_000, 50))) throw new Error('exim did not start');
  writeFileSync(join(tmp, 'k.conf'), conf());
  run = new CheckerRun(topo, 'lb', join(tmp, 'k.conf'));
});

afterAll(async () => {
  run?.stop();
  await web?.stop();
  await named?.stop();
  await udp?.stop();
  await mx?.stop();
  topo?.destroy();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('checkers over IPv6 against real servers', () => {
  it('every check of a server that answers stays up; PING_CHECK bound to lo or under a prohibited mark goes down', async () => {
    await expectState(1002, 'down', 'ping bound to lo');
    await expectState(1003, 'down', 'ping with fwmark 5');
    // the others stay in their start state (up): no STATE line for them
    await new Promise((r) => setTimeout(r, 2000));
    expect([80, 8080, 443, 53, 2525, 7, 1001].map(state)).toEqual([null, null, null, null, null, null, null]);
    // it was the mark: without the rule the marked echo gets through
    topo.exec('lb', ['ip', '-6', 'rule', 'del', 'fwmark', '5', 'prohibit']);
    await expectState(1003, 'up', 'ping with fwmark 5, rule gone');
    expect(state(1002)).toBe('down');
  });

  it('nginx stopped: TCP_CHECK, HTTP_GET and SSL_GET down; started: up', async () => {
    await web.stop();
    await expectState(80, 'down', 'tcp');
    await expectState(8080, 'down', 'http');
    await expectState(443, 'down', 'ssl');
    expect(run.out).toContain(`TCP_CHECK on service [${SRV}]:tcp:80 failed after 1 retries.`);
    await web.start();
    await expectState(80, 'up', 'tcp back');
    await expectState(8080, 'up', 'http back');
    await expectState(443, 'up', 'ssl back');
    expect(run.out).toContain(`TCP connection to [${SRV}]:tcp:80 success.`);
  });

  it('HTTP_GET: the page gone (404) is down; back is up', async () => {
    web.page('health.html', null);
    await expectState(8080, 'down', 'http 404');
    web.page('health.html', 'healthy\n');
    await expectState(8080, 'up', 'http page back');
  });

  it('named, exim and the UDP responder stopped: DNS_CHECK, SMTP_CHECK and UDP_CHECK down; started: up', async () => {
    await named.stop();
    await mx.stop();
    await udp.stop();
    await expectState(53, 'down', 'dns');
    await expectState(2525, 'down', 'smtp');
    await expectState(7, 'down', 'udp');
    await named.start();
    mx.start();
    udp.start('OK');
    await expectState(53, 'up', 'dns back');
    await expectState(2525, 'up', 'smtp back');
    await expectState(7, 'up', 'udp back');
  });

  it('the server segment cut: PING_CHECK (ICMPv6 echo) times out, down; reconnected: up', async () => {
    topo.setBridgePort(0, 0, 'br0', false);
    try {
      await expectState(1001, 'down', 'ping timeout');
    } finally {
      topo.setBridgePort(0, 0, 'br0', true);
    }
    await expectState(1001, 'up', 'ping back');
    expect(run.out).toContain(`ICMP CHECK on service [${SRV}]:tcp:1001 of [2001:db8:ffff::7]:tcp:1001 failed after 1 retries.`);
    expect(run.out).toContain(`ICMP connection to [${SRV}]:tcp:1001 success.`);
  });
});
