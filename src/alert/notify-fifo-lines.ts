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

/** `vs`: FMT_VS (formatVirtualServer); `up`: the virtual server's quorum state. */
export function vsFifoLine(vs: string, up: boolean): string {
  return `VS ${vs} ${up ? 'UP' : 'DOWN'}\n`;
}

/** `rs`: FMT_RS (formatRealServer), `vs`: FMT_VS; `up`: the real server is alive. */
export function rsFifoLine(rs: string, vs: string, up: boolean): string {
  return `RS ${rs} ${vs} ${up ? 'UP' : 'DOWN'}\n`;
}
