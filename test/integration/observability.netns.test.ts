/**
 * What an operator sees of a running director: `halo status --json` over the root-only control
 * socket, and Prometheus metrics on the opt-in listen address.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Directors, HALO, hearsMaster, waitInstance, waitSoleHolder } from '../support/directors';
import { Topology } from '../support/netns';
import { conf, instance } from './vrrp-conf';
import { describeNeeding, file, root } from '../support/prerequisites';

jest.setTimeout(60_000);

const VIP = '192.168.77.200';
let topo: Topology;
let dirs: Directors;
let tmp: string;

const built = file(HALO, 'the built CLI dist/cli/main.js (npx tsc -p tsconfig.json)');
const d = describeNeeding(root, built);

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
      expect(metrics).toContain('halo_vrrp_instance_state{instance="VI_1",state="MASTER"} 1');
      expect(metrics).toContain('halo_vrrp_became_master_total{instance="VI_1"} 1');
      expect(metrics).toMatch(/halo_vrrp_adverts_sent_total\{instance="VI_1"\} \d+/);
    });

    it('says plainly when no daemon runs (exit 3)', () => {
      const r = topo.exec('lb1', ['sh', '-c', `${process.execPath} ${HALO} status --control-socket ${tmp}/none.sock; echo rc=$?`]);
      expect(r).toContain('rc=3');
    });
  });
});
