/**
 * A failed VRRP socket is a fault (src/vrrp/instance.ts, event `socket`): a MASTER goes to FAULT,
 * sends priority 0 where its link allows (the shell reopens the socket at once so it can) and
 * releases its VIPs, so the peer takes over after Skew_Time instead of both being MASTER; once
 * the shell reports the socket working again the instance is a BACKUP and preempts as usual.
 */
import { logs, twoDirectors } from './harness';

describe('VRRP socket failure', () => {
  it('MASTER → FAULT with a priority-0 advert and its VIPs released; back to BACKUP, then MASTER, when the socket works again', () => {
    const lan = twoDirectors();
    lan.start('lb1');
    lan.start('lb2');
    lan.run(10_000);
    expect(lan.state('lb1').state).toBe('MASTER');
    const t0 = lan.now;
    const actions = lan.event('lb1', 'VI_1', { type: 'socket', up: false, reason: 'ENETDOWN receiving on the VRRP socket of eth0' });
    expect(lan.state('lb1').state).toBe('FAULT');
    expect(logs(actions)).toEqual([
      '(VI_1) VRRP socket on eth0 failed: ENETDOWN receiving on the VRRP socket of eth0',
      '(VI_1) Entering FAULT STATE',
      '(VI_1) sent 0 priority',
      '(VI_1) removing VIPs.',
    ]);
    expect(actions.find((a) => a.type === 'sendAdvert')).toMatchObject({ priority: 0 });
    expect(actions.some((a) => a.type === 'removeVips')).toBe(true);
    expect(lan.state('lb1').vipsSet).toBe(false);
    lan.run(1_000);
    expect(lan.state('lb2').state).toBe('MASTER');
    expect(lan.sent('lb2', t0)[0].t - t0).toBeCloseTo(609.375, 6); // Skew_Time at 100: the priority 0 was heard
    // nothing leaves a FAULT instance while the socket is down
    lan.run(5_000);
    expect(lan.sent('lb1', t0 + 1)).toEqual([]);
    // the shell reopened it
    const back = lan.event('lb1', 'VI_1', { type: 'socket', up: true });
    expect(logs(back)).toEqual(['(VI_1) VRRP socket on eth0 reopened', '(VI_1) Entering BACKUP STATE']);
    lan.run(10_000);
    expect(lan.state('lb1').state).toBe('MASTER'); // 150 preempts 100
    expect(lan.state('lb2').state).toBe('BACKUP');
  });

  it('a repeated report changes nothing; a BACKUP goes to FAULT without sending anything', () => {
    const lan = twoDirectors();
    lan.start('lb1');
    lan.start('lb2');
    lan.run(10_000);
    const first = lan.event('lb2', 'VI_1', { type: 'socket', up: false, reason: 'x' });
    expect(lan.state('lb2').state).toBe('FAULT');
    expect(first.some((a) => a.type === 'sendAdvert' || a.type === 'removeVips')).toBe(false);
    expect(lan.event('lb2', 'VI_1', { type: 'socket', up: false, reason: 'x' })).toEqual([]);
  });

  it('the socket fault and a down interface are separate reasons: both must clear', () => {
    const lan = twoDirectors();
    lan.start('lb1');
    lan.run(10_000);
    lan.event('lb1', 'VI_1', { type: 'socket', up: false, reason: 'interface eth0 removed' });
    lan.setLink('lb1', 'eth0', false);
    lan.event('lb1', 'VI_1', { type: 'socket', up: true });
    expect(lan.state('lb1').state).toBe('FAULT');
    lan.setLink('lb1', 'eth0', true);
    expect(lan.state('lb1').state).toBe('BACKUP');
  });
});
