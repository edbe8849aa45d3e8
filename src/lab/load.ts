/**
 * The lab's client load: HTTP GETs and DNS queries on a fixed schedule (one of each kind per
 * slot, rateHz slots a second), each on a fresh connection/socket so IPVS schedules every one.
 *
 * What a request counts as is decided by when its reply arrived, never by which callback ran
 * first: a reply read within `timeout-ms` of the send is `answered`; one read later (up to
 * `late-ms`) is `late`; an error or no reply by then is `failed`. The give-up timer only arms a
 * check after the poll phase (setImmediate), so a reply already waiting in the socket is read
 * before the request is given up. A slot whose time passed by more than one period before the
 * client could send it (the client was stalled) is `not-sent`, never sent late in a burst.
 *
 * The client's own lag (event-loop delay, tick slip, send slip: client-lag.ts) is recorded beside
 * the samples, so the drill can tell a valid measurement from a starved one.
 *
 * Output: JSON lines in --out FILE, written in batches every 100 ms (a file, not a pipe, so a
 * slow reader can never block the client):
 *   {"k":"http","slot":1795356000100,"t0":1795356000100.4,"t1":1795356000102.1,"ok":true,"o":"answered","srv":"web2"}
 *   {"k":"dns","slot":...,"t0":...,"t1":...,"ok":false,"o":"failed","err":"timeout"}
 *   {"k":"http","slot":...,"t0":...,"t1":...,"ok":false,"o":"not-sent"}
 *   {"k":"lag","t":1795356000100,"loop":10.2,"tick":0.4,"send":0.3}
 *   {"k":"stall","from":...,"to":...}
 *   {"k":"summary","started":1200,"notSent":0,"hung":0,"rateHz":20,"timeoutMs":1000,"lateMs":3000}
 * Bounded: stops after --duration-s seconds or on SIGTERM, and waits for requests in flight
 * at most `late-ms` plus slack.
 *
 * Run inside the client namespace:
 *   node dist/lab/load.js --http 192.168.1.202:80 --dns 192.168.1.200:53 [--http6 [2001:db8:1::202]:80] --out /run/x.jsonl
 */
import { createSocket } from 'node:dgram';
import { closeSync, openSync, writeSync } from 'node:fs';
import { connect } from 'node:net';
import { decodeResponse, encodeQuery, TYPE } from './dns-message';
import { serverOfPage } from './web-server';
import { ClientLag, epochNow, LagRecord, StallRecord } from './client-lag';

export type Outcome = 'answered' | 'late' | 'failed' | 'not-sent';

/** HTTP over IPv4, DNS over IPv4, HTTP over IPv6 (`--http6`, the dual-stack lab). */
export type SampleKind = 'http' | 'dns' | 'http6';

export interface Sample {
  k: SampleKind;
  /** When the schedule wanted it sent, epoch ms. */
  slot?: number;
  /** Sent (or, for not-sent, the slot), epoch ms. */
  t0: number;
  /** Reply read, error, or give-up; epoch ms. */
  t1: number;
  /** Answered within the timeout. */
  ok: boolean;
  /** Absent in recordings older than the outcome classes: then ok ? answered : failed. */
  o?: Outcome;
  srv?: string;
  err?: string;
}

export interface LoadSummary {
  k: 'summary';
  started: number;
  notSent: number;
  hung: number;
  rateHz: number;
  timeoutMs: number;
  lateMs: number;
}

export type LoadRecord = Sample | LagRecord | StallRecord | LoadSummary;

export function outcomeOf(s: Sample): Outcome {
  return s.o ?? (s.ok ? 'answered' : 'failed');
}

/** Classifies a reply read at t1 for a request sent at t0. */
export function replyOutcome(t0: number, t1: number, timeoutMs: number): Outcome {
  return t1 - t0 <= timeoutMs ? 'answered' : 'late';
}

/** Parses a load recording (JSON lines); a torn last line (the writer killed mid-write) is dropped. */
export function parseRecords(text: string): LoadRecord[] {
  const out: LoadRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as LoadRecord);
    } catch {
      /* torn line */
    }
  }
  return out;
}

type Done = (s: Sample) => void;

interface Opts {
  timeoutMs: number;
  lateMs: number;
}

/**
 * Gives up on a request `lateMs` after its send, but only after the poll phase that follows the
 * timer: a reply that arrived while the client was held up is read first.
 */
function giveUpTimer(lateMs: number, giveUp: () => void): NodeJS.Timeout {
  return setTimeout(() => setImmediate(giveUp), lateMs);
}

function httpOnce(k: 'http' | 'http6', host: string, port: number, req: Buffer, slot: number, o: Opts, done: Done): void {
  const t0 = epochNow();
  let finished = false;
  let body = '';
  let lastData = 0;
  const sock = connect({ host, port, noDelay: true });
  const finish = (s: Partial<Sample>, t1: number) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    sock.destroy();
    done({ k, slot, t0, t1, ok: false, ...s });
  };
  const timer = giveUpTimer(o.lateMs, () => finish({ o: 'failed', err: 'timeout' }, epochNow()));
  sock.setEncoding('latin1');
  sock.on('connect', () => sock.write(req));
  sock.on('data', (c: string) => {
    lastData = epochNow();
    if (body.length < 4096) body += c;
  });
  sock.on('end', () => {
    const t1 = lastData || epochNow();
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(body);
    const srv = serverOfPage(body);
    if (status?.[1] === '200' && srv) {
      const outcome = replyOutcome(t0, t1, o.timeoutMs);
      finish({ ok: outcome === 'answered', o: outcome, srv }, t1);
    } else finish({ o: 'failed', err: status ? `status ${status[1]}` : 'bad reply' }, t1);
  });
  sock.on('error', (e: NodeJS.ErrnoException) => finish({ o: 'failed', err: e.code ?? e.message }, epochNow()));
}

let dnsId = 1;
function dnsOnce(host: string, port: number, query: Buffer, slot: number, o: Opts, done: Done): void {
  const id = dnsId++ & 0xffff;
  const msg = Buffer.from(query);
  msg.writeUInt16BE(id, 0);
  const sock = createSocket('udp4');
  let finished = false;
  const t0 = epochNow();
  const finish = (s: Partial<Sample>, t1: number) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    sock.close();
    done({ k: 'dns', slot, t0, t1, ok: false, ...s });
  };
  const timer = giveUpTimer(o.lateMs, () => finish({ o: 'failed', err: 'timeout' }, epochNow()));
  sock.on('message', (m) => {
    const t1 = epochNow();
    try {
      const r = decodeResponse(m);
      if (r.id !== id) return;
      const txt = r.answers.find((a) => a.type === TYPE.TXT);
      if (r.rcode === 0 && txt) {
        const outcome = replyOutcome(t0, t1, o.timeoutMs);
        finish({ ok: outcome === 'answered', o: outcome, srv: txt.data }, t1);
      } else finish({ o: 'failed', err: `rcode ${r.rcode}` }, t1);
    } catch (e) {
      finish({ o: 'failed', err: (e as Error).message }, t1);
    }
  });
  sock.on('error', (e: NodeJS.ErrnoException) => finish({ o: 'failed', err: e.code ?? e.message }, epochNow()));
  // whoami.lab.local TXT names the lab's DNS server that answered (see dns-zone.ts)
  sock.send(msg, port, host);
}

/** HOST:PORT or [IPV6]:PORT. */
function hostPort(spec: string): [string, number] {
  const i = spec.lastIndexOf(':');
  return [spec.slice(0, i).replace(/^\[(.*)\]$/, '$1'), Number(spec.slice(i + 1))];
}

async function main(argv: string[]): Promise<void> {
  const opt: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) opt[argv[i].replace(/^--/, '')] = argv[i + 1];
  const rateHz = Number(opt['rate-hz'] ?? 50);
  const timeoutMs = Number(opt['timeout-ms'] ?? 300);
  const lateMs = Number(opt['late-ms'] ?? timeoutMs * 3);
  const durationMs = Number(opt['duration-s'] ?? 30) * 1000;
  if (!opt.out) {
    process.stderr.write('load: --out FILE is required\n');
    process.exit(2);
  }
  const fd = openSync(opt.out, 'w');
  let pending: string[] = [];
  const write = (r: LoadRecord) => pending.push(JSON.stringify(r));
  const flush = () => {
    if (pending.length === 0) return;
    writeSync(fd, `${pending.join('\n')}\n`);
    pending = [];
  };
  const lag = new ClientLag((r) => write(r));
  const o: Opts = { timeoutMs, lateMs };
  let inflight = 0;
  let started = 0;
  let notSent = 0;
  const done: Done = (s) => {
    inflight--;
    write(s);
  };
  const kinds: Array<(slot: number) => void> = [];
  const kindNames: SampleKind[] = [];
  for (const k of ['http', 'http6'] as const) {
    const spec = opt[k];
    if (!spec) continue;
    const [h, p] = hostPort(spec);
    const req = Buffer.from(`GET / HTTP/1.0\r\nHost: ${spec}\r\nUser-Agent: halo-lab\r\nConnection: close\r\n\r\n`, 'latin1');
    kinds.push((slot) => httpOnce(k, h, p, req, slot, o, done));
    kindNames.push(k);
  }
  if (opt.dns) {
    const [h, p] = hostPort(opt.dns);
    const query = encodeQuery(0, 'whoami.lab.local', TYPE.TXT);
    kinds.push((slot) => dnsOnce(h, p, query, slot, o, done));
    kindNames.push('dns');
  }

  lag.start();
  const flusher = setInterval(flush, 100);
  const period = 1000 / rateHz;
  const start = Math.ceil(epochNow() / period) * period;
  const end = start + durationMs;
  let i = 0;
  let stop = false;
  process.on('SIGTERM', () => (stop = true));
  while (!stop) {
    const now = epochNow();
    // every slot already due: the newest is sent if it is less than a period late; older ones
    // were missed while the client was held up and are recorded as such, not sent in a burst
    for (; start + i * period <= now; i++) {
      const slot = start + i * period;
      if (slot >= end) break;
      const slip = now - slot;
      if (slip >= period) {
        for (const k of kindNames) write({ k, slot, t0: slot, t1: slot, ok: false, o: 'not-sent', err: 'client stalled' });
        notSent += kindNames.length;
        continue;
      }
      lag.noteSendSlip(slip);
      for (const send of kinds) {
        inflight++;
        started++;
        send(slot);
      }
    }
    if (start + i * period >= end) break;
    const wait = start + i * period - epochNow();
    await new Promise((r) => setTimeout(r, Math.max(0, wait)));
  }
  // every request ends in a reply, an error or its own give-up timer; whatever is still open
  // well after the last give-up never ended: it hung
  const deadline = epochNow() + lateMs + 2000;
  while (inflight > 0 && epochNow() < deadline) await new Promise((r) => setTimeout(r, 50));
  lag.stop();
  clearInterval(flusher);
  write({ k: 'summary', started, notSent, hung: inflight, rateHz, timeoutMs, lateMs });
  flush();
  closeSync(fd);
  process.exit(0);
}

if (require.main === module) void main(process.argv.slice(2));
