/**
 * SNMP: with `enable_snmp_rfcv3` and `snmp_socket`, halo registers with Debian's snmpd as an
 * AgentX subagent and serves VRRPv3-MIB (RFC 6527) — the same rows and values keepalived 2.2.7
 * serves for the same config on the same snmpd. One snmpd (test-owned config: `master agentx`
 * on a unix socket, SNMP on the namespace's loopback) runs in the director's namespace; keepalived
 * runs first, is stopped, then halo runs on the same config; both are walked with snmpwalk
 * (GetNext) and snmpbulkwalk (GetBulk), `-On`, over 1.3.6.1.2.1.207. Only UpTime (centiseconds
 * since the instance started, a clock reading) is compared as "present and positive".
 *
 * IPv6 (RFC 6527 rows with InetAddressType ipv6(2)): a dual-stack lb1 with IPv6 instances beside
 * an IPv4 one of the same VRID, a link-local first VIP, other-family and excluded addresses, and
 * a BACKUP instance hearing a keepalived master on lb2 (its MasterIpAddr is lb2's link-local
 * address). The backup's AdvertiseRcvd grows with time and is compared as "positive".
 *
 * VRRP-MIB (RFC 2787, 1.3.6.1.2.1.68): `enable_snmp_rfc` (both MIBs on one session) and
 * `enable_snmp_rfcv2` (VRRP-MIB alone), version 2 and 3 instances, a BACKUP behind lb2's
 * keepalived master; both MIBs walked and bulk-walked, and Get answers compared (keepalived's
 * tables answer a walk with their lowest row only, and a Get with no instance).
 */
import { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ipaddr from 'ipaddr.js';
import { Directors, RunningDirector, waitFor } from '../support/directors';
import { stopProcess, Topology } from '../support/netns';
import { describeNeeding, root, tool } from '../support/prerequisites';
import { snmpCommand, startSnmpd, startSnmptrapd } from '../support/snmp';
import { craftAdvert6Script } from '../support/vrrp6-craft';

jest.setTimeout(120_000);

let topo: Topology;
let dirs: Directors;
let tmp: string;
let snmpd: ChildProcess;
let agentx: string;

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

const LB2_MASTER_VRID = 70;
const LB2_V2_MASTER_VRID = 41;

/**
 * VRRP-MIB (RFC 2787): keepalived serves its VRRP version 2 IPv4 instances there. VI_21 is a
 * MASTER with two VIPs; VI_22 a nopreempt BACKUP alone on its VRID (MASTER after its down timer),
 * advert_int 2; VI_23, with simple-password authentication, stays BACKUP behind lb2's keepalived
 * master (its vrrpOperMasterIpAddr is lb2's address); VI_24 is version 3 (VRRPv3-MIB only);
 * VI_25 has no VIP (in neither MIB). keepalived's vrrpOperTable and vrrpRouterStatsTable show
 * the lowest (ifIndex, VRID) row only (see src/daemon/snmp/vrrp-mib.ts): VI_23's, VRID 41.
 */
function configV2(flag: 'enable_snmp_rfc' | 'enable_snmp_rfcv2'): string {
  return `global_defs {
  router_id lb1
  ${flag}
  snmp_socket unix:${agentx}
}
vrrp_instance VI_21 {
  state MASTER
  interface eth0
  virtual_router_id 61
  priority 150
  advert_int 1
  version 2
  virtual_ipaddress {
    192.168.77.201/24
    192.168.77.200/24
  }
}
vrrp_instance VI_22 {
  state BACKUP
  interface eth0
  virtual_router_id 62
  priority 100
  advert_int 2
  version 2
  nopreempt
  virtual_ipaddress {
    192.168.77.210/24
  }
}
vrrp_instance VI_23 {
  state BACKUP
  interface eth0
  virtual_router_id ${LB2_V2_MASTER_VRID}
  priority 100
  advert_int 1
  version 2
  authentication {
    auth_type PASS
    auth_pass secret
  }
  virtual_ipaddress {
    192.168.77.230/24
  }
}
vrrp_instance VI_24 {
  state MASTER
  interface eth0
  virtual_router_id 64
  priority 200
  advert_int 1
  version 3
  virtual_ipaddress {
    192.168.77.240/24
  }
}
vrrp_instance VI_25 {
  state MASTER
  interface eth0
  virtual_router_id 65
  priority 200
  advert_int 1
  version 2
}
`;
}

/** lb2's keepalived: the version 2 master VI_23 hears (priority 200, the same VIP). */
function lb2V2Config(): string {
  return `global_defs {
  router_id lb2
}
vrrp_instance VM_23 {
  state MASTER
  interface eth0
  virtual_router_id ${LB2_V2_MASTER_VRID}
  version 2
  priority 200
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass secret
  }
  virtual_ipaddress {
    192.168.77.230/24
  }
}
`;
}

/**
 * VRRP-MIB: 2 node scalars + the lowest row's 13 operations columns (vrrpOperAuthKey is never
 * readable) + 4 associated addresses (every row's) + 3 error scalars + the lowest row's 12
 * statistics columns.
 */
const ROWS_V2 = 2 + 13 + 4 + 3 + 12;
/** VRRPv3-MIB for the same config: every instance with a VIP (VI_21 to VI_24). */
const ROWS_V2_V3 = 4 * 11 + 5 + 4 + 4 * 13;

/**
 * IPv6: lb1 dual stack. VI_4 (IPv4) and VI_6 (IPv6) share VRID 51, so their rows differ only by
 * InetAddressType; VI_6's first VIP is link-local, and it carries an IPv4 address and an excluded
 * IPv6 one (neither in the MIB); VI_7 is an IPv6 nopreempt backup alone on its VRID (MASTER after
 * its down timer); VI_8 stays BACKUP behind lb2's keepalived master at priority 200; VI_9 is a
 * BACKUP that has heard no master yet (advert_int 30: its down timer is 90 s away), so its
 * MasterIpAddr is the unspecified address.
 */
function config6(): string {
  const v = (name: string, vrid: number, extra: string[], vips: string[]) => `vrrp_instance ${name} {
  interface eth0
  virtual_router_id ${vrid}
  version 3
${extra.map((l) => `  ${l}\n`).join('')}  virtual_ipaddress {
${vips.map((a) => `    ${a}\n`).join('')}  }
}
`;
  return `global_defs {
  router_id lb1
  enable_snmp_rfcv3
  snmp_socket unix:${agentx}
}
${v('VI_4', 51, ['state MASTER', 'priority 150', 'advert_int 1'], ['192.168.77.200/24'])}${v('VI_6', 51, ['state MASTER', 'priority 150', 'advert_int 1',
    'virtual_ipaddress_excluded {', '    fd00:78::200/64', '  }'], ['fe80::77:200/64', 'fd00:77::201/64', 'fd00:77::200/64', '192.168.77.250/24'])}${v('VI_7', 60, ['state BACKUP', 'priority 100', 'advert_int 0.5', 'nopreempt'], ['fd00:77::210/64'])}${v('VI_8', LB2_MASTER_VRID, ['state BACKUP', 'priority 100', 'advert_int 1'], ['fd00:77::220/64', 'fd00:77::221/64'])}${v('VI_9', 80, ['state BACKUP', 'priority 100', 'advert_int 30'], ['fd00:77::230/64'])}`;
}

/** lb2's keepalived: the master VI_8 hears (priority 200, the same VIPs). */
function lb2Config(): string {
  return `global_defs {
  router_id lb2
}
vrrp_instance VM_8 {
  state MASTER
  interface eth0
  virtual_router_id ${LB2_MASTER_VRID}
  version 3
  priority 200
  advert_int 1
  virtual_ipaddress {
    fd00:77::220/64
    fd00:77::221/64
  }
}
`;
}

/**
 * 5 instances × 11 operations columns + 1 + 3 + 1 + 2 + 1 associated addresses + 4 scalars + 5 ×
 * 13 statistics columns.
 */
const ROWS6 = 5 * 11 + 8 + 4 + 5 * 13;

/** `fe80::…` as snmpwalk prints 16 octets: `FE 80 00 … ` */
const hex = (a: string): string => Buffer.from(ipaddr.parse(a).toByteArray()).toString('hex').toUpperCase().replace(/(..)(?!$)/g, '$1 ');
/** A host's eth0 link-local address once out of duplicate address detection ('' before). */
function linkLocal(h: string): string {
  // (ip -j lists a filtered-out address as {})
  const out = JSON.parse(topo.exec(h, ['ip', '-j', '-6', 'addr', 'show', 'dev', 'eth0', 'scope', 'link', '-tentative'])) as Array<{ addr_info: Array<{ local?: string }> }>;
  return out.flatMap((l) => l.addr_info.flatMap((a) => (a.local ? [a.local] : []))).find((a) => a !== 'fe80::77:200') ?? '';
}

const VRRPV3_MIB = '1.3.6.1.2.1.207';
const VRRP_MIB = '1.3.6.1.2.1.68';

/** Each MIB root walked in turn, its lines in walk order. */
function walk(cmd: 'snmpwalk' | 'snmpbulkwalk', roots: string[] = [VRRPV3_MIB]): string[] {
  return roots.flatMap((root) => {
    const out = snmpCommand(topo, 'lb1', cmd, [root]);
    // objects only: snmpd answers an unregistered subtree with ".1.3.6.1.2.1.207 = No Such Object …"
    const object = new RegExp(`^\\.${root.replace(/\./g, '\\.')}\\.\\S+ = `);
    return out.split('\n').filter((l) => object.test(l));
  });
}

/**
 * UpTime (…207.1.1.1.1.12.*) is a clock reading, and a backup's AdvertiseRcvd (…207.1.2.5.1.3.*,
 * …68.2.4.1.2.*) a count that grows while it listens: keep the OID, check the value is positive.
 * VRRP-MIB's vrrpOperVirtualRouterUpTime (…68.1.3.1.13.*) is the time from the VRRP process's
 * start to the instance's, a few centiseconds of start-up: kept as "Timeticks: present".
 */
function normalise(lines: string[]): string[] {
  return lines.map((l) => {
    const m = /^(\.1\.3\.6\.1\.2\.1\.207\.1\.1\.1\.1\.12\.\S+) = Timeticks: \((\d+)\)/.exec(l);
    if (m) return `${m[1]} = Timeticks: ${Number(m[2]) > 0 ? 'positive' : 'zero'}`;
    const r = /^(\.1\.3\.6\.1\.2\.1\.207\.1\.2\.5\.1\.3\.\S+) = Counter64: (\d+)$/.exec(l);
    if (r && Number(r[2]) > 0) return `${r[1]} = Counter64: positive`;
    const u = /^(\.1\.3\.6\.1\.2\.1\.68\.1\.3\.1\.13\.\S+) = Timeticks: \((\d+)\)/.exec(l);
    if (u) return `${u[1]} = Timeticks: present`;
    const a = /^(\.1\.3\.6\.1\.2\.1\.68\.2\.4\.1\.2\.\S+) = Counter32: (\d+)$/.exec(l);
    if (a && Number(a[2]) > 0) return `${a[1]} = Counter32: positive`;
    return l;
  });
}

interface WalkPlan {
  /** Each instance and the state it settles in. */
  states: Record<string, 'MASTER' | 'BACKUP'>;
  rows: number;
  /** The MIB roots walked (VRRPv3-MIB unless given); `rows` counts them all. */
  roots?: string[];
  /** OIDs to Get one by one once the walk is taken (chosen from the walk). */
  gets?: (walk: string[]) => string[];
  /** What else the walk must show before it is taken (e.g. a backup's master address). */
  ready?: (walk: string[]) => boolean;
}

const PLAN4: WalkPlan = { states: { VI_1: 'MASTER', VI_2: 'MASTER', VI_3: 'MASTER' }, rows: ROWS };

/** snmpget of each OID, one request each, as `-On` prints the answer. */
function get(oids: string[]): string[] {
  return oids.map((oid) => snmpCommand(topo, 'lb1', 'snmpget', [oid]).trim());
}

async function runAndWalk(start: () => RunningDirector, plan: WalkPlan = PLAN4): Promise<{ walk: string[]; bulk: string[]; log: string; got: string[] }> {
  const d = start();
  // the last entry of each instance into the state it settles in (a backup enters BACKUP at start)
  const settled = await waitFor(() => Object.entries(plan.states).every(([i, st]) => d.log().includes(`(${i}) Entering ${st} STATE`)), 20_000, 100);
  if (!settled) throw new Error(`${d.kind} did not bring every instance to ${JSON.stringify(plan.states)}:\n${d.log()}`);
  // the subagent has registered once the walk has every row (keepalived retries every 15 s)
  const served = await waitFor(() => {
    const w = walk('snmpwalk', plan.roots);
    return w.length >= plan.rows && (plan.ready?.(w) ?? true);
  }, 40_000, 250);
  if (!served) throw new Error(`${d.kind} does not serve ${plan.roots ?? VRRPV3_MIB} through snmpd:\n${walk('snmpwalk', plan.roots).join('\n')}\n${d.log()}\n--- snmpd\n${readFileSync(join(tmp, 'snmpd.log'), 'utf8').slice(-3000)}`);
  const t0 = process.hrtime.bigint();
  const w = walk('snmpwalk', plan.roots);
  const result = { walk: w, bulk: walk('snmpbulkwalk', plan.roots), log: d.log(), got: get(plan.gets?.(w) ?? []) };
  // a figure, not an assertion: both walks through snmpd, this subagent answering
  console.log(`${d.kind}: snmpwalk + snmpbulkwalk of ${result.walk.length} objects in ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0)} ms`);
  d.signal('SIGTERM');
  await Promise.race([d.exited, new Promise((r) => setTimeout(r, 10_000))]);
  dirs.running.splice(dirs.running.indexOf(d), 1);
  // snmpd drops the session when the subagent goes: nothing is served until the next one comes
  if (!(await waitFor(() => walk('snmpwalk', [VRRP_MIB, VRRPV3_MIB]).length === 0, 10_000, 100))) throw new Error(`snmpd still serves ${d.kind}'s rows after it stopped`);
  return result;
}

/**
 * enable_traps: VI_31 (version 2), VI_32 (version 3) and VI_34 (IPv6) become MASTER; VI_33 (version 2) has no VIP. Under
 * enable_snmp_rfc keepalived sends vrrpTrapNewMaster for VI_31 and vrrpv3NotifyNewMaster for the other three
 * (VI_34's with its link-local address, 16 octets, indexed ipv6(2)).
 */
function configTraps(): string {
  const v = (name: string, vrid: number, version: number, vips: string[]) => `vrrp_instance ${name} {
  state MASTER
  interface eth0
  virtual_router_id ${vrid}
  priority 150
  advert_int 1
  version ${version}
  virtual_ipaddress {
${vips.map((a) => `    ${a}\n`).join('')}  }
}
`;
  return `global_defs {
  router_id lb1
  enable_snmp_rfc
  enable_traps
  snmp_socket unix:${agentx}
}
${v('VI_31', 81, 2, ['192.168.77.181/24'])}${v('VI_32', 82, 3, ['192.168.77.182/24', '192.168.77.183/24'])}${v('VI_33', 83, 2, [])}${v('VI_34', 84, 3, ['fd00:77::184/64'])}`;
}

/**
 * enable_traps over IPv6: VI_44 (IPv6, VRRPv3) hears crafted adverts for its VRID from lb2's
 * link-local address with hop limit 64, which both reject with vrrpv3NotifyProtoError ipTtlError(1).
 */
function configTrapErrors6(): string {
  return `global_defs {
  router_id lb1
  enable_snmp_rfcv3
  enable_traps
  snmp_socket unix:${agentx}
}
vrrp_instance VI_44 {
  state BACKUP
  interface eth0
  virtual_router_id 94
  priority 100
  advert_int 1
  virtual_ipaddress {
    fd00:77::194/64
  }
}
`;
}

/**
 * enable_traps' error notifications: lb1's version 2 instances hear lb2's keepalived send them
 * adverts they reject: VRID 91 with the wrong password (authFailure), VRID 92 with no
 * authentication (authTypeMismatch), VRID 93 in version 3 (a version error).
 */
function configTrapErrors(): string {
  const v = (name: string, vrid: number, vip: string, auth: boolean) => `vrrp_instance ${name} {
  state BACKUP
  interface eth0
  virtual_router_id ${vrid}
  priority 100
  advert_int 1
  version 2
${auth ? '  authentication {\n    auth_type PASS\n    auth_pass secret\n  }\n' : ''}  virtual_ipaddress {
    ${vip}
  }
}
`;
  return `global_defs {
  router_id lb1
  enable_snmp_rfc
  enable_traps
  snmp_socket unix:${agentx}
}
${v('VI_41', 91, '192.168.77.191/24', true)}${v('VI_42', 92, '192.168.77.192/24', true)}${v('VI_43', 93, '192.168.77.193/24', false)}`;
}

/** lb2's keepalived: the adverts lb1 rejects. */
function lb2TrapErrorsConfig(): string {
  const v = (name: string, vrid: number, vip: string, extra: string) => `vrrp_instance ${name} {
  state MASTER
  interface eth0
  virtual_router_id ${vrid}
  priority 200
  advert_int 1
${extra}  virtual_ipaddress {
    ${vip}
  }
}
`;
  return `global_defs {
  router_id lb2
}
${v('VM_41', 91, '192.168.77.191/24', '  version 2\n  authentication {\n    auth_type PASS\n    auth_pass wrong\n  }\n')}${v('VM_42', 92, '192.168.77.192/24', '  version 2\n')}${v('VM_43', 93, '192.168.77.193/24', '  version 3\n')}`;
}

describeNeeding(root, tool('keepalived'), tool('snmpd'), tool('snmptrapd', 'snmptrapd'), tool('snmpwalk', 'snmp'), tool('snmpbulkwalk', 'snmp'))('VRRPv3-MIB over AgentX, halo beside keepalived 2.2.7 (netns)', () => {
  beforeAll(async () => {
    topo = new Topology('hsn-').build(['br0'], [{ name: 'lb1', links: [['br0', '192.168.77.11/24']] }, { name: 'lb2', links: [['br0', '192.168.77.12/24']] }]);
    topo.exec('lb1', ['ip', 'addr', 'add', 'fd00:77::11/64', 'dev', 'eth0']);
    topo.exec('lb2', ['ip', 'addr', 'add', 'fd00:77::12/64', 'dev', 'eth0']);
    // the link-local addresses (the IPv6 instances' sources) have finished duplicate address detection
    expect(await waitFor(() => linkLocal('lb1') !== '' && linkLocal('lb2') !== '', 15_000, 100)).toBe(true);
    tmp = mkdtempSync(join(tmpdir(), 'halo-snmp-'));
    // notifications from subagents go on to snmptrapd (the enable_traps case)
    ({ proc: snmpd, agentx } = await startSnmpd(topo, 'lb1', tmp));
    dirs = new Directors(topo, tmp);
  });

  afterAll(async () => {
    await dirs?.stopAll();
    // (bounded: one that died of a signal already has no exit event left to wait for)
    await Promise.race([stopProcess(snmpd ?? null), new Promise((r) => setTimeout(r, 10_000).unref())]);
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

  describe('VRRP-MIB (RFC 2787) for version 2 instances, walked', () => {
    type Walked = { walk: string[]; bulk: string[]; log: string; got: string[] };
    /** A node scalar, and the served row's vrrpOperState: keepalived finds no object for a Get of a table row. */
    const gets = (w: string[]) => [`${VRRP_MIB}.1.1.0`, ...w.filter((l) => l.startsWith(`.${VRRP_MIB}.1.3.1.3.`)).map((l) => l.slice(1).split(' ')[0])];
    let ka: Walked;
    let halo: Walked;
    let kaV2: Walked;
    let haloV2: Walked;
    let lb2: RunningDirector;
    const hearsLb2 = (w: string[]) => w.some((l) => new RegExp(`\\.68\\.1\\.3\\.1\\.7\\.\\d+\\.${LB2_V2_MASTER_VRID} = IpAddress: 192\\.168\\.77\\.12$`).test(l))
      && w.some((l) => new RegExp(`\\.68\\.2\\.4\\.1\\.2\\.\\d+\\.${LB2_V2_MASTER_VRID} = Counter32: [1-9]`).test(l));
    const states = { VI_21: 'MASTER', VI_22: 'MASTER', VI_23: 'BACKUP', VI_24: 'MASTER' } as const;
    const both: WalkPlan = { states, rows: ROWS_V2 + ROWS_V2_V3, roots: [VRRP_MIB, VRRPV3_MIB], ready: hearsLb2, gets };
    const v2Only: WalkPlan = { states, rows: ROWS_V2, roots: [VRRP_MIB, VRRPV3_MIB], ready: hearsLb2, gets };

    beforeAll(async () => {
      lb2 = dirs.keepalived('lb2', lb2V2Config());
      const up = await waitFor(() => lb2.log().includes('(VM_23) Entering MASTER STATE'), 20_000, 100);
      if (!up) throw new Error(`lb2's keepalived did not become MASTER:\n${lb2.log()}`);
      ka = await runAndWalk(() => dirs.keepalived('lb1', configV2('enable_snmp_rfc'), ['-P']), both);
      halo = await runAndWalk(() => dirs.halo('lb1', configV2('enable_snmp_rfc')), both);
      kaV2 = await runAndWalk(() => dirs.keepalived('lb1', configV2('enable_snmp_rfcv2'), ['-P']), v2Only);
      haloV2 = await runAndWalk(() => dirs.halo('lb1', configV2('enable_snmp_rfcv2')), v2Only);
    });

    afterAll(async () => {
      lb2?.signal('SIGTERM');
      if (lb2) await Promise.race([lb2.exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (lb2) dirs.running.splice(dirs.running.indexOf(lb2), 1);
    });

    it('keepalived serves both MIBs under enable_snmp_rfc (the oracle is really there)', () => {
      expect(ka.walk.filter((l) => l.startsWith(`.${VRRP_MIB}.`))).toHaveLength(ROWS_V2);
      expect(ka.walk.filter((l) => l.startsWith(`.${VRRPV3_MIB}.`))).toHaveLength(ROWS_V2_V3);
      expect(hearsLb2(ka.walk)).toBe(true);
    });

    it('halo serves the same VRRP-MIB and VRRPv3-MIB OIDs, types and values (snmpwalk: GetNext)', () => {
      expect(normalise(halo.walk)).toEqual(normalise(ka.walk));
      // the lowest row (VI_23, BACKUP behind lb2, simple password) is the one served; every
      // version 2 instance's addresses are associated, the version 3 one's are not
      expect(halo.walk.filter((l) => /^\.1\.3\.6\.1\.2\.1\.68\.1\.3\.1\.[39]\./.test(l)).map((l) => l.replace(/^.*\.(\d+) = /, '$1 = '))).toEqual([`${LB2_V2_MASTER_VRID} = INTEGER: 2`, `${LB2_V2_MASTER_VRID} = INTEGER: 2`]);
      expect(hearsLb2(halo.walk)).toBe(true);
      expect(halo.walk.filter((l) => /^\.1\.3\.6\.1\.2\.1\.68\.1\.4\.1\.2\./.test(l)).map((l) => l.replace(/^.*\.(\d+\.\d+\.\d+\.\d+\.\d+) = .*/, '$1'))).toEqual(
        [`${LB2_V2_MASTER_VRID}.192.168.77.230`, '61.192.168.77.200', '61.192.168.77.201', '62.192.168.77.210']);
    });

    it('and the same through GetBulk (snmpbulkwalk)', () => {
      expect(normalise(halo.bulk)).toEqual(normalise(ka.bulk));
    });

    it('enable_snmp_rfcv2 alone: VRRP-MIB only, as keepalived', () => {
      expect(kaV2.walk).toHaveLength(ROWS_V2);
      expect(kaV2.walk.every((l) => l.startsWith(`.${VRRP_MIB}.`))).toBe(true);
      expect(normalise(haloV2.walk)).toEqual(normalise(kaV2.walk));
      expect(normalise(haloV2.bulk)).toEqual(normalise(kaV2.bulk));
    });

    it('the same answers to Get: a node scalar, and no object for the row a walk shows', () => {
      expect(ka.got).toHaveLength(2);
      expect(ka.got[0]).toBe(`.${VRRP_MIB}.1.1.0 = INTEGER: 2`);
      expect(ka.got[1]).toMatch(/No Such (Instance|Object)/);
      expect(halo.got).toEqual(ka.got);
      expect(haloV2.got).toEqual(kaV2.got);
    });
  });

  describe('enable_traps: notifications received by snmptrapd', () => {
    let trapd: ChildProcess;
    let trapLog: string;
    /** Our notifications in snmptrapd's log, in arrival order, sysUpTime's value masked. */
    const traps = (): string[] => {
      const text = readFileSync(trapLog, 'utf8');
      return text.split('\n').filter((l) => l.startsWith('TRAP ') && /\.1\.3\.6\.1\.2\.1\.(68|207)\.0\.1\b/.test(l))
        .map((l) => l.replace(/Timeticks: \(\d+\) [^\t]*/, 'Timeticks: (T)'));
    };
    let seen = 0;
    const plan: WalkPlan = { states: { VI_31: 'MASTER', VI_32: 'MASTER', VI_34: 'MASTER' }, rows: 1, roots: [VRRP_MIB, VRRPV3_MIB], ready: () => traps().length >= seen + 4 };
    let ka: string[];
    let halo: string[];
    /** Every notification after the first `from` in snmptrapd's log (not only new-master ones). */
    const allTraps = (from: number): string[] => readFileSync(trapLog, 'utf8').split('\n').filter((l) => l.startsWith('TRAP ') && /\.1\.3\.6\.1\.2\.1\.(68|207)\.0\.\d\b/.test(l))
      .slice(from).map((l) => l.replace(/Timeticks: \(\d+\) [^\t]*/, 'Timeticks: (T)'));
    const distinct = (lines: string[]) => [...new Set(lines)].sort();
    /**
     * Every kind has arrived since `from` (each instance's two new-master notifications, a
     * rejection of each lb2 VRID), and three of VRID 92's: later ones only repeat these.
     */
    const threeRounds = (from: number) => {
      const t = allTraps(from);
      const n = (re: RegExp) => t.filter((l) => re.test(l)).length;
      return n(/\.68\.1\.6\.\d+\.92 = INTEGER: 2/) >= 3 && n(/\.68\.1\.6\.\d+\.91 = /) >= 1 && n(/\.207\.1\.2\.5\.1\.6\.\d+\.93\.1 = /) >= 1
        && n(/= OID: \.1\.3\.6\.1\.2\.1\.68\.0\.1\b/) >= 3 && n(/= OID: \.1\.3\.6\.1\.2\.1\.207\.0\.1\b/) >= 3;
    };
    let kaErrors: string[];
    let haloErrors: string[];

    beforeAll(async () => {
      ({ proc: trapd, log: trapLog } = await startSnmptrapd(topo, 'lb1', tmp));
      await runAndWalk(() => dirs.keepalived('lb1', configTraps(), ['-P']), plan);
      ka = traps();
      seen = ka.length;
      await runAndWalk(() => dirs.halo('lb1', configTraps()), plan);
      halo = traps().slice(seen);
      // the error notifications, lb2's keepalived sending the adverts lb1 rejects
      const lb2 = dirs.keepalived('lb2', lb2TrapErrorsConfig());
      try {
        const states = { VI_41: 'MASTER', VI_42: 'MASTER', VI_43: 'MASTER' } as const;
        let from = allTraps(0).length;
        await runAndWalk(() => dirs.keepalived('lb1', configTrapErrors(), ['-P']), { states, rows: 1, roots: [VRRP_MIB], ready: () => threeRounds(from) });
        kaErrors = allTraps(from);
        from = allTraps(0).length;
        await runAndWalk(() => dirs.halo('lb1', configTrapErrors()), { states, rows: 1, roots: [VRRP_MIB], ready: () => threeRounds(from) });
        haloErrors = allTraps(from);
      } finally {
        lb2.signal('SIGTERM');
        await Promise.race([lb2.exited, new Promise((r) => setTimeout(r, 10_000))]);
        dirs.running.splice(dirs.running.indexOf(lb2), 1);
      }
    });

    afterAll(async () => {
      await Promise.race([stopProcess(trapd ?? null), new Promise((r) => setTimeout(r, 10_000).unref())]);
    });

    it('keepalived sends vrrpTrapNewMaster for the version 2 instance and vrrpv3NotifyNewMaster for the others, IPv6 too (the oracle is really there)', () => {
      console.log(`keepalived's new-master notifications:\n${ka.join('\n')}`);
      expect(ka).toHaveLength(4);
      expect(ka.filter((l) => /\.1\.3\.6\.1\.2\.1\.68\.0\.1\b/.test(l))).toHaveLength(1);
      expect(ka).toContainEqual(expect.stringMatching(new RegExp(`\\.207\\.1\\.1\\.1\\.1\\.3\\.\\d+\\.84\\.2 = Hex-STRING: ${hex(linkLocal('lb1'))}`)));
    });

    it('keepalived sends vrrpTrapAuthFailure for a wrong password and a missing authentication, vrrpv3NotifyProtoError for a wrong version (the oracle is really there)', () => {
      console.log(`keepalived's error notifications (distinct):\n${distinct(kaErrors).join('\n')}`);
      expect(distinct(kaErrors).filter((l) => /\.68\.0\.2\b/.test(l)).map((l) => /\.68\.1\.6\.\d+\.(\d+) = INTEGER: (\d)/.exec(l)?.slice(1).join(':'))).toEqual(['91:3', '92:2']);
      // and vrrpv3NotifyProtoError, versionError(2), for the version 3 adverts
      expect(distinct(kaErrors).filter((l) => /\.207\.0\.2\b/.test(l)).map((l) => /\.207\.1\.2\.5\.1\.6\.\d+\.(\d+)\.1 = INTEGER: (\d)/.exec(l)?.slice(1).join(':'))).toEqual(['93:2']);
    });

    it('halo sends the same error notifications, with the same varbinds', () => {
      expect(distinct(haloErrors)).toEqual(distinct(kaErrors));
    });

    it('halo sends the same notifications with the same varbinds', () => {
      expect([...halo].sort()).toEqual([...ka].sort());
      expect(halo.find((l) => /\.68\.0\.1\b/.test(l))).toMatch(/\.1\.3\.6\.1\.2\.1\.68\.1\.3\.1\.7\.\d+\.81 = IpAddress: 192\.168\.77\.11/);
    });

    describe('an IPv6 advert with hop limit 64: vrrpv3NotifyProtoError', () => {
      let ka6: string[];
      let halo6: string[];
      const protoErrors = (from: number) => allTraps(from).filter((l) => /= OID: \.1\.3\.6\.1\.2\.1\.207\.0\.2\b/.test(l));

      beforeAll(async () => {
        const script = join(tmp, 'craft6.py');
        writeFileSync(script, craftAdvert6Script(94, 200, ['fd00:77::194']));
        const lb2 = linkLocal('lb2');
        // sent again at each look until a notification is in: keepalived's subagent may register
        // after the first ones (it retries every 15 s), and notifications before that are lost
        const sendUntilNotified = (from: number) => () => {
          if (protoErrors(from).length > 0) return true;
          topo.exec('lb2', ['python3', script, '--src', lb2, '--dst', 'ff02::12', '--hops', '64']);
          return false;
        };
        const states = { VI_44: 'MASTER' } as const;
        let from = allTraps(0).length;
        await runAndWalk(() => dirs.keepalived('lb1', configTrapErrors6(), ['-P']), { states, rows: 1, ready: sendUntilNotified(from) });
        ka6 = protoErrors(from);
        from = allTraps(0).length;
        await runAndWalk(() => dirs.halo('lb1', configTrapErrors6()), { states, rows: 1, ready: sendUntilNotified(from) });
        halo6 = protoErrors(from);
      });

      it('keepalived sends ipTtlError(1) for VI_44, indexed ipv6(2) (the oracle is really there)', () => {
        console.log(`keepalived's IPv6 error notifications (distinct):\n${distinct(ka6).join('\n')}`);
        expect(distinct(ka6).map((l) => /\.207\.1\.2\.5\.1\.6\.\d+\.(\d+)\.(\d) = INTEGER: (\d)/.exec(l)?.slice(1).join(':'))).toEqual(['94:2:1']);
      });

      it('halo sends the same, with the same varbinds', () => {
        expect(distinct(halo6)).toEqual(distinct(ka6));
      });
    });
  });

  describe('IPv6 instances beside an IPv4 one, walked', () => {
    let ka: { walk: string[]; bulk: string[]; log: string };
    let halo: { walk: string[]; bulk: string[]; log: string };
    let lb1LinkLocal: string;
    let lb2LinkLocal: string;
    let lb2: RunningDirector;
    const backupHearsLb2 = (w: string[]) => w.some((l) => /\.207\.1\.1\.1\.1\.6\.\d+\.70\.2 = INTEGER: 2$/.test(l))
      && w.some((l) => new RegExp(`\\.207\\.1\\.1\\.1\\.1\\.3\\.\\d+\\.70\\.2 = Hex-STRING: ${hex(lb2LinkLocal)} ?$`).test(l));
    const plan6: WalkPlan = { states: { VI_4: 'MASTER', VI_6: 'MASTER', VI_7: 'MASTER', VI_8: 'BACKUP', VI_9: 'BACKUP' }, rows: ROWS6, ready: (w) => backupHearsLb2(w) };
    const unheard = new RegExp(`\\.207\\.1\\.1\\.1\\.1\\.3\\.\\d+\\.80\\.2 = Hex-STRING: ${hex('::')} ?$`);

    beforeAll(async () => {
      // both link-local addresses have finished duplicate address detection
      expect(await waitFor(() => linkLocal('lb1') !== '' && linkLocal('lb2') !== '', 15_000, 100)).toBe(true);
      lb1LinkLocal = linkLocal('lb1');
      lb2LinkLocal = linkLocal('lb2');
      lb2 = dirs.keepalived('lb2', lb2Config());
      const up = await waitFor(() => lb2.log().includes('(VM_8) Entering MASTER STATE'), 20_000, 100);
      if (!up) throw new Error(`lb2's keepalived did not become MASTER:\n${lb2.log()}`);
      ka = await runAndWalk(() => dirs.keepalived('lb1', config6(), ['-P']), plan6);
      halo = await runAndWalk(() => dirs.halo('lb1', config6()), plan6);
    });

    it('keepalived serves the IPv6 rows (the oracle is really there)', () => {
      expect(ka.walk).toHaveLength(ROWS6);
      // VI_6's row is indexed ipv6(2), VI_4's ipv4(1), on the same VRID
      expect(ka.walk.filter((l) => /\.207\.1\.1\.1\.1\.7\.\d+\.51\.[12] = /.test(l))).toHaveLength(2);
      expect(backupHearsLb2(ka.walk)).toBe(true);
      expect(ka.walk).toContainEqual(expect.stringMatching(unheard));
    });

    it('halo serves the same IPv6 and IPv4 rows (snmpwalk: GetNext)', () => {
      expect(halo.log).toContain('AgentX subagent connected');
      expect(normalise(halo.walk)).toEqual(normalise(ka.walk));
      // the master's own address is its link-local one; the backup's master is lb2's link-local one
      expect(halo.walk).toContainEqual(expect.stringMatching(new RegExp(`\\.207\\.1\\.1\\.1\\.1\\.4\\.\\d+\\.51\\.2 = Hex-STRING: ${hex(lb1LinkLocal)} ?$`)));
      expect(backupHearsLb2(halo.walk)).toBe(true);
      expect(halo.walk).toContainEqual(expect.stringMatching(unheard));
      // VI_6: three IPv6 addresses, the IPv4 one and the excluded one are not associated
      expect(halo.walk.filter((l) => /\.207\.1\.1\.2\.1\.2\.\d+\.51\.2\./.test(l))).toHaveLength(3);
    });

    it('and the same through GetBulk (snmpbulkwalk)', () => {
      expect(normalise(halo.bulk)).toEqual(normalise(ka.bulk));
    });

    afterAll(async () => {
      lb2?.signal('SIGTERM');
      if (lb2) await Promise.race([lb2.exited, new Promise((r) => setTimeout(r, 10_000))]);
    });
  });
});
