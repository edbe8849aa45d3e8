/**
 * The PING_CHECK probe (check_ping.c): an ICMP echo request (IPv4) or ICMPv6 echo request (IPv6)
 * carrying keepalived's filler, answered by an echo reply from the target with our identifier
 * and sequence number. One raw socket (raw-socket, CAP_NET_RAW) per family and per bind_if/fwmark
 * serves every PING_CHECK target: replies are matched to their probe by (source, id, sequence);
 * anything else on the socket (neighbour discovery, other pings) is ignored. An ICMP error
 * quoting our request (destination unreachable, …) is a failure. The kernel fills in the ICMPv6
 * checksum (it covers the IPv6 pseudo-header) on a raw ICMPv6 socket.
 */
import * as ipaddr from 'ipaddr.js';
import type { PingCheck } from '../config/model';
import { armDeadline } from './deadline';
import type { ProbeOutcome } from './probe';
import { fillerPayload } from './udp-probe';

const ICMP_ECHOREPLY = 0;
const ICMP_ECHO = 8;
const ICMP6_ECHO_REQUEST = 128;
const ICMP6_ECHO_REPLY = 129;
const IPPROTO_ICMPV6 = 58;
/** <asm-generic/socket.h> */
const SOL_SOCKET = 1;
const SO_BINDTODEVICE = 25;
const SO_MARK = 36;
/** check_ping.c ICMP_BUFSIZE */
const ICMP_BUFSIZE = 128;

interface RawSocket {
  setOption(level: number, option: number, value: Buffer | number, length?: number): void;
  send(buf: Buffer, offset: number, length: number, address: string, cb: (error: Error | null, bytes: number) => void): void;
  on(event: 'message', cb: (buf: Buffer, source: string) => void): void;
  on(event: 'error', cb: (error: Error) => void): void;
  close(): void;
}

/** RFC 1071 checksum. */
export function icmpChecksum(b: Buffer): number {
  let sum = 0;
  for (let i = 0; i + 1 < b.length; i += 2) sum += b.readUInt16BE(i);
  if (b.length % 2) sum += b[b.length - 1] << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return ~sum & 0xffff;
}

/**
 * An echo request; for IPv6 the checksum stays 0: the kernel computes it over the pseudo-header.
 * The sequence number is in host order, little-endian here, as check_ping.c writes it
 * (`icmp6_seq = seq_no++`, no htons): keepalived's sequence 1 goes out as 01 00. (keepalived's
 * identifier is its ping socket's, chosen by the kernel; halo's raw socket carries its pid.)
 */
export function encodeEcho(id: number, seq: number, family: 4 | 6 = 4): Buffer {
  const b = Buffer.concat([Buffer.alloc(8), fillerPayload(ICMP_BUFSIZE)]);
  b[0] = family === 4 ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
  b.writeUInt16BE(id, 4);
  b.writeUInt16LE(seq, 6);
  if (family === 4) b.writeUInt16BE(icmpChecksum(b), 2);
  return b;
}

export interface IcmpMessage {
  kind: 'reply' | 'error';
  type: number;
  id: number;
  seq: number;
  /** The address the reply came from, or the destination of the echo an error quotes. */
  about: string;
}

/** What an IPv4 packet from the raw socket means: an echo reply or an error about one of our echoes. */
export function decodeIcmp(packet: Buffer): IcmpMessage | null {
  if (packet.length < 20) return null;
  const ihl = (packet[0] & 0x0f) * 4;
  const icmp = packet.subarray(ihl);
  if (icmp.length < 8) return null;
  const src = ipaddr.fromByteArray(Array.from(packet.subarray(12, 16))).toString();
  if (icmp[0] === ICMP_ECHOREPLY) return { kind: 'reply', type: 0, id: icmp.readUInt16BE(4), seq: icmp.readUInt16LE(6), about: src };
  if (icmp[0] === ICMP_ECHO) return null;
  // An error quotes the original IP header and the first 8 bytes of our echo.
  const inner = icmp.subarray(8);
  if (inner.length < 20) return null;
  const innerIhl = (inner[0] & 0x0f) * 4;
  const echo = inner.subarray(innerIhl);
  if (inner[9] !== 1 || echo.length < 8 || echo[0] !== ICMP_ECHO) return null;
  const dst = ipaddr.fromByteArray(Array.from(inner.subarray(16, 20))).toString();
  return { kind: 'error', type: icmp[0], id: echo.readUInt16BE(4), seq: echo.readUInt16LE(6), about: dst };
}

/**
 * What an ICMPv6 message from a raw ICMPv6 socket (no IPv6 header: the kernel strips it) from
 * `source` means: an echo reply, or an error (type < 128) quoting the IPv6 header and the first
 * bytes of one of our echo requests.
 */
export function decodeIcmp6(msg: Buffer, source: string): IcmpMessage | null {
  if (msg.length < 8) return null;
  if (msg[0] === ICMP6_ECHO_REPLY) return { kind: 'reply', type: msg[0], id: msg.readUInt16BE(4), seq: msg.readUInt16LE(6), about: normalize(source) };
  if (msg[0] >= 128) return null; // informational: echo requests, neighbour discovery, MLD, …
  const inner = msg.subarray(8);
  // the quoted IPv6 header (next header ICMPv6, no extension headers: we sent none) and our echo
  if (inner.length < 48 || inner[6] !== IPPROTO_ICMPV6 || inner[40] !== ICMP6_ECHO_REQUEST) return null;
  const dst = ipaddr.fromByteArray(Array.from(inner.subarray(24, 40))).toString();
  return { kind: 'error', type: msg[0], id: inner.readUInt16BE(44), seq: inner.readUInt16LE(46), about: dst };
}

/** One spelling per address (replies carry the kernel's, the config may carry another). */
function normalize(address: string): string {
  try {
    return ipaddr.parse(address.split('%')[0]).toString();
  } catch {
    return address;
  }
}

export class Pinger {
  private readonly socks = new Map<string, RawSocket>();
  private readonly id = process.pid & 0xffff;
  private seq = 0;
  private readonly pending = new Map<string, (o: ProbeOutcome) => void>();

  /** The raw socket for a family, interface and mark, opened (and set up) on first use. */
  private socket(family: 4 | 6, bindIf: string | null, fwmark: number | null): RawSocket {
    const key = `${family}|${bindIf ?? ''}|${fwmark ?? ''}`;
    const open = this.socks.get(key);
    if (open) return open;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const raw = require('raw-socket') as { createSocket(o: { protocol: number; addressFamily: number }): RawSocket };
    const s = raw.createSocket(family === 4 ? { protocol: 1, addressFamily: 1 } : { protocol: IPPROTO_ICMPV6, addressFamily: 2 });
    try {
      if (bindIf !== null) {
        const name = Buffer.from(`${bindIf}\0`);
        try {
          s.setOption(SOL_SOCKET, SO_BINDTODEVICE, name, name.length);
        } catch (e) {
          throw new Error(`Checker can't bind to device ${bindIf}: ${(e as Error).message}`);
        }
      }
      if (fwmark !== null) s.setOption(SOL_SOCKET, SO_MARK, fwmark >>> 0);
    } catch (e) {
      s.close();
      throw e;
    }
    s.on('message', (buf, source) => this.onPacket(family === 4 ? decodeIcmp(buf) : decodeIcmp6(buf, source)));
    s.on('error', (err) => {
      this.socks.delete(key);
      for (const [, fn] of this.pending) fn({ result: 'failed', reason: `ICMP socket error: ${err.message}` });
      this.pending.clear();
    });
    this.socks.set(key, s);
    return s;
  }

  private onPacket(m: IcmpMessage | null): void {
    if (!m || m.id !== this.id) return;
    const fn = this.pending.get(`${m.about}/${m.seq}`);
    if (!fn) return;
    if (m.kind === 'reply') fn({ result: 'success' });
    else fn({ result: 'failed', reason: `Got ICMP${m.about.includes(':') ? 'v6' : ''} packet with type 0x${m.type.toString(16)}` });
  }

  probe(c: PingCheck): Promise<ProbeOutcome> {
    return new Promise((resolve) => {
      const family = c.connectIp.includes(':') ? 6 : 4;
      const v6 = family === 6 ? 'v6' : '';
      let sock: RawSocket;
      try {
        sock = this.socket(family, c.bindIf, c.fwmark);
      } catch (e) {
        const m = (e as Error).message;
        resolve({ result: 'failed', reason: m.startsWith('Checker ') ? m : `ICMP${v6} connect fail to create socket: ${m}` });
        return;
      }
      const seq = this.seq;
      this.seq = (this.seq + 1) & 0xffff;
      const key = `${normalize(c.connectIp)}/${seq}`;
      const done = (o: ProbeOutcome): void => {
        if (!this.pending.has(key)) return;
        this.pending.delete(key);
        deadline.cancel();
        resolve(o);
      };
      this.pending.set(key, done);
      const deadline = armDeadline(c.connectTimeoutMs, (e) => done(e.stalled ? { result: 'stalled', lateMs: e.lateMs } : { result: 'timeout', reason: 'timeout' }));
      const pkt = encodeEcho(this.id, seq, family);
      sock.send(pkt, 0, pkt.length, c.connectIp, (err) => {
        if (err) done({ result: 'failed', reason: `send ICMP${v6} packet fail` });
      });
    });
  }

  close(): void {
    for (const s of this.socks.values()) s.close();
    this.socks.clear();
  }
}
