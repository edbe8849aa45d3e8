/**
 * Whether a director announces a VIP, and when a stopping director may tear down IPVS: pure
 * rules over plain data (no clock, no sockets); src/daemon/announcer.ts does the I/O.
 *
 * A VIP is announced (its address present on the host, which the routing daemon turns into a
 * BGP route) only while halo runs, is not stopping, and every virtual_server on the VIP has
 * quorum (keepalived's quorum_state_up) as the pool rules last judged it — never before the
 * first judgement, so a starting director attracts no flows before its IPVS table is filled.
 */

export type WithdrawReason = 'stopping' | 'no virtual server' | 'quorum not yet judged' | 'quorum lost';

export type AnnounceDecision = { announce: true; reason: 'quorum up' } | { announce: false; reason: WithdrawReason };

export interface AnnounceInput {
  stopping: boolean;
  /** quorum_state_up of each virtual_server on the VIP; null = not judged yet. */
  quorum: readonly (boolean | null)[];
}

export function decideAnnounce(i: AnnounceInput): AnnounceDecision {
  if (i.stopping) return { announce: false, reason: 'stopping' };
  if (i.quorum.length === 0) return { announce: false, reason: 'no virtual server' };
  if (i.quorum.some((q) => q === false)) return { announce: false, reason: 'quorum lost' };
  if (i.quorum.some((q) => q === null)) return { announce: false, reason: 'quorum not yet judged' };
  return { announce: true, reason: 'quorum up' };
}

/** The log line for a change of decision (null when nothing changed), in keepalived's manner: `(NAME) …`. */
export function announceLine(name: string, address: string, before: boolean | null, d: AnnounceDecision): string | null {
  if (before === d.announce) return null;
  if (d.announce) return `(${name}) Announcing ${address} (${d.reason})`;
  // nothing was announced yet: a director that starts without quorum says why it waits
  return before === null ? `(${name}) Not announcing ${address} (${d.reason})` : `(${name}) Withdrawing ${address} (${d.reason})`;
}

export interface DrainInput {
  /** When the VIP's address left the host (the routing daemon withdraws the route then). */
  withdrawnAtMs: number;
  nowMs: number;
  /** drain_delay: the router's convergence time, always waited. */
  delayMs: number;
  /** drain_timeout: the longest wait for connections, counted from the withdrawal. */
  timeoutMs: number;
  /** Active connections of the VIP's IPVS services now; null when they could not be read. */
  activeConnections: number | null;
}

export type DrainStep =
  | { done: false; waitingFor: 'router convergence' | 'connections'; nextCheckAtMs: number }
  | { done: true; reason: 'no connections left' | 'drain_timeout' };

/** How often connections are counted while draining. */
export const DRAIN_POLL_MS = 250;

/**
 * Drain: the withdrawal first; then at least drain_delay for the router to move new flows to
 * the other directors; then until the VIP's connections end or drain_timeout passes. Unknown
 * counts wait for the timeout (never cut connections on a failed read).
 */
export function drainStep(i: DrainInput): DrainStep {
  const converged = i.withdrawnAtMs + i.delayMs;
  if (i.nowMs < converged) return { done: false, waitingFor: 'router convergence', nextCheckAtMs: converged };
  if (i.activeConnections === 0) return { done: true, reason: 'no connections left' };
  const deadline = i.withdrawnAtMs + Math.max(i.delayMs, i.timeoutMs);
  if (i.nowMs >= deadline) return { done: true, reason: 'drain_timeout' };
  return { done: false, waitingFor: 'connections', nextCheckAtMs: Math.min(deadline, i.nowMs + DRAIN_POLL_MS) };
}
