/**
 * The failover drill: with steady client load through the VIPs, take the master down (crash:
 * kill -9 of every halo process on lb1; graceful: SIGTERM; link: lb1's external interface
 * down), then bring it back (preemption), and report what the clients saw. Also fails one web
 * server and checks the health checks take it out of the pool.
 *
 * Every phase's figures come with the measuring client's own lag (validity.ts): a phase whose
 * client was stalled is measured again (up to `attempts` cycles of the mode), and if it stays
 * invalid it is reported inconclusive, never as a figure. A valid phase is judged against its
 * bound (bounds.ts). Failback is timed from the moment the restarted director answers on its
 * control socket; its start-up time is reported on its own.
 *
 * Invariants asserted (violations fail the drill):
 *  - after every phase exactly one director holds all the VIPs, and they moved together;
 *  - every client request got an answer, a late answer or a failure (no hangs);
 *  - once a dead real server's check fails, no further request fails because of it;
 *  - every valid phase is within its bound.
 */
import { ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ALL_VIPS, Cluster, Director, DIRECTOR_ARGS, DNS_SERVICE, HTTP6_SERVICE, HTTP_SERVICE, soleHolder, START_WAIT_MS } from './cluster';
import { parseRecords, Sample } from './load';
import { PhaseReport } from './outage';
import { keepConclusive, measurePhase, PhaseResult, Recording } from './phase';
export type { PhaseResult } from './phase';
import { waitFor } from './netns';
import { VipEvent, VipWatch } from './vip-watch';
import { alive } from './procs';
import { controlCall } from '../daemon/control';
import type { StatusSnapshot } from '../daemon/status';
import { loadConfig } from '../config/load';
import { backupTimers, Bound, DrillMode, spreadOf, VrrpTimers } from './bounds';
import { epochNow, LagRecord, StallRecord } from './client-lag';
import { DEFAULT_MAX_LAG_MS } from './validity';
import { parseTransitions, Transition } from './timeline';
import { formatTakeover, parseJsonLog, takeoverTimeline, TakeoverTimeline } from './takeover';
import type { ConnSyncResult } from './conn-sync';
import { directorsCalm, readinessDeadline, READY_WAIT_CAP_MS, READY_WAIT_MS, runDelayIn, RunDelaySampler } from './run-delay';

export type { DrillMode } from './bounds';

/**
 * Client load: a request of each kind every 1/rateHz s with a short timeout; replies up to
 * lateMs are still read (and counted late). Under software emulation (the VM) every process
 * runs an order of magnitude slower, so the lab there uses a lower rate and a longer timeout.
 */
const LOAD = process.env.HALO_IN_VM ? { rateHz: 20, timeoutMs: 1000, lateMs: 3000 } : { rateHz: 50, timeoutMs: 300, lateMs: 1500 };

export interface DrillResult {
  mode: DrillMode;
  /** 1-based repetition of the mode (`--repeat`). */
  run: number;
  phases: PhaseResult[];
  realServerFailure: { removedAfterMs: number | null; failuresAfterRemoval: number; answeredByDeadAfterRemoval: number } | null;
  /** `--conn-sync` (on the last result): long-lived flows through a crash failover with and without lvs_sync_daemon. */
  connSync?: ConnSyncResult;
  hung: number;
  violations: string[];
  /** Phases that stayed inconclusive after every attempt. */
  inconclusive: string[];
  attempts: number;
}

/** What one cycle of a mode recorded, for the report. */
export interface DrillTrace {
  mode: DrillMode;
  run: number;
  attempt: number;
  from: number;
  to: number;
  samples: Sample[];
  lag: LagRecord[];
  stalls: StallRecord[];
  vipEvents: VipEvent[];
  marks: Array<{ at: number; label: string }>;
  transitions: Transition[];
  phases: PhaseResult[];
}

export interface DrillOptions {
  /** Cycles of a mode at most while a phase is invalid. */
  attempts?: number;
  maxLagMs?: number;
  /**
   * 'enforce' (default): a valid phase beyond its bound is a violation. 'report': its verdict is
   * printed and kept in the JSON and the report, but only the invariants fail the drill.
   */
  bounds?: 'enforce' | 'report';
  /** Keep a packet capture of the client's link (VRRP, ARP, the client's requests) in the lab directory. */
  capture?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/**
 * How long an invariant may take to hold (one director with every VIP, a dead real server out
 * of the table) before it is a violation: generous, since a starved lab is slow, not broken; how
 * long it took is reported (the phases' VIP move, `removedAfterMs`), and judged by the bounds.
 */
const SETTLE_MS = 30_000;

export class Drill {
  private load: ChildProcess | null = null;
  private loadOut = '';
  private watch: VipWatch | null = null;
  /** The directors' waits for a CPU (run-delay.ts), sampled from the lab's start to its end. */
  private readonly runDelay: RunDelaySampler;
  /** lb1's waits for a CPU during its last restart's readiness wait (ms), for the violation's words */
  private readyWaitedMs: number | null = null;
  private cleanup: Promise<void> | null = null;
  private timers: VrrpTimers | null = null;
  readonly traces: DrillTrace[] = [];
  readonly attempts: number;
  readonly maxLagMs: number;
  readonly bounds: 'enforce' | 'report';
  readonly capture: boolean;

  constructor(readonly cluster: Cluster, readonly log: (line: string) => void = (l) => process.stdout.write(`${l}\n`), opts: DrillOptions = {}) {
    this.attempts = opts.attempts ?? 3;
    this.runDelay = new RunDelaySampler((lb) => cluster.directorPids(lb));
    this.maxLagMs = opts.maxLagMs ?? DEFAULT_MAX_LAG_MS;
    this.bounds = opts.bounds ?? 'enforce';
    this.capture = opts.capture ?? false;
  }

  /** The backup's Master_Down_Interval and Skew_Time, from the two directors' configs. */
  vrrpTimers(): VrrpTimers {
    if (this.timers) return this.timers;
    const c = this.cluster;
    const [m, b] = (['lb1', 'lb2'] as const).map((lb) => {
      const r = loadConfig(c.directorConfig(lb));
      if (!r.model) throw new Error(`${c.directorConfig(lb)}: ${r.diagnostics.map((d) => d.message).join('; ')}`);
      return r.model;
    });
    this.timers = backupTimers(m, b);
    return this.timers;
  }

  async up(): Promise<void> {
    const c = this.cluster;
    this.vrrpTimers();
    this.log('lab: building the thesis cluster in network namespaces');
    c.buildNetwork();
    c.startServers();
    await c.waitServers();
    // VRRP adverts, gratuitous ARPs and the client's own requests as the client's link carries
    // them (-U: written packet by packet, so the copy taken before tear-down is complete)
    if (this.capture) c.startHelper('capture', 'client', ['tcpdump', '-i', 'eth0', '-n', '-s', '160', '-U', '-w', join(c.dir, 'capture-client-eth0.pcap'), 'vrrp or arp or tcp port 80 or udp port 53']);
    this.watch = new VipWatch({ lb1: c.topo.ns('lb1'), lb2: c.topo.ns('lb2') }, ALL_VIPS);
    this.runDelay.start();
    c.startDirector('lb1', DIRECTOR_ARGS);
    c.startDirector('lb2', DIRECTOR_ARGS);
    // generous: under software emulation (the VM) a node process takes seconds to start
    const ok = await waitFor(() => soleHolder(c).holder === 'lb1', 90_000, 100);
    if (!ok) throw new Error(`lb1 did not become master with all VIPs within 90 s: ${soleHolder(c).detail}\n${c.logTail('lb1')}\n${c.logTail('lb2')}`);
    // the table is programmed and checks have passed once the client gets answers
    const served = await waitFor(() => c.topo.exec('client', ['curl', '-s', '-m', '1', `http://${HTTP_SERVICE}/`], { allowFail: true }).includes('<h1>web'), START_WAIT_MS, 200);
    if (!served) throw new Error(`no HTTP answer through the VIP within ${START_WAIT_MS / 1000} s\n${c.logTail('lb1')}`);
    if (c.ipv6) {
      const served6 = await waitFor(() => c.topo.exec('client', ['curl', '-s', '-g', '-m', '1', `http://${HTTP6_SERVICE}/`], { allowFail: true }).includes('<h1>web'), START_WAIT_MS, 200);
      if (!served6) throw new Error(`no HTTP answer through the IPv6 VIP ${HTTP6_SERVICE} within ${START_WAIT_MS / 1000} s\n${c.logTail('lb1')}`);
    }
    this.log(`lab: lb1 is MASTER with every VIP; the cluster serves HTTP and DNS${c.ipv6 ? ', and HTTP over IPv6' : ''}`);
  }

  private startLoad(durationS: number): void {
    const c = this.cluster;
    // the compiled generator (also when this module runs from sources, as under jest)
    const script = join(resolve(__dirname, '..', '..'), 'dist', 'lab', 'load.js');
    this.loadOut = join(c.dir, 'load.jsonl');
    rmSync(this.loadOut, { force: true });
    // the measuring client runs at a higher CPU priority than the cluster it measures: it is
    // light (one process, a few sockets a second), and a starved client measures itself
    this.load = c.topo.spawn('client', ['nice', '-n', '-10', process.execPath, script, '--http', HTTP_SERVICE, '--dns', DNS_SERVICE,
      ...(c.ipv6 ? ['--http6', HTTP6_SERVICE] : []),
      '--rate-hz', String(LOAD.rateHz), '--timeout-ms', String(LOAD.timeoutMs), '--late-ms', String(LOAD.lateMs),
      '--duration-s', String(durationS), '--out', this.loadOut], { stdio: ['ignore', 'ignore', 'inherit'] });
  }

  /**
   * Waits until the generator runs steadily: under emulation node itself takes seconds to start,
   * and a fault before the client measures anything would be measured by nobody.
   */
  private async loadRunning(): Promise<void> {
    const ok = await waitFor(() => {
      if (!existsSync(this.loadOut)) return false;
      const rs = parseRecords(readFileSync(this.loadOut, 'utf8'));
      const answered = (k: string) => rs.some((r) => r.k === k && (r as Sample).o === 'answered');
      return rs.filter((r) => r.k === 'lag').length >= 10 && answered('http') && answered('dns') && (!this.cluster.ipv6 || answered('http6'));
    }, START_WAIT_MS, 200);
    if (!ok) throw new Error(`the client load did not get answers through the VIPs within ${START_WAIT_MS / 1000} s (${this.loadOut})`);
  }

  /**
   * Waits (at most 30 s) until the client's lag has stayed under the threshold for the last 2 s:
   * the previous cycle's restarted director may still be busy starting, and a fault measured by
   * a starved client is measured again anyway. Past 30 s the fault goes ahead and the validity
   * check decides.
   */
  private async clientCalm(): Promise<void> {
    const calm = await waitFor(() => {
      const lag = parseRecords(readFileSync(this.loadOut, 'utf8')).filter((r): r is LagRecord => r.k === 'lag').slice(-20);
      return lag.length === 20 && lag.every((r) => Math.max(r.loop, r.tick, r.send) <= this.maxLagMs);
    }, 30_000, 500);
    if (!calm) this.log(`drill: the measuring client is still lagging beyond ${this.maxLagMs} ms after 30 s; going ahead (its validity is judged per phase)`);
  }

  /**
   * Waits (at most 30 s) until neither director's processes waited more than the lag threshold
   * for a CPU over the last 2 s (run-delay.ts directorsCalm): in the one-vCPU VM the previous
   * cycle's restarted director keeps the others waiting for seconds after it answers, and a
   * fault made then is inconclusive. Past 30 s the fault goes ahead and the phase's validity
   * decides, as for the client.
   */
  private async directorsCalm(): Promise<void> {
    const directors: Director[] = ['lb1', 'lb2'];
    const calm = await waitFor(() => directorsCalm(this.runDelay.samples, epochNow(), 2000, this.maxLagMs, directors), 30_000, 250);
    if (!calm) {
      const waited = runDelayIn(this.runDelay.samples, { from: epochNow() - 2000, to: epochNow() });
      this.log(`drill: the directors still wait for a CPU after 30 s (last 2 s: ${directors.map((d) => `${d} ${waited[d] ?? '?'} ms`).join(', ')}); going ahead (each phase's validity is judged)`);
    }
  }

  /** Stops the generator (it finishes the requests in flight) and reads what it recorded. */
  private async stopLoad(): Promise<Recording> {
    const p = this.load;
    const rec: Recording = { samples: [], lag: [], stalls: [], summary: null };
    if (!p) return rec;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await Promise.race([exited, sleep(LOAD.lateMs + 10_000)]);
    this.load = null;
    if (!existsSync(this.loadOut)) return rec;
    for (const r of parseRecords(readFileSync(this.loadOut, 'utf8'))) {
      if (r.k === 'http' || r.k === 'dns' || r.k === 'http6') rec.samples.push(r);
      else if (r.k === 'lag') rec.lag.push(r);
      else if (r.k === 'stall') rec.stalls.push(r);
      else if (r.k === 'summary') rec.summary = r;
    }
    return rec;
  }

  private async fault(mode: DrillMode): Promise<void> {
    const c = this.cluster;
    if (mode === 'crash') {
      // kill -9 of every halo process, then what systemd does for the unit (deploy/systemd:
      // ExecStopPost=halo cleanup): the dead director's VIPs and IPVS services go away
      c.signalDirector('lb1', 'SIGKILL');
      await waitFor(() => c.directorPids('lb1').every((p) => !alive(p)), 10_000, 20);
      // not awaited: systemd runs it in parallel with the backup's takeover
      this.cleanup = c.cleanupDirector('lb1');
    }
    else if (mode === 'graceful') c.signalDirector('lb1', 'SIGTERM');
    else c.topo.exec('lb1', ['ip', 'link', 'set', 'eth0', 'down']);
  }

  /**
   * Brings lb1 back; returns when the restart began (the old director gone, `halo run` started;
   * the link set up) and when it was ready (answers on its control socket), epoch ms.
   */
  private async recover(mode: DrillMode): Promise<{ restartAt: number; readyAt: number | null }> {
    const c = this.cluster;
    if (mode === 'link') {
      c.topo.exec('lb1', ['ip', 'link', 'set', 'eth0', 'up']);
      const at = epochNow();
      return { restartAt: at, readyAt: at };
    }
    // a crash leaves lb1's VIPs on its interfaces; halo's start-up removes them (residual VIPs)
    await waitFor(() => c.directorPids('lb1').every((p) => !alive(p)), 10_000, 50);
    await this.cleanup;
    const restartAt = epochNow();
    c.startDirector('lb1', DIRECTOR_ARGS);
    let readyAt: number | null = null;
    const probe = async () => {
      const r = await controlCall(c.controlSocket('lb1'), { cmd: 'status' }, 1000);
      if (r.ok) readyAt = epochNow();
      return r.ok;
    };
    // 90 s of lb1's own time: its waits for a CPU since the restart extend the deadline (capped)
    const readyBy = () => readinessDeadline(restartAt, runDelayIn(this.runDelay.samples, { from: restartAt, to: epochNow() }).lb1);
    while (!(await waitFor(probe, Math.max(0, readyBy() - epochNow()), 50)) && epochNow() < readyBy());
    this.readyWaitedMs = runDelayIn(this.runDelay.samples, { from: restartAt, to: epochNow() }).lb1 ?? null;
    return { restartAt, readyAt };
  }

  /** One cycle of a mode: fault, failover, recovery, failback, under client load. */
  private async cycle(mode: DrillMode, run: number, attempt: number): Promise<{ phases: PhaseResult[]; violations: string[]; hung: number }> {
    const c = this.cluster;
    const violations: string[] = [];
    // the old holder lets go in its own time: a starved director may still be releasing its VIPs
    // seconds later (seen at load 15: lb1 took 4.9 s from SIGTERM to stopping), so wait for the
    // state (bounded) before calling a split a violation; a split that lasts is still one
    const check = async (when: string, want: Director) => {
      await waitFor(() => soleHolder(c).holder === want, SETTLE_MS, 200);
      const s = soleHolder(c);
      if (s.holder !== want) violations.push(`${when}: expected ${want} to hold every VIP, saw ${s.holder ?? s.detail}`);
    };
    const from = epochNow();
    this.startLoad(300); // an upper bound; stopped as soon as the cycle ends
    await this.loadRunning();
    await sleep(2500);
    await this.directorsCalm();
    await this.clientCalm();

    this.log(`drill ${mode}: taking the master down`);
    const f = epochNow();
    await this.fault(mode);
    const moved = await this.watch!.allAddedOn('lb2', f, 30_000);
    await this.cleanup;
    await sleep(3000);
    await check(`after the ${mode} fault`, 'lb2');
    const failoverHolder = soleHolder(c).holder;

    this.log(`drill ${mode}: bringing the master back (preemption)`);
    const r0 = epochNow();
    const { restartAt: r, readyAt: ready } = await this.recover(mode);
    if (ready === null) {
      const waited = this.readyWaitedMs === null ? '' : ` (${Math.round(READY_WAIT_MS / 1000)} s, plus the ${(this.readyWaitedMs / 1000).toFixed(1)} s its processes waited for a CPU, up to ${READY_WAIT_CAP_MS / 1000} s)`;
      violations.push(`lb1 did not answer on its control socket within ${((epochNow() - r) / 1000).toFixed(0)} s of its restart${waited}`);
    }
    const back = await this.watch!.allAddedOn('lb1', r0, Math.max(0, (ready ?? epochNow()) - r0) + 90_000);
    await sleep(3000);
    await check(`after the ${mode} failback`, 'lb1');
    const failbackHolder = soleHolder(c).holder;

    const rec = await this.stopLoad();
    const end = epochNow();
    // the samples behind this cycle's figures, kept with the directors' logs (artifacts.ts)
    if (existsSync(this.loadOut)) copyFileSync(this.loadOut, join(c.dir, `client-${mode}-${run}-${attempt}.jsonl`));
    // each phase's window runs until the next action, so a slow recovery is never cut off
    const takeover = mode === 'graceful' ? this.takeover(f, r0, rec) : null;
    // the directors' waits for a CPU over this cycle: the evidence that tells a starved director
    // from a slow one (run-delay.ts); the takeover's own lateness (timer slip, lb1's answer to
    // SIGTERM) stays in its timeline, for reading, not for the verdict
    const runDelay = this.runDelay.samples.filter((x) => x.t >= from - 1000);
    const failover = measurePhase(mode, 'failover', rec, this.vrrpTimers(), this.maxLagMs, { from: f, at: f, restartAt: null, vipAt: moved, holder: failoverHolder, windowMs: r0 - f, attempt, runDelay });
    // the failback counts from the restarted director's readiness (or the VIPs' arrival, if
    // earlier): what its start-up did to the cluster before then is start-up, reported apart
    const fbFrom = Math.min(ready ?? r, back ?? Infinity);
    const failback = measurePhase(mode, 'failback', rec, this.vrrpTimers(), this.maxLagMs, { from: fbFrom, at: ready ?? r, restartAt: r, neverReady: ready === null, vipAt: back, holder: failbackHolder, windowMs: end - fbFrom, attempt, runDelay });
    this.runDelay.dropBefore(end);
    if (takeover) {
      failover.takeover = takeover;
      this.log(`drill graceful takeover: ${formatTakeover(takeover)}`);
    }
    const hung = rec.summary?.hung ?? -1;
    if (hung !== 0) violations.push(hung < 0 ? 'the client load did not report its summary' : `${hung} requests neither answered nor failed`);
    if (violations.length > 0) this.log(`${c.logTail('lb1')}\n${c.logTail('lb2')}`);
    const marks = [
      { at: f, label: `${mode} fault` },
      { at: r, label: mode === 'link' ? 'link up' : 'lb1 restarted' },
      ...(ready !== null && mode !== 'link' ? [{ at: ready, label: 'lb1 ready' }] : []),
    ];
    this.traces.push({
      mode, run, attempt, from, to: end, samples: rec.samples, lag: rec.lag, stalls: rec.stalls,
      vipEvents: [...this.watch!.events], marks, transitions: this.transitions(from, end), phases: [failover, failback],
    });
    return { phases: [failover, failback], violations, hung };
  }

  /** Where a graceful failover's time went (takeover.ts), from both directors' logs. */
  private takeover(sigterm: number, until: number, rec: Recording): TakeoverTimeline {
    const log = (lb: Director) => {
      const f = join(this.cluster.dir, `${lb}.log`);
      return existsSync(f) ? parseJsonLog(readFileSync(f, 'utf8')) : [];
    };
    const backup = loadConfig(this.cluster.directorConfig('lb2')).model;
    return takeoverTimeline({
      sigterm, until, master: log('lb1'), backup: log('lb2'), vipEvents: this.watch!.events, vips: ALL_VIPS,
      samples: rec.samples, skewTimeMs: this.vrrpTimers().skewTimeMs, instances: backup?.vrrpInstances.map((v) => v.name) ?? [],
    });
  }

  private transitions(from: number, to: number): Transition[] {
    const out: Transition[] = [];
    for (const lb of ['lb1', 'lb2'] as const) {
      const f = join(this.cluster.dir, `${lb}.log`);
      if (!existsSync(f)) continue;
      out.push(...parseTransitions(readFileSync(f, 'utf8'), lb).filter((t) => t.at >= from - 1000 && t.at <= to));
    }
    return out.sort((a, b) => a.at - b.at);
  }

  /**
   * A mode, cycled again while one of its phases is invalid (at most `attempts` cycles); each
   * phase keeps its first valid measurement.
   */
  async run(mode: DrillMode, run = 1): Promise<DrillResult> {
    const violations: string[] = [];
    let best: PhaseResult[] = [];
    let hung = 0;
    let attempt = 0;
    while (attempt < this.attempts) {
      attempt++;
      const cyc = await this.cycle(mode, run, attempt);
      violations.push(...cyc.violations.map((v) => (attempt > 1 ? `attempt ${attempt}: ${v}` : v)));
      hung = Math.max(hung, cyc.hung);
      best = keepConclusive(best, cyc.phases);
      const invalid = best.filter((p) => p.verdict === 'inconclusive');
      if (invalid.length === 0 || cyc.violations.length > 0) break;
      if (attempt < this.attempts) {
        this.log(`drill ${mode}: ${invalid.map((p) => `${p.name} invalid (client stalled ${(p.validity.stalledMs / 1000).toFixed(1)} s, max lag ${p.validity.maxLagMs} ms${p.validity.starvedDirectors ? `; directors starved: ${p.validity.starvedDirectors.join(', ')}` : ''})`).join('; ')}; measuring again (attempt ${attempt + 1} of ${this.attempts})`);
      }
    }
    if (this.bounds === 'enforce') violations.push(...boundViolations(best));
    return { mode, run, phases: best, realServerFailure: null, hung, violations, inconclusive: best.filter((p) => p.verdict === 'inconclusive').map((p) => p.name), attempts: attempt };
  }

  /** Stop web2: once halo's check removes it, no request may fail or be answered by it. */
  async realServerDrill(): Promise<DrillResult['realServerFailure'] & { violations: string[] }> {
    const c = this.cluster;
    const violations: string[] = [];
    this.startLoad(60);
    await this.loadRunning();
    await sleep(1500);
    const killedAt = epochNow();
    const pid = c.state.pids.web2;
    process.kill(pid, 'SIGKILL');
    // keepalived's rule at delay_loop 3, retry 1, delay_before_retry 1, connect_timeout 3: the
    // server leaves the table within one loop plus one retry after its port closed
    const gone = await waitFor(async () => {
      const r = await controlCall(c.controlSocket('lb1'), { cmd: 'status' });
      if (!r.ok) return false;
      const vs = (r.result as StatusSnapshot).virtualServers.find((v) => v.service.includes('192.168.1.202'));
      return vs?.realServers.find((rs) => rs.address === '10.0.100.3')?.kernelWeight === null;
    }, SETTLE_MS, 100);
    const removedAt = epochNow();
    if (!gone) violations.push(`web2 was not removed from the IPVS table within ${SETTLE_MS / 1000} s`);
    await sleep(3000);
    const rec = await this.stopLoad();
    const after = rec.samples.filter((s) => s.k === 'http' && s.t0 > removedAt + 50 && s.o !== 'not-sent');
    const failuresAfterRemoval = after.filter((s) => s.o === 'failed').length;
    const answeredByDeadAfterRemoval = after.filter((s) => s.srv === 'web2').length;
    if (failuresAfterRemoval > 0) {
      const which = after.filter((s) => s.o === 'failed').slice(0, 5).map((s) => `${s.err} sent ${Math.round(s.t0 - removedAt)} ms after`).join(', ');
      violations.push(`${failuresAfterRemoval} HTTP requests failed after web2 left the table (${which})`);
    }
    return { removedAfterMs: gone ? Math.round(removedAt - killedAt) : null, failuresAfterRemoval, answeredByDeadAfterRemoval, violations };
  }

  async close(): Promise<void> {
    await this.stopLoad();
    this.watch?.close();
    this.runDelay.stop();
  }
}

/** The phases beyond their bound, as violations (`--bounds enforce`): each names what was beyond. */
export function boundViolations(phases: PhaseResult[]): string[] {
  return phases.filter((p) => p.verdict === 'beyond').map((p) => `${p.name}: ${p.why.join('; ')}`);
}

const fmt = (ms: number | null): string => (ms === null ? '-' : ms >= 1000 ? `${(ms / 1000).toFixed(3)} s` : `${ms.toFixed(1)} ms`);
const spread = (s: Record<string, number>): string => Object.keys(s).sort().map((k) => `${k}:${s[k]}`).join(' ') || '-';
/** answered/late/failed/not sent */
const counts = (r: PhaseReport): string => `${r.answered}/${r.late}/${r.failed}/${r.notSent}`;

/** A phase's outage as printed: the figure when valid, a lower limit when certainly beyond, else nothing. */
export function outageText(p: PhaseResult, r: PhaseReport): string {
  if (p.valid) return fmt(r.outageMs);
  if (p.verdict === 'beyond' && typeof r.outageAtLeastMs === 'number') return `≥ ${fmt(r.outageAtLeastMs)}`;
  return 'inconclusive';
}

function verdictText(p: PhaseResult): string {
  if (!p.valid && p.verdict === 'beyond') return `BEYOND its bound (the client lagged, max ${p.validity.maxLagMs} ms, but not enough to explain it): ${p.why.join('; ')}`;
  if (!p.valid && p.validity.starvedDirectors) return `INCONCLUSIVE: the lab's directors were starved (${p.validity.starvedDirectors.join('; ')} > ${p.validity.thresholdMs} ms); client lag max ${p.validity.maxLagMs} ms`;
  if (!p.valid) return `INCONCLUSIVE: the measuring client was stalled for ${(p.validity.stalledMs / 1000).toFixed(1)} s (max lag ${p.validity.maxLagMs} ms > ${p.validity.thresholdMs} ms${p.validity.missingBuckets ? `, ${p.validity.missingBuckets} buckets unrecorded` : ''})`;
  return `${p.verdict === 'within' ? 'within' : 'BEYOND'} bound ${fmt(p.bound.ms)} (${p.bound.rule}); client lag max ${p.validity.maxLagMs} ms${directorWaits(p)}`;
}

/** `; directors waited for a CPU lb1 3 ms, lb2 12 ms` (run-delay.ts), or nothing when not sampled. */
function directorWaits(p: PhaseResult): string {
  const d = Object.entries(p.validity.directorRunDelayMs ?? {});
  return d.length === 0 ? '' : `; directors waited for a CPU ${d.map(([lb, ms]) => `${lb} ${ms === null || ms === undefined ? '-' : `${Math.round(ms)} ms`}`).join(', ')}`;
}

export function formatDrill(results: DrillResult[]): string {
  const rows: string[] = [];
  rows.push('phase                run VIP move    start-up    HTTP outage  DNS outage   HTTP a/l/f/ns    DNS a/l/f/ns     HTTP spread after         DNS spread after');
  for (const r of results) {
    for (const p of r.phases) {

      rows.push(
        `${p.name.padEnd(20)} ${String(r.run).padEnd(3)} ${fmt(p.vipMoveMs).padEnd(11)} ${fmt(p.startupMs).padEnd(11)} ${outageText(p, p.http).padEnd(12)} ${outageText(p, p.dns).padEnd(12)} ` +
          `${counts(p.http).padEnd(16)} ${counts(p.dns).padEnd(16)} ${spread(p.http.spreadAfter).padEnd(25)} ${spread(p.dns.spreadAfter)}`,
      );
    }
    for (const p of r.phases) {
      rows.push(`  ${p.name}: ${verdictText(p)}${p.attempt > 1 ? ` (attempt ${p.attempt})` : ''}`);
      const errs = [...Object.entries(p.http.errors).map(([e, n]) => `http ${e}:${n}`), ...Object.entries(p.dns.errors).map(([e, n]) => `dns ${e}:${n}`)];
      if (p.http6) errs.push(...Object.entries(p.http6.errors).map(([e, n]) => `http6 ${e}:${n}`));
      if (errs.length > 0) rows.push(`  ${p.name} failures: ${errs.join(' ')}`);
      if (p.http6) rows.push(`  ${p.name}: HTTP over IPv6 outage ${outageText(p, p.http6)}, a/l/f/ns ${counts(p.http6)}, spread after ${spread(p.http6.spreadAfter)} (judged with HTTP and DNS)`);
    }
    if (r.realServerFailure) {
      const f = r.realServerFailure;
      rows.push(`real server web2 down: removed from the table after ${fmt(f.removedAfterMs)}; afterwards ${f.failuresAfterRemoval} failed requests, ${f.answeredByDeadAfterRemoval} answered by web2`);
    }
    for (const v of r.violations) rows.push(`VIOLATION (${r.mode}${results.some((x) => x.run > 1) ? ` run ${r.run}` : ''}): ${v}`);
  }
  rows.push('(a/l/f/ns: answered within the timeout / late / failed / not sent because the client was stalled)');
  const inconclusive = results.flatMap((r) => r.phases.filter((p) => p.verdict === 'inconclusive'));
  if (inconclusive.length > 0) {
    const s = inconclusive.reduce((a, p) => a + p.validity.stalledMs, 0) / 1000;
    const starved = inconclusive.filter((p) => p.validity.starvedDirectors);
    rows.push(`inconclusive: the measuring client was stalled for ${s.toFixed(1)} s${starved.length ? `, the lab's directors were starved in ${starved.length} phase(s)` : ''} (${inconclusive.map((p) => `${p.name} run ${results.find((r) => r.phases.includes(p))!.run}`).join(', ')})`);
  }
  return `${rows.join('\n')}\n`;
}

export interface PhaseSpread {
  name: string;
  bound: Bound;
  runs: number;
  valid: number;
  beyond: number;
  http: ReturnType<typeof spreadOf>;
  dns: ReturnType<typeof spreadOf>;
  /** `--ipv6` only. */
  http6?: ReturnType<typeof spreadOf>;
  startup: ReturnType<typeof spreadOf>;
}

/** min / median / max per phase over the runs of `--repeat`, valid measurements only. */
export function phaseSpreads(results: DrillResult[]): PhaseSpread[] {
  const names = [...new Set(results.flatMap((r) => r.phases.map((p) => p.name)))];
  return names.map((name) => {
    const ps = results.flatMap((r) => r.phases.filter((p) => p.name === name));
    const v = ps.filter((p) => p.valid);
    const nums = (xs: Array<number | null>) => xs.filter((x): x is number => x !== null);
    return {
      name, bound: ps[0].bound, runs: ps.length, valid: v.length, beyond: v.filter((p) => p.verdict === 'beyond').length,
      http: spreadOf(nums(v.map((p) => p.http.outageMs))), dns: spreadOf(nums(v.map((p) => p.dns.outageMs))),
      ...(ps.some((p) => p.http6) ? { http6: spreadOf(nums(v.map((p) => p.http6?.outageMs ?? null))) } : {}),
      startup: spreadOf(nums(ps.map((p) => p.startupMs))),
    };
  });
}

export function formatSpreads(s: PhaseSpread[]): string {
  const f = (x: ReturnType<typeof spreadOf>) => (x ? `${fmt(x.min)} / ${fmt(x.median)} / ${fmt(x.max)}` : '-');
  const v6 = s.some((p) => 'http6' in p);
  const rows = [`phase                valid  bound       HTTP outage min / median / max     DNS outage min / median / max      ${v6 ? 'HTTP6 outage min / median / max    ' : ''}start-up min / median / max`];
  for (const p of s) rows.push(`${p.name.padEnd(20)} ${`${p.valid}/${p.runs}`.padEnd(6)} ${fmt(p.bound.ms).padEnd(11)} ${f(p.http).padEnd(34)} ${f(p.dns).padEnd(34)} ${v6 ? f(p.http6 ?? null).padEnd(34) + ' ' : ''}${f(p.startup)}`);
  return `${rows.join('\n')}\n`;
}
