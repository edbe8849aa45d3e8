/**
 * What BIRD 2 (birdc) says about one VIP, read into the same plain data as FRR's answer
 * (BgpPrefixView): on a director, whether BIRD originates it (a device route from the `direct`
 * protocol, i.e. the address is on the host) and to which Established BGP peers it is exported;
 * on the router, which directors' paths it holds and which of them the kernel protocol's
 * `merge paths` joins into the ECMP route.
 *
 * birdc prints text, not JSON; the shapes read here were captured from BIRD 2.0.12
 * (test/fixtures/bird-2.0.12/).
 */
import type { BgpPrefixView } from './bgp-status';

export interface BirdPath {
  /** The protocol the route came from (`[peer_10_77_0_11 17:06:01.044]`). */
  protocol: string;
  /** BIRD's primary (best) route: the `*`. */
  primary: boolean;
  preference: number;
  /** `via ADDR` (BGP, static) or null (`dev lo`: a device route). */
  via: string | null;
  /** `Type: device …` / `Type: BGP …` with `all`; null without. */
  type: string | null;
  /** AS path length from `[AS65001i]` / `BGP.as_path:`; null when not BGP. */
  asPathLength: number | null;
}

export interface BirdProtocol {
  name: string;
  proto: string;
  state: string;
  info: string;
  /** `Neighbor address:` (BGP, `show protocols all`). */
  neighbor: string | null;
}

const HEAD = /^BIRD [\d.]+ ready\.$/;

/** birdc's answer without its banner; an error line (`syntax error…`) is thrown with its text. */
function body(text: string): string[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !HEAD.test(l.trim()));
  const first = lines[0]?.trim() ?? '';
  if (/^(syntax error|Unknown|No such|Permission denied|Unable to connect)/i.test(first)) throw new Error(`birdc: ${first}`);
  return lines;
}

const ROUTE = /^(?:(\S+)\s+)?\s*(?:unicast|unreachable|blackhole|prohibit)\s+\[(\S+)[^\]]*\]\s+(\*\s+)?\((\d+)\)(?:\s+\[AS([\d\s]*)(\w)\])?/;

/** `show route for PREFIX [all] [export P]` → its paths ([] for "Network not found"). */
export function parseBirdRoute(text: string): BirdPath[] {
  const lines = body(text);
  if (lines.length === 0 || /^(Network not found|No valid tables)/.test(lines[0].trim())) return [];
  const paths: BirdPath[] = [];
  for (const raw of lines) {
    const l = raw.trimEnd();
    if (/^Table \S+:$/.test(l.trim())) continue;
    const m = ROUTE.exec(l.trim());
    if (m) {
      const asPath = m[5] !== undefined ? m[5].trim() : null;
      paths.push({ protocol: m[2], primary: m[3] !== undefined, preference: Number(m[4]), via: null, type: null, asPathLength: asPath === null ? null : asPath === '' ? 0 : asPath.split(/\s+/).length });
      continue;
    }
    const p = paths[paths.length - 1];
    if (!p) throw new Error(`birdc answered something that is not a route listing: ${l.trim().slice(0, 80)}`);
    const t = l.trim();
    const via = /^via (\S+)/.exec(t);
    if (via) p.via = via[1];
    const type = /^Type: (.*)$/.exec(t);
    if (type) p.type = type[1].trim();
    const asp = /^BGP\.as_path:\s*(.*)$/.exec(t);
    if (asp) p.asPathLength = asp[1].trim() === '' ? 0 : asp[1].trim().split(/\s+/).length;
  }
  return paths;
}

/** `show protocols [all]` → one entry per protocol. */
export function parseBirdProtocols(text: string): BirdProtocol[] {
  const out: BirdProtocol[] = [];
  for (const l of body(text)) {
    if (/^Name\s+Proto\s+Table/.test(l)) continue;
    if (!/^\s/.test(l)) {
      const f = l.trim().split(/\s+/);
      if (f.length < 5) throw new Error(`birdc answered something that is not a protocol listing: ${l.slice(0, 80)}`);
      // Name Proto Table State Since(one or two words) Info…
      const since = /^\d{4}-\d\d-\d\d$/.test(f[4]) ? 2 : 1;
      out.push({ name: f[0], proto: f[1], state: f[3], info: f.slice(4 + since).join(' '), neighbor: null });
      continue;
    }
    const n = /^\s+Neighbor address:\s*(\S+)/.exec(l);
    if (n && out.length > 0) out[out.length - 1].neighbor = n[1];
  }
  return out;
}

/** BIRD's rte_mergable for BGP as the router uses it: same preference and AS-path length as the best. */
function mergeable(best: BirdPath, p: BirdPath): boolean {
  return p.via !== null && p.preference === best.preference && p.asPathLength === best.asPathLength;
}

/**
 * One VIP's view from birdc's answers: `route` = `show route for VIP/32 all`, `protocols` =
 * `show protocols all`, `exportedTo` = the BGP protocols whose `show route for VIP/32 export P`
 * listed the route.
 */
export function birdPrefixView(route: BirdPath[], protocols: BirdProtocol[], exportedTo: readonly string[]): BgpPrefixView {
  const bgp = new Map(protocols.filter((p) => p.proto === 'BGP').map((p) => [p.name, p]));
  const originated = route.some((p) => p.via === null && (p.type === null || p.type.startsWith('device')) && !bgp.has(p.protocol));
  const advertisedTo = exportedTo
    .map((n) => bgp.get(n))
    .filter((p): p is BirdProtocol => p !== undefined && p.info.startsWith('Established'))
    .map((p) => p.neighbor ?? p.name)
    .sort();
  const best = route.find((p) => p.primary && bgp.has(p.protocol));
  const usedFrom = best ? route.filter((p) => bgp.has(p.protocol) && mergeable(best, p)).map((p) => p.via!).sort() : [];
  return { present: route.length > 0, originated, advertisedTo, usedFrom };
}

/** birdc's argv for one question, through the control socket when one is configured. */
export function birdcArgv(socket: string | null, command: string): string[] {
  return [...(socket ? ['-s', socket] : []), ...command.split(' ')];
}

/** The commands behind one VIP's view; the export questions go to each Established BGP protocol. */
export function birdRouteCommand(address: string, family: 4 | 6): string {
  return `show route for ${address}/${family === 4 ? 32 : 128} all`;
}

export function birdExportCommand(address: string, family: 4 | 6, protocol: string): string {
  return `show route for ${address}/${family === 4 ? 32 : 128} export ${protocol}`;
}
