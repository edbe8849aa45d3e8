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

type Instance = StatusSnapshot['instances'][number];
type RealServer = StatusSnapshot['virtualServers'][number]['realServers'][number];

/**
 * Labels of every per-instance series. `vrrp_instance`, not `instance`: Prometheus attaches its
 * own `instance` (the scrape target) and would rename ours to `exported_instance`. `vrid` and
 * `interface` let rules join both directors' series for one virtual router.
 */
const INSTANCE_LABELS = ['vrrp_instance', 'interface', 'vrid'] as const;
type InstanceLabel = (typeof INSTANCE_LABELS)[number];
const instanceLabels = (i: Instance): Record<InstanceLabel, string> => ({
  vrrp_instance: i.name,
  interface: i.interface,
  vrid: String(i.virtualRouterId),
});
const realServerLabels = (service: string, rs: RealServer) => ({ service, real_server: `${rs.address}:${rs.port}` });

export class Metrics {
  readonly registry = new Registry();
  readonly checkLatency: Histogram<'target' | 'result'>;
  readonly ipvsOps: Counter<'op'>;
  readonly ipvsErrors: Counter<'op' | 'errno'>;

  constructor(snapshot: () => StatusSnapshot, version = 'unknown') {
    const r = this.registry;
    let current: StatusSnapshot | null = null;
    // One snapshot per scrape, shared by every collector below: the first collector registered
    // drops the previous scrape's one. Every collector starts from an empty series set, so an
    // instance or real server removed by a reload disappears instead of freezing at its last value.
    const snap = (): StatusSnapshot => (current ??= snapshot());
    new Gauge({
      name: 'halo_build_info', help: 'Always 1; the running halo version as a label', registers: [r], labelNames: ['version'],
      collect() {
        current = null;
        this.set({ version }, 1);
      },
    });
    new Gauge({
      name: 'halo_start_time_seconds', help: 'When the daemon started, seconds since the Unix epoch', registers: [r],
      collect() {
        this.set(Date.parse(snap().startedAt) / 1000);
      },
    });
    new Gauge({
      name: 'halo_vrrp_instance_state', help: '1 for the state the VRRP instance is in, 0 for the others', registers: [r],
      labelNames: [...INSTANCE_LABELS, 'state'],
      collect() {
        this.reset();
        for (const i of snap().instances) for (const s of STATES) this.set({ ...instanceLabels(i), state: s }, i.state === s ? 1 : 0);
      },
    });
    const perInstanceGauge = (name: string, help: string, pick: (i: Instance) => number) =>
      new Gauge({
        name, help, registers: [r], labelNames: INSTANCE_LABELS,
        collect() {
          this.reset();
          for (const i of snap().instances) this.set(instanceLabels(i), pick(i));
        },
      });
    // Counters whose value the engines keep (the status snapshot): each scrape copies it.
    const perInstanceCounter = (name: string, help: string, pick: (i: Instance) => number) =>
      new Counter({
        name, help, registers: [r], labelNames: INSTANCE_LABELS,
        collect() {
          this.reset();
          for (const i of snap().instances) this.inc(instanceLabels(i), pick(i));
        },
      });
    perInstanceGauge('halo_vrrp_effective_priority', 'Effective VRRP priority (base priority adjusted by tracked interfaces and scripts)', (i) => i.effectivePriority);
    perInstanceGauge('halo_vrrp_base_priority', 'Configured VRRP priority', (i) => i.basePriority);
    perInstanceGauge('halo_vrrp_vips_held', '1 when this director holds the instance\'s virtual addresses', (i) => (i.vipsHeld ? 1 : 0));
    perInstanceGauge('halo_vrrp_advert_interval_seconds', 'Configured advertisement interval', (i) => i.advertIntMs / 1000);
    perInstanceCounter('halo_vrrp_adverts_sent_total', 'VRRP adverts sent', (i) => i.advertsSent);
    perInstanceCounter('halo_vrrp_adverts_received_total', 'VRRP adverts received and accepted', (i) => i.advertsReceived);
    perInstanceCounter('halo_vrrp_became_master_total', 'Transitions to MASTER', (i) => i.becameMaster);
    perInstanceCounter('halo_vrrp_released_master_total', 'Transitions out of MASTER', (i) => i.releasedMaster);
    new Counter({
      name: 'halo_vrrp_packets_dropped_total', help: 'VRRP packets dropped, by reason', registers: [r],
      labelNames: [...INSTANCE_LABELS, 'reason'],
      collect() {
        this.reset();
        for (const i of snap().instances) for (const [reason, n] of Object.entries(i.drops)) this.inc({ ...instanceLabels(i), reason }, n);
      },
    });
    new Gauge({
      name: 'halo_real_server_up', help: '1 when the real server passes its checks', registers: [r],
      labelNames: ['service', 'real_server'],
      collect() {
        this.reset();
        for (const v of snap().virtualServers) for (const rs of v.realServers) this.set(realServerLabels(v.service, rs), rs.healthy ? 1 : 0);
      },
    });
    new Gauge({
      name: 'halo_real_server_weight', help: 'Weight the kernel IPVS table has for the real server (no series when it is not in the table)', registers: [r],
      labelNames: ['service', 'real_server'],
      collect() {
        this.reset();
        for (const v of snap().virtualServers)
          for (const rs of v.realServers) if (rs.kernelWeight !== null) this.set(realServerLabels(v.service, rs), rs.kernelWeight);
      },
    });
    new Gauge({
      name: 'halo_real_server_configured_weight', help: 'Weight of the real server in the configuration', registers: [r],
      labelNames: ['service', 'real_server'],
      collect() {
        this.reset();
        for (const v of snap().virtualServers) for (const rs of v.realServers) this.set(realServerLabels(v.service, rs), rs.configuredWeight);
      },
    });
    new Gauge({
      name: 'halo_virtual_server_quorum_up', help: '1 while the virtual server has its quorum of healthy real servers', registers: [r],
      labelNames: ['service'],
      collect() {
        this.reset();
        for (const v of snap().virtualServers) this.set({ service: v.service }, v.quorumUp ? 1 : 0);
      },
    });
    new Counter({
      name: 'halo_reloads_total', help: 'Configuration reloads, by outcome', registers: [r], labelNames: ['outcome'],
      collect() {
        const s = snap();
        this.reset();
        this.inc({ outcome: 'ok' }, s.reloads.ok);
        this.inc({ outcome: 'failed' }, s.reloads.failed);
      },
    });
    new Gauge({
      name: 'halo_config_last_reload_successful', help: '0 while the last reload was refused (the previous configuration still runs), else 1', registers: [r],
      collect() {
        this.set(snap().reloads.lastFailed ? 0 : 1);
      },
    });
    this.checkLatency = new Histogram({
      name: 'halo_check_duration_seconds', help: 'health check duration (every checker kind), by target and result (success, failed, timeout)', registers: [r],
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
