/**
 * track_file and track_process on a VRRP instance: keepalived 2.2.7's arithmetic (track_file.c
 * process_update_vrrp_track_file_status, vrrp_track.c initialise_*_tracking_priorities and
 * process_update_track_process_status) through the pure machine, and the config rules.
 */
import { createInstanceState, step } from '../../src/vrrp/instance';
import type { InstanceState } from '../../src/vrrp/instance';
import { instanceCfg, logs, syncGroup } from './harness';
import { instance, messages, model } from '../config/helpers';

const started = (s: InstanceState): InstanceState => step(s, { type: 'startup' }, 0).state;
const file = (weight: number, reverse = false) => instanceCfg({ initialState: 'BACKUP', priority: 100, trackFiles: [{ name: 'f', weight, reverse }] });
const proc = (weight: number, reverse = false) => instanceCfg({ initialState: 'BACKUP', priority: 100, trackProcesses: [{ name: 'p', weight, reverse }] });

describe('track_file', () => {
  it('weight W: value × W moves the priority, clamped to 253 and 1..254', () => {
    expect(createInstanceState(file(5), '192.168.77.11', { files: { f: 4 } }).effectivePriority).toBe(120);
    expect(createInstanceState(file(5, true), '192.168.77.11', { files: { f: 4 } }).effectivePriority).toBe(80);
    expect(createInstanceState(file(1), '192.168.77.11', { files: { f: 1000 } }).effectivePriority).toBe(254);
    expect(createInstanceState(file(1), '192.168.77.11', { files: {} }).effectivePriority).toBe(100);
  });

  it('weight 0: a non-zero value is FAULT (reverse: zero is), and leaving it restores BACKUP', () => {
    let s = started(createInstanceState(file(0), '192.168.77.11', { files: { f: 0 } }));
    expect(s.state).toBe('BACKUP');
    let r = step(s, { type: 'trackFile', name: 'f', value: 3 }, 100);
    expect(r.state.state).toBe('FAULT');
    expect(logs(r.actions)).toContain('(VI_1) tracked file f has status -254');
    r = step(r.state, { type: 'trackFile', name: 'f', value: 0 }, 200);
    expect(r.state.state).toBe('BACKUP');
    s = started(createInstanceState(file(0, true), '192.168.77.11', { files: { f: 0 } }));
    expect(s.state).toBe('FAULT');
  });

  it('a weighted status of -254 or below is FAULT too', () => {
    const s = started(createInstanceState(file(-10), '192.168.77.11', { files: { f: 1 } }));
    expect(s.effectivePriority).toBe(90);
    const r = step(s, { type: 'trackFile', name: 'f', value: 30 }, 100);
    expect(r.state.state).toBe('FAULT');
    expect(step(r.state, { type: 'trackFile', name: 'f', value: 2 }, 200).state).toMatchObject({ state: 'BACKUP', effectivePriority: 80 });
  });
});

describe('track_process', () => {
  it('weight > 0 adds while the quorum is held; weight < 0 subtracts while it is not; reverse negates', () => {
    expect(createInstanceState(proc(20), '192.168.77.11', { processes: { p: true } }).effectivePriority).toBe(120);
    expect(createInstanceState(proc(20), '192.168.77.11', { processes: { p: false } }).effectivePriority).toBe(100);
    expect(createInstanceState(proc(-20), '192.168.77.11', { processes: { p: false } }).effectivePriority).toBe(80);
    expect(createInstanceState(proc(20, true), '192.168.77.11', { processes: { p: true } }).effectivePriority).toBe(80);
    expect(createInstanceState(proc(-20, true), '192.168.77.11', { processes: { p: false } }).effectivePriority).toBe(120);
  });

  it('weight 0: no quorum is FAULT (reverse: quorum is)', () => {
    const s = started(createInstanceState(proc(0), '192.168.77.11', { processes: { p: false } }));
    expect(s.state).toBe('FAULT');
    const r = step(s, { type: 'trackProcess', name: 'p', up: true }, 100);
    expect(r.state.state).toBe('BACKUP');
    expect(started(createInstanceState(proc(0, true), '192.168.77.11', { processes: { p: true } })).state).toBe('FAULT');
  });

  it('an event for a process the instance does not track changes nothing', () => {
    const s = started(createInstanceState(proc(20), '192.168.77.11', { processes: { p: true } }));
    expect(step(s, { type: 'trackProcess', name: 'other', up: false }, 100)).toEqual({ state: s, actions: [] });
  });
});

describe('config', () => {
  const blocks = 'track_file tf {\n file /run/x\n weight 3\n}\nvrrp_track_process tp {\n process nginx -g\n param_match partial\n weight 10 reverse\n quorum 2\n quorum_max 4\n delay 1.5\n fork_delay 2\n}\n';

  it('reads vrrp_track_process and resolves track_file / track_process lines against their blocks', () => {
    const m = model(blocks + instance(' track_file {\n  tf\n  tf weight 2\n }\n track_process {\n  tp weight -5 noreverse\n  nope\n }'));
    expect(m.vrrpTrackProcesses).toEqual([expect.objectContaining({
      name: 'tp', process: 'nginx', params: ['-g'], paramMatch: 'partial', fullCommand: true, weight: 10, reverse: true,
      quorum: 2, quorumMax: 4, forkDelayMs: 2000, terminateDelayMs: 1500,
    })]);
    expect(m.vrrpInstances[0].trackFiles).toEqual([{ name: 'tf', weight: 3, reverse: false }]);
    expect(m.vrrpInstances[0].trackProcesses).toEqual([{ name: 'tp', weight: -5, reverse: false }]);
  });

  it("warns in keepalived's words", () => {
    const msgs = messages(blocks + instance(' track_file {\n  tf\n  tf weight 2\n  tf what\n }\n track_process {\n  nope\n }'));
    expect(msgs).toEqual(expect.arrayContaining([
      expect.stringContaining('(VI_1) duplicate track_file tf - ignoring'),
      expect.stringContaining('(VI_1) unknown track file option what - ignoring'),
      expect.stringContaining('(VI_1) track process nope not found, ignoring...'),
    ]));
    expect(messages('vrrp_track_process tp {\n weight 5\n}\n')).toEqual([expect.stringContaining("track process 'tp' process name not specified")]);
  });

  it("a sync group member's own track_file: weight 1 becomes 0, other weights are dropped", () => {
    const m = model('track_file a {\n file /run/a\n}\ntrack_file b {\n file /run/b\n weight 4\n}\n'
      + 'vrrp_sync_group G {\n group {\n  VI_1\n  VI_2\n }\n}\n'
      + instance(' track_file {\n  a\n  b\n }') + instance('', 'VI_2', 'interface eth0\n virtual_router_id 52'));
    expect(m.vrrpInstances[0].trackFiles).toEqual([{ name: 'a', weight: 0, reverse: false }]);
  });
});

describe('vrrp_startup_delay (vrrp_scheduler.c vrrp_init_instance_sands)', () => {
  const cfg = instanceCfg({ initialState: 'BACKUP', priority: 100 });
  const timerAt = (s: InstanceState) => s.timers.masterDown;

  it('a BACKUP\'s master-down timer counts from the end of the delay while it runs, from now after it', () => {
    const s = started(createInstanceState(cfg, '192.168.77.11', { delayedStartUntil: 5000 }));
    const down = timerAt(started(createInstanceState(cfg, '192.168.77.11')))!;
    expect(timerAt(s)).toBe(5000 + down);
    // the delay over: no master yet at 5000 + down − 1, MASTER at 5000 + down
    expect(step(s, { type: 'timer', timer: 'masterDown' }, 5000 + down).state.state).toBe('MASTER');
    const late = step(createInstanceState(cfg, '192.168.77.11', { delayedStartUntil: 5000 }), { type: 'startup' }, 6000).state;
    expect(timerAt(late)).toBe(6000 + down);
  });

  it('is read from global_defs in seconds, warned when invalid or very large', () => {
    expect(model('global_defs {\n vrrp_startup_delay 5.5\n}\n' + instance()).globalDefs.vrrpStartupDelayMs).toBe(5500);
    expect(messages('global_defs {\n vrrp_startup_delay x\n}\n' + instance())).toEqual([expect.stringContaining("vrrp_startup_delay 'x' is invalid")]);
    expect(messages('global_defs {\n vrrp_startup_delay 90\n}\n' + instance())).toEqual([expect.stringContaining('The vrrp_startup_delay is very large - 90 seconds')]);
  });
});

describe('in a sync group (vrrp.c sync_group_tracking_init)', () => {
  const group = syncGroup('G', ['VI_1', 'VI_2'], {
    trackFiles: [{ name: 'gf', weight: 2, reverse: false }],
    trackProcesses: [{ name: 'gp', weight: 0, reverse: false }],
  });

  it("the group's weighted file moves each member's priority; its unweighted process faults it", () => {
    const s = started(createInstanceState(instanceCfg({ initialState: 'BACKUP', priority: 100 }), '192.168.77.11', { syncGroup: group, files: { gf: 5 }, processes: { gp: true } }));
    expect(s.effectivePriority).toBe(110);
    expect(step(s, { type: 'trackProcess', name: 'gp', up: false }, 100).state.state).toBe('FAULT');
  });

  it('an address owner member takes the group weight as 0; a member tracking the same file itself keeps its entry with the group weight and reverse', () => {
    const owner = createInstanceState(instanceCfg({ priority: 255 }), '192.168.77.11', { syncGroup: group, files: { gf: 5 }, processes: { gp: true } });
    expect(owner.env.trackers.find((t) => t.name === 'gf')).toMatchObject({ weight: 0 });
    const both = createInstanceState(instanceCfg({ priority: 100, trackFiles: [{ name: 'gf', weight: 7, reverse: true }] }), '192.168.77.11', { syncGroup: group, files: { gf: 1 } });
    expect(both.env.trackers.filter((t) => t.name === 'gf')).toEqual([{ kind: 'file', name: 'gf', weight: 2, reverse: false }]);
    expect(both.env.warnings).toContain('(VI_1) track_file gf is configured on VRRP instance and sync group. Remove vrrp instance config');
  });
});
