import { OWN_DELETE_MARK_MS, OwnDeletes, stillWanted, vipKey, vipRetryDelayMs } from '../../src/daemon/vip-upkeep';

describe('VIP upkeep rules', () => {
  it('retry delays: 100 ms doubling, capped at 5 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map(vipRetryDelayMs)).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000]);
  });

  it('an add is retried only while MASTER holding VIPs, a delete only while not MASTER; never after stop', () => {
    expect(stillWanted('add', { state: 'MASTER', vipsSet: true }, false)).toBe(true);
    expect(stillWanted('add', { state: 'BACKUP', vipsSet: false }, false)).toBe(false);
    expect(stillWanted('remove', { state: 'BACKUP', vipsSet: false }, false)).toBe(true);
    expect(stillWanted('remove', { state: 'FAULT', vipsSet: false }, false)).toBe(true);
    expect(stillWanted('remove', { state: 'MASTER', vipsSet: true }, false)).toBe(false);
    expect(stillWanted('add', { state: 'MASTER', vipsSet: true }, true)).toBe(false);
    expect(stillWanted('add', undefined, false)).toBe(false);
  });

  it('one key per address and interface, whatever the spelling', () => {
    expect(vipKey('2001:db8::1', 'eth0')).toBe(vipKey('2001:0db8:0:0::1', 'eth0'));
    expect(vipKey('192.0.2.1', 'eth0')).not.toBe(vipKey('192.0.2.1', 'eth1'));
  });

  it("halo's own delete is claimed once, within the mark's life; an unmarked one is someone else's", () => {
    const own = new OwnDeletes();
    const k = vipKey('192.0.2.1', 'eth0');
    own.mark(k, 0);
    expect(own.claim(k, 10)).toBe(true);
    expect(own.claim(k, 20)).toBe(false);
    own.mark(k, 0);
    expect(own.claim(k, OWN_DELETE_MARK_MS + 1)).toBe(false);
    own.mark(k, 0);
    own.unmark(k);
    expect(own.claim(k, 1)).toBe(false);
  });
});
