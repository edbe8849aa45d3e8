import { formatTakeover, parseJsonLog, takeoverTimeline } from '../../src/lab/takeover';
import type { Sample } from '../../src/lab/load';
import type { VipEvent } from '../../src/lab/vip-watch';

const T = Date.parse('2026-11-30T16:59:46.870Z');
const line = (ms: number, message: string) => JSON.stringify({ level: 'info', message, timestamp: new Date(T + ms).toISOString() });

// a graceful stop as lb1 and lb2 logged it in the VM (2026-11-30, drill-16-58), times relative to the SIGTERM
const lb1 = [
  line(-30_000, '(VI_E) sent 0 priority'), // an earlier cycle's: before the SIGTERM, never used
  line(9, 'Stopping (SIGTERM)'),
  line(23, '(VI_E) sent 0 priority'),
  line(24, '(VI_E) removing VIPs.'),
  line(47, '(VI_I) sent 0 priority'),
  'not json',
].join('\n');
const lb2 = [
  line(21, '(VI_E) Backup received priority 0 advertisement'),
  line(46, '(VI_I) Backup received priority 0 advertisement'),
  line(631, '(VI_E) Receive advertisement timeout'),
  line(643, '(VI_I) Receive advertisement timeout'),
  line(645, '(VI_I) Entering MASTER STATE'),
  line(648, '(VI_I) Sending/queueing gratuitous ARPs on eth1 for 10.0.100.200'),
  line(650, '(VI_E) Entering MASTER STATE'),
  line(652, '(VI_E) Sending/queueing gratuitous ARPs on eth0 for 192.168.1.200'),
  line(653, '(VI_E) Sending/queueing gratuitous ARPs on eth0 for 192.168.1.202'),
].join('\n');

const vip = (ms: number, v: string, director: 'lb1' | 'lb2', added: boolean): VipEvent => ({ at: T + ms, vip: v, director, added });
const ok = (k: 'http' | 'dns', t0: number, t1: number): Sample => ({ k, slot: T + t0, t0: T + t0, t1: T + t1, ok: true, o: 'answered', srv: 'web1' });
const failed = (k: 'http' | 'dns', t0: number): Sample => ({ k, slot: T + t0, t0: T + t0, t1: T + t0 + 1000, ok: false, o: 'failed', err: 'timeout' });

describe('takeoverTimeline', () => {
  const t = takeoverTimeline({
    sigterm: T, until: T + 5000, master: parseJsonLog(lb1), backup: parseJsonLog(lb2),
    vipEvents: [vip(24, '192.168.1.200', 'lb1', false), vip(647, '10.0.100.200', 'lb2', true), vip(651, '192.168.1.200', 'lb2', true), vip(651.5, '192.168.1.202', 'lb2', true)],
    vips: ['192.168.1.200', '192.168.1.202', '10.0.100.200'],
    samples: [ok('http', -60, -20), ok('dns', -40, -30), failed('http', 10), failed('dns', 10), ok('http', 690, 730), ok('dns', 690, 700), ok('http', 740, 760)],
    skewTimeMs: 609.4, instances: ['VI_E', 'VI_I'],
  });

  it('takes each mark from the first matching event after the SIGTERM, the last instance of the group for a state change', () => {
    expect(t.marks.stopping).toBe(T + 9);
    expect(t.marks.priority0Sent).toBe(T + 23);
    expect(t.marks.priority0Received).toBe(T + 21);
    expect(t.marks.adverTimeout).toBe(T + 631);
    expect(t.marks.master).toBe(T + 650);
    expect(t.marks.garp).toBe(T + 652);
    expect(t.marks.vipsAdded).toBe(T + 651.5);
    expect(t.marks.lastOkBefore).toBe(T - 20);
    expect(t.marks.firstOk).toEqual({ http: T + 730, dns: T + 700 });
  });

  it('splits the outage into named segments and measures the backup timer slip against Skew_Time', () => {
    expect(t.segments['last answer → SIGTERM']).toBe(20);
    expect(t.segments['priority 0 received → lb2 timeout']).toBe(610);
    expect(t.segments['SIGTERM → GARP']).toBe(652);
    expect(t.segments['priority 0 received → VIPs added (all)']).toBe(630.5);
    expect(t.segments['GARP → first http answer']).toBe(78);
    expect(t.segments['GARP → first dns answer']).toBe(48);
    expect(t.backupTimerSlipMs).toBe(0.6);
    expect(formatTakeover(t)).toContain('SIGTERM → GARP 652 ms');
  });

  it('leaves a mark and its segments null when the log lacks it', () => {
    const u = takeoverTimeline({ sigterm: T, until: T + 5000, master: [], backup: parseJsonLog(lb2), vipEvents: [], vips: ['x'], samples: [], skewTimeMs: 609.4, instances: ['VI_E', 'VI_I'] });
    expect(u.marks.priority0Sent).toBeNull();
    expect(u.segments['lb1 stopping → priority 0 sent']).toBeNull();
    expect(u.marks.vipsAdded).toBeNull();
    expect(formatTakeover(u)).toContain('SIGTERM → lb1 stopping -');
  });
});
