/**
 * RFC timer arithmetic against the numbers keepalived 2.2.7 produced on the wire
 * (../shared/reference/keepalived-2.2.7-baseline.md §3, anchors §1.7).
 */
import { masterDownIntervalMs, skewTimeMs } from '../../src/vrrp/timers';

describe('Skew_Time and Master_Down_Interval', () => {
  it('RFC 3768 §6.1 (v2): Skew_Time = (256 − 100)/256 s = 609.375 ms, independent of the interval', () => {
    expect(skewTimeMs(2, 100, 1000)).toBe(609.375);
    expect(skewTimeMs(2, 100, 5000)).toBe(609.375);
  });
  it('v2 prio 100, advert_int 1: Master_Down_Interval 3.609375 s (keepalived crash failover 3.6095 s)', () => {
    expect(masterDownIntervalMs(2, 100, 1000)).toBe(3609.375);
  });
  it('v2 prio 150: 3.414062 s — keepalived\'s integer microseconds (baseline §1: 3.414 s)', () => {
    expect(masterDownIntervalMs(2, 150, 1000)).toBe(3414.062);
  });
  it('RFC 5798 §6.1 (v3): Skew_Time scales with Master_Adver_Interval: 100 ms → 60.937 ms', () => {
    expect(skewTimeMs(3, 100, 100)).toBe(60.937);
    expect(masterDownIntervalMs(3, 100, 100)).toBeCloseTo(360.937, 9); // keepalived 0.3611 s
  });
  it('v3 advert_int 0.01: 30 ms + 6.093 ms', () => {
    expect(masterDownIntervalMs(3, 100, 10)).toBeCloseTo(36.093, 9);
  });
  it('v3 advert_int 1 s equals v2 at the same priority', () => {
    expect(masterDownIntervalMs(3, 100, 1000)).toBe(masterDownIntervalMs(2, 100, 1000));
  });
  it('down_timer_adverts changes the multiplier (keepalived vrrp_down_timer_adverts)', () => {
    expect(masterDownIntervalMs(2, 100, 1000, 5)).toBe(5609.375);
  });
  it('priority 255 skew is 1/256 s (the owner waits least)', () => {
    expect(skewTimeMs(2, 255, 1000)).toBe(3.906);
  });
});
