/**
 * Keeping a VRRP instance's VIPs as its state says, when the kernel does not do as asked: the
 * pure rules the engine's VIP I/O follows.
 *
 *  - A VIP add (or delete) that fails is retried with bounded exponential backoff while it is
 *    still wanted: an add while the instance is MASTER and holds its VIPs, a delete while it is
 *    not. keepalived 2.2.7 does not retry (netlink_iplist marks the address unset and goes on),
 *    so a master could stay without its VIP until its next transition; halo does not leave it so.
 *  - A VIP deleted behind halo's back is the machine's `vipDeleted` event (keepalived's
 *    set_vrrp_backup). halo's own deletes produce the same RTM_DELADDR, so they are marked
 *    before they are made and the notification they cause is claimed, not fed.
 */
import * as ipaddr from 'ipaddr.js';

export const VIP_RETRY_FIRST_MS = 100;
export const VIP_RETRY_MAX_MS = 5000;

/** Delay before retry number `attempt` (1, 2, …): 100 ms doubling, at most 5 s. */
export function vipRetryDelayMs(attempt: number): number {
  return Math.min(VIP_RETRY_MAX_MS, VIP_RETRY_FIRST_MS * 2 ** Math.max(0, Math.min(attempt - 1, 16)));
}

export type VipOp = 'add' | 'remove';

/** Whether a retried operation is still wanted by the instance as it is now (undefined: gone). */
export function stillWanted(op: VipOp, s: { state: string; vipsSet: boolean } | undefined, stopped: boolean): boolean {
  if (!s || stopped) return false;
  return op === 'add' ? s.state === 'MASTER' && s.vipsSet : s.state !== 'MASTER' && !s.vipsSet;
}

/** One address on one interface, whatever the spelling (`2001:db8::1` = `2001:0db8:0:0::1`). */
export function vipKey(address: string, dev: string): string {
  return `${dev}\0${ipaddr.isValid(address) ? ipaddr.parse(address).toNormalizedString() : address}`;
}

/** How long a mark waits for the notification of halo's own delete. */
export const OWN_DELETE_MARK_MS = 10_000;

/** halo's own VIP deletes in flight: their RTM_DELADDR is claimed once, within the mark's life. */
export class OwnDeletes {
  private readonly marks = new Map<string, number[]>();

  mark(key: string, now: number): void {
    this.marks.set(key, [...(this.marks.get(key) ?? []), now]);
  }

  /** The delete changed nothing (already gone) or failed: no notification will come. */
  unmark(key: string): void {
    const m = this.marks.get(key);
    if (!m) return;
    m.pop();
    if (m.length === 0) this.marks.delete(key);
  }

  /** A deletion was seen: true (and the mark used up) when it was halo's own. */
  claim(key: string, now: number): boolean {
    const live = (this.marks.get(key) ?? []).filter((t) => now - t <= OWN_DELETE_MARK_MS);
    const own = live.length > 0;
    if (own) live.shift();
    if (live.length) this.marks.set(key, live);
    else this.marks.delete(key);
    return own;
  }
}
