/**
 * `halo_announce NAME { … }`: halo's own block (no keepalived keyword, so a keepalived.conf stays
 * a keepalived.conf; keepalived itself skips the unknown block with a warning). It names one VIP
 * a director announces to its upstream router through the routing daemon, and how it drains.
 */
import type { BuildContext } from '../context';
import type { Statement } from '../parse';
import { acted, section, type KeywordSpec } from './types';
import type { RouterView, RoutingDaemonChoice } from '../model';

const DAEMONS = ['frr', 'bird'] as const;

/** frr | bird (and auto where allowed), or an error naming the word. */
function daemonWord(ctx: BuildContext, s: Statement, auto: boolean): 'frr' | 'bird' | 'auto' | null {
  const v = ctx.str(s);
  if (v === null) return null;
  if ((DAEMONS as readonly string[]).includes(v) || (auto && v === 'auto')) return v as 'frr' | 'bird' | 'auto';
  ctx.error(s.keyword, `${s.keyword.value}: '${v}' is not one of ${auto ? 'frr, bird, auto' : 'frr, bird'}`);
  return null;
}

export interface AnnounceDraft {
  name: string;
  address: { address: string; family: 4 | 6 } | null;
  interface: string;
  drainDelayMs: number;
  drainTimeoutMs: number;
  vtyshSocket: string | null;
  vtyshPathspace: string | null;
  routingDaemon: RoutingDaemonChoice;
  birdcSocket: string | null;
  router: Partial<RouterView> | null;
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
  acted('routing_daemon', HALO, 'auto', "frr | bird | auto: whose view `halo status` reads (auto: the daemon whose control socket exists); the coupling (the address on the host) is the same for both", (ctx, s, a) => {
    const v = daemonWord(ctx, s, true);
    if (v) a.routingDaemon = v;
  }),
  acted('birdc_socket', HALO, '/run/bird/bird.ctl', 'birdc -s PATH for `halo status` (BIRD 2\'s control socket)', (ctx, s, a) => { a.birdcSocket = ctx.str(s); }),
  acted('router_daemon', HALO, '', "frr | bird: the upstream router's daemon, asked by `halo status` for the router's view of the VIP (needs router_socket; its control socket must be reachable from here, e.g. the lab's router namespace)", (ctx, s, a) => {
    const v = daemonWord(ctx, s, false);
    if (v) a.router = { ...a.router, daemon: v as 'frr' | 'bird' };
  }),
  acted('router_socket', HALO, '', "the router daemon's control socket (BIRD) or vty directory (FRR), for router_daemon", (ctx, s, a) => {
    const v = ctx.str(s);
    if (v) a.router = { ...a.router, socket: v };
  }),
  acted('router_netns', HALO, '', "the network namespace the router daemon's control socket answers in (ip netns exec NAME), for router_daemon", (ctx, s, a) => {
    const v = ctx.str(s);
    if (v) a.router = { ...a.router, netns: v };
  }),
];

export const HALO_ANNOUNCE = section<A>('halo_announce', K);
