/**
 * Logging in keepalived's wording, with winston as the pipeline (levels, formats, transport).
 *
 * Three output shapes, chosen once at start-up:
 *  - plain (default): `Sun Nov 22 15:52:38 2026: (VI_1) Entering MASTER STATE` — keepalived's
 *    console format (`-l`), so operators can grep what they already know;
 *  - journald: when stdout is the journal (systemd sets JOURNAL_STREAM), each line gets the
 *    sd-daemon `<N>` priority prefix and no timestamp (the journal adds its own);
 *  - json: one object per line for log shippers (`--log-format json`), keys sorted (logform's
 *    json): `{"level":"info","message":"…","timestamp":"2026-11-22T15:52:38.538Z"}` plus any meta.
 *
 * winston is about 80 modules: it is loaded on the first line logged, not when this module is
 * (a `halo run` that logs nothing before it execs the supervisor never loads it), and the worker
 * gets it inside its esbuild bundle and V8 code cache (deploy/bundle-worker.js), where it costs
 * no file look-ups; test/bench/daemon/run.js start measures what it adds.
 */
import type * as Winston from 'winston';

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

/** winston's level table: syslog(3) order, a lower number is more severe. */
const WINSTON_LEVELS: Record<LogLevel, number> = { error: 0, warning: 1, notice: 2, info: 3, debug: 4 };

export function createLogger(opts: LoggerOptions = {}): Logger {
  const format = opts.format ?? detectLogFormat();
  const tag = opts.tag ? `${opts.tag}: ` : '';
  const level = opts.level ?? 'info';
  const threshold = SYSLOG_LEVELS[level];
  const stream = opts.stream ?? process.stdout;
  const now = opts.now ?? (() => new Date());
  let open = true;
  let w: Winston.Logger | undefined;
  const logger = (): Winston.Logger => {
    if (w) return w;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const winston = require('winston') as typeof Winston;
    const f = winston.format;
    const line = f.printf((info) => {
      const message = String(info.message);
      if (format === 'journald') return `<${SYSLOG_LEVELS[info.level as LogLevel]}>${tag}${message}`;
      return `${consoleTimestamp(now())}: ${tag}${message}`;
    });
    w = winston.createLogger({
      levels: WINSTON_LEVELS,
      level,
      format: format === 'json' ? f.combine(f.timestamp({ format: () => now().toISOString() }), f.json()) : line,
      transports: [new winston.transports.Stream({ stream })],
    });
    return w;
  };
  // messages above the threshold are dropped before winston is even loaded
  const at = (lvl: LogLevel) => (message: string, meta?: Record<string, unknown>) => {
    if (!open || SYSLOG_LEVELS[lvl] > threshold) return;
    logger().log(lvl, String(message), meta ?? {});
  };
  return {
    error: at('error'),
    warning: at('warning'),
    notice: at('notice'),
    info: at('info'),
    debug: at('debug'),
    close: () => {
      open = false;
      w?.close();
    },
  };
}
