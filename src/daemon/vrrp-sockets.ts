/**
 * The VRRP sockets of one daemon, one per interface, kept working: a socket that fails (a
 * receive error, or its interface removed — a raw socket stays bound to the dead ifindex) is
 * closed and reopened with backoff, and the instances on that interface are told, so they go to
 * FAULT (a MASTER sends its priority-0 advert if it still can and releases its VIPs) and come
 * back once the socket works again.
 *
 *  - failure: close the broken socket; try a new one at once on the same ifindex, so a MASTER's
 *    priority-0 advert can still leave; report down; re-check after 1 s, 2 s, 4 s … 30 s
 *    (the count restarts when the last failure is a minute old);
 *  - the re-check opens the socket if it is still closed (on the interface's current index) and
 *    reports up when it is open; the interface (re)appearing triggers the re-check at once;
 *  - a socket whose interface now has another index (deleted and recreated between two
 *    events) is replaced.
 */
import type { ReceivedEnvelope, VrrpTransport } from '../net/vrrp-socket';
import type { Logger } from './logger';

export interface VrrpSocketsDeps {
  /** `groups`: the multicast groups to join (none: unicast only). */
  open(ifname: string, ifindex: number, groups: string[]): VrrpTransport;
  /** The interface's index now, or null when it does not exist. */
  ifindex(ifname: string): Promise<number | null>;
  log: Logger;
  onPacket(ifname: string, packet: Buffer, source: string, envelope?: ReceivedEnvelope): void;
  /** The socket on `ifname` is unusable (instances there go to FAULT). */
  onDown(ifname: string, reason: string): void;
  /** The socket on `ifname` works again. */
  onUp(ifname: string): void;
  /** Wall-clock ms for the failure window (injectable). */
  now?: () => number;
}

/** Delay before the n-th consecutive re-check (n ≥ 1): 1 s, 2 s, 4 s … capped at 30 s. */
export function reopenDelayMs(n: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, n - 1));
}

/** Failures further apart than this start the backoff over. */
const FAILURE_WINDOW_MS = 60_000;

interface Entry {
  transport: VrrpTransport | null;
  ifindex: number;
  groups: string[];
  /** Reported down and not yet up again. */
  down: boolean;
  attempt: number;
  lastFailure: number;
  timer: NodeJS.Timeout | null;
  /** Bumps on every new transport, so a late error of an old one is ignored. */
  generation: number;
}

export class VrrpSockets {
  private readonly entries = new Map<string, Entry>();
  private closed = false;

  constructor(private readonly deps: VrrpSocketsDeps) {}

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /**
   * Opens the socket of `ifname` unless it is open with these groups (an open one with other
   * groups is replaced); throws (a NetError) when the open fails.
   */
  ensure(ifname: string, ifindex: number, groups: string[]): void {
    const old = this.entries.get(ifname);
    if (old && old.groups.length === groups.length && groups.every((g) => old.groups.includes(g))) return;
    if (old) this.close(ifname);
    const e: Entry = { transport: null, ifindex, groups, down: false, attempt: 0, lastFailure: 0, timer: null, generation: 0 };
    this.attach(ifname, e, this.deps.open(ifname, ifindex, groups));
    this.entries.set(ifname, e);
  }

  get(ifname: string): VrrpTransport | null {
    return this.entries.get(ifname)?.transport ?? null;
  }

  has(ifname: string): boolean {
    return this.entries.has(ifname);
  }

  interfaces(): string[] {
    return [...this.entries.keys()];
  }

  private attach(ifname: string, e: Entry, t: VrrpTransport): void {
    const gen = ++e.generation;
    e.transport = t;
    t.onPacket((pkt, source, envelope) => {
      if (e.generation === gen) this.deps.onPacket(ifname, pkt, source, envelope);
    });
    t.onError((err) => {
      if (e.generation === gen && this.entries.get(ifname) === e) this.failed(ifname, err.message);
    });
  }

  private tryOpen(ifname: string, e: Entry): Error | null {
    try {
      this.attach(ifname, e, this.deps.open(ifname, e.ifindex, e.groups));
      return null;
    } catch (err) {
      return err as Error;
    }
  }

  /** The socket of `ifname` failed (or its interface went away): close, report, reopen with backoff. */
  failed(ifname: string, reason: string): void {
    const e = this.entries.get(ifname);
    if (!e || this.closed) return;
    e.generation++;
    e.transport?.close();
    e.transport = null;
    const now = this.now();
    e.attempt = now - e.lastFailure < FAILURE_WINDOW_MS ? e.attempt + 1 : 1;
    e.lastFailure = now;
    const delay = reopenDelayMs(e.attempt);
    this.deps.log.error(`VRRP socket on ${ifname}: ${reason}; reopening (next check in ${delay / 1000} s)`);
    // at once, on the same interface index: a MASTER's priority-0 advert may still leave
    const err = this.tryOpen(ifname, e);
    if (err) this.deps.log.warning(`reopening VRRP socket on ${ifname} failed: ${err.message}`);
    if (!e.down) {
      e.down = true;
      this.deps.onDown(ifname, reason);
    }
    this.schedule(ifname, e, delay);
  }

  private schedule(ifname: string, e: Entry, delay: number): void {
    if (e.timer) clearTimeout(e.timer);
    e.timer = setTimeout(() => {
      e.timer = null;
      void this.recheck(ifname, e);
    }, delay);
  }

  private async recheck(ifname: string, e: Entry): Promise<void> {
    if (this.closed || this.entries.get(ifname) !== e) return;
    const index = await this.deps.ifindex(ifname).catch(() => null);
    if (this.closed || this.entries.get(ifname) !== e) return;
    if (index !== null && index !== e.ifindex) {
      e.generation++;
      e.transport?.close();
      e.transport = null;
      e.ifindex = index;
    }
    const err = index === null ? new Error(`interface ${ifname} does not exist`) : e.transport ? null : this.tryOpen(ifname, e);
    if (err) {
      e.attempt++;
      const delay = reopenDelayMs(e.attempt);
      this.deps.log.warning(`reopening VRRP socket on ${ifname} failed: ${err.message}; next check in ${delay / 1000} s`);
      this.schedule(ifname, e, delay);
      return;
    }
    if (e.down) {
      e.down = false;
      this.deps.log.info(`VRRP socket on ${ifname} reopened`);
      this.deps.onUp(ifname);
    }
  }

  /** A link event: the interface (re)appeared with `ifindex`. */
  linkChanged(ifname: string, ifindex: number): void {
    const e = this.entries.get(ifname);
    if (!e || this.closed) return;
    if (e.ifindex !== ifindex && !e.down) {
      // deleted and recreated between two events: the socket is bound to the old index
      const was = e.ifindex;
      e.ifindex = ifindex;
      this.failed(ifname, `interface ${ifname} has a new index ${ifindex} (was ${was})`);
    }
    if (e.down) this.schedule(ifname, e, 0);
  }

  close(ifname: string): void {
    const e = this.entries.get(ifname);
    if (!e) return;
    if (e.timer) clearTimeout(e.timer);
    e.generation++;
    e.transport?.close();
    this.entries.delete(ifname);
  }

  closeAll(): void {
    for (const ifname of [...this.entries.keys()]) this.close(ifname);
    this.closed = true;
  }
}
