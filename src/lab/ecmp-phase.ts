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
    failed: number;
    hung: number;
    /** Answered only after the SYN was retransmitted (connect ≥ SYN_RETRY_MS): failed for the new-connection target. */
    synRetried: number;
    /** The longest run of failing new connections (failed, hung or syn-retried): its first failure → the next success, ms. */
    outageMs: number;
    /** The slowest handshake among the phase's new connections, ms (null: none connected). */
    maxConnectMs: number | null;
  };
  /**
   * SYN retransmissions the client's kernel counted during the phase (nstat
   * TcpExtTCPSynRetrans): the oracle for http.synRetried, which a starved client could inflate
   * (a late 'connect' event) — null when unreadable.
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
  inconclusive: boolean;
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
  spread: EcmpPhaseResult['spread'];
}

/** The longest failing run among new connections started in [from, to). */
export function outageMs(events: EcmpClientRecord['newConns'], from: number, to: number): number {
  const inWindow = events.filter((e) => e.t >= from && e.t < to).sort((a, b) => a.t - b.t);
  let longest = 0;
  let runStart: number | null = null;
  for (const e of inWindow) {
    if (e.result !== 'ok') runStart ??= e.t;
    else if (runStart !== null) {
      longest = Math.max(longest, e.t - runStart);
      runStart = null;
    }
  }
  if (runStart !== null) longest = Math.max(longest, to - runStart);
  return longest;
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
      hung: inWindow.filter((e) => e.result === 'hung').length,
      synRetried: inWindow.filter((e) => e.result === 'syn-retried').length,
      outageMs: outageMs(rec.newConns, p.from, p.to),
      maxConnectMs: maxConnect(inWindow),
    },
    kernelSynRetrans: p.kernelSynRetrans ?? null,
    brokenFlows: breaks.length,
    flowsOnDirector: ports === null ? null : ports.size,
    brokenFlowsOnDirector: ports === null ? null : breaks.filter((b) => ports.has(b.port)).length,
    spread: p.spread,
    clientMaxLagMs,
    inconclusive: clientMaxLagMs > maxLagMs,
    violations: [],
  };
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
  const lines = ['phase                     director  converged  requests  failed  hung  SYN-retried (kernel)  outage   max connect  broken flows (of director\'s)  spread before → after  client lag'];
  for (const r of results) {
    const sp = (s: Record<string, number>) => Object.entries(s).map(([k, v]) => `${k}:${v}`).join(' ');
    lines.push(
      `${r.name.padEnd(25)} ${r.director.padEnd(9)} ${(r.convergedMs === null ? 'never' : `${r.convergedMs} ms`).padEnd(10)} ${String(r.http.requests).padEnd(9)} ${String(r.http.failed).padEnd(7)} ${String(r.http.hung).padEnd(5)} ${`${r.http.synRetried} (${r.kernelSynRetrans ?? '?'})`.padEnd(20)} ${`${r.http.outageMs} ms`.padEnd(8)} ${(r.http.maxConnectMs === null ? '-' : `${r.http.maxConnectMs} ms`).padEnd(12)} ` +
        `${`${r.brokenFlows} (${r.brokenFlowsOnDirector ?? '?'} of ${r.flowsOnDirector ?? '?'})`.padEnd(29)} ${sp(r.spread.before)} → ${sp(r.spread.after)}  ` +
        `${r.clientMaxLagMs} ms${r.inconclusive ? ' INCONCLUSIVE (the client was starved)' : ''}`,
    );
  }
  for (const r of results) for (const v of r.violations) lines.push(`VIOLATION ${v}`);
  return `${lines.join('\n')}\n`;
}
