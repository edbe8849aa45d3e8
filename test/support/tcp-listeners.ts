/**
 * TCP listeners standing in for real servers' check ports: one Node process per port on a host
 * of the topology, accepting and closing each connection; stopped by PID (SIGKILL) and waited for.
 */
import type { ChildProcess } from 'node:child_process';
import type { Topology } from './netns';

export class TcpListeners {
  private readonly procs = new Map<number, ChildProcess>();

  constructor(private readonly topo: () => Topology, private readonly host: string, private readonly address: string) {}

  listen(port: number): void {
    this.procs.set(port, this.topo().spawn(this.host, [process.execPath, '-e', `require('net').createServer((s) => s.end()).listen(${port}, '${this.address}')`]));
  }

  async unlisten(port: number): Promise<void> {
    const p = this.procs.get(port);
    this.procs.delete(port);
    if (!p) return;
    p.kill('SIGKILL');
    await new Promise((r) => p.once('exit', r));
  }

  async closeAll(): Promise<void> {
    for (const port of [...this.procs.keys()]) await this.unlisten(port);
  }
}
