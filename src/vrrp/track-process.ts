/**
 * vrrp_track_process counting, pure (keepalived core/track_process.c): which running processes
 * match each vrrp_track_process block, how many there are, and when the block gains or loses its
 * quorum (quorum ≤ count ≤ quorum_max), with fork_delay / terminate_delay. The shell feeds it a
 * /proc scan at start and the kernel's process events (fork, exec, comm, exit) after that, and
 * arms the timers it asks for; it turns each quorum change into a `trackProcess` event.
 *
 * As keepalived:
 * - a block matches on comm (/proc/PID/comm, 15 characters) unless it gives parameters or
 *   full_command/param_match, then on the command line's first word, and its parameters by
 *   param_match (exact, partial: the given ones are a prefix, initial: the last one is a prefix);
 * - a fork of a counted process is counted at once; an exec or a comm change re-judges the pid;
 * - gaining the quorum by a fork waits fork_delay, losing it by an exit waits terminate_delay;
 *   the opposite event cancels a pending timer (no change reported);
 * - threads (pid ≠ tgid) are ignored: the shell passes process events only.
 */
import type { VrrpTrackProcess } from '../config/model';

export type TrackProcessDef = Pick<VrrpTrackProcess, 'name' | 'process' | 'params' | 'paramMatch' | 'fullCommand' | 'quorum' | 'quorumMax' | 'forkDelayMs' | 'terminateDelayMs'>;

/** What the shell read about a process: comm (null = unreadable) and argv (null = unreadable). */
export interface ProcessInfo {
  comm: string | null;
  argv: string[] | null;
}

export interface ProcessCount {
  count: number;
  quorum: boolean;
  /** A pending fork_delay / terminate_delay timer. */
  timer: { kind: 'fork' | 'terminate'; deadline: number } | null;
}

export interface ProcessTrackerState {
  /** pid → the blocks it is counted for. */
  pids: Record<number, string[]>;
  counts: Record<string, ProcessCount>;
}

export type ProcessEvent =
  | { type: 'fork'; parent: number; child: number }
  | { type: 'exec'; pid: number; info: ProcessInfo }
  | { type: 'comm'; pid: number; comm: string; info: ProcessInfo }
  | { type: 'exit'; pid: number }
  | { type: 'timer'; name: string };

export interface ProcessTrackerResult {
  state: ProcessTrackerState;
  /** Quorum changes, in order: each becomes a `trackProcess` event for the instances. */
  changes: { name: string; up: boolean }[];
  /** Timers to arm (deadline) or cancel (null), by block name. */
  timers: { name: string; deadline: number | null }[];
  log: string[];
}

function inQuorum(d: TrackProcessDef, count: number): boolean {
  return count >= d.quorum && (d.quorumMax === null || count <= d.quorumMax);
}

/** keepalived's check_params over the NUL-joined parameter strings. */
export function paramsMatch(d: TrackProcessDef, actual: string[]): boolean {
  const want = d.params === null ? null : Buffer.from(d.params.map((p) => `${p}\0`).join(''));
  const got = Buffer.from(actual.map((p) => `${p}\0`).join(''));
  if (d.paramMatch === 'exact' && want === null && got.length === 0) return true;
  if (want !== null && got.length < want.length) return false;
  if (d.paramMatch === 'exact') return want === null ? got.length === 0 : got.equals(want);
  if (want === null) return true;
  if (d.paramMatch === 'partial') return got.subarray(0, want.length).equals(want);
  return want.length === 1 || got.subarray(0, want.length - 1).equals(want.subarray(0, want.length - 1));
}

/** Whether a process matches a block; `commOnly`: a comm change, which full-command blocks ignore. */
export function processMatches(d: TrackProcessDef, p: ProcessInfo, commOnly = false): boolean {
  if (d.fullCommand) {
    if (commOnly || !p.argv || p.argv.length === 0 || p.argv[0] !== d.process) return false;
  } else if (p.comm === null || p.comm !== d.process) return false;
  if (d.paramMatch === 'none') return true;
  return paramsMatch(d, p.argv?.slice(1) ?? []);
}

/** The state after a /proc scan: every matching process counted, quorum as the counts say. */
export function scanProcesses(defs: readonly TrackProcessDef[], procs: ReadonlyMap<number, ProcessInfo>): ProcessTrackerState {
  const state: ProcessTrackerState = { pids: {}, counts: {} };
  for (const d of defs) state.counts[d.name] = { count: 0, quorum: false, timer: null };
  for (const [pid, info] of procs) {
    for (const d of defs) {
      if (!processMatches(d, info)) continue;
      (state.pids[pid] ??= []).push(d.name);
      state.counts[d.name].count++;
    }
  }
  for (const d of defs) state.counts[d.name].quorum = inQuorum(d, state.counts[d.name].count);
  return state;
}

class Run {
  readonly changes: { name: string; up: boolean }[] = [];
  readonly timers: { name: string; deadline: number | null }[] = [];
  readonly log: string[] = [];
  readonly state: ProcessTrackerState;
  constructor(
    s: ProcessTrackerState,
    readonly defs: ReadonlyMap<string, TrackProcessDef>,
    readonly now: number,
  ) {
    const counts: Record<string, ProcessCount> = {};
    for (const [n, c] of Object.entries(s.counts)) counts[n] = { ...c };
    this.state = { pids: { ...s.pids }, counts };
  }

  update(name: string, up: boolean): void {
    const c = this.state.counts[name];
    if (c.quorum === up) return;
    c.quorum = up;
    this.changes.push({ name, up });
    this.log.push(`Quorum ${up ? 'gained' : 'lost'} for tracked process ${name}`);
  }

  cancel(name: string): void {
    const c = this.state.counts[name];
    if (!c.timer) return;
    c.timer = null;
    this.timers.push({ name, deadline: null });
  }

  arm(name: string, kind: 'fork' | 'terminate', ms: number): void {
    const deadline = this.now + ms;
    this.state.counts[name].timer = { kind, deadline };
    this.timers.push({ name, deadline });
  }

  /** One more process counted for `name`; `viaFork`: keepalived's check_process_fork path. */
  added(name: string, viaFork: boolean): void {
    const d = this.defs.get(name)!;
    const c = this.state.counts[name];
    c.count++;
    if (c.count !== d.quorum && (d.quorumMax === null || c.count !== d.quorumMax + 1)) return;
    if (c.timer?.kind === 'terminate') this.cancel(name);
    else if (viaFork && d.forkDelayMs > 0) {
      this.arm(name, 'fork', d.forkDelayMs);
      return;
    }
    this.update(name, c.count === d.quorum);
  }

  /** One process fewer for `name`; `viaExit`: keepalived's check_process_termination path. */
  removed(name: string, viaExit: boolean): void {
    const d = this.defs.get(name)!;
    const c = this.state.counts[name];
    const before = c.count--;
    if (before !== d.quorum && c.count !== d.quorumMax) return;
    if (c.timer?.kind === 'fork') this.cancel(name);
    else if (viaExit && d.terminateDelayMs > 0) {
      this.arm(name, 'terminate', d.terminateDelayMs);
      return;
    }
    this.update(name, c.count === d.quorumMax);
  }

  setPid(pid: number, names: string[]): void {
    if (names.length > 0) this.state.pids[pid] = names;
    else delete this.state.pids[pid];
  }

  /** keepalived's check_process: the pid's (new) name judged against every block. */
  check(pid: number, info: ProcessInfo, commOnly: boolean): void {
    const had = this.state.pids[pid] ?? [];
    const now: string[] = [];
    for (const d of this.defs.values()) {
      if (d.fullCommand && commOnly) {
        if (had.includes(d.name)) now.push(d.name);
        continue;
      }
      const counted = had.includes(d.name);
      if (processMatches(d, info, commOnly)) {
        now.push(d.name);
        if (!counted) this.added(d.name, false);
      } else if (counted) this.removed(d.name, false);
    }
    this.setPid(pid, now);
  }
}

export function stepProcessTracker(
  state: ProcessTrackerState, defs: readonly TrackProcessDef[], event: ProcessEvent, now: number,
): ProcessTrackerResult {
  const r = new Run(state, new Map(defs.map((d) => [d.name, d])), now);
  switch (event.type) {
    case 'fork': {
      const names = r.state.pids[event.parent];
      if (!names) break;
      r.setPid(event.child, [...names]);
      for (const n of names) r.added(n, true);
      break;
    }
    case 'exec':
      r.check(event.pid, event.info, false);
      break;
    case 'comm': {
      const names = r.state.pids[event.pid] ?? [];
      // a block counting the pid by comm under the same name: nothing changed (keepalived returns)
      if (names.some((n) => !r.defs.get(n)!.fullCommand && r.defs.get(n)!.process === event.comm)) break;
      r.check(event.pid, { ...event.info, comm: event.comm }, true);
      break;
    }
    case 'exit': {
      const names = r.state.pids[event.pid];
      if (!names) break;
      delete r.state.pids[event.pid];
      for (const n of names) r.removed(n, true);
      break;
    }
    case 'timer': {
      const d = r.defs.get(event.name);
      const c = r.state.counts[event.name];
      if (!d || !c?.timer) break;
      c.timer = null;
      r.update(event.name, inQuorum(d, c.count));
      break;
    }
  }
  return { state: r.state, changes: r.changes, timers: r.timers, log: r.log };
}

/**
 * After lost process events (ENOBUFS), keepalived rescans /proc and reports a changed quorum
 * (a loss after terminate_delay). Pending timers are dropped.
 */
export function rescanProcesses(
  state: ProcessTrackerState, defs: readonly TrackProcessDef[], procs: ReadonlyMap<number, ProcessInfo>, now: number,
): ProcessTrackerResult {
  const fresh = scanProcesses(defs, procs);
  const timers: { name: string; deadline: number | null }[] = [];
  const changes: { name: string; up: boolean }[] = [];
  const log: string[] = [];
  for (const d of defs) {
    const old = state.counts[d.name];
    const c = fresh.counts[d.name];
    if (old?.timer) timers.push({ name: d.name, deadline: null });
    const wasUp = old?.quorum ?? false;
    if (c.quorum === wasUp) continue;
    if (!c.quorum && d.terminateDelayMs > 0) {
      c.quorum = true;
      c.timer = { kind: 'terminate', deadline: now + d.terminateDelayMs };
      timers.push({ name: d.name, deadline: c.timer.deadline });
      continue;
    }
    changes.push({ name: d.name, up: c.quorum });
    log.push(`Quorum ${c.quorum ? 'gained' : 'lost'} for tracked process ${d.name}`);
  }
  return { state: fresh, changes, timers, log };
}
