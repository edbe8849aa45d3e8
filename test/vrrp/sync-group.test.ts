/**
 * vrrp_sync_group, replaying keepalived 2.2.7's sync-group experiment
 * (../shared/reference/keepalived-2.2.7-baseline.md §5): VI_1 on eth0/br0 (vrid 51) and VI_2 on
 * eth1/br1 (vrid 52) in VG_1; lb1 MASTER 150, lb2 BACKUP 100; lb1's eth1 goes down, then up.
 */
import type { VrrpAction } from '../../src/vrrp/types';
import { decodePacket, encodePacket } from '../../src/vrrp/advert-codec';
import { createInstanceState } from '../../src/vrrp/instance';
import { createSyncGroupState, stepSyncGroupMember } from '../../src/vrrp/sync-group';
import { instanceCfg, Lan, logs, syncGroup, vip } from './harness';

function syncLan(): Lan {
  const lan = new Lan();
  const members = (o: { initialState: 'MASTER' | 'BACKUP'; priority: number }) => [
    instanceCfg({ ...o, name: 'VI_1', interface: 'eth0', virtualRouterId: 51, virtualIpAddresses: [vip('192.168.77.200', 'eth0')], syncGroup: 'VG_1' }),
    instanceCfg({ ...o, name: 'VI_2', interface: 'eth1', virtualRouterId: 52, virtualIpAddresses: [vip('192.168.78.200', 'eth1')], syncGroup: 'VG_1' }),
  ];
  lan.addHost('lb1', {
    interfaces: { eth0: { segment: 'br0', address: '192.168.77.11' }, eth1: { segment: 'br1', address: '192.168.78.11' } },
    instances: members({ initialState: 'MASTER', priority: 150 }),
    groups: [syncGroup('VG_1', ['VI_1', 'VI_2'])],
  });
  lan.addHost('lb2', {
    interfaces: { eth0: { segment: 'br0', address: '192.168.77.12' }, eth1: { segment: 'br1', address: '192.168.78.12' } },
    instances: members({ initialState: 'BACKUP', priority: 100 }),
    groups: [syncGroup('VG_1', ['VI_1', 'VI_2'])],
  });
  lan.start('lb1');
  lan.start('lb2');
  lan.run(7_000);
  return lan;
}

const notifies = (actions: VrrpAction[]) =>
  actions.flatMap((a) => (a.type === 'notify' ? [`${a.kind} ${a.name} ${a.state} ${a.priority}`] : []));

describe('sync group VG_1 (keepalived 2.2.7 baseline §5)', () => {
  it('steady state: lb1 MASTER for both members, lb2 BACKUP for both', () => {
    const lan = syncLan();
    expect([lan.state('lb1', 'VI_1').state, lan.state('lb1', 'VI_2').state]).toEqual(['MASTER', 'MASTER']);
    expect([lan.state('lb2', 'VI_1').state, lan.state('lb2', 'VI_2').state]).toEqual(['BACKUP', 'BACKUP']);
    expect(lan.logsOf('lb1')).toContain('VRRP_Group(VG_1) Syncing instances to MASTER state');
  });

  it('one member\'s link down: both go FAULT in keepalived\'s order; VI_1 sends priority 0 on its working link', () => {
    const lan = syncLan();
    const t0 = lan.now;
    lan.setLink('lb1', 'eth1', false);
    expect(lan.logsOf('lb1', t0)).toEqual([
      '(VI_2) interface eth1 is down',
      '(VI_2) Entering FAULT STATE',
      '(VI_2) removing VIPs.',
      'VRRP_Group(VG_1) Syncing instances to FAULT state',
      '(VI_1) Entering FAULT STATE',
      '(VI_1) sent 0 priority',
      '(VI_1) removing VIPs.',
    ]);
    expect(notifies(lan.actionsOf('lb1', t0))).toEqual(['INSTANCE VI_2 FAULT 150', 'GROUP VG_1 FAULT 0', 'INSTANCE VI_1 FAULT 150']);
    const prio0 = lan.sent('lb1', t0);
    expect(prio0.map((w) => [w.segment, w.instance, w.priority])).toEqual([['br0', 'VI_1', 0]]);
  });

  it('the backup group becomes MASTER only when the slower member\'s timer expires, VI_2 first', () => {
    const lan = syncLan();
    const lastVi2 = lan.sent('lb1', 0, 'VI_2').at(-1)!.t;
    const t0 = lan.now;
    lan.setLink('lb1', 'eth1', false);
    lan.run(700);
    // VI_1 got priority 0 and its Skew_Time ran out, but the group waits for VI_2.
    expect(lan.logsOf('lb2', t0)).toEqual(['(VI_1) Backup received priority 0 advertisement', '(VI_1) Receive advertisement timeout']);
    expect(lan.state('lb2', 'VI_1').state).toBe('BACKUP');
    lan.run(5_000);
    expect(lan.logsOf('lb2', t0 + 700)).toEqual([
      '(VI_2) Receive advertisement timeout',
      '(VI_2) Entering MASTER STATE',
      '(VI_2) setting VIPs.',
      '(VI_2) Sending/queueing gratuitous ARPs on eth1 for 192.168.78.200',
      'VRRP_Group(VG_1) Syncing instances to MASTER state',
      '(VI_1) Entering MASTER STATE',
      '(VI_1) setting VIPs.',
      '(VI_1) Sending/queueing gratuitous ARPs on eth0 for 192.168.77.200',
    ]);
    const first = lan.sent('lb2', t0);
    expect(first[0].t - lastVi2).toBeCloseTo(3609.375, 6);
    expect(first.slice(0, 2).map((w) => [w.segment, w.t - lastVi2])).toEqual([
      ['br1', expect.closeTo(3609.375, 6)],
      ['br0', expect.closeTo(3609.375, 6)],
    ]);
  });

  it('link up again: lb1 both BACKUP together, then both MASTER together when the last timer expires; lb2 follows to BACKUP', () => {
    const lan = syncLan();
    lan.setLink('lb1', 'eth1', false);
    lan.run(8_000);
    const t1 = lan.now;
    lan.setLink('lb1', 'eth1', true);
    expect(lan.logsOf('lb1', t1)).toEqual([
      '(VI_2) Entering BACKUP STATE',
      'VRRP_Group(VG_1) Syncing instances to BACKUP state',
      '(VI_1) Entering BACKUP STATE',
    ]);
    lan.run(5_000);
    const after = lan.logsOf('lb1', t1 + 1).filter((l) => !l.includes('discarding'));
    expect(after.slice(0, 5)).toEqual([
      '(VI_2) Receive advertisement timeout',
      '(VI_1) Receive advertisement timeout',
      '(VI_1) Entering MASTER STATE',
      '(VI_1) setting VIPs.',
      '(VI_1) Sending/queueing gratuitous ARPs on eth0 for 192.168.77.200',
    ]);
    expect(after[5]).toBe('VRRP_Group(VG_1) Syncing instances to MASTER state');
    expect(lan.logsOf('lb1', t1).filter((l) => l.includes('discarding')).length).toBeGreaterThanOrEqual(6);
    expect(lan.logsOf('lb2', t1 + 1)).toEqual([
      '(VI_1) Master received advert from 192.168.77.11 with higher priority 150, ours 100',
      '(VI_1) Entering BACKUP STATE',
      '(VI_1) removing VIPs.',
      'VRRP_Group(VG_1) Syncing instances to BACKUP state',
      '(VI_2) Entering BACKUP STATE',
      '(VI_2) removing VIPs.',
    ]);
    expect([lan.state('lb1', 'VI_1').state, lan.state('lb1', 'VI_2').state]).toEqual(['MASTER', 'MASTER']);
    expect([lan.state('lb2', 'VI_1').state, lan.state('lb2', 'VI_2').state]).toEqual(['BACKUP', 'BACKUP']);
  });

  it('a member that wants MASTER stops waiting when a master answers on its link; the group stays BACKUP', () => {
    const g = syncGroup('VG_1', ['VI_1', 'VI_2']);
    const a = createInstanceState(instanceCfg({ name: 'VI_1', initialState: 'BACKUP', priority: 100, syncGroup: 'VG_1' }), '192.168.77.12', { syncGroup: g });
    const b = createInstanceState(
      instanceCfg({ name: 'VI_2', initialState: 'BACKUP', priority: 100, interface: 'eth1', virtualRouterId: 52, syncGroup: 'VG_1', virtualIpAddresses: [vip('192.168.78.200', 'eth1')] }),
      '192.168.78.12',
      { syncGroup: g },
    );
    let group = createSyncGroupState(g);
    let members: Record<string, ReturnType<typeof createInstanceState>> = { VI_1: a, VI_2: b };
    const go = (n: string, e: Parameters<typeof stepSyncGroupMember>[3], t: number) => {
      const r = stepSyncGroupMember(group, members, n, e, t);
      group = r.group;
      members = r.members;
      return r;
    };
    go('VI_1', { type: 'startup' }, 0);
    go('VI_2', { type: 'startup' }, 0);
    go('VI_1', { type: 'timer', timer: 'masterDown' }, 3609.375);
    expect(members.VI_1.wantState).toBe('MASTER');
    expect(members.VI_1.state).toBe('BACKUP');
    const adv = encodePacket({ version: 2, virtualRouterId: 51, priority: 200, adverIntMs: 1000, ipAddresses: ['192.168.77.200'], authType: 'PASS', authPass: 'mypasswd', ipId: 1, src: '192.168.77.11', dst: '224.0.0.18' });
    go('VI_1', { type: 'advert', packet: decodePacket(adv) }, 3700);
    expect(members.VI_1.wantState).toBeNull();
    const r = go('VI_2', { type: 'timer', timer: 'masterDown' }, 3609.375);
    expect(members.VI_2.wantState).toBe('MASTER');
    expect(group.state).toBe('BACKUP');
    expect(r.actions.some((x) => x.type === 'sendAdvert')).toBe(false);
  });

  it('weighted trackers on a member are ignored with a warning (keepalived: sync groups move as one)', () => {
    const cfg = instanceCfg({ trackInterfaces: [{ name: 'eth9', weight: -20 }], syncGroup: 'VG_1' });
    const s = createInstanceState(cfg, '192.168.77.11', { syncGroup: syncGroup('VG_1', ['VI_1', 'VI_2']) });
    expect(s.env.warnings).toEqual(['(VI_1) ignoring weight -20 of tracked interface eth9: instance is in sync group VG_1']);
    expect(s.env.trackers).toEqual([{ kind: 'interface', name: 'eth9', weight: 0, reverse: false }]);
  });

  it('the group\'s own track_interface applies to every member', () => {
    const g = syncGroup('VG_1', ['VI_1', 'VI_2'], { trackInterfaces: [{ name: 'bond0', weight: 0 }] });
    const a = createInstanceState(instanceCfg({ name: 'VI_1', syncGroup: 'VG_1' }), '192.168.77.11', { syncGroup: g });
    const b = createInstanceState(instanceCfg({ name: 'VI_2', virtualRouterId: 52, interface: 'eth1', syncGroup: 'VG_1' }), '192.168.78.11', { syncGroup: g });
    let group = createSyncGroupState(g);
    let members = { VI_1: a, VI_2: b };
    for (const n of ['VI_1', 'VI_2']) {
      const r = stepSyncGroupMember(group, members, n, { type: 'startup' }, 0);
      group = r.group;
      members = r.members as typeof members;
    }
    expect(group.state).toBe('BACKUP');
    const r = stepSyncGroupMember(group, members, 'VI_2', { type: 'interface', name: 'bond0', up: false }, 100);
    expect(r.group.state).toBe('FAULT');
    expect(logs(r.actions)).toEqual([
      '(VI_2) tracked interface bond0 is down',
      '(VI_2) Entering FAULT STATE',
      'VRRP_Group(VG_1) Syncing instances to FAULT state',
      '(VI_1) Entering FAULT STATE',
    ]);
  });
});

describe('a sync group at start (keepalived 2.2.7 vrrp_init_state)', () => {
  const members = (names: string[], extra: Partial<Parameters<typeof instanceCfg>[0]> = {}) =>
    names.map((n, i) => instanceCfg({ name: n, virtualRouterId: 51 + i, virtualIpAddresses: [vip(`192.168.77.${200 + i}`)], syncGroup: 'VG_1', ...extra }));

  it('the GROUP BACKUP notify comes before its members\' BACKUP notifies', () => {
    const lan = new Lan();
    lan.addHost('lb1', { interfaces: { eth0: { segment: 'br0', address: '192.168.77.11' } }, instances: members(['VI_1', 'VI_2']), groups: [syncGroup('VG_1', ['VI_1', 'VI_2'])] });
    lan.start('lb1');
    expect(notifies(lan.actionsOf('lb1'))).toEqual(['GROUP VG_1 BACKUP 0', 'INSTANCE VI_1 BACKUP 150', 'INSTANCE VI_2 BACKUP 150']);
  });

  it('a one-member group is a group: its notifies, and MASTER through the group', () => {
    const lan = new Lan();
    lan.addHost('lb1', { interfaces: { eth0: { segment: 'br0', address: '192.168.77.11' } }, instances: members(['VI_1']), groups: [syncGroup('VG_1', ['VI_1'])] });
    lan.start('lb1');
    lan.run(5_000);
    expect(lan.state('lb1', 'VI_1').env.syncGroup).toBe('VG_1');
    expect(notifies(lan.actionsOf('lb1'))).toEqual(['GROUP VG_1 BACKUP 0', 'INSTANCE VI_1 BACKUP 150', 'INSTANCE VI_1 MASTER 150', 'GROUP VG_1 MASTER 0']);
    expect(lan.logsOf('lb1')).toContain('VRRP_Group(VG_1) Syncing instances to MASTER state');
  });

  it('a member starting in FAULT: no BACKUP notify for the group, which goes FAULT', () => {
    const lan = new Lan();
    lan.addHost('lb1', { interfaces: { eth0: { segment: 'br0', address: '192.168.77.11' } }, instances: members(['VI_1', 'VI_2']), groups: [syncGroup('VG_1', ['VI_1', 'VI_2'])] });
    lan.setLink('lb1', 'eth0', false);
    lan.start('lb1');
    const n = notifies(lan.actionsOf('lb1'));
    expect(n).not.toContain('GROUP VG_1 BACKUP 0');
    expect(n).toContain('GROUP VG_1 FAULT 0');
  });

  it('all members address owners: the group goes MASTER without a BACKUP notify first', () => {
    const lan = new Lan();
    lan.addHost('lb1', { interfaces: { eth0: { segment: 'br0', address: '192.168.77.11' } }, instances: members(['VI_1', 'VI_2'], { priority: 255 }), groups: [syncGroup('VG_1', ['VI_1', 'VI_2'])] });
    lan.start('lb1');
    lan.run(3_000);
    const n = notifies(lan.actionsOf('lb1'));
    expect(n).not.toContain('GROUP VG_1 BACKUP 0');
    expect(n).toContain('GROUP VG_1 MASTER 0');
  });
});
