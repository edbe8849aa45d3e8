/**
 * TCP listeners standing in for real servers' check ports: one Node process per port on a host
 * of the topology, accepting and closing each connection; stopped by PID (SIGKILL) and waited for.
 * listen() returns once the process says it is listening: a listener still starting under
 * emulation refused a daemon's first check, and the daemon that checked first (keepalived, in
 * rs-scripts and checker-alert) saw one extra down/up cycle the other did not.
 */
import type { ChildProcess } from 'node:child_process';
import type { Topology } from './netns';

const LISTEN_WAIT_MS = 60_000;

/** Starts a listener on host and waits (bounded) for it to listen; a named error otherwise. */
export async function spawnTcpListener(topo: Topology, host: string, address: string, port: number): Promise<ChildProcess> {
  const p = topo.spawn(host, [process.execPath, '-e', `require('net').createServer((s) => s.end()).listen(${port}, '${address}', () => console.log('listening'))`]);
  const ready = await new Promise<boolean>((resolve) => {
    let text = '';
    const timer = setTimeout(() => resolve(false), LISTEN_WAIT_MS);
    p.stdout!.setEncoding('utf8');
    p.stdout!.on('data', (d: string) => {
      text += d;
      if (text.includes('listening')) {
        clearTimeout(timer);
        resolve(true);
      }
    });
    p.once('exit', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  if (!ready) {
    p.kill('SIGKILL');
    throw new Error(`the TCP listener ${address}:${port} on ${host} did not listen within ${LISTEN_WAIT_MS / 1000} s`);
  }
  return p;
}

export class TcpListeners {
  private readonly procs = new Map<number, ChildProcess>();

  constructor(private readonly topo: () => Topology, private readonly host: string, private readonly address: string) {}

  async listen(port: number): Promise<void> {
    this.procs.set(port, await spawnTcpListener(this.topo(), this.host, this.address, port));
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
