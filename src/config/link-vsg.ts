/**
 * keepalived 2.2.7's link_vsg_to_vs (ipwrapper.c), the address-family part: a service named by
 * `virtual_server group NAME` gets its family from its real servers (or ip_family) while it is
 * read; once every block is read, it must agree with the families of the group's entries, or
 * the service is dropped with a log line (keepalived's log_message, not a config error:
 * `keepalived -t` says nothing and both daemons carry on without it).
 */
import type { VirtualServerGroupEntry } from './model';

/** vsg->have_ipv4, have_ipv6 and fwmark_no_family, as alloc_vsg_entry sets them. */
export interface GroupFamilies {
  have4: boolean;
  have6: boolean;
  fwmarkNoFamily: boolean;
}

export function groupFamilies(entries: readonly VirtualServerGroupEntry[]): GroupFamilies {
  const f: GroupFamilies = { have4: false, have6: false, fwmarkNoFamily: false };
  for (const e of entries) {
    if (e.family === 4) f.have4 = true;
    else if (e.family === 6) f.have6 = true;
    else f.fwmarkNoFamily = true;
  }
  return f;
}

export type LinkedFamily =
  /** The service runs, with this family (null: still none; its fwmark entries then use IPv4). */
  | { family: 4 | 6 | null; note: string | null }
  /** The service is dropped, with keepalived's log line. */
  | { dropped: string };

/**
 * The service's family once linked to its group. `label` is keepalived's FMT_VS of the service
 * (`[NAME]:0` at that point: the member numbers are set after this check).
 */
export function linkFamily(group: string, label: string, f: GroupFamilies, family: 4 | 6 | null): LinkedFamily {
  // Both families in one group only when every fwmark has a family and every server is
  // tunnelled (so nothing gave the service a family).
  if (f.have4 && f.have6) {
    if (family !== null) return { dropped: `${group}: virtual server group with IPv4 & IPv6 doesn't match virtual server ${label} - ignoring` };
    return { family: null, note: null };
  }
  const groupFamily = f.have4 ? 4 : f.have6 ? 6 : null;
  if (groupFamily !== null && family !== null && family !== groupFamily) {
    return { dropped: `${group}: address family doesn't match virtual server ${label} - ignoring` };
  }
  if (groupFamily !== null) return { family: groupFamily, note: null };
  if (family === null && f.fwmarkNoFamily) {
    return { family: null, note: `${group}: Virtual server ${label} address family cannot be determined, defaulting to IPv4` };
  }
  return { family, note: null };
}
