/**
 * track_group and no_track on static_ipaddress, static_routes and static_rules beside Debian's
 * keepalived 2.2.7 (netns): the same config run by keepalived on one segment and by halo on
 * another (same addresses and interface names). Each side's static entries sit on a second
 * interface, sx0, whose track group holds VI_1 only. Compared, side by side:
 * - someone deletes each static address, route and rule with `ip`: what each puts back (the
 *   tracked ones; not the no_track ones), the `Restoring deleted static …` lines, the kernel's
 *   addresses, routes and rules, and that no instance moves;
 * - sx0 goes down: `Netlink reports sx0 down`, VI_1 (the group's) enters FAULT, VI_2 stays MASTER;
 * - sx0 comes up: VI_1 back to BACKUP, every static address and route on sx0 that is not
 *   no_track is put back with its line, then VI_1 MASTER again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directors, HALO, RunningDirector, waitFor } from '../support/directors';
import { Topology } from '../support/netns';
import { describeNeeding, file, root, tool } from '../support/prerequisites';

jest.setTimeout(240_000);

let topo: Topology;
let dirs: Directors;
let tmp: string;

const SIDES = { keepalived: 'lbk', halo: 'lbh' } as const;
type Side = keyof typeof SIDES;
const BOTH: Side[] = ['keepalived', 'halo'];

const CONFIG = `
track_group TG1 {
    group {
        VI_1
    }
}
static_ipaddress {
    192.168.81.1/24 dev sx0 track_group TG1
    192.168.81.2/24 dev sx0 no_track
    192.168.81.3/24 dev sx0 track_group TG1 no_track
}
static_routes {
    198.51.100.0/24 via 192.168.81.254 dev sx0 track_group TG1
    198.51.101.0/24 via 192.168.81.254 dev sx0 no_track
}
static_rules {
    iif sx0 table 101 priority 101 track_group TG1
    from 192.168.82.0/24 table 102 priority 102 no_track
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 61
    priority 100
    advert_int 1
    virtual_ipaddress {
        192.168.79.200/24
    }
}
vrrp_instance VI_2 {
    state BACKUP
    interface eth0
    virtual_router_id 62
    priority 100
    advert_int 1
    virtual_ipaddress {
        192.168.79.201/24
    }
}
`;

/** The lines compared: what keepalived logs about the interface, the states and the static entries. */
const WATCHED = /Netlink reports sx0|Entering (MASTER|BACKUP|FAULT) STATE|Restoring deleted static|has both track_group and no_track/;
const lines = (d: RunningDirector, from = 0): string[] =>
  d.log().slice(from).split('\n').map((l) => /^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}: (.*)$/.exec(l)?.[1] ?? '').filter((l) => WATCHED.test(l));

/** What is on sx0 and in the tables: addresses, routes (all tables) and rules, as `ip` shows them. */
function kernel(side: Side): string {
  const host = SIDES[side];
  return topo.exec(host, ['sh', '-c', 'ip -4 -o addr show dev sx0 | sed "s/^[0-9]*: //; s/ *valid_lft.*//"; ip -4 route show table all dev sx0 | grep -v "^local\\|^broadcast"; ip -4 rule']);
}

const vip = (side: Side, address: string) => topo.addresses(SIDES[side], 'eth0').includes(address);

const built = file(HALO, 'the built CLI dist/cli/main.js (npm run build)');
const d = describeNeeding(root, built, tool('keepalived'));

d('track_group and no_track on static entries beside keepalived 2.2.7 (netns)', () => {
  beforeAll(() => {
    topo = new Topology('tg-').build(['br0', 'br1'], [
      { name: 'lbk', links: [['br0', '192.168.79.11/24']] },
      { name: 'lbh', links: [['br1', '192.168.79.11/24']] },
    ]);
    for (const host of Object.values(SIDES)) {
      topo.exec(host, ['ip', 'link', 'add', 'sx0', 'type', 'veth', 'peer', 'name', 'sx1']);
      topo.exec(host, ['ip', 'link', 'set', 'sx1', 'up']);
      topo.exec(host, ['ip', 'link', 'set', 'sx0', 'up']);
      topo.exec(host, ['ip', 'addr', 'add', '192.168.81.10/24', 'dev', 'sx0']);
    }
    tmp = mkdtempSync(join(tmpdir(), 'halo-tg-'));
    dirs = new Directors(topo, tmp);
  });
  afterAll(async () => {
    await dirs?.stopAll();
    topo?.destroy();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('deletions, the interface down and up: the same lines, states and kernel state as keepalived', async () => {
    const before = kernel('keepalived');
    expect(kernel('halo')).toBe(before);
    const under = { keepalived: dirs.keepalived(SIDES.keepalived, CONFIG), halo: dirs.halo(SIDES.halo, CONFIG) };
    for (const side of BOTH) {
      const up = await waitFor(() => vip(side, '192.168.79.200') && vip(side, '192.168.79.201') && kernel(side).includes('198.51.100.0/24'), 60_000, 100);
      if (!up) throw new Error(`${side} never MASTER with its static entries:\n${kernel(side)}\n${under[side].log()}`);
    }
    const started = kernel('keepalived');
    expect(kernel('halo')).toBe(started);
    for (const text of ['192.168.81.1/24', '192.168.81.2/24', '192.168.81.3/24', '198.51.100.0/24 via 192.168.81.254 proto keepalived', '198.51.101.0/24 via 192.168.81.254', '101:\tfrom all iif sx0 lookup 101 proto keepalived', '102:\tfrom 192.168.82.0/24 lookup 102']) {
      expect(started).toContain(text);
    }
    // keepalived logs this at start; halo warns at the line (and logs the warning at start)
    expect(lines(under.keepalived)).toContain('Static address has both track_group and no_track set - not tracking');
    expect(under.halo.log()).toContain('Static address has both track_group and no_track set - not tracking');

    // someone deletes every static entry: the tracked ones come back, the no_track ones do not, nothing moves
    let mark = { keepalived: under.keepalived.log().length, halo: under.halo.log().length };
    for (const side of BOTH) {
      const host = SIDES[side];
      for (const a of ['192.168.81.1/24', '192.168.81.2/24', '192.168.81.3/24']) topo.exec(host, ['ip', 'addr', 'del', a, 'dev', 'sx0']);
      for (const r of ['198.51.100.0/24', '198.51.101.0/24']) topo.exec(host, ['ip', 'route', 'del', r]);
      for (const p of ['101', '102']) topo.exec(host, ['ip', 'rule', 'del', 'priority', p]);
    }
    const RESTORED = [
      'Restoring deleted static address 192.168.81.1/24 dev sx0 scope global track_group TG1 set',
      'Restoring deleted static route prepend 198.51.100.0/24 via inet 192.168.81.254 dev sx0 proto 18 track_group TG1',
      'Restoring deleted static rule from all priority 101 tos 0x0 iif sx0 protocol 18 lookup 101 track_group TG1',
    ];
    for (const side of BOTH) {
      const back = await waitFor(() => RESTORED.every((l) => lines(under[side], mark[side]).includes(l)), 30_000, 100);
      if (!back) throw new Error(`${side} did not put the entries back:\n${kernel(side)}\n${under[side].log().slice(mark[side])}`);
    }
    // what keepalived would put back later has had time to come
    await new Promise((r) => setTimeout(r, 1000));
    for (const side of BOTH) expect([...lines(under[side], mark[side])].sort()).toEqual([...RESTORED].sort());
    const restored = kernel('keepalived');
    expect(kernel('halo')).toBe(restored);
    expect(restored).toContain('192.168.81.1/24');
    expect(restored).not.toContain('192.168.81.2/24');
    expect(restored).not.toContain('192.168.81.3/24');
    expect(restored).toContain('198.51.100.0/24');
    expect(restored).not.toContain('198.51.101.0/24');
    expect(restored).toContain('iif sx0 lookup 101');
    expect(restored).not.toContain('lookup 102');

    // sx0 down: VI_1 (the track group's) enters FAULT, VI_2 stays MASTER
    mark = { keepalived: under.keepalived.log().length, halo: under.halo.log().length };
    for (const side of BOTH) topo.exec(SIDES[side], ['ip', 'link', 'set', 'sx0', 'down']);
    for (const side of BOTH) {
      const fault = await waitFor(() => !vip(side, '192.168.79.200') && lines(under[side], mark[side]).includes('(VI_1) Entering FAULT STATE'), 30_000, 100);
      if (!fault) throw new Error(`${side}: VI_1 not FAULT:\n${under[side].log().slice(mark[side])}`);
    }
    expect(lines(under.halo, mark.halo)).toEqual(lines(under.keepalived, mark.keepalived));
    expect(lines(under.halo, mark.halo)).toEqual(['Netlink reports sx0 down', '(VI_1) Entering FAULT STATE']);
    for (const side of BOTH) expect(vip(side, '192.168.79.201')).toBe(true);
    expect(kernel('halo')).toBe(kernel('keepalived'));

    // sx0 up: VI_1 leaves FAULT, the static address and route on sx0 are put back, VI_1 MASTER again
    mark = { keepalived: under.keepalived.log().length, halo: under.halo.log().length };
    for (const side of BOTH) topo.exec(SIDES[side], ['ip', 'link', 'set', 'sx0', 'up']);
    for (const side of BOTH) {
      const back = await waitFor(() => vip(side, '192.168.79.200') && lines(under[side], mark[side]).includes('(VI_1) Entering MASTER STATE') && kernel(side).includes('198.51.100.0/24'), 30_000, 100);
      if (!back) throw new Error(`${side}: VI_1 not back:\n${kernel(side)}\n${under[side].log().slice(mark[side])}`);
    }
    expect(lines(under.halo, mark.halo)).toEqual(lines(under.keepalived, mark.keepalived));
    expect(lines(under.halo, mark.halo)).toEqual([
      'Netlink reports sx0 up',
      '(VI_1) Entering BACKUP STATE',
      'Restoring deleted static address 192.168.81.1/24 dev sx0 scope global track_group TG1 set',
      'Restoring deleted static route prepend 198.51.100.0/24 via inet 192.168.81.254 dev sx0 proto 18 track_group TG1',
      '(VI_1) Entering MASTER STATE',
    ]);
    expect(kernel('halo')).toBe(kernel('keepalived'));
    for (const side of BOTH) expect(vip(side, '192.168.79.201')).toBe(true);

    // stop: what each added goes; the entries they did not put back were already gone
    for (const side of BOTH) {
      under[side].signal('SIGTERM');
      await under[side].exited;
    }
    expect(kernel('halo')).toBe(kernel('keepalived'));
  });
});
