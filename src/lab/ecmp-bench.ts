/**
 * Throughput through the ECMP lab for N = 3, 2, 1 active directors (one lab: the last director
 * is drained away between steps), beside the VRRP lab's active/standby pair (one active
 * director), in one report: `halo lab bench --topology ecmp`. ApacheBench from the client,
 * one new connection per request (no keep-alive: every request is a new flow for the router's
 * L4 hash, so it spreads over the directors), several rounds each, the median reported.
 *
 * Validity: directors only scale when each has its own CPU. In the lab every namespace shares
 * the kernel and the CPUs of one machine (the QEMU VM has one vCPU); with fewer CPUs than
 * directors + client the figures cannot show scaling and every row says so (inconclusive). A
 * row measured while the machine starved the lab's own process (a 20 ms tick late by more than
 * STARVED_LAG_MS while ab ran) is inconclusive too: its ab, directors and servers waited for
 * CPU the same way.
 */
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { parseAb, type AbResult } from './bench';

export interface ThroughputRow {
  topology: 'ecmp' | 'vrrp';
  /** Active directors carrying the load. */
  directors: number;
  /** Median over the rounds. */
  requestsPerSecond: number;
  failed: number;
  complete: number;
  rounds: number[];
  /** The lab process's longest tick lateness while ab ran, ms (absent: not measured). */
  labLagMs?: number;
  /** Why the row cannot say what it measures (null: valid). */
  inconclusive: string | null;
}

/** A lab process late by more than this while ab ran: the machine was starved. */
const STARVED_LAG_MS = 100;

/** Rounds with the lab process's own lateness beside them. */
export interface Measured {
  results: AbResult[];
  maxLagMs: number;
}

/** ab in `ns`, one connection per request, bounded at 10 s per request. */
export function abNewConnections(ns: string, url: string, requests: number, concurrency: number): Promise<AbResult> {
  return new Promise((resolve, reject) => {
    const p = spawn('ip', ['netns', 'exec', ns, 'ab', '-q', '-s', '10', '-n', String(requests), '-c', String(concurrency), url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`ab ${url} exited ${code}: ${err.trim() || out.slice(-300)}`));
      try {
        resolve(parseAb(out));
      } catch (e) {
        reject(e);
      }
    });
  });
}

/** Scaling over N directors needs N + 1 CPUs (the client too); fewer: the row is inconclusive, saying why. */
export function scalingVerdict(directors: number, cpuCount: number): string | null {
  return cpuCount >= directors + 1 ? null : `${directors} director(s) and the client share ${cpuCount} CPU(s): throughput cannot scale here`;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One row from its rounds; `maxLagMs`: the lab process's lateness while they ran (absent: not measured). */
export function throughputRow(topology: ThroughputRow['topology'], directors: number, results: AbResult[], cpuCount = cpus().length, maxLagMs?: number): ThroughputRow {
  const rps = results.map((r) => r.requestsPerSecond);
  const why = [scalingVerdict(topology === 'vrrp' ? 1 : directors, cpuCount), maxLagMs !== undefined && maxLagMs > STARVED_LAG_MS ? `starved: the lab process ran ${maxLagMs} ms late` : null].filter((x): x is string => x !== null);
  return {
    topology, directors,
    requestsPerSecond: Math.round(median(rps)),
    failed: results.reduce((s, r) => s + r.failed, 0),
    complete: results.reduce((s, r) => s + r.complete, 0),
    rounds: rps.map((x) => Math.round(x)),
    ...(maxLagMs !== undefined ? { labLagMs: maxLagMs } : {}),
    inconclusive: why.length === 0 ? null : why.join('; '),
  };
}

export async function measure(ns: string, url: string, requests: number, concurrency: number, rounds: number): Promise<Measured> {
  const out: AbResult[] = [];
  let last = Date.now();
  let maxLagMs = 0;
  const tick = setInterval(() => {
    const now = Date.now();
    maxLagMs = Math.max(maxLagMs, now - last - 20);
    last = now;
  }, 20);
  try {
    for (let i = 0; i < rounds; i++) out.push(await abNewConnections(ns, url, requests, concurrency));
  } finally {
    clearInterval(tick);
  }
  return { results: out, maxLagMs: Math.max(0, maxLagMs) };
}

export function formatThroughput(rows: ThroughputRow[], requests: number, concurrency: number): string {
  const lines = [`throughput: ab -n ${requests} -c ${concurrency}, a new connection per request, median of the rounds`, 'topology  directors  requests/s  rounds              failed  lab lag  validity'];
  for (const r of rows) {
    lines.push(`${r.topology.padEnd(9)} ${String(r.directors).padEnd(10)} ${String(r.requestsPerSecond).padEnd(11)} ${r.rounds.join(' ').padEnd(19)} ${String(r.failed).padEnd(7)} ${(r.labLagMs === undefined ? '-' : `${r.labLagMs} ms`).padEnd(8)} ${r.inconclusive ? `INCONCLUSIVE (${r.inconclusive})` : 'valid'}`);
  }
  const mark = (...rs: ThroughputRow[]) => (rs.some((r) => r.inconclusive) ? ' (inconclusive)' : '');
  const base = rows.find((r) => r.topology === 'ecmp' && r.directors === 1);
  if (base) for (const r of rows.filter((x) => x.topology === 'ecmp' && x.directors > 1)) lines.push(`ecmp ${r.directors} / ecmp 1: ${(r.requestsPerSecond / base.requestsPerSecond).toFixed(2)}x${mark(r, base)}`);
  const vrrp = rows.find((r) => r.topology === 'vrrp');
  if (vrrp) for (const r of rows.filter((x) => x.topology === 'ecmp')) lines.push(`ecmp ${r.directors} / vrrp active-standby: ${(r.requestsPerSecond / vrrp.requestsPerSecond).toFixed(2)}x${mark(r, vrrp)}`);
  return `${lines.join('\n')}\n`;
}

export interface EcmpThroughputOptions {
  dir: string;
  directors: number;
  routing: 'frr' | 'bird';
  requests: number;
  concurrency: number;
  rounds: number;
  log: (line: string) => void;
}

/** N, N-1, …, 1 active directors in one ECMP lab: after each step the last active director is drained (SIGTERM) and the router converges. */
export async function ecmpThroughput(o: EcmpThroughputOptions): Promise<ThroughputRow[]> {
  const { EcmpLab, ECMP_VIP } = await import('./ecmp-lab');
  const { waitFor } = await import('./netns');
  const lab = new EcmpLab({ prefix: 'hecb-', dir: o.dir, directors: o.directors, drainDelaySec: 1, drainTimeoutSec: 2, routing: o.routing });
  const rows: ThroughputRow[] = [];
  try {
    lab.build();
    for (const x of lab.directors) lab.startHalo(x.host);
    for (let n = o.directors; n >= 1; n--) {
      if (n < o.directors) {
        const gone = lab.directors[n];
        lab.signalHalo(gone.host, 'SIGTERM');
        await lab.haloExited(gone.host);
      }
      const want = lab.directors.slice(0, n).map((x) => x.address).join();
      if (!(await waitFor(() => lab.kernelNexthops().join() === want, 240_000, 200))) throw new Error(`the router never had exactly ${n} paths (${lab.kernelNexthops().join(' ') || 'none'})`);
      o.log(`ecmp, ${n} director(s): ab -n ${o.requests} -c ${o.concurrency} x ${o.rounds}`);
      const m = await measure(lab.topo.ns('c'), `http://${ECMP_VIP}/`, o.requests, o.concurrency, o.rounds);
      rows.push(throughputRow('ecmp', n, m.results, undefined, m.maxLagMs));
    }
  } finally {
    await lab.destroy();
  }
  return rows;
}
