/**
 * `halo reload --plan -f FILE` (issue 12 §8): the running daemon says what a SIGHUP with FILE
 * would do and does nothing; `halo reload` then does it and prints the same plan as applied,
 * and the daemon's log carries the same lines. Real daemons in namespaces, real VIPs.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directors, HALO, holds, waitFor, waitSoleHolder } from '../support/directors';
import { Topology } from '../support/netns';
import { conf, instance } from './vrrp-conf';

jest.setTimeout(90_000);

const fast = { version: 3 as const, advertInt: 0.1 };
let topo: Topology;
let dirs: Directors;
let tmp: string;

beforeAll(() => {
  topo = new Topology('runtime-rp-').build(['br0'], [
    { name: 'lb1', links: [['br0', '192.168.77.11/24']] },
    { name: 'lb2', links: [['br0', '192.168.77.12/24']] },
  ]);
  tmp = mkdtempSync(join(tmpdir(), 'runtime-rp-'));
  dirs = new Directors(topo, tmp);
});
afterAll(async () => {
  await dirs.stopAll();
  topo.destroy();
  rmSync(tmp, { recursive: true, force: true });
});

function halo(args: string[]): { code: number; out: string; err: string } {
  try {
    return { code: 0, out: execFileSync(process.execPath, [HALO, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }), err: '' };
  } catch (e) {
    const x = e as { status: number; stdout: string; stderr: string };
    return { code: x.status, out: x.stdout, err: x.stderr };
  }
}

const vips = (h: string) => ['200', '201', '202', '210', '220'].filter((a) => holds(topo, h, `192.168.77.${a}`));

test('preview, then apply: nothing changes on the preview, the reload does exactly what it said, and logs it', async () => {
  const before = conf('lb1',
    instance({ ...fast, state: 'MASTER', priority: 150, vips: ['192.168.77.200/24', '192.168.77.201/24'] }),
    instance({ ...fast, name: 'VI_2', vrid: 52, state: 'MASTER', priority: 150, vips: ['192.168.77.210/24'] }));
  const after = conf('lb1',
    instance({ ...fast, state: 'MASTER', priority: 150, vips: ['192.168.77.200/24', '192.168.77.202/24'] }),
    instance({ ...fast, name: 'VI_3', vrid: 53, state: 'BACKUP', priority: 100, vips: ['192.168.77.220/24'] }));
  const a = dirs.halo('lb1', before);
  const b = dirs.halo('lb2', conf('lb2', instance({ ...fast, priority: 100, vips: ['192.168.77.200/24', '192.168.77.201/24'] })));
  await waitSoleHolder(topo, ['lb1', 'lb2'], 'lb1', '192.168.77.200', 10_000);
  expect(await waitFor(() => vips('lb1').join(' ') === '200 201 210', 10_000)).toBe(true);
  const next = join(tmp, 'next.conf');
  writeFileSync(next, after);

  const preview = halo(['reload', '--plan', '-f', next, '--control-socket', a.socket]);
  expect(preview.err).toBe('');
  expect(preview.code).toBe(0);
  const lines = preview.out.trimEnd().split('\n');
  expect(lines).toEqual([
    `Reload plan for ${next} (preview, nothing applied)`,
    'VRRP: 1 started, 1 stopped, 1 updated, 0 restarted, 0 unchanged',
    '  stop VI_2 (MASTER)',
    '    advert with priority 0',
    '    remove VIP 192.168.77.210/24 dev eth0',
    '    notify VI_2 FAULT', // removed, without notify_deleted: keepalived's clear_diff_vrrp says FAULT
    '  update VI_1 (MASTER)',
    '    remove VIP 192.168.77.201/24 dev eth0',
    '    add VIP 192.168.77.202/24 dev eth0',
    '    gratuitous ARP x5 for 192.168.77.202',
    '  start VI_3 (INIT)',
  ]);
  // nothing happened
  await new Promise((r) => setTimeout(r, 500));
  expect(vips('lb1')).toEqual(['200', '201', '210']);
  expect(a.log()).not.toContain('Reloading configuration file');

  // an invalid file is reported with its location, and nothing would be applied
  const bad = join(tmp, 'bad.conf');
  writeFileSync(bad, 'vrrp_instance VI_1 {\n    virtual_router_id 300\n}\n');
  const refused = halo(['reload', '--plan', '-f', bad, '--control-socket', a.socket]);
  expect(refused.code).toBe(1);
  expect(refused.err).toContain(`${bad}:1:1: error: (VI_1) no interface given`);

  // applying a file other than the running one is refused with the way forward
  expect(halo(['reload', '-f', next, '--control-socket', a.socket])).toMatchObject({ code: 1, err: expect.stringContaining('put ') });

  const bLog0 = b.log().length;
  copyFileSync(next, a.confFile);
  const applied = halo(['reload', '--control-socket', a.socket]);
  expect(applied.code).toBe(0);
  const appliedLines = applied.out.trimEnd().split('\n');
  expect(appliedLines[0]).toBe(`Reload plan for ${a.confFile} (applied)`);
  expect(appliedLines.slice(1)).toEqual(lines.slice(1));
  expect(await waitFor(() => vips('lb1').join(' ') === '200 202', 5000)).toBe(true);
  // the daemon logged the same lines
  const log = a.log();
  for (const l of appliedLines) expect(log).toContain(l);
  // the peer never saw a gap: it did not become MASTER during the reload
  expect(b.log().slice(bLog0)).not.toMatch(/\(VI_1\) Entering MASTER STATE/);
});
