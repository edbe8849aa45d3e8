/**
 * The route and rule requests halo sends, byte for byte against what Debian's keepalived 2.2.7
 * sent for the same config (captured with strace in a netns: test/net/fixtures/).
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { model } from '../config/helpers';
import { encodeRoute, encodeRule, RTM_DELROUTE, RTM_DELRULE, RTM_NEWROUTE, RTM_NEWRULE } from '../../src/net/route-codec';
import type { IpRoute, IpRule } from '../../src/config/routes-model';

interface Golden {
  ifindex: Record<string, number>;
  config: string;
  messages: { what: string; type: number; flags: number; body: string }[];
}

const golden: Golden = JSON.parse(readFileSync(join(__dirname, 'fixtures/keepalived-2.2.7-routes.json'), 'utf8'));
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
