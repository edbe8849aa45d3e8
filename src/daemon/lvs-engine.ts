/**
 * The LVS shell: checker results (TCP_CHECK, HTTP_GET, SSL_GET, MISC_CHECK) → desired IPVS
 * table → minimal ops → kernel.
 *
 * One HealthChecker (one timer heap for every distinct target) feeds one ReconcileLoop; a
 * checker's change pokes the loop, which re-derives the desired table and applies only the
 * difference. On reload the checkers of unchanged targets keep their state and schedule
 * (keepalived's migrate_checkers), and the loop applies only the changed services and
 * destinations. On stop, what halo owns leaves the kernel (lvs_flush_on_stop as keepalived).
 */
import type { Model, RunCheck } from '../config/model';
import { HealthChecker } from '../check/health-checker';
import { checkProber } from '../check/prober';
import type { Prober } from '../check/prober';
import type { ProbeOutcome } from '../check/probe';
import { checkKey, collectTargets, isRunCheck } from '../check/targets';
import type { CheckTarget } from '../check/targets';
import { effectiveWeight } from '../ipvs/desired';
import { formatRealServer } from '../ipvs/desired-format';
import type { DesiredInput } from '../ipvs/desired';
import { ReconcileLoop } from '../ipvs/reconcile-loop';
import type { PassReport } from '../ipvs/reconcile-loop';
import { describeOp } from '../ipvs/client';
import type { Op } from '../ipvs/ops';
import type { LvsReloadReport } from './reload-plan';
import type { IpvsTable } from '../ipvs/reconcile-loop';
import { PROTOCOL_NUMBER, virtualServerId } from '../ipvs/desired';
import { serviceKeyString } from '../ipvs/types';
import type { IpvsServiceKey } from '../ipvs/types';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import type { NotifyRunner } from './notify';
import type { RealServerStatus, VirtualServerStatus } from './status';

export interface LvsEngine {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Applies `model`; resolves with what was done. */
  reload(model: Model): Promise<LvsReloadReport>;
  /** What reload(model) would do now, without doing it. */
  planReload(model: Model): Promise<LvsReloadReport>;
  status(): VirtualServerStatus[];
  /** keepalived's quorum_state_up of a virtual server (virtualServerId); null before the first judgement. */
  quorumOf(vsId: string): boolean | null;
  /** Active connections (IPVS ActiveConn) of the kernel's services on `address`; null when unreadable. */
  activeConnections(address: string): Promise<number | null>;
}

/** One op as a plan line: describeOp's words plus what is set ("adding service TCP 10.0.0.1:80 (rr)"). */
export function opLine(op: Op): string {
  const what = describeOp(op);
  switch (op.op) {
    case 'add-service':
    case 'edit-service':
      return `${what} (${op.service.scheduler}${op.service.timeout ? `, persistent ${op.service.timeout} s` : ''})`;
    case 'add-dest':
    case 'edit-dest':
      return `${what} (${op.dest.forward}, weight ${op.dest.weight})`;
    default:
      return what;
  }
}

/** Checkers a reload starts and stops: targets by key (a changed parameter is a new target). */
export function checkerChanges(before: readonly CheckTarget[], after: readonly CheckTarget[]): { started: string[]; stopped: string[] } {
  const b = new Set(before.map((t) => t.key));
  const a = new Set(after.map((t) => t.key));
  return {
    started: after.filter((t) => !b.has(t.key)).map((t) => `${t.check.kind} ${t.name}`),
    stopped: before.filter((t) => !a.has(t.key)).map((t) => `${t.check.kind} ${t.name}`),
  };
}

function report(pass: PassReport, before: readonly CheckTarget[], after: readonly CheckTarget[]): LvsReloadReport {
  const c = checkerChanges(before, after);
  return {
    ipvs: pass.ops.map((r) => ({ op: opLine(r.op), ...(r.error ? { error: r.error.message } : {}) })),
    events: pass.events.map((e) => e.message).filter((m) => m !== ''),
    checkersStarted: c.started,
    checkersStopped: c.stopped,
  };
}

export interface LvsEngineDeps {
  /** The kernel's table (IpvsClient.open), opened when the engine starts. */
  openTable(): Promise<IpvsTable & { close?(): void }>;
  /** Default: every checker kind's real probe (src/check/prober.ts) with the model's SSL block and script settings. */
  prober?: Prober;
  log: Logger;
  notify: NotifyRunner;
  metrics?: Metrics | null;
}

interface LastCheck {
  at: Date;
  outcome: ProbeOutcome;
}

/** Kernel weights are looked up by service and destination, whichever side the key comes from. */
function weightKey(key: IpvsServiceKey, address: string, port: number): string {
  return `${serviceKeyString(key)}>${address}:${port}`;
}

export class KernelLvsEngine implements LvsEngine {
  private checker: HealthChecker | null = null;
  private loop: ReconcileLoop | null = null;
  private readonly last = new Map<string, LastCheck>();
  private kernelWeights = new Map<string, number>();
  private table!: IpvsTable & { close?(): void };

  constructor(private model: Model, private readonly deps: LvsEngineDeps) {}

  private input(m: Model): DesiredInput {
    return { virtualServers: m.virtualServers, virtualServerGroups: m.virtualServerGroups };
  }

  private prober(m: Model): Prober {
    return this.deps.prober ?? checkProber({
      ssl: m.ssl, enableScriptSecurity: m.globalDefs.enableScriptSecurity, scriptUser: m.globalDefs.scriptUser, trackFiles: m.trackFiles,
    });
  }

  private newChecker(m: Model, targets: CheckTarget[], previous?: HealthChecker): HealthChecker {
    const weights = new Map<string, number | null>();
    return new HealthChecker({
      targets,
      prober: this.prober(m),
      log: (line) => this.deps.log.info(line),
      onOutcome: (t, outcome, ms) => {
        this.last.set(t.key, { at: new Date(), outcome });
        const result = outcome.result === 'success' ? 'success' : outcome.result === 'timeout' ? 'timeout' : 'failed';
        const c = t.check;
        this.deps.metrics?.checkLatency.observe({ target: 'connectIp' in c ? `${c.connectIp}:${c.connectPort}` : t.name, result }, ms / 1000);
      },
      onChange: (t) => {
        this.logWeightChanges(t, weights);
        void this.loop?.poke();
      },
      previous: previous?.exportStates(),
    });
  }

  /** update_svr_wgt's line when a misc_dynamic checker moved a real server's weight. */
  private logWeightChanges(t: CheckTarget, seen: Map<string, number | null>): void {
    const checker = this.checker;
    if (!checker || !(t.check.kind === 'FILE_CHECK' || (t.check.kind === 'MISC_CHECK' && t.check.dynamic))) return;
    for (const { vs, rs } of t.users) {
      const key = `${t.key}>${vs.location.line}:${rs.address}:${rs.port}`;
      const now = effectiveWeight(rs, checker.checkerWeight);
      const before = seen.get(key) ?? rs.weight;
      seen.set(key, now);
      if (now === before) continue;
      const alive = rs.checkers.every((c) => !isRunCheck(c) || checker.checkerUp(c));
      this.deps.log.info(`Changing weight from ${before} to ${now} for ${alive ? '' : 'in'}active service ${formatRealServer(rs, vs, this.model.virtualServerGroups)} of VS ${t.vsName}`);
    }
  }

  async start(): Promise<void> {
    const { log } = this.deps;
    for (const vs of this.model.virtualServers) {
      for (const rs of vs.realServers) {
        for (const c of rs.checkers) if (!isRunCheck(c)) log.warning(`${c.kind} on ${rs.address}:${rs.port} is not implemented in halo; the server stays down`);
      }
    }
    this.table = await this.deps.openTable();
    this.checker = this.newChecker(this.model, collectTargets(this.model.virtualServers, this.model.virtualServerGroups));
    this.loop = new ReconcileLoop({
      table: this.table,
      input: this.input(this.model),
      checkerUp: (c: RunCheck) => this.checker!.checkerUp(c),
      checkerWeight: (c: RunCheck) => this.checker!.checkerWeight(c),
      lvsFlush: this.model.globalDefs.lvsFlush,
      log: (line) => log.info(line),
      notify: (argv) => this.deps.notify.run(argv),
      onApplied: (ops, failed) => {
        for (const op of ops) this.deps.metrics?.ipvsOps.inc({ op: op.op });
        if (failed > 0) this.deps.metrics?.ipvsErrors.inc({ op: 'batch', errno: 'any' }, failed);
        void this.refreshWeights();
      },
    });
    await this.loop.start();
    this.checker.start();
    await this.refreshWeights();
  }

  /** What the kernel holds, for status (cheap: only after a batch was applied). */
  private async refreshWeights(): Promise<void> {
    try {
      const services = await this.table.listServices();
      const w = new Map<string, number>();
      for (const s of services) {
        for (const d of s.destinations) w.set(weightKey(s.key, d.address, d.port), d.weight);
      }
      this.kernelWeights = w;
    } catch {
      /* status shows what it last knew */
    }
  }

  async reload(model: Model): Promise<LvsReloadReport> {
    const previous = this.checker!;
    const before = collectTargets(this.model.virtualServers, this.model.virtualServerGroups);
    const after = collectTargets(model.virtualServers, model.virtualServerGroups);
    previous.stop();
    this.model = model;
    this.checker = this.newChecker(model, after, previous);
    this.checker.start();
    return report(await this.loop!.reload(this.input(model)), before, after);
  }

  async planReload(model: Model): Promise<LvsReloadReport> {
    const before = collectTargets(this.model.virtualServers, this.model.virtualServerGroups);
    const after = collectTargets(model.virtualServers, model.virtualServerGroups);
    // the checkers reload() would build (migrated states), never started: only their health view is read
    const next = this.newChecker(model, after, this.checker!);
    return report(await this.loop!.preview(this.input(model), (c) => next.checkerUp(c), (c) => next.checkerWeight(c)), before, after);
  }

  async stop(): Promise<void> {
    this.checker?.stop();
    await this.loop?.stop(this.model.globalDefs.lvsFlushOnStop);
    this.table?.close?.();
  }

  quorumOf(vsId: string): boolean | null {
    return this.loop?.quorumUp(vsId) ?? null;
  }

  async activeConnections(address: string): Promise<number | null> {
    try {
      const services = await this.table.listServices();
      let n = 0;
      for (const s of services) {
        if ('address' in s.key && s.key.address === address) for (const d of s.destinations) n += d.activeConns ?? 0;
      }
      return n;
    } catch {
      return null;
    }
  }

  status(): VirtualServerStatus[] {
    return this.model.virtualServers.map((vs) => {
      const key: IpvsServiceKey | null = vs.key.kind === 'fwmark'
        ? { af: vs.key.family, fwmark: vs.key.fwmark }
        : vs.key.kind === 'addr' ? { af: vs.key.family, protocol: PROTOCOL_NUMBER[vs.protocol], address: vs.key.address, port: vs.key.port } : null;
      const realServers: RealServerStatus[] = vs.realServers.map((rs) => {
        const checks = rs.checkers.filter(isRunCheck);
        const healthy = checks.length === rs.checkers.length && checks.every((c) => this.checker?.checkerUp(c) ?? !c.alpha);
        const lc = checks.map((c) => this.last.get(checkKey(c))).find((x) => x !== undefined);
        return {
          address: rs.address,
          port: rs.port,
          healthy,
          kernelWeight: key ? this.kernelWeights.get(weightKey(key, rs.address, rs.port)) ?? null : null,
          configuredWeight: rs.weight,
          lastCheck: lc ? { at: lc.at.toISOString(), ok: lc.outcome.result === 'success', detail: lc.outcome.result === 'success' ? '' : lc.outcome.reason ?? lc.outcome.result } : null,
        };
      });
      const service = virtualServerId(vs, this.model.virtualServerGroups);
      return {
        service,
        scheduler: vs.lvsSched,
        // keepalived's quorum_state_up as the pool rules last judged it (up until the first pass)
        quorumUp: this.loop?.quorumUp(service) ?? true,
        realServers,
      };
    });
  }
}

