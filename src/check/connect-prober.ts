/**
 * The checkers' TCP connections in the native addon (native/src/connect_prober.cc): TCP_CHECK
 * and plain HTTP_GET. Each check is a non-blocking socket, connect, (send, read to EOF) and close
 * in C++ on one epoll set; the results of every check that completed in one turn of the event
 * loop reach JavaScript in one callback. No Node socket, libuv handle, request or stream object
 * per check (profiling had shown Node's socket machinery was about half a TCP_CHECK's CPU).
 *
 * Timeouts are kept in native too, as the checker's rules say: a step (connect, then each read)
 * may take `stepMs` from the last activity, the whole exchange `wholeMs`. When a timeout is due,
 * the socket's real state is read first (a connect or read that completed while the process was
 * stalled is a result), and the timeout carries how late it was seen: the caller refuses a
 * verdict made by its own stall (deadline.ts's rule).
 *
 * SSL_GET and SMTP_CHECK keep Node's net.Socket/TLS; for bind_if / fwmark they get their
 * descriptor from `checkerSocketFd` (bound, options set, not connected).
 */
import { getSystemErrorName } from 'node:util';
import { haloNative } from '../net/native';
import type { NativeConnectProber } from '../net/native';

/** The source and destination of a checker's connection (TCP_CHECK's fields). */
export interface ConnTarget {
  connectIp: string;
  connectPort: number;
  bindto: string | null;
  bindPort: number | null;
  bindIf?: string | null;
  fwmark?: number | null;
}

/** What a connection reports; nothing is reported after close() or after its last event. */
export interface ConnEvents {
  onConnect(): void;
  /** A chunk read: valid only during the call (it lies in the shared data buffer). */
  onData?(chunk: Buffer): void;
  /** EOF from the peer (last event). */
  onEnd?(): void;
  /** An error, with its errno name (ECONNREFUSED, …) and the call that failed (last event). */
  onError(code: string, syscall: 'connect' | 'read' | 'write'): void;
  /**
   * The step or the whole exchange ran out (last event): `connected` says whether the connect
   * had completed, `lateMs` how late the timeout was seen (the process's own lateness).
   */
  onTimeout(connected: boolean, lateMs: number): void;
}

export interface ConnLimits {
  /** connect_timeout: the connect, and each later wait for data, from the last activity. */
  stepMs: number;
  /** The whole exchange (= stepMs for a connect alone). */
  wholeMs: number;
  /** Sent once connected; then the response is read to EOF. Without it the check ends at the connect. */
  request: Buffer | null;
}

const RECORD_FIELDS = 4;
const RECORDS = 8192;
const EV_CONNECTED = 1;
const EV_DATA = 2;
const EV_END = 3;
const EV_ERROR = 4;
const EV_TIMEOUT = 5;
const SYSCALLS = ['connect', 'read', 'write'] as const;

let prober: NativeConnectProber | null = null;
const records = new Float64Array(RECORDS * RECORD_FIELDS);
let data: Buffer | null = null;
const live = new Map<number, ConnEvents>();
let nextId = 1;

function dispatch(count: number): void {
  const d = data as Buffer;
  for (let i = 0; i < count; i++) {
    const at = i * RECORD_FIELDS;
    const id = records[at];
    const ev = live.get(id);
    if (ev === undefined) continue; // closed by its owner earlier in this batch
    const type = records[at + 1];
    try {
      if (type === EV_CONNECTED) {
        ev.onConnect();
      } else if (type === EV_DATA) {
        const off = records[at + 2];
        ev.onData?.(d.subarray(off, off + records[at + 3]));
      } else {
        live.delete(id);
        if (type === EV_END) ev.onEnd?.();
        else if (type === EV_ERROR) ev.onError(getSystemErrorName(-records[at + 2]), SYSCALLS[records[at + 3]] ?? 'connect');
        else if (type === EV_TIMEOUT) ev.onTimeout(records[at + 2] === 1, records[at + 3]);
      }
    } catch (e) {
      // one check's handler failing must not lose the rest of the batch's results
      process.nextTick(() => { throw e; });
    }
  }
}

function nativeProber(): NativeConnectProber {
  if (prober) return prober;
  data = Buffer.allocUnsafe(1024 * 1024);
  prober = new (haloNative().ConnectProber)(dispatch, records, data);
  return prober;
}

/** A check's connection in flight; close() ends it (idempotent; nothing is reported after). */
export interface Connection {
  close(): void;
}

/**
 * Starts a connection now. Events come from the event loop, never from inside this call.
 * Throws on a bind or socket-option error, named (bind 192.0.2.1:0: EADDRNOTAVAIL).
 */
export function connectProbe(t: ConnTarget, limits: ConnLimits, ev: ConnEvents): Connection {
  const p = nativeProber();
  const id = nextId++;
  p.probe(id, t.connectIp, t.connectPort, t.bindto, t.bindPort ?? -1, t.bindIf ?? null, t.fwmark ?? -1, limits.stepMs, limits.wholeMs, limits.request);
  live.set(id, ev);
  return new NativeConnection(p, id);
}

class NativeConnection implements Connection {
  constructor(private readonly p: NativeConnectProber, private readonly id: number) {}

  close(): void {
    if (live.delete(this.id)) this.p.cancel(this.id);
  }
}

/** Checks in flight in the native prober (tests: none left behind). */
export function connectionsInFlight(): number {
  return prober ? prober.inFlight() : 0;
}

/** Timeouts the native prober still holds (tests: an ended probe's timeout does not linger to wake the loop). */
export function timeoutsPending(): number {
  return prober ? prober.timeoutsPending() : 0;
}

/**
 * A non-blocking TCP socket for a checker that Node's net.Socket then connects (SSL_GET,
 * SMTP_CHECK): SO_MARK and SO_BINDTODEVICE set and bound to bindto:bind_port (the family's
 * wildcard for a port alone) first, as Node cannot. Throws on a bind or setsockopt error, named.
 */
export function checkerSocketFd(t: ConnTarget): number {
  return haloNative().openCheckerSocket(t.connectIp.includes(':') ? 6 : 4, t.bindto, t.bindPort ?? -1, t.bindIf ?? null, t.fwmark ?? -1);
}

/** bind_if or fwmark: options Node cannot set itself. */
export function needsSocketOptions(t: ConnTarget): boolean {
  return (t.bindIf ?? null) !== null || (t.fwmark ?? null) !== null;
}
