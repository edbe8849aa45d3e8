/**
 * Logging in keepalived's wording, one line per message written straight to the output stream.
 *
 * Three output shapes, chosen once at start-up:
 *  - plain (default): `Sun Nov 22 15:52:38 2026: (VI_1) Entering MASTER STATE` — keepalived's
 *    console format (`-l`), so operators can grep what they already know;
 *  - journald: when stdout is the journal (systemd sets JOURNAL_STREAM), each line gets the
 *    sd-daemon `<N>` priority prefix and no timestamp (the journal adds its own);
 *  - json: one object per line for log shippers (`--log-format json`), keys sorted:
 *    `{"level":"info","message":"…","timestamp":"2026-11-22T15:52:38.538Z"}` plus any meta.
 *
 * (A logging framework was used here before; loading it cost 3–6 s of each daemon process's
 * start-up under software emulation for what is a formatted write; see test/bench/startup.)
 */

export type LogFormat = 'plain' | 'journald' | 'json';
export type LogLevel = 'error' | 'warning' | 'notice' | 'info' | 'debug';

/** syslog(3) priorities, which are also sd-daemon's `<N>` prefixes. */
const SYSLOG_LEVELS: Record<LogLevel, number> = { error: 3, warning: 4, notice: 5, info: 6, debug: 7 };

export interface Logger {
  error(message: string, meta?: Record<string, unknown>): void;
  warning(message: string, meta?: Record<string, unknown>): void;
  notice(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  debug(message: string, meta?: Record<string, unknown>): void;
  close(): void;
}

export interface LoggerOptions {
  format?: LogFormat;
  level?: LogLevel;
  /** Prefix every line with this tag (keepalived prints `Keepalived_vrrp[PID]:` with -D). */
  tag?: string;
  stream?: NodeJS.WritableStream;
  /** The clock for timestamps (tests). */
  now?: () => Date;
}

/** systemd's JOURNAL_STREAM names the device:inode of the journal; stdout being it means journald. */
export function detectLogFormat(env: NodeJS.ProcessEnv = process.env): LogFormat {
  return env.JOURNAL_STREAM ? 'journald' : 'plain';
}

/** keepalived's console timestamp: `Sun Nov 22 15:52:38 2026`. */
function consoleTimestamp(d: Date): string {
  return d.toString().slice(0, 24).replace(/^(\w{3} \w{3} \d{2}) (\d{4}) ([\d:]{8})$/, '$1 $3 $2');
}

/** JSON with object keys sorted at every level, so lines compare and grep the same way. */
function sortedJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, (x as Record<string, unknown>)[k]]))
      : x,
  );
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const format = opts.format ?? detectLogFormat();
  const tag = opts.tag ? `${opts.tag}: ` : '';
  const threshold = SYSLOG_LEVELS[opts.level ?? 'info'];
  const stream = opts.stream ?? process.stdout;
  const now = opts.now ?? (() => new Date());
  let open = true;
  const render = (level: LogLevel, message: string, meta: Record<string, unknown>): string => {
    if (format === 'journald') return `<${SYSLOG_LEVELS[level]}>${tag}${message}`;
    if (format === 'json') return sortedJson({ ...meta, level, message, timestamp: now().toISOString() });
    return `${consoleTimestamp(now())}: ${tag}${message}`;
  };
  // syslog(3) order: a lower number is more severe; messages above the threshold are dropped
  const at = (level: LogLevel) => (message: string, meta?: Record<string, unknown>) => {
    if (!open || SYSLOG_LEVELS[level] > threshold) return;
    stream.write(`${render(level, String(message), meta ?? {})}\n`);
  };
  return {
    error: at('error'),
    warning: at('warning'),
    notice: at('notice'),
    info: at('info'),
    debug: at('debug'),
    close: () => {
      open = false;
    },
  };
}
