/**
 * A reload that turns enable_snmp_* on or off, halo beside Debian's keepalived 2.2.7 on the same
 * snmpd (netns, one director at a time, keepalived first): after the reload, the rows snmpd
 * serves under KEEPALIVED-MIB, VRRPv3-MIB and VRRP-MIB. What keepalived does (measured here):
 *   - all off at the reload: its subagent no longer answers, snmpd serves none of its MIBs;
 *   - on from all off: its VRRP process crashes (SIGSEGV in the reload) and its parent restarts
 *     it, which starts the subagent with the new config's MIBs (the VIPs flap meanwhile);
 *   - on before and after: the MIBs registered at start stay, whichever switches changed.
 * halo ends up the same (src/daemon/snmp/plan.ts snmpAtReload), without the crash: its
 * instance stays MASTER through the reload.
 */
import { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directors, HALO, RunningDirector, waitFor } from '../support/directors';
import { stopProcess, Topology } from '../support/netns';
import { describeNeeding, file, root, tool } from '../support/prerequisites';
import { snmpCommand, startSnmpd } from '../support/snmp';

jest.setTimeout(240_000);

let topo: Topology;
let dirs: Directors;
let tmp: string;
let snmpd: ChildProcess;
let agentx: string;

const ROOTS = { km: '1.3.6.1.4.1.9586.100.5', v3: '1.3.6.1.2.1.207', v2: '1.3.6.1.2.1.68' };
type Rows = Record<keyof typeof ROOTS, number>;

const config = (snmp: readonly string[]) => `global_defs {
  router_id lb1
${snmp.map((k) => `  ${k}\n`).join('')}  snmp_socket unix:${agentx}
}
vrrp_instance VI_1 {
  state MASTER
  interface eth0
  virtual_router_id 51
  priority 150
  advert_int 1
  virtual_ipaddress {
    192.168.77.200/24
  }
}
`;

const count = (root: string) => snmpCommand(topo, 'lb1', 'snmpwalk', [root]).split('\n').filter((l) => l.startsWith(`.${root}.`)).length;
const rows = (): Rows => ({ km: count(ROOTS.km), v3: count(ROOTS.v3), v2: count(ROOTS.v2) });
const reloads = (d: RunningDirector) => d.log().split(d.kind === 'halo' ? 'Reload finished' : 'Reload complete').length - 1;

interface Taken { before: Rows; after: Rows; log: string }

/** Start `kind` on `before`, wait for its rows, reload onto `after`, wait until `settled` holds of the rows. */
async function run(kind: 'keepalived' | 'halo', before: readonly string[], after: readonly string[], settled: (r: Rows) => boolean): Promise<Taken> {
  const d = kind === 'halo' ? dirs.halo('lb1', config(before)) : dirs.keepalived('lb1', config(before), ['-P']);
  const servedAtStart = (r: Rows) => (before.length === 0 ? r.km + r.v3 + r.v2 === 0 : r.km > 0 && (r.v3 > 0) === before.includes('enable_snmp_rfcv3'));
  const up = await waitFor(() => d.log().includes('(VI_1) Entering MASTER STATE') && servedAtStart(rows()), 60_000, 250);
  if (!up) throw new Error(`${kind} not up with its MIBs: ${JSON.stringify(rows())}\n${d.log()}`);
  const beforeRows = rows();
  writeFileSync(d.confFile, config(after));
  const n = reloads(d);
  d.signalMain('SIGHUP');
  if (!(await waitFor(() => reloads(d) > n, 30_000, 100))) throw new Error(`${kind} did not reload:\n${d.log()}`);
  const ok = await waitFor(() => settled(rows()), 60_000, 250);
  if (!ok) throw new Error(`${kind}: rows after the reload ${JSON.stringify(rows())}\n${d.log()}\n--- snmpd\n${readFileSync(join(tmp, 'snmpd.log'), 'utf8').slice(-2000)}`);
  const afterRows = rows();
  const log = d.log();
  d.signal('SIGTERM');
  await Promise.race([d.exited, new Promise((r) => setTimeout(r, 10_000))]);
  dirs.running.splice(dirs.running.indexOf(d), 1);
  if (!(await waitFor(() => { const r = rows(); return r.km + r.v3 + r.v2 === 0; }, 15_000, 250))) throw new Error(`snmpd still serves ${kind}'s rows after it stopped`);
  return { before: beforeRows, after: afterRows, log };
}

const built = file(HALO, 'the built CLI dist/cli/main.js (npm run build)');

describeNeeding(root, built, tool('keepalived'), tool('snmpd'), tool('snmpwalk', 'snmp'))('enable_snmp_* turned on or off by a reload, halo beside keepalived 2.2.7 (netns)', () => {
  beforeAll(async () => {
    topo = new Topology('hsr-').build(['br0'], [{ name: 'lb1', links: [['br0', '192.168.77.11/24']] }]);
    tmp = mkdtempSync(join(tmpdir(), 'halo-snmpre-'));
    ({ proc: snmpd, agentx } = await startSnmpd(topo, 'lb1', tmp));
    dirs = new Directors(topo, tmp);
  });
  afterAll(async () => {
    await dirs?.stopAll();
    await Promise.race([stopProcess(snmpd ?? null), new Promise((r) => setTimeout(r, 10_000).unref())]);
    topo?.destroy();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const BOTH = ['enable_snmp_vrrp', 'enable_snmp_rfcv3'];
  it.each([
    ['all turned off: none of the MIBs served', BOTH, [], (r: Rows) => r.km + r.v3 + r.v2 === 0],
    ['turned on from all off: the new MIBs served', [], BOTH, (r: Rows) => r.km > 0 && r.v3 > 0 && r.v2 === 0],
    ['on before and after: the MIBs of the start stay', ['enable_snmp_vrrp'], ['enable_snmp_rfcv3', 'enable_snmp_rfcv2'], (r: Rows) => r.km > 0 && r.v3 === 0 && r.v2 === 0],
  ] as const)('%s', async (_what, before, after, settled) => {
    const ka = await run('keepalived', before, after, settled);
    const halo = await run('halo', before, after, settled);
    console.log(`keepalived: ${JSON.stringify(ka.before)} -> ${JSON.stringify(ka.after)}; halo: ${JSON.stringify(halo.before)} -> ${JSON.stringify(halo.after)}`);
    expect(halo.before).toEqual(ka.before);
    expect(halo.after).toEqual(ka.after);
    // halo's instance stays MASTER through the reload (keepalived's restarted child goes through BACKUP)
    expect(halo.log.split('(VI_1) Entering MASTER STATE').length - 1).toBe(1);
    expect(halo.log).not.toMatch(/worker \(pid \d+\) (killed|exited)/);
  });
});
