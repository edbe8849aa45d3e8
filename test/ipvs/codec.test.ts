import * as C from '../../src/ipvs/constants';
import {
  decodeDest,
  decodeDestPayload,
  decodeInfo,
  decodeService,
  delDest,
  dumpDests,
  encodeGenlMessage,
  newDest,
  newService,
  parseGenl,
  parseNetlinkMessages,
  setConfig,
} from '../../src/ipvs/codec';
import { AttrWriter, parseAttrs } from '../../src/ipvs/attr';
import { IpvsService } from '../../src/ipvs/types';

const hex = (b: number[]): Buffer => Buffer.from(b);

// google/seesaw netlink/message_test.go nlmIPVSAddService (family 0x19, NEW_SERVICE, nested
// service with NLA_F_NESTED: AF_INET, TCP, 1.1.1.1 padded to 16 bytes, port bytes 50 00, "wlc",
// flags {0, 0xffffffff}, timeout 0, netmask 0xffffffff).
const nlmIPVSAddService = hex([
  0x68, 0x00, 0x00, 0x00, 0x19, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x01, 0x01, 0x00, 0x00, 0x54, 0x00, 0x01, 0x80, 0x06, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00,
  0x06, 0x00, 0x02, 0x00, 0x06, 0x00, 0x00, 0x00, 0x14, 0x00, 0x03, 0x00, 0x01, 0x01, 0x01, 0x01,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x00, 0x04, 0x00,
  0x50, 0x00, 0x00, 0x00, 0x08, 0x00, 0x06, 0x00, 0x77, 0x6c, 0x63, 0x00, 0x0c, 0x00, 0x07, 0x00,
  0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x08, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x08, 0x00, 0x09, 0x00, 0xff, 0xff, 0xff, 0xff,
]);

// Seesaw nlmIPVSService: a GET_SERVICE dump reply (UDP 1.2.3.4:53 rr, HASHED, with stats).
const nlmIPVSService = hex([
  0xc4, 0x00, 0x00, 0x00, 0x16, 0x00, 0x02, 0x00, 0xb0, 0xb3, 0xc8, 0x55, 0x79, 0x02, 0x00, 0x00,
  0x01, 0x01, 0x00, 0x00, 0xb0, 0x00, 0x01, 0x00, 0x06, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00,
  0x06, 0x00, 0x02, 0x00, 0x11, 0x00, 0x00, 0x00, 0x14, 0x00, 0x03, 0x00, 0x01, 0x02, 0x03, 0x04,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x00, 0x04, 0x00,
  0x35, 0x00, 0x00, 0x00, 0x07, 0x00, 0x06, 0x00, 0x72, 0x72, 0x00, 0x00, 0x0c, 0x00, 0x07, 0x00,
  0x02, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x08, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x08, 0x00, 0x09, 0x00, 0xff, 0xff, 0xff, 0xff, 0x5c, 0x00, 0x0a, 0x00, 0x08, 0x00, 0x01, 0x00,
  0x03, 0x00, 0x00, 0x00, 0x08, 0x00, 0x02, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x08, 0x00, 0x03, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x04, 0x00, 0x1a, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x0c, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x06, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x07, 0x00, 0x01, 0x00, 0x00, 0x00, 0x08, 0x00, 0x08, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x09, 0x00, 0x54, 0x00, 0x00, 0x00, 0x08, 0x00, 0x0a, 0x00,
  0x00, 0x00, 0x00, 0x00,
]);

// Seesaw nlmIPVSInfo: GET_INFO reply (cmd SET_INFO) version 1.2.1, conn table 4096.
const nlmIPVSInfo = hex([
  0x24, 0x00, 0x00, 0x00, 0x19, 0x00, 0x00, 0x00, 0xc6, 0x20, 0xc8, 0x55, 0x33, 0x28, 0x00, 0x00,
  0x0e, 0x01, 0x00, 0x00, 0x08, 0x00, 0x01, 0x00, 0x01, 0x02, 0x01, 0x00, 0x08, 0x00, 0x02, 0x00,
  0x00, 0x10, 0x00, 0x00,
]);

const svc: IpvsService = {
  key: { af: 4, protocol: 6, address: '1.1.1.1', port: 80 },
  scheduler: 'wlc',
  flags: 0,
  timeout: 0,
  netmask: 0xffffffff,
  destinations: [],
};

describe('IPVS codec', () => {
  test('constants match include/uapi/linux/ip_vs.h numbering', () => {
    expect([C.IPVS_CMD_NEW_SERVICE, C.IPVS_CMD_GET_DEST, C.IPVS_CMD_GET_CONFIG, C.IPVS_CMD_GET_INFO, C.IPVS_CMD_FLUSH]).toEqual([1, 8, 13, 15, 17]);
    expect([C.IPVS_SVC_ATTR_PE_NAME, C.IPVS_SVC_ATTR_STATS64, C.IPVS_DEST_ATTR_ADDR_FAMILY, C.IPVS_DEST_ATTR_TUN_FLAGS]).toEqual([11, 12, 11, 15]);
  });

  test("NEW_SERVICE is Seesaw's nlmIPVSAddService byte for byte", () => {
    // Seesaw marshals Port 0x5000 with its "network" tag, i.e. wire bytes 50 00 (port 20480).
    const req = newService({ ...svc, key: { af: 4, protocol: 6, address: '1.1.1.1', port: 0x5000 } });
    const bytes = encodeGenlMessage(0x19, req.cmd, C.IPVS_GENL_VERSION, { flags: 0, seq: 0, pid: 0 }, req.attrs);
    expect(bytes.toString('hex')).toBe(nlmIPVSAddService.toString('hex'));
  });

  test("decodes Seesaw's service dump reply with stats (HASHED stripped)", () => {
    const [m] = parseNetlinkMessages(nlmIPVSService);
    expect(m.flags & C.NLM_F_MULTI).toBe(C.NLM_F_MULTI);
    const s = decodeService(parseGenl(m.payload));
    // Seesaw's fixture holds port bytes 35 00, i.e. 0x3500 in network order (its want: Port 0x3500)
    expect(s.key).toEqual({ af: 4, protocol: 17, address: '1.2.3.4', port: 0x3500 });
    expect(s.scheduler).toBe('rr');
    expect(s.flags).toBe(0);
    expect(s.netmask).toBe(0xffffffff);
    expect(s.stats).toMatchObject({ conns: 3n, inpkts: 12n, outpkts: 0n, inbytes: 0x41an, inpps: 1n, inbps: 0x54n });
  });

  test("decodes Seesaw's GET_INFO reply", () => {
    const [m] = parseNetlinkMessages(nlmIPVSInfo);
    const g = parseGenl(m.payload);
    expect(g.cmd).toBe(C.IPVS_CMD_SET_INFO);
    expect(decodeInfo(g)).toEqual({ version: 0x010201, connTableSize: 4096 });
  });

  test('IPv4 persistence mask is a network-order be32; IPv6 a prefix length', () => {
    const v4 = newService({ ...svc, flags: 1, timeout: 300, netmask: 0xffffff00 });
    const m4 = parseGenl(encodeGenlMessage(0x19, v4.cmd, 1, { flags: 0, seq: 0, pid: 0 }, v4.attrs).subarray(16));
    const s4 = parseAttrs(m4.attrs.get(C.IPVS_CMD_ATTR_SERVICE)!);
    expect(s4.get(C.IPVS_SVC_ATTR_NETMASK)!.toString('hex')).toBe('ffffff00');
    const v6 = newService({ ...svc, key: { af: 6, protocol: 6, address: '2001:db8::1', port: 80 }, netmask: 64 });
    const m6 = parseGenl(encodeGenlMessage(0x19, v6.cmd, 1, { flags: 0, seq: 0, pid: 0 }, v6.attrs).subarray(16));
    const s6 = parseAttrs(m6.attrs.get(C.IPVS_CMD_ATTR_SERVICE)!);
    expect(s6.get(C.IPVS_SVC_ATTR_NETMASK)!.toString('hex')).toBe('40000000');
    expect(s6.get(C.IPVS_SVC_ATTR_ADDR)!.toString('hex')).toBe('20010db8000000000000000000000001');
    // round trip through the decoder (a reply has the same nest layout)
    expect(decodeService(m6)).toMatchObject({ key: { af: 6, address: '2001:db8::1', port: 80 }, netmask: 64 });
  });

  test('persistence engine: IPVS_SVC_ATTR_PE_NAME last, a NUL-terminated string (libipvs), only when set', () => {
    const sip = newService({ ...svc, flags: 1, timeout: 360, peName: 'sip' });
    const g = parseGenl(encodeGenlMessage(0x19, sip.cmd, 1, { flags: 0, seq: 0, pid: 0 }, sip.attrs).subarray(16));
    const a = parseAttrs(g.attrs.get(C.IPVS_CMD_ATTR_SERVICE)!);
    expect([...a.keys()].pop()).toBe(C.IPVS_SVC_ATTR_PE_NAME);
    expect(C.IPVS_SVC_ATTR_PE_NAME).toBe(11);
    expect(a.get(C.IPVS_SVC_ATTR_PE_NAME)!.toString('hex')).toBe('73697000');
    expect(decodeService(g).peName).toBe('sip');
    const none = newService(svc);
    const gn = parseGenl(encodeGenlMessage(0x19, none.cmd, 1, { flags: 0, seq: 0, pid: 0 }, none.attrs).subarray(16));
    expect(parseAttrs(gn.attrs.get(C.IPVS_CMD_ATTR_SERVICE)!).has(C.IPVS_SVC_ATTR_PE_NAME)).toBe(false);
    expect(decodeService(gn).peName).toBeUndefined();
  });

  test('destination: add carries fwd/weight/thresholds, delete only address and port', () => {
    const key = svc.key;
    const dest = { af: 4 as const, address: '10.0.1.2', port: 8080, forward: 'route' as const, weight: 7, upperThreshold: 100, lowerThreshold: 10 };
    const add = newDest(key, dest);
    const g = parseGenl(encodeGenlMessage(0x19, add.cmd, 1, { flags: 0, seq: 0, pid: 0 }, add.attrs).subarray(16));
    expect(g.cmd).toBe(C.IPVS_CMD_NEW_DEST);
    expect(decodeDest(g, 4)).toMatchObject(dest);
    // the listing's path: straight from the genetlink payload, the same destination
    const payload = encodeGenlMessage(0x19, add.cmd, 1, { flags: 0, seq: 0, pid: 0 }, add.attrs).subarray(16);
    expect(decodeDestPayload(payload, 4)).toEqual(decodeDest(g, 4));
    expect(() => decodeDestPayload(payload.subarray(0, 4), 4)).toThrow('IPVS reply without IPVS_CMD_ATTR_DEST');
    const del = delDest(key, { af: 4, address: '10.0.1.2', port: 8080 });
    const gd = parseGenl(encodeGenlMessage(0x19, del.cmd, 1, { flags: 0, seq: 0, pid: 0 }, del.attrs).subarray(16));
    expect([...parseAttrs(gd.attrs.get(C.IPVS_CMD_ATTR_DEST)!).keys()]).toEqual([C.IPVS_DEST_ATTR_ADDR, C.IPVS_DEST_ATTR_PORT]);
    expect(dumpDests({ af: 4, fwmark: 5 }).flags).toBe(C.NLM_F_DUMP);
  });

  test('SET_CONFIG sends only the timeouts given', () => {
    const r = setConfig({ tcp: 900, udp: 300 });
    const w = new AttrWriter();
    r.attrs!(w);
    const a = parseAttrs(w.bytes());
    expect([...a.keys()]).toEqual([C.IPVS_CMD_ATTR_TIMEOUT_TCP, C.IPVS_CMD_ATTR_TIMEOUT_UDP]);
  });

  test('several messages in one datagram are split', () => {
    const a = encodeGenlMessage(0x19, 1, 1, { flags: 0, seq: 7, pid: 1 }, newService(svc).attrs);
    const b = encodeGenlMessage(0x19, 15, 1, { flags: 0, seq: 8, pid: 1 });
    const ms = parseNetlinkMessages(Buffer.concat([a, b]));
    expect(ms.map((m) => m.seq)).toEqual([7, 8]);
  });
});
