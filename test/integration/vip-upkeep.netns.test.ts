/**
 * A MASTER keeps its VIPs when the kernel does not: a VIP deleted behind its back comes back
 * (keepalived 2.2.7's set_vrrp_backup: BACKUP, then MASTER again after Skew_Time; keepalived
 * beside halo in the same run is the oracle for the sequence and the words), and a VIP add that
 * fails is retried with backoff until it succeeds (keepalived does not retry: no oracle there).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directors, HALO, holds, waitFor, waitInstance } from '../support/directors';
import { Topology } from '../support/netns';
import { conf, instance } from './vrrp-conf';
import { describeNeeding, file, root, tool } from '../support/prerequisites';

jest.setTimeout(90_000);

const built = file(HALO, 'the built CLI dist/cli/main.js (npx tsc -p tsconfig.json)');
const d = describeNeeding(root, built, tool('keepalived'));

let topo: Topology;
let dirs: Directors;
let tmp: string;

/** The VRRP state lines of a log, in order. */
const states = (log: string, inst = 'VI_1') =>
  [...log.matchAll(new RegExp(`\\(${inst}\\) Entering (MASTER|BACKUP) STATE(?! \\(init\\))`, 'g'))].map((m) => m[1]);

d('VIP upkeep (netns)', () => {
  beforeAll(() => {
    topo = new Topology(process.env.HALO_TEST_NS_PREFIX ?? 'hvu-').build(['br0'], [
      { name: 'lb1', links: [['br0', '192.168.77.11/24']] },
      { name: 'lb2', links: [['br0', '192.168.77.12/24']] },
    ]);
  });
  afterAll(() => topo.destroy());
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'halo-vipupkeep-'));
    dirs = new Directors(topo, tmp);
  });
  afterEach(async () => {
    await dirs.stopAll();
    topo.exec('lb1', ['ip', 'link', 'del', 'trv0'], { allowFail: true });
    rmSync(tmp, { recursive: true, force: true });
  });

  it('a VIP deleted behind a MASTER comes back: BACKUP, then MASTER after Skew_Time, as keepalived does', async () => {
    // halo on lb1 (vrid 51), keepalived on lb2 (vrid 52): two independent masters, same rule
    const vh = '192.168.77.200';
    const vk = '192.168.77.201';
    const halo = dirs.halo('lb1', conf('lb1', instance({ version: 3, advertInt: 0.1, state: 'MASTER', priority: 150, vrid: 51, vips: [`${vh}/24`] })));
    const ka = dirs.keepalived('lb2', conf('lb2', instance({ version: 3, advertInt: 0.1, state: 'MASTER', priority: 150, vrid: 52, vips: [`${vk}/24`] })));
    await waitInstance(halo, 'VI_1', (i) => i.state === 'MASTER', 30_000, 'MASTER');
    expect(await waitFor(() => holds(topo, 'lb1', vh) && holds(topo, 'lb2', vk), 30_000)).toBe(true);

    topo.exec('lb1', ['ip', 'addr', 'del', `${vh}/24`, 'dev', 'eth0']);
    topo.exec('lb2', ['ip', 'addr', 'del', `${vk}/24`, 'dev', 'eth0']);
    expect(await waitFor(() => holds(topo, 'lb1', vh) && holds(topo, 'lb2', vk), 15_000)).toBe(true);
    expect(await waitFor(() => states(halo.log()).length >= 3 && states(ka.log()).length >= 3, 10_000)).toBe(true);

    // the same sequence in both: MASTER, BACKUP on the deletion, MASTER again
    expect(states(halo.log())).toEqual(['MASTER', 'BACKUP', 'MASTER']);
    expect(states(ka.log())).toEqual(['MASTER', 'BACKUP', 'MASTER']);
    // keepalived logs the deletion in these words with -D (log detail); halo always does
    expect(ka.log()).toContain(`Netlink reflector reports IP ${vk} removed from eth0`);
    expect(halo.log()).toContain(`Netlink reflector reports IP ${vh} removed from eth0`);
    // halo's own VIP removals (leaving MASTER) are not taken for someone else's
    expect(halo.log().match(/Netlink reflector reports IP/g)).toHaveLength(1);
  });

  it('a VIP add that fails is retried with backoff while MASTER, and the VIP is set once it can be', async () => {
    const vip = '192.168.79.200';
    // dynamic_interfaces: without it a VIP on an interface the host lacks refuses the config, as keepalived
    const dynamic = 'global_defs {\n    dynamic_interfaces\n}\n';
    const halo = dirs.halo('lb1', dynamic + conf('lb1', instance({ version: 3, advertInt: 0.1, state: 'MASTER', priority: 150, vips: ['192.168.77.200/24', `${vip}/24 dev trv0`] })));
    await waitInstance(halo, 'VI_1', (i) => i.state === 'MASTER', 30_000, 'MASTER');
    // trv0 does not exist yet: the add fails and is retried
    expect(await waitFor(() => /retrying adding 192\.168\.79\.200\/24 to trv0 in \d+ ms/.test(halo.log()), 15_000)).toBe(true);
    expect(halo.log()).toContain('ENODEV adding 192.168.79.200/24 to trv0');
    expect(holds(topo, 'lb1', '192.168.77.200')).toBe(true);
    topo.exec('lb1', ['ip', 'link', 'add', 'trv0', 'type', 'veth', 'peer', 'name', 'trv1']); // (this kernel has no dummy)
    topo.exec('lb1', ['ip', 'link', 'set', 'trv0', 'up']);
    // the backoff is capped at 5 s
    expect(await waitFor(() => holds(topo, 'lb1', vip, 'trv0'), 15_000)).toBe(true);
    expect(await waitFor(() => /\(VI_1\) VIP 192\.168\.79\.200\/24 added to trv0 on retry \d+/.test(halo.log()), 5_000)).toBe(true);
    expect((await waitInstance(halo, 'VI_1', () => true, 5_000, 'there')).state).toBe('MASTER');
  });
});
