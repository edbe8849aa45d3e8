/** promote_secondaries bookkeeping (keepalived's set_/reset_promote_secondaries) over a fake /proc/sys. */
import { PromoteSecondaries } from '../../src/daemon/promote-secondaries';
import type { Sysctl } from '../../src/net/vmac';

function fakeSys(values: Record<string, number>): Sysctl & { values: Record<string, number> } {
  return {
    values,
    get: (p) => values[p] ?? null,
    set: (p, v) => {
      if (!(p in values)) throw new Error(`ENOENT ${p}`);
      values[p] = v;
    },
    interfaces: () => [],
  };
}
const P = (i: string) => `net/ipv4/conf/${i}/promote_secondaries`;

describe('promote_secondaries', () => {
  it('is turned on where it is off, and only those are turned off again at stop', () => {
    const sys = fakeSys({ [P('eth0')]: 0, [P('eth1')]: 1 });
    const p = new PromoteSecondaries(sys);
    expect(p.set('eth0')).toBeNull();
    expect(p.set('eth0')).toBeNull(); // a second instance on eth0
    expect(p.set('eth1')).toBeNull();
    expect(sys.values).toEqual({ [P('eth0')]: 1, [P('eth1')]: 1 });
    expect(p.resetAll()).toEqual([]);
    expect(sys.values).toEqual({ [P('eth0')]: 0, [P('eth1')]: 1 });
  });
  it('an interface without the sysctl is left alone', () => {
    const p = new PromoteSecondaries(fakeSys({}));
    expect(p.set('nosuch')).toBeNull();
    expect(p.resetAll()).toEqual([]);
  });
});
