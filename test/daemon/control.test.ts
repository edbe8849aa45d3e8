import { chmodSync, mkdirSync, mkdtempSync, statSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { controlCall, startControlServer, unsafeSocketDir } from '../../src/daemon/control';

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

  it('never changes the mode of a directory it did not create: a sticky world-writable dir (like /tmp) stays 1777', async () => {
    const shared = join(dir, 'tmp');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    const path = join(shared, 'halo.sock');
    const server = await startControlServer(path, () => 1);
    try {
      expect(statSync(shared).mode & 0o7777).toBe(0o1777);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(await controlCall(path, { cmd: 'x' })).toEqual({ ok: true, result: 1 });
    } finally {
      await server.close();
    }
    expect(statSync(shared).mode & 0o7777).toBe(0o1777);
  });

  it('an existing 0755 directory keeps its mode', async () => {
    const run = join(dir, 'run');
    mkdirSync(run);
    chmodSync(run, 0o755);
    const server = await startControlServer(join(run, 'halo.sock'), () => 1);
    await server.close();
    expect(statSync(run).mode & 0o777).toBe(0o755);
  });

  it('refuses a directory others can write to without the sticky bit, and leaves it alone', async () => {
    const open = join(dir, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    await expect(startControlServer(join(open, 'halo.sock'), () => 1)).rejects.toThrow(
      `refusing control socket ${join(open, 'halo.sock')}: ${open} is writable by group or others and not sticky`,
    );
    expect(statSync(open).mode & 0o7777).toBe(0o777);
    expect(existsSync(join(open, 'halo.sock'))).toBe(false);
  });

  it('refuses a directory owned by another user', () => {
    const st = { uid: 1000, mode: 0o40755, isDirectory: () => true };
    expect(unsafeSocketDir('/home/u', st, 0)).toBe('/home/u is owned by uid 1000');
    expect(unsafeSocketDir('/run', { ...st, uid: 0 }, 0)).toBeNull();
  });

  it('never unlinks a socket another live daemon listens on: refused, and the other keeps answering', async () => {
    const path = join(dir, 'halo.sock');
    const other = createServer((c) => (c.on('error', () => undefined), c.end('other\n')));
    await new Promise<void>((r) => other.listen(path, () => r()));
    try {
      await expect(startControlServer(path, () => 1)).rejects.toThrow(`refusing control socket ${path}: another daemon is listening on it`);
      expect(statSync(path).isSocket()).toBe(true);
      const reply = await new Promise<string>((resolve) => {
        const c = require('node:net').createConnection(path);
        let b = '';
        c.on('data', (d: Buffer) => (b += d.toString()));
        c.on('end', () => resolve(b));
      });
      expect(reply).toBe('other\n');
    } finally {
      await new Promise((r) => other.close(r));
    }
  });

  it('refuses a path that is not a socket, and does not remove it', async () => {
    const path = join(dir, 'halo.sock');
    writeFileSync(path, 'precious');
    await expect(startControlServer(path, () => 1)).rejects.toThrow(`refusing control socket ${path}: it exists and is not a socket`);
    expect(readFileSync(path, 'utf8')).toBe('precious');
  });

  it('on close removes only its own socket, not one that replaced it', async () => {
    const path = join(dir, 'halo.sock');
    const server = await startControlServer(path, () => 1);
    rmSync(path);
    const other = createServer();
    await new Promise<void>((r) => other.listen(path, () => r()));
    try {
      await server.close();
      expect(statSync(path).isSocket()).toBe(true);
    } finally {
      await new Promise((r) => other.close(r));
    }
  });
});
