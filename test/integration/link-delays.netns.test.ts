/**
 * interface_up_down_delays beside Debian's keepalived 2.2.7: each director's eth0 loses its
 * carrier when the veth's other end (in the bridge namespace) is set down. Compared, in order:
 * the clamp at start, the "Adding flags change" lines (the kernel's flags in hex, the delay in
 * microseconds), "Netlink reports", and the state changes. A blip shorter than the down delay
 * changes no state; a longer down faults, not before its delay; the way back waits for the
 * (clamped) up delay.
 */
import type { RunningDirector } from '../support/directors';
import { sh, waitFor } from '../support/netns';
import { twoDirectorsOnABridge } from '../support/two-directors';
import { loneBackupInstance } from '../support/config-text';

jest.setTimeout(180_000);

const stage = twoDirectorsOnABridge('ldel-', '192.168.85');

const conf = (vrid: number) => [
  'interface_up_down_delays {',
  '    eth0 4 7',
  '}',
  ...loneBackupInstance({ vrid, net: '192.168.85', advertInt: 3 }),
  '',
].join('\n');

const WATCHED = /debounce timer|Adding flags change|Delay timer for|Netlink reports|Entering \w+ STATE/;
/** The lines this test is about, without the loggers' time stamps (both write `Www Mmm dd hh:mm:ss yyyy: `). */
const lines = (d: RunningDirector) =>
  d.log().split('\n').map((l) => /^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}: (.*)$/.exec(l)?.[1] ?? '').filter((l) => WATCHED.test(l));
const count = (d: RunningDirector, s: string) => lines(d).filter((l) => l.includes(s)).length;

/** The bridge-side end of host `i`'s eth0 (src/lab/netns.ts names it v<host><link><bridge>). */
const carrier = (i: number, up: boolean) => sh(['ip', '-n', stage.topo.ns('br'), 'link', 'set', `v${i}0br0`, up ? 'up' : 'down']);

test('short and long carrier losses, delayed as keepalived delays them, with its lines', async () => {
  const halo = stage.dirs.halo('lb1', conf(81));
  const ka = stage.dirs.keepalived('lb2', conf(82));
  const both = (s: string, n = 1) => count(halo, s) >= n && count(ka, s) >= n;
  expect(await waitFor(() => both('Entering BACKUP STATE'), 30_000)).toBe(true);
  // the up delay 7 s is not below 2 * advert_int: cut to 6 s - 3 s/256
  expect(both('VI_1: interface eth0 debounce timer(s) not less that 2 * advert_int - resetting')).toBe(true);

  // a blip: the down is seen and delayed, the carrier is back before the delay ends
  const down = 'eth0: Adding flags change from 0x11043 to 0x1003 delay by 4000000';
  carrier(0, false);
  carrier(1, false);
  expect(await waitFor(() => both(down), 10_000)).toBe(true);
  carrier(0, true);
  carrier(1, true);

  // a long one: FAULT once the delay has run, not before
  expect(await waitFor(() => count(halo, 'Entering FAULT STATE') + count(ka, 'Entering FAULT STATE') === 0, 1000)).toBe(true);
  const fall = { at: Date.now(), halo: 0, ka: 0 };
  carrier(0, false);
  carrier(1, false);
  expect(await waitFor(() => both(down, 2), 10_000)).toBe(true);
  expect(await waitFor(() => {
    if (!fall.halo && count(halo, 'Entering FAULT STATE')) fall.halo = Date.now();
    if (!fall.ka && count(ka, 'Entering FAULT STATE')) fall.ka = Date.now();
    return fall.halo > 0 && fall.ka > 0;
  }, 30_000)).toBe(true);
  expect(fall.halo - fall.at).toBeGreaterThanOrEqual(4000);
  expect(fall.ka - fall.at).toBeGreaterThanOrEqual(4000);

  // back up: the clamped up delay, then BACKUP again
  const rise = { at: Date.now(), halo: 0, ka: 0 };
  carrier(0, true);
  carrier(1, true);
  expect(await waitFor(() => both('eth0: Adding flags change from 0x1003 to 0x11043 delay by 5988282'), 10_000)).toBe(true);
  expect(await waitFor(() => {
    if (!rise.halo && count(halo, 'Netlink reports eth0 up')) rise.halo = Date.now();
    if (!rise.ka && count(ka, 'Netlink reports eth0 up')) rise.ka = Date.now();
    return rise.halo > 0 && rise.ka > 0 && both('Entering BACKUP STATE', 2);
  }, 30_000)).toBe(true);
  expect(rise.halo - rise.at).toBeGreaterThanOrEqual(5988);
  expect(rise.ka - rise.at).toBeGreaterThanOrEqual(5988);
  // for the record (a loaded machine stretches both): how long after the link change each acted
  process.stdout.write(`link-delays: FAULT after ${fall.halo - fall.at} ms (halo) / ${fall.ka - fall.at} ms (keepalived); up after ${rise.halo - rise.at} / ${rise.ka - rise.at} ms\n`);

  // the same lines in the same order (keepalived's BACKUP at start says "(init)"; MASTER may come between)
  const seq = (d: RunningDirector) => lines(d).filter((l) => !/Entering (MASTER|BACKUP) STATE \(init\)|Entering MASTER STATE/.test(l));
  expect(seq(halo)).toEqual(seq(ka));
  expect(seq(halo)).toEqual([
    'VI_1: interface eth0 debounce timer(s) not less that 2 * advert_int - resetting',
    down,
    down,
    'Netlink reports eth0 down',
    '(VI_1) Entering FAULT STATE',
    'eth0: Adding flags change from 0x1003 to 0x11043 delay by 5988282',
    'Netlink reports eth0 up',
    '(VI_1) Entering BACKUP STATE',
  ]);
  await stage.dirs.stopAll();
});
