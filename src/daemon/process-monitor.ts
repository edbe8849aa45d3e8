/**
 * The shell of vrrp_track_process: the kernel's process events (NETLINK_CONNECTOR, CN_IDX_PROC,
 * through halo_native's NetlinkEvents) and /proc reads, fed to the pure counter
 * (src/vrrp/track-process.ts), whose timers it arms and whose quorum changes it reports.
 *
 * As keepalived: it listens before it scans /proc, so no process slips between the two; thread
 * events (pid ≠ tgid) are ignored; lost events (ENOBUFS) lead to a fresh /proc scan a second
 * later; a kernel without proc events (no ack within 100 ms) is warned in keepalived's words.
 * The connector only delivers to sockets of the initial network namespace: in another one the
 * listen request fails with ECONNREFUSED, and halo then refuses to run (it cannot count).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { haloNative } from '../net/native';
import { decodeProcEvent, encodeProcListen, NETLINK_CONNECTOR, CN_IDX_PROC } from '../net/proc-events';
import type { ProcEvent as KernelEvent } from '../net/proc-events';
import {
  ProcessInfo, ProcessTrackerState, rescanProcesses, scanProcesses, stepProcessTracker, TrackProcessDef,
} from '../vrrp/track-process';
import type { ProcessTrackerResult } from '../vrrp/track-process';
import type { Logger } from './logger';

const ACK_WAIT_MS = 100;
const RESCAN_AFTER_MS = 1000;
const RCVBUF = 1 << 20;

/** What the monitor reads from /proc; injectable for tests. */
export interface ProcReader {
  /** Every process now, by pid (zombies left out). */
  scan(wantArgv: boolean): Map<number, ProcessInfo>;
  /** One process now, or null if it is gone. */
  read(pid: number, wantArgv: boolean): ProcessInfo | null;
}

function readArgv(pid: number | string): string[] | null {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
    if (raw.length === 0) return null;
    return (raw.endsWith('\0') ? raw.slice(0, -1) : raw).split('\0');
  } catch {
    return null;
  }
}

export const procfs: ProcReader = {
  scan(wantArgv) {
    const out = new Map<number, ProcessInfo>();
    let names: string[];
    try {
      names = readdirSync('/proc');
    } catch {
      return out;
    }
    for (const n of names) {
      if (!/^[1-9]\d*$/.test(n)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${n}/stat`, 'latin1');
      } catch {
        continue; // gone since readdir
      }
      const open = stat.indexOf('(');
      const close = stat.lastIndexOf(')');
      if (open < 0 || close < open) continue;
      if (stat[close + 2] === 'Z') continue; // a zombie has no command line any more
      out.set(Number(n), { comm: stat.slice(open + 1, close), argv: wantArgv ? readArgv(n) : null });
    }
    return out;
  },
  read(pid, wantArgv) {
    let comm: string;
    try {
      comm = readFileSync(`/proc/${pid}/comm`, 'latin1').replace(/\n$/, '');
    } catch {
      return null;
    }
    return { comm, argv: wantArgv ? readArgv(pid) : null };
  },
};

export interface ProcessMonitorDeps {
  log: Logger;
  proc?: ProcReader;
  now?: () => number;
  /** Opens the event socket; default: the real connector through halo_native. */
  open?: (onData: (datagram: Buffer | null, error?: Error & { code?: string }) => void) => { send(b: Buffer): void; close(): void };
}

const openConnector: NonNullable<ProcessMonitorDeps['open']> = (onData) => {
  return new (haloNative().NetlinkEvents)(CN_IDX_PROC, RCVBUF, onData, NETLINK_CONNECTOR);
};

export class ProcessMonitor {
  private state: ProcessTrackerState = { pids: {}, counts: {} };
  private socket: { send(b: Buffer): void; close(): void } | null = null;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private ackTimer: NodeJS.Timeout | null = null;
  private rescanTimer: NodeJS.Timeout | null = null;
  private acked = false;
  private readonly wantArgv: boolean;
  private readonly proc: ProcReader;
  private readonly now: () => number;

  constructor(
    private readonly defs: readonly TrackProcessDef[],
    private readonly deps: ProcessMonitorDeps,
    private readonly onChange: (name: string, up: boolean) => void,
  ) {
    this.wantArgv = defs.some((d) => d.fullCommand);
    this.proc = deps.proc ?? procfs;
    this.now = deps.now ?? (() => performance.now());
  }

  /** Listens, then scans /proc; returns each block's quorum now. Throws (naming the operation) if it cannot listen. */
  start(): Record<string, boolean> {
    const open = this.deps.open ?? openConnector;
    this.socket = open((d, err) => this.onDatagram(d, err));
    try {
      this.socket.send(encodeProcListen(true));
    } catch (e) {
      this.socket.close();
      this.socket = null;
      throw new Error(`Failed to set/clear process event listen - ${(e as Error).message}${(e as { code?: string }).code === 'ECONNREFUSED' ? ' (the process connector only serves the initial network namespace)' : ''}`);
    }
    this.ackTimer = setTimeout(() => {
      this.ackTimer = null;
      if (!this.acked) this.deps.log.warning('WARNING - the kernel does not support proc events - track_process will not work');
    }, ACK_WAIT_MS);
    this.ackTimer.unref();
    this.state = scanProcesses(this.defs, this.proc.scan(this.wantArgv));
    return this.quorums();
  }

  quorums(): Record<string, boolean> {
    return Object.fromEntries(Object.entries(this.state.counts).map(([n, c]) => [n, c.quorum]));
  }

  /** Process counts now, for status. */
  counts(): Record<string, number> {
    return Object.fromEntries(Object.entries(this.state.counts).map(([n, c]) => [n, c.count]));
  }

  stop(): void {
    if (this.socket) {
      try {
        this.socket.send(encodeProcListen(false));
      } catch { /* closing anyway */ }
      this.socket.close();
      this.socket = null;
    }
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    if (this.ackTimer) clearTimeout(this.ackTimer);
    if (this.rescanTimer) clearTimeout(this.rescanTimer);
    this.ackTimer = this.rescanTimer = null;
  }

  private onDatagram(d: Buffer | null, err?: Error & { code?: string }): void {
    if (!d) {
      if (err?.code === 'ENOBUFS') {
        // keepalived: missed events; let things settle, then count again from /proc
        if (this.rescanTimer) clearTimeout(this.rescanTimer);
        this.rescanTimer = setTimeout(() => {
          this.rescanTimer = null;
          this.apply(rescanProcesses(this.state, this.defs, this.proc.scan(this.wantArgv), this.now()));
        }, RESCAN_AFTER_MS);
      } else this.deps.log.warning(`process monitor netlink recv error - ${err?.message ?? 'unknown'}`);
      return;
    }
    const r = decodeProcEvent(d);
    if (!r.ok) {
      this.deps.log.warning(`process monitor: dropped a malformed event: ${r.reason}`);
      return;
    }
    this.onEvent(r.event);
  }

  private onEvent(e: KernelEvent): void {
    switch (e.what) {
      case 'ack':
        this.acked = true;
        return;
      case 'fork':
        if (e.childPid !== e.childTgid) return; // a new thread
        return this.feed({ type: 'fork', parent: e.parentTgid, child: e.childTgid });
      case 'exec': {
        if (e.pid !== e.tgid) return;
        const info = this.proc.read(e.tgid, this.wantArgv);
        if (info) this.feed({ type: 'exec', pid: e.tgid, info });
        return;
      }
      case 'comm': {
        if (e.pid !== e.tgid) return;
        this.feed({ type: 'comm', pid: e.tgid, comm: e.comm, info: { comm: e.comm, argv: null } });
        return;
      }
      case 'exit':
        if (e.pid !== e.tgid) return;
        return this.feed({ type: 'exit', pid: e.tgid });
      default:
        return;
    }
  }

  private feed(event: Parameters<typeof stepProcessTracker>[2]): void {
    this.apply(stepProcessTracker(this.state, this.defs, event, this.now()));
  }

  private apply(r: ProcessTrackerResult): void {
    this.state = r.state;
    for (const line of r.log) this.deps.log.info(line);
    for (const t of r.timers) {
      const old = this.timers.get(t.name);
      if (old) clearTimeout(old);
      this.timers.delete(t.name);
      if (t.deadline === null) continue;
      this.timers.set(t.name, setTimeout(() => {
        this.timers.delete(t.name);
        this.feed({ type: 'timer', name: t.name });
      }, Math.max(0, t.deadline - this.now())));
    }
    for (const c of r.changes) this.onChange(c.name, c.up);
  }
}
