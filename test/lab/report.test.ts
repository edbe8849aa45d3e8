import { renderReport, reportFileName } from '../../src/lab/report';
import { synthConnSync, synthCycle, TIMERS } from './synth-drill';

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

  it('a restarted director that never answered has no start-up figure (not 0 ms)', () => {
    expect(synthCycle({ mode: 'crash', neverReady: true }).result.phases[1].startupMs).toBeNull();
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

  it('--conn-sync: both runs flow by flow, each with what was expected and its verdict; a broken synced flow is a violation on the page', () => {
    const page = (cs: ReturnType<typeof synthConnSync>) => renderReport({
      startedAt: '2026-11-30T11:00:00.000Z', argv: ['drill', '--conn-sync'], results: [{ ...crash.result, connSync: cs }],
      traces: [crash.trace], timers: TIMERS, maxLagMs: 100, exitStatus: cs.violations.length ? 1 : 0,
    });
    const good = page(synthConnSync());
    expect(good).toContain('<table id="conn-sync">');
    expect(good).toMatch(/<tr class="conn-sync-run" data-sync="true" data-ok="true"><th>with lvs_sync_daemon eth1 VI_I<\/th><th[^>]*>3\/3 on lb2 before the crash, lb2 took every VIP over; 3 survived, 0 broke; expected: every flow survives<\/th><td class="v-within">as expected<\/td>/);
    expect(good).toMatch(/data-sync="false" data-ok="true"><th>without lvs_sync_daemon<\/th><th[^>]*>0\/3 on lb2 before the crash, lb2 took every VIP over; 0 survived, 3 broke \(ECONNRESET ×2, stalled ×1\); expected: every flow breaks/);
    expect(good.match(/<tr class="flow" data-sync="true" data-outcome="survived"><td>flow \d<\/td><td>4000\d<\/td><td>survived<\/td><td>64 KiB<\/td><td>32 KiB<\/td>/g)).toHaveLength(3);
    expect(good).toContain('<td>flow 0</td><td>40000</td><td>broken</td><td>64 KiB</td><td>0 KiB</td><td>ECONNRESET</td>');
    const bad = page(synthConnSync(1));
    expect(bad).toContain('data-sync="true" data-ok="false"');
    expect(bad).toContain('<li>conn-sync: with lvs_sync_daemon: 1 of 3 long-lived connections broke in the crash failover (ECONNRESET ×1)</li>');
    expect(html).not.toContain('id="conn-sync"');
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
