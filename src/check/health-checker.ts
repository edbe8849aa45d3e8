/**
 * The TCP_CHECK engine: every distinct target on one CheckScheduler, each probe's result through
 * keepalived's retry rule, keepalived's log lines, and a change callback so the daemon re-derives
 * the desired IPVS table (src/ipvs/desired.ts) — `checkerUp` is the health view it reads.
 */
import type { TcpCheck } from '../config/model';
import { initialCheckerState, onProbeResult } from './retry';
import type { CheckerState, ProbeResult } from './retry';
import { CheckScheduler, systemClock } from './scheduler';
import type { Clock } from './scheduler';
import { checkKey } from './targets';
import type { CheckTarget } from './targets';
import type { Prober } from './tcp-probe';

export interface HealthCheckerOptions {
  targets: readonly CheckTarget[];
  prober: Prober;
  clock?: Clock;
  /** [0, 1): the warmup draw; injected so tests are deterministic. */
  random?: () => number;
  log: (line: string) => void;
  /** A target's up/down state changed; every user of it (target.users) is affected. */
  onChange?: (target: CheckTarget, up: boolean) => void;
  /**
   * Reload: checker states of the previous engine by target key (exportStates()). A target that
   * is still configured keeps its state instead of starting over (keepalived migrate_checkers).
   */
  previous?: ReadonlyMap<string, CheckerState>;
  /** Every probe start, with the time it was due: the bench measures drift with it. */
  onProbeStart?: (target: CheckTarget, scheduledAt: number, startedAt: number) => void;
}

export class HealthChecker {
  private readonly targets: readonly CheckTarget[];
  private readonly states: CheckerState[];
  private readonly index = new Map<string, number>();
  private readonly scheduler: CheckScheduler;
  private readonly clock: Clock;
  private running = false;

  constructor(private readonly opts: HealthCheckerOptions) {
    this.targets = opts.targets;
    this.clock = opts.clock ?? systemClock;
    this.states = this.targets.map((t) => opts.previous?.get(t.key) ?? initialCheckerState(t));
    this.targets.forEach((t, i) => this.index.set(t.key, i));
    this.scheduler = new CheckScheduler(this.clock, (id, at) => this.runCheck(id, at));
  }

  /** Warmup: each first check at a random point within warmup (keepalived's default: delay_loop). */
  start(): void {
    this.running = true;
    const now = this.clock.now();
    const random = this.opts.random ?? Math.random;
    this.targets.forEach((t, i) => this.scheduler.at(now + Math.floor(random() * t.warmupMs), i));
  }

  stop(): void {
    this.running = false;
    this.scheduler.stop();
  }

  /** Health view for buildDesired(): a checker's state, or its start state if never seen. */
  readonly checkerUp = (c: TcpCheck): boolean => {
    const i = this.index.get(checkKey(c));
    return i === undefined ? !c.alpha : this.states[i].isUp;
  };

  /** Every target's state by key, to hand to the next engine on reload. */
  exportStates(): Map<string, CheckerState> {
    return new Map(this.targets.map((t, i) => [t.key, this.states[i]]));
  }

  state(key: string): CheckerState | undefined {
    const i = this.index.get(key);
    return i === undefined ? undefined : this.states[i];
  }

  private runCheck(i: number, scheduledAt: number): void {
    const t = this.targets[i];
    this.opts.onProbeStart?.(t, scheduledAt, this.clock.now());
    this.opts.prober.probe(t).then(
      (r) => this.settle(i, r),
      () => this.settle(i, 'failed'),
    );
  }

  private settle(i: number, result: ProbeResult): void {
    if (!this.running) return;
    const t = this.targets[i];
    const before = this.states[i];
    if (result !== 'success' && before.isUp && t.logAllFailures) {
      this.opts.log(`TCP connection to ${t.name} ${result === 'timeout' ? 'timeout' : 'failed'}.`);
    }
    const step = onProbeResult(before, result, t);
    this.states[i] = step.state;
    if (step.log === 'success') this.opts.log(`TCP connection to ${t.name} success.`);
    else if (step.log === 'failed') this.opts.log(`TCP_CHECK on service ${t.name} failed.`);
    else if (step.log === 'failed-after-retries') this.opts.log(`TCP_CHECK on service ${t.name} failed after ${t.retry} retries.`);
    if (step.changed) this.opts.onChange?.(t, step.state.isUp);
    this.scheduler.at(this.clock.now() + step.delayMs, i);
  }
}
