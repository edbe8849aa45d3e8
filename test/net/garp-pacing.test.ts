/**
 * keepalived's garp_delay pacing (src/net/garp-pacing.ts) under a fake clock: what goes at once,
 * what waits, and in what order the waiting frames go as each pacer's time comes. The orders are
 * those read in vrrp_arp.c / vrrp_scheduler.c and seen on the wire from keepalived 2.2.7 in
 * garp-group.netns.test.ts.
 */
import type { GarpGroup } from '../../src/config/model';
import { burst, drain, emptyPacer, pacingOf, type PacedFrame, type PacerState, type PacingOf } from '../../src/net/garp-pacing';

const loc = { file: 'k.conf', line: 1, col: 1 };
const group = (garp: number | null, gna: number | null, ...ifs: string[]): GarpGroup => ({
  garpIntervalMs: garp, gnaIntervalMs: gna, interfaces: ifs.map((name) => ({ name, location: loc })), aggregationGroup: 0, location: loc,
});
const NONE = { garpIntervalMs: null, gnaIntervalMs: null };

/** vrrp_send_link_update's frames: `repeat` rounds of the instance's VIPs (rank: instance n, VIP index). */
const frames = (instance: string, n: number, vips: Array<[string, string]>, repeat: number): PacedFrame[] =>
  Array.from({ length: repeat }, () => vips.map(([vip, dev], i): PacedFrame => ({ instance, vip, dev, rank: [n, i] }))).flat();

/**
 * Runs bursts at given times and drains at every wake-up until nothing waits; returns each frame
 * sent as `time instance vip dev`.
 */
function run(pacing: PacingOf, bursts: Array<[number, PacedFrame[]]>, live: (f: PacedFrame) => boolean = () => true): string[] {
  let state: PacerState = emptyPacer();
  let wakeAt: number | null = null;
  const out: string[] = [];
  const sent = (t: number, fs: PacedFrame[]) => fs.forEach((f) => out.push(`${t} ${f.instance} ${f.vip} ${f.dev}`));
  const queue = [...bursts];
  for (let guard = 0; guard < 1000 && (queue.length > 0 || wakeAt !== null); guard++) {
    if (queue.length > 0 && (wakeAt === null || queue[0][0] <= wakeAt)) {
      const [t, fs] = queue.shift()!;
      const d = burst(state, t, fs, pacing);
      sent(t, d.send);
      ({ state, wakeAt } = d);
    } else {
      const t = wakeAt!;
      const d = drain(state, t, pacing, live);
      sent(t, d.send);
      ({ state, wakeAt } = d);
    }
  }
  return out;
}

test('no pacing: every round of every VIP at once, in order', () => {
  const p = pacingOf([], NONE);
  expect(run(p, [[0, frames('VI_1', 0, [['10.0.0.1', 'eth0'], ['10.0.0.2', 'eth0']], 2)]])).toEqual([
    '0 VI_1 10.0.0.1 eth0', '0 VI_1 10.0.0.2 eth0', '0 VI_1 10.0.0.1 eth0', '0 VI_1 10.0.0.2 eth0',
  ]);
});

test("paced: the first goes, the repeats that wait collapse, one per interval (keepalived's A A B C)", () => {
  const p = pacingOf([group(500, null, 'eth0')], NONE);
  expect(run(p, [[0, frames('VI_1', 0, [['10.0.0.1', 'eth0'], ['10.0.0.2', 'eth0'], ['10.0.0.3', 'eth0']], 3)]])).toEqual([
    '0 VI_1 10.0.0.1 eth0', '500 VI_1 10.0.0.1 eth0', '1000 VI_1 10.0.0.2 eth0', '1500 VI_1 10.0.0.3 eth0',
  ]);
});

test('one group over two interfaces: one next-send time for both, instances walked in config order', () => {
  const p = pacingOf([group(500, null, 'eth0', 'eth1')], NONE);
  // VI_2 (second in the config) becomes MASTER first; VI_1 a moment later
  const out = run(p, [
    [0, frames('VI_2', 1, [['10.0.1.1', 'eth1'], ['10.0.1.2', 'eth1']], 2)],
    [3, frames('VI_1', 0, [['10.0.0.1', 'eth0'], ['10.0.0.2', 'eth0']], 2)],
  ]);
  expect(out).toEqual([
    '0 VI_2 10.0.1.1 eth1',
    '500 VI_1 10.0.0.1 eth0', '1000 VI_1 10.0.0.2 eth0',
    '1500 VI_2 10.0.1.1 eth1', '2000 VI_2 10.0.1.2 eth1',
  ]);
});

test('two groups pace apart: each lets one frame go per interval', () => {
  const p = pacingOf([group(500, null, 'eth0'), group(200, null, 'eth1')], NONE);
  const out = run(p, [[0, [...frames('VI_1', 0, [['10.0.0.1', 'eth0'], ['10.0.0.2', 'eth0']], 1), ...frames('VI_2', 1, [['10.0.1.1', 'eth1'], ['10.0.1.2', 'eth1'], ['10.0.1.3', 'eth1']], 1)]]]);
  expect(out).toEqual([
    '0 VI_1 10.0.0.1 eth0', '0 VI_2 10.0.1.1 eth1', '200 VI_2 10.0.1.2 eth1', '400 VI_2 10.0.1.3 eth1', '500 VI_1 10.0.0.2 eth0',
  ]);
});

test('GARPs and NAs have a next-send time each; a group without gna_interval sends its NAs at once', () => {
  const vips: Array<[string, string]> = [['10.0.0.1', 'eth0'], ['2001:db8::1', 'eth0'], ['10.0.0.2', 'eth0'], ['2001:db8::2', 'eth0']];
  expect(run(pacingOf([group(500, 300, 'eth0')], NONE), [[0, frames('VI_1', 0, vips, 1)]])).toEqual([
    '0 VI_1 10.0.0.1 eth0', '0 VI_1 2001:db8::1 eth0', '300 VI_1 2001:db8::2 eth0', '500 VI_1 10.0.0.2 eth0',
  ]);
  expect(run(pacingOf([group(500, null, 'eth0')], { garpIntervalMs: null, gnaIntervalMs: 300 }), [[0, frames('VI_1', 0, vips, 1)]])).toEqual([
    '0 VI_1 10.0.0.1 eth0', '0 VI_1 2001:db8::1 eth0', '0 VI_1 2001:db8::2 eth0', '500 VI_1 10.0.0.2 eth0',
  ]);
});

test('vrrp_garp_interval: a pacer per interface, shared by its instances; a group wins over it', () => {
  const p = pacingOf([group(1000, null, 'eth1')], { garpIntervalMs: 100, gnaIntervalMs: null });
  expect(p('eth0', 'garp')).toEqual({ key: 'interface eth0', intervalMs: 100 });
  expect(p('eth1', 'garp')).toEqual({ key: 'garp_group 0', intervalMs: 1000 });
  expect(p('eth0', 'gna')).toBeNull();
  const out = run(p, [[0, frames('VI_1', 0, [['10.0.0.1', 'eth0']], 2)], [10, frames('VI_2', 1, [['10.0.0.9', 'eth0']], 2)]]);
  expect(out).toEqual(['0 VI_1 10.0.0.1 eth0', '100 VI_1 10.0.0.1 eth0', '200 VI_2 10.0.0.9 eth0']);
});

test("a VMAC is paced by its base interface's group", () => {
  const p = pacingOf([group(500, null, 'eth0')], NONE, (dev) => (dev === 'vrrp.51' ? 'eth0' : dev));
  expect(p('vrrp.51', 'garp')).toEqual(p('eth0', 'garp'));
});

test('a waiting frame of an instance no longer MASTER is dropped; a frame whose pacer is free goes at once', () => {
  const p = pacingOf([group(500, null, 'eth0')], NONE);
  const out = run(p, [[0, frames('VI_1', 0, [['10.0.0.1', 'eth0'], ['10.0.0.2', 'eth0']], 1)], [0, frames('VI_2', 1, [['10.0.0.3', 'eth0']], 1)], [2000, frames('VI_2', 1, [['10.0.0.3', 'eth0']], 1)]], (f) => f.instance !== 'VI_2');
  expect(out).toEqual(['0 VI_1 10.0.0.1 eth0', '500 VI_1 10.0.0.2 eth0', '2000 VI_2 10.0.0.3 eth0']);
});

test('the state is not changed in place', () => {
  const p = pacingOf([group(500, null, 'eth0')], NONE);
  const s0 = emptyPacer();
  const d = burst(s0, 0, frames('VI_1', 0, [['10.0.0.1', 'eth0'], ['10.0.0.2', 'eth0']], 1), p);
  expect(s0.next.size).toBe(0);
  expect(s0.pending).toHaveLength(0);
  expect(d.wakeAt).toBe(500);
  expect(drain(d.state, 499, p, () => true)).toMatchObject({ send: [], wakeAt: 500 });
});
