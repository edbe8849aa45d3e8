import { get } from 'node:http';
import { AddressInfo } from 'node:net';
import { Metrics, parseListen, serveMetrics } from '../../src/daemon/metrics';
import { StatusSnapshot } from '../../src/daemon/status';

function snapshot(state: 'MASTER' | 'BACKUP', sent: number): StatusSnapshot {
  return {
    pid: 1, configFile: 'k.conf', startedAt: '2026-11-22T10:00:00Z', reloads: { ok: 1, failed: 2, lastError: null },
    instances: [{
      name: 'VI_1', interface: 'eth0', virtualRouterId: 51, version: 3, state, since: '2026-11-22T10:00:00Z',
      basePriority: 150, effectivePriority: 140, masterAddress: null, advertIntMs: 100, vips: [], vipsHeld: false,
      syncGroup: null, advertsSent: sent, advertsReceived: 0, becameMaster: 1, releasedMaster: 0, drops: { 'bad-ttl': 4 },
    }],
    syncGroups: [],
    virtualServers: [{ service: 'TCP 10.0.0.1:80', scheduler: 'rr', quorumUp: true, realServers: [
      { address: '10.0.0.2', port: 80, healthy: false, kernelWeight: null, configuredWeight: 1, lastCheck: null },
    ] }],
  };
}

describe('metrics', () => {
  it('reads every figure from the status snapshot at scrape time', async () => {
    let sent = 10;
    const m = new Metrics(() => snapshot('MASTER', sent));
    let text = await m.render();
    expect(text).toContain('halo_vrrp_instance_state{instance="VI_1",state="MASTER"} 1');
    expect(text).toContain('halo_vrrp_instance_state{instance="VI_1",state="BACKUP"} 0');
    expect(text).toContain('halo_vrrp_adverts_sent_total{instance="VI_1"} 10');
    expect(text).toContain('halo_vrrp_effective_priority{instance="VI_1"} 140');
    expect(text).toContain('halo_vrrp_packets_dropped_total{instance="VI_1",reason="bad-ttl"} 4');
    expect(text).toContain('halo_real_server_up{service="TCP 10.0.0.1:80",real_server="10.0.0.2:80"} 0');
    expect(text).toContain('halo_reloads_total{outcome="failed"} 2');
    sent = 11;
    text = await m.render();
    expect(text).toContain('halo_vrrp_adverts_sent_total{instance="VI_1"} 11');
  });

  it('counts IPVS operations and check latency from events', async () => {
    const m = new Metrics(() => snapshot('BACKUP', 0));
    m.ipvsOps.inc({ op: 'add-dest' }, 3);
    m.ipvsErrors.inc({ op: 'add-dest', errno: 'EEXIST' });
    m.checkLatency.observe({ target: '10.0.0.2:80', result: 'ok' }, 0.002);
    const text = await m.render();
    expect(text).toContain('halo_ipvs_operations_total{op="add-dest"} 3');
    expect(text).toContain('halo_ipvs_errors_total{op="add-dest",errno="EEXIST"} 1');
    expect(text).toContain('halo_check_duration_seconds_bucket{le="0.005",target="10.0.0.2:80",result="ok"} 1');
  });

  it('serves /metrics over HTTP on the opt-in address', async () => {
    const m = new Metrics(() => snapshot('MASTER', 1));
    const server = await serveMetrics(m, '127.0.0.1', 0);
    try {
      const port = (server.address() as AddressInfo).port;
      const body = await new Promise<string>((resolve, reject) => {
        get(`http://127.0.0.1:${port}/metrics`, (res) => {
          let b = '';
          res.on('data', (c) => (b += c));
          res.on('end', () => resolve(b));
        }).on('error', reject);
      });
      expect(body).toContain('halo_vrrp_instance_state{instance="VI_1",state="MASTER"} 1');
    } finally {
      server.close();
    }
  });

  it('parses listen addresses', () => {
    expect(parseListen('127.0.0.1:9100')).toEqual({ host: '127.0.0.1', port: 9100 });
    expect(parseListen('[::1]:9100')).toEqual({ host: '::1', port: 9100 });
    expect(parseListen('9100')).toBeNull();
    expect(parseListen('127.0.0.1:70000')).toBeNull();
  });
});
