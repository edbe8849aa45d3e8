/**
 * `halo run` options. Every flag of keepalived 2.2.7's command line (keepalived(8), core/main.c
 * long_options) is declared here once: either halo honours it (so halo can replace keepalived
 * in an existing unit file or /etc/default/keepalived) or it is refused, naming what the flag
 * means in keepalived and why halo does not do it. Short flags may be clustered (`-nlD`) and
 * take values attached or separate (`-ifoo`, `-i foo`), long ones `--x=v` or `--x v`, as
 * getopt_long does. Pure: argv in, options or a usage error out.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { DEFAULT_CONFIG_FILE, DEFAULT_CONTROL_SOCKET, DEFAULT_PID_FILE } from './paths';
import type { LoadOptions } from '../config/load';
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
  /** keepalived's -B turns BFD off; absent = on. */
  bfd?: boolean;
  configTest: boolean;
  metricsListen: string | null;
  /** keepalived's -i/--config-id (`@ID` lines, `${_INSTANCE}`); null = the short host name. */
  configId: string | null;
  /** keepalived's -e/--all-config: a missing include file is an error. */
  allConfig: boolean;
  /** keepalived's -u/--umask, applied before any file is created; null = keepalived's 0177 (or global_defs umask). */
  umask: number | null;
  /** What to do instead of running: print help, the version, or a signal number (--signum). */
  action: { kind: 'run' } | { kind: 'help' } | { kind: 'version' } | { kind: 'signum'; signal: number };
  /** Run a config that uses features halo does not implement (each logged), instead of refusing it. */
  allowUnimplemented: boolean;
  /** keepalived's -s/--namespace: run in this network namespace, whatever net_namespace says; null = the config's. */
  netNamespace?: string | null;
}

export type ParseResult = { ok: true; options: RunOptions } | { ok: false; message: string };

export const RUN_USAGE = `usage: halo run [-f FILE] [options]
  -f, --use-file FILE        configuration file (default ${DEFAULT_CONFIG_FILE})
  -i, --config-id ID         config id for '@ID' lines and \${_INSTANCE} (default: the short host name)
  -e, --all-config           a missing include file is an error
  -p, --pid, --pid-file P    pid file (default ${DEFAULT_PID_FILE})
      --control-socket S     control socket for halo status (default ${DEFAULT_CONTROL_SOCKET})
  -P, --vrrp                 run only VRRP (no health checks, no IPVS)
  -C, --check                run only health checks and IPVS (no VRRP)
  -t, --config-test          check the configuration and exit (as halo check)
  -n, --dont-fork            accepted for keepalived compatibility; halo stays in the foreground
  -l, --log-console          accepted; halo logs to stdout
  -G, --no-syslog            accepted; halo never logs through syslog
  -B, --no_bfd               don't run the BFD sessions (bfd_instance)
  -D, --log-detail           more detail in logs (debug level)
  -u, --umask MASK           umask for the files and scripts (numeric, default 0177)
      --signum=STOP|RELOAD   print the signal number for that function and exit
  -v, --version              print the version and exit
  -h, --help                 print this help and exit
      --log-level L          error|warning|notice|info|debug (default info)
      --log-format F         plain|journald|json (default: journald under systemd, else plain)
      --metrics-listen A:P   serve Prometheus metrics on A:P (off by default)
      --allow-unimplemented  run a config that uses keepalived features halo does not implement
                             (each is logged and ignored; such real servers stay down)
keepalived's other flags are refused, each with what it means in keepalived.
`;

const LEVELS: LogLevel[] = ['error', 'warning', 'notice', 'info', 'debug'];
const FORMATS: LogFormat[] = ['plain', 'journald', 'json'];

interface State {
  o: RunOptions;
  onlyVrrp: boolean;
  onlyCheck: boolean;
}

type Handler = (s: State, value: string | undefined) => string | void;

interface OptionSpec {
  short?: string;
  long: string[];
  arg: 'none' | 'required' | 'optional';
  /** What the flag does in keepalived 2.2.7 (keepalived --help). */
  meaning: string;
  /** How halo honours it; absent = refused, with `why`. */
  handle?: Handler;
  why?: string;
}

/** Signal numbers of the --signum functions halo has (Linux numbering). */
const SIGNUMS: Record<string, number> = { STOP: 15, RELOAD: 1 };

const OPTIONS: OptionSpec[] = [
  { short: 'f', long: ['use-file'], arg: 'required', meaning: 'use the specified configuration file', handle: (s, v) => { s.o.configFile = v as string; } },
  { short: 'P', long: ['vrrp'], arg: 'none', meaning: 'only run with VRRP subsystem', handle: (s) => { s.onlyVrrp = true; } },
  { short: 'C', long: ['check'], arg: 'none', meaning: 'only run with Health-checker subsystem', handle: (s) => { s.onlyCheck = true; } },
  { short: 'B', long: ['no_bfd'], arg: 'none', meaning: "don't run BFD subsystem", handle: (s) => { s.o.bfd = false; } },
  { long: ['all'], arg: 'none', meaning: 'force all child processes to run, even if they have no configuration', why: 'halo has no per-subsystem child processes to force' },
  { short: 'l', long: ['log-console'], arg: 'none', meaning: 'log messages to local console', handle: () => undefined },
  { short: 'D', long: ['log-detail'], arg: 'none', meaning: 'detailed log messages', handle: (s) => { s.o.logDetail = true; s.o.logLevel = 'debug'; } },
  { short: 'S', long: ['log-facility'], arg: 'required', meaning: 'set syslog facility to LOG_LOCAL[0-7], user or daemon', why: 'halo logs to stdout or the journal, never through syslog (see --log-format)' },
  { short: 'g', long: ['log-file'], arg: 'optional', meaning: 'log to a file', why: 'halo logs to stdout or the journal (redirect stdout instead)' },
  { long: ['flush-log-file'], arg: 'none', meaning: 'flush the log file after each write', why: 'halo has no log file' },
  { short: 'G', long: ['no-syslog'], arg: 'none', meaning: "don't log via syslog", handle: () => undefined },
  { short: 'e', long: ['all-config'], arg: 'none', meaning: 'error if any configuration file is missing', handle: (s) => { s.o.allConfig = true; } },
  {
    short: 'u', long: ['umask'], arg: 'required', meaning: 'umask for file creation (in numeric form)',
    handle: (s, v) => {
      const m = parseCNumber(v as string);
      if (m === null || m > 0o777) return `-u/--umask: '${v}' is not a numeric umask`;
      s.o.umask = m;
    },
  },
  { short: 'X', long: ['release-vips'], arg: 'none', meaning: 'drop VIPs on transition from signal', why: 'halo always releases its VIPs when it stops' },
  { short: 'V', long: ['dont-release-vrrp'], arg: 'none', meaning: "don't remove VRRP VIPs and VROUTEs on daemon stop", why: 'halo always removes its VIPs on stop (its ExecStopPost cleanup relies on it)' },
  { short: 'I', long: ['dont-release-ipvs'], arg: 'none', meaning: "don't remove IPVS topology on daemon stop", why: 'halo always removes the IPVS services it owns on stop' },
  { short: 'R', long: ['dont-respawn'], arg: 'none', meaning: "don't respawn child processes", why: "halo's supervisor always respawns a dead worker after releasing what it held" },
  { short: 'n', long: ['dont-fork'], arg: 'none', meaning: "don't fork the daemon process", handle: () => undefined },
  { short: 'd', long: ['dump-conf'], arg: 'none', meaning: 'dump the configuration data', why: 'use `halo check --dump -f FILE`' },
  { short: 'p', long: ['pid', 'pid-file'], arg: 'required', meaning: 'use specified pidfile for parent process', handle: (s, v) => { s.o.pidFile = v as string; } },
  { short: 'r', long: ['vrrp_pid'], arg: 'required', meaning: 'use specified pidfile for VRRP child process', why: 'halo runs one worker for VRRP and checks; its only pid file is -p' },
  { short: 'c', long: ['checkers_pid'], arg: 'required', meaning: 'use specified pidfile for checkers child process', why: 'halo runs one worker for VRRP and checks; its only pid file is -p' },
  { short: 'b', long: ['bfd_pid'], arg: 'required', meaning: 'use specified pidfile for BFD child process', why: 'halo runs BFD in its one worker; its only pid file is -p' },
  { short: 'T', long: ['genhash'], arg: 'none', meaning: 'enter genhash utility mode', why: 'halo has no genhash (HTTP digests are computed by keepalived\'s genhash tool)' },
  { short: 'a', long: ['address-monitoring'], arg: 'none', meaning: 'report all address additions/deletions notified via netlink', why: 'halo does not log foreign address changes' },
  { short: 'x', long: ['snmp'], arg: 'none', meaning: 'enable SNMP subsystem', why: 'it also turns on KEEPALIVED-MIB\'s checker part, which halo does not implement; give enable_snmp_vrrp, enable_snmp_rfcv2, enable_snmp_rfcv3 in global_defs' },
  { short: 'A', long: ['snmp-agent-socket'], arg: 'required', meaning: 'use the specified socket for master agent', why: 'give snmp_socket in global_defs' },
  { short: 's', long: ['namespace'], arg: 'required', meaning: 'Run in network namespace NAME (overrides config)', handle: (s, v) => { s.o.netNamespace = v as string; } },
  { short: 'm', long: ['core-dump'], arg: 'none', meaning: 'produce core dump if terminate abnormally', why: 'halo is a Node.js program: use node --abort-on-uncaught-exception and the system core settings' },
  { short: 'M', long: ['core-dump-pattern'], arg: 'optional', meaning: 'also set /proc/sys/kernel/core_pattern', why: 'halo does not change kernel core dump settings' },
  { short: 'i', long: ['config-id'], arg: 'required', meaning: "skip configuration lines beginning '@' that don't match id", handle: (s, v) => { s.o.configId = v as string; } },
  {
    long: ['signum'], arg: 'required', meaning: 'return signal number for STOP, RELOAD, DATA, STATS, STATS_CLEAR, JSON',
    handle: (s, v) => {
      const n = SIGNUMS[(v as string).toUpperCase()];
      if (n === undefined) return `--signum: '${v}' is not supported by halo (it has STOP and RELOAD; its state is read with halo status)`;
      s.o.action = { kind: 'signum', signal: n };
    },
  },
  {
    short: 't', long: ['config-test'], arg: 'optional', meaning: 'check the configuration for obvious errors',
    handle: (s, v) => {
      if (v !== undefined) return `-t/--config-test=${v}: not supported by halo: writing the check to a log file (halo prints it on stderr)`;
      s.o.configTest = true;
    },
  },
  { long: ['config-fd'], arg: 'required', meaning: "internal: read the configuration from a file descriptor (keepalived's own children)", why: 'halo has no such children' },
  { long: ['perf'], arg: 'optional', meaning: 'collect perf data', why: 'use the Node.js profiler' },
  { long: ['debug'], arg: 'optional', meaning: 'debug options of a debug build', why: 'use --log-level debug' },
  { short: 'v', long: ['version'], arg: 'none', meaning: 'display the version number', handle: (s) => { s.o.action = { kind: 'version' }; } },
  { short: 'h', long: ['help'], arg: 'none', meaning: 'display this help message', handle: (s) => { s.o.action = { kind: 'help' }; } },
  // halo's own.
  { long: ['control-socket'], arg: 'required', meaning: 'control socket for halo status', handle: (s, v) => { s.o.controlSocket = v as string; } },
  {
    long: ['log-level'], arg: 'required', meaning: 'log level',
    handle: (s, v) => {
      if (!LEVELS.includes(v as LogLevel)) return `unknown log level '${v}' (${LEVELS.join('|')})`;
      s.o.logLevel = v as LogLevel;
    },
  },
  {
    long: ['log-format'], arg: 'required', meaning: 'log format',
    handle: (s, v) => {
      if (!FORMATS.includes(v as LogFormat)) return `unknown log format '${v}' (${FORMATS.join('|')})`;
      s.o.logFormat = v as LogFormat;
    },
  },
  { long: ['metrics-listen'], arg: 'required', meaning: 'serve Prometheus metrics', handle: (s, v) => { s.o.metricsListen = v as string; } },
  { long: ['allow-unimplemented'], arg: 'none', meaning: 'run a config using features halo does not implement', handle: (s) => { s.o.allowUnimplemented = true; } },
];

const BY_SHORT = new Map(OPTIONS.filter((o) => o.short).map((o) => [o.short as string, o]));
const BY_LONG = new Map(OPTIONS.flatMap((o) => o.long.map((l) => [l, o] as const)));

/** `-x/--long` as keepalived's help names it. */
function flagName(o: OptionSpec): string {
  return [o.short ? `-${o.short}` : null, ...o.long.map((l) => `--${l}`)].filter((x) => x !== null).join('/');
}

/** strtoul(…, 0): 0x hex, 0 octal, else decimal. */
function parseCNumber(v: string): number | null {
  if (/^0[xX][0-9a-fA-F]+$/.test(v)) return parseInt(v.slice(2), 16);
  if (/^0[0-7]*$/.test(v)) return parseInt(v, 8);
  if (/^[1-9][0-9]*$/.test(v)) return parseInt(v, 10);
  return null;
}

export function parseRunArgs(argv: string[]): ParseResult {
  const s: State = {
    o: {
      configFile: DEFAULT_CONFIG_FILE, pidFile: DEFAULT_PID_FILE, controlSocket: DEFAULT_CONTROL_SOCKET,
      logLevel: 'info', logFormat: null, logDetail: false, vrrp: true, lvs: true, configTest: false, metricsListen: null,
      configId: null, allConfig: false, umask: null, action: { kind: 'run' }, allowUnimplemented: false,
    },
    onlyVrrp: false,
    onlyCheck: false,
  };
  const apply = (spec: OptionSpec, value: string | undefined): string | null => {
    if (!spec.handle) return `${flagName(spec)}: not supported by halo: in keepalived it means "${spec.meaning}"; ${spec.why}`;
    return spec.handle(s, value) ?? null;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    let err: string | null;
    if (arg.startsWith('--') && arg.length > 2) {
      const eq = arg.indexOf('=');
      const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
      const spec = BY_LONG.get(name);
      if (!spec) return { ok: false, message: `unknown option '${arg}'` };
      let value: string | undefined = eq > 0 ? arg.slice(eq + 1) : undefined;
      if (spec.arg === 'none' && value !== undefined) return { ok: false, message: `option --${name} takes no value` };
      if (spec.arg === 'required' && value === undefined) {
        value = argv[++i];
        if (value === undefined) return { ok: false, message: `option --${name} needs a value` };
      }
      err = apply(spec, value);
    } else if (arg.startsWith('-') && arg.length > 1) {
      err = null;
      // A cluster of short flags; the first that takes a value takes the rest (or the next word).
      for (let k = 1; k < arg.length && err === null; k++) {
        const spec = BY_SHORT.get(arg[k]);
        if (!spec) return { ok: false, message: `unknown option '-${arg[k]}'` };
        if (spec.arg === 'none') {
          err = apply(spec, undefined);
          continue;
        }
        let value: string | undefined = k + 1 < arg.length ? arg.slice(k + 1) : undefined;
        if (spec.arg === 'required' && value === undefined) {
          value = argv[++i];
          if (value === undefined) return { ok: false, message: `option -${arg[k]} needs a value` };
        }
        err = apply(spec, value);
        break;
      }
    } else {
      return { ok: false, message: `unexpected argument '${arg}'` };
    }
    if (err !== null) return { ok: false, message: err };
  }
  if (s.onlyVrrp && s.onlyCheck) return { ok: false, message: '-P/--vrrp and -C/--check exclude each other' };
  if (s.onlyVrrp) s.o.lvs = false;
  if (s.onlyCheck) s.o.vrrp = false;
  return { ok: true, options: s.o };
}

/** keepalived 2.2.7's flags and what halo does with each, for the README and `halo run --help`. */
export function keepalivedFlags(): { flag: string; meaning: string; halo: string }[] {
  return OPTIONS.filter((o) => o.meaning && !['control-socket', 'log-level', 'log-format', 'metrics-listen', 'allow-unimplemented'].includes(o.long[0])).map((o) => ({
    flag: flagName(o),
    meaning: o.meaning,
    halo: o.handle ? 'accepted' : `refused: ${o.why}`,
  }));
}

/** What the config loader needs from the run options (at start and at each reload). */
/**
 * The interfaces of this process's network namespace, read when a config is (re)loaded. From
 * /proc/self/net/dev, which always shows the reader's own namespace: /sys/class/net shows the
 * namespace of whoever mounted /sys (after `unshare --net` without a remount: the host's).
 */
export function hostInterfaces(): string[] {
  try {
    return procNetDevNames(readFileSync('/proc/self/net/dev', 'utf8'));
  } catch {
    try {
      return readdirSync('/sys/class/net');
    } catch {
      return [];
    }
  }
}

/** The interface names in /proc/net/dev's text (two header lines, then `NAME: counters`; a name has no ':'). */
export function procNetDevNames(text: string): string[] {
  return text.split('\n').slice(2).flatMap((l) => {
    const m = /^\s*([^\s:]+):/.exec(l);
    return m ? [m[1]] : [];
  });
}

export function loadOptions(o: RunOptions): LoadOptions {
  return { configId: o.configId ?? undefined, allConfig: o.allConfig, allowUnimplemented: o.allowUnimplemented,
    // keepalived checks them in its VRRP process only
    interfaces: o.vrrp ? hostInterfaces() : undefined, vrfTables: o.vrrp ? 'host' : undefined };
}
