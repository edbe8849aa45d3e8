/**
 * The pid file: written at start, removed at exit, and a guard against two daemons driving the
 * same VIPs. A pid file naming a live process whose command line is a halo refuses the start;
 * a stale one (dead process, or a recycled pid that is not halo) is taken over, as keepalived does.
 */
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { withUmaskAllowing } from './umask';

export type PidFileResult = { ok: true } | { ok: false; message: string };

function isLiveHalo(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('halo') || cmdline.includes('cli/main');
  } catch {
    return false;
  }
}

export function acquirePidFile(path: string, pid: number = process.pid): PidFileResult {
  let existing: number | null = null;
  try {
    existing = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
  } catch {
    existing = null;
  }
  if (existing !== null && Number.isInteger(existing) && existing !== pid && isLiveHalo(existing)) {
    return { ok: false, message: `another halo (pid ${existing}) is running with pid file ${path}` };
  }
  try {
    // keepalived's pidfile.c: the directory 0755 and the file 0644 whatever the umask (0177 by default)
    withUmaskAllowing(0o755, () => mkdirSync(dirname(path), { recursive: true, mode: 0o755 }));
    withUmaskAllowing(0o644, () => writeFileSync(path, `${pid}\n`, { mode: 0o644 }));
  } catch (err) {
    return { ok: false, message: `cannot write pid file ${path}: ${(err as Error).message}` };
  }
  return { ok: true };
}

export function releasePidFile(path: string, pid: number = process.pid): void {
  try {
    if (Number.parseInt(readFileSync(path, 'utf8').trim(), 10) === pid) unlinkSync(path);
  } catch {
    // already gone: nothing to release
  }
}
