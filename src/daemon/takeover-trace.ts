/**
 * Where a takeover's milliseconds go, on the worker's own clock: a BACKUP's last advert heard
 * (the old master's last one, or its priority 0), the down timer's deadline, the wake-up that
 * expired it, and the new MASTER's first advert handed to the kernel. Kept per instance (the
 * last takeover only), read by `halo status --json` (vrrpTakeovers) and the failover bench,
 * which sets these beside the same packets' capture timestamps on a third host:
 *
 *   wire (old master's advert) → heard        receive path (kernel + event loop + decode)
 *   heard → deadline                          Master_Down_Interval or Skew_Time, by the RFC
 *   deadline → fired                          timer lateness (timerfd wake-up, a busy loop)
 *   fired → stepped                           the pure step (the new state, its advert encoded)
 *   stepped → sent                            carrying out its actions up to the first advert's sendto
 *   sent → wire (new master's advert)         kernel transmit, bridge, capture
 *
 * Times are monotonic ms (performance.now()); timeOrigin (performance.timeOrigin) turns them
 * into epoch ms, the clock of pcap timestamps.
 */

export interface TakeoverTrace {
  instance: string;
  /** The last valid advert this instance processed before the takeover (monotonic ms); null if none. */
  heardAt: number | null;
  /** That advert's priority (0: the master left gracefully). */
  heardPriority: number | null;
  /** The expired timer's deadline (monotonic ms). */
  deadline: number;
  /** When the wake-up ran it (monotonic ms). */
  firedAt: number;
  /** When the state machine's step had returned, before its actions were carried out (monotonic ms); null if no step ran. */
  steppedAt: number | null;
  /** When the first advert as MASTER had been handed to the kernel (monotonic ms); null if none went out. */
  sentAt: number | null;
  /** performance.timeOrigin of the worker: epoch ms = timeOrigin + monotonic ms. */
  timeOrigin: number;
}

/** A trace's phases in ms, and its instants as epoch ms (to set beside capture timestamps). */
export interface TakeoverTimeline {
  /** heard → deadline: the interval the machine armed (Master_Down_Interval or Skew_Time). */
  armedMs: number | null;
  /** deadline → fired. */
  latenessMs: number;
  /** fired → sent. */
  stepMs: number | null;
  /** fired → stepped (the pure machine) and stepped → sent (the I/O path to the first advert's sendto). */
  machineMs: number | null;
  ioMs: number | null;
  /** Epoch ms of heardAt, firedAt and sentAt. */
  epoch: { heard: number | null; deadline: number; fired: number; sent: number | null };
}

export function takeoverTimeline(t: TakeoverTrace): TakeoverTimeline {
  const epoch = (ms: number | null) => (ms === null ? null : t.timeOrigin + ms);
  return {
    armedMs: t.heardAt === null ? null : t.deadline - t.heardAt,
    latenessMs: t.firedAt - t.deadline,
    stepMs: t.sentAt === null ? null : t.sentAt - t.firedAt,
    machineMs: t.steppedAt === null ? null : t.steppedAt - t.firedAt,
    ioMs: t.sentAt === null || t.steppedAt === null ? null : t.sentAt - t.steppedAt,
    epoch: { heard: epoch(t.heardAt), deadline: t.timeOrigin + t.deadline, fired: t.timeOrigin + t.firedAt, sent: epoch(t.sentAt) },
  };
}

/**
 * The recorder the engine feeds: heard() per valid advert, fired() around a down timer's step,
 * sent() per advert handed to the kernel. No allocation on the advert path once an instance has
 * its slot. Pure bookkeeping: the clock is injected.
 */
export class TakeoverTracer {
  private readonly heardOf = new Map<string, { at: number; priority: number }>();
  private readonly traces = new Map<string, TakeoverTrace>();
  /** The trace of the down timer being stepped, waiting for its first advert. */
  private open: TakeoverTrace | null = null;

  constructor(private readonly timeOrigin: number) {}

  heard(instance: string, at: number, priority: number): void {
    const h = this.heardOf.get(instance);
    if (h) {
      h.at = at;
      h.priority = priority;
    } else this.heardOf.set(instance, { at, priority });
  }

  /** A down timer of `instance` expired at `firedAt` for `deadline`: run `stepIt` (which may send its first advert). */
  fired<T>(instance: string, deadline: number, firedAt: number, stepIt: () => T, becameMaster: () => boolean): T {
    const h = this.heardOf.get(instance);
    const trace: TakeoverTrace = {
      instance, heardAt: h?.at ?? null, heardPriority: h?.priority ?? null, deadline, firedAt, steppedAt: null, sentAt: null, timeOrigin: this.timeOrigin,
    };
    const outer = this.open;
    this.open = trace;
    try {
      return stepIt();
    } finally {
      this.open = outer;
      if (becameMaster()) this.traces.set(instance, trace);
    }
  }

  /** The step of `instance` returned (now: the clock, read only for a traced step). */
  stepped(instance: string, now: () => number): void {
    if (this.open && this.open.instance === instance && this.open.steppedAt === null) this.open.steppedAt = now();
  }

  /** An advert of `instance` has been handed to the kernel (now: the clock, read only for a traced step). */
  sent(instance: string, now: () => number): void {
    if (this.open && this.open.instance === instance && this.open.sentAt === null) this.open.sentAt = now();
  }

  forget(instance: string): void {
    this.heardOf.delete(instance);
    this.traces.delete(instance);
  }

  /** The last takeover of each instance that had one, by instance name. */
  last(): TakeoverTrace[] {
    return [...this.traces.values()].map((t) => ({ ...t }));
  }
}
