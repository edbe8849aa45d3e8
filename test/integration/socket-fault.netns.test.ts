/**
 * A VRRP socket that stops working (issue 12 §7): the MASTER's interface is deleted and created
 * again under the same name. The raw socket stays bound to the dead interface index, so a
 * daemon that only logged would come back MASTER deaf and mute: both directors holding the VIP.
 * halo puts the instance in FAULT, reopens the socket on the new index with backoff, and the
 * pair converges again with one VIP holder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controlCall } from '../../src/daemon/control';
import type { StatusSnapshot } from '../../src/daemon/status';
import { Directors, holds, RunningDirector, waitFor, waitSoleHolder } from '../support/directors';
import { sh, Topology } from '../support/netns';
import { conf, instance } from './vrrp-conf';

jest.setTimeout(90_000);

const VIP = '192.168.77.200';
const LBS = ['lb1', 'lb2'];
const fast = { version: 3 as const, advertInt: 0.1 };
let topo: Topology;
let dirs: Directors;
let tmp: string;

beforeAll(() => {
  topo = new Topology('runtime-sf-').build(['br0'], [
    { name: 'lb1', links: [['br0', '192.168.77.11/24']] },
    { name: 'lb2', links: [['br0', '192.168.77.12/24']] },
  ]);
  tmp = mkdtempSync(join(tmpdir(), 'runtime-sf-'));
  dirs = new Directors(topo, tmp);
});
afterAll(async () => {
  await dirs.stopAll();
  topo.destroy();
  rmSync(tmp, { recursive: true, force: true });
});

async function faultReasons(d: RunningDirector): Promise<string[]> {
  const r = await controlCall(d.socket, { cmd: 'status' });
  return r.ok ? (r.result as StatusSnapshot).instances[0]?.faultReasons ?? [] : [];
}

async function state(d: RunningDirector): Promise<string | null> {
  const r = await controlCall(d.socket, { cmd: 'status' });
  return r.ok ? (r.result as StatusSnapshot).instances[0]?.state ?? null : null;
}

test('the MASTER\'s interface deleted and recreated: FAULT, the socket reopened on the new index, one VIP holder again', async () => {
  const a = dirs.halo('lb1', conf('lb1', instance({ ...fast, state: 'MASTER', priority: 150 })));
  await waitSoleHolder(topo, LBS, 'lb1', VIP, 10_000);
  const b = dirs.halo('lb2', conf('lb2', instance({ ...fast, priority: 100 })));
  expect(await waitFor(async () => (await state(b)) === 'BACKUP', 10_000)).toBe(true);
  const oldIndex = JSON.parse(topo.exec('lb1', ['ip', '-j', 'link', 'show', 'eth0']))[0].ifindex;

  // delete lb1's eth0 (the veth pair goes with it): lb2 takes over
  topo.exec('lb1', ['ip', 'link', 'del', 'eth0']);
  expect(await waitFor(async () => (await state(a)) === 'FAULT', 10_000)).toBe(true);
  await waitSoleHolder(topo, ['lb2'], 'lb2', VIP, 10_000);
  expect(await faultReasons(a)).toContain('VRRP socket on eth0 failed: interface eth0 removed');

  // recreate it under the same name (a new index), as the lab builder does
  const br = topo.ns('br');
  sh(['ip', 'link', 'add', 'runtime-sf0', 'netns', br, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', topo.ns('lb1')]);
  sh(['ip', '-n', br, 'link', 'set', 'runtime-sf0', 'master', 'br0', 'up']);
  topo.exec('lb1', ['ip', 'addr', 'add', '192.168.77.11/24', 'dev', 'eth0']);
  topo.exec('lb1', ['ip', 'link', 'set', 'eth0', 'up']);
  const newIndex = JSON.parse(topo.exec('lb1', ['ip', '-j', 'link', 'show', 'eth0']))[0].ifindex;
  expect(newIndex).not.toBe(oldIndex);

  // lb1 (150) must be heard again: it preempts, lb2 steps down, one holder
  await waitSoleHolder(topo, LBS, 'lb1', VIP, 20_000);
  expect(await waitFor(async () => (await state(b)) === 'BACKUP', 5_000)).toBe(true);
  // and it stays that way: lb2 keeps hearing lb1's adverts on the new socket
  await new Promise((r) => setTimeout(r, 1500));
  expect(holds(topo, 'lb2', VIP)).toBe(false);
  expect(await state(a)).toBe('MASTER');
  expect(a.log()).toMatch(/VRRP socket on eth0: interface eth0 removed; reopening/);
  expect(a.log()).toContain('VRRP socket on eth0 reopened');
});
