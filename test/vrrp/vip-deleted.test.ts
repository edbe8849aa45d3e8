/**
 * A MASTER's VIP deleted behind its back (RTM_DELADDR not caused by halo): keepalived 2.2.7's
 * set_vrrp_backup (keepalived_netlink.c): a priority-0 advert, BACKUP at once, VIPs released, the down timer at
 * Skew_Time so it becomes MASTER again (VIPs added, GARPs) unless another master speaks first.
 */
import { createInstanceState, skewTime, step } from '../../src/vrrp/instance';
import { instanceCfg, logs } from './harness';

const LB1 = '192.168.77.11';

function master() {
  const s0 = step(createInstanceState(instanceCfg(), LB1), { type: 'startup' }, 0).state;
  const t = s0.timers.masterDown!;
  return { state: step(s0, { type: 'timer', timer: 'masterDown' }, t).state, t };
}

describe('vipDeleted (keepalived set_vrrp_backup)', () => {
  it('a MASTER goes BACKUP with its down timer at Skew_Time, then MASTER again with its VIPs', () => {
    const { state: m, t } = master();
    const now = t + 5000;
    const r = step(m, { type: 'vipDeleted', address: '192.168.77.200', dev: 'eth0' }, now);
    expect(r.state.state).toBe('BACKUP');
    expect(logs(r.actions)).toEqual([
      'Netlink reflector reports IP 192.168.77.200 removed from eth0',
      '(VI_1) sent 0 priority',
      '(VI_1) Entering BACKUP STATE',
      '(VI_1) removing VIPs.',
    ]);
    // vrrp_state_leave_master(vrrp, true): the peers hear priority 0 first
    expect(r.actions.find((a) => a.type === 'sendAdvert')).toMatchObject({ priority: 0 });
    expect(r.state.timers.masterDown).toBe(now + skewTime(r.state));
    expect(r.actions.filter((a) => a.type === 'armTimer' && a.timer === 'masterDown').pop()).toMatchObject({ deadline: now + skewTime(r.state) });
    const back = step(r.state, { type: 'timer', timer: 'masterDown' }, r.state.timers.masterDown!);
    expect(back.state.state).toBe('MASTER');
    expect(back.actions.map((a) => a.type)).toEqual(expect.arrayContaining(['sendAdvert', 'addVips', 'sendGarps']));
  });

  it('is nothing for a BACKUP, or for an address that is not one of the VIPs on that interface', () => {
    const b = step(createInstanceState(instanceCfg(), LB1), { type: 'startup' }, 0).state;
    expect(step(b, { type: 'vipDeleted', address: '192.168.77.200', dev: 'eth0' }, 10).actions).toEqual([]);
    const { state: m } = master();
    expect(step(m, { type: 'vipDeleted', address: '192.168.77.201', dev: 'eth0' }, 10).actions).toEqual([]);
    expect(step(m, { type: 'vipDeleted', address: '192.168.77.200', dev: 'eth1' }, 10).actions).toEqual([]);
  });
});
