/**
 * `halo_announce` blocks → Announce, and the checks that need the whole model: one block per
 * name and per address, and a virtual_server on the address (its quorum is the condition).
 */
import type { BuildContext } from './context';
import { HALO_ANNOUNCE, type AnnounceDraft } from './keywords/announce';
import { applySection } from './keywords/apply';
import type { Announce, VirtualServer } from './model';
import type { Statement } from './parse';

export function buildAnnounce(ctx: BuildContext, s: Statement): Announce | null {
  const name = ctx.arg(s, 0, 'a name');
  const block = ctx.needBlock(s);
  if (!name || !block) return null;
  const d: AnnounceDraft = {
    name: name.value, address: null, interface: 'lo', drainDelayMs: 5000, drainTimeoutMs: 30_000, vtyshSocket: null, vtyshPathspace: null,
    routingDaemon: 'auto', birdcSocket: null, router: null,
  };
  applySection(ctx, block, HALO_ANNOUNCE, d, `halo_announce ${d.name}`);
  if (!d.address) {
    ctx.error(s.keyword, `halo_announce ${d.name}: no address`);
    return null;
  }
  if (d.router && !d.router.daemon) {
    ctx.error(s.keyword, `halo_announce ${d.name}: router_socket/router_netns without router_daemon (frr or bird)`);
    return null;
  }
  const { address, router, ...rest } = d;
  return {
    ...rest, address: address.address, family: address.family, prefixLen: address.family === 4 ? 32 : 128,
    router: router ? { daemon: router.daemon!, socket: router.socket ?? null, netns: router.netns ?? null } : null,
    location: ctx.loc(s.keyword),
  };
}

/** The virtual servers whose quorum an announcement waits for: those on its address. */
export function announcedServers(a: Pick<Announce, 'address'>, virtualServers: readonly VirtualServer[]): VirtualServer[] {
  return virtualServers.filter((vs) => vs.key.kind === 'addr' && vs.key.address === a.address);
}

/** Names and addresses once each; an address with no virtual_server has nothing to announce. */
export function checkAnnounces(announces: Announce[], virtualServers: readonly VirtualServer[]): { kept: Announce[]; errors: { message: string; location: Announce['location'] }[] } {
  const errors: { message: string; location: Announce['location'] }[] = [];
  const names = new Set<string>();
  const addresses = new Set<string>();
  const kept: Announce[] = [];
  for (const a of announces) {
    if (names.has(a.name)) errors.push({ message: `duplicate halo_announce '${a.name}'`, location: a.location });
    else if (addresses.has(a.address)) errors.push({ message: `halo_announce ${a.name}: ${a.address} is already announced by another block`, location: a.location });
    else if (announcedServers(a, virtualServers).length === 0) errors.push({ message: `halo_announce ${a.name}: no virtual_server on ${a.address}, so no quorum to announce it on`, location: a.location });
    else kept.push(a);
    names.add(a.name);
    addresses.add(a.address);
  }
  return { kept, errors };
}
