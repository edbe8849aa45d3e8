/**
 * The takeover trace (src/daemon/takeover-trace.ts): what the worker records of a BACKUP's last
 * advert heard, its down timer's deadline and wake-up and its first advert as MASTER, and the
 * phases the failover bench sets beside capture timestamps.
 */
import { takeoverTimeline, TakeoverTracer } from '../../src/daemon/takeover-trace';

describe('TakeoverTracer', () => {
  it('records heard → deadline → fired → first advert sent for a down timer that made a MASTER', () => {
    const t = new TakeoverTracer(1_700_000_000_000);
    t.heard('VI_1', 1000, 150);
    t.heard('VI_1', 2000, 0); // the master's priority 0
    let clock = 2061.3;
    const r = t.fired('VI_1', 2060.9, 2061.1, () => {
      t.stepped('VI_1', () => 2061.2);
      t.stepped('VI_1', () => 2065); // a later step (e.g. the sync group's) does not move it
      t.sent('VI_2', () => 9999); // another instance's advert in the same step is not this takeover's
      t.sent('VI_1', () => clock);
      clock = 2070;
      t.sent('VI_1', () => clock); // only the first advert counts
      return 'stepped';
    }, () => true);
    expect(r).toBe('stepped');
    expect(t.last()).toEqual([{
      instance: 'VI_1', heardAt: 2000, heardPriority: 0, deadline: 2060.9, firedAt: 2061.1, steppedAt: 2061.2, sentAt: 2061.3, timeOrigin: 1_700_000_000_000,
    }]);
  });

  it('keeps nothing for a down timer that did not make a MASTER, and the previous takeover stays', () => {
    const t = new TakeoverTracer(0);
    t.fired('VI_1', 10, 10.2, () => t.sent('VI_1', () => 10.4), () => true);
    t.fired('VI_1', 50, 50.1, () => undefined, () => false); // e.g. a sync group still waiting
    expect(t.last()).toEqual([expect.objectContaining({ deadline: 10, firedAt: 10.2, sentAt: 10.4, heardAt: null })]);
  });

  it('an advert sent outside a traced step is not recorded; the clock is not read then', () => {
    const t = new TakeoverTracer(0);
    const noClock = () => {
      throw new Error('clock read outside a traced step');
    };
    t.stepped('VI_1', noClock);
    t.sent('VI_1', noClock);
    expect(t.last()).toEqual([]);
  });

  it('a step that throws still closes its trace', () => {
    const t = new TakeoverTracer(0);
    expect(() => t.fired('VI_1', 1, 2, () => {
      throw new Error('boom');
    }, () => false)).toThrow('boom');
    t.sent('VI_1', () => {
      throw new Error('no trace should be open');
    });
  });

  it('forget() drops an instance removed by a reload', () => {
    const t = new TakeoverTracer(0);
    t.heard('VI_1', 1, 100);
    t.fired('VI_1', 5, 5, () => undefined, () => true);
    t.forget('VI_1');
    expect(t.last()).toEqual([]);
  });
});

describe('takeoverTimeline', () => {
  it('gives the phases in ms and the instants on the epoch clock of a capture', () => {
    const tl = takeoverTimeline({ instance: 'VI_1', heardAt: 100, heardPriority: 150, deadline: 3709.375, firedAt: 3709.5, steppedAt: 3709.625, sentAt: 3709.75, timeOrigin: 1_000_000 });
    expect(tl.armedMs).toBeCloseTo(3609.375);
    expect(tl.latenessMs).toBeCloseTo(0.125);
    expect(tl.stepMs).toBeCloseTo(0.25);
    expect(tl.machineMs).toBeCloseTo(0.125);
    expect(tl.ioMs).toBeCloseTo(0.125);
    expect(tl.epoch).toEqual({ heard: 1_000_100, deadline: 1_003_709.375, fired: 1_003_709.5, sent: 1_003_709.75 });
  });

  it('a takeover with nothing heard before it, or no advert sent, has those phases null', () => {
    const tl = takeoverTimeline({ instance: 'VI_1', heardAt: null, heardPriority: null, deadline: 10, firedAt: 10.5, steppedAt: null, sentAt: null, timeOrigin: 0 });
    expect(tl.armedMs).toBeNull();
    expect(tl.stepMs).toBeNull();
    expect(tl.machineMs).toBeNull();
    expect(tl.ioMs).toBeNull();
    expect(tl.epoch.heard).toBeNull();
    expect(tl.epoch.sent).toBeNull();
  });
});
