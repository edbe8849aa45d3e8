/**
 * `halo_announce NAME { … }`: halo's own block (no keepalived keyword, so a keepalived.conf stays
 * a keepalived.conf; keepalived itself skips the unknown block with a warning). It names one VIP
 * a director announces to its upstream router through the routing daemon, and how it drains.
 */
import type { BuildContext } from '../context';
import type { Statement } from '../parse';
import { acted, section, type KeywordSpec } from './types';

export interface AnnounceDraft {
  name: string;
  address: { address: string; family: 4 | 6 } | null;
  interface: string;
  drainDelayMs: number;
  drainTimeoutMs: number;
  vtyshSocket: string | null;
  vtyshPathspace: string | null;
}

type A = AnnounceDraft;
const HALO = '(halo only)';

function setMs(ctx: BuildContext, s: Statement, minSec: number, maxSec: number, set: (ms: number) => void): void {
  const ms = ctx.timerMs(s, minSec, maxSec);
  if (ms !== null) set(ms);
}

const K: KeywordSpec<A>[] = [
  acted('address', HALO, '', 'the VIP (one address, announced as a /32 or /128); required', (ctx, s, a) => {
    const p = ctx.address(s);
    if (p) a.address = p;
    ctx.noMoreArgs(s, 1);
  }),
  acted('interface', HALO, 'lo', 'where halo adds the VIP while it is announced', (ctx, s, a) => { a.interface = ctx.str(s) ?? a.interface; }),
  acted('drain_delay', HALO, '5', 'seconds between the withdrawal and anything else at stop, for the router to converge (0-300)', (ctx, s, a) => setMs(ctx, s, 0, 300, (ms) => { a.drainDelayMs = ms; })),
  acted('drain_timeout', HALO, '30', 'seconds after the withdrawal at most waited for the VIP\'s IPVS connections to end (0-3600)', (ctx, s, a) => setMs(ctx, s, 0, 3600, (ms) => { a.drainTimeoutMs = ms; })),
  acted('vtysh_socket', HALO, '', "vtysh --vty_socket DIR for `halo status` (the routing daemon's vty directory)", (ctx, s, a) => { a.vtyshSocket = ctx.str(s); }),
  acted('vtysh_pathspace', HALO, '', 'vtysh -N NAME for `halo status`', (ctx, s, a) => { a.vtyshPathspace = ctx.str(s); }),
];

export const HALO_ANNOUNCE = section<A>('halo_announce', K);
