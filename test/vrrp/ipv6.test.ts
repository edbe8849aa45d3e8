/**
 * VRRPv3 over IPv6 against keepalived 2.2.7's own bytes (test/fixtures/keepalived-2.2.7-ipv6,
 * captured with tcpdump from keepalived in a namespace, see its keepalived.conf): the advert
 * codec with the IPv6 pseudo-header checksum, the unsolicited Neighbour Advertisements, and the
 * receive checks only IPv6 has (hop limit from ancillary data, link-local source, group).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeAdvert6, encodeAdvert } from '../../src/vrrp/advert-codec';
import { encodeUnsolicitedNa } from '../../src/net/garp';
import { advertPackets, createInstanceState, step } from '../../src/vrrp/instance';
import type { DecodedPacket } from '../../src/vrrp/advert-codec';
import { checkAdvert } from '../../src/vrrp/receive-check';
import { instanceCfg, vip } from './harness';

const DIR = join(__dirname, '..', 'fixtures', 'keepalived-2.2.7-ipv6');
const frame = (name: string): Buffer => Buffer.from(readFileSync(join(DIR, name), 'utf8').trim(), 'hex');
const ETH = 14;
const IP6 = 40;
const MAC = '02:00:00:00:6f:0a';
const KA_LL = 'fe80::ff:fe00:6f0a';
const VIPS = ['fe80::77:200', 'fd00:77::200'];

describe('VRRPv3 IPv6 advert codec, keepalived 2.2.7 golden bytes', () => {
  for (const [name, priority] of [['advert-v3-prio150.frame.hex', 150], ['advert-v3-prio0.frame.hex', 0]] as const) {
    it(`${name}: encodes byte for byte and decodes back`, () => {
      const f = frame(name);
      expect(f.readUInt16BE(12)).toBe(0x86dd);
      expect(f[ETH + 6]).toBe(112); // next header VRRP
      expect(f[ETH + 7]).toBe(255); // hop limit
      expect(f[ETH] & 0x0f | (f[ETH + 1] >> 4)).toBe(0xc); // traffic class 0xc0
      const msg = f.subarray(ETH + IP6);
      const ours = encodeAdvert({ version: 3, virtualRouterId: 51, priority, adverIntMs: 1000, ipAddresses: VIPS }, { src: KA_LL, dst: 'ff02::12' });
      expect(ours.toString('hex')).toBe(msg.toString('hex'));
      const d = decodeAdvert6(msg, { src: KA_LL, dst: 'ff02::12', ttl: 255 });
      expect(d.ok).toBe(true);
      const p = d as DecodedPacket;
      expect(p.vrrp).toMatchObject({ version: 3, virtualRouterId: 51, priority, adverIntMs: 1000, ipAddresses: VIPS });
      expect(p.ip).toEqual({ version: 6, src: KA_LL, dst: 'ff02::12', ttl: 255 });
    });
  }

  it('v3_checksum_as_v2 has no IPv6 meaning (keepalived: "for VRRPv3 IPv4"): an IPv6 advert still sums the pseudo-header', () => {
    const msg = frame('advert-v3-prio150.frame.hex').subarray(ETH + IP6);
    const asV2 = encodeAdvert({ version: 3, virtualRouterId: 51, priority: 150, adverIntMs: 1000, ipAddresses: VIPS }, { src: KA_LL, dst: 'ff02::12', v3Checksum: 'as-v2' });
    expect(asV2.toString('hex')).toBe(msg.toString('hex'));
  });

  it('rejects a wrong checksum, a pseudo-header of another source, v2, bad lengths', () => {
    const msg = Buffer.from(frame('advert-v3-prio150.frame.hex').subarray(ETH + IP6));
    const env = { src: KA_LL, dst: 'ff02::12', ttl: 255 };
    expect(decodeAdvert6(msg, { ...env, src: 'fe80::1' })).toMatchObject({ ok: false, reason: 'bad-checksum' });
    const flipped = Buffer.from(msg);
    flipped[7] ^= 1;
    expect(decodeAdvert6(flipped, env)).toMatchObject({ ok: false, reason: 'bad-checksum' });
    const v2 = Buffer.from(msg);
    v2[0] = 0x21;
    expect(decodeAdvert6(v2, env)).toMatchObject({ ok: false, reason: 'bad-version' });
    expect(decodeAdvert6(msg.subarray(0, msg.length - 1), env)).toMatchObject({ ok: false, reason: 'bad-length' });
    expect(decodeAdvert6(msg.subarray(0, 4), env)).toMatchObject({ ok: false, reason: 'too-short' });
  });
});

describe('unsolicited Neighbour Advertisement, keepalived 2.2.7 golden bytes', () => {
  it.each([
    ['na-linklocal.frame.hex', 'fe80::77:200', false],
    ['na-excluded.frame.hex', 'fd00:78::200', false],
    ['na-router.frame.hex', 'fd00:77::200', true], // net.ipv6.conf.<if>.forwarding=1
  ] as const)('%s', (name, address, router) => {
    expect(encodeUnsolicitedNa({ source: MAC, vip: address, router }).toString('hex')).toBe(frame(name).toString('hex'));
  });
});

describe('IPv6 receive checks (RFC 9568 §5.1.2, §7.1)', () => {
  const cfg = instanceCfg({
    family: 6,
    version: 3,
    virtualRouterId: 51,
    virtualIpAddresses: VIPS.map((a) => ({ ...vip(a, 'eth0', 64), family: 6 as const })),
  });
  const s = createInstanceState(cfg, 'fe80::2');
  const good = decodeAdvert6(frame('advert-v3-prio150.frame.hex').subarray(ETH + IP6), { src: KA_LL, dst: 'ff02::12', ttl: 255 }) as DecodedPacket;
  const withIp = (ip: Partial<DecodedPacket['ip']>): DecodedPacket => ({ ...good, ip: { ...good.ip, ...ip } as DecodedPacket['ip'] });

  it('accepts keepalived\'s advert, and one whose hop limit the kernel did not give (as keepalived)', () => {
    expect(checkAdvert(s, good)).toBeNull();
    expect(checkAdvert(s, withIp({ ttl: -1 }))).toBeNull();
  });
  it.each([
    [{ ttl: 64 }, 'bad-ttl', 'invalid TTL/HL. Received 64 and expect 255'],
    [{ dst: 'fe80::2' }, 'wrong-group', 'Expected multicast packet to ff02::12 but received packet to fe80::2'],
    [{ dst: 'ff02::18' }, 'wrong-group', 'Expected multicast packet to ff02::12 but received packet to ff02::18'],
    [{ src: 'fd00:77::9' }, 'not-link-local', 'advert source fd00:77::9 is not a link-local address'],
  ])('%o is dropped as %s', (ip, reason, message) => {
    expect(checkAdvert(s, withIp(ip))).toEqual({ ok: false, reason, message });
  });
  it('a unicast instance takes global sources but no multicast', () => {
    const u = createInstanceState({ ...cfg, unicastPeers: [{ address: 'fd00:77::9', minTtl: null, maxTtl: null }] }, 'fd00:77::2');
    expect(checkAdvert(u, withIp({ src: 'fd00:77::9', dst: 'fd00:77::2', ttl: 64 }))).toBeNull();
    expect(checkAdvert(u, withIp({ src: 'fd00:77::9' }))).toMatchObject({ reason: 'wrong-group' });
  });
  it('the drop is counted by reason and the state does not move', () => {
    const started = step(s, { type: 'startup' }, 0).state;
    const r = step(started, { type: 'advert', packet: withIp({ ttl: 1 }) }, 10);
    expect(r.state.stats.drops['bad-ttl']).toBe(1);
    expect(r.state.state).toBe(started.state);
  });
  it('sends the advert from the link-local address to ff02::12, checksummed for it', () => {
    const [p] = advertPackets(s, 100);
    expect(p).toMatchObject({ dst: 'ff02::12', src: 'fe80::2' });
    const back = decodeAdvert6(p.bytes, { src: 'fe80::2', dst: 'ff02::12', ttl: 255 });
    expect(back).toMatchObject({ ok: true, vrrp: { priority: 100, ipAddresses: VIPS } });
  });
  it('the higher link-local address wins a priority tie (compared as 128-bit numbers)', () => {
    const backup = step(createInstanceState({ ...cfg, priority: 100 }, 'fe80::2'), { type: 'startup' }, 0).state;
    const master = step(backup, { type: 'timer', timer: 'masterDown' }, 4000).state;
    expect(master.state).toBe('MASTER');
    const from = (src: string) =>
      decodeAdvert6(encodeAdvert({ version: 3, virtualRouterId: 51, priority: 100, adverIntMs: 1000, ipAddresses: VIPS }, { src, dst: 'ff02::12' }), { src, dst: 'ff02::12', ttl: 255 });
    expect(step(master, { type: 'advert', packet: from('fe80::1') }, 4005).state.state).toBe('MASTER');
    expect(step(master, { type: 'advert', packet: from('fe80::1:0:0:0') }, 4005).state.state).toBe('BACKUP');
  });
});
