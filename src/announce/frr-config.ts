/**
 * FRR configuration for active-active directors behind BGP ECMP, generated from plain data so
 * the lab, the tests and the README ship the same text (frr.conf, integrated style).
 *
 * Director: announces each VIP with `network VIP/32` under `bgp network import-check`, so bgpd
 * originates the route only while zebra has it — i.e. while halo keeps the address on the host
 * (lo). Only its own VIPs go out (prefix-list + route-map), nothing comes in (a director never
 * routes a VIP through another director). BFD (profile halo, 300 ms × 3) on each session.
 *
 * No `exit` lines: every daemon reads the whole integrated file, and an `exit` after a block a
 * daemon does not know (bgpd and `bfd`) would leave configuration mode and drop the rest.
 *
 * Upstream router: eBGP to every director, `maximum-paths` for ECMP, `bestpath as-path
 * multipath-relax` so directors in different ASes share the route, the same BFD profile, and
 * only host routes inside the VIP ranges accepted from the directors.
 */

export interface BfdProfile {
  name: string;
  intervalMs: number;
  multiplier: number;
}

/** 300 ms × 3: a dead director's paths leave the router's FIB in about 0.9 s. */
export const HALO_BFD: BfdProfile = { name: 'halo', intervalMs: 300, multiplier: 3 };

export interface BgpPeer {
  address: string;
  asn: number;
}

export interface DirectorBgp {
  hostname: string;
  asn: number;
  routerId: string;
  /** The upstream router(s). */
  peers: BgpPeer[];
  /** The halo_announce addresses. */
  vips: { address: string; family: 4 | 6 }[];
  bfd?: BfdProfile;
}

export interface RouterBgp {
  hostname: string;
  asn: number;
  routerId: string;
  /** The directors. */
  peers: BgpPeer[];
  /** ECMP width (FRR's maximum-paths). */
  maximumPaths: number;
  /** Prefixes the VIPs live in; only host routes inside them are accepted from the directors. */
  vipRanges: { prefix: string; family: 4 | 6 }[];
  bfd?: BfdProfile;
}

const hostLen = (family: 4 | 6) => (family === 4 ? 32 : 128);
const isV6 = (address: string) => address.includes(':');

function bfdBlock(p: BfdProfile): string[] {
  return ['bfd', ` profile ${p.name}`, `  detect-multiplier ${p.multiplier}`, `  receive-interval ${p.intervalMs}`, `  transmit-interval ${p.intervalMs}`, '!'];
}

function neighbors(peers: BgpPeer[], bfd: BfdProfile): string[] {
  return peers.flatMap((p) => [` neighbor ${p.address} remote-as ${p.asn}`, ` neighbor ${p.address} bfd profile ${bfd.name}`, ` neighbor ${p.address} timers 3 9`, ` neighbor ${p.address} timers connect 2`]);
}

/** One address family's lines for the peers of that family (IPv4 peers carry IPv4, IPv6 peers IPv6). */
function family(f: 4 | 6, body: string[], peers: BgpPeer[], inMap: string, outMap: string): string[] {
  const mine = peers.filter((p) => isV6(p.address) === (f === 6));
  if (mine.length === 0) return [];
  return [
    ` address-family ${f === 4 ? 'ipv4' : 'ipv6'} unicast`,
    ...body,
    ...mine.flatMap((p) => [...(f === 6 ? [`  neighbor ${p.address} activate`] : []), `  neighbor ${p.address} route-map ${inMap} in`, `  neighbor ${p.address} route-map ${outMap} out`]),
    ' exit-address-family',
  ];
}

/** HALO-VIPS4 / HALO-VIPS6: the entries permitted, or deny any for a family with none. */
function prefixLists(entries: { family: 4 | 6; entry: string }[]): string[] {
  return ([4, 6] as const).flatMap((f) => {
    const kw = f === 4 ? 'ip' : 'ipv6';
    const mine = entries.filter((e) => e.family === f);
    if (mine.length === 0) return [`${kw} prefix-list HALO-VIPS${f} seq 5 deny any`];
    return mine.map((e, i) => `${kw} prefix-list HALO-VIPS${f} seq ${(i + 1) * 5} permit ${e.entry}`);
  });
}

/** NAME4 / NAME6: route-maps that permit what HALO-VIPS4 / HALO-VIPS6 list. */
function matchVips(name: string): string[] {
  return [`route-map ${name}4 permit 10`, ' match ip address prefix-list HALO-VIPS4', `route-map ${name}6 permit 10`, ' match ipv6 address prefix-list HALO-VIPS6'];
}

function head(hostname: string, bfd: BfdProfile, lists: string[]): string[] {
  return ['frr defaults datacenter', `hostname ${hostname}`, 'log syslog informational', '!', ...bfdBlock(bfd), ...lists, '!'];
}

export function directorFrrConf(d: DirectorBgp): string {
  const bfd = d.bfd ?? HALO_BFD;
  const out = [
    ...head(d.hostname, bfd, prefixLists(d.vips.map((v) => ({ family: v.family, entry: `${v.address}/${hostLen(v.family)}` })))),
    'route-map HALO-IN deny 10',
    '!',
    ...matchVips('HALO-OUT'),
    '!',
    `router bgp ${d.asn}`,
    ` bgp router-id ${d.routerId}`,
    ' bgp network import-check',
    ...neighbors(d.peers, bfd),
    ...family(4, d.vips.filter((v) => v.family === 4).map((v) => `  network ${v.address}/32`), d.peers, 'HALO-IN', 'HALO-OUT4'),
    ...family(6, d.vips.filter((v) => v.family === 6).map((v) => `  network ${v.address}/128`), d.peers, 'HALO-IN', 'HALO-OUT6'),
    '!',
  ];
  return out.join('\n') + '\n';
}

export function routerFrrConf(r: RouterBgp): string {
  const bfd = r.bfd ?? HALO_BFD;
  const out = [
    ...head(r.hostname, bfd, prefixLists(r.vipRanges.map((v) => ({ family: v.family, entry: `${v.prefix} ge ${hostLen(v.family)}` })))),
    ...matchVips('HALO-DIRECTORS'),
    'route-map HALO-NOTHING deny 10',
    '!',
    `router bgp ${r.asn}`,
    ` bgp router-id ${r.routerId}`,
    ' bgp bestpath as-path multipath-relax',
    ...neighbors(r.peers, bfd),
    ...family(4, [`  maximum-paths ${r.maximumPaths}`], r.peers, 'HALO-DIRECTORS4', 'HALO-NOTHING'),
    ...family(6, [`  maximum-paths ${r.maximumPaths}`], r.peers, 'HALO-DIRECTORS6', 'HALO-NOTHING'),
    '!',
  ];
  return out.join('\n') + '\n';
}
