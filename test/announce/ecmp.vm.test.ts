/**
 * Active-active directors behind BGP ECMP, end to end in the kernel VM (IPVS): a client, an
 * upstream router (FRR, ECMP, BFD), two directors each running `halo run` with a halo_announce
 * block (mh + mh-port, DR) and FRR, and two DR real servers (VIP on lo, arp_ignore/arp_announce).
 *
 * Invariants, in the phases: both directors announce and carry flows; a drained director
 * carries no new flow once the router has converged and no request fails while it drains; a
 * director added back carries flows again; a worker killed with -9 takes its route with it
 * (the supervisor) and is announced again once respawned; a director whose links die leaves
 * the VIP reachable through the survivor (BFD) and no request hangs.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChildProcess, execFile } from 'node:child_process';
import { directorFrrConf, routerFrrConf } from '../../src/announce/frr-config';
import type { StatusSnapshot } from '../../src/daemon/status';
import { Directors, HALO, RunningDirector } from '../support/directors';
import { FrrNode, frrDaemons } from '../support/frr';
import { Topology, waitFor } from '../support/netns';
import { describeNeeding, file, ipvsKernel, root, tool } from '../support/prerequisites';

jest.setTimeout(600_000);

const VIP = '192.0.2.80';
const ROUTER = '10.77.0.1';
const DIRS = [{ host: 'd1', address: '10.77.0.11', asn: 65001 }, { host: 'd2', address: '10.77.0.12', asn: 65002 }];
const SERVERS = [{ host: 's1', address: '10.77.0.21' }, { host: 's2', address: '10.77.0.22' }];
const CLIENT = join(__dirname, 'ecmp-client.js');

interface Load { ok: number; failed: number; hung: number; answeredBy: Record<string, number>; errors: Record<string, number> }

let topo: Topology;
let tmp: string;
let dirs: Directors;
let router: FrrNode;
const frr = new Map<string, FrrNode>();
const halo = new Map<string, RunningDirector>();
const servers: ChildProcess[] = [];

function haloConf(host: string): string {
  const rs = (a: string) => [`    real_server ${a} 80 {`, '        weight 1', '        TCP_CHECK {', '            connect_timeout 2', '        }', '    }'];
  return [
    'global_defs {', `    router_id ${host}`, '}',
    'halo_announce WEB {', `    address ${VIP}`, '    drain_delay 20', '    drain_timeout 25', `    vtysh_socket ${frr.get(host)!.dir}`, '}',
    `virtual_server ${VIP} 80 {`, '    delay_loop 2', '    lb_algo mh', '    mh-port', '    lb_kind DR', '    protocol TCP',
    ...SERVERS.flatMap((s) => rs(s.address)), '}', '',
  ].join('\n');
}

function startHalo(host: string): RunningDirector {
  const d = dirs.halo(host, haloConf(host), ['-C', '--log-console']);
  halo.set(host, d);
  return d;
}

const routerPaths = () => router.prefix(VIP).usedFrom;
const kernelNexthops = () => (topo.exec('r', ['ip', 'route', 'show', `${VIP}/32`]).match(/via (10\.77\.0\.\d+)/g) ?? []).map((s) => s.slice(4)).sort();

/** Connections IPVS ever scheduled on a director for the VIP (ipvsadm --stats Conns); null when the service is gone. */
function ipvsConns(host: string): number | null {
  const out = topo.exec(host, ['ipvsadm', '-Ln', '--stats', '--exact'], { allowFail: true });
  const m = out.match(new RegExp(`^TCP\\s+${VIP.replace(/\./g, '\\.')}:80\\s+(\\d+)`, 'm'));
  return m ? Number(m[1]) : null;
}

function load(count: number, conc: number, gapMs = 0): Promise<Load> {
  return new Promise((resolve, reject) => {
    execFile('ip', ['netns', 'exec', topo.ns('c'), process.execPath, CLIENT, VIP, String(count), String(conc), '5000', String(gapMs)], { timeout: 300_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`client: ${err.message} ${stderr}`));
      resolve(JSON.parse(stdout) as Load);
    });
  });
}

function status(host: string): Promise<StatusSnapshot> {
  const d = halo.get(host)!;
  return new Promise((resolve, reject) => {
    execFile('ip', ['netns', 'exec', topo.ns(host), process.execPath, HALO, 'status', '--json', '-S', d.socket], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`halo status: ${err.message} ${stderr}`));
      resolve(JSON.parse(stdout) as StatusSnapshot);
    });
  });
}

async function waitPaths(want: string[], timeoutMs: number, what: string): Promise<void> {
  const ok = await waitFor(() => JSON.stringify(routerPaths()) === JSON.stringify(want), timeoutMs, 250);
  if (!ok) {
    throw new Error(`${what}: router paths ${JSON.stringify(routerPaths())}, wanted ${JSON.stringify(want)}\n` +
      [...halo.values()].map((d) => `--- ${d.host}\n${d.log().split('\n').slice(-25).join('\n')}`).join('\n'));
  }
}

const d = describeNeeding(root, file(HALO, 'the built CLI dist/cli/main.js (npm run build)'), ipvsKernel, tool('ipvsadm'), frrDaemons);

d('active-active directors behind BGP ECMP (kernel VM)', () => {
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'halo-ecmp-'));
    chmodSync(tmp, 0o755); // FRR runs as frr
    topo = new Topology('hec-').build(['core', 'cl'], [
      { name: 'r', links: [['core', `${ROUTER}/24`], ['cl', '10.78.0.1/24']] },
      ...DIRS.map((x) => ({ name: x.host, links: [['core', `${x.address}/24`]] as Array<[string, string]> })),
      ...SERVERS.map((x) => ({ name: x.host, links: [['core', `${x.address}/24`]] as Array<[string, string]> })),
      { name: 'c', links: [['cl', '10.78.0.2/24']] },
    ]);
    dirs = new Directors(topo, tmp);
    // the router: forwards, hashes flows on L4 (one client, many ports), no reverse-path filter (DR returns bypass the directors)
    for (const s of ['net.ipv4.ip_forward=1', 'net.ipv4.fib_multipath_hash_policy=1', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0']) topo.exec('r', ['sysctl', '-qw', s]);
    topo.exec('c', ['ip', 'route', 'add', 'default', 'via', '10.78.0.1']);
    for (const s of SERVERS) {
      // DR real server: the VIP on lo, never answered for or announced by ARP
      topo.exec(s.host, ['ip', 'addr', 'add', `${VIP}/32`, 'dev', 'lo']);
      for (const k of ['net.ipv4.conf.all.arp_ignore=1', 'net.ipv4.conf.all.arp_announce=2', 'net.ipv4.conf.eth0.arp_ignore=1', 'net.ipv4.conf.eth0.arp_announce=2']) topo.exec(s.host, ['sysctl', '-qw', k]);
      topo.exec(s.host, ['ip', 'route', 'add', 'default', 'via', ROUTER]);
      servers.push(topo.spawn(s.host, [process.execPath, '-e', `require('http').createServer((q, r) => r.end('${s.host}\\n')).listen(80)`]));
    }
    router = new FrrNode(topo, 'r', tmp);
    router.start(routerFrrConf({
      hostname: 'r', asn: 65000, routerId: ROUTER, maximumPaths: 4,
      peers: DIRS.map((x) => ({ address: x.address, asn: x.asn })), vipRanges: [{ prefix: '192.0.2.0/24', family: 4 }],
    }));
    for (const x of DIRS) {
      // the director: sloppy TCP so a flow re-hashed here mid-connection is picked up (mh gives it the same real server)
      topo.exec(x.host, ['modprobe', 'ip_vs_mh'], { allowFail: true });
      topo.exec(x.host, ['ipvsadm', '-Ln']);
      for (const k of ['net.ipv4.vs.sloppy_tcp=1', 'net.ipv4.conf.all.arp_ignore=1', 'net.ipv4.conf.all.arp_announce=2']) topo.exec(x.host, ['sysctl', '-qw', k]);
      const n = new FrrNode(topo, x.host, tmp);
      frr.set(x.host, n);
      n.start(directorFrrConf({ hostname: x.host, asn: x.asn, routerId: x.address, peers: [{ address: ROUTER, asn: 65000 }], vips: [{ address: VIP, family: 4 }] }));
    }
    for (const x of DIRS) startHalo(x.host);
    await waitPaths(DIRS.map((x) => x.address), 180_000, 'both directors announce');
  });

  afterAll(async () => {
    await dirs?.stopAll();
    for (const p of servers) p.kill('SIGKILL');
    router?.stop();
    for (const n of frr.values()) n.stop();
    topo?.destroy();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('both directors announce the VIP (status says so, bgpd originates it) and both carry flows', async () => {
    const st = await status('d1');
    expect(st.announces).toEqual([expect.objectContaining({ name: 'WEB', address: VIP, interface: 'lo', announced: true, reason: 'quorum up' })]);
    expect(st.announces![0].bgp).toEqual({ present: true, originated: true, advertisedTo: [ROUTER], usedFrom: [] });
    expect(topo.exec('d1', ['ipvsadm', '-Ln'])).toMatch(/TCP\s+192\.0\.2\.80:80 mh \(mh-port\)/);
    const before = DIRS.map((x) => ipvsConns(x.host)!);
    const r = await load(40, 4);
    expect(r).toMatchObject({ ok: 40, failed: 0, hung: 0 });
    const after = DIRS.map((x) => ipvsConns(x.host)!);
    const spread = after.map((n, i) => n - before[i]);
    process.stderr.write(`ECMP spread over d1, d2 of 40 new flows: ${spread.join(', ')}\n`);
    expect(spread.every((n) => n > 0)).toBe(true);
  });

  it('graceful drain: the route leaves first, no request fails, no new flow reaches the drained director', async () => {
    const d1 = halo.get('d1')!;
    const during = load(60, 2, 50);
    d1.signal('SIGTERM');
    await waitPaths(['10.77.0.12'], 30_000, 'd1 withdrawn');
    expect(await waitFor(() => kernelNexthops().join() === '10.77.0.12', 10_000, 100)).toBe(true);
    const converged = ipvsConns('d1');
    expect(converged).not.toBeNull(); // still draining: IPVS is still there
    const r = await load(30, 3);
    expect(r).toMatchObject({ ok: 30, failed: 0, hung: 0 });
    expect(ipvsConns('d1')).toBe(converged);
    expect(await during).toMatchObject({ failed: 0, hung: 0 });
    expect(await d1.exited).toBe(0);
    const log = d1.log();
    const order = ['Withdrawing 192.0.2.80 (stopping)', '192.0.2.80 drained after', 'Stopped'].map((l) => log.indexOf(l));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(topo.exec('d1', ['ip', 'addr', 'show', 'dev', 'lo'])).not.toContain(VIP);
    expect(ipvsConns('d1')).toBeNull();
  });

  it('a director added back announces again and carries flows', async () => {
    startHalo('d1');
    await waitPaths(DIRS.map((x) => x.address), 120_000, 'd1 back');
    const before = ipvsConns('d1')!;
    expect(await load(30, 3)).toMatchObject({ ok: 30, failed: 0, hung: 0 });
    expect(ipvsConns('d1')! - before).toBeGreaterThan(0);
  });

  it("kill -9 of a director's worker: the supervisor withdraws its route, the respawned worker announces again", async () => {
    const d1 = halo.get('d1')!;
    const worker = d1.pids()[1];
    expect(worker).toBeDefined();
    process.kill(worker, 'SIGKILL');
    expect(await waitFor(() => d1.log().includes('released halo_announce WEB for the dead worker'), 60_000, 200)).toBe(true);
    await waitPaths(DIRS.map((x) => x.address), 120_000, 'd1 respawned');
    expect(await load(30, 3)).toMatchObject({ ok: 30, failed: 0, hung: 0 });
  });

  it("a director's links down: BFD takes it out, the VIP stays reachable through the survivor, nothing hangs", async () => {
    topo.exec('d1', ['ip', 'link', 'set', 'eth0', 'down']);
    expect(await waitFor(() => kernelNexthops().join() === '10.77.0.12', 30_000, 50)).toBe(true);
    const r = await load(30, 3);
    expect(r).toMatchObject({ ok: 30, failed: 0, hung: 0 });
    expect(Object.keys(r.answeredBy).sort()).toEqual(['s1', 's2']);
  });
});
