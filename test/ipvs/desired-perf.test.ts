import { buildDesired, initialCheckerUp } from '../../src/ipvs/desired';
import { diff, ownedAfter } from '../../src/ipvs/reconcile';
import type { VirtualServer } from '../../src/config/model';
import { realServer, virtualServer } from '../check/model-fixtures';

test('10,000 virtual servers x 4 real servers: desired table + diff after one weight change, timed', () => {
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
  const owned = ownedAfter(start.services);
  vss[4321].realServers[2].weight = 7;
  // Best of three (the first also warms the JIT up), in CPU time, not wall time: the test
  // machine is shared, and waiting for a CPU is not our cost.
  let best = Infinity;
  let line = '';
  for (let run = 0; run < 3; run++) {
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const next = buildDesired(input, initialCheckerUp, start.state);
    const t1 = process.hrtime.bigint();
    const ops = diff(next.services, start.services, { owned, lvsFlush: false });
    const t2 = process.hrtime.bigint();
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    expect(ops).toEqual([{ op: 'edit-dest', key: next.services[4321].key, dest: expect.objectContaining({ address: '10.200.225.3', weight: 7 }) }]);
    if (cpuMs < best) {
      best = cpuMs;
      line = `10,000 x 4: buildDesired ${(Number(t1 - t0) / 1e6).toFixed(1)} ms + diff ${(Number(t2 - t1) / 1e6).toFixed(1)} ms wall, ${cpuMs.toFixed(1)} ms CPU, ${ops.length} op`;
    }
  }
  // eslint-disable-next-line no-console
  console.log(line);
  expect(best).toBeLessThan(100);
});
