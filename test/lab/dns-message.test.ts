import { CLASS, decodeResponse, encodeQuery, TYPE } from '../../src/lab/dns-message';

describe('DNS message codec (RFC 1035 §4)', () => {
  it('encodes a query as dig does (RD set, one question)', () => {
    expect(encodeQuery(0x5f27, 'web1.lab.local', TYPE.A).toString('hex')).toBe(
      '5f27' + '0100' + '0001' + '0000' + '0000' + '0000' +
        '04776562310' + '3' + '6c6162' + '05' + '6c6f63616c' + '00' + '0001' + '0001',
    );
    expect(encodeQuery(1, 'id.server', TYPE.TXT, CLASS.CH).subarray(-4).toString('hex')).toBe('00100003');
  });

  it('decodes answers with compression pointers: CNAME then A', () => {
    // cluster2.lab.local CNAME web1.lab.local; web1.lab.local A 10.0.100.2 (built by hand, bind's layout)
    const q = encodeQuery(7, 'cluster2.lab.local', TYPE.A);
    const hdr = Buffer.from(q.subarray(0, 12));
    hdr.writeUInt16BE(0x8580, 2); // QR AA RD RA
    hdr.writeUInt16BE(2, 6);
    const question = q.subarray(12);
    // answer 1: name ptr to offset 12 (cluster2...), CNAME, rdata "web1" + ptr to "lab.local" at 12+9
    const a1 = Buffer.from('c00c' + '0005' + '0001' + '00009600' + '0007' + '0477656231' + 'c015', 'hex');
    // answer 2: name = ptr to the CNAME rdata (offset 12 + question length + 12), A 10.0.100.2
    const rdataOff = 12 + question.length + 12;
    const a2 = Buffer.from('c0' + rdataOff.toString(16).padStart(2, '0') + '0001' + '0001' + '00009600' + '0004' + '0a006402', 'hex');
    const r = decodeResponse(Buffer.concat([hdr, question, a1, a2]));
    expect(r).toEqual({
      id: 7, rcode: 0, authoritative: true,
      answers: [
        { name: 'cluster2.lab.local.', type: TYPE.CNAME, class: 1, ttl: 38400, data: 'web1.lab.local.' },
        { name: 'web1.lab.local.', type: TYPE.A, class: 1, ttl: 38400, data: '10.0.100.2' },
      ],
    });
  });

  it('rejects truncated and looping messages with a reason, never a crash', () => {
    expect(() => decodeResponse(Buffer.alloc(5))).toThrow('DNS message too short (5 bytes)');
    const q = encodeQuery(1, 'a.b', TYPE.A);
    expect(() => decodeResponse(q)).toThrow('not a response (QR clear)');
    const loop = Buffer.from(q);
    loop.writeUInt16BE(0x8000, 2);
    loop.writeUInt16BE(1, 6);
    const bad = Buffer.concat([loop, Buffer.from('c0' + (12 + q.length - 12).toString(16), 'hex')]);
    bad[bad.length - 1] = bad.length - 2; // pointer to itself
    expect(() => decodeResponse(bad)).toThrow(/compression loop|truncated/);
  });
});
