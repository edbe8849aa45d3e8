/**
 * desired → diff → apply against the real kernel's IPVS table: the config model's table goes in,
 * health changes become single operations, services already in the kernel are adopted, foreign
 * services survive, and stop removes only what halo owns.
 */
import { IpvsClient } from '../../src/ipvs/client';
import { buildDesired, initialCheckerUp } from '../../src/ipvs/desired';
import type { CheckerUp } from '../../src/ipvs/desired';
import { diff, ownedAfter, teardown } from '../../src/ipvs/reconcile';
import { ReconcileLoop } from '../../src/ipvs/reconcile-loop';
import type { Op } from '../../src/ipvs/ops';
import type { VirtualServer, VirtualServerGroup } from '../../src/config/model';
import { serviceKeyString } from '../../src/ipvs/types';
import { group, realServer, virtualServer } from '../check/model-fixtures';
import { sh } from './vm-helpers';
import { describeNeeding, ipvsKernel, root, tool } from '../support/prerequisites';

jest.setTimeout(300_000);

let client: IpvsClient;
const d = describeNeeding(root, ipvsKernel, tool('ipvsadm'));

d('IPVS reconcile (kernel VM)', () => {
  beforeAll(async () => {
    client = await IpvsClient.open();
  });
  afterAll(async () => {
    await client.flush().catch(() => undefined);
    client.close();
  });
  beforeEach(async () => {
    await client.flush();
  });

  async function applyAll(ops: Op[]): Promise<void> {
    const results = await client.apply(ops);
    expect(results.filter((r) => r.error).map((r) => r.error!.message)).toEqual([]);
  }

  const downSet = (...targets: string[]): CheckerUp => (c, rs, vs) =>
    'connectIp' in c && targets.includes(`${c.connectIp}:${c.connectPort}`) ? false : initialCheckerUp(c, rs, vs);

  function model(): { virtualServers: VirtualServer[]; virtualServerGroups: VirtualServerGroup[] } {
    const groups = [group('web', [{ kind: 'range', address: '192.168.7.1', family: 4, last: 3, port: 443 }, { kind: 'fwmark', fwmark: 5, family: null }])];
    return {
      virtualServerGroups: groups,
      virtualServers: [
        virtualServer({
          lvsSched: 'rr',
          realServers: [realServer('10.0.100.2', 80, { weight: 3 }), realServer('10.0.100.3', 80, { inhibitOnFailure: true })],
        }),
        virtualServer({
          key: { kind: 'group', group: 'web', family: 4 },
          lvsMethod: 'DR',
          persistenceTimeout: 300,
          realServers: [realServer('10.0.101.2', 443, { lvsMethod: 'DR' }), realServer('10.0.101.3', 443, { lvsMethod: 'DR' })],
        }),
      ],
    };
  }

  test('the desired table of a config lands in the kernel and reads back with nothing left to do', async () => {
    const desired = buildDesired(model(), initialCheckerUp, null).services;
    expect(desired).toHaveLength(5);
    await applyAll(diff(desired, await client.listServices(), { owned: new Set(), lvsFlush: false }));
    expect(diff(desired, await client.listServices(), { owned: ownedAfter(desired), lvsFlush: false })).toEqual([]);
    expect(sh('ipvsadm', ['-Sn'])).toContain('-a -t 192.168.1.202:80 -r 10.0.100.2:80 -m -w 3');
  });

  test('a real server going down is one operation per service (delete, or weight 0 when inhibited)', async () => {
    const m = model();
    const start = buildDesired(m, initialCheckerUp, null);
    await applyAll(diff(start.services, [], { owned: new Set(), lvsFlush: false }));
    const owned = ownedAfter(start.services);

    const down2 = buildDesired(m, downSet('10.0.100.2:80'), start.state);
    const ops = diff(down2.services, await client.listServices(), { owned, lvsFlush: false });
    expect(ops.map((o) => o.op)).toEqual(['del-dest']);
    await applyAll(ops);

    const down3 = buildDesired(m, downSet('10.0.100.2:80', '10.0.100.3:80'), down2.state);
    const ops3 = diff(down3.services, await client.listServices(), { owned, lvsFlush: false });
    expect(ops3).toEqual([{ op: 'edit-dest', key: down3.services[0].key, dest: expect.objectContaining({ address: '10.0.100.3', weight: 0 }) }]);
    await applyAll(ops3);
    expect(sh('ipvsadm', ['-Ln', '-t', '192.168.1.202:80'])).toMatch(/10\.0\.100\.3:80\s+Masq\s+0\s/);
    expect(diff(down3.services, await client.listServices(), { owned, lvsFlush: false })).toEqual([]);
  });

  test('start-up adoption edits a matching kernel service; foreign services are left alone; stop removes only ours', async () => {
    sh('ipvsadm', ['-A', '-t', '192.168.1.202:80', '-s', 'wlc']);
    sh('ipvsadm', ['-a', '-t', '192.168.1.202:80', '-r', '10.0.100.2:80', '-m', '-w', '3']);
    sh('ipvsadm', ['-a', '-t', '192.168.1.202:80', '-r', '10.0.100.9:80', '-m']);
    sh('ipvsadm', ['-A', '-u', '172.16.0.1:53', '-s', 'rr']);
    const desired = buildDesired(model(), initialCheckerUp, null).services;
    const ops = diff(desired, await client.listServices(), { owned: new Set(), lvsFlush: false });
    const first = ops.filter((o) => 'key' in o ? serviceKeyString(o.key) === 'TCP 192.168.1.202:80' : o.op !== 'flush' && serviceKeyString(o.service.key) === 'TCP 192.168.1.202:80');
    expect(first.map((o) => o.op)).toEqual(['edit-service', 'del-dest', 'add-dest']);
    await applyAll(ops);
    const owned = ownedAfter(desired);
    expect(diff(desired, await client.listServices(), { owned, lvsFlush: false })).toEqual([]);
    expect(sh('ipvsadm', ['-Ln', '-u', '172.16.0.1:53'])).toContain('UDP  172.16.0.1:53 rr');

    await applyAll(teardown(owned, await client.listServices(), 'off'));
    expect((await client.listServices()).map((s) => serviceKeyString(s.key))).toEqual(['UDP 172.16.0.1:53']);
  });

  test('10,000 services x 4 destinations: one changed weight is one netlink operation (its time: test/bench/ipvs/run.sh)', async () => {
    const vss: VirtualServer[] = [];
    for (let i = 0; i < 10000; i++) {
      vss.push(
        virtualServer({
          key: { kind: 'addr', protocol: 'TCP', address: `10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`, family: 4, port: 80 },
          realServers: [1, 2, 3, 4].map((n) => realServer(`10.200.${i & 255}.${n}`, 80, { checkers: [] })),
        }),
      );
    }
    const input = { virtualServers: vss, virtualServerGroups: [] };
    const start = buildDesired(input, initialCheckerUp, null);
    await applyAll(diff(start.services, [], { owned: new Set(), lvsFlush: false }));
    const owned = ownedAfter(start.services);
    const actual = await client.listServices({ parallelism: 4 });
    expect(actual).toHaveLength(10000);

    vss[4321].realServers[2].weight = 7;
    const next = buildDesired(input, initialCheckerUp, start.state);
    const ops = diff(next.services, actual, { owned, lvsFlush: false });
    expect(ops.map((o) => o.op)).toEqual(['edit-dest']);
    await applyAll(ops);
    expect(sh('ipvsadm', ['-Ln', '-t', '10.100.16.225:80'])).toMatch(/10\.200\.225\.3:80\s+Masq\s+7\s/);
  });

  test('the reconcile loop drives the real client: start, a health change, stop', async () => {
    sh('ipvsadm', ['-A', '-u', '172.16.0.1:53', '-s', 'rr']);
    const m = model();
    let health: CheckerUp = initialCheckerUp;
    const lines: string[] = [];
    const batches: string[][] = [];
    const loop = new ReconcileLoop({
      table: client,
      input: m,
      checkerUp: (c, rs, vs) => health(c, rs, vs),
      lvsFlush: false,
      log: (l) => lines.push(l),
      notify: () => undefined,
      onApplied: (ops) => batches.push(ops.map((o) => o.op)),
    });
    await loop.start();
    expect(diff(buildDesired(m, initialCheckerUp, null).services, await client.listServices(), { owned: loop.ownedServices(), lvsFlush: false })).toEqual([]);
    health = downSet('10.0.101.3:443');
    await loop.poke();
    expect(batches[batches.length - 1]).toEqual(['del-dest', 'del-dest', 'del-dest', 'del-dest']); // 3 range addresses + 1 fwmark
    expect(lines).toContain('Removing service [10.0.101.3]:tcp:443 from VS [web]:0');
    expect(sh('ipvsadm', ['-Ln'])).not.toContain('10.0.101.3');
    await loop.stop('off');
    expect((await client.listServices()).map((s) => serviceKeyString(s.key))).toEqual(['UDP 172.16.0.1:53']);
  });
});
