/**
 * `halo lab drill --topology ecmp --directors N`: the ECMP lab under client load (new
 * connections at a fixed rate plus long-lived connections), through the issue's phases on the
 * last director: graceful drain, added back, kill -9 of its halo worker (the C supervisor
 * removes the address — no cleanup needed — and respawns it, which announces again), kill -9 of
 * both halo processes (then `halo cleanup`, as systemd's ExecStopPost: the only case that needs
 * it), added back, its links down (BFD), added back (links up). Per phase the drill's figures
 * plus brokenFlows and the ECMP spread before/after (EcmpPhaseResult).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { BfdProfile } from '../announce/frr-config';
import type { EcmpClientOptions, EcmpClientRecord } from './ecmp-client';
import { EcmpLab, ECMP_CLIENT, ECMP_VIP, type RoutingKind } from './ecmp-lab';
import { analysePhase, establishedClientPorts, spreadOf, type EcmpPhaseResult } from './ecmp-phase';
import { waitFor } from './netns';
import { signalTree } from './procs';

export interface EcmpDrillOptions {
  directors: number;
  /** The routing daemon everywhere (default frr). */
  routing?: RoutingKind;
  /** BFD timers (default the shipped 300 ms x 3; a starved emulated VM flaps at that). */
  bfd?: BfdProfile;
  dir: string;
  /** New connections per second. */
  rate: number;
  flows: number;
  log: (line: string) => void;
}

const CLIENT = resolve(__dirname, '..', '..', 'dist', 'lab', 'ecmp-client.js');
const SETTLE_MS = 3000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class EcmpDrill {
  readonly lab: EcmpLab;
  private client: ChildProcess | null = null;
  private record: Promise<EcmpClientRecord> | null = null;

  constructor(private readonly o: EcmpDrillOptions) {
    // drain_delay 3 s: the router converges in well under that (the phase measures it)
    this.lab = new EcmpLab({ prefix: 'hecl-', dir: o.dir, directors: o.directors, drainDelaySec: 3, drainTimeoutSec: 15, routing: o.routing, bfd: o.bfd });
  }

  private all(): string[] {
    return this.lab.directors.map((x) => x.address);
  }

  private async waitPaths(want: (paths: string[]) => boolean, timeoutMs: number, what: string): Promise<number | null> {
    const ok = await waitFor(() => want(this.lab.kernelNexthops()), timeoutMs, 50);
    if (!ok) this.o.log(`${what}: not seen within ${timeoutMs} ms (router next hops ${this.lab.kernelNexthops().join(' ') || 'none'})`);
    return ok ? Date.now() : null;
  }

  async up(): Promise<void> {
    this.lab.build();
    for (const x of this.lab.directors) this.lab.startHalo(x.host);
    const at = await this.waitPaths((p) => p.length === this.lab.directors.length, 240_000, 'every director announced');
    if (at === null) throw new Error(`the directors never all announced ${ECMP_VIP}:\n${this.lab.directors.map((x) => `--- ${x.host}\n${this.lab.haloLog(x.host).split('\n').slice(-20).join('\n')}`).join('\n')}`);
  }

  private startLoad(durationMs: number): void {
    const o: EcmpClientOptions = { host: ECMP_VIP, port: 80, durationMs, newRate: this.o.rate, newTimeoutMs: 3000, flows: this.o.flows, flowIntervalMs: 200, flowTimeoutMs: 3000 };
    const p = spawn('ip', ['netns', 'exec', this.lab.topo.ns('c'), process.execPath, CLIENT, JSON.stringify(o)], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.client = p;
    let out = '';
    p.stdout!.setEncoding('utf8');
    p.stdout!.on('data', (d: string) => (out += d));
    this.record = new Promise((res, rej) => p.once('exit', () => {
      try {
        res(JSON.parse(out) as EcmpClientRecord);
      } catch {
        rej(new Error(`the client load gave no record: ${out.slice(0, 200)}`));
      }
    }));
  }

  /** One phase: the fault, the router's convergence, settling; its marks for the analysis. */
  private async phase(name: string, host: string, fault: () => Promise<void> | void, converged: (paths: string[]) => boolean, after?: () => Promise<{ recoveredAt?: number | null; cleanupMs?: number | null } | void>) {
    const before0 = this.lab.allConns();
    await sleep(SETTLE_MS);
    const before = spreadOf(before0, this.lab.allConns());
    const ports = establishedClientPorts(this.lab.connections(host), ECMP_CLIENT, ECMP_VIP);
    this.o.log(`phase ${name} (${host})`);
    const syn0 = this.lab.clientSynRetrans();
    const from = Date.now();
    await fault();
    // a director added back first starts halo (tens of seconds under emulation), then announces
    const convergedAt = await this.waitPaths(converged, 120_000, `${name}: the router's convergence`);
    const mid = this.lab.allConns();
    const extra = (after ? await after() : undefined) ?? {};
    await sleep(SETTLE_MS);
    const to = Date.now();
    const syn1 = this.lab.clientSynRetrans();
    const kernelSynRetrans = syn0 === null || syn1 === null ? null : syn1 - syn0;
    return { name, director: host, from, to, convergedAt, directorFlowPorts: ports, kernelSynRetrans, ...extra, spread: { before, after: spreadOf(mid, this.lab.allConns()) } };
  }

  async run(): Promise<EcmpPhaseResult[]> {
    const victim = this.lab.directors[this.lab.directors.length - 1];
    const without = (p: string[]) => !p.includes(victim.address);
    const withAll = (p: string[]) => p.length === this.all().length;
    // ended by SIGTERM after the last phase; the bound only stops a drill that died (phases under emulation took over 10 min)
    this.startLoad(3_600_000);
    await sleep(2000);
    const marks = [];
    // the drained director still forwards during drain_delay: it must take no new flow once the router converged
    let drainedNewFlows: number | null = null;
    marks.push(await this.phase('graceful drain', victim.host, () => this.lab.signalHalo(victim.host, 'SIGTERM'), without, async () => {
      const c0 = this.lab.ipvsConns(victim.host);
      await sleep(1500);
      const c1 = this.lab.ipvsConns(victim.host);
      if (c0 !== null && c1 !== null) drainedNewFlows = c1 - c0;
      await this.lab.haloExited(victim.host);
    }));
    marks.push(await this.phase('director added back', victim.host, () => void this.lab.startHalo(victim.host), withAll));
    // the worker alone: the C supervisor removes the announced address itself (no halo cleanup)
    // and respawns it; the phase lasts until the respawned worker announced again
    marks.push(await this.phase("kill -9 of halo's worker", victim.host, () => {
      const worker = this.lab.haloPids(victim.host)[1];
      if (worker === undefined) throw new Error(`${victim.host}: no halo worker to kill`);
      process.kill(worker, 'SIGKILL');
    }, without, async () => ({ recoveredAt: await this.waitPaths(withAll, 120_000, "kill -9 of halo's worker: the respawned worker's announcement") })));
    // both processes at once (systemd's view of a crashed unit): nothing of halo is left to
    // withdraw, so systemd's ExecStopPost=halo cleanup does; its start is in the convergence
    let cleanup: Promise<number | null> = Promise.resolve(null);
    marks.push(await this.phase('kill -9 of supervisor+worker, cleanup', victim.host, () => {
      signalTree(this.lab.haloPids(victim.host), 'SIGKILL');
      cleanup = this.lab.cleanupTimed(victim.host);
    }, without, async () => ({ cleanupMs: await cleanup })));
    marks.push(await this.phase('director added back', victim.host, () => void this.lab.startHalo(victim.host), withAll));
    marks.push(await this.phase('links down', victim.host, () => this.lab.setLinks(victim.host, false), without));
    marks.push(await this.phase('director added back', victim.host, () => this.lab.setLinks(victim.host, true), withAll));
    this.client?.kill('SIGTERM');
    const rec = await this.record!;
    return marks.map((m) => {
      const r = analysePhase(rec, m);
      if (m.name === 'graceful drain') {
        const failing = r.http.failed + r.http.timedOut + r.http.hung;
        if (failing > 0) r.violations.push(`graceful drain: ${failing} new connections failed (${r.http.failed} refused/reset, ${r.http.timedOut} not established in time, ${r.http.hung} unanswered)`);
        if (drainedNewFlows === null) r.violations.push('graceful drain: the drained director\'s IPVS counters could not be read after convergence');
        else if (drainedNewFlows > 0) r.violations.push(`graceful drain: the drained director took ${drainedNewFlows} new flows after the router converged`);
      }
      return r;
    });
  }

  async close(): Promise<void> {
    this.client?.kill('SIGKILL');
    await this.lab.destroy();
  }
}
