/**
 * keepalived's names for virtual and real servers in log lines (check_data.c format_vs /
 * format_rs, lib/utils.c inet_sockaddrtotrio), so operators grep what they already know:
 * `[10.0.100.2]:tcp:80`, `FWM 7`, `[web_group]:1`.
 */
import type { VirtualServer, VirtualServerGroup } from '../config/model';

/** Protocol word keepalived prints: the VS's service_type; 0 (fwmark-only) prints "none". */
export function serviceTypeName(vs: VirtualServer, groups: readonly VirtualServerGroup[]): string {
  const key = vs.key;
  if (key.kind === 'fwmark') return 'none';
  if (key.kind === 'group') {
    const group = groups.find((g) => g.name === key.group);
    // keepalived clears service_type when the group holds only fwmark entries.
    if (group && !group.entries.some((e) => e.kind !== 'fwmark')) return 'none';
  }
  return vs.protocol.toLowerCase();
}

/** `[ADDR]:PROTO:PORT`, IPv6 addresses without extra brackets inside (inet_sockaddrtotrio). */
export function formatTrio(address: string, proto: string, port: number): string {
  return `[${address}]:${proto}:${port}`;
}

/**
 * FMT_VS: `[ADDR]:PROTO:PORT`, `FWM N`, or `[GROUP]:N` for a virtual_server group, N the
 * service's member number in its group (keepalived stores it as the service's port).
 */
export function formatVirtualServer(vs: VirtualServer, groups: readonly VirtualServerGroup[]): string {
  const key = vs.key;
  if (key.kind === 'group') return `[${key.group}]:${vs.groupMember ?? 0}`;
  if (key.kind === 'fwmark') return `FWM ${key.fwmark}`;
  return formatTrio(key.address, serviceTypeName(vs, groups), key.port);
}

/** FMT_RS: the real server's address and port with its virtual server's protocol. */
export function formatRealServer(
  rs: { address: string; port: number },
  vs: VirtualServer,
  groups: readonly VirtualServerGroup[],
): string {
  return formatTrio(rs.address, serviceTypeName(vs, groups), rs.port);
}
