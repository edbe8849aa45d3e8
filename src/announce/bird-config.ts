/**
 * BIRD 2 configuration for active-active directors behind BGP ECMP: the same plain data and the
 * same coupling as the FRR text (frr-config.ts), in BIRD's words.
 *
 * Director: a `direct` protocol on the VIP interface (lo) imports the VIP/32 (/128) while the
 * address is on the host, filtered to the halo_announce VIPs only (lo's 127.0.0.0/8 and
 * anything else stays out); the BGP session exports only those device routes and imports
 * nothing. When halo removes the address (quorum lost, stop, the supervisor after a crash,
 * `halo cleanup`), the direct route goes and BGP withdraws it. BFD 300 ms × 3 on the session.
 *
 * Upstream router: eBGP to every director importing only host routes inside the VIP ranges,
 * `merge paths` in the kernel protocol so the directors' equal paths become one ECMP route
 * (BIRD merges BGP paths of equal AS-path length whatever the ASes, which is FRR's
 * `as-path multipath-relax`), BFD on every session, nothing exported to the directors.
 */
import { HALO_BFD, type BfdProfile, type BgpPeer, type DirectorBgp, type RouterBgp } from './frr-config';

const isV6 = (address: string) => address.includes(':');
const hostLen = (family: 4 | 6) => (family === 4 ? 32 : 128);

/** A protocol name for a peer: BIRD names are symbols (letters, digits, _). */
export function birdPeerName(address: string): string {
  return `peer_${address.replace(/[.:]/g, '_')}`;
}

/** `[ a, b ]`, or `[ ]`-free: BIRD refuses an empty set, so a family with none matches nothing. */
function prefixSet(entries: string[]): string {
  return entries.length === 0 ? '' : `[ ${entries.join(', ')} ]`;
}

function bfdProtocol(p: BfdProfile): string[] {
  return [
    `protocol bfd ${p.name} {`,
    `  interface "*" { min rx interval ${p.intervalMs} ms; min tx interval ${p.intervalMs} ms; multiplier ${p.multiplier}; };`,
    '}',
  ];
}

/**
 * The BGP timers and connect retry the FRR text uses (keepalive 3, hold 9, connect 2), and a
 * short error wait: BIRD's default waits 60 s after any session error before reconnecting (an
 * FRR peer's Cease "BFD down" while the sessions come up is one), which would keep a director
 * that is fit out of the ECMP set for a minute.
 */
const TIMERS = ['  hold time 9;', '  keepalive time 3;', '  connect retry time 2;', '  error wait time 2, 16;', '  bfd on;'];

/** Where BIRD logs: syslog (default), or a file (the lab and tests). */
export interface BirdOptions {
  logFile?: string;
}

function head(routerId: string, o: BirdOptions): string[] {
  return [`router id ${routerId};`, o.logFile ? `log "${o.logFile}" all;` : 'log syslog all;', '', 'protocol device { scan time 10; }', ''];
}

/** One `protocol bgp` per peer, its channel (the peer's family) set by `channel`. */
function bgpSessions(asn: number, peers: BgpPeer[], channel: (family: 4 | 6) => string): string[] {
  return peers.flatMap((p) => {
    const f = isV6(p.address) ? 6 : 4;
    return [`protocol bgp ${birdPeerName(p.address)} {`, `  local as ${asn};`, `  neighbor ${p.address} as ${p.asn};`, ...TIMERS, `  ipv${f} { ${channel(f)} };`, '}', ''];
  });
}

/** `if net ~ SET then accept; reject;` — a family with no entries rejects everything. */
function filter(name: string, set: string, extra = ''): string[] {
  const body = set === '' ? '  reject;' : `  if net ~ ${set}${extra} then accept;\n  reject;`;
  return [`filter ${name}`, '{', body, '}'];
}

export function directorBirdConf(d: DirectorBgp, o: BirdOptions = {}): string {
  const bfd = d.bfd ?? HALO_BFD;
  const set = (f: 4 | 6) => prefixSet(d.vips.filter((v) => v.family === f).map((v) => `${v.address}/${hostLen(f)}`));
  const vipIfaces = '"lo"';
  const out = [
    ...head(d.routerId, o),
    ...filter('halo_vips4', set(4)),
    ...filter('halo_vips6', set(6)),
    // only the VIPs' device routes go out: never a route learnt elsewhere
    ...filter('halo_out4', set(4), ' && source = RTS_DEVICE'),
    ...filter('halo_out6', set(6), ' && source = RTS_DEVICE'),
    '',
    'protocol direct halo_vips {',
    '  ipv4 { import filter halo_vips4; };',
    '  ipv6 { import filter halo_vips6; };',
    `  interface ${vipIfaces};`,
    '}',
    '',
    ...bfdProtocol(bfd),
    '',
    ...bgpSessions(d.asn, d.peers, (f) => `import none; export filter halo_out${f};`),
  ];
  return out.join('\n');
}

export function routerBirdConf(r: RouterBgp, o: BirdOptions = {}): string {
  const bfd = r.bfd ?? HALO_BFD;
  const set = (f: 4 | 6) => prefixSet(r.vipRanges.filter((v) => v.family === f).map((v) => `${v.prefix}{${hostLen(f)},${hostLen(f)}}`));
  const out = [
    ...head(r.routerId, o),
    ...filter('halo_directors4', set(4)),
    ...filter('halo_directors6', set(6)),
    '',
    // ECMP: equal BGP paths from different directors become one multipath kernel route
    'protocol kernel halo_kernel4 {',
    '  ipv4 { import none; export all; };',
    `  merge paths on limit ${r.maximumPaths};`,
    '}',
    'protocol kernel halo_kernel6 {',
    '  ipv6 { import none; export all; };',
    `  merge paths on limit ${r.maximumPaths};`,
    '}',
    '',
    ...bfdProtocol(bfd),
    '',
    ...bgpSessions(r.asn, r.peers, (f) => `import filter halo_directors${f}; export none;`),
  ];
  return out.join('\n');
}
