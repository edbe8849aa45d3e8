/**
 * The TCP_CHECK probe: a non-blocking connect to connect_ip:connect_port (optionally from
 * bindto:bind_port), bounded by connect_timeout. Connected = success, then the socket is
 * closed at once (keepalived closes the fd without sending data). The timeout is a
 * Deadline: a connect that completed while the process was stalled wins over the timer, and a
 * stall longer than the timeout gives no verdict.
 *
 * TCP_CHECK never reads or writes, so it connects a bare libuv TCP handle (Node's tcp_wrap,
 * which net.Socket wraps) and closes it: no stream, no event emitter, no destroy machinery per
 * check. At 10,000 targets a second that machinery was about half of the checker's CPU
 * (test/bench/check/run.js). HTTP_GET and SMTP_CHECK, which exchange data, keep net.Socket.
 */
import * as net from 'node:net';
import { getSystemErrorName } from 'node:util';
import { haloNative } from '../net/native';
import { armDeadline } from './deadline';
import { SUCCESS } from './probe';
import type { ProbeOutcome } from './probe';

export type { ProbeResult } from './probe';

export interface ProbeTarget {
  connectIp: string;
  connectPort: number;
  bindto: string | null;
  bindPort: number | null;
  bindIf?: string | null;
  fwmark?: number | null;
  connectTimeoutMs: number;
}

/** The libuv TCP handle Node's net.Socket is built on (internal tcp_wrap binding). */
interface TcpHandle {
  fd: number;
  bind(address: string, port: number): number;
  bind6(address: string, port: number, flags: number): number;
  connect(req: TcpConnectReq, address: string, port: number): number;
  connect6(req: TcpConnectReq, address: string, port: number): number;
  close(): void;
}

/** A connect request: `oncomplete` gets 0 or a negative errno (libuv's). */
interface TcpConnectReq {
  oncomplete: (status: number) => void;
}

interface TcpWrap {
  TCP: new (type: number) => TcpHandle;
  TCPConnectWrap: new () => TcpConnectReq;
  constants: { SOCKET: number };
}

let tcpWrapBinding: TcpWrap | null = null;
function tcpWrap(): TcpWrap {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  tcpWrapBinding ??= (process as any).binding('tcp_wrap') as TcpWrap;
  return tcpWrapBinding;
}

/**
 * A TCP handle for a checker, not yet connected: bound first when the check names a source
 * (bindto, bind_port: the wildcard of its family for a port alone), with bind_if / fwmark set on
 * the descriptor by the native addon (Node cannot set them). Throws on a bind or setsockopt
 * error, naming it; the handle is closed then.
 */
function checkerHandle(t: ProbeTarget, v6: boolean): TcpHandle {
  const { TCP, constants } = tcpWrap();
  const h = new TCP(constants.SOCKET);
  const special = (t.bindIf ?? null) !== null || (t.fwmark ?? null) !== null;
  try {
    if (special || t.bindto !== null || t.bindPort !== null) {
      const addr = t.bindto ?? (v6 ? '::' : '0.0.0.0');
      const err = v6 ? h.bind6(addr, t.bindPort ?? 0, 0) : h.bind(addr, t.bindPort ?? 0);
      if (err) throw new Error(`bind ${addr}:${t.bindPort ?? 0}: ${getSystemErrorName(err)}`);
    }
    if (special) haloNative().setCheckerSocketOptions(h.fd, t.fwmark ?? null, t.bindIf ?? null);
  } catch (e) {
    h.close();
    throw e;
  }
  return h;
}

/**
 * A connecting TCP socket for a checker: Node's own connect, or — for bind_if / fwmark, which
 * Node cannot set — a TCP handle bound first (bindto:bind_port or the wildcard), its options
 * set on the descriptor (native addon), then connected by Node as usual. Throws on a bind or
 * setsockopt error, naming it.
 */
export function checkerSocket(t: ProbeTarget): net.Socket {
  if ((t.bindIf ?? null) === null && (t.fwmark ?? null) === null) return net.connect(connectOptions(t));
  const h = checkerHandle(t, t.connectIp.includes(':'));
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
    let h: TcpHandle;
    try {
      h = checkerHandle(t, t.connectIp.includes(':'));
    } catch (e) {
      resolve({ result: 'failed', reason: `TCP socket bind failed: ${(e as Error).message}` });
      return;
    }
    let settled = false;
    const done = (r: ProbeOutcome) => {
      if (settled) return;
      settled = true;
      deadline.cancel();
      h.close(); // a connect still pending completes with ECANCELED, after settled
      resolve(r);
    };
    const failed = (status: number): ProbeOutcome => ({ result: 'failed', reason: `Error connecting (${getSystemErrorName(status)})` });
    const deadline = armDeadline(t.connectTimeoutMs, (e) => {
      if (e.stalled) done({ result: 'stalled', lateMs: e.lateMs });
      else done({ result: 'timeout', reason: 'Timeout connecting' });
    });
    const req = new (tcpWrap().TCPConnectWrap)();
    req.oncomplete = (status) => done(status === 0 ? SUCCESS : failed(status));
    // an address of the other family or a bad one fails here, as Node's connect reports it
    const err = t.connectIp.includes(':') ? h.connect6(req, t.connectIp, t.connectPort) : h.connect(req, t.connectIp, t.connectPort);
    if (err) done(failed(err));
  });
}
