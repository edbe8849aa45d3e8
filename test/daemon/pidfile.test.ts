import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { acquirePidFile, releasePidFile } from '../../src/daemon/pidfile';

describe('pid file', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'halo-pid-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes our pid, creating the directory', () => {
    const path = join(dir, 'run', 'halo.pid');
    expect(acquirePidFile(path, 4242)).toEqual({ ok: true });
    expect(readFileSync(path, 'utf8')).toBe('4242\n');
  });

  it('takes over a stale pid file whose process is gone', () => {
    const path = join(dir, 'halo.pid');
    writeFileSync(path, '999999999\n');
    expect(acquirePidFile(path, 4242)).toEqual({ ok: true });
  });

  it('refuses when a live halo holds it', async () => {
    const path = join(dir, 'halo.pid');
    // a live process whose command line says halo
    const child = spawn(process.execPath, ['-e', 'setTimeout(()=>{},10000)', 'halo'], { stdio: 'ignore' });
    try {
      writeFileSync(path, `${child.pid}\n`);
      const r = acquirePidFile(path, 4242);
      expect(r.ok).toBe(false);
      expect((r as { message: string }).message).toBe(`another halo (pid ${child.pid}) is running with pid file ${path}`);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('release removes only our own pid file', () => {
    const path = join(dir, 'halo.pid');
    writeFileSync(path, '77\n');
    releasePidFile(path, 4242);
    expect(existsSync(path)).toBe(true);
    releasePidFile(path, 77);
    expect(existsSync(path)).toBe(false);
  });
});
