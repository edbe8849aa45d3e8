/**
 * static_ipaddress / static_routes / static_rules as keepalived's VRRP process keeps them,
 * against recording managers: leftover rules deleted at start, everything added, only what this
 * run added deleted at stop (rules, routes, addresses), reload by difference, and a deleted
 * tracked static route put back.
 */
import { model } from '../config/helpers';
import { routeEventsWanted, StaticEntries, staticSetOf } from '../../src/daemon/static-entries';
import { ok, fail } from '../../src/net/errors';
import { decodeRouteNotice, encodeRoute } from '../../src/net/route-codec';
import type { Logger } from '../../src/daemon/logger';

const CONF = (extra = '') => `static_ipaddress {\n 192.0.2.1/24 dev eth0\n}\nstatic_routes {\n 198.51.100.0/24 via 192.0.2.254 dev eth0\n 203.0.113.0/24 via 192.0.2.254 dev eth0 no_track\n${extra}}\nstatic_rules {\n from 192.0.2.0/24 table 7 priority 10\n}\n`;

function recorder(exists: string[] = []) {
  const calls: string[] = [];
  const lines: string[] = [];
  const log = { info: (m: string) => lines.push(m), warning: (m: string) => lines.push(m), error: (m: string) => lines.push(m), notice: (m: string) => lines.push(m), debug: () => undefined } as unknown as Logger;
  return {
    calls,
    lines,
    deps: {
      log,
      addresses: {
        add: async (v: { address: string }) => (calls.push(`add address ${v.address}`), ok(!exists.includes(v.address))),
        remove: async (v: { address: string }) => (calls.push(`remove address ${v.address}`), ok(true)),
      },
      routes: {
        route: async (op: 'add' | 'delete', r: { text: string }) => (calls.push(`${op} route ${r.text}`), exists.includes(r.text) && op === 'add' ? fail('EEXIST', `adding route ${r.text}`) : ok(true)),
        rule: async (op: 'add' | 'delete', r: { text: string }) => (calls.push(`${op} rule ${r.text}`), ok(op === 'add')),
      },
    },
  };
}

describe('static entries', () => {
  it('start: leftover rules deleted, then addresses, routes, rules added; stop: rules, routes, addresses', async () => {
    const rec = recorder();
    const s = new StaticEntries(staticSetOf(model(CONF())), rec.deps as never);
    await s.start();
    await s.stop();
    expect(rec.calls).toEqual([
      'delete rule from 192.0.2.0/24 table 7 priority 10',
      'add address 192.0.2.1', 'add route 198.51.100.0/24 via 192.0.2.254 dev eth0', 'add route 203.0.113.0/24 via 192.0.2.254 dev eth0 no_track', 'add rule from 192.0.2.0/24 table 7 priority 10',
      'delete rule from 192.0.2.0/24 table 7 priority 10', 'delete route 198.51.100.0/24 via 192.0.2.254 dev eth0', 'delete route 203.0.113.0/24 via 192.0.2.254 dev eth0 no_track', 'remove address 192.0.2.1',
    ]);
  });

  it('what was there already (EEXIST) is logged and left alone at stop, as keepalived leaves it', async () => {
    const rec = recorder(['198.51.100.0/24 via 192.0.2.254 dev eth0', '192.0.2.1']);
    const s = new StaticEntries(staticSetOf(model(CONF())), rec.deps as never);
    await s.start();
    rec.calls.length = 0;
    await s.stop();
    expect(rec.calls).toEqual(['delete rule from 192.0.2.0/24 table 7 priority 10', 'delete route 203.0.113.0/24 via 192.0.2.254 dev eth0 no_track']);
    expect(rec.lines).toContain('static route: EEXIST adding route 198.51.100.0/24 via 192.0.2.254 dev eth0');
  });

  it('reload: what left goes, what came in is added, the rest untouched', async () => {
    const rec = recorder();
    const s = new StaticEntries(staticSetOf(model(CONF())), rec.deps as never);
    await s.start();
    rec.calls.length = 0;
    const next = model(CONF(' 10.9.0.0/16 dev eth0\n').replace(' 203.0.113.0/24 via 192.0.2.254 dev eth0 no_track\n', ''));
    expect(await s.reload(staticSetOf(next))).toEqual(['remove static route 203.0.113.0/24 via 192.0.2.254 dev eth0 no_track', 'add static route 10.9.0.0/16 dev eth0']);
    expect(rec.calls).toEqual(['delete route 203.0.113.0/24 via 192.0.2.254 dev eth0 no_track', 'add route 10.9.0.0/16 dev eth0']);
  });

  it('a tracked static route someone deleted is put back; an untracked one is not', async () => {
    const rec = recorder();
    const m = model(CONF());
    const s = new StaticEntries(staticSetOf(m), rec.deps as never);
    await s.start();
    rec.calls.length = 0;
    const deleted = (i: number) => decodeRouteNotice(25, encodeRoute(m.staticRoutes[i], 'delete', () => 2).body)!;
    await s.onNotice(deleted(1), () => 2);
    expect(rec.calls).toEqual([]);
    await s.onNotice(deleted(0), () => 3); // another interface: not ours
    expect(rec.calls).toEqual([]);
    await s.onNotice(deleted(0), () => 2);
    expect(rec.calls).toEqual(['add route 198.51.100.0/24 via 192.0.2.254 dev eth0']);
    expect(rec.lines).toContain('Restoring deleted static route prepend 198.51.100.0/24 via inet 192.0.2.254 dev eth0 proto 18');
  });

  it('a static address someone deleted is put back unless no_track, also one there before the start; not one halo deletes; none after stop', async () => {
    const rec = recorder(['192.0.2.3']);
    const conf = (extra = '') => `static_ipaddress {\n 192.0.2.1/24 dev eth0\n 192.0.2.2/24 dev eth0 no_track\n 192.0.2.3/24 dev eth0\n${extra}}\n`;
    const s = new StaticEntries(staticSetOf(model(conf(' 192.0.2.4/24 dev eth0\n'))), rec.deps as never);
    await s.start();
    rec.calls.length = 0;
    const del = (address: string, index = 2) => s.onAddressDeleted({ index, family: 4, address }, (n) => (n === 'eth0' ? 2 : null));
    await del('192.0.2.2');
    await del('192.0.2.1', 5); // on another interface
    expect(rec.calls).toEqual([]);
    await del('192.0.2.1');
    await del('192.0.2.3'); // there before the start (EEXIST): keepalived puts it back too
    expect(rec.calls).toEqual(['add address 192.0.2.1', 'add address 192.0.2.3']);
    expect(rec.lines).toEqual(['Restoring deleted static address 192.0.2.1/24 dev eth0 scope global set', 'Restoring deleted static address 192.0.2.3/24 dev eth0 scope global set']);
    // a reload deletes .4: its RTM_DELADDR arrives while the old set may still be in force
    rec.calls.length = 0;
    const reloading = s.reload(staticSetOf(model(conf())));
    await del('192.0.2.4');
    await reloading;
    expect(rec.calls).toEqual(['remove address 192.0.2.4']);
    await s.stop();
    rec.calls.length = 0;
    await del('192.0.2.1');
    expect(rec.calls).toEqual([]);
  });

  it('an interface coming up: every static address and route on it that is not no_track is added again, addresses first', async () => {
    const rec = recorder();
    const m = model('track_group TG1 {\n group { VI_1 }\n}\nstatic_ipaddress {\n 192.0.2.1/24 dev eth1 track_group TG1\n 192.0.2.2/24 dev eth1 no_track\n 192.0.2.9/24 dev eth0\n}\n' +
      'static_routes {\n 198.51.100.0/24 via 192.0.2.254 dev eth1 track_group TG1\n 198.51.101.0/24 via 192.0.2.254 dev eth1 no_track\n}\nstatic_rules {\n iif eth1 table 7 priority 10 track_group TG1\n}\n' +
      'vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n');
    const s = new StaticEntries(staticSetOf(m), rec.deps as never);
    await s.start();
    rec.calls.length = 0;
    await s.interfaceUp('eth1');
    expect(rec.calls).toEqual(['add address 192.0.2.1', 'add route 198.51.100.0/24 via 192.0.2.254 dev eth1 track_group TG1']);
    expect(rec.lines).toEqual([
      'Restoring deleted static address 192.0.2.1/24 dev eth1 scope global track_group TG1 set',
      'Restoring deleted static route prepend 198.51.100.0/24 via inet 192.0.2.254 dev eth1 proto 18 track_group TG1',
    ]);
  });

  it('route and rule events are read for a tracked virtual route or rule, or a static one with a track_group only', () => {
    const vi = (body = '') => `vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  10.0.0.1\n }\n${body}}\n`;
    const TG = 'track_group TG1 {\n group { VI_1 }\n}\n';
    expect(routeEventsWanted(model(CONF() + vi()))).toBe(false);
    expect(routeEventsWanted(model(TG + 'static_routes {\n 10.9.0.0/16 dev eth1 track_group TG1\n}\n' + vi()))).toBe(true);
    expect(routeEventsWanted(model(TG + 'static_rules {\n iif eth1 table 5 priority 5 no_track track_group TG1\n}\n' + vi()))).toBe(true);
    expect(routeEventsWanted(model(TG + 'static_ipaddress {\n 10.9.0.1/24 dev eth1 track_group TG1\n}\n' + vi()))).toBe(false);
    expect(routeEventsWanted(model(vi(' virtual_routes {\n  10.9.0.0/16 dev eth1 no_track\n }\n')))).toBe(false);
    expect(routeEventsWanted(model(vi(' virtual_rules {\n  from 10.9.0.0/16 table 5 priority 5\n }\n')))).toBe(true);
  });
});
