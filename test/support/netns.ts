// The netns tier builds its topologies with the same code `halo lab` uses.
export { Topology, sh, waitFor } from '../../src/lab/netns';
export type { HostSpec } from '../../src/lab/netns';

/** ADDR:PORT as nginx, exim and `ss` write it: an IPv6 address in brackets. */
export const hostPort = (address: string, port: number): string => (address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`);

/** Stop a process a test started (by its PID) and wait until it has exited; nothing when it is gone already. */
export async function stopProcess(p: import('node:child_process').ChildProcess | null, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  p.kill(signal);
  await exited;
}
