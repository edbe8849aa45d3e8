/**
 * The umask of the scripts a daemon runs, beside Debian's keepalived 2.2.7 (core/main.c sets
 * umask 0177 at start unless -u/--umask or global_defs umask says otherwise, and every script
 * inherits it): a notify script, a vrrp_script and a notify_fifo_script each create a file and
 * record `umask`; the files' modes and the umasks must be the same under halo and keepalived.
 * The pid file stays 0644 under any umask (keepalived's pidfile.c). The test's own umask is
 * 022, so halo inheriting it would show.
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directors, waitFor } from '../support/directors';
import { Topology } from '../support/netns';
import { loneBackupInstance } from '../support/config-text';

jest.setTimeout(120_000);

let topo: Topology;
let dirs: Directors;
let tmp: string;
const oldUmask = process.umask(0o022);

beforeAll(() => {
  topo = new Topology('umask-').build(['br0'], [
    { name: 'h', links: [['br0', '192.168.79.11/24']] },
    { name: 'k', links: [['br0', '192.168.79.12/24']] },
  ]);
  tmp = mkdtempSync(join(tmpdir(), 'halo-umask-'));
  chmodSync(tmp, 0o755);
  dirs = new Directors(topo, join(tmp, 'run'));
  writeFileSync(join(tmp, 'mk.sh'), '#!/bin/sh\n[ -e "$1" ] || touch "$1"\numask > "$1.umask"\n');
  chmodSync(join(tmp, 'mk.sh'), 0o755);
});
afterAll(async () => {
  await dirs.stopAll();
  topo.destroy();
  rmSync(tmp, { recursive: true, force: true });
  process.umask(oldUmask);
});

function config(dir: string, vrid: number, umask: string | null): string {
  const mk = join(tmp, 'mk.sh');
  return [
    'global_defs {',
    ...(umask ? [`    umask ${umask}`] : []),
    `    notify_fifo ${join(dir, 'fifo')}`,
    `    notify_fifo_script "${mk} ${join(dir, 'fifo-script')}"`,
    '}',
    'vrrp_script chk {',
    `    script "${mk} ${join(dir, 'track')}"`,
    '    interval 1',
    '}',
    ...loneBackupInstance({ vrid, net: '192.168.79', body: [`    notify_backup "${mk} ${join(dir, 'notify')}"`, '    track_script {', '        chk', '    }'] }),
    '',
  ].join('\n');
}

const FILES = ['notify', 'track', 'fifo-script'];

/** Each file's mode and the umask its script saw, or null while one is missing. */
function seen(dir: string): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const f of FILES) {
    const p = join(dir, f);
    if (!existsSync(`${p}.umask`) || readFileSync(`${p}.umask`, 'utf8') === '') return null;
    out[f] = `${(lstatSync(p).mode & 0o777).toString(8)} umask ${readFileSync(`${p}.umask`, 'utf8').trim()}`;
  }
  return out;
}

const cases: Array<{ name: string; umask: string | null; args: string[]; mode: string; shown: string }> = [
  { name: 'by default (0177)', umask: null, args: [], mode: '600', shown: '0177' },
  { name: 'global_defs umask 022', umask: '022', args: [], mode: '644', shown: '0022' },
  { name: '-u 0027 (the command line wins over global_defs)', umask: '077', args: ['-u', '0027'], mode: '640', shown: '0027' },
];

test.each(cases)('scripts run under the same umask as keepalived 2.2.7: $name', async ({ name, umask, args, mode, shown }) => {
  const n = cases.findIndex((c) => c.name === name);
  const side = (who: string) => join(tmp, `${who}-${n}`);
  for (const who of ['halo', 'keepalived']) mkdirSync(side(who));
  const halo = dirs.halo('h', config(side('halo'), 61 + n, umask), args);
  const ka = dirs.keepalived('k', config(side('keepalived'), 71 + n, umask), args);
  const ok = await waitFor(() => seen(side('halo')) !== null && seen(side('keepalived')) !== null, 40_000);
  if (!ok) for (const d of [halo, ka]) process.stderr.write(`--- ${d.kind}\n${d.log().slice(-3000)}\n`);
  expect(ok).toBe(true);
  const h = seen(side('halo'))!;
  const k = seen(side('keepalived'))!;
  expect(h).toEqual(k);
  for (const f of FILES) expect(k[f]).toBe(`${mode} umask ${shown}`);
  // the pid file: 0644 whatever the umask, as keepalived's
  expect(lstatSync(halo.pidFile).mode & 0o777).toBe(lstatSync(ka.pidFile).mode & 0o777);
  expect(lstatSync(halo.pidFile).mode & 0o777).toBe(0o644);
  await dirs.stopAll();
});
