/**
 * The TCP_CHECK probe: a non-blocking connect to connect_ip:connect_port (optionally from
 * bindto:bind_port, bind_if, fwmark), bounded by connect_timeout. Connected = success, then the
 * socket is closed at once (keepalived closes the fd without sending data). It runs in the
 * native connect prober (connect-prober.ts): a connect that completed while the process was
 * stalled wins over the timeout, and a timeout seen later than the whole connect_timeout (the
 * process, not the server, was stalled that long) gives no verdict.
 */
import * as net from 'node:net';
import { checkerSocketFd, connectProbe, needsSocketOptions } from './connect-prober';
import type { ConnEvents, ConnTarget } from './connect-prober';
import { SUCCESS } from './probe';
import type { ProbeOutcome } from './probe';

export type { ProbeResult } from './probe';

/** A connection's source and destination (connect-prober.ts ConnTarget) and its connect_timeout. */
export interface ProbeTarget extends ConnTarget {
  connectTimeoutMs: number;
}

/**
 * A connecting Node socket for a checker that talks through Node (SSL_GET, SMTP_CHECK): Node's
 * own connect, or — for bind_if / fwmark, which Node cannot set — a descriptor made by the
 * native addon (options set, bound to bindto:bind_port or the wildcard), connected by Node as
 * usual. Throws on a bind or setsockopt error, naming it.
 */
export function checkerSocket(t: ProbeTarget): net.Socket {
  if (!needsSocketOptions(t)) return net.connect(connectOptions(t));
  const fd = checkerSocketFd(t);
  // manualStart: reading starts once connected (an unconnected socket would report ENOTCONN).
  const sock = new net.Socket({ fd, manualStart: true } as net.SocketConstructorOpts);
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
    try {
      connectProbe(t, { stepMs: t.connectTimeoutMs, wholeMs: t.connectTimeoutMs, request: null }, new TcpConnect(t.connectTimeoutMs, resolve));
    } catch (e) {
      resolve({ result: 'failed', reason: `TCP socket bind failed: ${(e as Error).message}` });
    }
  });
}

/** A TCP_CHECK connect's events (one object per check, its methods called by the native prober). */
class TcpConnect implements ConnEvents {
  constructor(private readonly connectTimeoutMs: number, private readonly resolve: (o: ProbeOutcome) => void) {}

  onConnect(): void {
    this.resolve(SUCCESS);
  }

  onError(code: string): void {
    this.resolve({ result: 'failed', reason: `Error connecting (${code})` });
  }

  onTimeout(_connected: boolean, lateMs: number): void {
    this.resolve(lateMs > this.connectTimeoutMs ? { result: 'stalled', lateMs } : { result: 'timeout', reason: 'Timeout connecting' });
  }
}
