/**
 * The lines keepalived 2.2.7 writes to its notify FIFOs, byte for byte:
 * - vrrp_notify.c notify_fifo(): `INSTANCE "VI_1" MASTER 100\n`, `GROUP "VG1" BACKUP 0\n`
 *   (a group's priority is always 0), and the events `MASTER_RX_LOWER_PRI`,
 *   `MASTER_PRIORITY`, `BACKUP_PRIORITY` with the instance's effective priority;
 * - ipwrapper.c notify_fifo_vs()/notify_fifo_rs(): `VS [192.168.1.1]:tcp:80 UP\n` and
 *   `RS [10.0.0.2]:tcp:80 [192.168.1.1]:tcp:80 DOWN\n`, in FMT_VS/FMT_RS terms.
 */

export type FifoVrrpState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' | 'DELETED';
export type FifoVrrpEvent = 'MASTER_RX_LOWER_PRI' | 'MASTER_PRIORITY' | 'BACKUP_PRIORITY';

export function vrrpFifoLine(kind: 'INSTANCE' | 'GROUP', name: string, state: FifoVrrpState | FifoVrrpEvent, priority: number): string {
  return `${kind} "${name}" ${state} ${kind === 'GROUP' ? 0 : priority}\n`;
}

/**
 * fifo_write_vrrp_states_on_reload (vrrp_scheduler.c vrrp_init_state at a reload): every sync
 * group's state, then, in config order, each instance's that is not MASTER (a MASTER kept
 * through a reload takes the path that writes nothing). States that changed get their notifies
 * the usual way instead; this is for the ones that stay.
 */
export function reloadStateLines(groups: ReadonlyArray<{ name: string; state: string }>, instances: ReadonlyArray<{ name: string; state: string; priority: number }>): string[] {
  const told = (s: string): s is 'MASTER' | 'BACKUP' | 'FAULT' => s === 'MASTER' || s === 'BACKUP' || s === 'FAULT';
  return [
    ...groups.flatMap((g) => (told(g.state) ? [vrrpFifoLine('GROUP', g.name, g.state, 0)] : [])),
    ...instances.flatMap((i) => (told(i.state) && i.state !== 'MASTER' ? [vrrpFifoLine('INSTANCE', i.name, i.state, i.priority)] : [])),
  ];
}

/** `vs`: FMT_VS (formatVirtualServer); `up`: the virtual server's quorum state. */
export function vsFifoLine(vs: string, up: boolean): string {
  return `VS ${vs} ${up ? 'UP' : 'DOWN'}\n`;
}

/** `rs`: FMT_RS (formatRealServer), `vs`: FMT_VS; `up`: the real server is alive. */
export function rsFifoLine(rs: string, vs: string, up: boolean): string {
  return `RS ${rs} ${vs} ${up ? 'UP' : 'DOWN'}\n`;
}
