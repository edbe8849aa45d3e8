/**
 * virtual_routes / virtual_rules in the instance machine: keepalived's order around the VIPs
 * (become_master: VIPs, routes, rules; restore_interface: rules, routes, VIPs), the reload
 * difference, and a tracked route deleted under a MASTER (set_vrrp_backup).
 */
import { model } from '../config/helpers';
import { createInstanceState, InstanceState, skewTime, step } from '../../src/vrrp/instance';
import { reconfigure } from '../../src/vrrp/reconfigure';
import type { VrrpAction } from '../../src/vrrp/types';

const conf = (routes: string[], rules: string[] = []) =>
  model(`vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority 150\n virtual_ipaddress {\n  192.168.77.200/24\n }\n virtual_routes {\n${routes.map((r) => `  ${r}\n`).join('')} }\n${rules.length ? ` virtual_rules {\n${rules.map((r) => `  ${r}\n`).join('')} }\n` : ''}}\n`).vrrpInstances[0];

const io = (actions: VrrpAction[]) =>
  actions.flatMap((a) => (a.type === 'addVips' || a.type === 'removeVips' ? [a.type] : a.type === 'routes' ? [`${a.op} ${[...a.routes, ...a.rules].map((r) => r.text).join(', ')}`] : a.type === 'sendAdvert' ? [`advert ${a.priority}`] : []));

function master(cfg = conf(['10.1.0.0/16 via 192.168.77.1 dev eth0'], ['from 192.168.77.200 table 100 priority 100'])): { s: InstanceState; actions: VrrpAction[] } {
  const s0 = step(createInstanceState(cfg, '192.168.77.11'), { type: 'startup' }, 0);
  const s1 = step(s0.state, { type: 'timer', timer: 'masterDown' }, s0.state.timers.masterDown!);
  return { s: s1.state, actions: [...s0.actions, ...s1.actions] };
}

describe('virtual routes and rules follow MASTER', () => {
  it('init clears a crashed run\'s entries (rules and routes, then VIPs); MASTER adds VIPs, then routes and rules', () => {
    const { s, actions } = master();
    expect(s.state).toBe('MASTER');
    expect(io(actions)).toEqual([
      // one action; the shell removes its rules, then its routes
      'remove 10.1.0.0/16 via 192.168.77.1 dev eth0, from 192.168.77.200 table 100 priority 100',
      'removeVips',
      'advert 150',
      'addVips',
      'add 10.1.0.0/16 via 192.168.77.1 dev eth0, from 192.168.77.200 table 100 priority 100',
    ]);
    const detail = actions.filter((a) => a.type === 'log').map((a) => (a as { message: string }).message);
    expect(detail).toEqual(expect.arrayContaining(['(VI_1) setting Virtual Routes', '(VI_1) setting Virtual Rules', '(VI_1) removing Virtual Rules', '(VI_1) removing Virtual Routes']));
  });

  it('leaving MASTER (stop) removes them before the VIPs', () => {
    const { s } = master();
    const r = step(s, { type: 'shutdown' }, 10_000);
    expect(io(r.actions)).toEqual(['advert 0', 'remove 10.1.0.0/16 via 192.168.77.1 dev eth0, from 192.168.77.200 table 100 priority 100', 'removeVips']);
  });

  it('a tracked route deleted under a MASTER: priority 0, BACKUP, and MASTER again after the skew time', () => {
    const { s } = master();
    const r = step(s, { type: 'routeDeleted', what: 'virtual route 10.1.0.0/16 via 192.168.77.1 dev eth0' }, 10_000);
    expect(r.state.state).toBe('BACKUP');
    expect(io(r.actions)).toEqual(['advert 0', 'remove 10.1.0.0/16 via 192.168.77.1 dev eth0, from 192.168.77.200 table 100 priority 100', 'removeVips']);
    expect(r.state.timers.masterDown).toBeCloseTo(10_000 + skewTime(r.state), 6);
    const back = step(r.state, { type: 'timer', timer: 'masterDown' }, r.state.timers.masterDown!);
    expect(back.state.state).toBe('MASTER');
    expect(io(back.actions)).toContain('add 10.1.0.0/16 via 192.168.77.1 dev eth0, from 192.168.77.200 table 100 priority 100');
    // not MASTER: nothing to do
    expect(step(r.state, { type: 'routeDeleted', what: 'x' }, 10_001).actions).toEqual([]);
  });

  it('a reload removes what left the config and adds what came in, only where they are set', () => {
    const { s } = master(conf(['10.1.0.0/16 via 192.168.77.1 dev eth0', '10.2.0.0/16 via 192.168.77.1 dev eth0']));
    const next = conf(['10.2.0.0/16 via 192.168.77.1 dev eth0', '10.3.0.0/16 via 192.168.77.1 dev eth0 metric 5']);
    const r = reconfigure(s, next, { now: 20_000, primaryAddress: '192.168.77.11', links: {}, scripts: {} });
    expect(io(r.actions)).toEqual(['remove 10.1.0.0/16 via 192.168.77.1 dev eth0', 'add 10.3.0.0/16 via 192.168.77.1 dev eth0 metric 5']);
    const backup = step(createInstanceState(conf(['10.1.0.0/16 dev eth0']), '192.168.77.11'), { type: 'startup' }, 0).state;
    expect(io(reconfigure(backup, next, { now: 1, primaryAddress: '192.168.77.11', links: {}, scripts: {} }).actions)).toEqual([]);
  });
});
