import { Writable } from 'node:stream';
import { createLogger, detectLogFormat, LogFormat } from '../../src/daemon/logger';

/** The lines a logger writes, with the clock fixed at 2026-11-22 15:52:38.538 local time. */
function lines(format: LogFormat, opts: { level?: 'debug' | 'info' | 'warning'; tag?: string } = {}) {
  const out: string[] = [];
  const stream = new Writable({ write(chunk, _enc, cb) { out.push(String(chunk)); cb(); } });
  const at = new Date(2026, 10, 22, 15, 52, 38, 538);
  const log = createLogger({ format, stream, now: () => at, ...opts });
  log.info('(VI_1) Entering MASTER STATE');
  log.debug('(VI_1) debug detail');
  log.warning('w', { b: 1, a: 'x', n: { z: 1, y: [2, { d: 1, c: 2 }] } });
  log.error('e');
  log.notice('n');
  log.close();
  log.error('after close');
  return { out, iso: at.toISOString() };
}

// Expected lines as the previous winston-based logger printed them for the same calls
// (keepalived's console format, sd-daemon prefixes, logform's json with sorted keys).
describe('logger', () => {
  it('plain: keepalived console lines, debug dropped at info, tag after the timestamp', () => {
    expect(lines('plain', { tag: 'halo[1]' }).out).toEqual([
      'Sun Nov 22 15:52:38 2026: halo[1]: (VI_1) Entering MASTER STATE\n',
      'Sun Nov 22 15:52:38 2026: halo[1]: w\n',
      'Sun Nov 22 15:52:38 2026: halo[1]: e\n',
      'Sun Nov 22 15:52:38 2026: halo[1]: n\n',
    ]);
  });

  it('journald: syslog priority prefixes, no timestamp', () => {
    expect(lines('journald', { level: 'debug' }).out).toEqual(['<6>(VI_1) Entering MASTER STATE\n', '<7>(VI_1) debug detail\n', '<4>w\n', '<3>e\n', '<5>n\n']);
  });

  it('json: one object a line, keys sorted at every level, meta merged', () => {
    const { out, iso } = lines('json', { level: 'warning' });
    expect(out).toEqual([
      `{"a":"x","b":1,"level":"warning","message":"w","n":{"y":[2,{"c":2,"d":1}],"z":1},"timestamp":"${iso}"}\n`,
      `{"level":"error","message":"e","timestamp":"${iso}"}\n`,
    ]);
  });

  it('journald is chosen when stdout is the journal', () => {
    expect(detectLogFormat({ JOURNAL_STREAM: '8:12345' })).toBe('journald');
    expect(detectLogFormat({})).toBe('plain');
  });
});
