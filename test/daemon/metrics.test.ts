/**
 * /metrics through the wiring `halo run` uses (src/daemon/worker.ts): a real Director running the
 * real LVS engine (TCP_CHECK with the real prober against real listeners on loopback, the real
 * reconciler) feeds the real Metrics over HTTP. Only the kernel's IPVS table is an in-memory
 * stand-in (the host kernel has none; the VM tier runs the same engine on the real table).
 * Every figure is compared with `halo status`'s snapshot at the same moment, and every label
 * value must be one production produced — nothing here is hand-made. The VRRP side is scraped
 * from a real `halo run` in test/integration/observability.netns.test.ts.
 */
import { get } from 'node:http';
import { AddressInfo, createServer, Server } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfigText } from '../../src/config/load';
import { Director } from '../../src/daemon/director';
import type { DirectorDeps } from '../../src/daemon/director';
import type { Model } from '../../src/config/model';
import { KernelLvsEngine } from '../../src/daemon/lvs-engine';
import { Metrics, parseListen, serveMetrics } from '../../src/daemon/metrics';
import { NotifyRunner } from '../../src/daemon/notify';
import { parseRunArgs } from '../../src/daemon/options';
import type { RunOptions } from '../../src/daemon/options';
import { checkProber } from '../../src/check/prober';
import type { Op } from '../../src/ipvs/ops';
import type { IpvsService } from '../../src/ipvs/types';
import { serviceKeyString } from '../../src/ipvs/types';

jest.setTimeout(60_000);

/** The kernel's table as an in-memory map, refusing what the kernel refuses (EEXIST, ESRCH). */
class MemoryTable {
  readonly services = new Map<string, IpvsService>();
  async listServices(): Promise<IpvsService[]> {
    return structuredClone([...this.services.values()]);
  }
  async apply(ops: Op[]): Promise<{ op: Op; error?: Error }[]> {
    return ops.map((op) => {
      try {
        this.one(op);
        return { op };
      } catch (error) {
        return { op, error: error as Error };
      }
    });
  }
  private svc(key: IpvsService['key']): IpvsService {
    const s = this.services.get(serviceKeyString(key));
    if (!s) throw new Error('ESRCH');
    return s;
  }
  private one(o: Op): void {
    switch (o.op) {
      case 'flush': this.services.clear(); return;
      case 'add-service':
        if (this.services.has(serviceKeyString(o.service.key))) throw new Error('EEXIST');
        this.services.set(serviceKeyString(o.service.key), { ...structuredClone(o.service), destinations: [] });
        return;
      case 'edit-service': Object.assign(this.svc(o.service.key), { ...structuredClone(o.service), destinations: this.svc(o.service.key).destinations }); return;
      case 'del-service': this.svc(o.key); this.services.delete(serviceKeyString(o.key)); return;
      default: {
        const s = this.svc(o.key);
        const i = s.destinations.findIndex((d) => d.address === o.dest.address && d.port === o.dest.port);
        if (o.op === 'add-dest') {
          if (i >= 0) throw new Error('EEXIST');
          s.destinations.push(structuredClone(o.dest));
        } else if (i < 0) throw new Error('ENOENT');
        else if (o.op === 'edit-dest') s.destinations[i] = structuredClone(o.dest);
        else s.destinations.splice(i, 1);
      }
    }
  }
}

interface Sample { name: string; labels: Record<string, string>; value: number }
function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

function scrape(port: number, path = '/metrics'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(`http://127.0.0.1:${port}${path}`, (res) => {
      let b = '';
      res.on('data', (c) => (b += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
    }).on('error', reject);
  });
}

async function until(pred: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const listen = (port: number): Promise<Server> =>
  new Promise((resolve, reject) => {
    const s = createServer((c) => c.end()).once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  });

describe('metrics through the real wiring (Director + LVS engine + Metrics over HTTP)', () => {
  let dir: string;
  let director: Director;
  let server: { close(): void } | undefined;
  const listeners: Server[] = [];
  afterEach(async () => {
    server?.close();
    await director?.stop();
    for (const l of listeners.splice(0)) l.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('real-server health, check latency and IPVS operations are the engine\'s own, and agree with status', async () => {
    dir = mkdtempSync(join(tmpdir(), 'halo-metrics-'));
    // two real servers on loopback ports that are free now: one listens, one never does
    const up = await listen(0);
    listeners.push(up);
    const upPort = (up.address() as AddressInfo).port;
    const probe = await listen(0);
    const downPort = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const text = [
      'virtual_server 10.9.9.9 80 {', '    delay_loop 1', '    lb_algo rr', '    lb_kind NAT', '    protocol TCP',
      ...[upPort, downPort].flatMap((p) => [`    real_server 127.0.0.1 ${p} {`, '        weight 2', '        TCP_CHECK {', `            connect_port ${p}`,
        '            connect_timeout 1', '            retry 0', '        }', '    }']),
      '}', ''].join('\n');
    const conf = join(dir, 'keepalived.conf');
    writeFileSync(conf, text);
    const model = parseConfigText(text, conf).model;
    if (!model) throw new Error('the test config does not load');
    const args = parseRunArgs(['-C', '-f', conf]);
    if (!args.ok) throw new Error(`run options: ${args.message}`);
    const opts: RunOptions = args.options;

    const lines: string[] = [];
    const log = { error: (m: string) => lines.push(m), warning: (m: string) => lines.push(m), notice: (m: string) => lines.push(m), info: (m: string) => lines.push(m), debug: () => undefined, close: () => undefined };
    const notify = new NotifyRunner({ enableScriptSecurity: false, log });
    const table = new MemoryTable();
    // exactly worker.ts's wiring, with the table opened on the in-memory stand-in
    let metrics: Metrics | null = null;
    const deps: DirectorDeps = {
      log,
      lvs: (m: Model) => new KernelLvsEngine(m, { openTable: async () => table, prober: checkProber(), log, notify, metrics }),
      notify,
    } as unknown as DirectorDeps; // -C: the VRRP engine's privileged edges are never opened
    director = new Director(model, opts, deps);
    metrics = new Metrics(() => director.status());
    const http = await serveMetrics(metrics, '127.0.0.1', 0);
    server = http;
    const port = (http.address() as AddressInfo).port;
    await director.start();

    // the never-listening server fails its check and leaves the table; the other stays
    const rsOf = () => director.status().virtualServers[0]?.realServers ?? [];
    await until(() => rsOf().length === 2 && rsOf().every((r) => r.lastCheck !== null) && rsOf().some((r) => !r.healthy), 'both checked, one down');
    await until(async () => (await table.listServices())[0]?.destinations.length === 1, 'the dead server out of the table');

    const st = director.status();
    const res = await scrape(port);
    expect(res.status).toBe(200);
    const samples = parseMetrics(res.body);
    const series = (name: string) => samples.filter((s) => s.name === name);

    // halo_real_server_up: one series per configured real server, labelled as status names them
    const vs = st.virtualServers[0];
    expect(series('halo_real_server_up').map((s) => [s.labels, s.value])).toEqual(
      vs.realServers.map((r) => [{ service: vs.service, real_server: `${r.address}:${r.port}` }, r.healthy ? 1 : 0]),
    );
    expect(vs.realServers.map((r) => [r.port, r.healthy])).toEqual([[upPort, true], [downPort, false]]);

    // check latency: only targets the checker probed, with the results the prober returned
    const counts = series('halo_check_duration_seconds_count');
    expect(counts.map((s) => s.labels.target).sort()).toEqual(
      expect.arrayContaining([`127.0.0.1:${upPort}`, `127.0.0.1:${downPort}`]),
    );
    for (const c of counts) {
      expect([`127.0.0.1:${upPort}`, `127.0.0.1:${downPort}`]).toContain(c.labels.target);
      expect(c.value).toBeGreaterThan(0);
    }
    const results = new Set(counts.map((s) => s.labels.result));
    const upResults = counts.filter((s) => s.labels.target === `127.0.0.1:${upPort}`).map((s) => s.labels.result);
    const downResults = counts.filter((s) => s.labels.target === `127.0.0.1:${downPort}`).map((s) => s.labels.result);
    expect(upResults).toHaveLength(1);
    expect(downResults).toHaveLength(1);
    expect(upResults[0]).not.toBe(downResults[0]);
    expect(results.size).toBe(2);

    // IPVS operations: labelled by the ops the reconciler really sent; what the table holds now
    // is their net effect (1 service; destinations added minus deleted = 1)
    const ops = Object.fromEntries(series('halo_ipvs_operations_total').map((s) => [s.labels.op, s.value]));
    expect(ops['add-service']).toBe(1);
    expect((ops['add-dest'] ?? 0) - (ops['del-dest'] ?? 0)).toBe(1);
    for (const op of Object.keys(ops)) expect(['flush', 'add-service', 'edit-service', 'del-service', 'add-dest', 'edit-dest', 'del-dest']).toContain(op);
    expect(series('halo_ipvs_errors_total')).toEqual([]); // the table refused nothing

    // no VRRP side under -C: no instance series
    expect(series('halo_vrrp_instance_state')).toEqual([]);
    expect(series('halo_reloads_total').map((s) => [s.labels.outcome, s.value]).sort()).toEqual([['failed', 0], ['ok', 0]]);

    // the server comes back: the next scrape says so, as status does
    const back = await listen(downPort);
    listeners.push(back);
    await until(() => rsOf().every((r) => r.healthy), 'the returning server up');
    const again = parseMetrics((await scrape(port)).body).filter((s) => s.name === 'halo_real_server_up');
    expect(again.map((s) => s.value)).toEqual([1, 1]);
    expect((await scrape(port, '/')).status).toBe(404);
  });

  it('parses listen addresses', () => {
    expect(parseListen('127.0.0.1:9100')).toEqual({ host: '127.0.0.1', port: 9100 });
    expect(parseListen('[::1]:9100')).toEqual({ host: '::1', port: 9100 });
    expect(parseListen('9100')).toBeNull();
    expect(parseListen('127.0.0.1:70000')).toBeNull();
  });
});
