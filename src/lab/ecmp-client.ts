/**
 * The ECMP drill's client load, run inside the client namespace: new connections at a fixed
 * rate (each a new flow for the router's L4 hash: connect, GET, close) plus long-lived
 * connections (HTTP keep-alive, one request every `flowIntervalMs`), until `durationMs` or
 * SIGTERM. Prints one JSON line (EcmpClientRecord) at the end; the drill cuts it into phases.
 *
 * A new connection that gets no answer within `newTimeoutMs` is "hung"; one whose TCP handshake
 * took at least `synRetryMs` is "syn-retried" — its first SYN was lost and the kernel sent it
 * again after its initial RTO (1 s), so the request was answered only because the client
 * waited: for "new connections fail ≤ 1.5 s" that is a failed new connection, not a success.
 * Every new connection records its connect time. A long-lived
 * connection that errors, closes, or leaves a request unanswered for `flowTimeoutMs` is
 * "broken" (recorded with its time) and replaced by a new one.
 */
import * as net from 'node:net';

export interface EcmpClientOptions {
  host: string;
  port: number;
  durationMs: number;
  /** New connections per second. */
  newRate: number;
  newTimeoutMs: number;
  /** A handshake at least this long had its SYN retransmitted (default SYN_RETRY_MS). */
  synRetryMs?: number;
  /** Long-lived connections kept open. */
  flows: number;
  flowIntervalMs: number;
  flowTimeoutMs: number;
}

/**
 * Linux's initial SYN retransmission timeout is 1 s (TCP_TIMEOUT_INIT): a handshake this long
 * or longer needed a second SYN. The margin below 1 s covers timer slack, never a lab RTT
 * (sub-millisecond here); a client starved that long is judged inconclusive by its stalls.
 */
export const SYN_RETRY_MS = 900;

export interface NewConnEvent {
  t: number;
  /** syn-retried: answered, but only after the SYN was sent again (a failure for the new-connection target). */
  result: 'ok' | 'failed' | 'hung' | 'syn-retried';
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

/** An answered new connection: ok, or syn-retried when its handshake took a SYN retransmission. */
export function classifyAnswered(connectMs: number | null, synRetryMs: number): 'ok' | 'syn-retried' {
  return connectMs !== null && connectMs >= synRetryMs ? 'syn-retried' : 'ok';
}

export function runClient(o: EcmpClientOptions): Promise<EcmpClientRecord> {
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
      rec.newConns.push({ t, result, connectMs, detail });
      s.destroy();
    };
    const timer = setTimeout(() => finish('hung', 'timeout'), o.newTimeoutMs);
    s.setEncoding('utf8');
    s.on('connect', () => {
      connectMs = Number(process.hrtime.bigint() - t0) / 1e6;
      s.write(REQUEST);
    });
    s.on('data', (d: string) => {
      buf += d;
      const r = takeResponses(buf);
      if (r.bodies.length > 0) finish(classifyAnswered(connectMs, o.synRetryMs ?? SYN_RETRY_MS), r.bodies[0].trim());
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
    const brk = (reason: string) => {
      if (broken || stopping) return;
      broken = true;
      rec.flowBreaks.push({ t: Date.now(), port: s.localPort ?? 0, reason });
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
