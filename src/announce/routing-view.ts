/**
 * Which routing daemon `halo status` asks about a halo_announce VIP, and what it asks: pure
 * choices over the block's settings and the control sockets present (the CLI does the I/O).
 *
 * The coupling does not depend on the daemon (halo only keeps the address on the host; FRR's
 * `network` + import-check and BIRD's filtered `direct` protocol both follow it), so the choice
 * only says whose view is shown: the configured one, or — `auto` — the one whose control socket
 * exists here.
 */
import { join } from 'node:path';
import type { Announce } from '../config/model';
import { vtyshArgv } from './bgp-status';
import { birdcArgv, birdRouteCommand } from './bird-status';

export type RoutingDaemon = 'frr' | 'bird';

/** FRR's default vty directory (vtysh's -N NAME adds /NAME) and BIRD's default control socket. */
export const FRR_VTY_DIR = '/var/run/frr';
export const BIRD_CTL = '/run/bird/bird.ctl';

type DaemonSettings = Pick<Announce, 'routingDaemon' | 'birdcSocket' | 'vtyshSocket' | 'vtyshPathspace'>;

export function frrVtyOf(a: Pick<Announce, 'vtyshSocket' | 'vtyshPathspace'>): string {
  return join(a.vtyshSocket ?? (a.vtyshPathspace ? join(FRR_VTY_DIR, a.vtyshPathspace) : FRR_VTY_DIR), 'bgpd.vty');
}

export function birdCtlOf(a: Pick<Announce, 'birdcSocket'>): string {
  return a.birdcSocket ?? BIRD_CTL;
}

/**
 * routing_daemon frr|bird is taken as said; auto picks the daemon whose control socket exists
 * (bgpd's vty, BIRD's control socket), and says so when neither or both do.
 */
export function chooseRoutingDaemon(a: DaemonSettings, exists: (path: string) => boolean): { daemon: RoutingDaemon; auto: boolean } | { error: string } {
  if (a.routingDaemon !== 'auto') return { daemon: a.routingDaemon, auto: false };
  const frr = exists(frrVtyOf(a));
  const bird = exists(birdCtlOf(a));
  if (frr && !bird) return { daemon: 'frr', auto: true };
  if (bird && !frr) return { daemon: 'bird', auto: true };
  if (!frr) return { error: `no routing daemon found (neither ${frrVtyOf(a)} nor ${birdCtlOf(a)}); set routing_daemon` };
  return { error: `both FRR (${frrVtyOf(a)}) and BIRD (${birdCtlOf(a)}) answer here; set routing_daemon frr or bird` };
}

/** A command to run: the program and its arguments, through `ip netns exec` when in another namespace. */
export interface Query {
  file: string;
  args: string[];
}

function inNetns(netns: string | null, file: string, args: string[]): Query {
  return netns ? { file: 'ip', args: ['netns', 'exec', netns, file, ...args] } : { file, args };
}

/** The local daemon's route question for the VIP (BIRD's per-session export questions follow from its protocols). */
export function localRouteQuery(daemon: RoutingDaemon, a: Pick<Announce, 'address' | 'family' | 'birdcSocket' | 'vtyshSocket' | 'vtyshPathspace'>): Query {
  return daemon === 'frr' ? { file: 'vtysh', args: vtyshArgv(a.address, a.family, a) } : { file: 'birdc', args: birdcArgv(a.birdcSocket, birdRouteCommand(a.address, a.family)) };
}

/** The upstream router's route question for the VIP, where router_daemon/router_socket/router_netns say it answers. */
export function routerRouteQuery(a: Pick<Announce, 'address' | 'family' | 'router'>): Query | null {
  const r = a.router;
  if (!r) return null;
  if (r.daemon === 'frr') return inNetns(r.netns, 'vtysh', vtyshArgv(a.address, a.family, { vtyshSocket: r.socket, vtyshPathspace: null }));
  return inNetns(r.netns, 'birdc', birdcArgv(r.socket, birdRouteCommand(a.address, a.family)));
}

/** birdc questions beside the route: the protocols (and each BGP protocol's export), in the same place. */
export function birdQuery(socket: string | null, netns: string | null, command: string): Query {
  return inNetns(netns, 'birdc', birdcArgv(socket, command));
}

/** The router's paths as this director sees them: whether one of them is through this host. */
export function routerHasUs(usedFrom: readonly string[], localAddresses: readonly string[]): boolean {
  return usedFrom.some((a) => localAddresses.includes(a));
}
