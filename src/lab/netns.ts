/**
 * Network-namespace topologies for `halo lab` and the netns test tier: a bridge namespace plus hosts, each host
 * joined to one or more bridges by a veth whose host end is named eth0, eth1, ... — the shape of
 * the keepalived baseline (../shared/reference/keepalived-2.2.7-baseline.md §1).
 *
 * Every name starts with the caller's prefix so parallel suites never collide, and `destroy()`
 * deletes exactly the namespaces it created (by name), whatever state the test left them in.
 */
import { execFileSync, spawn, ChildProcess, SpawnOptions } from 'node:child_process';

export interface HostSpec {
  name: string;
  /** One entry per bridge the host joins, in eth order: [bridge name, CIDR address]. */
  links: Array<[bridge: string, cidr: string]>;
}

export function sh(args: string[], opts: { allowFail?: boolean } = {}): string {
  try {
    return execFileSync(args[0], args.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    if (opts.allowFail) return '';
    const e = err as { stderr?: string; message: string };
    throw new Error(`${args.join(' ')}: ${e.stderr?.trim() || e.message}`);
  }
}

export class Topology {
  readonly namespaces: string[] = [];
  private readonly bridgeNs: string;

  /**
   * Namespace names are `prefix` + host. HALO_NETNS_TAG, when set, goes in front: runs of the
   * same test file from two checkouts at once then never share (nor destroy) each other's
   * namespaces, which build() would otherwise take for a crashed run's leftovers.
   */
  readonly prefix: string;

  constructor(prefix: string) {
    this.prefix = `${process.env.HALO_NETNS_TAG ?? ''}${prefix}`;
    this.bridgeNs = `${this.prefix}br`;
  }

  ns(host: string): string {
    return `${this.prefix}${host}`;
  }

  private addNs(name: string): void {
    sh(['ip', 'netns', 'add', name]);
    this.namespaces.push(name);
    sh(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
  }

  build(bridges: string[], hosts: HostSpec[]): this {
    this.destroy(hosts.map((h) => h.name)); // a previous crashed run may have left namespaces with our names
    this.addNs(this.bridgeNs);
    for (const br of bridges) {
      sh(['ip', '-n', this.bridgeNs, 'link', 'add', br, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0']);
      // let multicast through without IGMP snooping state getting in the way of VRRP
      sh(['ip', '-n', this.bridgeNs, 'link', 'set', br, 'type', 'bridge', 'mcast_snooping', '0']);
      sh(['ip', '-n', this.bridgeNs, 'link', 'set', br, 'up']);
    }
    hosts.forEach((h, hi) => {
      const ns = this.ns(h.name);
      this.addNs(ns);
      h.links.forEach(([br, cidr], li) => {
        const outer = `v${hi}${li}${br}`.slice(0, 15);
        sh(['ip', 'link', 'add', outer, 'netns', this.bridgeNs, 'type', 'veth', 'peer', 'name', `eth${li}`, 'netns', ns]);
        sh(['ip', '-n', this.bridgeNs, 'link', 'set', outer, 'master', br, 'up']);
        sh(['ip', '-n', ns, 'link', 'set', `eth${li}`, 'up']);
        sh(['ip', '-n', ns, 'addr', 'add', cidr, 'dev', `eth${li}`]);
      });
    });
    return this;
  }

  /** Run a command inside a host's namespace and return its stdout. */
  exec(host: string, args: string[], opts: { allowFail?: boolean } = {}): string {
    return sh(['ip', 'netns', 'exec', this.ns(host), ...args], opts);
  }

  spawn(host: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
    return spawn('ip', ['netns', 'exec', this.ns(host), ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  }

  /** IPv4 addresses on a host's interface, from `ip -j addr`. */
  addresses(host: string, dev: string): string[] {
    const out = this.exec(host, ['ip', '-j', '-4', 'addr', 'show', 'dev', dev], { allowFail: true });
    if (!out.trim()) return [];
    const parsed = JSON.parse(out) as Array<{ addr_info: Array<{ local: string }> }>;
    return parsed.flatMap((l) => l.addr_info.map((a) => a.local));
  }

  /**
   * Cut a host off a segment (or reconnect it) at the bridge, without touching the host: the
   * bridge port is set to the disabled state, so the host's link keeps its carrier (a veth
   * whose peer goes down loses carrier, which VRRP would rightly see as a fault).
   */
  setBridgePort(hostIndex: number, linkIndex: number, bridge: string, connected: boolean): void {
    const outer = `v${hostIndex}${linkIndex}${bridge}`.slice(0, 15);
    sh(['ip', 'netns', 'exec', this.bridgeNs, 'bridge', 'link', 'set', 'dev', outer, 'state', connected ? '3' : '0']);
  }

  /**
   * Delete, by exact name, the namespaces this topology created, its bridge namespace and those of
   * `hosts` (a crashed run's, or the lab's from another process). Never a namespace that only
   * shares the prefix: another suite's prefix may start with this one's (`fp-` and `fp-rss`).
   */
  destroy(hosts: string[] = []): void {
    const existing = new Set(sh(['ip', 'netns', 'list'], { allowFail: true }).split('\n').map((l) => l.split(' ')[0]));
    const ours = new Set([...this.namespaces, this.bridgeNs, ...hosts.map((h) => this.ns(h))]);
    for (const name of ours) if (existing.has(name)) sh(['ip', 'netns', 'del', name], { allowFail: true });
    this.namespaces.length = 0;
  }
}

/** Poll `predicate` every `stepMs` until it holds or `timeoutMs` passes; returns whether it held. */
export async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs: number, stepMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
