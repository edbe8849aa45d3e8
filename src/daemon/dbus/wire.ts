/**
 * The D-Bus wire format (D-Bus specification, "Message Protocol"), little-endian, for the types
 * keepalived's VRRP interface and the bus daemon use: y b u i s o g v, arrays, structs and
 * dict entries. A value of signature `v` is a `Variant`; an array is a JS array (a dict's
 * entries are `[key, value]` pairs); a struct is a JS array of its fields.
 */

export type DbusValue = number | boolean | bigint | string | Variant | DbusValue[];
export interface Variant {
  signature: string;
  value: DbusValue;
}

export const MESSAGE_TYPE = { methodCall: 1, methodReturn: 2, error: 3, signal: 4 } as const;
export const FLAG_NO_REPLY_EXPECTED = 0x1;

export interface Message {
  type: number;
  flags: number;
  serial: number;
  path?: string;
  interface?: string;
  member?: string;
  errorName?: string;
  replySerial?: number;
  destination?: string;
  sender?: string;
  signature?: string;
  body: DbusValue[];
}

/** Header field codes and their types, in the specification's order. */
const FIELDS: Array<[keyof Message, number, string]> = [
  ['path', 1, 'o'],
  ['interface', 2, 's'],
  ['member', 3, 's'],
  ['errorName', 4, 's'],
  ['replySerial', 5, 'u'],
  ['destination', 6, 's'],
  ['sender', 7, 's'],
  ['signature', 8, 'g'],
];

/** Splits a signature into its complete types ('a{sv}(us)u' → ['a{sv}', '(us)', 'u']). */
export function splitSignature(sig: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < sig.length) {
    const end = completeTypeEnd(sig, i);
    out.push(sig.slice(i, end));
    i = end;
  }
  return out;
}

function completeTypeEnd(sig: string, i: number): number {
  const c = sig[i];
  if (c === 'a') return completeTypeEnd(sig, i + 1);
  if (c === '(' || c === '{') {
    const close = c === '(' ? ')' : '}';
    let j = i + 1;
    while (sig[j] !== close) {
      if (j >= sig.length) throw new Error(`D-Bus signature '${sig}': unclosed '${c}'`);
      j = completeTypeEnd(sig, j);
    }
    return j + 1;
  }
  if (c === undefined || !'ybnqiuxtdsogvh'.includes(c)) throw new Error(`D-Bus signature '${sig}': bad type code at ${i}`);
  return i + 1;
}

function alignOf(t: string): number {
  switch (t[0]) {
    case 'y': case 'g': case 'v': return 1;
    case 'n': case 'q': return 2;
    case 'x': case 't': case 'd': case '(': case '{': return 8;
    default: return 4;
  }
}

class Writer {
  private buf = Buffer.alloc(256);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
  align(n: number): void {
    const pad = (n - (this.length % n)) % n;
    this.room(pad);
    this.buf.fill(0, this.length, this.length + pad);
    this.length += pad;
  }
  u8(v: number): void {
    this.room(1);
    this.buf.writeUInt8(v, this.length++);
  }
  u32(v: number): void {
    this.align(4);
    this.room(4);
    this.buf.writeUInt32LE(v >>> 0, this.length);
    this.length += 4;
  }
  bytes(b: Buffer): void {
    this.room(b.length);
    b.copy(this.buf, this.length);
    this.length += b.length;
  }
  patchU32(at: number, v: number): void {
    this.buf.writeUInt32LE(v, at);
  }
  result(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  value(t: string, v: DbusValue): void {
    switch (t[0]) {
      case 'y': return this.u8(v as number);
      case 'b': return this.u32(v ? 1 : 0);
      case 'u': return this.u32(v as number);
      case 'i': this.align(4); this.room(4); this.buf.writeInt32LE(v as number, this.length); this.length += 4; return;
      case 's': case 'o': {
        const b = Buffer.from(v as string, 'utf8');
        this.u32(b.length);
        this.bytes(b);
        return this.u8(0);
      }
      case 'g': {
        const b = Buffer.from(v as string, 'ascii');
        this.u8(b.length);
        this.bytes(b);
        return this.u8(0);
      }
      case 'v': {
        const variant = v as Variant;
        this.value('g', variant.signature);
        return this.value(variant.signature, variant.value);
      }
      case 'a': {
        const elem = t.slice(1);
        this.u32(0);
        const lengthAt = this.length - 4;
        this.align(alignOf(elem));
        const start = this.length;
        for (const e of v as DbusValue[]) this.value(elem, e);
        return this.patchU32(lengthAt, this.length - start);
      }
      case '(': case '{': {
        this.align(8);
        const fields = splitSignature(t.slice(1, -1));
        const vals = v as DbusValue[];
        fields.forEach((f, i) => this.value(f, vals[i]));
        return;
      }
      default:
        throw new Error(`D-Bus type '${t}' not supported`);
    }
  }
}

class Reader {
  constructor(private readonly buf: Buffer, public offset = 0) {}

  align(n: number): void {
    this.offset += (n - (this.offset % n)) % n;
  }
  need(n: number): void {
    if (this.offset + n > this.buf.length) throw new Error('D-Bus message truncated');
  }
  u8(): number {
    this.need(1);
    return this.buf.readUInt8(this.offset++);
  }
  u32(): number {
    this.align(4);
    this.need(4);
    const v = this.buf.readUInt32LE(this.offset);
    this.offset += 4;
    return v;
  }
  value(t: string): DbusValue {
    switch (t[0]) {
      case 'y': return this.u8();
      case 'b': return this.u32() !== 0;
      case 'u': return this.u32();
      case 'i': { this.align(4); this.need(4); const v = this.buf.readInt32LE(this.offset); this.offset += 4; return v; }
      case 'n': case 'q': { this.align(2); this.need(2); const v = t === 'n' ? this.buf.readInt16LE(this.offset) : this.buf.readUInt16LE(this.offset); this.offset += 2; return v; }
      case 'x': case 't': { this.align(8); this.need(8); const v = t === 'x' ? this.buf.readBigInt64LE(this.offset) : this.buf.readBigUInt64LE(this.offset); this.offset += 8; return v; }
      case 'd': { this.align(8); this.need(8); const v = this.buf.readDoubleLE(this.offset); this.offset += 8; return v; }
      case 'h': return this.u32();
      case 's': case 'o': {
        const n = this.u32();
        this.need(n + 1);
        const s = this.buf.toString('utf8', this.offset, this.offset + n);
        this.offset += n + 1;
        return s;
      }
      case 'g': {
        const n = this.u8();
        this.need(n + 1);
        const s = this.buf.toString('ascii', this.offset, this.offset + n);
        this.offset += n + 1;
        return s;
      }
      case 'v': {
        const signature = this.value('g') as string;
        splitSignature(signature);
        return { signature, value: this.value(signature) };
      }
      case 'a': {
        const elem = t.slice(1);
        const n = this.u32();
        this.align(alignOf(elem));
        const end = this.offset + n;
        this.need(n);
        const out: DbusValue[] = [];
        while (this.offset < end) out.push(this.value(elem));
        return out;
      }
      case '(': case '{': {
        this.align(8);
        return splitSignature(t.slice(1, -1)).map((f) => this.value(f));
      }
      default:
        throw new Error(`D-Bus type '${t}' not supported`);
    }
  }
}

/** Encodes a message (little-endian, protocol version 1). */
export function encodeMessage(m: Message): Buffer {
  const signature = m.signature ?? '';
  const body = new Writer();
  splitSignature(signature).forEach((t, i) => body.value(t, m.body[i]));
  const h = new Writer();
  h.u8(0x6c); // 'l'
  h.u8(m.type);
  h.u8(m.flags);
  h.u8(1);
  h.u32(body.length);
  h.u32(m.serial);
  const fields: DbusValue[] = [];
  for (const [key, code, t] of FIELDS) {
    const v = key === 'signature' ? (signature || undefined) : m[key];
    if (v !== undefined) fields.push([code, { signature: t, value: v as DbusValue }]);
  }
  h.value('a(yv)', fields);
  h.align(8);
  return Buffer.concat([h.result(), body.result()]);
}

/** The length of the first message in `buf`, or null while its fixed header is incomplete. */
export function messageLength(buf: Buffer): number | null {
  if (buf.length < 16) return null;
  if (buf[0] !== 0x6c) throw new Error(`D-Bus message in byte order '${String.fromCharCode(buf[0])}' not supported`);
  const fieldsLength = buf.readUInt32LE(12);
  const headerEnd = 16 + fieldsLength + ((8 - ((16 + fieldsLength) % 8)) % 8);
  return headerEnd + buf.readUInt32LE(4);
}

/** Decodes one whole message (`buf` holds exactly it). */
export function decodeMessage(buf: Buffer): Message {
  const r = new Reader(buf);
  r.u8();
  const type = r.u8();
  const flags = r.u8();
  const version = r.u8();
  if (version !== 1) throw new Error(`D-Bus protocol version ${version} not supported`);
  const bodyLength = r.u32();
  const serial = r.u32();
  const m: Message = { type, flags, serial, body: [] };
  for (const f of r.value('a(yv)') as Array<[number, Variant]>) {
    const known = FIELDS.find(([, code]) => code === f[0]);
    if (known) (m as unknown as Record<string, DbusValue>)[known[0]] = f[1].value;
  }
  r.align(8);
  const bodyStart = r.offset;
  if (bodyStart + bodyLength > buf.length) throw new Error('D-Bus message truncated');
  const body = new Reader(buf.subarray(bodyStart, bodyStart + bodyLength));
  m.body = splitSignature(m.signature ?? '').map((t) => body.value(t));
  return m;
}
