/**
 * Netlink attribute (TLV) writing and reading, just what the IPVS codec needs.
 * A writer appends into one growing buffer and back-patches nest lengths, so a whole message
 * is built with one allocation; a reader walks a buffer without copying.
 */
import { NLA_F_NESTED, NLA_TYPE_MASK } from './constants';

const align4 = (n: number): number => (n + 3) & ~3;

export class AttrWriter {
  private buf: Buffer;
  private len = 0;

  constructor(initial = 256) {
    this.buf = Buffer.alloc(initial);
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  /** Raw bytes (headers), not an attribute. */
  raw(bytes: Buffer | number[]): this {
    const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
    this.reserve(b.length);
    b.copy(this.buf, this.len);
    this.len += b.length;
    return this;
  }

  /** `n` zero bytes (a header to patch later), not an attribute. */
  zeros(n: number): this {
    this.reserve(n);
    this.buf.fill(0, this.len, this.len + n);
    this.len += n;
    return this;
  }

  /** One attribute with `data` as payload, padded to 4 bytes (padding is zero). */
  put(type: number, data: Buffer): this {
    const total = 4 + data.length;
    this.reserve(align4(total));
    this.buf.writeUInt16LE(total, this.len);
    this.buf.writeUInt16LE(type, this.len + 2);
    data.copy(this.buf, this.len + 4);
    this.len += align4(total);
    return this;
  }

  /** Header of an attribute with an `n`-byte payload; returns the payload offset. */
  private head(type: number, n: number): number {
    const total = 4 + n;
    this.reserve(align4(total));
    this.buf.writeUInt16LE(total, this.len);
    this.buf.writeUInt16LE(type, this.len + 2);
    const at = this.len + 4;
    this.buf.fill(0, at, this.len + align4(total));
    this.len += align4(total);
    return at;
  }

  u8(type: number, v: number): this {
    const at = this.head(type, 1); // head() may grow (replace) the buffer
    this.buf.writeUInt8(v, at);
    return this;
  }
  u16(type: number, v: number): this {
    const at = this.head(type, 2); // head() may grow (replace) the buffer
    this.buf.writeUInt16LE(v, at);
    return this;
  }
  be16(type: number, v: number): this {
    const at = this.head(type, 2); // head() may grow (replace) the buffer
    this.buf.writeUInt16BE(v, at);
    return this;
  }
  u32(type: number, v: number): this {
    const at = this.head(type, 4); // head() may grow (replace) the buffer
    this.buf.writeUInt32LE(v >>> 0, at);
    return this;
  }
  be32(type: number, v: number): this {
    const at = this.head(type, 4); // head() may grow (replace) the buffer
    this.buf.writeUInt32BE(v >>> 0, at);
    return this;
  }
  /** NUL-terminated string, as the kernel's NLA_NUL_STRING policy wants. */
  str(type: number, s: string): this {
    return this.put(type, Buffer.concat([Buffer.from(s, 'latin1'), Buffer.from([0])]));
  }

  /** A nested attribute: children written by `fill`, NLA_F_NESTED set (the kernel accepts it). */
  nest(type: number, fill: (w: this) => void): this {
    const start = this.len;
    this.reserve(4);
    this.len += 4;
    fill(this);
    this.buf.writeUInt16LE(this.len - start, start);
    this.buf.writeUInt16LE(type | NLA_F_NESTED, start + 2);
    return this;
  }

  /** Current length (used by message framing to patch nlmsg_len). */
  get length(): number {
    return this.len;
  }

  patchU32LE(offset: number, v: number): void {
    this.buf.writeUInt32LE(v >>> 0, offset);
  }
  patchU16LE(offset: number, v: number): void {
    this.buf.writeUInt16LE(v, offset);
  }
  patchU8(offset: number, v: number): void {
    this.buf.writeUInt8(v, offset);
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

/** Attributes of one level, by type (flags masked off); the last one wins on repeats. */
export type AttrMap = Map<number, Buffer>;

export function parseAttrs(buf: Buffer, start = 0, end = buf.length): AttrMap {
  const out: AttrMap = new Map();
  let off = start;
  while (off + 4 <= end) {
    const len = buf.readUInt16LE(off);
    if (len < 4 || off + len > end) throw new Error(`malformed netlink attribute at offset ${off} (len ${len})`);
    const type = buf.readUInt16LE(off + 2) & NLA_TYPE_MASK;
    out.set(type, buf.subarray(off + 4, off + len));
    off += align4(len);
  }
  return out;
}

export const getU8 = (b: Buffer | undefined): number | undefined => (b && b.length >= 1 ? b.readUInt8(0) : undefined);
export const getU16 = (b: Buffer | undefined): number | undefined => (b && b.length >= 2 ? b.readUInt16LE(0) : undefined);
export const getBe16 = (b: Buffer | undefined): number | undefined => (b && b.length >= 2 ? b.readUInt16BE(0) : undefined);
export const getU32 = (b: Buffer | undefined): number | undefined => (b && b.length >= 4 ? b.readUInt32LE(0) : undefined);
export const getBe32 = (b: Buffer | undefined): number | undefined => (b && b.length >= 4 ? b.readUInt32BE(0) : undefined);
export const getU64 = (b: Buffer | undefined): bigint | undefined => (b && b.length >= 8 ? b.readBigUInt64LE(0) : undefined);
/** A NUL-terminated (or not) string attribute. */
export function getStr(b: Buffer | undefined): string | undefined {
  if (!b) return undefined;
  const nul = b.indexOf(0);
  return b.toString('latin1', 0, nul < 0 ? b.length : nul);
}

/**
 * Visit the attributes of one level without building a map or slicing buffers (the hot path
 * of decoding 10,000-service dumps): `fn(type, payloadOffset, payloadLength)`.
 */
export function walkAttrs(buf: Buffer, start: number, end: number, fn: (type: number, off: number, len: number) => void): void {
  let off = start;
  while (off + 4 <= end) {
    const len = buf.readUInt16LE(off);
    if (len < 4 || off + len > end) throw new Error(`malformed netlink attribute at offset ${off} (len ${len})`);
    fn(buf.readUInt16LE(off + 2) & NLA_TYPE_MASK, off + 4, len - 4);
    off += align4(len);
  }
}
