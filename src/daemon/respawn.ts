/**
 * When to respawn a crashed worker (pure). A worker that keeps dying must not spin: restarts are
 * delayed exponentially while they come quickly, and after `maxRestarts` inside `windowMs` the
 * supervisor gives up and exits non-zero so systemd's Restart= policy (and an operator) takes over.
 */
export interface RespawnPolicy {
  maxRestarts: number;
  windowMs: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** A worker that ran this long is considered healthy again: the delay resets. */
  stableAfterMs: number;
}

export const DEFAULT_RESPAWN_POLICY: RespawnPolicy = {
  maxRestarts: 5, windowMs: 60_000, initialDelayMs: 0, maxDelayMs: 5_000, stableAfterMs: 10_000,
};

export interface RespawnState {
  /** Times of recent restarts (ms). */
  restarts: number[];
  lastDelayMs: number;
}

export type RespawnDecision = { action: 'respawn'; delayMs: number } | { action: 'give-up'; reason: string };

export function decideRespawn(
  policy: RespawnPolicy, st: RespawnState, now: number, workerRanMs: number,
): { decision: RespawnDecision; state: RespawnState } {
  const recent = st.restarts.filter((t) => now - t < policy.windowMs);
  if (recent.length >= policy.maxRestarts) {
    return {
      decision: { action: 'give-up', reason: `worker died ${recent.length + 1} times within ${policy.windowMs / 1000} s` },
      state: { restarts: recent, lastDelayMs: st.lastDelayMs },
    };
  }
  const delayMs = workerRanMs >= policy.stableAfterMs
    ? policy.initialDelayMs
    : Math.min(policy.maxDelayMs, Math.max(100, st.lastDelayMs * 2));
  return { decision: { action: 'respawn', delayMs }, state: { restarts: [...recent, now], lastDelayMs: delayMs } };
}
