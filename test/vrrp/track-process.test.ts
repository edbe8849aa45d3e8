/**
 * vrrp_track_process counting (src/vrrp/track-process.ts) against keepalived 2.2.7's
 * core/track_process.c rules, with a fake clock: parameter matching, quorum and quorum_max,
 * fork_delay / terminate_delay, exec and comm changes, lost-event rescans.
 */
import {
  paramsMatch, processMatches, rescanProcesses, scanProcesses, stepProcessTracker, TrackProcessDef, ProcessTrackerState,
} from '../../src/vrrp/track-process';

function def(o: Partial<TrackProcessDef> = {}): TrackProcessDef {
  return { name: 'nginx', process: 'nginx', params: null, paramMatch: 'none', fullCommand: false, quorum: 1, quorumMax: null, forkDelayMs: 0, terminateDelayMs: 0, ...o };
}
const proc = (comm: string, ...argv: string[]) => ({ comm, argv: argv.length > 0 ? argv : [comm] });

describe('matching a process to a block', () => {
  it('matches comm by default, the command line first word with full_command', () => {
    expect(processMatches(def(), proc('nginx', '/usr/sbin/nginx', '-g', 'daemon off;'))).toBe(true);
    expect(processMatches(def(), proc('nginx-worker'))).toBe(false);
    expect(processMatches(def({ process: '/usr/sbin/nginx', fullCommand: true }), proc('nginx', '/usr/sbin/nginx', '-g'))).toBe(true);
    expect(processMatches(def({ process: '/usr/sbin/nginx', fullCommand: true }), proc('/usr/sbin/nginx'))).toBe(true);
    // a comm change never concerns a full-command block
    expect(processMatches(def({ process: '/usr/sbin/nginx', fullCommand: true }), proc('nginx', '/usr/sbin/nginx'), true)).toBe(false);
  });

  it('param_match exact, partial and initial as keepalived check_params', () => {
    const exact = def({ params: ['-c', 'a.conf'], paramMatch: 'exact', fullCommand: true });
    expect(paramsMatch(exact, ['-c', 'a.conf'])).toBe(true);
    expect(paramsMatch(exact, ['-c', 'a.conf', '-x'])).toBe(false);
    expect(paramsMatch(exact, ['-c'])).toBe(false);
    expect(paramsMatch(def({ paramMatch: 'exact' }), [])).toBe(true);
    expect(paramsMatch(def({ paramMatch: 'exact' }), ['-x'])).toBe(false);
    const partial = def({ params: ['-c', 'a.conf'], paramMatch: 'partial' });
    expect(paramsMatch(partial, ['-c', 'a.conf', '-x'])).toBe(true);
    expect(paramsMatch(partial, ['-c', 'a.conf.bak'])).toBe(false);
    const initial = def({ params: ['-c', 'a.c'], paramMatch: 'initial' });
    expect(paramsMatch(initial, ['-c', 'a.conf'])).toBe(true);
    expect(paramsMatch(initial, ['-c', 'b.conf'])).toBe(false);
    expect(paramsMatch(def({ params: null, paramMatch: 'partial' }), ['anything'])).toBe(true);
  });
});

describe('quorum from a /proc scan and process events', () => {
  const defs = [def({ quorum: 2, quorumMax: 3 })];
  const start = (pids: number[]): ProcessTrackerState => scanProcesses(defs, new Map(pids.map((p) => [p, proc('nginx')])));

  it('a scan counts matching processes; quorum while quorum ≤ count ≤ quorum_max', () => {
    expect(start([10]).counts.nginx).toEqual({ count: 1, quorum: false, timer: null });
    expect(start([10, 11]).counts.nginx.quorum).toBe(true);
    expect(start([10, 11, 12, 13]).counts.nginx.quorum).toBe(false);
  });

  it('forks and exits move the count; each crossing is reported once, in keepalived words', () => {
    let s = start([10]);
    let r = stepProcessTracker(s, defs, { type: 'fork', parent: 10, child: 11 }, 0);
    expect(r.changes).toEqual([{ name: 'nginx', up: true }]);
    expect(r.log).toEqual(['Quorum gained for tracked process nginx']);
    s = r.state;
    r = stepProcessTracker(s, defs, { type: 'fork', parent: 99, child: 100 }, 0); // untracked parent
    expect(r.changes).toEqual([]);
    r = stepProcessTracker(s, defs, { type: 'fork', parent: 11, child: 12 }, 0);
    expect(r.changes).toEqual([]);
    r = stepProcessTracker(r.state, defs, { type: 'fork', parent: 11, child: 13 }, 0); // 4 > quorum_max
    expect(r.changes).toEqual([{ name: 'nginx', up: false }]);
    r = stepProcessTracker(r.state, defs, { type: 'exit', pid: 13 }, 0);
    expect(r.changes).toEqual([{ name: 'nginx', up: true }]);
    r = stepProcessTracker(r.state, defs, { type: 'exit', pid: 12 }, 0);
    r = stepProcessTracker(r.state, defs, { type: 'exit', pid: 11 }, 0);
    expect(r.changes).toEqual([{ name: 'nginx', up: false }]);
    expect(r.state.counts.nginx.count).toBe(1);
  });

  it('exec into and out of the name counts and uncounts the pid', () => {
    let r = stepProcessTracker(start([10]), defs, { type: 'exec', pid: 20, info: proc('nginx') }, 0);
    expect(r.changes).toEqual([{ name: 'nginx', up: true }]);
    r = stepProcessTracker(r.state, defs, { type: 'exec', pid: 20, info: proc('nginx') }, 0); // re-exec: counted once
    expect(r.state.counts.nginx.count).toBe(2);
    r = stepProcessTracker(r.state, defs, { type: 'exec', pid: 20, info: proc('sleep') }, 0);
    expect(r.changes).toEqual([{ name: 'nginx', up: false }]);
    expect(r.state.pids[20]).toBeUndefined();
  });

  it('a comm change away from the name uncounts; back to it counts again', () => {
    let r = stepProcessTracker(start([10, 11]), defs, { type: 'comm', pid: 11, comm: 'renamed', info: { comm: 'renamed', argv: null } }, 0);
    expect(r.changes).toEqual([{ name: 'nginx', up: false }]);
    r = stepProcessTracker(r.state, defs, { type: 'comm', pid: 11, comm: 'nginx', info: { comm: 'nginx', argv: null } }, 0);
    expect(r.changes).toEqual([{ name: 'nginx', up: true }]);
  });
});

describe('fork_delay and terminate_delay', () => {
  const defs = [def({ forkDelayMs: 2000, terminateDelayMs: 3000 })];
  const none = (): ProcessTrackerState => scanProcesses(defs, new Map());
  const one = (): ProcessTrackerState => scanProcesses(defs, new Map([[10, proc('nginx')]]));

  it('losing the quorum by an exit waits terminate_delay, then is reported', () => {
    const r = stepProcessTracker(one(), defs, { type: 'exit', pid: 10 }, 1000);
    expect(r.changes).toEqual([]);
    expect(r.timers).toEqual([{ name: 'nginx', deadline: 4000 }]);
    expect(r.state.counts.nginx.quorum).toBe(true);
    const t = stepProcessTracker(r.state, defs, { type: 'timer', name: 'nginx' }, 4000);
    expect(t.changes).toEqual([{ name: 'nginx', up: false }]);
  });

  it('a process coming back within terminate_delay cancels it: nothing reported', () => {
    const gone = stepProcessTracker(one(), defs, { type: 'exit', pid: 10 }, 1000).state;
    const back = stepProcessTracker(gone, defs, { type: 'exec', pid: 11, info: proc('nginx') }, 2000);
    expect(back.timers).toEqual([{ name: 'nginx', deadline: null }]);
    expect(back.changes).toEqual([]);
    expect(back.state.counts.nginx).toEqual({ count: 1, quorum: true, timer: null });
  });

  it('a quorum gained by a fork waits fork_delay; an exec is counted at once', () => {
    const parent = scanProcesses([def({ process: 'sh', name: 'sh', quorum: 2, forkDelayMs: 2000 })], new Map([[10, proc('sh')]]));
    const shDefs = [def({ process: 'sh', name: 'sh', quorum: 2, forkDelayMs: 2000 })];
    const f = stepProcessTracker(parent, shDefs, { type: 'fork', parent: 10, child: 11 }, 0);
    expect(f.changes).toEqual([]);
    expect(f.timers).toEqual([{ name: 'sh', deadline: 2000 }]);
    expect(stepProcessTracker(f.state, shDefs, { type: 'timer', name: 'sh' }, 2000).changes).toEqual([{ name: 'sh', up: true }]);
    // the child exits before fork_delay: the timer goes, nothing is reported
    const e = stepProcessTracker(f.state, shDefs, { type: 'exit', pid: 11 }, 1000);
    expect(e.timers).toEqual([{ name: 'sh', deadline: null }]);
    expect(e.changes).toEqual([]);
    expect(stepProcessTracker(none(), defs, { type: 'exec', pid: 5, info: proc('nginx') }, 0).changes).toEqual([{ name: 'nginx', up: true }]);
  });

  it('a rescan after lost events reports a gain at once and a loss after terminate_delay', () => {
    const lost = rescanProcesses(one(), defs, new Map(), 500);
    expect(lost.changes).toEqual([]);
    expect(lost.timers).toEqual([{ name: 'nginx', deadline: 3500 }]);
    expect(stepProcessTracker(lost.state, defs, { type: 'timer', name: 'nginx' }, 3500).changes).toEqual([{ name: 'nginx', up: false }]);
    expect(rescanProcesses(none(), defs, new Map([[3, proc('nginx')]]), 0).changes).toEqual([{ name: 'nginx', up: true }]);
  });
});
