/**
 * The operations the reconciler asks the IPVS client to perform, in order.
 * This is the contract between src/ipvs/reconcile.ts (which decides) and src/ipvs/client.ts
 * (which encodes each op as one generic-netlink command and applies the list in order).
 *
 * Ordering guarantees given by the reconciler, so `apply(ops)` can send them as they come:
 *  - 'flush' (if any) comes first;
 *  - a service is added before any of its destinations;
 *  - a deleted service takes its destinations with it (no del-dest is emitted for them);
 *  - within one service: del-dest, then edit-dest, then add-dest (frees thresholds/weight first).
 */
import type { IpvsDestination, IpvsService, IpvsServiceKey } from './types';

/** Identity of a destination inside its service (what IPVS_CMD_DEL_DEST needs). */
export interface IpvsDestinationKey {
  af: 4 | 6;
  address: string;
  port: number;
}

export type Op =
  /** IPVS_CMD_FLUSH: empty the whole table (lvs_flush at start, lvs_flush_on_stop "all"). */
  | { op: 'flush' }
  /** IPVS_CMD_NEW_SERVICE. `service.destinations` is ignored: each follows as its own add-dest. */
  | { op: 'add-service'; service: IpvsService }
  /** IPVS_CMD_SET_SERVICE: scheduler, flags, timeout, netmask of `service.key` become these. */
  | { op: 'edit-service'; service: IpvsService }
  /** IPVS_CMD_DEL_SERVICE (the kernel removes its destinations with it). */
  | { op: 'del-service'; key: IpvsServiceKey }
  /** IPVS_CMD_NEW_DEST in service `key`. */
  | { op: 'add-dest'; key: IpvsServiceKey; dest: IpvsDestination }
  /** IPVS_CMD_SET_DEST: forward, weight, thresholds of `dest` in service `key` become these. */
  | { op: 'edit-dest'; key: IpvsServiceKey; dest: IpvsDestination }
  /** IPVS_CMD_DEL_DEST. */
  | { op: 'del-dest'; key: IpvsServiceKey; dest: IpvsDestinationKey };

export type OpKind = Op['op'];
