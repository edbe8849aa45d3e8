/**
 * `halo run`'s first worker (src/daemon/run-start.ts prepareRun) tells the supervisor the pid
 * file's path before it writes the file, so a stop between the pid file and "run" cannot leave
 * it behind (native/src/supervisor.c removes it: test/daemon/supervisor.test.ts).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWorkerMessage } from '../../src/daemon/held';
import { prepareRun } from '../../src/daemon/run-start';

describe('prepareRun and the pid file', () => {
  let dir: string;
  let umask: number;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'halo-runstart-'));
    umask = process.umask();
  });
  afterEach(() => {
    process.umask(umask);
    rmSync(dir, { recursive: true, force: true });
  });

  it('the path goes to the supervisor first, then the file is written naming it', async () => {
    const conf = join(dir, 'keepalived.conf');
    writeFileSync(conf, 'vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n');
    const pidFile = join(dir, 'run', 'halo.pid');
    const seen: Array<{ path: string; existed: boolean }> = [];
    const r = await prepareRun(['-f', conf, '--pid-file', pidFile], 4242, async (path) => {
      seen.push({ path, existed: existsSync(path) });
    });
    expect(seen).toEqual([{ path: pidFile, existed: false }]);
    expect(r.kind).toBe('run');
    expect(readFileSync(pidFile, 'utf8')).toBe('4242\n');
  });

  it('an option error ends before the pid file: the supervisor is told nothing', async () => {
    const told: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      expect(await prepareRun(['--no-such-option'], 4242, async (p) => void told.push(p))).toEqual({ kind: 'exit', code: 2 });
    } finally {
      process.stderr.write = write;
    }
    expect(told).toEqual([]);
  });

  it('the message the supervisor reads: pidfile and the path in hex', () => {
    expect(encodeWorkerMessage({ type: 'pidFile', path: '/run/halo/a b.pid' })).toBe(`pidfile ${Buffer.from('/run/halo/a b.pid').toString('hex')}`);
  });
});
