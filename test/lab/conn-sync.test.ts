import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load';
import { flowPortBase, formatConnSync, runViolations, SYNC_DAEMON, withSyncDaemon } from '../../src/lab/conn-sync';
import type { FlowVerdict } from '../../src/lab/flows';
import { readFileSync } from 'node:fs';

const flow = (f: number, outcome: FlowVerdict['outcome'], end: string | null = 'stopped'): FlowVerdict => ({ f, port: 40000 + f, outcome, bytesBeforeFault: 65536, bytesAfterTakeover: outcome === 'survived' ? 32768 : 0, end });

describe('connection-sync drill (conn-sync.ts)', () => {
  it('the sync runs\' configs are the lab\'s with lvs_sync_daemon on the internal LAN, decided by VI_I', () => {
    const dir = mkdtempSync(join(tmpdir(), 'halo-cs-'));
    try {
      for (const name of ['master.conf', 'standby.conf', 'dualstack-master.conf']) {
        const base = readFileSync(join(__dirname, '..', '..', 'deploy', 'examples', name), 'utf8');
        const f = join(dir, name);
        writeFileSync(f, withSyncDaemon(base));
        const r = loadConfig(f);
        expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
        expect(r.model!.globalDefs.lvsSyncDaemon).toMatchObject({ interface: 'eth1', instance: 'VI_I', syncId: 52 });
        expect(loadConfig(join(__dirname, '..', '..', 'deploy', 'examples', name)).model!.globalDefs.lvsSyncDaemon).toBeNull();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(SYNC_DAEMON).toBe('lvs_sync_daemon eth1 VI_I');
  });

  it('with sync every flow must survive, having reached the backup\'s table first', () => {
    expect(runViolations({ sync: true, flows: [flow(0, 'survived'), flow(1, 'survived')], onBackupAtFault: 2, takenOver: true })).toEqual([]);
    expect(runViolations({ sync: true, flows: [flow(0, 'survived'), flow(1, 'broken', 'ECONNRESET')], onBackupAtFault: 2, takenOver: true }))
      .toEqual(['with lvs_sync_daemon: 1 of 2 long-lived connections broke in the crash failover (ECONNRESET ×1)']);
    expect(runViolations({ sync: true, flows: [flow(0, 'survived')], onBackupAtFault: 0, takenOver: true })[0]).toMatch(/only 0 of 1 connections had reached the backup/);
  });

  it('without sync no flow may survive; a stall is a break', () => {
    expect(runViolations({ sync: false, flows: [flow(0, 'broken', 'ECONNRESET'), flow(1, 'stalled')], onBackupAtFault: 0, takenOver: true })).toEqual([]);
    expect(runViolations({ sync: false, flows: [flow(0, 'survived')], onBackupAtFault: 0, takenOver: true })[0]).toMatch(/1 of 1 long-lived connections survived/);
  });

  it('a run that measured nothing is a violation either way', () => {
    expect(runViolations({ sync: false, flows: [flow(0, 'broken')], onBackupAtFault: 0, takenOver: false })[0]).toMatch(/did not take every VIP over/);
    expect(runViolations({ sync: false, flows: [flow(0, 'not-established', null)], onBackupAtFault: 0, takenOver: true })[0]).toMatch(/1 of 1 flows were not streaming/);
  });

  it('reports both runs, flow by flow', () => {
    const text = formatConnSync({
      flows: 1, service: '192.168.1.202:80', syncDaemon: SYNC_DAEMON, violations: [],
      runs: [
        { sync: true, flows: [flow(0, 'survived')], onBackupAtFault: 1, takenOver: true, survived: 1, broke: 0, ends: {}, violations: [] },
        { sync: false, flows: [flow(0, 'broken', 'ECONNRESET')], onBackupAtFault: 0, takenOver: true, survived: 0, broke: 1, ends: { ECONNRESET: 1 }, violations: [] },
      ],
    });
    expect(text).toContain('with lvs_sync_daemon eth1 VI_I       1/1 on lb2 before the crash, lb2 took every VIP over; 1 survived, 0 broke');
    expect(text).toContain('without lvs_sync_daemon              0/1 on lb2 before the crash, lb2 took every VIP over; 0 survived, 1 broke (ECONNRESET ×1)');
    expect(text).toContain('flow 0 port 40000: broken, 64 KiB before the fault, 0 KiB after the takeover, ended ECONNRESET');
  });
});

describe("the flows' local ports", () => {
  it('each run its own block below the ephemeral range (32768 up), with and without sync apart', () => {
    for (const r of [0, 0.37, 0.999999]) {
      const on = flowPortBase(true, 4, () => r);
      const off = flowPortBase(false, 4, () => r);
      for (const b of [on, off]) {
        expect(b).toBeGreaterThanOrEqual(20_000);
        expect(b + 4).toBeLessThan(32_768);
      }
      // the two runs' ports never meet
      expect(Math.abs(on - off)).toBeGreaterThanOrEqual(4);
    }
    // another drill most likely gets another block
    expect(flowPortBase(true, 4, () => 0.1)).not.toBe(flowPortBase(true, 4, () => 0.6));
  });
});
