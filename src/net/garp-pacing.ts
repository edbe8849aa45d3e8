/**
 * keepalived's garp_delay as pure decisions (vrrp_arp.c send_gratuitous_arp / queue_garp,
 * vrrp_ndisc.c ndisc_send_unsolicited_na, vrrp_scheduler.c vrrp_arp_thread, vrrp_if.c
 * set_default_garp_delay).
 *
 * Each interface may have a pacer: the garp_group naming it (one pacer shared by all the
 * group's interfaces), else, when vrrp_garp_interval or vrrp_gna_interval is set, one of its own.
 * A pacer holds two next-send times, one for gratuitous ARPs and one for unsolicited NAs. A frame
 * goes at once when its pacer has never sent or its next-send time has come (and then moves it
 * on by the interval); otherwise it waits, marked pending. A VIP is pending once per instance, so
 * the repeats of one burst that could not go at once collapse into that one pending frame, as in
 * keepalived (garp_master_repeat 5 over VIPs A and B sends A, then A and B one interval apart).
 * When a pacer's time comes the waiting frames are walked in keepalived's order (instances in
 * config order, each instance's VIPs then excluded VIPs) and each pacer lets one go.
 * A frame of an instance no longer MASTER with its VIPs set is dropped.
 *
 * Times are monotonic milliseconds; nothing here reads a clock or sends.
 */
import type { GarpGroup } from '../config/model';

export type FrameKind = 'garp' | 'gna';

/** One gratuitous ARP (IPv4 VIP) or unsolicited NA (IPv6 VIP) an instance wants sent. */
export interface PacedFrame {
  instance: string;
  vip: string;
  dev: string;
  /** keepalived's walk order: the instance's place in the config, the VIP's place in the instance. */
  rank: readonly [number, number];
}

/** Which pacer a frame on an interface goes through and its interval; null: sent at once. */
export type PacingOf = (dev: string, kind: FrameKind) => { key: string; intervalMs: number } | null;

export interface PacerState {
  /** Next-send time (ms) of each pacer and kind (`key/kind`); absent: nothing sent through it yet. */
  readonly next: ReadonlyMap<string, number>;
  /** Frames waiting, each (instance, VIP, interface) once. */
  readonly pending: readonly PacedFrame[];
}

export const emptyPacer = (): PacerState => ({ next: new Map(), pending: [] });

export const frameKind = (vip: string): FrameKind => (vip.includes(':') ? 'gna' : 'garp');

const sameFrame = (a: PacedFrame, b: PacedFrame): boolean => a.instance === b.instance && a.vip === b.vip && a.dev === b.dev;

/** The pacing of each interface: its garp_group, else the global intervals on its own (VMACs: their base interface's). */
export function pacingOf(
  groups: readonly GarpGroup[],
  global: { garpIntervalMs: number | null; gnaIntervalMs: number | null },
  baseOf: (dev: string) => string = (dev) => dev,
): PacingOf {
  const groupOf = new Map<string, number>();
  groups.forEach((g, n) => g.interfaces.forEach((i) => groupOf.set(i.name, n)));
  const paced = (key: string, ms: number | null) => (ms ? { key, intervalMs: ms } : null);
  return (dev, kind) => {
    const ifname = baseOf(dev);
    const n = groupOf.get(ifname);
    if (n !== undefined) return paced(`garp_group ${n}`, kind === 'garp' ? groups[n].garpIntervalMs : groups[n].gnaIntervalMs);
    return paced(`interface ${ifname}`, kind === 'garp' ? global.garpIntervalMs : global.gnaIntervalMs);
  };
}

interface Decision {
  state: PacerState;
  /** Frames to send now, in this order. */
  send: PacedFrame[];
  /** When the earliest waiting frame's pacer frees (ms), or null when nothing waits. */
  wakeAt: number | null;
}

/** Whether `f` may go at `now` through its pacer; if so, the pacer's next time is moved on in `next`. */
function take(next: Map<string, number>, pacing: PacingOf, f: PacedFrame, now: number): { go: true } | { go: false; at: number } {
  const p = pacing(f.dev, frameKind(f.vip));
  if (!p) return { go: true };
  const key = `${p.key}/${frameKind(f.vip)}`;
  const at = next.get(key);
  if (at !== undefined && now < at) return { go: false, at };
  next.set(key, now + p.intervalMs);
  return { go: true };
}

const earliest = (pending: readonly PacedFrame[], next: ReadonlyMap<string, number>, pacing: PacingOf): number | null => {
  let at: number | null = null;
  for (const f of pending) {
    const p = pacing(f.dev, frameKind(f.vip));
    const t = p ? next.get(`${p.key}/${frameKind(f.vip)}`) : undefined;
    if (t !== undefined && (at === null || t < at)) at = t;
  }
  return pending.length > 0 && at === null ? 0 : at;
};

/**
 * A burst (vrrp_send_link_update): `frames` in keepalived's order, every round of the repeat
 * (round by round, each round every VIP). Those whose pacer allows go now; the others wait.
 */
export function burst(state: PacerState, now: number, frames: readonly PacedFrame[], pacing: PacingOf): Decision {
  const next = new Map(state.next);
  const pending = [...state.pending];
  const send: PacedFrame[] = [];
  for (const f of frames) {
    if (take(next, pacing, f, now).go) send.push(f);
    else if (!pending.some((p) => sameFrame(p, f))) pending.push(f);
  }
  return { state: { next, pending }, send, wakeAt: earliest(pending, next, pacing) };
}

/** A pacer's time has come (vrrp_arp_thread): the waiting frames, in keepalived's order, each pacer one at most. */
export function drain(state: PacerState, now: number, pacing: PacingOf, live: (f: PacedFrame) => boolean): Decision {
  const next = new Map(state.next);
  const pending: PacedFrame[] = [];
  const send: PacedFrame[] = [];
  const ordered = [...state.pending].sort((a, b) => a.rank[0] - b.rank[0] || a.rank[1] - b.rank[1]);
  for (const f of ordered) {
    if (!live(f)) continue;
    if (take(next, pacing, f, now).go) send.push(f);
    else pending.push(f);
  }
  return { state: { next, pending }, send, wakeAt: earliest(pending, next, pacing) };
}
