import { mkdtempSync, statSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { controlCall, startControlServer } from '../../src/daemon/control';

describe('control socket', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'halo-ctl-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is root-only: directory 0700, socket 0600', async () => {
    const path = join(dir, 'run', 'halo.sock');
    const server = await startControlServer(path, () => 'pong');
    try {
      expect(statSync(join(dir, 'run')).mode & 0o777).toBe(0o700);
      expect(statSync(path).mode & 0o777).toBe(0o600);
    } finally {
      await server.close();
    }
  });

  it('answers one JSON request with one JSON reply, bigints as strings', async () => {
    const path = join(dir, 'halo.sock');
    const server = await startControlServer(path, (req) => ({ echo: req.cmd, n: 5n }));
    try {
      expect(await controlCall(path, { cmd: 'status' })).toEqual({ ok: true, result: { echo: 'status', n: '5' } });
    } finally {
      await server.close();
    }
  });

  it('turns a handler error into an error reply, not a dropped connection', async () => {
    const path = join(dir, 'halo.sock');
    const server = await startControlServer(path, () => {
      throw new Error('boom');
    });
    try {
      expect(await controlCall(path, { cmd: 'status' })).toEqual({ ok: false, error: 'boom' });
    } finally {
      await server.close();
    }
  });

  it('says plainly when no daemon listens', async () => {
    const r = await controlCall(join(dir, 'absent.sock'), { cmd: 'status' });
    expect(r.ok).toBe(false);
    expect(r).toMatchObject({ noDaemon: true });
    expect((r as { error: string }).error).toMatch(/no halo daemon is running/);
  });

  it('replaces a stale socket left by a crashed daemon', async () => {
    const path = join(dir, 'halo.sock');
    // a daemon killed with SIGKILL leaves its socket file behind, with nobody listening
    const script = `require('net').createServer().listen(${JSON.stringify(path)}, () => process.stdout.write('up'))`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
    await new Promise((r) => child.stdout!.once('data', r));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(statSync(path).isSocket()).toBe(true);
    const server = await startControlServer(path, () => 2);
    try {
      expect(await controlCall(path, { cmd: 'x' })).toEqual({ ok: true, result: 2 });
    } finally {
      await server.close();
    }
  });
});
