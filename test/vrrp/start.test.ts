/**
 * keepalived 2.2.7's start order (src/vrrp/start.ts), as its notify FIFO shows it (the same
 * sequence is compared with keepalived's own FIFO in test/integration/sync-group-fault-start.netns.test.ts).
 */
import { createInstanceState, InstanceState } from '../../src/vrrp/instance';
import { startAll } from '../../src/vrrp/start';
import { createSyncGroupState } from '../../src/vrrp/sync-group';
import type { VrrpAction } from '../../src/vrrp/types';
import { instanceCfg, syncGroup, vip } from './harness';

const notifies = (actions: VrrpAction[]) => actions.flatMap((a) => (a.type === 'notify' ? [`${a.kind} ${a.name} ${a.state} ${a.priority}`] : []));

function build(down: string[]) {
  const groups = [syncGroup('VG1', ['VI_3', 'VI_2']), syncGroup('VG2', ['VI_5', 'VI_6'])];
  const names = ['VI_1', 'VI_2', 'VI_3', 'VI_4', 'VI_5', 'VI_6', 'VI_7'];
  const instances: Record<string, InstanceState> = {};
  names.forEach((name, i) => {
    const g = groups.find((x) => x.group.includes(name)) ?? null;
    const cfg = instanceCfg({ name, initialState: 'BACKUP', priority: 100, virtualRouterId: 101 + i, virtualIpAddresses: [vip(`192.168.75.${101 + i}`, 'eth0')],
      trackInterfaces: down.includes(name) ? [{ name: 'dn0', weight: 0 }] : [] });
    instances[name] = createInstanceState(cfg, '192.168.75.11', { syncGroup: g, links: { eth0: true, dn0: !down.includes(name) } });
  });
  return { names, instances, groups: groups.map(createSyncGroupState) };
}

describe('startAll: keepalived\'s start order', () => {
  it('a group one of whose members starts in FAULT: every member told FAULT only, among the faulty instances; the group with the other groups', () => {
    const { names, instances, groups } = build(['VI_2', 'VI_4']);
    const r = startAll(names, instances, groups, 0);
    expect(notifies(r.actions)).toEqual([
      'INSTANCE VI_2 FAULT 100', 'INSTANCE VI_3 FAULT 100', 'INSTANCE VI_4 FAULT 100',
      'GROUP VG1 FAULT 0', 'GROUP VG2 BACKUP 0',
      'INSTANCE VI_1 BACKUP 100', 'INSTANCE VI_5 BACKUP 100', 'INSTANCE VI_6 BACKUP 100', 'INSTANCE VI_7 BACKUP 100',
    ]);
    expect(names.map((n) => r.instances[n].state)).toEqual(['BACKUP', 'FAULT', 'FAULT', 'FAULT', 'BACKUP', 'BACKUP', 'BACKUP']);
    expect(r.groups.map((g) => g.state)).toEqual(['FAULT', 'BACKUP']);
  });

  it('nothing failing: the groups starting in BACKUP first, then every instance in config order', () => {
    const { names, instances, groups } = build([]);
    const r = startAll(names, instances, groups, 0);
    expect(notifies(r.actions)).toEqual(['GROUP VG1 BACKUP 0', 'GROUP VG2 BACKUP 0', ...names.map((n) => `INSTANCE ${n} BACKUP 100`)]);
  });
});
