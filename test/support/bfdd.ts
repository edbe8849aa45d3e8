/**
 * Debian's FRR bfdd alone in a test namespace (the BFD interop tests): started from a config
 * file in `dir`, its vty and control sockets there too, asked through vtysh, killed by its PID.
 */
import type { ChildProcess } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Topology } from './netns';

export const BFDD = '/usr/lib/frr/bfdd';

/** bfdd's `peer` block for a single-hop session from `local` to `ip`. */
export function bfddPeer(ip: string, local: string, rxMs = 300, txMs = 300, multiplier = 3): string[] {
  return [` peer ${ip} local-address ${local}`, `  receive-interval ${rxMs}`, `  transmit-interval ${txMs}`, `  detect-multiplier ${multiplier}`, ' !'];
}

export class Bfdd {
  private proc: ChildProcess | null = null;

  /**
   * `dir` holds bfdd.conf and must be writable by the frr user (bfdd drops to it); with `peers`
   * (bfddPeer's lines) the directory is opened to frr and bfdd.conf is written here.
   */
  constructor(private readonly topo: Topology, private readonly host: string, private readonly dir: string, peers?: string[]) {
    if (!peers) return;
    chmodSync(dir, 0o777);
    writeFileSync(join(dir, 'bfdd.conf'), ['bfd', ...peers, '!', ''].join('\n'));
  }

  start(): void {
    const d = this.dir;
    this.proc = this.topo.spawn(this.host, [BFDD, '-f', join(d, 'bfdd.conf'), '-i', join(d, 'bfdd.pid'), '--vty_socket', d,
      '--bfdctl', join(d, 'bfdd.sock'), '-u', 'frr', '-g', 'frr', '--log', `file:${join(d, 'bfdd.log')}`], { stdio: 'ignore' });
  }

  /** SIGKILL (a peer that dies without a word), then waits for the exit. */
  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise((r) => p.once('exit', r));
    // `ip netns exec` execs bfdd, so this pid is bfdd's own
    p.kill('SIGKILL');
    await gone;
  }

  vtysh(...cmds: string[]): string {
    return this.topo.exec(this.host, ['vtysh', '--vty_socket', this.dir, '-d', 'bfdd', ...cmds.flatMap((c) => ['-c', c])], { allowFail: true });
  }

  /** `show bfd peer PEER local-address LOCAL`. */
  peer(peer: string, local: string): string {
    return this.vtysh(`show bfd peer ${peer} local-address ${local}`);
  }

  peerUp(peer: string, local: string): boolean {
    return /Status: up/.test(this.peer(peer, local));
  }
}

/**
 * A forged BFD control packet from `from` (on `host`) to `to`:3784 with the given TTL / hop limit:
 * version 1, diag 7 (Administratively Down), state AdminDown, detect mult 3, length 24, the
 * discriminators FRR shows for the session (`show bfd peer`: ID, Remote ID).
 */
export function sendAdminDown(topo: Topology, host: string, from: string, to: string, myDiscr: number, yourDiscr: number, ttl: number): void {
  const v6 = to.includes(':');
  const py = ['import socket,struct', `s=socket.socket(socket.AF_INET${v6 ? '6' : ''},socket.SOCK_DGRAM)`,
    v6 ? `s.setsockopt(socket.IPPROTO_IPV6,socket.IPV6_UNICAST_HOPS,${ttl})` : `s.setsockopt(socket.IPPROTO_IP,socket.IP_TTL,${ttl})`,
    `s.bind(('${from}',0))`, `s.sendto(struct.pack('!BBBBIIIII',0x27,0x00,3,24,${myDiscr},${yourDiscr},300000,300000,0),('${to}',3784))`].join('\n');
  topo.exec(host, ['python3', '-c', py]);
}

/** The discriminators of a session as FRR shows it: FRR's own (ID) and the peer's (Remote ID). */
export function discriminators(out: string): { frr: number; theirs: number } {
  const m = /\bID: (\d+)[\s\S]*Remote ID: (\d+)/.exec(out);
  if (!m) throw new Error(`no discriminators in FRR's view of the session:\n${out}`);
  return { frr: Number(m[1]), theirs: Number(m[2]) };
}

/**
 * A forged AdminDown to `peer` from FRR's `local` address (on host 'frr') with the given TTL /
 * hop limit, carrying the discriminators FRR's bfdd shows for that session.
 */
export function forgeAdminDown(topo: Topology, bfdd: Bfdd, local: string, peer: string, ttl: number): void {
  const { frr, theirs } = discriminators(bfdd.peer(peer, local));
  sendAdminDown(topo, 'frr', local, peer, frr, theirs, ttl);
}
