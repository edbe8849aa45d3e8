/**
 * A checker's timeout that its own lateness cannot turn into a verdict (keepalived #2066,
 * #2238, #2271; halo issue 11):
 *
 *  - when the timer fires, the verdict waits one turn of the event loop (setImmediate runs
 *    after the poll phase), so a connect, a read or an exit that became ready while the process
 *    was stalled is seen first: a timed-out check is settled by the socket's real state;
 *  - when the timer itself fired later than the whole timeout (the process, not the server,
 *    was stalled that long), the probe gets no verdict at all: `stalled`, which the engine logs
 *    in keepalived's words ("A thread timer expired … seconds ago") and probes again.
 */
export interface Deadline {
  cancel(): void;
}

export interface Expiry {
  /** How late the timer fired, in ms. */
  lateMs: number;
  /** The process was stalled for longer than the timeout itself: no verdict. */
  stalled: boolean;
}

export type Now = () => number;

/**
 * `stallMs`: how late the timer must fire for the process to count as stalled (default `ms`);
 * a timer armed for what is left of a longer wait passes that wait's length.
 */
export function armDeadline(ms: number, onExpire: (e: Expiry) => void, now: Now = () => performance.now(), stallMs = ms): Deadline {
  const due = now() + ms;
  let cancelled = false;
  let immediate: NodeJS.Immediate | null = null;
  const timer = setTimeout(() => {
    const lateMs = Math.max(0, now() - due);
    immediate = setImmediate(() => {
      immediate = null;
      if (!cancelled) onExpire({ lateMs, stalled: lateMs > stallMs });
    });
  }, ms);
  return {
    cancel() {
      cancelled = true;
      clearTimeout(timer);
      if (immediate) clearImmediate(immediate);
    },
  };
}

/** keepalived's scheduler line for a stalled process: "A thread timer expired 2.345678 seconds ago". */
export function timerExpiredLine(lateMs: number): string {
  const us = Math.round(lateMs * 1000);
  return `A thread timer expired ${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')} seconds ago`;
}
