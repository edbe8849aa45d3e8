/**
 * Checker SMTP alerts beside Debian's keepalived 2.2.7 (the kernel VM tier: keepalived's checker
 * process needs IPVS), both mailing Debian's exim4 in a namespace. The same virtual server on
 * halo and on keepalived checks the same two real servers; one of them goes away and comes back.
 * The mails exim delivers must match (router id, HELO name and recipient apart): the virtual
 * server's quorum at start, the real server DOWN with the TCP_CHECK body, the quorum lost, then
 * the real server UP and the quorum gained — same subjects, bodies, headers and envelope.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directors, HALO, waitFor } from '../support/directors';
import { Topology } from '../support/netns';
import { Exim, normalised } from '../support/exim';
import { describeNeeding, file, ipvsKernel, root, tool } from '../support/prerequisites';
import { TcpListeners } from '../support/tcp-listeners';

jest.setTimeout(600_000);

const MX = '10.0.122.10';
const RS = '10.0.122.20';
let topo: Topology;
let dirs: Directors;
let tmp: string;
let exim: Exim;
const listeners = new TcpListeners(() => topo, 'rs', RS);

function config(who: string): string {
  const rs = (port: number) => [
    `    real_server ${RS} ${port} {`, '        weight 1',
    '        TCP_CHECK {', '            connect_timeout 1', '            retry 0', '            delay_before_retry 1', '        }', '    }'];
  return [
    'global_defs {', `    router_id rid-${who}`,
    '    notification_email {', `        ${who}@example.org`, '    }',
    `    notification_email_from keepalived@${who}.example.org`,
    `    smtp_server ${MX} 2525`, `    smtp_helo_name helo-${who}`, '    smtp_connect_timeout 30',
    '}',
    'virtual_server 10.0.122.100 80 {', '    delay_loop 2', '    lb_algo rr', '    lb_kind NAT', '    protocol TCP',
    '    quorum 2', '    smtp_alert',
    ...rs(80), ...rs(81),
    '}', '',
  ].join('\n');
}

const need = describeNeeding(root, file(HALO, 'the built CLI dist/cli/main.js (npm run build)'), ipvsKernel, tool('ipvsadm'), tool('keepalived'), tool('exim4', 'exim4-daemon-light'));

need('checker SMTP alerts beside keepalived 2.2.7 (kernel VM)', () => {
  beforeAll(async () => {
    topo = new Topology('hvca-').build(['br0'], [
      { name: 'mx', links: [['br0', `${MX}/24`]] },
      { name: 'rs', links: [['br0', `${RS}/24`]] },
      { name: 'lbh', links: [['br0', '10.0.122.11/24']] },
      { name: 'lbk', links: [['br0', '10.0.122.12/24']] },
    ]);
    tmp = mkdtempSync(join(tmpdir(), 'halo-ckalert-'));
    chmodSync(tmp, 0o755);
    exim = new Exim(topo, 'mx', MX, 2525, join(tmp, 'exim'));
    exim.start();
    if (!(await waitFor(() => exim.listening(), 60_000, 100))) throw new Error('exim4 did not start');
    dirs = new Directors(topo, join(tmp, 'run'));
  });
  afterAll(async () => {
    await dirs?.stopAll();
    await listeners.closeAll();
    await exim?.stop();
    topo?.destroy();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('a real server going down and up: the same mails from halo as from keepalived', async () => {
    await listeners.listen(80);
    await listeners.listen(81);
    dirs.halo('lbh', config('halo'));
    dirs.keepalived('lbk', config('ka'));
    const mailsOf = (who: string) => exim.mails().filter((m) => m.envelopeTo.includes(`${who}@`));
    const subjects = (who: string) => mailsOf(who).map((m) => m.headers.find(([k]) => k === 'Subject')?.[1] ?? '');
    const count = (n: number) => async () => subjects('halo').length >= n && subjects('ka').length >= n;
    const show = () => `halo:\n${subjects('halo').join('\n')}\nka:\n${subjects('ka').join('\n')}\n${dirs.running.map((d) => d.log().slice(-3000)).join('\n----\n')}`;
    const step = async (n: number, what: string) => {
      if (!(await waitFor(count(n), 120_000, 250))) throw new Error(`${what}: not ${n} mails each within 120 s\n${show()}`);
    };
    await step(1, 'quorum at start');
    // both directors' checkers have seen the server up before it goes (a first success mails nothing)
    const seenUp = () => dirs.running.every((d) => d.log().includes(`TCP connection to [${RS}]:tcp:81 success.`));
    if (!(await waitFor(seenUp, 120_000, 250))) throw new Error(`first checks not seen\n${show()}`);
    await listeners.unlisten(81);
    await step(3, 'real server down, quorum lost');
    await listeners.listen(81);
    await step(5, 'real server up, quorum gained');
    // a last check round: nothing more may come
    await new Promise((r) => setTimeout(r, 5000));
    const halo = mailsOf('halo').map((m) => normalised(m, 'halo'));
    const ka = mailsOf('ka').map((m) => normalised(m, 'ka'));
    expect(halo.sort()).toEqual(ka.sort());
    // what they are, so two empty or broken sets cannot agree
    expect(subjects('ka').map((s) => s.replace('rid-ka', 'RID')).sort()).toEqual([
      `[RID] Realserver [${RS}]:tcp:81 of virtual server [10.0.122.100]:tcp:80 - DOWN`,
      `[RID] Realserver [${RS}]:tcp:81 of virtual server [10.0.122.100]:tcp:80 - UP`,
      '[RID] Virtualserver [10.0.122.100]:tcp:80 - DOWN',
      '[RID] Virtualserver [10.0.122.100]:tcp:80 - UP',
      '[RID] Virtualserver [10.0.122.100]:tcp:80 - UP',
    ]);
    expect(halo.join('\n')).toContain('=> TCP CHECK failed on service <=');
    expect(halo.join('\n')).toContain('=> Lost quorum 2+0=2 <= 1 <=');
  });
});
