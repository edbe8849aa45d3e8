/**
 * What a crashed worker leaves besides its VIPs (netns), beside Debian's keepalived 2.2.7: one
 * config with vrrp_strict (nftables drop rules), use_vmac (a macvlan and its sysctls),
 * virtual_routes/virtual_rules and static_ipaddress/static_routes/static_rules, run by halo on one
 * segment and by keepalived on another. keepalived's state after a clean stop (SIGTERM) is the
 * reference for what must be gone.
 *
 * - kill -9 of halo's worker: the supervisor removes all of it (`nft list ruleset`, `ip route`,
 *   `ip rule`, `ip link`, addresses, and the sysctls halo's own stop restores), then the respawned
 *   worker puts it back once, with nothing doubled and no residue left for it to clear.
 * - kill -9 of the whole tree (supervisor too): `halo cleanup -f` removes the same.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directors, HALO, RunningDirector, waitFor } from '../support/directors';
import { Topology } from '../support/netns';
import { describeNeeding, file, root, tool } from '../support/prerequisites';

jest.setTimeout(240_000);

const SIDES = { halo: 'lbh', keepalived: 'lbk' } as const;
type Side = keyof typeof SIDES;
const BOTH: Side[] = ['halo', 'keepalived'];
const VIP = '192.168.83.200';

const CONFIG = `
global_defs {
    vrrp_strict
}
static_ipaddress {
    192.168.84.1/24 dev eth0
}
static_routes {
    198.51.100.0/24 via 192.168.83.1 dev eth0 table 100
    blackhole 198.51.101.0/24
}
static_rules {
    from 192.168.84.0/24 table 100 priority 100
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    use_vmac
    virtual_router_id 63
    priority 100
    advert_int 1
    virtual_ipaddress {
        ${VIP}/24
    }
    virtual_routes {
        10.20.0.0/16 via 192.168.83.1 dev eth0 table 200
        10.21.0.0/16 src ${VIP} via 192.168.83.1 dev eth0
    }
    virtual_rules {
        from ${VIP} table 200 priority 200
        to 10.40.0.0/16 table 200 priority 250
    }
}
`;

let topo: Topology;
let dirs: Directors;
let tmp: string;

type Json = Record<string, unknown>;

/** The ruleset without handles and counter values. */
function ruleset(host: string): unknown[] {
  const doc = JSON.parse(topo.exec(host, ['nft', '-j', 'list', 'ruleset'])) as { nftables: Json[] };
  const strip = (o: unknown): unknown => {
    if (Array.isArray(o)) return o.map(strip);
    if (o && typeof o === 'object') return Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'handle').map(([k, v]) => [k, k === 'counter' ? {} : strip(v)]));
    return o;
  };
  return doc.nftables.filter((e) => !('metainfo' in e)).map(strip);
}

/**
 * What an operator compares: the nftables ruleset, routes and rules of both families (without the
 * kernel's local/link-local/multicast ones), the links (name, MAC, kind, mode, parent; not the
 * ifindex, which a re-made VMAC changes, nor a veth's random MAC) and the IPv4 addresses on each.
 */
function snapshot(host: string): Json {
  const j = (args: string[]) => JSON.parse(topo.exec(host, ['ip', '-j', ...args]) || '[]') as Json[];
  const ours = (r: Json) => r.table !== 'local' && !String(r.dst).startsWith('fe80:') && !String(r.dst).startsWith('ff00:') && r.type !== 'multicast';
  const links = j(['-d', 'link', 'show']).map((l) => {
    const info = l.linkinfo as { info_kind?: string; info_data?: { mode?: string } } | undefined;
    // a veth's MAC is random per segment; a VMAC's is the point
    return { name: l.ifname, mac: info?.info_kind === 'veth' ? 'veth' : l.address, kind: info?.info_kind ?? null, mode: info?.info_data?.mode ?? null, parent: l.link ?? null, up: (l.flags as string[]).includes('UP') };
  });
  const addrs = j(['-4', 'addr', 'show']).map((a) => ({ dev: a.ifname, addrs: (a.addr_info as Json[]).map((x) => `${x.local}/${x.prefixlen}`) }));
  return {
    nft: ruleset(host),
    routes4: j(['-4', 'route', 'show', 'table', 'all']).filter(ours),
    routes6: j(['-6', 'route', 'show', 'table', 'all']).filter(ours),
    rules4: j(['-4', 'rule', 'show']),
    rules6: j(['-6', 'rule', 'show']),
    links: links.sort((a, b) => String(a.name).localeCompare(String(b.name))),
    addrs: addrs.sort((a, b) => String(a.dev).localeCompare(String(b.dev))),
  };
}

const SYSCTLS = ['net/ipv4/conf/eth0/arp_ignore', 'net/ipv4/conf/eth0/arp_filter', 'net/ipv4/conf/all/rp_filter', 'net/ipv4/conf/default/rp_filter'];
const sysctls = (host: string) => Object.fromEntries(SYSCTLS.map((p) => [p, topo.exec(host, ['cat', `/proc/sys/${p}`]).trim()]));

/** MASTER with everything in place: the VIP on the VMAC, both virtual rules, the nft set. */
function complete(host: string): boolean {
  const s = snapshot(host);
  const vmacAddrs = (s.addrs as Array<{ dev: string; addrs: string[] }>).find((a) => a.dev === 'vrrp.63')?.addrs ?? [];
  const rules = (s.rules4 as Json[]).filter((r) => r.protocol === 'keepalived').length;
  const vips = JSON.stringify(s.nft).includes(VIP);
  return vmacAddrs.includes(`${VIP}/24`) && rules === 3 && vips;
}

async function waitComplete(side: Side, d: RunningDirector, what: string): Promise<void> {
  if (!(await waitFor(() => complete(SIDES[side]), 90_000, 200))) throw new Error(`${side} ${what}: not complete\n${JSON.stringify(snapshot(SIDES[side]), null, 1)}\n${d.log()}`);
}

/** halo's worker: the supervisor's (the `halo run` PID's) one child; null between a death and its respawn. */
function workerPid(d: RunningDirector): number | null {
  const kids = readFileSync(`/proc/${d.proc.pid}/task/${d.proc.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  if (kids.length > 1) throw new Error(`halo supervisor ${d.proc.pid}: children ${kids.join(' ')}`);
  return kids[0] ?? null;
}

function workerOf(d: RunningDirector): number {
  const pid = workerPid(d);
  if (pid === null) throw new Error(`halo supervisor ${d.proc.pid}: no worker`);
  return pid;
}

const built = file(HALO, 'the built CLI dist/cli/main.js (npm run build)');
const d = describeNeeding(root, built, tool('keepalived'), tool('nft'));

d('crash cleanup of nftables rules, routes, rules, VMACs beside keepalived 2.2.7 (netns)', () => {
  /** The segments before any start (the same on both). */
  let pristine: Json;
  let before: Record<string, string>;

  beforeAll(async () => {
    topo = new Topology('cc-').build(['br0', 'br1'], [
      { name: 'lbh', links: [['br0', '192.168.83.11/24']] },
      { name: 'lbk', links: [['br1', '192.168.83.11/24']] },
    ]);
    // rp_filter on, as on most hosts: use_vmac changes it (and halo's stop restores it)
    for (const host of Object.values(SIDES)) for (const p of ['all', 'default', 'eth0']) topo.exec(host, ['sysctl', '-qw', `net.ipv4.conf.${p}.rp_filter=1`]);
    before = sysctls(SIDES.halo);
    pristine = snapshot(SIDES.halo);
    expect(snapshot(SIDES.keepalived)).toEqual(pristine);
  });
  afterAll(() => topo.destroy());
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'halo-crash-'));
    dirs = new Directors(topo, tmp);
  });
  afterEach(async () => {
    await dirs.stopAll();
    // what a failed test may have left: the next starts from the pristine segments
    for (const host of Object.values(SIDES)) {
      for (const fam of ['ip', 'ip6']) topo.exec(host, ['nft', 'delete', 'table', fam, 'keepalived'], { allowFail: true });
      topo.exec(host, ['ip', 'link', 'del', 'vrrp.63'], { allowFail: true });
      topo.exec(host, ['ip', 'route', 'flush', 'table', 'all', 'proto', 'keepalived'], { allowFail: true });
      for (const r of JSON.parse(topo.exec(host, ['ip', '-j', 'rule', 'show'])) as Json[]) {
        if (r.protocol === 'keepalived') topo.exec(host, ['ip', 'rule', 'del', 'priority', String(r.priority)], { allowFail: true });
      }
      topo.exec(host, ['ip', 'addr', 'del', '192.168.84.1/24', 'dev', 'eth0'], { allowFail: true });
      for (const p of SYSCTLS) topo.exec(host, ['sh', '-c', `echo ${before[p]} > /proc/sys/${p}`]);
    }
    rmSync(tmp, { recursive: true, force: true });
  });

  it('kill -9 of the worker: the supervisor removes what keepalived removes at stop; the respawned worker puts it back once', async () => {
    const h = dirs.halo(SIDES.halo, CONFIG);
    const k = dirs.keepalived(SIDES.keepalived, CONFIG);
    await waitComplete('halo', h, 'MASTER');
    await waitComplete('keepalived', k, 'MASTER');
    const master = snapshot(SIDES.halo);
    expect(master).toEqual(snapshot(SIDES.keepalived));
    k.signal('SIGTERM');
    await k.exited;
    // keepalived's clean stop takes everything away (its sysctls aside, below)
    const reference = snapshot(SIDES.keepalived);
    expect(reference).toEqual(pristine);

    // the worker dies; the supervisor replays its undo records, then respawns it
    const first = workerOf(h);
    process.kill(first, 'SIGKILL');
    const undid = () => /undid (\d+) changes of the dead worker \((\d+) failed\)/.exec(h.log());
    if (!(await waitFor(() => undid() !== null, 30_000, 100))) throw new Error(`no cleanup by the supervisor:\n${h.log()}`);
    expect(undid()![2]).toBe('0');
    const removed = [...h.log().matchAll(/removed (.*) for the dead worker/g)].map((m) => m[1]).sort();
    expect(removed).toEqual([
      'VMAC vrrp.63',
      'nftables table ip keepalived',
      'route 10.20.0.0/16 via 192.168.83.1 dev eth0 table 200',
      `route 10.21.0.0/16 src ${VIP} via 192.168.83.1 dev eth0`,
      'route 198.51.100.0/24 via 192.168.83.1 dev eth0 table 100',
      'route blackhole 198.51.101.0/24',
      `rule from ${VIP} table 200 priority 200`,
      'rule from 192.168.84.0/24 table 100 priority 100',
      'rule to 10.40.0.0/16 table 200 priority 250',
      'sysctl net/ipv4/conf/all/rp_filter',
      'sysctl net/ipv4/conf/eth0/arp_filter',
      'sysctl net/ipv4/conf/eth0/arp_ignore',
    ].sort());
    // the VIPs and the static address: held by the supervisor as a MASTER's VIPs (in either order)
    const released = /released (.*) for the dead worker/.exec(h.log())?.[1].split(', ').sort();
    expect(released).toEqual(['VI_1', 'static_ipaddress (all)']);

    // respawned: the same state as before the crash, nothing doubled, no residue found
    const mark = h.log().indexOf(undid()![0]);
    expect(await waitFor(() => ![null, first].includes(workerPid(h)), 30_000, 100)).toBe(true);
    await waitComplete('halo', h, 'MASTER again');
    if (!(await waitFor(() => JSON.stringify(snapshot(SIDES.halo)) === JSON.stringify(master), 30_000, 200))) {
      expect(snapshot(SIDES.halo)).toEqual(master);
    }
    const again = h.log().slice(mark);
    expect(again).not.toMatch(/Deleting old ip/);
    expect(again).not.toMatch(/Removing old VMAC|Update old VMAC/);
    expect(again).not.toMatch(/EEXIST|File exists/);

    // the state between the cleanup and a start: a worker that cannot start (an invalid config
    // is never respawned) is killed, and what is left is keepalived's state after its stop
    writeFileSync(h.confFile, `${CONFIG}\nvrrp_instance {\n`);
    process.kill(workerOf(h), 'SIGKILL');
    await h.exited;
    expect(h.log().slice(mark)).toMatch(/undid \d+ changes of the dead worker \(0 failed\)/);
    expect(snapshot(SIDES.halo)).toEqual(reference);
    // the sysctls too, as halo's own stop leaves them (keepalived 2.2.7 leaves eth0's ARP ones at 1)
    expect(sysctls(SIDES.halo)).toEqual(before);
  });

  it('kill -9 of the whole tree: halo cleanup -f removes what keepalived removes at stop', async () => {
    const h = dirs.halo(SIDES.halo, CONFIG);
    await waitComplete('halo', h, 'MASTER');
    h.signal('SIGKILL');
    await h.exited;
    expect(complete(SIDES.halo)).toBe(true);
    expect(snapshot(SIDES.halo)).not.toEqual(pristine);
    const out = topo.exec(SIDES.halo, [process.execPath, HALO, 'cleanup', '-f', h.confFile]);
    expect(out).toContain('removed VMAC interface vrrp.63');
    expect(out).toContain('removed nftables table ip keepalived');
    expect(snapshot(SIDES.halo)).toEqual(pristine);
  });
});
