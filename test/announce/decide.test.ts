import { announceLine, decideAnnounce, drainStep, DRAIN_POLL_MS } from '../../src/announce/decide';

describe('decideAnnounce', () => {
  it('announces only when every virtual server on the VIP has quorum', () => {
    expect(decideAnnounce({ stopping: false, quorum: [true, true] })).toEqual({ announce: true, reason: 'quorum up' });
    expect(decideAnnounce({ stopping: false, quorum: [true, false] })).toEqual({ announce: false, reason: 'quorum lost' });
  });

  it('waits for the first quorum judgement (no flows before the IPVS table is filled)', () => {
    expect(decideAnnounce({ stopping: false, quorum: [true, null] })).toEqual({ announce: false, reason: 'quorum not yet judged' });
    // a judged loss wins over a pending judgement
    expect(decideAnnounce({ stopping: false, quorum: [null, false] })).toEqual({ announce: false, reason: 'quorum lost' });
  });

  it('withdraws when stopping, whatever the quorum', () => {
    expect(decideAnnounce({ stopping: true, quorum: [true] })).toEqual({ announce: false, reason: 'stopping' });
  });

  it('never announces a VIP with no virtual server', () => {
    expect(decideAnnounce({ stopping: false, quorum: [] })).toEqual({ announce: false, reason: 'no virtual server' });
  });
});

describe('announceLine', () => {
  const up = decideAnnounce({ stopping: false, quorum: [true] });
  const lost = decideAnnounce({ stopping: false, quorum: [false] });
  it('logs changes only', () => {
    expect(announceLine('WEB', '192.0.2.80', null, up)).toBe('(WEB) Announcing 192.0.2.80 (quorum up)');
    expect(announceLine('WEB', '192.0.2.80', true, up)).toBeNull();
    expect(announceLine('WEB', '192.0.2.80', true, lost)).toBe('(WEB) Withdrawing 192.0.2.80 (quorum lost)');
    expect(announceLine('WEB', '192.0.2.80', false, lost)).toBeNull();
    expect(announceLine('WEB', '192.0.2.80', null, lost)).toBe('(WEB) Not announcing 192.0.2.80 (quorum lost)');
  });
});

describe('drainStep (fake clock)', () => {
  const base = { withdrawnAtMs: 10_000, delayMs: 3000, timeoutMs: 20_000 };

  it('always waits drain_delay for the router, even with no connections', () => {
    expect(drainStep({ ...base, nowMs: 10_000, activeConnections: 0 })).toEqual({ done: false, waitingFor: 'router convergence', nextCheckAtMs: 13_000 });
    expect(drainStep({ ...base, nowMs: 12_999, activeConnections: 0 })).toMatchObject({ done: false, waitingFor: 'router convergence' });
    expect(drainStep({ ...base, nowMs: 13_000, activeConnections: 0 })).toEqual({ done: true, reason: 'no connections left' });
  });

  it('then waits for the connections, polling, until drain_timeout from the withdrawal', () => {
    expect(drainStep({ ...base, nowMs: 13_000, activeConnections: 4 })).toEqual({ done: false, waitingFor: 'connections', nextCheckAtMs: 13_000 + DRAIN_POLL_MS });
    expect(drainStep({ ...base, nowMs: 29_900, activeConnections: 4 })).toEqual({ done: false, waitingFor: 'connections', nextCheckAtMs: 30_000 });
    expect(drainStep({ ...base, nowMs: 30_000, activeConnections: 4 })).toEqual({ done: true, reason: 'drain_timeout' });
  });

  it('an unreadable count waits for the timeout instead of cutting connections', () => {
    expect(drainStep({ ...base, nowMs: 20_000, activeConnections: null })).toMatchObject({ done: false, waitingFor: 'connections' });
    expect(drainStep({ ...base, nowMs: 30_000, activeConnections: null })).toEqual({ done: true, reason: 'drain_timeout' });
  });

  it('a timeout shorter than the delay still waits the whole delay', () => {
    const d = { withdrawnAtMs: 0, delayMs: 5000, timeoutMs: 1000 };
    expect(drainStep({ ...d, nowMs: 4000, activeConnections: 9 })).toMatchObject({ done: false, waitingFor: 'router convergence' });
    expect(drainStep({ ...d, nowMs: 5000, activeConnections: 9 })).toEqual({ done: true, reason: 'drain_timeout' });
  });

  it('every step moves time forward (a drain loop driven by it ends)', () => {
    let now = 10_000;
    let steps = 0;
    for (;;) {
      const s = drainStep({ ...base, nowMs: now, activeConnections: 1 });
      if (s.done) break;
      expect(s.nextCheckAtMs).toBeGreaterThan(now);
      now = s.nextCheckAtMs;
      steps++;
      expect(steps).toBeLessThan(1000);
    }
    expect(now).toBe(30_000);
  });
});
