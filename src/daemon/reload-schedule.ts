/**
 * Scheduled reloads (keepalived 2.2.7 core/reload_monitor.c): `reload_time_file FILE` holds a
 * time, `HH:MM:SS` (today, or tomorrow when past), `YY-MM-DD HH:MM:SS` or `YYYY-MM-DD HH:MM:SS`,
 * local unless it ends in `Z` (UTC). The daemon watches the file (written, created, removed) and
 * reloads at that time, removing the file first unless `reload_repeat` is set and no date was
 * given (then the same time is scheduled again for the next day after the reload).
 *
 * parseReloadTime and the log lines are pure; ReloadScheduler is the shell (fs.watch on the
 * file's directory, one timer).
 */
import { readFileSync, unlinkSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

export type ReloadTime = { at: number; dateSpecified: boolean } | { error: string[] };

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const MAX_TIMER_MS = 2 ** 31 - 1;

/** keepalived's format_time_t: local `%Y-%m-%d %H:%M:%S`. */
export function formatLocal(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** parse_datetime and read_file's verdicts on the file's first line, at `now` (ms). */
export function parseReloadTime(line: string, now: number): ReloadTime {
  let s = line;
  const utc = s.endsWith('Z');
  if (utc) s = s.slice(0, -1);
  const len = s.length;
  const invalid = (msg: string): ReloadTime => ({ error: [msg, `Invalid reload time '${line}' specified - ignoring`] });
  if (len !== 8 && len !== 17 && len !== 19) return invalid(`Reload time ${line} format is incorrect - ignoring`);
  const m = len === 8
    ? /^(\d{1,2}):(\d{1,2}):(\d{1,2})$/.exec(s)
    : len === 17 ? /^(\d{2})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{1,2}):(\d{1,2})$/.exec(s) : /^(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{1,2}):(\d{1,2})$/.exec(s);
  if (!m) return invalid(`Reload date/time ${line} invalid - ignoring`);
  const today = new Date(now);
  let [year, month, day] = utc ? [today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()] : [today.getFullYear(), today.getMonth(), today.getDate()];
  const f = m.slice(1).map(Number);
  const [h, mi, sec] = len === 8 ? f : f.slice(3);
  if (len !== 8) {
    year = len === 17 ? (f[0] < 69 ? 2000 + f[0] : 1900 + f[0]) : f[0];
    month = f[1] - 1;
    day = f[2];
  }
  // strptime's ranges, then mktime must give back the same fields (no 31 February, no DST gap)
  if (h > 23 || mi > 59 || sec > 61 || month < 0 || month > 11 || day < 1 || day > 31) return invalid(`Reload date/time ${line} invalid - ignoring`);
  const make = (y: number, mo: number, d: number) => (utc ? Date.UTC(y, mo, d, h, mi, sec) : new Date(y, mo, d, h, mi, sec).getTime());
  let at = make(year, month, day);
  const back = new Date(at);
  const fields = utc
    ? [back.getUTCFullYear(), back.getUTCMonth(), back.getUTCDate(), back.getUTCHours(), back.getUTCMinutes(), back.getUTCSeconds()]
    : [back.getFullYear(), back.getMonth(), back.getDate(), back.getHours(), back.getMinutes(), back.getSeconds()];
  if (fields.join() !== [year, month, day, h, mi, sec].join()) return invalid(`Reload time ${line} is not valid - ignoring`);
  if (at <= now) {
    if (len !== 8) return { error: [`Reload time ${line} is in the past - ignoring`, 'Reload date/time is in the past - ignoring'] };
    at = make(year, month, day + 1);
  }
  return { at, dateSpecified: len >= 17 };
}

export interface ReloadSchedulerDeps {
  log: { info(m: string): void };
  reload: () => void;
  now?: () => number;
}

/** Watches one reload_time_file and reloads at its time. */
export class ReloadScheduler {
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private scheduled: { at: number; dateSpecified: boolean } | null = null;

  constructor(private readonly file: string, private readonly repeat: boolean, private readonly deps: ReloadSchedulerDeps) {}

  start(): void {
    try {
      // the directory: the file may be created, rewritten, replaced or removed
      this.watcher = watch(dirname(this.file), { persistent: false }, (_event, name) => {
        if (name !== null && name !== basename(this.file)) return;
        // read once the writer is done (keepalived waits for IN_CLOSE_WRITE)
        if (this.debounce) clearTimeout(this.debounce);
        this.debounce = setTimeout(() => this.readFile(), 50);
      });
      this.watcher.on('error', () => this.stop());
    } catch {
      this.deps.log.info(`Unable to monitor reload timer file directory ${dirname(this.file)}- ignoring`);
      return;
    }
    this.readFile();
  }

  stop(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.debounce) clearTimeout(this.debounce);
    this.cancel(false);
  }

  private cancel(log: boolean): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = null;
    if (log && this.scheduled) this.deps.log.info(`Cancelling reload scheduled for ${formatLocal(this.scheduled.at)}`);
    this.scheduled = null;
  }

  private readFile(): void {
    let line: string;
    try {
      line = readFileSync(this.file, 'utf8').split('\n')[0].slice(0, 20);
    } catch {
      return this.cancel(true);
    }
    const now = (this.deps.now ?? Date.now)();
    const t = parseReloadTime(line, now);
    if ('error' in t) {
      for (const l of t.error) this.deps.log.info(l);
      return this.cancel(true);
    }
    if (this.scheduled && this.scheduled.at === t.at) return;
    if (this.timer && this.scheduled) this.deps.log.info(`Reload time updated from ${formatLocal(this.scheduled.at)} to ${formatLocal(t.at)}`);
    else this.deps.log.info(`Scheduling reload for ${formatLocal(t.at)}`);
    if (this.timer) clearTimeout(this.timer);
    this.scheduled = t;
    this.arm();
  }

  /** A timer can wait 2^31-1 ms at most: a later time is waited for in steps. */
  private arm(): void {
    const left = this.scheduled!.at - (this.deps.now ?? Date.now)();
    this.timer = setTimeout(() => (left > MAX_TIMER_MS ? this.arm() : this.fire()), Math.min(Math.max(0, left), MAX_TIMER_MS));
  }

  private fire(): void {
    const t = this.scheduled;
    this.timer = null;
    this.stop(); // keepalived stops watching; the reload starts the monitor again
    if (!this.repeat || t?.dateSpecified) {
      try {
        unlinkSync(this.file);
      } catch {
        // gone already
      }
    }
    this.deps.reload();
  }
}
