/**
 * What an instance removed by a reload tells, as keepalived 2.2.7's clear_diff_vrrp and
 * send_instance_notifies have it: with `notify_deleted` its state is DELETED (notify_deleted's
 * script, `notify ... DELETED`, the FIFO line, the "Deleted" mail); without, FAULT, keepalived's
 * older way (`notify ... FAULT`, the FIFO line, the mail; but not notify_fault's script) — and
 * nothing at all if it was in FAULT already.
 * The instance is stopped as at shutdown; only the STOP notify of that step is rewritten.
 */
import type { VrrpAction } from './types';

export function removalNotifies(actions: readonly VrrpAction[], instance: string, sendDeleted: boolean, wasFault: boolean): VrrpAction[] {
  return actions.flatMap((a): VrrpAction[] => {
    if (a.type !== 'notify' || a.kind !== 'INSTANCE' || a.name !== instance || a.state !== 'STOP') return [a];
    if (sendDeleted) return [{ ...a, state: 'DELETED' }];
    // send_instance_notifies picks the own script while the state is still DELETED (none without
    // notify_deleted), then says FAULT to the rest
    return wasFault ? [] : [{ ...a, state: 'FAULT', scriptOf: 'DELETED' }];
  });
}
