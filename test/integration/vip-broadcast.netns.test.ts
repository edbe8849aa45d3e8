/**
 * `brd` on VIPs and static addresses beside Debian's keepalived 2.2.7 (netns): the same config run
 * by keepalived on one segment and by halo on another (same addresses, same interface names),
 * each alone and MASTER. Compared: the addresses `ip -d addr` shows on eth0 (each one's
 * broadcast, scope and label) once every VIP is up, the warnings both give about a `+`/`-` on a
 * prefix longer than /30, and what is left on eth0 after both stop. Every address sits in a
 * subnet of its own, so which one is primary does not depend on the order of the adds.
 * The config builder's side alone: test/config/vip-broadcast.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directors, HALO, RunningDirector, waitFor } from '../support/directors';
import { Topology } from '../support/netns';
import { describeNeeding, file, root, tool } from '../support/prerequisites';

jest.setTimeout(120_000);

let topo: Topology;
let dirs: Directors;
let tmp: string;

const SIDES = { keepalived: 'lbk', halo: 'lbh' } as const;
type Side = keyof typeof SIDES;
const BOTH: Side[] = ['keepalived', 'halo'];

const CONFIG = `
static_ipaddress {
    10.71.1.1/24 brd + dev eth0
    10.71.2.1/24 brd - dev eth0
    10.71.3.1/31 brd + dev eth0
    10.71.4.1/32 brd - dev eth0
    10.71.5.1/24 brd 10.71.5.127 dev eth0
    10.71.6.5/30 broadcast + dev eth0 label eth0:s6
    10.71.7.1/24 dev eth0
}
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 71
    priority 100
    advert_int 1
    virtual_ipaddress {
        10.72.1.1/24 brd +
        10.72.2.1/24 brd -
        10.72.3.1/31 brd +
        10.72.4.1/32 brd -
        10.72.5.1/24 brd 10.72.5.127
        10.72.6.5/30 brd - label eth0:v6
        10.72.7.1/24
        10.72.8.1/16 brd 10.72.8.9 brd +
    }
}
`;

/** eth0's IPv4 addresses as `ip -d -o addr` shows them (index and name dropped), sorted. */
function kernel(side: Side): string[] {
  const out = topo.exec(SIDES[side], ['ip', '-d', '-4', '-o', 'addr', 'show', 'dev', 'eth0']);
  return out.split('\n').filter((l) => l.trim()).map((l) => l.replace(/^\d+: \S+\s+/, '').replace(/\\\s+/g, ' ').trim()).sort();
}

const WARNED = /Address prefix length \d+ too long for broadcast/g;
const warnings = (d: RunningDirector): string[] => [...d.log().matchAll(WARNED)].map((m) => m[0]).sort();

const built = file(HALO, 'the built CLI dist/cli/main.js (npm run build)');

describeNeeding(root, built, tool('keepalived'))('brd on VIPs and static addresses beside keepalived 2.2.7 (netns)', () => {
  beforeAll(() => {
    topo = new Topology('vbrd-').build(['br0', 'br1'], [
      { name: 'lbk', links: [['br0', '192.168.79.11/24']] },
      { name: 'lbh', links: [['br1', '192.168.79.11/24']] },
    ]);
    tmp = mkdtempSync(join(tmpdir(), 'halo-vbrd-'));
    dirs = new Directors(topo, tmp);
  });
  afterAll(async () => {
    await dirs?.stopAll();
    topo?.destroy();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('the same addresses, broadcasts and labels on eth0 as keepalived, the same warnings, the same after the stop', async () => {
    const before = kernel('keepalived');
    expect(kernel('halo')).toEqual(before);
    const under = { keepalived: dirs.keepalived(SIDES.keepalived, CONFIG), halo: dirs.halo(SIDES.halo, CONFIG) };
    // the last VIP and static address in place: the adds go in config order, but wait for every one
    const all = ['10.71.1.1', '10.71.7.1', '10.72.1.1', '10.72.2.1', '10.72.3.1', '10.72.4.1', '10.72.5.1', '10.72.6.5', '10.72.7.1', '10.72.8.1'];
    for (const side of BOTH) {
      const up = await waitFor(() => all.every((a) => topo.addresses(SIDES[side], 'eth0').includes(a)), 60_000, 100);
      if (!up) throw new Error(`${side} never put every address on eth0:\n${kernel(side).join('\n')}\n${under[side].log()}`);
    }
    const ka = kernel('keepalived');
    console.log(`keepalived's eth0:\n${ka.join('\n')}`);
    expect(kernel('halo')).toEqual(ka);
    // what the comparison is about is there (keepalived's outcome, written out)
    for (const line of [
      'inet 10.71.1.1/24 brd 10.71.1.255 scope global eth0',
      'inet 10.71.2.1/24 brd 10.71.2.0 scope global eth0',
      'inet 10.71.3.1/31 scope global eth0',
      'inet 10.71.4.1/32 scope global eth0',
      'inet 10.71.5.1/24 brd 10.71.5.127 scope global eth0',
      'inet 10.71.6.5/30 brd 10.71.6.7 scope global eth0:s6',
      'inet 10.71.7.1/24 scope global eth0',
      'inet 10.72.1.1/24 brd 10.72.1.255 scope global eth0',
      'inet 10.72.2.1/24 brd 10.72.2.0 scope global eth0',
      'inet 10.72.6.5/30 brd 10.72.6.4 scope global eth0:v6',
      'inet 10.72.8.1/16 brd 10.72.255.255 scope global eth0',
    ]) expect(ka.some((l) => l.startsWith(`${line} `) || l === line)).toBe(true);
    expect(warnings(under.halo)).toEqual(warnings(under.keepalived));
    expect(warnings(under.keepalived)).toEqual([
      'Address prefix length 31 too long for broadcast', 'Address prefix length 31 too long for broadcast',
      'Address prefix length 32 too long for broadcast', 'Address prefix length 32 too long for broadcast',
    ]);

    for (const side of BOTH) {
      under[side].signal('SIGTERM');
      await under[side].exited;
    }
    expect(kernel('halo')).toEqual(kernel('keepalived'));
    expect(kernel('keepalived')).toEqual(before);
  });
});
