/**
 * The reconcile loop: keeps the kernel's IPVS table equal to config ∩ health.
 *
 *   start()   list the kernel once, adopt what matches, add what is missing;
 *   poke()    a checker changed: re-derive the desired table and apply the difference (pokes that
 *             arrive while a pass runs are coalesced into one more pass);
 *   reload()  a new config model: same, plus edits of changed services;
 *   stop()    keepalived's stop lines and notifies, then remove what halo owns.
 *
 * The kernel table is read once and then tracked by applying each acknowledged op to a local
 * copy, so a health change costs one diff and its few netlink messages, not a 10,000-service dump.
 * After any failed op the next pass re-reads the kernel.
 *
 * A pass that failed — an op the kernel refused, or a request that got no reply in time (the
 * netlink socket's ETIMEDOUT, or any other error reading the table) — is logged and followed by
 * a resync: a pass that re-reads the kernel after 1 s, then 2 s, 4 s … up to 30 s while it keeps
 * failing, so the table converges without waiting for the next health change.
 */
import { buildDesired, reloadState, removalEvents, shutdownEvents } from './desired';
import type { CheckerUp, CheckerWeight, DesiredInput, PoolEvent, PoolState } from './desired';
import { diff, ownedAfter, teardown } from './reconcile';
import type { RunAs } from '../config/script-user';
import type { Op } from './ops';
import { serviceKeyString } from './types';
import type { IpvsDestination, IpvsService } from './types';
import { systemClock } from '../check/scheduler';
import type { Clock } from '../check/scheduler';

/** Delay before the n-th consecutive resync (n ≥ 1): 1 s, 2 s, 4 s, … capped at 30 s. */
export function resyncDelayMs(n: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, n - 1));
}

/** The part of the IPVS client the loop needs (src/ipvs/client.ts IpvsClient satisfies it). */
export interface IpvsTable {
  listServices(): Promise<IpvsService[]>;
  apply(ops: Op[]): Promise<{ op: Op; error?: Error }[]>;
}

/** What one pass did (or, for preview, would do): the ops in order, each with its error if it failed. */
export interface PassReport {
  ops: { op: Op; error?: Error }[];
  events: PoolEvent[];
}

export interface ReconcileLoopOptions {
  table: IpvsTable;
  input: DesiredInput;
  checkerUp: CheckerUp;
  /** misc_dynamic weights (keepalived's effective_weight), if any checker sets them. */
  checkerWeight?: CheckerWeight;
  /** global_defs lvs_flush */
  lvsFlush: boolean;
  /** global_defs lvs_flush_on_stop as configured now (a reload's removals follow it too); default off. */
  lvsFlushOnStop?: () => 'off' | 'all' | 'vs';
  /** keepalived's lines (pool transitions) and kernel errors, one per call. */
  log: (line: string) => void;
  /** notify_up/notify_down/quorum_up/quorum_down scripts to run; `runAs` when the script named its user (null = root). */
  notify: (argv: string[], runAs?: RunAs | null) => void;
  /** A line for the notify FIFOs (absent: none configured). */
  fifo?: (line: string) => void;
  /** KEEPALIVED-MIB's checker notifications (enable_snmp_checker with enable_traps). */
  trap?: (t: import('./desired').PoolTrap) => void;
  /** A virtual server's quorum mail (smtp_alert). */
  alert?: (a: NonNullable<PoolEvent['alert']>) => void;
  /** A real server's "DOWN" mail when stop (omega) or a reload takes it out (smtp_alert). */
  rsAlert?: (a: NonNullable<PoolEvent['rsAlert']>) => void;
  /** After each applied batch (metrics). */
  onApplied?: (ops: readonly Op[], failed: number) => void;
  /** Timers for the resync after a failed pass (default: the system clock). */
  clock?: Clock;
}

export class ReconcileLoop {
  private input: DesiredInput;
  private state: PoolState | null = null;
  private actual: Map<string, IpvsService> | null = null;
  private owned = new Set<string>();
  private running: Promise<void> | null = null;
  private dirty = false;
  private stopped = false;
  /** Consecutive failed passes, and the armed resync timer. */
  private failures = 0;
  private resyncTimer: unknown = null;
  private readonly clock: Clock;
  private readonly collectors = new Set<(r: PassReport & { input: DesiredInput }) => void>();

  constructor(private readonly opts: ReconcileLoopOptions) {
    this.input = opts.input;
    this.clock = opts.clock ?? systemClock;
  }

  private lvsFlushOnStop(): 'off' | 'all' | 'vs' {
    return this.opts.lvsFlushOnStop?.() ?? 'off';
  }

  /** Whether the last pass left the kernel as desired (false until a resync succeeds). */
  get inSync(): boolean {
    return this.failures === 0;
  }

  /** The first pass; an error here (the kernel unreadable) is the caller's, to refuse to start. */
  async start(): Promise<void> {
    const ok = await this.pass();
    this.settle(ok);
  }

  /** Health changed: re-derive and apply (coalesced). Resolves when the table reflects it. */
  poke(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.dirty = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.dirty = false;
          let ok: boolean;
          try {
            ok = await this.pass();
          } catch (err) {
            this.actual = null;
            this.opts.log(`IPVS: ${(err as Error).message}`);
            ok = false;
          }
          this.settle(ok);
        } while (this.dirty && !this.stopped);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  /**
   * A new config: the next pass derives the table from `input`. Resolves with what the passes
   * run for it did (normally one; more when a resync was needed at once).
   */
  async reload(input: DesiredInput): Promise<PassReport> {
    // what the new config takes away, told with the old config and pool state (clear_diff_services)
    const removed = this.state ? removalEvents(this.input, input, this.state, this.lvsFlushOnStop()) : [];
    this.emit(removed);
    if (this.state) this.state = reloadState(this.input, input, this.state);
    this.input = input;
    const report: PassReport = { ops: [], events: [...removed] };
    const collect = (r: PassReport & { input: DesiredInput }) => {
      if (r.input !== input) return;
      report.ops.push(...r.ops);
      report.events.push(...r.events);
    };
    this.collectors.add(collect);
    try {
      await this.poke();
      // a pass that was already running used the old input: ours ran after it (dirty)
    } finally {
      this.collectors.delete(collect);
    }
    return report;
  }

  /**
   * The pass `reload(input)` would run now, computed and not applied: the same buildDesired and
   * diff on the same tracked table (read from the kernel only if the tracked copy was dropped).
   * `checkerUp` is the health the reload would see (the migrated checkers).
   */
  async preview(input: DesiredInput, checkerUp: CheckerUp = this.opts.checkerUp, checkerWeight: CheckerWeight | undefined = this.opts.checkerWeight): Promise<PassReport> {
    const desired = buildDesired(input, checkerUp, this.state ? reloadState(this.input, input, this.state) : null, checkerWeight);
    const actual = this.actual ? [...this.actual.values()] : await this.opts.table.listServices();
    const ops = diff(desired.services, actual, { owned: this.owned, lvsFlush: this.opts.lvsFlush });
    const removed = this.state ? removalEvents(this.input, input, this.state, this.lvsFlushOnStop()) : [];
    return { ops: ops.map((op) => ({ op })), events: [...removed, ...desired.events] };
  }

  /** After a pass: count failures and arm (or drop) the resync. */
  private settle(ok: boolean): void {
    if (this.resyncTimer !== null) {
      this.clock.clearTimer(this.resyncTimer);
      this.resyncTimer = null;
    }
    if (ok) {
      if (this.failures > 0) this.opts.log('IPVS: table resynchronised');
      this.failures = 0;
      return;
    }
    this.failures++;
    if (this.stopped) return;
    const delay = resyncDelayMs(this.failures);
    this.opts.log(`IPVS: re-reading the kernel table in ${delay / 1000} s (attempt ${this.failures})`);
    this.resyncTimer = this.clock.setTimer(() => {
      this.resyncTimer = null;
      void this.poke();
    }, delay);
  }

  async stop(lvsFlushOnStop: 'off' | 'all' | 'vs'): Promise<void> {
    this.stopped = true;
    if (this.resyncTimer !== null) this.clock.clearTimer(this.resyncTimer);
    this.resyncTimer = null;
    if (this.running) await this.running;
    if (this.state) this.emit(shutdownEvents(this.input, this.state, lvsFlushOnStop));
    const actual = this.actual ? [...this.actual.values()] : await this.opts.table.listServices();
    await this.applyOps(teardown(this.owned, actual, lvsFlushOnStop));
  }

  /**
   * Whether virtual server `vsId` (virtualServerId) has its quorum as of the last evaluation
   * (keepalived's quorum_state_up); null before the first pass or for an unknown id.
   */
  /** A virtual server's pool as the rules last judged it (null before the first pass). */
  pool(vsId: string): import('./desired').VsPoolState | null {
    return this.state?.pools.get(vsId) ?? null;
  }

  quorumUp(vsId: string): boolean | null {
    return this.state?.pools.get(vsId)?.quorumUp ?? null;
  }

  /** Services halo owns now (serviceKeyString), for status. */
  ownedServices(): ReadonlySet<string> {
    return this.owned;
  }

  private async pass(): Promise<boolean> {
    const input = this.input;
    const desired = buildDesired(input, this.opts.checkerUp, this.state, this.opts.checkerWeight);
    this.state = desired.state;
    this.emit(desired.events);
    this.actual ??= indexTable(await this.opts.table.listServices());
    const ops = diff(desired.services, [...this.actual.values()], { owned: this.owned, lvsFlush: this.opts.lvsFlush });
    const results = await this.applyOps(ops);
    this.owned = ownedAfter(desired.services);
    const ok = results.every((r) => !r.error);
    if (!ok) this.actual = null;
    for (const c of this.collectors) c({ input, ops: results, events: desired.events });
    return ok;
  }

  /** Applies ops and mirrors the acknowledged ones into the tracked table; each op's result. */
  private async applyOps(ops: Op[]): Promise<{ op: Op; error?: Error }[]> {
    if (ops.length === 0) return [];
    const results = await this.opts.table.apply(ops);
    let failed = 0;
    for (const r of results) {
      if (r.error) {
        failed++;
        this.opts.log(r.error.message);
      } else if (this.actual) {
        applyToTable(this.actual, r.op);
      }
    }
    this.opts.onApplied?.(ops, failed);
    return results;
  }

  private emit(events: readonly PoolEvent[]): void {
    for (const e of events) {
      if (e.message) this.opts.log(e.message);
      if (e.notify) this.opts.notify(e.notify, e.runAs);
      if (e.fifo) this.opts.fifo?.(e.fifo);
      if (e.alert) this.opts.alert?.(e.alert);
      if (e.rsAlert) this.opts.rsAlert?.(e.rsAlert);
      if (e.trap) this.opts.trap?.(e.trap);
    }
  }
}

function indexTable(services: IpvsService[]): Map<string, IpvsService> {
  return new Map(services.map((s) => [serviceKeyString(s.key), s]));
}

/** Mirrors one acknowledged op into the tracked table (by serviceKeyString), in place. */
export function applyToTable(table: Map<string, IpvsService>, op: Op): void {
  if (op.op === 'flush') {
    table.clear();
    return;
  }
  const k = serviceKeyString(op.op === 'add-service' || op.op === 'edit-service' ? op.service.key : op.key);
  const s = table.get(k);
  const sameDest = (d: IpvsDestination, o: { address: string; port: number }) => d.address === o.address && d.port === o.port;
  switch (op.op) {
    case 'add-service':
      table.set(k, { ...op.service, destinations: [] });
      break;
    case 'edit-service':
      if (s) table.set(k, { ...op.service, destinations: s.destinations });
      break;
    case 'del-service':
      table.delete(k);
      break;
    case 'add-dest':
      if (s) table.set(k, { ...s, destinations: [...s.destinations, op.dest] });
      break;
    case 'edit-dest':
      if (s) table.set(k, { ...s, destinations: s.destinations.map((d) => (sameDest(d, op.dest) ? op.dest : d)) });
      break;
    case 'del-dest':
      if (s) table.set(k, { ...s, destinations: s.destinations.filter((d) => !sameDest(d, op.dest)) });
      break;
  }
}
