/**
 * The shell around garp-pacing.ts: every instance's GARP/NA bursts go through one queue, so that
 * the interfaces of a garp_group (or an interface under vrrp_garp_interval / vrrp_gna_interval)
 * send at most one frame of each kind per interval whatever instance sends it, as keepalived.
 * It owns the pacer state and one wake-up timer; the frames go out through the GarpSender, in
 * the order decided, consecutive frames of one instance on one interface in one call.
 */
import type { GarpSender } from '../net/garp';
import { burst, drain, emptyPacer, type PacedFrame, type PacerState, type PacingOf } from '../net/garp-pacing';
import type { Logger } from './logger';
import { timeoutWakeTimer, type WakeTimer, type WakeTimerFactory } from './deadlines';

/** `vips` as the sender's rounds: the shortest list repeated to make it (an unpaced burst stays one call of `repeat` rounds). */
export function asRounds(vips: string[]): { vips: string[]; repeat: number } {
  for (let p = 1; p < vips.length; p++) {
    if (vips.length % p === 0 && vips.every((v, i) => v === vips[i % p])) return { vips: vips.slice(0, p), repeat: vips.length / p };
  }
  return { vips, repeat: 1 };
}

export interface GarpQueueDeps {
  garp: GarpSender;
  log: Pick<Logger, 'warning'>;
  now: () => number;
  /** The pacing of the config in force (it changes at a reload). */
  pacing: () => PacingOf;
  /** Whether a waiting frame's instance still wants it (MASTER with its VIPs set). */
  live: (f: PacedFrame) => boolean;
  wakeTimer?: WakeTimerFactory;
}

export class GarpQueue {
  private state: PacerState = emptyPacer();
  private readonly timer: WakeTimer;
  /** The sends in the order decided: each batch starts after the one before it. */
  private sending: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly deps: GarpQueueDeps) {
    this.timer = (deps.wakeTimer ?? timeoutWakeTimer)(() => this.wake());
  }

  /** A burst of `frames` (every round, in order); resolves once the frames that may go now are sent. */
  announce(frames: PacedFrame[]): Promise<void> {
    if (this.closed || frames.length === 0) return Promise.resolve();
    const d = burst(this.state, this.deps.now(), frames, this.deps.pacing());
    return this.apply(d);
  }

  /** Forgets every next-send time and waiting frame (a reload, as keepalived's new garp_delay list). */
  reset(): void {
    this.state = emptyPacer();
    this.timer.disarm();
  }

  close(): void {
    this.closed = true;
    this.reset();
    this.timer.close();
  }

  /** Resolves when every frame decided so far has been handed to the sender. */
  settled(): Promise<void> {
    return this.sending;
  }

  private wake(): void {
    if (this.closed) return;
    void this.apply(drain(this.state, this.deps.now(), this.deps.pacing(), this.deps.live));
  }

  private apply(d: { state: PacerState; send: PacedFrame[]; wakeAt: number | null }): Promise<void> {
    this.state = d.state;
    if (d.wakeAt === null) this.timer.disarm();
    else this.timer.arm(Math.max(0, d.wakeAt - this.deps.now()));
    if (d.send.length === 0) return this.sending;
    const batches: PacedFrame[][] = [];
    for (const f of d.send) {
      const last = batches[batches.length - 1];
      if (last && last[0].instance === f.instance && last[0].dev === f.dev) last.push(f);
      else batches.push([f]);
    }
    this.sending = this.sending.then(async () => {
      for (const b of batches) {
        const r = await this.deps.garp.announce({ ifname: b[0].dev, ...asRounds(b.map((f) => f.vip)) });
        if (!r.ok) this.deps.log.warning(`(${b[0].instance}) ${r.error.message}`);
      }
    });
    return this.sending;
  }
}
