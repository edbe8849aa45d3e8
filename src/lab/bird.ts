/**
 * BIRD 2 (Debian's bird2) run inside a lab or test namespace: its own config, control socket,
 * pid file and log under the caller's directory, so nothing touches /etc/bird, /run/bird or
 * Debian's (disabled) bird service. Stopped by pid.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Topology } from './netns';
import type { BgpPrefixView } from '../announce/bgp-status';
import { birdExportCommand, birdPrefixView, birdRouteCommand, parseBirdProtocols, parseBirdRoute } from '../announce/bird-status';

export const BIRD = '/usr/sbin/bird';

export class BirdNode {
  readonly dir: string;

  constructor(private readonly topo: Topology, readonly host: string, base: string) {
    this.dir = join(base, `bird-${host}`);
  }

  get socket(): string {
    return join(this.dir, 'bird.ctl');
  }

  get logFile(): string {
    return join(this.dir, 'bird.log');
  }

  /** Write the config and start bird (it daemonizes and writes its pid file). */
  start(conf: string): void {
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(join(this.dir, 'bird.conf'), conf);
    this.topo.exec(this.host, [BIRD, '-c', join(this.dir, 'bird.conf'), '-s', this.socket, '-P', join(this.dir, 'bird.pid')]);
  }

  /** birdc's answer; it exits 1 on an error reply ("Network not found"), which the readers judge. */
  birdc(cmd: string): string {
    const r = spawnSync('ip', ['netns', 'exec', this.topo.ns(this.host), 'birdc', '-s', this.socket, ...cmd.split(' ')], { encoding: 'utf8', timeout: 20_000 });
    if (r.error) throw new Error(`birdc ${cmd}: ${r.error.message}`);
    if (!/^BIRD [\d.]+ ready\./.test(r.stdout)) throw new Error(`birdc ${cmd}: ${(r.stderr || r.stdout).trim().split('\n')[0]}`);
    return r.stdout;
  }

  /** The same view `halo status` reads (src/cli/status.ts). */
  prefix(address: string): BgpPrefixView {
    const protocols = parseBirdProtocols(this.birdc('show protocols all'));
    const bgp = protocols.filter((p) => p.proto === 'BGP' && p.info.startsWith('Established')).map((p) => p.name);
    const exportedTo = bgp.filter((p) => parseBirdRoute(this.birdc(birdExportCommand(address, 4, p))).length > 0);
    return birdPrefixView(parseBirdRoute(this.birdc(birdRouteCommand(address, 4))), protocols, exportedTo);
  }

  /** SIGKILL: a dead machine; SIGTERM: a clean stop. */
  stop(sig: NodeJS.Signals = 'SIGTERM'): void {
    const f = join(this.dir, 'bird.pid');
    if (!existsSync(f)) return;
    try {
      process.kill(Number(readFileSync(f, 'utf8').trim()), sig);
    } catch {
      /* already gone */
    }
  }

  logs(): string {
    return existsSync(this.logFile) ? `--- ${this.logFile}\n${readFileSync(this.logFile, 'utf8').split('\n').slice(-30).join('\n')}` : '';
  }
}
