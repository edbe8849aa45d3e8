/**
 * disable_local_igmp (vrrp_daemon.c set_disable_local_igmp / reset_disable_local_igmp): the
 * kernel's IGMP reports for link-local groups (224.0.0.x, VRRP's 224.0.0.18 among them) are
 * turned off while the VRRP side runs (net.ipv4.igmp_link_local_mcast_reports = 0), and turned
 * on again at stop when they were on before.
 */
import { procSysctl, type Sysctl } from '../net/vmac';

const SYSCTL = 'net/ipv4/igmp_link_local_mcast_reports';
const FILE = `/proc/sys/${SYSCTL}`;

export class LocalIgmp {
  /** Whether halo turned the reports off (and must turn them on at stop). */
  private turnedOff = false;

  constructor(private readonly sys: Sysctl = procSysctl) {}

  /** At start: off; a log line in keepalived's words when it cannot be done. */
  disable(): string | null {
    const v = this.sys.get(SYSCTL);
    if (v === null) return `Unable to read ${FILE}`;
    if (v !== 1) return null;
    try {
      this.sys.set(SYSCTL, 0);
      this.turnedOff = true;
      return null;
    } catch (err) {
      return `Unable to write ${FILE} - ${(err as Error).message}`;
    }
  }

  /** At stop: on again if halo turned it off. */
  restore(): string | null {
    if (!this.turnedOff) return null;
    this.turnedOff = false;
    try {
      this.sys.set(SYSCTL, 1);
      return null;
    } catch (err) {
      return `Unable to write ${FILE} - ${(err as Error).message}`;
    }
  }
}
