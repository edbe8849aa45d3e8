/**
 * Events into and actions out of the VRRP state machine (see instance.ts for how to drive it).
 * Everything is plain data: the shell turns actions into socket writes, netlink calls, timers,
 * child processes and log lines, and turns kernel happenings into events.
 */
import type { VirtualIpAddress } from '../config/model';
import type { IpRoute, IpRule } from '../config/routes-model';
import type { DecodeResult } from './advert-codec';
import type { RejectReason } from './rejection';

export type InstanceStateName = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP';

/**
 * Named timers; each instance has at most one of each armed.
 * - adver: MASTER's Adver_Timer (send the next advert).
 * - masterDown: BACKUP's Master_Down_Timer.
 * - garpDelay: second GARP burst garp_master_delay after becoming MASTER.
 * - garpRefresh: periodic GARP burst every garp_master_refresh while MASTER.
 * - garpExtraIf: periodic GARP/NA on the extra interfaces every garp_extra_if while MASTER.
 * - garpLowerPrio: second burst garp_lower_prio_delay after a lower-priority master was seen.
 */
export type TimerName = 'adver' | 'masterDown' | 'garpDelay' | 'garpRefresh' | 'garpLowerPrio' | 'garpExtraIf';

export type VrrpEvent =
  /** Start the instance (after its interfaces' and scripts' states, if known, were fed in). */
  | { type: 'startup' }
  /** A packet arrived for this instance: the decoder's verdict on the whole IPv4 packet. */
  | { type: 'advert'; packet: DecodeResult }
  /** A timer the machine armed has expired. */
  | { type: 'timer'; timer: TimerName }
  /** Link state of the instance's interface or of a track_interface (rtnetlink). */
  | { type: 'interface'; name: string; up: boolean }
  /**
   * The instance's VRRP socket failed (`up: false`, with the error) or works again after the
   * shell reopened it. A failed socket is a fault like a down interface.
   */
  | { type: 'socket'; up: boolean; reason?: string }
  /** A vrrp_script's settled state (after rise/fall; see track-script.ts). */
  | { type: 'trackScript'; name: string; up: boolean }
  /** A tracked file's number changed (track_file). */
  | { type: 'trackFile'; name: string; value: number }
  /** A vrrp_track_process gained or lost its quorum (after fork_delay/terminate_delay). */
  | { type: 'trackProcess'; name: string; up: boolean }
  /** A tracked bfd_instance's session went Up (`up`) or left Up. */
  | { type: 'trackBfd'; name: string; up: boolean }
  /**
   * A tracked virtual route or rule of this instance was deleted by someone else (rtnetlink):
   * a MASTER leaves for BACKUP and comes back after the skew time (keepalived's set_vrrp_backup),
   * which puts the route back.
   */
  | { type: 'routeDeleted'; what: string }
  /**
   * One of the instance's VIPs was deleted from the kernel by someone else (RTM_DELADDR not
   * caused by halo): `address` as configured, on `dev`.
   */
  | { type: 'vipDeleted'; address: string; dev: string }
  /** Graceful stop (SIGTERM/SIGINT): priority-0 advert if MASTER, VIPs removed. */
  | { type: 'shutdown' };

export interface OutgoingPacket {
  /** Destination: the multicast group or one unicast peer. */
  dst: string;
  /**
   * IPv4: the whole packet (header included), for an IP_HDRINCL raw socket. IPv6: the VRRP
   * message alone (the kernel builds the header), checksummed for `src`.
   */
  bytes: Buffer;
  /** IPv6 only: the source the checksum was computed for, which the socket must send from. */
  src?: string;
  /** IPv6 only: the hop limit (unicast_ttl); unset = 255. */
  hopLimit?: number;
}

/** DELETED: an instance removed by a reload with notify_deleted (the daemon's, never the machine's). */
export type NotifyStateName = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' | 'DELETED';

export type CounterName =
  | 'advertsSent'
  | 'advertsReceived'
  | 'priorityZeroSent'
  | 'priorityZeroReceived'
  | 'becameMaster'
  | 'releasedMaster'
  | 'transitions';

export type VrrpAction =
  /** Send an advertisement carrying `priority`, one packet per destination, ready to write. */
  | { type: 'sendAdvert'; instance: string; interface: string; priority: number; packets: OutgoingPacket[] }
  /** Add the VIPs (virtual_ipaddress and virtual_ipaddress_excluded) as secondary addresses. */
  | { type: 'addVips'; instance: string; vips: VirtualIpAddress[] }
  | { type: 'removeVips'; instance: string; vips: VirtualIpAddress[] }
  /**
   * virtual_routes / virtual_rules: on `add` the routes then the rules, on `remove` the rules
   * then the routes (keepalived's order around the VIPs).
   */
  | { type: 'routes'; op: 'add' | 'remove'; instance: string; routes: IpRoute[]; rules: IpRule[] }
  /**
   * A burst of `repeat` rounds, each a gratuitous ARP per IPv4 VIP and an unsolicited Neighbour
   * Advertisement per IPv6 VIP; the shell paces them per interface (group) as keepalived's
   * garp_delay (src/net/garp-pacing.ts).
   */
  | { type: 'sendGarps'; instance: string; vips: VirtualIpAddress[]; repeat: number }
  /**
   * Run the notify scripts for this state (NotifyRequest of src/daemon/notify.ts); `scriptOf`:
   * the state whose own notify_* script runs, when not `state`'s (a removed instance's FAULT runs
   * notify_deleted's, as keepalived picks the script before it turns DELETED into FAULT).
   */
  | { type: 'notify'; kind: 'INSTANCE' | 'GROUP'; name: string; state: NotifyStateName; priority: number; scriptOf?: NotifyStateName }
  /**
   * An event for the notify FIFOs (vrrp_notify.c send_event_notify and
   * send_instance_priority_notifies): a MASTER heard a lower-priority advert, or the effective
   * priority changed with notify_priority_changes on.
   */
  | { type: 'event'; instance: string; event: 'MASTER_RX_LOWER_PRI' | 'MASTER_PRIORITY' | 'BACKUP_PRIORITY'; priority: number }
  /** Arm (or re-arm) a timer at an absolute deadline on the caller's clock (ms). */
  | { type: 'armTimer'; instance: string; timer: TimerName; deadline: number }
  | { type: 'cancelTimer'; instance: string; timer: TimerName }
  | { type: 'log'; level: 'info' | 'warning'; message: string }
  | { type: 'count'; instance: string; counter: CounterName }
  /** `src`: the advert's source, when it was decoded (enable_traps' vrrpTrapAuthFailure names it). */
  | { type: 'countDrop'; instance: string; reason: RejectReason; src?: string };

export interface StepResult<S> {
  state: S;
  actions: VrrpAction[];
}
