/**
 * Process trees by PID, read from /proc (no pgrep, no process spawned): what the lab and the
 * tests stop and measure is always "this PID and everything it started".
 */
import { readFileSync } from 'node:fs';

/** Every descendant of `pid`, children before grandchildren. */
export function descendants(pid: number): number[] {
  let kids: number[];
  try {
    kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
  return kids.flatMap((k) => [k, ...descendants(k)]);
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Signal a process tree, deepest first. SIGKILL is "kill -9 of every process at once" (what
 * systemd does to a unit's cgroup): all are stopped first, so that none of them — the
 * supervisor reacting to its worker's death within microseconds — acts before it is killed.
 */
export function signalTree(pids: number[], signal: NodeJS.Signals): void {
  const send = (pid: number, sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      /* already gone */
    }
  };
  if (signal === 'SIGKILL') for (const pid of pids) send(pid, 'SIGSTOP');
  for (const pid of [...pids].reverse()) send(pid, signal);
}
