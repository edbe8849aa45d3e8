/**
 * A checker's TCP connection on a bare libuv TCP handle (Node's tcp_wrap / stream_wrap
 * bindings, the layer net.Socket is built on), for the checks that connect, maybe send one
 * request, read to EOF and close: TCP_CHECK and plain HTTP_GET. No stream, event emitter or
 * destroy machinery per check: at thousands of checks a second that machinery was about half of
 * a TCP_CHECK's CPU and a quarter of an HTTP_GET's (test/bench/check/run.js). SSL_GET and
 * SMTP_CHECK, which need TLS or a dialogue, keep net.Socket (tcp-probe.ts checkerSocket).
 *
 * bindto / bind_port bind the handle first (the wildcard of the family for a port alone);
 * bind_if / fwmark are set on its descriptor by the native addon, which Node cannot do.
 */
import { getSystemErrorName } from 'node:util';
import { haloNative } from '../net/native';

/** The source and destination of a checker's connection (TCP_CHECK's fields). */
export interface ConnTarget {
  connectIp: string;
  connectPort: number;
  bindto: string | null;
  bindPort: number | null;
  bindIf?: string | null;
  fwmark?: number | null;
}

/** libuv's TCP handle as Node's tcp_wrap binding exposes it. */
export interface TcpHandle {
  fd: number;
  bind(address: string, port: number): number;
  bind6(address: string, port: number, flags: number): number;
  connect(req: object, address: string, port: number): number;
  connect6(req: object, address: string, port: number): number;
  useUserBuffer(buf: Uint8Array): void;
  readStart(): number;
  writeBuffer(req: object, buf: Uint8Array): number;
  close(): void;
  onread: ((arrayBuffer: ArrayBuffer | undefined) => void) | null;
}

interface Bindings {
  TCP: new (type: number) => TcpHandle;
  TCPConnectWrap: new () => { oncomplete: (status: number) => void };
  WriteWrap: new () => { oncomplete: (status: number) => void; handle: TcpHandle; buffer: Uint8Array };
  SOCKET: number;
  /** streamBaseState[kReadBytesOrError]: a read's byte count or negative errno. */
  readState: Int32Array;
  kReadBytesOrError: number;
  UV_EOF: number;
}

let bindings: Bindings | null = null;
function b(): Bindings {
  if (bindings) return bindings;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const tcp = (process as any).binding('tcp_wrap');
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const stream = (process as any).binding('stream_wrap');
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const uv = (process as any).binding('uv');
  bindings = {
    TCP: tcp.TCP, TCPConnectWrap: tcp.TCPConnectWrap, SOCKET: tcp.constants.SOCKET, WriteWrap: stream.WriteWrap,
    readState: stream.streamBaseState, kReadBytesOrError: stream.kReadBytesOrError, UV_EOF: uv.UV_EOF,
  };
  return bindings;
}

/** bind_if or fwmark: options Node cannot set, so the descriptor is bound and set up first. */
export function needsSocketOptions(t: ConnTarget): boolean {
  return (t.bindIf ?? null) !== null || (t.fwmark ?? null) !== null;
}

/**
 * A TCP handle for a checker, not yet connected, bound and with its socket options set as the
 * target says. Throws on a bind or setsockopt error, naming it (the handle is closed then).
 */
export function checkerHandle(t: ConnTarget): TcpHandle {
  const v6 = t.connectIp.includes(':');
  const { TCP, SOCKET } = b();
  const h = new TCP(SOCKET);
  const special = needsSocketOptions(t);
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

/** What a raw connection reports; nothing is reported after close(). */
export interface RawEvents {
  onConnect(): void;
  /** A chunk read: valid only during the call (it lies in the shared read buffer). */
  onData?(chunk: Buffer): void;
  /** EOF from the peer. */
  onEnd?(): void;
  /** An error, with its errno name (ECONNREFUSED, …) and the call that failed. */
  onError(code: string, syscall: 'connect' | 'read' | 'write'): void;
}

/**
 * Connects at once. Reads (after connect, when `onData` is given) land in `readBuffer`, which
 * every connection may share: a chunk is handed over synchronously and never kept.
 * The constructor throws on a bind or socket-option error.
 */
export class RawTcpConnection {
  private readonly h: TcpHandle;
  private closed = false;

  constructor(t: ConnTarget, private readonly ev: RawEvents, private readonly readBuffer?: Buffer) {
    this.h = checkerHandle(t);
    const req = new (b().TCPConnectWrap)();
    req.oncomplete = (status) => this.connected(status);
    const err = t.connectIp.includes(':') ? this.h.connect6(req, t.connectIp, t.connectPort) : this.h.connect(req, t.connectIp, t.connectPort);
    // reported on the next tick, as Node does, so the caller has its handlers and timer set
    if (err) process.nextTick(() => this.error(err, 'connect'));
  }

  private error(status: number, syscall: 'connect' | 'read' | 'write'): void {
    if (!this.closed) this.ev.onError(getSystemErrorName(status), syscall);
  }

  private connected(status: number): void {
    if (this.closed) return; // a connect still pending at close() completes with ECANCELED
    if (status !== 0) {
      this.error(status, 'connect');
      return;
    }
    const onData = this.ev.onData;
    if (onData && this.readBuffer) {
      const buf = this.readBuffer;
      const { readState, kReadBytesOrError, UV_EOF } = b();
      this.h.useUserBuffer(buf);
      this.h.onread = () => {
        if (this.closed) return;
        const n = readState[kReadBytesOrError];
        if (n > 0) onData(buf.subarray(0, n));
        else if (n === UV_EOF) this.ev.onEnd?.();
        else if (n < 0) this.error(n, 'read');
      };
      const err = this.h.readStart();
      if (err) {
        this.error(err, 'read');
        return;
      }
    }
    this.ev.onConnect();
  }

  /** Sends `buf` (kept referenced until written); a failure is reported as a write error. */
  write(buf: Buffer): void {
    if (this.closed) return;
    const req = new (b().WriteWrap)();
    req.handle = this.h;
    req.buffer = buf;
    req.oncomplete = (status) => { if (status < 0) this.error(status, 'write'); };
    const err = this.h.writeBuffer(req, buf);
    if (err) process.nextTick(() => this.error(err, 'write'));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.h.close();
  }
}
