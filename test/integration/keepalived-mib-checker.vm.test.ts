/**
 * KEEPALIVED-MIB's checker objects (1.3.6.1.4.1.9586.100.5.3, `enable_snmp_checker`) and the
 * global objects the checker side serves with them: halo beside keepalived 2.2.7 (its checker
 * process alone, -C) on the same LVS config and the same snmpd (test-owned: `master agentx` on a
 * unix socket), in the kernel VM tier (IPVS). keepalived runs first, is stopped, then halo; each is
 * walked with snmpwalk (GetNext) and snmpbulkwalk (GetBulk), and asked single Gets and GetNexts at
 * the edges. What may differ: `version.0` (the version strings) and the IPVS counters and rates,
 * compared by presence and type (the real servers' checks do not go through IPVS, but nothing
 * holds the counters still).
 *
 * The config has a virtual_server_group (an address, a range, a fwmark) and its service, an
 * address service with persistence, quorum and hysteresis, quorum scripts, timing keywords,
 * virtualhost, snmp_name, a sorry server and two real servers (one with thresholds, scripts,
 * inhibit_on_failure and snmp_name; one down from the start: nothing listens on its check port),
 * a fwmark service (sh, sh-port, DR) and a UDP service (ops) whose real server has no checker.
 * snmptrapd receives realServerStateChange and virtualServerQuorumStateChange from both (start,
 * the fwmark service's real server going down and coming back, stop), compared as sets.
 */
import { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directors, HALO, RunningDirector, waitFor } from '../support/directors';
import { stopProcess, Topology } from '../support/netns';
import { TcpListeners } from '../support/tcp-listeners';
import { describeNeeding, file, ipvsKernel, root, tool } from '../support/prerequisites';
import { snmpCommand, startSnmpd, startSnmptrapd } from '../support/snmp';

jest.setTimeout(900_000);

const KM = '1.3.6.1.4.1.9586.100.5';
const RS1 = '10.0.125.20';
const RS2 = '10.0.125.21';
let topo: Topology;
let dirs: Directors;
let tmp: string;
let snmpd: ChildProcess;
let trapd: ChildProcess;
let agentx: string;
let trapLog: string;
const listeners = new TcpListeners(() => topo, 'rs', RS1);
const listen = (port: number): Promise<void> => listeners.listen(port);
const unlisten = (port: number): Promise<void> => listeners.unlisten(port);

const tcpCheck = (port: number, extra = ''): string => `    TCP_CHECK {\n      connect_ip ${RS1}\n      connect_port ${port}\n      connect_timeout 1\n${extra}    }\n`;

function config(): string {
  return `global_defs {
  router_id lb1
  enable_snmp_checker
  enable_traps
  snmp_socket unix:${agentx}
}
virtual_server_group VSG_1 {
  10.0.125.100 80
  10.0.125.101-102 80
  fwmark 7
}
virtual_server group VSG_1 {
  delay_loop 2
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server ${RS1} 80 {
    weight 2
${tcpCheck(8001)}  }
}
virtual_server 10.0.125.100 443 {
  delay_loop 2
  lb_algo wlc
  lb_kind DR
  persistence_timeout 60
  persistence_granularity 255.255.255.0
  protocol TCP
  quorum 2
  hysteresis 1
  quorum_up "/bin/true up"
  quorum_down "/bin/true down"
  retry 2
  delay_before_retry 1
  warmup 1
  connect_timeout 2
  virtualhost www.example.com
  snmp_name web-tls
  sorry_server 10.0.125.30 443
  real_server ${RS1} 443 {
    weight 3
    inhibit_on_failure
    uthreshold 100
    lthreshold 10
    notify_up "/bin/true rsup"
    notify_down "/bin/true rsdown"
    snmp_name rs-a
${tcpCheck(8001)}  }
  real_server ${RS2} 443 {
    delay_loop 3
    TCP_CHECK {
      connect_port 8002
      connect_timeout 1
      retry 0
    }
  }
}
virtual_server fwmark 9 {
  delay_loop 2
  lb_algo sh
  sh-port
  lb_kind DR
  real_server ${RS1} 0 {
${tcpCheck(8003, '      retry 0\n')}  }
}
virtual_server 10.0.125.100 53 {
  protocol UDP
  lb_algo rr
  ops
  lb_kind NAT
  real_server ${RS1} 53 {
  }
}
`;
}

const snmp = (cmd: string, args: string[]): string => snmpCommand(topo, 'lb1', cmd, args);
const objects = (out: string) => out.split('\n').filter((l) => l.startsWith(`.${KM}.`));
/** The version strings differ; the IPVS counters and rates are compared by type. */
const normalise = (lines: string[]) => lines.map((l) => l
  .replace(/^(\.1\.3\.6\.1\.4\.1\.9586\.100\.5\.1\.1\.0 = STRING: ).*$/, '$1(version)')
  .replace(/^(\.1\.3\.6\.1\.4\.1\.9586\.100\.5\.3\.3\.1\.(?:2[7-9]|3[0-6]|3[89]|4\d|50)\.\d+ = [A-Za-z0-9]+: ).*$/, '$1(stat)')
  .replace(/^(\.1\.3\.6\.1\.4\.1\.9586\.100\.5\.3\.4\.1\.(?:1[4-9]|2\d|3\d)\.\d+\.\d+ = [A-Za-z0-9]+: ).*$/, '$1(stat)'));

const GETS = [
  `${KM}.3.1.1.2.1`, // virtualServerGroupName.1
  `${KM}.3.2.1.5.1.1`, // a fwmark member's address: empty cell
  `${KM}.3.2.1.6.1.3`, // the range's first address
  `${KM}.3.3.1.6.3`, // the fwmark service's address: empty cell
  `${KM}.3.3.1.15.2`, // virtualServerPersistGranularity
  `${KM}.3.3.1.71.2`, // virtualServerName
  `${KM}.3.4.1.7.2.1`, // the sorry server's weight: empty cell
  `${KM}.3.4.1.55.2.2`, // realServerName
  `${KM}.3.4.1.2.5.1`, // no fifth service
  `${KM}.3.6.1.0`, // lvsSyncDaemonEnabled
  `${KM}.3.7.1.0`, // lvsTimeoutTcp: unset
  `${KM}.3.99.1`, // no such object
];
const NEXTS = [
  `${KM}.3`, `${KM}.3.2.1.5.1.1`, `${KM}.3.3.1.6.3`, `${KM}.3.3.1.71.4`, `${KM}.3.4.1.7.2.0`, `${KM}.3.4.1.55`, `${KM}.3.5`, `${KM}.3.6.1.0`, `${KM}.3.7`,
];

/** Our notifications in snmptrapd's log (from line `from`), sysUpTime masked. */
function traps(from: number): string[] {
  return readFileSync(trapLog, 'utf8').split('\n').filter((l) => l.startsWith('TRAP ') && l.includes(`${KM}.3.5.0.`))
    .slice(from).map((l) => l.replace(/Timeticks: \(\d+\) [^\t]*/, 'Timeticks: (T)'));
}
const set = (t: string[]) => [...new Set(t)].sort();

interface Taken {
  walk: string[];
  bulk: string[];
  got: string[];
  next: string[];
  traps: string[];
  log: string;
  bulkRaw: string;
  snmpdLog: string;
}

/** Each real server's realServerStatus as the walk shows it: settled at start. */
const SETTLED = ['3.4.1.6.1.1 = INTEGER: 1', '3.4.1.6.2.2 = INTEGER: 1', '3.4.1.6.2.3 = INTEGER: 2', '3.4.1.6.3.1 = INTEGER: 1', '3.4.1.6.4.1 = INTEGER: 1'];
const fwmarkRs = (status: 1 | 2) => (l: string) => /\.3\.5\.0\.1\b/.test(l) && l.includes(`.${KM}.3.3.1.4 = Gauge32: 9`) && l.includes(`.${KM}.3.4.1.6 = INTEGER: ${status}`);

async function runAndTake(start: () => RunningDirector): Promise<Taken> {
  const from = traps(0).length;
  const d = start();
  const walkHas = (want: string[]) => {
    const w = objects(snmp('snmpwalk', [`${KM}.3`]));
    return want.every((x) => w.includes(`.${KM}.${x}`));
  };
  const show = () => `${snmp('snmpwalk', [KM])}\n--- ${d.kind}\n${d.log().slice(-4000)}\n--- snmpd\n${readFileSync(join(tmp, 'snmpd.log'), 'utf8').slice(-2000)}`;
  if (!(await waitFor(() => walkHas(SETTLED) && traps(from).some((l) => /\.3\.5\.0\.1\b/.test(l)), 120_000, 500))) throw new Error(`${d.kind} does not serve the settled checker objects:\n${show()}`);
  const bulkRaw = snmp('snmpbulkwalk', ['-Cr7', KM]);
  const result: Taken = {
    bulkRaw,
    snmpdLog: readFileSync(join(tmp, 'snmpd.log'), 'utf8').slice(-3000),
    walk: objects(snmp('snmpwalk', [KM])),
    bulk: objects(bulkRaw),
    got: GETS.map((o) => snmp('snmpget', [o]).trim()),
    next: NEXTS.map((o) => snmp('snmpgetnext', [o]).trim()),
    traps: [],
    log: '',
  };
  // the fwmark service's only real server goes down (its quorum with it), then comes back
  await unlisten(8003);
  if (!(await waitFor(() => traps(from).some(fwmarkRs(2)) && walkHas(['3.4.1.6.3.1 = INTEGER: 2', '3.3.1.23.3 = INTEGER: 2']), 60_000, 250))) throw new Error(`${d.kind}: no down notification\n${traps(from).join('\n')}\n${show()}`);
  await listen(8003);
  if (!(await waitFor(() => traps(from).some(fwmarkRs(1)) && walkHas(['3.4.1.6.3.1 = INTEGER: 1', '3.3.1.23.3 = INTEGER: 1']), 60_000, 250))) throw new Error(`${d.kind}: no up notification\n${traps(from).join('\n')}\n${show()}`);
  d.signal('SIGTERM');
  await Promise.race([d.exited, new Promise((r) => setTimeout(r, 15_000))]);
  dirs.running.splice(dirs.running.indexOf(d), 1);
  result.log = d.log();
  // the stop's notifications: each service's quorum "stopping" (3), once snmptrapd has logged them
  await waitFor(() => traps(from).filter((l) => l.includes(`.${KM}.3.3.1.23 = INTEGER: 3`)).length >= 4, 10_000, 250);
  result.traps = traps(from);
  if (!(await waitFor(() => objects(snmp('snmpwalk', [KM])).length === 0, 15_000, 250))) throw new Error(`snmpd still serves ${d.kind}'s rows after it stopped`);
  return result;
}

const need = describeNeeding(root, file(HALO, 'the built CLI dist/cli/main.js (npm run build)'), ipvsKernel, tool('keepalived'), tool('ipvsadm'), tool('snmpd'), tool('snmptrapd', 'snmptrapd'), tool('snmpwalk', 'snmp'), tool('snmpbulkwalk', 'snmp'));

need('KEEPALIVED-MIB checker objects (enable_snmp_checker), halo beside keepalived 2.2.7 (kernel VM)', () => {
  let ka: Taken;
  let halo: Taken;

  beforeAll(async () => {
    topo = new Topology('hvkc-').build(['br0'], [{ name: 'lb1', links: [['br0', '10.0.125.11/24']] }, { name: 'rs', links: [['br0', `${RS1}/24`]] }]);
    topo.exec('rs', ['ip', 'addr', 'add', `${RS2}/24`, 'dev', 'eth0']);
    tmp = mkdtempSync(join(tmpdir(), 'halo-kmibc-'));
    await listen(8001);
    await listen(8003);
    ({ proc: trapd, log: trapLog } = await startSnmptrapd(topo, 'lb1', tmp));
    ({ proc: snmpd, agentx } = await startSnmpd(topo, 'lb1', tmp));
    dirs = new Directors(topo, join(tmp, 'run'));
    ka = await runAndTake(() => dirs.keepalived('lb1', config(), ['-C']));
    halo = await runAndTake(() => dirs.halo('lb1', config()));
  });

  afterAll(async () => {
    await dirs?.stopAll();
    await listeners.closeAll();
    await Promise.race([Promise.all([stopProcess(snmpd ?? null), stopProcess(trapd ?? null)]), new Promise((r) => setTimeout(r, 10_000).unref())]);
    topo?.destroy();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('keepalived serves the checker objects (the oracle is really there)', () => {
    console.log(`keepalived's walk:\n${ka.walk.join('\n')}`);
    expect(ka.walk).toContainEqual(`.${KM}.3.1.1.2.1 = STRING: "VSG_1"`);
    for (const row of ['3.2.1.2.1.3', '3.3.1.2.4', '3.4.1.2.2.1', '3.4.1.2.4.1', '3.3.1.30.1', '3.4.1.20.2.2', '3.6.1.0', '1.2.0']) {
      expect(ka.walk.some((l) => l.startsWith(`.${KM}.${row} = `))).toBe(true);
    }
  });

  it('halo serves the same OIDs, types and values (snmpwalk: GetNext); only the version string and the counters differ', () => {
    if (JSON.stringify(normalise(halo.walk)) !== JSON.stringify(normalise(ka.walk))) console.log(`halo's walk:\n${halo.walk.join('\n')}`);
    expect(normalise(halo.walk)).toEqual(normalise(ka.walk));
  });

  it('and the same through GetBulk (snmpbulkwalk, 7 repetitions)', () => {
    if (JSON.stringify(normalise(halo.bulk)) !== JSON.stringify(normalise(ka.bulk))) console.log(`halo's bulk walk:\n${halo.bulkRaw}\n--- snmpd\n${halo.snmpdLog}`);
    expect(normalise(halo.bulk)).toEqual(normalise(ka.bulk));
  });

  it('the same answers to Get and GetNext at the edges', () => {
    console.log(`keepalived's Get/GetNext answers:\n${[...ka.got, ...ka.next].join('\n')}`);
    expect(normalise(halo.got)).toEqual(normalise(ka.got));
    expect(normalise(halo.next)).toEqual(normalise(ka.next));
  });

  it('the same realServerStateChange and virtualServerQuorumStateChange notifications (as sets)', () => {
    console.log(`keepalived's notifications:\n${ka.traps.join('\n')}\nhalo's:\n${halo.traps.join('\n')}`);
    expect(ka.traps.some(fwmarkRs(2))).toBe(true);
    expect(set(halo.traps)).toEqual(set(ka.traps));
  });
});
