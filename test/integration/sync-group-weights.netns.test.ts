/**
 * Weighted trackers and sync groups, halo beside Debian's keepalived 2.2.7 (each alone on its
 * host, judged by the priority its adverts carry on the wire and by its warnings):
 *  - a member's own weighted track_script is ignored in a sync group, with keepalived's warning;
 *  - with sync_group_tracking_weight it is kept and lowers the member's priority;
 *  - global_tracking is the deprecated spelling, warned;
 *  - the group's own weighted track_script moves its member's priority (sync_group_tracking_init).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureArmed, Directors, HALO, waitFor } from '../support/directors';
import { sh, Topology } from '../support/netns';
import { instance } from './vrrp-conf';
import { describeNeeding, file, root, tool } from '../support/prerequisites';

jest.setTimeout(120_000);

let topo: Topology;
let dirs: Directors;
let tmp: string;
const built = file(HALO, 'the built CLI dist/cli/main.js (npm run build)');
const d = describeNeeding(root, built, tool('keepalived'), tool('tcpdump'));

function config(host: string, base: number): string {
  const member = (name: string, vrid: number) => instance({ name, vrid, priority: 100, state: 'BACKUP', vips: [`192.168.77.${vrid}/24`], extra: ['track_script {', '    failing weight -60', '}'] });
  const group = (name: string, members: string, extra: string[]) => [`vrrp_sync_group ${name} {`, '    group {', `        ${members}`, '    }', ...extra.map((l) => `    ${l}`), '}'].join('\n');
  return [
    'global_defs {', `    router_id ${host}`, '    script_user root', '    enable_script_security', '}',
    'vrrp_script failing {', '    script "/bin/false"', '    interval 1', '}',
    member('VI_A', base + 1), member('VI_B', base + 2), member('VI_C', base + 3),
    instance({ name: 'VI_D', vrid: base + 4, priority: 100, state: 'BACKUP', vips: [`192.168.77.${base + 4}/24`] }),
    group('G_WEIGHT', 'VI_A', ['sync_group_tracking_weight']),
    group('G_PLAIN', 'VI_B', []),
    group('G_OLD', 'VI_C', ['global_tracking']),
    group('G_OWN', 'VI_D', ['track_script {', '    failing weight -30', '}']),
    '',
  ].join('\n');
}

d('sync groups and weighted trackers: halo beside keepalived 2.2.7 (netns)', () => {
  beforeAll(() => {
    topo = new Topology('hsw-').build(['br0'], [
      { name: 'lb1', links: [['br0', '192.168.77.11/24']] },
      { name: 'lb2', links: [['br0', '192.168.77.12/24']] },
      { name: 'client', links: [['br0', '192.168.77.100/24']] },
    ]);
  });
  afterAll(() => topo.destroy());
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'halo-sgw-'));
    dirs = new Directors(topo, tmp);
  });
  afterEach(async () => {
    await dirs.stopAll();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('the same priorities on the wire and the same warnings', async () => {
    const f = join(tmp, 'adverts.pcap');
    const cap = topo.spawn('client', ['tcpdump', '-U', '-n', '-i', 'eth0', '-w', f, 'ip proto 112']);
    await captureArmed(cap);
    const ka = dirs.keepalived('lb1', config('lb1', 100));
    const h = dirs.halo('lb2', config('lb2', 110));
    /** The priority of the last advert of each VRID seen so far, by source. */
    const prios = (): Map<string, number> => {
      const m = new Map<string, number>();
      for (const l of sh(['tcpdump', '-r', f, '-n']).split('\n')) {
        const x = /^\S+ IP (\S+) > 224\.0\.0\.18: VRRPv2, Advertisement, vrid (\d+), prio (\d+)/.exec(l);
        if (x) m.set(`${x[1]} ${x[2]}`, Number(x[3]));
      }
      return m;
    };
    const want = new Map([
      ['192.168.77.11 101', 40], ['192.168.77.11 102', 100], ['192.168.77.11 103', 40], ['192.168.77.11 104', 70],
      ['192.168.77.12 111', 40], ['192.168.77.12 112', 100], ['192.168.77.12 113', 40], ['192.168.77.12 114', 70],
    ]);
    let last = new Map<string, number>();
    const ok = await waitFor(() => {
      last = prios();
      return [...want].every(([k, v]) => last.get(k) === v);
    }, 60_000, 500);
    cap.kill('SIGTERM');
    await new Promise((r) => cap.once('exit', r));
    expect(Object.fromEntries(last)).toEqual(Object.fromEntries(want));
    expect(ok).toBe(true);
    for (const dir of [ka, h]) {
      const log = dir.log();
      expect([dir.kind, log.includes('(VI_B) ignoring tracked script failing with weights due to SYNC group')]).toEqual([dir.kind, true]);
      expect([dir.kind, log.includes('(G_OLD) global_tracking is deprecated. Use track_interface/script/file on the sync group')]).toEqual([dir.kind, true]);
      expect([dir.kind, /\(VI_A\) ignoring/.test(log)]).toEqual([dir.kind, false]);
    }
  });
});
