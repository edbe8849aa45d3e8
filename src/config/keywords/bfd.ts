/**
 * bfd_instance blocks (keepalived bfd/bfd_parser.c): each keyword read into a BfdInstance draft
 * with keepalived's ranges, defaults and words. The block's end checks are in build-bfd.ts.
 */
import type { BuildContext } from '../context';
import type { BfdInstance } from '../model';
import type { Statement } from '../parse';
import { acted, section } from './types';

export type BfdDraft = Omit<BfdInstance, 'neighborIp' | 'family'> & {
  neighborIp: string | null;
  family: 4 | 6 | null;
  /** neighbor or neighbour, as the block spelt it (keepalived's messages follow it). */
  neighborWord: string;
  /** The block is dropped (a malformed neighbor address). */
  dropped: boolean;
  ttlSet: boolean;
  /** `vrrp` / `checker` seen. */
  only: { vrrp: boolean; checker: boolean };
};

/** read_decimal_unsigned_strvec(…, 3): milliseconds with up to 3 decimals, in µs; out of range: null. */
function millisUs(ctx: BuildContext, s: Statement, d: BfdDraft, minMs: number, sensibleMs: number, what: string): number | null {
  const w = ctx.arg(s, 0, 'a number of milliseconds');
  if (!w) return null;
  const maxMs = Math.floor(0xffffffff / 1000);
  const ok = /^\d+(\.\d{1,3})?$/.test(w.value);
  const us = ok ? Math.round(Number(w.value) * 1000) : NaN;
  if (!ok || us < minMs * 1000 || us > maxMs * 1000) {
    ctx.warn(w, `Configuration error: BFD instance ${d.name} ${what} value ${w.value} is not valid (must be in range [${minMs}-${maxMs}]), ignoring`);
    return null;
  }
  if (us > sensibleMs * 1000) ctx.warn(w, `Configuration warning: BFD instance ${d.name} ${what} value ${w.value} is larger than max sensible (${sensibleMs})`);
  return us;
}

function unsigned(ctx: BuildContext, s: Statement, min: number, max: number): number | null {
  const w = ctx.arg(s, 0, 'a number');
  if (!w || !/^[-+]?\d+$/.test(w.value)) return null;
  const n = Number(w.value);
  return n >= min && n <= max ? n : null;
}

const ttl = (ctx: BuildContext, s: Statement, d: BfdDraft): void => {
  const n = unsigned(ctx, s, 1, 255);
  if (n === null) ctx.warn(s.args[0] ?? s.keyword, `Configuration error: BFD instance ${d.name} ttl/hoplimit value ${s.args[0]?.value ?? ''} not valid (must be in range [1-255]), ignoring`);
  else { d.ttl = n; d.ttlSet = true; }
};

/**
 * keepalived reads BFD addresses with inet_pton (inet_stosockaddr), which takes no `%scope`: a
 * scoped link-local address is malformed there (a bare one is taken, and then cannot be sent
 * to: sendto() needs the scope).
 */
const bfdAddress = (ctx: BuildContext, w: NonNullable<ReturnType<BuildContext['arg']>>, keyword: string) =>
  (w.value.includes('%') ? null : ctx.addressWord(w, keyword, true));

const neighbor = (ctx: BuildContext, s: Statement, d: BfdDraft): void => {
  d.neighborWord = s.keyword.value === 'neighbour_ip' ? 'neighbour' : 'neighbor';
  const w = ctx.arg(s, 0, 'an IP address');
  if (!w) return;
  const a = bfdAddress(ctx, w, s.keyword.value);
  if (!a) {
    ctx.warn(w, `Configuration error: BFD instance ${d.name} has malformed ${d.neighborWord} address ${w.value}, ignoring instance`);
    d.dropped = true;
    return;
  }
  d.neighborIp = a.address;
  d.family = a.family;
};

export const BFD_INSTANCE = section<BfdDraft>('bfd_instance', [
  acted('source_ip', 'bfd_srcip_handler', 'chosen by the kernel', 'the session\'s source address (and its socket\'s)', (ctx, s, d) => {
    const w = ctx.arg(s, 0, 'an IP address');
    if (!w) return;
    const a = bfdAddress(ctx, w, 'source_ip');
    if (!a) ctx.warn(w, `Configuration error: BFD instance ${d.name} has malformed source address ${w.value}, ignoring`);
    else d.sourceIp = a.address;
  }),
  acted('neighbor_ip', 'bfd_nbrip_handler', '', 'required', neighbor),
  acted('neighbour_ip', 'bfd_nbrip_handler', '', 'required', neighbor),
  acted('min_rx', 'bfd_minrx_handler', '10', 'ms, up to 3 decimals: Required Min RX Interval', (ctx, s, d) => { d.minRxUs = millisUs(ctx, s, d, 1, 10000, 'min_rx') ?? d.minRxUs; }),
  acted('min_tx', 'bfd_mintx_handler', '10', 'ms, up to 3 decimals: Desired Min TX Interval while Up', (ctx, s, d) => { d.minTxUs = millisUs(ctx, s, d, 1, 10000, 'min_tx') ?? d.minTxUs; }),
  acted('idle_tx', 'bfd_idletx_handler', '1000', 'ms (>= 1000): Desired Min TX Interval while not Up', (ctx, s, d) => { d.idleTxUs = millisUs(ctx, s, d, 1000, 10000, 'idle_tx') ?? d.idleTxUs; }),
  acted('multiplier', 'bfd_multiplier_handler', '5', 'Detect Mult, 1-255', (ctx, s, d) => {
    const n = unsigned(ctx, s, 1, 255);
    if (n === null) ctx.warn(s.args[0] ?? s.keyword, `Configuration error: BFD instance ${d.name} multiplier value ${s.args[0]?.value ?? ''} not valid (must be in range [1-255]), ignoring`);
    else d.multiplier = n;
  }),
  acted('passive', 'bfd_passive_handler', 'off', 'sends nothing until the neighbor is heard (RFC 5880 section 6.1)', (_c, _s, d) => { d.passive = true; }),
  acted('ttl', 'bfd_ttl_handler', '255 (IPv4), 64 (IPv6)', 'TTL sent', ttl),
  acted('hoplimit', 'bfd_ttl_handler', '255 (IPv4), 64 (IPv6)', 'hop limit sent', ttl),
  acted('max_hops', 'bfd_maxhops_handler', '0', 'received TTL must be >= ttl - max_hops (IP_MINTTL); -1: not checked', (ctx, s, d) => {
    const n = unsigned(ctx, s, -1, 255);
    if (n === null) ctx.warn(s.args[0] ?? s.keyword, `Configuration error: BFD instance ${d.name} max_hops value ${s.args[0]?.value ?? ''} not valid (must be in range [-1-255]), ignoring`);
    else d.maxHops = n;
  }),
  acted('weight', 'bfd_vrrp_weight_handler', '0', 'default weight [reverse] of track_bfd, -253..253', (ctx, s, d) => {
    const n = unsigned(ctx, s, -253, 253);
    if (n === null) ctx.warn(s.args[0] ?? s.keyword, `Configuration error: BFD instance ${d.name} weight value ${s.args[0]?.value ?? ''} not valid (must be in range [-253-253]), ignoring`);
    else d.weight = n;
    if (s.args[1]) {
      if (s.args[1].value === 'reverse') d.weightReverse = true;
      else ctx.warn(s.args[1], `Configuration error: BFD instance ${d.name} unknown weight option ${s.args[1].value}`);
    }
  }),
  acted('vrrp', 'bfd_event_vrrp_handler', 'both, when neither is given', 'events go to the VRRP instances (track_bfd)', (_c, _s, d) => { d.only.vrrp = true; }),
  acted('checker', 'bfd_event_checker_handler', 'both, when neither is given', 'events go to the checkers (BFD_CHECK)', (_c, _s, d) => { d.only.checker = true; }),
]);
