/**
 * What FRR's `show ip bgp PREFIX json` (`show bgp ipv6 …` for IPv6) says about one VIP, read
 * into plain data: on a director, whether bgpd originates it and to whom it was advertised; on
 * the router, which directors' paths it holds and how many are used for ECMP.
 */

export interface BgpPrefixView {
  /** bgpd has the route at all. */
  present: boolean;
  /** A valid locally sourced path (the director's own `network`, import-check satisfied). */
  originated: boolean;
  /** Peers the best path was advertised to. */
  advertisedTo: string[];
  /** Peers whose valid path the router uses (best or multipath): the ECMP set. */
  usedFrom: string[];
}

interface FrrPath {
  valid?: boolean;
  sourced?: boolean;
  local?: boolean;
  multipath?: boolean;
  bestpath?: { overall?: boolean };
  peer?: { peerId?: string };
}

/** Parse vtysh's JSON; a malformed answer is an error naming what was expected. */
export function parseBgpPrefix(text: string): BgpPrefixView {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    throw new Error(`vtysh did not answer JSON: ${text.slice(0, 80)}`);
  }
  if (typeof j !== 'object' || j === null || Array.isArray(j)) throw new Error('vtysh answered JSON that is not an object');
  const o = j as { prefix?: unknown; paths?: unknown; advertisedTo?: unknown };
  const paths: FrrPath[] = Array.isArray(o.paths) ? (o.paths as FrrPath[]) : [];
  const present = typeof o.prefix === 'string' && paths.length > 0;
  const originated = paths.some((p) => p.valid === true && (p.sourced === true || p.local === true));
  const advertisedTo = o.advertisedTo && typeof o.advertisedTo === 'object' ? Object.keys(o.advertisedTo as object).sort() : [];
  const usedFrom = paths
    .filter((p) => p.valid === true && !p.local && (p.multipath === true || p.bestpath?.overall === true))
    .map((p) => p.peer?.peerId ?? '?')
    .sort();
  return { present, originated, advertisedTo, usedFrom };
}

/** vtysh's argv for one VIP's view, honouring halo_announce's vtysh_socket / vtysh_pathspace. */
export function vtyshArgv(address: string, family: 4 | 6, opts: { vtyshSocket: string | null; vtyshPathspace: string | null }): string[] {
  const show = family === 4 ? `show ip bgp ${address}/32 json` : `show bgp ipv6 unicast ${address}/128 json`;
  return [
    ...(opts.vtyshPathspace ? ['-N', opts.vtyshPathspace] : []),
    ...(opts.vtyshSocket ? ['--vty_socket', opts.vtyshSocket] : []),
    '-c', show,
  ];
}
