/**
 * One request/reply exchange on a connected UDP socket, shared by the DNS_CHECK and UDP_CHECK
 * probes: bind (when bindto/bind_port are set), connect, send, then the first outcome wins —
 * a datagram the caller judges decisive, a socket error (an ICMP error on the connected
 * socket), a failed send, or the deadline. A deadline that fired late because the checker
 * itself was stalled gives no verdict (`stalled`, src/check/deadline.ts).
 *
 * With bind_if or fwmark the socket is opened by the native addon with SO_BINDTODEVICE/SO_MARK
 * (and bound there), then handed to Node's dgram through its public `bind({ fd })`.
 */
import * as dgram from 'node:dgram';
import { haloNative } from '../net/native';
import { armDeadline } from './deadline';
import type { ConnOpts } from '../config/model';
import type { ProbeOutcome } from './probe';

/** Where to exchange (the checker's ConnOpts: bind_if and fwmark each set when not null) and for how long. */
export interface DatagramExchange extends Omit<ConnOpts, 'connectTimeoutMs'> {
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
    const family = x.connectIp.includes(':') ? 6 : 4;
    const sock = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
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
      // Node passes a failed connect (ENETUNREACH: no route, or not through bind_if) to this
      // callback rather than to 'error'; the socket is then unconnected and send() would throw.
      const onConnect = (err?: NodeJS.ErrnoException): void => {
        if (err) return done(x.onError(err));
        try {
          sock.send(x.payload, (e) => {
            if (e) done(x.onSendError(e as NodeJS.ErrnoException));
          });
        } catch (e) {
          done(x.onSendError(e as NodeJS.ErrnoException));
        }
      };
      sock.connect(x.connectPort, x.connectIp, onConnect as () => void);
    };
    if (x.bindIf !== null || x.fwmark !== null) {
      let fd: number;
      try {
        fd = haloNative().openDatagramSocket(family, x.bindto, x.bindPort ?? 0, x.fwmark, x.bindIf, null, false);
      } catch (err) {
        done(x.onError(err as NodeJS.ErrnoException));
        return;
      }
      sock.bind({ fd }, send);
    } else if (x.bindto !== null || x.bindPort !== null) sock.bind({ address: x.bindto ?? undefined, port: x.bindPort ?? 0 }, send);
    else send();
  });
}
