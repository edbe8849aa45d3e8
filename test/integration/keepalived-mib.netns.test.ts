/**
 * KEEPALIVED-MIB (1.3.6.1.4.1.9586.100.5), global and VRRP objects (`enable_snmp_vrrp`): halo
 * beside keepalived 2.2.7 on the same config and the same snmpd (test-owned: `master agentx` on a
 * unix socket, SNMP on the namespace's loopback). keepalived (-P: its VRRP process serves the
 * global objects when no checker runs) runs first, is stopped, then halo; each is walked with
 * snmpwalk (GetNext) and snmpbulkwalk (GetBulk), `-On`, and asked single Gets and GetNexts at the
 * edges (a scalar, a cell, a missing row, a cell keepalived leaves empty, an unregistered
 * object, past the last object). What must differ: `version.0` (keepalived's version string,
 * halo's), compared as "present".
 *
 * The config has a sync group of two instances (one unicast, with authentication; one version 3,
 * nopreempt) tracking an interface, and a MASTER with a tracked interface (not its own: keepalived
 * ignores that one), a tracked script, a tracked file, VIPs with
 * broadcast and label, excluded IPv4 and IPv6 VIPs, a tracked BFD session (down: no peer),
 * notify scripts, virtual routes (multipath, blackhole, metrics) and rules; static_ipaddress,
 * static_routes and static_rules; mail settings; enable_traps. snmptrapd
 * receives vrrpInstanceStateChange and vrrpSyncGroupStateChange from both, compared as sets.
 */
import { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directors, RunningDirector, waitFor } from '../support/directors';
import { stopProcess, Topology } from '../support/netns';
import { describeNeeding, root, tool } from '../support/prerequisites';
import { snmpCommand, startSnmpd, startSnmptrapd } from '../support/snmp';

jest.setTimeout(180_000);

let topo: Topology;
let dirs: Directors;
let tmp: string;
let snmpd: ChildProcess;
let trapd: ChildProcess;
let agentx: string;
let trapLog: string;

const KM = '1.3.6.1.4.1.9586.100.5';

function config(): string {
  return `global_defs {
  router_id lb1
  notification_email {
    ops@example.com
    noc@example.com
  }
  notification_email_from halo@example.com
  smtp_server 192.168.77.99 2525
  smtp_connect_timeout 20
  script_user root
  enable_script_security
  enable_snmp_vrrp
  enable_traps
  snmp_socket unix:${agentx}
}
static_ipaddress {
  10.77.0.1/24 dev dum0
}
static_routes {
  10.78.0.0/16 via 10.77.0.254 dev dum0 metric 5
}
static_rules {
  from 10.79.0.0/16 table 100 priority 150
}
bfd_instance BFD_1 {
  neighbor_ip 192.168.77.12
  weight -5
}
vrrp_script chk_ok {
  script "/bin/true --quiet"
  interval 2
  weight 4
  rise 2
  fall 3
}
track_file tf_1 {
  file ${join(tmp, 'tf_1')}
  weight 7
}
vrrp_sync_group G1 {
  group {
    VI_2
    VI_3
  }
  notify_backup "/bin/true backup"
  notify "/bin/true all"
  track_interface {
    dum1
  }
  track_file {
    tf_1
  }
}
vrrp_instance VI_1 {
  state MASTER
  interface eth0
  virtual_router_id 51
  priority 150
  advert_int 1
  garp_master_delay 3
  track_interface {
    dum0 weight 10
  }
  track_script {
    chk_ok weight 3
  }
  track_file {
    tf_1
  }
  track_bfd {
    BFD_1
  }
  notify_master "/bin/true master"
  virtual_ipaddress {
    192.168.77.200/24 brd 192.168.77.255 label eth0:1
    192.168.77.201/24
  }
  virtual_ipaddress_excluded {
    192.168.78.5/24
    fd00:77::5/64
  }
  virtual_routes {
    10.80.0.0/16 dev eth0 src 192.168.77.200 table 100 mtu lock 1400 hoplimit 9 protocol 99 scope link
    10.81.0.0/16 table 101 nexthop via 192.168.77.1 dev eth0 weight 2 nexthop via 192.168.77.2 dev eth0 onlink
    blackhole 10.82.0.0/16 table 101
    10.84.0.0/16 table 102 nexthop via 192.168.77.3 dev eth0
  }
  virtual_rules {
    from 10.80.0.0/16 table 100 priority 200
    to 10.83.0.0/16 fwmark 7/0xff priority 210 table 102
    from all iif dum1 priority 220 blackhole
    not from 10.85.0.0/16 to 10.86.0.0/16 tos 0x10 priority 230 goto 240
    from all priority 240 table 103
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
  unicast_src_ip 192.168.77.11
  unicast_peer {
    192.168.77.12
  }
  virtual_ipaddress {
    192.168.77.220/24
  }
}
`;
}

const snmp = (cmd: string, args: string[]): string => snmpCommand(topo, 'lb1', cmd, args);
const objects = (out: string) => out.split('\n').filter((l) => l.startsWith(`.${KM}.`));
/** keepalived's version string is its own: present, compared as such. */
const normalise = (lines: string[]) => lines.map((l) => l.replace(/^(\.1\.3\.6\.1\.4\.1\.9586\.100\.5\.1\.1\.0 = STRING: ).*$/, '$1(version)'));

/** Single requests at the edges: Get and GetNext, answered as snmpget/snmpgetnext print them. */
const GETS = [
  `${KM}.1.2.0`, // routerId
  `${KM}.1.3.5.1.2.2`, // emailAddress.2
  `${KM}.2.3.1.2.3`, // vrrpInstanceName.3
  `${KM}.2.3.1.2.4`, // no fourth instance
  `${KM}.2.3.1.17.1`, // vrrpInstanceLvsSyncInterface: empty cell
  `${KM}.2.3.1.34.3`, // unicast: no multicast address type
  `${KM}.2.6.1.3.1.3`, // vrrpAddressValue: VI_1's excluded address
  `${KM}.2.7.1.5.1.1`, // vrrpRouteGateway of a route with none
  `${KM}.2.7.1.22.1.1`, // vrrpRouteMtu
  `${KM}.2.11.1.6.1.2.1`, // a next hop's weight
  `${KM}.2.8.1.23.1.3`, // vrrpRuleAction: blackhole
  `${KM}.2.99.1.1`, // no such object
  `${KM}.1.3.5.1.2`, // a column, no index
];
const NEXTS = [
  `${KM}.1`, `${KM}.1.3.4.0`, `${KM}.2.11.1.3.1.2.2`, `${KM}.2.7.1.25.1.4`, `${KM}.2.3.1.17`, `${KM}.2.3.1.34.2`, `${KM}.2.6.1.4.1.3`, `${KM}.2.16`, `${KM}.2.99`,
];

interface Taken {
  walk: string[];
  bulk: string[];
  got: string[];
  next: string[];
  log: string;
  traps: string[];
}

type Settled = Record<string, 'MASTER' | 'BACKUP'>;
const ALL_MASTER: Settled = { VI_1: 'MASTER', VI_2: 'MASTER', VI_3: 'MASTER' };
const STATE_NUMBER = { BACKUP: 1, MASTER: 2 } as const;
/** Our notifications in snmptrapd's log (from line `from`), sysUpTime masked. */
function traps(from: number): string[] {
  return readFileSync(trapLog, 'utf8').split('\n').filter((l) => l.startsWith('TRAP ') && l.includes(`${KM}.2.10.0.`))
    .slice(from).map((l) => l.replace(/Timeticks: \(\d+\) [^\t]*/, 'Timeticks: (T)'));
}

async function runAndTake(start: () => RunningDirector, states: Settled = ALL_MASTER): Promise<Taken> {
  const from = traps(0).length;
  const d = start();
  const settled = await waitFor(() => Object.entries(states).every(([i, st]) => d.log().includes(`(${i}) Entering ${st} STATE`)), 30_000, 100);
  if (!settled) throw new Error(`${d.kind} did not bring the instances to ${JSON.stringify(states)}:\n${d.log()}`);
  // registered, every instance in its state in the walk, the script settled (good), the group's
  // notification for the state it settles in received
  const group = STATE_NUMBER[states.VI_2];
  const ready = await waitFor(() => {
    const w = objects(snmp('snmpwalk', [KM]));
    return Object.values(states).every((st, k) => w.includes(`.${KM}.2.3.1.4.${k + 1} = INTEGER: ${STATE_NUMBER[st]}`))
      && w.some((l) => l.includes(`${KM}.2.9.1.6.1 = INTEGER: 3`))
      && w.some((l) => l.includes(`${KM}.2.1.1.3.1 = INTEGER: ${group}`))
      && traps(from).some((l) => /\.2\.10\.0\.1\b/.test(l) && new RegExp(`\\.2\\.1\\.1\\.3 = INTEGER: ${group}`).test(l));
  }, 60_000, 250);
  if (!ready) throw new Error(`${d.kind} does not serve KEEPALIVED-MIB through snmpd:\n${snmp('snmpwalk', [KM])}\n${d.log()}\n--- snmpd\n${readFileSync(join(tmp, 'snmpd.log'), 'utf8').slice(-3000)}`);
  const result: Taken = {
    walk: objects(snmp('snmpwalk', [KM])),
    bulk: objects(snmp('snmpbulkwalk', ['-Cr7', KM])),
    got: GETS.map((o) => snmp('snmpget', [o]).trim()),
    next: NEXTS.map((o) => snmp('snmpgetnext', [o]).trim()),
    log: d.log(),
    traps: [],
  };
  d.signal('SIGTERM');
  await Promise.race([d.exited, new Promise((r) => setTimeout(r, 10_000))]);
  dirs.running.splice(dirs.running.indexOf(d), 1);
  // the stop's notifications (STOP states) are in once the process has gone
  result.traps = traps(from);
  if (!(await waitFor(() => objects(snmp('snmpwalk', [KM])).length === 0, 10_000, 100))) throw new Error(`snmpd still serves ${d.kind}'s rows after it stopped`);
  return result;
}

describeNeeding(root, tool('keepalived'), tool('snmpd'), tool('snmptrapd', 'snmptrapd'), tool('snmpwalk', 'snmp'), tool('snmpbulkwalk', 'snmp'))('KEEPALIVED-MIB (enable_snmp_vrrp), halo beside keepalived 2.2.7 (netns)', () => {
  let ka: Taken;
  let halo: Taken;

  beforeAll(async () => {
    topo = new Topology('hkm-').build(['br0'], [{ name: 'lb1', links: [['br0', '192.168.77.11/24']] }, { name: 'lb2', links: [['br0', '192.168.77.12/24']] }]);
    tmp = mkdtempSync(join(tmpdir(), 'halo-kmib-'));
    writeFileSync(join(tmp, 'tf_1'), '0\n');
    // the tracked interfaces, a veth pair (keepalived ignores a track_interface naming the instance's own)
    topo.exec('lb1', ['ip', 'link', 'add', 'dum0', 'type', 'veth', 'peer', 'name', 'dum1']);
    for (const d of ['dum0', 'dum1']) topo.exec('lb1', ['ip', 'link', 'set', d, 'up']);
    ({ proc: trapd, log: trapLog } = await startSnmptrapd(topo, 'lb1', tmp));
    ({ proc: snmpd, agentx } = await startSnmpd(topo, 'lb1', tmp));
    dirs = new Directors(topo, tmp);
    ka = await runAndTake(() => dirs.keepalived('lb1', config(), ['-P']));
    halo = await runAndTake(() => dirs.halo('lb1', config()));
  });

  afterAll(async () => {
    await dirs?.stopAll();
    await Promise.race([Promise.all([stopProcess(snmpd ?? null), stopProcess(trapd ?? null)]), new Promise((r) => setTimeout(r, 10_000).unref())]);
    topo?.destroy();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('keepalived serves the global and VRRP objects (the oracle is really there)', () => {
    expect(ka.walk).toContainEqual(`.${KM}.1.2.0 = STRING: "lb1"`);
    expect(ka.walk).toContainEqual(`.${KM}.2.3.1.2.3 = STRING: "VI_3"`);
    // every table the config fills: members, tracked interface/script/file/BFD, addresses
    // (static_ipaddress under 0), scripts, files, the group's tracked interface and file, BFD
    for (const row of ['2.7.1.3.0.1', '2.7.1.3.1.4', '2.8.1.2.0.1', '2.8.1.23.1.5', '2.11.1.3.1.2.2', '2.2.1.2.1.2', '2.4.1.1.1.1', '2.5.1.2.1.1', '2.6.1.3.0.1', '2.6.1.3.1.4', '2.9.1.2.1', '2.12.1.2.1.1', '2.13.1.2.1', '2.14.1.1.1.1', '2.16.1.2.1.1', '2.17.1.2.1.1', '2.18.1.2.1']) {
      expect(ka.walk.some((l) => l.startsWith(`.${KM}.${row} = `))).toBe(true);
    }
  });

  it('halo serves the same OIDs, types and values (snmpwalk: GetNext); only the version string differs', () => {
    if (JSON.stringify(normalise(halo.walk)) !== JSON.stringify(normalise(ka.walk))) console.log(`keepalived:\n${ka.walk.join('\n')}\nhalo:\n${halo.walk.join('\n')}`);
    expect(normalise(halo.walk)).toEqual(normalise(ka.walk));
    expect(halo.walk.find((l) => l.startsWith(`.${KM}.1.1.0 = `))).toMatch(/STRING: "halo /);
  });

  it('and the same through GetBulk (snmpbulkwalk, 7 repetitions)', () => {
    expect(normalise(halo.bulk)).toEqual(normalise(ka.bulk));
  });

  it('the same answers to Get and GetNext at the edges', () => {
    console.log(`keepalived's Get/GetNext answers:\n${[...ka.got, ...ka.next].join('\n')}`);
    expect(normalise(halo.got)).toEqual(normalise(ka.got));
    expect(normalise(halo.next)).toEqual(normalise(ka.next));
  });

  describe('the sync group held in BACKUP by a master on lb2', () => {
    let kaB: Taken;
    let haloB: Taken;
    let lb2: RunningDirector;
    const HELD: Settled = { VI_1: 'MASTER', VI_2: 'BACKUP', VI_3: 'BACKUP' };

    beforeAll(async () => {
      // lb2's keepalived: VRID 53's master, unicast to lb1 (VI_3's peer), priority 200
      lb2 = dirs.keepalived('lb2', `global_defs {\n  router_id lb2\n}\nvrrp_instance VM_3 {\n  state MASTER\n  interface eth0\n  virtual_router_id 53\n  priority 200\n  advert_int 1\n  version 2\n  authentication {\n    auth_type PASS\n    auth_pass secret\n  }\n  unicast_src_ip 192.168.77.12\n  unicast_peer {\n    192.168.77.11\n  }\n  virtual_ipaddress {\n    192.168.77.220/24\n  }\n}\n`);
      if (!(await waitFor(() => lb2.log().includes('(VM_3) Entering MASTER STATE'), 20_000, 100))) throw new Error(`lb2's keepalived did not become MASTER:\n${lb2.log()}`);
      kaB = await runAndTake(() => dirs.keepalived('lb1', config(), ['-P']), HELD);
      haloB = await runAndTake(() => dirs.halo('lb1', config()), HELD);
    });

    afterAll(async () => {
      lb2?.signal('SIGTERM');
      if (lb2) await Promise.race([lb2.exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (lb2) dirs.running.splice(dirs.running.indexOf(lb2), 1);
    });

    it('the same walk and bulk walk: BACKUP states, wanted states, VIPs not set', () => {
      expect(kaB.walk).toContainEqual(`.${KM}.2.1.1.3.1 = INTEGER: 1`);
      expect(kaB.walk).toContainEqual(`.${KM}.2.3.1.9.3 = INTEGER: 2`);
      if (JSON.stringify(normalise(haloB.walk)) !== JSON.stringify(normalise(kaB.walk))) console.log(`keepalived:\n${kaB.walk.join('\n')}\nhalo:\n${haloB.walk.join('\n')}`);
      expect(normalise(haloB.walk)).toEqual(normalise(kaB.walk));
      expect(normalise(haloB.bulk)).toEqual(normalise(kaB.bulk));
    });

    it('the same notifications (as sets)', () => {
      const set = (t: string[]) => [...new Set(t)].sort();
      expect(set(haloB.traps)).toEqual(set(kaB.traps));
    });
  });

  it('the same vrrpInstanceStateChange and vrrpSyncGroupStateChange notifications (as sets)', () => {
    const set = (t: string[]) => [...new Set(t)].sort();
    console.log(`keepalived's notifications:\n${ka.traps.join('\n')}`);
    expect(set(ka.traps).length).toBeGreaterThanOrEqual(4);
    expect(set(halo.traps)).toEqual(set(ka.traps));
  });
});
