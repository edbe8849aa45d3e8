/**
 * nftables_ipvs (keepalived 2.2.7 ipvswrapper.c ipvs_cmd, check_nftables.c set_vs_fwmark): a
 * group service whose virtual_server_group holds addresses only, and no fwmark entry, gets a
 * fwmark instead of one IPVS service per address. The services of one group and protocol share
 * it; fwmarks are handed out from nftables_ipvs_start_fwmark in the order the services are added.
 *
 * The counter is keepalived's next_fwmark: set from the start fwmark on first use and never
 * wound back, so a reload hands new services fwmarks after every one handed out before, while
 * a service that matches one of the old configuration (the same group and member number,
 * vs_iseq) keeps its group's fwmark for its protocol (clear_diff_vsg).
 */
import type { GlobalDefs, VirtualServer, VirtualServerGroup } from './model';

const groupProtocol = (vs: VirtualServer): string => `${vs.key.kind === 'group' ? vs.key.group : ''} ${vs.protocol}`;

/** At config load: which group services take a fwmark, numbered as at a first start. */
export function assignAutoFwmarks(g: GlobalDefs, services: readonly VirtualServer[], groups: readonly VirtualServerGroup[]): void {
  if (g.nftablesIpvs.table === null) return;
  let next = g.nftablesIpvs.startFwmark;
  const given = new Map<string, number>();
  for (const vs of services) {
    if (vs.key.kind !== 'group') continue;
    const name = vs.key.group;
    const group = groups.find((x) => x.name === name);
    if (!group || group.entries.length === 0 || group.entries.some((e) => e.kind === 'fwmark')) continue;
    const id = groupProtocol(vs);
    let mark = given.get(id);
    if (mark === undefined) {
      mark = next++;
      given.set(id, mark);
    }
    vs.autoFwmark = mark;
  }
}

/** keepalived's next_fwmark once these services hold their fwmarks (null: none handed out yet). */
export function nextAutoFwmark(services: readonly VirtualServer[]): number | null {
  const marks = services.flatMap((vs) => (vs.autoFwmark === undefined ? [] : [vs.autoFwmark]));
  return marks.length === 0 ? null : Math.max(...marks) + 1;
}

/**
 * At a reload: the new services (numbered by assignAutoFwmarks as if first started) with the
 * fwmarks a running keepalived gives them. `counter` is next_fwmark before the reload, `start`
 * the new configuration's nftables_ipvs_start_fwmark (used only if nothing was handed out yet).
 * Services whose fwmark changes are copies; the inputs are not touched.
 */
export function keepAutoFwmarks(
  previous: readonly VirtualServer[], next: readonly VirtualServer[], counter: number | null, start: number,
): { services: VirtualServer[]; counter: number | null } {
  const oldMarks = new Map<string, number>();
  for (const vs of previous) if (vs.autoFwmark !== undefined) oldMarks.set(groupProtocol(vs), vs.autoFwmark);
  const sameService = (a: VirtualServer, b: VirtualServer): boolean =>
    a.key.kind === 'group' && b.key.kind === 'group' && a.key.group === b.key.group && (a.groupMember ?? 0) === (b.groupMember ?? 0);
  // clear_diff_services runs before any new service is added: every kept fwmark is known first.
  const given = new Map<string, number>();
  for (const vs of next) {
    if (vs.autoFwmark === undefined || !previous.some((old) => sameService(old, vs))) continue;
    const mark = oldMarks.get(groupProtocol(vs));
    if (mark !== undefined) given.set(groupProtocol(vs), mark);
  }
  let n = counter;
  const services = next.map((vs) => {
    if (vs.autoFwmark === undefined) return vs;
    const id = groupProtocol(vs);
    let mark = given.get(id);
    if (mark === undefined) {
      n ??= start;
      mark = n++;
      given.set(id, mark);
    }
    return mark === vs.autoFwmark ? vs : { ...vs, autoFwmark: mark };
  });
  return { services, counter: n };
}
