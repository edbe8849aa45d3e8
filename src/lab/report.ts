/**
 * The drill's report (pure): one self-contained HTML page per drill run (inline CSS and SVG,
 * nothing fetched), to be opened in any browser. For every cycle of every mode: per 100 ms, the
 * HTTP and DNS (with --ipv6 also HTTP over IPv6) requests answered / late / failed / not sent;
 * which director held the VIPs; the faults, restarts and readiness; each director's VRRP transitions from its log; the client's
 * own lag against the validity threshold; and per phase its figures, bound and verdict. The
 * whole trace is drawn once, then each phase zoomed around its fault. With `--conn-sync`, the
 * long-lived flows through a crash failover with and without lvs_sync_daemon, flow by flow.
 */
import type { DrillResult, DrillTrace, PhaseResult } from './drill';
import { outageText, phaseSpreads } from './drill';
import type { VrrpTimers } from './bounds';
import { EXT_VIPS, INT_VIP } from './cluster';
import { Bucket, bucketize, Band, holderBands, Transition } from './timeline';
import type { LagRecord } from './client-lag';
import { BUCKET_MS } from './client-lag';
import { ConnSyncResult, formatRun, kb } from './conn-sync';

export interface ReportInput {
  startedAt: string;
  argv: string[];
  results: DrillResult[];
  traces: DrillTrace[];
  timers: VrrpTimers;
  maxLagMs: number;
  exitStatus: number;
}

export function reportFileName(d: Date): string {
  return `halo-drill-${d.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-')}.html`;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const ms = (x: number | null): string => (x === null ? '–' : x >= 1000 ? `${(x / 1000).toFixed(3)} s` : `${x.toFixed(1)} ms`);
const r1 = (x: number): string => (Math.round(x * 10) / 10).toString();

const COLORS = { answered: '#2e9d4a', late: '#f0a020', failed: '#d62728', 'not-sent': '#9a9a9a', lb1: '#4a7fd4', lb2: '#9b59b6', none: '#ffffff', split: '#d62728' } as const;

const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fafafa}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 6px;border-top:1px solid #ccc;padding-top:12px}h3{font-size:15px;margin:16px 0 4px}
table{border-collapse:collapse;margin:8px 0;background:#fff}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right;white-space:nowrap}th{background:#eee}td:first-child,th:first-child{text-align:left}
.verdict{font-size:18px;font-weight:bold;padding:6px 10px;display:inline-block;border-radius:4px;color:#fff}
.v-within,.v-0{background:#2e9d4a}.v-beyond,.v-1{background:#d62728}.v-inconclusive,.v-3{background:#777}
td.v-within,td.v-beyond,td.v-inconclusive{color:#fff;font-weight:bold}
.legend span{display:inline-block;margin-right:14px}.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px;border:1px solid #888}
.scroll{overflow-x:auto;background:#fff;border:1px solid #ddd;padding:4px}
svg text{font:11px system-ui,sans-serif;fill:#333}
.note{color:#555}
`;

export function renderReport(inp: ReportInput): string {
  const status = inp.exitStatus === 0 ? 'PASSED: every phase measured validly and within its bound'
    : inp.exitStatus === 3 ? 'INCONCLUSIVE: a phase stayed invalid (the measuring client was stalled)'
      : 'FAILED: a phase beyond its bound or a broken invariant';
  const connSync = inp.results.find((r) => r.connSync)?.connSync;
  const violations = [...inp.results.flatMap((r) => r.violations.map((v) => `${r.mode} run ${r.run}: ${v}`)), ...(connSync?.violations ?? []).map((v) => `conn-sync: ${v}`)];
  const parts: string[] = [];
  parts.push(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>halo lab drill ${esc(inp.startedAt)}</title><style>${CSS}</style></head><body>`);
  parts.push(`<h1>halo lab drill — ${esc(inp.startedAt)}</h1>`);
  parts.push(`<p class="note"><code>halo lab ${esc(inp.argv.join(' '))}</code> · exit status ${inp.exitStatus} · Master_Down_Interval ${ms(inp.timers.masterDownIntervalMs)}, Skew_Time ${ms(inp.timers.skewTimeMs)} (the backup's) · a phase is valid when the client's lag stayed ≤ ${inp.maxLagMs} ms through its decisive window</p>`);
  parts.push(`<p><span class="verdict v-${inp.exitStatus}" id="verdict" data-exit="${inp.exitStatus}">${esc(status)}</span></p>`);
  if (violations.length > 0) parts.push(`<ul>${violations.map((v) => `<li>${esc(v)}</li>`).join('')}</ul>`);
  parts.push(summaryTable(inp.results));
  if (inp.results.some((r) => r.run > 1)) parts.push(spreadTable(inp.results));
  if (connSync) parts.push(connSyncSection(connSync));
  parts.push(legend());
  for (const t of inp.traces) parts.push(traceSection(t, inp.maxLagMs));
  parts.push('</body></html>\n');
  return parts.join('\n');
}

function summaryTable(results: DrillResult[]): string {
  // the dual-stack lab (--ipv6): HTTP over IPv6 beside HTTP and DNS, judged with them
  const v6 = results.some((r) => r.phases.some((p) => p.http6));
  const alfn = (x: PhaseResult['http']) => `${x.answered}/${x.late}/${x.failed}/${x.notSent}`;
  const rows = results.flatMap((r) => r.phases.map((p) => `<tr class="phase-row" data-phase="${esc(p.name)}" data-run="${r.run}">
<td>${esc(p.name)}</td><td>${r.run}</td><td>${p.attempt}</td><td class="v-${p.verdict}">${p.verdict}</td>
<td>${esc(outageText(p, p.http))}</td><td>${esc(outageText(p, p.dns))}</td>${v6 ? `<td class="http6">${p.http6 ? esc(outageText(p, p.http6)) : '–'}</td>` : ''}<td>${ms(p.bound.ms)}</td>
<td>${ms(p.vipMoveMs)}</td><td>${ms(p.startupMs)}</td>
<td>${alfn(p.http)}</td><td>${alfn(p.dns)}</td>${v6 ? `<td>${p.http6 ? alfn(p.http6) : '–'}</td>` : ''}
<td>${r1(p.validity.maxLagMs)} ms</td><td>${(p.validity.stalledMs / 1000).toFixed(1)} s</td></tr>`));
  return `<table id="summary"><tr><th>phase</th><th>run</th><th>attempt</th><th>verdict</th><th>HTTP outage</th><th>DNS outage</th>${v6 ? '<th>HTTP6 outage</th>' : ''}<th>bound</th><th>VIP move</th><th>start-up</th><th>HTTP a/l/f/ns</th><th>DNS a/l/f/ns</th>${v6 ? '<th>HTTP6 a/l/f/ns</th>' : ''}<th>client lag max</th><th>client stalled</th></tr>${rows.join('')}</table>
<p class="note">a/l/f/ns: answered within the timeout / late reply / failed / not sent because the client was stalled. VIP move and failback outages count from the restarted director's readiness (its control socket answers); its start-up is the column beside.</p>`;
}

function spreadTable(results: DrillResult[]): string {
  const f = (x: ReturnType<typeof phaseSpreads>[number]['http']) => (x ? `${ms(x.min)} / ${ms(x.median)} / ${ms(x.max)}` : '–');
  const spreads = phaseSpreads(results);
  const v6 = spreads.some((p) => 'http6' in p);
  const rows = spreads.map((p) => `<tr><td>${esc(p.name)}</td><td>${p.valid}/${p.runs}</td><td>${p.beyond}</td><td>${ms(p.bound.ms)}</td><td>${f(p.http)}</td><td>${f(p.dns)}</td>${v6 ? `<td>${f(p.http6 ?? null)}</td>` : ''}<td>${f(p.startup)}</td></tr>`);
  return `<table id="spreads"><tr><th>phase over the runs</th><th>valid</th><th>beyond</th><th>bound</th><th>HTTP outage min / median / max</th><th>DNS outage min / median / max</th>${v6 ? '<th>HTTP6 outage min / median / max</th>' : ''}<th>start-up min / median / max</th></tr>${rows.join('')}</table>`;
}

/**
 * `--conn-sync`: per run (with and without the sync daemon) what was expected, what happened and
 * the verdict, then one row per flow.
 */
function connSyncSection(cs: ConnSyncResult): string {
  const rows = cs.runs.map((r) => {
    const ok = r.violations.length === 0;
    const flows = r.flows.map((f) => `<tr class="flow" data-sync="${r.sync}" data-outcome="${esc(f.outcome)}"><td>flow ${f.f}</td><td>${f.port}</td><td>${esc(f.outcome)}</td><td>${kb(f.bytesBeforeFault)}</td><td>${kb(f.bytesAfterTakeover)}</td><td>${esc(f.end ?? 'open')}</td></tr>`);
    return `<tr class="conn-sync-run" data-sync="${r.sync}" data-ok="${ok}"><th>${r.sync ? `with ${esc(cs.syncDaemon)}` : 'without lvs_sync_daemon'}</th><th colspan="4" style="text-align:left">${esc(formatRun(r))}; expected: every flow ${r.sync ? 'survives' : 'breaks'}</th><td class="v-${ok ? 'within' : 'beyond'}">${ok ? 'as expected' : 'VIOLATION'}</td></tr>${flows.join('')}${r.violations.map((v) => `<tr><td colspan="6" class="v-beyond" style="text-align:left">${esc(v)}</td></tr>`).join('')}`;
  });
  return `<h2>Connection sync</h2><p class="note">${cs.flows} long-lived HTTP downloads through ${esc(cs.service)} over a crash failover (kill -9 of lb1, halo cleanup), once with IPVS connection sync between the directors and once without: an outcome per flow, not a timing.</p>
<table id="conn-sync"><tr><th>flow</th><th>client port</th><th>outcome</th><th>before the fault</th><th>after the takeover</th><th>ended</th></tr>${rows.join('')}</table>`;
}

function legend(): string {
  const item = (c: string, t: string) => `<span><i style="background:${c}"></i>${esc(t)}</span>`;
  return `<p class="legend">${item(COLORS.answered, 'answered')}${item(COLORS.late, 'late')}${item(COLORS.failed, 'failed')}${item(COLORS['not-sent'], 'not sent (client stalled)')}${item(COLORS.lb1, 'lb1 holds the VIPs')}${item(COLORS.lb2, 'lb2 holds the VIPs')}${item(COLORS.none, 'no director holds them')}${item(COLORS.split, 'VIPs partly held or split')}</p>`;
}

function traceSection(t: DrillTrace, maxLagMs: number): string {
  const out: string[] = [];
  out.push(`<section class="cycle" data-mode="${t.mode}" data-run="${t.run}" data-attempt="${t.attempt}">`);
  out.push(`<h2>${esc(t.mode)} — run ${t.run}, attempt ${t.attempt}</h2>`);
  out.push(`<div class="scroll">${timeline(t, t.from, t.to, 1400, maxLagMs, 'whole cycle')}</div>`);
  for (const p of t.phases) {
    const from = Math.max(t.from, Math.min(p.at, p.restartAt ?? p.at, p.http.lastOkBefore ?? p.at, p.dns.lastOkBefore ?? p.at, p.http6?.lastOkBefore ?? p.at) - 3000);
    const end = Math.max(p.at + (p.vipMoveMs ?? 0), p.http.firstOkAfter ?? p.at, p.dns.firstOkAfter ?? p.at, p.http6?.firstOkAfter ?? p.at) + 3000;
    const zoomFrom = p.kind === 'failback' && p.restartAt !== null ? Math.max(from, p.at - 3000) : from;
    out.push(`<section class="phase" data-phase="${esc(p.name)}" data-valid="${p.valid}" data-verdict="${p.verdict}">`);
    out.push(`<h3>${esc(p.name)}: <span class="verdict v-${p.verdict}">${esc(phaseVerdict(p))}</span></h3>`);
    out.push(`<p class="note">HTTP outage ${esc(outageText(p, p.http))}, DNS outage ${esc(outageText(p, p.dns))}${p.http6 ? `, HTTP over IPv6 outage ${esc(outageText(p, p.http6))}` : ''}${p.why.length ? ` (${esc(p.why.join('; '))})` : ''}; bound ${ms(p.bound.ms)} (${esc(p.bound.rule)}); VIP move ${ms(p.vipMoveMs)}${p.startupMs !== null ? `, start-up ${ms(p.startupMs)}` : ''}; client lag max ${r1(p.validity.maxLagMs)} ms, stalled ${(p.validity.stalledMs / 1000).toFixed(1)} s in the decisive window (shaded).</p>`);
    out.push(`<div class="scroll">${timeline(t, zoomFrom, Math.min(t.to, end), 1400, maxLagMs, p.name, p)}</div>`);
    out.push('</section>');
  }
  out.push('</section>');
  return out.join('\n');
}

function phaseVerdict(p: PhaseResult): string {
  if (!p.valid && p.verdict === 'beyond') return `BEYOND its bound even allowing for the client's stall of ${(p.validity.stalledMs / 1000).toFixed(1)} s`;
  if (!p.valid && p.validity.starvedDirectors) return `inconclusive: the lab's directors were starved (${p.validity.starvedDirectors.join('; ')})`;
  if (!p.valid) return `inconclusive: the measuring client was stalled for ${(p.validity.stalledMs / 1000).toFixed(1)} s (max lag ${r1(p.validity.maxLagMs)} ms)`;
  return p.verdict === 'within' ? 'within its bound' : 'BEYOND its bound';
}

/** One SVG: request rows, holder band, client lag, VRRP transitions, marks, over [from, to). */
function timeline(t: DrillTrace, from: number, to: number, width: number, maxLagMs: number, title: string, phase?: PhaseResult): string {
  const left = 90;
  const plotW = width - left - 10;
  const span = Math.max(to - from, BUCKET_MS);
  const x = (at: number) => left + ((at - from) / span) * plotW;
  const buckets = bucketize(t.samples, from, to);
  const bw = Math.max(0.5, (BUCKET_MS / span) * plotW - (span <= 20_000 ? 1 : 0));
  const kinds = t.samples.some((s) => s.k === 'http6') ? (['http', 'dns', 'http6'] as const) : (['http', 'dns'] as const);
  const perBucket = Math.max(1, ...buckets.map((b) => Math.max(...kinds.map((k) => total(b[k])))));
  const rowH = 50;
  const y0 = 18;
  const below = y0 + kinds.length * (rowH + 10);
  const rows = { http: y0, dns: y0 + rowH + 10, http6: y0 + 2 * (rowH + 10), band: below, lag: below + 30, lb1: below + 30 + 50, lb2: below + 30 + 50 + 26 };
  const height = rows.lb2 + 26 + 22;
  const g: string[] = [];
  g.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${esc(title)}">`);
  if (phase) {
    const w = phase.validity.window;
    const a = x(Math.max(w.from, from));
    const b = x(Math.min(w.to, to));
    if (b > a) g.push(`<rect x="${r1(a)}" y="4" width="${r1(b - a)}" height="${height - 26}" fill="${phase.valid ? '#e8f4ea' : '#eeeeee'}"/>`);
  }
  for (const kind of kinds) {
    const top = rows[kind];
    g.push(`<text x="4" y="${top + rowH / 2}">${kind.toUpperCase()}</text><line x1="${left}" x2="${left + plotW}" y1="${top + rowH}" y2="${top + rowH}" stroke="#bbb"/>`);
    // runs of identical buckets are drawn as one bar (a steady load is one long green bar), and
    // in the zoomed views each bucket is its own bar with a gap, so single requests show
    const key = (b: Bucket) => ORDER.map((o) => b[kind][o]).join(',');
    for (let i = 0; i < buckets.length;) {
      let j = i + 1;
      if (span > 20_000) while (j < buckets.length && key(buckets[j]) === key(buckets[i])) j++;
      const b = buckets[i];
      const w = span > 20_000 ? x(buckets[j - 1].t + BUCKET_MS) - x(b.t) : bw;
      let y = top + rowH;
      for (const o of ORDER) {
        const n = b[kind][o];
        if (!n) continue;
        const h = (n / perBucket) * rowH;
        y -= h;
        const when = `${new Date(b.t).toISOString().slice(11, 23)}${j - i > 1 ? `–${new Date(buckets[j - 1].t + BUCKET_MS).toISOString().slice(11, 23)}` : ''}`;
        g.push(`<rect x="${r1(x(b.t))}" y="${r1(y)}" width="${r1(Math.max(0.5, w))}" height="${r1(h)}" fill="${COLORS[o]}"><title>${when} ${kind} ${o} ${n} per 100 ms</title></rect>`);
      }
      i = j;
    }
  }
  g.push(`<text x="4" y="${rows.band + 14}">VIPs</text>`);
  for (const band of holderBands(t.vipEvents, [...EXT_VIPS, INT_VIP], from, to)) g.push(bandRect(band, x, rows.band));
  g.push(lagRow(t.lag, from, to, x, rows.lag, maxLagMs, bw));
  for (const lb of ['lb1', 'lb2'] as const) {
    g.push(`<text x="4" y="${rows[lb] + 14}">${lb} VRRP</text><line x1="${left}" x2="${left + plotW}" y1="${rows[lb] + 20}" y2="${rows[lb] + 20}" stroke="#ddd"/>`);
    const trs = groupTransitions(t.transitions.filter((tr) => tr.director === lb && tr.at >= from && tr.at < to), span / 100);
    trs.forEach((tr, i) => g.push(transitionMark(tr, x, rows[lb], i)));
  }
  for (const m of t.marks) {
    if (m.at < from || m.at >= to) continue;
    g.push(`<line x1="${r1(x(m.at))}" x2="${r1(x(m.at))}" y1="4" y2="${height - 22}" stroke="#000" stroke-dasharray="4 3"/><text x="${r1(x(m.at) + 3)}" y="12" class="mark">${esc(m.label)}</text>`);
  }
  g.push(axis(from, to, x, height - 8, span));
  g.push('</svg>');
  return g.join('');
}

const ORDER = ['answered', 'late', 'failed', 'not-sent'] as const;
const total = (c: Bucket['http']): number => c.answered + c.late + c.failed + c['not-sent'];

function bandRect(b: Band, x: (t: number) => number, y: number): string {
  const stroke = b.holder === 'none' ? ' stroke="#d62728" stroke-dasharray="3 2"' : '';
  return `<rect x="${r1(x(b.from))}" y="${y}" width="${r1(Math.max(0.5, x(b.to) - x(b.from)))}" height="20" fill="${COLORS[b.holder]}"${stroke}><title>${b.holder === 'none' ? 'no director holds the VIPs' : b.holder === 'split' ? 'VIPs partly held or split' : `${b.holder} holds every VIP`} from ${new Date(b.from).toISOString().slice(11, 23)}: ${esc(b.detail)}</title></rect>` +
    (x(b.to) - x(b.from) > 30 ? `<text x="${r1(x(b.from) + 4)}" y="${y + 14}" style="fill:#fff">${b.holder === 'none' || b.holder === 'split' ? '' : b.holder}</text>` : '');
}

function lagRow(lag: LagRecord[], from: number, to: number, x: (t: number) => number, y: number, maxLagMs: number, bw: number): string {
  const h = 40;
  const cap = maxLagMs * 2;
  const out = [`<text x="4" y="${y + 16}">client lag</text><text x="4" y="${y + 30}" class="note">(≤ ${maxLagMs} ms)</text>`,
    `<line x1="${x(from)}" x2="${x(to)}" y1="${y + h - (maxLagMs / cap) * h}" y2="${y + h - (maxLagMs / cap) * h}" stroke="#d62728" stroke-dasharray="2 2"/>`];
  for (const r of lag) {
    if (r.t < from || r.t >= to) continue;
    const v = Math.max(r.loop, r.tick, r.send);
    const bh = (Math.min(v, cap) / cap) * h;
    if (bh < 0.3) continue;
    out.push(`<rect x="${r1(x(r.t))}" y="${r1(y + h - bh)}" width="${r1(bw)}" height="${r1(bh)}" fill="${v > maxLagMs ? '#d62728' : '#777'}"><title>${new Date(r.t).toISOString().slice(11, 23)} lag ${r1(v)} ms (loop ${r.loop}, tick ${r.tick}, send ${r.send})</title></rect>`);
  }
  return out.join('');
}

/** Instances of a sync group entering the same state together make one mark: `VI_E+VI_I MASTER`. */
function groupTransitions(trs: Transition[], withinMs: number): Transition[] {
  const out: Transition[] = [];
  for (const tr of trs) {
    const last = out[out.length - 1];
    if (last && last.state === tr.state && tr.at - last.at <= withinMs) last.instance += `+${tr.instance}`;
    else out.push({ ...tr });
  }
  return out;
}

function transitionMark(tr: Transition, x: (t: number) => number, y: number, i: number): string {
  const c = tr.state === 'MASTER' ? COLORS.answered : tr.state === 'FAULT' ? COLORS.failed : '#555';
  const px = r1(x(tr.at));
  return `<line x1="${px}" x2="${px}" y1="${y + 4}" y2="${y + 24}" stroke="${c}" stroke-width="2"/><text x="${r1(x(tr.at) + 3)}" y="${y + (i % 2 ? 24 : 12)}" style="fill:${c}">${esc(tr.instance)} ${esc(tr.state)}${tr.resolutionMs >= 1000 ? ' (±1 s)' : ''}</text>`;
}

function axis(from: number, to: number, x: (t: number) => number, y: number, span: number): string {
  const step = span > 60_000 ? 10_000 : span > 20_000 ? 5000 : 1000;
  const out: string[] = [];
  for (let t = Math.ceil(from / step) * step; t < to; t += step) {
    out.push(`<line x1="${r1(x(t))}" x2="${r1(x(t))}" y1="${y - 12}" y2="${y - 6}" stroke="#333"/><text x="${r1(x(t) - 24)}" y="${y + 4}">${new Date(t).toISOString().slice(11, 19)}</text>`);
  }
  return out.join('');
}
