import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotifyRunner, scriptInsecurity } from '../../src/daemon/notify';
import { ScriptRunner } from '../../src/daemon/script-runner';
import { script as vrrpScriptOf } from '../vrrp/harness';
import { describeNeeding, root } from '../support/prerequisites';

const vrrpScript = (argv: string[]) => vrrpScriptOf('chk', { script: argv, intervalMs: 60_000 });

const quiet = { warning: jest.fn(), info: jest.fn(), debug: jest.fn() };

async function until(pred: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('notify scripts (keepalived notify semantics)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'halo-notify-'));
    chmodSync(dir, 0o755);
    quiet.warning.mockClear();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function script(name: string, mode = 0o755): string {
    const p = join(dir, name);
    writeFileSync(p, `#!/bin/sh\necho "$@" > ${dir}/${name}.out\n`);
    chmodSync(p, mode);
    return p;
  }

  it('runs `notify` with INSTANCE NAME STATE PRIORITY appended, without a shell', async () => {
    const s = script('n.sh');
    const r = new NotifyRunner({ enableScriptSecurity: true, log: quiet });
    r.notify([s, 'lb1', '$HOME;rm'], { kind: 'INSTANCE', name: 'VI_1', state: 'MASTER', priority: 150 });
    await until(() => existsSync(`${s}.out`) && r.inFlight === 0);
    // "$HOME;rm" arrives as one literal word: no shell expanded or split it
    expect(readFileSync(`${s}.out`, 'utf8')).toBe('lb1 $HOME;rm INSTANCE VI_1 MASTER 150\n');
  });

  it('with enable_script_security refuses a group/other-writable script and says why, once', () => {
    const s = script('w.sh', 0o777);
    const r = new NotifyRunner({ enableScriptSecurity: true, log: quiet });
    r.run([s]);
    r.run([s]);
    expect(r.inFlight).toBe(0);
    expect(quiet.warning).toHaveBeenCalledTimes(1);
    expect(quiet.warning.mock.calls[0][0]).toBe(`SECURITY VIOLATION - script ${s}: ${s} is writable by group or others; not running it`);
  });

  it('checks every directory above the script, allowing sticky /tmp-like parents', () => {
    const st = (modes: Record<string, number>) => (p: string) => ({ uid: 0, mode: modes[p] ?? 0o755 });
    expect(scriptInsecurity('/a/b/s.sh', st({ '/a': 0o777 }))).toBe('script /a/b/s.sh: /a is writable by group or others');
    expect(scriptInsecurity('/a/b/s.sh', st({ '/a': 0o1777 }))).toBeNull();
    expect(scriptInsecurity('/a/b/s.sh', (p) => ({ uid: p === '/a/b' ? 1000 : 0, mode: 0o755 }))).toBe(
      'script /a/b/s.sh: /a/b is owned by uid 1000, not root',
    );
    expect(scriptInsecurity('rel.sh')).toBe('script rel.sh is not an absolute path');
  });

  it('a failing script is logged, never thrown', async () => {
    const r = new NotifyRunner({ enableScriptSecurity: false, log: quiet });
    r.run(['/bin/false']);
    await until(() => r.inFlight === 0);
    expect(quiet.warning.mock.calls[0][0]).toMatch(/^notify script \/bin\/false failed: /);
  });
});

describeNeeding(root)('scripts run as script_user (root: setuid needs it)', () => {
  it('a notify script and a vrrp_script run with the uid and gid the config resolved', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'halo-runas-'));
    try {
      chmodSync(dir, 0o777);
      const s = join(dir, 'id.sh');
      writeFileSync(s, `#!/bin/sh\necho "$(id -u) $(id -g) $1" > ${dir}/out-$1\n`);
      chmodSync(s, 0o755);
      const nobody = { user: 'nobody', uid: 65534, gid: 65534 };
      const r = new NotifyRunner({ enableScriptSecurity: false, log: quiet, runAs: nobody });
      r.run([s, 'notify']);
      const results: boolean[] = [];
      const sr = new ScriptRunner([{ ...vrrpScript([s, 'script']), runAs: nobody }], false, quiet, (_n, ok) => results.push(ok));
      sr.start();
      await until(() => existsSync(`${dir}/out-notify`) && existsSync(`${dir}/out-script`) && r.inFlight === 0 && results.length > 0);
      sr.stop();
      expect(readFileSync(`${dir}/out-notify`, 'utf8')).toBe('65534 65534 notify\n');
      expect(readFileSync(`${dir}/out-script`, 'utf8')).toBe('65534 65534 script\n');
      // Without a script user they run as root, as before.
      new NotifyRunner({ enableScriptSecurity: false, log: quiet }).run([s, 'root']);
      await until(() => existsSync(`${dir}/out-root`));
      expect(readFileSync(`${dir}/out-root`, 'utf8')).toBe('0 0 root\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('enable_script_security: PATH search and who is checked', () => {
  const { searchPath, secureScript } = jest.requireActual('../../src/daemon/notify') as typeof import('../../src/daemon/notify');

  it('a bare name is found on PATH (the first executable file), as keepalived does', () => {
    const exe = new Set(['/usr/bin/chk', '/sbin/chk']);
    expect(searchPath('chk', '/usr/local/bin:/usr/bin:/sbin', (p) => exe.has(p))).toBe('/usr/bin/chk');
    expect(searchPath('none', '/usr/bin', () => false)).toBeNull();
    expect(searchPath('/opt/x.sh', '/usr/bin', () => false)).toBe('/opt/x.sh');
    // a real one: `true` is on every Debian PATH, and root-owned all the way up
    expect(secureScript('true', null)).toEqual({ file: expect.stringMatching(/^\/(usr\/)?bin\/true$/) });
    expect(secureScript('no-such-command-halo', null)).toEqual({ error: 'script no-such-command-halo not found on PATH' });
  });

  it('only a script run as root is held to the ownership/writability rule', () => {
    const unsafe = () => 'script /tmp/x.sh: /tmp/x.sh is writable by group or others';
    expect(secureScript('/tmp/x.sh', null, unsafe)).toEqual({ error: 'SECURITY VIOLATION - script /tmp/x.sh: /tmp/x.sh is writable by group or others' });
    expect(secureScript('/tmp/x.sh', { user: 'root', uid: 0, gid: 0 }, unsafe)).toMatchObject({ error: expect.stringContaining('SECURITY VIOLATION') });
    expect(secureScript('/tmp/x.sh', { user: 'nobody', uid: 65534, gid: 65534 }, unsafe)).toEqual({ file: '/tmp/x.sh' });
  });
});
