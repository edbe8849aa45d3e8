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
 */
import { buildDesired, shutdownEvents } from './desired';
import type { CheckerUp, CheckerWeight, DesiredInput, PoolEvent, PoolState } from './desired';
import { diff, ownedAfter, teardown } from './reconcile';
import type { Op } from './ops';
import { serviceKeyString } from './types';
import type { IpvsDestination, IpvsService } from './types';

/** The part of the IPVS client the loop needs (src/ipvs/client.ts IpvsClient satisfies it). */
export interface IpvsTable {
  listServices(): Promise<IpvsService[]>;
  apply(ops: Op[]): Promise<{ op: Op; error?: Error }[]>;
}

export interface ReconcileLoopOptions {
  table: IpvsTable;
  input: DesiredInput;
  checkerUp: CheckerUp;
  /** misc_dynamic weights (keepalived's effective_weight), if any checker sets them. */
  checkerWeight?: CheckerWeight;
  /** global_defs lvs_flush */
  lvsFlush: boolean;
  /** keepalived's lines (pool transitions) and kernel errors, one per call. */
  log: (line: string) => void;
  /** notify_up/notify_down/quorum_up/quorum_down scripts to run. */
  notify: (argv: string[]) => void;
  /** After each applied batch (metrics). */
  onApplied?: (ops: readonly Op[], failed: number) => void;
}

export class ReconcileLoop {
  private input: DesiredInput;
  private state: PoolState | null = null;
  private actual: Map<string, IpvsService> | null = null;
  private owned = new Set<string>();
  private running: Promise<void> | null = null;
  private dirty = false;
  private stopped = false;

  constructor(private readonly opts: ReconcileLoopOptions) {
    this.input = opts.input;
  }

  async start(): Promise<void> {
    await this.pass();
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
          await this.pass();
        } while (this.dirty && !this.stopped);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  reload(input: DesiredInput): Promise<void> {
    this.input = input;
    return this.poke();
  }

  async stop(lvsFlushOnStop: 'off' | 'all' | 'vs'): Promise<void> {
    this.stopped = true;
    if (this.running) await this.running;
    if (this.state) this.emit(shutdownEvents(this.input, this.state, lvsFlushOnStop));
    const actual = this.actual ? [...this.actual.values()] : await this.opts.table.listServices();
    await this.applyOps(teardown(this.owned, actual, lvsFlushOnStop));
  }

  /** Services halo owns now (serviceKeyString), for status. */
  ownedServices(): ReadonlySet<string> {
    return this.owned;
  }

  private async pass(): Promise<void> {
    const desired = buildDesired(this.input, this.opts.checkerUp, this.state, this.opts.checkerWeight);
    this.state = desired.state;
    this.emit(desired.events);
    this.actual ??= indexTable(await this.opts.table.listServices());
    const ops = diff(desired.services, [...this.actual.values()], { owned: this.owned, lvsFlush: this.opts.lvsFlush });
    const ok = await this.applyOps(ops);
    this.owned = ownedAfter(desired.services);
    if (!ok) this.actual = null;
  }

  /** Applies ops and mirrors the acknowledged ones into the tracked table; false if any failed. */
  private async applyOps(ops: Op[]): Promise<boolean> {
    if (ops.length === 0) return true;
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
    return failed === 0;
  }

  private emit(events: readonly PoolEvent[]): void {
    for (const e of events) {
      if (e.message) this.opts.log(e.message);
      if (e.notify) this.opts.notify(e.notify);
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
