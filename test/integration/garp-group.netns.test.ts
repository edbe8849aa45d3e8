/**
 * garp_group beside Debian's keepalived 2.2.7 (netns, real kernel, tcpdump).
 *
 * One director with two interfaces in one garp_group (garp_interval 1, gna_interval 0.5) and two
 * instances, one on each interface, each with several VIPs, IPv6 excluded VIPs and
 * garp_master_repeat > 1. Alone on its segments, each instance becomes MASTER 3 s + its skew time
 * after the start: VI_1 (priority 250) first, VI_2 (priority 50, first in the config) 0.78 s later.
 * keepalived runs first, then halo, on the same config; tcpdump on both interfaces records every
 * gratuitous ARP, unsolicited NA and advert with the kernel's timestamps.
 *
 * Compared: the order of the GARPs across the group's two interfaces (one pacer for both), and of
 * the NAs; and the spacing between consecutive ones, judged against the interval with a
 * tolerance. The same again with the intervals given as vrrp_garp_interval / vrrp_gna_interval
 * (no group): then each interface has a pacer of its own, shared by the instances on it. The order depends on when VI_2 becomes MASTER relative to the pacer's times, so a
 * run whose capture shows the director starved (the adverts' schedule or VI_2's start off by more
 * than the tolerance) is reported as inconclusive instead of compared. Nothing else is timed.
 *
 * Also `halo check` beside `keepalived -t` on bad garp_group blocks: the same lines (keepalived
 * reports an `interfaces` block's lines at its closing brace, halo at each name; compared without
 * places) and the same verdict.
 */
import { ChildProcess, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureArmed, Directors, HALO, waitFor } from '../support/directors';
import { Topology } from '../support/netns';
import { describeNeeding, file, root, tool } from '../support/prerequisites';

jest.setTimeout(240_000);

const HOST = 'lb';
const GARP_S = 1;
const GNA_S = 0.5;
/** How far a gap may be from the interval, and a start from its due time, before the run counts as starved (s). */
const TOLERANCE_S = 0.1;
/** VI_2's MASTER start after VI_1's: the skew times' difference, (250 - 50) / 256 s. */
const START_OFFSET_S = 200 / 256;

const GROUP = `garp_group {
    garp_interval ${GARP_S}
    gna_interval ${GNA_S}
    interfaces {
        eth0
        eth1
    }
}
`;
/** The same intervals as vrrp_garp_interval / vrrp_gna_interval: a pacer per interface. */
const GLOBAL = `global_defs {
    vrrp_garp_interval ${GARP_S}
    vrrp_gna_interval ${GNA_S}
}
`;
const INSTANCES = `vrrp_instance VI_2 {
    state BACKUP
    interface eth1
    virtual_router_id 62
    priority 50
    advert_int 1
    garp_master_delay 0
    garp_master_repeat 2
    virtual_ipaddress {
        192.168.88.201/24
        192.168.88.202/24
    }
    virtual_ipaddress_excluded {
        fd00:88::201/64
        fd00:88::202/64
    }
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 61
    priority 250
    advert_int 1
    garp_master_delay 0
    garp_master_repeat 3
    virtual_ipaddress {
        192.168.87.201/24
        192.168.87.202/24
        192.168.87.203/24
    }
    virtual_ipaddress_excluded {
        fd00:87::201/64
    }
}
`;
const ALL_VIPS = ['192.168.88.201', '192.168.88.202', 'fd00:88::201', 'fd00:88::202', '192.168.87.201', '192.168.87.202', '192.168.87.203', 'fd00:87::201'];

interface Frame { t: number; kind: 'garp' | 'na' | 'advert'; what: string; dev: string }

/** tcpdump -tt on one interface: GARPs (sender = target), unsolicited NAs and VRRP adverts. */
async function capture(dev: string): Promise<{ frames: () => Frame[]; stop: () => void }> {
  const p: ChildProcess = topo.spawn(HOST, ['tcpdump', '-tt', '-n', '-l', '-i', dev, 'arp or icmp6 or ip proto 112']);
  let out = '';
  p.stdout!.on('data', (c) => (out += c));
  await captureArmed(p);
  const frames = (): Frame[] => out.split('\n').flatMap((l): Frame[] => {
    const t = Number(l.split(' ')[0]);
    const arp = /ARP, Request who-has (\S+)(?: \([^)]*\))? tell (\S+),/.exec(l);
    if (arp && arp[1] === arp[2]) return [{ t, kind: 'garp', what: arp[1], dev }];
    const na = /neighbor advertisement, tgt is (\S+),/.exec(l);
    if (na) return [{ t, kind: 'na', what: na[1], dev }];
    const ad = /VRRPv\d, Advertisement, vrid (\d+)/.exec(l);
    if (ad) return [{ t, kind: 'advert', what: `vrid ${ad[1]}`, dev }];
    return [];
  });
  return { frames, stop: () => p.kill('SIGKILL') };
}

interface Run {
  garps: Frame[];
  nas: Frame[];
  /** Why the capture says the director was starved, or null. */
  starved: string | null;
}

/** Starts one daemon on CONFIG, records until 3 s pass with no new GARP/NA after all VIPs were announced, stops it. */
async function record(kind: 'halo' | 'keepalived', config: string): Promise<Run> {
  const caps = [await capture('eth0'), await capture('eth1')];
  const frames = () => caps.flatMap((c) => c.frames()).sort((a, b) => a.t - b.t);
  const announced = () => frames().filter((f) => f.kind !== 'advert');
  const d = kind === 'halo' ? dirs.halo(HOST, config) : dirs.keepalived(HOST, config);
  try {
    const all = await waitFor(() => ALL_VIPS.every((v) => announced().some((f) => f.what === v)), 60_000, 100);
    if (!all) throw new Error(`${kind}: not every VIP announced: ${JSON.stringify(announced())}\n${d.log()}`);
    // then quiet: the last GARP/NA at least 3 s ago (by the capture's clock, the adverts keep it going)
    const quiet = await waitFor(() => {
      const f = frames();
      const last = announced().at(-1)!.t;
      return f.length > 0 && f[f.length - 1].t - last >= 3;
    }, 60_000, 100);
    if (!quiet) throw new Error(`${kind}: GARPs/NAs never stopped: ${JSON.stringify(announced())}`);
  } finally {
    await dirs.stopAll();
    caps.forEach((c) => c.stop());
  }
  const f = frames();
  return { garps: f.filter((x) => x.kind === 'garp'), nas: f.filter((x) => x.kind === 'na'), starved: starvation(f) };
}

/**
 * From the capture alone: while the GARPs/NAs went, adverts not 1 s apart, or VI_2 not becoming
 * MASTER START_OFFSET_S after VI_1. (The priority-0 adverts of the stop come after.)
 */
function starvation(all: Frame[]): string | null {
  const end = all.filter((x) => x.kind !== 'advert').at(-1)!.t;
  const f = all.filter((x) => x.t <= end + 0.5);
  const first = (vrid: number) => f.find((x) => x.kind === 'advert' && x.what === `vrid ${vrid}`)?.t;
  const v1 = first(61);
  const v2 = first(62);
  if (v1 === undefined || v2 === undefined) return 'no advert of an instance';
  if (Math.abs(v2 - v1 - START_OFFSET_S) > TOLERANCE_S) return `VI_2 became MASTER ${(v2 - v1).toFixed(3)} s after VI_1 (due ${START_OFFSET_S.toFixed(3)} s)`;
  for (const vrid of [61, 62]) {
    const ts = f.filter((x) => x.kind === 'advert' && x.what === `vrid ${vrid}`).map((x) => x.t);
    for (let i = 1; i < ts.length; i++) {
      if (Math.abs(ts[i] - ts[i - 1] - 1) > TOLERANCE_S) return `adverts of vrid ${vrid} ${(ts[i] - ts[i - 1]).toFixed(3)} s apart`;
    }
  }
  return null;
}

const gaps = (fs: Frame[]): number[] => fs.slice(1).map((x, i) => Number((x.t - fs[i].t).toFixed(3)));
/** The gaps between consecutive frames of one pacer (`shared`: one for both interfaces) further than the tolerance from the interval. */
const offPace = (fs: Frame[], intervalS: number, shared: boolean): number[] =>
  (shared ? [fs] : ['eth0', 'eth1'].map((dev) => fs.filter((x) => x.dev === dev))).flatMap((p) => gaps(p).filter((g) => Math.abs(g - intervalS) > TOLERANCE_S));
const order = (fs: Frame[]): string[] => fs.map((x) => `${x.what} on ${x.dev}`);

let topo: Topology;
let dirs: Directors;
let tmp: string;

const built = file(HALO, 'the built CLI dist/cli/main.js (npm run build)');
const d = describeNeeding(root, built, tool('keepalived'), tool('tcpdump'));

d('garp_group beside keepalived 2.2.7 (netns)', () => {
  beforeAll(() => {
    topo = new Topology('gg-').build(['br0', 'br1'], [{ name: HOST, links: [['br0', '192.168.87.11/24'], ['br1', '192.168.88.11/24']] }]);
    tmp = mkdtempSync(join(tmpdir(), 'halo-garp-group-'));
    dirs = new Directors(topo, tmp);
  });
  afterAll(async () => {
    await dirs.stopAll();
    topo.destroy();
    rmSync(tmp, { recursive: true, force: true });
  });

  const SCENARIOS = [
    { name: 'one garp_group over both interfaces', config: GROUP + INSTANCES, shared: true },
    { name: 'vrrp_garp_interval / vrrp_gna_interval: a pacer per interface, shared by its instances', config: GLOBAL + INSTANCES, shared: false },
  ];

  it.each(SCENARIOS)("paces every instance's GARPs and NAs as keepalived: same order, interval spacing ($name)", async ({ name, config, shared }) => {
    const ka = await record('keepalived', config);
    const halo = await record('halo', config);
    const show = (r: Run) => ({ garps: order(r.garps), garpGaps: gaps(r.garps), nas: order(r.nas), naGaps: gaps(r.nas), starved: r.starved });
    console.log(`${name}\nkeepalived: ${JSON.stringify(show(ka))}\nhalo: ${JSON.stringify(show(halo))}`);
    // what does not depend on timing: every VIP announced by both, GARPs for IPv4, NAs for IPv6
    for (const r of [ka, halo]) {
      expect([...new Set(r.garps.map((x) => x.what))].sort()).toEqual(ALL_VIPS.filter((v) => !v.includes(':')).sort());
      expect([...new Set(r.nas.map((x) => x.what))].sort()).toEqual(ALL_VIPS.filter((v) => v.includes(':')).sort());
    }
    // keepalived's own run is the reference: a gap of its off the interval means it was late (starved)
    const kaOff = [...offPace(ka.garps, GARP_S, shared), ...offPace(ka.nas, GNA_S, shared)];
    const kaStarved = ka.starved ?? (kaOff.length > 0 ? `its own GARP/NA gaps ${kaOff.join(', ')} s off the interval` : null);
    if (kaStarved || halo.starved) {
      console.log(`${name}: comparison INCONCLUSIVE: keepalived ${kaStarved ?? 'not starved'}; halo ${halo.starved ?? 'not starved'}`);
      return;
    }
    expect(order(halo.garps)).toEqual(order(ka.garps));
    expect(order(halo.nas)).toEqual(order(ka.nas));
    expect(offPace(halo.garps, GARP_S, shared)).toEqual([]);
    expect(offPace(halo.nas, GNA_S, shared)).toEqual([]);
  });

  const INST = `vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 61\n    priority 100\n    virtual_ipaddress {\n        192.168.87.201/24\n    }\n}\n`;
  const BAD: Record<string, string> = {
    'interfaces taken, empty block, no delay, bad intervals': `garp_group {\n    garp_interval 1.5\n    interface eth0\n}\ngarp_group {\n    gna_interval 0.2\n    interfaces {\n        eth1\n        eth0\n    }\n}\ngarp_group {\n    interface lo\n}\ngarp_group {\n    interfaces {\n    }\n    garp_interval abc\n    gna_interval -1\n    garp_interval 0.1234567\n}\n${INST}`,
    'a taken name alone in an interfaces block (keepalived stops)': `garp_group {\n    garp_interval 1\n    interface eth0\n}\ngarp_group {\n    garp_interval 1\n    interfaces {\n        eth0\n    }\n}\n${INST}`,
    'a good group': `garp_group {\n    garp_interval 0.5\n    gna_interval 0.5\n    interfaces {\n        eth0\n        eth1\n    }\n}\n${INST}`,
  };

  it.each(Object.keys(BAD))('halo check beside keepalived -t: %s', (name) => {
    const conf = join(tmp, `${name.replace(/\W+/g, '-')}.conf`);
    writeFileSync(conf, BAD[name]);
    const inNs = (argv: string[]) => spawnSync('ip', ['netns', 'exec', topo.ns(HOST), ...argv], { encoding: 'utf8' });
    const ka = inNs(['keepalived', '-t', '-f', conf]);
    const halo = inNs([process.execPath, HALO, 'check', '-f', conf]);
    // keepalived: "(FILE: Line N) MESSAGE"; halo: "FILE:LINE:COL: severity: MESSAGE"
    const kaLines = ka.stderr.split('\n').flatMap((l) => /^\(.*: Line \d+\) (?:\*\*\* )?(.*)$/.exec(l)?.[1] ?? []);
    const haloLines = halo.stderr.split('\n').flatMap((l) => /^[^:]+:\d+:\d+: (?:warning|error): (.*)$/.exec(l)?.[1] ?? []);
    // keepalived -t exits 1 (fatal) or 2 (config) when it would not start (test/support/corpus.ts); other codes flag warnings
    expect({ name, lines: haloLines, starts: halo.status === 0 }).toEqual({ name, lines: kaLines, starts: ![1, 2, null].includes(ka.status) });
  });
});
