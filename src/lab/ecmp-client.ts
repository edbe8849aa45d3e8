/**
 * The ECMP drill's client load, run inside the client namespace: new connections at a fixed
 * rate (each a new flow for the router's L4 hash: connect, GET, close) plus long-lived
 * connections (HTTP keep-alive, one request every `flowIntervalMs`), until `durationMs` or
 * SIGTERM. Prints one JSON line (EcmpClientRecord) at the end; the drill cuts it into phases.
 *
 * Every new connection attempt is bounded by `connectTimeoutMs` (default CONNECT_TIMEOUT_MS,
 * well below Linux's 1 s initial SYN RTO): an attempt not established by then is abandoned and
 * counted "timeout", a failed new connection. So each attempt is one SYN, never answered thanks
 * to a retransmission a second later — a SYN swallowed by a dead director is a failure, and the
 * window in which new connections fail is measured by the attempts themselves (first failed →
 * last failed), not hidden by the kernel's retry. One established but not answered within
 * `newTimeoutMs` is "hung". Every new connection records its connect time. A long-lived
 * connection that errors, closes, or leaves a request unanswered for `flowTimeoutMs` is
 * "broken" (recorded with its time) and replaced by a new one; a replacement that does not
 * connect is retried, not counted.
 */
import * as net from 'node:net';

export interface EcmpClientOptions {
  host: string;
  port: number;
  durationMs: number;
  /** New connections per second. */
  newRate: number;
  newTimeoutMs: number;
  /** An attempt not established within this is abandoned as 'timeout' (default CONNECT_TIMEOUT_MS; must stay below the 1 s SYN RTO). */
  connectTimeoutMs?: number;
  /** Long-lived connections kept open. */
  flows: number;
  flowIntervalMs: number;
  flowTimeoutMs: number;
}

/**
 * Linux's initial SYN retransmission timeout is 1 s (TCP_TIMEOUT_INIT). An attempt is abandoned
 * at half of it, so it never sends a second SYN: the lab's RTT is sub-millisecond, and a client
 * timer late by 500 ms is a stall the drill sees (and the client kernel's SYN retransmission
 * count, which then rises above 0, shows it too).
 */
export const CONNECT_TIMEOUT_MS = 500;

export interface NewConnEvent {
  t: number;
  /** failed: refused/reset/closed; timeout: not established within connectTimeoutMs (its single SYN unanswered); hung: established, no answer. */
  result: 'ok' | 'failed' | 'timeout' | 'hung';
  /** connect() → established, ms; null when it never connected. */
  connectMs?: number | null;
  /** The answering real server (its body), or the error. */
  detail: string;
}

export interface FlowBreak {
  t: number;
  /** Local port of the broken connection (what `ipvsadm -Lnc` shows as the client's port). */
  port: number;
  reason: string;
}

export interface EcmpClientRecord {
  startedAt: number;
  endedAt: number;
  newConns: NewConnEvent[];
  flowBreaks: FlowBreak[];
  flowRequests: number;
  /** The client's own stalls: a 20 ms tick that came late by more than 20 ms (starvation: figures taken then are inconclusive). */
  stalls: Array<{ t: number; lateMs: number }>;
}

const REQUEST = 'GET / HTTP/1.1\r\nHost: vip\r\n\r\n';

/** Bodies of complete HTTP/1.1 responses with Content-Length in `buf`; the rest stays. */
export function takeResponses(buf: string): { bodies: string[]; rest: string } {
  const bodies: string[] = [];
  for (;;) {
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0) break;
    const m = /content-length:\s*(\d+)/i.exec(buf.slice(0, end));
    const len = m ? Number(m[1]) : 0;
    if (buf.length < end + 4 + len) break;
    bodies.push(buf.slice(end + 4, end + 4 + len));
    buf = buf.slice(end + 4 + len);
  }
  return { bodies, rest: buf };
}

export function runClient(o: EcmpClientOptions): Promise<EcmpClientRecord> {
  const connectTimeoutMs = o.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
  if (connectTimeoutMs >= 1000) throw new Error(`connectTimeoutMs ${connectTimeoutMs} is not below the 1 s SYN RTO: a retransmitted SYN would pass as a success`);
  const rec: EcmpClientRecord = { startedAt: Date.now(), endedAt: 0, newConns: [], flowBreaks: [], flowRequests: 0, stalls: [] };
  let stopping = false;
  const open = new Set<net.Socket>();
  const timers: NodeJS.Timeout[] = [];

  const newConn = () => {
    const t = Date.now();
    const t0 = process.hrtime.bigint();
    const s = net.connect(o.port, o.host);
    let buf = '';
    let done = false;
    let connectMs: number | null = null;
    const finish = (result: NewConnEvent['result'], detail: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(connectTimer);
      rec.newConns.push({ t, result, connectMs, detail });
      s.destroy();
    };
    const timer = setTimeout(() => finish('hung', 'no answer'), o.newTimeoutMs);
    const connectTimer = setTimeout(() => {
      // the elapsed time says when the timer really fired (a stalled client fires late)
      if (connectMs === null) finish('timeout', `not established in ${Math.round(Number(process.hrtime.bigint() - t0) / 1e6)} ms`);
    }, connectTimeoutMs);
    s.setEncoding('utf8');
    s.on('connect', () => {
      connectMs = Number(process.hrtime.bigint() - t0) / 1e6;
      s.write(REQUEST);
    });
    s.on('data', (d: string) => {
      buf += d;
      const r = takeResponses(buf);
      if (r.bodies.length > 0) finish('ok', r.bodies[0].trim());
    });
    s.on('error', (e: NodeJS.ErrnoException) => finish('failed', e.code ?? e.message));
    s.on('close', () => finish('failed', 'closed'));
  };

  const flow = () => {
    if (stopping) return;
    const s = net.connect(o.port, o.host);
    open.add(s);
    let buf = '';
    let pending: number | null = null;
    let broken = false;
    let established = false;
    // a replacement that does not connect is retried, never a broken flow (and, like a new
    // connection, never left to the kernel's SYN retransmission)
    const connectTimer = setTimeout(() => {
      if (!established) brk('not established');
    }, connectTimeoutMs);
    s.once('connect', () => (established = true));
    const brk = (reason: string) => {
      if (broken || stopping) return;
      broken = true;
      clearTimeout(connectTimer);
      if (established) rec.flowBreaks.push({ t: Date.now(), port: s.localPort ?? 0, reason });
      clearInterval(tick);
      open.delete(s);
      s.destroy();
      setTimeout(flow, 50);
    };
    const tick = setInterval(() => {
      if (pending !== null && Date.now() - pending > o.flowTimeoutMs) return brk('no answer');
      if (pending === null && s.readyState === 'open') {
        pending = Date.now();
        s.write(REQUEST);
      }
    }, o.flowIntervalMs);
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      buf += d;
      const r = takeResponses(buf);
      buf = r.rest;
      if (r.bodies.length > 0) {
        pending = null;
        rec.flowRequests += r.bodies.length;
      }
    });
    s.on('error', (e: NodeJS.ErrnoException) => brk(e.code ?? e.message));
    s.on('close', () => brk('closed'));
    (s as net.Socket & { tick?: NodeJS.Timeout }).tick = tick;
  };

  for (let i = 0; i < o.flows; i++) setTimeout(flow, i * 20);
  const period = 1000 / o.newRate;
  const t0 = Date.now();
  let sent = 0;
  // a fixed rate measured from the start (a stalled loop catches up instead of drifting)
  const pace = setInterval(() => {
    const due = Math.floor((Date.now() - t0) / period);
    for (; sent < due; sent++) newConn();
  }, Math.min(20, period));
  timers.push(pace);
  let lastTick = Date.now();
  timers.push(setInterval(() => {
    const now = Date.now();
    if (now - lastTick > 40) rec.stalls.push({ t: now, lateMs: now - lastTick - 20 });
    lastTick = now;
  }, 20));

  return new Promise((resolve) => {
    const end = () => {
      if (stopping) return;
      stopping = true;
      for (const t of timers) clearInterval(t);
      for (const s of open) {
        clearInterval((s as net.Socket & { tick?: NodeJS.Timeout }).tick);
        s.destroy();
      }
      // the new connections still in flight settle within their timeout
      setTimeout(() => {
        rec.endedAt = Date.now();
        resolve(rec);
      }, o.newTimeoutMs + 100);
    };
    setTimeout(end, o.durationMs);
    process.on('SIGTERM', end);
  });
}

if (require.main === module) {
  const o = JSON.parse(process.argv[2]) as EcmpClientOptions;
  // exit only once the record is flushed: stdout to a pipe is written asynchronously, and a
  // long run's record (every connection's handshake time) was cut short by an immediate exit
  void runClient(o).then((r) => process.stdout.write(`${JSON.stringify(r)}\n`, () => process.exit(0)));
}
