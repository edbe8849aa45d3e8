/**
 * Prometheus metrics (prom-client), opt-in with `--metrics-listen ADDR:PORT`.
 *
 * Most figures are read from the same StatusSnapshot `halo status` shows, at scrape time, so
 * the two can never disagree and the hot paths pay nothing. The only metrics fed by events are
 * those a snapshot cannot hold: check latency (a histogram) and IPVS operations/errors.
 */
import { createServer, Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { StatusSnapshot } from './status';

const STATES = ['INIT', 'BACKUP', 'MASTER', 'FAULT'] as const;

export class Metrics {
  readonly registry = new Registry();
  readonly checkLatency: Histogram<'target' | 'result'>;
  readonly ipvsOps: Counter<'op'>;
  readonly ipvsErrors: Counter<'op' | 'errno'>;

  constructor(snapshot: () => StatusSnapshot) {
    const r = this.registry;
    let current: StatusSnapshot | null = null;
    // one snapshot per scrape, shared by every collector below
    const snap = (): StatusSnapshot => (current ??= snapshot());
    new Gauge({
      name: 'halo_vrrp_instance_state', help: '1 for the state the VRRP instance is in', registers: [r],
      labelNames: ['instance', 'state'],
      collect() {
        current = null;
        for (const i of snap().instances) for (const s of STATES) this.set({ instance: i.name, state: s }, i.state === s ? 1 : 0);
      },
    });
    const perInstance = (name: string, help: string, pick: (i: StatusSnapshot['instances'][number]) => number) =>
      new Gauge({
        name, help, registers: [r], labelNames: ['instance'],
        collect() {
          for (const i of snap().instances) this.set({ instance: i.name }, pick(i));
        },
      });
    perInstance('halo_vrrp_effective_priority', 'Effective VRRP priority', (i) => i.effectivePriority);
    perInstance('halo_vrrp_adverts_sent_total', 'VRRP adverts sent', (i) => i.advertsSent);
    perInstance('halo_vrrp_adverts_received_total', 'VRRP adverts received and accepted', (i) => i.advertsReceived);
    perInstance('halo_vrrp_became_master_total', 'Transitions to MASTER', (i) => i.becameMaster);
    perInstance('halo_vrrp_released_master_total', 'Transitions out of MASTER', (i) => i.releasedMaster);
    new Gauge({
      name: 'halo_vrrp_packets_dropped_total', help: 'VRRP packets dropped, by reason', registers: [r],
      labelNames: ['instance', 'reason'],
      collect() {
        for (const i of snap().instances) for (const [reason, n] of Object.entries(i.drops)) this.set({ instance: i.name, reason }, n);
      },
    });
    new Gauge({
      name: 'halo_real_server_up', help: '1 when the real server passes its checks', registers: [r],
      labelNames: ['service', 'real_server'],
      collect() {
        for (const v of snap().virtualServers)
          for (const rs of v.realServers) this.set({ service: v.service, real_server: `${rs.address}:${rs.port}` }, rs.healthy ? 1 : 0);
      },
    });
    new Gauge({
      name: 'halo_reloads_total', help: 'Configuration reloads, by outcome', registers: [r], labelNames: ['outcome'],
      collect() {
        const s = snap();
        this.set({ outcome: 'ok' }, s.reloads.ok);
        this.set({ outcome: 'failed' }, s.reloads.failed);
      },
    });
    this.checkLatency = new Histogram({
      name: 'halo_check_duration_seconds', help: 'health check duration (every checker kind)', registers: [r],
      labelNames: ['target', 'result'], buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 3, 5],
    });
    this.ipvsOps = new Counter({ name: 'halo_ipvs_operations_total', help: 'IPVS netlink operations', registers: [r], labelNames: ['op'] });
    this.ipvsErrors = new Counter({ name: 'halo_ipvs_errors_total', help: 'IPVS netlink operations the kernel refused', registers: [r], labelNames: ['op', 'errno'] });
  }

  async render(): Promise<string> {
    return this.registry.metrics();
  }
}

/** Parse `HOST:PORT` (IPv6 as `[::1]:9100`). */
export function parseListen(spec: string): { host: string; port: number } | null {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(spec);
  if (!m) return null;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  return { host: m[1] ?? m[2], port };
}

export function serveMetrics(metrics: Metrics, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end('see /metrics\n');
      return;
    }
    metrics.render().then(
      (body) => res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(body),
      (err: Error) => res.writeHead(500).end(`${err.message}\n`),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.unref();
      resolve(server);
    });
  });
}
