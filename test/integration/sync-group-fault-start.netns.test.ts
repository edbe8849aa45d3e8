/**
 * The order of keepalived 2.2.7's notifies when a sync group starts in FAULT, halo beside it
 * (each in its own namespace, the same config, vrrp_notify_fifo): one member of VG1 tracks a link
 * that stays down, so the whole group starts in FAULT. keepalived tells every instance starting
 * in FAULT in config order, the group's members among them (vrrp_complete_init: "Set all sync
 * group members to fault state"), then every group that starts in FAULT or BACKUP in config order,
 * then the instances starting in BACKUP (vrrp_init_state). The FIFO's start, up to the first
 * MASTER line, must be the same line for line.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directors, waitFor } from '../support/directors';
import { Topology } from '../support/netns';
import { heldFifo, type HeldFifo } from '../support/fifo';

jest.setTimeout(120_000);

let topo: Topology;
let dirs: Directors;
let tmp: string;
const readers: ChildProcess[] = [];

beforeAll(() => {
  topo = new Topology('sgfs-').build(['br0'], [
    { name: 'h', links: [['br0', '192.168.75.11/24']] },
    { name: 'k', links: [['br0', '192.168.75.12/24']] },
  ]);
  // a link that stays down: the tracked interface that puts VG1 and VI_4 in FAULT
  for (const h of ['h', 'k']) execFileSync('ip', ['-n', topo.ns(h), 'link', 'add', 'dn0', 'type', 'veth', 'peer', 'name', 'dn1']);
  tmp = mkdtempSync(join(tmpdir(), 'halo-sgfs-'));
  chmodSync(tmp, 0o755);
  dirs = new Directors(topo, join(tmp, 'run'));
});
afterAll(async () => {
  await dirs?.stopAll();
  for (const r of readers) if (r.exitCode === null) r.kill('SIGKILL');
  topo?.destroy();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function instance(name: string, vrid: number, down: boolean): string[] {
  return [
    `vrrp_instance ${name} {`,
    '    state BACKUP',
    '    interface eth0',
    `    virtual_router_id ${vrid}`,
    '    priority 100',
    '    advert_int 1',
    ...(down ? ['    track_interface {', '        dn0', '    }'] : []),
    '    virtual_ipaddress {',
    `        192.168.75.${vrid}/24`,
    '    }',
    '}',
  ];
}

/** VI_1 alone; VG1 = VI_2 (its tracked link down) + VI_3; VI_4 alone, its link down; VG2 = VI_5 + VI_6; VI_7 alone. */
function config(dir: string, base: number): string {
  return [
    'global_defs {',
    `    vrrp_notify_fifo ${join(dir, 'vrrp.fifo')}`,
    '}',
    'vrrp_sync_group VG1 {',
    '    group {',
    '        VI_3',
    '        VI_2',
    '    }',
    '}',
    'vrrp_sync_group VG2 {',
    '    group {',
    '        VI_5',
    '        VI_6',
    '    }',
    '}',
    ...instance('VI_1', base, false),
    ...instance('VI_2', base + 1, true),
    ...instance('VI_3', base + 2, false),
    ...instance('VI_4', base + 3, true),
    ...instance('VI_5', base + 4, false),
    ...instance('VI_6', base + 5, false),
    ...instance('VI_7', base + 6, false),
    '',
  ].join('\n');
}

/** The FIFO's lines up to (not including) the first MASTER line: the start, before any timer ran out. */
const startOf = (text: string): string[] => {
  const lines = text.split('\n').filter((l) => l !== '');
  const m = lines.findIndex((l) => / MASTER /.test(l));
  return m < 0 ? lines : lines.slice(0, m);
};

test('a sync group starting in FAULT: the same notify order as keepalived 2.2.7', async () => {
  const sides = { halo: 101, keepalived: 121 } as const;
  const fifos: Record<string, HeldFifo> = {};
  for (const who of Object.keys(sides)) {
    mkdirSync(join(tmp, who));
    fifos[who] = heldFifo(join(tmp, who));
    readers.push(fifos[who].reader);
  }
  const out = (who: string) => fifos[who].out();
  dirs.halo('h', config(join(tmp, 'halo'), sides.halo));
  dirs.keepalived('k', config(join(tmp, 'keepalived'), sides.keepalived));
  // every instance outside a FAULT has become MASTER (nobody else on the bridge shares its VRID)
  const settled = (w: string) => ['VI_1', 'VI_5', 'VI_6', 'VI_7'].every((n) => out(w).includes(`INSTANCE "${n}" MASTER 100\n`));
  const ok = await waitFor(() => settled('halo') && settled('keepalived'), 60_000);
  if (!ok) for (const d of dirs.running) process.stderr.write(`--- ${d.kind}\n${d.log().slice(-3000)}\n--- FIFO\n${out(d.kind)}`);
  expect(ok).toBe(true);
  const k = startOf(out('keepalived'));
  // what keepalived 2.2.7 wrote, spelled out (vrrp_complete_init, then vrrp_init_state)
  expect(k).toEqual([
    'INSTANCE "VI_2" FAULT 100', 'INSTANCE "VI_3" FAULT 100', 'INSTANCE "VI_4" FAULT 100',
    'GROUP "VG1" FAULT 0', 'GROUP "VG2" BACKUP 0',
    'INSTANCE "VI_1" BACKUP 100', 'INSTANCE "VI_5" BACKUP 100', 'INSTANCE "VI_6" BACKUP 100', 'INSTANCE "VI_7" BACKUP 100',
  ]);
  expect(startOf(out('halo'))).toEqual(k);
  // and VG1 stays in FAULT in both
  for (const w of ['halo', 'keepalived']) expect(out(w)).not.toMatch(/"VI_[23]" (MASTER|BACKUP)/);
});
