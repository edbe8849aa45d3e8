import { parseRunArgs } from '../../src/daemon/options';

describe('halo run options (keepalived-compatible flags)', () => {
  it('has keepalived-like defaults', () => {
    const r = parseRunArgs([]);
    expect(r).toEqual({ ok: true, options: expect.objectContaining({
      configFile: '/etc/keepalived/keepalived.conf', pidFile: '/run/halo/halo.pid',
      controlSocket: '/run/halo/halo.sock', vrrp: true, lvs: true, configTest: false, logLevel: 'info', metricsListen: null,
    }) });
  });

  it('accepts a keepalived unit line unchanged: keepalived -n -l -D -f FILE -p PID', () => {
    const r = parseRunArgs(['-n', '-l', '-D', '-f', '/etc/k.conf', '-p', '/run/k.pid']);
    expect(r).toMatchObject({ ok: true, options: { configFile: '/etc/k.conf', pidFile: '/run/k.pid', logLevel: 'debug', logDetail: true } });
  });

  it('-P runs VRRP only and -C checks only; both together is an error', () => {
    expect(parseRunArgs(['-P'])).toMatchObject({ options: { vrrp: true, lvs: false } });
    expect(parseRunArgs(['--check'])).toMatchObject({ options: { vrrp: false, lvs: true } });
    expect(parseRunArgs(['-P', '-C'])).toEqual({ ok: false, message: '-P/--vrrp and -C/--check exclude each other' });
  });

  it('takes --opt=value and --opt value', () => {
    expect(parseRunArgs(['--use-file=/a', '--control-socket', '/s', '--metrics-listen=127.0.0.1:9100', '--log-format', 'json']))
      .toMatchObject({ options: { configFile: '/a', controlSocket: '/s', metricsListen: '127.0.0.1:9100', logFormat: 'json' } });
  });

  it('names the problem on bad input', () => {
    expect(parseRunArgs(['-f'])).toEqual({ ok: false, message: 'option -f needs a value' });
    expect(parseRunArgs(['--bogus'])).toEqual({ ok: false, message: "unknown option '--bogus'" });
    expect(parseRunArgs(['--log-level', 'loud'])).toEqual({ ok: false, message: "unknown log level 'loud' (error|warning|notice|info|debug)" });
  });
});
