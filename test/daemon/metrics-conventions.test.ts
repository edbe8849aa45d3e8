/**
 * Prometheus conventions of /metrics, on a hand-built status snapshot: engine counters are
 * counters, per-instance series carry vrrp_instance/interface/vrid (Prometheus owns `instance`),
 * real-server weights, quorum and the last reload outcome are gauges, and series of instances or
 * real servers a reload removed disappear. (promtool itself judges the output in
 * test/deploy/prometheus.test.ts; the wiring is tested in metrics.test.ts.)
 */
import { Metrics } from '../../src/daemon/metrics';
import { StatusSnapshot } from '../../src/daemon/status';

const L = 'vrrp_instance="VI_1",interface="eth0",vrid="51"';

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

describe('metrics conventions', () => {
  it('labels per-instance series vrrp_instance, interface and vrid, read at scrape time', async () => {
    let sent = 10;
    const m = new Metrics(() => snapshot('MASTER', sent));
    let text = await m.render();
    expect(text).toContain(`halo_vrrp_instance_state{${L},state="MASTER"} 1`);
    expect(text).toContain(`halo_vrrp_instance_state{${L},state="BACKUP"} 0`);
    expect(text).toContain(`halo_vrrp_adverts_sent_total{${L}} 10`);
    expect(text).toContain(`halo_vrrp_effective_priority{${L}} 140`);
    expect(text).toContain(`halo_vrrp_packets_dropped_total{${L},reason="bad-ttl"} 4`);
    expect(text).toContain('halo_reloads_total{outcome="failed"} 2');
    expect(text).not.toMatch(/\{instance=/);
    sent = 11;
    text = await m.render();
    expect(text).toContain(`halo_vrrp_adverts_sent_total{${L}} 11`);
  });

  it('exposes engine counters as counters and real-server weights, quorum and reload outcome as gauges', async () => {
    const st = snapshot('MASTER', 5);
    st.virtualServers[0].realServers.push({ address: '10.0.0.3', port: 80, healthy: true, kernelWeight: 3, configuredWeight: 3, lastCheck: null });
    st.reloads.lastFailed = true;
    const text = await new Metrics(() => st, '1.2.3').render();
    for (const c of ['halo_vrrp_adverts_sent_total', 'halo_vrrp_adverts_received_total', 'halo_vrrp_became_master_total',
      'halo_vrrp_released_master_total', 'halo_vrrp_packets_dropped_total', 'halo_reloads_total'])
      expect(text).toContain(`# TYPE ${c} counter`);
    expect(text).toContain('halo_build_info{version="1.2.3"} 1');
    expect(text).toContain('halo_real_server_weight{service="TCP 10.0.0.1:80",real_server="10.0.0.3:80"} 3');
    expect(text).not.toContain('halo_real_server_weight{service="TCP 10.0.0.1:80",real_server="10.0.0.2:80"}');
    expect(text).toContain('halo_real_server_configured_weight{service="TCP 10.0.0.1:80",real_server="10.0.0.2:80"} 1');
    expect(text).toContain('halo_virtual_server_quorum_up{service="TCP 10.0.0.1:80"} 1');
    expect(text).toContain('halo_config_last_reload_successful 0');
  });

  it('forgets instances and real servers a reload removed', async () => {
    let st = snapshot('MASTER', 5);
    const m = new Metrics(() => st);
    expect(await m.render()).toContain('vrrp_instance="VI_1"');
    st = { ...snapshot('MASTER', 5), instances: [], virtualServers: [] };
    const text = await m.render();
    expect(text).not.toContain('VI_1');
    expect(text).not.toContain('10.0.0.2');
  });
});
