/**
 * Just enough of the DNS wire format (RFC 1035 §4) for the lab's client: one question out,
 * the answer records back (A, CNAME, PTR, TXT decoded; others kept raw). Compression pointers
 * are followed on decode; encode never compresses.
 */

export const TYPE = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, TXT: 16 } as const;
export const CLASS = { IN: 1, CH: 3 } as const;

export interface DnsAnswer {
  name: string;
  type: number;
  class: number;
  ttl: number;
  /** Dotted quad for A, a name for CNAME/PTR/NS, joined strings for TXT, hex otherwise. */
  data: string;
}

export interface DnsResponse {
  id: number;
  rcode: number;
  authoritative: boolean;
  answers: DnsAnswer[];
}

function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter((l) => l.length > 0);
  const parts = labels.map((l) => {
    const b = Buffer.from(l, 'ascii');
    if (b.length > 63) throw new Error(`DNS label too long: ${l}`);
    return Buffer.concat([Buffer.from([b.length]), b]);
  });
  return Buffer.concat([...parts, Buffer.from([0])]);
}

export function encodeQuery(id: number, name: string, type: number, klass: number = CLASS.IN): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id & 0xffff, 0);
  header.writeUInt16BE(0x0100, 2); // RD set, as dig sends
  header.writeUInt16BE(1, 4); // QDCOUNT
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(klass, 2);
  return Buffer.concat([header, encodeName(name), tail]);
}

/** Read a possibly compressed name at `off`; returns the name and the offset after it. */
function readName(buf: Buffer, off: number): [string, number] {
  const labels: string[] = [];
  let end = -1;
  for (let hops = 0; hops < 64; hops++) {
    if (off >= buf.length) throw new Error('name runs past the message');
    const len = buf[off];
    if (len === 0) {
      return [labels.join('.') + '.', end >= 0 ? end : off + 1];
    }
    if ((len & 0xc0) === 0xc0) {
      if (off + 1 >= buf.length) throw new Error('truncated compression pointer');
      if (end < 0) end = off + 2;
      off = ((len & 0x3f) << 8) | buf[off + 1];
      continue;
    }
    if (off + 1 + len > buf.length) throw new Error('label runs past the message');
    labels.push(buf.toString('ascii', off + 1, off + 1 + len));
    off += 1 + len;
  }
  throw new Error('compression loop');
}

export function decodeResponse(buf: Buffer): DnsResponse {
  if (buf.length < 12) throw new Error(`DNS message too short (${buf.length} bytes)`);
  const id = buf.readUInt16BE(0);
  const flags = buf.readUInt16BE(2);
  if ((flags & 0x8000) === 0) throw new Error('not a response (QR clear)');
  const qd = buf.readUInt16BE(4);
  const an = buf.readUInt16BE(6);
  let off = 12;
  for (let i = 0; i < qd; i++) {
    [, off] = readName(buf, off);
    off += 4;
  }
  const answers: DnsAnswer[] = [];
  for (let i = 0; i < an; i++) {
    let name: string;
    [name, off] = readName(buf, off);
    if (off + 10 > buf.length) throw new Error('truncated resource record');
    const type = buf.readUInt16BE(off);
    const klass = buf.readUInt16BE(off + 2);
    const ttl = buf.readUInt32BE(off + 4);
    const rdlen = buf.readUInt16BE(off + 8);
    const rd = off + 10;
    if (rd + rdlen > buf.length) throw new Error('truncated rdata');
    let data: string;
    if (type === TYPE.A && rdlen === 4) data = Array.from(buf.subarray(rd, rd + 4)).join('.');
    else if (type === TYPE.CNAME || type === TYPE.PTR || type === TYPE.NS) data = readName(buf, rd)[0];
    else if (type === TYPE.TXT) {
      const strings: string[] = [];
      for (let p = rd; p < rd + rdlen; ) {
        const l = buf[p];
        strings.push(buf.toString('utf8', p + 1, p + 1 + l));
        p += 1 + l;
      }
      data = strings.join('');
    } else data = buf.toString('hex', rd, rd + rdlen);
    answers.push({ name, type, class: klass, ttl, data });
    off = rd + rdlen;
  }
  return { id, rcode: flags & 0x000f, authoritative: (flags & 0x0400) !== 0, answers };
}
