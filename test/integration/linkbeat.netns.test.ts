/**
 * linkbeat_interfaces and linkbeat_use_polling beside Debian's keepalived 2.2.7 (built with
 * linkbeat): each director's eth0 (a veth: no MII, ETHTOOL GLINK works) is polled once a second,
 * and loses its carrier when the veth's other end (in the bridge namespace) is set down.
 * Compared, in order: the set-up lines (an unused interface turned off, MII configured but
 * ETHTOOL used), "Linkbeat reports" (never "Netlink reports": netlink is not used for it),
 * and the state changes.
 */
import type { RunningDirector } from '../support/directors';
import { sh, waitFor } from '../support/netns';
import { twoDirectorsOnABridge } from '../support/two-directors';
import { loneBackupInstance } from '../support/config-text';

jest.setTimeout(180_000);

const stage = twoDirectorsOnABridge('lbeat-', '192.168.87');

const instance = (vrid: number, extra: string[] = []) => [...loneBackupInstance({ vrid, net: '192.168.87', body: extra }), ''];

const WATCHED = /[Ll]inkbeat|NIC polling|Netlink reports|Entering \w+ STATE/;
/** The lines this test is about, without the loggers' time stamps (both write `Www Mmm dd hh:mm:ss yyyy: `). */
const lines = (d: RunningDirector) =>
  d.log().split('\n').map((l) => /^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}: (.*)$/.exec(l)?.[1] ?? '').filter((l) => WATCHED.test(l) && !/deprecated/.test(l));
const count = (d: RunningDirector, s: string) => lines(d).filter((l) => l.includes(s)).length;
const carrier = (i: number, up: boolean) => sh(['ip', '-n', stage.topo.ns('br'), 'link', 'set', `v${i}0br0`, up ? 'up' : 'down']);

async function run(config: (vrid: number) => string, setup: string[]): Promise<void> {
  const halo = stage.dirs.halo('lb1', config(91));
  const ka = stage.dirs.keepalived('lb2', config(92));
  const both = (s: string, n = 1) => count(halo, s) >= n && count(ka, s) >= n;
  expect(await waitFor(() => both('Entering BACKUP STATE'), 30_000)).toBe(true);
  const fall = { at: Date.now(), halo: 0, ka: 0 };
  carrier(0, false);
  carrier(1, false);
  expect(await waitFor(() => {
    if (!fall.halo && count(halo, 'Entering FAULT STATE')) fall.halo = Date.now();
    if (!fall.ka && count(ka, 'Entering FAULT STATE')) fall.ka = Date.now();
    return fall.halo > 0 && fall.ka > 0;
  }, 30_000)).toBe(true);
  const rise = { at: Date.now(), halo: 0, ka: 0 };
  carrier(0, true);
  carrier(1, true);
  expect(await waitFor(() => {
    if (!rise.halo && count(halo, 'Linkbeat reports eth0 up')) rise.halo = Date.now();
    if (!rise.ka && count(ka, 'Linkbeat reports eth0 up')) rise.ka = Date.now();
    return rise.halo > 0 && rise.ka > 0 && both('Entering BACKUP STATE', 2);
  }, 30_000)).toBe(true);
  // for the record (polled once a second; a loaded machine stretches both)
  process.stdout.write(`linkbeat: FAULT after ${fall.halo - fall.at} ms (halo) / ${fall.ka - fall.at} ms (keepalived); up after ${rise.halo - rise.at} / ${rise.ka - rise.at} ms\n`);
  const seq = (d: RunningDirector) => lines(d).filter((l) => !/Entering (MASTER|BACKUP) STATE \(init\)|Entering MASTER STATE/.test(l));
  expect(seq(halo)).toEqual(seq(ka));
  expect(seq(halo)).toEqual([
    ...setup,
    'Linkbeat reports eth0 down',
    '(VI_1) Entering FAULT STATE',
    'Linkbeat reports eth0 up',
    '(VI_1) Entering BACKUP STATE',
  ]);
  await stage.dirs.stopAll();
}

test('linkbeat_interfaces: an interface no instance uses is turned off, MII asked for and ETHTOOL used; carrier loss and return read by polling', async () => {
  const config = (vrid: number) => ['linkbeat_interfaces {', '    lo', '    eth0 MII', '}', ...instance(vrid)].join('\n');
  await run(config, [
    'Turning off linkbeat for lo since not used for tracking',
    '(eth0): Configured linkbeat type MII not supported, using ETHTOOL',
    'Using MII-BMSR/ETHTOOL NIC polling thread(s)...',
  ]);
});

test('linkbeat_use_polling (root, and in the instance with its deprecation warning)', async () => {
  const config = (vrid: number) => (vrid === 91 ? ['linkbeat_use_polling', ...instance(vrid)] : instance(vrid, ['    linkbeat_use_polling'])).join('\n');
  await run(config, ['Using MII-BMSR/ETHTOOL NIC polling thread(s)...']);
});
