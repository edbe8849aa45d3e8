/**
 * Unsolicited Neighbour Advertisements after becoming MASTER, halo beside Debian's keepalived
 * 2.2.7 on the same config and the same host (netns; keepalived first, then halo): the burst of
 * becoming MASTER (garp_master_repeat rounds), the second one garp_master_delay later, and the
 * garp_master_refresh ones (garp_master_refresh_repeat rounds), for every IPv6 VIP and excluded
 * VIP, with the Router flag because the interface forwards (net.ipv6.conf.eth0.forwarding=1);
 * given in the instance and as the vrrp_garp_* globals. And a MASTER hearing a lower priority
 * (a crafted advert from a peer): garp_lower_prio_repeat rounds at once and again
 * garp_lower_prio_delay later.
 * Each director's NAs are captured on its own interface; the bursts are told apart by the
 * seconds between them (2, 3 and 5 s here: the NAs of one burst go back to back). Compared: the
 * VIPs of each of the first four bursts in order, and every NA's fields as tshark reads them
 * (addresses, hop limit, flags, link-layer option, checksum). When the bursts come is printed,
 * not asserted.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ipaddr from 'ipaddr.js';
import { captureArmed, Directors, HALO, waitFor } from '../support/directors';
import { sh, Topology } from '../support/netns';
import { describeNeeding, file, root, tool } from '../support/prerequisites';
import { craftAdvert6Script } from '../support/vrrp6-craft';

jest.setTimeout(180_000);

const HOST = 'lb';
const LL_VIP = 'fe80::98:200';
const VIP = 'fd00:98::200';
const EXCLUDED = 'fd00:99::200';
/** NAs further apart than this are in different bursts (the closest bursts are 2 s apart). */
const BURST_GAP_S = 1;

const VIPS = `    virtual_ipaddress {
        ${LL_VIP}/64
        ${VIP}/64
    }
    virtual_ipaddress_excluded {
        ${EXCLUDED}/64
    }
`;
const TIMING = ['garp_master_delay 2', 'garp_master_repeat 2', 'garp_master_refresh 5', 'garp_master_refresh_repeat 1'];
const instance = (extra: string[]) => `vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 56
    priority 150
    advert_int 1
${extra.map((l) => `    ${l}\n`).join('')}${VIPS}}
`;
/** A scenario: its config, how many bursts are compared, and what the test does after the first. */
interface Plan {
  config: string;
  bursts: number;
  /** Once the first burst is in (and 2 s more have passed): make the next ones come. */
  afterFirst?: () => void;
}

/**
 * Bursts at MASTER, garp_master_delay (2 s) later, then every garp_master_refresh (5 s): the
 * same timings given in the instance, and as the vrrp_garp_* globals.
 */
const SCENARIOS: Array<[string, Plan]> = [
  ['garp_master_* in the instance', { config: instance(TIMING), bursts: 4 }],
  ['the vrrp_garp_master_* globals', { config: `global_defs {\n${TIMING.map((l) => `    vrrp_${l}\n`).join('')}}\n${instance([])}`, bursts: 4 }],
  ['garp_lower_prio_repeat / garp_lower_prio_delay: a lower priority advert heard', {
    config: instance(['garp_master_delay 0', 'garp_master_repeat 1', 'garp_lower_prio_repeat 2', 'garp_lower_prio_delay 2']),
    bursts: 3,
    afterFirst: () => lowerPriorityAdvert(),
  }],
];

/** A VRRPv3 advert for VRID 56 at priority 100 (below the MASTER's 150) from the peer's link-local address. */
function lowerPriorityAdvert(): void {
  const peer = JSON.parse(topo.exec('peer', ['ip', '-j', '-6', 'addr', 'show', 'dev', 'eth0', 'scope', 'link', '-tentative'])) as Array<{ addr_info: Array<{ local?: string }> }>;
  const src = peer.flatMap((l) => l.addr_info.flatMap((a) => (a.local ? [a.local] : [])))[0];
  topo.exec('peer', ['python3', join(tmp, 'craft6.py'), '--src', src, '--dst', 'ff02::12', '--hops', '255']);
}

let topo: Topology;
let dirs: Directors;
let tmp: string;

interface Na {
  t: number;
  target: string;
}

/** The Neighbour Advertisements (ICMPv6 type 136) in a pcap written so far (Ethernet, no extension headers). */
function nasIn(pcap: string): Na[] {
  let b: Buffer;
  try {
    b = readFileSync(pcap);
  } catch {
    return [];
  }
  if (b.length < 24) return [];
  const le = b.readUInt32LE(0) === 0xa1b2c3d4;
  const u32 = (o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const out: Na[] = [];
  for (let o = 24; o + 16 <= b.length;) {
    const len = u32(o + 8);
    if (o + 16 + len > b.length) break; // (a record still being written)
    const frame = b.subarray(o + 16, o + 16 + len);
    const t = u32(o) + u32(o + 4) / 1e6;
    o += 16 + len;
    if (frame.length < 14 + 40 + 24 || frame.readUInt16BE(12) !== 0x86dd || frame[14 + 6] !== 58 || frame[14 + 40] !== 136) continue;
    const target = Array.from({ length: 8 }, (_, i) => frame.readUInt16BE(14 + 40 + 8 + 2 * i).toString(16)).join(':');
    out.push({ t, target: short(target) });
  }
  return out;
}

/** One spelling per address (RFC 5952's, as the config writes them). */
const short = (a: string): string => ipaddr.parse(a).toString();

/** NAs split where the gap to the previous one is over BURST_GAP_S. */
function bursts(nas: Na[]): Na[][] {
  const out: Na[][] = [];
  nas.forEach((n, i) => {
    if (i === 0 || n.t - nas[i - 1].t > BURST_GAP_S) out.push([]);
    out[out.length - 1].push(n);
  });
  return out;
}

interface Run {
  bursts: Na[][];
  /** tshark's reading of each NA, without its time. */
  fields: string[];
  log: string;
}

async function record(kind: 'halo' | 'keepalived', plan: Plan): Promise<Run> {
  const pcap = join(tmp, `${kind}-na.pcap`);
  const dump = topo.spawn(HOST, ['tcpdump', '-U', '-n', '-i', 'eth0', '-w', pcap, 'icmp6 and ip6[40] == 136']);
  await captureArmed(dump);
  const d = kind === 'halo' ? dirs.halo(HOST, plan.config) : dirs.keepalived(HOST, plan.config);
  const n = plan.bursts;
  let log = '';
  try {
    if (plan.afterFirst) {
      if (!(await waitFor(() => bursts(nasIn(pcap)).length > 0, 60_000, 200))) throw new Error(`${kind}: no NA\n${d.log()}`);
      // (the first burst's NAs go back to back: 2 s on, it is over and the next is apart from it)
      await new Promise((r) => setTimeout(r, 2000));
      plan.afterFirst();
    }
    // the last burst is under way once its first NA is in; then as many NAs as the one before
    const enough = await waitFor(() => {
      const b = bursts(nasIn(pcap));
      return b.length > n || (b.length === n && b[n - 1].length >= b[n - 2].length);
    }, 60_000, 200);
    if (!enough) throw new Error(`${kind}: not ${n} bursts of NAs: ${JSON.stringify(bursts(nasIn(pcap)).map((x) => x.map((a) => a.target)))}\n${d.log()}`);
  } finally {
    log = d.log();
    await dirs.stopAll();
    dump.kill('SIGTERM');
    await new Promise((r) => dump.once('exit', r));
  }
  const b = bursts(nasIn(pcap)).slice(0, n);
  const last = b[n - 1].at(-1)!.t;
  const fields = sh(['tshark', '-r', pcap, '-T', 'fields', '-E', 'separator=,', '-e', 'frame.time_epoch', '-e', 'eth.src', '-e', 'eth.dst', '-e', 'ipv6.src', '-e', 'ipv6.dst', '-e', 'ipv6.hlim',
    '-e', 'icmpv6.nd.na.target_address', '-e', 'icmpv6.nd.na.flag.r', '-e', 'icmpv6.nd.na.flag.s', '-e', 'icmpv6.nd.na.flag.o', '-e', 'icmpv6.opt.linkaddr', '-e', 'icmpv6.checksum.status'])
    .trim().split('\n').filter((l) => Number(l.split(',')[0]) <= last + 0.0005).map((l) => l.split(',').slice(1).join(','));
  console.log(`${kind}: NA bursts at ${b.map((x) => `+${(x[0].t - b[0][0].t).toFixed(3)} s (${x.length})`).join(', ')}`);
  return { bursts: b, fields, log };
}

const built = file(HALO, 'the built CLI dist/cli/main.js (npm run build)');
const d = describeNeeding(root, built, tool('keepalived'), tool('tcpdump'), tool('tshark'), tool('python3'));

d('unsolicited NAs: garp_master_repeat, garp_master_delay, garp_master_refresh and the Router flag, beside keepalived 2.2.7 (netns)', () => {
  let mac: string;

  beforeAll(async () => {
    topo = new Topology('nab-').build(['br0'], [{ name: HOST, links: [['br0', 'fd00:98::11/64']] }, { name: 'peer', links: [['br0', 'fd00:98::12/64']] }]);
    topo.exec(HOST, ['sysctl', '-qw', 'net.ipv6.conf.eth0.forwarding=1']);
    mac = (JSON.parse(topo.exec(HOST, ['ip', '-j', 'link', 'show', 'eth0'])) as Array<{ address: string }>)[0].address;
    // eth0's own link-local address (the adverts' source) is out of duplicate address detection
    const linkLocal = (h: string) => topo.exec(h, ['ip', '-6', 'addr', 'show', 'dev', 'eth0', 'scope', 'link', '-tentative']).includes('fe80::');
    expect(await waitFor(() => linkLocal(HOST) && linkLocal('peer'), 15_000, 100)).toBe(true);
    tmp = mkdtempSync(join(tmpdir(), 'halo-na-bursts-'));
    writeFileSync(join(tmp, 'craft6.py'), craftAdvert6Script(56, 100, [LL_VIP, VIP]));
    dirs = new Directors(topo, tmp);
  });

  afterAll(async () => {
    await dirs?.stopAll();
    topo?.destroy();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const targets = (r: Run) => r.bursts.map((b) => b.map((n) => n.target));

  describe.each(SCENARIOS)('%s', (_name, plan) => {
    let ka: Run;
    let halo: Run;

    beforeAll(async () => {
      ka = await record('keepalived', plan);
      halo = await record('halo', plan);
    });

    it("keepalived's bursts: every VIP and excluded VIP, Router and Override set (the oracle is really there)", () => {
      console.log(`keepalived's bursts: ${JSON.stringify(targets(ka))}`);
      for (const b of targets(ka)) expect([...new Set(b)].sort()).toEqual([LL_VIP, VIP, EXCLUDED].sort());
      // MASTER's burst (and garp_master_delay's) has garp_master_repeat rounds, a refresh one;
      // with a lower priority heard: one round, then garp_lower_prio_repeat rounds twice
      const rounds = plan.afterFirst ? [1, 2, 2] : [2, 2, 1, 1];
      expect(ka.bursts.map((b) => b.length)).toEqual(rounds.map((r) => 3 * r));
      expect(new Set(ka.fields)).toEqual(new Set([LL_VIP, VIP, EXCLUDED].map((v) => `${mac},33:33:00:00:00:01,${v},ff02::1,255,${v},1,0,1,${mac},1`)));
    });

    it('halo sends the same bursts: the same VIPs in the same order in each', () => {
      expect(targets(halo)).toEqual(targets(ka));
    });

    it('every NA is the same as tshark reads it: addresses, hop limit 255, Router and Override, our MAC, checksum good', () => {
      expect(halo.fields).toEqual(ka.fields);
    });
  });
});
