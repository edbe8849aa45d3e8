/**
 * Debian's FRR bfdd alone in a test namespace (the BFD interop tests): started from a config
 * file in `dir`, its vty and control sockets there too, asked through vtysh, killed by its PID.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Topology } from './netns';

export const BFDD = '/usr/lib/frr/bfdd';

export class Bfdd {
  private proc: ChildProcess | null = null;

  /** `dir` holds bfdd.conf and must be writable by the frr user (bfdd drops to it). */
  constructor(private readonly topo: Topology, private readonly host: string, private readonly dir: string) {}

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
