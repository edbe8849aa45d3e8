/**
 * promote_secondaries (vrrp_if_config.c set_promote_secondaries / reset_promote_secondaries):
 * an instance with the keyword turns net.ipv4.conf.IF.promote_secondaries on for its interface
 * when it is off, so deleting the interface's primary address keeps the VIPs of its subnet
 * instead of flushing them; at stop halo turns it off again where it turned it on, as
 * keepalived's shutdown_vrrp_instances does.
 */
import { procSysctl, type Sysctl } from '../net/vmac';

export class PromoteSecondaries {
  /** Interfaces where halo turned it on (and must turn it off at stop). */
  private readonly ours = new Set<string>();

  constructor(private readonly sys: Sysctl = procSysctl) {}

  /** At an instance's start: on, unless it already is; an error message when it cannot be set. */
  set(ifname: string): string | null {
    const path = `net/ipv4/conf/${ifname}/promote_secondaries`;
    if (this.ours.has(ifname) || this.sys.get(path) !== 0) return null;
    try {
      this.sys.set(path, 1);
      this.ours.add(ifname);
      return null;
    } catch (err) {
      return `Unable to set promote_secondaries on ${ifname}: ${(err as Error).message}`;
    }
  }

  /** At stop: back to off where halo turned it on. */
  resetAll(): string[] {
    const errors: string[] = [];
    for (const ifname of this.ours) {
      try {
        this.sys.set(`net/ipv4/conf/${ifname}/promote_secondaries`, 0);
      } catch (err) {
        errors.push(`Unable to reset promote_secondaries on ${ifname}: ${(err as Error).message}`);
      }
    }
    this.ours.clear();
    return errors;
  }
}
