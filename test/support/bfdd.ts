/**
 * Debian's FRR bfdd alone as a BFD peer in a test namespace: its config, pid file, vty and
 * control sockets and log in one directory (world-writable: bfdd drops to the frr user), started
 * and killed by PID (`ip netns exec` execs bfdd, so the spawned pid is bfdd's own).
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

  /** `peers`: the lines of the `bfd` block (bfddPeer's). */
  constructor(private readonly topo: Topology, private readonly host: string, private readonly dir: string, peers: string[]) {
    chmodSync(dir, 0o777);
    writeFileSync(join(dir, 'bfdd.conf'), ['bfd', ...peers, '!', ''].join('\n'));
  }

  start(): void {
    const d = this.dir;
    this.proc = this.topo.spawn(this.host, [BFDD, '-f', join(d, 'bfdd.conf'), '-i', join(d, 'bfdd.pid'), '--vty_socket', d,
      '--bfdctl', join(d, 'bfdd.sock'), '-u', 'frr', '-g', 'frr', '--log', `file:${join(d, 'bfdd.log')}`], { stdio: 'ignore' });
  }

  /** SIGKILL: the peer vanishes without a word (its sessions expire on the other side). */
  async kill(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (!p || p.exitCode !== null) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await gone;
  }

  vtysh(...cmds: string[]): string {
    return this.topo.exec(this.host, ['vtysh', '--vty_socket', this.dir, '-d', 'bfdd', ...cmds.flatMap((c) => ['-c', c])], { allowFail: true });
  }
}
