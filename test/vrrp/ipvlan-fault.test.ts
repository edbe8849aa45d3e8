/**
 * An IPv4 instance with use_ipvlan and no ipvlan address: keepalived 2.2.7 counts it as a config
 * fault (vrrp_complete_instance), so the instance is in FAULT from the start, logs its reason
 * once, runs no notify, and never leaves FAULT.
 */
import { createInstanceState, step } from '../../src/vrrp/instance';
import { instanceCfg, logs } from './harness';

const REASON = 'IPv4 ipvlan requires a source ip address to be configured. setting instance to fault state';

describe('use_ipvlan without an address (IPv4)', () => {
  it('starts in FAULT for good, without notify', () => {
    const cfg = instanceCfg({ initialState: 'MASTER', priority: 255, vmac: { name: 'vrrp.1', xmitBase: false, mac: null, ipvlan: { flags: 0, address: null, fault: REASON } } });
    const r = step(createInstanceState(cfg, '192.168.77.11'), { type: 'startup' }, 0);
    expect(r.state.state).toBe('FAULT');
    expect(logs(r.actions)).toEqual([`(VI_1) ${REASON}`]);
    expect(r.actions.some((a) => a.type === 'notify' || a.type === 'sendAdvert' || a.type === 'addVips')).toBe(false);
    expect(step(r.state, { type: 'interface', name: 'eth0', up: true }, 1000).state.state).toBe('FAULT');
  });
  it('with its address the instance starts as usual', () => {
    const cfg = instanceCfg({ initialState: 'MASTER', priority: 255, vmac: { name: 'vrrp.1', xmitBase: false, mac: null, ipvlan: { flags: 0, address: { address: '192.168.77.5', prefixLen: 24, family: 4 }, fault: null } } });
    expect(step(createInstanceState(cfg, '192.168.77.11'), { type: 'startup' }, 0).state.state).not.toBe('FAULT');
  });
});
