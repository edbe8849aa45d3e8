/**
 * Long-lived flows through a failover (pure): what the connection-sync drill's client recorded
 * (stream-client.ts), which of its connections a director's IPVS table holds
 * (/proc/net/ip_vs_conn), and per flow whether it survived the takeover.
 *
 * A flow survived when its download went on through the new master: it grew in two reports
 * after every VIP was on the new master (so not one straggling segment), and it was still open
 * when the client stopped. It broke when it ended with an error (a reset: the new master's
 * kernel knew no such connection), or stalled: no data after the takeover. A flow that never
 * connected, or ended before the fault, says nothing about the failover: the run is void.
 */
import type { FlowRecord } from './stream-client';

export type FlowOutcome = 'survived' | 'broken' | 'stalled' | 'not-established' | 'ended-before-fault';

export interface FlowVerdict {
  f: number;
  /** The client's local port (0 when it never connected). */
  port: number;
  outcome: FlowOutcome;
  /** Bytes received before the fault, and after the takeover. */
  bytesBeforeFault: number;
  bytesAfterTakeover: number;
  /** How the flow ended: an error code, "eof", "stopped" (by the drill), or null (still open). */
  end: string | null;
}

export function parseFlowRecords(text: string): FlowRecord[] {
  const out: FlowRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as FlowRecord);
    } catch {
      /* a line cut by a write in progress: the next read has it whole */
    }
  }
  return out;
}

/** Reports of growth after `t`, for one flow. */
function growthAfter(rs: FlowRecord[], f: number, t: number): number {
  return rs.filter((r) => r.k === 'bytes' && r.f === f && r.t > t).length;
}

const endOf = (rs: FlowRecord[], f: number) => rs.find((r): r is Extract<FlowRecord, { k: 'end' }> => r.k === 'end' && r.f === f) ?? null;

/**
 * Whether every flow's fate after the takeover is known, so the drill can stop waiting: each has
 * ended or has grown in two reports after the takeover.
 */
export function flowsDecided(rs: FlowRecord[], flows: number, takeoverAt: number): boolean {
  for (let f = 0; f < flows; f++) if (!endOf(rs, f) && growthAfter(rs, f, takeoverAt) < 2) return false;
  return true;
}

/** Every flow connected and received some data (the drill's precondition for the fault). */
export function flowsStreaming(rs: FlowRecord[], flows: number): boolean {
  for (let f = 0; f < flows; f++) {
    if (!rs.some((r) => r.k === 'open' && r.f === f)) return false;
    if (!rs.some((r) => r.k === 'bytes' && r.f === f && r.n > 0)) return false;
  }
  return true;
}

export function openPorts(rs: FlowRecord[]): number[] {
  return rs.filter((r): r is Extract<FlowRecord, { k: 'open' }> => r.k === 'open').sort((a, b) => a.f - b.f).map((r) => r.port);
}

export function judgeFlows(rs: FlowRecord[], flows: number, faultAt: number, takeoverAt: number | null): FlowVerdict[] {
  const verdicts: FlowVerdict[] = [];
  for (let f = 0; f < flows; f++) {
    const open = rs.find((r): r is Extract<FlowRecord, { k: 'open' }> => r.k === 'open' && r.f === f);
    const bytes = rs.filter((r): r is Extract<FlowRecord, { k: 'bytes' }> => r.k === 'bytes' && r.f === f);
    const end = endOf(rs, f);
    const before = bytes.filter((r) => r.t <= faultAt).reduce((a, r) => Math.max(a, r.n), 0);
    const last = bytes.reduce((a, r) => Math.max(a, r.n), 0);
    const atTakeover = takeoverAt === null ? last : bytes.filter((r) => r.t <= takeoverAt).reduce((a, r) => Math.max(a, r.n), 0);
    let outcome: FlowOutcome;
    if (!open) outcome = 'not-established';
    else if (end && end.t <= faultAt) outcome = 'ended-before-fault';
    else if (end && end.err !== 'stopped') outcome = 'broken';
    else if (takeoverAt !== null && growthAfter(rs, f, takeoverAt) >= 2) outcome = 'survived';
    else outcome = 'stalled';
    verdicts.push({ f, port: open?.port ?? 0, outcome, bytesBeforeFault: before, bytesAfterTakeover: last - atTakeover, end: end?.err ?? null });
  }
  return verdicts;
}

/** One connection of a director's IPVS table, as /proc/net/ip_vs_conn lists it (IPv4 rows). */
export interface IpvsConn {
  protocol: string;
  client: string;
  clientPort: number;
  virtual: string;
  virtualPort: number;
  dest: string;
  destPort: number;
  state: string;
}

const hexIp = (h: string) => [24, 16, 8, 0].map((s) => (parseInt(h, 16) >>> s) & 0xff).join('.');

/**
 * /proc/net/ip_vs_conn: `Pro FromIP FPrt ToIP TPrt DestIP DPrt State Expires PEName PEData`,
 * IPv4 addresses and every port in hex; IPv6 rows (addresses with ':') are left out.
 */
export function parseIpvsConns(text: string): IpvsConn[] {
  const out: IpvsConn[] = [];
  for (const line of text.split('\n')) {
    const c = line.trim().split(/\s+/);
    if (c.length < 8 || !/^[0-9A-F]{8}$/i.test(c[1]) || !/^[0-9A-F]{8}$/i.test(c[3]) || !/^[0-9A-F]{8}$/i.test(c[5])) continue;
    out.push({
      protocol: c[0], client: hexIp(c[1]), clientPort: parseInt(c[2], 16), virtual: hexIp(c[3]), virtualPort: parseInt(c[4], 16),
      dest: hexIp(c[5]), destPort: parseInt(c[6], 16), state: c[7],
    });
  }
  return out;
}

/** The client ports among `ports` whose TCP connection to vip:vport the table holds as ESTABLISHED. */
export function establishedPorts(conns: IpvsConn[], client: string, vip: string, vport: number, ports: number[]): number[] {
  return ports.filter((p) => conns.some((c) => c.protocol === 'TCP' && c.state === 'ESTABLISHED' && c.client === client && c.clientPort === p && c.virtual === vip && c.virtualPort === vport));
}

/** A run's tally: how many flows survived, broke (broken or stalled), and why they broke. */
export function tally(vs: FlowVerdict[]): { survived: number; broke: number; void: number; ends: Record<string, number> } {
  const ends: Record<string, number> = {};
  for (const v of vs) {
    if (v.outcome === 'broken') ends[v.end ?? '?'] = (ends[v.end ?? '?'] ?? 0) + 1;
    if (v.outcome === 'stalled') ends.stalled = (ends.stalled ?? 0) + 1;
  }
  return {
    survived: vs.filter((v) => v.outcome === 'survived').length,
    broke: vs.filter((v) => v.outcome === 'broken' || v.outcome === 'stalled').length,
    void: vs.filter((v) => v.outcome === 'not-established' || v.outcome === 'ended-before-fault').length,
    ends,
  };
}
