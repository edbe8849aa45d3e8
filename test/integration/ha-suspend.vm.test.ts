/**
 * ha_suspend beside Debian's keepalived 2.2.7, in the kernel VM (keepalived's checker process
 * needs IPVS): the same config in two namespaces, a real server counting the TCP_CHECK
 * connections of each by source address. Without the virtual server's address on the host, both
 * log "Deactivating healthchecker" and send no probe; with it, both log "Activating" and probe;
 * when it goes, both log "Suspending" and stop probing. The IPVS table is the same throughout.
 */
import { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directors, HALO, RunningDirector, waitFor } from '../support/directors';
import { Topology } from '../support/netns';
import { describeNeeding, file, ipvsKernel, root, tool } from '../support/prerequisites';

jest.setTimeout(240_000);

const built = file(HALO, 'the built CLI dist/cli/main.js (npm run build)');
const d = describeNeeding(root, built, ipvsKernel, tool('ipvsadm'), tool('keepalived'));

const VIP = '192.168.1.202';
const CONF = [
  'virtual_server 192.168.1.202 80 {', '    delay_loop 1', '    lb_algo rr', '    lb_kind NAT', '    protocol TCP', '    ha_suspend',
  '    real_server 10.0.100.2 80 {', '        weight 1', '        TCP_CHECK {', '            connect_timeout 1', '        }', '    }', '}', '',
].join('\n');
const SOURCES = { halo: '10.0.100.1', ka: '10.0.100.11' } as const;
type Host = keyof typeof SOURCES;
const HOSTS: Host[] = ['halo', 'ka'];
const LINE = (verb: string) => `${verb} healthchecker for service [10.0.100.2]:tcp:80 for VS [192.168.1.202]:tcp:80`;

d('ha_suspend beside keepalived 2.2.7 (kernel VM)', () => {
  let topo: Topology;
  let dirs: Directors;
  let tmp: string;
  let server: ChildProcess;
  const probes: Record<string, number> = {};

  beforeAll(async () => {
    topo = new Topology('hasus-').build(['br0'], [
      { name: 'halo', links: [['br0', '10.0.100.1/24']] },
      { name: 'ka', links: [['br0', '10.0.100.11/24']] },
      { name: 'rs', links: [['br0', '10.0.100.2/24']] },
    ]);
    tmp = mkdtempSync(join(tmpdir(), 'ha-suspend-'));
    dirs = new Directors(topo, tmp);
    // the real server: one line per connection, its source address
    const js = "require('net').createServer((s) => { console.log(s.remoteAddress); s.destroy(); }).listen(80, '10.0.100.2', () => console.log('listening'));";
    server = topo.spawn('rs', [process.execPath, '-e', js], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    server.stdout!.on('data', (c) => {
      buf += c;
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) probes[l.replace(/^::ffff:/, '')] = (probes[l.replace(/^::ffff:/, '')] ?? 0) + 1;
    });
    if (!(await waitFor(() => probes.listening === 1, 20_000, 50))) throw new Error('the real server did not start');
  });
  afterAll(async () => {
    await dirs.stopAll();
    server?.kill('SIGKILL');
    topo.destroy();
    rmSync(tmp, { recursive: true, force: true });
  });

  const count = (h: Host) => probes[SOURCES[h]] ?? 0;
  const table = (h: Host) => topo.exec(h, ['ipvsadm', '-Sn']).trim();
  const logged = (r: RunningDirector, verb: string) => r.log().split('\n').filter((l) => l.endsWith(LINE(verb))).length;

  test('suspended without the address, probing with it, suspended again when it goes; as keepalived', async () => {
    const runs: Record<Host, RunningDirector> = { halo: dirs.halo('halo', CONF), ka: dirs.keepalived('ka', CONF) };
    for (const h of HOSTS) {
      const ok = await waitFor(() => logged(runs[h], 'Deactivating') === 1 && table(h).includes('10.0.100.2:80'), 60_000, 100);
      if (!ok) throw new Error(`${h}: no 'Deactivating' line or no table:\n${table(h)}\n${runs[h].log()}`);
    }
    expect(table('halo')).toBe(table('ka'));
    // three delay_loops without the address: no probe from either
    const t0 = Date.now();
    await waitFor(() => Date.now() - t0 > 3500, 5000, 100);
    expect(HOSTS.map((h) => count(h))).toEqual([0, 0]);

    for (const h of HOSTS) topo.exec(h, ['ip', 'addr', 'add', `${VIP}/32`, 'dev', 'eth0']);
    for (const h of HOSTS) {
      const ok = await waitFor(() => logged(runs[h], 'Activating') === 1 && count(h) >= 2, 30_000, 100);
      if (!ok) throw new Error(`${h}: not activated (probes ${count(h)}):\n${runs[h].log()}`);
    }

    for (const h of HOSTS) topo.exec(h, ['ip', 'addr', 'del', `${VIP}/32`, 'dev', 'eth0']);
    for (const h of HOSTS) {
      const ok = await waitFor(() => logged(runs[h], 'Suspending') === 1, 30_000, 100);
      if (!ok) throw new Error(`${h}: not suspended:\n${runs[h].log()}`);
    }
    // at most a probe already under way when the address went, then none
    const after = { halo: count('halo'), ka: count('ka') };
    const t1 = Date.now();
    await waitFor(() => Date.now() - t1 > 3500, 5000, 100);
    for (const h of HOSTS) expect(count(h) - after[h]).toBeLessThanOrEqual(1);
    // the real server stayed in the table all along (a suspended checker changes nothing)
    expect(table('halo')).toBe(table('ka'));
    expect(table('halo')).toContain('-a -t 192.168.1.202:80 -r 10.0.100.2:80 -m -w 1');
  });
});
