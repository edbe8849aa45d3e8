/**
 * VRRPv3-MIB rows (keepalived 2.2.7's choices) and the AgentX PDU handling, without snmpd:
 * requests built byte by byte as RFC 2741 §6 lays them out, in both byte orders.
 */
import { AgentxSubagent, answer, decodePdu, parseSnmpSocket, pduLength, PduType } from '../../src/daemon/snmp/agentx';
import { servedPlan, snmpAtReload, snmpPlan, type SnmpPlan } from '../../src/daemon/snmp/plan';
import { compareOids, getNext, SnmpType, Vrrpv3Instance, vrrpv3Varbinds } from '../../src/daemon/snmp/vrrpv3-mib';
import { VRRP_MIB_OBJECTS, vrrpMibVarbinds } from '../../src/daemon/snmp/vrrp-mib';
import { dropNotifications, newMasterNotifications } from '../../src/daemon/snmp/traps';
import { defaultGlobalDefs } from '../../src/config/build-global';
import { createServer, Server, Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MIB = '1.3.6.1.2.1.207';

function inst(o: Partial<Vrrpv3Instance> = {}): Vrrpv3Instance {
  return {
    name: 'VI_1', ifIndex: 3, vrid: 51, state: 'MASTER', primaryAddress: '192.168.77.11', srcAddress: '192.168.77.11', lastMasterAddress: null, mac: '1e:b3:5b:23:ec:be',
    basePriority: 150, vips: ['192.168.77.200', '192.168.77.201'], advertIntMs: 1000, preempt: true, accept: true,
    startedAtMs: 0, becameMaster: 1, masterReason: 'masterNoResponse', advertsReceived: 0, priorityZeroReceived: 0,
    priorityZeroSent: 0, drops: {}, version: 3, authType: 'NONE', heardMaster: null, ...o,
  };
}

const find = (vbs: ReturnType<typeof vrrpv3Varbinds>, oid: string) => vbs.find((v) => v.oid.join('.') === oid);

describe('VRRPv3-MIB rows', () => {
  it('one operations row per instance with a VIP, indexed ifIndex.vrid.1, sorted, with keepalived values', () => {
    const vbs = vrrpv3Varbinds([inst({ vrid: 52, state: 'BACKUP', lastMasterAddress: '192.168.77.12', preempt: false, advertIntMs: 500, vips: ['192.168.77.210'] }), inst(), inst({ vrid: 60, vips: [] })], 4409_0);
    for (let i = 1; i < vbs.length; i++) expect(compareOids(vbs[i - 1].oid, vbs[i].oid)).toBeLessThan(0);
    expect(vbs.filter((v) => v.oid.join('.').startsWith(`${MIB}.1.1.1.1.6.`)).map((v) => v.oid.slice(-3).join('.'))).toEqual(['3.51.1', '3.52.1']);
    expect(find(vbs, `${MIB}.1.1.1.1.3.3.51.1`)).toEqual({ oid: expect.any(Array), type: SnmpType.OctetString, value: Buffer.from([192, 168, 77, 11]) });
    expect(find(vbs, `${MIB}.1.1.1.1.3.3.52.1`)!.value).toEqual(Buffer.from([192, 168, 77, 12]));
    expect(find(vbs, `${MIB}.1.1.1.1.5.3.51.1`)!.value).toEqual(Buffer.from([0x1e, 0xb3, 0x5b, 0x23, 0xec, 0xbe]));
    expect(find(vbs, `${MIB}.1.1.1.1.6.3.52.1`)!.value).toBe(2);
    expect(find(vbs, `${MIB}.1.1.1.1.7.3.51.1`)).toMatchObject({ type: SnmpType.Gauge32, value: 150 });
    expect(find(vbs, `${MIB}.1.1.1.1.8.3.51.1`)!.value).toBe(2);
    expect(find(vbs, `${MIB}.1.1.1.1.9.3.52.1`)!.value).toBe(50);
    expect(find(vbs, `${MIB}.1.1.1.1.10.3.52.1`)!.value).toBe(2);
    expect(find(vbs, `${MIB}.1.1.1.1.12.3.51.1`)).toMatchObject({ type: SnmpType.TimeTicks, value: 4409 });
    expect(find(vbs, `${MIB}.1.1.2.1.2.3.51.1.192.168.77.201`)).toMatchObject({ type: SnmpType.Integer, value: 1 });
    expect(find(vbs, `${MIB}.1.2.5.1.13.3.52.1`)).toMatchObject({ type: SnmpType.Gauge32, value: 500 });
    expect(vbs.some((v) => v.oid.includes(60))).toBe(false);
  });

  it('MasterIpAddr is 0.0.0.0 before any master; UpTime is 0 outside BACKUP/MASTER', () => {
    const vbs = vrrpv3Varbinds([inst({ state: 'FAULT', lastMasterAddress: null })], 5000);
    expect(find(vbs, `${MIB}.1.1.1.1.3.3.51.1`)!.value).toEqual(Buffer.from([0, 0, 0, 0]));
    expect(find(vbs, `${MIB}.1.1.1.1.6.3.51.1`)!.value).toBe(1);
    expect(find(vbs, `${MIB}.1.1.1.1.12.3.51.1`)!.value).toBe(0);
  });

  it('an IPv6 instance is a row indexed with InetVersion ipv6 (2), its addresses 16 bytes', () => {
    const vbs = vrrpv3Varbinds([inst({ primaryAddress: 'fe80::1', vips: ['fe80::77:200'], state: 'BACKUP', lastMasterAddress: null })], 5000);
    expect(find(vbs, `${MIB}.1.1.1.1.4.3.51.2`)!.value).toEqual(Buffer.from([0xfe, 0x80, ...new Array(13).fill(0), 1]));
    expect(find(vbs, `${MIB}.1.1.1.1.3.3.51.2`)!.value).toEqual(Buffer.alloc(16));
    expect(find(vbs, `${MIB}.1.1.1.1.8.3.51.2`)!.value).toBe(1);
  });

  it('counts halo drop reasons as keepalived counts its errors', () => {
    const drops = { 'bad-checksum': 2, 'version-mismatch': 1, 'bad-version': 1, 'vrid-mismatch': 0, 'bad-ttl': 3, 'adver-int-mismatch': 4, 'bad-type': 5, 'addr-count-mismatch': 6, 'bad-length': 7 };
    const vbs = vrrpv3Varbinds([inst({ drops, advertsReceived: 9, priorityZeroReceived: 1, priorityZeroSent: 2, masterReason: 'priority' })], 0);
    const v = (s: string) => find(vbs, `${MIB}.${s}`)!.value;
    expect(v('1.2.1.0')).toBe(2n);
    expect(v('1.2.2.0')).toBe(2n);
    expect(v('1.2.3.0')).toBe(0n);
    expect(v('1.2.5.1.2.3.51.1')).toBe(1);
    expect(v('1.2.5.1.3.3.51.1')).toBe(9n);
    expect(v('1.2.5.1.4.3.51.1')).toBe(4n);
    expect(v('1.2.5.1.5.3.51.1')).toBe(3n);
    expect(v('1.2.5.1.6.3.51.1')).toBe(3); // checksumError
    expect(v('1.2.5.1.7.3.51.1')).toBe(1n);
    expect(v('1.2.5.1.8.3.51.1')).toBe(2n);
    expect(v('1.2.5.1.9.3.51.1')).toBe(5n);
    expect(v('1.2.5.1.10.3.51.1')).toBe(6n);
    expect(v('1.2.5.1.11.3.51.1')).toBe(7n);
  });

  it('getNext honours include and the end of the search range', () => {
    const vbs = vrrpv3Varbinds([inst()], 0);
    const first = vbs[0].oid;
    expect(getNext(vbs, [1, 3, 6, 1, 2, 1, 207], false, null)!.oid).toEqual(first);
    expect(getNext(vbs, first, true, null)!.oid).toEqual(first);
    expect(getNext(vbs, first, false, null)!.oid).toEqual(vbs[1].oid);
    expect(getNext(vbs, first, false, vbs[1].oid)).toBeNull();
    expect(getNext(vbs, vbs[vbs.length - 1].oid, false, null)).toBeNull();
  });
});

describe('VRRP-MIB (RFC 2787) rows', () => {
  const V2 = '1.3.6.1.2.1.68';
  const v2 = (o: Partial<Vrrpv3Instance> = {}) => inst({ version: 2, ...o });

  it('rows only for VRRP version 2 IPv4 instances with a VIP, indexed ifIndex.vrid, with keepalived values', () => {
    const vbs = vrrpMibVarbinds([
      v2({ vrid: 53, state: 'BACKUP', heardMaster: '192.168.77.12', authType: 'PASS', advertIntMs: 1500, preempt: false, startedAtMs: 1_230, vips: ['192.168.77.220'] }),
      v2(),
      v2({ vrid: 50, ifIndex: 4, authType: 'AH' }),
      inst({ vrid: 54 }), // version 3: VRRPv3-MIB's
      v2({ vrid: 55, vips: [] }),
      v2({ vrid: 56, primaryAddress: 'fe80::1', vips: ['fe80::56'] }),
    ], 1_000);
    for (let i = 1; i < vbs.length; i++) expect(compareOids(vbs[i - 1].oid, vbs[i].oid)).toBeLessThan(0);
    const v = (o: string) => find(vbs, `${V2}.${o}`);
    // keepalived's tables: the lowest (ifIndex, VRID) row only, reached by GetNext only
    expect(vbs.filter((b) => b.oid.join('.').startsWith(`${V2}.1.3.1.3.`)).map((b) => b.oid.slice(-2).join('.'))).toEqual(['3.51']);
    expect(vbs.filter((b) => b.oid.join('.').startsWith(`${V2}.2.4.1.`)).every((b) => b.nextOnly && b.oid.slice(-2).join('.') === '3.51')).toBe(true);
    expect(v('1.1.0')).toMatchObject({ type: SnmpType.Integer, value: 2 });
    expect(v('1.2.0')).toMatchObject({ type: SnmpType.Integer, value: 2 });
    expect(v('1.3.1.2.3.51')!.value).toEqual(Buffer.from([0x1e, 0xb3, 0x5b, 0x23, 0xec, 0xbe]));
    expect(v('1.3.1.3.3.51')!.value).toBe(3);
    expect(v('1.3.1.5.3.51')!.value).toBe(150);
    expect(v('1.3.1.6.3.51')!.value).toBe(2);
    // the master's own address is not its "master address": 0.0.0.0 until an advert is heard
    expect(v('1.3.1.7.3.51')).toEqual({ oid: expect.any(Array), type: SnmpType.IpAddress, value: Buffer.from([0, 0, 0, 0]), nextOnly: true });
    expect(v('1.3.1.8.3.51')!.value).toEqual(Buffer.from([192, 168, 77, 11]));
    expect(v('1.3.1.9.3.51')!.value).toBe(1);
    expect(v('1.3.1.10.3.51')).toBeUndefined(); // vrrpOperAuthKey: never readable
    expect(v('1.3.1.11.3.51')!.value).toBe(1);
    expect(v('1.3.1.12.3.51')!.value).toBe(1);
    expect(v('1.3.1.13.3.51')).toMatchObject({ type: SnmpType.TimeTicks, value: 0 });
    // every row's addresses are associated, ordered by index
    expect(vbs.filter((b) => b.oid.join('.').startsWith(`${V2}.1.4.1.2.`)).map((b) => b.oid.slice(-6).join('.'))).toEqual(
      ['3.51.192.168.77.200', '3.51.192.168.77.201', '3.53.192.168.77.220', '4.50.192.168.77.200', '4.50.192.168.77.201']);
    expect(v('2.4.1.1.3.51')).toMatchObject({ type: SnmpType.Counter32, value: 1 });
    expect(vbs.some((b) => [54, 55, 56].includes(b.oid[b.oid.length - 1]))).toBe(false);
    // a Get of a table object finds nothing, as in keepalived; a GetNext from the column reaches it
    const col = [1, 3, 6, 1, 2, 1, 68, 1, 3, 1, 3];
    // (noSuchInstance: the object is registered; noSuchObject: vrrpOperTable has no column 16)
    expect(answer(decodePdu(request(PduType.Get, [{ start: [...col, 3, 51] }, { start: [1, 3, 6, 1, 2, 1, 68, 1, 3, 1, 16, 3, 51] }])), vbs, VRRP_MIB_OBJECTS).map((b) => b.type)).toEqual([129, 128]);
    expect(answer(decodePdu(request(PduType.GetNext, [{ start: col }])), vbs)[0]).toMatchObject({ oid: [...col, 3, 51].join('.'), value: 3 });
    expect(answer(decodePdu(request(PduType.Get, [{ start: [1, 3, 6, 1, 2, 1, 68, 1, 1, 0] }])), vbs)[0]).toMatchObject({ value: 2 });
  });

  it("a BACKUP's row shows the master it hears, its authentication and whole-second interval", () => {
    const vbs = vrrpMibVarbinds([v2({ vrid: 53, state: 'BACKUP', heardMaster: '192.168.77.12', authType: 'PASS', advertIntMs: 1500, preempt: false, startedAtMs: 1_230 })], 1_000);
    const v = (o: string) => find(vbs, `${V2}.${o}.3.53`)!.value;
    expect(v('1.3.1.3')).toBe(2);
    expect(v('1.3.1.7')).toEqual(Buffer.from([192, 168, 77, 12]));
    expect(v('1.3.1.9')).toBe(2);
    expect(v('1.3.1.11')).toBe(1);
    expect(v('1.3.1.12')).toBe(2);
    expect(v('1.3.1.13')).toBe(23);
  });

  it('counts halo drop reasons as keepalived counts its errors, in Counter32', () => {
    const drops = { 'bad-checksum': 2, 'version-mismatch': 1, 'vrid-mismatch': 4, 'auth-mismatch': 3, 'ah-bad-icv': 1, 'bad-auth-type': 5, 'auth-type-mismatch': 6, 'too-short': 7 };
    // (the error scalars total every row, the lower one included)
    const vbs = vrrpMibVarbinds([v2({ drops, priorityZeroSent: 2 }), v2({ vrid: 52, drops: { 'bad-checksum': 1 } })], 0);
    const v = (o: string) => find(vbs, `${V2}.${o}`)!.value;
    expect(v('2.1.0')).toBe(3);
    expect(v('2.2.0')).toBe(1);
    expect(v('2.3.0')).toBe(4);
    expect(v('2.4.1.4.3.51')).toBe(4);
    expect(v('2.4.1.7.3.51')).toBe(2);
    expect(v('2.4.1.10.3.51')).toBe(5);
    expect(v('2.4.1.11.3.51')).toBe(6);
    expect(v('2.4.1.12.3.51')).toBe(7);
    expect(find(vbs, `${V2}.2.4.1.12.3.51`)!.type).toBe(SnmpType.Counter32);
  });

  it('an IpAddress goes on the wire as an Octet String of its 4 bytes (RFC 2741 §5.4)', () => {
    const vbs = vrrpMibVarbinds([v2({ heardMaster: '192.168.77.12' })], 0);
    const mip = vbs.find((b) => b.oid.join('.') === `${V2}.1.3.1.7.3.51`)!;
    const resp = answer(decodePdu(request(PduType.GetNext, [{ start: mip.oid.slice(0, -2) }])), vbs);
    expect(resp[0].oid).toBe(mip.oid.join('.'));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { AgentXPdu } = require('net-snmp') as { AgentXPdu: { createFromVariables(v: Record<string, unknown>): { toBuffer(): Buffer } } };
    const bytes = AgentXPdu.createFromVariables({ pduType: PduType.Response, sessionID: 1, transactionID: 2, packetID: 3, varbinds: resp }).toBuffer();
    // varbind: type 64, reserved, OID (8 sub-ids after prefix 2: 1.68.1.3.1.7.3.51), then length 4 and the bytes
    const vb = bytes.subarray(28);
    expect(vb.readUInt16BE(0)).toBe(64);
    expect([...vb.subarray(4, 8)]).toEqual([8, 2, 0, 0]);
    expect([...vb.subarray(vb.length - 8)]).toEqual([0, 0, 0, 4, 192, 168, 77, 12]);
  });
});

describe('enable_traps notifications (keepalived 2.2.7)', () => {
  const oids = (n: ReturnType<typeof newMasterNotifications>[number]) => n.map((v) => `${v.oid.join('.')}=${Buffer.isBuffer(v.value) ? [...v.value].join('.') : String(v.value)}`);

  it('a version 2 instance: vrrpTrapNewMaster (VRRP-MIB) and vrrpv3NotifyNewMaster (VRRPv3-MIB), each under its switch', () => {
    const i = inst({ version: 2, srcAddress: '192.168.77.21', masterReason: 'masterNoResponse' });
    const both = newMasterNotifications(i, { rfcv2: true, rfcv3: true });
    expect(both.map(oids)).toEqual([
      ['1.3.6.1.6.3.1.1.4.1.0=1.3.6.1.2.1.68.0.1', '1.3.6.1.2.1.68.1.3.1.7.3.51=192.168.77.21'],
      ['1.3.6.1.6.3.1.1.4.1.0=1.3.6.1.2.1.207.0.1', '1.3.6.1.2.1.207.1.1.1.1.3.3.51.1=192.168.77.21', '1.3.6.1.2.1.207.1.2.5.1.2.3.51.1=3'],
    ]);
    expect(both[0][1].type).toBe(SnmpType.IpAddress);
    expect(both[1][1].type).toBe(SnmpType.OctetString);
    expect(newMasterNotifications(i, { rfcv2: false, rfcv3: true })).toHaveLength(1);
    expect(newMasterNotifications(i, { rfcv2: true, rfcv3: false })).toHaveLength(1);
  });

  it('a version 3 or IPv6 instance is not in VRRP-MIB; an instance without a VIP sends nothing', () => {
    expect(newMasterNotifications(inst({ version: 3 }), { rfcv2: true, rfcv3: false })).toEqual([]);
    expect(newMasterNotifications(inst({ version: 2, vips: [] }), { rfcv2: true, rfcv3: true })).toEqual([]);
    const v6 = newMasterNotifications(inst({ primaryAddress: 'fe80::1', srcAddress: 'fe80::1', vips: ['fd00::1'], masterReason: 'priority' }), { rfcv2: true, rfcv3: true });
    expect(v6).toHaveLength(1);
    expect(v6[0][1].oid.slice(-3)).toEqual([3, 51, 2]);
    expect(v6[0][2].value).toBe(1);
  });

  it('rejected adverts: vrrpTrapAuthFailure by auth error, vrrpv3NotifyProtoError by protocol error', () => {
    const i = inst({ version: 2, authType: 'PASS' });
    const both = { rfcv2: true, rfcv3: true };
    expect(dropNotifications(i, 'auth-mismatch', '192.168.77.12', both).map(oids)).toEqual([
      ['1.3.6.1.6.3.1.1.4.1.0=1.3.6.1.2.1.68.0.2', '1.3.6.1.2.1.68.1.5.3.51=192.168.77.12', '1.3.6.1.2.1.68.1.6.3.51=3'],
    ]);
    expect(dropNotifications(i, 'auth-type-mismatch', '192.168.77.12', both)[0][2].value).toBe(2);
    expect(dropNotifications(i, 'ah-bad-icv', '192.168.77.12', both)[0][2].value).toBe(3);
    expect(dropNotifications(i, 'version-mismatch', '192.168.77.12', both).map(oids)).toEqual([
      ['1.3.6.1.6.3.1.1.4.1.0=1.3.6.1.2.1.207.0.2', '1.3.6.1.2.1.207.1.2.5.1.6.3.51.1=2'],
    ]);
    expect(dropNotifications(i, 'bad-ttl', '192.168.77.12', both)[0][1].value).toBe(1);
    // other reasons, a switch off, or a decoding error (no source: not matched to its instance) send nothing
    expect(dropNotifications(i, 'addr-list-mismatch', '192.168.77.12', both)).toEqual([]);
    expect(dropNotifications(i, 'auth-mismatch', '192.168.77.12', { rfcv2: false, rfcv3: true })).toEqual([]);
    expect(dropNotifications(i, 'bad-checksum', undefined, both)).toEqual([]);
  });

  it('goes out as one AgentX Notify PDU once the session is registered; one asked for before the first registration waits for it', async () => {
    dirNotify = mkdtempSync(join(tmpdir(), 'halo-agentx-'));
    const path = join(dirNotify, 'master');
    const seen: Buffer[] = [];
    let notifies = 0;
    let twoSeen: () => void = () => undefined;
    const two = new Promise<void>((r) => { twoSeen = r; });
    const notified = new Promise<Buffer>((resolve) => {
      serverNotify = scriptedMaster(path, (pdu, c) => {
        seen.push(pdu);
        if (pdu[1] === PduType.Notify) {
          resolve(pdu);
          if (++notifies === 2) twoSeen();
        } else c.write(response(pdu, 5));
      });
    });
    const agent = new AgentxSubagent({ socket: `unix:${path}`, subtrees: [[1, 3, 6, 1, 2, 1, 68]], description: 'test', varbinds: () => [], log: { info: () => undefined, warning: () => undefined } }, { path });
    const [trap] = newMasterNotifications(inst({ version: 2 }), { rfcv2: true, rfcv3: false });
    // before the first session: held (keepalived's agent is connected before its daemon starts)
    expect(agent.notify(trap)).toBe(true);
    agent.start();
    await agent.registeredOnce();
    expect(agent.notify(trap)).toBe(true);
    const pdu = await notified;
    expect(pdu.readUInt32BE(4)).toBe(5); // the session's id
    // first varbind: type OBJECT IDENTIFIER (6), name snmpTrapOID.0 (1.3.6.1.6.3.1.1.4.1.0: prefix 6, 6 sub-ids)
    expect(pdu.readUInt16BE(20)).toBe(6);
    expect([...pdu.subarray(24, 28)]).toEqual([6, 6, 0, 0]);
    await two;
    expect(seen.filter((p) => p[1] === 12)).toHaveLength(2);
    agent.stop();
    // a stopped agent drops
    expect(agent.notify(trap)).toBe(false);
  });
});

let dirNotify: string | undefined;
let serverNotify: Server | undefined;
afterAll(() => {
  serverNotify?.close();
  if (dirNotify) rmSync(dirNotify, { recursive: true, force: true });
});

/** A master's Response (no varbinds) to `req`, in network byte order. */
function response(req: Buffer, sessionID: number): Buffer {
  const h = Buffer.alloc(28);
  h.writeUInt8(1, 0);
  h.writeUInt8(PduType.Response, 1);
  h.writeUInt8(0x10, 2);
  h.writeUInt32BE(sessionID, 4);
  h.writeUInt32BE(req.readUInt32BE(8), 8);
  h.writeUInt32BE(req.readUInt32BE(12), 12);
  h.writeUInt32BE(8, 16);
  return h;
}

/** An AgentX master on a unix socket that hands each whole PDU it reads to `onPdu`. */
function scriptedMaster(path: string, onPdu: (pdu: Buffer, c: Socket) => void): Server {
  return createServer((c) => {
    let buf = Buffer.alloc(0);
    c.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      let n: number;
      while ((n = pduLength(buf)) > 0) {
        const pdu = buf.subarray(0, n);
        buf = buf.subarray(n);
        onPdu(pdu, c);
      }
    });
  }).listen(path);
}

/** A request PDU as RFC 2741 §6.1/§5.2 lays it out. */
function request(type: PduType, ranges: Array<{ start: number[]; include?: boolean; end?: number[] }>, o: { be?: boolean; bulk?: [number, number] } = {}): Buffer {
  const be = o.be ?? true;
  const parts: Buffer[] = [];
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    if (be) b.writeUInt32BE(n);
    else b.writeUInt32LE(n);
    return b;
  };
  const oid = (ids: number[], include = false) => {
    const prefixed = ids.length >= 5 && ids.slice(0, 4).join('.') === '1.3.6.1';
    const rest = prefixed ? ids.slice(5) : ids;
    return Buffer.concat([Buffer.from([rest.length, prefixed ? ids[4] : 0, include ? 1 : 0, 0]), ...rest.map(u32)]);
  };
  if (o.bulk) {
    const b = Buffer.alloc(4);
    if (be) {
      b.writeUInt16BE(o.bulk[0]);
      b.writeUInt16BE(o.bulk[1], 2);
    } else {
      b.writeUInt16LE(o.bulk[0]);
      b.writeUInt16LE(o.bulk[1], 2);
    }
    parts.push(b);
  }
  for (const r of ranges) parts.push(oid(r.start, r.include), oid(r.end ?? []));
  const payload = Buffer.concat(parts);
  const header = Buffer.concat([Buffer.from([1, type, be ? 0x10 : 0, 0]), u32(7), u32(8), u32(9), u32(payload.length)]);
  return Buffer.concat([header, payload]);
}

describe('AgentX PDUs', () => {
  const vbs = vrrpv3Varbinds([inst(), inst({ vrid: 52 })], 0);
  const root = [1, 3, 6, 1, 2, 1, 207];

  it('decodes GetNext in network and in host byte order alike', () => {
    for (const be of [true, false]) {
      const d = decodePdu(request(PduType.GetNext, [{ start: root, end: [1, 3, 6, 1, 2, 1, 208] }], { be }));
      expect(d).toMatchObject({ type: PduType.GetNext, sessionID: 7, transactionID: 8, packetID: 9 });
      expect(d.ranges).toEqual([{ start: root, include: false, end: [1, 3, 6, 1, 2, 1, 208] }]);
    }
  });

  it('frames PDUs split across reads and several in one read', () => {
    const a = request(PduType.Get, [{ start: vbs[0].oid }]);
    const b = request(PduType.GetNext, [{ start: root }], { be: false });
    expect(pduLength(a.subarray(0, 19))).toBe(0);
    expect(pduLength(a.subarray(0, a.length - 1))).toBe(0);
    expect(pduLength(Buffer.concat([a, b]))).toBe(a.length);
    expect(pduLength(b)).toBe(b.length);
  });

  it('answers Get, GetNext and GetBulk (non-repeaters, repetitions, end of view)', () => {
    const get = answer(decodePdu(request(PduType.Get, [{ start: vbs[1].oid }, { start: [...root, 9] }])), vbs);
    expect(get[0]).toEqual({ oid: vbs[1].oid.join('.'), type: vbs[1].type, value: vbs[1].value });
    expect(get[1].type).toBe(128); // noSuchObject
    const next = answer(decodePdu(request(PduType.GetNext, [{ start: root }, { start: vbs[vbs.length - 1].oid }])), vbs);
    expect(next.map((v) => v.oid)).toEqual([vbs[0].oid.join('.'), vbs[vbs.length - 1].oid.join('.')]);
    expect(next[1].type).toBe(130); // endOfMibView
    const bulk = answer(decodePdu(request(PduType.GetBulk, [{ start: root }, { start: root }], { bulk: [1, 3] })), vbs);
    expect(bulk.map((v) => v.oid)).toEqual([vbs[0], vbs[0], vbs[1], vbs[2]].map((v) => v.oid.join('.')));
  });

  it('parses keepalived snmp_socket addresses', () => {
    expect(parseSnmpSocket('unix:/var/agentx/master')).toEqual({ path: '/var/agentx/master' });
    expect(parseSnmpSocket('/run/agentx.sock')).toEqual({ path: '/run/agentx.sock' });
    expect(parseSnmpSocket('tcp:127.0.0.1:705')).toEqual({ host: '127.0.0.1', port: 705 });
    expect(parseSnmpSocket('localhost:705')).toEqual({ host: 'localhost', port: 705 });
    expect(parseSnmpSocket('udp:127.0.0.1:705')).toBeNull();
  });

  it('reads keepalived SNMP switches', () => {
    const g = defaultGlobalDefs();
    expect(snmpPlan(g)).toEqual({ rfcv3: false, rfcv2: false, keepalived: false, checker: false, traps: false, socket: 'unix:/var/agentx/master' });
    g.enableSnmpRfcv3 = true;
    g.snmpSocket = 'tcp:127.0.0.1:705';
    const p = snmpPlan(g);
    expect(p.rfcv3).toBe(true);
    expect(p.socket).toBe('tcp:127.0.0.1:705');
    expect(p.rfcv2).toBe(false);
    g.enableSnmpVrrp = true;
    expect(snmpPlan(g).keepalived).toBe(true);
    expect(snmpPlan(g).checker).toBe(false);
    g.enableSnmpChecker = true;
    expect(snmpPlan(g).checker).toBe(true);
  });
});

describe('AgentX session against a scripted master', () => {
  let dir: string;
  let server: Server;
  afterEach(() => {
    server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('opens, registers each subtree, answers a GetNext with binary octets, and closes', async () => {
    dir = mkdtempSync(join(tmpdir(), 'halo-agentx-'));
    const path = join(dir, 'master');
    const seen: Buffer[] = [];
    let conn!: Socket;
    const got = new Promise<Buffer>((resolve) => {
      server = scriptedMaster(path, (pdu, c) => {
        conn = c;
        seen.push(pdu);
        if (pdu[1] === PduType.Open) c.write(response(pdu, 42));
        else if (pdu[1] === PduType.Register && seen.filter((q) => q[1] === PduType.Register).length === 1) c.write(response(pdu, 42));
        else if (pdu[1] === PduType.Register) {
          c.write(response(pdu, 42));
          // one GetNext split over two writes
          const req = request(PduType.GetNext, [{ start: [1, 3, 6, 1, 2, 1, 207] }]);
          c.write(req.subarray(0, 10));
          setTimeout(() => c.write(req.subarray(10)), 20);
        } else if (pdu[1] === PduType.Response) resolve(pdu);
      });
    });
    const logs: string[] = [];
    const agent = new AgentxSubagent(
      { socket: `unix:${path}`, subtrees: [[1, 3, 6, 1, 2, 1, 68], [1, 3, 6, 1, 2, 1, 207]], description: 'test', varbinds: () => vrrpv3Varbinds([inst()], 0), log: { info: (m) => logs.push(m), warning: (m) => logs.push(m) } },
      { path },
    );
    agent.start();
    await agent.registeredOnce();
    const resp = await got;
    expect(logs).toContain('AgentX subagent connected');
    expect(seen[0][1]).toBe(PduType.Open);
    expect(seen[1][1]).toBe(PduType.Register);
    expect(seen[1].readUInt32BE(4)).toBe(42);
    // Register: timeout, priority 127, range 0, reserved, then OID 1.3.6.1.(2).1.68: 2 sub-ids after prefix 2
    expect([...seen[1].subarray(20, 28)]).toEqual([0, 127, 0, 0, 2, 2, 0, 0]);
    expect(seen[1].readUInt32BE(32)).toBe(68);
    // the second subtree is registered once the first is answered, and only then is the agent connected
    expect(seen[2][1]).toBe(PduType.Register);
    expect(seen[2].readUInt32BE(32)).toBe(207);
    // Response: sysUpTime, error 0, index 0, one varbind: OctetString (4) with the 4 address bytes
    expect(resp.readUInt16BE(24)).toBe(0);
    expect(resp.readUInt16BE(28)).toBe(SnmpType.OctetString);
    const tail = resp.subarray(resp.length - 8);
    expect([...tail]).toEqual([0, 0, 0, 4, 192, 168, 77, 11]);
    agent.stop();
    conn.destroy();
  });
});

describe('the subagent at a reload (keepalived 2.2.7 beside it: test/integration/snmp-reload.netns.test.ts)', () => {
  const plan = (on: Partial<SnmpPlan>): SnmpPlan => ({ rfcv3: false, rfcv2: false, keepalived: false, checker: false, traps: false, socket: 'unix:/x', ...on });
  const run = { vrrp: true, lvs: true, virtualServers: 0 };

  it('servedPlan: the VRRP MIBs with VRRP running, the checker objects with virtual servers only', () => {
    expect(servedPlan(plan({}), run)).toBeNull();
    expect(servedPlan(plan({ rfcv3: true }), run)).toEqual(plan({ rfcv3: true }));
    expect(servedPlan(plan({ rfcv3: true }), { ...run, vrrp: false })).toBeNull();
    expect(servedPlan(plan({ checker: true }), run)).toBeNull();
    expect(servedPlan(plan({ checker: true, keepalived: true }), { ...run, virtualServers: 2 })).toEqual(plan({ checker: true, keepalived: true }));
    expect(servedPlan(plan({ checker: true, keepalived: true }), { ...run, vrrp: false, virtualServers: 2 })).toEqual(plan({ checker: true }));
  });

  it.each([
    [true, null, 'stop'],
    [false, plan({ keepalived: true }), 'start'],
    [true, plan({ rfcv2: true }), 'keep'],
    [false, null, 'keep'],
  ] as const)('running %s, next %j: %s', (running, next, what) => {
    expect(snmpAtReload(running, next)).toBe(what);
  });
});
