/**
 * FILE_CHECK's input (trackers/track_file.c): the number in a tracked file, read as strtol(…, 0)
 * reads it (decimal, 0x hex, 0 octal; no number or no file = 0), and a watch on the file's
 * directory (keepalived uses inotify the same way) that wakes the engine when it changes.
 */
import { existsSync, readFileSync, statSync, watch, writeFileSync } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { FileCheck } from '../config/model';
import type { ProbeOutcome } from './probe';

/** strtol(buf, NULL, 0) over the file's first 127 bytes. */
export function parseTrackValue(text: string): number {
  const m = /^[ \t\n\r\f\v]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(text);
  if (!m) return 0;
  const digits = m[2];
  const v = /^0[xX]/.test(digits) ? parseInt(digits.slice(2), 16) : digits.startsWith('0') ? parseInt(digits, 8) || 0 : Number(digits);
  return m[1] === '-' ? -v : v;
}

export function readTrackFile(path: string): number | null {
  let text: string;
  try {
    text = readFileSync(path).subarray(0, 127).toString('latin1');
  } catch {
    return 0;
  }
  const v = parseTrackValue(text);
  // keepalived ignores a value outside [INT32_MIN, INT32_MAX + 1]
  return v < -0x80000000 || v > 0x80000000 ? null : v;
}

/**
 * init_file (track_file.c track_file_end_handler): create the file with its value when missing;
 * with overwrite also replace a regular file's value, but never at a reload.
 */
export function initTrackFile(path: string, init: { value: number; overwrite: boolean }, reload = false): void {
  if (existsSync(path) && (!init.overwrite || reload || !statSync(path).isFile())) return;
  writeFileSync(path, `${init.value}\n`);
}

/** One watcher per tracked file; each probe after the first waits for the next change. */
export class FileWatcher {
  private readonly watchers = new Map<string, { w: FSWatcher; waiting: (() => void)[] }>();

  private watcherFor(path: string): { w: FSWatcher; waiting: (() => void)[] } {
    let e = this.watchers.get(path);
    if (!e) {
      const waiting: (() => void)[] = [];
      const name = basename(path);
      const w = watch(dirname(path), { persistent: false }, (_ev, file) => {
        if (file !== null && file !== name) return;
        for (const fn of waiting.splice(0)) fn();
      });
      w.on('error', () => { for (const fn of waiting.splice(0)) fn(); });
      e = { w, waiting };
      this.watchers.set(path, e);
    }
    return e;
  }

  /** The file's value now if it differs from `last` (or there is no last), else at its next change. */
  probe(c: FileCheck, last: number | undefined): Promise<ProbeOutcome> {
    const read = (): ProbeOutcome => {
      const v = readTrackFile(c.path);
      return v === null ? { result: 'failed', reason: `Invalid number read from ${c.path} - ignoring` } : { result: 'success', fileValue: v };
    };
    try {
      this.watcherFor(c.path);
    } catch (err) {
      return Promise.resolve({ result: 'failed', reason: `Unable to monitor track file ${c.path}: ${(err as Error).message}` });
    }
    const now = read();
    if (last === undefined || now.fileValue !== last) return Promise.resolve(now);
    return this.changed(c.path).then(read);
  }

  /** Resolves at the next change of `path` (written, moved, deleted) or a watch error; throws if it cannot be watched. */
  changed(path: string): Promise<void> {
    const e = this.watcherFor(path);
    return new Promise((resolve) => e.waiting.push(resolve));
  }

  close(): void {
    for (const { w, waiting } of this.watchers.values()) {
      w.close();
      waiting.length = 0;
    }
    this.watchers.clear();
  }
}
