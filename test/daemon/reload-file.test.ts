/**
 * reload_file's name and its creation (src/daemon/reload-file.ts): keepalived's default name
 * under halo's pid directory, and a file made rw-r--r-- whatever the umask, truncated when it
 * exists, with keepalived's line when it cannot be made.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createReloadFile, reloadFilePath, removeReloadFile } from '../../src/daemon/reload-file';
import { model } from '../config/helpers';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'halo-rf-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('the file named, the default one (with instance), none when unset', () => {
  expect(reloadFilePath({ reloadFile: null, instanceName: null })).toBeNull();
  expect(reloadFilePath({ reloadFile: { file: '/x/y.reload' }, instanceName: 'a' })).toBe('/x/y.reload');
  expect(reloadFilePath({ reloadFile: { file: null }, instanceName: null })).toBe('/run/halo/halo.reload');
  expect(reloadFilePath({ reloadFile: { file: null }, instanceName: 'lb' })).toBe('/run/halo/halo_lb.reload');
});

test('made 0644 under umask 0177, an existing one truncated, then removed', () => {
  const f = join(dir, 'k.reload');
  const log = { info: jest.fn() };
  const old = process.umask(0o177);
  try {
    createReloadFile(f, log);
    expect(statSync(f).mode & 0o777).toBe(0o644);
    writeFileSync(f, 'pending\n');
    createReloadFile(f, log);
    expect(readFileSync(f, 'utf8')).toBe('');
    expect(process.umask()).toBe(0o177);
  } finally {
    process.umask(old);
  }
  expect(log.info).not.toHaveBeenCalled();
  removeReloadFile(f);
  expect(existsSync(f)).toBe(false);
  removeReloadFile(f); // already gone: nothing said
});

test("a file that cannot be made: keepalived's line", () => {
  const log = { info: jest.fn() };
  createReloadFile(join(dir, 'no', 'k.reload'), log);
  expect(log.info).toHaveBeenCalledWith(`Failed to create reload file (${join(dir, 'no', 'k.reload')}) 2 - No such file or directory`);
});

test('the keyword: a path, none (the default), the last one wins', () => {
  const inst = 'vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n';
  expect(model(inst).globalDefs.reloadFile).toBeNull();
  expect(model(`global_defs {\n reload_file /run/x.reload\n}\n${inst}`).globalDefs.reloadFile).toEqual({ file: '/run/x.reload' });
  expect(model(`global_defs {\n reload_file /run/x.reload\n reload_file\n}\n${inst}`).globalDefs.reloadFile).toEqual({ file: null });
});
