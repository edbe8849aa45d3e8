/**
 * PING_CHECK over IPv6, halo's ICMPv6 echo requests beside keepalived 2.2.7's on the wire (the
 * kernel VM tier: keepalived's checker process needs IPVS to start). keepalived -C and halo run -C
 * (each in its own namespace, with its own IPVS table) check the same real server; a tcpdump on
 * the server captures both directors' echo requests, read here from the pcap: type 128 code 0,
 * 8 + 128 bytes, the payload byte for byte keepalived's (set_buf's "keepalived check - "
 * filler), the sequence number in keepalived's host (little-endian) order counting up from 0,
 * the same hop limit, and tshark judging every checksum Good. The identifier is not compared:
 * keepalived's is its ping socket's, chosen by the kernel. keepalived's first request is printed
 * in hex (`KEEPALIVED_ECHO6 …`) for test/fixtures/keepalived-2.2.7-ipv6/, and so is the real server's echo
 * reply to it (`KEEPALIVED_ECHO6_REPLY …`), the bytes halo's decoder must accept.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureArmed, Directors, HALO, RunningDirector, waitFor } from '../support/directors';
import { sh, Topology } from '../support/netns';
import { describeNeeding, file, ipvsKernel, root, tool } from '../support/prerequisites';

jest.setTimeout(600_000);

const SRV = 'fd00:62::10';
const KA = 'fd00:62::1';
const HL = 'fd00:62::2';

let topo: Topology;
let dirs: Directors;
let tmp: string;

function conf(): string {
  return [
    'global_defs {', '    router_id ping6', '}',
    'virtual_server fd00:62::100 80 {', '    delay_loop 1', '    lb_algo rr', '    lb_kind NAT', '    protocol TCP',
    `    real_server ${SRV} 80 {`, '        PING_CHECK {', '            retry 1', '        }', '    }', '}', '',
  ].join('\n');
}

interface Echo {
  src: string;
  dst: string;
  hopLimit: number;
  icmp: Buffer;
}

/** The ICMPv6 echo requests (type 128) or replies (129) in a pcap (Ethernet, IPv6 without extension headers). */
function echoes(pcap: string, type = 128): Echo[] {
  const b = readFileSync(pcap);
  const le = b.readUInt32LE(0) === 0xa1b2c3d4;
  const u32 = (o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const out: Echo[] = [];
  for (let o = 24; o + 16 <= b.length;) {
    const len = u32(o + 8);
    const frame = b.subarray(o + 16, o + 16 + len);
    o += 16 + len;
    if (frame.length < 14 + 40 + 8 || frame.readUInt16BE(12) !== 0x86dd) continue;
    const ip6 = frame.subarray(14);
    if (ip6[6] !== 58) continue;
    const icmp = ip6.subarray(40, 40 + ip6.readUInt16BE(4));
    if (icmp[0] !== type) continue;
    const addr = (at: number) => Array.from({ length: 8 }, (_, i) => ip6.readUInt16BE(at + 2 * i).toString(16)).join(':');
    out.push({ src: addr(8), dst: addr(24), hopLimit: ip6[7], icmp: Buffer.from(icmp) });
  }
  return out;
}

/** fd00:62:0:0:0:0:0:1 → fd00:62::1 (the only spellings here). */
const short = (a: string): string => a.replace(/(:0)+:/, '::');

describeNeeding(root, ipvsKernel, tool('keepalived'), tool('tcpdump'), tool('tshark'), file(HALO, 'the built CLI dist/cli/main.js (npm run build)'))('PING_CHECK ICMPv6 echo requests, halo beside keepalived 2.2.7 (kernel VM)', () => {
  let ka: RunningDirector;
  let hl: RunningDirector;
  let requests: Echo[] = [];
  let replies: Echo[] = [];
  let pcap: string;

  beforeAll(async () => {
    topo = new Topology('png6').build(['b0'], [
      { name: 'srv', links: [['b0', `${SRV}/64`]] },
      { name: 'ka', links: [['b0', `${KA}/64`]] },
      { name: 'hl', links: [['b0', `${HL}/64`]] },
    ]);
    const settled = (h: string, a: string) => !topo.exec(h, ['ip', '-6', 'addr', 'show', 'dev', 'eth0', 'tentative'], { allowFail: true }).includes(a);
    expect(await waitFor(() => settled('srv', SRV) && settled('ka', KA) && settled('hl', HL), 20_000, 100)).toBe(true);
    tmp = mkdtempSync(join(tmpdir(), 'halo-ping6-'));
    pcap = join(tmp, 'echo6.pcap');
    const dump = topo.spawn('srv', ['tcpdump', '-U', '-n', '-i', 'eth0', '-w', pcap, 'icmp6 and (ip6[40] == 128 or ip6[40] == 129)']);
    await captureArmed(dump);
    dirs = new Directors(topo, join(tmp, 'directors'));
    ka = dirs.keepalived('ka', conf(), ['-C']);
    hl = dirs.halo('hl', conf(), ['-C']);
    // three requests from each, and their replies (delay_loop 1 s; the VM is slow to start node)
    const enough = await waitFor(() => {
      const e = echoes(pcap);
      const r = echoes(pcap, 129);
      return [KA, HL].every((ip) => e.filter((x) => short(x.src) === ip).length >= 3 && r.filter((x) => short(x.dst) === ip).length >= 3);
    }, 240_000, 500);
    dump.kill('SIGTERM');
    await new Promise((r) => dump.once('exit', r));
    requests = echoes(pcap);
    replies = echoes(pcap, 129);
    if (!enough) throw new Error(`not 3 echo requests and replies for each: ${JSON.stringify(requests.map((e) => e.src))}\n--- keepalived\n${ka.log().slice(-2000)}\n--- halo\n${hl.log().slice(-2000)}`);
  });

  afterAll(async () => {
    await dirs?.stopAll();
    topo?.destroy();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const from = (ip: string) => requests.filter((e) => short(e.src) === ip);

  it("keepalived's request, as captured (printed for the fixture)", () => {
    const k = from(KA)[0];
    process.stdout.write(`KEEPALIVED_ECHO6 hop_limit=${k.hopLimit} icmp6=${k.icmp.toString('hex')}\n`);
    expect([k.icmp[0], k.icmp[1], k.icmp.length]).toEqual([128, 0, 8 + 128]);
    expect(k.icmp.subarray(8).toString('latin1')).toBe('keepalived check - '.repeat(7).slice(0, 128));
  });

  it("halo's requests have keepalived's layout: type, code, length, payload, sequence order and hop limit", () => {
    const k = from(KA);
    const h = from(HL);
    for (const e of h) {
      expect([e.icmp[0], e.icmp[1], e.icmp.length]).toEqual([128, 0, 136]);
      expect(e.icmp.subarray(8)).toEqual(k[0].icmp.subarray(8));
      expect(e.hopLimit).toBe(k[0].hopLimit);
    }
    // sequence numbers in host (little-endian) order, one more each time, from 0 in both
    const seqs = (es: Echo[]) => es.slice(0, 3).map((e) => e.icmp.readUInt16LE(6));
    expect(seqs(k)).toEqual([0, 1, 2]);
    expect(seqs(h)).toEqual(seqs(k));
  });

  it("the server's reply to keepalived's first request (printed for the fixture): type 129, its identifier, sequence and payload", () => {
    const k = from(KA)[0];
    const r = replies.find((e) => short(e.dst) === KA && e.icmp.readUInt16BE(4) === k.icmp.readUInt16BE(4) && e.icmp.readUInt16LE(6) === k.icmp.readUInt16LE(6));
    if (!r) throw new Error(`no reply to keepalived's first request among ${replies.length} replies`);
    process.stdout.write(`KEEPALIVED_ECHO6_REPLY hop_limit=${r.hopLimit} icmp6=${r.icmp.toString('hex')}\n`);
    expect([r.icmp[0], r.icmp[1], r.icmp.length]).toEqual([129, 0, 136]);
    expect(r.icmp.subarray(4)).toEqual(k.icmp.subarray(4));
    // and halo's requests were answered too (its checker matched them: the server stays up)
    expect(replies.filter((e) => short(e.dst) === HL).length).toBeGreaterThanOrEqual(3);
  });

  it('tshark judges every checksum Good, halo\'s and keepalived\'s', () => {
    const rows = sh(['tshark', '-r', pcap, '-Y', 'icmpv6.type == 128 || icmpv6.type == 129', '-T', 'fields', '-e', 'ipv6.src', '-e', 'icmpv6.checksum.status']).trim().split('\n');
    expect(rows.length).toBeGreaterThanOrEqual(12);
    for (const r of rows) expect(r.split('\t')[1]).toBe('1');
  });
});
