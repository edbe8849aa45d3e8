/**
 * A notify FIFO as the netns tests read it: made with mkfifo in `dir` (vrrp.fifo), read by a shell
 * that also holds it open for writing, so a daemon closing it (at a reload) is no end of file;
 * everything read goes to vrrp.out in `dir`.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface HeldFifo {
  /** The FIFO's path, for vrrp_notify_fifo. */
  fifo: string;
  /** Everything read from it so far. */
  out(): string;
  reader: ChildProcess;
}

export function heldFifo(dir: string): HeldFifo {
  const fifo = join(dir, 'vrrp.fifo');
  const outFile = join(dir, 'vrrp.out');
  execFileSync('mkfifo', ['-m', '644', fifo]);
  const reader = spawn('sh', ['-c', `exec 3<>"${fifo}"; exec cat <&3 > "${outFile}"`], { stdio: 'ignore' });
  return { fifo, reader, out: () => (existsSync(outFile) ? readFileSync(outFile, 'utf8') : '') };
}
