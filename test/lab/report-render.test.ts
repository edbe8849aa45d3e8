/**
 * The drill report in a real browser: Debian's headless chromium lays the page out, a probe
 * appended to a copy of it measures what was drawn, and a screenshot is taken (kept in
 * $HALO_REPORT_SHOTS when set, for a human to look at). chromium comes with
 * `deploy/install-deps.sh test` (test/support/prerequisites.ts: missing under CI is a failure).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderReport } from '../../src/lab/report';
import { synthConnSync, synthCycle, TIMERS } from './synth-drill';
import { describeNeeding, tool } from '../support/prerequisites';

function chromium(args: string[]): string {
  return execFileSync('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--user-data-dir=' + join(dir, 'profile'), ...args], {
    encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'ignore'],
  });
}

/** Measures the laid-out page and writes the figures into it, for --dump-dom to return. */
const PROBE = `<script>
addEventListener('load', () => {
  const box = (e) => { const r = e.getBoundingClientRect(); return { w: Math.round(r.width), h: Math.round(r.height) }; };
  const phases = [...document.querySelectorAll('section.phase')].map((s) => ({
    phase: s.dataset.phase, verdict: s.dataset.verdict, box: box(s), svg: box(s.querySelector('svg')),
    bars: s.querySelectorAll('svg rect').length, heading: s.querySelector('h3').innerText }));
  const verdict = document.getElementById('verdict');
  const cs = document.getElementById('conn-sync');
  const connSync = cs && { box: box(cs), runs: [...cs.querySelectorAll('tr.conn-sync-run')].map((r) => ({ sync: r.dataset.sync, ok: r.dataset.ok, text: r.innerText, verdictBg: getComputedStyle(r.lastElementChild).backgroundColor })),
    flows: [...cs.querySelectorAll('tr.flow')].map((r) => ({ sync: r.dataset.sync, outcome: r.cells[2].innerText, h: box(r).h })) };
  const out = { phases, connSync, verdictBg: getComputedStyle(verdict).backgroundColor, verdictText: verdict.innerText, rows: document.querySelectorAll('#summary tr.phase-row').length };
  const pre = document.createElement('pre'); pre.id = 'probe'; pre.textContent = JSON.stringify(out); document.body.appendChild(pre);
});
</script>`;

let dir: string;

describeNeeding(tool('chromium'))('drill report in headless chromium', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'halo-report-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cycles = [synthCycle({ mode: 'crash' }), synthCycle({ mode: 'graceful', stall: [3000, 4500] }), synthCycle({ mode: 'link' })];
  // --conn-sync: its result rides on the last mode's, as the drill leaves it
  const results = cycles.map((c, i) => (i === cycles.length - 1 ? { ...c.result, connSync: synthConnSync() } : c.result));
  const html = renderReport({
    startedAt: '2026-11-30T11:00:00.000Z', argv: ['drill', '--mode', 'all', '--conn-sync'], results,
    traces: cycles.map((c) => c.trace), timers: TIMERS, maxLagMs: 100, exitStatus: 3,
  });

  it('lays out every phase with its timeline and verdict', () => {
    const page = join(dir, 'report.html');
    writeFileSync(page, html);
    writeFileSync(join(dir, 'probed.html'), html.replace('</body>', `${PROBE}</body>`));
    const dom = chromium(['--virtual-time-budget=5000', '--dump-dom', `file://${join(dir, 'probed.html')}`]);
    const m = /<pre id="probe">([^<]*)<\/pre>/.exec(dom);
    expect(m).not.toBeNull();
    const probe = JSON.parse(m![1].replace(/&quot;/g, '"').replace(/&amp;/g, '&')) as {
      phases: Array<{ phase: string; verdict: string; box: { w: number; h: number }; svg: { w: number; h: number }; bars: number; heading: string }>;
      verdictBg: string; verdictText: string; rows: number;
      connSync: { box: { w: number; h: number }; runs: Array<{ sync: string; ok: string; text: string; verdictBg: string }>; flows: Array<{ sync: string; outcome: string; h: number }> } | null;
    };
    expect(probe.phases.map((p) => p.phase)).toEqual(['crash failover', 'crash failback', 'graceful failover', 'graceful failback', 'link failover', 'link failback']);
    for (const p of probe.phases) {
      expect(p.svg.w).toBe(1400);
      expect(p.svg.h).toBeGreaterThan(150);
      expect(p.bars).toBeGreaterThan(100);
      expect(p.heading).toContain(p.phase);
    }
    expect(probe.phases[2]).toMatchObject({ verdict: 'inconclusive' });
    expect(probe.phases[2].heading).toMatch(/inconclusive: the measuring client was stalled for 1\.5 s/);
    expect(probe.rows).toBe(6);
    expect(probe.verdictText).toMatch(/^INCONCLUSIVE/);
    expect(probe.verdictBg).toBe('rgb(119, 119, 119)');
    // --conn-sync: both runs laid out, each with its expectation and a green verdict, a row per flow
    expect(probe.connSync).not.toBeNull();
    const cs = probe.connSync!;
    expect(cs.box.h).toBeGreaterThan(100);
    expect(cs.runs.map((r) => [r.sync, r.ok])).toEqual([['true', 'true'], ['false', 'true']]);
    expect(cs.runs[0].text).toMatch(/with lvs_sync_daemon eth1 VI_I\s+3\/3 on lb2 before the crash, lb2 took every VIP over; 3 survived, 0 broke; expected: every flow survives\s+as expected/);
    expect(cs.runs[1].text).toMatch(/without lvs_sync_daemon\s+0\/3 on lb2 before the crash.*expected: every flow breaks\s+as expected/);
    for (const r of cs.runs) expect(r.verdictBg).toBe('rgb(46, 157, 74)');
    expect(cs.flows.map((f) => `${f.sync} ${f.outcome}`)).toEqual(['true survived', 'true survived', 'true survived', 'false broken', 'false broken', 'false stalled']);
    for (const f of cs.flows) expect(f.h).toBeGreaterThan(10);

    // a screenshot of the page as it is (no probe), kept for a human when asked
    const png = join(dir, 'report.png');
    chromium(['--window-size=1480,2400', `--screenshot=${png}`, `file://${page}`]);
    const img = readFileSync(png);
    expect(img.subarray(1, 4).toString()).toBe('PNG');
    expect(img.readUInt32BE(16)).toBe(1480);
    if (process.env.HALO_REPORT_SHOTS && existsSync(process.env.HALO_REPORT_SHOTS)) {
      copyFileSync(png, join(process.env.HALO_REPORT_SHOTS, 'report.png'));
      copyFileSync(page, join(process.env.HALO_REPORT_SHOTS, 'report.html'));
    }
  });
});
