/**
 * FRR (zebra, bfdd, bgpd from Debian's frr) run inside a lab or test namespace: each daemon with its
 * own pathspace (-N), config, pid file, vty and zserv sockets under the caller's directory, so
 * nothing touches /etc/frr, /run/frr or Debian's (disabled) frr service. Stopped by pid.
 */
import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import type { Topology } from './netns';
import { parseBgpPrefix, type BgpPrefixView } from '../announce/bgp-status';

export const FRR_DIR = '/usr/lib/frr';
const DAEMONS = ['zebra', 'bfdd', 'bgpd'] as const;

export const FRR_DAEMONS = DAEMONS;

function frrIds(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('frr:'));
  if (!line) throw new Error('no frr user (apt install frr)');
  const f = line.split(':');
  return { uid: Number(f[2]), gid: Number(f[3]) };
}

export class FrrNode {
  readonly dir: string;

  constructor(private readonly topo: Topology, readonly host: string, base: string) {
    this.dir = join(base, `frr-${host}`);
  }

  /** Write the integrated config and start zebra, bfdd, bgpd (daemonized; each writes its pid file). */
  start(conf: string): void {
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(join(this.dir, 'frr.conf'), conf);
    const { uid, gid } = frrIds();
    chownSync(this.dir, uid, gid);
    chownSync(join(this.dir, 'frr.conf'), uid, gid);
    const ns = this.topo.ns(this.host);
    for (const d of DAEMONS) {
      this.topo.exec(this.host, [
        join(FRR_DIR, d), '-d', '-N', ns, '-u', 'frr', '-g', 'frr', '-f', join(this.dir, 'frr.conf'), '-i', join(this.dir, `${d}.pid`),
        '-z', join(this.dir, 'zserv.api'), '--vty_socket', this.dir, '--log', `file:${join(this.dir, `${d}.log`)}`,
        ...(d === 'bfdd' ? ['--bfdctl', join(this.dir, 'bfdd.sock')] : []),
      ]);
    }
  }

  vtysh(cmd: string): string {
    return execFileSync('ip', ['netns', 'exec', this.topo.ns(this.host), 'vtysh', '--vty_socket', this.dir, '-c', cmd], { encoding: 'utf8', timeout: 20_000 });
  }

  prefix(address: string): BgpPrefixView {
    return parseBgpPrefix(this.vtysh(`show ip bgp ${address}/32 json`));
  }

  /** Kill one daemon (SIGKILL: a dead machine) or all of them (SIGTERM), by pid file. */
  stop(sig: NodeJS.Signals = 'SIGTERM', only: readonly string[] = DAEMONS): void {
    for (const d of only) {
      const f = join(this.dir, `${d}.pid`);
      if (!existsSync(f)) continue;
      try {
        process.kill(Number(readFileSync(f, 'utf8').trim()), sig);
      } catch {
        /* already gone */
      }
    }
  }

  logs(): string {
    return DAEMONS.map((d) => join(this.dir, `${d}.log`)).filter(existsSync).map((f) => `--- ${f}\n${readFileSync(f, 'utf8').split('\n').filter((l) => !l.includes('No such command')).slice(-30).join('\n')}`).join('\n');
  }
}
