/**
 * The LVS shell's status: quorum as the pool rules judged it (keepalived's quorum_state_up), not
 * a constant. The kernel table is an in-memory fake; checks are real HealthChecker runs over a
 * fake prober; alpha makes the checkers start down so the first evaluation decides.
 */
import { parseConfigText } from '../../src/config/load';
import type { Model } from '../../src/config/model';
import { KernelLvsEngine, timeoutsToSet } from '../../src/daemon/lvs-engine';
import { NotifyRunner } from '../../src/daemon/notify';
import { formatStatus, StatusSnapshot } from '../../src/daemon/status';
import type { IpvsService } from '../../src/ipvs/types';
import { applyToTable } from '../../src/ipvs/reconcile-loop';
import type { Op } from '../../src/ipvs/ops';

function model(alpha: boolean, quorum: number): Model {
  const rs = (a: string) => `  real_server ${a} 80 {\n    weight 1\n    TCP_CHECK {\n      connect_timeout 1\n      delay_before_retry 1\n    }\n  }\n`;
  const text = `virtual_server 192.168.1.202 80 {\n  delay_loop 60\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n${alpha ? '  alpha\n' : ''}  quorum ${quorum}\n${rs('10.0.100.2')}${rs('10.0.100.3')}}\n`;
  const r = parseConfigText(text, 'k.conf');
  if (!r.model) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.model;
}

async function statusOf(m: Model): Promise<StatusSnapshot['virtualServers']> {
  const table = new Map<string, IpvsService>();
  const log = { error: () => undefined, warning: () => undefined, notice: () => undefined, info: () => undefined, debug: () => undefined, close: () => undefined };
  const engine = new KernelLvsEngine(m, {
    openTable: async () => ({
      listServices: async () => structuredClone([...table.values()]),
      apply: async (ops: Op[]) => ops.map((op) => (applyToTable(table, op), { op })),
    }),
    prober: { probe: async () => ({ result: 'failed' as const }) },
    log,
    notify: new NotifyRunner({ enableScriptSecurity: false, log }),
  });
  await engine.start();
  try {
    return engine.status();
  } finally {
    await engine.stop();
  }
}

describe('LVS engine status: quorum', () => {
  it('both real servers down (alpha) under quorum 2: quorum lost, shown as such', async () => {
    const vss = await statusOf(model(true, 2));
    expect(vss).toHaveLength(1);
    expect(vss[0].quorumUp).toBe(false);
    expect(vss[0].realServers.map((r) => r.healthy)).toEqual([false, false]);
    const text = formatStatus({ pid: 1, configFile: 'k.conf', startedAt: new Date().toISOString(), reloads: { ok: 0, failed: 0, lastError: null }, instances: [], syncGroups: [], virtualServers: vss });
    expect(text).toContain('  [192.168.1.202]:tcp:80 rr  QUORUM LOST');
  });

  it('both up (no alpha, no result yet) with quorum 2: quorum up', async () => {
    const vss = await statusOf(model(false, 2));
    expect(vss[0].quorumUp).toBe(true);
  });
});

describe('LVS engine reload plan', () => {
  const conf = (servers: string[], extraVs = '') => {
    const rs = (a: string) => `  real_server ${a} 80 {\n    weight 1\n    TCP_CHECK {\n      connect_timeout 1\n    }\n  }\n`;
    const text = `virtual_server 192.168.1.202 80 {\n  delay_loop 60\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n${servers.map(rs).join('')}}\n${extraVs}`;
    const r = parseConfigText(text, 'k.conf');
    if (!r.model) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
    return r.model;
  };

  it('the preview applies nothing and lists exactly the ops, pool lines and checkers the reload then applies', async () => {
    const table = new Map<string, IpvsService>();
    const applied: Op[][] = [];
    const log = { error: () => undefined, warning: () => undefined, notice: () => undefined, info: () => undefined, debug: () => undefined, close: () => undefined };
    const engine = new KernelLvsEngine(conf(['10.0.100.2', '10.0.100.3']), {
      openTable: async () => ({
        listServices: async () => structuredClone([...table.values()]),
        apply: async (ops: Op[]) => (applied.push(ops), ops.map((op) => (applyToTable(table, op), { op }))),
      }),
      prober: { probe: async () => ({ result: 'success' as const }) },
      log,
      notify: new NotifyRunner({ enableScriptSecurity: false, log }),
    });
    await engine.start();
    try {
      const next = conf(['10.0.100.3', '10.0.100.4'], 'virtual_server 192.168.1.203 53 {\n  lb_algo wlc\n  lb_kind DR\n  protocol UDP\n  real_server 10.0.100.5 53 {\n    weight 3\n  }\n}\n');
      const batches = applied.length;
      const preview = await engine.planReload(next);
      expect(applied.length).toBe(batches);
      expect(preview).toEqual({
        ipvs: [
          { op: 'deleting destination 10.0.100.2:80 from service TCP 192.168.1.202:80' },
          { op: 'adding destination 10.0.100.4:80 to service TCP 192.168.1.202:80 (masq, weight 1)' },
          { op: 'adding service UDP 192.168.1.203:53 (wlc)' },
          { op: 'adding destination 10.0.100.5:53 to service UDP 192.168.1.203:53 (route, weight 3)' },
        ],
        events: ['Gained quorum 1+0=1 <= 3 for VS [192.168.1.203]:udp:53'],
        checkersStarted: ['TCP_CHECK [10.0.100.4]:tcp:80'],
        checkersStopped: ['TCP_CHECK [10.0.100.2]:tcp:80'],
      });
      const done = await engine.reload(next);
      expect(done).toEqual(preview);
      expect([...table.keys()].sort()).toEqual(['TCP 192.168.1.202:80', 'UDP 192.168.1.203:53']);
    } finally {
      await engine.stop();
    }
  });
});

describe('lvs_timeouts (ipvswrapper.c ipvs_set_timeouts, libipvs.c ipvs_set_timeout)', () => {
  const conf = (timeouts: string | null) => {
    const r = parseConfigText(`${timeouts ? `global_defs {\n  lvs_timeouts ${timeouts}\n}\n` : ''}virtual_server 192.168.1.202 80 {\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n  real_server 10.0.100.2 80 {\n    weight 1\n  }\n}\n`, 'k.conf');
    if (!r.model) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
    return r.model;
  };

  it('timeoutsToSet: configured non-zero values, the originals for the rest; nothing when never changed', () => {
    const orig = { tcp: 900, tcpFin: 120, udp: 300 };
    expect(timeoutsToSet({ tcp: 7200, tcpfin: null, udp: 0 }, orig)).toEqual({ tcp: 7200, tcpFin: 120, udp: 300 });
    expect(timeoutsToSet(null, orig)).toEqual(orig);
    expect(timeoutsToSet({ tcp: null, tcpfin: null, udp: null }, null)).toBeNull();
  });

  it('set at start, put back by a reload without them and at stop; the preview shows the same line', async () => {
    const kernel = { tcp: 900, tcpFin: 120, udp: 300 };
    const sets: string[] = [];
    const log = { error: () => undefined, warning: () => undefined, notice: () => undefined, info: () => undefined, debug: () => undefined, close: () => undefined };
    const table = new Map<string, IpvsService>();
    const engine = new KernelLvsEngine(conf('tcp 7200 udp 60'), {
      openTable: async () => ({
        listServices: async () => structuredClone([...table.values()]),
        apply: async (ops: Op[]) => ops.map((op) => (applyToTable(table, op), { op })),
        getTimeouts: async () => ({ ...kernel }),
        setTimeouts: async (t: { tcp: number; tcpFin: number; udp: number }) => {
          Object.assign(kernel, t);
          sets.push(`${t.tcp} ${t.tcpFin} ${t.udp}`);
        },
      }),
      prober: { probe: async () => ({ result: 'success' as const }) },
      log,
      notify: new NotifyRunner({ enableScriptSecurity: false, log }),
    });
    await engine.start();
    expect(kernel).toEqual({ tcp: 7200, tcpFin: 120, udp: 60 });
    const preview = await engine.planReload(conf(null));
    expect(sets).toHaveLength(1);
    expect(preview.events[0]).toBe("restoring the kernel's IPVS timeouts tcp 900 tcpfin 120 udp 300");
    const applied = await engine.reload(conf(null));
    expect(applied.events[0]).toBe(preview.events[0]);
    expect(kernel).toEqual({ tcp: 900, tcpFin: 120, udp: 300 });
    expect((await engine.reload(conf('tcpfin 30'))).events[0]).toBe('setting IPVS timeouts tcp 900 tcpfin 30 udp 300');
    await engine.stop();
    expect(sets).toEqual(['7200 120 60', '900 120 300', '900 30 300', '900 120 300']);
  });
});
