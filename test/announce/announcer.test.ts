/** The announcement shell against fake edges: which addresses it adds and removes, and the drain order. */
import { Announcer } from '../../src/daemon/announcer';
import type { Logger } from '../../src/daemon/logger';
import type { VipSpec } from '../../src/net/addresses';
import { model } from '../config/helpers';

const VS_ID = '[192.0.2.80]:tcp:80';
const CONF = `halo_announce WEB {\n address 192.0.2.80\n drain_delay 0.05\n drain_timeout 2\n}\nvirtual_server 192.0.2.80 80 {\n lb_algo mh\n lb_kind DR\n protocol TCP\n real_server 10.0.1.1 80 {\n  TCP_CHECK {\n  }\n }\n}\n`;

function harness(starting = true) {
  const events: string[] = [];
  const quorum = new Map<string, boolean | null>([[VS_ID, null]]);
  let conns: number | null = 0;
  const log: Logger = { error: (m) => events.push(`error ${m}`), warning: (m) => events.push(`warning ${m}`), notice: (m) => events.push(m), info: (m) => events.push(m), debug: () => undefined, close: () => undefined };
  const a = new Announcer(model(CONF), {
    addresses: {
      add: async (v: VipSpec) => { events.push(`add ${v.address}/${v.prefixLen} ${v.dev}`); return { ok: true, value: true }; },
      remove: async (v: VipSpec) => { events.push(`remove ${v.address}/${v.prefixLen} ${v.dev}`); return { ok: true, value: true }; },
    },
    localRoutes: {
      add: async (v) => { events.push(`local add ${v.address}`); return { ok: true, value: true }; },
      remove: async (v) => { events.push(`local remove ${v.address}`); return { ok: true, value: true }; },
    },
    quorum: (id) => quorum.get(id) ?? null,
    activeConnections: async () => { events.push(`count ${conns}`); return conns; },
    log,
    onAnnounced: (n) => events.push(`held ${n}`),
    onWithdrawn: (n) => events.push(`released ${n}`),
    pollMs: 60_000,
  }, starting);
  return { a, events, quorum, setConns: (n: number | null) => { conns = n; } };
}

describe('Announcer', () => {
  it('removes a leftover address first, announces on quorum, withdraws on quorum loss', async () => {
    const h = harness();
    await h.a.evaluate();
    expect(h.events).toEqual(['(WEB) Not announcing 192.0.2.80 (quorum not yet judged)', 'remove 192.0.2.80/32 lo', 'released WEB']);
    h.events.length = 0;
    h.quorum.set(VS_ID, true);
    await h.a.evaluate();
    await h.a.evaluate();
    expect(h.events).toEqual(['add 192.0.2.80/32 lo', '(WEB) Announcing 192.0.2.80 (quorum up)', 'held WEB']);
    expect(h.a.status()[0]).toMatchObject({ announced: true, reason: 'quorum up', draining: false });
    h.events.length = 0;
    h.quorum.set(VS_ID, false);
    await h.a.evaluate();
    expect(h.events).toEqual(['(WEB) Withdrawing 192.0.2.80 (quorum lost)', 'remove 192.0.2.80/32 lo', 'released WEB']);
  });

  it('drain: withdraws first, then counts connections until none is left', async () => {
    const h = harness();
    h.quorum.set(VS_ID, true);
    await h.a.evaluate();
    h.events.length = 0;
    h.setConns(3);
    setTimeout(() => h.setConns(0), 300);
    await h.a.drain();
    // the VIP stays accepted (local route) before its address, the announcement, goes
    expect(h.events.slice(0, 3)).toEqual(['local add 192.0.2.80', '(WEB) Withdrawing 192.0.2.80 (stopping)', 'remove 192.0.2.80/32 lo']);
    expect(h.events).toContain('count 3');
    expect(h.events[h.events.length - 2]).toBe('count 0');
    expect(h.events[h.events.length - 1]).toMatch(/^\(WEB\) 192\.0\.2\.80 drained after \d+ ms \(no connections left\)$/);
    h.events.length = 0;
    await h.a.release();
    await h.a.release();
    expect(h.events).toEqual(['local remove 192.0.2.80']);
  });

  it('drain gives up at drain_timeout, saying how many connections are left', async () => {
    const h = harness();
    h.quorum.set(VS_ID, true);
    await h.a.evaluate();
    h.setConns(null);
    await h.a.drain();
    expect(h.events[h.events.length - 1]).toMatch(/drained after \d+ ms \(drain_timeout, unknown connections left\)$/);
  });

  it('a director that announced nothing stops without waiting', async () => {
    const h = harness();
    await h.a.drain();
    expect(h.events.filter((e) => e.startsWith('count'))).toEqual([]);
  });
});

describe('formatStatus: announcements', () => {
  it('says per VIP whether it is announced and what the local bgpd makes of it', () => {
    const { formatStatus } = require('../../src/daemon/status') as typeof import('../../src/daemon/status');
    const base = { pid: 1, configFile: 'k.conf', startedAt: new Date(0).toISOString(), reloads: { ok: 0, failed: 0, lastError: null }, instances: [], syncGroups: [], virtualServers: [] };
    const a = { name: 'WEB', address: '192.0.2.80', interface: 'lo', draining: false, vtyshSocket: null, vtyshPathspace: null, routingDaemon: 'auto' as const, birdcSocket: null, router: null };
    const text = formatStatus({ ...base, announces: [
      { ...a, announced: true, reason: 'quorum up', bgpDaemon: 'frr', bgp: { present: true, originated: true, advertisedTo: ['10.77.0.1'], usedFrom: [] } },
      { ...a, name: 'API', address: '192.0.2.81', announced: false, reason: 'quorum lost', bgpDaemon: 'frr', bgp: { present: true, originated: false, advertisedTo: [], usedFrom: [] } },
      { ...a, name: 'OLD', address: '192.0.2.82', announced: false, reason: 'stopping', draining: true, bgp: { error: 'vtysh: Exiting: failed to connect to any daemons.' } },
    ] }, new Date(0));
    expect(text).toContain([
      'Announcements (halo_announce)',
      '  WEB 192.0.2.80 on lo: announced (quorum up)',
      '    local bgpd: originated; advertised to 10.77.0.1',
      '  API 192.0.2.81 on lo: not announced (quorum lost)',
      '    local bgpd: configured, not originated (no route on the host); advertised to no peer',
      '  OLD 192.0.2.82 on lo: not announced (stopping)  DRAINING',
      '    local routing daemon: vtysh: Exiting: failed to connect to any daemons.',
    ].join('\n'));
  });

  it("labels BIRD's local view and the router's view apart", () => {
    const { formatStatus } = require('../../src/daemon/status') as typeof import('../../src/daemon/status');
    const base = { pid: 1, configFile: 'k.conf', startedAt: new Date(0).toISOString(), reloads: { ok: 0, failed: 0, lastError: null }, instances: [], syncGroups: [], virtualServers: [] };
    const a = { name: 'WEB', address: '192.0.2.80', interface: 'lo', draining: false, vtyshSocket: null, vtyshPathspace: null, routingDaemon: 'bird' as const, birdcSocket: null, router: { daemon: 'bird' as const, socket: null, netns: 'r' } };
    const text = formatStatus({ ...base, announces: [
      { ...a, announced: true, reason: 'quorum up', bgpDaemon: 'bird', bgp: { present: true, originated: true, advertisedTo: ['10.77.0.1'], usedFrom: [] },
        routerBgp: { daemon: 'bird', present: true, originated: false, advertisedTo: [], usedFrom: ['10.77.0.11', '10.77.0.12'], viaUs: true } },
      { ...a, name: 'API', address: '192.0.2.81', announced: false, reason: 'quorum lost', bgpDaemon: 'bird', bgp: { present: false, originated: false, advertisedTo: [], usedFrom: [] },
        routerBgp: { daemon: 'bird', present: true, originated: false, advertisedTo: [], usedFrom: ['10.77.0.12'], viaUs: false } },
      { ...a, name: 'OLD', address: '192.0.2.82', announced: false, reason: 'stopping', routerBgp: { error: 'birdc: Unable to connect to server control socket' } },
    ] }, new Date(0));
    expect(text).toContain([
      '  WEB 192.0.2.80 on lo: announced (quorum up)',
      '    local BIRD: originated; advertised to 10.77.0.1',
      '    router (bird): route via 10.77.0.11 10.77.0.12; through this director',
      '  API 192.0.2.81 on lo: not announced (quorum lost)',
      '    local BIRD: no such route; advertised to no peer',
      '    router (bird): route via 10.77.0.12; not through this director',
      '  OLD 192.0.2.82 on lo: not announced (stopping)',
      '    router (bird): birdc: Unable to connect to server control socket',
    ].join('\n'));
  });
});

describe('Announcer started by a reload (the first halo_announce block)', () => {
  it('removes nothing before its first judgement, announces on quorum, drains with the holdover', async () => {
    const h = harness(false);
    await h.a.evaluate();
    expect(h.events).toEqual([]);
    h.quorum.set(VS_ID, true);
    await h.a.evaluate();
    expect(h.events).toEqual(['add 192.0.2.80/32 lo', '(WEB) Announcing 192.0.2.80 (quorum up)', 'held WEB']);
    h.events.length = 0;
    await h.a.drain();
    expect(h.events.slice(0, 3)).toEqual(['local add 192.0.2.80', '(WEB) Withdrawing 192.0.2.80 (stopping)', 'remove 192.0.2.80/32 lo']);
  });

  it('a reload of a running announcer reports its plan and withdraws only what it had announced', async () => {
    const h = harness();
    h.quorum.set(VS_ID, true);
    await h.a.evaluate();
    h.events.length = 0;
    const p = await h.a.reload(model(CONF.replace('192.0.2.80\n drain', '192.0.2.80\n drain').replace('halo_announce WEB', 'halo_announce WEB2')));
    expect(p.withdraw).toEqual([{ name: 'WEB', address: '192.0.2.80', why: 'removed from the configuration' }]);
    // the new block on the same address: not removed first, announced again on the (unchanged) quorum
    expect(h.events).toEqual(['(WEB) Withdrawing 192.0.2.80 (removed from the configuration)', 'remove 192.0.2.80/32 lo', 'released WEB', 'add 192.0.2.80/32 lo', '(WEB2) Announcing 192.0.2.80 (quorum up)', 'held WEB2']);
  });
});
