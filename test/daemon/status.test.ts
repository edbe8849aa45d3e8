import { formatStatus, StatusSnapshot } from '../../src/daemon/status';
import { main as statusMain } from '../../src/cli/status';
import { startControlServer } from '../../src/daemon/control';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const snap: StatusSnapshot = {
  pid: 1234,
  configFile: '/etc/keepalived/keepalived.conf',
  startedAt: '2026-11-22T10:00:00.000Z',
  reloads: { ok: 2, failed: 1, lastError: 'a.conf:3:5: error: bad' },
  instances: [
    {
      name: 'VI_E', interface: 'eth0', virtualRouterId: 51, version: 2, state: 'MASTER',
      since: '2026-11-22T10:00:04.000Z', basePriority: 150, effectivePriority: 150,
      masterAddress: '192.168.1.101', advertIntMs: 1000, vips: ['192.168.1.200/32'], vipsHeld: true,
      syncGroup: 'VG1', advertsSent: 100, advertsReceived: 3, becameMaster: 1, releasedMaster: 0,
      drops: { 'bad-auth': 2, 'bad-ttl': 0 },
    },
  ],
  syncGroups: [{ name: 'VG1', members: ['VI_E', 'VI_I'], state: 'MASTER' }],
  virtualServers: [
    {
      service: 'TCP 192.168.1.202:80', scheduler: 'rr', quorumUp: true,
      realServers: [
        { address: '10.0.100.2', port: 80, healthy: true, kernelWeight: 1, configuredWeight: 1, lastCheck: { at: '2026-11-22T10:01:38.000Z', ok: true, detail: '' } },
        { address: '10.0.100.3', port: 80, healthy: false, kernelWeight: null, configuredWeight: 1, lastCheck: { at: '2026-11-22T10:01:39.000Z', ok: false, detail: 'ECONNREFUSED' } },
      ],
    },
  ],
};

describe('halo status', () => {
  it('lists the BFD sessions with their drops and late timers', () => {
    const text = formatStatus({
      ...snap, instances: [], syncGroups: [], virtualServers: [],
      bfd: {
        sessions: [{ name: 'frr', neighbor: '10.0.0.1', state: 'Up', remoteState: 'Up', localDiag: 'No Diagnostic', txIntervalMs: 300, detectTimeMs: 900 }],
        drops: { 'no-session': 2 }, stalls: 1,
      },
    }, new Date('2026-11-22T10:01:40.000Z'));
    expect(text.split('\n').slice(-4)).toEqual([
      'BFD sessions',
      '  frr: Up (remote Up)  neighbor 10.0.0.1  tx 300 ms  detect 900 ms  diag No Diagnostic',
      '  drops no-session=2; late timers 1',
      '',
    ]);
  });

  it('renders instances, groups and virtual servers for an operator', () => {
    expect(formatStatus(snap, new Date('2026-11-22T10:01:40.000Z'))).toBe(
      [
        'halo pid 1234, config /etc/keepalived/keepalived.conf, up since 2026-11-22T10:00:00.000Z',
        'reloads: 2 ok, 1 failed (last: a.conf:3:5: error: bad)',
        '',
        'VRRP instances',
        '  VI_E: MASTER for 1m36s  eth0 vrid 51 v2 prio 150 advert 1s master 192.168.1.101 group VG1',
        '    VIPs held: 192.168.1.200/32',
        '    adverts sent 100 received 3; became master 1, released 0; drops bad-auth=2',
        '',
        'Sync groups',
        '  VG1: MASTER  members VI_E VI_I',
        '',
        'Virtual servers',
        '  TCP 192.168.1.202:80 rr',
        '    -> 10.0.100.2:80 UP  weight 1/1  last check ok 2s ago',
        '    -> 10.0.100.3:80 DOWN  not in table  last check failed 1s ago (ECONNREFUSED)',
        '',
      ].join('\n'),
    );
  });

  it('a FAULT instance says why (here its VRRP socket), and a lost quorum is shown', () => {
    const fault = {
      ...snap,
      instances: [{ ...snap.instances[0], state: 'FAULT' as const, vipsHeld: false, faultReasons: ['VRRP socket on eth0 failed: interface eth0 removed'] }],
      virtualServers: [{ ...snap.virtualServers[0], quorumUp: false }],
    };
    const text = formatStatus(fault, new Date('2026-11-22T10:01:40.000Z')).split('\n');
    expect(text.slice(4, 6)).toEqual([
      '  VI_E: FAULT for 1m36s  eth0 vrid 51 v2 prio 150 advert 1s master 192.168.1.101 group VG1',
      '    fault: VRRP socket on eth0 failed: interface eth0 removed',
    ]);
    expect(text).toContain('  TCP 192.168.1.202:80 rr  QUORUM LOST');
  });

  describe('CLI', () => {
    let dir: string;
    let out: jest.SpyInstance;
    let err: jest.SpyInstance;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'halo-st-'));
      out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
      err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    });
    afterEach(() => {
      out.mockRestore();
      err.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    });

    it('exits 3 with one line when no daemon runs', async () => {
      expect(await statusMain(['--control-socket', join(dir, 'none.sock')])).toBe(3);
      expect(err.mock.calls.map((c) => c[0]).join('')).toBe(`halo status: no halo daemon is running (nothing listens on ${join(dir, 'none.sock')})\n`);
    });

    it('prints the JSON snapshot with --json', async () => {
      const path = join(dir, 'h.sock');
      const server = await startControlServer(path, () => snap);
      try {
        expect(await statusMain(['--json', '--control-socket', path])).toBe(0);
        expect(JSON.parse(out.mock.calls.map((c) => c[0]).join(''))).toEqual(snap);
      } finally {
        await server.close();
      }
    });

    it('exits 2 on an unknown option', async () => {
      expect(await statusMain(['--bogus'])).toBe(2);
    });
  });
});
