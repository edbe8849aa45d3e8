/**
 * The PING_CHECK probe (check_ping.c, IPv4): an ICMP echo request carrying keepalived's filler,
 * answered by an echo reply from the target with our identifier and sequence number. One raw
 * ICMP socket (raw-socket, CAP_NET_RAW) serves every PING_CHECK target: replies are matched to
 * their probe by (source, id, sequence); anything else on the socket is ignored. An ICMP
 * error quoting our request (destination unreachable, …) is a failure.
 */
import * as ipaddr from 'ipaddr.js';
import type { PingCheck } from '../config/model';
import { armDeadline } from './deadline';
import type { ProbeOutcome } from './probe';
import { fillerPayload } from './udp-probe';

const ICMP_ECHOREPLY = 0;
const ICMP_ECHO = 8;
/** check_ping.c ICMP_BUFSIZE */
const ICMP_BUFSIZE = 128;

interface RawSocket {
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

export function encodeEcho(id: number, seq: number): Buffer {
  const b = Buffer.concat([Buffer.alloc(8), fillerPayload(ICMP_BUFSIZE)]);
  b[0] = ICMP_ECHO;
  b.writeUInt16BE(id, 4);
  b.writeUInt16BE(seq, 6);
  b.writeUInt16BE(icmpChecksum(b), 2);
  return b;
}

/** What an IPv4 packet from the raw socket means: an echo reply or an error about one of our echoes. */
export function decodeIcmp(packet: Buffer): { kind: 'reply' | 'error'; type: number; id: number; seq: number; about: string } | null {
  if (packet.length < 20) return null;
  const ihl = (packet[0] & 0x0f) * 4;
  const icmp = packet.subarray(ihl);
  if (icmp.length < 8) return null;
  const src = ipaddr.fromByteArray(Array.from(packet.subarray(12, 16))).toString();
  if (icmp[0] === ICMP_ECHOREPLY) return { kind: 'reply', type: 0, id: icmp.readUInt16BE(4), seq: icmp.readUInt16BE(6), about: src };
  if (icmp[0] === ICMP_ECHO) return null;
  // An error quotes the original IP header and the first 8 bytes of our echo.
  const inner = icmp.subarray(8);
  if (inner.length < 20) return null;
  const innerIhl = (inner[0] & 0x0f) * 4;
  const echo = inner.subarray(innerIhl);
  if (inner[9] !== 1 || echo.length < 8 || echo[0] !== ICMP_ECHO) return null;
  const dst = ipaddr.fromByteArray(Array.from(inner.subarray(16, 20))).toString();
  return { kind: 'error', type: icmp[0], id: echo.readUInt16BE(4), seq: echo.readUInt16BE(6), about: dst };
}

export class Pinger {
  private sock: RawSocket | null = null;
  private readonly id = process.pid & 0xffff;
  private seq = 0;
  private readonly pending = new Map<string, (o: ProbeOutcome) => void>();

  private socket(): RawSocket {
    if (this.sock) return this.sock;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const raw = require('raw-socket') as { createSocket(o: { protocol: number }): RawSocket };
    const s = raw.createSocket({ protocol: 1 });
    s.on('message', (buf) => this.onPacket(buf));
    s.on('error', (err) => {
      this.sock = null;
      for (const [, fn] of this.pending) fn({ result: 'failed', reason: `ICMP socket error: ${err.message}` });
      this.pending.clear();
    });
    this.sock = s;
    return s;
  }

  private onPacket(buf: Buffer): void {
    const m = decodeIcmp(buf);
    if (!m || m.id !== this.id) return;
    const fn = this.pending.get(`${m.about}/${m.seq}`);
    if (!fn) return;
    if (m.kind === 'reply') fn({ result: 'success' });
    else fn({ result: 'failed', reason: `Got ICMP packet with type 0x${m.type.toString(16)}` });
  }

  probe(c: PingCheck): Promise<ProbeOutcome> {
    return new Promise((resolve) => {
      let sock: RawSocket;
      try {
        sock = this.socket();
      } catch (e) {
        resolve({ result: 'failed', reason: `ICMP connect fail to create socket: ${(e as Error).message}` });
        return;
      }
      const seq = this.seq;
      this.seq = (this.seq + 1) & 0xffff;
      const key = `${c.connectIp}/${seq}`;
      const done = (o: ProbeOutcome): void => {
        if (!this.pending.has(key)) return;
        this.pending.delete(key);
        deadline.cancel();
        resolve(o);
      };
      this.pending.set(key, done);
      const deadline = armDeadline(c.connectTimeoutMs, (e) => done(e.stalled ? { result: 'stalled', lateMs: e.lateMs } : { result: 'timeout', reason: 'timeout' }));
      const pkt = encodeEcho(this.id, seq);
      sock.send(pkt, 0, pkt.length, c.connectIp, (err) => {
        if (err) done({ result: 'failed', reason: 'send ICMP packet fail' });
      });
    });
  }

  close(): void {
    this.sock?.close();
    this.sock = null;
  }
}
