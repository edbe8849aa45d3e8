/**
 * Running real directors inside a test topology: halo (`node dist/cli/main.js run`) or Debian's
 * keepalived, each with its own config, pid file, control socket and log, started and stopped
 * by PID. The netns tier uses the compiled CLI exactly as an operator would.
 */
import { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync, openSync, closeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawn } from 'node:child_process';
import { Topology, waitFor } from './netns';
import { descendants, signalTree } from '../../src/lab/procs';
import { controlCall } from '../../src/daemon/control';
import type { InstanceStatus, StatusSnapshot } from '../../src/daemon/status';

export const ROOT = resolve(__dirname, '..', '..');
export const HALO = join(ROOT, 'dist', 'cli', 'main.js');

export interface RunningDirector {
  host: string;
  kind: 'halo' | 'keepalived';
  proc: ChildProcess;
  logFile: string;
  confFile: string;
  pidFile: string;
  socket: string;
  log(): string;
  /** Every PID of this director (keepalived's and halo's children included). */
  pids(): number[];
  /** `sig` to every process of the director (stopping it). */
  signal(sig: NodeJS.Signals): void;
  /**
   * `sig` to the main process only: the one to use for a reload (SIGHUP). keepalived's parent
   * passes it on to its children, halo's supervisor to its worker; signalled too, keepalived's
   * checker would reload twice at once.
   */
  signalMain(sig: NodeJS.Signals): void;
  exited: Promise<number | null>;
}

export class Directors {
  readonly running: RunningDirector[] = [];
  private n = 0;
  /** Added to the environment of every director started from now on (e.g. DBUS_SYSTEM_BUS_ADDRESS). */
  env: Record<string, string> = {};

  constructor(readonly topo: Topology, readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  private launch(host: string, kind: 'halo' | 'keepalived', config: string, extra: string[]): RunningDirector {
    const id = `${host}-${kind}-${++this.n}`;
    const conf = join(this.dir, `${id}.conf`);
    writeFileSync(conf, config);
    const logFile = join(this.dir, `${id}.log`);
    const pidFile = join(this.dir, `${id}.pid`);
    const socket = join(this.dir, `${id}.sock`);
    const argv = kind === 'halo'
      ? [process.execPath, HALO, 'run', '-f', conf, '--pid-file', pidFile, '--control-socket', socket, ...extra]
      : ['keepalived', '-n', '-l', '-D', '-f', conf, '-p', pidFile, '-r', join(this.dir, `${id}-vrrp.pid`),
        '-c', join(this.dir, `${id}-chk.pid`), '-b', join(this.dir, `${id}-bfd.pid`), ...extra];
    const fd = openSync(logFile, 'a');
    const proc = this.topo.spawn(host, argv, { stdio: ['ignore', fd, fd], env: { ...process.env, ...this.env } });
    closeSync(fd);
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    const d: RunningDirector = {
      host, kind, proc, logFile, confFile: conf, pidFile, socket, exited,
      log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
      pids: () => (proc.pid ? [proc.pid, ...descendants(proc.pid)] : []),
      signal: (sig) => signalTree(d.pids(), sig),
      signalMain: (sig) => {
        if (proc.pid !== undefined && proc.exitCode === null && proc.signalCode === null) process.kill(proc.pid, sig);
      },
    };
    this.running.push(d);
    return d;
  }

  halo(host: string, config: string, extra: string[] = []): RunningDirector {
    return this.launch(host, 'halo', config, extra);
  }

  keepalived(host: string, config: string, extra: string[] = []): RunningDirector {
    return this.launch(host, 'keepalived', config, extra);
  }

  /** Stop everything still running: SIGTERM, then SIGKILL after 5 s. */
  async stopAll(): Promise<void> {
    for (const d of this.running) d.signal('SIGTERM');
    await Promise.race([Promise.all(this.running.map((d) => d.exited)), new Promise((r) => setTimeout(r, 5000).unref())]);
    for (const d of this.running) d.signal('SIGKILL');
    this.running.length = 0;
  }
}

/** Does `host` hold `vip` on `dev`? */
export function holds(topo: Topology, host: string, vip: string, dev = 'eth0'): boolean {
  return topo.addresses(host, dev).includes(vip);
}

/** Wait until exactly `host` (among `hosts`) holds `vip`; returns the elapsed ms or throws. */
export async function waitSoleHolder(topo: Topology, hosts: string[], host: string | null, vip: string, timeoutMs: number, dev = 'eth0'): Promise<number> {
  const t0 = Date.now();
  const ok = await waitFor(() => hosts.every((h) => holds(topo, h, vip, dev) === (h === host)), timeoutMs, 20);
  if (!ok) {
    const who = hosts.filter((h) => holds(topo, h, vip, dev));
    throw new Error(`expected ${host ?? 'nobody'} alone to hold ${vip} within ${timeoutMs} ms; held by [${who.join(', ')}]`);
  }
  return Date.now() - t0;
}

/** A halo director's status over its control socket. */
export async function statusOf(d: RunningDirector): Promise<StatusSnapshot> {
  const r = await controlCall(d.socket, { cmd: 'status' });
  if (!r.ok) throw new Error(r.error);
  return r.result as StatusSnapshot;
}

/**
 * Wait until a halo director's instance satisfies `pred` (by its own status, so a director that
 * is still starting simply is not there yet); returns that instance or throws saying what was
 * last seen. Tests wait for the state they depend on instead of sleeping.
 */
export async function waitInstance(d: RunningDirector, name: string, pred: (i: InstanceStatus) => boolean, timeoutMs: number, what: string): Promise<InstanceStatus> {
  let last: InstanceStatus | string = 'no answer on the control socket';
  let hit: InstanceStatus | undefined;
  const ok = await waitFor(async () => {
    try {
      const i = (await statusOf(d)).instances.find((x) => x.name === name);
      if (!i) return false;
      last = i;
      if (pred(i)) hit = i;
      return hit !== undefined;
    } catch (err) {
      last = (err as Error).message;
      return false;
    }
  }, timeoutMs, 50);
  if (!ok || !hit) throw new Error(`${d.host}: ${name} not ${what} within ${timeoutMs} ms; last seen: ${typeof last === 'string' ? last : JSON.stringify({ state: (last as InstanceStatus).state, advertsReceived: (last as InstanceStatus).advertsReceived })}`);
  return hit;
}

/** A backup that is up and hears the master: BACKUP with at least `adverts` adverts received. */
export const hearsMaster = (adverts = 3) => (i: InstanceStatus) => i.state === 'BACKUP' && i.advertsReceived >= adverts;

/** Resolves once tcpdump (spawned with stderr piped) says it is listening: the capture is armed. */
export function captureArmed(p: ChildProcess, timeoutMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let err = '';
    const t = setTimeout(() => reject(new Error(`tcpdump not listening within ${timeoutMs} ms: ${err}`)), timeoutMs);
    p.stderr!.on('data', (c) => {
      err += c;
      if (err.includes('listening on')) {
        clearTimeout(t);
        resolve();
      }
    });
    p.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`tcpdump exited (${code}) before listening: ${err}`));
    });
  });
}

export { waitFor };
