/**
 * The VRRP instance keywords of unicast and multicast addressing, as keepalived 2.2.7 acts on
 * them: unicast_ttl (the TTL of the IPv4 adverts), mcast_dst_ip (the instance's group),
 * old_unicast_checksum (keepalived < 1.3.6's VRRPv3 unicast checksum, whose pseudo-header names
 * vrrp_mcast_group4 instead of the peer) and unicast_fault_no_peer. Golden bytes captured from
 * keepalived (test/fixtures/keepalived-2.2.7-unicast/README.md).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodePacket, encodePacket } from '../../src/vrrp/advert-codec';
import { advertPackets, createInstanceState, InstanceState, step } from '../../src/vrrp/instance';
import type { VrrpAction } from '../../src/vrrp/types';
import { instanceCfg, logs, vip } from './harness';

const DIR = join(__dirname, '..', 'fixtures', 'keepalived-2.2.7-unicast');
const hex = (name: string): Buffer => Buffer.from(readFileSync(join(DIR, name), 'utf8').trim(), 'hex');
const OLD_V3 = 'v3-unicast-old-checksum-ttl7-id1-prio150.ip.hex';
const OLD_V3_PRIO0 = 'v3-unicast-old-checksum-ttl7-prio0.ip.hex';
const MCAST77 = 'v2-mcast-dst-224.0.0.77-id1-prio150.ip.hex';

const KA = '10.1.0.1';
const PEER = '10.1.0.2';

/** keepalived.conf's VI_1 as halo models it (the config tests check the parse). */
const vi1 = (o: Parameters<typeof instanceCfg>[0] = {}) => instanceCfg({
  virtualRouterId: 60, version: 3, authType: 'NONE', authPass: null, unicastSrcIp: KA,
  unicastPeers: [{ address: PEER, minTtl: null, maxTtl: null }], unicastTtl: 7, unicastChecksumCompat: 'config',
  virtualIpAddresses: [vip('10.1.0.100', 'a0')], interface: 'a0', ...o,
});
/** The peer's side of VI_1: unicast to keepalived, checksum compatibility as given. */
const peerOf = (compat: 'auto' | 'never' | 'config') => vi1({
  initialState: 'BACKUP', priority: 100, unicastSrcIp: PEER, unicastPeers: [{ address: KA, minTtl: null, maxTtl: null }],
  unicastTtl: null, unicastChecksumCompat: compat,
});

const advert = (bytes: Buffer, group = '224.0.0.18') => ({ type: 'advert' as const, packet: decodePacket(bytes, { v3Checksum: 'either', oldUnicastGroup: group }) });
const backup = (cfg: ReturnType<typeof instanceCfg>, primary = PEER): InstanceState => step(createInstanceState(cfg, primary), { type: 'startup' }, 0).state;
const drops = (actions: VrrpAction[]) => actions.flatMap((a) => (a.type === 'countDrop' ? [a.reason] : []));

describe('golden bytes: halo encodes what keepalived sent', () => {
  it('old_unicast_checksum + unicast_ttl 7: VRRPv3 to the peer, TTL 7, checksum over a pseudo-header naming 224.0.0.18', () => {
    const fields = { version: 3 as const, virtualRouterId: 60, adverIntMs: 1000, ipAddresses: ['10.1.0.100'], src: KA, dst: PEER, ttl: 7, pseudoDst: '224.0.0.18' };
    expect(encodePacket({ ...fields, priority: 150, ipId: 1 }).toString('hex')).toBe(hex(OLD_V3).toString('hex'));
    expect(encodePacket({ ...fields, priority: 0, ipId: 6 }).toString('hex')).toBe(hex(OLD_V3_PRIO0).toString('hex'));
    // without the old rule the checksum differs: the fixture really exercises it
    expect(encodePacket({ ...fields, pseudoDst: undefined, priority: 150, ipId: 1 }).equals(hex(OLD_V3))).toBe(false);
  });

  it("the instance's first advert is keepalived's packet, from the model alone", () => {
    const s = createInstanceState(vi1(), KA);
    const [p] = advertPackets(s, 150);
    expect(p.dst).toBe(PEER);
    expect(p.bytes.toString('hex')).toBe(hex(OLD_V3).toString('hex'));
  });

  it('mcast_dst_ip 224.0.0.77: the advert goes to that group, TTL 255', () => {
    const cfg = instanceCfg({ virtualRouterId: 61, authType: 'NONE', authPass: null, mcastDstIp: '224.0.0.77', virtualIpAddresses: [vip('10.1.0.101', 'a0')], interface: 'a0' });
    const [p] = advertPackets(createInstanceState(cfg, KA), 150);
    expect(p.dst).toBe('224.0.0.77');
    expect(p.bytes.toString('hex')).toBe(hex(MCAST77).toString('hex'));
  });

  it('unicast_ttl reset to 0 (no peers): the multicast adverts carry TTL 0, as keepalived builds them', () => {
    const cfg = instanceCfg({ unicastTtl: 0 });
    const [p] = advertPackets(createInstanceState(cfg, '192.168.77.11'), 150);
    expect(p.dst).toBe('224.0.0.18');
    expect(p.bytes[8]).toBe(0);
  });

  it('IPv6 unicast: unicast_ttl is the hop limit the transport is asked for; multicast is left at 255', () => {
    const v6 = { family: 6 as const, version: 3 as const, authType: 'NONE' as const, authPass: null, virtualIpAddresses: [{ ...vip('fe80::1'), family: 6 as const, prefixLen: 64 }] };
    const uni = advertPackets(createInstanceState(instanceCfg({ ...v6, unicastTtl: 9, unicastPeers: [{ address: 'fe80::2', minTtl: null, maxTtl: null }] }), 'fe80::10'), 150);
    expect(uni.map((p) => p.hopLimit)).toEqual([9]);
    const multi = advertPackets(createInstanceState(instanceCfg({ ...v6, unicastTtl: 0 }), 'fe80::10'), 150);
    expect(multi.map((p) => p.hopLimit)).toEqual([undefined]);
  });
});

describe("receiving keepalived < 1.3.6's unicast checksum (vrrp_check_packet)", () => {
  it('by default the instance switches to it on the first such advert, in keepalived\'s words, and then sends it too', () => {
    const s = backup(peerOf('auto'));
    const r = step(s, advert(hex(OLD_V3)), 1000);
    expect(drops(r.actions)).toEqual([]);
    expect(logs(r.actions)).toContain('(VI_1) Setting unicast VRRPv3 checksum to old version');
    expect(r.state.oldUnicastChecksum).toBe(true);
    expect(r.state.stats.advertsReceived).toBe(s.stats.advertsReceived + 1);
    // its own adverts now use the old pseudo-header: keepalived (old_unicast_checksum) accepts them
    const [mine] = advertPackets(r.state, 100);
    const back = decodePacket(mine.bytes, { v3Checksum: 'either', oldUnicastGroup: '224.0.0.18' });
    expect(back.ok && back.v3Checksums).toEqual(['old-unicast']);
    // and it logs the switch once
    const again = step(r.state, advert(hex(OLD_V3)), 2000);
    expect(logs(again.actions)).not.toContain('(VI_1) Setting unicast VRRPv3 checksum to old version');
  });

  it("'old_unicast_checksum never': the advert is an invalid checksum", () => {
    const r = step(backup(peerOf('never')), advert(hex(OLD_V3)), 1000);
    expect(drops(r.actions)).toEqual(['bad-checksum']);
    expect(r.state.oldUnicastChecksum).toBe(false);
  });

  it('old_unicast_checksum given: a peer with the standard checksum is refused ("Invalid VRRPv3 checksum")', () => {
    const modern = encodePacket({ version: 3, virtualRouterId: 60, priority: 150, adverIntMs: 1000, ipAddresses: ['10.1.0.100'], ipId: 1, src: KA, dst: PEER });
    const r = step(backup(peerOf('config')), advert(modern), 1000);
    expect(drops(r.actions)).toEqual(['bad-checksum']);
    expect(logs(r.actions)).toEqual(['(VI_1) Invalid VRRPv3 checksum']);
    expect(step(backup(peerOf('config')), advert(hex(OLD_V3)), 1000).actions.some((a) => a.type === 'countDrop')).toBe(false);
  });

  it('a multicast instance never switches (the old pseudo-header is the standard one there)', () => {
    const cfg = instanceCfg({ version: 3, authType: 'NONE', authPass: null, initialState: 'BACKUP', priority: 100 });
    const other = encodePacket({ version: 3, virtualRouterId: 51, priority: 150, adverIntMs: 1000, ipAddresses: ['192.168.77.200'], ipId: 1, src: '192.168.77.11', dst: '224.0.0.18' });
    const r = step(backup(cfg, '192.168.77.12'), advert(other), 1000);
    expect(r.state.oldUnicastChecksum).toBe(false);
    expect(drops(r.actions)).toEqual([]);
  });
});

describe('mcast_dst_ip on receive', () => {
  it('an instance hears its own group only', () => {
    const cfg = instanceCfg({ virtualRouterId: 61, authType: 'NONE', authPass: null, mcastDstIp: '224.0.0.77', initialState: 'BACKUP', priority: 100, virtualIpAddresses: [vip('10.1.0.101', 'a0')], interface: 'a0' });
    const s = backup(cfg, PEER);
    expect(drops(step(s, advert(hex(MCAST77)), 1000).actions)).toEqual([]);
    const toDefault = encodePacket({ version: 2, virtualRouterId: 61, priority: 150, adverIntMs: 1000, ipAddresses: ['10.1.0.101'], authType: 'NONE', ipId: 1, src: KA, dst: '224.0.0.18' });
    expect(drops(step(s, advert(toDefault), 1000).actions)).toEqual(['wrong-group']);
    // and one on the default group does not hear 224.0.0.77
    const plain = backup({ ...cfg, mcastDstIp: null }, PEER);
    expect(drops(step(plain, advert(hex(MCAST77)), 1000).actions)).toEqual(['wrong-group']);
  });
});

describe('unicast_fault_no_peer', () => {
  it('the instance starts in FAULT with keepalived\'s line, runs no notify, and never leaves it', () => {
    const cfg = instanceCfg({ initialState: 'MASTER', priority: 255, unicastPeers: [], faultNoPeer: true });
    const r = step(createInstanceState(cfg, '192.168.77.11'), { type: 'startup' }, 0);
    expect(r.state.state).toBe('FAULT');
    expect(logs(r.actions)).toEqual(['(VI_1) Cannot use unicast without any peers - going to fault state']);
    expect(r.actions.some((a) => a.type === 'notify' || a.type === 'sendAdvert' || a.type === 'addVips')).toBe(false);
    const later = step(r.state, { type: 'interface', name: 'eth0', up: true }, 1000);
    expect(later.state.state).toBe('FAULT');
  });
});

describe("a sync group's weighted track_script (keepalived applies the weight to its members)", () => {
  it('a failing script with weight -30 lowers the member to 70 instead of faulting it', async () => {
    const { syncGroup } = await import('./harness');
    const cfg = instanceCfg({ initialState: 'BACKUP', priority: 100, syncGroup: 'G' });
    const group = syncGroup('G', ['VI_1', 'VI_2'], { trackScripts: [{ name: 'chk', weight: -30, weightReverse: false }] });
    const s = createInstanceState(cfg, '192.168.77.11', { syncGroup: group, vrrpScripts: [{ name: 'chk', script: ['/bin/false'], intervalMs: 1000, timeoutMs: 1000, weight: 0, weightReverse: false, rise: 1, fall: 1, user: null, runAs: null, initState: 'down', location: { file: 't', line: 1, col: 1 } }] });
    expect(s.effectivePriority).toBe(70);
  });
});
