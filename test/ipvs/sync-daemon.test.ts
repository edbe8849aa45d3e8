/**
 * lvs_sync_daemon's decisions (src/ipvs/sync-daemon.ts) and its driver's bookkeeping over a fake
 * kernel (src/daemon/sync-daemon.ts): roles per instance state, keepalived's stop-then-start
 * order, a reload with changed settings restarting the daemon, failures retried, residuals.
 */
import type { LvsSyncDaemon } from '../../src/config/model';
import type { IpvsDaemon } from '../../src/ipvs/codec';
import { daemonOf, syncDaemonOps, wantedRoles } from '../../src/ipvs/sync-daemon';
import { SyncDaemonDriver } from '../../src/daemon/sync-daemon';

const cfg = (over: Partial<LvsSyncDaemon> = {}): LvsSyncDaemon => ({ interface: 'eth1', instance: 'VI_1', syncId: 51, maxlen: null, port: null, ttl: null, group: null, ...over });

describe('lvs_sync_daemon decisions', () => {
  it('roles: master only while MASTER, backup in every other running state, none stopped; both without an instance', () => {
    expect(wantedRoles(cfg(), 'MASTER', true)).toEqual(['master']);
    for (const s of ['INIT', 'BACKUP', 'FAULT']) expect(wantedRoles(cfg(), s, true)).toEqual(['backup']);
    expect(wantedRoles(cfg(), 'STOP', true)).toEqual([]);
    expect(wantedRoles(cfg(), null, true)).toEqual([]);
    expect(wantedRoles(cfg(), 'MASTER', false)).toEqual([]);
    expect(wantedRoles(cfg({ instance: null }), null, true)).toEqual(['master', 'backup']);
    expect(wantedRoles(null, 'MASTER', true)).toEqual([]);
  });

  it('the kernel request carries the optional attributes only when configured', () => {
    expect(daemonOf(cfg(), 'backup')).toEqual({ state: 'backup', mcastInterface: 'eth1', syncId: 51 });
    expect(daemonOf(cfg({ maxlen: 1400, port: 8848, ttl: 2, group: '224.0.0.81' }), 'master')).toEqual({
      state: 'master', mcastInterface: 'eth1', syncId: 51, syncMaxLen: 1400, mcastPort: 8848, mcastTtl: 2, mcastGroup: '224.0.0.81',
    });
  });

  it('becoming MASTER stops the backup daemon before starting the master one; the reverse on leaving', () => {
    const c = cfg();
    expect(syncDaemonOps({ cfg: c, roles: ['backup'] }, { cfg: c, roles: ['master'] })).toEqual([
      { op: 'stop', role: 'backup', mcastInterface: 'eth1' },
      { op: 'start', daemon: daemonOf(c, 'master') },
    ]);
    expect(syncDaemonOps({ cfg: c, roles: ['master'] }, { cfg: c, roles: ['backup'] })).toEqual([
      { op: 'stop', role: 'master', mcastInterface: 'eth1' },
      { op: 'start', daemon: daemonOf(c, 'backup') },
    ]);
    expect(syncDaemonOps({ cfg: c, roles: ['backup'] }, { cfg: { ...c }, roles: ['backup'] })).toEqual([]);
  });

  it('changed settings (a reload) restart the running daemon with the new ones', () => {
    const before = cfg();
    const after = cfg({ interface: 'eth2', syncId: 7 });
    expect(syncDaemonOps({ cfg: before, roles: ['master'] }, { cfg: after, roles: ['master'] })).toEqual([
      { op: 'stop', role: 'master', mcastInterface: 'eth1' },
      { op: 'start', daemon: daemonOf(after, 'master') },
    ]);
    expect(syncDaemonOps({ cfg: before, roles: ['backup'] }, { cfg: null, roles: [] })).toEqual([{ op: 'stop', role: 'backup', mcastInterface: 'eth1' }]);
  });
});

describe('lvs_sync_daemon driver over a fake kernel', () => {
  function kernel(residual: IpvsDaemon[] = []) {
    const calls: string[] = [];
    const logs: string[] = [];
    let failStarts = 0;
    const running = new Map(residual.map((d) => [d.state, d]));
    const driver = new SyncDaemonDriver({
      open: async () => ({
        startDaemon: async (d) => {
          calls.push(`start ${d.state}`);
          if (failStarts > 0) {
            failStarts--;
            throw new Error(`starting ${d.state} sync daemon on ${d.mcastInterface}: ENODEV`);
          }
          if (running.has(d.state)) throw new Error(`starting ${d.state} sync daemon on ${d.mcastInterface}: EEXIST`);
          running.set(d.state, d);
        },
        stopDaemon: async (s) => {
          calls.push(`stop ${s}`);
          running.delete(s);
        },
        getDaemons: async () => [...running.values()],
        close: () => undefined,
      }),
      log: { info: (m) => logs.push(m), warning: (m) => logs.push(m), error: (m) => logs.push(m) },
    });
    return { calls, logs, driver, running, failNextStart: () => (failStarts = 1) };
  }

  it('a daemon left by a crashed run is stopped before the first start (no EEXIST)', async () => {
    const k = kernel([{ state: 'master', mcastInterface: 'eth1', syncId: 51 }]);
    k.driver.configure(cfg(), true);
    k.driver.follow('VI_1', 'BACKUP');
    k.driver.follow('VI_1', 'MASTER');
    await k.driver.settled();
    expect(k.calls).toEqual(['stop master', 'start backup', 'stop backup', 'start master']);
    expect(k.logs[0]).toBe('IPVS: stopping the residual master sync daemon on eth1 (syncid 51)');
    expect([...k.running.keys()]).toEqual(['master']);
  });

  it('a start the kernel refused is not counted as running: the next state change retries it', async () => {
    const k = kernel();
    k.driver.configure(cfg(), true);
    k.failNextStart();
    k.driver.follow('VI_1', 'BACKUP');
    await k.driver.settled();
    expect(k.driver.roles()).toEqual([]);
    expect(k.logs).toContain('IPVS: starting backup sync daemon on eth1: ENODEV');
    k.driver.follow('VI_1', 'FAULT');
    await k.driver.settled();
    expect(k.driver.roles()).toEqual(['backup']);
    expect([...k.running.keys()]).toEqual(['backup']);
  });

  it('other instances do not move it; without an instance both run until stop; inactive (the other process side) does nothing', async () => {
    const k = kernel();
    k.driver.configure(cfg(), true);
    k.driver.follow('VI_2', 'MASTER');
    await k.driver.settled();
    expect(k.calls).toEqual([]);
    k.driver.configure(cfg({ instance: null, syncId: 0 }), true);
    await k.driver.settled();
    expect(k.calls).toEqual(['start backup', 'start master']);
    await k.driver.stop();
    expect(k.calls.slice(2)).toEqual(['stop backup', 'stop master']);
    const idle = kernel();
    idle.driver.configure(cfg({ instance: null }), false);
    await idle.driver.settled();
    expect(idle.calls).toEqual([]);
  });
});
