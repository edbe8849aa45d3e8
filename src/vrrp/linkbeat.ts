/**
 * Linkbeat: an interface's link read by polling its driver instead of from rtnetlink (keepalived
 * 2.2.7 vrrp_if.c init_linkbeat_status, if_linkbeat_refresh_thread). Pure over a probe: which
 * probe works for the interface, and whether its link is up now.
 */
import type { LinkbeatType } from '../config/model';

export type ProbeKind = 'mii' | 'ethtool' | 'flags';
/** -1: the driver cannot say ('flags': no such interface); 0 down; 1 up. `log`: what the probe logged (MII register errors). */
export type LinkProbe = (ifname: string, kind: ProbeKind) => { status: -1 | 0 | 1; log: string[] };

/** The first probe that works (the configured one first), and the link now; keepalived's line when it is not the configured one. */
export function initLinkbeatStatus(probe: LinkProbe, ifname: string, configured: LinkbeatType | null): { type: LinkbeatType; up: boolean; log: string[] } {
  const log: string[] = [];
  const ask = (kind: ProbeKind) => {
    const r = probe(ifname, kind);
    log.push(...r.log);
    return r.status;
  };
  let type: LinkbeatType | null = configured;
  let up = false;
  if (type === null || type === 'MII') {
    const s = ask('mii');
    if (s >= 0) {
      type = 'MII';
      up = s === 1;
    } else type = null;
  }
  if (type === null || type === 'ETHTOOL') {
    const s = ask('ethtool');
    if (s >= 0) {
      type = 'ETHTOOL';
      up = s === 1;
    } else {
      // an ETHTOOL that was configured and does not work: MII is tried
      const m = type !== null ? ask('mii') : -1;
      if (m >= 0) {
        type = 'MII';
        up = m === 1;
      } else type = null;
    }
  }
  if (type === null || type === 'IOCTL') {
    type = 'IOCTL';
    up = true;
  }
  if (up) up = ask('flags') === 1;
  if (configured !== null && configured !== type) log.push(`(${ifname}): Configured linkbeat type ${configured} not supported, using ${type}`);
  return { type, up, log };
}

/** One poll of an interface whose probe is known (a probe that fails counts as up, as keepalived's). */
export function pollLinkbeat(probe: LinkProbe, ifname: string, type: LinkbeatType): { up: boolean; log: string[] } {
  const log: string[] = [];
  let up = true;
  if (type !== 'IOCTL') {
    const r = probe(ifname, type === 'MII' ? 'mii' : 'ethtool');
    log.push(...r.log);
    up = r.status !== 0;
  }
  if (up) up = probe(ifname, 'flags').status === 1;
  return { up, log };
}
