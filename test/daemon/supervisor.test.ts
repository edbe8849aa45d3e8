/**
 * The supervisor (native/src/supervisor.c, keepalived's parent/child shape) with real, scripted
 * worker processes: it reads what the worker holds over the Node IPC channel (the messages
 * src/daemon/held.ts encodes), releases it when the worker dies abnormally, respawns under its
 * rate limit, replays the dead worker's undo records, forwards SIGHUP, stops gracefully and never respawns a worker refusing its config.
 *
 * The held instance's interface does not exist here, so the release's I/O fails by name and
 * nothing on this host is touched (the release on real interfaces: vrrp-halo.netns.test.ts).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWorkerMessage, EX_CONFIG } from '../../src/daemon/held';
import { delLinkMessage, NETLINK_ROUTE } from '../../src/net/undo-requests';
import { describeNeeding, file } from '../support/prerequisites';
import { waitFor } from '../../src/lab/netns';

// every test waits for real processes (node workers) to start: bounded by `until`, not by jest's 5 s
jest.setTimeout(60_000);

const SUPERVISOR = join(__dirname, '..', '..', 'native', 'build', 'Release', 'halo_supervisor');

const held = encodeWorkerMessage({
  type: 'held',
  held: {
    instance: 'VI_1', interface: 'hsupnone0',
    packets: [{ dst: '224.0.0.18', hex: `45c00028${'00'.repeat(36)}` }],
    vips: [{ address: '192.168.77.200', family: 4, prefixLen: 24, broadcast: null, dev: 'hsupnone0', scope: 0, label: null }],
  },
});

/** A worker with a scripted life: report MASTER, then behave as `mode` says. */
function workerScript(dir: string): string {
  const p = join(dir, 'worker.js');
  writeFileSync(p, `
    const fs = require('fs');
    const [mode, counter, held, ...more] = process.argv.slice(2);
    const n = fs.existsSync(counter) ? Number(fs.readFileSync(counter, 'utf8')) + 1 : 1;
    fs.writeFileSync(counter, String(n));
    if (mode === 'die') process.exit(3);
    if (mode === 'config') { process.stderr.write('bad.conf:1:1: error: nope\\n'); process.exit(${EX_CONFIG}); }
    // the handler is in place before the report: the supervisor may stop us as soon as it reads it
    process.on('SIGTERM', () => { process.send(${JSON.stringify(encodeWorkerMessage({ type: 'released', instance: 'VI_1' }))}, () => process.exit(0)); });
    process.on('SIGHUP', () => fs.writeFileSync(counter + '.hup', 'x'));
    process.on('disconnect', () => { fs.writeFileSync(counter + '.orphan', 'x'); process.exit(0); });
    process.send(held);
    for (const m of more) process.send(m);
    process.send('ready', () => fs.writeFileSync(counter + '.ready' + n, 'x'));
    if (mode === 'crash' && n === 1) setTimeout(() => process.kill(process.pid, 'SIGKILL'), 50);
    setInterval(() => {}, 1000);
  `);
  return p;
}

/** Wait for `pred` (bounded): fails the test when it stays false. */
async function until(pred: () => boolean, ms = 30_000): Promise<void> {
  if (!(await waitFor(pred, ms, 10))) throw new Error(`timed out after ${ms} ms`);
}

interface Run {
  p: ChildProcess;
  out: () => string;
  code: Promise<number | null>;
}

function supervise(dir: string, mode: string, extra: string[] = [], messages: string[] = []): Run {
  let out = '';
  const p = spawn(SUPERVISOR, [...extra, '--', process.execPath, workerScript(dir), mode, join(dir, 'n'), held, ...messages], { stdio: ['ignore', 'pipe', 'pipe'] });
  p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const code = new Promise<number | null>((r) => p.once('exit', (c) => r(c)));
  return { p, out: () => out, code };
}

const count = (dir: string) => (existsSync(join(dir, 'n')) ? Number(readFileSync(join(dir, 'n'), 'utf8')) : 0);

describeNeeding(file(SUPERVISOR, 'the supervisor program (npm run install builds native/)'))('supervisor (keepalived parent/child shape)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'halo-sup-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('on kill -9 of the worker releases what it held as MASTER, then respawns it; a graceful stop releases nothing', async () => {
    const s = supervise(dir, 'crash');
    await until(() => existsSync(join(dir, 'n.ready2')));
    const log = s.out();
    expect(log).toMatch(/: worker \(pid \d+\) killed by SIGKILL\n/);
    // the release was attempted with what the worker sent: its interface, by name
    expect(log).toContain('(VI_1) cannot send priority 0: interface hsupnone0: No such device');
    expect(log).toMatch(/released VI_1 for the dead worker: priority 0 advert sent, VIPs removed \(\d+\.\d ms\)\n/);
    expect(log).toMatch(/respawning the worker in 100 ms\n/);
    s.p.kill('SIGTERM');
    expect(await s.code).toBe(0);
    expect(s.out().match(/released VI_1/g)).toHaveLength(1);
    expect(s.out()).toMatch(/halo exiting with status 0\n$/);
  });

  it('on kill -9 of the worker replays its undo records newest first, skips the forgotten ones, then respawns it', async () => {
    // RTM_DELLINK of interface indexes no host has: the kernel answers ENODEV ("already gone")
    // (or EPERM when not root): nothing on this host is touched either way
    const undo = (key: string, ifindex: number) => encodeWorkerMessage({ type: 'undo', key, entry: { kind: 'netlink', protocol: NETLINK_ROUTE, datagram: delLinkMessage(ifindex) } });
    const messages = [undo('VMAC one', 0x7ffffff1), undo('VMAC two', 0x7ffffff2), undo('VMAC three', 0x7ffffff3),
      encodeWorkerMessage({ type: 'undone', key: 'VMAC two' }), 'undo 00 nl 0 zz'];
    const s = supervise(dir, 'crash', [], messages);
    await until(() => existsSync(join(dir, 'n.ready2')));
    const log = s.out();
    expect(log).toContain('supervisor: malformed message from the worker ignored');
    const keys = [...log.matchAll(/(?:removed|removing) (VMAC \w+) for the dead worker/g)].map((m) => m[1]);
    // each worker sends them: only the first one died (the second is stopped below)
    expect(keys).toEqual(['VMAC three', 'VMAC one']);
    expect(log).toMatch(/undid 2 changes of the dead worker \(\d failed\) \(\d+\.\d ms\)\n/);
    // the release comes first (adverts and VIPs), then the undo, then the respawn
    expect(log.indexOf('released VI_1')).toBeLessThan(log.indexOf('undid 2 changes'));
    expect(log.indexOf('undid 2 changes')).toBeLessThan(log.indexOf('respawning the worker'));
    s.p.kill('SIGTERM');
    expect(await s.code).toBe(0);
    expect(s.out().match(/undid/g)).toHaveLength(1);
  });

  it('graceful stop: SIGTERM reaches the worker, which exits 0; the supervisor removes its pid file and exits 0', async () => {
    const pidFile = join(dir, 'halo.pid');
    const s = supervise(dir, 'stay', ['--pid-file', pidFile]);
    writeFileSync(pidFile, `${s.p.pid}\n`);
    await until(() => existsSync(join(dir, 'n.ready1')));
    s.p.kill('SIGHUP');
    await until(() => existsSync(join(dir, 'n.hup')));
    s.p.kill('SIGTERM');
    expect(await s.code).toBe(0);
    expect(existsSync(pidFile)).toBe(false);
    expect(s.out()).not.toContain('released');
  });

  it('the worker learns of the supervisor\'s death (its IPC channel closes)', async () => {
    const s = supervise(dir, 'stay');
    await until(() => existsSync(join(dir, 'n.ready1')));
    s.p.kill('SIGKILL');
    await s.code;
    await until(() => existsSync(join(dir, 'n.orphan')));
    expect(count(dir)).toBe(1);
  });

  it('gives up and exits 1 when the worker keeps dying: 100 ms doubling, a 6th death within 60 s', async () => {
    const s = supervise(dir, 'die', ['--log-format', 'json']);
    expect(await s.code).toBe(1);
    expect(count(dir)).toBe(6);
    const lines = s.out().trim().split('\n').map((l) => JSON.parse(l) as { level: string; message: string; timestamp: string });
    expect(lines.filter((l) => l.message.startsWith('respawning')).map((l) => l.message)).toEqual(
      [100, 200, 400, 800, 1600].map((ms) => `respawning the worker in ${ms} ms`),
    );
    expect(lines).toContainEqual(expect.objectContaining({ level: 'error', message: 'not respawning the worker: worker died 6 times within 60 s' }));
    expect(lines[0].timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('a worker refusing its config (EX_CONFIG) is not respawned: exit 1, its errors as they were', async () => {
    const s = supervise(dir, 'config');
    expect(await s.code).toBe(1);
    expect(count(dir)).toBe(1);
    expect(s.out()).toMatch(/^bad\.conf:1:1: error: nope\n.*halo exiting with status 1\n$/);
  });

  it('with --config its first line is "Starting halo (config F)", in the log format (halo run logs nothing itself)', async () => {
    const s = supervise(dir, 'config', ['--log-format', 'journald', '--log-level', 'info', '--tag', 'halo[7]', '--config', '/etc/k a.conf']);
    expect(await s.code).toBe(1);
    expect(s.out()).toMatch(/^<6>halo\[7\]: Starting halo \(config \/etc\/k a\.conf\)\nbad\.conf:1:1: error: nope\n/);
  });

  describe('--run: `halo run` itself, its first worker reading the command line', () => {
    /** A first worker (argv: --halo-run, then `halo run`'s) scripted by its first argument; a respawned one records its argument. */
    function runWorker(): string {
      const p = join(dir, 'first.js');
      writeFileSync(p, `
        const fs = require('fs');
        const args = process.argv.slice(2);
        const note = (name, text) => fs.writeFileSync(${JSON.stringify(dir)} + '/' + name, text);
        if (args[0] !== '--halo-run') {
          note('respawned', args.join(' '));
          process.on('SIGTERM', () => process.exit(0));
          setInterval(() => {}, 1000);
        } else if (args[1] === 'usage') {
          process.stderr.write('halo run: unknown option\\n');
          process.exit(2);
        } else if (args[1] === 'took') {
          // the window of \`halo run\`: "pidfile" sent, the pid file written naming the supervisor, no "run" yet;
          // then: wait (SIGTERM's default kills it), crash, or send MESSAGE on SIGTERM and exit 0
          const [, , pidfileMessage, pidFile, then, message] = args;
          if (then === 'answer') process.on('SIGTERM', () => process.send(message, () => process.exit(0)));
          if (then === 'sent') process.on('SIGTERM', () => process.exit(0));
          process.on('message', (m) => note('answer', String(m)));
          process.send(pidfileMessage, () => {
            fs.writeFileSync(pidFile, process.ppid + '\\n');
            if (then === 'crash') process.exit(70);
            const took = () => { note('took', 'x'); setInterval(() => {}, 1000); };
            if (then === 'sent') process.send(message, took);
            else took();
          });
        } else if (args[1].startsWith('exec ')) {
          process.send(args[1], () => process.exit(0));
        } else {
          process.on('message', (m) => { note('answer', String(m)); process.exit(3); });
          process.send(args[1]);
        }
      `);
      return p;
    }
    const start = (pidFile: string) => encodeWorkerMessage({
      type: 'run',
      start: { pidFile, logFormat: 'journald', logLevel: 'info', tag: 'halo[9]', configFile: '/etc/k a.conf', options: '{"configFile":"/etc/k a.conf"}', removeDirs: [join(dir, 'gone')] },
    });
    const runSupervisor = (...args: string[]): Run => {
      let out = '';
      const p = spawn(SUPERVISOR, ['--run', '--', process.execPath, runWorker(), '--halo-run', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      p.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      return { p, out: () => out, code: new Promise((r) => p.once('exit', (c) => r(c))) };
    };

    it('a first worker ending before it starts (an option error, --help, -t): its status, nothing logged', async () => {
      const s = runSupervisor('usage');
      expect(await s.code).toBe(2);
      expect(s.out()).toBe('halo run: unknown option\n');
    });

    it('"run": the start options taken, "Starting halo" logged, then "go"; a respawned worker gets the options JSON', async () => {
      const pidFile = join(dir, 'halo.pid');
      const s = runSupervisor(start(pidFile));
      writeFileSync(pidFile, `${s.p.pid}\n`);
      await until(() => existsSync(join(dir, 'respawned')));
      expect(readFileSync(join(dir, 'answer'), 'utf8')).toBe('go');
      expect(readFileSync(join(dir, 'respawned'), 'utf8')).toBe('{"configFile":"/etc/k a.conf"}');
      expect(s.out()).toMatch(/^<6>halo\[9\]: Starting halo \(config \/etc\/k a\.conf\)\n<3>halo\[9\]: worker \(pid \d+\) exited with status 3\n/);
      s.p.kill('SIGTERM');
      expect(await s.code).toBe(0);
      expect(existsSync(pidFile)).toBe(false);
      expect(s.out()).toMatch(/halo exiting with status 0\n$/);
    });

    describe('stopped or dead between the pid file and "run": the pid file does not stay behind', () => {
      const took = (pidFile: string, then: string, message = '') => runSupervisor('took', encodeWorkerMessage({ type: 'pidFile', path: pidFile }), pidFile, then, message);
      const execMessage = (pidFile: string) => encodeWorkerMessage({ type: 'exec', argv: [process.execPath, '-e', 'process.exit(9)', '--pid-file', pidFile] });

      it('SIGTERM: the first worker stopped, the pid file removed, exit 0, nothing logged', async () => {
        const pidFile = join(dir, 'halo.pid');
        const s = took(pidFile, 'wait');
        await until(() => existsSync(join(dir, 'took')));
        expect(readFileSync(pidFile, 'utf8')).toBe(`${s.p.pid}\n`);
        s.p.kill('SIGTERM');
        expect(await s.code).toBe(0);
        expect(existsSync(pidFile)).toBe(false);
        expect(s.out()).toBe('');
      });

      it('the first worker dies: its status, the pid file removed', async () => {
        const pidFile = join(dir, 'halo.pid');
        const s = took(pidFile, 'crash');
        expect(await s.code).toBe(70);
        expect(existsSync(pidFile)).toBe(false);
      });

      it('a "run" read after the SIGTERM is not acted on: no "Starting halo", no "go", no respawn', async () => {
        const pidFile = join(dir, 'halo.pid');
        const s = took(pidFile, 'answer', start(pidFile));
        await until(() => existsSync(join(dir, 'took')));
        s.p.kill('SIGTERM');
        expect(await s.code).toBe(0);
        expect(existsSync(pidFile)).toBe(false);
        expect(s.out()).toBe('');
        expect(existsSync(join(dir, 'answer'))).toBe(false);
        expect(existsSync(join(dir, 'respawned'))).toBe(false);
      });

      it.each([
        ['sent before', 'sent'],
        ['sent after', 'answer'],
      ])('an "exec" %s the SIGTERM, the first worker then exiting 0: nothing is exec\'d', async (_when, then) => {
        const pidFile = join(dir, 'halo.pid');
        const s = took(pidFile, then, execMessage(pidFile));
        await until(() => existsSync(join(dir, 'took')));
        s.p.kill('SIGTERM');
        // the exec'd command would exit 9
        expect(await s.code).toBe(0);
        expect(existsSync(pidFile)).toBe(false);
        expect(s.out()).toBe('');
      });

      it('a pid file naming another process is left alone', async () => {
        const pidFile = join(dir, 'halo.pid');
        const s = took(pidFile, 'wait');
        await until(() => existsSync(join(dir, 'took')));
        writeFileSync(pidFile, '1\n');
        s.p.kill('SIGTERM');
        expect(await s.code).toBe(0);
        expect(readFileSync(pidFile, 'utf8')).toBe('1\n');
      });
    });

    it('"exec" then a clean exit: the supervisor execs the command it was given, keeping its pid', async () => {
      const execd = join(dir, 'execd');
      const s = runSupervisor(encodeWorkerMessage({ type: 'exec', argv: [process.execPath, '-e', "require('fs').writeFileSync(process.argv[1], String(process.pid))", execd] }));
      expect(await s.code).toBe(0);
      expect(readFileSync(execd, 'utf8')).toBe(String(s.p.pid));
      expect(s.out()).toBe('');
    });
  });
});
