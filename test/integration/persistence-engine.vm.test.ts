/**
 * persistence_engine beside Debian's keepalived 2.2.7, in the kernel VM: the same config in two
 * namespaces; both kernels' services carry the SIP persistence engine (ipvsadm shows `pe sip`),
 * the tables are the same, and `halo ipvs -L -n` lists it as ipvsadm does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directors, HALO, RunningDirector, waitFor } from '../support/directors';
import { Topology } from '../support/netns';
import { describeNeeding, file, ipvsKernel, root, tool } from '../support/prerequisites';

jest.setTimeout(240_000);

const built = file(HALO, 'the built CLI dist/cli/main.js (npm run build)');
const d = describeNeeding(root, built, ipvsKernel, tool('ipvsadm'), tool('keepalived'));

const CONF = [
  'virtual_server 192.168.1.50 5060 {', '  protocol UDP', '  lb_algo rr', '  lb_kind NAT', '  persistence_timeout 120', '  persistence_engine sip',
  '  real_server 10.0.100.2 5060 {', '  }', '}', '',
].join('\n');

type Host = 'halo' | 'ka';
const HOSTS: Host[] = ['halo', 'ka'];

d('persistence_engine beside keepalived 2.2.7 (kernel VM)', () => {
  let topo: Topology;
  let dirs: Directors;
  let tmp: string;

  beforeAll(() => {
    topo = new Topology('ipvspe-').build(['br0'], [
      { name: 'halo', links: [['br0', '10.0.100.1/24']] },
      { name: 'ka', links: [['br0', '10.0.100.11/24']] },
    ]);
    tmp = mkdtempSync(join(tmpdir(), 'ipvs-pe-'));
    dirs = new Directors(topo, tmp);
  });
  afterAll(async () => {
    await dirs?.stopAll();
    topo?.destroy();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const listing = (h: Host) => topo.exec(h, ['ipvsadm', '-Ln']).trim();
  const saved = (h: Host) => topo.exec(h, ['ipvsadm', '-Sn']).trim();

  test("the service's persistence engine is sip under both, and halo ipvs lists it as ipvsadm", async () => {
    const runs: Record<Host, RunningDirector> = { halo: dirs.halo('halo', CONF), ka: dirs.keepalived('ka', CONF) };
    for (const h of HOSTS) {
      if (!(await waitFor(() => listing(h).includes('10.0.100.2:5060'), 120_000, 200))) throw new Error(`${h}: no service:\n${listing(h)}\n${runs[h].log()}`);
    }
    console.log(`keepalived's table:\n${listing('ka')}`);
    expect(listing('ka')).toMatch(/UDP {2}192\.168\.1\.50:5060 rr persistent 120 pe sip/);
    expect(listing('halo')).toBe(listing('ka'));
    expect(saved('halo')).toBe(saved('ka'));
    expect(topo.exec('halo', [process.execPath, HALO, 'ipvs', '-L', '-n']).trim()).toBe(listing('halo'));
  });
});
