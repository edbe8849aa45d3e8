/**
 * lvs_timeouts (issue 12 §3) beside Debian's keepalived 2.2.7, in the kernel VM: the same config
 * in two namespaces (IPVS timeouts are per network namespace), `ipvsadm -L --timeout` read in
 * each while the director runs, after a reload that drops the keyword, and after the stop: the
 * same values on both every time.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directors, HALO, RunningDirector, waitFor } from '../support/directors';
import { Topology } from '../support/netns';
import { describeNeeding, file, ipvsKernel, root, tool } from '../support/prerequisites';

jest.setTimeout(240_000);

const built = file(HALO, 'the built CLI dist/cli/main.js (npm run build)');
const d = describeNeeding(root, built, ipvsKernel, tool('ipvsadm'), tool('keepalived'));

const conf = (timeouts: string | null) => [
  'global_defs {', '    router_id lb', ...(timeouts ? [`    lvs_timeouts ${timeouts}`] : []), '}',
  'virtual_server 192.168.1.202 80 {', '    delay_loop 1', '    lb_algo rr', '    lb_kind NAT', '    protocol TCP',
  '    real_server 10.0.100.2 80 {', '        weight 1', '    }', '}', '',
].join('\n');

d('lvs_timeouts beside keepalived 2.2.7 (kernel VM)', () => {
  let topo: Topology;
  let dirs: Directors;
  let tmp: string;
  const HOSTS = ['halo', 'ka'] as const;

  beforeAll(() => {
    topo = new Topology('trkto-').build(['br0'], [
      { name: 'halo', links: [['br0', '10.0.100.1/24']] },
      { name: 'ka', links: [['br0', '10.0.100.11/24']] },
    ]);
    tmp = mkdtempSync(join(tmpdir(), 'trk-to-'));
    dirs = new Directors(topo, tmp);
  });
  afterAll(async () => {
    await dirs.stopAll();
    topo.destroy();
    rmSync(tmp, { recursive: true, force: true });
  });

  const timeouts = (host: string): string => topo.exec(host, ['ipvsadm', '-L', '--timeout']).trim();
  const services = (host: string): string => topo.exec(host, ['ipvsadm', '-Ln']);

  test('set at start, put back when the keyword goes (reload) and at stop; same as keepalived', async () => {
    const before = HOSTS.map((h) => timeouts(h));
    expect(before[0]).toBe('Timeout (tcp tcpfin udp): 900 120 300');
    expect(before[1]).toBe(before[0]);
    const runs: Record<string, RunningDirector> = {
      halo: dirs.halo('halo', conf('tcp 7200 udp 60')),
      ka: dirs.keepalived('ka', conf('tcp 7200 udp 60')),
    };
    // both running: their service is in the table, and the timeouts are set
    for (const h of HOSTS) expect(await waitFor(() => services(h).includes('192.168.1.202:80'), 60_000, 200)).toBe(true);
    expect(await waitFor(() => HOSTS.every((h) => timeouts(h) === 'Timeout (tcp tcpfin udp): 7200 120 60'), 30_000, 200)).toBe(true);

    // a reload without lvs_timeouts puts the kernel's values back
    for (const h of HOSTS) {
      writeFileSync(runs[h].confFile, conf(null));
      runs[h].signalMain('SIGHUP');
    }
    const restored = await waitFor(() => HOSTS.every((h) => timeouts(h) === 'Timeout (tcp tcpfin udp): 900 120 300'), 30_000, 200);
    expect([restored, HOSTS.map((h) => timeouts(h))]).toEqual([true, ['Timeout (tcp tcpfin udp): 900 120 300', 'Timeout (tcp tcpfin udp): 900 120 300']]);

    // set again, then stop: both put the originals back
    for (const h of HOSTS) {
      writeFileSync(runs[h].confFile, conf('tcpfin 30'));
      runs[h].signalMain('SIGHUP');
    }
    expect(await waitFor(() => HOSTS.every((h) => timeouts(h) === 'Timeout (tcp tcpfin udp): 900 30 300'), 30_000, 200)).toBe(true);
    await dirs.stopAll();
    expect(HOSTS.map((h) => timeouts(h))).toEqual(['Timeout (tcp tcpfin udp): 900 120 300', 'Timeout (tcp tcpfin udp): 900 120 300']);
  });
});
