/**
 * FILE_CHECK's input (trackers/track_file.c): the number in a tracked file, read as strtol(…, 0)
 * reads it (decimal, 0x hex, 0 octal; no number or no file = 0), and a watch on the file's
 * directory for the events keepalived's inotify watch takes (IN_CLOSE_WRITE, IN_DELETE, IN_MOVE)
 * that wakes the engine when it changes.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { FileCheck } from '../config/model';
import type { ProbeOutcome } from './probe';
import { haloNative, type HaloNative } from '../net/native';

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

/** inotify(7) bits: the events keepalived's track_file.c watches a file's directory for. */
const IN_CLOSE_WRITE = 0x8;
const IN_MOVED_FROM = 0x40;
const IN_MOVED_TO = 0x80;
const IN_DELETE = 0x200;
const IN_Q_OVERFLOW = 0x4000;
const IN_IGNORED = 0x8000;
const IN_ISDIR = 0x40000000;
const TRACK_FILE_EVENTS = IN_CLOSE_WRITE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO;

/**
 * What a change of a tracked file says, as track_file.c's process_inotify takes it: 'gone'
 * (deleted or moved away: the value is 0, the file is not read) or 'written' (closed after a
 * write, or moved in: read it). A file written in place is not seen until its writer closes it,
 * so a half-written (truncated) file is never read — fs.watch would report the IN_MODIFY of the
 * truncation.
 */
export type FileChange = 'gone' | 'written';

/** The change an inotify event mask means for the file it names, or null (not one keepalived acts on). */
export function fileChangeOf(mask: number): FileChange | null {
  if (mask & IN_ISDIR) return null;
  if (mask & (IN_MOVED_FROM | IN_DELETE)) return 'gone';
  if (mask & (IN_MOVED_TO | IN_CLOSE_WRITE)) return 'written';
  return null;
}

type Waiter = (c: FileChange) => void;

/** One inotify descriptor for every tracked file; each probe after the first waits for the next change. */
export class FileWatcher {
  private ino: InstanceType<HaloNative['InotifyWatch']> | null = null;
  /** By watch descriptor (a directory), by file name in it: who waits for its next change. */
  private readonly dirs = new Map<number, Map<string, Waiter[]>>();

  private waitersFor(path: string): Waiter[] {
    if (!this.ino) this.ino = new (haloNative().InotifyWatch)((wd, mask, name) => this.onEvent(wd, mask, name));
    const wd = this.ino.add(dirname(path), TRACK_FILE_EVENTS);
    let names = this.dirs.get(wd);
    if (!names) this.dirs.set(wd, (names = new Map()));
    let waiting = names.get(basename(path));
    if (!waiting) names.set(basename(path), (waiting = []));
    return waiting;
  }

  private onEvent(wd: number, mask: number, name: string): void {
    if (mask & (IN_Q_OVERFLOW | IN_IGNORED)) {
      // events lost, or the directory's watch gone: every waiter reads its file again
      const dirs = mask & IN_Q_OVERFLOW ? [...this.dirs.values()] : [this.dirs.get(wd)];
      for (const names of dirs) for (const w of names?.values() ?? []) for (const fn of w.splice(0)) fn('written');
      return;
    }
    const change = fileChangeOf(mask);
    if (change === null) return;
    for (const fn of this.dirs.get(wd)?.get(name)?.splice(0) ?? []) fn(change);
  }

  /** The file's value now if it differs from `last` (or there is no last), else at its next change. */
  probe(c: FileCheck, last: number | undefined): Promise<ProbeOutcome> {
    const read = (): ProbeOutcome => {
      const v = readTrackFile(c.path);
      return v === null ? { result: 'failed', reason: `Invalid number read from ${c.path} - ignoring` } : { result: 'success', fileValue: v };
    };
    let waiting: Waiter[];
    try {
      waiting = this.waitersFor(c.path);
    } catch (err) {
      return Promise.resolve({ result: 'failed', reason: `Unable to monitor track file ${c.path}: ${(err as Error).message}` });
    }
    const now = read();
    if (last === undefined || now.fileValue !== last) return Promise.resolve(now);
    return new Promise<FileChange>((resolve) => waiting.push(resolve)).then((change) => (change === 'gone' ? { result: 'success', fileValue: 0 } : read()));
  }

  /** Resolves at the next change of `path` (see FileChange); throws if it cannot be watched. */
  changed(path: string): Promise<FileChange> {
    const waiting = this.waitersFor(path);
    return new Promise((resolve) => waiting.push(resolve));
  }

  close(): void {
    this.ino?.close();
    this.ino = null;
    this.dirs.clear();
  }
}
