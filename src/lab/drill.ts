/**
 * The failover drill: with steady client load through the VIPs, take the master down (crash:
 * kill -9 of every halo process on lb1; graceful: SIGTERM; link: lb1's external interface
 * down), then bring it back (preemption), and report what the clients saw. Also fails one web
 * server and checks the health checks take it out of the pool.
 *
 * Invariants asserted (the lab's tests rely on them, timings are only reported):
 *  - after every phase exactly one director holds all the VIPs, and they moved together;
 *  - every client request got an answer or a timeout (no hangs);
 *  - once a dead real server's check fails, no further request fails because of it.
 */
import { ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Cluster, Director, DNS_SERVICE, EXT_VIPS, HTTP_SERVICE, INT_VIP } from './cluster';
import { Sample } from './load';
import { analysePhase, PhaseReport } from './outage';
import { waitFor } from './netns';
import { VipWatch } from './vip-watch';
import { alive } from './procs';
import { controlCall } from '../daemon/control';
import type { StatusSnapshot } from '../daemon/status';

export type DrillMode = 'crash' | 'graceful' | 'link';

/**
 * Client load: a request of each kind every 1/rateHz s with a short timeout. Under software
 * emulation (the VM) every process runs an order of magnitude slower, so the lab there uses
 * a lower rate and a longer timeout; the figures are reported either way.
 */
const LOAD = process.env.HALO_IN_VM ? { rateHz: 20, timeoutMs: 1000 } : { rateHz: 50, timeoutMs: 300 };

export interface PhaseResult {
  name: string;
  /** Fault (or recovery action) time, epoch ms. */
  at: number;
  /** Action → every VIP added on the new holder, ms. */
  vipMoveMs: number | null;
  holder: Director | null;
  http: PhaseReport;
  dns: PhaseReport;
}

export interface DrillResult {
  mode: DrillMode;
  phases: PhaseResult[];
  realServerFailure: { removedAfterMs: number | null; failuresAfterRemoval: number; answeredByDeadAfterRemoval: number } | null;
  hung: number;
  violations: string[];
}

const ALL_VIPS = [...EXT_VIPS, INT_VIP];
const epochNow = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Which single director holds every VIP, or a description of the split. */
function soleHolder(c: Cluster): { holder: Director | null; detail: string } {
  const held = c.vipHolders();
  const holders = new Set(Object.values(held).flat());
  const together = Object.values(held).every((h) => h.length === 1) && holders.size === 1;
  return together ? { holder: [...holders][0], detail: '' } : { holder: null, detail: JSON.stringify(held) };
}

export class Drill {
  private load: ChildProcess | null = null;
  private samples: Sample[] = [];
  private watch: VipWatch | null = null;
  private cleanup: Promise<void> | null = null;
  private loadSummary: { started: number; hung: number } | null = null;

  constructor(readonly cluster: Cluster, readonly log: (line: string) => void = (l) => process.stdout.write(`${l}\n`)) {}

  async up(): Promise<void> {
    const c = this.cluster;
    this.log('lab: building the thesis cluster in network namespaces');
    c.buildNetwork();
    c.startServers();
    await c.waitServers();
    this.watch = new VipWatch({ lb1: c.topo.ns('lb1'), lb2: c.topo.ns('lb2') }, ALL_VIPS);
    c.startDirector('lb1');
    c.startDirector('lb2');
    // generous: under software emulation (the VM) a node process takes seconds to start
    const ok = await waitFor(() => soleHolder(c).holder === 'lb1', 90_000, 100);
    if (!ok) throw new Error(`lb1 did not become master with all VIPs within 90 s: ${soleHolder(c).detail}\n${c.logTail('lb1')}\n${c.logTail('lb2')}`);
    // the table is programmed and checks have passed once the client gets answers
    const served = await waitFor(() => c.topo.exec('client', ['curl', '-s', '-m', '1', `http://${HTTP_SERVICE}/`], { allowFail: true }).includes('<h1>web'), 60_000, 200);
    if (!served) throw new Error(`no HTTP answer through the VIP within 60 s\n${c.logTail('lb1')}`);
    this.log('lab: lb1 is MASTER with every VIP; the cluster serves HTTP and DNS');
  }

  private startLoad(durationS: number): void {
    const c = this.cluster;
    // the compiled generator (also when this module runs from sources, as under jest)
    const script = join(resolve(__dirname, '..', '..'), 'dist', 'lab', 'load.js');
    this.samples = [];
    this.loadSummary = null;
    this.load = c.topo.spawn('client', [process.execPath, script, '--http', HTTP_SERVICE, '--dns', DNS_SERVICE,
      '--rate-hz', String(LOAD.rateHz), '--timeout-ms', String(LOAD.timeoutMs), '--duration-s', String(durationS)]);
    let buf = '';
    this.load.stdout!.setEncoding('utf8');
    this.load.stdout!.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const rec = JSON.parse(buf.slice(0, nl)) as Sample | { k: 'summary'; started: number; hung: number };
        if (rec.k === 'summary') this.loadSummary = rec;
        else this.samples.push(rec);
        buf = buf.slice(nl + 1);
      }
    });
  }

  private async stopLoad(): Promise<void> {
    const p = this.load;
    if (!p) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await Promise.race([exited, sleep(2 * LOAD.timeoutMs + 5000)]);
    this.load = null;
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

  private async recover(mode: DrillMode): Promise<void> {
    const c = this.cluster;
    if (mode === 'link') c.topo.exec('lb1', ['ip', 'link', 'set', 'eth0', 'up']);
    else {
      // a crash leaves lb1's VIPs on its interfaces; halo's start-up removes them (residual VIPs)
      await waitFor(() => c.directorPids('lb1').every((p) => !alive(p)), 10_000, 50);
      await this.cleanup;
      c.startDirector('lb1');
    }
  }

  private phase(name: string, at: number, vipAt: number | null, holder: Director | null, windowMs: number): PhaseResult {
    return {
      name, at, holder, vipMoveMs: vipAt === null ? null : Math.round((vipAt - at) * 10) / 10,
      http: analysePhase(this.samples, 'http', at, windowMs),
      dns: analysePhase(this.samples, 'dns', at, windowMs),
    };
  }

  async run(mode: DrillMode): Promise<DrillResult> {
    const c = this.cluster;
    const violations: string[] = [];
    const check = (when: string, want: Director) => {
      const s = soleHolder(c);
      if (s.holder !== want) violations.push(`${when}: expected ${want} to hold every VIP, saw ${s.holder ?? s.detail}`);
    };
    this.startLoad(240); // an upper bound; stopped as soon as the drill ends
    await sleep(2000);

    this.log(`drill ${mode}: taking the master down`);
    const f = epochNow();
    await this.fault(mode);
    const moved = await this.watch!.allAddedOn('lb2', f, 30_000);
    await this.cleanup;
    await sleep(3000);
    check(`after the ${mode} fault`, 'lb2');
    const failoverHolder = soleHolder(c).holder;

    this.log(`drill ${mode}: bringing the master back (preemption)`);
    const r = epochNow();
    await this.recover(mode);
    const back = await this.watch!.allAddedOn('lb1', r, 90_000);
    await sleep(3000);
    check(`after the ${mode} failback`, 'lb1');
    const failbackHolder = soleHolder(c).holder;

    await this.stopLoad();
    const end = epochNow();
    // each phase's window runs until the next action, so a slow recovery is never cut off
    const failover = this.phase(`${mode} failover`, f, moved, failoverHolder, r - f);
    const failback = this.phase(`${mode} failback`, r, back, failbackHolder, end - r);
    const hung = this.loadSummary?.hung ?? -1;
    if (hung !== 0) violations.push(hung < 0 ? 'the client load did not report its summary' : `${hung} requests neither answered nor timed out`);
    if (violations.length > 0) this.log(`${c.logTail('lb1')}\n${c.logTail('lb2')}`);
    return { mode, phases: [failover, failback], realServerFailure: null, hung, violations };
  }

  /** Stop web2: once halo's check removes it, no request may fail or be answered by it. */
  async realServerDrill(): Promise<DrillResult['realServerFailure'] & { violations: string[] }> {
    const c = this.cluster;
    const violations: string[] = [];
    this.startLoad(30);
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
    }, 15_000, 100);
    const removedAt = epochNow();
    if (!gone) violations.push('web2 was not removed from the IPVS table within 15 s');
    await sleep(3000);
    await this.stopLoad();
    const after = this.samples.filter((s) => s.k === 'http' && s.t0 > removedAt + 50);
    const failuresAfterRemoval = after.filter((s) => !s.ok).length;
    const answeredByDeadAfterRemoval = after.filter((s) => s.srv === 'web2').length;
    if (failuresAfterRemoval > 0) violations.push(`${failuresAfterRemoval} HTTP requests failed after web2 left the table`);
    return { removedAfterMs: gone ? Math.round(removedAt - killedAt) : null, failuresAfterRemoval, answeredByDeadAfterRemoval, violations };
  }

  async close(): Promise<void> {
    await this.stopLoad();
    this.watch?.close();
  }
}

const fmt = (ms: number | null): string => (ms === null ? '-' : ms >= 1000 ? `${(ms / 1000).toFixed(3)} s` : `${ms.toFixed(1)} ms`);
const spread = (s: Record<string, number>): string => Object.keys(s).sort().map((k) => `${k}:${s[k]}`).join(' ') || '-';

export function formatDrill(results: DrillResult[]): string {
  const rows: string[] = [];
  rows.push('phase                VIP move    HTTP outage  HTTP failed  DNS outage   DNS failed  HTTP spread after         DNS spread after');
  for (const r of results) {
    for (const p of r.phases) {
      rows.push(
        `${p.name.padEnd(20)} ${fmt(p.vipMoveMs).padEnd(11)} ${fmt(p.http.outageMs).padEnd(12)} ${String(p.http.failed).padEnd(12)} ` +
          `${fmt(p.dns.outageMs).padEnd(12)} ${String(p.dns.failed).padEnd(11)} ${spread(p.http.spreadAfter).padEnd(25)} ${spread(p.dns.spreadAfter)}`,
      );
    }
    for (const p of r.phases) {
      const errs = [...Object.entries(p.http.errors).map(([e, n]) => `http ${e}:${n}`), ...Object.entries(p.dns.errors).map(([e, n]) => `dns ${e}:${n}`)];
      if (errs.length > 0) rows.push(`  ${p.name} failures: ${errs.join(' ')}`);
    }
    if (r.realServerFailure) {
      const f = r.realServerFailure;
      rows.push(`real server web2 down: removed from the table after ${fmt(f.removedAfterMs)}; afterwards ${f.failuresAfterRemoval} failed requests, ${f.answeredByDeadAfterRemoval} answered by web2`);
    }
    for (const v of r.violations) rows.push(`VIOLATION (${r.mode}): ${v}`);
  }
  return `${rows.join('\n')}\n`;
}
