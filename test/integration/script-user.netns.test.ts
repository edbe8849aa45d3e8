/**
 * script_user / vrrp_script user (issue 12 §1) beside Debian's keepalived 2.2.7: the same config
 * on both, a tracked script that records `id`; halo's script must run with exactly the uid, gid
 * and groups keepalived gives it. `postgres` is a member of `ssl-cert` on this machine:
 * keepalived 2.2.7 does not give the script that supplementary group (only the primary one),
 * and neither does halo.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { Directors, waitFor } from '../support/directors';
import { Topology } from '../support/netns';
import { globalDefs, loneBackupInstance } from '../support/config-text';

jest.setTimeout(60_000);

let topo: Topology;
let dirs: Directors;
let tmp: string;

beforeAll(() => {
  topo = new Topology('runtime-su-').build(['br0'], [
    { name: 'lb1', links: [['br0', '192.168.77.11/24']] },
    { name: 'lb2', links: [['br0', '192.168.77.12/24']] },
  ]);
  tmp = mkdtempSync(join(tmpdir(), 'runtime-su-'));
  chmodSync(tmp, 0o755);
  dirs = new Directors(topo, join(tmp, 'run'));
});
afterAll(async () => {
  await dirs.stopAll();
  topo.destroy();
  rmSync(tmp, { recursive: true, force: true });
});

/** One BACKUP instance alone on the LAN (it becomes MASTER), with `body` inside and `global` in global_defs. */
function instanceConf(vrid: number, global: string[], top: string[], body: string[]): string {
  return [...globalDefs(global), ...top, ...loneBackupInstance({ vrid, net: '192.168.77', body: body.map((l) => `    ${l}`) }), ''].join('\n');
}

function config(vrid: number, out: string, user: string): string {
  return instanceConf(vrid, [`script_user ${user}`], [
    'vrrp_script chk {',
    `    script "${join(tmp, 'id.sh')} ${out}"`,
    '    interval 1',
    '}',
  ], ['track_script {', '    chk', '}']);
}

test('a vrrp_script runs as script_user with the same uid, gid and groups as under keepalived 2.2.7', async () => {
  const user = 'postgres';
  expect(execFileSync('id', ['-Gn', user], { encoding: 'utf8' })).toMatch(/ssl-cert/); // the premise
  const out = join(tmp, 'out');
  mkdirSync(out);
  chmodSync(out, 0o777);
  writeFileSync(join(tmp, 'id.sh'), '#!/bin/sh\nid > "$1"\n');
  chmodSync(join(tmp, 'id.sh'), 0o755);
  const haloOut = join(out, 'halo.id');
  const kaOut = join(out, 'keepalived.id');
  dirs.halo('lb1', config(61, haloOut, user));
  dirs.keepalived('lb2', config(62, kaOut, user));
  expect(await waitFor(() => existsSync(haloOut) && existsSync(kaOut) && readFileSync(haloOut, 'utf8') !== '' && readFileSync(kaOut, 'utf8') !== '', 20_000)).toBe(true);
  const halo = readFileSync(haloOut, 'utf8').trim();
  const ka = readFileSync(kaOut, 'utf8').trim();
  expect(halo).toBe(ka);
  expect(halo).toMatch(/^uid=\d+\(postgres\) gid=(\d+)\(postgres\) groups=\1\(postgres\)$/);
});

test('notify scripts run as their own user (notify_master SCRIPT USER) or script_user, with the same uid, gid and groups as under keepalived 2.2.7', async () => {
  const out = join(tmp, 'out-notify');
  mkdirSync(out);
  chmodSync(out, 0o777);
  writeFileSync(join(tmp, 'id.sh'), '#!/bin/sh\nid > "$1"\n');
  chmodSync(join(tmp, 'id.sh'), 0o755);
  const conf = (vrid: number, who: string) => instanceConf(vrid, ['script_user nobody'], [], [
    `notify_master "${join(tmp, 'id.sh')} ${join(out, `${who}.master`)}" postgres`,
    `notify_backup "${join(tmp, 'id.sh')} ${join(out, `${who}.backup`)}"`,
  ]);
  dirs.halo('lb1', conf(71, 'halo'));
  dirs.keepalived('lb2', conf(72, 'keepalived'));
  const files = ['halo.master', 'keepalived.master', 'halo.backup', 'keepalived.backup'].map((f) => join(out, f));
  expect(await waitFor(() => files.every((f) => existsSync(f) && readFileSync(f, 'utf8') !== ''), 30_000)).toBe(true);
  const [hm, km, hb, kb] = files.map((f) => readFileSync(f, 'utf8').trim());
  expect(hm).toBe(km);
  expect(hb).toBe(kb);
  expect(hm).toMatch(/^uid=\d+\(postgres\) gid=(\d+)\(postgres\) groups=\1\(postgres\)$/);
  expect(hb).toMatch(/^uid=65534\(nobody\) gid=65534\(nogroup\) groups=65534\(nogroup\)$/);
});
