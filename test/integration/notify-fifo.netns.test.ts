/**
 * notify_fifo / vrrp_notify_fifo beside Debian's keepalived 2.2.7 (issue 12 §1): halo and
 * keepalived each run the same config in their own namespace with their own FIFOs, one peer
 * keepalived takes VI_2 from both, one tracked file moves both priorities, then both stop.
 *
 * - vrrp_notify_fifo is a FIFO the test made, read by `cat` started before the daemons: every
 *   line, STOP lines included, must be the same bytes. Lines of different instances and of
 *   the sync group are compared per name (keepalived's order between two instances' timers is
 *   not fixed).
 * - the tracked file is written once by rename and once in place (truncated, then written and
 *   closed a second later): keepalived reads it only when it is closed, so neither daemon may
 *   write a line for the empty file in between.
 * - notify_fifo is made by the daemon, with a notify_fifo_script: the FIFO's mode, the script's
 *   arguments, the lines it read before the stop, and that the FIFO is gone and the script ended
 *   after the stop must be the same.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, openSync, renameSync, writeSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directors, waitFor, type RunningDirector } from '../support/directors';
import { Topology } from '../support/netns';

jest.setTimeout(120_000);

let topo: Topology;
let dirs: Directors;
let tmp: string;
const readers: ChildProcess[] = [];

beforeAll(() => {
  topo = new Topology('fifo-').build(['br0'], [
    { name: 'h', links: [['br0', '192.168.78.11/24']] },
    { name: 'k', links: [['br0', '192.168.78.12/24']] },
    { name: 'p', links: [['br0', '192.168.78.13/24']] },
  ]);
  tmp = mkdtempSync(join(tmpdir(), 'halo-fifo-'));
  chmodSync(tmp, 0o755);
  dirs = new Directors(topo, join(tmp, 'run'));
});
afterAll(async () => {
  await dirs.stopAll();
  for (const r of readers) if (r.exitCode === null) r.kill('SIGKILL');
  topo.destroy();
  rmSync(tmp, { recursive: true, force: true });
});

/** The tracked file's new number, written whole (renamed into place: no reader sees it empty). */
function setWeight(n: number): void {
  writeFileSync(join(tmp, 'weight.new'), `${n}\n`);
  renameSync(join(tmp, 'weight.new'), join(tmp, 'weight'));
}

/**
 * The tracked file's new number, written in place: truncated, held open and empty for a while,
 * then written and closed. keepalived reads a track file only when its writer closes it
 * (IN_CLOSE_WRITE), so the empty file in between must never count as 0.
 */
async function writeInPlace(n: number): Promise<void> {
  const fd = openSync(join(tmp, 'weight'), 'w');
  await new Promise((r) => setTimeout(r, 1000)); // the window a watcher of IN_MODIFY would read 0 in
  writeSync(fd, `${n}\n`);
  closeSync(fd);
}

const read = (p: string): string => (existsSync(p) ? readFileSync(p, 'utf8') : '');

/** The lines of one instance (and of its sync group). */
const only = (text: string, names: string[]): string =>
  text.split('\n').filter((l) => names.some((n) => l.includes(`"${n}"`))).map((l) => `${l}\n`).join('');

function dutConfig(who: string, vrid1: number, vrid2: number): string {
  return [
    'global_defs {',
    `    notify_fifo ${join(tmp, who, 'global.fifo')}`,
    `    notify_fifo_script "${join(tmp, 'reader.sh')} ${join(tmp, who, 'global.out')}"`,
    `    vrrp_notify_fifo ${join(tmp, who, 'vrrp.fifo')}`,
    '}',
    'vrrp_track_file tf {',
    `    file ${join(tmp, 'weight')}`,
    '    weight 1',
    '}',
    'vrrp_sync_group VG1 {',
    '    group {',
    '        VI_1',
    '        VI_3',
    '    }',
    '}',
    // a one-member group: keepalived keeps it (with a warning) and tells its states too
    'vrrp_sync_group VG2 {',
    '    group {',
    '        VI_4',
    '    }',
    '}',
    'vrrp_instance VI_1 {',
    '    state BACKUP',
    '    interface eth0',
    `    virtual_router_id ${vrid1}`,
    '    priority 100',
    '    advert_int 1',
    '    virtual_ipaddress {',
    `        192.168.78.${vrid1}/24`,
    '    }',
    '}',
    'vrrp_instance VI_3 {',
    '    state BACKUP',
    '    interface eth0',
    `    virtual_router_id ${vrid1 + 10}`,
    '    priority 100',
    '    advert_int 1',
    '    virtual_ipaddress {',
    `        192.168.78.${vrid1 + 10}/24`,
    '    }',
    '}',
    'vrrp_instance VI_2 {',
    '    state BACKUP',
    '    interface eth0',
    `    virtual_router_id ${vrid2}`,
    '    priority 100',
    '    advert_int 1',
    '    notify_priority_changes',
    '    track_file {',
    '        tf',
    '    }',
    '    virtual_ipaddress {',
    `        192.168.78.${vrid2}/24`,
    '    }',
    '}',
    'vrrp_instance VI_4 {',
    '    state BACKUP',
    '    interface eth0',
    `    virtual_router_id ${vrid1 + 20}`,
    '    priority 100',
    '    advert_int 1',
    '    virtual_ipaddress {',
    `        192.168.78.${vrid1 + 20}/24`,
    '    }',
    '}',
    '',
  ].join('\n');
}

/** The peer: MASTER of both daemons' VI_2 (priority 150), with the same VIP (keepalived drops an advert whose VIPs differ). */
function peerConfig(vrids: number[]): string {
  return vrids.map((v) => [
    `vrrp_instance P${v} {`,
    '    state BACKUP',
    '    interface eth0',
    `    virtual_router_id ${v}`,
    '    priority 150',
    '    advert_int 1',
    '    virtual_ipaddress {',
    `        192.168.78.${v}/24`,
    '    }',
    '}',
  ].join('\n')).join('\n') + '\n';
}

test('the same FIFO lines as keepalived 2.2.7 through start, priority changes, a takeover by a peer, and stop', async () => {
  // the script the daemons start: its arguments, then every line it reads, then how it ended
  writeFileSync(join(tmp, 'reader.sh'), [
    '#!/bin/sh',
    'out=$1',
    'echo "args: $*" > "$out.args"',
    "trap 'echo TERM >> \"$out.args\"; exit 0' TERM",
    'while read -r l; do echo "$l" >> "$out"; done < "$2"',
    'echo EOF >> "$out.args"',
    '',
  ].join('\n'));
  chmodSync(join(tmp, 'reader.sh'), 0o755);
  setWeight(0);
  const sides = { halo: { vrids: [81, 82] }, keepalived: { vrids: [83, 84] } } as const;
  for (const who of Object.keys(sides)) {
    mkdirSync(join(tmp, who));
    execFileSync('mkfifo', ['-m', '644', join(tmp, who, 'vrrp.fifo')]);
    // cat reads until the daemon, the only writer, has closed the FIFO
    const r = spawn('sh', ['-c', `exec cat "${join(tmp, who, 'vrrp.fifo')}" > "${join(tmp, who, 'vrrp.out')}"`], { stdio: 'ignore' });
    readers.push(r);
  }
  const vrrpOut = (who: string) => read(join(tmp, who, 'vrrp.out'));
  const both = async (pred: (text: string) => boolean): Promise<boolean> => {
    if (await waitFor(() => pred(vrrpOut('halo')) && pred(vrrpOut('keepalived')), 40_000)) return true;
    // what each side wrote, and its log, to say which one did not
    for (const d of dirs.running) process.stderr.write(`--- ${d.kind} on ${d.host}\n${d.log().slice(-3000)}\n`);
    process.stderr.write(`--- halo's FIFO\n${vrrpOut('halo')}--- keepalived's FIFO\n${vrrpOut('keepalived')}`);
    return false;
  };

  const halo = dirs.halo('h', dutConfig('halo', ...sides.halo.vrids));
  const ka = dirs.keepalived('k', dutConfig('keepalived', ...sides.keepalived.vrids));
  // alone on the LAN: both instances become MASTER
  expect(await both((t) => t.includes('INSTANCE "VI_1" MASTER 100\n') && t.includes('INSTANCE "VI_2" MASTER 100\n') && t.includes('GROUP "VG1" MASTER 0\n') && t.includes('GROUP "VG2" MASTER 0\n'))).toBe(true);

  // the FIFO the daemon made: same mode, same script arguments
  for (const who of ['halo', 'keepalived']) {
    const st = lstatSync(join(tmp, who, 'global.fifo'));
    expect(st.isFIFO()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
    expect(await waitFor(() => read(join(tmp, who, 'global.out.args')) !== '', 10_000)).toBe(true);
    expect(read(join(tmp, who, 'global.out.args'))).toBe(`args: ${join(tmp, who, 'global.out')} ${join(tmp, who, 'global.fifo')}\n`);
  }

  // the tracked file moves VI_2's priority: MASTER_PRIORITY lines
  setWeight(5);
  expect(await both((t) => t.includes('INSTANCE "VI_2" MASTER_PRIORITY 105\n'))).toBe(true);
  // written in place: no MASTER_PRIORITY 100 from the empty file in between (keepalived has none)
  await writeInPlace(-3);
  expect(await both((t) => t.includes('INSTANCE "VI_2" MASTER_PRIORITY 97\n'))).toBe(true);

  // a peer of priority 150 takes VI_2 from both; then a change as BACKUP
  dirs.keepalived('p', peerConfig([sides.halo.vrids[1], sides.keepalived.vrids[1]]));
  expect(await both((t) => t.includes('INSTANCE "VI_2" BACKUP 97\n'))).toBe(true);
  setWeight(-1);
  expect(await both((t) => t.includes('INSTANCE "VI_2" BACKUP_PRIORITY 99\n'))).toBe(true);

  // stop both (the main process, as systemctl stop does)
  const stop = async (d: RunningDirector) => {
    d.proc.kill('SIGTERM');
    return Promise.race([d.exited, new Promise((r) => setTimeout(r, 30_000).unref())]);
  };
  await Promise.all([stop(halo), stop(ka)]);
  expect(await waitFor(() => readers.every((r) => r.exitCode !== null), 20_000)).toBe(true);

  const h = vrrpOut('halo');
  const k = vrrpOut('keepalived');
  for (const name of ['VI_1', 'VI_2', 'VI_3', 'VI_4', 'VG1', 'VG2']) expect(only(h, [name])).toBe(only(k, [name]));
  expect(h.split('\n').length).toBe(k.split('\n').length);
  // where keepalived's order is fixed, the same order: at start every group that starts in
  // BACKUP first (vrrp_init_state), then the instances in config order; at stop the instances,
  // then the groups (notify_shutdown). In between, the instances' timers decide.
  const start = [
    'GROUP "VG1" BACKUP 0', 'GROUP "VG2" BACKUP 0',
    'INSTANCE "VI_1" BACKUP 100', 'INSTANCE "VI_3" BACKUP 100', 'INSTANCE "VI_2" BACKUP 100', 'INSTANCE "VI_4" BACKUP 100', '',
  ].join('\n');
  const end = [
    'INSTANCE "VI_1" STOP 100', 'INSTANCE "VI_3" STOP 100', 'INSTANCE "VI_2" STOP 99', 'INSTANCE "VI_4" STOP 100',
    'GROUP "VG1" STOP 0', 'GROUP "VG2" STOP 0', '',
  ].join('\n');
  expect(k.startsWith(start)).toBe(true);
  expect(k.endsWith(end)).toBe(true);
  expect(h.startsWith(start)).toBe(true);
  expect(h.endsWith(end)).toBe(true);
  // what keepalived wrote, spelled out (so neither side can drift unnoticed)
  expect(only(k, ['VG2'])).toBe('GROUP "VG2" BACKUP 0\nGROUP "VG2" MASTER 0\nGROUP "VG2" STOP 0\n');
  expect(only(k, ['VI_1'])).toBe('INSTANCE "VI_1" BACKUP 100\nINSTANCE "VI_1" MASTER 100\nINSTANCE "VI_1" STOP 100\n');
  expect(only(k, ['VG1'])).toBe('GROUP "VG1" BACKUP 0\nGROUP "VG1" MASTER 0\nGROUP "VG1" STOP 0\n');
  expect(only(k, ['VI_2'])).toBe([
    'INSTANCE "VI_2" BACKUP 100', 'INSTANCE "VI_2" MASTER 100', 'INSTANCE "VI_2" MASTER_PRIORITY 105', 'INSTANCE "VI_2" MASTER_PRIORITY 97',
    'INSTANCE "VI_2" BACKUP 97', 'INSTANCE "VI_2" BACKUP_PRIORITY 99', 'INSTANCE "VI_2" STOP 99', '',
  ].join('\n'));

  // the FIFO each daemon made is gone, its script ended (SIGTERM or EOF), and the script read
  // what the test FIFO got (the STOP lines may come after the script's end: keepalived's race)
  for (const who of ['halo', 'keepalived']) {
    expect(existsSync(join(tmp, who, 'global.fifo'))).toBe(false);
    expect(await waitFor(() => /TERM|EOF/.test(read(join(tmp, who, 'global.out.args'))), 10_000)).toBe(true);
    const got = read(join(tmp, who, 'global.out')).replace(/.*STOP.*\n/g, '');
    expect(got).toBe((who === 'halo' ? h : k).replace(/.*STOP.*\n/g, ''));
  }
  // the pre-made FIFO stays
  expect(lstatSync(join(tmp, 'halo', 'vrrp.fifo')).isFIFO()).toBe(true);
});
