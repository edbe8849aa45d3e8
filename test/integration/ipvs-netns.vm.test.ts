/**
 * net_namespace_ipvs NAME beside Debian's keepalived 2.2.7 (the kernel VM tier): each director
 * runs in its own namespace, checks its real server from there, and programs the IPVS table of
 * another namespace (/var/run/netns/NAME, keepalived's set_netns_name around its IPVS socket).
 * The table must be in that namespace, the same for both (`ipvsadm -Sn`), and nothing in the
 * director's own; the real server leaves it when its checker fails, and the table is emptied at
 * stop.
 */
import { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directors, HALO, RunningDirector, waitFor } from '../support/directors';
import { Topology } from '../support/netns';
import { describeNeeding, file, ipvsKernel, root, tool } from '../support/prerequisites';

jest.setTimeout(600_000);

const RS = '10.0.125.20';
let topo: Topology;
let dirs: Directors;
let tmp: string;
let listener: ChildProcess | null = null;

function conf(ipvsNs: string): string {
  return [
    `net_namespace_ipvs ${ipvsNs}`,
    'global_defs {', '    router_id ipvsns', '}',
    'virtual_server 10.0.125.100 80 {', '    delay_loop 2', '    lb_algo rr', '    lb_kind DR', '    protocol TCP',
    `    real_server ${RS} 80 {`, '        weight 3',
    '        TCP_CHECK {', '            connect_timeout 1', '            retry 0', '            delay_before_retry 1', '        }', '    }',
    '}', '',
  ].join('\n');
}

const need = describeNeeding(root, file(HALO, 'the built CLI dist/cli/main.js (npm run build)'), ipvsKernel, tool('ipvsadm'), tool('keepalived'));

need('net_namespace_ipvs, beside keepalived 2.2.7 (kernel VM)', () => {
  beforeAll(() => {
    topo = new Topology('hvins-').build(['br0'], [
      { name: 'rs', links: [['br0', `${RS}/24`]] },
      { name: 'hl', links: [['br0', '10.0.125.11/24']] },
      { name: 'ka', links: [['br0', '10.0.125.12/24']] },
      // the namespaces whose IPVS tables the two directors program
      { name: 'hlipvs', links: [] },
      { name: 'kaipvs', links: [] },
    ]);
    tmp = mkdtempSync(join(tmpdir(), 'halo-ipvsns-'));
    dirs = new Directors(topo, join(tmp, 'run'));
  });
  afterAll(async () => {
    await dirs?.stopAll();
    listener?.kill('SIGKILL');
    topo?.destroy();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const table = (host: string): string[] => topo.exec(host, ['ipvsadm', '-Sn'], { allowFail: true }).split('\n').filter((l) => l.trim()).sort();
  const tables = () => ({ keepalived: table('kaipvs'), halo: table('hlipvs'), keepalivedOwn: table('ka'), haloOwn: table('hl') });

  async function both(want: string[], what: string, ka: RunningDirector, hl: RunningDirector): Promise<void> {
    const ok = await waitFor(() => JSON.stringify(table('kaipvs')) === JSON.stringify(want) && JSON.stringify(table('hlipvs')) === JSON.stringify(want), 120_000, 250);
    if (!ok) throw new Error(`${what}: ${JSON.stringify(tables())}\n--- keepalived\n${ka.log().slice(-2000)}\n--- halo\n${hl.log().slice(-2000)}`);
    expect({ what, ...tables() }).toEqual({ what, keepalived: want, halo: want, keepalivedOwn: [], haloOwn: [] });
  }

  it('the table is programmed in the named namespace, not the director\'s own; the same as keepalived\'s', async () => {
    listener = topo.spawn('rs', [process.execPath, '-e', `require('net').createServer((s) => s.end()).listen(80, '${RS}')`]);
    const ka = dirs.keepalived('ka', conf(topo.ns('kaipvs')));
    const hl = dirs.halo('hl', conf(topo.ns('hlipvs')));
    const service = '-A -t 10.0.125.100:80 -s rr';
    await both([service, `-a -t 10.0.125.100:80 -r ${RS}:80 -g -w 3`], 'started, real server up', ka, hl);
    // the checker runs from the director's namespace: the server leaves the other namespace's table
    listener.kill('SIGKILL');
    await new Promise((r) => listener!.once('exit', r));
    listener = null;
    await both([service], 'real server down', ka, hl);
    for (const d of [ka, hl]) d.signalMain('SIGTERM');
    for (const d of [ka, hl]) await d.exited;
    expect(tables()).toEqual({ keepalived: [], halo: [], keepalivedOwn: [], haloOwn: [] });
  });
});
