/**
 * The route manager and the route/rule notifications against the real kernel (a namespace of its
 * own), checked with `ip -j route` / `ip -j rule`: what an add and a delete do, and the named
 * error of each failure (`EEXIST adding route …`).
 */
import { Agent } from './support/agent-client';
import { IF, Pair, createPair, ipIn, ipJson } from './support/netns';
import { describeNeeding, root } from '../support/prerequisites';
import { model } from '../config/helpers';

const d = describeNeeding(root);

const m = model(`static_routes {
 198.51.100.0/24 via 192.0.2.2 dev ${IF} table 100 add
 198.51.101.0/24 via 192.0.2.2 dev nosuch0
}
static_rules {
 from 192.0.2.0/24 table 100 priority 500
}
`);

d('route manager and route events (netns)', () => {
  let pair: Pair;
  let a: Agent;

  beforeAll(async () => {
    pair = createPair('route');
    a = await Agent.start(pair.a);
  }, 30000);

  afterAll(async () => {
    await a?.stop();
    pair?.cleanup();
  });

  it('adds and deletes a route; a second add (add mode) is EEXIST, a second delete is "already gone"', async () => {
    const r = m.staticRoutes[0];
    expect(await a.call('route.route', 'add', r)).toEqual({ ok: true, value: true });
    expect(ipJson(pair.a, 'route', 'show', 'table', '100')).toEqual([{ dst: '198.51.100.0/24', gateway: '192.0.2.2', dev: IF, protocol: 'keepalived', flags: [] }]);
    expect(await a.call('route.route', 'add', r)).toMatchObject({ ok: false, error: { code: 'EEXIST', message: `EEXIST adding route 198.51.100.0/24 via 192.0.2.2 dev ${IF} table 100 add` } });
    expect(await a.call('route.route', 'delete', r)).toEqual({ ok: true, value: true });
    expect(ipJson(pair.a, 'route', 'show', 'table', '100')).toEqual([]);
    expect(await a.call('route.route', 'delete', r)).toEqual({ ok: true, value: false });
  });

  it('a route on a missing interface fails as ENODEV naming it', async () => {
    expect(await a.call('route.route', 'add', m.staticRoutes[1])).toMatchObject({
      ok: false, error: { code: 'ENODEV', message: 'ENODEV adding route 198.51.101.0/24 via 192.0.2.2 dev nosuch0: no interface nosuch0' },
    });
  });

  it('adds and deletes a rule; a second add is EEXIST', async () => {
    const r = m.staticRules[0];
    expect(await a.call('route.rule', 'add', r)).toEqual({ ok: true, value: true });
    expect(ipJson(pair.a, 'rule', 'show').filter((x: { priority: number }) => x.priority === 500)).toEqual([{ priority: 500, src: '192.0.2.0', srclen: 24, table: '100', protocol: 'keepalived' }]);
    expect(await a.call('route.rule', 'add', r)).toMatchObject({ ok: false, error: { code: 'EEXIST', message: 'EEXIST adding rule from 192.0.2.0/24 table 100 priority 500' } });
    expect(await a.call('route.rule', 'delete', r)).toEqual({ ok: true, value: true });
    expect(await a.call('route.rule', 'delete', r)).toEqual({ ok: true, value: false });
  });

  it('reports a route and a rule someone else deleted', async () => {
    expect(await a.call('route.watch')).toEqual({ ok: true });
    await a.call('route.route', 'add', m.staticRoutes[0]);
    await a.call('route.rule', 'add', m.staticRules[0]);
    ipIn(pair.a, 'route', 'del', '198.51.100.0/24', 'table', '100');
    ipIn(pair.a, 'rule', 'del', 'priority', '500');
    const route = await a.waitEvent((e) => e.event === 'routeNotice' && e.kind === 'route' && e.op === 'del' && e.dst === '198.51.100.0');
    expect(route).toMatchObject({ family: 4, dstLen: 24, table: 100, protocol: 18 });
    const rule = await a.waitEvent((e) => e.event === 'routeNotice' && e.kind === 'rule' && e.op === 'del');
    expect(rule).toMatchObject({ family: 4, priority: 500, action: 1, table: 100, protocol: 18 });
  });
});
