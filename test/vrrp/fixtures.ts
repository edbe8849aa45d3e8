/** Reads the keepalived 2.2.7 captures under ../shared/fixtures (hex dumps and pcaps). */
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const FIXTURES = resolve(__dirname, '../../../shared/fixtures/keepalived-2.2.7');

export function hexFixture(name: string): Buffer {
  return Buffer.from(readFileSync(join(FIXTURES, 'hex', name), 'utf8').trim(), 'hex');
}

export function pcapFiles(): string[] {
  return readdirSync(join(FIXTURES, 'pcap')).filter((f) => f.endsWith('.pcap')).sort();
}

export interface PcapFrame {
  /** Seconds since the epoch, with the file's precision (µs or ns). */
  time: number;
  data: Buffer;
}

/**
 * A tiny libpcap reader: global header (magic a1b2c3d4 µs / a1b23c4d ns, either byte order),
 * then 16-byte record headers. Only what the tests need; throws on anything else.
 */
export function readPcap(name: string): { linkType: number; frames: PcapFrame[] } {
  const b = readFileSync(join(FIXTURES, 'pcap', name));
  const magicLE = b.readUInt32LE(0);
  let le: boolean;
  let nano: boolean;
  if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) {
    le = true;
    nano = magicLE === 0xa1b23c4d;
  } else {
    const magicBE = b.readUInt32BE(0);
    if (magicBE !== 0xa1b2c3d4 && magicBE !== 0xa1b23c4d) throw new Error(`${name}: not a pcap file`);
    le = false;
    nano = magicBE === 0xa1b23c4d;
  }
  const u32 = (o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const linkType = u32(20);
  const frames: PcapFrame[] = [];
  let o = 24;
  while (o + 16 <= b.length) {
    const sec = u32(o);
    const frac = u32(o + 4);
    const incl = u32(o + 8);
    o += 16;
    if (o + incl > b.length) throw new Error(`${name}: truncated record at ${o}`);
    frames.push({ time: sec + frac / (nano ? 1e9 : 1e6), data: b.subarray(o, o + incl) });
    o += incl;
  }
  return { linkType, frames };
}

/** The IPv4 packet inside an Ethernet II frame, or null for other ethertypes. */
export function ipv4OfEthernet(frame: Buffer): Buffer | null {
  if (frame.length < 14) return null;
  let type = frame.readUInt16BE(12);
  let off = 14;
  if (type === 0x8100 && frame.length >= 18) {
    type = frame.readUInt16BE(16);
    off = 18;
  }
  return type === 0x0800 ? frame.subarray(off) : null;
}
