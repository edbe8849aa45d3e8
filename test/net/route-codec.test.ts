/**
 * The route and rule requests halo sends, byte for byte against what Debian's keepalived 2.2.7
 * sent for the same config (captured with strace in a netns: test/net/fixtures/).
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { model } from '../config/helpers';
import { decodeRouteNotice, decodeRuleNotice, encodeRoute, encodeRule, isOurRoute, isOurRule, RTM_DELROUTE, RTM_DELRULE, RTM_NEWROUTE, RTM_NEWRULE } from '../../src/net/route-codec';
import type { IpRoute, IpRule } from '../../src/config/routes-model';
import { formatIpRoute, formatIpRule } from '../../src/config/routes-format';

interface Golden {
  ifindex: Record<string, number>;
  config: string;
  messages: { what: string; type: number; flags: number; body: string }[];
}

const golden: Golden = JSON.parse(readFileSync(join(__dirname, 'fixtures/keepalived-2.2.7-routes.json'), 'utf8'));
/** Every route metric and rule option keepalived sends, as static entries (second capture). */
const options: Golden = JSON.parse(readFileSync(join(__dirname, 'fixtures/keepalived-2.2.7-route-options.json'), 'utf8'));
const mo = model(options.config);
const m = model(golden.config);
const vi = m.vrrpInstances[0];
const indexOf = (name: string) => golden.ifindex[name];

function pick(what: string): { item: IpRoute | IpRule; kind: 'route' | 'rule' } {
  const [, list, n] = /(static_routes|static_rules|virtual_routes|virtual_rules)\[(\d+)\]/.exec(what)!;
  const i = Number(n);
  if (list === 'static_routes') return { item: m.staticRoutes[i], kind: 'route' };
  if (list === 'static_rules') return { item: m.staticRules[i], kind: 'rule' };
  if (list === 'virtual_routes') return { item: vi.virtualRoutes[i], kind: 'route' };
  return { item: vi.virtualRules[i], kind: 'rule' };
}

describe('route and rule codec against keepalived 2.2.7', () => {
  it('reads every line of the captured config', () => {
    expect(m.staticRoutes).toHaveLength(3);
    expect(m.staticRules).toHaveLength(3);
    expect(vi.virtualRoutes).toHaveLength(2);
    expect(vi.virtualRules).toHaveLength(2);
  });

  it.each(golden.messages.map((g) => [g.what, g] as const))('%s', (_what, g) => {
    const { item, kind } = pick(g.what);
    const del = g.type === RTM_DELROUTE || g.type === RTM_DELRULE;
    expect([RTM_NEWROUTE, RTM_DELROUTE, RTM_NEWRULE, RTM_DELRULE]).toContain(g.type);
    const req = kind === 'route' ? encodeRoute(item as IpRoute, del ? 'delete' : 'add', indexOf) : encodeRule(item as IpRule, del ? 'delete' : 'add');
    expect(req.type).toBe(g.type);
    expect(req.flags).toBe(g.flags);
    expect(req.body.toString('hex')).toBe(g.body);
  });
});

describe('every route metric and rule option against keepalived 2.2.7', () => {
  it('keeps the lines keepalived keeps (line 3 mixes families, line 13 has a suppressor on a non-table action)', () => {
    expect(mo.staticRoutes.map((r) => r.dst.address)).toEqual(['10.50.0.0', '2001:db8:51::', '10.52.0.0', '10.53.0.0', '2001:db8:53::', '10.54.0.0']);
    expect(mo.staticRules.map((r) => r.priority)).toEqual([300, 301, 303, 304, 305]);
  });

  it.each(options.messages.map((g) => [g.what, g] as const))('%s', (_what, g) => {
    const [, list, n] = /(static_routes|static_rules)\[(\d+)\]/.exec(g.what)!;
    const del = g.type === RTM_DELROUTE || g.type === RTM_DELRULE;
    const req = list === 'static_routes'
      ? encodeRoute(mo.staticRoutes[Number(n)], del ? 'delete' : 'add', (name) => options.ifindex[name])
      : encodeRule(mo.staticRules[Number(n)], del ? 'delete' : 'add');
    expect([req.type, req.flags, req.body.toString('hex')]).toEqual([g.type, g.flags, g.body]);
  });
});

describe('route and rule notifications (keepalived route_is_ours / rule_is_ours)', () => {
  const body = (what: string) => Buffer.from(golden.messages.find((g) => g.what === what)!.body, 'hex');

  it('decodes the kernel-format route and rule messages', () => {
    expect(decodeRouteNotice(RTM_NEWROUTE, body('MASTER: NEWROUTE virtual_routes[0]'))).toEqual({ kind: 'route', op: 'new', family: 4, dstLen: 16, tos: 0, table: 200, protocol: 18, dst: '10.20.0.0', oif: 3 });
    expect(decodeRuleNotice(RTM_DELRULE, body('stop: DELRULE virtual_rules[1]'))).toEqual({ kind: 'rule', op: 'del', family: 4, priority: 250, action: 2, table: 0, protocol: 18 });
    expect(decodeRouteNotice(RTM_NEWRULE, body('stop: DELRULE virtual_rules[1]'))).toBeNull();
  });

  it('matches a notice to the configured route or rule it is, and to no other', () => {
    const n = decodeRouteNotice(RTM_DELROUTE, body('stop: DELROUTE virtual_routes[0]'))!;
    expect(vi.virtualRoutes.map((r) => isOurRoute(n, r, indexOf))).toEqual([true, false]);
    expect(isOurRoute(n, vi.virtualRoutes[0], () => 4)).toBe(false);
    expect(m.staticRoutes.map((r) => isOurRoute(n, r, indexOf))).toEqual([false, false, false]);
    const s6 = decodeRouteNotice(RTM_DELROUTE, body('stop: DELROUTE static_routes[1]'))!;
    expect(m.staticRoutes.map((r) => isOurRoute(s6, r, indexOf))).toEqual([false, true, false]);
    const rule = decodeRuleNotice(RTM_DELRULE, body('stop: DELRULE static_rules[1]'))!;
    expect(m.staticRules.map((r) => isOurRule(rule, r))).toEqual([false, true, false]);
    expect(vi.virtualRules.map((r) => isOurRule(rule, r))).toEqual([false, false]);
  });
});

describe("routes and rules in keepalived's words (format_iproute / format_iprule, as its -d dump prints them)", () => {
  interface Dump { dump: Record<string, string[]> }
  const strip = (l: string) => l.replace(/ \[installed ifindex \d+\]$/, '');
  it.each([
    ['the first capture', golden as Golden & Dump, m],
    ['every option', options as Golden & Dump, mo],
  ] as const)('%s', (_name, g, mm) => {
    expect(mm.staticRoutes.map(formatIpRoute)).toEqual(g.dump.staticRoutes.map(strip));
    expect(mm.staticRules.map(formatIpRule)).toEqual(g.dump.staticRules);
    if (g.dump.virtualRoutes) {
      expect(mm.vrrpInstances[0].virtualRoutes.map(formatIpRoute)).toEqual(g.dump.virtualRoutes);
      expect(mm.vrrpInstances[0].virtualRules.map(formatIpRule)).toEqual(g.dump.virtualRules);
    }
  });
});
