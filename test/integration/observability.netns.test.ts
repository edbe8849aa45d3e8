/**
 * What an operator sees of a running director: `halo status --json` over the root-only control
 * socket, and Prometheus metrics on the opt-in listen address.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { StatusSnapshot } from '../../src/daemon/status';
import { Directors, HALO, hearsMaster, statusOf, waitFor, waitInstance, waitSoleHolder } from '../support/directors';
import { Topology } from '../support/netns';
import { conf, instance } from './vrrp-conf';
import { describeNeeding, file, root, tool } from '../support/prerequisites';

jest.setTimeout(60_000);

const VIP = '192.168.77.200';
let topo: Topology;
let dirs: Directors;
let tmp: string;

/** Prometheus text exposition: one sample per line, `name{k="v",...} value`. */
function parseMetrics(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const out: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

const built = file(HALO, 'the built CLI dist/cli/main.js (npx tsc -p tsconfig.json)');
const d = describeNeeding(root, built, tool('promtool', 'prometheus'));

d('observability (netns)', () => {
  beforeAll(() => {
    topo = new Topology('hob-').build(['br0'], [
      { name: 'lb1', links: [['br0', '192.168.77.11/24']] },
      { name: 'lb2', links: [['br0', '192.168.77.12/24']] },
    ]);
    tmp = mkdtempSync(join(tmpdir(), 'halo-obs-'));
    dirs = new Directors(topo, tmp);
  });
  afterAll(async () => {
    await dirs.stopAll();
    topo.destroy();
    rmSync(tmp, { recursive: true, force: true });
  });

  describe('observability of a running director', () => {
    it('status --json and /metrics describe the same instance; the socket is root-only', async () => {
      const fast = { version: 3 as const, advertInt: 0.1 };
      const a = dirs.halo('lb1', conf('lb1', instance({ ...fast, state: 'MASTER', priority: 150 })), ['--metrics-listen', '127.0.0.1:9464']);
      await waitSoleHolder(topo, ['lb1', 'lb2'], 'lb1', VIP, 10_000);
      const b = dirs.halo('lb2', conf('lb2', instance({ ...fast, priority: 100 })));
      await waitInstance(b, 'VI_1', hearsMaster(6), 30_000, 'BACKUP hearing the master');
      expect(statSync(a.socket).mode & 0o777).toBe(0o600);
      expect(statSync(dirname(a.socket)).mode & 0o077).toBe(0);

      const st = JSON.parse(topo.exec('lb1', [process.execPath, HALO, 'status', '--json', '--control-socket', a.socket]));
      expect(st.instances).toEqual([
        expect.objectContaining({
          name: 'VI_1', interface: 'eth0', virtualRouterId: 51, version: 3, state: 'MASTER',
          basePriority: 150, effectivePriority: 150, masterAddress: '192.168.77.11', advertIntMs: 100,
          vips: ['192.168.77.200/24'], vipsHeld: true, becameMaster: 1,
        }),
      ]);
      expect(st.instances[0].advertsSent).toBeGreaterThan(5);
      const text = topo.exec('lb1', [process.execPath, HALO, 'status', '--control-socket', a.socket]);
      expect(text).toMatch(/VI_1: MASTER for \d+s {2}eth0 vrid 51 v3 prio 150 advert 0\.1s master 192\.168\.77\.11/);

      const metrics = topo.exec('lb1', ['curl', '-s', 'http://127.0.0.1:9464/metrics']);
      expect(metrics).toContain('halo_vrrp_instance_state{vrrp_instance="VI_1",interface="eth0",vrid="51",state="MASTER"} 1');
      expect(metrics).toContain('halo_vrrp_became_master_total{vrrp_instance="VI_1",interface="eth0",vrid="51"} 1');
      expect(metrics).toMatch(/halo_vrrp_adverts_sent_total\{vrrp_instance="VI_1",interface="eth0",vrid="51"\} \d+/);
      // Prometheus's own linter over the live endpoint: names, types, units, help
      const lint = topo.exec('lb1', ['sh', '-c', 'curl -s http://127.0.0.1:9464/metrics | promtool check metrics; echo rc=$?']);
      expect(lint.trim()).toBe('rc=0');
    });

    it('metrics through the real wiring: every figure is what status says, drops by the reason real packets earned, reloads by outcome', async () => {
      await dirs.stopAll();
      const v3 = { version: 3 as const, advertInt: 0.1 };
      // lb2 speaks VRRPv2 on the same VRID: every advert it sends is one lb1 refuses (and the
      // reason is production's own, whatever it is called)
      const a = dirs.halo('lb1', conf('lb1', instance({ ...v3, state: 'MASTER', priority: 150 }), instance({ ...v3, name: 'VI_2', vrid: 52, priority: 100, vips: ['192.168.77.202/24'] })), ['--metrics-listen', '127.0.0.1:9465']);
      await waitInstance(a, 'VI_1', (i) => i.state === 'MASTER', 30_000, 'MASTER');
      const b = dirs.halo('lb2', conf('lb2', instance({ version: 2, advertInt: 1, priority: 100, vips: ['192.168.77.201/24'] })));
      const dropped = (st: StatusSnapshot) => Object.values(st.instances[0].drops).reduce((x, y) => x + y, 0);
      expect(await waitFor(async () => dropped(await statusOf(a)) >= 2, 30_000, 100)).toBe(true);
      await waitInstance(b, 'VI_1', (i) => i.state === 'MASTER', 30_000, 'MASTER (it hears nobody it accepts)');

      // a failed and a good reload, for real
      const good = readFileSync(a.confFile, 'utf8');
      writeFileSync(a.confFile, 'vrrp_instance VI_1 {\n    virtual_router_id 300\n}\n');
      process.kill(a.proc.pid!, 'SIGHUP');
      expect(await waitFor(async () => (await statusOf(a)).reloads.failed === 1, 30_000, 100)).toBe(true);
      writeFileSync(a.confFile, good);
      process.kill(a.proc.pid!, 'SIGHUP');
      expect(await waitFor(async () => (await statusOf(a)).reloads.ok === 1, 30_000, 100)).toBe(true);

      const before = await statusOf(a);
      const text = topo.exec('lb1', ['curl', '-sf', 'http://127.0.0.1:9465/metrics']);
      const after = await statusOf(a);
      const metric = parseMetrics(text);
      const value = (name: string, labels: Record<string, string>): number => {
        const hit = metric.find((m) => m.name === name && Object.entries(labels).every(([k, v]) => m.labels[k] === v) && Object.keys(m.labels).length === Object.keys(labels).length);
        if (!hit) throw new Error(`no ${name}${JSON.stringify(labels)} in /metrics:\n${text}`);
        return hit.value;
      };
      /** A counter read between two status snapshots lies between their values. */
      const between = (got: number, lo: number, hi: number) => {
        expect(got).toBeGreaterThanOrEqual(lo);
        expect(got).toBeLessThanOrEqual(hi);
      };

      expect(before.instances.map((i) => i.name)).toEqual(['VI_1', 'VI_2']);
      for (const [k, i] of before.instances.entries()) {
        const j = after.instances[k];
        const inst = { vrrp_instance: i.name, interface: i.interface, vrid: String(i.virtualRouterId) };
        for (const s of ['INIT', 'BACKUP', 'MASTER', 'FAULT']) expect(value('halo_vrrp_instance_state', { ...inst, state: s })).toBe(i.state === s ? 1 : 0);
        expect(value('halo_vrrp_effective_priority', inst)).toBe(i.effectivePriority);
        between(value('halo_vrrp_adverts_sent_total', inst), i.advertsSent, j.advertsSent);
        between(value('halo_vrrp_adverts_received_total', inst), i.advertsReceived, j.advertsReceived);
        expect(value('halo_vrrp_became_master_total', inst)).toBe(i.becameMaster);
        expect(value('halo_vrrp_released_master_total', inst)).toBe(i.releasedMaster);
        for (const [reason, n] of Object.entries(i.drops)) between(value('halo_vrrp_packets_dropped_total', { ...inst, reason }), n, j.drops[reason]);
      }
      // the drop reasons in /metrics are exactly the ones status knows, nothing invented
      const reasons = new Set(metric.filter((m) => m.name === 'halo_vrrp_packets_dropped_total').map((m) => m.labels.reason));
      expect([...reasons].sort()).toEqual(Object.keys(before.instances[0].drops).sort());
      expect(value('halo_reloads_total', { outcome: 'ok' })).toBe(1);
      expect(value('halo_reloads_total', { outcome: 'failed' })).toBe(1);
      // no LVS side configured: no real-server series
      expect(metric.filter((m) => m.name === 'halo_real_server_up')).toEqual([]);
    });

    it('says plainly when no daemon runs (exit 3)', () => {
      const r = topo.exec('lb1', ['sh', '-c', `${process.execPath} ${HALO} status --control-socket ${tmp}/none.sock; echo rc=$?`]);
      expect(r).toContain('rc=3');
    });
  });
});
