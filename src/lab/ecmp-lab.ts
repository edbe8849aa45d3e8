/**
 * The ECMP topology (`halo lab drill --topology ecmp`, test/announce/ecmp.vm.test.ts): a client
 * network, an upstream router running FRR or BIRD 2 with ECMP and BFD, N directors each running
 * `halo run` (halo_announce, mh + mh-port, DR) beside their own FRR or BIRD (the same daemon
 * everywhere, `routing`), and two DR real servers (VIP on lo, arp_ignore/arp_announce), all in
 * namespaces named with the caller's prefix. Each director's halo_announce block says which
 * daemon it reads and where the router's daemon answers, so `halo status` shows both views.
 *
 *   client c 10.78.0.2 ── cl ── 10.78.0.1 router r 10.77.0.1 ── core ── d1..dN 10.77.0.11..
 *                                                                 └─── s1, s2 10.77.0.21, .22
 */
import { ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { directorFrrConf, routerFrrConf, type BfdProfile, type DirectorBgp, type RouterBgp } from '../announce/frr-config';
import { directorBirdConf, routerBirdConf } from '../announce/bird-config';
import type { BgpPrefixView } from '../announce/bgp-status';
import { BirdNode } from './bird';
import { clientFlows } from './ecmp-phase';
import { FrrNode } from './frr';
import { Topology } from './netns';
import { alive, descendants } from './procs';

export const ECMP_VIP = '192.0.2.80';
export const ECMP_ROUTER = '10.77.0.1';
export const ECMP_CLIENT = '10.78.0.2';
export const ECMP_SERVERS = [{ host: 's1', address: '10.77.0.21' }, { host: 's2', address: '10.77.0.22' }];
// the built CLI, whether this module runs from dist/lab or (under ts-jest) from src/lab
const HALO = resolve(__dirname, '..', '..', 'dist', 'cli', 'main.js');

export interface EcmpDirector {
  host: string;
  address: string;
  asn: number;
}

export interface EcmpLabOptions {
  prefix: string;
  dir: string;
  directors: number;
  drainDelaySec: number;
  drainTimeoutSec: number;
  /** BFD timers (default the shipped 300 ms x 3; a test on a starved emulated VM may relax them so sessions do not flap). */
  bfd?: BfdProfile;
  /** The routing daemon on the router and the directors (default frr). */
  routing?: RoutingKind;
}

export type RoutingKind = 'frr' | 'bird';

/** One routing daemon in a namespace, FRR or BIRD: started from its generated config, read, stopped by pid. */
export interface RoutingNode {
  readonly kind: RoutingKind;
  /** FRR: the vty directory (vtysh --vty_socket); BIRD: the control socket (birdc -s). */
  readonly socket: string;
  prefix(address: string): BgpPrefixView;
  stop(sig?: NodeJS.Signals): void;
  logs(): string;
}

function routingNode(kind: RoutingKind, topo: Topology, host: string, dir: string, role: 'router', conf: RouterBgp): RoutingNode;
function routingNode(kind: RoutingKind, topo: Topology, host: string, dir: string, role: 'director', conf: DirectorBgp): RoutingNode;
function routingNode(kind: RoutingKind, topo: Topology, host: string, dir: string, role: 'router' | 'director', conf: RouterBgp | DirectorBgp): RoutingNode {
  if (kind === 'frr') {
    const n = new FrrNode(topo, host, dir);
    n.start(role === 'router' ? routerFrrConf(conf as RouterBgp) : directorFrrConf(conf as DirectorBgp));
    return { kind, socket: n.dir, prefix: (a) => n.prefix(a), stop: (s) => n.stop(s), logs: () => n.logs() };
  }
  const n = new BirdNode(topo, host, dir);
  n.start(role === 'router' ? routerBirdConf(conf as RouterBgp, { logFile: n.logFile }) : directorBirdConf(conf as DirectorBgp, { logFile: n.logFile }));
  return { kind, socket: n.socket, prefix: (a) => n.prefix(a), stop: (s) => n.stop(s), logs: () => n.logs() };
}

export class EcmpLab {
  readonly topo: Topology;
  readonly directors: EcmpDirector[];
  router!: RoutingNode;
  /** Each director's routing daemon. */
  readonly routing = new Map<string, RoutingNode>();
  private readonly halo = new Map<string, ChildProcess>();
  private readonly helpers: ChildProcess[] = [];
  private runs = 0;
  /** Client flows seen in each director's connection table (ipvsConns). */
  private readonly flowsSeen = new Map<string, Set<string>>();

  constructor(readonly o: EcmpLabOptions) {
    this.topo = new Topology(o.prefix);
    this.directors = Array.from({ length: o.directors }, (_, i) => ({ host: `d${i + 1}`, address: `10.77.0.${11 + i}`, asn: 65001 + i }));
  }

  get kind(): RoutingKind {
    return this.o.routing ?? 'frr';
  }

  build(): void {
    mkdirSync(this.o.dir, { recursive: true });
    chmodSync(this.o.dir, 0o755); // FRR runs as frr
    const t = this.topo.build(['core', 'cl'], [
      { name: 'r', links: [['core', `${ECMP_ROUTER}/24`], ['cl', '10.78.0.1/24']] },
      ...this.directors.map((x) => ({ name: x.host, links: [['core', `${x.address}/24`]] as Array<[string, string]> })),
      ...ECMP_SERVERS.map((x) => ({ name: x.host, links: [['core', `${x.address}/24`]] as Array<[string, string]> })),
      { name: 'c', links: [['cl', `${ECMP_CLIENT}/24`]] },
    ]);
    // the router forwards, hashes flows on L4 (one client, many ports), no reverse-path filter (DR returns bypass the directors)
    for (const s of ['net.ipv4.ip_forward=1', 'net.ipv4.fib_multipath_hash_policy=1', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0']) t.exec('r', ['sysctl', '-qw', s]);
    t.exec('c', ['ip', 'route', 'add', 'default', 'via', '10.78.0.1']);
    for (const s of ECMP_SERVERS) {
      // DR real server: the VIP on lo, never answered for or announced by ARP
      t.exec(s.host, ['ip', 'addr', 'add', `${ECMP_VIP}/32`, 'dev', 'lo']);
      for (const k of ['net.ipv4.conf.all.arp_ignore=1', 'net.ipv4.conf.all.arp_announce=2', 'net.ipv4.conf.eth0.arp_ignore=1', 'net.ipv4.conf.eth0.arp_announce=2']) t.exec(s.host, ['sysctl', '-qw', k]);
      t.exec(s.host, ['ip', 'route', 'add', 'default', 'via', ECMP_ROUTER]);
      this.helpers.push(this.spawnLogged(s.host, [process.execPath, '-e', `require('http').createServer((q, r) => r.end('${s.host}\\n')).listen(80)`], `${s.host}-http.log`));
    }
    this.router = routingNode(this.kind, t, 'r', this.o.dir, 'router', {
      hostname: 'r', asn: 65000, routerId: ECMP_ROUTER, maximumPaths: Math.max(4, this.directors.length),
      peers: this.directors.map((x) => ({ address: x.address, asn: x.asn })), vipRanges: [{ prefix: '192.0.2.0/24', family: 4 }], bfd: this.o.bfd,
    });
    for (const x of this.directors) {
      // sloppy TCP: a flow the router moves here mid-connection is picked up (mh gives it the same real server)
      t.exec(x.host, ['modprobe', 'ip_vs_mh'], { allowFail: true });
      t.exec(x.host, ['ipvsadm', '-Ln']);
      for (const k of ['net.ipv4.vs.sloppy_tcp=1', 'net.ipv4.vs.sloppy_sctp=1', 'net.ipv4.conf.all.arp_ignore=1', 'net.ipv4.conf.all.arp_announce=2']) t.exec(x.host, ['sysctl', '-qw', k]);
      this.routing.set(x.host, routingNode(this.kind, t, x.host, this.o.dir, 'director', {
        hostname: x.host, asn: x.asn, routerId: x.address, peers: [{ address: ECMP_ROUTER, asn: 65000 }], vips: [{ address: ECMP_VIP, family: 4 }], bfd: this.o.bfd,
      }));
    }
  }

  private spawnLogged(host: string, argv: string[], log: string): ChildProcess {
    const fd = openSync(join(this.o.dir, log), 'a');
    const p = this.topo.spawn(host, argv, { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    return p;
  }

  haloConf(host: string): string {
    const rs = (a: string) => [`    real_server ${a} 80 {`, '        weight 1', '        TCP_CHECK {', '            connect_timeout 2', '        }', '    }'];
    return [
      'global_defs {', `    router_id ${host}`, '}',
      'halo_announce WEB {', `    address ${ECMP_VIP}`, `    drain_delay ${this.o.drainDelaySec}`, `    drain_timeout ${this.o.drainTimeoutSec}`,
      `    routing_daemon ${this.kind}`, this.kind === 'frr' ? `    vtysh_socket ${this.routing.get(host)!.socket}` : `    birdc_socket ${this.routing.get(host)!.socket}`,
      // the lab's router answers in its namespace: halo status shows its view beside the local one
      `    router_daemon ${this.kind}`, `    router_socket ${this.router.socket}`, `    router_netns ${this.topo.ns('r')}`, '}',
      `virtual_server ${ECMP_VIP} 80 {`, '    delay_loop 2', '    lb_algo mh', '    mh-port', '    lb_kind DR', '    protocol TCP',
      ...ECMP_SERVERS.flatMap((s) => rs(s.address)), '}', '',
    ].join('\n');
  }

  confFile(host: string): string {
    return join(this.o.dir, `${host}.conf`);
  }

  controlSocket(host: string): string {
    return join(this.o.dir, `${host}.sock`);
  }

  logFile(host: string): string {
    return join(this.o.dir, `${host}-halo.log`);
  }

  startHalo(host: string): ChildProcess {
    writeFileSync(this.confFile(host), this.haloConf(host));
    this.runs++;
    const p = this.spawnLogged(host, [process.execPath, HALO, 'run', '-C', '-f', this.confFile(host), '--pid-file', join(this.o.dir, `${host}-${this.runs}.pid`),
      '--control-socket', this.controlSocket(host)], `${host}-halo.log`);
    this.halo.set(host, p);
    return p;
  }

  /** The supervisor first, then its worker (and anything they started). */
  haloPids(host: string): number[] {
    const p = this.halo.get(host);
    return p?.pid && alive(p.pid) ? [p.pid, ...descendants(p.pid)] : [];
  }

  signalHalo(host: string, sig: NodeJS.Signals): void {
    for (const pid of this.haloPids(host).reverse()) {
      try {
        process.kill(pid, sig);
      } catch {
        /* gone */
      }
    }
  }

  haloExited(host: string): Promise<number | null> {
    const p = this.halo.get(host);
    if (!p || p.exitCode !== null || p.signalCode !== null) return Promise.resolve(p?.exitCode ?? null);
    return new Promise((r) => p.once('exit', (code) => r(code)));
  }

  haloLog(host: string): string {
    return existsSync(this.logFile(host)) ? readFileSync(this.logFile(host), 'utf8') : '';
  }

  /**
   * `halo cleanup -f CONF` in the director's namespace, as systemd's ExecStopPost runs it after a
   * crash, started without blocking the drill (its convergence is polled meanwhile): resolves
   * to how long it took, ms (null: it failed, its output in the director's cleanup log).
   */
  cleanupTimed(host: string): Promise<number | null> {
    const t0 = Date.now();
    const p = this.spawnLogged(host, [process.execPath, HALO, 'cleanup', '-f', this.confFile(host)], `${host}-cleanup.log`);
    return new Promise((r) => p.once('exit', (code) => r(code === 0 ? Date.now() - t0 : null)));
  }

  routerPaths(): string[] {
    return this.router.prefix(ECMP_VIP).usedFrom;
  }

  /** The router kernel's next hops for the VIP (what forwarding really uses). */
  kernelNexthops(): string[] {
    const out = this.topo.exec('r', ['ip', 'route', 'show', `${ECMP_VIP}/32`], { allowFail: true });
    return (out.match(/via (10\.77\.0\.\d+)/g) ?? []).map((s) => s.slice(4)).sort();
  }

  /** Connections IPVS ever scheduled on a director for the VIP (ipvsadm --stats Conns); null when the service is gone. */
  /**
   * How many distinct client flows `host`'s IPVS has carried to the VIP as far as seen so far
   * (entries of `ipvsadm -Lnc`, collected at every reading; they outlive their flow by minutes),
   * or null when the VIP's service is not in its table. Not the `--stats` Conns counter: on this
   * kernel that is summed by the 2 s estimator, so a reading right after a burst lags behind it
   * (seen: 0 new flows on a director holding 13 fresh entries).
   */
  ipvsConns(host: string): number | null {
    const table = this.topo.exec(host, ['ipvsadm', '-Ln'], { allowFail: true });
    if (!new RegExp(`^TCP\\s+${ECMP_VIP.replace(/\./g, '\\.')}:80\\s`, 'm').test(table)) return null;
    const seen = this.flowsSeen.get(host) ?? new Set<string>();
    this.flowsSeen.set(host, seen);
    for (const f of clientFlows(this.connections(host), ECMP_VIP)) seen.add(f);
    return seen.size;
  }

  allConns(): Record<string, number | null> {
    return Object.fromEntries(this.directors.map((x) => [x.host, this.ipvsConns(x.host)]));
  }

  connections(host: string): string {
    return this.topo.exec(host, ['ipvsadm', '-Lnc'], { allowFail: true });
  }

  /** The client namespace's SYN retransmissions so far (nstat TcpExtTCPSynRetrans, absolute, history untouched); null if unreadable. */
  clientSynRetrans(): number | null {
    const out = this.topo.exec('c', ['nstat', '-asz', 'TcpExtTCPSynRetrans'], { allowFail: true });
    const m = /TcpExtTCPSynRetrans\s+(\d+)/.exec(out);
    return m ? Number(m[1]) : null;
  }

  setLinks(host: string, up: boolean): void {
    this.topo.exec(host, ['ip', 'link', 'set', 'eth0', up ? 'up' : 'down']);
  }

  async destroy(): Promise<void> {
    for (const x of this.directors) this.signalHalo(x.host, 'SIGTERM');
    await Promise.race([Promise.all(this.directors.map((x) => this.haloExited(x.host))), new Promise((r) => setTimeout(r, 5000).unref())]);
    for (const x of this.directors) this.signalHalo(x.host, 'SIGKILL');
    for (const p of this.helpers) p.kill('SIGKILL');
    this.router?.stop();
    for (const n of this.routing.values()) n.stop();
    this.topo.destroy();
  }
}
