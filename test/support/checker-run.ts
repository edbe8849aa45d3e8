/**
 * halo's checker engine alone in a namespace (test/support/checker-runner.js, for hosts without
 * IPVS): started on a keepalived.conf, its output (keepalived's checker lines and one
 * `STATE <rs> up|down` line per change) collected in `out`, stopped by PID.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './directors';
import type { Topology } from './netns';
import { waitFor } from './netns';

export class CheckerRun {
  out = '';
  private readonly proc: ChildProcess;

  constructor(topo: Topology, host: string, confFile: string) {
    this.proc = topo.spawn(host, [process.execPath, join(ROOT, 'test/support/checker-runner.js'), confFile]);
    this.proc.stdout!.on('data', (d: Buffer) => { this.out += d.toString(); });
    this.proc.stderr!.on('data', (d: Buffer) => { this.out += d.toString(); });
  }

  /** The last state reported for a real server named as keepalived does (`[10.0.0.1]:tcp:80`), or null before any change. */
  state(target: string): string | null {
    const name = `STATE ${target} `;
    const lines = this.out.split('\n').filter((l) => l.startsWith(name));
    return lines.length ? lines[lines.length - 1].slice(name.length) : null;
  }

  /** Waits (30 s at most) for a real server's state; fails with the output's tail. */
  async expectState(target: string, want: 'up' | 'down', what: string): Promise<void> {
    const ok = await waitFor(() => this.state(target) === want, 30_000, 50);
    if (!ok) throw new Error(`${what}: ${target} never ${want}\n${this.out.slice(-3000)}`);
    expect(this.state(target)).toBe(want);
  }

  stop(): void {
    this.proc.kill('SIGTERM');
  }
}
