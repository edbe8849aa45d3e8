import { Sample } from '../../src/lab/load';
import { bucketize, holderBands, parseTransitions } from '../../src/lab/timeline';
import { VipEvent } from '../../src/lab/vip-watch';

describe('drill timeline', () => {
  it('counts requests per 100 ms bucket by slot and outcome', () => {
    const s: Sample[] = [
      { k: 'http', slot: 1000, t0: 1001, t1: 1003, ok: true, o: 'answered', srv: 'web1' },
      { k: 'dns', slot: 1000, t0: 1001, t1: 2500, ok: false, o: 'late', srv: 'dns1' },
      { k: 'http', slot: 1150, t0: 1150, t1: 1150, ok: false, o: 'not-sent' },
      { k: 'http', t0: 1160, t1: 1460, ok: false, err: 'timeout' }, // an older recording: no outcome field
      { k: 'http', slot: 1300, t0: 1300, t1: 1301, ok: true, o: 'answered' }, // outside [1000, 1200)
    ];
    const b = bucketize(s, 1000, 1200);
    expect(b.map((x) => x.t)).toEqual([1000, 1100]);
    expect(b[0].http).toEqual({ answered: 1, late: 0, failed: 0, 'not-sent': 0 });
    expect(b[0].dns.late).toBe(1);
    expect(b[1].http).toEqual({ answered: 0, late: 0, failed: 1, 'not-sent': 1 });
  });

  it('replays VIP events into holder bands, with the gap when nobody held them', () => {
    const vips = ['a', 'b'];
    const ev = (at: number, director: 'lb1' | 'lb2', vip: string, added: boolean): VipEvent => ({ at, director, vip, added });
    const events = [ev(0, 'lb1', 'a', true), ev(1, 'lb1', 'b', true), ev(5000, 'lb1', 'a', false), ev(5001, 'lb1', 'b', false),
      ev(8600, 'lb2', 'b', true), ev(8601, 'lb2', 'a', true)];
    expect(holderBands(events, vips, 1000, 10_000)).toEqual([
      { from: 1000, to: 5000, holder: 'lb1', detail: 'a lb1, b lb1' },
      { from: 5000, to: 5001, holder: 'split', detail: 'a -, b lb1' },
      { from: 5001, to: 8600, holder: 'none', detail: 'a -, b -' },
      { from: 8600, to: 8601, holder: 'split', detail: 'a -, b lb2' },
      { from: 8601, to: 10_000, holder: 'lb2', detail: 'a lb2, b lb2' },
    ]);
  });

  it('reads VRRP transitions from halo\'s JSON log and keepalived\'s console format', () => {
    const log = [
      '{"level":"info","message":"(VI_E) Entering BACKUP STATE","timestamp":"2026-11-30T11:00:00.123Z"}',
      '{"level":"info","message":"(VI_E) received lower priority (100) advert from 192.168.1.102 - discarding","timestamp":"2026-11-30T11:00:00.200Z"}',
      'Mon Nov 30 11:00:03 2026: (VI_I) Entering MASTER STATE',
      'garbage',
    ].join('\n');
    const t = parseTransitions(log, 'lb1');
    expect(t).toEqual([
      { at: Date.parse('2026-11-30T11:00:00.123Z'), director: 'lb1', instance: 'VI_E', state: 'BACKUP', resolutionMs: 1 },
      { at: new Date(2026, 10, 30, 11, 0, 3).getTime(), director: 'lb1', instance: 'VI_I', state: 'MASTER', resolutionMs: 1000 },
    ]);
  });
});
