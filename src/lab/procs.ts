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
