/**
 * `halo lab drill --topology ecmp --directors N`: the ECMP lab under client load (new
 * connections at a fixed rate plus long-lived connections), through the issue's phases on the
 * last director: graceful drain, added back, kill -9 of its halo (then `halo cleanup`, as
 * systemd's ExecStopPost), added back, its links down (BFD), added back (links up). Per phase
 * the drill's figures plus brokenFlows and the ECMP spread before/after (EcmpPhaseResult).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { EcmpClientOptions, EcmpClientRecord } from './ecmp-client';
import { EcmpLab, ECMP_CLIENT, ECMP_VIP, type RoutingKind } from './ecmp-lab';
import { analysePhase, establishedClientPorts, spreadOf, type EcmpPhaseResult } from './ecmp-phase';
import { waitFor } from './netns';

export interface EcmpDrillOptions {
  directors: number;
  /** The routing daemon everywhere (default frr). */
  routing?: RoutingKind;
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
    this.lab = new EcmpLab({ prefix: 'hecl-', dir: o.dir, directors: o.directors, drainDelaySec: 3, drainTimeoutSec: 15, routing: o.routing });
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
  private async phase(name: string, host: string, fault: () => Promise<void> | void, converged: (paths: string[]) => boolean, after?: () => Promise<void>) {
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
    if (after) await after();
    await sleep(SETTLE_MS);
    const to = Date.now();
    const syn1 = this.lab.clientSynRetrans();
    const kernelSynRetrans = syn0 === null || syn1 === null ? null : syn1 - syn0;
    return { name, director: host, from, to, convergedAt, directorFlowPorts: ports, kernelSynRetrans, spread: { before, after: spreadOf(mid, this.lab.allConns()) } };
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
    marks.push(await this.phase('kill -9 of halo', victim.host, () => {
      this.lab.signalHalo(victim.host, 'SIGKILL');
      // systemd's ExecStopPost=halo cleanup, right after the main process died
      this.lab.cleanup(victim.host);
    }, without));
    marks.push(await this.phase('director added back', victim.host, () => void this.lab.startHalo(victim.host), withAll));
    marks.push(await this.phase('links down', victim.host, () => this.lab.setLinks(victim.host, false), without));
    marks.push(await this.phase('director added back', victim.host, () => this.lab.setLinks(victim.host, true), withAll));
    this.client?.kill('SIGTERM');
    const rec = await this.record!;
    return marks.map((m) => {
      const r = analysePhase(rec, m);
      if (m.name === 'graceful drain') {
        if (r.http.failed > 0) r.violations.push(`graceful drain: ${r.http.failed} requests failed`);
        // the kernel's count when read: a starved client takes its own late 'connect' for a retry
        const retried = r.kernelSynRetrans ?? r.http.synRetried;
        if (retried > 0) r.violations.push(`graceful drain: ${retried} SYN retransmissions (${r.kernelSynRetrans === null ? 'client' : 'client kernel'} count)`);
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
