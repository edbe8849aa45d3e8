/**
 * SNMP: with `enable_snmp_rfcv3` and `snmp_socket`, halo registers with Debian's snmpd as an
 * AgentX subagent and serves VRRPv3-MIB (RFC 6527) — the same rows and values keepalived 2.2.7
 * serves for the same config on the same snmpd. One snmpd (test-owned config: `master agentx`
 * on a unix socket, SNMP on the namespace's loopback) runs in the director's namespace; keepalived
 * runs first, is stopped, then halo runs on the same config; both are walked with snmpwalk
 * (GetNext) and snmpbulkwalk (GetBulk), `-On`, over 1.3.6.1.2.1.207. Only UpTime (centiseconds
 * since the instance started, a clock reading) is compared as "present and positive".
 */
import { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directors, RunningDirector, waitFor } from '../support/directors';
import { Topology } from '../support/netns';
import { describeNeeding, root, tool } from '../support/prerequisites';

jest.setTimeout(120_000);

let topo: Topology;
let dirs: Directors;
let tmp: string;
let snmpd: ChildProcess;
let agentx: string;

const SNMP = 'udp:127.0.0.1:16161';
/** 3 instances × 11 operations columns + 4 associated addresses + 4 scalars + 3 × 13 statistics columns. */
const ROWS = 3 * 11 + 4 + 4 + 3 * 13;

function config(): string {
  return `global_defs {
  router_id lb1
  enable_snmp_rfcv3
  snmp_socket unix:${agentx}
}
vrrp_instance VI_1 {
  state MASTER
  interface eth0
  virtual_router_id 51
  priority 150
  advert_int 1
  version 3
  virtual_ipaddress {
    192.168.77.200/24
    192.168.77.201/24
  }
}
vrrp_instance VI_2 {
  state BACKUP
  interface eth0
  virtual_router_id 52
  priority 100
  advert_int 0.5
  version 3
  nopreempt
  virtual_ipaddress {
    192.168.77.210/24
  }
}
vrrp_instance VI_3 {
  state BACKUP
  interface eth0
  virtual_router_id 53
  priority 120
  advert_int 1
  version 2
  authentication {
    auth_type PASS
    auth_pass secret
  }
  virtual_ipaddress {
    192.168.77.220/24
  }
}
`;
}

function walk(cmd: 'snmpwalk' | 'snmpbulkwalk'): string[] {
  const out = topo.exec('lb1', [cmd, '-m', '', '-M', '/nonexistent', '-On', '-v2c', '-c', 'public', '-t', '2', '-r', '1', SNMP, '1.3.6.1.2.1.207'], { allowFail: true });
  // objects only: snmpd answers an unregistered subtree with ".1.3.6.1.2.1.207 = No Such Object …"
  return out.split('\n').filter((l) => /^\.1\.3\.6\.1\.2\.1\.207\.\S+ = /.test(l));
}

/** UpTime (…207.1.1.1.1.12.*) is a clock reading: keep the OID, check the value is positive. */
function normalise(lines: string[]): string[] {
  return lines.map((l) => {
    const m = /^(\.1\.3\.6\.1\.2\.1\.207\.1\.1\.1\.1\.12\.\S+) = Timeticks: \((\d+)\)/.exec(l);
    if (!m) return l;
    return `${m[1]} = Timeticks: ${Number(m[2]) > 0 ? 'positive' : 'zero'}`;
  });
}

async function runAndWalk(start: () => RunningDirector): Promise<{ walk: string[]; bulk: string[]; log: string }> {
  const d = start();
  const masters = await waitFor(() => ['VI_1', 'VI_2', 'VI_3'].every((i) => d.log().includes(`(${i}) Entering MASTER STATE`)), 20_000, 100);
  if (!masters) throw new Error(`${d.kind} did not bring every instance to MASTER:\n${d.log()}`);
  // the subagent has registered once the walk has every row (keepalived retries every 15 s)
  const served = await waitFor(() => walk('snmpwalk').length >= ROWS, 40_000, 250);
  if (!served) throw new Error(`${d.kind} does not serve VRRPv3-MIB through snmpd:\n${walk('snmpwalk').join('\n')}\n${d.log()}`);
  const t0 = process.hrtime.bigint();
  const result = { walk: walk('snmpwalk'), bulk: walk('snmpbulkwalk'), log: d.log() };
  // a figure, not an assertion: both walks through snmpd, this subagent answering
  console.log(`${d.kind}: snmpwalk + snmpbulkwalk of ${result.walk.length} objects in ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0)} ms`);
  d.signal('SIGTERM');
  await Promise.race([d.exited, new Promise((r) => setTimeout(r, 10_000))]);
  dirs.running.splice(dirs.running.indexOf(d), 1);
  // snmpd drops the session when the subagent goes: nothing is served until the next one comes
  if (!(await waitFor(() => walk('snmpwalk').length === 0, 10_000, 100))) throw new Error(`snmpd still serves ${d.kind}'s rows after it stopped`);
  return result;
}

describeNeeding(root, tool('keepalived'), tool('snmpd'), tool('snmpwalk', 'snmp'), tool('snmpbulkwalk', 'snmp'))('VRRPv3-MIB over AgentX, halo beside keepalived 2.2.7 (netns)', () => {
  beforeAll(async () => {
    topo = new Topology('hsn-').build(['br0'], [{ name: 'lb1', links: [['br0', '192.168.77.11/24']] }]);
    tmp = mkdtempSync(join(tmpdir(), 'halo-snmp-'));
    agentx = join(tmp, 'agentx.sock');
    const conf = join(tmp, 'snmpd.conf');
    writeFileSync(conf, `master agentx\nagentXSocket unix:${agentx}\nagentAddress ${SNMP}\nrocommunity public 127.0.0.1 .1\n`);
    topo.exec('lb1', ['ip', 'link', 'set', 'lo', 'up']);
    snmpd = topo.spawn('lb1', ['snmpd', '-f', '-Lo', '-C', '-c', conf, '-p', join(tmp, 'snmpd.pid')], {
      env: { ...process.env, MIBS: '', MIBDIRS: '/nonexistent' },
    });
    const up = await waitFor(() => topo.exec('lb1', ['sh', '-c', `test -S ${agentx} && echo yes || true`]).includes('yes'), 10_000, 100);
    if (!up) throw new Error('snmpd did not open its AgentX socket');
    dirs = new Directors(topo, tmp);
  });

  afterAll(async () => {
    await dirs?.stopAll();
    snmpd?.kill('SIGTERM');
    if (snmpd) await new Promise((r) => (snmpd.exitCode !== null ? r(null) : snmpd.once('exit', r)));
    topo?.destroy();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  describe('the same config, walked', () => {
    let ka: { walk: string[]; bulk: string[]; log: string };
    let halo: { walk: string[]; bulk: string[]; log: string };

    beforeAll(async () => {
      ka = await runAndWalk(() => dirs.keepalived('lb1', config(), ['-P']));
      halo = await runAndWalk(() => dirs.halo('lb1', config()));
    });

    it('keepalived registers and serves every row (the oracle is really there)', () => {
      expect(ka.log).toContain('AgentX subagent connected');
      expect(ka.walk).toHaveLength(ROWS);
    });

    it('halo serves the same OIDs, types and values (snmpwalk: GetNext)', () => {
      expect(halo.log).toContain('AgentX subagent connected');
      expect(normalise(halo.walk)).toEqual(normalise(ka.walk));
      const upTimes = normalise(halo.walk).filter((l) => l.startsWith('.1.3.6.1.2.1.207.1.1.1.1.12.'));
      expect(upTimes).toHaveLength(3);
      for (const l of upTimes) expect(l).toMatch(/= Timeticks: positive$/);
    });

    it('and the same through GetBulk (snmpbulkwalk)', () => {
      expect(normalise(halo.bulk)).toEqual(normalise(ka.bulk));
      expect(halo.bulk).toEqual(expect.arrayContaining(halo.walk.filter((l) => !l.includes('207.1.1.1.1.12.'))));
    });
  });
});
