/**
 * The TCP_CHECK probe: a non-blocking connect to connect_ip:connect_port (optionally from
 * bindto:bind_port), bounded by connect_timeout. Connected = success, then the socket is
 * closed at once (keepalived closes the fd without sending data). The timeout is a
 * Deadline: a connect that completed while the process was stalled wins over the timer, and a
 * stall longer than the timeout gives no verdict.
 *
 * TCP_CHECK never reads or writes: it runs on a bare libuv TCP handle (raw-tcp.ts).
 */
import * as net from 'node:net';
import { armDeadline } from './deadline';
import { checkerHandle, needsSocketOptions, RawTcpConnection } from './raw-tcp';
import type { ConnTarget } from './raw-tcp';
import { SUCCESS } from './probe';
import type { ProbeOutcome } from './probe';

export type { ProbeResult } from './probe';

/** A connection's source and destination (raw-tcp.ts ConnTarget) and its connect_timeout. */
export interface ProbeTarget extends ConnTarget {
  connectTimeoutMs: number;
}

/**
 * A connecting TCP socket for a checker: Node's own connect, or — for bind_if / fwmark, which
 * Node cannot set — a TCP handle bound first (bindto:bind_port or the wildcard), its options
 * set on the descriptor (native addon), then connected by Node as usual. Throws on a bind or
 * setsockopt error, naming it.
 */
export function checkerSocket(t: ProbeTarget): net.Socket {
  if (!needsSocketOptions(t)) return net.connect(connectOptions(t));
  const h = checkerHandle(t);
  // manualStart: reading starts once connected (an unconnected handle would report ENOTCONN).
  const sock = new net.Socket({ handle: h, manualStart: true } as net.SocketConstructorOpts);
  return sock.connect({ host: t.connectIp, port: t.connectPort });
}

/** Socket options for a checker's connection (bindto, bind_port). */
export function connectOptions(t: ProbeTarget): net.NetConnectOpts {
  const opts: net.NetConnectOpts = { host: t.connectIp, port: t.connectPort };
  if (t.bindto !== null) opts.localAddress = t.bindto;
  if (t.bindPort !== null) {
    opts.localPort = t.bindPort;
    if (t.bindto === null) opts.localAddress = t.connectIp.includes(':') ? '::' : '0.0.0.0';
  }
  return opts;
}

export function tcpProbe(t: ProbeTarget): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    let conn: RawTcpConnection | null = null;
    const done = (r: ProbeOutcome) => {
      if (settled) return;
      settled = true;
      deadline.cancel();
      conn?.close();
      resolve(r);
    };
    const deadline = armDeadline(t.connectTimeoutMs, (e) => {
      if (e.stalled) done({ result: 'stalled', lateMs: e.lateMs });
      else done({ result: 'timeout', reason: 'Timeout connecting' });
    });
    try {
      conn = new RawTcpConnection(t, {
        onConnect: () => done(SUCCESS),
        onError: (code) => done({ result: 'failed', reason: `Error connecting (${code})` }),
      });
    } catch (e) {
      done({ result: 'failed', reason: `TCP socket bind failed: ${(e as Error).message}` });
    }
  });
}
