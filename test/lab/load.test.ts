/**
 * The lab's load generator for real, on loopback: its outcome classes, its own lag record, and
 * that a client stall leaves unsent slots rather than a burst. (dist/lab/load.js: the compiled
 * generator the drill runs; `npx tsc -p tsconfig.json` builds it.)
 */
import { spawn } from 'node:child_process';
import { createSocket, Socket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo, createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LagRecord, StallRecord } from '../../src/lab/client-lag';
import { LoadRecord, LoadSummary, parseRecords, replyOutcome, Sample } from '../../src/lab/load';
import { page } from '../../src/lab/web-server';

const LOAD = join(__dirname, '..', '..', 'dist', 'lab', 'load.js');
let dir: string;
const servers: Array<Server | Socket> = [];

function web(delayMs: number): Promise<number> {
  const s = createServer((req, res) => {
    setTimeout(() => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(page('webt', req.socket.localAddress ?? '?', req.socket.remoteAddress ?? '?'));
    }, delayMs);
  });
  servers.push(s);
  return new Promise((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));
}

/** Answers every query with one TXT record naming the server, as the lab's bind9 does for whoami. */
function dns(): Promise<number> {
  const s = createSocket('udp4');
  s.on('message', (q, from) => {
    const txt = Buffer.from('dnst');
    const hdr = Buffer.from(q.subarray(0, 12));
    hdr.writeUInt16BE(0x8580, 2);
    hdr.writeUInt16BE(1, 6);
    const answer = Buffer.concat([Buffer.from('c00c001000010000003c', 'hex'), Buffer.from([0, txt.length + 1, txt.length]), txt]);
    s.send(Buffer.concat([hdr, q.subarray(12), answer]), from.port, from.address);
  });
  servers.push(s);
  return new Promise((r) => s.bind(0, '127.0.0.1', () => r(s.address().port)));
}

/** A port nobody listens on. */
async function closedPort(): Promise<number> {
  const s = createTcpServer();
  const port = await new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));
  await new Promise((r) => s.close(r));
  return port;
}

async function runLoad(args: string[], during?: (pid: number) => Promise<void>): Promise<LoadRecord[]> {
  const out = join(dir, `load-${Math.random().toString(36).slice(2)}.jsonl`);
  const p = spawn(process.execPath, [LOAD, ...args, '--out', out], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<number | null>((r) => p.once('exit', r));
  if (during) await during(p.pid!);
  expect(await exited).toBe(0);
  return parseRecords(readFileSync(out, 'utf8'));
}

const samples = (rs: LoadRecord[]) => rs.filter((r): r is Sample => r.k === 'http' || r.k === 'dns');
const summary = (rs: LoadRecord[]) => rs.find((r): r is LoadSummary => r.k === 'summary')!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'halo-load-'));
});
afterAll(() => {
  for (const s of servers) s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('lab load generator', () => {
  it('classifies a reply by when it came: within the timeout answered, after it late', () => {
    expect(replyOutcome(1000, 1300, 300)).toBe('answered');
    expect(replyOutcome(1000, 1300.1, 300)).toBe('late');
  });

  it('answers HTTP and DNS, one of each per slot, and records its own lag for every 100 ms', async () => {
    const [h, d] = await Promise.all([web(0), dns()]);
    const rs = await runLoad(['--http', `127.0.0.1:${h}`, '--dns', `127.0.0.1:${d}`, '--rate-hz', '20', '--timeout-ms', '500', '--duration-s', '1.5']);
    const s = samples(rs);
    expect(s.filter((x) => x.k === 'http').length).toBe(30);
    expect(s.filter((x) => x.k === 'dns').length).toBe(30);
    // on a busy machine the client itself may run late: then a slot is not sent or a reply late,
    // but nothing fails and every sent request is accounted for
    const sent = s.filter((x) => x.o !== 'not-sent');
    for (const x of sent) expect(['answered', 'late']).toContain(x.o);
    expect(new Set(sent.map((x) => x.srv))).toEqual(new Set(['webt', 'dnst']));
    expect(summary(rs)).toMatchObject({ started: sent.length, notSent: 60 - sent.length, hung: 0, rateHz: 20, timeoutMs: 500 });
    const lag = rs.filter((r): r is LagRecord => r.k === 'lag').map((r) => r.t);
    for (let i = 1; i < lag.length; i++) expect(lag[i] - lag[i - 1]).toBe(100);
    expect(lag[lag.length - 1] - lag[0]).toBeGreaterThanOrEqual(1400);
  });

  it('reads a reply that came after the timeout and counts it late, not failed; a refused one fails', async () => {
    const slow = await web(400);
    const late = samples(await runLoad(['--http', `127.0.0.1:${slow}`, '--rate-hz', '5', '--timeout-ms', '200', '--late-ms', '10000', '--duration-s', '1']));
    expect(late.length).toBe(5);
    for (const x of late) expect(x).toMatchObject({ o: 'late', ok: false, srv: 'webt' });
    const refused = samples(await runLoad(['--http', `127.0.0.1:${await closedPort()}`, '--rate-hz', '5', '--timeout-ms', '200', '--duration-s', '1']));
    for (const x of refused) expect(x).toMatchObject({ o: 'failed', err: 'ECONNREFUSED' });
  });

  it('after a stall records the slots it missed as not sent, never sends them in a burst', async () => {
    const h = await web(0);
    const period = 50;
    const rs = await runLoad(['--http', `127.0.0.1:${h}`, '--rate-hz', '20', '--timeout-ms', '500', '--duration-s', '2.5'], async (pid) => {
      await sleep(800);
      process.kill(pid, 'SIGSTOP'); // the client starved: not scheduled at all
      await sleep(700);
      process.kill(pid, 'SIGCONT');
    });
    const s = samples(rs);
    const notSent = s.filter((x) => x.o === 'not-sent');
    expect(notSent.length).toBeGreaterThanOrEqual(8);
    expect(summary(rs).notSent).toBe(notSent.length);
    // every slot appears exactly once, and every request actually sent left within a period of its slot
    const slots = s.map((x) => x.slot!);
    expect(new Set(slots).size).toBe(slots.length);
    expect(slots.length).toBe(50);
    for (const x of s.filter((y) => y.o !== 'not-sent')) expect(x.t0 - x.slot!).toBeLessThan(period);
    const stalls = rs.filter((r): r is StallRecord => r.k === 'stall');
    expect(Math.max(...stalls.map((x) => x.to - x.from))).toBeGreaterThanOrEqual(500);
    const lag = rs.filter((r): r is LagRecord => r.k === 'lag');
    expect(lag.filter((r) => r.tick >= 500).length).toBeGreaterThanOrEqual(5); // every bucket the stall covered
  });
});
