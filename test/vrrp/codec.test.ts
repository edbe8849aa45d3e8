/**
 * Wire codec against keepalived 2.2.7's own bytes (../shared/fixtures/keepalived-2.2.7/hex):
 * every fixture advert is reproduced byte for byte and decoded back.
 */
import {
  AdvertTemplate,
  decodePacket,
  encodeAdvert,
  encodePacket,
  vrrpMessageLength,
} from '../../src/vrrp/advert-codec';
import { decodeIpv4Header, encodeIpv4Header } from '../../src/vrrp/ipv4-header';
import { internetChecksum } from '../../src/vrrp/checksum';
import { hexFixture } from './fixtures';

const LB1 = '192.168.77.11';
const GROUP = '224.0.0.18';
const VIP = '192.168.77.200';

describe('golden adverts (keepalived 2.2.7 captures)', () => {
  const cases = [
    { file: 'v2-pass-advert.ip.hex', version: 2 as const, priority: 150, adverIntMs: 1000, ipId: 1, auth: true },
    { file: 'v2-prio0-advert.ip.hex', version: 2 as const, priority: 0, adverIntMs: 1000, ipId: 0x3e, auth: true },
    { file: 'v3-advert.ip.hex', version: 3 as const, priority: 150, adverIntMs: 1000, ipId: 1, auth: false },
    { file: 'v3-100ms-advert.ip.hex', version: 3 as const, priority: 150, adverIntMs: 100, ipId: 1, auth: false },
    { file: 'v3-prio0-advert.ip.hex', version: 3 as const, priority: 0, adverIntMs: 1000, ipId: 13, auth: false },
  ];
  for (const c of cases) {
    it(`encodes ${c.file} byte for byte (IP header: TTL 255, TOS 0xc0, DF clear, id ${c.ipId})`, () => {
      const bytes = encodePacket({
        version: c.version,
        virtualRouterId: 51,
        priority: c.priority,
        adverIntMs: c.adverIntMs,
        ipAddresses: [VIP],
        authType: c.auth ? 'PASS' : 'NONE',
        authPass: c.auth ? 'mypasswd' : null,
        ipId: c.ipId,
        src: LB1,
        dst: GROUP,
      });
      expect(bytes.toString('hex')).toBe(hexFixture(c.file).toString('hex'));
    });
    it(`an AdvertTemplate patched with id ${c.ipId} gives ${c.file} byte for byte`, () => {
      const t = new AdvertTemplate({
        version: c.version, virtualRouterId: 51, priority: c.priority, adverIntMs: c.adverIntMs, ipAddresses: [VIP],
        authType: c.auth ? 'PASS' : 'NONE', authPass: c.auth ? 'mypasswd' : null, src: LB1, dst: GROUP,
      }, 'packet');
      expect(t.packet(c.ipId).toString('hex')).toBe(hexFixture(c.file).toString('hex'));
    });
    it(`decodes ${c.file}`, () => {
      const r = decodePacket(hexFixture(c.file));
      if (!r.ok) throw new Error(r.message);
      expect(r.ip).toMatchObject({ ttl: 255, tos: 0xc0, dontFragment: false, protocol: 112, src: LB1, dst: GROUP, id: c.ipId });
      expect(r.vrrp).toMatchObject({
        version: c.version,
        virtualRouterId: 51,
        priority: c.priority,
        countIpAddrs: 1,
        adverIntMs: c.adverIntMs,
        ipAddresses: [VIP],
        authType: c.auth ? 1 : 0,
      });
      if (c.auth) expect(r.vrrp.authData.toString('latin1')).toBe('mypasswd');
      expect(r.v3Checksum).toBe(c.version === 3 ? 'pseudo-header' : null);
    });
  }
});

describe('checksums (RFC 3768 §5.3.8, RFC 5798 §5.2.8, RFC 9568)', () => {
  it('v2 checksum covers the auth bytes: 0x70a6 (0x825b would mean a pseudo-header)', () => {
    const m = encodeAdvert(
      { version: 2, virtualRouterId: 51, priority: 150, adverIntMs: 1000, ipAddresses: [VIP], authType: 'PASS', authPass: 'mypasswd' },
      { src: LB1, dst: GROUP },
    );
    expect(m.readUInt16BE(6)).toBe(0x70a6);
  });
  it('v3 default includes the IPv4 pseudo-header (0x3bb3); v3_checksum_as_v2 leaves it out (0x29f6)', () => {
    const a = { version: 3 as const, virtualRouterId: 51, priority: 150, adverIntMs: 1000, ipAddresses: [VIP] };
    expect(encodeAdvert(a, { src: LB1, dst: GROUP }).readUInt16BE(6)).toBe(0x3bb3);
    expect(encodeAdvert(a, { src: LB1, dst: GROUP, v3Checksum: 'as-v2' }).readUInt16BE(6)).toBe(0x29f6);
  });
  it('a v3 packet checksummed as v2 is rejected by a pseudo-header receiver and accepted by an as-v2 one', () => {
    const p = encodePacket({ version: 3, virtualRouterId: 51, priority: 150, adverIntMs: 1000, ipAddresses: [VIP], ipId: 1, src: LB1, dst: GROUP, v3Checksum: 'as-v2' });
    const strict = decodePacket(p);
    expect(strict).toMatchObject({ ok: false, reason: 'bad-checksum' });
    expect(decodePacket(p, { v3Checksum: 'as-v2' })).toMatchObject({ ok: true, v3Checksum: 'as-v2' });
    expect(decodePacket(p, { v3Checksum: 'either' })).toMatchObject({ ok: true, v3Checksum: 'as-v2' });
    expect(decodePacket(hexFixture('v3-advert.ip.hex'), { v3Checksum: 'as-v2' })).toMatchObject({ ok: false, reason: 'bad-checksum' });
  });
  it('unicast v3: the pseudo-header uses the packet destination (the peer)', () => {
    const p = encodePacket({ version: 3, virtualRouterId: 9, priority: 100, adverIntMs: 1000, ipAddresses: [VIP], ipId: 7, src: LB1, dst: '192.168.77.12' });
    expect(decodePacket(p)).toMatchObject({ ok: true, ip: { dst: '192.168.77.12' } });
  });
  it('IPv4 header checksum is the standard one (0xccde for the v2 fixture)', () => {
    const h = encodeIpv4Header({ id: 1, src: LB1, dst: GROUP, payloadLength: 20 });
    expect(h.readUInt16BE(10)).toBe(0xccde);
    expect(internetChecksum(h)).toBe(0);
  });
  it('RFC 1071 odd-length input pads with a zero byte', () => {
    expect(internetChecksum(Buffer.from([0x01]))).toBe(0xfeff);
  });
});

describe('decode rejections carry a reason code', () => {
  const v2 = () => Buffer.from(hexFixture('v2-pass-advert.ip.hex'));
  const fixIpSum = (b: Buffer) => {
    b.writeUInt16BE(0, 10);
    b.writeUInt16BE(internetChecksum(b, 0, 20), 10);
    return b;
  };
  const fixVrrpSum = (b: Buffer) => {
    b.writeUInt16BE(0, 26);
    b.writeUInt16BE(internetChecksum(b, 20, b.readUInt16BE(2)), 26);
    return b;
  };
  it('too-short', () => expect(decodePacket(Buffer.alloc(10))).toMatchObject({ ok: false, reason: 'too-short' }));
  it('bad-ip-version', () => {
    const b = v2();
    b[0] = 0x65;
    expect(decodePacket(b)).toMatchObject({ reason: 'bad-ip-version' });
  });
  it('bad-ip-total-length (truncated packet)', () => {
    expect(decodePacket(v2().subarray(0, 30))).toMatchObject({ reason: 'bad-ip-total-length' });
  });
  it('trailing Ethernet padding is tolerated', () => {
    expect(decodePacket(Buffer.concat([v2(), Buffer.alloc(6)]))).toMatchObject({ ok: true });
  });
  it('bad-ip-checksum', () => {
    const b = v2();
    b[11] ^= 0xff;
    expect(decodePacket(b)).toMatchObject({ reason: 'bad-ip-checksum' });
  });
  it('not-vrrp (IGMP)', () => {
    const b = v2();
    b[9] = 2;
    expect(decodePacket(fixIpSum(b))).toMatchObject({ reason: 'not-vrrp' });
  });
  it('IP protocol 51 (auth_type AH): the AH header is read and the VRRP message after it decoded', () => {
    const ah = Buffer.alloc(12);
    ah[0] = 112;
    ah[1] = 4;
    ah.writeUInt32BE(0xc0a84d0b, 4);
    ah.writeUInt32BE(5, 8);
    const body = Buffer.concat([ah, Buffer.alloc(12), hexFixture('v2-pass-advert.ip.hex').subarray(20)]);
    const ip = encodeIpv4Header({ id: 1, src: LB1, dst: GROUP, payloadLength: body.length, protocol: 51 });
    const r = decodePacket(Buffer.concat([ip, body]));
    if (!r.ok) throw new Error(r.message);
    expect(r.ah).toMatchObject({ nextHeader: 112, spi: 0xc0a84d0b, seq: 5 });
    expect(r.vrrp.priority).toBe(150);
  });
  it('v2 auth type 2 decodes (keepalived: the instance then checks it against its own auth type)', () => {
    const b = v2();
    b[24] = 2;
    const r = decodePacket(fixVrrpSum(b));
    expect(r).toMatchObject({ ok: true, vrrp: { authType: 2 } });
  });
  it('bad-auth-type', () => {
    const b = v2();
    b[24] = 7;
    expect(decodePacket(fixVrrpSum(b))).toMatchObject({ reason: 'bad-auth-type' });
  });
  it('bad-version', () => {
    const b = v2();
    b[20] = 0x41;
    expect(decodePacket(fixVrrpSum(b))).toMatchObject({ reason: 'bad-version' });
  });
  it('bad-type', () => {
    const b = v2();
    b[20] = 0x22;
    expect(decodePacket(fixVrrpSum(b))).toMatchObject({ reason: 'bad-type' });
  });
  it('bad-length: address count disagrees with the message length', () => {
    const b = v2();
    b[23] = 2;
    expect(decodePacket(fixVrrpSum(b))).toMatchObject({ reason: 'bad-length' });
  });
  it('bad-checksum', () => {
    const b = v2();
    b[27] ^= 0x01;
    expect(decodePacket(b)).toMatchObject({ reason: 'bad-checksum' });
  });
  it('bad-adver-int: 0', () => {
    const b = v2();
    b[25] = 0;
    expect(decodePacket(fixVrrpSum(b))).toMatchObject({ reason: 'bad-adver-int' });
  });
});

describe('encode details', () => {
  it('v3 interval is 12 bits of centiseconds (40.95 s max); reserved bits zero', () => {
    const m = encodeAdvert({ version: 3, virtualRouterId: 1, priority: 100, adverIntMs: 40950, ipAddresses: [] }, { src: LB1, dst: GROUP });
    expect(m.readUInt16BE(4)).toBe(0x0fff);
    expect(vrrpMessageLength(3, 0)).toBe(8);
  });
  it('v2 PASS password is truncated to 8 bytes and zero-padded', () => {
    const m = encodeAdvert({ version: 2, virtualRouterId: 1, priority: 100, adverIntMs: 1000, ipAddresses: [], authType: 'PASS', authPass: 'ab' }, { src: LB1, dst: GROUP });
    expect(m.subarray(8).toString('hex')).toBe('6162000000000000');
  });
  it('round-trips many addresses', () => {
    const addrs = Array.from({ length: 20 }, (_, i) => `10.0.${i}.1`);
    const p = encodePacket({ version: 3, virtualRouterId: 200, priority: 254, adverIntMs: 10, ipAddresses: addrs, ipId: 65535, src: '10.0.0.1', dst: GROUP });
    const r = decodePacket(p);
    expect(r).toMatchObject({ ok: true, vrrp: { ipAddresses: addrs, adverIntMs: 10, virtualRouterId: 200, priority: 254 } });
    expect(decodeIpv4Header(p)).toMatchObject({ ok: true, header: { id: 65535 } });
  });
});

describe('AdvertTemplate (one advert encoded once, its IP id patched per packet)', () => {
  const variants: Array<Parameters<typeof encodePacket>[0]> = [
    { version: 2, virtualRouterId: 51, priority: 150, adverIntMs: 1000, ipAddresses: [VIP], authType: 'PASS', authPass: 'mypasswd', ipId: 0, src: LB1, dst: GROUP },
    { version: 2, virtualRouterId: 7, priority: 1, adverIntMs: 3000, ipAddresses: [], authType: 'NONE', authPass: null, ipId: 0, src: '10.255.255.254', dst: '10.0.0.2', ttl: 9 },
    { version: 3, virtualRouterId: 255, priority: 254, adverIntMs: 10, ipAddresses: Array.from({ length: 12 }, (_, i) => `172.16.${i}.9`), ipId: 0, src: '255.255.255.255', dst: GROUP },
    { version: 3, virtualRouterId: 1, priority: 100, adverIntMs: 1000, ipAddresses: [VIP], ipId: 0, src: LB1, dst: '192.168.77.12', v3Checksum: 'as-v2' },
    { version: 3, virtualRouterId: 2, priority: 100, adverIntMs: 1000, ipAddresses: [VIP], ipId: 0, src: LB1, dst: '192.168.77.12', pseudoDst: GROUP, ttl: 64 },
  ];
  // every id whose sum carries differently: the ends, the byte edges, and a spread between
  const ids = [0, 1, 0xff, 0x100, 0x7fff, 0x8000, 0xfffe, 0xffff, ...Array.from({ length: 200 }, (_, i) => (i * 7919 + 13) & 0xffff)];
  it('gives encodePacket\'s bytes for every IP id (header checksum updated incrementally)', () => {
    for (const v of variants) {
      const { ipId: _id, ...fields } = v;
      const t = new AdvertTemplate(fields, 'packet');
      for (const id of ids) expect(t.packet(id).toString('hex')).toBe(encodePacket({ ...v, ipId: id }).toString('hex'));
      expect(decodeIpv4Header(t.packet(0xffff))).toMatchObject({ ok: true, header: { id: 0xffff } });
    }
  });
  it('an IPv6 message is encodeAdvert\'s (no IP id to patch)', () => {
    const f = { version: 3 as const, virtualRouterId: 51, priority: 150, adverIntMs: 1000, ipAddresses: ['fe80::1', '2001:db8::5'], src: 'fe80::11', dst: 'ff02::12' };
    const t = new AdvertTemplate(f, 'message');
    expect(t.packet(5).toString('hex')).toBe(encodeAdvert(f, { src: f.src, dst: f.dst }).toString('hex'));
  });
  it('each packet is a buffer of its own (one in flight is never changed by the next)', () => {
    const t = new AdvertTemplate({ version: 2, virtualRouterId: 51, priority: 150, adverIntMs: 1000, ipAddresses: [VIP], src: LB1, dst: GROUP }, 'packet');
    const a = t.packet(1);
    const b = t.packet(2);
    expect(a).not.toBe(b);
    expect(decodeIpv4Header(a)).toMatchObject({ ok: true, header: { id: 1 } });
  });
  it('refuses auth_type AH (its sequence number and ICV change with every advert)', () => {
    expect(() => new AdvertTemplate({ version: 2, virtualRouterId: 51, priority: 150, adverIntMs: 1000, ipAddresses: [VIP], authType: 'AH', authPass: 'x', src: LB1, dst: GROUP }, 'packet')).toThrow(RangeError);
  });
});
