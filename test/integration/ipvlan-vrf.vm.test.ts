/**
 * use_ipvlan and VRFs (the kernel VM tier: the host's kernel has neither ipvlan nor vrf), halo
 * beside Debian's keepalived 2.2.7 on the same config in the same namespaces, one after the other:
 * the ipvlan link (`ip -d -j link`: kind, mode l2, flags, parent, VRF master) and the VMAC, their
 * addresses, the sysctls, the virtual route (its table: a route's `vrf NAME` is the VRF's table),
 * ARP for the ipvlan's address answered with its parent's MAC, and nothing left after a stop; for
 * halo also after a worker crash (the supervisor) and after kill -9 of the whole tree and
 * `halo cleanup -f`. keepalived 2.2.7 sends the adverts from the ipvlan and leaves the VIPs on
 * the interface (it moves them for use_vmac only); an ipvlan and a macvlan cannot share a parent
 * (EBUSY), so the VMAC is on a second interface.
 *
 *   client 192.168.77.100 ─ br0 ─ lb eth0 192.168.77.11 (ipvlan iv51 192.168.77.21; VIP .200)
 *   client 192.168.78.100 ─ br1 ─ lb eth1 192.168.78.11 (VMAC vrrp.52; VIP 192.168.78.201)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directors, HALO, RunningDirector } from '../support/directors';
import { Topology, waitFor } from '../support/netns';
import { describeNeeding, file, kernelModule, root, tool } from '../support/prerequisites';

jest.setTimeout(600_000);

const conf = (extra: { flags: string; routes: string }) => `global_defs {
    router_id lb
}
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 200
    advert_int 1
    use_ipvlan iv51 192.168.77.21/24 ${extra.flags}
    virtual_ipaddress {
        192.168.77.200/24
    }
    virtual_routes {
        ${extra.routes}
    }
}
vrrp_instance VI_2 {
    state MASTER
    interface eth1
    virtual_router_id 52
    priority 200
    advert_int 1
    use_vmac
    virtual_ipaddress {
        192.168.78.201/24
    }
}
`;

let topo: Topology;
let dirs: Directors;
let tmp: string;

const LB = 'lb';
const sysctl = (key: string) => topo.exec(LB, ['sysctl', '-n', key], { allowFail: true }).trim();
const json = <T>(host: string, args: string[]): T[] => {
  const out = topo.exec(host, args, { allowFail: true }).trim();
  return out ? (JSON.parse(out) as T[]) : [];
};
interface Link { ifname: string; link?: string; master?: string; address?: string; flags?: string[]; linkinfo?: { info_kind?: string; info_data?: Record<string, unknown> } }
interface Addr { addr_info: Array<{ family: string; local: string; prefixlen: number }> }
interface Route { dst: string; dev?: string; table?: string; protocol?: string }

/** What the kernel shows of the daemon's work on lb, without indexes or counters. */
function snapshot(): Record<string, unknown> {
  const link = (name: string) => {
    const l = json<Link>(LB, ['ip', '-d', '-j', 'link', 'show', 'dev', name])[0];
    if (!l) return null;
    return { kind: l.linkinfo?.info_kind, data: l.linkinfo?.info_data, parent: l.link, master: l.master ?? null, up: l.flags?.includes('UP') ?? false, address: l.address };
  };
  const addrs = (dev: string) => json<Addr>(LB, ['ip', '-j', 'addr', 'show', 'dev', dev]).flatMap((a) => a.addr_info.filter((i) => i.family === 'inet').map((i) => `${i.local}/${i.prefixlen}`)).sort();
  return {
    iv51: link('iv51'),
    vmac: link('vrrp.52'),
    iv51Addresses: addrs('iv51'),
    eth0Addresses: addrs('eth0'),
    vmacAddresses: addrs('vrrp.52'),
    routes: json<Route>(LB, ['ip', '-j', 'route', 'show', 'table', 'all', 'proto', '18']).map((r) => `${r.dst} dev ${r.dev} table ${r.table ?? 'main'}`).sort(),
    sysctls: Object.fromEntries(['net.ipv6.conf.iv51.disable_ipv6', 'net.ipv4.conf.iv51.arp_ignore', 'net.ipv4.conf.iv51.rp_filter', 'net.ipv4.conf.eth0.arp_ignore', 'net.ipv4.conf.eth0.arp_filter', 'net.ipv4.conf.eth1.arp_ignore', 'net.ipv4.conf.eth1.arp_filter', 'net.ipv4.conf.all.rp_filter'].map((k) => [k, sysctl(k)])),
  };
}

/**
 * The client's ARP for `address`: the MAC it learnt for a TCP connection to it (port 9, refused:
 * an answer either way; this machine has no ping or arping).
 */
function arpFor(address: string): string | null {
  topo.exec('client', ['ip', 'neigh', 'flush', 'dev', 'eth0'], { allowFail: true });
  const js = `const s = require('net').connect(9, '${address}'); s.on('connect', () => process.exit(0)); s.on('error', () => process.exit(0)); setTimeout(() => process.exit(1), 10000);`;
  topo.exec('client', [process.execPath, '-e', js], { allowFail: true });
  const n = json<{ dst: string; lladdr?: string }>('client', ['ip', '-j', 'neigh', 'show', address])[0];
  return n?.lladdr ?? null;
}

/** halo's worker: the supervisor's (the `halo run` PID's) one child. */
function workerOf(d: RunningDirector): number {
  const kids = readFileSync(`/proc/${d.proc.pid}/task/${d.proc.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  if (kids.length !== 1) throw new Error(`halo supervisor ${d.proc.pid}: children ${kids.join(' ')}`);
  return kids[0];
}

const eth0Mac = () => json<Link>(LB, ['ip', '-j', 'link', 'show', 'dev', 'eth0'])[0].address!;

async function until(what: string, pred: () => boolean, d: RunningDirector): Promise<void> {
  if (!(await waitFor(pred, 120_000, 250))) throw new Error(`${what} not within 120 s:\n${JSON.stringify(snapshot(), null, 1)}\n${d.log()}`);
}
const holdsVips = () => {
  const s = snapshot();
  return (s.eth0Addresses as string[]).includes('192.168.77.200/24') && (s.iv51Addresses as string[]).includes('192.168.77.21/24')
    && (s.vmacAddresses as string[]).includes('192.168.78.201/24') && (s.routes as string[]).some((r) => r.startsWith('10.9.0.0/16'));
};
const gone = () => {
  const s = snapshot();
  return s.iv51 === null && s.vmac === null && (s.routes as string[]).length === 0;
};

/** Run `kind` on the config to MASTER; the snapshot and the ARP answer; then stop it (SIGTERM) and wait for it to be clean. */
async function run(kind: 'halo' | 'keepalived', config: string): Promise<{ master: Record<string, unknown>; arp: string | null; afterStop: Record<string, unknown> }> {
  const d = kind === 'halo' ? dirs.halo(LB, config) : dirs.keepalived(LB, config);
  await until(`${kind}: VIP on the ipvlan and the route`, holdsVips, d);
  const master = snapshot();
  const arp = arpFor('192.168.77.21');
  d.signal('SIGTERM');
  await d.exited;
  await until(`${kind}: ipvlan, VMAC and route gone after stop`, gone, d);
  return { master, arp, afterStop: snapshot() };
}

const describeVm = describeNeeding(root, file(HALO, 'the built CLI dist/cli/main.js (npm run build)'), tool('keepalived'), kernelModule('ipvlan'), kernelModule('vrf'));

describeVm('use_ipvlan and VRFs beside keepalived 2.2.7 (kernel VM)', () => {
  beforeAll(() => {
    topo = new Topology('ivl-').build(['br0', 'br1'], [
      { name: LB, links: [['br0', '192.168.77.11/24'], ['br1', '192.168.78.11/24']] },
      { name: 'client', links: [['br0', '192.168.77.100/24'], ['br1', '192.168.78.100/24']] },
    ]);
  });
  afterAll(() => topo.destroy());
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'halo-ipvlan-'));
    dirs = new Directors(topo, tmp);
  });
  afterEach(async () => {
    await dirs.stopAll();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('an l2 private ipvlan: the same link, addresses, sysctls, route and ARP answer as keepalived, all gone at stop', async () => {
    const config = conf({ flags: 'private', routes: '10.9.0.0/16 dev eth0' });
    const k = await run('keepalived', config);
    const h = await run('halo', config);
    expect(k.master.iv51).toMatchObject({ kind: 'ipvlan', data: { mode: 'l2', private: true }, parent: 'eth0', master: null, up: true });
    expect(h.master).toEqual(k.master);
    expect(k.master.vmac).toMatchObject({ kind: 'macvlan', parent: 'eth1', master: null, address: '00:00:5e:00:01:34' });
    // the ipvlan answers ARP for its address with its parent's MAC
    expect(k.arp).toBe(eth0Mac());
    expect(h.arp).toBe(k.arp);
    expect(h.afterStop).toEqual(k.afterStop);
    // the worker dies: the supervisor deletes the ipvlan from its undo records (then respawns the worker)
    const d = dirs.halo(LB, config);
    await until('halo: VIP on the ipvlan again', holdsVips, d);
    process.kill(workerOf(d), 'SIGKILL');
    const undid = () => /undid (\d+) changes of the dead worker \((\d+) failed\)/.exec(d.log());
    if (!(await waitFor(() => undid() !== null, 60_000, 100))) throw new Error(`no cleanup by the supervisor:\n${d.log()}`);
    expect(undid()![2]).toBe('0');
    expect(d.log()).toContain('removed VMAC iv51 for the dead worker');
  });

  it("interface in a VRF: the ipvlan and the VMAC enslaved to it, the route's 'vrf red' its table, as keepalived; halo cleanup after kill -9", async () => {
    topo.exec(LB, ['ip', 'link', 'add', 'red', 'type', 'vrf', 'table', '1001']);
    topo.exec(LB, ['ip', 'link', 'set', 'red', 'up']);
    topo.exec(LB, ['ip', 'link', 'set', 'eth0', 'master', 'red']);
    topo.exec(LB, ['ip', 'link', 'set', 'eth1', 'master', 'red']);
    try {
      const config = conf({ flags: 'bridge', routes: '10.9.0.0/16 dev eth0 vrf red' });
      const k = await run('keepalived', config);
      const h = await run('halo', config);
      expect(k.master.iv51).toMatchObject({ kind: 'ipvlan', data: { mode: 'l2', bridge: true }, master: 'red' });
      expect(k.master.vmac).toMatchObject({ kind: 'macvlan', master: 'red' });
      expect(k.master.routes).toEqual(['10.9.0.0/16 dev eth0 table 1001']);
      expect(h.master).toEqual(k.master);
      expect(k.arp).toBe(eth0Mac());
      expect(h.arp).toBe(k.arp);
      expect(h.afterStop).toEqual(k.afterStop);
      // kill -9 of the whole tree: nothing undoes; halo cleanup -f removes the ipvlan, the VMAC and the route
      const d = dirs.halo(LB, config);
      await until('halo: VIP on the ipvlan again', holdsVips, d);
      d.signal('SIGKILL');
      await d.exited;
      expect(snapshot().iv51).not.toBeNull();
      const out = topo.exec(LB, [process.execPath, HALO, 'cleanup', '-f', d.confFile]);
      expect(out).toContain('removed ipvlan interface iv51');
      expect(gone()).toBe(true);
    } finally {
      for (const dev of ['eth0', 'eth1']) topo.exec(LB, ['ip', 'link', 'set', dev, 'nomaster'], { allowFail: true });
      topo.exec(LB, ['ip', 'link', 'del', 'red'], { allowFail: true });
    }
  });
});
