import { diff, ownedAfter, teardown } from '../../src/ipvs/reconcile';
import type { Op } from '../../src/ipvs/ops';
import { IP_VS_SVC_F_HASHED, IP_VS_SVC_F_PERSISTENT, serviceKeyString } from '../../src/ipvs/types';
import type { IpvsDestination, IpvsService } from '../../src/ipvs/types';

function dest(address: string, weight = 1, over: Partial<IpvsDestination> = {}): IpvsDestination {
  return { address, af: 4, port: 80, forward: 'masq', weight, upperThreshold: 0, lowerThreshold: 0, ...over };
}

function svc(address: string, dests: IpvsDestination[], over: Partial<IpvsService> = {}): IpvsService {
  return { key: { af: 4, protocol: 6, address, port: 80 }, scheduler: 'wlc', flags: 0, timeout: 0, netmask: 0xffffffff, destinations: dests, ...over };
}

const clone = <T>(x: T): T => structuredClone(x);
const none = { owned: new Set<string>(), lvsFlush: false };
const kinds = (ops: Op[]) => ops.map((o) => o.op);

/** Applies ops to a table the way the kernel would, so tests can check convergence. */
function applyOps(table: IpvsService[], ops: Op[]): IpvsService[] {
  let t = clone(table);
  const find = (k: IpvsService['key']) => t.find((s) => serviceKeyString(s.key) === serviceKeyString(k));
  for (const o of ops) {
    switch (o.op) {
      case 'flush': t = []; break;
      case 'add-service':
        if (find(o.service.key)) throw new Error('EEXIST');
        t.push({ ...clone(o.service), destinations: [] });
        break;
      case 'edit-service': Object.assign(find(o.service.key)!, { ...clone(o.service), destinations: find(o.service.key)!.destinations }); break;
      case 'del-service':
        if (!find(o.key)) throw new Error('ESRCH');
        t = t.filter((s) => serviceKeyString(s.key) !== serviceKeyString(o.key));
        break;
      case 'add-dest': {
        const s = find(o.key);
        if (!s) throw new Error('ESRCH');
        if (s.destinations.some((d) => d.address === o.dest.address && d.port === o.dest.port)) throw new Error('EEXIST');
        s.destinations.push(clone(o.dest));
        break;
      }
      case 'edit-dest': {
        const s = find(o.key)!;
        const i = s.destinations.findIndex((d) => d.address === o.dest.address && d.port === o.dest.port);
        if (i < 0) throw new Error('ENOENT');
        s.destinations[i] = clone(o.dest);
        break;
      }
      case 'del-dest': {
        const s = find(o.key)!;
        const before = s.destinations.length;
        s.destinations = s.destinations.filter((d) => !(d.address === o.dest.address && d.port === o.dest.port));
        if (s.destinations.length === before) throw new Error('ENOENT');
        break;
      }
    }
  }
  return t;
}

describe('diff', () => {
  test('empty kernel: add each service before its destinations', () => {
    const want = [svc('192.168.1.1', [dest('10.0.0.1'), dest('10.0.0.2')]), svc('192.168.1.2', [dest('10.0.0.3')])];
    const ops = diff(want, [], none);
    expect(kinds(ops)).toEqual(['add-service', 'add-dest', 'add-dest', 'add-service', 'add-dest']);
    expect(applyOps([], ops)).toEqual(want);
  });

  test('identical tables: no op', () => {
    const t = [svc('192.168.1.1', [dest('10.0.0.1')])];
    expect(diff(t, clone(t), { owned: ownedAfter(t), lvsFlush: false })).toEqual([]);
  });

  test('a changed weight is one edit-dest, not delete + add', () => {
    const have = [svc('192.168.1.1', [dest('10.0.0.1'), dest('10.0.0.2')])];
    const want = clone(have);
    want[0].destinations[1].weight = 0;
    const ops = diff(want, have, { owned: ownedAfter(have), lvsFlush: false });
    expect(ops).toEqual([{ op: 'edit-dest', key: want[0].key, dest: want[0].destinations[1] }]);
  });

  test('threshold and forwarding changes are edits too', () => {
    const have = [svc('192.168.1.1', [dest('10.0.0.1'), dest('10.0.0.2')])];
    const want = clone(have);
    want[0].destinations[0].upperThreshold = 50;
    want[0].destinations[1].forward = 'route';
    expect(kinds(diff(want, have, none))).toEqual(['edit-dest', 'edit-dest']);
  });

  test('scheduler, flags, timeout, netmask: one edit-service', () => {
    const have = [svc('192.168.1.1', [dest('10.0.0.1')])];
    for (const change of [{ scheduler: 'rr' }, { flags: IP_VS_SVC_F_PERSISTENT, timeout: 300 }, { netmask: 0xffffff00 }]) {
      const want = [{ ...clone(have[0]), ...change }];
      expect(diff(want, have, none)).toEqual([{ op: 'edit-service', service: want[0] }]);
    }
  });

  test('the HASHED bit the kernel reports is not a difference', () => {
    const want = [svc('192.168.1.1', [dest('10.0.0.1')])];
    const have = [svc('192.168.1.1', [dest('10.0.0.1')], { flags: IP_VS_SVC_F_HASHED })];
    expect(diff(want, have, none)).toEqual([]);
  });

  test('removed destinations are deleted; removed owned services are deleted without their destinations', () => {
    const have = [svc('192.168.1.1', [dest('10.0.0.1'), dest('10.0.0.2')]), svc('192.168.1.2', [dest('10.0.0.3'), dest('10.0.0.4')])];
    const want = [svc('192.168.1.1', [dest('10.0.0.1')])];
    const ops = diff(want, have, { owned: ownedAfter(have), lvsFlush: false });
    expect(ops).toEqual([
      { op: 'del-service', key: have[1].key },
      { op: 'del-dest', key: want[0].key, dest: { af: 4, address: '10.0.0.2', port: 80 } },
    ]);
    expect(applyOps(have, ops)).toEqual(want);
  });

  test('foreign services are never touched without lvs_flush', () => {
    const foreign = svc('172.16.0.1', [dest('10.9.9.9')], { scheduler: 'rr' });
    const want = [svc('192.168.1.1', [dest('10.0.0.1')])];
    const ops = diff(want, [foreign], { owned: new Set(), lvsFlush: false });
    expect(kinds(ops)).toEqual(['add-service', 'add-dest']);
    const touched = ops.map((o) => ('key' in o ? o.key : 'service' in o ? o.service.key : null));
    expect(touched.some((k) => k === null || serviceKeyString(k) === serviceKeyString(foreign.key))).toBe(false);
  });

  test('lvs_flush: services halo does not want are removed even when foreign', () => {
    const foreign = svc('172.16.0.1', [dest('10.9.9.9')]);
    const ops = diff([], [foreign], { owned: new Set(), lvsFlush: true });
    expect(ops).toEqual([{ op: 'del-service', key: foreign.key }]);
  });

  test('start-up adoption: a matching service already in the kernel is edited, not recreated', () => {
    const kernel = [svc('192.168.1.1', [dest('10.0.0.1', 3), dest('10.0.0.9')], { scheduler: 'rr', flags: IP_VS_SVC_F_HASHED })];
    const want = [svc('192.168.1.1', [dest('10.0.0.1', 3), dest('10.0.0.2')])];
    const ops = diff(want, kernel, { owned: new Set(), lvsFlush: false });
    expect(ops).toEqual([
      { op: 'edit-service', service: want[0] },
      { op: 'del-dest', key: want[0].key, dest: { af: 4, address: '10.0.0.9', port: 80 } },
      { op: 'add-dest', key: want[0].key, dest: want[0].destinations[1] },
    ]);
    expect(ownedAfter(want).has('TCP 192.168.1.1:80')).toBe(true);
  });

  test('10,000 services x 4 destinations, one changed weight: exactly one op (timed in test/bench/ipvs/desired-diff.js)', () => {
    const have: IpvsService[] = [];
    for (let i = 0; i < 10000; i++) {
      const a = `10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
      have.push(svc(a, [1, 2, 3, 4].map((n) => dest(`10.200.${i & 255}.${n}`))));
    }
    const want = clone(have);
    want[6789].destinations[2].weight = 5;
    const owned = ownedAfter(have);
    expect(diff(want, have, { owned, lvsFlush: false })).toEqual([{ op: 'edit-dest', key: want[6789].key, dest: want[6789].destinations[2] }]);
  });
});

describe('teardown', () => {
  const mine = svc('192.168.1.1', [dest('10.0.0.1')]);
  const foreign = svc('172.16.0.1', [dest('10.9.9.9')]);
  const owned = ownedAfter([mine]);

  test('off / vs: delete what halo owns, leave the rest', () => {
    expect(teardown(owned, [mine, foreign], 'off')).toEqual([{ op: 'del-service', key: mine.key }]);
    expect(teardown(owned, [mine, foreign], 'vs')).toEqual([{ op: 'del-service', key: mine.key }]);
  });

  test('all: flush the table', () => {
    expect(teardown(owned, [mine, foreign], 'all')).toEqual([{ op: 'flush' }]);
  });

  test('owned services already gone from the kernel are not deleted twice', () => {
    expect(teardown(owned, [foreign], 'off')).toEqual([]);
  });
});
