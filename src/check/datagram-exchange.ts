/**
 * One request/reply exchange on a connected UDP socket, shared by the DNS_CHECK and UDP_CHECK
 * probes: bind (when bindto/bind_port are set), connect, send, then the first outcome wins —
 * a datagram the caller judges decisive, a socket error (an ICMP error on the connected
 * socket), a failed send, or the deadline. A deadline that fired late because the checker
 * itself was stalled gives no verdict (`stalled`, src/check/deadline.ts).
 */
import * as dgram from 'node:dgram';
import { armDeadline } from './deadline';
import type { ProbeOutcome } from './probe';

export interface DatagramExchange {
  connectIp: string;
  connectPort: number;
  bindto: string | null;
  bindPort: number | null;
  timeoutMs: number;
  payload: Buffer;
  /** The outcome when nothing decisive came within timeoutMs (the checker not stalled). */
  onTimeout: () => ProbeOutcome;
  onError: (err: NodeJS.ErrnoException) => ProbeOutcome;
  onSendError: (err: NodeJS.ErrnoException) => ProbeOutcome;
  /** The outcome a datagram decides, or null to ignore it and go on waiting. */
  onMessage: (msg: Buffer) => ProbeOutcome | null;
}

export function datagramExchange(x: DatagramExchange): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket(x.connectIp.includes(':') ? 'udp6' : 'udp4');
    let settled = false;
    const done = (o: ProbeOutcome): void => {
      if (settled) return;
      settled = true;
      deadline.cancel();
      try { sock.close(); } catch { /* closed */ }
      resolve(o);
    };
    const deadline = armDeadline(x.timeoutMs, (e) => done(e.stalled ? { result: 'stalled', lateMs: e.lateMs } : x.onTimeout()));
    sock.on('error', (err: NodeJS.ErrnoException) => done(x.onError(err)));
    sock.on('message', (msg) => {
      const o = x.onMessage(msg);
      if (o !== null) done(o);
    });
    const send = (): void => {
      sock.connect(x.connectPort, x.connectIp, () => {
        sock.send(x.payload, (err) => {
          if (err) done(x.onSendError(err as NodeJS.ErrnoException));
        });
      });
    };
    if (x.bindto !== null || x.bindPort !== null) sock.bind({ address: x.bindto ?? undefined, port: x.bindPort ?? 0 }, send);
    else send();
  });
}
