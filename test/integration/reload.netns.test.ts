/**
 * SIGHUP reloads (issue: live reload without flaps). keepalived issues #2159 and #349 report VIPs
 * switching on reload; halo applies only the difference and never stalls its adverts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controlCall } from '../../src/daemon/control';
import type { StatusSnapshot } from '../../src/daemon/status';
import { Directors, HALO, holds, RunningDirector, waitFor, waitSoleHolder } from '../support/directors';
import { Topology } from '../support/netns';
import { conf, instance } from './vrrp-conf';
import { describeNeeding, file, root } from '../support/prerequisites';

jest.setTimeout(90_000);

const VIP = '192.168.77.200';
const LBS = ['lb1', 'lb2'];
const fast = { version: 3 as const, advertInt: 0.1 };
let topo: Topology;
let dirs: Directors;
let tmp: string;

const built = file(HALO, 'the built CLI dist/cli/main.js (npx tsc -p tsconfig.json)');
const d = describeNeeding(root, built);

d('reload (netns)', () => {
  beforeAll(() => {
    topo = new Topology('hrl-').build(['br0'], [
      { name: 'lb1', links: [['br0', '192.168.77.11/24']] },
      { name: 'lb2', links: [['br0', '192.168.77.12/24']] },
    ]);
  });
  afterAll(() => topo.destroy());
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'halo-reload-'));
    dirs = new Directors(topo, tmp);
  });
  afterEach(async () => {
    await dirs.stopAll();
    for (const h of LBS) for (const a of ['200', '201', '202', '210']) topo.exec(h, ['ip', 'addr', 'del', `192.168.77.${a}/24`, 'dev', 'eth0'], { allowFail: true });
    rmSync(tmp, { recursive: true, force: true });
  });

  async function status(d: RunningDirector): Promise<StatusSnapshot> {
    const r = await controlCall(d.socket, { cmd: 'status' });
    if (!r.ok) throw new Error(r.error);
    return r.result as StatusSnapshot;
  }

  /** SIGHUP to the supervisor only (it forwards to the worker), then wait for the outcome line. */
  async function reload(d: RunningDirector, outcome: RegExp): Promise<void> {
    const before = d.log().length;
    process.kill(d.proc.pid!, 'SIGHUP');
    if (!(await waitFor(() => outcome.test(d.log().slice(before)), 30_000, 50))) throw new Error(`no ${outcome} in log:\n${d.log().slice(before)}`);
  }

  function monitor(host: string): { events(): string[]; stop(): void } {
    const p = topo.spawn(host, ['ip', '-o', 'monitor', 'address']);
    let out = '';
    p.stdout!.on('data', (c) => (out += c));
    return { events: () => out.split('\n').filter((l) => l.includes('inet ')), stop: () => p.kill('SIGTERM') };
  }

  async function masterPair(c1: string): Promise<[RunningDirector, RunningDirector]> {
    const a = dirs.halo('lb1', c1);
    await waitSoleHolder(topo, LBS, 'lb1', VIP, 10_000);
    const b = dirs.halo('lb2', conf('lb2', instance({ ...fast, priority: 100 })));
    await new Promise((r) => setTimeout(r, 800));
    return [a, b];
  }

  describe('reload (SIGHUP)', () => {
    it('an unchanged instance keeps its state and VIPs: no address event, no transition', async () => {
      const [a, b] = await masterPair(conf('lb1', instance({ ...fast, state: 'MASTER', priority: 150 })));
      const mon = monitor('lb1');
      await new Promise((r) => setTimeout(r, 300));
      await reload(a, /Reload finished/);
      await new Promise((r) => setTimeout(r, 1000));
      mon.stop();
      expect(mon.events()).toEqual([]);
      const st = await status(a);
      expect(st.instances[0]).toMatchObject({ state: 'MASTER', becameMaster: 1 });
      expect(st.reloads).toMatchObject({ ok: 1, failed: 0 });
      expect(a.log()).toContain('Reload: 1 instances unchanged, 0 updated, 0 added, 0 removed');
      expect(b.log()).not.toContain('Entering MASTER STATE');
    });

    it('changed VIPs are added and removed one by one while the instance stays MASTER', async () => {
      const [a] = await masterPair(conf('lb1', instance({ ...fast, state: 'MASTER', priority: 150, vips: ['192.168.77.200/24', '192.168.77.201/24'] })));
      expect(holds(topo, 'lb1', '192.168.77.201')).toBe(true);
      writeFileSync(a.confFile, conf('lb1', instance({ ...fast, state: 'MASTER', priority: 150, vips: ['192.168.77.200/24', '192.168.77.202/24'] })));
      await reload(a, /Reload finished/);
      expect(await waitFor(() => holds(topo, 'lb1', '192.168.77.202') && !holds(topo, 'lb1', '192.168.77.201'), 3000)).toBe(true);
      expect(holds(topo, 'lb1', VIP)).toBe(true);
      expect((await status(a)).instances[0]).toMatchObject({ state: 'MASTER', becameMaster: 1 });
    });

    it('new instances start and removed ones stop gracefully', async () => {
      const base = instance({ ...fast, state: 'MASTER', priority: 150 });
      const [a] = await masterPair(conf('lb1', base));
      writeFileSync(a.confFile, conf('lb1', base, instance({ ...fast, name: 'VI_2', vrid: 52, state: 'MASTER', priority: 150, vips: ['192.168.77.210/24'] })));
      await reload(a, /Reload finished/);
      expect(await waitFor(() => holds(topo, 'lb1', '192.168.77.210'), 5000)).toBe(true);
      writeFileSync(a.confFile, conf('lb1', base));
      await reload(a, /Reload finished/);
      expect(await waitFor(() => !holds(topo, 'lb1', '192.168.77.210'), 3000)).toBe(true);
      expect(holds(topo, 'lb1', VIP)).toBe(true);
      expect((await status(a)).instances.map((i) => i.name)).toEqual(['VI_1']);
    });

    it('a broken config is reported with its location and the old one keeps running', async () => {
      const [a, b] = await masterPair(conf('lb1', instance({ ...fast, state: 'MASTER', priority: 150 })));
      writeFileSync(a.confFile, 'vrrp_instance VI_1 {\n    virtual_router_id 300\n    priority 150\n}\n');
      await reload(a, /Reload of .* failed/);
      expect(a.log()).toMatch(new RegExp(`${a.confFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:\\d+: error: `));
      const st = await status(a);
      expect(st.reloads.failed).toBe(1);
      expect(st.instances[0]).toMatchObject({ state: 'MASTER', becameMaster: 1 });
      expect(holds(topo, 'lb1', VIP)).toBe(true);
      expect(b.log()).not.toContain('Entering MASTER STATE');
    });

    it('a 100,000-line config reloads while adverts keep leaving every 100 ms: the backup never leaves BACKUP', async () => {
      const lines: string[] = [];
      // -P: VRRP only, so the virtual servers are parsed, built and diffed but need no IPVS
      for (let i = 0; lines.length < 100_000; i++) {
        const o = (i >> 8) & 255;
        const p = i & 255;
        lines.push(`virtual_server 10.${o}.${p}.1 80 {`, '    lb_algo rr', '    lb_kind NAT', '    protocol TCP');
        for (let r = 2; r < 6; r++) lines.push(`    real_server 10.${o}.${p}.${r} 80 {`, '        weight 1', '        TCP_CHECK {', '            connect_timeout 3', '        }', '    }');
        lines.push('}');
      }
      const big = conf('lb1', instance({ ...fast, state: 'MASTER', priority: 150 }), lines.join('\n'));
      const a = dirs.halo('lb1', big, ['-P']);
      await waitSoleHolder(topo, LBS, 'lb1', VIP, 30_000);
      const b = dirs.halo('lb2', conf('lb2', instance({ ...fast, priority: 100 })));
      await new Promise((r) => setTimeout(r, 1000));
      const t0 = Date.now();
      await reload(a, /Reload finished/);
      const took = Date.now() - t0;
      await new Promise((r) => setTimeout(r, 500));
      expect(took).toBeGreaterThan(300); // the reload really was longer than 3 advert intervals
      expect(b.log()).not.toContain('Entering MASTER STATE');
      expect(holds(topo, 'lb2', VIP)).toBe(false);
    });
  });
});
