/**
 * The lab's client load: HTTP GETs and DNS queries at a fixed rate with short timeouts, each
 * request on a fresh connection/socket so IPVS schedules every one. One JSON line per finished
 * request on stdout, so the drill can compute outages after the fact:
 *   {"k":"http","t0":1795356000123.4,"t1":1795356000125.1,"ok":true,"srv":"web2"}
 *   {"k":"dns","t0":...,"t1":...,"ok":false,"err":"timeout"}
 * Bounded: stops after --duration-s seconds or on SIGTERM, whichever comes first, and waits
 * at most one timeout for requests in flight.
 *
 * Run inside the client namespace: node dist/lab/load.js --http 192.168.1.202:80 --dns 192.168.1.200:53
 */
import { createSocket } from 'node:dgram';
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { decodeResponse, encodeQuery, TYPE } from './dns-message';
import { serverOfPage } from './web-server';

export interface Sample {
  k: 'http' | 'dns';
  t0: number;
  t1: number;
  ok: boolean;
  srv?: string;
  err?: string;
}

const now = (): number => performance.timeOrigin + performance.now();

function httpOnce(host: string, port: number, timeoutMs: number): Promise<Sample> {
  const t0 = now();
  return new Promise((resolve) => {
    let done = false;
    const finish = (s: Omit<Sample, 'k' | 't0' | 't1'>) => {
      if (done) return;
      done = true;
      resolve({ k: 'http', t0, t1: now(), ...s });
    };
    const req = request({ host, port, path: '/', agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        const srv = serverOfPage(body);
        finish(res.statusCode === 200 && srv ? { ok: true, srv } : { ok: false, err: `status ${res.statusCode}` });
      });
      res.on('error', (e) => finish({ ok: false, err: e.message }));
    });
    req.on('timeout', () => {
      req.destroy();
      finish({ ok: false, err: 'timeout' });
    });
    req.on('error', (e: NodeJS.ErrnoException) => finish({ ok: false, err: e.code ?? e.message }));
    req.end();
  });
}

let dnsId = 1;
function dnsOnce(host: string, port: number, timeoutMs: number): Promise<Sample> {
  const t0 = now();
  const id = dnsId++ & 0xffff;
  return new Promise((resolve) => {
    const sock = createSocket('udp4');
    let done = false;
    const finish = (s: Omit<Sample, 'k' | 't0' | 't1'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.close();
      resolve({ k: 'dns', t0, t1: now(), ...s });
    };
    const timer = setTimeout(() => finish({ ok: false, err: 'timeout' }), timeoutMs);
    sock.on('message', (msg) => {
      try {
        const r = decodeResponse(msg);
        if (r.id !== id) return;
        const txt = r.answers.find((a) => a.type === TYPE.TXT);
        finish(r.rcode === 0 && txt ? { ok: true, srv: txt.data } : { ok: false, err: `rcode ${r.rcode}` });
      } catch (e) {
        finish({ ok: false, err: (e as Error).message });
      }
    });
    sock.on('error', (e: NodeJS.ErrnoException) => finish({ ok: false, err: e.code ?? e.message }));
    // whoami.lab.local TXT names the lab's DNS server that answered (see dns-zone.ts)
    sock.send(encodeQuery(id, 'whoami.lab.local', TYPE.TXT), port, host);
  });
}

function hostPort(spec: string): [string, number] {
  const i = spec.lastIndexOf(':');
  return [spec.slice(0, i), Number(spec.slice(i + 1))];
}

async function main(argv: string[]): Promise<void> {
  const opt: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) opt[argv[i].replace(/^--/, '')] = argv[i + 1];
  const rateHz = Number(opt['rate-hz'] ?? 50);
  const timeoutMs = Number(opt['timeout-ms'] ?? 300);
  const durationMs = Number(opt['duration-s'] ?? 30) * 1000;
  const kinds: Array<() => Promise<Sample>> = [];
  if (opt.http) {
    const [h, p] = hostPort(opt.http);
    kinds.push(() => httpOnce(h, p, timeoutMs));
  }
  if (opt.dns) {
    const [h, p] = hostPort(opt.dns);
    kinds.push(() => dnsOnce(h, p, timeoutMs));
  }
  const inflight = new Set<Promise<void>>();
  const emit = (s: Sample): void => {
    process.stdout.write(`${JSON.stringify(s)}\n`);
  };
  const end = Date.now() + durationMs;
  let stop = false;
  let started = 0;
  process.on('SIGTERM', () => (stop = true));
  const period = 1000 / rateHz;
  let next = performance.now();
  while (!stop && Date.now() < end) {
    for (const k of kinds) {
      started++;
      const p: Promise<void> = k().then(emit).finally(() => {
        inflight.delete(p);
      });
      inflight.add(p);
    }
    next += period;
    const wait = next - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  // every request ends in an answer or its own timeout; whatever is still open a full timeout
  // (plus slack for a slow machine) after the last one started never ended: it hung
  await Promise.race([Promise.all(inflight), new Promise((r) => setTimeout(r, timeoutMs * 2 + 2000))]);
  process.stdout.write(`${JSON.stringify({ k: 'summary', started, hung: inflight.size })}\n`);
  process.exit(0);
}

if (require.main === module) void main(process.argv.slice(2));
