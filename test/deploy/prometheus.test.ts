/**
 * Prometheus conventions, judged by Prometheus's own tool: the metrics halo serves pass
 * `promtool check metrics`; the alerting rules pass `promtool check rules` and their unit tests
 * (`promtool test rules`); every query of the Grafana dashboard parses as PromQL (promtool checks
 * it as a recording rule) and names only metrics halo serves.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metrics } from '../../src/daemon/metrics';
import { StatusSnapshot } from '../../src/daemon/status';
import { describeNeeding, tool } from '../support/prerequisites';

const DEPLOY = join(__dirname, '..', '..', 'deploy');
const RULES = join(DEPLOY, 'prometheus', 'halo-alerts.yml');
const DASHBOARD = join(DEPLOY, 'grafana', 'halo-dashboard.json');

function promtool(args: string[], input?: string, cwd?: string) {
  const r = spawnSync('promtool', args, { encoding: 'utf8', input, cwd });
  if (r.error) throw new Error(`promtool ${args[0]}: ${r.error.message} (deploy/install-deps.sh test installs Debian's prometheus)`);
  return r;
}

/** A director with every kind of series: two instances, a sync group, two real servers. */
function snapshot(): StatusSnapshot {
  const inst = (name: string, vrid: number, state: 'MASTER' | 'BACKUP') => ({
    name, interface: 'eth0', virtualRouterId: vrid, version: 3 as const, state, since: '2026-11-22T10:00:00Z',
    basePriority: 150, effectivePriority: 140, masterAddress: '192.168.77.11', advertIntMs: 1000, vips: ['192.168.77.200/24'],
    vipsHeld: state === 'MASTER', syncGroup: 'VG1', advertsSent: 10, advertsReceived: 3, becameMaster: 1, releasedMaster: 0,
    drops: { 'bad-ttl': 4, 'bad-checksum': 0 },
  });
  return {
    pid: 1, configFile: 'k.conf', startedAt: '2026-11-22T10:00:00Z', reloads: { ok: 1, failed: 1, lastError: 'x', lastFailed: true },
    instances: [inst('VI_E', 51, 'MASTER'), inst('VI_I', 52, 'BACKUP')],
    syncGroups: [{ name: 'VG1', members: ['VI_E', 'VI_I'], state: 'MASTER' }],
    virtualServers: [{ service: 'TCP 192.168.1.202:80', scheduler: 'rr', quorumUp: true, realServers: [
      { address: '10.0.0.2', port: 80, healthy: true, kernelWeight: 1, configuredWeight: 1, lastCheck: null },
      { address: '10.0.0.3', port: 80, healthy: false, kernelWeight: null, configuredWeight: 2, lastCheck: null },
    ] }],
  };
}

async function exposition(): Promise<string> {
  const m = new Metrics(snapshot, '0.1.0');
  m.checkLatency.observe({ target: '10.0.0.2:80', result: 'success' }, 0.002);
  m.checkLatency.observe({ target: '10.0.0.3:80', result: 'timeout' }, 3);
  m.ipvsOps.inc({ op: 'add-dest' });
  m.ipvsErrors.inc({ op: 'batch', errno: 'any' });
  return m.render();
}

/** Metric names an exposition defines (histograms as their base name). */
function exposedNames(text: string): Set<string> {
  return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
}

/** halo_* names a PromQL expression uses, with histogram/summary suffixes folded to the base. */
function usedNames(expr: string): string[] {
  return [...expr.matchAll(/\bhalo_[a-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|count|sum)$/, ''));
}

describeNeeding(tool('promtool', 'prometheus'))('Prometheus conventions', () => {
  it('the exposition passes promtool check metrics', async () => {
    const r = promtool(['check', 'metrics'], await exposition());
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('promtool would catch a non-counter with _total (the linter is really consulted)', () => {
    const r = promtool(['check', 'metrics'], '# HELP x_total a\n# TYPE x_total gauge\nx_total 1\n');
    expect(r.stdout + r.stderr).toContain('non-counter metrics should not have "_total" suffix');
  });

  it('the alerting rules pass promtool check rules and name only metrics halo serves', async () => {
    const r = promtool(['check', 'rules', RULES]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('SUCCESS: 8 rules found');
    const names = exposedNames(await exposition());
    const rules = readFileSync(RULES, 'utf8');
    const exprs = [...rules.matchAll(/expr: (\|\n(?: {10}.*\n)+|.*)/g)].map((m) => m[1]);
    expect(exprs.length).toBe(8);
    for (const e of exprs) for (const n of usedNames(e)) expect(names).toContain(n);
  });

  it('the alerting rules pass their unit tests (promtool test rules)', () => {
    const r = promtool(['test', 'rules', 'halo-alerts.test.yml'], undefined, join(DEPLOY, 'prometheus'));
    expect(r.stdout + r.stderr).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it('the Grafana dashboard is JSON whose every query parses and names metrics halo serves', async () => {
    const dash = JSON.parse(readFileSync(DASHBOARD, 'utf8'));
    expect(dash.uid).toBe('halo-directors');
    const panels = (dash.panels as Array<{ type: string; title: string; targets?: Array<{ expr: string }> }>).filter((p) => p.type !== 'row');
    const titles = panels.map((p) => p.title);
    for (const want of ['VRRP instance state', 'State transitions', 'Adverts per second', 'Dropped VRRP packets by reason',
      'Real server health', 'Real server weight in the kernel', 'Health check latency (TCP connect)'])
      expect(titles).toContain(want);
    const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    expect(exprs.length).toBeGreaterThan(15);
    const names = exposedNames(await exposition());
    for (const e of exprs) {
      const used = usedNames(e);
      expect(used.length).toBeGreaterThan(0);
      for (const n of used) expect(names).toContain(n);
    }
    // Grafana's variables replaced by what Grafana would put there, then each query checked as a
    // recording rule: promtool parses it with Prometheus's own PromQL parser.
    const dir = mkdtempSync(join(tmpdir(), 'halo-dash-'));
    try {
      const rules = exprs.map((e, i) => `      - record: dashboard:q${i}\n        expr: ${JSON.stringify(e.replace(/\$__rate_interval/g, '1m').replace(/\$director/g, '.*'))}\n`);
      writeFileSync(join(dir, 'q.yml'), `groups:\n  - name: dashboard\n    rules:\n${rules.join('')}`);
      const r = promtool(['check', 'rules', join(dir, 'q.yml')]);
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain(`SUCCESS: ${exprs.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
