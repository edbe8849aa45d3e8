/**
 * `halo run` options, accepting keepalived's own flags so halo can replace keepalived in an
 * existing unit file: -f/--use-file, -n/--dont-fork (accepted; halo always stays in the
 * foreground), -l/--log-console, -D/--log-detail, -P/--vrrp, -C/--check, -p/--pid,
 * -t/--config-test. Pure: argv in, options or a usage error out.
 */
import { DEFAULT_CONFIG_FILE, DEFAULT_CONTROL_SOCKET, DEFAULT_PID_FILE } from './paths';
import { LogFormat, LogLevel } from './logger';

export interface RunOptions {
  configFile: string;
  pidFile: string;
  controlSocket: string;
  logLevel: LogLevel;
  logFormat: LogFormat | null; // null = detect (journald under systemd, else plain)
  logDetail: boolean;
  /** Which halves run: keepalived's -P (VRRP only) and -C (checks and IPVS only). */
  vrrp: boolean;
  lvs: boolean;
  configTest: boolean;
  metricsListen: string | null;
}

export type ParseResult = { ok: true; options: RunOptions } | { ok: false; message: string };

export const RUN_USAGE = `usage: halo run [-f FILE] [options]
  -f, --use-file FILE        configuration file (default ${DEFAULT_CONFIG_FILE})
  -p, --pid, --pid-file P    pid file (default ${DEFAULT_PID_FILE})
      --control-socket S     control socket for halo status (default ${DEFAULT_CONTROL_SOCKET})
  -P, --vrrp                 run only VRRP (no health checks, no IPVS)
  -C, --check                run only health checks and IPVS (no VRRP)
  -t, --config-test          check the configuration and exit (as halo check)
  -n, --dont-fork            accepted for keepalived compatibility; halo stays in the foreground
  -l, --log-console          accepted; halo logs to stdout
  -D, --log-detail           more detail in logs (debug level)
      --log-level L          error|warning|notice|info|debug (default info)
      --log-format F         plain|journald|json (default: journald under systemd, else plain)
      --metrics-listen A:P   serve Prometheus metrics on A:P (off by default)
`;

const LEVELS: LogLevel[] = ['error', 'warning', 'notice', 'info', 'debug'];
const FORMATS: LogFormat[] = ['plain', 'journald', 'json'];

export function parseRunArgs(argv: string[]): ParseResult {
  const o: RunOptions = {
    configFile: DEFAULT_CONFIG_FILE, pidFile: DEFAULT_PID_FILE, controlSocket: DEFAULT_CONTROL_SOCKET,
    logLevel: 'info', logFormat: null, logDetail: false, vrrp: true, lvs: true, configTest: false, metricsListen: null,
  };
  let onlyVrrp = false;
  let onlyCheck = false;
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let inline: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      inline = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const value = (): string | null => {
      if (inline !== undefined) return inline;
      const v = argv[i + 1];
      if (v === undefined) return null;
      i++;
      return v;
    };
    const need = (name: string): string | ParseResult => value() ?? { ok: false, message: `option ${name} needs a value` };
    let v: string | ParseResult;
    switch (arg) {
      case '-f': case '--use-file':
        if (typeof (v = need(arg)) !== 'string') return v;
        o.configFile = v; break;
      case '-p': case '--pid': case '--pid-file':
        if (typeof (v = need(arg)) !== 'string') return v;
        o.pidFile = v; break;
      case '--control-socket':
        if (typeof (v = need(arg)) !== 'string') return v;
        o.controlSocket = v; break;
      case '--log-level':
        if (typeof (v = need(arg)) !== 'string') return v;
        if (!LEVELS.includes(v as LogLevel)) return { ok: false, message: `unknown log level '${v}' (${LEVELS.join('|')})` };
        o.logLevel = v as LogLevel; break;
      case '--log-format':
        if (typeof (v = need(arg)) !== 'string') return v;
        if (!FORMATS.includes(v as LogFormat)) return { ok: false, message: `unknown log format '${v}' (${FORMATS.join('|')})` };
        o.logFormat = v as LogFormat; break;
      case '--metrics-listen':
        if (typeof (v = need(arg)) !== 'string') return v;
        o.metricsListen = v; break;
      case '-P': case '--vrrp': onlyVrrp = true; break;
      case '-C': case '--check': onlyCheck = true; break;
      case '-t': case '--config-test': o.configTest = true; break;
      case '-D': case '--log-detail': o.logDetail = true; o.logLevel = 'debug'; break;
      case '-n': case '--dont-fork': case '-l': case '--log-console': break;
      default:
        return { ok: false, message: `unknown option '${argv[i]}'` };
    }
  }
  if (onlyVrrp && onlyCheck) return { ok: false, message: '-P/--vrrp and -C/--check exclude each other' };
  if (onlyVrrp) o.lvs = false;
  if (onlyCheck) o.vrrp = false;
  return { ok: true, options: o };
}
