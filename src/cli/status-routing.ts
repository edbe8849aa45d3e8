/**
 * `halo status`'s questions to the routing daemons about each halo_announce VIP: the local one
 * (FRR's bgpd through vtysh, or BIRD through birdc; configured or auto-detected) and, when the
 * block says where it answers, the upstream router's. Every question is bounded at 5 s; an
 * error is shown in the status, never thrown.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { parseBgpPrefix, type BgpPrefixView } from '../announce/bgp-status';
import { birdExportCommand, birdPrefixView, parseBirdProtocols, parseBirdRoute } from '../announce/bird-status';
import { birdQuery, chooseRoutingDaemon, localRouteQuery, routerHasUs, routerRouteQuery, type Query } from '../announce/routing-view';
import type { AnnounceStatus } from '../daemon/announcer';

const TIMEOUT_MS = 5000;

/** The answer's text; birdc exits 1 on an error reply ("Network not found"), which its reader judges. */
function run(q: Query): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(q.file, q.args, { timeout: TIMEOUT_MS }, (err, stdout, stderr) => {
      const birdc = q.file === 'birdc' || q.args.includes('birdc');
      if (!err || (birdc && /^BIRD [\d.]+ ready\./.test(stdout))) return resolve(stdout);
      const name = q.file === 'ip' ? q.args[3] : q.file;
      reject(new Error(`${name}: ${(stderr || err.message).trim().split('\n')[0]}`));
    });
  });
}

/** BIRD's view: the route, the protocols, and which Established BGP protocols export the route. */
async function birdView(socket: string | null, netns: string | null, a: AnnounceStatus, route: string): Promise<BgpPrefixView> {
  const family = a.address.includes(':') ? 6 : 4;
  const protocols = parseBirdProtocols(await run(birdQuery(socket, netns, 'show protocols all')));
  const exportedTo: string[] = [];
  for (const p of protocols.filter((x) => x.proto === 'BGP' && x.info.startsWith('Established'))) {
    if (parseBirdRoute(await run(birdQuery(socket, netns, birdExportCommand(a.address, family, p.name)))).length > 0) exportedTo.push(p.name);
  }
  return birdPrefixView(parseBirdRoute(route), protocols, exportedTo);
}

async function localView(a: AnnounceStatus): Promise<void> {
  const c = chooseRoutingDaemon(a, existsSync);
  if ('error' in c) {
    a.bgp = { error: c.error };
    return;
  }
  a.bgpDaemon = c.daemon;
  const family = a.address.includes(':') ? 6 : 4;
  try {
    const text = await run(localRouteQuery(c.daemon, { ...a, family }));
    a.bgp = c.daemon === 'frr' ? parseBgpPrefix(text) : await birdView(a.birdcSocket, null, a, text);
  } catch (e) {
    a.bgp = { error: (e as Error).message };
  }
}

function localAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((l) => (l ?? []).map((x) => x.address));
}

async function routerView(a: AnnounceStatus): Promise<void> {
  const family = a.address.includes(':') ? 6 : 4;
  const q = routerRouteQuery({ ...a, family });
  if (!q || !a.router) return;
  try {
    const text = await run(q);
    const v = a.router.daemon === 'frr' ? parseBgpPrefix(text) : await birdView(a.router.socket, a.router.netns, a, text);
    a.routerBgp = { ...v, daemon: a.router.daemon, viaUs: routerHasUs(v.usedFrom, localAddresses()) };
  } catch (e) {
    a.routerBgp = { error: (e as Error).message };
  }
}

export async function askRoutingDaemons(announces: AnnounceStatus[]): Promise<void> {
  for (const a of announces) {
    await localView(a);
    await routerView(a);
  }
}
