import * as fs from 'fs';
import * as path from 'path';
import {
  ARPOP_REQUEST,
  createGarpSender,
  decodeArpFrame,
  encodeArpFrame,
  gratuitousArp,
  isGratuitous,
  LinkLookup,
  PacketNative,
} from '../../src/net/garp';
import { ok } from '../../src/net/errors';

const FIXTURES = path.resolve(__dirname, '../../../shared/fixtures/keepalived-2.2.7/hex');
const golden = Buffer.from(fs.readFileSync(path.join(FIXTURES, 'garp.frame.hex'), 'utf8').trim(), 'hex');

describe('gratuitous ARP codec (keepalived 2.2.7 golden frame)', () => {
  it('encodes the frame keepalived sent on entering MASTER, byte for byte', () => {
    const frame = encodeArpFrame(gratuitousArp('5e:9b:47:74:bc:c7', '192.168.77.200'));
    expect(frame.toString('hex')).toBe(golden.toString('hex'));
    expect(frame.length).toBe(42);
  });

  it('decodes the golden frame: request, sender IP = target IP = VIP, broadcast target MAC', () => {
    const d = decodeArpFrame(golden);
    if (!d.ok) throw new Error(d.reason);
    expect(d.frame).toEqual({
      destination: 'ff:ff:ff:ff:ff:ff',
      source: '5e:9b:47:74:bc:c7',
      opcode: ARPOP_REQUEST,
      senderMac: '5e:9b:47:74:bc:c7',
      senderIp: '192.168.77.200',
      targetMac: 'ff:ff:ff:ff:ff:ff',
      targetIp: '192.168.77.200',
    });
    expect(isGratuitous(d.frame)).toBe(true);
  });

  it('ignores Ethernet padding to the 60-byte minimum', () => {
    const padded = Buffer.concat([golden, Buffer.alloc(18)]);
    const d = decodeArpFrame(padded);
    expect(d.ok && d.frame.targetIp).toBe('192.168.77.200');
  });

  it.each([
    ['truncated', golden.subarray(0, 41), /too short/],
    ['IPv4 EtherType', Buffer.concat([golden.subarray(0, 12), Buffer.from([0x08, 0x00]), golden.subarray(14)]), /not ARP/],
    ['hardware length 8', Buffer.concat([golden.subarray(0, 18), Buffer.from([8]), golden.subarray(19)]), /not Ethernet\/IPv4/],
  ])('rejects a %s frame with a reason', (_name, buf, reason) => {
    const d = decodeArpFrame(buf);
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.reason).toMatch(reason);
  });

  it('a reply for another address is not gratuitous', () => {
    const d = decodeArpFrame(encodeArpFrame({ ...gratuitousArp('02:00:00:00:00:01', '10.0.0.1'), opcode: 2, targetIp: '10.0.0.2' }));
    expect(d.ok && isGratuitous(d.frame)).toBe(false);
  });

  it('refuses to encode malformed addresses', () => {
    expect(() => encodeArpFrame(gratuitousArp('02:00:00:00:01', '10.0.0.1'))).toThrow(/MAC/);
    expect(() => encodeArpFrame(gratuitousArp('02:00:00:00:00:01', '10.0.0.256'))).toThrow(/IPv4/);
  });
});

describe('GARP sender (fake link lookup and fake frame sink)', () => {
  const lookup: LinkLookup = {
    query: async (name) => ok(name === 'eth0' ? { index: 7, mac: '02:00:00:00:00:01' } : null),
  };
  function sink(fail?: Error) {
    const sent: Array<{ ifindex: number; frame: Buffer }> = [];
    const opened: number[] = [];
    const closed: number[] = [];
    const native: PacketNative = {
      openPacketSocket: () => (opened.push(40 + opened.length), opened[opened.length - 1]),
      sendFrame(fd, ifindex, frame) {
        if (fail) throw fail;
        expect(opened).toContain(fd);
        sent.push({ ifindex, frame });
        return frame.length;
      },
      closePacketSocket: (fd) => void closed.push(fd),
    };
    return { sent, opened, closed, native: () => native };
  }

  it('sends repeat rounds of one frame per VIP, back to back', async () => {
    const { sent, native } = sink();
    const g = createGarpSender(lookup, native);
    const r = await g.announce({ ifname: 'eth0', vips: ['10.0.0.1', '10.0.0.2'], repeat: 3 });
    expect(r).toEqual({ ok: true, value: 6 });
    expect(sent.map((s) => s.ifindex)).toEqual([7, 7, 7, 7, 7, 7]);
    const targets = sent.map((s) => { const d = decodeArpFrame(s.frame); return d.ok ? d.frame.targetIp : '?'; });
    expect(targets).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.1', '10.0.0.2', '10.0.0.1', '10.0.0.2']);
  });

  it('opens one packet socket on first use, keeps it across announcements, closes it once', async () => {
    const { sent, opened, closed, native } = sink();
    const g = createGarpSender(lookup, native);
    expect(opened).toEqual([]);
    await g.announce({ ifname: 'eth0', vips: ['10.0.0.1'], repeat: 2 });
    await g.announce({ ifname: 'eth0', vips: ['10.0.0.2'], repeat: 1 });
    expect(sent).toHaveLength(3);
    expect(opened).toEqual([40]);
    g.close();
    g.close();
    expect(closed).toEqual([40]);
  });

  it('reports an unknown interface as ENODEV', async () => {
    const r = await createGarpSender(lookup, sink().native).announce({ ifname: 'nope0', vips: ['10.0.0.1'], repeat: 1 });
    expect(!r.ok && r.error.message).toBe('ENODEV sending gratuitous ARP on nope0');
  });

  it('carries the errno name of a failed send with the operation', async () => {
    const e = Object.assign(new Error('sendto: ENETDOWN (Network is down)'), { code: 'ENETDOWN' });
    const r = await createGarpSender(lookup, sink(e).native).announce({ ifname: 'eth0', vips: ['10.0.0.1'], repeat: 2 });
    expect(!r.ok && r.error.message).toBe('ENETDOWN sending gratuitous ARP on eth0 for 10.0.0.1');
  });

  it('refuses what is not an IP address', async () => {
    const r = await createGarpSender(lookup, sink().native).announce({ ifname: 'eth0', vips: ['eth0'], repeat: 1 });
    expect(!r.ok && r.error.code).toBe('EAFNOSUPPORT');
  });

  it('sends an unsolicited neighbour advert for an IPv6 VIP, with the router flag when the interface forwards', async () => {
    for (const router of [false, true]) {
      const s = sink();
      const r = await createGarpSender(lookup, s.native, () => router).announce({ ifname: 'eth0', vips: ['10.0.0.1', '2001:db8::1'], repeat: 1 });
      expect(r).toEqual({ ok: true, value: 2 });
      expect(s.sent.map((f) => f.frame.readUInt16BE(12))).toEqual([0x0806, 0x86dd]);
      const na = s.sent[1].frame;
      expect(na[14 + 40]).toBe(136);
      expect(na[14 + 40 + 4]).toBe(router ? 0xa0 : 0x20);
    }
  });
});
