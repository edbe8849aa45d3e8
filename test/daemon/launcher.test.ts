/**
 * bin/halo (the `halo` command; the Debian package's /usr/sbin/halo is its installed twin):
 * `halo run` execs the C supervisor, whose first worker reads the command line
 * (src/daemon/run-start.ts), with no Node process before it. What `halo run` prints and its
 * exit status are those of `node dist/cli/main.js run` (src/cli/run.ts, the same supervisor
 * path started from Node), and both start the worker with the same command line.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RUN_ARGS_MARK, WORKER_V8_FLAGS } from '../../src/daemon/run-start';
import { describeNeeding, file } from '../support/prerequisites';

jest.setTimeout(60_000);

const ROOT = join(__dirname, '..', '..');
const LAUNCHER = join(ROOT, 'bin', 'halo');
const SUPERVISOR = join(ROOT, 'native', 'build', 'Release', 'halo_supervisor');

const run = (cmd: string[]) => {
  const r = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

describeNeeding(file(SUPERVISOR, 'the supervisor program (npm run install builds native/)'))('the halo launcher', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'halo-launch-'));
    writeFileSync(join(dir, 'ok.conf'), 'vrrp_instance VI_1 {\n  interface lo\n  virtual_router_id 51\n  priority 100\n  virtual_ipaddress {\n    192.0.2.1/32\n  }\n}\n');
    writeFileSync(join(dir, 'bad.conf'), 'vrrp_instance VI_1 {\n  priority 999\n}\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    [['--version']], [['--help']], [['--bogus']], [['-f']], [['--signum=RELOAD']], [['-P', '-C']], [['-X']],
    [['-t', '-f', 'OK']], [['-t', '-f', 'BAD']],
  ])('halo run %j: the output and status of the Node CLI', (args) => {
    const a = args.map((x) => (x === 'OK' ? join(dir, 'ok.conf') : x === 'BAD' ? join(dir, 'bad.conf') : x));
    const viaNode = run([process.execPath, join(ROOT, 'dist', 'cli', 'main.js'), 'run', ...a]);
    const direct = run([LAUNCHER, 'run', ...a]);
    expect(direct).toEqual(viaNode);
    expect(`${direct.stdout}${direct.stderr}`).not.toBe('');
  });

  it('every other command goes to the Node CLI', () => {
    expect(run([LAUNCHER, 'check', '-f', join(dir, 'ok.conf')])).toEqual(run([process.execPath, join(ROOT, 'dist', 'cli', 'main.js'), 'check', '-f', join(dir, 'ok.conf')]));
    expect(run([LAUNCHER]).status).toBe(2);
  });

  it('starts halo check with CHECK_V8_FLAGS (src/cli/check.ts), in both launchers', () => {
    const { CHECK_V8_FLAGS } = require('../../src/cli/check') as typeof import('../../src/cli/check');
    expect(readFileSync(LAUNCHER, 'utf8')).toContain(`exec node ${CHECK_V8_FLAGS.join(' ')} "$root/dist/cli/main.js" "$@"`);
    expect(readFileSync(join(ROOT, 'deploy', 'debian', 'halo'), 'utf8')).toContain(`exec /usr/bin/node ${CHECK_V8_FLAGS.join(' ')} /usr/lib/halo/dist/cli/main.js "$@"`);
  });

  it("starts the worker as src/cli/run.ts does: the worker's V8 flags (its code cache is made with them) and the mark", () => {
    const worker = `${WORKER_V8_FLAGS.join(' ')} "$root/dist/daemon/worker-start.js" ${RUN_ARGS_MARK} "$@"`;
    expect(readFileSync(LAUNCHER, 'utf8')).toContain(worker);
    expect(readFileSync(join(ROOT, 'deploy', 'debian', 'halo'), 'utf8')).toContain(worker.replace('"$root', '/usr/lib/halo').replace('.js"', '.js'));
    const { supervisorCommand } = require('../../src/cli/run') as typeof import('../../src/cli/run');
    expect(supervisorCommand(['-f', 'x'], '/n', [])).toEqual([SUPERVISOR, '--run', '--', '/n', ...WORKER_V8_FLAGS, join(ROOT, 'src', 'daemon', 'worker-start.js'), RUN_ARGS_MARK, '-f', 'x']);
  });
});
