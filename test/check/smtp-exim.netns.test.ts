/**
 * SMTP_CHECK against Debian's exim4 (exim4-daemon-light, run in the foreground in a namespace,
 * never as a service); the checker engine runs alone in the `lb` namespace
 * (test/support/checker-runner.js). The 2.2.7 form and the deprecated host blocks: up while
 * exim answers, down when it is stopped (refused) or cut off (timeout), up again after.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { CheckerRun } from '../support/checker-run';
import { Topology, waitFor } from '../support/netns';

jest.setTimeout(180_000);

const MX = '10.0.104.10';
let topo: Topology;
let tmp: string;
let exim: ChildProcess | null = null;
let run: CheckerRun;

function conf(): string {
  return [
    'virtual_server 192.168.53.1 25 {', ' delay_loop 0.5', ' lb_algo rr', ' lb_kind NAT', ' protocol TCP',
    ` real_server ${MX} 25 {`, '  SMTP_CHECK {', '   helo_name lb.checkers.test', '   connect_timeout 1', '   retry 1', '   delay_before_retry 0.3', '  }', ' }',
    ` real_server ${MX} 2525 {`, '  SMTP_CHECK {', '   retry 0',
    '   host {', `    connect_ip ${MX}`, '    connect_port 25', '   }',
    '   host {', `    connect_ip ${MX}`, '    connect_port 26', '    connect_timeout 1', '   }', '  }', ' }',
    '}', '',
  ].join('\n');
}

function startExim(): void {
  exim = topo.spawn('mx', ['exim4', '-bdf', '-oX', `${MX}.25`, '-oP', join(tmp, 'exim.pid')], { stdio: 'ignore' });
}
async function stopExim(): Promise<void> {
  const p = exim;
  exim = null;
  if (!p || p.exitCode !== null) return;
  p.kill('SIGTERM');
  await new Promise((r) => p.once('exit', r));
}
const listening = (): boolean => topo.exec('mx', ['ss', '-Hltn'], { allowFail: true }).includes(`${MX}:25 `);

const expectState = (name: string, want: 'up' | 'down', what: string): Promise<void> => run.expectState(name, want, what);

beforeAll(async () => {
  topo = new Topology('checkers-smtp-').build(['br0'], [
    { name: 'mx', links: [['br0', `${MX}/24`]] },
    { name: 'lb', links: [['br0', '10.0.104.2/24']] },
  ]);
  tmp = mkdtempSync(join(tmpdir(), 'checkers-smtp-'));
  startExim();
  if (!(await waitFor(listening, 20_000, 50))) throw new Error('exim4 did not start');
  writeFileSync(join(tmp, 'k.conf'), conf());
  run = new CheckerRun(topo, 'lb', join(tmp, 'k.conf'));
});

afterAll(async () => {
  run?.stop();
  await stopExim();
  topo?.destroy();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('SMTP_CHECK against exim4', () => {
  it('up while exim answers (banner 220, HELO 250); the host block on a closed port is down', async () => {
    // Each host block is its own checker with its own first run, so the three lines come in any order.
    const want = [`Remote SMTP server [${MX}]:tcp:25 succeed on service.`, `Remote SMTP server [${MX}]:tcp:2525 succeed on service.`, `SMTP_CHECK Could not connect to server [${MX}]:26`];
    await waitFor(() => want.every((w) => run.out.includes(w)), 30_000);
    expect(run.out).toContain(`Remote SMTP server [${MX}]:tcp:25 succeed on service.`);
    expect(run.out).toContain(`Remote SMTP server [${MX}]:tcp:2525 succeed on service.`); // the first host block (port 25)
    expect(run.out).toContain(`SMTP_CHECK Could not connect to server [${MX}]:26`); // the second (nothing on 26)
  });

  it('exim stopped: down ("Could not connect"); started: up', async () => {
    await stopExim();
    await expectState(`[${MX}]:tcp:25`, 'down', 'exim stopped');
    expect(run.out).toContain(`SMTP_CHECK Could not connect to server [${MX}]:25`);
    startExim();
    await expectState(`[${MX}]:tcp:25`, 'up', 'exim started');
  });

  it('exim cut off at the bridge: down (timeout); reconnected: up', async () => {
    topo.setBridgePort(0, 0, 'br0', false);
    try {
      await expectState(`[${MX}]:tcp:25`, 'down', 'cut');
    } finally {
      topo.setBridgePort(0, 0, 'br0', true);
    }
    await expectState(`[${MX}]:tcp:25`, 'up', 'reconnected');
    expect(run.out).toMatch(/SMTP_CHECK (Connection timeout|Read timeout) (to|from) server \[10\.0\.104\.10\]:25/);
  });
});
