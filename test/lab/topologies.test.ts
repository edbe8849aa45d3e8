import type { DrillResult } from '../../src/lab/drill';
import { analysePhase } from '../../src/lab/ecmp-phase';
import { formatTopologies } from '../../src/lab/topologies';

describe('halo lab drill --topology vrrp+ecmp: one report', () => {
  it('lists the VRRP failovers and the ECMP phases side by side, each with its own validity', () => {
    const vrrp = [{
      mode: 'crash', run: 1, realServerFailure: null, hung: 0, violations: [], inconclusive: [], attempts: 1,
      phases: [
        { name: 'failover (kill -9 lb1)', valid: true, http: { outageMs: 140 } },
        { name: 'failback', valid: false, http: { outageMs: null } },
      ],
    }] as unknown as DrillResult[];
    const rec = { startedAt: 0, endedAt: 3000, flowRequests: 0, stalls: [], flowBreaks: [{ t: 500, port: 41000, reason: 'ECONNRESET' }], newConns: [
      { t: 100, result: 'ok' as const, detail: 's1' }, { t: 200, result: 'timeout' as const, detail: 'not established in 500 ms' },
      { t: 250, result: 'ok' as const, detail: 's2' }, { t: 700, result: 'timeout' as const, detail: 'not established in 500 ms' }, { t: 900, result: 'ok' as const, detail: 's1' },
    ] };
    const ecmp = [analysePhase(rec, { name: 'links down', director: 'd3', from: 0, to: 3000, convergedAt: 800, directorFlowPorts: [41000, 41001], kernelSynRetrans: 0, spread: { before: {}, after: {} } })];
    const text = formatTopologies(vrrp, ecmp);
    expect(text.split('\n')[0]).toBe('vrrp (active/standby) beside ecmp (active-active): new connections');
    expect(text).toMatch(/vrrp\s+crash #1\s+failover \(kill -9 lb1\)\s+outage 140 ms\n/);
    expect(text).toMatch(/vrrp\s+crash #1\s+failback\s+outage unmeasured \(inconclusive\)\n/);
    expect(text).toMatch(/ecmp\s+d3\s+links down\s+failing window 500 ms \(2 of 5 new connections\), broken flows 1 of 2 on the director\n/);
  });
});
