/**
 * BFD over IPv6, single hop (RFC 5881 §4: UDP 3784, source port 49152-65535, §5: GTSM with the
 * IPv6 hop limit), against Debian's FRR bfdd and beside keepalived 2.2.7's own BFD in the same
 * run (netns, an IPv6-only bridge, global neighbours: keepalived 2.2.7's neighbor_ip is read with
 * inet_pton, which takes no %scope, so a link-local neighbour cannot be sent to).
 *
 * halo and keepalived run the same config: a bfd_instance to FRR with `hoplimit 255` (FRR's bfdd
 * takes single-hop packets only with hop limit 255) tracked by an IPv6 VRRP instance (FAULT while
 * the session is down), and a second bfd_instance, to an address where no peer listens, left at
 * keepalived's IPv6 default hop limit (64). The first comes Up, expires when FRR is killed
 * (diag 1) and comes back, with VI_1's FAULT following it in both; a capture on FRR's side shows
 * halo's packets from 49152-65535 to 3784 with the same hop limits as keepalived's: 255 and 64;
 * and an AdminDown forged from FRR's address is ignored by both at hop limit 254 (GTSM: halo's
 * socket filter, keepalived's own check, each against the session's 255) and taken by both at 255.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureArmed, Directors, HALO, statusOf, waitFor, type RunningDirector } from '../support/directors';
import { sh, Topology } from '../support/netns';
import { Bfdd, BFDD, forgeAdminDown } from '../support/bfdd';
import { describeNeeding, file, root, tool } from '../support/prerequisites';

jest.setTimeout(240_000);

const NET = 'fd00:211:6';
const FRR = `${NET}::1`;
/** A second address on FRR's host, where no BFD peer listens: the sessions left at keepalived's IPv6 default hop limit go there. */
const FRR64 = `${NET}::11`;
const HALO_IP = `${NET}::2`;
const KA_IP = `${NET}::3`;

let topo: Topology;
let dirs: Directors;
let tmp: string;
let bfdd: Bfdd;

const d = describeNeeding(root, file(HALO, 'the built CLI dist/cli/main.js (npm run build)'), file(BFDD, "FRR's bfdd (apt-get install frr)"),
  tool('keepalived'), tool('vtysh', 'frr'), tool('tcpdump'), tool('tshark'));

function frrConf(): string {
  const peer = (ip: string, local: string) => [` peer ${ip} local-address ${local}`, '  receive-interval 300', '  transmit-interval 300', '  detect-multiplier 3', ' !'];
  return ['bfd', ...peer(HALO_IP, FRR), ...peer(KA_IP, FRR), '!', ''].join('\n');
}

function conf(src: string, vrid: number): string {
  return [
    'global_defs {', ' router_id bfd6', '}',
    'bfd_instance frr {', ` neighbor_ip ${FRR}`, ` source_ip ${src}`, ' min_rx 300', ' min_tx 300', ' multiplier 3', ' hoplimit 255', '}',
    'bfd_instance frr64 {', ` neighbor_ip ${FRR64}`, ` source_ip ${src}`, ' min_rx 300', ' min_tx 300', ' multiplier 3', '}',
    'vrrp_instance VI_1 {', ' interface eth0', ` virtual_router_id ${vrid}`, ' version 3', ' priority 100', ' advert_int 1',
    ' virtual_ipaddress {', `  ${NET}::${vrid.toString(16)}/64`, ' }', ' track_bfd {', '  frr', ' }', '}', '',
  ].join('\n');
}

const frrPeer = (ip: string): string => bfdd.peer(ip, FRR);
const frrPeerUp = (ip: string): boolean => bfdd.peerUp(ip, FRR);

const instance = async (h: RunningDirector, name: string) => (await statusOf(h)).instances.find((i) => i.name === name)!;

async function until(what: string, pred: () => boolean | Promise<boolean>, logs: () => string): Promise<void> {
  if (!(await waitFor(pred, 30_000, 100))) throw new Error(`${what}: not reached in 30 s\n${logs().slice(-4000)}`);
}

const count = (text: string, re: RegExp): number => (text.match(new RegExp(re.source, `${re.flags.replace('g', '')}g`)) ?? []).length;

/** Global IPv6 addresses of a host's eth0 that finished duplicate address detection (a tentative one cannot be bound). */
function settled(host: string): string[] {
  const out = topo.exec(host, ['ip', '-j', '-6', 'addr', 'show', 'dev', 'eth0', 'scope', 'global', '-tentative'], { allowFail: true });
  if (!out.trim()) return [];
  return (JSON.parse(out) as Array<{ addr_info: Array<{ local?: string }> }>).flatMap((l) => l.addr_info.flatMap((a) => (a.local ? [a.local] : [])));
}

d('BFD over IPv6: halo with FRR bfdd and keepalived 2.2.7 (netns)', () => {
  let halo: RunningDirector;
  let ka: RunningDirector;

  beforeAll(async () => {
    topo = new Topology('bfd6').build(['b0'], [
      { name: 'frr', links: [['b0', `${FRR}/64`]] },
      { name: 'halo', links: [['b0', `${HALO_IP}/64`]] },
      { name: 'ka', links: [['b0', `${KA_IP}/64`]] },
    ]);
    topo.exec('frr', ['ip', 'addr', 'add', `${FRR64}/64`, 'dev', 'eth0']);
    const ready = await waitFor(() => settled('frr').length === 2 && settled('halo').length === 1 && settled('ka').length === 1, 15_000, 100);
    if (!ready) throw new Error(`IPv6 addresses still tentative: frr ${settled('frr')}, halo ${settled('halo')}, ka ${settled('ka')}`);
    tmp = mkdtempSync(join(tmpdir(), 'halo-bfd6-'));
    chmodSync(tmp, 0o777); // bfdd drops to the frr user and writes its sockets here
    writeFileSync(join(tmp, 'bfdd.conf'), frrConf());
    bfdd = new Bfdd(topo, 'frr', tmp);
    dirs = new Directors(topo, join(tmp, 'directors'));
    halo = dirs.halo('halo', conf(HALO_IP, 71), ['-P']);
    ka = dirs.keepalived('ka', conf(KA_IP, 81), ['-P']);
  });

  afterAll(async () => {
    await bfdd?.stop();
    await dirs?.stopAll();
    topo?.destroy();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const logs = () => `--- halo\n${halo.log().slice(-2500)}\n--- keepalived\n${ka.log().slice(-2500)}\n--- FRR\n${frrPeer(HALO_IP)}\n${frrPeer(KA_IP)}`;

  it('before the peer runs: track_bfd holds VI_1 in FAULT, in halo and in keepalived', async () => {
    await until('halo VI_1 FAULT', async () => (await instance(halo, 'VI_1').catch(() => null))?.state === 'FAULT', logs);
    await until('keepalived VI_1 FAULT', () => /\(VI_1\) entering FAULT state/i.test(ka.log()), logs);
    expect((await instance(halo, 'VI_1')).state).toBe('FAULT');
  });

  it('FRR starts: the hop-limit-255 sessions come Up over IPv6 on both sides; VI_1 leaves FAULT in both', async () => {
    bfdd.start();
    await until('FRR sees halo and keepalived Up', () => frrPeerUp(HALO_IP) && frrPeerUp(KA_IP), logs);
    await until('halo VI_1 out of FAULT', async () => (await instance(halo, 'VI_1')).state !== 'FAULT', logs);
    expect(halo.log()).toContain('(frr) Entering Up state');
    expect(halo.log()).toContain('VRRP_Instance(VI_1) Tracked BFD instance frr is UP');
    const s = (await statusOf(halo)).bfd?.sessions.find((x) => x.name === 'frr');
    expect(s).toEqual({ name: 'frr', neighbor: FRR, state: 'Up', remoteState: 'Up', localDiag: 'No Diagnostic', txIntervalMs: 300, detectTimeMs: 900 });
    await until('keepalived VI_1 out of FAULT', () => /VRRP_Instance\(VI_1\) Tracked BFD instance frr is UP/.test(ka.log()) && /\(VI_1\) Entering (BACKUP|MASTER) STATE/.test(ka.log()), logs);
    expect(ka.log()).toContain('(frr) Entering Up state');
  });

  it('FRR is killed: the session expires (diag 1) and VI_1 goes to FAULT, in both; FRR back: Up again', async () => {
    await bfdd.stop();
    await until('halo VI_1 FAULT', async () => (await instance(halo, 'VI_1')).state === 'FAULT', logs);
    expect(halo.log()).toMatch(/\(frr\) Entering Down state \(Local diagnostic - Control Detection Time Expired/);
    await until('keepalived VI_1 FAULT again', () => count(ka.log(), /\(VI_1\) entering FAULT state/i) >= 2, logs);
    expect(ka.log()).toMatch(/\(frr\) Entering Down state \(Local diagnostic - Control Detection Time Expired/);
    const expired = (text: string) => text.match(/\(frr\) Expired after \d+ ms \(\d+ usec overdue\)/g)?.pop() ?? '-';
    // a figure, not a test: each side's own measure (the machine may be busy)
    process.stdout.write(`IPv6 BFD detection when FRR was killed (900 ms configured): halo ${expired(halo.log())}; keepalived ${expired(ka.log())}\n`);
    bfdd.start();
    await until('halo VI_1 back', async () => (await instance(halo, 'VI_1')).state !== 'FAULT', logs);
    await until('keepalived back', () => count(ka.log(), /Tracked BFD instance frr is UP/) >= 2, logs);
  });

  it("on the wire: halo's packets go from 49152-65535 to 3784 with the hop limits keepalived sends (255 set, 64 by default)", async () => {
    const pcap = join(tmp, 'bfd6.pcap');
    const dump = topo.spawn('frr', ['tcpdump', '-U', '-n', '-i', 'eth0', '-w', pcap, 'ip6 and udp dst port 3784']);
    await captureArmed(dump);
    const rows = () => sh(['tshark', '-r', pcap, '-T', 'fields', '-e', 'ipv6.src', '-e', 'ipv6.dst', '-e', 'ipv6.hlim', '-e', 'udp.srcport', '-e', 'udp.dstport', '-e', 'bfd.sta'], { allowFail: true })
      .trim().split('\n').filter(Boolean).map((l) => l.split('\t'));
    const from = (ip: string) => rows().filter((f) => f[0] === ip);
    // both sessions of both directors, a bounded number of packets each (the default one is Down: 1 s interval)
    await waitFor(() => [HALO_IP, KA_IP].every((ip) => [FRR, FRR64].every((dst) => from(ip).filter((f) => f[1] === dst).length >= 5)), 30_000, 200);
    dump.kill('SIGTERM');
    await new Promise((r) => dump.once('exit', r));
    const hopLimits = (ip: string) => {
      const out: Record<string, string[]> = {};
      for (const [, dst, h] of from(ip)) out[dst] = [...new Set([...(out[dst] ?? []), h])];
      return out;
    };
    const mine = from(HALO_IP);
    if (mine.length <= 10) throw new Error(`only ${mine.length} packets from halo in the capture:\n${sh(['tshark', '-r', pcap], { allowFail: true }).slice(-3000)}`);
    for (const [, , , sport, dport] of mine) {
      expect(Number(sport)).toBeGreaterThanOrEqual(49152);
      expect(dport).toBe('3784');
    }
    // hoplimit 255 where configured, keepalived's IPv6 default (64) elsewhere: the same as keepalived
    expect(hopLimits(HALO_IP)).toEqual({ [FRR]: ['255'], [FRR64]: ['64'] });
    expect(hopLimits(HALO_IP)).toEqual(hopLimits(KA_IP));
    // the Up session's packets say Up (bfd.sta 3)
    expect(mine.filter((r) => r[1] === FRR).some((r) => r[5] === '0x03' || r[5] === '3')).toBe(true);
  });

  /**
   * The forged packet's hop limit is 254: below `frr`'s 255 - 0 but above `frr64`'s 64 - 0, so
   * a check with one minimum for the family would let it through; keepalived checks it against
   * its session's (bfd_check_packet_ttl), halo's socket filter against its source's.
   */
  it('GTSM (RFC 5881 §5): an AdminDown from FRR\'s address with hop limit 254 is dropped by both; at 255 it takes both Down', async () => {
    await until('both Up', () => frrPeerUp(HALO_IP) && frrPeerUp(KA_IP), logs);
    const send = (peer: string, ttl: number) => forgeAdminDown(topo, bfdd, FRR, peer, ttl);
    const downs = (text: string) => count(text, /\(frr\) Entering Down state \(Local diagnostic - Neighbor Signaled Session Down/);
    const before = [downs(halo.log()), downs(ka.log())];
    send(HALO_IP, 254);
    send(KA_IP, 254);
    // a bounded look: the packet was on the wire at once; 2 s is many receive intervals (300 ms)
    await new Promise((r) => setTimeout(r, 2000));
    expect([downs(halo.log()), downs(ka.log())]).toEqual(before);
    expect((await statusOf(halo)).bfd?.sessions.find((x) => x.name === 'frr')?.state).toBe('Up');
    // the same packet at 255 is taken: the check above was the hop limit's
    send(HALO_IP, 255);
    send(KA_IP, 255);
    await until('halo Down, signalled', () => downs(halo.log()) === before[0] + 1, logs);
    await until('keepalived Down, signalled', () => downs(ka.log()) === before[1] + 1, logs);
    await until('both Up again', () => frrPeerUp(HALO_IP) && frrPeerUp(KA_IP), logs);
    await until('halo VI_1 back', async () => (await instance(halo, 'VI_1')).state !== 'FAULT', logs);
  });
});
