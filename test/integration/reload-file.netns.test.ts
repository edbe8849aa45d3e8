/**
 * reload_file beside Debian's keepalived 2.2.7: a leftover file is removed at start; at a SIGHUP
 * the file is made empty (mode 0644) while the config is read and removed once it is read, so an
 * updater can wait for it; a file that cannot be made is logged with keepalived's words.
 *
 * halo always checks a new config before applying it (its reload_check_config is "no effect"):
 * keepalived is run with reload_check_config, the mode in which it reads a reload the same way
 * (main.c start_validate_reload_conf_child: create_reload_file before the check, removed after).
 * The file's life is watched with inotify on the directory, and the sequences compared.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningDirector } from '../support/directors';
import { waitFor } from '../support/netns';
import { twoDirectorsOnABridge } from '../support/two-directors';
import { haloNative } from '../../src/net/native';
import { globalDefs, loneBackupInstance } from '../support/config-text';

jest.setTimeout(120_000);

const stage = twoDirectorsOnABridge('rfile-', '192.168.84');

const conf = (reloadFile: string, vrid: number, keepalived: boolean) => [
  ...globalDefs([`reload_file ${reloadFile}`, ...(keepalived ? ['reload_check_config'] : [])]),
  ...loneBackupInstance({ vrid, net: '192.168.84' }),
  '',
].join('\n');

const started = (d: RunningDirector) => /Entering (BACKUP|MASTER) STATE/.test(d.log());
const reloaded = (d: RunningDirector, n: number) => d.log().split(d.kind === 'halo' ? 'Reload finished' : 'Reloading').length - 1 >= n;

// <sys/inotify.h>
const IN_MODIFY = 0x2, IN_CLOSE_WRITE = 0x8, IN_CREATE = 0x100, IN_DELETE = 0x200;
const NAMES: [number, string][] = [[IN_CREATE, 'create'], [IN_MODIFY, 'modify'], [IN_CLOSE_WRITE, 'close_write'], [IN_DELETE, 'delete']];

/** What happens to each file of `dir`, in order (create / modify / close_write / delete). */
function watch(dir: string): { events: Map<string, string[]>; close(): void } {
  const events = new Map<string, string[]>();
  const w = new (haloNative().InotifyWatch)((_wd, mask, name) => {
    for (const [bit, what] of NAMES) if (mask & bit) events.set(name, [...(events.get(name) ?? []), what]);
  });
  w.add(dir, IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_DELETE);
  return { events, close: () => w.close() };
}

test('a leftover is removed at start; at each reload the file is made empty while the config is read, then removed, as keepalived does', async () => {
  const dir = join(stage.tmp, 'rf');
  mkdirSync(dir, { mode: 0o755 });
  const files = { halo: join(dir, 'halo.reload'), keepalived: join(dir, 'keepalived.reload') };
  for (const f of Object.values(files)) writeFileSync(f, 'leftover\n');
  const halo = stage.dirs.halo('lb1', conf(files.halo, 71, false));
  const ka = stage.dirs.keepalived('lb2', conf(files.keepalived, 72, true));
  expect(await waitFor(() => started(halo) && started(ka), 30_000)).toBe(true);
  expect([existsSync(files.halo), existsSync(files.keepalived)]).toEqual([false, false]);

  // an updater touches the file (non-empty: it sees the reading start when it becomes empty)
  for (const f of Object.values(files)) writeFileSync(f, 'pending\n');
  let w = watch(dir);
  for (const d of [halo, ka]) process.kill(d.proc.pid!, 'SIGHUP');
  expect(await waitFor(() => reloaded(halo, 1) && reloaded(ka, 1) && !existsSync(files.halo) && !existsSync(files.keepalived), 30_000)).toBe(true);
  // both remove the file once the reading is over
  expect(await waitFor(() => (w.events.get('halo.reload') ?? []).includes('delete') && (w.events.get('keepalived.reload') ?? []).includes('delete'), 10_000)).toBe(true);
  w.close();
  const touched = { halo: w.events.get('halo.reload'), keepalived: w.events.get('keepalived.reload') };
  expect(touched.halo).toEqual(touched.keepalived);
  expect(touched.halo).toEqual(['modify', 'close_write', 'delete']);

  // no file before the SIGHUP: made, then removed (its mode: test/daemon/reload-file.test.ts)
  w = watch(dir);
  for (const d of [halo, ka]) process.kill(d.proc.pid!, 'SIGHUP');
  expect(await waitFor(() => reloaded(halo, 2) && reloaded(ka, 2), 30_000)).toBe(true);
  expect(await waitFor(() => (w.events.get('halo.reload') ?? []).includes('delete') && (w.events.get('keepalived.reload') ?? []).includes('delete'), 10_000)).toBe(true);
  w.close();
  expect(w.events.get('halo.reload')).toEqual(w.events.get('keepalived.reload'));
  expect(w.events.get('halo.reload')).toEqual(['create', 'close_write', 'delete']);
  expect(halo.log()).not.toContain('Failed to create reload file');
  await stage.dirs.stopAll();
});

test('a reload file that cannot be made: keepalived\'s line, and the reload goes on', async () => {
  const files = { halo: join(stage.tmp, 'missing-dir', 'halo.reload'), keepalived: join(stage.tmp, 'missing-dir', 'keepalived.reload') };
  const halo = stage.dirs.halo('lb1', conf(files.halo, 73, false));
  const ka = stage.dirs.keepalived('lb2', conf(files.keepalived, 74, true));
  expect(await waitFor(() => started(halo) && started(ka), 30_000)).toBe(true);
  for (const d of [halo, ka]) process.kill(d.proc.pid!, 'SIGHUP');
  const line = (f: string) => `Failed to create reload file (${f}) 2 - No such file or directory`;
  expect(await waitFor(() => halo.log().includes(line(files.halo)) && ka.log().includes(line(files.keepalived)), 30_000)).toBe(true);
  expect(await waitFor(() => reloaded(halo, 1) && reloaded(ka, 1), 30_000)).toBe(true);
  await stage.dirs.stopAll();
});
