/**
 * The per-instance state machine, driven with a fake clock. Each test names the RFC section or
 * the keepalived 2.2.7 behaviour (../shared/reference/keepalived-2.2.7-baseline.md) it pins.
 */
import { decodePacket, encodePacket } from '../../src/vrrp/advert-codec';
import { advertPackets, createInstanceState, InstanceState, protocolView, step } from '../../src/vrrp/instance';
import type { VrrpAction, VrrpEvent } from '../../src/vrrp/types';
import { hexFixture } from './fixtures';
import { instanceCfg, logs, script, twoDirectors, vip } from './harness';

const LB1 = '192.168.77.11';
const LB2 = '192.168.77.12';
const GROUP = '224.0.0.18';

function run(s: InstanceState, events: [VrrpEvent, number][]): { state: InstanceState; actions: VrrpAction[] } {
  const actions: VrrpAction[] = [];
  for (const [e, t] of events) {
    const r = step(s, e, t);
    s = r.state;
    actions.push(...r.actions);
  }
  return { state: s, actions };
}

function advertFrom(src: string, o: { priority?: number; version?: 2 | 3; adverIntMs?: number; vrid?: number; ttl?: number; pass?: string; addrs?: string[]; id?: number } = {}) {
  const bytes = encodePacket({
    version: o.version ?? 2,
    virtualRouterId: o.vrid ?? 51,
    priority: o.priority ?? 100,
    adverIntMs: o.adverIntMs ?? 1000,
    ipAddresses: o.addrs ?? ['192.168.77.200'],
    authType: (o.version ?? 2) === 2 ? 'PASS' : 'NONE',
    authPass: o.pass ?? 'mypasswd',
    ipId: o.id ?? 1,
    src,
    dst: GROUP,
    ttl: o.ttl,
  });
  return { type: 'advert' as const, packet: decodePacket(bytes) };
}

function started(cfg = instanceCfg(), primary = LB1, t = 0) {
  return step(createInstanceState(cfg, primary), { type: 'startup' }, t);
}

function master(cfg = instanceCfg(), primary = LB1) {
  const s0 = started(cfg, primary).state;
  return step(s0, { type: 'timer', timer: 'masterDown' }, s0.timers.masterDown!);
}

describe('start-up (keepalived 2.2.7 baseline §1)', () => {
  it('`state MASTER` priority 150 still starts in BACKUP (init) and removes residual VIPs', () => {
    const r = started();
    expect(r.state.state).toBe('BACKUP');
    expect(logs(r.actions)).toEqual(['(VI_1) removing VIPs.', '(VI_1) Entering BACKUP STATE (init)']);
    expect(r.actions.find((a) => a.type === 'removeVips')).toBeTruthy();
    expect(r.actions).toContainEqual({ type: 'notify', kind: 'INSTANCE', name: 'VI_1', state: 'BACKUP', priority: 150 });
  });
  it('becomes MASTER when its down timer expires: 3 × 1 s + (256 − 150)/256 s = 3.414062 s in keepalived integer µs (RFC 3768 §6.1)', () => {
    const r = started();
    expect(r.state.timers.masterDown).toBeCloseTo(3414.062, 6);
    expect(r.actions).toContainEqual({ type: 'armTimer', instance: 'VI_1', timer: 'masterDown', deadline: 3414.062 });
  });
  it('RFC 5798 §6.4.1: the address owner (priority 255) goes straight to MASTER', () => {
    const r = started(instanceCfg({ priority: 255 }));
    expect(r.state.state).toBe('MASTER');
    expect(logs(r.actions)[0]).toBe('(VI_1) Entering MASTER STATE');
  });
  it('a weight-0 track_script with no result yet keeps the instance in FAULT (keepalived init state)', () => {
    const cfg = instanceCfg({ trackScripts: [{ name: 'chk', weight: null, weightReverse: false }] });
    const r = step(createInstanceState(cfg, LB1, { vrrpScripts: [script('chk')] }), { type: 'startup' }, 0);
    expect(r.state.state).toBe('FAULT');
    expect(logs(r.actions)).toContain('(VI_1) Entering FAULT STATE (init)');
  });
  it('own interface reported down before start-up: FAULT (init)', () => {
    const s = createInstanceState(instanceCfg(), LB1);
    const r = run(s, [[{ type: 'interface', name: 'eth0', up: false }, 0], [{ type: 'startup' }, 0]]);
    expect(r.state.state).toBe('FAULT');
  });
  it('keepalived: nopreempt with initial state MASTER is cleared with its warning', () => {
    const r = started(instanceCfg({ nopreempt: true }));
    expect(r.actions[0]).toEqual({ type: 'log', level: 'warning', message: '(VI_1) Warning - nopreempt will not work with initial state MASTER - clearing' });
    expect(r.state.nopreempt).toBe(false);
  });
  it('auth_type AH: starts as any instance does (BACKUP, counter at 0)', () => {
    const r = started(instanceCfg({ authType: 'AH' }));
    expect(r.state.state).toBe('BACKUP');
    expect(r.state.ahSeq).toBe(0);
  });
});

describe('entering MASTER (RFC 5798 §6.4.2 + keepalived order: advert, VIPs, GARPs)', () => {
  it('sends the advert first — byte for byte keepalived\'s first advert — then VIPs, then 5 GARPs', () => {
    const r = master();
    const kinds = r.actions.filter((a) => ['sendAdvert', 'addVips', 'sendGarps'].includes(a.type)).map((a) => a.type);
    expect(kinds).toEqual(['sendAdvert', 'addVips', 'sendGarps']);
    const adv = r.actions.find((a) => a.type === 'sendAdvert')!;
    if (adv.type !== 'sendAdvert') throw new Error();
    expect(adv.packets).toHaveLength(1);
    expect(adv.packets[0].dst).toBe(GROUP);
    expect(adv.packets[0].bytes.toString('hex')).toBe(hexFixture('v2-pass-advert.ip.hex').toString('hex'));
    expect(r.actions.find((a) => a.type === 'sendGarps')).toMatchObject({ repeat: 5 });
    expect(logs(r.actions)).toEqual([
      '(VI_1) Receive advertisement timeout',
      '(VI_1) Entering MASTER STATE',
      '(VI_1) setting VIPs.',
      '(VI_1) Sending/queueing gratuitous ARPs on eth0 for 192.168.77.200',
    ]);
  });
  it('adverts every advert_int, a second GARP burst after garp_master_delay (5 s), refresh when set', () => {
    const cfg = instanceCfg({ garpMasterRefreshMs: 60_000, garpMasterRefreshRepeat: 2 });
    let s = master(cfg).state;
    const t0 = 3414.062;
    expect(s.timers).toEqual({ adver: t0 + 1000, garpDelay: t0 + 5000, garpRefresh: t0 + 60_000 });
    let r = step(s, { type: 'timer', timer: 'adver' }, t0 + 1000);
    expect(r.actions.filter((a) => a.type === 'sendAdvert')).toHaveLength(1);
    expect(r.state.timers.adver).toBe(t0 + 2000);
    s = r.state;
    r = step(s, { type: 'timer', timer: 'garpDelay' }, t0 + 5000);
    expect(r.actions).toContainEqual(expect.objectContaining({ type: 'sendGarps', repeat: 5 }));
    expect(r.state.timers.garpDelay).toBeUndefined();
    r = step(r.state, { type: 'timer', timer: 'garpRefresh' }, t0 + 60_000);
    expect(r.actions).toContainEqual(expect.objectContaining({ type: 'sendGarps', repeat: 2 }));
    expect(r.state.timers.garpRefresh).toBe(t0 + 120_000);
  });
  it('garp_extra_if: every interval while MASTER one GARP for each chosen VIP; gone on leaving MASTER', () => {
    const extra = vip('10.1.0.200', 'eth1');
    const cfg = instanceCfg({ initialState: 'BACKUP', priority: 100, garpExtraIfMs: 2000, garpExtraIfVips: [extra] });
    const s = master(cfg, LB2).state;
    const t0 = s.timers.garpExtraIf! - 2000;
    let r = step(s, { type: 'timer', timer: 'garpExtraIf' }, t0 + 2000);
    expect(r.actions.filter((a) => a.type === 'sendGarps')).toEqual([expect.objectContaining({ vips: [extra], repeat: 1 })]);
    expect(r.state.timers.garpExtraIf).toBe(t0 + 4000);
    r = step(r.state, advertFrom(LB1, { priority: 150 }), t0 + 3000);
    expect(r.state.state).toBe('BACKUP');
    expect(r.state.timers.garpExtraIf).toBeUndefined();
    expect(master(instanceCfg()).state.timers.garpExtraIf).toBeUndefined();
  });
  it('a timer event for a timer no longer armed is ignored (late OS timer after cancel)', () => {
    const s = master().state;
    const r = step(s, { type: 'timer', timer: 'masterDown' }, 5000);
    expect(r.state).toBe(s);
    expect(r.actions).toEqual([]);
  });
  it('IP identification counts from 1 per instance and continues into the priority-0 advert (baseline §2)', () => {
    // keepalived's v2 priority-0 fixture carries IP id 0x3e: 61 adverts, then the priority-0 one.
    let s = master().state;
    let t = 3414.062;
    for (let i = 2; i <= 61; i++) {
      t += 1000;
      s = step(s, { type: 'timer', timer: 'adver' }, t).state;
    }
    expect(s.ipId).toBe(61);
    const r = step(s, { type: 'shutdown' }, t + 10);
    const adv = r.actions.find((a) => a.type === 'sendAdvert');
    if (!adv || adv.type !== 'sendAdvert') throw new Error('no advert');
    expect(adv.priority).toBe(0);
    expect(adv.packets[0].bytes.toString('hex')).toBe(hexFixture('v2-prio0-advert.ip.hex').toString('hex'));
    expect(logs(r.actions)).toEqual(['(VI_1) sent 0 priority', '(VI_1) removing VIPs.']);
    expect(r.state.state).toBe('STOP');
    expect(r.state.timers).toEqual({});
    expect(r.actions).toContainEqual({ type: 'notify', kind: 'INSTANCE', name: 'VI_1', state: 'STOP', priority: 150 });
  });
  it('v3: the advert and the priority-0 advert match keepalived\'s v3 fixtures (ids 1 and 13)', () => {
    const cfg = instanceCfg({ version: 3, authType: 'NONE', authPass: null });
    let r = master(cfg);
    const first = r.actions.find((a) => a.type === 'sendAdvert');
    if (!first || first.type !== 'sendAdvert') throw new Error();
    expect(first.packets[0].bytes.toString('hex')).toBe(hexFixture('v3-advert.ip.hex').toString('hex'));
    let s = r.state;
    for (let i = 2; i <= 12; i++) s = step(s, { type: 'timer', timer: 'adver' }, 3414 + i * 1000).state;
    r = step(s, { type: 'shutdown' }, 20_000);
    const last = r.actions.find((a) => a.type === 'sendAdvert');
    if (!last || last.type !== 'sendAdvert') throw new Error();
    expect(last.packets[0].bytes.toString('hex')).toBe(hexFixture('v3-prio0-advert.ip.hex').toString('hex'));
  });
  it('v3 advert_int 0.1: matches keepalived\'s 100 ms fixture', () => {
    const r = master(instanceCfg({ version: 3, authType: 'NONE', authPass: null, advertIntMs: 100 }));
    const first = r.actions.find((a) => a.type === 'sendAdvert');
    if (!first || first.type !== 'sendAdvert') throw new Error();
    expect(first.packets[0].bytes.toString('hex')).toBe(hexFixture('v3-100ms-advert.ip.hex').toString('hex'));
  });
  it('unicast_peer: one packet per peer, from unicast_src_ip, each with its own IP id', () => {
    const cfg = instanceCfg({
      unicastSrcIp: '10.9.0.1',
      unicastPeers: [
        { address: '10.9.0.2', minTtl: null, maxTtl: null },
        { address: '10.9.0.3', minTtl: null, maxTtl: null },
      ],
    });
    const r = master(cfg);
    const adv = r.actions.find((a) => a.type === 'sendAdvert');
    if (!adv || adv.type !== 'sendAdvert') throw new Error();
    expect(adv.packets.map((p) => p.dst)).toEqual(['10.9.0.2', '10.9.0.3']);
    const decoded = adv.packets.map((p) => decodePacket(p.bytes));
    expect(decoded).toEqual([
      expect.objectContaining({ ok: true, ip: expect.objectContaining({ src: '10.9.0.1', dst: '10.9.0.2', id: 1, ttl: 255 }) }),
      expect.objectContaining({ ok: true, ip: expect.objectContaining({ src: '10.9.0.1', dst: '10.9.0.3', id: 2 }) }),
    ]);
  });
});

describe('Backup (RFC 5798 §6.4.2)', () => {
  const backup = () => started(instanceCfg({ initialState: 'BACKUP', priority: 100 }), LB2).state;

  it('an advert from a higher-priority master resets the Master_Down_Timer to 3 × 1 s + 0.609 s', () => {
    const r = step(backup(), advertFrom(LB1, { priority: 150 }), 1000);
    expect(r.state.timers.masterDown).toBeCloseTo(1000 + 3609.375, 6);
    expect(r.state.masterAddress).toBe(LB1);
    expect(r.state.stats.advertsReceived).toBe(1);
  });
  it('priority 0: the backup takes over after Skew_Time only (graceful switchover ≈ 0.609 s)', () => {
    const r = step(backup(), advertFrom(LB1, { priority: 0 }), 1000);
    expect(logs(r.actions)).toEqual(['(VI_1) Backup received priority 0 advertisement']);
    expect(r.state.timers.masterDown).toBeCloseTo(1000 + 609.375, 6);
    expect(r.state.stats.priorityZeroReceived).toBe(1);
  });
  it('preempt (default): a lower-priority advert is discarded with keepalived\'s log line, the timer keeps running', () => {
    const s = started(instanceCfg(), LB1).state;
    const r = step(s, advertFrom(LB2, { priority: 100 }), 500);
    expect(logs(r.actions)).toEqual([`(VI_1) received lower priority (100) advert from ${LB2} - discarding`]);
    expect(r.state.timers.masterDown).toBe(s.timers.masterDown);
    expect(r.actions.some((a) => a.type === 'armTimer')).toBe(false);
  });
  it('nopreempt: a lower-priority master is accepted (no discarding line), the timer is reset', () => {
    const s = started(instanceCfg({ initialState: 'BACKUP', nopreempt: true }), LB1).state;
    const r = step(s, advertFrom(LB2, { priority: 100 }), 500);
    expect(logs(r.actions)).toEqual([]);
    expect(r.state.timers.masterDown).toBeCloseTo(500 + 3414.062, 6);
  });
  it('RFC 5798 §6.4.2 (v3): learns Master_Adver_Interval from the master and scales Skew_Time by it', () => {
    const s = started(instanceCfg({ version: 3, authType: 'NONE', authPass: null, initialState: 'BACKUP', priority: 100 }), LB2).state;
    const r = step(s, advertFrom(LB1, { version: 3, priority: 150, adverIntMs: 100 }), 1000);
    expect(r.state.masterAdverIntMs).toBe(100);
    // 3 × 100 ms + (156 × 100 ms)/256, in keepalived's integer µs: 300 + 60.937
    expect(r.state.timers.masterDown).toBeCloseTo(1000 + 360.937, 6);
    expect(logs(r.actions)).toEqual(['(VI_1) advertisement interval updated to 100 milli-sec from 1000 milli-sec']);
  });
  it('RFC 3768 §7.1 (v2): an advert with a different interval is dropped, not learned', () => {
    const r = step(backup(), advertFrom(LB1, { priority: 150, adverIntMs: 2000 }), 1000);
    expect(r.state.stats.drops['adver-int-mismatch']).toBe(1);
    expect(protocolView(r.state)).toEqual(protocolView(backup()));
    expect(logs(r.actions)).toEqual(['(VI_1) advertisement interval mismatch mine=1 sec rcved=2 sec']);
  });
  it('preempt_delay: lower-priority adverts are accepted until the delay has run, then discarded', () => {
    const s = started(instanceCfg({ initialState: 'BACKUP', preemptDelayMs: 2000 }), LB1).state;
    let r = step(s, advertFrom(LB2), 100);
    expect(logs(r.actions)).toEqual(['(VI_1) start preempt delay(2)']);
    expect(r.state.preemptTime).toBe(2100);
    r = step(r.state, advertFrom(LB2), 1100);
    expect(r.state.timers.masterDown).toBeCloseTo(1100 + 3414.062, 6);
    r = step(r.state, advertFrom(LB2), 2100);
    expect(logs(r.actions)).toEqual([`(VI_1) received lower priority (100) advert from ${LB2} - discarding`]);
  });
});

describe('Master (RFC 5798 §6.4.3)', () => {
  it('a higher-priority advert: "Master received advert … with higher priority", BACKUP, VIPs removed, no priority-0 sent', () => {
    const s = master(instanceCfg({ initialState: 'BACKUP', priority: 100 }), LB2).state;
    const r = step(s, advertFrom(LB1, { priority: 150 }), 5000);
    expect(r.state.state).toBe('BACKUP');
    expect(logs(r.actions)).toEqual([
      `(VI_1) Master received advert from ${LB1} with higher priority 150, ours 100`,
      '(VI_1) Entering BACKUP STATE',
      '(VI_1) removing VIPs.',
    ]);
    expect(r.actions.some((a) => a.type === 'sendAdvert')).toBe(false);
    expect(r.state.timers).toEqual({ masterDown: expect.closeTo(5000 + 3609.375, 6) });
    expect(r.state.stats.releasedMaster).toBe(1);
  });
  it('tie-break: equal priority and a higher primary address wins (the lower one steps down)', () => {
    const s = master(instanceCfg({ priority: 100 }), LB1).state;
    const r = step(s, advertFrom(LB2, { priority: 100 }), 5000);
    expect(r.state.state).toBe('BACKUP');
    expect(logs(r.actions)[0]).toBe(`(VI_1) Master received advert from ${LB2} with same priority 100 but higher IP address than ours`);
  });
  it('tie-break compares addresses as unsigned 32-bit numbers (200.x beats 10.x)', () => {
    const s = master(instanceCfg({ priority: 100, virtualIpAddresses: [vip('10.0.0.100')] }), '10.0.0.1').state;
    const r = step(s, advertFrom('200.0.0.1', { priority: 100, addrs: ['10.0.0.100'] }), 5000);
    expect(r.state.state).toBe('BACKUP');
    const s2 = master(instanceCfg({ priority: 100, virtualIpAddresses: [vip('10.0.0.100')] }), '200.0.0.1').state;
    expect(step(s2, advertFrom('10.0.0.1', { priority: 100, addrs: ['10.0.0.100'] }), 5000).state.state).toBe('MASTER');
  });
  it('keepalived #14/#166: a lower-priority master is answered with an advert and GARPs (split-brain healing)', () => {
    const s = master().state;
    const r = step(s, advertFrom(LB2, { priority: 100 }), 5000);
    expect(r.state.state).toBe('MASTER');
    expect(logs(r.actions)).toEqual([`(VI_1) Received advert from ${LB2} with lower priority 100, ours 150, forcing new election`]);
    expect(r.actions.map((a) => a.type)).toEqual(expect.arrayContaining(['sendAdvert', 'sendGarps', 'armTimer']));
    expect(r.state.timers.garpLowerPrio).toBe(10_000);
  });
  it('a lower-priority advert heard as MASTER is a MASTER_RX_LOWER_PRI event for the notify FIFOs (send_event_notify)', () => {
    const r = step(master().state, advertFrom(LB2, { priority: 100 }), 5000);
    expect(r.actions.filter((a) => a.type === 'event')).toEqual([{ type: 'event', instance: 'VI_1', event: 'MASTER_RX_LOWER_PRI', priority: 150 }]);
    // a higher one is not
    const h = step(master().state, advertFrom(LB2, { priority: 200 }), 5000);
    expect(h.actions.some((a) => a.type === 'event')).toBe(false);
  });
  it('vrrp_lower_prio_no_advert: no answering advert (pre-RFC 9568 behaviour)', () => {
    const s = master(instanceCfg({ lowerPrioNoAdvert: true, garpLowerPrioRepeat: 0 })).state;
    const r = step(s, advertFrom(LB2, { priority: 100 }), 5000);
    expect(r.actions.some((a) => a.type === 'sendAdvert' || a.type === 'sendGarps')).toBe(false);
    expect(logs(r.actions)).toEqual([`(VI_1) Received advert from ${LB2} with lower priority 100, ours 150`]);
  });
  it('priority 0 received by a master: it answers with an advert at once and resets its Adver_Timer', () => {
    const s = master().state;
    const r = step(s, advertFrom(LB2, { priority: 0 }), 4000);
    expect(r.state.state).toBe('MASTER');
    expect(r.actions.filter((a) => a.type === 'sendAdvert')).toHaveLength(1);
    expect(r.state.timers.adver).toBe(5000);
  });
  it('two address owners: keepalived\'s configuration error and back-off to 254', () => {
    const s = started(instanceCfg({ priority: 255 })).state;
    const r = step(s, advertFrom(LB2, { priority: 255 }), 100);
    expect(logs(r.actions)[0]).toContain('CONFIGURATION ERROR');
    expect(r.state.effectivePriority).toBe(254);
    expect(r.state.state).toBe('BACKUP'); // then 255 > 254: the other owner wins
  });
});

describe('receive checks (RFC 3768/5798 §7.1) — every drop counted and rate-limit logged', () => {
  const backup = () => started(instanceCfg({ initialState: 'BACKUP', priority: 100 }), LB2).state;
  const cases: [string, ReturnType<typeof advertFrom>, string][] = [
    ['bad-ttl', advertFrom(LB1, { ttl: 254 }), '(VI_1) invalid ttl. 254 and expect 255'],
    ['vrid-mismatch', advertFrom(LB1, { vrid: 52 }), '(VI_1) received VRID mismatch. Received 52, Expected 51'],
    ['version-mismatch', advertFrom(LB1, { version: 3 }), '(VI_1) invalid version. 3 and expect 2'],
    ['auth-mismatch', advertFrom(LB1, { pass: 'wrong' }), '(VI_1) received an invalid passwd!'],
    ['addr-count-mismatch', advertFrom(LB1, { addrs: ['192.168.77.200', '192.168.77.201'] }), '(VI_1) received an invalid ip number count 2, expected 1!'],
    ['addr-list-mismatch', advertFrom(LB1, { addrs: ['192.168.77.201'] }), '(VI_1) ip address associated with VRID 51 not present in MASTER advert : 192.168.77.200'],
    ['own-address', advertFrom(LB2), '(VI_1) WARNING - advert received from remote host with our IP address.'],
  ];
  for (const [reason, ev, line] of cases) {
    it(`${reason}: dropped, counted, logged, no protocol state change`, () => {
      const s = backup();
      const r = step(s, ev, 1000);
      expect(r.state.stats.drops[reason as never]).toBe(1);
      // (with the advert's source: enable_traps' vrrpTrapAuthFailure names it)
      expect(r.actions).toContainEqual({ type: 'countDrop', instance: 'VI_1', reason, src: ev.type === 'advert' && ev.packet.ok ? ev.packet.ip.src : undefined });
      expect(r.actions.find((a) => a.type === 'countDrop')).toHaveProperty('src', expect.stringMatching(/^192\.168\.77\./));
      expect(logs(r.actions)).toEqual([line]);
      expect(protocolView(r.state)).toEqual(protocolView(s));
    });
  }
  it('check_unicast_src (per instance): an advert from an address that is not a unicast peer is dropped', () => {
    const peers = [{ address: LB1, minTtl: null, maxTtl: null }];
    const checking = started(instanceCfg({ initialState: 'BACKUP', priority: 100, unicastPeers: [{ address: '192.168.77.99', minTtl: null, maxTtl: null }], checkUnicastSrc: true }), LB2).state;
    const r = step(checking, advertFrom(LB1), 1000);
    expect(r.state.stats.drops['not-unicast-peer' as never]).toBe(1);
    expect(logs(r.actions)).toEqual([`(VI_1) unicast source address ${LB1} not a unicast peer`]);
    // From a listed peer, or without the check, the advert is taken.
    const listed = started(instanceCfg({ initialState: 'BACKUP', priority: 100, unicastPeers: peers, checkUnicastSrc: true }), LB2).state;
    expect(step(listed, advertFrom(LB1), 1000).state.stats.drops['not-unicast-peer' as never] ?? 0).toBe(0);
  });
  it('auth-type-mismatch: a v2 advert without auth to a PASS instance', () => {
    const bytes = encodePacket({ version: 2, virtualRouterId: 51, priority: 150, adverIntMs: 1000, ipAddresses: ['192.168.77.200'], ipId: 1, src: LB1, dst: GROUP });
    const r = step(backup(), { type: 'advert', packet: decodePacket(bytes) }, 1000);
    expect(logs(r.actions)).toEqual(['(VI_1) received a 0 auth, expecting 1!']);
  });
  it('decode rejections stepped into the instance are counted under their reason', () => {
    const bad = Buffer.from(hexFixture('v2-pass-advert.ip.hex'));
    bad[27] ^= 1;
    const r = step(backup(), { type: 'advert', packet: decodePacket(bad) }, 1000);
    expect(r.state.stats.drops['bad-checksum']).toBe(1);
    expect(logs(r.actions)).toEqual(['(VI_1) Invalid VRRPv2 checksum']);
  });
  it('unicast: TTL is not required to be 255, but a peer\'s min_ttl/max_ttl is enforced', () => {
    const cfg = instanceCfg({ initialState: 'BACKUP', priority: 100, unicastPeers: [{ address: LB1, minTtl: 250, maxTtl: null }] });
    const s = started(cfg, LB2).state;
    expect(step(s, advertFrom(LB1, { priority: 150, ttl: 252 }), 10).state.stats.advertsReceived).toBe(1);
    expect(step(s, advertFrom(LB1, { priority: 150, ttl: 64 }), 10).state.stats.drops['bad-ttl']).toBe(1);
  });
  it('RFC 9568: drop logging is rate-limited per reason (one line per 10 s, then a summary)', () => {
    let s = backup();
    const lines: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = step(s, advertFrom(LB1, { ttl: 1 }), 1000 + i * 100);
      s = r.state;
      lines.push(...logs(r.actions));
    }
    expect(lines).toEqual(['(VI_1) invalid ttl. 1 and expect 255']);
    const r = step(s, advertFrom(LB1, { ttl: 1 }), 11_000);
    expect(logs(r.actions)).toEqual(['(VI_1) invalid ttl. 1 and expect 255 (4 more since last report)']);
    expect(r.state.stats.drops['bad-ttl']).toBe(6);
  });
});

describe('FAULT: interfaces and tracked scripts (keepalived track_interface / track_script)', () => {
  it('own interface down while MASTER: FAULT, VIPs removed, no priority-0 advert (the link cannot carry it)', () => {
    const s = master().state;
    const r = step(s, { type: 'interface', name: 'eth0', up: false }, 5000);
    expect(r.state.state).toBe('FAULT');
    expect(r.actions.some((a) => a.type === 'sendAdvert')).toBe(false);
    expect(logs(r.actions)).toEqual(['(VI_1) interface eth0 is down', '(VI_1) Entering FAULT STATE', '(VI_1) removing VIPs.']);
    expect(r.state.timers).toEqual({});
  });
  it('tracked interface down while MASTER: FAULT with a priority-0 advert on the working link', () => {
    const s = master(instanceCfg({ trackInterfaces: [{ name: 'eth1', weight: 0 }] })).state;
    const r = step(s, { type: 'interface', name: 'eth1', up: false }, 5000);
    expect(r.state.state).toBe('FAULT');
    const adv = r.actions.find((a) => a.type === 'sendAdvert');
    expect(adv).toMatchObject({ priority: 0 });
    expect(logs(r.actions)).toContain('(VI_1) sent 0 priority');
    expect(r.actions).toContainEqual({ type: 'notify', kind: 'INSTANCE', name: 'VI_1', state: 'FAULT', priority: 150 });
  });
  it('interface back up: FAULT → BACKUP with a fresh Master_Down_Timer', () => {
    const s = master().state;
    const f = step(s, { type: 'interface', name: 'eth0', up: false }, 5000).state;
    const r = step(f, { type: 'interface', name: 'eth0', up: true }, 8000);
    expect(r.state.state).toBe('BACKUP');
    expect(logs(r.actions)).toEqual(['(VI_1) Entering BACKUP STATE']);
    expect(r.state.timers.masterDown).toBeCloseTo(8000 + 3414.062, 6);
  });
  it('an untracked interface changes nothing', () => {
    const s = master().state;
    const r = step(s, { type: 'interface', name: 'eth9', up: false }, 5000);
    expect(r.state).toBe(s);
  });
  it('notify_priority_changes: each change of effective priority is a MASTER_PRIORITY / BACKUP_PRIORITY event; off, none', () => {
    const run = (notifyPriorityChanges: boolean, becomeMaster: boolean) => {
      const cfg = instanceCfg({ notifyPriorityChanges, trackScripts: [{ name: 'chk', weight: -60, weightReverse: false }] });
      let s = createInstanceState(cfg, LB1, { vrrpScripts: [script('chk', { initState: 'up' })] });
      s = step(s, { type: 'startup' }, 0).state;
      if (becomeMaster) s = step(s, { type: 'timer', timer: 'masterDown' }, s.timers.masterDown!).state;
      const down = step(s, { type: 'trackScript', name: 'chk', up: false }, 5000);
      const up = step(down.state, { type: 'trackScript', name: 'chk', up: true }, 6000);
      return [...down.actions, ...up.actions].filter((a) => a.type === 'event');
    };
    expect(run(true, true)).toEqual([
      { type: 'event', instance: 'VI_1', event: 'MASTER_PRIORITY', priority: 90 },
      { type: 'event', instance: 'VI_1', event: 'MASTER_PRIORITY', priority: 150 },
    ]);
    expect(run(true, false).map((a) => a.type === 'event' && `${a.event} ${a.priority}`)).toEqual(['BACKUP_PRIORITY 90', 'BACKUP_PRIORITY 150']);
    expect(run(false, true)).toEqual([]);
  });
  it('track_script weight −60: failing script lowers the advertised priority to 90', () => {
    const cfg = instanceCfg({ trackScripts: [{ name: 'chk', weight: -60, weightReverse: false }] });
    let s = createInstanceState(cfg, LB1, { vrrpScripts: [script('chk', { initState: 'up' })] });
    s = step(s, { type: 'startup' }, 0).state;
    s = step(s, { type: 'timer', timer: 'masterDown' }, s.timers.masterDown!).state;
    const r = step(s, { type: 'trackScript', name: 'chk', up: false }, 5000);
    expect(logs(r.actions)).toEqual(['(VI_1) Changing effective priority from 150 to 90']);
    const next = step(r.state, { type: 'timer', timer: 'adver' }, r.state.timers.adver!);
    expect(next.actions.find((a) => a.type === 'sendAdvert')).toMatchObject({ priority: 90 });
  });
  it('track_script positive weight adds while up; priority stays within 1..254', () => {
    const cfg = instanceCfg({ priority: 250, trackScripts: [{ name: 'chk', weight: 10, weightReverse: false }] });
    const s = createInstanceState(cfg, LB1, { vrrpScripts: [script('chk', { initState: 'up' })] });
    expect(s.effectivePriority).toBe(254);
  });
  it('track_script weight 0 reverse: FAULT while the script is up', () => {
    const cfg = instanceCfg({ trackScripts: [{ name: 'chk', weight: 0, weightReverse: true }] });
    let s = createInstanceState(cfg, LB1, { vrrpScripts: [script('chk', { initState: 'down' })] });
    s = step(s, { type: 'startup' }, 0).state;
    expect(s.state).toBe('BACKUP');
    expect(step(s, { type: 'trackScript', name: 'chk', up: true }, 10).state.state).toBe('FAULT');
  });
  it('adverts received in FAULT are counted and change nothing else', () => {
    const s = step(master().state, { type: 'interface', name: 'eth0', up: false }, 5000).state;
    const r = step(s, advertFrom(LB2, { priority: 200 }), 6000);
    expect(protocolView(r.state)).toEqual(protocolView(s));
    expect(r.state.stats.advertsReceived).toBe(1);
  });
});

describe('two directors on one LAN (fake clock, fake bridge)', () => {
  it('election by priority: lb1 (150) becomes MASTER at 3.414 s, lb2 (100) stays BACKUP', () => {
    const lan = twoDirectors();
    lan.start('lb1');
    lan.start('lb2');
    lan.run(20_000);
    expect(lan.state('lb1').state).toBe('MASTER');
    expect(lan.state('lb2').state).toBe('BACKUP');
    expect(lan.sent('lb1')[0].t).toBeCloseTo(3414.062, 6);
    expect(lan.sent('lb2')).toHaveLength(0);
  });
  it('crash failover: lb2\'s first advert comes Master_Down_Interval (3.609 s) after lb1\'s last (baseline: 3.6095 s)', () => {
    const lan = twoDirectors();
    lan.start('lb1');
    lan.start('lb2');
    lan.run(10_000);
    const last = lan.sent('lb1').at(-1)!.t;
    lan.crash('lb1');
    lan.run(10_000);
    expect(lan.sent('lb2')[0].t - last).toBeCloseTo(3609.375, 6);
    expect(lan.state('lb2').state).toBe('MASTER');
  });
  it('v3 advert_int 0.1 crash failover: 0.3609 s (baseline 0.3611 s)', () => {
    const v3 = { version: 3 as const, authType: 'NONE' as const, authPass: null, advertIntMs: 100 };
    const lan = twoDirectors(v3, v3);
    lan.start('lb1');
    lan.start('lb2');
    lan.run(2_000);
    const last = lan.sent('lb1').at(-1)!.t;
    lan.crash('lb1');
    lan.run(2_000);
    expect(lan.sent('lb2')[0].t - last).toBeCloseTo(360.937, 6);
  });
  it('graceful switchover: SIGTERM → priority-0 advert → lb2 takes over after Skew_Time 0.609 s (baseline 0.6105 s)', () => {
    const lan = twoDirectors();
    lan.start('lb1');
    lan.start('lb2');
    lan.run(10_000);
    lan.event('lb1', 'VI_1', { type: 'shutdown' });
    const prio0 = lan.sent('lb1').at(-1)!;
    expect(prio0.priority).toBe(0);
    lan.run(5_000);
    expect(lan.sent('lb2')[0].t - prio0.t).toBeCloseTo(609.375, 6);
    expect(lan.logsOf('lb2')).toEqual(expect.arrayContaining(['(VI_1) Backup received priority 0 advertisement', '(VI_1) Receive advertisement timeout', '(VI_1) Entering MASTER STATE']));
  });
  it('preemption (baseline §4): a restarted lb1 discards lb2\'s adverts and takes the VIP back after its own 3.414 s', () => {
    const lan = twoDirectors();
    lan.start('lb2');
    lan.run(5_000); // lb2 alone: MASTER at 3.609 s
    expect(lan.state('lb2').state).toBe('MASTER');
    const t0 = lan.now;
    lan.start('lb1');
    lan.run(6_000);
    expect(lan.sent('lb1')[0].t - t0).toBeCloseTo(3414.062, 6);
    expect(lan.logsOf('lb1').filter((l) => l.includes('discarding'))).toHaveLength(3);
    expect(lan.logsOf('lb2', t0)).toEqual([
      `(VI_1) Master received advert from ${LB1} with higher priority 150, ours 100`,
      '(VI_1) Entering BACKUP STATE',
      '(VI_1) removing VIPs.',
    ]);
    expect(lan.sent('lb2', t0 + 3414).filter((w) => w.priority === 0)).toHaveLength(0);
  });
  it('nopreempt with state BACKUP (baseline §4): lb1 does not take the VIP back within 15 s', () => {
    const lan = twoDirectors({ initialState: 'BACKUP', nopreempt: true }, { nopreempt: true });
    lan.start('lb2');
    lan.run(5_000);
    lan.start('lb1');
    lan.run(15_000);
    expect(lan.state('lb2').state).toBe('MASTER');
    expect(lan.state('lb1').state).toBe('BACKUP');
    expect(lan.sent('lb1')).toHaveLength(0);
    expect(lan.logsOf('lb1').some((l) => l.includes('discarding'))).toBe(false);
  });
  it('preempt_delay 2 s: lb1 preempts ≈ 2 s later than without it (man page: ~5.5 s)', () => {
    const lan = twoDirectors({ initialState: 'BACKUP', preemptDelayMs: 2000 });
    lan.start('lb2');
    lan.run(5_000);
    const t0 = lan.now;
    lan.start('lb1');
    lan.run(10_000);
    const took = lan.sent('lb1')[0].t - t0;
    expect(took).toBeGreaterThan(5000);
    expect(took).toBeLessThan(6500);
  });
  it('tie-break on the wire: equal priority, .12 wins whichever started first', () => {
    const lan = twoDirectors({ priority: 100, initialState: 'BACKUP' });
    lan.start('lb1');
    lan.run(5_000);
    expect(lan.state('lb1').state).toBe('MASTER');
    lan.start('lb2');
    lan.run(10_000);
    // lb2 discards nothing at equal priority (RFC: Backup accepts >=), so lb1 stays master…
    expect(lan.state('lb1').state).toBe('MASTER');
    // …until both are masters at once (split brain), where the higher address wins.
    lan.cut.add('br0');
    lan.run(5_000);
    expect(lan.state('lb2').state).toBe('MASTER');
    lan.cut.delete('br0');
    lan.run(1_000);
    expect(lan.state('lb1').state).toBe('BACKUP');
    expect(lan.state('lb2').state).toBe('MASTER');
  });
  it('split-brain healing (keepalived #166, #14): within one advert interval the lower master yields and the winner re-sends GARPs', () => {
    const lan = twoDirectors();
    lan.start('lb1');
    lan.start('lb2');
    lan.run(10_000);
    lan.cut.add('br0');
    lan.run(5_000);
    expect(lan.state('lb1').state).toBe('MASTER');
    expect(lan.state('lb2').state).toBe('MASTER');
    const t0 = lan.now;
    lan.cut.delete('br0');
    lan.run(1_000);
    expect(lan.state('lb2').state).toBe('BACKUP');
    expect(lan.actionsOf('lb2', t0)).toContainEqual(expect.objectContaining({ type: 'removeVips' }));
    const garps = lan.actionsOf('lb1', t0).filter((a) => a.type === 'sendGarps');
    expect(garps.length).toBeGreaterThanOrEqual(1);
    lan.run(6_000);
    // and the garp_lower_prio_delay second burst
    expect(lan.actionsOf('lb1', t0).filter((a) => a.type === 'sendGarps').length).toBeGreaterThanOrEqual(2);
  });
});

describe('v3 checksum convention per instance (RFC 9568 / keepalived v3_checksum_as_v2)', () => {
  const v3 = { version: 3 as const, authType: 'NONE' as const, authPass: null, initialState: 'BACKUP' as const, priority: 100 };
  const pkt = (asV2: boolean) =>
    decodePacket(
      encodePacket({ version: 3, virtualRouterId: 51, priority: 150, adverIntMs: 1000, ipAddresses: ['192.168.77.200'], ipId: 1, src: LB1, dst: GROUP, v3Checksum: asV2 ? 'as-v2' : 'pseudo-header' }),
      { v3Checksum: 'either' },
    );
  it('a default instance accepts pseudo-header checksums and rejects RFC 9568 ones as bad-checksum', () => {
    const s = started(instanceCfg(v3), LB2).state;
    expect(step(s, { type: 'advert', packet: pkt(false) }, 10).state.stats.advertsReceived).toBe(1);
    const r = step(s, { type: 'advert', packet: pkt(true) }, 10);
    expect(r.state.stats.drops['bad-checksum']).toBe(1);
    expect(logs(r.actions)[0]).toContain('Invalid VRRPv3 checksum');
  });
  it('a v3_checksum_as_v2 instance does the opposite, and sends without the pseudo-header', () => {
    const cfg = instanceCfg({ ...v3, v3ChecksumAsV2: true });
    const s = started(cfg, LB2).state;
    expect(step(s, { type: 'advert', packet: pkt(true) }, 10).state.stats.advertsReceived).toBe(1);
    expect(step(s, { type: 'advert', packet: pkt(false) }, 10).state.stats.drops['bad-checksum']).toBe(1);
    const m = master(instanceCfg({ ...v3, v3ChecksumAsV2: true, initialState: 'MASTER' }), LB1);
    const adv = m.actions.find((a) => a.type === 'sendAdvert');
    if (!adv || adv.type !== 'sendAdvert') throw new Error();
    expect(decodePacket(adv.packets[0].bytes)).toMatchObject({ ok: false, reason: 'bad-checksum' });
    expect(decodePacket(adv.packets[0].bytes, { v3Checksum: 'as-v2' })).toMatchObject({ ok: true });
  });
});

describe('advertPackets (for the daemon\'s emergency priority-0 advert)', () => {
  it('is pure and continues the IP id sequence without consuming it', () => {
    const s = master().state;
    const before = JSON.stringify(protocolView(s));
    const pk = advertPackets(s, 0);
    expect(JSON.stringify(protocolView(s))).toBe(before);
    expect(decodePacket(pk[0].bytes)).toMatchObject({ ok: true, ip: { id: s.ipId + 1 }, vrrp: { priority: 0 } });
  });
  it('encoded once per config, the bytes still follow everything they depend on: priority, source, destination, IP id', () => {
    const s = master().state;
    const bytes = (st: InstanceState, prio: number) => advertPackets(st, prio)[0].bytes;
    const expected = (st: InstanceState, prio: number, dst = GROUP) => encodePacket({
      version: 2, virtualRouterId: 51, priority: prio, adverIntMs: 1000, ipAddresses: ['192.168.77.200'], authType: 'PASS', authPass: 'mypasswd',
      ipId: (st.ipId + 1) & 0xffff, src: st.srcAddress, dst,
    }).toString('hex');
    for (const prio of [150, 0, 150, 90, 150]) expect(bytes(s, prio).toString('hex')).toBe(expected(s, prio));
    // the same config object with another source address (a new primary address) and IP id
    const moved: InstanceState = { ...s, srcAddress: '192.168.77.99', ipId: 0xffff };
    expect(bytes(moved, 150).toString('hex')).toBe(expected(moved, 150));
    expect(bytes(s, 150).toString('hex')).toBe(expected(s, 150));
    // unicast peers: one packet per peer, ids in sequence
    const uni = master(instanceCfg({ unicastPeers: [LB2, '192.168.77.13'].map((address) => ({ address, minTtl: null, maxTtl: null })) })).state;
    const pk = advertPackets(uni, 150);
    expect(pk.map((p) => p.dst)).toEqual([LB2, '192.168.77.13']);
    expect(pk.map((p) => decodePacket(p.bytes))).toMatchObject([{ ok: true, ip: { id: uni.ipId + 1, dst: LB2 } }, { ok: true, ip: { id: uni.ipId + 2, dst: '192.168.77.13' } }]);
  });
});

describe('trackers moving mastership between two directors', () => {
  it('track_script weight −60 fails on the master: it advertises 90, the backup (100) preempts after its Master_Down_Interval', () => {
    const lan = twoDirectors({ trackScripts: [{ name: 'chk', weight: -60, weightReverse: false }] });
    // re-create lb1 with the script known and up
    lan.hosts.delete('lb1');
    lan.addHost('lb1', {
      interfaces: { eth0: { segment: 'br0', address: LB1 } },
      instances: [instanceCfg({ trackScripts: [{ name: 'chk', weight: -60, weightReverse: false }] })],
      scripts: [script('chk', { initState: 'up' })],
    });
    lan.start('lb1');
    lan.start('lb2');
    lan.run(10_000);
    expect(lan.state('lb1').state).toBe('MASTER');
    const t0 = lan.now;
    lan.event('lb1', 'VI_1', { type: 'trackScript', name: 'chk', up: false });
    lan.run(6_000);
    expect(lan.state('lb2').state).toBe('MASTER');
    expect(lan.state('lb1').state).toBe('BACKUP');
    expect(lan.logsOf('lb2', t0)).toContain(`(VI_1) received lower priority (90) advert from ${LB1} - discarding`);
    expect(lan.logsOf('lb1', t0)).toContain(`(VI_1) Master received advert from ${LB2} with higher priority 100, ours 90`);
  });
  it('tracked interface down on the master: priority-0 advert, the backup takes over after Skew_Time', () => {
    const lan = twoDirectors({ trackInterfaces: [{ name: 'eth1', weight: 0 }] });
    lan.start('lb1');
    lan.start('lb2');
    lan.run(10_000);
    const t0 = lan.now;
    lan.setLink('lb1', 'eth1', false);
    lan.run(2_000);
    expect(lan.state('lb1').state).toBe('FAULT');
    expect(lan.state('lb2').state).toBe('MASTER');
    expect(lan.sent('lb2')[0].t - t0).toBeCloseTo(609.375, 6);
  });
});

describe('why the instance became MASTER (RFC 6527 vrrpv3StatisticsNewMasterReason, keepalived master_reason)', () => {
  it('notMaster until it is; masterNoResponse when the down timer runs out', () => {
    const s0 = started().state;
    expect(s0.stats.masterReason).toBe('notMaster');
    expect(master().state.stats.masterReason).toBe('masterNoResponse');
  });
  it('priority after the master sent priority 0', () => {
    const s0 = started().state;
    const r = run(s0, [[advertFrom(LB2, { priority: 200 }), 10], [advertFrom(LB2, { priority: 0 }), 20]]);
    const m = step(r.state, { type: 'timer', timer: 'masterDown' }, r.state.timers.masterDown!);
    expect(m.state.state).toBe('MASTER');
    expect(m.state.stats.masterReason).toBe('priority');
  });
  it('preempted after discarding a lower-priority master, and for the address owner', () => {
    const s0 = started().state;
    const r = run(s0, [[advertFrom(LB2, { priority: 50 }), 10]]);
    const m = step(r.state, { type: 'timer', timer: 'masterDown' }, r.state.timers.masterDown!);
    expect(m.state.stats.masterReason).toBe('preempted');
    expect(started(instanceCfg({ priority: 255 })).state.stats.masterReason).toBe('preempted');
  });
});
