/**
 * What keepalived 2.2.7 tells through its notify FIFO and scripts around a reload, and when a
 * MASTER hears a lower priority, halo beside it (each in its own namespace, same config):
 * - notify_master_rx_lower_pri: a peer of lower priority that cannot hear anyone (nftables drops
 *   VRRP in its namespace) stays MASTER, so both daemons' MASTER hears its adverts: the script
 *   runs (with no arguments added) and the FIFO gets MASTER_RX_LOWER_PRI lines;
 * - a reload that removes instances: with notify_deleted a DELETED line and its script; without,
 *   keepalived's older FAULT (but not notify_fault's script); nothing for one in FAULT already;
 * - fifo_write_vrrp_states_on_reload: the kept sync group's and the kept BACKUP/FAULT
 *   instances' states are written again (a kept MASTER's is not).
 * Lines are compared per name, MASTER_RX_LOWER_PRI lines apart (their count follows timing).
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directors, waitFor } from '../support/directors';
import { Topology } from '../support/netns';
import { heldFifo } from '../support/fifo';

jest.setTimeout(150_000);

let topo: Topology;
let dirs: Directors;
let tmp: string;
const readers: ChildProcess[] = [];

beforeAll(() => {
  topo = new Topology('nrel-').build(['br0'], [
    { name: 'h', links: [['br0', '192.168.76.11/24']] },
    { name: 'k', links: [['br0', '192.168.76.12/24']] },
    { name: 'p', links: [['br0', '192.168.76.13/24']] },
  ]);
  // a link that stays down, for the instance in FAULT
  for (const h of ['h', 'k']) execFileSync('ip', ['-n', topo.ns(h), 'link', 'add', 'dn0', 'type', 'veth', 'peer', 'name', 'dn1']);
  // the peer hears nobody: it stays MASTER and keeps sending its adverts
  execFileSync('ip', ['netns', 'exec', topo.ns('p'), 'nft', '-f', '-'], {
    input: 'table inet vrrpdrop {\n chain vrrp_in {\n  type filter hook input priority 0;\n  ip protocol 112 drop\n }\n}\n',
  });
  tmp = mkdtempSync(join(tmpdir(), 'halo-nrel-'));
  chmodSync(tmp, 0o755);
  dirs = new Directors(topo, join(tmp, 'run'));
  writeFileSync(join(tmp, 'mk.sh'), '#!/bin/sh\nout=$1\nshift\necho "$*" >> "$out"\n');
  chmodSync(join(tmp, 'mk.sh'), 0o755);
});
afterAll(async () => {
  await dirs?.stopAll();
  for (const r of readers) if (r.exitCode === null) r.kill('SIGKILL');
  topo?.destroy();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const read = (p: string): string => (existsSync(p) ? readFileSync(p, 'utf8') : '');

function instance(name: string, vrid: number, extra: string[]): string[] {
  return [
    `vrrp_instance ${name} {`,
    '    state BACKUP',
    '    interface eth0',
    `    virtual_router_id ${vrid}`,
    '    priority 100',
    '    advert_int 1',
    ...extra.map((l) => `    ${l}`),
    '    virtual_ipaddress {',
    `        192.168.76.${vrid}/24`,
    '    }',
    '}',
  ];
}

/** `base` is the side's first VRID; `full`: before the reload (VI_2, VI_3, VI_6 are removed by it). */
function config(dir: string, base: number, full: boolean): string {
  const mk = join(tmp, 'mk.sh');
  return [
    'global_defs {',
    `    vrrp_notify_fifo ${join(dir, 'vrrp.fifo')}`,
    '    fifo_write_vrrp_states_on_reload',
    '}',
    'vrrp_sync_group VG1 {',
    '    group {',
    '        VI_4',
    '    }',
    '}',
    ...instance('VI_1', base, [`notify_master_rx_lower_pri "${mk} ${join(dir, 'rxlow')} a b"`]),
    ...(full ? instance('VI_2', base + 1, [`notify_deleted "${mk} ${join(dir, 'deleted')}"`]) : []),
    ...(full ? instance('VI_3', base + 2, [`notify_fault "${mk} ${join(dir, 'fault3')}"`]) : []),
    ...instance('VI_4', base + 3, []),
    ...instance('VI_5', base + 4, ['track_interface {', '    dn0', '}']),
    ...(full ? instance('VI_6', base + 5, ['track_interface {', '    dn0', '}']) : []),
    '',
  ].join('\n');
}

/** The peer: VI_1's VRID at priority 50 (lower), VI_4's at 200 (higher), on both sides. */
function peerConfig(bases: number[]): string {
  return bases.flatMap((b) => [[b, 50], [b + 3, 200]]).map(([v, prio]) => [
    `vrrp_instance P${v} {`,
    '    state MASTER',
    '    interface eth0',
    `    virtual_router_id ${v}`,
    `    priority ${prio}`,
    '    advert_int 1',
    '    virtual_ipaddress {',
    `        192.168.76.${v}/24`,
    '    }',
    '}',
  ].join('\n')).join('\n') + '\n';
}

const only = (text: string, name: string): string =>
  text.split('\n').filter((l) => l.includes(`"${name}"`) && !l.includes('MASTER_RX_LOWER_PRI')).map((l) => `${l}\n`).join('');

test('DELETED/FAULT at removal, states written again at reload, and notify_master_rx_lower_pri, as keepalived 2.2.7', async () => {
  const sides = { halo: 101, keepalived: 121 } as const;
  for (const who of Object.keys(sides)) {
    mkdirSync(join(tmp, who));
    // the reader holds the FIFO open for writing too: a daemon closing it at the reload is no end of file
    readers.push(heldFifo(join(tmp, who)).reader);
  }
  const out = (who: string) => read(join(tmp, who, 'vrrp.out'));
  const both = async (pred: (who: 'halo' | 'keepalived') => boolean): Promise<boolean> => {
    if (await waitFor(() => pred('halo') && pred('keepalived'), 40_000)) return true;
    for (const d of dirs.running) process.stderr.write(`--- ${d.kind} on ${d.host}\n${d.log().slice(-3000)}\n`);
    process.stderr.write(`--- halo's FIFO\n${out('halo')}--- keepalived's FIFO\n${out('keepalived')}`);
    for (const w of ['halo', 'keepalived']) for (const f of ['rxlow', 'deleted', 'fault3']) process.stderr.write(`--- ${w} ${f}: ${JSON.stringify(read(join(tmp, w, f)).slice(0, 200))}\n`);
    return false;
  };

  dirs.keepalived('p', peerConfig([sides.halo, sides.keepalived]));
  const halo = dirs.halo('h', config(join(tmp, 'halo'), sides.halo, true));
  const ka = dirs.keepalived('k', config(join(tmp, 'keepalived'), sides.keepalived, true));

  // VI_1 MASTER hears the peer's lower priority: the script (its own arguments only) and the line
  expect(await both((w) => out(w).includes('INSTANCE "VI_1" MASTER_RX_LOWER_PRI 100\n') && read(join(tmp, w, 'rxlow')) !== '')).toBe(true);
  expect(read(join(tmp, 'halo', 'rxlow')).split('\n')[0]).toBe('a b');
  expect(read(join(tmp, 'keepalived', 'rxlow')).split('\n')[0]).toBe('a b');
  // settled: VI_2 and VI_3 MASTER (alone), VI_4 BACKUP under the peer, VI_5 and VI_6 FAULT
  const settled = (w: string) => ['VI_2', 'VI_3'].every((n) => out(w).includes(`INSTANCE "${n}" MASTER 100\n`))
    && out(w).includes('INSTANCE "VI_4" BACKUP 100\n') && out(w).includes('INSTANCE "VI_6" FAULT 100\n');
  expect(await both(settled)).toBe(true);
  const before = { halo: out('halo'), keepalived: out('keepalived') };
  // the start, in keepalived's fixed order: the instances starting in FAULT (vrrp_complete_init),
  // then the groups starting in BACKUP, then the others in config order (vrrp_init_state)
  const start = ['INSTANCE "VI_5" FAULT 100', 'INSTANCE "VI_6" FAULT 100', 'GROUP "VG1" BACKUP 0',
    'INSTANCE "VI_1" BACKUP 100', 'INSTANCE "VI_2" BACKUP 100', 'INSTANCE "VI_3" BACKUP 100', 'INSTANCE "VI_4" BACKUP 100', ''].join('\n');
  expect(before.keepalived.startsWith(start)).toBe(true);
  expect(before.halo.startsWith(start)).toBe(true);

  // the reload (the main process, as systemctl reload): VI_2, VI_3, VI_6 removed
  for (const [who, d] of [['halo', halo], ['keepalived', ka]] as const) {
    writeFileSync(d.confFile, config(join(tmp, who), sides[who], false));
    d.proc.kill('SIGHUP');
  }
  const after = (w: 'halo' | 'keepalived') => out(w).slice(before[w].length);
  expect(await both((w) => after(w).includes('INSTANCE "VI_5" FAULT 100\n') && after(w).includes('INSTANCE "VI_3" FAULT 100\n')
    && read(join(tmp, w, 'deleted')) !== '')).toBe(true);

  // what keepalived wrote after the reload, spelled out; halo the same, name by name
  const k = after('keepalived');
  const h = after('halo');
  expect(only(k, 'VI_2')).toBe('INSTANCE "VI_2" DELETED 100\n');
  expect(only(k, 'VI_3')).toBe('INSTANCE "VI_3" FAULT 100\n');
  expect(only(k, 'VI_6')).toBe('');
  expect(only(k, 'VG1')).toBe('GROUP "VG1" BACKUP 0\n');
  expect(only(k, 'VI_4')).toBe('INSTANCE "VI_4" BACKUP 100\n');
  expect(only(k, 'VI_5')).toBe('INSTANCE "VI_5" FAULT 100\n');
  expect(only(k, 'VI_1')).toBe('');
  for (const n of ['VI_1', 'VI_2', 'VI_3', 'VI_4', 'VI_5', 'VI_6', 'VG1']) expect(only(h, n)).toBe(only(k, n));
  // notify_deleted's script ran, with its own arguments only; VI_3's FAULT at removal runs no
  // notify_fault script (keepalived picks the script while the state is still DELETED)
  for (const w of ['halo', 'keepalived']) {
    expect(read(join(tmp, w, 'deleted'))).toBe('\n');
    expect(read(join(tmp, w, 'fault3'))).toBe('');
  }
  // everything before the reload, per name, was the same too
  for (const n of ['VI_1', 'VI_2', 'VI_3', 'VI_4', 'VI_5', 'VI_6', 'VG1']) expect(only(before.halo, n)).toBe(only(before.keepalived, n));
});
