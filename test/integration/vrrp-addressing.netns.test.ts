/**
 * The VRRP addressing keywords beside Debian's keepalived 2.2.7, on one LAN of network
 * namespaces, judged on the wire (tcpdump) and in both daemons' log words:
 *  - old_unicast_checksum + unicast_ttl: keepalived sends keepalived < 1.3.6's VRRPv3 unicast
 *    checksum with TTL 7; halo (default compatibility) hears it, switches, and its own adverts
 *    after the takeover carry the same checksum and TTL;
 *  - mcast_dst_ip: both send to and hear on 224.0.0.77, beside a pair on the default group
 *    that reuses the VRID;
 *  - unicast_fault_no_peer and unicast_ttl without peers, log_unknown_vrids: the same lines;
 *  - track_src_ip: keepalived 2.2.7 does not fault when the source address goes (a bug in its
 *    check), and halo, which takes it as a keyword of no effect, does the same.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureArmed, Directors, HALO, hearsMaster, holds, RunningDirector, statusOf, waitFor, waitInstance, waitSoleHolder } from '../support/directors';
import { sh, Topology } from '../support/netns';
import { conf, instance } from './vrrp-conf';
import { describeNeeding, file, root, tool } from '../support/prerequisites';
import { decodePacket } from '../../src/vrrp/advert-codec';

jest.setTimeout(150_000);

const LBS = ['lb1', 'lb2'];
const LB1 = '192.168.77.11';
const LB2 = '192.168.77.12';
let topo: Topology;
let dirs: Directors;
let tmp: string;

const built = file(HALO, 'the built CLI dist/cli/main.js (npm run build)');
const d = describeNeeding(root, built, tool('keepalived'), tool('tcpdump'));

interface Captured { src: string; dst: string; ttl: number; bytes: Buffer }

/** Every VRRP packet of a capture, as IPv4 packets (Ethernet header dropped). */
function packets(pcap: string): Captured[] {
  const out = sh(['tcpdump', '-r', pcap, '-n', '-xx']);
  const res: Captured[] = [];
  let hex = '';
  const flush = () => {
    if (!hex) return;
    const bytes = Buffer.from(hex.slice(28), 'hex');
    res.push({ src: `${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`, dst: `${bytes[16]}.${bytes[17]}.${bytes[18]}.${bytes[19]}`, ttl: bytes[8], bytes });
    hex = '';
  };
  for (const line of out.split('\n')) {
    if (line.startsWith('\t')) hex += line.split(':').slice(1).join('').replace(/\s+/g, '');
    else flush();
  }
  flush();
  return res;
}

d('VRRP addressing keywords: halo beside keepalived 2.2.7 (netns)', () => {
  beforeAll(() => {
    topo = new Topology('had-').build(['br0', 'br1'], [
      { name: 'lb1', links: [['br0', `${LB1}/24`], ['br1', '10.77.1.1/24']] },
      { name: 'lb2', links: [['br0', `${LB2}/24`], ['br1', '10.77.1.2/24']] },
      { name: 'client', links: [['br0', '192.168.77.100/24']] },
    ]);
  });
  afterAll(() => topo.destroy());
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'halo-addr-'));
    dirs = new Directors(topo, tmp);
  });
  afterEach(async () => {
    await dirs.stopAll();
    for (const h of LBS) topo.exec(h, ['ip', 'addr', 'flush', 'dev', 'eth0', 'scope', 'global'], { allowFail: true });
    topo.exec('lb1', ['ip', 'addr', 'add', `${LB1}/24`, 'dev', 'eth0'], { allowFail: true });
    topo.exec('lb2', ['ip', 'addr', 'add', `${LB2}/24`, 'dev', 'eth0'], { allowFail: true });
    rmSync(tmp, { recursive: true, force: true });
  });

  /** keepalived MASTER on lb1 and halo BACKUP on lb2, from one config text; resolves once halo hears keepalived. */
  async function pair(cfg: (host: string, prio: number) => string, vip: string, adverts = 2): Promise<{ ka: RunningDirector; h: RunningDirector }> {
    const ka = dirs.keepalived('lb1', cfg('lb1', 150));
    const h = dirs.halo('lb2', cfg('lb2', 100));
    await waitSoleHolder(topo, LBS, 'lb1', vip, 30_000);
    await waitInstance(h, 'VI_1', hearsMaster(adverts), 30_000, 'BACKUP hearing keepalived');
    return { ka, h };
  }

  /** SIGTERM to each, and each exits 0. */
  async function stopBoth(...ds: RunningDirector[]): Promise<void> {
    for (const x of ds) x.signal('SIGTERM');
    for (const x of ds) expect([x.kind, await x.exited]).toEqual([x.kind, 0]);
  }

  /** tcpdump of protocol 112 on `host`'s eth0 (the client sees multicast; unicast only on the two ends). */
  function capture(name: string, host = 'client'): { ready: Promise<void>; stop(): Promise<Captured[]> } {
    const f = join(tmp, `${name}.pcap`);
    const p = topo.spawn(host, ['tcpdump', '-U', '-n', '-i', 'eth0', '-w', f, 'ip proto 112']);
    return {
      ready: captureArmed(p),
      async stop() {
        await new Promise((r) => setTimeout(r, 300));
        p.kill('SIGTERM');
        await new Promise((r) => p.once('exit', r));
        return packets(f);
      },
    };
  }

  it('old_unicast_checksum + unicast_ttl 7: halo hears keepalived, switches to its checksum, and sends the same after taking over', async () => {
    const VIP = '192.168.77.200';
    const cap = capture('old', 'lb2');
    await cap.ready;
    const ka = dirs.keepalived('lb1', conf('lb1', instance({
      version: 3, state: 'MASTER', priority: 150, unicastSrc: LB1, unicastPeers: [LB2], extra: ['old_unicast_checksum', 'unicast_ttl 7'],
    })));
    await waitSoleHolder(topo, LBS, 'lb1', VIP, 20_000);
    const h = dirs.halo('lb2', conf('lb2', instance({ version: 3, priority: 100, unicastSrc: LB2, unicastPeers: [LB1], extra: ['unicast_ttl 7'] })));
    await waitInstance(h, 'VI_1', hearsMaster(3), 60_000, 'BACKUP hearing keepalived');
    expect(h.log()).toContain('(VI_1) Setting unicast VRRPv3 checksum to old version');
    expect((await statusOf(h)).instances[0].drops['bad-checksum'] ?? 0).toBe(0);
    ka.signal('SIGTERM');
    await ka.exited;
    await waitSoleHolder(topo, LBS, 'lb2', VIP, 15_000);
    const sent = (await statusOf(h)).instances[0].advertsSent;
    await waitInstance(h, 'VI_1', (i) => i.advertsSent >= sent + 2, 20_000, 'sending adverts as MASTER');
    const all = await cap.stop();
    for (const [src, dst] of [[LB1, LB2], [LB2, LB1]]) {
      const mine = all.filter((p) => p.src === src);
      expect(mine.length).toBeGreaterThan(1);
      for (const p of mine) {
        expect([p.dst, p.ttl]).toEqual([dst, 7]);
        const dec = decodePacket(p.bytes, { v3Checksum: 'either', oldUnicastGroup: '224.0.0.18' });
        expect(dec.ok && dec.v3Checksums).toEqual(['old-unicast']);
      }
    }
  });

  it('mcast_dst_ip: both daemons advertise to 224.0.0.77 and hear each other there, beside a pair reusing the VRID on 224.0.0.18', async () => {
    const grp = (vip: string, prio: number, state: 'MASTER' | 'BACKUP', extra: string[] = [], name = 'VI_1') =>
      instance({ name, vrid: 61, priority: prio, state, vips: [`${vip}/24`], extra });
    const cap = capture('mcast');
    await cap.ready;
    const ka = dirs.keepalived('lb1', conf('lb1', grp('192.168.77.201', 150, 'MASTER', ['mcast_dst_ip 224.0.0.77']), grp('192.168.77.202', 100, 'BACKUP', [], 'VI_2')));
    const h = dirs.halo('lb2', conf('lb2', grp('192.168.77.201', 100, 'BACKUP', ['mcast_dst_ip 224.0.0.77']), grp('192.168.77.202', 150, 'MASTER', [], 'VI_2')));
    // each side masters one pair and hears the other's master on its own group
    await waitSoleHolder(topo, LBS, 'lb1', '192.168.77.201', 30_000);
    await waitSoleHolder(topo, LBS, 'lb2', '192.168.77.202', 30_000);
    await waitInstance(h, 'VI_1', hearsMaster(3), 30_000, 'BACKUP hearing keepalived on 224.0.0.77');
    expect(await waitFor(() => /\(VI_2\) Entering BACKUP STATE/.test(ka.log().split('(VI_2) Entering MASTER STATE').pop() ?? ''), 20_000)).toBe(true);
    const all = await cap.stop();
    const groupOf = (vip: string) => [...new Set(all.filter((p) => p.bytes.subarray(28, 32).equals(Buffer.from(vip.split('.').map(Number)))).map((p) => `${p.src}>${p.dst} ttl ${p.ttl}`))];
    expect(groupOf('192.168.77.201')).toEqual([`${LB1}>224.0.0.77 ttl 255`]);
    const g202 = groupOf('192.168.77.202');
    expect(g202).toContain(`${LB2}>224.0.0.18 ttl 255`);
    expect(g202.every((x) => x.endsWith('>224.0.0.18 ttl 255'))).toBe(true);
    // neither daemon counted the other group's adverts as its own
    const st = (await statusOf(h)).instances;
    expect(st.find((i) => i.name === 'VI_1')!.drops['wrong-group'] ?? 0).toBe(0);
    expect(ka.log()).not.toMatch(/VI_[12]\).*(mismatch|invalid)/i);
  });

  it('unicast_fault_no_peer, unicast_ttl without peers, log_unknown_vrids: the same lines and the same silence on the wire', async () => {
    const cfg = (host: string) => [
      'global_defs {', `    router_id ${host}`, '    log_unknown_vrids', '}',
      instance({ name: 'VI_F', vrid: 63, priority: 150, state: 'MASTER', vips: ['192.168.77.203/24'], extra: ['unicast_fault_no_peer', `unicast_src_ip ${host === 'lb1' ? LB1 : LB2}`] }),
      instance({ name: 'VI_T', vrid: 62, priority: 150, state: 'MASTER', vips: ['192.168.77.204/24'], extra: ['unicast_ttl 9'] }),
      // a VRID of its own on each side: the other side's adverts are unknown VRIDs
      instance({ name: 'VI_U', vrid: host === 'lb1' ? 71 : 72, priority: 150, state: 'MASTER', vips: [host === 'lb1' ? '192.168.77.205/24' : '192.168.77.206/24'] }),
      '',
    ].join('\n');
    const cap = capture('silence');
    await cap.ready;
    const ka = dirs.keepalived('lb1', cfg('lb1'));
    const h = dirs.halo('lb2', cfg('lb2'));
    await waitInstance(h, 'VI_F', (i) => i.state === 'FAULT', 30_000, 'FAULT');
    await waitInstance(h, 'VI_T', (i) => i.state === 'MASTER' && i.advertsSent >= 3, 30_000, 'MASTER sending');
    await waitInstance(h, 'VI_U', (i) => i.state === 'MASTER' && i.advertsSent >= 3, 30_000, 'MASTER sending');
    expect(await waitFor(() => (ka.log().match(/Unknown VRID\(72\)/g) ?? []).length >= 2, 30_000)).toBe(true);
    expect(await waitFor(() => (h.log().match(/Unknown VRID\(71\)/g) ?? []).length >= 2, 30_000)).toBe(true);
    const all = await cap.stop();
    for (const [dir, name] of [[ka, 'keepalived'], [h, 'halo']] as const) {
      const log = dir.log();
      expect([name, log.includes('(VI_F) Cannot use unicast without any peers - going to fault state')]).toEqual([name, true]);
      expect([name, log.includes('(VI_F) Entering FAULT STATE (init)')]).toEqual([name, false]);
      expect([name, /\(VI_T\): Cannot use unicast_ttl without unicast peers - resetting/.test(log)]).toEqual([name, true]);
    }
    expect(ka.log()).toContain('Unknown VRID(72) received on interface(eth0). ignoring...');
    expect(h.log()).toContain('Unknown VRID(71) received on interface(eth0). ignoring...');
    // VI_F sends nothing; VI_T's TTL-0 multicast adverts never reach the wire (ip_mc_output drops them); VI_U's do
    const vrids = (src: string) => [...new Set(all.filter((p) => p.src === src).map((p) => p.bytes[21]))].sort();
    expect(vrids(LB1)).toEqual([71]);
    expect(vrids(LB2)).toEqual([72]);
  });

  it('track_src_ip: keepalived 2.2.7 never faults on it (its check compares the sockaddr, not the address), and neither does halo', async () => {
    const VIP = '192.168.77.207';
    const S1 = '192.168.77.21';
    const S2 = '192.168.77.22';
    const inst = (src: string, peer: string, prio: number) => instance({ vrid: 64, priority: prio, unicastSrc: src, unicastPeers: [peer], vips: [`${VIP}/24`], extra: ['track_src_ip'] });
    const masterLosesSource = async (master: 'halo' | 'keepalived') => {
      topo.exec('lb1', ['ip', 'addr', 'add', `${S1}/24`, 'dev', 'eth0']);
      topo.exec('lb2', ['ip', 'addr', 'add', `${S2}/24`, 'dev', 'eth0']);
      const m = master === 'halo' ? dirs.halo('lb1', conf('lb1', inst(S1, S2, 150))) : dirs.keepalived('lb1', conf('lb1', inst(S1, S2, 150)));
      await waitSoleHolder(topo, LBS, 'lb1', VIP, 20_000);
      const b = master === 'halo' ? dirs.keepalived('lb2', conf('lb2', inst(S2, S1, 100))) : dirs.halo('lb2', conf('lb2', inst(S2, S1, 100)));
      const h = master === 'halo' ? m : b;
      const ka = master === 'halo' ? b : m;
      if (master === 'halo') expect(await waitFor(() => ka.log().includes('(VI_1) Entering BACKUP STATE'), 30_000)).toBe(true);
      else await waitInstance(h, 'VI_1', hearsMaster(2), 30_000, 'BACKUP hearing keepalived');
      // the master's configured source address goes away
      topo.exec('lb1', ['ip', 'addr', 'del', `${S1}/24`, 'dev', 'eth0']);
      const st = (await statusOf(h)).instances[0];
      if (master === 'halo') await waitInstance(h, 'VI_1', (i) => i.advertsSent >= st.advertsSent + 5, 20_000, 'still sending as MASTER');
      else await waitInstance(h, 'VI_1', (i) => i.state === 'BACKUP' && i.advertsReceived >= st.advertsReceived + 5, 20_000, 'still hearing keepalived');
      for (const dir of [h, ka]) expect([dir.kind, dir.log().includes('Entering FAULT STATE')]).toEqual([dir.kind, false]);
      expect(holds(topo, 'lb1', VIP) && !holds(topo, 'lb2', VIP)).toBe(true);
      await dirs.stopAll();
      for (const host of LBS) topo.exec(host, ['ip', 'addr', 'del', `${host === 'lb1' ? S1 : S2}/24`, 'dev', 'eth0'], { allowFail: true });
    };
    await masterLosesSource('keepalived');
    await masterLosesSource('halo');
  });

  it('promote_secondaries: on while each daemon runs, off again after it stops, as keepalived', async () => {
    const sysctl = (host: string) => topo.exec(host, ['cat', '/proc/sys/net/ipv4/conf/eth0/promote_secondaries']).trim();
    for (const host of LBS) topo.exec(host, ['sh', '-c', 'echo 0 > /proc/sys/net/ipv4/conf/eth0/promote_secondaries']);
    const { ka, h } = await pair((host, prio) => conf(host, instance({ vrid: 65, priority: prio, vips: ['192.168.77.208/24'], extra: ['promote_secondaries'] })), '192.168.77.208');
    expect([sysctl('lb1'), sysctl('lb2')]).toEqual(['1', '1']);
    await stopBoth(ka, h);
    expect([sysctl('lb1'), sysctl('lb2')]).toEqual(['0', '0']);
  });

  it('disable_local_igmp: no IGMP report for 224.0.0.18 from either daemon, the sysctl off while running and back on after', async () => {
    const sysctl = (host: string) => topo.exec(host, ['cat', '/proc/sys/net/ipv4/igmp_link_local_mcast_reports']).trim();
    for (const host of LBS) topo.exec(host, ['sh', '-c', 'echo 1 > /proc/sys/net/ipv4/igmp_link_local_mcast_reports']);
    const f = join(tmp, 'igmp.pcap');
    const p = topo.spawn('client', ['tcpdump', '-U', '-n', '-i', 'eth0', '-w', f, 'igmp or ip proto 112']);
    await captureArmed(p);
    const cfg = (host: string, prio: number) => ['global_defs {', `    router_id ${host}`, '    disable_local_igmp', '}', instance({ vrid: 66, priority: prio, vips: ['192.168.77.209/24'] }), ''].join('\n');
    const { ka, h } = await pair(cfg, '192.168.77.209', 3);
    expect([sysctl('lb1'), sysctl('lb2')]).toEqual(['0', '0']);
    await stopBoth(ka, h);
    expect([sysctl('lb1'), sysctl('lb2')]).toEqual(['1', '1']);
    await new Promise((r) => setTimeout(r, 300));
    p.kill('SIGTERM');
    await new Promise((r) => p.once('exit', r));
    const lines = sh(['tcpdump', '-r', f, '-n']).split('\n');
    // the capture saw both daemons (keepalived's adverts), and no report for the VRRP group
    expect(lines.some((l) => l.includes(`${LB1} > 224.0.0.18: VRRP`))).toBe(true);
    expect(lines.filter((l) => /igmp/i.test(l) && l.includes('224.0.0.18'))).toEqual([]);
  });

  it('default_interface: a static_ipaddress with no dev goes on it, for both daemons, and leaves with them', async () => {
    const cfg = (host: string, addr: string, prio: number) => [
      'global_defs {', `    router_id ${host}`, '    default_interface eth1', '}',
      'static_ipaddress {', `    ${addr}/24`, '}',
      instance({ vrid: 67, priority: prio, vips: ['192.168.77.210/24'] }), '',
    ].join('\n');
    const on = (host: string, dev: string, addr: string) => topo.exec(host, ['ip', '-4', '-o', 'addr', 'show', 'dev', dev]).includes(` ${addr}/24 `);
    const ka = dirs.keepalived('lb1', cfg('lb1', '10.77.1.51', 150));
    const h = dirs.halo('lb2', cfg('lb2', '10.77.1.52', 100));
    expect(await waitFor(() => on('lb1', 'eth1', '10.77.1.51') && on('lb2', 'eth1', '10.77.1.52'), 30_000)).toBe(true);
    expect([on('lb1', 'eth0', '10.77.1.51'), on('lb2', 'eth0', '10.77.1.52')]).toEqual([false, false]);
    await stopBoth(ka, h);
    expect([on('lb1', 'eth1', '10.77.1.51'), on('lb2', 'eth1', '10.77.1.52')]).toEqual([false, false]);
  });
});
