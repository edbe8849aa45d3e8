/**
 * Reload as a pure transformation (src/vrrp/reconfigure.ts) under the fake clock: a running
 * instance takes its new config without losing what its trackers settled, so nothing on the
 * wire changes unless the config says so.
 */
import { reconfigure, vipDiff } from '../../src/vrrp/reconfigure';
import { createInstanceState, step } from '../../src/vrrp/instance';
import { instanceCfg, Lan, logs, script, twoDirectors, vip } from './harness';

const LB1 = '192.168.77.11';

/** lb1: base 100 + weighted script chk (+60, rise 3) = 160 while it is up; lb2: 130. */
function weightedMaster(): Lan {
  const lan = new Lan();
  const chk = script('chk', { weight: 60, rise: 3, fall: 3 });
  lan.addHost('lb1', {
    interfaces: { eth0: { segment: 'br0', address: LB1 } },
    instances: [instanceCfg({ priority: 100, initialState: 'BACKUP', trackScripts: [{ name: 'chk', weight: null, weightReverse: false }] })],
    scripts: [chk],
  });
  lan.addHost('lb2', {
    interfaces: { eth0: { segment: 'br0', address: '192.168.77.12' } },
    instances: [instanceCfg({ priority: 130, initialState: 'BACKUP' })],
  });
  lan.start('lb1');
  lan.start('lb2');
  lan.run(1_000);
  // the shell's tracker settled after three successes
  lan.event('lb1', 'VI_1', { type: 'trackScript', name: 'chk', up: true });
  lan.run(10_000);
  return lan;
}

describe('reconfigure (reload of a running instance)', () => {
  it('a MASTER with a weighted track_script (rise 3) keeps its effective priority across a reload: no priority change, no flap', () => {
    const lan = weightedMaster();
    expect(lan.state('lb1')).toMatchObject({ state: 'MASTER', effectivePriority: 160 });
    expect(lan.state('lb2').state).toBe('BACKUP');
    const t0 = lan.now;
    const transitions = lan.state('lb1').stats.transitions;
    // a reload that changes something else (an excluded VIP: not in the adverts), trackers carried
    const extra = { ...vip('192.168.77.201'), excluded: true };
    const cfg = { ...lan.state('lb1').cfg, virtualIpAddressesExcluded: [extra] };
    const actions = lan.reload('lb1', cfg, { scripts: { chk: true } });
    lan.run(20_000);
    const adverts = lan.sent('lb1', t0);
    expect(adverts.length).toBeGreaterThanOrEqual(19);
    expect(new Set(adverts.map((a) => a.priority))).toEqual(new Set([160]));
    expect(lan.state('lb1')).toMatchObject({ state: 'MASTER', effectivePriority: 160 });
    expect(lan.state('lb1').stats.transitions).toBe(transitions);
    expect(lan.state('lb2').state).toBe('BACKUP');
    expect(lan.sent('lb2', t0)).toEqual([]);
    expect(logs(actions).some((l) => l.includes('effective priority'))).toBe(false);
    // only the new VIP is touched, with its GARPs
    expect(actions.filter((a) => a.type === 'addVips' || a.type === 'removeVips' || a.type === 'sendGarps')).toEqual([
      { type: 'addVips', instance: 'VI_1', vips: [extra] },
      { type: 'sendGarps', instance: 'VI_1', vips: [extra], repeat: 5 },
    ]);
  });

  it('without a shell state the instance still keeps what it knew of its scripts', () => {
    const lan = weightedMaster();
    lan.reload('lb1', { ...lan.state('lb1').cfg, garpMasterRepeat: 3 }, { scripts: {} });
    lan.run(5_000);
    expect(lan.state('lb1')).toMatchObject({ state: 'MASTER', effectivePriority: 160 });
  });

  it('the pre-fix merge (fresh effective priority, tracker restarted) would have flapped: the test can fail', () => {
    // What the old shell did: priority from a fresh state, whose unknown script adjusts nothing.
    const lan = weightedMaster();
    const old = lan.state('lb1');
    const fresh = createInstanceState(old.cfg, LB1, { vrrpScripts: [script('chk', { weight: 60, rise: 3, fall: 3 })] });
    expect(fresh.effectivePriority).toBe(100);
    // reconfigure, given the same fresh tracker state (null), keeps the instance's own settled state
    const r = reconfigure(old, old.cfg, { now: lan.now, primaryAddress: LB1, links: {}, scripts: {}, vrrpScripts: [script('chk', { weight: 60, rise: 3, fall: 3 })] });
    expect(r.state.effectivePriority).toBe(160);
    expect(r.actions.filter((a) => a.type !== 'log')).toEqual([]);
  });

  it('a changed base priority is applied from the carried tracker states and logged once', () => {
    const lan = weightedMaster();
    const t0 = lan.now;
    const actions = lan.reload('lb1', { ...lan.state('lb1').cfg, priority: 60 }, { scripts: { chk: true } });
    expect(logs(actions)).toEqual(['(VI_1) Changing effective priority from 160 to 120']);
    lan.run(10_000);
    // 120 < lb2's 130: lb2 preempts, as it would have for a config with priority 60 from the start
    expect(lan.state('lb2').state).toBe('MASTER');
    expect(lan.state('lb1').state).toBe('BACKUP');
    expect(lan.sent('lb1', t0).every((a) => a.priority === 120)).toBe(true);
  });

  it('a new unweighted script with no result yet puts a MASTER in FAULT: priority 0, VIPs removed', () => {
    const lan = twoDirectors();
    lan.start('lb1');
    lan.start('lb2');
    lan.run(10_000);
    expect(lan.state('lb1').state).toBe('MASTER');
    const cfg = { ...lan.state('lb1').cfg, trackScripts: [{ name: 'gate', weight: null, weightReverse: false }] };
    const actions = lan.reload('lb1', cfg, { vrrpScripts: [script('gate')] });
    expect(lan.state('lb1').state).toBe('FAULT');
    expect(actions.find((a) => a.type === 'sendAdvert')).toMatchObject({ priority: 0 });
    expect(actions.some((a) => a.type === 'removeVips')).toBe(true);
    lan.run(2_000);
    expect(lan.state('lb2').state).toBe('MASTER');
  });

  it('removing the failing tracker takes a FAULT instance back to BACKUP', () => {
    const lan = twoDirectors({ trackInterfaces: [{ name: 'eth1', weight: 0 }] });
    lan.start('lb1');
    lan.start('lb2');
    lan.setLink('lb1', 'eth1', false);
    lan.run(5_000);
    expect(lan.state('lb1').state).toBe('FAULT');
    lan.reload('lb1', { ...lan.state('lb1').cfg, trackInterfaces: [] });
    expect(lan.state('lb1').state).toBe('BACKUP');
    expect(lan.state('lb1').timers.masterDown).toBeDefined();
  });

  it('a BACKUP without VIPs gets no VIP actions, whatever the VIP list says', () => {
    const lan = twoDirectors();
    lan.start('lb1');
    lan.start('lb2');
    lan.run(10_000);
    const cfg = { ...lan.state('lb2').cfg, virtualIpAddresses: [vip('192.168.77.250')] };
    const actions = lan.reload('lb2', cfg);
    expect(actions.filter((a) => a.type !== 'log')).toEqual([]);
    expect(lan.state('lb2').state).toBe('BACKUP');
  });

  it('a MASTER with a new advert_int sends its next advert on the new interval', () => {
    const lan = twoDirectors();
    lan.start('lb1');
    lan.start('lb2');
    lan.run(10_000);
    const t0 = lan.now;
    lan.reload('lb1', { ...lan.state('lb1').cfg, advertIntMs: 2000 });
    lan.run(6_000);
    const ts = lan.sent('lb1', t0).map((a) => a.t - t0);
    expect(ts).toEqual([2000, 4000, 6000]);
  });

  it('vipDiff compares by address, prefix, device, scope, label and broadcast', () => {
    const a = instanceCfg({ virtualIpAddresses: [vip('10.0.0.1'), vip('10.0.0.2')] });
    const b = instanceCfg({ virtualIpAddresses: [vip('10.0.0.2'), vip('10.0.0.1', 'eth1')] });
    expect(vipDiff(a, b)).toEqual({ added: [vip('10.0.0.1', 'eth1')], removed: [vip('10.0.0.1')] });
  });

  it('is pure: the old state is not modified', () => {
    const s0 = createInstanceState(instanceCfg(), LB1);
    const s1 = step(s0, { type: 'startup' }, 0).state;
    const snapshot = JSON.stringify(s1);
    reconfigure(s1, instanceCfg({ priority: 90 }), { now: 5, primaryAddress: LB1, links: {}, scripts: {} });
    expect(JSON.stringify(s1)).toBe(snapshot);
  });
});
