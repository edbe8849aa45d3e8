/**
 * The shell of a VRRP instance's track_file (keepalived trackers/track_file.c): init_file at
 * start, the number read now, then again at every change of the file keepalived reacts to
 * (closed after a write, moved in; deleted or moved away reads as 0), through FILE_CHECK's
 * FileWatcher. A number keepalived would refuse is logged in its
 * words and the last value kept; a missing file reads as 0.
 */
import type { TrackFile } from '../config/model';
import { FileWatcher, initTrackFile, readTrackFile, type FileChange } from '../check/file-probe';
import type { Logger } from './logger';

export class TrackFileMonitor {
  private readonly watcher = new FileWatcher();
  private readonly values = new Map<string, number>();
  private stopped = false;

  constructor(
    private readonly files: readonly TrackFile[],
    private readonly log: Logger,
    private readonly onValue: (name: string, value: number) => void,
    /** At a reload init_file creates a missing file but overwrites none (keepalived). */
    private readonly reload = false,
  ) {}

  /** Creates init_files, reads every file, starts watching; returns the values now, by name. */
  start(): Record<string, number> {
    for (const f of this.files) {
      if (f.init) {
        try {
          initTrackFile(f.path, f.init, this.reload);
        } catch (e) {
          this.log.warning(`Unable to initialise track file ${f.name}: ${(e as Error).message}`);
        }
      }
    }
    for (const f of this.files) this.watch(f);
    return Object.fromEntries(this.values);
  }

  private watch(f: TrackFile): void {
    let next: Promise<FileChange>;
    try {
      next = this.watcher.changed(f.path); // watched before the first read: no change slips between
    } catch (e) {
      this.log.warning(`Unable to monitor track file ${f.name} (${f.path}): ${(e as Error).message}`);
      next = new Promise(() => undefined);
    }
    this.values.set(f.name, this.read(f) ?? 0);
    void this.follow(f, next);
  }

  private read(f: TrackFile): number | null {
    const v = readTrackFile(f.path);
    if (v === null) this.log.info(`Invalid number read from ${f.path} - ignoring`);
    return v;
  }

  private async follow(f: TrackFile, first: Promise<FileChange>): Promise<void> {
    let next = first;
    for (;;) {
      const change = await next;
      if (this.stopped) return;
      next = this.watcher.changed(f.path);
      // deleted or moved away: 0 without reading (track_file.c process_inotify)
      const v = change === 'gone' ? 0 : this.read(f);
      if (v === null || v === this.values.get(f.name)) continue;
      this.values.set(f.name, v);
      this.onValue(f.name, v);
    }
  }

  stop(): void {
    this.stopped = true;
    this.watcher.close();
  }
}
