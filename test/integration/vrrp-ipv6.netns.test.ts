/**
 * VRRPv3 over IPv6 (RFC 9568) between halo and Debian's keepalived 2.2.7 on one bridge, with
 * IPv6-only interfaces (no IPv4 address anywhere), in both roles: adverts to ff02::12 from the
 * link-local address, tshark judging every halo advert's checksum Good, unsolicited Neighbour
 * Advertisements for every IPv6 VIP (excluded ones too) seen by tcpdump, the VIPs removed at
 * stop; and crafted bad adverts (hop limit, source, checksum, destination) dropped and counted
 * by reason.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureArmed, Directors, HALO, hearsMaster, statusOf, waitFor, waitInstance } from '../support/directors';
import { sh, Topology } from '../support/netns';
import { conf, instance, InstanceOpts } from './vrrp-conf';
import { craftAdvert6Script } from '../support/vrrp6-craft';
import { describeNeeding, file, root, tool } from '../support/prerequisites';

jest.setTimeout(120_000);

const LL_VIP = 'fe80::77:200';
const VIP = 'fd00:77::200';
const EXCLUDED = 'fd00:78::200';
/** A /128: keepalived adds it deprecated (preferred_lft 0) unless told otherwise. */
const HOST_VIP = 'fd00:79::200';
const LBS = ['lb1', 'lb2'];
let topo: Topology;
let dirs: Directors;
let tmp: string;

const built = file(HALO, 'the built CLI dist/cli/main.js (npx tsc -p tsconfig.json)');
const d = describeNeeding(root, built, tool('keepalived'), tool('tcpdump'), tool('tshark'), tool('python3'));

/** IPv6 addresses (without tentative ones) on a host's eth0. */
function addresses6(host: string): string[] {
  const out = topo.exec(host, ['ip', '-j', '-6', 'addr', 'show', 'dev', 'eth0', '-tentative'], { allowFail: true });
  if (!out.trim()) return [];
  return (JSON.parse(out) as Array<{ addr_info: Array<{ local?: string }> }>).flatMap((l) => l.addr_info.flatMap((a) => (a.local ? [a.local] : [])));
}

const linkLocal = (host: string): string => addresses6(host).find((a) => a.startsWith('fe80:') && a !== LL_VIP) ?? '';
const mac = (host: string): string => (JSON.parse(topo.exec(host, ['ip', '-j', 'link', 'show', 'eth0'])) as Array<{ address: string }>)[0].address;

async function waitSoleHolder6(host: string | null, vip = VIP, timeoutMs = 15_000): Promise<void> {
  const ok = await waitFor(() => LBS.every((h) => addresses6(h).includes(vip) === (h === host)), timeoutMs, 20);
  if (!ok) throw new Error(`expected ${host ?? 'nobody'} alone to hold ${vip}; held by [${LBS.filter((h) => addresses6(h).includes(vip)).join(', ')}]`);
}

const V6: InstanceOpts = {
  version: 3,
  advertInt: 0.1,
  vips: [`${LL_VIP}/64`, `${VIP}/64`],
  extra: ['virtual_ipaddress_excluded {', `    ${EXCLUDED}/64 preferred_lft 60`, `    ${HOST_VIP}/128`, '}'],
};

/** How the kernel holds each VIP on a host: prefix, scope, flags and lifetimes, as `ip -j` says. */
function vipAttributes(host: string): Record<string, string> {
  const out = topo.exec(host, ['ip', '-j', '-6', 'addr', 'show', 'dev', 'eth0']);
  type A = { local?: string; prefixlen: number; scope: string; nodad?: boolean; deprecated?: boolean; valid_life_time: number; preferred_life_time: number };
  const all = (JSON.parse(out) as Array<{ addr_info: A[] }>).flatMap((l) => l.addr_info);
  const res: Record<string, string> = {};
  for (const a of all) {
    if (!a.local || ![LL_VIP, VIP, EXCLUDED, HOST_VIP].includes(a.local)) continue;
    // a finite preferred lifetime counts down: compare its order of magnitude
    const pref = a.preferred_life_time > 1e9 ? 'forever' : a.preferred_life_time > 0 ? 'finite' : '0';
    res[a.local] = `/${a.prefixlen} ${a.scope}${a.nodad ? ' nodad' : ''}${a.deprecated ? ' deprecated' : ''} valid ${a.valid_life_time > 1e9 ? 'forever' : a.valid_life_time} preferred ${pref}`;
  }
  return res;
}

function capture(filter: string, host = 'client'): { file: string; ready: Promise<void>; stop(): Promise<string> } {
  const f = join(tmp, `cap-${Date.now()}.pcap`);
  const p = topo.spawn(host, ['tcpdump', '-U', '-n', '-i', 'eth0', '-w', f, filter]);
  return {
    file: f,
    ready: captureArmed(p),
    async stop() {
      await new Promise((r) => setTimeout(r, 300));
      p.kill('SIGTERM');
      await new Promise((r) => p.once('exit', r));
      return f;
    },
  };
}

const tshark = (pcap: string, filter: string, fields: string[]): string[] =>
  sh(['tshark', '-r', pcap, '-Y', filter, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])]).split('\n').filter(Boolean);

d('VRRPv3 over IPv6: halo with keepalived 2.2.7 (netns)', () => {
  beforeAll(async () => {
    topo = new Topology('h6v-').build(['br0'], [
      { name: 'lb1', links: [['br0', 'fd00:77::11/64']] },
      { name: 'lb2', links: [['br0', 'fd00:77::12/64']] },
      { name: 'client', links: [['br0', 'fd00:77::100/64']] },
    ]);
    // the link-local addresses finish duplicate address detection before anyone sends from them
    expect(await waitFor(() => ['lb1', 'lb2', 'client'].every((h) => linkLocal(h) !== '' && addresses6(h).some((a) => a.startsWith('fd00:77::'))), 15_000)).toBe(true);
  });
  afterAll(() => topo.destroy());
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'halo-v6-'));
    dirs = new Directors(topo, tmp);
  });
  afterEach(async () => {
    await dirs.stopAll();
    for (const h of LBS) for (const v of [`${LL_VIP}/64`, `${VIP}/64`, `${EXCLUDED}/64`, `${HOST_VIP}/128`]) topo.exec(h, ['ip', 'addr', 'del', v, 'dev', 'eth0'], { allowFail: true });
    rmSync(tmp, { recursive: true, force: true });
  });

  it('keepalived master, halo backup: halo hears it, takes over on SIGTERM with NAs for every IPv6 VIP, keepalived preempts back', async () => {
    const cap = capture('ip6 proto 112 or icmp6');
    await cap.ready;
    const ka = dirs.keepalived('lb1', conf('lb1', instance({ ...V6, state: 'MASTER', priority: 150 })));
    await waitSoleHolder6('lb1');
    await waitSoleHolder6('lb1', HOST_VIP);
    const kaVips = vipAttributes('lb1');
    expect(Object.keys(kaVips).sort()).toEqual([EXCLUDED, VIP, HOST_VIP, LL_VIP].sort());
    const h = dirs.halo('lb2', conf('lb2', instance({ ...V6, priority: 100 })));
    await waitInstance(h, 'VI_1', hearsMaster(5), 60_000, 'BACKUP hearing keepalived over IPv6');
    expect(h.log()).not.toContain('Entering MASTER STATE');
    ka.signal('SIGTERM');
    await ka.exited;
    await waitSoleHolder6('lb2');
    await waitSoleHolder6('lb2', EXCLUDED);
    await waitSoleHolder6('lb2', HOST_VIP);
    // the VIPs as halo added them are the VIPs as keepalived added them (nodad, lifetimes, scope)
    expect(vipAttributes('lb2')).toEqual(kaVips);
    expect(kaVips[HOST_VIP]).toMatch(/deprecated .*preferred 0$/);
    const sent = (await statusOf(h)).instances[0].advertsSent;
    await waitInstance(h, 'VI_1', (i) => i.advertsSent >= sent + 4, 30_000, 'sending adverts as MASTER');
    const ka2 = dirs.keepalived('lb1', conf('lb1', instance({ ...V6, state: 'MASTER', priority: 150 })));
    await waitSoleHolder6('lb1');
    const pcap = await cap.stop();
    expect(h.log()).toMatch(/Master received advert from fe80::\S+ with higher priority 150/);
    expect(ka2.log()).not.toMatch(/checksum|invalid|wrong|mismatch/i);
    // halo's adverts: from its link-local address to ff02::12, hop limit 255, checksum Good
    const ll2 = linkLocal('lb2');
    const adverts = tshark(pcap, `vrrp && ipv6.src == ${ll2}`, ['ipv6.dst', 'ipv6.hlim', 'vrrp.checksum.status', 'vrrp.ipv6_addr']);
    expect(adverts.length).toBeGreaterThan(3);
    expect(new Set(adverts)).toEqual(new Set([`ff02::12\t255\t1\t${LL_VIP},${VIP}`]));
    // an unsolicited NA per VIP, excluded one included, from lb2's MAC with Override set, checksum Good
    const nas = tshark(pcap, `icmpv6.type == 136 && eth.src == ${mac('lb2')}`, ['ipv6.src', 'ipv6.dst', 'ipv6.hlim', 'icmpv6.nd.na.flag.o', 'icmpv6.checksum.status']);
    for (const vip of [LL_VIP, VIP, EXCLUDED, HOST_VIP]) expect(nas).toContain(`${vip}\tff02::1\t255\t1\t1`);
    // graceful takeover from the capture: halo's first advert as master follows keepalived's priority 0
    const adv = advertsIn(pcap);
    const zero = adv.find((a) => a.src === linkLocal('lb1') && a.prio === 0);
    const first = adv.find((a) => a.src === ll2 && zero && a.t > zero.t);
    expect(zero && first).toBeTruthy();
    console.log(`IPv6 graceful takeover by halo: ${((first!.t - zero!.t) * 1000).toFixed(1)} ms after keepalived's priority-0 advert (Skew_Time ${(((256 - 100) * 100) / 256).toFixed(1)} ms)`);
  });

  it('halo master, keepalived backup: keepalived hears halo, takes over on halo\'s priority-0 advert; halo removes its VIPs', async () => {
    const cap = capture('ip6 proto 112');
    await cap.ready;
    const h = dirs.halo('lb1', conf('lb1', instance({ ...V6, state: 'MASTER', priority: 150 })));
    await waitSoleHolder6('lb1');
    const ka = dirs.keepalived('lb2', conf('lb2', instance({ ...V6, priority: 100 })));
    expect(await waitFor(() => ka.log().includes('(VI_1) Entering BACKUP STATE'), 30_000)).toBe(true);
    const heard = (await statusOf(h)).instances[0].advertsSent;
    await waitInstance(h, 'VI_1', (i) => i.advertsSent >= heard + 10, 30_000, 'sending ten more adverts');
    expect(ka.log()).not.toContain('Entering MASTER STATE');
    h.signal('SIGTERM');
    expect(await h.exited).toBe(0);
    await waitSoleHolder6('lb2');
    expect(addresses6('lb1')).not.toContain(EXCLUDED);
    expect(addresses6('lb1')).not.toContain(HOST_VIP);
    expect(ka.log()).toContain('(VI_1) Backup received priority 0 advertisement');
    expect(ka.log()).not.toMatch(/checksum|invalid|wrong|mismatch/i);
    // graceful takeover from the capture: keepalived's first advert follows halo's priority-0 one
    // (after Skew_Time, RFC 9568 §6.4.2; how soon is the failover benchmark's business)
    expect(await waitFor(() => advertsIn(cap.file).some((a) => a.src === linkLocal('lb2')), 15_000, 200)).toBe(true);
    const adv = advertsIn(await cap.stop());
    const zero = adv.find((a) => a.src === linkLocal('lb1') && a.prio === 0);
    const first = adv.find((a) => a.src === linkLocal('lb2'));
    expect(zero && first && first.t > zero.t).toBe(true);
    console.log(`IPv6 graceful takeover by keepalived: ${((first!.t - zero!.t) * 1000).toFixed(1)} ms after halo's priority-0 advert (Skew_Time ${(((256 - 100) * 100) / 256).toFixed(1)} ms)`);
  });

  it('kill -9 of halo\'s worker only: the supervisor sends the IPv6 priority-0 advert (from the link-local address) and removes the VIPs; keepalived takes over', async () => {
    const a = dirs.halo('lb1', conf('lb1', instance({ ...V6, state: 'MASTER', priority: 150 })));
    await waitSoleHolder6('lb1');
    const ka = dirs.keepalived('lb2', conf('lb2', instance({ ...V6, priority: 100 })));
    expect(await waitFor(() => ka.log().includes('(VI_1) Entering BACKUP STATE'), 30_000)).toBe(true);
    const heard = (await statusOf(a)).instances[0].advertsSent;
    await waitInstance(a, 'VI_1', (i) => i.advertsSent >= heard + 5, 30_000, 'five more adverts');
    process.kill(a.pids()[a.pids().length - 1], 'SIGKILL');
    await waitSoleHolder6('lb2').catch((err: Error) => {
      throw new Error(`${err.message}\n--- lb1 ---\n${a.log()}\n--- lb2 ---\n${ka.log()}`);
    });
    expect(a.log()).toMatch(/released VI_1 for the dead worker: priority 0 advert sent, VIPs removed/);
    expect(ka.log()).toContain('(VI_1) Backup received priority 0 advertisement');
    expect(addresses6('lb1').filter((x) => [VIP, EXCLUDED, HOST_VIP].includes(x))).toEqual([]);
  });

  it('unicast peers over IPv6: halo hears keepalived\'s unicast adverts and takes over; keepalived hears halo\'s', async () => {
    const uni = (self: string, peer: string): InstanceOpts => ({ ...V6, unicastSrc: self, unicastPeers: [peer] });
    // unicast is not flooded to the client once the bridge has learnt the MACs: capture at the peer
    const cap = capture('ip6 proto 112', 'lb1');
    await cap.ready;
    const ka = dirs.keepalived('lb1', conf('lb1', instance({ ...uni('fd00:77::11', 'fd00:77::12'), state: 'MASTER', priority: 150 })));
    await waitSoleHolder6('lb1');
    const h = dirs.halo('lb2', conf('lb2', instance({ ...uni('fd00:77::12', 'fd00:77::11'), priority: 100 })));
    await waitInstance(h, 'VI_1', hearsMaster(5), 60_000, 'BACKUP hearing keepalived over IPv6 unicast');
    ka.signal('SIGTERM');
    await ka.exited;
    await waitSoleHolder6('lb2');
    const ka2 = dirs.keepalived('lb1', conf('lb1', instance({ ...uni('fd00:77::11', 'fd00:77::12'), priority: 100 })));
    if (!(await waitFor(() => ka2.log().includes('(VI_1) Entering BACKUP STATE'), 30_000))) throw new Error(`keepalived not BACKUP:\n${ka2.log().slice(-2000)}\nhalo:\n${h.log().slice(-1500)}`);
    const sent = (await statusOf(h)).instances[0].advertsSent;
    await waitInstance(h, 'VI_1', (i) => i.advertsSent >= sent + 10, 30_000, 'ten more unicast adverts');
    expect(ka2.log()).not.toContain('Entering MASTER STATE');
    expect(ka2.log()).not.toMatch(/checksum|invalid|wrong|mismatch/i);
    expect(await waitFor(() => tshark(cap.file, 'vrrp && ipv6.src == fd00:77::12', ['ipv6.dst']).length > 5, 15_000, 200)).toBe(true);
    const pcap = await cap.stop();
    // halo's unicast adverts: from unicast_src_ip to the peer, hop limit 255, checksum Good
    expect(new Set(tshark(pcap, 'vrrp && ipv6.src == fd00:77::12', ['ipv6.dst', 'ipv6.hlim', 'vrrp.checksum.status']))).toEqual(new Set(['fd00:77::11\t255\t1']));
  });

  /** Adverts of VRID 51 in a capture: pcap time (s), source, priority. */
  const advertsIn = (pcap: string) =>
    tshark(pcap, 'vrrp', ['frame.time_epoch', 'ipv6.src', 'vrrp.prio']).map((l) => {
      const [t, src, prio] = l.split('\t');
      return { t: Number(t), src, prio: Number(prio) };
    });

  /**
   * Crash takeover, timed from the capture: the backup's first advert comes no sooner than three
   * advert intervals after the dead master's last one (RFC 9568 §6.4.2: Master_Down_Interval =
   * 3 × interval + Skew_Time; how much later is the failover benchmark's business).
   */
  async function crashTakeover(masterKind: 'halo' | 'keepalived', backupKind: 'halo' | 'keepalived'): Promise<{ gapMs: number; mdiMs: number }> {
    const cap = capture('ip6 proto 112');
    await cap.ready;
    const start = (kind: 'halo' | 'keepalived', host: string, o: InstanceOpts) => (kind === 'halo' ? dirs.halo(host, conf(host, instance(o))) : dirs.keepalived(host, conf(host, instance(o))));
    const m = start(masterKind, 'lb1', { ...V6, state: 'MASTER', priority: 150 });
    await waitSoleHolder6('lb1');
    const b = start(backupKind, 'lb2', { ...V6, priority: 100 });
    if (backupKind === 'halo') await waitInstance(b, 'VI_1', hearsMaster(5), 60_000, 'BACKUP hearing the master');
    else expect(await waitFor(() => b.log().includes('(VI_1) Entering BACKUP STATE'), 30_000)).toBe(true);
    m.signal('SIGKILL');
    await m.exited;
    // (a killed master leaves its VIPs behind: only the new holder is waited for)
    expect(await waitFor(() => addresses6('lb2').includes(VIP), 15_000, 20)).toBe(true);
    // the capture is written packet by packet (-U): wait until it holds the new master's advert
    expect(await waitFor(() => advertsIn(cap.file).some((a) => a.src === linkLocal('lb2')), 15_000, 200)).toBe(true);
    const pcap = await cap.stop();
    const adv = advertsIn(pcap);
    const first = adv.find((a) => a.src === linkLocal('lb2'));
    const last = adv.filter((a) => a.src === linkLocal('lb1') && first && a.t < first.t).pop();
    expect(first && last).toBeTruthy();
    const gapMs = (first!.t - last!.t) * 1000;
    expect(gapMs).toBeGreaterThanOrEqual(300);
    return { gapMs, mdiMs: 300 + ((256 - 100) * 100) / 256 };
  }

  it('crash: keepalived master killed, halo takes over after its Master_Down_Interval (pcap)', async () => {
    const r = await crashTakeover('keepalived', 'halo');
    console.log(`IPv6 crash takeover by halo: ${r.gapMs.toFixed(1)} ms from keepalived's last advert (Master_Down_Interval ${r.mdiMs.toFixed(1)} ms)`);
  });

  it('crash: halo master killed, keepalived takes over (pcap); halo cleanup removes the IPv6 VIPs it left', async () => {
    const r = await crashTakeover('halo', 'keepalived');
    console.log(`IPv6 crash takeover by keepalived: ${r.gapMs.toFixed(1)} ms from halo's last advert (Master_Down_Interval ${r.mdiMs.toFixed(1)} ms)`);
    // every halo process was killed: its VIPs are still on lb1 until cleanup
    const left = addresses6('lb1');
    expect(left).toEqual(expect.arrayContaining([VIP, EXCLUDED, HOST_VIP]));
    const haloConf = dirs.running.find((x) => x.kind === 'halo')!.confFile;
    const out = topo.exec('lb1', [process.execPath, HALO, 'cleanup', '-f', haloConf]);
    for (const v of [VIP, EXCLUDED, HOST_VIP, LL_VIP]) expect(out).toContain(`removed VIP ${v}/`);
    expect(addresses6('lb1').filter((a) => [VIP, EXCLUDED, HOST_VIP, LL_VIP].includes(a))).toEqual([]);
  });

  it('drops crafted adverts by reason: hop limit, non-link-local source, bad checksum, not to the group', async () => {
    const h = dirs.halo('lb2', conf('lb2', instance({ ...V6, priority: 100 })));
    await waitInstance(h, 'VI_1', (i) => i.state === 'MASTER', 30_000, 'MASTER alone');
    const script = join(tmp, 'craft.py');
    writeFileSync(script, craftAdvert6Script(51, 200, [LL_VIP, VIP]));
    const send = (...args: string[]) => topo.exec('client', ['python3', script, ...args]);
    const ll = linkLocal('client');
    send('--hops', '64', '--src', ll, '--dst', 'ff02::12');
    send('--hops', '255', '--src', 'fd00:77::100', '--dst', 'ff02::12');
    send('--hops', '255', '--src', ll, '--dst', 'ff02::12', '--bad-checksum');
    send('--hops', '255', '--src', ll, '--dst', linkLocal('lb2'));
    const st = await waitInstance(h, 'VI_1', (i) => ['bad-ttl', 'not-link-local', 'bad-checksum', 'wrong-group'].every((r) => i.drops[r] >= 1), 15_000, 'counting the four drops');
    expect(st.state).toBe('MASTER');
    expect(h.log()).toContain('invalid TTL/HL. Received 64 and expect 255');
    expect(h.log()).toContain('advert source fd00:77::100 is not a link-local address');
    // a valid advert with a higher priority from the same sender is heard: the crafting is right
    send('--hops', '255', '--src', ll, '--dst', 'ff02::12');
    // (one advert only: halo steps down, then takes over again when the Master_Down_Timer runs out)
    expect(await waitFor(() => h.log().includes(`(VI_1) Master received advert from ${ll} with higher priority 200, ours 100`), 15_000)).toBe(true);
  });
});
