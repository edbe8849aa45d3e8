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

  it('--ipv6: HTTP over IPv6 has its outage column, its timeline row and a say in the verdict', () => {
    const v6 = synthCycle({ mode: 'graceful', ipv6OutageMs: 5000 });
    const page = renderReport({
      startedAt: '2026-11-30T11:00:00.000Z', argv: ['drill', '--ipv6', '--mode', 'graceful'], results: [v6.result],
      traces: [v6.trace], timers: TIMERS, maxLagMs: 100, exitStatus: 1,
    });
    expect(page).toContain('<th>HTTP6 outage</th>');
    expect(page).toMatch(/<tr class="phase-row" data-phase="graceful failover" data-run="1">\s*<td>graceful failover<\/td><td>1<\/td><td>1<\/td><td class="v-beyond">beyond<\/td>\s*<td>\d+\.\d ms<\/td><td>\d+\.\d ms<\/td><td class="http6">5\.\d{3} s<\/td>/);
    expect(page).toMatch(/data-phase="graceful failover" data-valid="true" data-verdict="beyond"/);
    expect(page).toMatch(/HTTP over IPv6 outage 5\.\d{3} s \(HTTP over IPv6 outage \d+(\.\d)? ms &gt; 909\.4 ms/);
    expect(page).toMatch(/>HTTP6<\/text>/);
    // without --ipv6 none of it
    expect(html).not.toContain('HTTP6');
    expect(html).not.toContain('IPv6');
  });
});
