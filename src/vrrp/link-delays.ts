/**
 * interface_up_down_delays: an interface's up or down is acted on only once it has lasted the
 * interface's delay (keepalived 2.2.7 keepalived_netlink.c update_interface_flags). Pure: each
 * rtnetlink flags report goes in with the interface's record, and out comes the new record and
 * what to do (start or drop the delay timer, act on the change now), with keepalived's lines.
 *
 * The record keeps keepalived's quirks: the flags remembered are those last acted on (a report
 * of the same up/down with other flags changes nothing), a report equal to them drops a pending
 * change without a word, and nothing is delayed before the interface has been seen up.
 */

/** keepalived's FLAGS_UP: IFF_UP and IFF_RUNNING. */
const IFF_UP = 0x1;
const IFF_RUNNING = 0x40;
export const flagsUp = (flags: number): boolean => (flags & (IFF_UP | IFF_RUNNING)) === (IFF_UP | IFF_RUNNING);

export interface LinkDelay {
  /** Microseconds, as keepalived keeps them (TIMER_HZ). */
  upUs: number;
  downUs: number;
}

export interface LinkRecord {
  name: string;
  delay: LinkDelay;
  /** ifi_flags last acted on. */
  flags: number;
  /** The interface has been up since it was first known (keepalived's seen_up). */
  seenUp: boolean;
  /** Flags waiting for their delay to end, or null. */
  pending: number | null;
}

export type LinkDelayStep =
  /** Nothing to act on; `cancel`: drop the pending timer. */
  | { kind: 'none'; cancel: boolean; log: string | null }
  /** (Re)start the timer: after `us`, call `expire`. */
  | { kind: 'delay'; us: number; log: string }
  /** Act on `up` now (the record's flags are the new ones). */
  | { kind: 'apply'; up: boolean; cancel: boolean; log: string | null };

const hex = (n: number) => `0x${n.toString(16)}`;

/** A report of `flags` for the interface (`immediate`: keepalived's immediate_change). */
export function reportFlags(r: LinkRecord, flags: number, immediate = false): { record: LinkRecord; step: LinkDelayStep } {
  let record = r;
  let cancel = false;
  if (flags === record.flags || immediate) {
    if (record.pending !== null) {
      record = { ...record, pending: null };
      cancel = true;
    }
    if (!immediate) return { record, step: { kind: 'none', cancel, log: null } };
  }
  const wasUp = flagsUp(record.flags);
  const nowUp = flagsUp(flags);
  let log: string | null = null;
  if (record.pending !== null) {
    if (flags === record.pending) return { record, step: { kind: 'none', cancel: false, log: null } };
    // the same up/down as the pending change: it is kept, with these flags
    if (flagsUp(record.pending) === nowUp) return { record: { ...record, pending: flags }, step: { kind: 'none', cancel: false, log: null } };
    record = { ...record, pending: null };
    cancel = true;
    log = `Delay timer for ${record.name} cancelled`;
  }
  if (wasUp === nowUp) return { record, step: { kind: 'none', cancel, log } };
  const us = nowUp ? record.delay.upUs : record.delay.downUs;
  if (record.seenUp && us > 0 && !immediate) {
    // keepalived logs only its own line here (a cancelled timer's line cannot precede it: a
    // cancel needs an opposite pending change, and then wasUp === nowUp returned above)
    return { record: { ...record, pending: flags }, step: { kind: 'delay', us, log: `${record.name}: Adding flags change from ${hex(record.flags)} to ${hex(flags)} delay by ${us}` } };
  }
  return { record: { ...record, flags, seenUp: record.seenUp || nowUp }, step: { kind: 'apply', up: nowUp, cancel, log } };
}

/** The pending change's delay has ended: act on it (keepalived's delayed_if_flags_change_thread). */
export function delayEnded(r: LinkRecord): { record: LinkRecord; up: boolean } | null {
  if (r.pending === null) return null;
  return { record: { ...r, flags: r.pending, pending: null }, up: flagsUp(r.pending) };
}

/**
 * vrrp.c at an instance's start: delays must stay below (down_timer_adverts - 1) adverts, or a
 * BACKUP would time out before it saw the interface come back. Applied in instance order to the
 * interface's delays (keepalived changes the interface's values, so a later instance sees the
 * earlier one's clamp). Returns the new delays and the line logged, if any.
 */
export function clampForInstance(iname: string, ifname: string, d: LinkDelay, advertUs: number, downTimerAdverts: number): { delay: LinkDelay; log: string | null } {
  if (downTimerAdverts === 1) {
    if (d.upUs === 0 && d.downUs === 0) return { delay: d, log: null };
    return { delay: { upUs: 0, downUs: 0 }, log: `${iname}: cannot use debounce timers with down_timer_adverts = 1 - resetting` };
  }
  const c = clampToAdvert(d, advertUs, downTimerAdverts);
  return c ? { delay: c, log: `${iname}: interface ${ifname} debounce timer(s) not less that ${downTimerAdverts - 1} * advert_int - resetting` } : { delay: d, log: null };
}

/** check_debounce_timers: the clamped delays, or null when both are below the limit. */
export function clampToAdvert(d: LinkDelay, advertUs: number, downTimerAdverts: number): LinkDelay | null {
  if (downTimerAdverts === 1) return null;
  const limit = (downTimerAdverts - 1) * advertUs;
  if (d.upUs < limit && d.downUs < limit) return null;
  const clamp = (us: number) => (us >= limit ? limit - Math.floor(advertUs / 256) : us);
  return { upUs: clamp(d.upUs), downUs: clamp(d.downUs) };
}
