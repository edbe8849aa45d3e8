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
import { isDeepStrictEqual } from 'node:util';
import type { Model, RunCheck, VirtualServer } from '../config/model';
import { HealthChecker } from '../check/health-checker';
import { checkProber } from '../check/prober';
import type { Prober } from '../check/prober';
import type { ProbeOutcome } from '../check/probe';
import { checkKey, collectTargets, isRunCheck, migrateCopyStates } from '../check/targets';
import { addressChanged, initialCounts, suspendLine, targetSuspended } from '../check/ha-suspend';
import type { CheckTarget } from '../check/targets';
import { effectiveWeight, expandServices } from '../ipvs/desired';
import type { PoolTrap } from '../ipvs/desired';
import type { CmServer, CmStats, CmVirtual } from './snmp/check-mib';
import { formatRealServer, formatVirtualServer } from '../ipvs/desired-format';
import type { SmtpAlerter } from '../alert/alerter';
import type { DesiredInput } from '../ipvs/desired';
import { ReconcileLoop } from '../ipvs/reconcile-loop';
import type { PassReport } from '../ipvs/reconcile-loop';
import { describeOp } from '../ipvs/client';
import type { Op } from '../ipvs/ops';
import type { LvsReloadReport } from './reload-plan';
import { keepAutoFwmarks, nextAutoFwmark } from '../config/auto-fwmark';
import type { IpvsTable } from '../ipvs/reconcile-loop';
import { PROTOCOL_NUMBER, virtualServerId } from '../ipvs/desired';
import { serviceKeyString } from '../ipvs/types';
import type { IpvsServiceKey } from '../ipvs/types';
import type { Logger } from './logger';
import { nftRunner, type NftRunner } from '../net/nft-firewall';
import { ipvsNftScript, planIpvsNft } from '../ipvs/nft-ipvs';
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
  /** A bfd_instance's session went Up or left Up: its BFD_CHECKs follow. */
  bfdEvent?(name: string, up: boolean): void;
  /** keepalived's quorum_state_up of a virtual server (virtualServerId); null before the first judgement. */
  quorumOf(vsId: string): boolean | null;
  /** Active connections (IPVS ActiveConn) of the kernel's services on `address`; null when unreadable. */
  activeConnections(address: string): Promise<number | null>;
  /** KEEPALIVED-MIB's checker tables' live part (enable_snmp_checker). */
  mib?(): Promise<CmVirtual[]>;
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

/** IPVS connection timeouts in seconds, as IPVS_CMD_GET/SET_CONFIG carry them. */
export interface LvsTimeouts {
  tcp: number;
  tcpFin: number;
  udp: number;
}

/**
 * What keepalived's ipvs_set_timeout sends (libipvs.c): each configured non-zero timeout, the
 * kernel's original value for the others; `configured` null (no lvs_timeouts, or a stop) = the
 * originals back. null when nothing is to be sent: no timeouts and none were ever changed.
 */
export function timeoutsToSet(
  configured: { tcp: number | null; tcpfin: number | null; udp: number | null } | null, original: LvsTimeouts | null,
): LvsTimeouts | null {
  const any = configured !== null && (!!configured.tcp || !!configured.tcpfin || !!configured.udp);
  if (!any) return original;
  const o = original ?? { tcp: 0, tcpFin: 0, udp: 0 };
  return { tcp: configured.tcp || o.tcp, tcpFin: configured.tcpfin || o.tcpFin, udp: configured.udp || o.udp };
}

const timeoutsText = (t: LvsTimeouts) => `tcp ${t.tcp} tcpfin ${t.tcpFin} udp ${t.udp}`;

export interface LvsEngineDeps {
  /** The kernel's table (IpvsClient.open), opened when the engine starts; with the connection timeouts (lvs_timeouts). */
  openTable(): Promise<IpvsTable & { close?(): void; getTimeouts?(): Promise<LvsTimeouts>; setTimeouts?(t: LvsTimeouts): Promise<void> }>;
  /** Default: every checker kind's real probe (src/check/prober.ts) with the model's SSL block and script settings. */
  prober?: Prober;
  log: Logger;
  notify: NotifyRunner;
  /** The notify FIFOs (notify_fifo, lvs_notify_fifo): `RS …`/`VS …` lines (null/absent: none). */
  fifo?: { lvs(line: string): void } | null;
  metrics?: Metrics | null;
  /** SMTP alerts of checkers and virtual servers (src/alert/alerter.ts); null/absent: none. */
  alerts?: Pick<SmtpAlerter, 'realServer' | 'virtualServer'> | null;
  /**
   * The host's addresses and their changes (netlink), for ha_suspend; required when a virtual
   * server uses it.
   */
  hostAddresses?: HostAddresses | null;
  /** Runs nft for nftables_ipvs (default: Debian's nft, src/net/nft-firewall.ts). */
  nft?: NftRunner;
  /** KEEPALIVED-MIB's checker notifications (enable_snmp_checker with enable_traps); absent: none. */
  trap?: (t: PoolTrap) => void;
}

export interface HostAddresses {
  list(): Promise<{ family: 4 | 6; address: string }[]>;
  onChange(cb: (e: { kind: 'added' | 'removed'; family: 4 | 6; address: string }) => void): void;
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
  private table!: Awaited<ReturnType<LvsEngineDeps['openTable']>>;
  /** The kernel's timeouts before halo first changed them (restored at stop, or when lvs_timeouts goes). */
  private originalTimeouts: LvsTimeouts | null = null;

  /** ha_suspend: copies of each such virtual server's address on the host, and the targets now checked. */
  private suspendCounts = new Map<VirtualServer, number>();
  private targets: CheckTarget[] = [];
  private watchingAddresses = false;
  /** nftables_ipvs: the table halo last wrote and the script that wrote it (null: none written). */
  private nftWritten: { table: string; script: string } | null = null;

  /** nftables_ipvs: keepalived's next_fwmark, never wound back by a reload (null: none handed out yet). */
  private fwmarkNext: number | null;

  constructor(private model: Model, private readonly deps: LvsEngineDeps) {
    this.fwmarkNext = nextAutoFwmark(model.virtualServers);
  }

  /** `model` as a running daemon takes it at a reload: group services keep their fwmarks (keepAutoFwmarks). */
  private keptFwmarks(model: Model): { model: Model; counter: number | null } {
    const k = keepAutoFwmarks(this.model.virtualServers, model.virtualServers, this.fwmarkNext, model.globalDefs.nftablesIpvs.startFwmark);
    return { model: { ...model, virtualServers: k.services }, counter: k.counter };
  }

  /**
   * ha_suspend at start and after a reload (register_checkers_thread): counts from the host's
   * addresses now, each suspended target set so, and keepalived's line for every ha_suspend user.
   */
  private async suspendAtStart(m: Model, checker: HealthChecker, targets: CheckTarget[]): Promise<void> {
    this.targets = targets;
    if (!m.virtualServers.some((v) => v.haSuspend)) return;
    const host = this.deps.hostAddresses;
    if (!host) throw new Error('ha_suspend: no address monitor in this process');
    if (!this.watchingAddresses) {
      this.watchingAddresses = true;
      host.onChange((e) => this.addressChanged(e));
    }
    this.suspendCounts = initialCounts(m.virtualServers, await host.list());
    targets.forEach((t, i) => {
      const suspended = targetSuspended(t, this.suspendCounts);
      checker.setSuspended(i, suspended);
      for (const u of t.users) {
        if (u.vs.haSuspend) this.deps.log.info(suspendLine('start', suspended, formatRealServer(u.rs, u.vs, m.virtualServerGroups), formatVirtualServer(u.vs, m.virtualServerGroups)));
      }
    });
  }

  /** update_checker_activity: one address added to or removed from the host. */
  private addressChanged(e: { kind: 'added' | 'removed'; family: 4 | 6; address: string }): void {
    const checker = this.checker;
    if (!checker) return;
    const step = addressChanged(this.suspendCounts, this.targets, checker.suspendedTargets, e);
    this.suspendCounts = step.counts;
    for (const f of step.flips) {
      checker.setSuspended(f.index, f.suspended);
      for (const u of this.targets[f.index].users) {
        if (!step.matched.includes(u.vs)) continue;
        this.deps.log.info(suspendLine('change', f.suspended, formatRealServer(u.rs, u.vs, this.model.virtualServerGroups), formatVirtualServer(u.vs, this.model.virtualServerGroups)));
      }
    }
  }

  private input(m: Model): DesiredInput {
    return { virtualServers: m.virtualServers, virtualServerGroups: m.virtualServerGroups, rsInitNotifies: m.globalDefs.rsInitNotifies === true };
  }

  private prober(m: Model, initFiles: 'start' | 'reload' | 'none'): Prober {
    return this.deps.prober ?? checkProber({
      ssl: m.ssl, enableScriptSecurity: m.globalDefs.enableScriptSecurity, scriptUser: m.globalDefs.scriptUser, trackFiles: m.trackFiles, initFiles,
    });
  }

  /** `initFiles`: init_file applies at start, without overwrite at a reload, not in a preview. */
  private newChecker(m: Model, targets: CheckTarget[], previous?: HealthChecker, initFiles: 'start' | 'reload' | 'none' = previous ? 'reload' : 'start'): HealthChecker {
    const weights = new Map<string, number | null>();
    return new HealthChecker({
      targets,
      prober: this.prober(m, initFiles),
      log: (line) => this.deps.log.info(line),
      userName: (u) => formatRealServer(u.rs, u.vs, m.virtualServerGroups),
      onOutcome: (t, outcome, ms) => {
        this.last.set(t.key, { at: new Date(), outcome });
        const result = outcome.result === 'success' ? 'success' : outcome.result === 'timeout' ? 'timeout' : 'failed';
        const c = t.check;
        this.deps.metrics?.checkLatency.observe({ target: 'connectIp' in c ? `${c.connectIp}:${c.connectPort}` : t.name, result }, ms / 1000);
      },
      onAlert: (t, up, wasUp, body) => this.alertChecker(t, up, wasUp, body),
      onChange: (t) => {
        this.logWeightChanges(t, weights);
        void this.loop?.poke();
      },
      previous: previous ? migrateCopyStates(previous.exportStates()) : undefined,
    });
  }

  /**
   * keepalived's checker mail, once per real server using the target: when the server's
   * smtp_alert is on, and the change moved the server's own state or no_checker_emails is off.
   */
  private alertChecker(t: CheckTarget, up: boolean, wasUp: boolean, body: string): void {
    const checker = this.checker;
    const alerts = this.deps.alerts;
    if (!checker || !alerts) return;
    const quiet = this.model.globalDefs.smtp.noCheckerEmails;
    for (const { vs, rs } of t.users) {
      if (!rs.smtpAlert) continue;
      const others = rs.checkers.filter((c) => checkKey(c as RunCheck) !== t.key);
      const othersUp = others.every((c) => isRunCheck(c) && checker.checkerUp(c));
      const alive = othersUp && up;
      const wasAlive = othersUp && wasUp;
      if (quiet && alive === wasAlive) continue;
      alerts.realServer(formatRealServer(rs, vs, this.model.virtualServerGroups), formatVirtualServer(vs, this.model.virtualServerGroups), alive, body);
    }
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
    this.table = await this.deps.openTable();
    await this.applyTimeouts(this.model);
    const targets = collectTargets(this.model.virtualServers, this.model.virtualServerGroups);
    this.checker = this.newChecker(this.model, targets);
    await this.suspendAtStart(this.model, this.checker, targets);
    this.loop = new ReconcileLoop({
      table: this.table,
      input: this.input(this.model),
      checkerUp: (c: RunCheck) => this.checker!.checkerUp(c),
      checkerWeight: (c: RunCheck) => this.checker!.checkerWeight(c),
      lvsFlush: this.model.globalDefs.lvsFlush,
      lvsFlushOnStop: () => this.model.globalDefs.lvsFlushOnStop,
      log: (line) => log.info(line),
      notify: (argv, runAs) => this.deps.notify.run(argv, [], runAs),
      fifo: (line) => this.deps.fifo?.lvs(line),
      alert: (a) => this.deps.alerts?.virtualServer(a.vsName, a.up, a.body),
      rsAlert: (a) => this.deps.alerts?.realServer(a.rsName, a.vsName, false, a.body),
      trap: (t) => this.deps.trap?.(t),
      onApplied: (ops, failed) => {
        for (const op of ops) this.deps.metrics?.ipvsOps.inc({ op: op.op });
        if (failed > 0) this.deps.metrics?.ipvsErrors.inc({ op: 'batch', errno: 'any' }, failed);
        void this.refreshWeights();
      },
    });
    await this.applyIpvsNft(this.model);
    await this.loop.start();
    this.checker.start();
    await this.refreshWeights();
  }

  /**
   * lvs_timeouts (check_daemon.c start_check, ipvswrapper.c ipvs_set_timeouts): the kernel's
   * originals are read the first time halo changes them; `m` null (stop) or a config without
   * lvs_timeouts puts them back. Returns the line for the reload report, or null.
   */
  private async applyTimeouts(m: Model | null, dryRun = false): Promise<string | null> {
    const cfg = m?.globalDefs.lvsTimeouts ?? null;
    const { getTimeouts, setTimeouts } = this.table;
    if (!getTimeouts || !setTimeouts) return null;
    let original = this.originalTimeouts;
    const wanted = cfg && (cfg.tcp || cfg.tcpfin || cfg.udp);
    try {
      if (wanted && !original) original = await getTimeouts.call(this.table);
      const t = timeoutsToSet(cfg, original);
      if (!t) return null;
      if (!wanted && !this.originalTimeouts) return null;
      const line = wanted ? `setting IPVS timeouts ${timeoutsText(t)}` : `restoring the kernel's IPVS timeouts ${timeoutsText(t)}`;
      if (dryRun) return line;
      this.originalTimeouts = original;
      await setTimeouts.call(this.table, t);
      if (!wanted) this.originalTimeouts = null;
      return line;
    } catch (err) {
      this.deps.log.warning(`Failed to set ipvs timeouts: ${(err as Error).message}`);
      return `Failed to set ipvs timeouts: ${(err as Error).message}`;
    }
  }

  /**
   * nftables_ipvs: the fwmark maps of `m` (null: stop, keepalived's nft_ipvs_end) in one nft
   * batch, written when they differ from what halo last wrote; at start any tables left by a
   * killed worker are replaced. A failure is logged; the IPVS services still go in.
   */
  private async applyIpvsNft(m: Model | null): Promise<void> {
    const plan = m ? planIpvsNft(m.globalDefs, m.virtualServers, m.virtualServerGroups) : null;
    if (!plan && !this.nftWritten) return;
    const script = ipvsNftScript(plan, this.nftWritten);
    if (plan && this.nftWritten?.script === script) return;
    const run = this.deps.nft ?? nftRunner();
    const r = await run(['-f', '-'], script, plan ? `nftables_ipvs table ${plan.table}` : `removing nftables_ipvs table ${this.nftWritten!.table}`);
    if (!r.ok) {
      this.deps.log.warning(r.error.message);
      return;
    }
    this.nftWritten = plan ? { table: plan.table, script } : null;
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

  async reload(fresh: Model): Promise<LvsReloadReport> {
    const { model, counter } = this.keptFwmarks(fresh);
    this.fwmarkNext = counter;
    const previousTimeouts = this.model.globalDefs.lvsTimeouts;
    const previous = this.checker!;
    const before = collectTargets(this.model.virtualServers, this.model.virtualServerGroups);
    const after = collectTargets(model.virtualServers, model.virtualServerGroups);
    previous.stop();
    this.model = model;
    this.checker = this.newChecker(model, after, previous);
    await this.suspendAtStart(model, this.checker, after);
    this.checker.start();
    const timeouts = await this.applyTimeouts(model);
    await this.applyIpvsNft(model);
    const r = report(await this.loop!.reload(this.input(model)), before, after);
    return timeouts && !isDeepStrictEqual(model.globalDefs.lvsTimeouts, previousTimeouts) ? { ...r, events: [timeouts, ...r.events] } : r;
  }

  async planReload(fresh: Model): Promise<LvsReloadReport> {
    const { model } = this.keptFwmarks(fresh);
    const before = collectTargets(this.model.virtualServers, this.model.virtualServerGroups);
    const after = collectTargets(model.virtualServers, model.virtualServerGroups);
    // the checkers reload() would build (migrated states), never started: only their health view is read
    const next = this.newChecker(model, after, this.checker!, 'none');
    const r = report(await this.loop!.preview(this.input(model), (c) => next.checkerUp(c), (c) => next.checkerWeight(c)), before, after);
    const timeouts = isDeepStrictEqual(model.globalDefs.lvsTimeouts, this.model.globalDefs.lvsTimeouts) ? null : await this.applyTimeouts(model, true);
    return timeouts ? { ...r, events: [timeouts, ...r.events] } : r;
  }

  bfdEvent(name: string, up: boolean): void {
    this.checker?.bfdEvent(name, up);
  }

  async stop(): Promise<void> {
    this.checker?.stop();
    await this.loop?.stop(this.model.globalDefs.lvsFlushOnStop);
    await this.applyIpvsNft(null);
    if (this.table) await this.applyTimeouts(null);
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

  /**
   * KEEPALIVED-MIB's checker tables' live part (enable_snmp_checker): each virtual server in
   * config order with its pool as the rules last judged it and the kernel's counters now, summed
   * over the kernel services it stands for (a group's entries), as keepalived's ipvs_update_stats.
   */
  async mib(): Promise<CmVirtual[]> {
    let services: Awaited<ReturnType<IpvsTable['listServices']>> = [];
    try {
      services = await this.table.listServices();
    } catch {
      /* the counters read as 0 */
    }
    const byKey = new Map(services.map((s) => [serviceKeyString(s.key), s]));
    const groups = this.model.virtualServerGroups;
    const checker = this.checker;
    return this.model.virtualServers.map((vs) => {
      const mine = expandServices(vs, groups).map((e) => byKey.get(serviceKeyString(e.template.key))).filter((s) => s !== undefined);
      const server = (address: string, port: number): Omit<CmServer, 'alive' | 'failedChecks' | 'weight'> => {
        const dests = mine.flatMap((s) => s.destinations.filter((d) => d.address === address && (d.port === port || port === 0 || !('port' in s.key) || d.port === s.key.port)));
        return {
          stats: sumStats(dests.map((d) => d.stats)),
          active: dests.reduce((n, d) => n + (d.activeConns ?? 0), 0),
          inactive: dests.reduce((n, d) => n + (d.inactiveConns ?? 0), 0),
          persistent: dests.reduce((n, d) => n + (d.persistentConns ?? 0), 0),
        };
      };
      const pool = this.loop?.pool(virtualServerId(vs, groups)) ?? null;
      const sorry = vs.sorryServer;
      return {
        cfg: vs,
        alive: this.loop !== null,
        quorumUp: pool?.quorumUp ?? true,
        stats: sumStats(mine.map((s) => s.stats)),
        sorry: sorry ? { ...server(sorry.address, sorry.port), alive: pool?.quorumUp === false, failedChecks: 0, weight: 1 } : null,
        servers: vs.realServers.map((rs, i) => ({
          ...server(rs.address, rs.port),
          alive: pool?.servers[i]?.alive ?? false,
          failedChecks: rs.checkers.filter((c) => !isRunCheck(c) || !(checker?.checkerUp(c) ?? !c.alpha)).length,
          weight: Math.max(0, effectiveWeight(rs, checker ? (c) => checker.checkerWeight(c) : undefined)),
        })),
      };
    });
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

const STAT_KEYS = ['conns', 'inpkts', 'outpkts', 'inbytes', 'outbytes', 'cps', 'inpps', 'outpps', 'inbps', 'outbps'] as const;
/** The sum of kernel counters (absent ones count 0). */
function sumStats(all: ReadonlyArray<CmStats | undefined>): CmStats {
  const out = Object.fromEntries(STAT_KEYS.map((k) => [k, 0n])) as unknown as Record<(typeof STAT_KEYS)[number], bigint>;
  for (const s of all) if (s) for (const k of STAT_KEYS) out[k] += s[k];
  return out;
}
