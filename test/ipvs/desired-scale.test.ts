/**
 * At scale the decision stays minimal: 10,000 virtual servers x 4 real servers with one changed
 * weight give exactly one edit-dest. How long it takes is a benchmark, not a test:
 * test/bench/ipvs/desired-diff.js.
 */
import { buildDesired, initialCheckerUp } from '../../src/ipvs/desired';
import { diff, ownedAfter } from '../../src/ipvs/reconcile';
import type { VirtualServer } from '../../src/config/model';
import { realServer, virtualServer } from '../check/model-fixtures';

test('10,000 virtual servers x 4 real servers: desired table + diff after one weight change is one edit-dest', () => {
  const vss: VirtualServer[] = [];
  for (let i = 0; i < 10000; i++) {
    vss.push(
      virtualServer({
        key: { kind: 'addr', protocol: 'TCP', address: `10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`, family: 4, port: 80 },
        realServers: [1, 2, 3, 4].map((n) => realServer(`10.200.${i & 255}.${n}`, 80)),
      }),
    );
  }
  const input = { virtualServers: vss, virtualServerGroups: [] };
  const start = buildDesired(input, initialCheckerUp, null);
  expect(start.services).toHaveLength(10000);
  const owned = ownedAfter(start.services);
  vss[4321].realServers[2].weight = 7;
  const next = buildDesired(input, initialCheckerUp, start.state);
  const ops = diff(next.services, start.services, { owned, lvsFlush: false });
  expect(ops).toEqual([{ op: 'edit-dest', key: next.services[4321].key, dest: expect.objectContaining({ address: '10.200.225.3', weight: 7 }) }]);
  // unchanged input: nothing to do
  expect(diff(next.services, next.services, { owned, lvsFlush: false })).toEqual([]);
});
