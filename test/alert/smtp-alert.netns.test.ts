/**
 * SMTP alerts beside Debian's keepalived 2.2.7, both mailing Debian's exim4 in a namespace:
 * the same config (router_id, HELO name and recipient apart) on halo and on keepalived, each
 * alone on its VRIDs so each goes BACKUP → MASTER. The mails exim delivers must match: the same
 * subjects and bodies (router id aside), the same headers in the same order, the same envelope.
 */
import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directors, waitFor } from '../support/directors';
import { Topology } from '../support/netns';
import { Exim, normalised } from '../support/exim';

jest.setTimeout(120_000);

const MX = '10.0.121.10';
let topo: Topology;
let dirs: Directors;
let tmp: string;
let exim: Exim;

beforeAll(async () => {
  topo = new Topology('smtp-').build(['br0'], [
    { name: 'mx', links: [['br0', `${MX}/24`]] },
    { name: 'lbh', links: [['br0', '10.0.121.11/24']] },
    { name: 'lbk', links: [['br0', '10.0.121.12/24']] },
  ]);
  tmp = mkdtempSync(join(tmpdir(), 'smtp-'));
  chmodSync(tmp, 0o755);
  exim = new Exim(topo, 'mx', MX, 2525, join(tmp, 'exim'));
  exim.start();
  if (!(await waitFor(() => exim.listening(), 20_000, 50))) throw new Error('exim4 did not start');
  dirs = new Directors(topo, join(tmp, 'run'));
});

afterAll(async () => {
  await dirs?.stopAll();
  await exim?.stop();
  topo?.destroy();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function config(who: string, vrid: number): string {
  return [
    'global_defs {',
    `    router_id rid-${who}`,
    '    notification_email {',
    `        ${who}@example.org`,
    `        ops-${who}@example.org`,
    '    }',
    `    notification_email_from keepalived@${who}.example.org`,
    `    smtp_server ${MX} 2525`,
    `    smtp_helo_name helo-${who}`,
    '    smtp_connect_timeout 5',
    '}',
    'vrrp_sync_group VG1 {',
    '    group {', '        VI_1', '        VI_2', '    }',
    '    smtp_alert',
    '}',
    ...[1, 2].map((n) => [
      `vrrp_instance VI_${n} {`,
      '    state BACKUP', '    interface eth0', `    virtual_router_id ${vrid + n}`, '    priority 100', '    advert_int 1',
      '    smtp_alert',
      `    virtual_ipaddress {`, `        10.0.121.${vrid + n}/24`, '    }',
      '}',
    ].join('\n')),
    '',
  ].join('\n');
}

const MASTER_SUBJECTS = (who: string): string[] => [
  `[rid-${who}] VRRP Instance VI_1 - Entering MASTER state`,
  `[rid-${who}] VRRP Instance VI_2 - Entering MASTER state`,
  `[rid-${who}] VRRP Group VG1 - Entering MASTER state`,
];

test('halo mails the same alerts as keepalived 2.2.7 for the same transitions', async () => {
  dirs.halo('lbh', config('halo', 40));
  dirs.keepalived('lbk', config('ka', 50));
  const mailsOf = (who: string) => exim.mails().filter((m) => m.envelopeTo.includes(`${who}@`) || m.envelopeTo.includes(`ops-${who}@`));
  const subjects = (who: string) => mailsOf(who).map((m) => m.headers.find(([k]) => k === 'Subject')?.[1] ?? '');
  const done = (who: string) => MASTER_SUBJECTS(who).every((s) => subjects(who).filter((x) => x === s).length === 2);
  const ok = await waitFor(() => done('halo') && done('ka'), 60_000, 200);
  if (!ok) throw new Error(`mails so far:\nhalo: ${subjects('halo').join('\n')}\nka: ${subjects('ka').join('\n')}\n${dirs.running.map((d) => d.log().slice(-2000)).join('\n----\n')}`);
  const halo = mailsOf('halo').map((m) => normalised(m, 'halo')).sort();
  const ka = mailsOf('ka').map((m) => normalised(m, 'ka')).sort();
  expect(halo).toEqual(ka);
  // what the mails are, so the comparison cannot pass on two empty or broken sets
  const masterMail = halo.find((m) => m.includes('Subject: [rid-WHO] VRRP Instance VI_1 - Entering MASTER state'))!;
  expect(masterMail.split('\n').slice(1)).toEqual([
    'Date: DATE',
    'From: keepalived@WHO.example.org',
    'Subject: [rid-WHO] VRRP Instance VI_1 - Entering MASTER state',
    'X-Mailer: Keepalived',
    'To: WHO@example.org, ops-WHO@example.org',
    '',
    '=> VRRP Instance is now owning VRRP VIPs <=',
    '',
    '',
  ]);
  expect(halo.some((m) => m.includes('=> All VRRP group instances are now in MASTER state <='))).toBe(true);
  // the HELO name reached exim (its log names it)
  expect(dirs.running.find((d) => d.kind === 'halo')!.log()).toContain('SMTP alert successfully sent.');
});
