/**
 * Network namespaces for the src/net tests. Every name starts with `hnet-` (this area's
 * prefix) and is deleted by name in afterAll, even after a failure.
 *
 * Topology of a pair: namespaces `hnet-TAG-PID-a` and `hnet-TAG-PID-b`, joined by a veth pair
 * whose ends are both called `hnet0` (each inside its own namespace), 192.0.2.1/24 and
 * 192.0.2.2/24. The PID of the test process keeps two concurrent runs apart; namespaces left by
 * a run whose process is gone (killed mid-test) are removed by the next run.
 */
import { execFileSync } from 'child_process';

export const IF = 'hnet0';
export const ADDR_A = '192.0.2.1';
export const ADDR_B = '192.0.2.2';

/** Run a command; its stderr is captured (and shown in the thrown error), not printed. */
export const run = (cmd: string, args: string[]) =>
  execFileSync(cmd, args, { encoding: 'utf8', timeout: 15000, stdio: ['ignore', 'pipe', 'pipe'] });
export const ipIn = (ns: string, ...args: string[]) => run('ip', ['-n', ns, ...args]);
export const ipJson = (ns: string, ...args: string[]) => JSON.parse(run('ip', ['-j', '-n', ns, ...args]));


export interface Pair {
  a: string;
  b: string;
  cleanup(): void;
}

export function deleteNamespace(ns: string): void {
  try {
    execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore', timeout: 15000 });
  } catch {
    // already gone
  }
}

const OURS = /^hnet-[a-z0-9]+-(\d+)-[ab]$/;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Delete `hnet-*` namespaces of earlier test processes that no longer exist. */
export function deleteOrphans(): void {
  const names = run('ip', ['netns', 'list']).split('\n').map((l) => l.split(' ')[0]);
  for (const name of names) {
    const m = OURS.exec(name);
    if (m && Number(m[1]) !== process.pid && !alive(Number(m[1]))) deleteNamespace(name);
  }
}

export function createPair(tag: string): Pair {
  deleteOrphans();
  const a = `hnet-${tag}-${process.pid}-a`;
  const b = `hnet-${tag}-${process.pid}-b`;
  const cleanup = () => [a, b].forEach(deleteNamespace);
  try {
    run('ip', ['netns', 'add', a]);
    run('ip', ['netns', 'add', b]);
    ipIn(a, 'link', 'add', IF, 'type', 'veth', 'peer', 'name', IF, 'netns', b);
    for (const [ns, addr] of [[a, ADDR_A], [b, ADDR_B]]) {
      ipIn(ns, 'link', 'set', 'lo', 'up');
      ipIn(ns, 'addr', 'add', `${addr}/24`, 'dev', IF);
      ipIn(ns, 'link', 'set', IF, 'up');
    }
  } catch (err) {
    cleanup();
    throw err;
  }
  return { a, b, cleanup };
}

/** Poll `probe` every 50 ms until it returns a value, for at most `timeoutMs`. */
export async function until<T>(probe: () => T | undefined | null | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
