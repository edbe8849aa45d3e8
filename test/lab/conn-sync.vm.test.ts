/**
 * `halo lab drill --conn-sync` (the kernel VM tier): long-lived TCP connections through the VIP
 * (slow HTTP downloads from the lab's web servers) over a crash failover of the thesis cluster.
 * The invariant, not a timing: with `lvs_sync_daemon eth1 VI_I` the backup's IPVS table holds
 * every connection before the master is killed and every download goes on through the new
 * master; without it every download breaks (reset by the new master, or stalled). The judging
 * itself is unit-tested in test/lab/flows.test.ts and conn-sync.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from '../../src/lab/cluster';
import { ConnSyncDrill, ConnSyncResult, formatConnSync } from '../../src/lab/conn-sync';
import { Drill } from '../../src/lab/drill';
import { describeNeeding, file, ipvsKernel, root, tool } from '../support/prerequisites';
import { HALO } from '../support/directors';

jest.setTimeout(1_200_000);

const d = describeNeeding(root, ipvsKernel, tool('nginx', 'nginx-light'), tool('named', 'bind9'), tool('curl'), tool('dig', 'bind9-dnsutils'),
  file(HALO, 'the built CLI dist/cli/main.js (npm run build)'));

d('halo lab drill --conn-sync (kernel VM)', () => {
  let dir: string;
  let cluster: Cluster;
  let drill: Drill;
  let result: ConnSyncResult;
  const lines: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'halo-labcs-'));
    cluster = new Cluster(dir);
    drill = new Drill(cluster, (l) => lines.push(l), { attempts: 1, bounds: 'report' });
    await drill.up();
    result = await new ConnSyncDrill(cluster, (l) => lines.push(l), 3).run();
    process.stdout.write(`${lines.join('\n')}\n${formatConnSync(result)}`);
  });
  afterAll(async () => {
    await drill?.close();
    await cluster?.down();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('with lvs_sync_daemon: every connection reached the backup\'s table, and every download went on through the new master', () => {
    const on = result.runs.find((r) => r.sync)!;
    expect(on.takenOver).toBe(true);
    expect(on.onBackupAtFault).toBe(3);
    expect(on.flows.map((f) => f.outcome)).toEqual(['survived', 'survived', 'survived']);
    for (const f of on.flows) expect(f.bytesAfterTakeover).toBeGreaterThan(0);
  });

  it('without it: the backup never held them, and every download broke', () => {
    const off = result.runs.find((r) => !r.sync)!;
    expect(off.takenOver).toBe(true);
    expect(off.onBackupAtFault).toBe(0);
    expect(off.flows.map((f) => f.outcome === 'broken' || f.outcome === 'stalled')).toEqual([true, true, true]);
    expect(off.survived).toBe(0);
  });

  it('the drill reports no violation and ends with lb1 master on the example configs', () => {
    expect(result.violations).toEqual([]);
    expect(cluster.directorConfig('lb1')).toBe(cluster.exampleConfig('lb1'));
    expect(Object.values(cluster.vipHolders()).every((h) => h.length === 1 && h[0] === 'lb1')).toBe(true);
  });
});
