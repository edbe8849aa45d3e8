import { CONNECT_TIMEOUT_MS, takeResponses } from '../../src/lab/ecmp-client';
import type { EcmpClientRecord } from '../../src/lab/ecmp-client';
import { analysePhase, clientFlows, establishedClientPorts, formatEcmpPhases, outageMs, spreadOf } from '../../src/lab/ecmp-phase';

const ok = (t: number) => ({ t, result: 'ok' as const, detail: 's1' });
const bad = (t: number) => ({ t, result: 'failed' as const, detail: 'ECONNREFUSED' });
const hung = (t: number) => ({ t, result: 'hung' as const, detail: 'no answer' });
const timedOut = (t: number) => ({ t, result: 'timeout' as const, connectMs: null, detail: 'not established in 501 ms' });

describe('ECMP drill phase figures', () => {
  it('outage = the failing window: first failing new connection → last failing one, successes in between do not end it', () => {
    expect(outageMs([ok(0), bad(100), bad(200), ok(300), bad(400), ok(450)], 0, 1000)).toBe(300);
    // ECMP: only the lost director's share fails, interleaved with survivors' successes
    expect(outageMs([ok(0), timedOut(100), ok(133), ok(166), timedOut(200), ok(233), hung(266), ok(300)], 0, 1000)).toBe(166);
    expect(outageMs([ok(0), bad(900)], 0, 1000)).toBe(0);
    expect(outageMs([ok(0), ok(100)], 0, 1000)).toBe(0);
    // events outside the window do not count
    expect(outageMs([bad(-500), ok(10), bad(20), bad(1000)], 0, 1000)).toBe(0);
  });

  const rec: EcmpClientRecord = {
    startedAt: 0, endedAt: 5000, flowRequests: 100, stalls: [{ t: 1500, lateMs: 30 }, { t: 3550, lateMs: 400 }],
    newConns: [ok(900), ok(1100), bad(1200), hung(1300), ok(1400), ok(3000)],
    flowBreaks: [{ t: 1250, port: 40001, reason: 'ECONNRESET' }, { t: 1260, port: 40009, reason: 'closed' }, { t: 4000, port: 40002, reason: 'closed' }],
  };

  it('cuts the record to the phase window; broken flows of the director by client port', () => {
    const r = analysePhase(rec, {
      name: 'links down', director: 'd3', from: 1000, to: 3500, convergedAt: 1900, directorFlowPorts: [40001, 40002, 40003], kernelSynRetrans: 0, spread: { before: { d1: 5 }, after: { d1: 7 } },
    });
    expect(r).toEqual({
      name: 'links down', director: 'd3', at: 1000, convergedMs: 900,
      http: { requests: 5, ok: 3, failed: 1, timedOut: 0, hung: 1, outageMs: 100, maxConnectMs: null },
      kernelSynRetrans: 0, brokenFlows: 2, flowsOnDirector: 3, brokenFlowsOnDirector: 1,
      spread: { before: { d1: 5 }, after: { d1: 7 } },
      clientMaxLagMs: 30, inconclusive: false, inconclusiveWhy: [],
      violations: ['links down: 1 requests hung'],
    });
    expect(formatEcmpPhases([r])).toContain('VIOLATION links down: 1 requests hung');
    expect(formatEcmpPhases([r])).toMatch(/links down\s+d3\s+900 ms\s+5\s+1\s+0\s+1\s+100 ms\s+-\s+2 \(1 of 3\)/);
  });

  it('a new connection not established within the connect timeout is a failure: it counts in the window, not in ok', () => {
    // kill -9 of a director: SYNs the router still hashes to it are lost; the client gives up before the kernel would resend
    const events = [{ ...ok(0), connectMs: 0.4 }, timedOut(100), { ...ok(150), connectMs: 0.5 }, timedOut(200), bad(300), { ...ok(1400), connectMs: 0.6 }, { ...ok(1500), connectMs: 0.5 }];
    const r = analysePhase({ ...rec, newConns: events, stalls: [], flowBreaks: [] }, { name: "kill -9 of halo's worker", director: 'd3', from: 0, to: 2000, convergedAt: 900, recoveredAt: 1800, directorFlowPorts: [], kernelSynRetrans: 0, spread: { before: {}, after: {} } });
    expect(r.http).toEqual({ requests: 7, ok: 4, failed: 1, timedOut: 2, hung: 0, outageMs: 200, maxConnectMs: 1 });
    expect(r.recoveredMs).toBe(1800);
    expect(r.inconclusive).toBe(false);
    expect(formatEcmpPhases([r])).toContain('re-announced 1800 ms');
  });

  it('the client kernel retransmitting a SYN means a connect timeout fired late: inconclusive', () => {
    expect(CONNECT_TIMEOUT_MS).toBeLessThan(1000);
    const r = analysePhase({ ...rec, stalls: [] }, { name: 'links down', director: 'd3', from: 0, to: 2000, convergedAt: 900, directorFlowPorts: null, kernelSynRetrans: 3, cleanupMs: 640, spread: { before: {}, after: {} } });
    expect(r).toMatchObject({ inconclusive: true, inconclusiveWhy: ['the client kernel retransmitted 3 SYNs: connect timeouts fired late'], cleanupMs: 640 });
    expect(formatEcmpPhases([r])).toContain('halo cleanup took 640 ms');
    expect(formatEcmpPhases([r])).toContain('INCONCLUSIVE (the client kernel retransmitted 3 SYNs');
  });

  it('a phase whose router never converged is a violation', () => {
    const r = analysePhase(rec, { name: 'x', director: 'd1', from: 3500, to: 3600, convergedAt: null, directorFlowPorts: null, spread: { before: {}, after: {} } });
    expect(r.violations).toEqual(['x: the router never converged']);
    // the client stalled 400 ms in this window: its figures say nothing
    expect(r).toMatchObject({ clientMaxLagMs: 400, inconclusive: true });
    expect(r.flowsOnDirector).toBeNull();
  });

  it('reads the client ports of established IPVS connections (ipvsadm -Lnc)', () => {
    const listing = [
      'IPVS connection entries',
      'pro expire state       source             virtual            destination',
      'TCP 14:59  ESTABLISHED 10.78.0.2:40001    192.0.2.80:80      10.77.0.21:80',
      'TCP 01:59  FIN_WAIT    10.78.0.2:40005    192.0.2.80:80      10.77.0.22:80',
      'TCP 14:58  ESTABLISHED 10.78.0.9:40002    192.0.2.80:80      10.77.0.22:80',
      'TCP 14:58  ESTABLISHED 10.78.0.2:40003    192.0.2.81:80      10.77.0.22:80',
    ].join('\n');
    expect(establishedClientPorts(listing, '10.78.0.2', '192.0.2.80')).toEqual([40001]);
  });

  it('spread: counter deltas; a recreated service (counter reset) counts from zero', () => {
    expect(spreadOf({ d1: 10, d2: 5 }, { d1: 14, d2: 2 })).toEqual({ d1: 4, d2: 2 });
    expect(spreadOf({ d1: 10 }, { d1: null })).toEqual({ d1: 0 });
  });

  it('takeResponses: complete keep-alive responses only', () => {
    const one = 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ns1\n';
    expect(takeResponses(one + one.slice(0, 20))).toEqual({ bodies: ['s1\n'], rest: one.slice(0, 20) });
    expect(takeResponses(one + one).bodies).toEqual(['s1\n', 's1\n']);
  });
});

describe('clientFlows (ipvsadm -Lnc)', () => {
  it('every entry to the VIP, whatever its state, by client address:port; other VIPs and headers left out', () => {
    const listing = [
      'IPVS connection entries',
      'pro expire state       source             virtual            destination',
      'TCP 01:59  FIN_WAIT    10.78.0.2:53506    192.0.2.80:80      10.77.0.22:80',
      'TCP 14:59  ESTABLISHED 10.78.0.2:53546    192.0.2.80:80      10.77.0.21:80',
      'TCP 00:59  SYN_RECV    10.78.0.3:40000    192.0.2.81:80      10.77.0.21:80',
      '',
    ].join('\n');
    expect(clientFlows(listing, '192.0.2.80')).toEqual(['10.78.0.2:53506', '10.78.0.2:53546']);
  });
});
