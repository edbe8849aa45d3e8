/** The GARP queue shell (src/daemon/garp-queue.ts) over a fake sender, clock and wake timer. */
import { asRounds, GarpQueue } from '../../src/daemon/garp-queue';
import type { GarpAnnouncement } from '../../src/net/garp';
import { pacingOf, type PacedFrame } from '../../src/net/garp-pacing';
import type { GarpGroup } from '../../src/config/model';

const loc = { file: 'k.conf', line: 1, col: 1 };
const GROUP: GarpGroup = { garpIntervalMs: 500, gnaIntervalMs: null, interfaces: [{ name: 'eth0', location: loc }], aggregationGroup: 0, location: loc };

function setup(live: (f: PacedFrame) => boolean = () => true) {
  let now = 0;
  let expire: (() => void) | null = null;
  let armedAt: number | null = null;
  const sent: string[] = [];
  const warnings: string[] = [];
  const q = new GarpQueue({
    garp: {
      announce: async (a: GarpAnnouncement) => {
        sent.push(`${now} ${a.ifname} ${a.vips.join(',')} x${a.repeat}`);
        return a.ifname === 'bad0' ? { ok: false, error: { code: 'ENODEV', message: 'no such interface' } as never } : { ok: true, value: a.vips.length * a.repeat };
      },
    },
    log: { warning: (m: string) => void warnings.push(m) },
    now: () => now,
    pacing: () => pacingOf([GROUP], { garpIntervalMs: null, gnaIntervalMs: null }),
    live,
    wakeTimer: (onExpire) => ((expire = onExpire), { arm: (ms) => void (armedAt = now + ms), disarm: () => void (armedAt = null), close: () => void (armedAt = null) }),
  });
  /** Moves the clock to the armed time and fires the timer; false when nothing is armed. */
  const fire = async (): Promise<boolean> => {
    if (armedAt === null) return false;
    now = armedAt;
    armedAt = null;
    expire!();
    await q.settled();
    return true;
  };
  return { q, sent, warnings, fire, at: (t: number) => void (now = t), armed: () => armedAt };
}

const frames = (instance: string, vips: string[], dev: string, repeat: number): PacedFrame[] =>
  Array.from({ length: repeat }, () => vips.map((vip, i): PacedFrame => ({ instance, vip, dev, rank: [0, i] }))).flat();

test('asRounds: the shortest repeated list', () => {
  expect(asRounds(['a', 'b', 'a', 'b'])).toEqual({ vips: ['a', 'b'], repeat: 2 });
  expect(asRounds(['a', 'a', 'a'])).toEqual({ vips: ['a'], repeat: 3 });
  expect(asRounds(['a', 'b', 'a'])).toEqual({ vips: ['a', 'b', 'a'], repeat: 1 });
  expect(asRounds([])).toEqual({ vips: [], repeat: 1 });
});

test('an unpaced burst is one call of its rounds; a paced one sends the first, then one per wake-up', async () => {
  const s = setup();
  await s.q.announce(frames('VI_1', ['10.0.1.1', '10.0.1.2'], 'eth1', 3));
  await s.q.announce(frames('VI_1', ['10.0.0.1', '10.0.0.2'], 'eth0', 2));
  expect(s.armed()).toBe(500);
  while (await s.fire());
  expect(s.sent).toEqual(['0 eth1 10.0.1.1,10.0.1.2 x3', '0 eth0 10.0.0.1 x1', '500 eth0 10.0.0.1 x1', '1000 eth0 10.0.0.2 x1']);
});

test('a send that fails is logged with the instance; waiting frames of an instance gone are dropped; reset (reload) and close', async () => {
  const s = setup((f) => f.instance !== 'VI_9');
  await s.q.announce(frames('VI_3', ['10.9.0.1'], 'bad0', 1));
  expect(s.warnings).toEqual(['(VI_3) no such interface']);
  await s.q.announce(frames('VI_9', ['10.0.0.1', '10.0.0.2'], 'eth0', 1));
  while (await s.fire());
  expect(s.sent.slice(1)).toEqual(['0 eth0 10.0.0.1 x1']);
  await s.q.announce(frames('VI_1', ['10.0.0.3'], 'eth0', 2));
  expect(s.armed()).not.toBeNull();
  // a reload forgets the pacer: the next burst's first frame goes at once, the waiting one is gone
  s.q.reset();
  expect(s.armed()).toBeNull();
  await s.q.announce(frames('VI_1', ['10.0.0.3'], 'eth0', 1));
  expect(s.sent.slice(-2)).toEqual(['500 eth0 10.0.0.3 x1', '500 eth0 10.0.0.3 x1']);
  await s.q.announce(frames('VI_1', ['10.0.0.3'], 'eth0', 1));
  expect(s.armed()).not.toBeNull();
  s.q.close();
  expect(s.armed()).toBeNull();
  await s.q.announce(frames('VI_1', ['10.0.0.4'], 'eth0', 1));
  expect(s.sent).toHaveLength(4);
});
