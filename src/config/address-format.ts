/**
 * A static or virtual address in keepalived 2.2.7's words (vrrp_ipaddress.c format_ipaddress),
 * for the lines it logs about them ("Restoring deleted static address 192.168.81.1/24 dev eth1
 * scope global track_group TG1 set"). Pure.
 */
import type { VirtualIpAddress } from './model';

/** get_rttables_scope: rt_scopes' names, else the number. */
const SCOPE_NAMES: Record<number, string> = { 0: 'global', 200: 'site', 253: 'link', 254: 'host', 255: 'nowhere' };

/** `set`: the address is in place because this run added it (keepalived's ip_addr->set). */
export function formatIpAddress(a: VirtualIpAddress, set: boolean): string {
  const host = a.prefixLen === (a.family === 4 ? 32 : 128);
  let out = host ? a.address : `${a.address}/${a.prefixLen}`;
  // the config builder worked out `brd +`/`brd -` (vrrp-values.ts vipEntry)
  if (a.family === 4 && a.broadcast !== null) out += ` brd ${a.broadcast}`;
  out += ` dev ${a.dev}`;
  if (a.useVmac) out += ' use_vmac';
  const scope = typeof a.scope === 'number' ? (SCOPE_NAMES[a.scope] ?? String(a.scope)) : a.scope;
  // keepalived drops the scope and label of an IPv6 address (with a warning)
  out += ` scope ${a.family === 6 ? 'global' : scope}`;
  if (a.label !== null && a.family === 4) out += ` label ${a.label}`;
  if (a.noDad === false) out += ' -nodad';
  if (a.noTrack) out += ' no_track';
  if (a.trackGroup !== undefined) out += ` track_group ${a.trackGroup}`;
  if (a.family === 6) {
    const lft = a.preferredLft ?? (a.prefixLen === 128 ? 0 : 'forever');
    if (lft === 0) out += ' deprecated';
    else if (lft === 'forever' || lft === 0xffffffff) out += ' preferred_lft forever';
    else out += ` preferred_lft ${lft}`;
  }
  if (set) out += ' set';
  return out;
}
