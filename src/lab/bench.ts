/**
 * The seed benchmark (seed 003 §4): `ab -k -n N -c C` from the client through the same
 * director, three ways, interleaved, several rounds: IPVS NAT programmed by halo (the VIP),
 * HAProxy (configured as in seed 003: roundrobin, maxconn 32 per server) and nginx as a reverse
 * proxy, both on lb1 in front of the same three web servers. Printed in seed 003's layout —
 * the latency percentiles and requests/s — one column per balancer (median over the rounds).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster, HOSTS, HTTP_SERVICE, WEB } from './cluster';

export const PERCENTILES = [50, 66, 75, 80, 90, 95, 98, 99, 100] as const;

export interface AbResult {
  requestsPerSecond: number;
  failed: number;
  complete: number;
  /** ms at each of PERCENTILES */
  percentiles: Record<number, number>;
}

/** Parses ApacheBench's report. */
export function parseAb(out: string): AbResult {
  const num = (re: RegExp): number => {
    const m = re.exec(out);
    if (!m) throw new Error(`ab output without ${re}: ${out.slice(0, 400)}`);
    return Number(m[1]);
  };
  const percentiles: Record<number, number> = {};
  for (const p of PERCENTILES) {
    const m = new RegExp(`^\\s+${p}%\\s+(\\d+)`, 'm').exec(out);
    if (m) percentiles[p] = Number(m[1]);
  }
  return {
    requestsPerSecond: num(/Requests per second:\s+([\d.]+)/),
    failed: num(/Failed requests:\s+(\d+)/),
    complete: num(/Complete requests:\s+(\d+)/),
    percentiles,
  };
}

const addr = (cidr: string) => cidr.split('/')[0];
const LB1 = addr(HOSTS.lb1.ext);

export const TARGETS = {
  'IPVS (halo)': `http://${HTTP_SERVICE}/`,
  HAProxy: `http://${LB1}:8080/`,
  nginx: `http://${LB1}:8081/`,
} as const;
export type Balancer = keyof typeof TARGETS;

function haproxyCfg(dir: string): string {
  return `global
    maxconn 4096
    pidfile ${dir}/haproxy.pid
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend http-in
    bind ${LB1}:8080
    default_backend web
backend web
    balance roundrobin
${WEB.map((w) => `    server ${w} ${addr(HOSTS[w].int)}:80 maxconn 32`).join('\n')}
`;
}

function nginxConf(dir: string): string {
  return `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/nginx-body;
  proxy_temp_path ${dir}/nginx-proxy;
  fastcgi_temp_path ${dir}/nginx-fastcgi;
  uwsgi_temp_path ${dir}/nginx-uwsgi;
  scgi_temp_path ${dir}/nginx-scgi;
  upstream web {
${WEB.map((w) => `    server ${addr(HOSTS[w].int)}:80;`).join('\n')}
    keepalive 32;
  }
  server {
    listen ${LB1}:8081;
    location / {
      proxy_pass http://web;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
}

/** Starts HAProxy and nginx on lb1 (recorded in the lab state, so `down` stops them). */
export function startProxies(c: Cluster): void {
  const dir = join(c.dir, 'proxies');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'haproxy.cfg'), haproxyCfg(dir));
  writeFileSync(join(dir, 'nginx.conf'), nginxConf(dir));
  c.startHelper('haproxy', 'lb1', ['haproxy', '-db', '-f', join(dir, 'haproxy.cfg')]);
  c.startHelper('nginx', 'lb1', ['nginx', '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;']);
}

export function runAb(c: Cluster, url: string, requests: number, concurrency: number): Promise<AbResult> {
  return new Promise((resolve, reject) => {
    const p = spawn('ip', ['netns', 'exec', c.topo.ns('client'), 'ab', '-k', '-q', '-s', '10', '-n', String(requests), '-c', String(concurrency), url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.once('exit', (code) => {
      if (code !== 0) reject(new Error(`ab ${url} exited ${code}: ${err.trim() || out.slice(-300)}`));
      else {
        try {
          resolve(parseAb(out));
        } catch (e) {
          reject(e);
        }
      }
    });
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export interface BenchResult {
  requests: number;
  concurrency: number;
  rounds: Record<Balancer, AbResult[]>;
  median: Record<Balancer, AbResult>;
}

export async function runBench(c: Cluster, requests: number, concurrency: number, rounds: number, log: (l: string) => void): Promise<BenchResult> {
  const names = Object.keys(TARGETS) as Balancer[];
  const all = Object.fromEntries(names.map((n) => [n, [] as AbResult[]])) as Record<Balancer, AbResult[]>;
  for (let r = 0; r < rounds; r++) {
    for (const n of names) {
      const res = await runAb(c, TARGETS[n], requests, concurrency);
      all[n].push(res);
      log(`round ${r + 1}: ${n.padEnd(12)} ${res.requestsPerSecond.toFixed(1)} req/s, p99 ${res.percentiles[99]} ms, failed ${res.failed}`);
    }
  }
  const med = Object.fromEntries(names.map((n) => {
    const rs = all[n];
    return [n, {
      requestsPerSecond: median(rs.map((x) => x.requestsPerSecond)),
      failed: median(rs.map((x) => x.failed)),
      complete: median(rs.map((x) => x.complete)),
      percentiles: Object.fromEntries(PERCENTILES.map((p) => [p, median(rs.map((x) => x.percentiles[p]))])),
    }];
  })) as Record<Balancer, AbResult>;
  return { requests, concurrency, rounds: all, median: med };
}

/** seed 003's table: percentiles down, balancers across. */
export function formatBench(b: BenchResult): string {
  const names = Object.keys(b.median) as Balancer[];
  const rows = [`ab -k -n ${b.requests} -c ${b.concurrency}, median of ${b.rounds[names[0]].length} interleaved rounds`,
    `${'served within (ms)'.padEnd(20)}${names.map((n) => n.padStart(14)).join('')}`];
  for (const p of PERCENTILES) rows.push(`${`${p}%`.padEnd(20)}${names.map((n) => String(b.median[n].percentiles[p]).padStart(14)).join('')}`);
  rows.push(`${'Requests/s'.padEnd(20)}${names.map((n) => b.median[n].requestsPerSecond.toFixed(1).padStart(14)).join('')}`);
  rows.push(`${'Failed requests'.padEnd(20)}${names.map((n) => String(b.median[n].failed).padStart(14)).join('')}`);
  return `${rows.join('\n')}\n`;
}
