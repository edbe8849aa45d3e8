/**
 * The BIRD 2 configuration halo ships (src/announce/bird-config.ts), on the real daemon in
 * namespaces: three directors running BIRD on one segment with an upstream router running BIRD
 * (merge paths) or FRR (maximum-paths, multipath-relax). A director's VIP on lo is what it
 * announces (the direct protocol, filtered to the VIPs); the router spreads the VIP over every
 * director that has it, drops one that removes it (halo's quorum loss / stop) or whose BIRD
 * stops, and — BFD 300 ms x 3 — one whose link dies, long before the BGP hold timer.
 * `halo status`'s BIRD reader reads the live answers on both sides.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { directorBirdConf, routerBirdConf } from '../../src/announce/bird-config';
import { routerFrrConf } from '../../src/announce/frr-config';
import type { BgpPrefixView } from '../../src/announce/bgp-status';
import { BirdNode } from '../../src/lab/bird';
import { askRoutingDaemons } from '../../src/cli/status-routing';
import type { AnnounceStatus } from '../../src/daemon/announcer';
import { FrrNode, frrDaemons } from '../support/frr';
import { Topology, waitFor } from '../support/netns';
import { describeNeeding, root, tool } from '../support/prerequisites';

jest.setTimeout(120_000);

const VIP = '192.0.2.80';
const DIRECTORS = [1, 2, 3].map((i) => ({ host: `d${i}`, address: `10.78.0.1${i}`, asn: 65000 + i }));
const ROUTER = { hostname: 'r', asn: 65000, routerId: '10.78.0.1', maximumPaths: 4, peers: DIRECTORS.map((x) => ({ address: x.address, asn: x.asn })), vipRanges: [{ prefix: '192.0.2.0/24', family: 4 as const }] };

const d = describeNeeding(root, tool('ip', 'iproute2'), tool('bird', 'bird2'), tool('birdc', 'bird2'), frrDaemons);

describe.each(['bird', 'frr'] as const)('BIRD directors, %s on the router (netns)', (routerKind) => {
  let topo: Topology;
  let tmp: string;
  let router: { prefix(a: string): BgpPrefixView; stop(): void; logs(): string; bfdUp(): number; bfdDown(peer: string): boolean; socket: string };
  const nodes = new Map<string, BirdNode>();

  d('', () => {
    beforeAll(async () => {
      tmp = mkdtempSync(join(tmpdir(), 'halo-ecmp-bird-'));
      chmodSync(tmp, 0o755); // FRR's daemons run as frr
      topo = new Topology(`ecb${routerKind[0]}-`).build(['core'], [
        { name: 'r', links: [['core', '10.78.0.1/24']] },
        ...DIRECTORS.map((x) => ({ name: x.host, links: [['core', `${x.address}/24`]] as Array<[string, string]> })),
      ]);
      if (routerKind === 'bird') {
        const b = new BirdNode(topo, 'r', tmp);
        b.start(routerBirdConf(ROUTER, { logFile: b.logFile }));
        router = {
          prefix: (a) => b.prefix(a), stop: () => b.stop(), logs: () => b.logs(), socket: b.socket,
          bfdUp: () => (b.birdc('show bfd sessions').match(/\bUp\b/g) ?? []).length,
          bfdDown: (peer) => new RegExp(`${peer.replace(/\./g, '\\.')}\\s+\\S+\\s+Down`).test(b.birdc('show bfd sessions')),
        };
      } else {
        const f = new FrrNode(topo, 'r', tmp);
        f.start(routerFrrConf(ROUTER));
        router = {
          prefix: (a) => f.prefix(a), stop: () => f.stop(), logs: () => f.logs(), socket: f.dir,
          bfdUp: () => (f.vtysh('show bfd peers brief').match(/\bup\b/g) ?? []).length,
          bfdDown: (peer) => new RegExp(`${peer.replace(/\./g, '\\.')}\\s+down`).test(f.vtysh('show bfd peers brief')),
        };
      }
      for (const x of DIRECTORS) {
        const n = new BirdNode(topo, x.host, tmp);
        n.start(directorBirdConf({ hostname: x.host, asn: x.asn, routerId: x.address, peers: [{ address: '10.78.0.1', asn: 65000 }], vips: [{ address: VIP, family: 4 }] }, { logFile: n.logFile }));
        nodes.set(x.host, n);
      }
      const up = await waitFor(() => router.bfdUp() === 3, 60_000, 500);
      if (!up) throw new Error(`BFD sessions never came up:\n${router.logs()}\n${[...nodes.values()].map((n) => n.logs()).join('\n')}`);
    });

    afterAll(() => {
      router?.stop();
      for (const n of nodes.values()) n.stop();
      topo?.destroy();
      rmSync(tmp, { recursive: true, force: true });
    });

    const used = () => router.prefix(VIP).usedFrom;
    const kernelNexthops = () => (topo.exec('r', ['ip', 'route', 'show', `${VIP}/32`]).match(/via (10\.78\.0\.\d+)/g) ?? []).map((s) => s.slice(4)).sort();

    it('nothing is announced while no director has the VIP on lo', async () => {
      // the sessions are up (BFD follows BGP here): still no route anywhere
      expect(await waitFor(() => nodes.get('d1')!.birdc('show protocols').includes('Established'), 30_000, 200)).toBe(true);
      expect(router.prefix(VIP).present).toBe(false);
      expect(nodes.get('d1')!.prefix(VIP)).toEqual({ present: false, originated: false, advertisedTo: [], usedFrom: [] });
    });

    it('the VIP on lo of every director: the router spreads it over all three (kernel ECMP route)', async () => {
      for (const x of DIRECTORS) topo.exec(x.host, ['ip', 'addr', 'add', `${VIP}/32`, 'dev', 'lo']);
      expect(await waitFor(() => used().length === 3, 30_000, 200)).toBe(true);
      expect(used()).toEqual(DIRECTORS.map((x) => x.address));
      expect(await waitFor(() => kernelNexthops().length === 3, 10_000, 100)).toBe(true);
      expect(nodes.get('d1')!.prefix(VIP)).toEqual({ present: true, originated: true, advertisedTo: ['10.78.0.1'], usedFrom: [] });
      // only the VIP leaves a director: lo's 127.0.0.0/8 and the segment stay out
      expect(topo.exec('r', ['ip', 'route', 'show', 'proto', routerKind === 'bird' ? 'bird' : 'bgp'])).not.toMatch(/127\.|10\.78\.0\.0/);
    });

    it("halo status's questions (auto-detected local BIRD, the router in its namespace) read the live daemons", async () => {
      const st: AnnounceStatus = {
        name: 'WEB', address: VIP, interface: 'lo', announced: true, reason: 'quorum up', draining: false, vtyshSocket: null, vtyshPathspace: null,
        routingDaemon: 'auto', birdcSocket: nodes.get('d1')!.socket, router: { daemon: routerKind, socket: router.socket, netns: topo.ns('r') },
      };
      await askRoutingDaemons([st]);
      expect(st.bgpDaemon).toBe('bird');
      expect(st.bgp).toEqual({ present: true, originated: true, advertisedTo: ['10.78.0.1'], usedFrom: [] });
      // this test process is in none of the directors' namespaces: the router's paths are not "through us"
      expect(st.routerBgp).toMatchObject({ daemon: routerKind, usedFrom: DIRECTORS.map((x) => x.address), viaUs: false });
    });

    it("the address removed from a director (halo's quorum loss or stop): withdrawn, the others keep the route", async () => {
      topo.exec('d2', ['ip', 'addr', 'del', `${VIP}/32`, 'dev', 'lo']);
      expect(await waitFor(() => used().length === 2, 15_000, 100)).toBe(true);
      expect(used()).toEqual(['10.78.0.11', '10.78.0.13']);
      expect(await waitFor(() => !kernelNexthops().includes('10.78.0.12'), 10_000, 100)).toBe(true);
      expect(nodes.get('d2')!.prefix(VIP)).toMatchObject({ originated: false, advertisedTo: [] });
      topo.exec('d2', ['ip', 'addr', 'add', `${VIP}/32`, 'dev', 'lo']);
      expect(await waitFor(() => used().length === 3, 15_000, 100)).toBe(true);
    });

    it("a director's BIRD stopped (SIGTERM): its path goes at once (BGP Cease), the others stay", async () => {
      nodes.get('d1')!.stop('SIGTERM');
      expect(await waitFor(() => !kernelNexthops().includes('10.78.0.11'), 9_000, 50)).toBe(true);
      expect(used()).toEqual(['10.78.0.12', '10.78.0.13']);
    });

    it("a dead director's link: BFD takes its path out of the kernel route, within the BGP hold time", async () => {
      const t0 = Date.now();
      topo.exec('d3', ['ip', 'link', 'set', 'eth0', 'down']);
      expect(await waitFor(() => !kernelNexthops().includes('10.78.0.13'), 9_000, 50)).toBe(true);
      const ms = Date.now() - t0;
      // BFD (about 0.9 s), not the 9 s hold timer; measured here, the figure goes to the report
      process.stderr.write(`BFD withdrawal of a dead BIRD director (${routerKind} router): ${ms} ms (router kernel route)\n`);
      expect(await waitFor(() => router.bfdDown('10.78.0.13'), 5_000, 100)).toBe(true);
      expect(kernelNexthops()).toEqual(['10.78.0.12']);
    });
  });
});
