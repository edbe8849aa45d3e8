/**
 * notify_fifo, vrrp_notify_fifo and lvs_notify_fifo, run as keepalived 2.2.7 runs them
 * (lib/notify.c fifo_open/fifo_close, global_data.c's checks, vrrp.c/check_data.c adding the
 * FIFO's path to its script's arguments):
 * - a FIFO that does not exist is made with mode 0644 under keepalived's umask (0177 unless
 *   umask / -u says otherwise: so 0600), and given to its USER [GROUP] (else the script user);
 *   an existing one (or any file) is used as it is;
 * - its `_script` is started before the FIFO is opened, with the FIFO's path as its last
 *   argument, as its user, with no time limit;
 * - the FIFO is opened read-write and non-blocking (a write never waits for the reader; a line
 *   that does not fit is lost, as keepalived loses it);
 * - at stop and before a reload, a FIFO halo made is removed first, then closed; at stop the
 *   scripts get SIGTERM (keepalived starts them with PR_SET_PDEATHSIG, SIGTERM); a reload opens
 *   the FIFOs again and starts their scripts again, as keepalived does.
 * VRRP lines go to the global and the vrrp FIFO, LVS lines to the global and the lvs FIFO.
 */
import type { ChildProcess } from 'node:child_process';
/** node:child_process, loaded on first use: with it the worker's start loaded node:dgram and ~6 ms of CPU (host) before its first VRRP state (issue 15). */
const childProcess = () => require('node:child_process') as typeof import('node:child_process');
import { chownSync, closeSync, constants, lstatSync, openSync, unlinkSync, writeSync } from 'node:fs';
import type { Model, NotifyFifoConfig, NotifyFifos as NotifyFifosConfig, RunAs } from '../config/model';
import { asUser, secureScript } from './notify';

export interface FifoLog {
  info(m: string): void;
  warning(m: string): void;
}

export interface NotifyFifoOptions {
  /** script_user (null = root): the owner and script user when a line names none. */
  scriptRunAs: RunAs | null;
  enableScriptSecurity: boolean;
  /** The umask keepalived would create the FIFO under (its default is 0177). */
  umask: number;
  /** Which sides run: keepalived's VRRP process opens the vrrp FIFO, its checker the lvs one. */
  vrrp: boolean;
  lvs: boolean;
  log: FifoLog;
}

export { KEEPALIVED_UMASK } from './umask';

interface Opened {
  path: string;
  fd: number;
  created: boolean;
}

/** One set of FIFOs as configured, opened (open()) and closed (close()) as a whole. */
export class NotifyFifoSet {
  private opened: Opened[] = [];
  private readonly scripts = new Set<ChildProcess>();
  private globalFd: number | null = null;
  private vrrpFd: number | null = null;
  private lvsFd: number | null = null;

  constructor(private readonly cfg: NotifyFifosConfig, private readonly opts: NotifyFifoOptions) {}

  /** The FIFOs and scripts to run, after keepalived's checks for FIFOs named twice. */
  static plan(cfg: NotifyFifosConfig, log: FifoLog): NotifyFifosConfig {
    const copy = (f: NotifyFifoConfig): NotifyFifoConfig => ({ ...f });
    const p = { global: copy(cfg.global), vrrp: copy(cfg.vrrp), lvs: copy(cfg.lvs) };
    const none: NotifyFifoConfig = { path: null, script: null };
    if (p.global.path !== null && p.global.path === p.vrrp.path) {
      log.info(`notify FIFO ${p.vrrp.path} has been specified for global and vrrp FIFO - ignoring vrrp FIFO`);
      p.vrrp = none;
    }
    if (p.global.path !== null && p.global.path === p.lvs.path) {
      log.info(`notify FIFO ${p.lvs.path} has been specified for global and LVS FIFO - ignoring LVS FIFO`);
      p.lvs = none;
    }
    if (p.lvs.path !== null && p.lvs.path === p.vrrp.path && p.lvs.script && p.vrrp.script) {
      log.info('LVS notify FIFO and vrrp FIFO are the same both with scripts - ignoring LVS FIFO script');
      p.lvs = { ...p.lvs, script: null };
    }
    return p;
  }

  open(): void {
    const p = NotifyFifoSet.plan(this.cfg, this.opts.log);
    const { vrrp, lvs } = this.opts;
    if (!vrrp && !lvs) return;
    // keepalived runs the global FIFO's script in its checker when there is one
    const globalLabel = lvs ? 'lvs' : 'vrrp';
    this.globalFd = this.openOne(p.global, '', globalLabel);
    if (vrrp) this.vrrpFd = this.openOne(p.vrrp, 'vrrp_', 'vrrp');
    if (lvs) this.lvsFd = this.openOne(p.lvs, 'lvs_', 'lvs');
  }

  /** A VRRP line (vrrpFifoLine): to the global and the vrrp FIFO. */
  vrrp(line: string): void {
    this.write(this.globalFd, line);
    if (this.vrrpFd !== this.globalFd) this.write(this.vrrpFd, line);
  }

  /** An LVS line (vsFifoLine, rsFifoLine): to the global and the lvs FIFO. */
  lvs(line: string): void {
    this.write(this.globalFd, line);
    if (this.lvsFd !== this.globalFd) this.write(this.lvsFd, line);
  }

  /** Removes the FIFOs halo made, then closes them; `stopping`: the scripts get SIGTERM too. */
  close(stopping: boolean): void {
    for (const o of this.opened) {
      if (o.created) {
        try {
          unlinkSync(o.path);
        } catch {
          /* gone already */
        }
      }
      closeSync(o.fd);
    }
    this.opened = [];
    this.globalFd = this.vrrpFd = this.lvsFd = null;
    if (stopping) {
      for (const c of this.scripts) {
        c.removeAllListeners('exit'); // keepalived has exited by then: it logs nothing
        c.kill('SIGTERM');
      }
      this.scripts.clear();
    }
  }

  private write(fd: number | null, line: string): void {
    if (fd === null) return;
    try {
      writeSync(fd, line);
    } catch {
      /* a full FIFO loses the line, as keepalived's non-blocking write does */
    }
  }

  /** fifo_open(): make, start the script, open. The fd, or null. */
  private openOne(f: NotifyFifoConfig, type: string, label: string): number | null {
    const path = f.path;
    if (path === null) return null;
    const same = this.opened.find((o) => o.path === path);
    if (same) {
      // one process here where keepalived has two: the vrrp and lvs FIFO may be one file
      this.startScript(f, path, label);
      return same.fd;
    }
    const { log } = this.opts;
    let created = false;
    if (!exists(path)) {
      try {
        childProcess().execFileSync('mkfifo', ['-m', (0o644 & ~this.opts.umask).toString(8), '--', path], { stdio: 'ignore' });
        created = true;
      } catch {
        log.info(`Unable to create ${type}notify fifo ${path}`);
        return null;
      }
      const owner = f.owner !== undefined ? f.owner : this.opts.scriptRunAs;
      if (owner && (owner.uid !== 0 || owner.gid !== 0)) {
        try {
          chownSync(path, owner.uid !== 0 ? owner.uid : -1, owner.gid !== 0 ? owner.gid : -1);
        } catch {
          log.info(`Failed to set uid:gid for fifo ${path}`);
        }
      }
    }
    this.startScript(f, path, label);
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOFOLLOW);
    } catch (err) {
      log.info(`Unable to open ${type}notify fifo ${path} - errno ${-((err as { errno?: number }).errno ?? 0)}`);
      if (created) unlinkQuietly(path);
      return null;
    }
    this.opened.push({ path, fd, created });
    return fd;
  }

  private startScript(f: NotifyFifoConfig, path: string, label: string): void {
    if (!f.script || f.script.length === 0) return;
    const runAs = f.scriptRunAs !== undefined ? f.scriptRunAs : this.opts.scriptRunAs;
    let file = f.script[0];
    if (this.opts.enableScriptSecurity) {
      const ok = secureScript(file, runAs);
      if ('error' in ok) {
        this.opts.log.warning(`${ok.error}; not running the ${label} notify fifo script`);
        return;
      }
      file = ok.file;
    }
    const child = childProcess().spawn(file, [...f.script.slice(1), path], {
      stdio: 'ignore',
      detached: true, // its own process group, as keepalived's setpgid(0, 0)
      ...asUser(runAs),
    });
    this.scripts.add(child);
    child.on('error', (err) => this.opts.log.warning(`${label} notify fifo script ${file}: ${err.message}`));
    child.on('exit', () => {
      this.scripts.delete(child);
      this.opts.log.info(`${label} notify fifo script terminated`);
    });
  }
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* nothing to remove */
  }
}

/** Whether a config names any FIFO at all (nothing is opened otherwise). */
export function anyFifo(cfg: NotifyFifosConfig | undefined): cfg is NotifyFifosConfig {
  return cfg !== undefined && (cfg.global.path !== null || cfg.vrrp.path !== null || cfg.lvs.path !== null);
}

/**
 * The daemon's FIFOs across reloads: configure() with each model in force (the FIFOs of the
 * previous one are closed first, as keepalived closes them before it re-reads its config),
 * close() at stop.
 */
export class NotifyFifos {
  private set: NotifyFifoSet | null = null;

  constructor(private readonly options: (model: Model) => NotifyFifoOptions) {}

  configure(model: Model): void {
    this.set?.close(false);
    const cfg = model.globalDefs.notifyFifos;
    this.set = anyFifo(cfg) ? new NotifyFifoSet(cfg, this.options(model)) : null;
    this.set?.open();
  }

  vrrp(line: string): void {
    this.set?.vrrp(line);
  }

  lvs(line: string): void {
    this.set?.lvs(line);
  }

  close(): void {
    this.set?.close(true);
    this.set = null;
  }
}
