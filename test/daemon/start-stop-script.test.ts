/**
 * startup_script / shutdown_script: the config (keepalived's global_parser.c handlers and their
 * warnings) and the pure decisions of the runner (kill escalation, log lines, file checks).
 */
import { checkStartStopScript, escalation, exitLine, longestRunMs, type FileFacts } from '../../src/daemon/start-stop-script';
import { messages, model } from '../config/helpers';

const INST = 'vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n';
const g = (body: string) => model(`global_defs {\n${body}\n}\n${INST}`).globalDefs;

describe('config', () => {
  test('SCRIPT [USER [GROUP]], quoted to give arguments; timeouts default to 10 s', () => {
    const d = g(' startup_script "/usr/local/bin/up.sh a b"\n shutdown_script /usr/local/bin/down.sh nobody nogroup');
    expect(d.startupScript?.argv).toEqual(['/usr/local/bin/up.sh', 'a', 'b']);
    expect(d.startupScript?.runAs).toBeNull(); // no keepalived_script user here: root
    expect(d.shutdownScript?.argv).toEqual(['/usr/local/bin/down.sh']);
    expect(d.shutdownScript?.runAs).toEqual({ user: 'nobody:nogroup', uid: 65534, gid: 65534 });
    expect([d.startupScriptTimeoutS, d.shutdownScriptTimeoutS]).toEqual([10, 10]);
  });

  test('under enable_script_security with no default script user, a script without its own user is dropped', () => {
    const text = `global_defs {\n startup_script /usr/local/bin/up.sh\n shutdown_script /usr/local/bin/down.sh nobody\n enable_script_security\n}\n${INST}`;
    expect(messages(text)).toContain('2:2: warning: Failed to set default user for startup script /usr/local/bin/up.sh - ignoring');
    const d = model(text).globalDefs;
    expect(d.startupScript).toBeNull();
    expect(d.shutdownScript?.runAs).toEqual({ user: 'nobody', uid: 65534, gid: 65534 });
  });

  test('script_user is the default user, whichever order the keywords come in', () => {
    expect(g(' startup_script /bin/true\n script_user nobody').startupScript?.runAs).toEqual({ user: 'nobody', uid: 65534, gid: 65534 });
  });

  test('timeouts 1-1000, before or after the script; out of range ignored with keepalived\'s words', () => {
    expect(g(' startup_script_timeout 1000\n startup_script /bin/true\n shutdown_script /bin/true\n shutdown_script_timeout 1').startupScriptTimeoutS).toBe(1000);
    expect(g(' shutdown_script /bin/true\n shutdown_script_timeout 1').shutdownScriptTimeoutS).toBe(1);
    const m = messages(`global_defs {\n startup_script_timeout 0\n shutdown_script_timeout 1001\n startup_script_timeout\n}\n${INST}`);
    expect(m).toEqual(expect.arrayContaining([
      expect.stringContaining("startup_script_timeout '0' must be in [1, 1000] - ignoring"),
      expect.stringContaining("shutdown_script_timeout '1001' must be in [1, 1000] - ignoring"),
      expect.stringContaining('startup_script_timeout requires value'),
    ]));
  });

  test('a second script, a missing one, a missing user: warned and ignored as keepalived', () => {
    const text = `global_defs {\n startup_script /bin/true\n startup_script /bin/false\n shutdown_script\n shutdown_script /bin/true nosuchuser\n}\n${INST}`;
    expect(messages(text)).toEqual(expect.arrayContaining([
      expect.stringMatching(/^3:2: warning: startup script already specified$/),
      expect.stringMatching(/^4:2: warning: shutdown script missing$/),
      expect.stringMatching(/^5:28: warning: Invalid user\/group for shutdown script \/bin\/true - ignoring$/),
    ]));
    const d = model(text).globalDefs;
    expect(d.startupScript?.argv).toEqual(['/bin/true']);
    expect(d.shutdownScript).toBeNull();
  });

  test('without enable_script_security keepalived reports the start/shutdown scripts', () => {
    expect(messages(`global_defs {\n shutdown_script /bin/true\n}\n${INST}`)).toContain('2:2: warning: SECURITY VIOLATION - start/shutdown scripts are being executed but script_security not enabled.');
    expect(messages(`global_defs {\n shutdown_script /bin/true\n enable_script_security\n}\n${INST}`).join('\n')).not.toContain('start/shutdown');
  });
});

describe('runner decisions', () => {
  test('the kill escalation of handle_child_timeout: TERM, KILL after 2 s, KILL after 2 s, give up after 10 s', () => {
    expect([0, 1, 2, 3].map((n) => escalation('startup', n, 42))).toEqual([
      { signal: 'SIGTERM', waitMs: 2000, log: 'startup script timed out' },
      { signal: 'SIGKILL', waitMs: 2000, log: null },
      { signal: 'SIGKILL', waitMs: 10_000, log: 'startup script (PID 42) failed to terminate after kill' },
      { signal: null, waitMs: 0, log: null },
    ]);
    expect(longestRunMs(10)).toBe(24_000);
  });

  test("keepalived's exit lines, the doubled 'script' included", () => {
    expect(exitLine('startup', 3, false)).toBe('startup script script failed, status 3');
    expect(exitLine('shutdown', 1, false)).toBe('shutdown script script failed, status 1');
    expect(exitLine('startup', 0, false)).toBeNull();
    expect(exitLine('startup', 0, true)).toBe('startup script script succeeded');
    expect(exitLine('startup', null, true)).toBeNull();
  });

  test('a script that is missing, not a file, or not executable by its user is not run', () => {
    const facts = (over: Partial<FileFacts>): FileFacts => ({ realpath: (p) => p, isFile: () => true, executableBy: () => true, ...over });
    const sc = (argv: string[], runAs: { user: string; uid: number; gid: number } | null = null) => ({ argv, runAs, location: { file: 'f', line: 1, col: 1 } });
    expect(checkStartStopScript(sc(['/opt/up.sh']), false, facts({}))).toEqual({ file: '/opt/up.sh' });
    const enoent = Object.assign(new Error('x'), { code: 'ENOENT' });
    expect(checkStartStopScript(sc(['/opt/up.sh']), false, facts({ realpath: () => { throw enoent; } }))).toEqual({ refused: 'Script /opt/up.sh cannot be accessed - No such file or directory' });
    expect(checkStartStopScript(sc(['/opt/up.sh'], { user: 'nobody', uid: 65534, gid: 65534 }), false, facts({ executableBy: () => false }))).toEqual({ refused: "WARNING - script '/opt/up.sh' is not executable for uid:gid 65534:65534 - disabling." });
    expect(checkStartStopScript(sc(['no-such-command-halo-test']), false, facts({}))).toEqual({ refused: 'Cannot find script no-such-command-halo-test in path - disabling' });
    expect(checkStartStopScript(sc(['true']), false, facts({}))).toEqual({ file: expect.stringMatching(/\/true$/) });
  });
});
