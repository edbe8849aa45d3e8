/**
 * The health-check engine: every distinct target on one CheckScheduler, each probe's outcome
 * through its kind's rule (rules.ts), keepalived's log lines, and a change callback so the
 * daemon re-derives the desired IPVS table (src/ipvs/desired.ts) — `checkerUp` and
 * `dynamicWeight` are the health view it reads.
 *
 * A probe that reports `stalled` (the process, not the server, was late past the timeout:
 * src/check/deadline.ts) changes nothing: the line keepalived's scheduler logs is written and
 * the target is probed again at once.
 */
import type { RunCheck } from '../config/model';
import { timerExpiredLine } from './deadline';
import type { ProbeOutcome } from './probe';
import type { Prober } from './prober';
import { sameCheckerState } from './retry';
import type { CheckerState } from './retry';
import { initialState, settle } from './rules';
import { CheckScheduler, systemClock } from './scheduler';
import type { Clock } from './scheduler';
import { checkKey } from './targets';
import type { CheckTarget } from './targets';

export interface HealthCheckerOptions {
  targets: readonly CheckTarget[];
  prober: Prober;
  clock?: Clock;
  /** [0, 1): the warmup draw; injected so tests are deterministic. */
  random?: () => number;
  log: (line: string) => void;
  /** A target's up/down state (or misc_dynamic weight) changed; every user of it (target.users) is affected. */
  onChange?: (target: CheckTarget, up: boolean) => void;
  /**
   * Reload: checker states of the previous engine by target key (exportStates()). A target that
   * is still configured keeps its state instead of starting over (keepalived migrate_checkers).
   */
  previous?: ReadonlyMap<string, CheckerState>;
  /**
   * Every probe start, with the time it was due and the time the scheduler's wake-up that ran it
   * read the clock: the bench measures drift with it, split into the wake-up's lateness
   * (wokeAt - scheduledAt) and the wait behind the checks started before it (startedAt - wokeAt).
   */
  onProbeStart?: (target: CheckTarget, scheduledAt: number, startedAt: number, wokeAt: number) => void;
  /**
   * A result keepalived's checker mails about (before the real server's smtp_alert and
   * no_checker_emails are applied): the checker's state before and after, and the body.
   */
  onAlert?: (target: CheckTarget, up: boolean, wasUp: boolean, body: string) => void;
  /** FMT_RS of one user of a target (BFD_CHECK's line names each real server); default: the target's name. */
  userName?: (user: CheckTarget['users'][number]) => string;
  /** Every definite outcome (status and metrics). */
  onOutcome?: (target: CheckTarget, outcome: ProbeOutcome, durationMs: number) => void;
}

export class HealthChecker {
  private readonly targets: readonly CheckTarget[];
  private readonly states: CheckerState[];
  private readonly index = new Map<string, number>();
  private readonly scheduler: CheckScheduler;
  private readonly clock: Clock;
  private running = false;
  /** ha_suspend: targets that send no probe now (src/check/ha-suspend.ts). */
  private readonly suspended: boolean[];
  /** Probes that reported `stalled`, for tests and status. */
  stalls = 0;

  constructor(private readonly opts: HealthCheckerOptions) {
    this.targets = opts.targets;
    this.clock = opts.clock ?? systemClock;
    this.states = this.targets.map((t) => opts.previous?.get(t.key) ?? initialState(t.check));
    this.targets.forEach((t, i) => this.index.set(t.key, i));
    this.suspended = this.targets.map(() => false);
    this.scheduler = new CheckScheduler(this.clock, (id, at, wokeAt) => this.runCheck(id, at, wokeAt));
  }

  /** Warmup: each first check at a random point within warmup (keepalived's default: delay_loop). */
  start(): void {
    this.running = true;
    const now = this.clock.now();
    const random = this.opts.random ?? Math.random;
    this.targets.forEach((t, i) => {
      if (t.check.kind !== 'BFD_CHECK') this.scheduler.at(now + Math.floor(random() * t.check.warmupMs), i);
    });
  }

  /**
   * A bfd_instance's session went Up or left Up (check_bfd.c bfd_check_handle_event): every
   * BFD_CHECK naming it follows at once, no retries; the first event is always taken.
   */
  bfdEvent(name: string, up: boolean): void {
    if (!this.running) return;
    this.targets.forEach((t, i) => {
      const c = t.check;
      if (c.kind !== 'BFD_CHECK' || c.name !== name) return;
      const s = this.states[i];
      if (s.isUp === up && s.hasRun) return;
      const changed = s.isUp !== up;
      this.states[i] = { ...s, isUp: up, hasRun: true };
      for (const u of t.users) this.opts.log(`BFD check of [${name}] RS(${this.opts.userName?.(u) ?? t.name}) is ${up ? 'UP' : 'DOWN'}`);
      if (changed) this.opts.onChange?.(t, up);
    });
  }

  stop(): void {
    this.running = false;
    this.scheduler.stop();
    this.opts.prober.close?.();
  }

  /** Health view for buildDesired(): a checker's state, or its start state if never seen. */
  readonly checkerUp = (c: RunCheck): boolean => {
    const i = this.index.get(checkKey(c));
    return i === undefined ? !c.alpha : this.states[i].isUp;
  };

  /** What a checker does to its real server's weight (misc_dynamic sets it, FILE_CHECK adds to it), or null. */
  readonly checkerWeight = (c: RunCheck): { set: number } | { add: number } | null => {
    const i = this.index.get(checkKey(c));
    if (i === undefined) return null;
    const s = this.states[i];
    if (s.dynamicWeight !== undefined && s.dynamicWeight !== null) return { set: s.dynamicWeight };
    if (s.fileOffset) return { add: s.fileOffset };
    return null;
  };

  /** Every target's state by key, to hand to the next engine on reload. */
  exportStates(): Map<string, CheckerState> {
    return new Map(this.targets.map((t, i) => [t.key, this.states[i]]));
  }

  state(key: string): CheckerState | undefined {
    const i = this.index.get(key);
    return i === undefined ? undefined : this.states[i];
  }

  /** The targets (by index, as given) that are suspended now. */
  get suspendedTargets(): readonly boolean[] {
    return this.suspended;
  }

  /**
   * ha_suspend: a suspended target sends no probe; its timer keeps ticking every delay_loop (as
   * keepalived's checker thread does) and its state stays what it was.
   */
  setSuspended(index: number, suspended: boolean): void {
    this.suspended[index] = suspended;
  }

  private runCheck(i: number, scheduledAt: number, wokeAt: number): void {
    const t = this.targets[i];
    if (this.suspended[i]) {
      this.scheduler.at(this.clock.now() + ('delayLoopMs' in t.check ? t.check.delayLoopMs : 60_000), i);
      return;
    }
    const startedAt = this.clock.now();
    this.opts.onProbeStart?.(t, scheduledAt, startedAt, wokeAt);
    let p: Promise<ProbeOutcome>;
    try {
      p = this.opts.prober.probe(t, this.states[i]);
    } catch (e) {
      p = Promise.resolve({ result: 'failed', reason: `checker error: ${(e as Error).message}` });
    }
    p.then(
      (o) => this.settle(i, o, startedAt),
      (e: Error) => this.settle(i, { result: 'failed', reason: `checker error: ${e.message}` }, startedAt),
    );
  }

  private settle(i: number, o: ProbeOutcome, startedAt: number): void {
    if (!this.running) return;
    const t = this.targets[i];
    const now = this.clock.now();
    if (o.result === 'stalled') {
      this.stalls++;
      this.opts.log(timerExpiredLine(o.lateMs ?? 0));
      this.scheduler.at(now, i);
      return;
    }
    this.opts.onOutcome?.(t, o, now - startedAt);
    const wasUp = this.states[i].isUp;
    const v = settle(t, this.states[i], o, startedAt, now);
    // A result that changes nothing (nearly every one) keeps the state object the target has:
    // the new one dies young instead of living a delay_loop and being promoted to the old
    // generation, 10,000 times a second at scale.
    if (!sameCheckerState(this.states[i], v.state)) this.states[i] = v.state;
    for (const line of v.lines) this.opts.log(line);
    if (v.alert !== null) this.opts.onAlert?.(t, v.state.isUp, wasUp, v.alert);
    if (v.changed || v.weightChanged) this.opts.onChange?.(t, v.state.isUp);
    this.scheduler.at(v.nextAt, i);
  }
}
