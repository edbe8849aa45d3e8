import { decideRespawn, DEFAULT_RESPAWN_POLICY as P, RespawnState } from '../../src/daemon/respawn';

describe('worker respawn policy', () => {
  const fresh: RespawnState = { restarts: [], lastDelayMs: 0 };

  it('respawns a long-running worker at once', () => {
    expect(decideRespawn(P, fresh, 100_000, 3_600_000).decision).toEqual({ action: 'respawn', delayMs: 0 });
  });

  it('backs off exponentially while the worker keeps dying fast, capped', () => {
    let st = fresh;
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = decideRespawn({ ...P, maxRestarts: 100 }, st, 1000 * i, 50);
      if (r.decision.action !== 'respawn') throw new Error('gave up');
      delays.push(r.decision.delayMs);
      st = r.state;
    }
    expect(delays).toEqual([100, 200, 400, 800, 1600]);
    let s2: RespawnState = { restarts: [], lastDelayMs: 4000 };
    expect(decideRespawn({ ...P, maxRestarts: 100 }, s2, 0, 50).decision).toEqual({ action: 'respawn', delayMs: 5000 });
    s2 = { restarts: [], lastDelayMs: 4000 };
    expect(decideRespawn(P, s2, 0, 20_000).decision).toEqual({ action: 'respawn', delayMs: 0 });
  });

  it('gives up after maxRestarts within the window, and forgets old restarts', () => {
    const st: RespawnState = { restarts: [1, 2, 3, 4, 5], lastDelayMs: 100 };
    expect(decideRespawn(P, st, 10, 50).decision).toEqual({ action: 'give-up', reason: 'worker died 6 times within 60 s' });
    expect(decideRespawn(P, st, 70_000, 50).decision.action).toBe('respawn');
  });
});
