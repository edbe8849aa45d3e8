/**
 * Logging in keepalived's wording, with winston as the sink.
 *
 * Three output shapes, chosen once at start-up:
 *  - plain (default): `Sun Nov 22 15:52:38 2026: (VI_1) Entering MASTER STATE` — keepalived's
 *    console format (`-l`), so operators can grep what they already know;
 *  - journald: when stdout is the journal (systemd sets JOURNAL_STREAM), each line gets the
 *    sd-daemon `<N>` priority prefix and no timestamp (the journal adds its own);
 *  - json: one object per line for log shippers (`--log-format json`).
 */
import winston from 'winston';

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
}

/** systemd's JOURNAL_STREAM names the device:inode of the journal; stdout being it means journald. */
export function detectLogFormat(env: NodeJS.ProcessEnv = process.env): LogFormat {
  return env.JOURNAL_STREAM ? 'journald' : 'plain';
}

/** keepalived's console timestamp: `Sun Nov 22 15:52:38 2026`. */
function consoleTimestamp(d: Date): string {
  return d.toString().slice(0, 24).replace(/^(\w{3} \w{3} \d{2}) (\d{4}) ([\d:]{8})$/, '$1 $3 $2');
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const format = opts.format ?? detectLogFormat();
  const tag = opts.tag ? `${opts.tag}: ` : '';
  const line = winston.format.printf((info) => {
    const level = info.level as LogLevel;
    const message = String(info.message);
    if (format === 'journald') return `<${SYSLOG_LEVELS[level]}>${tag}${message}`;
    return `${consoleTimestamp(new Date())}: ${tag}${message}`;
  });
  const json = winston.format.combine(winston.format.timestamp(), winston.format.json());
  const w = winston.createLogger({
    levels: SYSLOG_LEVELS,
    level: opts.level ?? 'info',
    format: format === 'json' ? json : line,
    transports: [new winston.transports.Stream({ stream: opts.stream ?? process.stdout })],
  });
  // winston's syslog levels are "lower number = more severe"; ours match syslog(3) exactly.
  const at = (level: LogLevel) => (message: string, meta?: Record<string, unknown>) => {
    w.log(level, message, meta ?? {});
  };
  return {
    error: at('error'),
    warning: at('warning'),
    notice: at('notice'),
    info: at('info'),
    debug: at('debug'),
    close: () => w.close(),
  };
}
