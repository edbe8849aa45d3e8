import { renderReport, reportFileName } from '../../src/lab/report';
import { synthCycle, TIMERS } from './synth-drill';

describe('drill report page', () => {
  const crash = synthCycle({ mode: 'crash' });
  const graceful = synthCycle({ mode: 'graceful', stall: [3000, 4500] });
  const html = renderReport({
    startedAt: '2026-11-30T11:00:00.000Z', argv: ['drill', '--mode', 'all'], results: [crash.result, graceful.result],
    traces: [crash.trace, graceful.trace], timers: TIMERS, maxLagMs: 100, exitStatus: 3,
  });

  it('the synthesised phases measure as their events say', () => {
    const [fo, fb] = crash.result.phases;
    expect(fo).toMatchObject({ valid: true, verdict: 'within' });
    expect(fo.http.outageMs).toBeGreaterThan(3500);
    expect(fb).toMatchObject({ valid: true, verdict: 'within', startupMs: 18_000 });
    expect(graceful.result.phases[0]).toMatchObject({ valid: false, verdict: 'inconclusive' });
    // an invalid phase carries no outage figure (the raw one is kept apart)
    expect(graceful.result.phases[0].http.outageMs).toBeNull();
    expect(graceful.result.phases[0].http.unvalidatedOutageMs).toBeGreaterThan(0);
  });

  it('is one self-contained page: no external asset, no script', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|src=|url\(|@import/i);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('has every phase with its verdict, and the run\'s verdict', () => {
    for (const p of ['crash failover', 'crash failback', 'graceful failover', 'graceful failback']) expect(html).toContain(`data-phase="${p}"`);
    expect(html).toContain('data-verdict="inconclusive"');
    expect(html).toMatch(/inconclusive: the measuring client was stalled for 1\.5 s/);
    expect(html).toContain('id="verdict" data-exit="3"');
    expect(html).not.toContain('id="spreads"');
    expect(reportFileName(new Date('2026-11-30T11:02:03.456Z'))).toBe('halo-drill-20261130-110203.html');
  });

  it('with repeats, a min / median / max table over the valid runs', () => {
    const again = { ...synthCycle({ mode: 'crash', takeoverMs: 3700 }), run: 2 };
    const page = renderReport({
      startedAt: '2026-11-30T11:00:00.000Z', argv: ['drill', '--repeat', '2'], results: [crash.result, { ...again.result, run: 2 }],
      traces: [crash.trace, again.trace], timers: TIMERS, maxLagMs: 100, exitStatus: 0,
    });
    expect(page).toMatch(/<table id="spreads">.*<td>crash failover<\/td><td>2\/2<\/td><td>0<\/td>/s);
  });
});
