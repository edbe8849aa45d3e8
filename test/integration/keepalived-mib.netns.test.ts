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

/** What a config's walk must show before it is taken, and the single requests asked of it. */
interface TakePlan {
  /** Beyond every instance in its state: (the walk, the notifications since the start). */
  ready: (walk: string[], traps: string[], states: Settled) => boolean;
  gets: string[];
  nexts: string[];
}

/** config(): the script settled (good), the group's notification for the state it settles in received. */
const PLAN: TakePlan = {
  ready: (w, t, states) => {
    const group = STATE_NUMBER[states.VI_2];
    return w.some((l) => l.includes(`${KM}.2.9.1.6.1 = INTEGER: 3`))
      && w.some((l) => l.includes(`${KM}.2.1.1.3.1 = INTEGER: ${group}`))
      && t.some((l) => /\.2\.10\.0\.1\b/.test(l) && new RegExp(`\\.2\\.1\\.1\\.3 = INTEGER: ${group}`).test(l));
  },
  gets: GETS,
  nexts: NEXTS,
};

async function runAndTake(start: () => RunningDirector, states: Settled = ALL_MASTER, plan: TakePlan = PLAN): Promise<Taken> {
  const from = traps(0).length;
  const d = start();
  const settled = await waitFor(() => Object.entries(states).every(([i, st]) => d.log().includes(`(${i}) Entering ${st} STATE`)), 30_000, 100);
  if (!settled) throw new Error(`${d.kind} did not bring the instances to ${JSON.stringify(states)}:\n${d.log()}`);
  // registered, every instance in its state in the walk, and what the plan waits for
  const ready = await waitFor(() => {
    const w = objects(snmp('snmpwalk', [KM]));
    return Object.values(states).every((st, k) => w.includes(`.${KM}.2.3.1.4.${k + 1} = INTEGER: ${STATE_NUMBER[st]}`))
      && plan.ready(w, traps(from), states);
  }, 60_000, 250);
  if (!ready) throw new Error(`${d.kind} does not serve KEEPALIVED-MIB through snmpd:\n${snmp('snmpwalk', [KM])}\n${d.log()}\n--- snmpd\n${readFileSync(join(tmp, 'snmpd.log'), 'utf8').slice(-3000)}`);
  const result: Taken = {
    walk: objects(snmp('snmpwalk', [KM])),
    bulk: objects(snmp('snmpbulkwalk', ['-Cr7', KM])),
    got: plan.gets.map((o) => snmp('snmpget', [o]).trim()),
    next: plan.nexts.map((o) => snmp('snmpgetnext', [o]).trim()),
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

/**
 * IPv6 (issue 13): KEEPALIVED-MIB's rows for IPv6 VRRPv3 instances. VI_6 multicasts to ff02::12
 * from eth0's link-local address, its first VIP link-local, one VIP given a scope and a label
 * (keepalived ignores both for IPv6, with a warning), a /128 with its own lifetime and -nodad,
 * excluded VIPs of both families, IPv6 virtual routes (a gateway, a source prefix with a
 * hoplimit, two next hops, a blackhole) and rules; VI_7 is unicast over IPv6 (global addresses),
 * MASTER once its down timer runs out. Static IPv6 address, route and rule under owner 0.
 */
function config6(): string {
  return `global_defs {
  router_id lb1
  enable_snmp_vrrp
  enable_traps
  snmp_socket unix:${agentx}
}
static_ipaddress {
  fd00:90::1/64 dev dum0
}
static_routes {
  fd00:91::/64 via fd00:90::fe dev dum0 metric 5
}
static_rules {
  from fd00:92::/64 table 100 priority 150
}
vrrp_instance VI_6 {
  state MASTER
  interface eth0
  virtual_router_id 61
  priority 150
  advert_int 1
  virtual_ipaddress {
    fe80::61:200/64
    fd00:61::200/64
    fd00:61::201/64 scope site label eth0:6
    fd00:61::202/128 preferred_lft forever -nodad
  }
  virtual_ipaddress_excluded {
    fd00:62::5/64 preferred_lft 0
    192.168.62.5/24
  }
  virtual_routes {
    fd00:63::/64 via fd00:61::1 dev eth0 metric 7
    fd00:64::/64 from fd00:65::/64 dev eth0 src fd00:61::200 table 100 hoplimit 9
    fd00:66::/64 table 101 nexthop via fd00:61::1 dev eth0 weight 2 nexthop via fd00:61::2 dev eth0
    blackhole fd00:67::/64 table 101
  }
  virtual_rules {
    from fd00:65::/64 table 100 priority 300
    to fd00:66::/64 fwmark 7 priority 310 table 101
  }
}
vrrp_instance VI_7 {
  state BACKUP
  interface eth0
  virtual_router_id 62
  priority 100
  advert_int 0.5
  unicast_src_ip fd00:77::11
  unicast_peer {
    fd00:77::12
  }
  virtual_ipaddress {
    fd00:77::220/64
  }
}
`;
}

const PLAN6: TakePlan = {
  // each instance's vrrpInstanceStateChange for MASTER received
  ready: (_w, t) => ['VI_6', 'VI_7'].every((n) => t.some((l) => /\.2\.10\.0\.2\b/.test(l) && l.includes(`STRING: "${n}"`) && /\.2\.3\.1\.4 = INTEGER: 2\b/.test(l))),
  gets: [
    `${KM}.2.3.1.34.1`, // VI_6: multicast address type ipv6(2)
    `${KM}.2.3.1.35.1`, // ff02::12
    `${KM}.2.3.1.35.2`, // VI_7 is unicast: none
    `${KM}.2.3.1.12.2`, // advert_int 0.5 in centiseconds
    `${KM}.2.6.1.3.1.1`, // the link-local first VIP
    `${KM}.2.6.1.4.1.1`, // no broadcast for IPv6
    `${KM}.2.6.1.6.1.3`, // the scope keepalived ignored
    `${KM}.2.6.1.9.1.3`, // the label keepalived ignored
    `${KM}.2.6.1.5.1.4`, // the /128's prefix
    `${KM}.2.6.1.2.1.6`, // the excluded IPv4 address's type
    `${KM}.2.6.1.3.0.1`, // the static IPv6 address
    `${KM}.2.7.1.5.1.1`, // a route's IPv6 gateway
    `${KM}.2.7.1.15.1.2`, // a route's source prefix
    `${KM}.2.7.1.24.1.2`, // its hoplimit
    `${KM}.2.7.1.10.1.4`, // blackhole
    `${KM}.2.11.1.3.1.3.2`, // the second next hop's address
    `${KM}.2.8.1.13.1.1`, // a rule's IPv6 source
    `${KM}.2.8.1.10.1.2`, // a rule's IPv6 destination
  ],
  nexts: [`${KM}.2.6.1.4`, `${KM}.2.6.1.9`, `${KM}.2.3.1.35.1`, `${KM}.2.7.1.15`, `${KM}.2.11.1.2`, `${KM}.2.8.1.9.0`],
};

describeNeeding(root, tool('keepalived'), tool('snmpd'), tool('snmptrapd', 'snmptrapd'), tool('snmpwalk', 'snmp'), tool('snmpbulkwalk', 'snmp'))('KEEPALIVED-MIB with IPv6 VRRPv3 instances, halo beside keepalived 2.2.7 (netns)', () => {
  let ka: Taken;
  let halo: Taken;
  const STATES: Settled = { VI_6: 'MASTER', VI_7: 'MASTER' };
  /** lb1's eth0 link-local address once out of duplicate address detection ('' before). */
  const linkLocal = (): string => {
    const out = JSON.parse(topo.exec('lb1', ['ip', '-j', '-6', 'addr', 'show', 'dev', 'eth0', 'scope', 'link', '-tentative'])) as Array<{ addr_info: Array<{ local?: string }> }>;
    return out.flatMap((l) => l.addr_info.flatMap((a) => (a.local ? [a.local] : []))).find((a) => a !== 'fe80::61:200') ?? '';
  };

  beforeAll(async () => {
    topo = new Topology('hk6-').build(['br0'], [{ name: 'lb1', links: [['br0', '192.168.77.11/24']] }]);
    topo.exec('lb1', ['ip', 'addr', 'add', 'fd00:77::11/64', 'dev', 'eth0', 'nodad']);
    topo.exec('lb1', ['ip', 'link', 'add', 'dum0', 'type', 'veth', 'peer', 'name', 'dum1']);
    for (const d of ['dum0', 'dum1']) topo.exec('lb1', ['ip', 'link', 'set', d, 'up']);
    expect(await waitFor(() => linkLocal() !== '', 15_000, 100)).toBe(true);
    tmp = mkdtempSync(join(tmpdir(), 'halo-kmib6-'));
    ({ proc: trapd, log: trapLog } = await startSnmptrapd(topo, 'lb1', tmp));
    ({ proc: snmpd, agentx } = await startSnmpd(topo, 'lb1', tmp));
    dirs = new Directors(topo, tmp);
    ka = await runAndTake(() => dirs.keepalived('lb1', config6(), ['-P']), STATES, PLAN6);
    halo = await runAndTake(() => dirs.halo('lb1', config6()), STATES, PLAN6);
  });

  afterAll(async () => {
    await dirs?.stopAll();
    await Promise.race([Promise.all([stopProcess(snmpd ?? null), stopProcess(trapd ?? null)]), new Promise((r) => setTimeout(r, 10_000).unref())]);
    topo?.destroy();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('keepalived serves the IPv6 rows (the oracle is really there)', () => {
    // VI_6's multicast group ff02::12 as 16 octets, VI_7 (unicast) none; IPv6 addresses, routes, next hops, rules
    expect(ka.walk).toContainEqual(`.${KM}.2.3.1.34.1 = INTEGER: 2`);
    expect(ka.walk).toContainEqual(expect.stringMatching(new RegExp(`^\\.${KM.replace(/\./g, '\\.')}\\.2\\.3\\.1\\.35\\.1 = Hex-STRING: FF 02 00 00 00 00 00 00 00 00 00 00 00 00 00 12 ?$`)));
    expect(ka.walk.some((l) => l.startsWith(`.${KM}.2.3.1.35.2 = `))).toBe(false);
    for (const row of ['2.6.1.3.0.1', '2.6.1.3.1.6', '2.6.1.3.2.1', '2.7.1.3.0.1', '2.7.1.3.1.4', '2.11.1.3.1.3.2', '2.8.1.2.0.1', '2.8.1.2.1.2']) {
      expect(ka.walk.some((l) => l.startsWith(`.${KM}.${row} = `))).toBe(true);
    }
    expect(ka.log).toMatch(/Cannot specify scope for IPv6 addresses \(fd00:61::201\/64\) - ignoring scope/);
    expect(ka.log).toMatch(/Cannot specify label for IPv6 addresses \(fd00:61::201\/64\) - ignoring label/);
  });

  it('halo drops the IPv6 address\'s scope and label with keepalived\'s warnings', () => {
    expect(halo.log).toMatch(/Cannot specify scope for IPv6 addresses \(fd00:61::201\/64\) - ignoring scope/);
    expect(halo.log).toMatch(/Cannot specify label for IPv6 addresses \(fd00:61::201\/64\) - ignoring label/);
  });

  it('halo serves the same OIDs, types and values (snmpwalk: GetNext); only the version string differs', () => {
    if (JSON.stringify(normalise(halo.walk)) !== JSON.stringify(normalise(ka.walk))) console.log(`keepalived:\n${ka.walk.join('\n')}\nhalo:\n${halo.walk.join('\n')}`);
    expect(normalise(halo.walk)).toEqual(normalise(ka.walk));
  });

  it('and the same through GetBulk (snmpbulkwalk, 7 repetitions)', () => {
    expect(normalise(halo.bulk)).toEqual(normalise(ka.bulk));
  });

  it('the same answers to Get and GetNext on the IPv6 cells', () => {
    console.log(`keepalived's Get/GetNext answers:\n${[...ka.got, ...ka.next].join('\n')}`);
    expect(normalise(halo.got)).toEqual(normalise(ka.got));
    expect(normalise(halo.next)).toEqual(normalise(ka.next));
  });

  it('the same vrrpInstanceStateChange notifications (as sets)', () => {
    const set = (t: string[]) => [...new Set(t)].sort();
    console.log(`keepalived's notifications:\n${ka.traps.join('\n')}`);
    expect(set(halo.traps)).toEqual(set(ka.traps));
  });
});
