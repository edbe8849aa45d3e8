/**
 * Checker → desired table → diff → table, end to end on a fake clock and a pure in-memory IPVS
 * table (the kernel itself is exercised by reconcile.vm.test.ts).
 */
import { HealthChecker } from '../../src/check/health-checker';
import { collectTargets } from '../../src/check/targets';
import type { Prober } from '../../src/check/prober';
import type { TcpCheck } from '../../src/config/model';
import { ReconcileLoop, applyToTable } from '../../src/ipvs/reconcile-loop';
import type { IpvsTable } from '../../src/ipvs/reconcile-loop';
import type { Op } from '../../src/ipvs/ops';
import { serviceKeyString } from '../../src/ipvs/types';
import type { IpvsService } from '../../src/ipvs/types';
import { FakeClock } from '../check/fake-clock';
import { realServer, tcpCheck, virtualServer } from '../check/model-fixtures';

/** An in-memory IPVS table with the kernel's refusals (EEXIST/ESRCH/ENOENT) for bad orders. */
class MemoryTable implements IpvsTable {
  table = new Map<string, IpvsService>();
  lists = 0;
  batches: Op[][] = [];
  async listServices(): Promise<IpvsService[]> {
    this.lists++;
    return structuredClone([...this.table.values()]);
  }
  async apply(ops: Op[]): Promise<{ op: Op; error?: Error }[]> {
    this.batches.push(ops);
    return ops.map((op) => {
      const key = op.op === 'flush' ? '' : serviceKeyString(op.op === 'add-service' || op.op === 'edit-service' ? op.service.key : op.key);
      const s = this.table.get(key);
      const hasDest = (o: { address: string; port: number }) => !!s?.destinations.some((d) => d.address === o.address && d.port === o.port);
      let errno: string | null = null;
      if (op.op === 'add-service' && s) errno = 'EEXIST';
      else if (op.op !== 'flush' && op.op !== 'add-service' && !s) errno = 'ESRCH';
      else if (op.op === 'add-dest' && hasDest(op.dest)) errno = 'EEXIST';
      else if ((op.op === 'edit-dest' || op.op === 'del-dest') && !hasDest(op.dest)) errno = 'ENOENT';
      if (errno) return { op, error: new Error(`${errno} ${op.op} ${key}`) };
      applyToTable(this.table, structuredClone(op));
      return { op };
    });
  }
}

const timing = { delayLoopMs: 6000, delayBeforeRetryMs: 1000, warmupMs: 0, retry: 1 };

function setup() {
  const rs = (a: string) => realServer(a, 80, { notifyDown: ['/bin/down', a], checkers: [tcpCheck({ connectIp: a, ...timing })] });
  const vs = virtualServer({ realServers: [rs('10.0.100.2'), rs('10.0.100.3')] });
  const input = { virtualServers: [vs], virtualServerGroups: [] };
  const clock = new FakeClock();
  const down = new Set<string>();
  const prober: Prober = { probe: (t) => Promise.resolve({ result: down.has((t.check as TcpCheck).connectIp) ? 'failed' : 'success' }) };
  const lines: string[] = [];
  const notified: string[][] = [];
  const kernel = new MemoryTable();
  kernel.table.set('UDP 172.16.0.1:53', { key: { af: 4, protocol: 17, address: '172.16.0.1', port: 53 }, scheduler: 'rr', flags: 0, timeout: 0, netmask: 0xffffffff, destinations: [] });
  let loop: ReconcileLoop;
  const hc = new HealthChecker({ targets: collectTargets([vs], []), prober, clock, random: () => 0, log: (l) => lines.push(l), onChange: () => void loop.poke() });
  loop = new ReconcileLoop({ table: kernel, input, checkerUp: hc.checkerUp, lvsFlush: false, log: (l) => lines.push(l), notify: (a) => notified.push(a) });
  return { vs, input, clock, down, lines, notified, kernel, hc, loop };
}

test('a real server failing its checks leaves the kernel table with one op; recovery adds it back; foreign service untouched', async () => {
  const { clock, down, lines, notified, kernel, hc, loop } = setup();
  await loop.start();
  expect(kernel.batches.map((b) => b.map((o) => o.op))).toEqual([['add-service', 'add-dest', 'add-dest']]);
  hc.start();
  await clock.advance(1);

  down.add('10.0.100.2');
  await clock.advance(6000);
  await clock.advance(1000);
  await loop.poke();
  expect(kernel.batches.slice(1)).toEqual([[{ op: 'del-dest', key: { af: 4, protocol: 6, address: '192.168.1.202', port: 80 }, dest: { af: 4, address: '10.0.100.2', port: 80 } }]]);
  expect(lines.slice(-2)).toEqual([
    'TCP_CHECK on service [10.0.100.2]:tcp:80 failed after 1 retries.',
    'Removing service [10.0.100.2]:tcp:80 from VS [192.168.1.202]:tcp:80',
  ]);
  expect(notified).toEqual([['/bin/down', '10.0.100.2']]);

  down.clear();
  await clock.advance(6000);
  await loop.poke();
  expect(kernel.batches.slice(2).map((b) => b.map((o) => o.op))).toEqual([['add-dest']]);
  expect(lines.slice(-2)).toEqual([
    'TCP connection to [10.0.100.2]:tcp:80 success.',
    'Adding service [10.0.100.2]:tcp:80 to VS [192.168.1.202]:tcp:80',
  ]);
  expect(kernel.lists).toBe(1); // the kernel was read once; later passes use the tracked table
  expect(kernel.table.has('UDP 172.16.0.1:53')).toBe(true);
  hc.stop();
});

test('reload with one changed weight is one edit-dest; stop removes only what halo owns', async () => {
  const { vs, kernel, loop, lines } = setup();
  await loop.start();
  const changed = { ...vs, realServers: [vs.realServers[0], { ...vs.realServers[1], weight: 9 }] };
  await loop.reload({ virtualServers: [changed], virtualServerGroups: [] });
  expect(kernel.batches[1]).toEqual([{ op: 'edit-dest', key: expect.anything(), dest: expect.objectContaining({ address: '10.0.100.3', weight: 9 }) }]);
  await loop.stop('off');
  expect([...kernel.table.keys()]).toEqual(['UDP 172.16.0.1:53']);
  expect(lines.slice(-2)).toEqual([
    'Shutting down service [10.0.100.2]:tcp:80 from VS [192.168.1.202]:tcp:80',
    'Shutting down service [10.0.100.3]:tcp:80 from VS [192.168.1.202]:tcp:80',
  ]);
});

test('after a failed op the next pass re-reads the kernel and converges', async () => {
  const { kernel, loop, vs } = setup();
  await loop.start();
  // Someone else removes our service behind halo's back: the tracked copy is now wrong.
  kernel.table.delete('TCP 192.168.1.202:80');
  const changed = { ...vs, realServers: [vs.realServers[0], { ...vs.realServers[1], weight: 2 }] };
  await loop.reload({ virtualServers: [changed], virtualServerGroups: [] });
  expect(kernel.batches[1].map((o) => o.op)).toEqual(['edit-dest']);
  await loop.poke();
  expect(kernel.lists).toBe(2);
  expect(kernel.batches[2].map((o) => o.op)).toEqual(['add-service', 'add-dest', 'add-dest']);
  expect(kernel.table.get('TCP 192.168.1.202:80')!.destinations.map((d) => d.weight)).toEqual([1, 2]);
});
