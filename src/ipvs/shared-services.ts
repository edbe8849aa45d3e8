/**
 * One kernel service that several virtual servers stand for: the same `virtual_server` written
 * twice (keepalived 2.2.7 has no duplicate check), or a group entry that is also a service of its
 * own. keepalived programs each copy as if it were alone (ipwrapper.c init_service_vs,
 * perform_svr_state); the kernel sees the copies' commands one after the other, and ipvs_talk()
 * takes an add that finds the entry (EEXIST) or a delete that does not (ENOENT) as done, logging
 * the error. So the table holds:
 *
 *  - the service as the first copy added it (the others' adds fail with EEXIST);
 *  - each destination as the last command about it left it: a copy that takes a real server out
 *    removes it from the kernel whatever the other copy thinks, and a copy that puts it back adds
 *    it at its own weight.
 *
 * Pure: each owner's destinations now and as last evaluated go in; the kernel's view comes out,
 * with keepalived's error line for every command the kernel refused.
 */
import type { IpvsDestination, IpvsService, IpvsServiceKey } from './types';

/** What one shared service remembers between evaluations. */
export interface SharedServiceState {
  /** Each owner's own destinations as last evaluated, in config order. */
  readonly owners: readonly (readonly IpvsDestination[])[];
  /** The destinations the copies' commands left in the kernel. */
  readonly kernel: readonly IpvsDestination[];
}

/**
 * One owner's error lines among its own: `first` before them (start-up), `after` right after the
 * line naming the real server, `last` after them all.
 */
export interface OwnerLines {
  first: string[];
  after: { address: string; line: string }[];
  last: string[];
}

export interface SharedResult {
  service: IpvsService;
  state: SharedServiceState;
  lines: OwnerLines[];
}

/** The text of a service key as ipvs_talk() logs it (format_srule): `10.0.0.1:tcp:80`, `Fwm 5 inet6`. */
export function formatSrule(key: IpvsServiceKey): string {
  if ('fwmark' in key) return `Fwm ${key.fwmark}${key.af === 6 ? ' inet6' : ''}`;
  const proto = key.protocol === 6 ? 'tcp' : key.protocol === 17 ? 'udp' : key.protocol === 132 ? 'sctp' : String(key.protocol);
  return `${key.address}:${proto}:${key.port}`;
}

// linux/ip_vs.h: IP_VS_BASE_CTL (64+1024+64) + n
const IP_VS_SO_SET_ADD = 1154;
const IP_VS_SO_SET_DEL = 1156;
const IP_VS_SO_SET_ADDDEST = 1159;
const IP_VS_SO_SET_DELDEST = 1160;

/** ipvs_talk()'s line for a refused command (libipvs ipvs_strerror's wording). */
function cmdError(cmd: 'ADD' | 'DEL' | 'ADDDEST' | 'DELDEST', what: string, key: IpvsServiceKey, d?: IpvsDestination): string {
  const code = { ADD: IP_VS_SO_SET_ADD, DEL: IP_VS_SO_SET_DEL, ADDDEST: IP_VS_SO_SET_ADDDEST, DELDEST: IP_VS_SO_SET_DELDEST }[cmd];
  const dest = d ? ` -> ${d.address}:${d.port}` : '';
  return `IPVS cmd IP_VS_SO_SET_${cmd}(${code}) error: ${what} (${formatSrule(key)}${dest})`;
}

const destKey = (d: IpvsDestination): string => `${d.af} ${d.address} ${d.port}`;

function sameDest(a: IpvsDestination, b: IpvsDestination): boolean {
  return a.weight === b.weight && a.forward === b.forward && a.upperThreshold === b.upperThreshold && a.lowerThreshold === b.lowerThreshold;
}

/**
 * The kernel's view of a service several owners program, in config order. `prev` undefined: the
 * start, when each owner adds its service (the second add fails) and then its destinations.
 */
export function mergeShared(owners: readonly IpvsService[], prev: SharedServiceState | undefined): SharedResult {
  const key = owners[0].key;
  const kernel = new Map<string, IpvsDestination>();
  for (const d of prev?.kernel ?? []) kernel.set(destKey(d), d);
  const lines: OwnerLines[] = owners.map(() => ({ first: [], after: [], last: [] }));
  owners.forEach((svc, n) => {
    const out = lines[n];
    // a new owner (the start, or a copy a reload adds) adds its service first
    if (prev?.owners[n] === undefined && n > 0) out.first.push(cmdError('ADD', 'Service already exists(17)', key));
    const before = new Map((prev?.owners[n] ?? []).map((d) => [destKey(d), d]));
    const now = new Map(svc.destinations.map((d) => [destKey(d), d]));
    const report = (address: string, line: string): void => {
      if (prev?.owners[n] === undefined) out.first.push(line);
      else out.after.push({ address, line });
    };
    for (const [k, d] of now) {
      const was = before.get(k);
      if (was === undefined) {
        // ADD_DEST: EEXIST when another owner's add is still there
        if (kernel.has(k)) report(d.address, cmdError('ADDDEST', 'Destination already exists(17)', key, d));
        else kernel.set(k, d);
      } else if (!sameDest(was, d)) {
        // EDIT_DEST (an ENOENT retries as ADD_DEST, keepalived's ipvs_talk)
        kernel.set(k, d);
      }
    }
    for (const [k, d] of before) {
      if (now.has(k)) continue;
      // DEL_DEST: ENOENT when another owner's delete came first
      if (kernel.has(k)) kernel.delete(k);
      else report(d.address, cmdError('DELDEST', 'No such destination(2)', key, d));
    }
  });
  const first = owners[0];
  const service: IpvsService = { ...first, destinations: [...kernel.values()] };
  return { service, state: { owners: owners.map((s) => s.destinations), kernel: service.destinations }, lines };
}

/**
 * What the owners' stop commands get from the kernel (ipwrapper.c clear_service_vs, in config
 * order): each deletes the destinations it added (unless the table is flushed), then the
 * service; what an earlier owner already deleted is refused with ENOENT (libnl reports the
 * kernel's ESRCH for a missing service as ENOENT too, which libipvs words as strerror does).
 */
export function stopLines(key: IpvsServiceKey, state: SharedServiceState, lvsFlushOnStop: 'off' | 'vs'): OwnerLines[] {
  const kernel = new Set(state.kernel.map(destKey));
  let service = true;
  return state.owners.map((own) => {
    const out: OwnerLines = { first: [], after: [], last: [] };
    if (lvsFlushOnStop === 'off') {
      for (const d of own) {
        if (service && kernel.delete(destKey(d))) continue;
        out.after.push({ address: d.address, line: cmdError('DELDEST', 'No such destination(2)', key, d) });
      }
    }
    if (service) service = false;
    else out.last.push(cmdError('DEL', 'No such file or directory(2)', key));
    return out;
  });
}
