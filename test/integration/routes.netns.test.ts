/**
 * virtual_routes, virtual_rules, static_ipaddress, static_routes and static_rules beside
 * Debian's keepalived 2.2.7 (netns): the same config run by halo on one segment and by
 * keepalived on another (same addresses, same interface names), compared as an operator would
 * (`ip -j route show table all`, `ip -j -6 route …`, `ip -j rule`, `ip -j -6 rule`) in MASTER,
 * in BACKUP (a priority-200 keepalived peer on each segment), and after a stop. Then a kill -9
 * leaves the routes, and `halo cleanup -f` removes what the config owns.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directors, HALO, RunningDirector, waitFor } from '../support/directors';
import { Topology } from '../support/netns';
import { describeNeeding, file, root, tool } from '../support/prerequisites';

jest.setTimeout(180_000);

let topo: Topology;
let dirs: Directors;
let tmp: string;

const SIDES = { halo: { lb: 'lbh', peer: 'prh' }, keepalived: { lb: 'lbk', peer: 'prk' } } as const;
type Side = keyof typeof SIDES;

const CONFIG = `
static_ipaddress {
    192.168.80.1/24 dev eth0
}
static_routes {
    198.51.100.0/24 via 192.168.79.1 dev eth0 table 100 metric 5
    2001:db8:100::/64 via 2001:db8:79::1 dev eth0 mtu lock 1400 advmss 1360
    blackhole 198.51.101.0/24 no_track
    198.51.102.0/24 dev eth0 scope link table 101
}
static_rules {
    from 192.168.80.0/24 table 100 priority 100
    to 2001:db8:2::/48 fwmark 0x10/0xff lookup 200 priority 101
    iif eth0 ipproto tcp dport 80-90 prohibit priority 102
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 61
    priority PRIO
    advert_int 1
    virtual_ipaddress {
        192.168.79.200/24
    }
ROUTES}
`;

const VIRTUAL = `    virtual_routes {
        10.20.0.0/16 via 192.168.79.1 dev eth0 table 200 onlink
        10.21.0.0/16 src 192.168.79.200 via 192.168.79.1 dev eth0
        10.22.0.0/16 nexthop via 192.168.79.2 dev eth0 weight 2 nexthop via 192.168.79.3 dev eth0
        unreachable 10.23.0.0/16 table 200 no_track
        2001:db8:20::/48 via 2001:db8:79::1 dev eth0 metric 300
    }
    virtual_rules {
        from 192.168.79.200 table 200 priority 200
        to 10.40.0.0/16 goto 300 priority 250
        from 2001:db8:79::/64 table 200 priority 270
    }
`;

const config = (prio: number, withRoutes: boolean) => CONFIG.replace('PRIO', String(prio)).replace('ROUTES', withRoutes ? VIRTUAL : '');

type Json = Record<string, unknown>;

/** Routes and rules as `ip -j` shows them, without the kernel's own local/link-local/multicast ones. */
function tables(host: string): { routes4: Json[]; routes6: Json[]; rules4: Json[]; rules6: Json[] } {
  const j = (args: string[]) => JSON.parse(topo.exec(host, ['ip', '-j', ...args]) || '[]') as Json[];
  const ours = (r: Json) => r.table !== 'local' && !String(r.dst).startsWith('fe80:') && !String(r.dst).startsWith('ff00:') && r.type !== 'multicast';
  return {
    routes4: j(['-4', 'route', 'show', 'table', 'all']).filter(ours),
    routes6: j(['-6', 'route', 'show', 'table', 'all']).filter(ours),
    rules4: j(['-4', 'rule', 'show']),
    rules6: j(['-6', 'rule', 'show']),
  };
}

/** How many of the config's routes and rules (protocol keepalived) are there. */
function owned(host: string): number {
  const t = tables(host);
  return [...t.routes4, ...t.routes6, ...t.rules4, ...t.rules6].filter((x) => x.protocol === 'keepalived').length;
}

const STATIC_COUNT = 4 + 3;
const VIRTUAL_COUNT = 5 + 3;

async function waitOwned(side: Side, n: number, d: RunningDirector, what: string): Promise<void> {
  const lb = SIDES[side].lb;
  if (!(await waitFor(() => owned(lb) === n, 60_000, 100))) {
    throw new Error(`${side} (${what}): ${owned(lb)} routes/rules of ours, expected ${n}\n${JSON.stringify(tables(lb), null, 1)}\n${d.log()}`);
  }
}

const built = file(HALO, 'the built CLI dist/cli/main.js (npm run build)');
const d = describeNeeding(root, built, tool('keepalived'));

d('routes and rules beside keepalived 2.2.7 (netns)', () => {
  beforeAll(() => {
    topo = new Topology('rt-').build(['br0', 'br1'], [
      { name: 'lbh', links: [['br0', '192.168.79.11/24']] },
      { name: 'prh', links: [['br0', '192.168.79.12/24']] },
      { name: 'lbk', links: [['br1', '192.168.79.11/24']] },
      { name: 'prk', links: [['br1', '192.168.79.12/24']] },
    ]);
    for (const s of Object.values(SIDES)) {
      topo.exec(s.lb, ['ip', 'addr', 'add', '2001:db8:79::11/64', 'dev', 'eth0', 'nodad']);
      topo.exec(s.peer, ['ip', 'addr', 'add', '2001:db8:79::12/64', 'dev', 'eth0', 'nodad']);
    }
  });
  afterAll(() => topo.destroy());
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'halo-routes-'));
    dirs = new Directors(topo, tmp);
  });
  afterEach(async () => {
    await dirs.stopAll();
    // what a test left on purpose (keepalived's crashed run keeps its virtual routes): the next starts clean
    for (const s of Object.values(SIDES)) {
      for (const f of ['-4', '-6']) {
        topo.exec(s.lb, ['ip', f, 'route', 'flush', 'table', 'all', 'proto', 'keepalived'], { allowFail: true });
        for (const r of JSON.parse(topo.exec(s.lb, ['ip', '-j', f, 'rule', 'show'])) as Json[]) {
          if (r.protocol === 'keepalived') topo.exec(s.lb, ['ip', f, 'rule', 'del', 'priority', String(r.priority)], { allowFail: true });
        }
      }
      topo.exec(s.lb, ['ip', 'addr', 'del', '192.168.80.1/24', 'dev', 'eth0'], { allowFail: true });
    }
    rmSync(tmp, { recursive: true, force: true });
  });

  it('MASTER, BACKUP and stopped: the same routes and rules as keepalived', async () => {
    const before = tables(SIDES.halo.lb);
    expect(before).toEqual(tables(SIDES.keepalived.lb));
    const under = { halo: dirs.halo(SIDES.halo.lb, config(100, true)), keepalived: dirs.keepalived(SIDES.keepalived.lb, config(100, true)) };

    // alone on its segment each becomes MASTER: static and virtual entries
    for (const side of ['halo', 'keepalived'] as Side[]) await waitOwned(side, STATIC_COUNT + VIRTUAL_COUNT, under[side], 'MASTER');
    const master = tables(SIDES.halo.lb);
    expect(master).toEqual(tables(SIDES.keepalived.lb));
    // what they agree on, so that two equally wrong ones cannot
    const text = (host: string) => topo.exec(host, ['sh', '-c', 'ip route show table all; ip -6 route show table all; ip rule; ip -6 rule']);
    const shown = text(SIDES.halo.lb);
    for (const line of [
      '198.51.100.0/24 via 192.168.79.1 dev eth0 table 100 proto keepalived metric 5',
      'blackhole 198.51.101.0/24 proto keepalived',
      '10.20.0.0/16 via 192.168.79.1 dev eth0 table 200 proto keepalived onlink',
      '10.21.0.0/16 via 192.168.79.1 dev eth0 proto keepalived src 192.168.79.200',
      'nexthop via 192.168.79.2 dev eth0 weight 2',
      'unreachable 10.23.0.0/16 table 200 proto keepalived',
      '2001:db8:100::/64 via 2001:db8:79::1 dev eth0 proto keepalived metric 1024 mtu lock 1400 advmss 1360',
      '2001:db8:20::/48 via 2001:db8:79::1 dev eth0 proto keepalived metric 300',
      '100:\tfrom 192.168.80.0/24 lookup 100 proto keepalived',
      '200:\tfrom 192.168.79.200 lookup 200 proto keepalived',
      '250:\tfrom all to 10.40.0.0/16 goto 300',
      '101:\tfrom all to 2001:db8:2::/48 fwmark 0x10/0xff lookup 200 proto keepalived',
      '270:\tfrom 2001:db8:79::/64 lookup 200 proto keepalived',
    ]) expect(shown).toContain(line);
    expect(topo.addresses(SIDES.halo.lb, 'eth0')).toContain('192.168.80.1');

    // someone deletes a tracked static route and a tracked virtual route: the static one is put
    // back, the MASTER leaves for BACKUP and comes back, which puts the virtual one back
    const mark = { halo: under.halo.log().length, keepalived: under.keepalived.log().length };
    for (const side of ['halo', 'keepalived'] as Side[]) {
      topo.exec(SIDES[side].lb, ['ip', 'route', 'del', '198.51.100.0/24', 'table', '100']);
      topo.exec(SIDES[side].lb, ['ip', 'route', 'del', '10.20.0.0/16', 'table', '200']);
    }
    for (const side of ['halo', 'keepalived'] as Side[]) {
      const since = () => under[side].log().slice(mark[side]);
      const ok = await waitFor(() => owned(SIDES[side].lb) === STATIC_COUNT + VIRTUAL_COUNT && since().includes('Restoring deleted static route ') && /Entering BACKUP STATE[^]*Entering MASTER STATE/.test(since()), 30_000, 100);
      if (!ok) throw new Error(`${side} did not restore the deleted routes:\n${text(SIDES[side].lb)}\n${under[side].log()}`);
    }
    expect(tables(SIDES.halo.lb)).toEqual(tables(SIDES.keepalived.lb));
    // in keepalived's words
    const restored = (side: Side) => /Restoring deleted static route (.*)/.exec(under[side].log().slice(mark[side]))?.[1];
    expect(restored('halo')).toBe('prepend 198.51.100.0/24 via inet 192.168.79.1 dev eth0 table 100 proto 18 metric 5');
    expect(restored('halo')).toBe(restored('keepalived'));

    // a priority-200 peer on each segment: both go BACKUP, the virtual entries go, the static stay
    dirs.keepalived(SIDES.halo.peer, config(200, false));
    dirs.keepalived(SIDES.keepalived.peer, config(200, false));
    for (const side of ['halo', 'keepalived'] as Side[]) await waitOwned(side, STATIC_COUNT, under[side], 'BACKUP');
    await waitFor(() => !topo.addresses(SIDES.halo.lb, 'eth0').includes('192.168.79.200') && !topo.addresses(SIDES.keepalived.lb, 'eth0').includes('192.168.79.200'), 30_000, 100);
    const backup = tables(SIDES.halo.lb);
    expect(backup).toEqual(tables(SIDES.keepalived.lb));
    expect(text(SIDES.halo.lb)).not.toContain('10.20.0.0/16');

    // stop: nothing of the config's is left, the tables are as before
    for (const side of ['halo', 'keepalived'] as Side[]) {
      under[side].signal('SIGTERM');
      await under[side].exited;
    }
    const after = tables(SIDES.halo.lb);
    expect(after).toEqual(tables(SIDES.keepalived.lb));
    expect(after).toEqual(before);
    expect(topo.addresses(SIDES.halo.lb, 'eth0')).not.toContain('192.168.80.1');
  });

  it('after kill -9 the routes and rules stay; halo cleanup -f removes them', async () => {
    const before = tables(SIDES.halo.lb);
    const h = dirs.halo(SIDES.halo.lb, config(100, true));
    await waitOwned('halo', STATIC_COUNT + VIRTUAL_COUNT, h, 'MASTER');
    h.signal('SIGKILL');
    await h.exited;
    expect(owned(SIDES.halo.lb)).toBe(STATIC_COUNT + VIRTUAL_COUNT);
    const out = topo.exec(SIDES.halo.lb, [process.execPath, HALO, 'cleanup', '-f', h.confFile]);
    expect(out.split('\n').filter((l) => l.startsWith('removed rule')).length).toBe(6);
    expect(out.split('\n').filter((l) => l.startsWith('removed route')).length).toBe(9);
    expect(out).toContain('removed VIP 192.168.80.1/24 from eth0');
    const after = tables(SIDES.halo.lb);
    expect(after).toEqual(before);
    expect(topo.addresses(SIDES.halo.lb, 'eth0')).toEqual(['192.168.79.11']);
  });

  it("a start after kill -9 in BACKUP clears the crashed run's virtual routes and rules; keepalived clears the rules only", async () => {
    dirs.keepalived(SIDES.halo.peer, config(200, false));
    dirs.keepalived(SIDES.keepalived.peer, config(200, false));
    // the run that crashes: priority 250, MASTER over the peer
    const crashed = { halo: dirs.halo(SIDES.halo.lb, config(250, true)), keepalived: dirs.keepalived(SIDES.keepalived.lb, config(250, true)) };
    for (const side of ['halo', 'keepalived'] as Side[]) await waitOwned(side, STATIC_COUNT + VIRTUAL_COUNT, crashed[side], 'MASTER over the peer');
    for (const side of ['halo', 'keepalived'] as Side[]) {
      crashed[side].signal('SIGKILL');
      await crashed[side].exited;
    }
    // restarted below the peer: it stays BACKUP
    const again = { halo: dirs.halo(SIDES.halo.lb, config(100, true)), keepalived: dirs.keepalived(SIDES.keepalived.lb, config(100, true)) };
    await waitOwned('halo', STATIC_COUNT, again.halo, 'BACKUP after a crash');
    const routes = (host: string) => topo.exec(host, ['sh', '-c', 'ip route show table all; ip -6 route show table all']);
    expect(routes(SIDES.halo.lb)).not.toContain('10.20.0.0/16');
    // keepalived 2.2.7 deletes a crashed run's virtual rules at start but leaves its virtual routes
    // (netlink_rtlist deletes only routes it set): the difference is halo's, on purpose
    expect(await waitFor(() => !topo.exec(SIDES.keepalived.lb, ['ip', 'rule']).includes('lookup 200'), 30_000, 100)).toBe(true);
    expect(routes(SIDES.keepalived.lb)).toContain('10.20.0.0/16');
  });

  it('a reload (SIGHUP) adds and removes the difference, as keepalived', async () => {
    const under = { halo: dirs.halo(SIDES.halo.lb, config(100, true)), keepalived: dirs.keepalived(SIDES.keepalived.lb, config(100, true)) };
    for (const side of ['halo', 'keepalived'] as Side[]) await waitOwned(side, STATIC_COUNT + VIRTUAL_COUNT, under[side], 'MASTER');
    const next = config(100, true)
      .replace('    blackhole 198.51.101.0/24 no_track\n', '    blackhole 198.51.105.0/24 no_track\n')
      .replace('        10.20.0.0/16 via 192.168.79.1 dev eth0 table 200 onlink\n', '        10.25.0.0/16 via 192.168.79.1 dev eth0 table 200\n')
      .replace('        to 10.40.0.0/16 goto 300 priority 250\n', '        to 10.41.0.0/16 goto 300 priority 251\n');
    const marks = { halo: under.halo.log().length, keepalived: under.keepalived.log().length };
    for (const side of ['halo', 'keepalived'] as Side[]) {
      writeFileSync(under[side].confFile, next);
      process.kill(under[side].proc.pid!, 'SIGHUP');
    }
    const shows = (host: string, what: string[], gone: string[]) => {
      const t = topo.exec(host, ['sh', '-c', 'ip route show table all; ip rule']);
      return what.every((w) => t.includes(w)) && gone.every((g) => !t.includes(g));
    };
    for (const side of ['halo', 'keepalived'] as Side[]) {
      const ok = await waitFor(() => shows(SIDES[side].lb, ['198.51.105.0/24', '10.25.0.0/16', '10.41.0.0/16'], ['198.51.101.0/24', '10.20.0.0/16', '10.40.0.0/16']), 30_000, 100);
      if (!ok) throw new Error(`${side} did not apply the reload:\n${topo.exec(SIDES[side].lb, ['sh', '-c', 'ip route show table all; ip rule'])}\n${under[side].log().slice(marks[side])}`);
    }
    expect(owned(SIDES.halo.lb)).toBe(STATIC_COUNT + VIRTUAL_COUNT);
    expect(tables(SIDES.halo.lb)).toEqual(tables(SIDES.keepalived.lb));
  });

  it("a tracked route's interface going down puts the instance in FAULT, as keepalived; no_track does not", async () => {
    const conf = (track: boolean) => `vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 62
    priority 100
    advert_int 1
    virtual_ipaddress {
        192.168.79.201/24
    }
    virtual_routes {
        10.30.0.0/16 dev rtx0${track ? '' : ' no_track'}
    }
}
`;
    for (const track of [true, false]) {
      for (const side of ['halo', 'keepalived'] as Side[]) {
        topo.exec(SIDES[side].lb, ['ip', 'link', 'add', 'rtx0', 'type', 'veth', 'peer', 'name', 'rtx1']);
        topo.exec(SIDES[side].lb, ['ip', 'link', 'set', 'rtx0', 'up']);
        topo.exec(SIDES[side].lb, ['ip', 'link', 'set', 'rtx1', 'up']);
      }
      const under = { halo: dirs.halo(SIDES.halo.lb, conf(track)), keepalived: dirs.keepalived(SIDES.keepalived.lb, conf(track)) };
      const vip = (side: Side) => topo.addresses(SIDES[side].lb, 'eth0').includes('192.168.79.201');
      for (const side of ['halo', 'keepalived'] as Side[]) {
        if (!(await waitFor(() => vip(side) && owned(SIDES[side].lb) === 1, 60_000, 100))) throw new Error(`${side} never MASTER with its route:\n${JSON.stringify(tables(SIDES[side].lb))}\n${under[side].log()}`);
      }
      const mark = { halo: under.halo.log().length, keepalived: under.keepalived.log().length };
      for (const side of ['halo', 'keepalived'] as Side[]) topo.exec(SIDES[side].lb, ['ip', 'link', 'set', 'rtx0', 'down']);
      for (const side of ['halo', 'keepalived'] as Side[]) {
        if (track) {
          if (!(await waitFor(() => !vip(side) && under[side].log().slice(mark[side]).includes('Entering FAULT STATE'), 30_000, 100))) throw new Error(`${side} not FAULT:\n${under[side].log()}`);
        } else {
          // the kernel drops the route with its interface; the instance stays MASTER
          await waitFor(() => owned(SIDES[side].lb) === 0, 10_000, 100);
          expect(vip(side)).toBe(true);
          expect(under[side].log().slice(mark[side])).not.toContain('FAULT');
        }
      }
      expect(tables(SIDES.halo.lb)).toEqual(tables(SIDES.keepalived.lb));
      for (const side of ['halo', 'keepalived'] as Side[]) {
        under[side].signal('SIGTERM');
        await under[side].exited;
        topo.exec(SIDES[side].lb, ['ip', 'link', 'del', 'rtx0']);
      }
    }
  });
});
