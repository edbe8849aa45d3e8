/**
 * DNS_CHECK against Debian's bind9, UDP_CHECK against a UDP responder, PING_CHECK against a
 * namespace address (the netns tier; the checker engine runs alone in the `lb` namespace,
 * test/support/checker-runner.js). Up while each answers right; down for each failure mode
 * (REFUSED rcode, server stopped = ICMP port unreachable, reply mismatch, segment cut =
 * timeout); back up on recovery.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckerRun } from '../support/checker-run';
import { NamedServer } from '../support/named';
import { UdpResponder } from '../support/udp-responder';
import { Topology } from '../support/netns';

jest.setTimeout(240_000);

const SRV = '10.0.103.10';
let topo: Topology;
let tmp: string;
let named: NamedServer;
let udp: UdpResponder;
let run: CheckerRun;

function conf(): string {
  const t = ['  connect_timeout 1', '  delay_before_retry 0.3'];
  return [
    'virtual_server 192.168.52.1 53 {', ' delay_loop 0.5', ' lb_algo rr', ' lb_kind NAT', ' protocol UDP',
    ` real_server ${SRV} 53 {`, '  DNS_CHECK {', '   type A', '   name www.checkers.test', ...t, '   retry 1', '  }', ' }',
    '}',
    'virtual_server 192.168.52.2 53 {', ' delay_loop 0.5', ' lb_algo rr', ' lb_kind NAT', ' protocol UDP',
    ` real_server ${SRV} 5353 {`, '  DNS_CHECK {', '   connect_port 53', '   type SOA', '   name elsewhere.example', ...t, '   retry 0', '  }', ' }',
    '}',
    'virtual_server 192.168.52.3 7 {', ' delay_loop 0.5', ' lb_algo rr', ' lb_kind NAT', ' protocol UDP',
    ` real_server ${SRV} 7 {`, '  UDP_CHECK {', '   payload 68 61 6c 6f', '   require_reply 4f4b XX', ...t, '   retry 1', '  }', ' }',
    '}',
    'virtual_server 192.168.52.4 80 {', ' delay_loop 0.5', ' lb_algo rr', ' lb_kind NAT', ' protocol TCP',
    ` real_server ${SRV} 80 {`, '  PING_CHECK {', ...t, '   retry 1', '  }', ' }',
    '}', '',
  ].join('\n');
}

/** The real server on `port` (53 DNS, 5353 the REFUSED DNS check, 7 UDP, 80 ICMP), as the checker lines name it. */
const target = (port: number): string => `[${SRV}]:${port === 80 ? 'tcp' : 'udp'}:${port}`;
const state = (port: number): string | null => run.state(target(port));
const expectState = (port: number, want: 'up' | 'down', what: string): Promise<void> => run.expectState(target(port), want, what);

beforeAll(async () => {
  topo = new Topology('checkers-dns-').build(['br0'], [
    { name: 'srv', links: [['br0', `${SRV}/24`]] },
    { name: 'lb', links: [['br0', '10.0.103.2/24']] },
  ]);
  tmp = mkdtempSync(join(tmpdir(), 'checkers-dns-'));
  named = new NamedServer(topo, 'srv', tmp, [SRV]);
  await named.start();
  udp = new UdpResponder(topo, 'srv', SRV, 7);
  udp.start('OK!');
  writeFileSync(join(tmp, 'k.conf'), conf());
  run = new CheckerRun(topo, 'lb', join(tmp, 'k.conf'));
});

afterAll(async () => {
  run?.stop();
  await named?.stop();
  await udp?.stop();
  topo?.destroy();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('DNS_CHECK, UDP_CHECK and PING_CHECK against real servers', () => {
  it('up while each answers right; a zone the server does not serve is REFUSED (down)', async () => {
    await expectState(5353, 'down', 'REFUSED');
    expect(run.out).toContain(`DNS_CHECK ([${SRV}]:udp:5353) read error occurred. (rcode = 5)`);
    // The served name, the UDP and the ICMP checks stay up (no STATE change from the start state).
    await new Promise((r) => setTimeout(r, 2000));
    expect([state(53), state(7), state(80)]).toEqual([null, null, null]);
  });

  it('named stopped: ICMP port unreachable, down; started again: up', async () => {
    await named.stop();
    await expectState(53, 'down', 'named stopped');
    expect(run.out).toMatch(/DNS_CHECK \(\[10\.0\.103\.10\]:udp:53\) failed to read socket; errno \d* ?\(ECONNREFUSED\) after 1 retries/);
    await named.start();
    await expectState(53, 'up', 'named started');
  });

  it('UDP: a wrong reply and a stopped responder are down; the right reply is up again', async () => {
    await udp.stop();
    await expectState(7, 'down', 'udp responder stopped');
    udp.start('OK');
    await expectState(7, 'up', 'udp responder back');
    await udp.stop();
    udp.start('NO!');
    await expectState(7, 'down', 'udp reply mismatch');
    await udp.stop();
    udp.start('OK?');
    await expectState(7, 'up', 'udp reply with the wildcard byte');
  });

  it('the server segment cut: PING_CHECK and DNS_CHECK time out (down); reconnected: up', async () => {
    topo.setBridgePort(0, 0, 'br0', false);
    try {
      await expectState(80, 'down', 'ping timeout');
      await expectState(53, 'down', 'dns timeout');
    } finally {
      topo.setBridgePort(0, 0, 'br0', true);
    }
    await expectState(80, 'up', 'ping back');
    await expectState(53, 'up', 'dns back');
    expect(run.out).toContain(`ICMP CHECK on service [${SRV}]:tcp:80 of [192.168.52.4]:tcp:80 failed after 1 retries.`);
    expect(run.out).toContain(`ICMP connection to [${SRV}]:tcp:80 success.`);
    expect(run.out).toContain(`DNS_CHECK ([${SRV}]:udp:53) read timeout from socket after 1 retries`);
  });
});
