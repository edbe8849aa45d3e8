/**
 * VRRPv2 `auth_type AH` against keepalived 2.2.7's own bytes (test/fixtures/keepalived-2.2.7-ah,
 * captured with tcpdump from Debian's keepalived in a namespace): halo's encoder reproduces every
 * advert byte for byte (HMAC-MD5-96 ICV included), the decoder reads them back, and the instance
 * checks the ICV, the SPI and the sequence number with keepalived's counter rules and log words.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodePacket, encodePacket } from '../../src/vrrp/advert-codec';
import { internetChecksum } from '../../src/vrrp/checksum';
import { AH_HEADER_LEN, ahIcv, ahKey } from '../../src/vrrp/ipsec-ah';
import { advertPackets, createInstanceState, InstanceState, step } from '../../src/vrrp/instance';
import type { VrrpAction } from '../../src/vrrp/types';
import { instanceCfg, logs, vip } from './harness';

const DIR = join(__dirname, '..', 'fixtures', 'keepalived-2.2.7-ah');
const hex = (name: string): Buffer => Buffer.from(readFileSync(join(DIR, name), 'utf8').trim(), 'hex');

const LB1 = '192.168.77.11';
const LB2 = '192.168.77.12';
const GROUP = '224.0.0.18';
const VIPS = ['192.168.77.200', '192.168.77.201'];

describe('golden AH adverts (keepalived 2.2.7 captures)', () => {
  const cases = [
    { file: 'mcast-seq1-prio150.ip.hex', vrid: 51, dst: GROUP, pass: 'secret1', seq: 1, id: 1, priority: 150, unicast: false },
    { file: 'mcast-seq2-prio150.ip.hex', vrid: 51, dst: GROUP, pass: 'secret1', seq: 2, id: 2, priority: 150, unicast: false },
    // auth_pass longerpassword, truncated to 8 (as keepalived warns); unicast: the TTL is out of the ICV
    { file: 'unicast-seq1-prio150.ip.hex', vrid: 52, dst: LB2, pass: 'longerpa', seq: 1, id: 1, priority: 150, unicast: true },
    { file: 'unicast-seq2-prio0.ip.hex', vrid: 52, dst: LB2, pass: 'longerpa', seq: 2, id: 2, priority: 0, unicast: true },
  ];
  for (const c of cases) {
    it(`encodes ${c.file} byte for byte: protocol 51, SPI = source, seq ${c.seq}, HMAC-MD5-96 ICV`, () => {
      const bytes = encodePacket({
        version: 2, virtualRouterId: c.vrid, priority: c.priority, adverIntMs: 1000, ipAddresses: VIPS,
        authType: 'AH', authPass: c.pass, ipId: c.id, src: LB1, dst: c.dst,
        ah: { seq: c.seq, key: ahKey(c.pass), unicast: c.unicast },
      });
      expect(bytes.toString('hex')).toBe(hex(c.file).toString('hex'));
    });
    it(`decodes ${c.file}: the AH header, then the VRRPv2 message with auth type 2`, () => {
      const r = decodePacket(hex(c.file));
      if (!r.ok) throw new Error(r.message);
      expect(r.ip.protocol).toBe(51);
      expect(r.ah).toMatchObject({ nextHeader: 112, payloadLen: 4, spi: 0xc0a84d0b, seq: c.seq });
      expect(r.vrrp).toMatchObject({ version: 2, virtualRouterId: c.vrid, priority: c.priority, authType: 2, ipAddresses: VIPS });
      expect(r.vrrp.authData).toEqual(Buffer.alloc(8));
      expect(ahIcv(r.ah!.packet, 20, ahKey(c.pass), c.unicast)).toEqual(r.ah!.icv);
    });
  }
  it('the ICV covers the TTL for multicast and not for unicast, and never the TOS, fragment field or IP checksum', () => {
    const b = hex('mcast-seq1-prio150.ip.hex');
    const key = ahKey('secret1');
    const icv = ahIcv(b, 20, key, false);
    const mutated = Buffer.from(b);
    mutated[1] = 0x10;
    mutated.writeUInt16BE(0x4000, 6);
    mutated.writeUInt16BE(0x1234, 10);
    expect(ahIcv(mutated, 20, key, false)).toEqual(icv);
    mutated[8] = 64;
    expect(ahIcv(mutated, 20, key, false)).not.toEqual(icv);
    expect(ahIcv(mutated, 20, key, true)).toEqual(ahIcv(b, 20, key, true));
  });
  it('a packet too short for the AH header is refused with keepalived\'s words', () => {
    const b = hex('mcast-seq1-prio150.ip.hex').subarray(0, 20 + AH_HEADER_LEN);
    b.writeUInt16BE(b.length, 2);
    b.writeUInt16BE(0, 10);
    b.writeUInt16BE(internetChecksum(b, 0, 20), 10);
    expect(decodePacket(b)).toMatchObject({ ok: false, reason: 'too-short', message: `IPv4 VRRP packet with AH too short - ${b.length} bytes` });
  });
});

const ahCfg = (o: Parameters<typeof instanceCfg>[0] = {}) =>
  instanceCfg({ authType: 'AH', authPass: 'secret1', virtualIpAddresses: VIPS.map((v) => vip(v, 'eth0')), ...o });

function run(s: InstanceState, fn: (s: InstanceState) => { state: InstanceState; actions: VrrpAction[] }) {
  return fn(s);
}

function backup(cfg = ahCfg({ initialState: 'BACKUP', priority: 100 }), primary = LB2): InstanceState {
  return step(createInstanceState(cfg, primary), { type: 'startup' }, 0).state;
}

function advert(bytes: Buffer) {
  return { type: 'advert' as const, packet: decodePacket(bytes) };
}

function ahAdvert(o: { seq: number; pass?: string; priority?: number; src?: string; id?: number }): Buffer {
  return encodePacket({
    version: 2, virtualRouterId: 51, priority: o.priority ?? 150, adverIntMs: 1000, ipAddresses: VIPS,
    authType: 'AH', authPass: o.pass ?? 'secret1', ipId: o.id ?? o.seq, src: o.src ?? LB1, dst: GROUP,
    ah: { seq: o.seq, key: ahKey(o.pass ?? 'secret1'), unicast: false },
  });
}

describe('receiving AH adverts (keepalived vrrp_in_chk_ipsecah)', () => {
  it('a BACKUP accepts keepalived\'s adverts and its counter follows their sequence numbers', () => {
    let s = backup();
    for (const f of ['mcast-seq1-prio150.ip.hex', 'mcast-seq2-prio150.ip.hex']) {
      const r = step(s, advert(hex(f)), 1000);
      expect(r.actions.filter((a) => a.type === 'countDrop')).toEqual([]);
      s = r.state;
    }
    expect(s.ahSeq).toBe(2);
    expect(s.masterAddress).toBe(LB1);
    expect(s.stats.advertsReceived).toBe(2);
  });
  it('a replayed or older sequence number is dropped and counted, with keepalived\'s line', () => {
    const s = step(backup(), advert(hex('mcast-seq2-prio150.ip.hex')), 1000).state;
    const r = step(s, advert(hex('mcast-seq1-prio150.ip.hex')), 2000);
    expect(r.actions).toContainEqual(expect.objectContaining({ type: 'countDrop', instance: 'VI_1', reason: 'ah-replay' }));
    expect(logs(r.actions)).toEqual(['(VI_1) IPSEC-AH : sequence number 1 already processed. Packet dropped. Local(2)']);
    expect(r.state.stats.drops['ah-replay']).toBe(1);
    expect(r.state.ahSeq).toBe(2);
    const again = step(s, advert(hex('mcast-seq2-prio150.ip.hex')), 2000);
    expect(again.actions).toContainEqual(expect.objectContaining({ type: 'countDrop', instance: 'VI_1', reason: 'ah-replay' }));
  });
  it('a wrong password gives a bad ICV: dropped and counted, the counter untouched', () => {
    const r = step(backup(), advert(ahAdvert({ seq: 9, pass: 'wrong' })), 1000);
    expect(r.actions).toContainEqual(expect.objectContaining({ type: 'countDrop', instance: 'VI_1', reason: 'ah-bad-icv' }));
    expect(logs(r.actions)).toEqual(['(VI_1) IPSEC-AH : invalid IPSEC HMAC-MD5 value. Due to fields mutation or bad password !']);
    expect(r.state.ahSeq).toBe(0);
    expect(r.state.stats.advertsReceived).toBe(0);
  });
  it('any changed byte the ICV covers (here the priority, checksum fixed up) is a bad ICV', () => {
    const b = ahAdvert({ seq: 3 });
    b[20 + AH_HEADER_LEN + 2] = 200;
    b.writeUInt16BE(0, 20 + AH_HEADER_LEN + 6);
    let sum = 0;
    for (let i = 20 + AH_HEADER_LEN; i < b.length; i += 2) sum += b.readUInt16BE(i);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    b.writeUInt16BE(~sum & 0xffff, 20 + AH_HEADER_LEN + 6);
    const d = decodePacket(b);
    expect(d.ok).toBe(true);
    expect(step(backup(), { type: 'advert', packet: d }, 0).actions).toContainEqual(expect.objectContaining({ type: 'countDrop', instance: 'VI_1', reason: 'ah-bad-icv' }));
  });
  it('an SPI that is not the source address is refused after the ICV', () => {
    const b = ahAdvert({ seq: 4 });
    b.writeUInt32BE(0x01020304, 24);
    b.fill(0, 32, 44);
    ahIcv(b, 20, ahKey('secret1'), false).copy(b, 32);
    const r = step(backup(), advert(b), 0);
    expect(r.actions).toContainEqual(expect.objectContaining({ type: 'countDrop', instance: 'VI_1', reason: 'ah-bad-spi' }));
    expect(logs(r.actions)[0]).toBe(`(VI_1) IPSEC AH : invalid IPSEC SPI value. ${0x0b4da8c0} and expect ${0x04030201}`);
  });
  it('AH expected and a plain advert received, or the other way round: keepalived\'s auth type mismatch lines', () => {
    const plain = encodePacket({ version: 2, virtualRouterId: 51, priority: 150, adverIntMs: 1000, ipAddresses: VIPS, authType: 'PASS', authPass: 'secret1', ipId: 1, src: LB1, dst: GROUP });
    expect(logs(step(backup(), advert(plain), 0).actions)).toEqual(['(VI_1) No AH header but auth type is AH']);
    const passInst = backup(ahCfg({ authType: 'PASS', initialState: 'BACKUP', priority: 100 }));
    expect(logs(step(passInst, advert(hex('mcast-seq1-prio150.ip.hex')), 0).actions)).toEqual(['(VI_1) Received AH header but auth type not AH']);
  });
  it('past the AH checks the number counts as seen even when a later check drops the packet (keepalived order)', () => {
    const b = encodePacket({
      version: 2, virtualRouterId: 51, priority: 150, adverIntMs: 2000, ipAddresses: VIPS,
      authType: 'AH', authPass: 'secret1', ipId: 7, src: LB1, dst: GROUP, ah: { seq: 7, key: ahKey('secret1'), unicast: false },
    });
    const r = step(backup(), advert(b), 0);
    expect(r.actions).toContainEqual(expect.objectContaining({ type: 'countDrop', instance: 'VI_1', reason: 'adver-int-mismatch' }));
    expect(r.state.ahSeq).toBe(7);
  });
});

describe('sending AH adverts: one counter per instance, shared with receiving', () => {
  it('a MASTER numbers its adverts on from the last number it heard, and a held priority-0 advert is encodable ahead', () => {
    let s = step(backup(), advert(hex('mcast-seq2-prio150.ip.hex')), 1000).state;
    s = step(s, { type: 'timer', timer: 'masterDown' }, s.timers.masterDown!).state;
    expect(s.state).toBe('MASTER');
    expect(s.ahSeq).toBe(3);
    const next = step(s, { type: 'timer', timer: 'adver' }, s.timers.adver!).state;
    expect(next.ahSeq).toBe(4);
    const sent = decodePacket(advertPackets(next, 100, next.ahSeq)[0].bytes);
    if (!sent.ok) throw new Error(sent.message);
    expect(sent.ah!.seq).toBe(4);
    expect(ahIcv(sent.ah!.packet, 20, ahKey('secret1'), false)).toEqual(sent.ah!.icv);
  });
  it('a MASTER hearing a lower-priority master syncs past its number ("Syncing seq_num") and answers above it', () => {
    const m = run(backup(ahCfg({ initialState: 'BACKUP', priority: 200 })), (s) => step(s, { type: 'timer', timer: 'masterDown' }, s.timers.masterDown!)).state;
    expect(m.state).toBe('MASTER');
    const r = step(m, advert(ahAdvert({ seq: 50, priority: 100 })), 5000);
    expect(logs(r.actions)).toContain('(VI_1) IPSEC-AH : Syncing seq_num - Increment seq');
    const adv = r.actions.find((a) => a.type === 'sendAdvert');
    if (!adv || adv.type !== 'sendAdvert') throw new Error('no advert');
    const d = decodePacket(adv.packets[0].bytes);
    if (!d.ok) throw new Error(d.message);
    expect(d.ah!.seq).toBe(52);
    expect(r.state.ahSeq).toBe(52);
  });
  it('unicast: every peer gets the same sequence number, and the TTL is left out of the ICV', () => {
    const cfg = ahCfg({ unicastPeers: [{ address: LB2, minTtl: null, maxTtl: null }, { address: '192.168.77.13', minTtl: null, maxTtl: null }] } as never);
    const s = createInstanceState(cfg, LB1);
    const pk = advertPackets(s, 150);
    expect(pk.map((p) => p.dst)).toEqual([LB2, '192.168.77.13']);
    for (const p of pk) {
      const d = decodePacket(p.bytes);
      if (!d.ok) throw new Error(d.message);
      expect(d.ah!.seq).toBe(1);
      expect(ahIcv(d.ah!.packet, 20, ahKey('secret1'), true)).toEqual(d.ah!.icv);
    }
  });
});
