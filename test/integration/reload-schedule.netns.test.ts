/**
 * Scheduled reloads (reload_time_file, reload_repeat) beside Debian's keepalived 2.2.7: the same
 * time written to each daemon's file gives the same log lines, a reload at that time, and the
 * file removed (one-shot) or kept and scheduled again for the next day (reload_repeat with a
 * time only); a time keepalived rejects is rejected with its words.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningDirector } from '../support/directors';
import { waitFor } from '../support/netns';
import { twoDirectorsOnABridge } from '../support/two-directors';
import { formatLocal } from '../../src/daemon/reload-schedule';

jest.setTimeout(120_000);

const stage = twoDirectorsOnABridge('rsched-', '192.168.83');

const conf = (file: string, repeat: boolean) => [
  'global_defs {',
  `    reload_time_file ${file}`,
  ...(repeat ? ['    reload_repeat'] : []),
  '}',
  'vrrp_instance VI_1 {',
  '    state BACKUP',
  '    interface eth0',
  '    virtual_router_id 61',
  '    priority 100',
  '    advert_int 1',
  '    virtual_ipaddress {',
  '        192.168.83.61/24',
  '    }',
  '}',
  '',
].join('\n');

const RELOADED = { halo: 'Reload finished', keepalived: 'Reload finished' };
const started = (d: RunningDirector) => /Entering (BACKUP|MASTER) STATE/.test(d.log());
const count = (text: string, s: string) => text.split(s).length - 1;

async function pair(name: string, repeat: boolean): Promise<{ halo: RunningDirector; ka: RunningDirector; files: { halo: string; keepalived: string } }> {
  const files = { halo: join(stage.tmp, `${name}-halo.time`), keepalived: join(stage.tmp, `${name}-keepalived.time`) };
  const halo = stage.dirs.halo('lb1', conf(files.halo, repeat));
  const ka = stage.dirs.keepalived('lb2', conf(files.keepalived, repeat));
  expect(await waitFor(() => started(halo) && started(ka), 30_000)).toBe(true);
  return { halo, ka, files };
}

const two = (n: number) => String(n).padStart(2, '0');
const hms = (d: Date) => `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;

test('a dated reload time: scheduled, reloaded at that time, the file removed; a bad time refused with keepalived\'s words', async () => {
  const { halo, ka, files } = await pair('dated', false);
  for (const f of Object.values(files)) writeFileSync(f, '25:00:00\n');
  const bad = ['Reload date/time 25:00:00 invalid - ignoring', "Invalid reload time '25:00:00' specified - ignoring"];
  expect(await waitFor(() => bad.every((l) => halo.log().includes(l) && ka.log().includes(l)), 30_000)).toBe(true);
  const at = new Date(Math.ceil(Date.now() / 1000) * 1000 + 6000);
  const text = `${formatLocal(at.getTime())}\n`;
  for (const f of Object.values(files)) writeFileSync(f, text);
  const line = `Scheduling reload for ${formatLocal(at.getTime())}`;
  expect(await waitFor(() => halo.log().includes(line) && ka.log().includes(line), 30_000)).toBe(true);
  expect(await waitFor(() => halo.log().includes(RELOADED.halo) && ka.log().includes('Reloading'), 30_000)).toBe(true);
  expect(Date.now()).toBeGreaterThanOrEqual(at.getTime()); // not before its time
  expect(await waitFor(() => !existsSync(files.halo) && !existsSync(files.keepalived), 10_000)).toBe(true);
  await stage.dirs.stopAll();
});

test('reload_repeat with a time only: reloaded, the file kept, the same time scheduled for the next day', async () => {
  // a time 6 s ahead must still be today
  await waitFor(() => new Date(Date.now() + 15_000).getDate() === new Date().getDate(), 30_000);
  const { halo, ka, files } = await pair('repeat', true);
  const at = new Date(Math.ceil(Date.now() / 1000) * 1000 + 6000);
  for (const f of Object.values(files)) writeFileSync(f, `${hms(at)}\n`);
  const first = `Scheduling reload for ${formatLocal(at.getTime())}`;
  expect(await waitFor(() => halo.log().includes(first) && ka.log().includes(first), 30_000)).toBe(true);
  const tomorrow = new Date(at.getFullYear(), at.getMonth(), at.getDate() + 1, at.getHours(), at.getMinutes(), at.getSeconds());
  const next = `Scheduling reload for ${formatLocal(tomorrow.getTime())}`;
  // keepalived's own reload timer can fire in the second before its time (seen twice in CI:
  // 'Reloading ...' at 04:33:34 for 04:33:35); it then reads the time as still ahead today,
  // schedules it again for today, and its next-day line never comes. That run holds halo to
  // keepalived's documented rule (the next day) alone, and says so.
  const kaEarly = (): boolean => {
    const t = /(\d\d:\d\d:\d\d) \d{4}: Reloading \.\.\./.exec(ka.log())?.[1];
    return t !== undefined && t < hms(at);
  };
  const rescheduled = await waitFor(() => halo.log().includes(next) && (ka.log().includes(next) || kaEarly()), 30_000);
  if (!rescheduled) console.log(`expected '${next}' in both logs\n--- halo\n${halo.log()}\n--- keepalived\n${ka.log()}`);
  expect(rescheduled).toBe(true);
  if (!ka.log().includes(next)) console.log(`keepalived reloaded before ${hms(at)} and scheduled it today again (its timer fired early): halo judged alone`);
  expect(count(halo.log(), RELOADED.halo)).toBe(1);
  expect(existsSync(files.halo) && existsSync(files.keepalived)).toBe(true);
  await stage.dirs.stopAll();
});
