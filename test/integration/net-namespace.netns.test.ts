/**
 * `net_namespace NAME` and `instance NAME` (issue 12 / issue 10) beside Debian's keepalived
 * 2.2.7: both daemons are started from the host's namespace with no pid file option and enter
 * their own namespace from the config. VRRP runs between them inside the namespaces, the VIP
 * lands in the namespace and not in the host's, tracked scripts run inside it, the pid files
 * take the namespace and instance names (keepalived: /run/keepalived/NS/keepalived_INST.pid;
 * halo: /run/halo/NS/halo_INST.pid), a reload cannot change the namespace, and a missing
 * namespace stops both with keepalived's lines.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { HALO } from '../support/directors';
import { Topology, waitFor } from '../support/netns';
import { descendants, signalTree } from '../../src/lab/procs';

jest.setTimeout(120_000);

const TAG = process.env.HALO_NETNS_TAG ?? 'xx';
const INST = `nt${TAG}`;
let topo: Topology;
let tmp: string;
const started: ChildProcess[] = [];

beforeAll(() => {
  topo = new Topology('netns-ka-').build(['br0'], [
    { name: 'lb1', links: [['br0', '192.168.81.11/24']] },
    { name: 'lb2', links: [['br0', '192.168.81.12/24']] },
  ]);
  tmp = mkdtempSync(join(tmpdir(), 'netns-ka-'));
  chmodSync(tmp, 0o755);
  writeFileSync(join(tmp, 'own-address.sh'), '#!/bin/sh\nip -o -4 addr show dev eth0 | grep -q " $1/"\n');
  chmodSync(join(tmp, 'own-address.sh'), 0o755);
});
afterAll(async () => {
  for (const p of started) if (p.pid && p.exitCode === null) signalTree([p.pid, ...descendants(p.pid)], 'SIGKILL');
  topo.destroy();
  rmSync(tmp, { recursive: true, force: true });
  for (const d of [`/run/halo/${topo.ns('lb1')}`, `/run/keepalived/${topo.ns('lb2')}`]) {
    try {
      rmdirSync(d);
    } catch {
      // gone already, or not empty (then a test failed and left it for a look)
    }
  }
});

function conf(ns: string, own: string, priority: number, extra: string[] = []): string {
  return [
    `net_namespace ${ns}`,
    `instance ${INST}`,
    ...extra,
    'vrrp_script own_address {',
    // only true inside the namespace: the host has no such address
    `    script "${join(tmp, 'own-address.sh')} ${own}"`,
    '    interval 1',
    '}',
    'vrrp_instance VI_1 {',
    '    state BACKUP',
    '    interface eth0',
    '    virtual_router_id 41',
    `    priority ${priority}`,
    '    advert_int 1',
    '    track_script {',
    '        own_address',
    '    }',
    '    virtual_ipaddress {',
    '        192.168.81.41/24',
    '    }',
    '}',
    '',
  ].join('\n');
}

/** Start from the host's namespace, no pid file or socket option: the config decides. */
function start(kind: 'halo' | 'keepalived', text: string): { proc: ChildProcess; log: () => string; confFile: string; exited: Promise<number | null> } {
  const confFile = join(tmp, `${kind}-${started.length}.conf`);
  writeFileSync(confFile, text);
  const logFile = `${confFile}.log`;
  const fd = openSync(logFile, 'a');
  const argv = kind === 'halo' ? [process.execPath, HALO, 'run', '-f', confFile] : ['keepalived', '-n', '-l', '-D', '-f', confFile];
  const proc = spawn(argv[0], argv.slice(1), { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  started.push(proc);
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return { proc, confFile, exited, log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '') };
}

const hasVip = (args: string[]) => execFileSync('ip', [...args, '-o', '-4', 'addr', 'show'], { encoding: 'utf8' }).includes(' 192.168.81.41/');
const inNs = (host: string) => hasVip(['-n', topo.ns(host)]);
const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8').trim() : '');

test('both run VRRP, scripts and VIPs inside their namespace, with the namespace and instance in their pid file names', async () => {
  const haloPid = `/run/halo/${topo.ns('lb1')}/halo_${INST}.pid`;
  const haloSock = `/run/halo/${topo.ns('lb1')}/halo_${INST}.sock`;
  const kaPid = `/run/keepalived/${topo.ns('lb2')}/keepalived_${INST}.pid`;
  const ka = start('keepalived', conf(topo.ns('lb2'), '192.168.81.12', 200));
  const halo = start('halo', conf(topo.ns('lb1'), '192.168.81.11', 100));
  // keepalived (priority 200) is MASTER in lb2, halo hears it from inside lb1
  expect(await waitFor(() => inNs('lb2'), 30_000)).toBe(true);
  expect(await waitFor(() => read(haloPid) === String(halo.proc.pid) && read(kaPid) === String(ka.proc.pid), 30_000)).toBe(true);
  expect(await waitFor(() => / BACKUP /.test(execFileSync(process.execPath, [HALO, 'status', '--control-socket', haloSock], { encoding: 'utf8' })), 30_000)).toBe(true);
  expect(inNs('lb1')).toBe(false);
  // keepalived stops: halo takes over inside lb1 (its tracked script, run in lb1, succeeds)
  ka.proc.kill('SIGTERM');
  expect(await ka.exited).toBe(0);
  expect(await waitFor(() => inNs('lb1'), 30_000)).toBe(true);
  expect(hasVip([])).toBe(false); // never in the host's namespace
  expect(existsSync(kaPid)).toBe(false);
  expect(existsSync(dirname(kaPid))).toBe(false); // keepalived removes its /run/keepalived/NS
  // a reload that changes the namespace is refused; the instance runs on
  writeFileSync(halo.confFile, conf(topo.ns('lb2'), '192.168.81.11', 100));
  halo.proc.kill('SIGHUP');
  expect(await waitFor(() => halo.log().includes('Cannot change network namespace at a reload - please restart halo'), 30_000)).toBe(true);
  expect(inNs('lb1')).toBe(true);
  halo.proc.kill('SIGTERM');
  expect(await halo.exited).toBe(0);
  expect(existsSync(haloPid)).toBe(false);
  expect(existsSync(dirname(haloPid))).toBe(false); // and halo its /run/halo/NS
  expect(inNs('lb1')).toBe(false);
});

test('a namespace that does not exist stops both with keepalived\'s lines', async () => {
  const missing = `nosuch-${TAG}`;
  const ka = start('keepalived', conf(missing, '192.168.81.12', 200));
  const halo = start('halo', conf(missing, '192.168.81.11', 100));
  await Promise.all([ka.exited, halo.exited]);
  for (const line of [`Failed to open /run/netns/${missing}`, `Unable to set network namespace ${missing} - exiting`]) {
    expect(ka.log()).toContain(line);
    expect(halo.log()).toContain(line);
  }
  // keepalived 2.2.7 exits 0 here; halo exits 1 so that systemd sees the failure
  expect(await halo.exited).toBe(1);
  expect(existsSync(`/run/halo/${missing}`)).toBe(false);
});
