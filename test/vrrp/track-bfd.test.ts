import type { BfdInstance } from '../../src/config/model';
import { createInstanceState, step } from '../../src/vrrp/instance';
import { instanceCfg, logs, syncGroup } from './harness';

const LB1 = '192.168.77.11';
const bfd = (o: Partial<BfdInstance> = {}): BfdInstance => ({
  name: 'frr', family: 4, neighborIp: '10.0.0.2', sourceIp: null, minRxUs: 300_000, minTxUs: 300_000, idleTxUs: 1_000_000, multiplier: 3,
  passive: false, ttl: 255, maxHops: 0, weight: 0, weightReverse: false, toVrrp: true, toChecker: true,
  location: { file: 'k.conf', line: 1, col: 1 }, ...o,
});

describe('track_bfd (keepalived vrrp_handle_bfd_event, initialise_track_bfd_state)', () => {
  it('weight 0: FAULT until the session is first Up (bfd_up starts false), FAULT again when it leaves Up', () => {
    const cfg = instanceCfg({ trackBfds: [{ name: 'frr', weight: null, weightReverse: null }] });
    let s = step(createInstanceState(cfg, LB1, { bfdInstances: [bfd()] }), { type: 'startup' }, 0).state;
    expect(s.state).toBe('FAULT');
    const up = step(s, { type: 'trackBfd', name: 'frr', up: true }, 100);
    expect(logs(up.actions)).toContain('VRRP_Instance(VI_1) Tracked BFD instance frr is UP');
    expect(up.state.state).toBe('BACKUP');
    s = up.state;
    const down = step(s, { type: 'trackBfd', name: 'frr', up: false }, 200);
    expect(logs(down.actions)).toContain('VRRP_Instance(VI_1) Tracked BFD instance frr is DOWN');
    expect(down.state.state).toBe('FAULT');
  });

  it("a weight moves the priority: the bfd_instance's own weight, or the track_bfd line's", () => {
    const own = createInstanceState(instanceCfg({ trackBfds: [{ name: 'frr', weight: null, weightReverse: null }] }), LB1, { bfdInstances: [bfd({ weight: -50 })] });
    expect(own.effectivePriority).toBe(100); // 150 - 50 while not Up
    const r = step(step(own, { type: 'startup' }, 0).state, { type: 'trackBfd', name: 'frr', up: true }, 10);
    expect(logs(r.actions)).toContain('(VI_1) Changing effective priority from 100 to 150');
    const line = createInstanceState(instanceCfg({ trackBfds: [{ name: 'frr', weight: 20, weightReverse: null }] }), LB1, { bfdInstances: [bfd({ weight: -50 })] });
    expect(line.effectivePriority).toBe(150);
    expect(step(step(line, { type: 'startup' }, 0).state, { type: 'trackBfd', name: 'frr', up: true }, 10).state.effectivePriority).toBe(170);
  });

  it('weight 0 reverse: FAULT while the session is Up', () => {
    const cfg = instanceCfg({ trackBfds: [{ name: 'frr', weight: 0, weightReverse: true }] });
    const s = step(createInstanceState(cfg, LB1, { bfdInstances: [bfd()] }), { type: 'startup' }, 0).state;
    expect(s.state).toBe('BACKUP');
    expect(step(s, { type: 'trackBfd', name: 'frr', up: true }, 10).state.state).toBe('FAULT');
  });

  it("a sync group's track_bfd faults its members; an event for a session nobody tracks changes nothing", () => {
    const g = syncGroup('G', ['VI_1', 'VI_2'], { trackBfds: [{ name: 'frr', weight: null, weightReverse: null }] });
    const s = step(createInstanceState(instanceCfg({ syncGroup: 'G' }), LB1, { syncGroup: g, bfdInstances: [bfd()] }), { type: 'startup' }, 0).state;
    expect(s.state).toBe('FAULT');
    expect(step(s, { type: 'trackBfd', name: 'other', up: true }, 10).state).toBe(s);
  });
});
