/** disable_local_igmp bookkeeping (keepalived's set_/reset_disable_local_igmp) over a fake /proc/sys. */
import { LocalIgmp } from '../../src/daemon/local-igmp';
import type { Sysctl } from '../../src/net/vmac';

const KEY = 'net/ipv4/igmp_link_local_mcast_reports';
function fakeSys(values: Record<string, number>): Sysctl {
  return { get: (p) => values[p] ?? null, set: (p, v) => { values[p] = v; }, interfaces: () => [] };
}

describe('disable_local_igmp', () => {
  it('turns the reports off at start and on again at stop', () => {
    const values = { [KEY]: 1 };
    const g = new LocalIgmp(fakeSys(values));
    expect(g.disable()).toBeNull();
    expect(values[KEY]).toBe(0);
    expect(g.restore()).toBeNull();
    expect(values[KEY]).toBe(1);
  });
  it('leaves them off at stop when they were off before', () => {
    const values = { [KEY]: 0 };
    const g = new LocalIgmp(fakeSys(values));
    expect(g.disable()).toBeNull();
    expect(g.restore()).toBeNull();
    expect(values[KEY]).toBe(0);
  });
  it('a kernel without the sysctl: one line, nothing changed', () => {
    const g = new LocalIgmp(fakeSys({}));
    expect(g.disable()).toBe('Unable to read /proc/sys/net/ipv4/igmp_link_local_mcast_reports');
    expect(g.restore()).toBeNull();
  });
});
