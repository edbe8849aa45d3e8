/**
 * Keyed deadlines behind one wake-up source (src/daemon/deadlines.ts), on a fake clock and a
 * fake wake timer that records how it was armed.
 */
import { Deadlines, LATENESS_BUCKETS_MS, WakeTimerFactory } from '../../src/daemon/deadlines';

function rig() {
  let now = 0;
  const fired: string[] = [];
  const arms: number[] = [];
  let onExpire: () => void = () => undefined;
  let armed: number | null = null;
  const wake: WakeTimerFactory = (cb) => {
    onExpire = cb;
    return {
      arm: (d) => {
        arms.push(d);
        armed = now + d;
      },
      disarm: () => (armed = null),
      close: () => (armed = null),
    };
  };
  const d = new Deadlines<string>(() => now, (k) => fired.push(k), wake);
  /** Moves the clock to `t`, firing the wake timer when it is due (as the OS would, `late` ms after). */
  const advance = (t: number, late = 0) => {
    for (let i = 0; i < 100 && armed !== null && armed <= t; i++) {
      now = armed + late;
      armed = null;
      onExpire();
    }
    now = Math.max(now, t);
  };
  return { d, fired, arms, advance, armedAt: () => armed };
}

describe('Deadlines', () => {
  it('fires in deadline order, one OS timer armed for the earliest', () => {
    const r = rig();
    r.d.set('b', 'b', 300);
    r.d.set('a', 'a', 100);
    r.d.set('c', 'c', 200);
    expect(r.armedAt()).toBe(100);
    r.advance(1000);
    expect(r.fired).toEqual(['a', 'c', 'b']);
    expect(r.armedAt()).toBeNull();
    expect(r.d.size).toBe(0);
  });

  it('re-setting an id replaces its deadline; clearing it cancels; stale heap entries never fire', () => {
    const r = rig();
    r.d.set('x', 'x-first', 100);
    r.d.set('x', 'x-second', 500);
    r.d.set('y', 'y', 200);
    r.d.clear('y');
    expect(r.d.has('y')).toBe(false);
    r.advance(400);
    expect(r.fired).toEqual([]);
    r.advance(600);
    expect(r.fired).toEqual(['x-second']);
  });

  it('fractional deadlines are kept as such (no rounding to whole milliseconds)', () => {
    const r = rig();
    r.d.set('a', 'a', 3609.4);
    expect(r.arms).toEqual([3609.4]);
  });

  it('a deadline set by an expiry for the same instant waits for the next wake-up', async () => {
    let n = 0;
    let wakes = 0;
    const d: Deadlines<string> = new Deadlines<string>(
      () => 50,
      () => {
        n++;
        if (n < 3) d.set('again', 'again', 50);
      },
      (cb) => ({ arm: () => void queueMicrotask(() => (wakes++, cb())), disarm: () => undefined, close: () => undefined }),
    );
    d.set('again', 'again', 50);
    for (let i = 0; i < 10 && n < 3; i++) await Promise.resolve();
    expect(n).toBe(3);
    expect(wakes).toBe(3);
  });

  it('records each expiry\'s lateness in the histogram', () => {
    const r = rig();
    r.d.set('a', 'a', 100);
    r.advance(100, 0.3); // fired 0.3 ms late
    r.d.set('b', 'b', 200);
    r.advance(300, 7); // 7 ms late
    const h = r.d.lateness;
    expect(h.expiries).toBe(2);
    expect(h.counts).toHaveLength(LATENESS_BUCKETS_MS.length + 1);
    expect(h.counts[LATENESS_BUCKETS_MS.indexOf(0.5)]).toBe(1);
    expect(h.counts[LATENESS_BUCKETS_MS.indexOf(10)]).toBe(1);
    expect(h.maxMs).toBeCloseTo(7);
    expect(h.sumMs).toBeCloseTo(7.3);
  });

  it('every expiry of one wake-up is told the same wake-up time, so deadlines re-armed from it stay together', () => {
    // a clock that moves on at every read, as performance.now() does while expiries are handled
    let clock = 0;
    const wakes: number[] = [];
    const seen: Array<[string, number, number]> = [];
    let onExpire: () => void = () => undefined;
    let armedAt: number | null = null;
    const d: Deadlines<string> = new Deadlines<string>(
      () => (clock += 0.01),
      (k, deadline, now) => {
        seen.push([k, deadline, now]);
        d.set(k, k, now + 1000); // an advert timer: re-armed one interval after "now"
      },
      (cb) => {
        onExpire = cb;
        return { arm: (ms) => (armedAt = clock + ms), disarm: () => (armedAt = null), close: () => (armedAt = null) };
      },
    );
    for (const k of ['a', 'b', 'c']) d.set(k, k, 100);
    for (let i = 0; i < 3; i++) {
      wakes.push(armedAt!);
      clock = armedAt! + 0.05; // the OS wakes us 0.05 ms late
      armedAt = null;
      onExpire();
    }
    // three wake-ups for three rounds of three expiries: the batch never splits
    expect(seen).toHaveLength(9);
    for (let r = 0; r < 3; r++) {
      const round = seen.slice(3 * r, 3 * r + 3);
      expect(round.map(([k]) => k)).toEqual(['a', 'b', 'c']);
      expect(new Set(round.map(([, , now]) => now)).size).toBe(1);
      expect(new Set(round.map(([, deadline]) => deadline)).size).toBe(1);
    }
    expect(wakes[1] - wakes[0]).toBeCloseTo(1000.06, 5);
  });

  it('tells each expiry its deadline and the time of the wake-up that expired it', () => {
    let now = 0;
    let onExpire: () => void = () => undefined;
    const seen: Array<[string, number, number]> = [];
    const d = new Deadlines<string>(() => now, (k, deadline, firedAt) => seen.push([k, deadline, firedAt]), (cb) => {
      onExpire = cb;
      return { arm: () => undefined, disarm: () => undefined, close: () => undefined };
    });
    d.set('a', 'a', 100.25);
    d.set('b', 'b', 101);
    now = 101.5; // one wake-up, 1.25 ms after the first deadline
    onExpire();
    expect(seen).toEqual([['a', 100.25, 101.5], ['b', 101, 101.5]]);
  });

  it('close() cancels everything and frees the OS timer; later sets are ignored', () => {
    const r = rig();
    r.d.set('a', 'a', 100);
    r.d.close();
    expect(r.armedAt()).toBeNull();
    r.d.set('b', 'b', 150);
    r.advance(1000);
    expect(r.fired).toEqual([]);
  });
});
