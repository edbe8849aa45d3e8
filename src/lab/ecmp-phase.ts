/**
 * One ECMP drill phase's figures, computed from the client's record (pure): the drill's JSON
 * shape (`name`, `http.outageMs`, `http.failed`, …) plus `brokenFlows` and the ECMP spread.
 */
import type { EcmpClientRecord } from './ecmp-client';

export interface EcmpPhaseResult {
  name: string;
  /** The director the phase acts on. */
  director: string;
  at: number;
  /** Fault → the router's FIB no longer (or again) points at the director, ms; null if never seen. */
  convergedMs: number | null;
  http: {
    requests: number;
    ok: number;
    /** Refused, reset or closed before an answer. */
    failed: number;
    /** Not established within the client's connect timeout (below the 1 s SYN RTO: the single SYN went unanswered). */
    timedOut: number;
    /** Established, then no answer. */
    hung: number;
    /**
     * The window in which new connections failed: the first failing attempt (failed, timed out
     * or hung) → the last one, ms, over the attempts started in the phase (0: at most one
     * failed). With ECMP only the flows hashed to the lost director fail, so the successes in
     * between do not end it. Its resolution is the client's attempt interval.
     */
    outageMs: number;
    /** The slowest handshake among the phase's new connections, ms (null: none connected). */
    maxConnectMs: number | null;
  };
  /**
   * SYN retransmissions the client's kernel counted during the phase (nstat
   * TcpExtTCPSynRetrans), null when unreadable. Every attempt is abandoned before the 1 s RTO,
   * so anything above 0 means the client's timers fired late (starved): the phase is
   * inconclusive.
   */
  kernelSynRetrans: number | null;
  /** Long-lived connections that broke during the phase. */
  brokenFlows: number;
  /** Long-lived connections the director carried when the phase began (from its IPVS table). */
  flowsOnDirector: number | null;
  /** Of those, how many broke. */
  brokenFlowsOnDirector: number | null;
  /** New connections IPVS scheduled per director (ipvsadm --stats Conns) in a window before the fault and at the phase's end. */
  spread: { before: Record<string, number>; after: Record<string, number> };
  /** The client's longest stall in the phase, ms; beyond the limit the figures are inconclusive (a starved client measures itself). */
  clientMaxLagMs: number;
  /** Fault → the router had every path again after a worker kill -9 (the respawned worker announced), ms; absent: not such a phase. */
  recoveredMs?: number | null;
  /** kill -9 of both halo processes: how long `halo cleanup` (ExecStopPost) took, ms. */
  cleanupMs?: number | null;
  inconclusive: boolean;
  /** Why (empty: valid). */
  inconclusiveWhy: string[];
  /** Invariants this phase broke (empty: none). */
  violations: string[];
}

export interface EcmpPhaseInput {
  name: string;
  director: string;
  from: number;
  to: number;
  convergedAt: number | null;
  /** Client ports of the long-lived flows through the director at `from` (null: unknown). */
  directorFlowPorts: number[] | null;
  /** The client kernel's SYN retransmissions in the phase (absent/null: not read). */
  kernelSynRetrans?: number | null;
  recoveredAt?: number | null;
  cleanupMs?: number | null;
  spread: EcmpPhaseResult['spread'];
}

/** First failing → last failing new connection among those started in [from, to), ms (0: none or one). */
export function outageMs(events: EcmpClientRecord['newConns'], from: number, to: number): number {
  const failing = events.filter((e) => e.t >= from && e.t < to && e.result !== 'ok').map((e) => e.t);
  return failing.length === 0 ? 0 : Math.max(...failing) - Math.min(...failing);
}

function maxConnect(events: EcmpClientRecord['newConns']): number | null {
  const c = events.map((e) => e.connectMs).filter((x): x is number => typeof x === 'number');
  return c.length === 0 ? null : Math.round(Math.max(...c));
}

export function analysePhase(rec: EcmpClientRecord, p: EcmpPhaseInput, maxLagMs = 100): EcmpPhaseResult {
  const clientMaxLagMs = Math.max(0, ...rec.stalls.filter((s) => s.t >= p.from && s.t < p.to).map((s) => s.lateMs));
  const inWindow = rec.newConns.filter((e) => e.t >= p.from && e.t < p.to);
  const breaks = rec.flowBreaks.filter((b) => b.t >= p.from && b.t < p.to);
  const ports = p.directorFlowPorts === null ? null : new Set(p.directorFlowPorts);
  const result: EcmpPhaseResult = {
    name: p.name,
    director: p.director,
    at: p.from,
    convergedMs: p.convergedAt === null ? null : p.convergedAt - p.from,
    http: {
      requests: inWindow.length,
      ok: inWindow.filter((e) => e.result === 'ok').length,
      failed: inWindow.filter((e) => e.result === 'failed').length,
      timedOut: inWindow.filter((e) => e.result === 'timeout').length,
      hung: inWindow.filter((e) => e.result === 'hung').length,
      outageMs: outageMs(rec.newConns, p.from, p.to),
      maxConnectMs: maxConnect(inWindow),
    },
    kernelSynRetrans: p.kernelSynRetrans ?? null,
    brokenFlows: breaks.length,
    flowsOnDirector: ports === null ? null : ports.size,
    brokenFlowsOnDirector: ports === null ? null : breaks.filter((b) => ports.has(b.port)).length,
    spread: p.spread,
    clientMaxLagMs,
    ...(p.recoveredAt !== undefined ? { recoveredMs: p.recoveredAt === null ? null : p.recoveredAt - p.from } : {}),
    ...(p.cleanupMs !== undefined ? { cleanupMs: p.cleanupMs } : {}),
    inconclusive: false,
    inconclusiveWhy: [],
    violations: [],
  };
  if (clientMaxLagMs > maxLagMs) result.inconclusiveWhy.push(`the client stalled ${clientMaxLagMs} ms`);
  if ((result.kernelSynRetrans ?? 0) > 0) result.inconclusiveWhy.push(`the client kernel retransmitted ${result.kernelSynRetrans} SYNs: connect timeouts fired late`);
  result.inconclusive = result.inconclusiveWhy.length > 0;
  if (result.convergedMs === null) result.violations.push(`${p.name}: the router never converged`);
  if (result.http.hung > 0) result.violations.push(`${p.name}: ${result.http.hung} requests hung`);
  return result;
}

/** `ipvsadm -Lnc` → its connection entries: state, client `address:port`, virtual `address:port`. */
function connectionEntries(listing: string): Array<{ state: string; source: string; virtual: string }> {
  const out: Array<{ state: string; source: string; virtual: string }> = [];
  for (const line of listing.split('\n')) {
    const f = line.trim().split(/\s+/);
    // pro expire state source virtual destination
    if (f.length < 6 || !/^(TCP|UDP|SCTP)$/.test(f[0])) continue;
    out.push({ state: f[2], source: f[3], virtual: f[4] });
  }
  return out;
}

/** `ipvsadm -Lnc` → client ports of ESTABLISHED connections from `client` to `vip`. */
export function establishedClientPorts(listing: string, client: string, vip: string): number[] {
  return connectionEntries(listing)
    .filter((e) => e.state === 'ESTABLISHED' && e.virtual.startsWith(`${vip}:`) && e.source.slice(0, e.source.lastIndexOf(':')) === client)
    .map((e) => Number(e.source.slice(e.source.lastIndexOf(':') + 1)));
}

/**
 * `ipvsadm -Lnc` → every connection entry's client `address:port` to `vip`, whatever its state.
 * An entry stays at least 2 min after its flow ends (FIN_WAIT/TIME_WAIT), so readings seconds
 * apart see every flow that came between them.
 */
export function clientFlows(listing: string, vip: string): string[] {
  return connectionEntries(listing).filter((e) => e.virtual.startsWith(`${vip}:`)).map((e) => e.source);
}

/** Flow-count deltas per director between two readings. */
export function spreadOf(before: Record<string, number | null>, after: Record<string, number | null>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(after)) out[k] = (after[k] ?? 0) - (before[k] ?? 0) < 0 ? (after[k] ?? 0) : (after[k] ?? 0) - (before[k] ?? 0);
  return out;
}

export function formatEcmpPhases(results: EcmpPhaseResult[]): string {
  const cols: Array<[string, number, (r: EcmpPhaseResult) => string]> = [
    ['phase', 34, (r) => r.name],
    ['director', 9, (r) => r.director],
    ['converged', 10, (r) => (r.convergedMs === null ? 'never' : `${r.convergedMs} ms`)],
    ['requests', 9, (r) => String(r.http.requests)],
    ['failed', 7, (r) => String(r.http.failed)],
    ['timed out', 10, (r) => String(r.http.timedOut)],
    ['hung', 5, (r) => String(r.http.hung)],
    ['failing window', 15, (r) => `${r.http.outageMs} ms`],
    ['max connect', 12, (r) => (r.http.maxConnectMs === null ? '-' : `${r.http.maxConnectMs} ms`)],
    ['broken flows (of director\'s)', 30, (r) => `${r.brokenFlows} (${r.brokenFlowsOnDirector ?? '?'} of ${r.flowsOnDirector ?? '?'})`],
    ['spread before → after', 0, (r) => {
      const sp = (s: Record<string, number>) => Object.entries(s).map(([k, v]) => `${k}:${v}`).join(' ');
      return `${sp(r.spread.before)} → ${sp(r.spread.after)}`;
    }],
  ];
  const row = (cells: string[]) => cells.map((c, i) => (cols[i][1] ? c.padEnd(cols[i][1]) : c)).join(' ');
  const lines = [row(cols.map((c) => c[0]))];
  for (const r of results) {
    const extra = [
      r.recoveredMs !== undefined ? `re-announced ${r.recoveredMs === null ? 'never' : `${r.recoveredMs} ms`}` : null,
      r.cleanupMs !== undefined ? `halo cleanup took ${r.cleanupMs === null ? '?' : `${r.cleanupMs} ms`}` : null,
      `client lag ${r.clientMaxLagMs} ms, kernel SYN retransmissions ${r.kernelSynRetrans ?? '?'}`,
      r.inconclusive ? `INCONCLUSIVE (${r.inconclusiveWhy.join('; ')})` : 'valid',
    ].filter(Boolean);
    lines.push(row(cols.map((c) => c[2](r))), `    ${extra.join(', ')}`);
  }
  for (const r of results) for (const v of r.violations) lines.push(`VIOLATION ${v}`);
  return `${lines.join('\n')}\n`;
}
