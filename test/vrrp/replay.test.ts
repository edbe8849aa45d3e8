/**
 * Replays keepalived 2.2.7's captures into halo's state machine standing in for lb2
 * (192.168.77.12 / 192.168.78.12, BACKUP priority 100): only lb1's packets are fed, at their
 * capture times, and what the machine decides is compared with what the real lb2 (keepalived)
 * put on the wire in the same capture — when, and byte for byte.
 */
import type { VrrpInstance } from '../../src/config/model';
import { decodePacket } from '../../src/vrrp/advert-codec';
import { createInstanceState, InstanceState, step } from '../../src/vrrp/instance';
import { createSyncGroupState, stepSyncGroupMember, SyncGroupState } from '../../src/vrrp/sync-group';
import type { TimerName, VrrpAction, VrrpEvent } from '../../src/vrrp/types';
import { ipv4OfEthernet, readPcap } from './fixtures';
import { instanceCfg, syncGroup, vip } from './harness';

interface Sent {
  t: number;
  instance: string;
  priority: number;
  bytes: Buffer;
}

/** Feeds the packets of `pcaps` sent by anyone but `own` into the instances; returns what they sent. */
function replay(
  pcaps: string[],
  cfgs: VrrpInstance[],
  primary: Record<string, string>,
  own: string[],
  startAt: number,
): { sent: Sent[]; members: Record<string, InstanceState>; wire: { t: number; src: string; bytes: Buffer }[] } {
  const g = cfgs.length > 1 ? syncGroup('VG_1', cfgs.map((c) => c.name)) : null;
  let members: Record<string, InstanceState> = {};
  for (const c of cfgs) members[c.name] = createInstanceState(c, primary[c.name], { syncGroup: g });
  let group: SyncGroupState | null = g ? createSyncGroupState(g) : null;
  const sent: Sent[] = [];
  const feed = (name: string, ev: VrrpEvent, t: number) => {
    let actions: VrrpAction[];
    if (g) {
      const r = stepSyncGroupMember(group!, members, name, ev, t);
      group = r.group;
      members = r.members;
      actions = r.actions;
    } else {
      const r = step(members[name], ev, t);
      members = { ...members, [name]: r.state };
      actions = r.actions;
    }
    for (const a of actions) {
      if (a.type === 'sendAdvert') sent.push({ t, instance: a.instance, priority: a.priority, bytes: a.packets[0].bytes });
    }
  };
  const wire: { t: number; src: string; bytes: Buffer }[] = [];
  for (const p of pcaps) {
    for (const f of readPcap(p).frames) {
      const ip = ipv4OfEthernet(f.data);
      if (!ip || ip[9] !== 112) continue;
      const d = decodePacket(ip);
      if (!d.ok) throw new Error(`${p}: ${d.message}`);
      wire.push({ t: f.time * 1000, src: d.ip.src, bytes: Buffer.from(ip.subarray(0, d.ip.totalLength)) });
    }
  }
  wire.sort((a, b) => a.t - b.t);
  const t0 = wire[0].t + startAt;
  for (const c of cfgs) feed(c.name, { type: 'startup' }, t0);
  const fireUntil = (t: number) => {
    for (;;) {
      let next: { name: string; timer: TimerName; at: number } | null = null;
      for (const [name, s] of Object.entries(members)) {
        for (const [timer, at] of Object.entries(s.timers) as [TimerName, number][]) {
          if (at <= t && (!next || at < next.at)) next = { name, timer, at };
        }
      }
      if (!next) return;
      feed(next.name, { type: 'timer', timer: next.timer }, next.at);
    }
  };
  for (const w of wire) {
    fireUntil(w.t);
    if (own.includes(w.src)) continue;
    const packet = decodePacket(w.bytes);
    const target = Object.values(members).find((m) => packet.ok && m.cfg.virtualRouterId === packet.vrrp.virtualRouterId);
    if (target) feed(target.name, { type: 'advert', packet }, w.t);
  }
  return { sent, members, wire };
}

describe('replaying keepalived captures into halo as lb2', () => {
  it('v2-term-1: priority 0 from lb1 → halo takes over within 3 ms of keepalived, with the same bytes', () => {
    const cfg = instanceCfg({ initialState: 'BACKUP', priority: 100 });
    const { sent, wire } = replay(['v2-term-1.pcap'], [cfg], { VI_1: '192.168.77.12' }, ['192.168.77.12'], -500);
    const real = wire.filter((w) => w.src === '192.168.77.12');
    expect(sent.length).toBeGreaterThan(0);
    expect(Math.abs(sent[0].t - real[0].t)).toBeLessThan(3);
    if (process.env.HALO_REPLAY_SHOW) process.stdout.write(`term: halo ${(sent[0].t - real[0].t).toFixed(3)} ms vs keepalived\n`);
    expect(sent[0].bytes.toString('hex')).toBe(real[0].bytes.toString('hex'));
    expect(sent[1].bytes.toString('hex')).toBe(real[1].bytes.toString('hex'));
  });

  it('v2-startup: lb2 follows lb1 as BACKUP for the whole capture, no drops, no adverts', () => {
    const cfg = instanceCfg({ initialState: 'BACKUP', priority: 100 });
    const { sent, members } = replay(['v2-startup.pcap'], [cfg], { VI_1: '192.168.77.12' }, ['192.168.77.12'], 0);
    expect(sent).toEqual([]);
    expect(members.VI_1.state).toBe('BACKUP');
    expect(members.VI_1.masterAddress).toBe('192.168.77.11');
    expect(Object.values(members.VI_1.stats.drops).every((n) => n === 0)).toBe(true);
    expect(members.VI_1.stats.advertsReceived).toBe(15);
  });

  it('sync-br0/br1: the group takes over when VI_2\'s timer expires, within 3 ms of keepalived, byte-identical; yields to lb1 on its return', () => {
    const base = { initialState: 'BACKUP' as const, priority: 100, syncGroup: 'VG_1' };
    const cfgs = [
      instanceCfg({ ...base, name: 'VI_1', interface: 'eth0', virtualRouterId: 51, virtualIpAddresses: [vip('192.168.77.200', 'eth0')] }),
      instanceCfg({ ...base, name: 'VI_2', interface: 'eth1', virtualRouterId: 52, virtualIpAddresses: [vip('192.168.78.200', 'eth1')] }),
    ];
    const own = ['192.168.77.12', '192.168.78.12'];
    const { sent, members, wire } = replay(['sync-br0.pcap', 'sync-br1.pcap'], cfgs, { VI_1: own[0], VI_2: own[1] }, own, 0);
    const real = wire.filter((w) => own.includes(w.src));
    const firstOf = (list: { bytes: Buffer }[], vrid: number) => list.find((x) => x.bytes[21] === vrid)!;
    // keepalived: br1 (vrid 52) at +10.0195 s, br0 (vrid 51) at +10.0203 s
    for (const vrid of [51, 52]) {
      const ours = firstOf(sent, vrid) as Sent;
      const theirs = firstOf(real, vrid) as { t: number; bytes: Buffer };
      expect(Math.abs(ours.t - theirs.t)).toBeLessThan(3);
      if (process.env.HALO_REPLAY_SHOW) process.stdout.write(`sync vrid ${vrid}: halo ${(ours.t - theirs.t).toFixed(3)} ms vs keepalived\n`);
      expect(ours.bytes.toString('hex')).toBe(theirs.bytes.toString('hex'));
    }
    expect(sent[0].instance).toBe('VI_2'); // the slower member's timer decided, and it went first
    const lb1Back = wire.find((w) => w.src === '192.168.77.11' && w.t > real[0].t)!.t;
    expect(sent.filter((s) => s.t > lb1Back)).toEqual([]);
    expect([members.VI_1.state, members.VI_2.state]).toEqual(['BACKUP', 'BACKUP']);
  });
});
