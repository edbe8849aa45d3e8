/**
 * The LVS shell's status: quorum as the pool rules judged it (keepalived's quorum_state_up), not
 * a constant. The kernel table is an in-memory fake; checks are real HealthChecker runs over a
 * fake prober; alpha makes the checkers start down so the first evaluation decides.
 */
import { parseConfigText } from '../../src/config/load';
import type { Model } from '../../src/config/model';
import { KernelLvsEngine, timeoutsToSet, type LvsEngineDeps } from '../../src/daemon/lvs-engine';
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

/** An engine on an in-memory kernel table, a silent log and `deps` (prober, nft) as given. */
function engineOn(m: Model, table: Map<string, IpvsService>, deps: Pick<LvsEngineDeps, 'prober'> & Partial<LvsEngineDeps>): KernelLvsEngine {
  const log = { error: () => undefined, warning: () => undefined, notice: () => undefined, info: () => undefined, debug: () => undefined, close: () => undefined };
  return new KernelLvsEngine(m, {
    openTable: async () => ({
      listServices: async () => structuredClone([...table.values()]),
      apply: async (ops: Op[]) => ops.map((op) => (applyToTable(table, op), { op })),
    }),
    log,
    notify: new NotifyRunner({ enableScriptSecurity: false, log }),
    ...deps,
  });
}

async function statusOf(m: Model): Promise<StatusSnapshot['virtualServers']> {
  const engine = engineOn(m, new Map(), { prober: { probe: async () => ({ result: 'failed' as const }) } });
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
        // keepalived's clear_diff_rs lines for the real server the reload takes away, then the new pass
        events: [
          'service [10.0.100.2]:tcp:80 no longer exist',
          'Removing service [10.0.100.2]:tcp:80 from VS [192.168.1.202]:tcp:80',
          'Gained quorum 1+0=1 <= 3 for VS [192.168.1.203]:udp:53',
        ],
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

describe('LVS engine SMTP alerts (keepalived 2.2.7 check_tcp.c, ipwrapper.c)', () => {
  const text = (quiet: boolean) => `global_defs {\n router_id lb\n${quiet ? ' no_checker_emails\n' : ''}}\n` +
    'virtual_server 192.168.1.202 80 {\n  delay_loop 1\n  warmup 0\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n  quorum 3\n  smtp_alert\n' +
    '  real_server 10.0.100.2 80 {\n    TCP_CHECK {\n      retry 0\n    }\n  }\n' +
    '  real_server 10.0.100.3 80 {\n    TCP_CHECK {\n      connect_port 81\n      retry 0\n    }\n    TCP_CHECK {\n      connect_port 82\n      retry 0\n    }\n  }\n' +
    '  real_server 10.0.100.4 80 {\n    smtp_alert off\n    TCP_CHECK {\n      connect_port 83\n      retry 0\n    }\n  }\n}\n';

  async function run(quiet: boolean, steps: Array<{ failing: number[]; mails: number }>): Promise<string[]> {
    const r = parseConfigText(text(quiet), 'k.conf');
    if (!r.model) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
    const table = new Map<string, IpvsService>();
    const log = { error: () => undefined, warning: () => undefined, notice: () => undefined, info: () => undefined, debug: () => undefined, close: () => undefined };
    const mails: string[] = [];
    const failing = new Set<number>();
    const engine = new KernelLvsEngine(r.model, {
      openTable: async () => ({
        listServices: async () => structuredClone([...table.values()]),
        apply: async (ops: Op[]) => ops.map((op) => (applyToTable(table, op), { op })),
      }),
      prober: { probe: async (t) => ({ result: failing.has((t.check as { connectPort: number }).connectPort) ? ('failed' as const) : ('success' as const) }) },
      log,
      notify: new NotifyRunner({ enableScriptSecurity: false, log }),
      alerts: {
        realServer: (rs, vs, up, body) => mails.push(`Realserver ${rs} of virtual server ${vs} - ${up ? 'UP' : 'DOWN'}: ${body}`),
        virtualServer: (vs, up, body) => mails.push(`Virtualserver ${vs} - ${up ? 'UP' : 'DOWN'}: ${body}`),
      },
    });
    await engine.start();
    try {
      for (const s of steps) {
        failing.clear();
        for (const p of s.failing) failing.add(p);
        const deadline = Date.now() + 15_000;
        while (mails.length < s.mails && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
        // one more round of checks: nothing else may arrive
        await new Promise((res) => setTimeout(res, 1500));
      }
    } finally {
      await engine.stop();
    }
    return mails;
  }

  jest.setTimeout(60_000);

  const RS3 = 'Realserver [10.0.100.3]:tcp:80 of virtual server [192.168.1.202]:tcp:80';
  const VS = 'Virtualserver [192.168.1.202]:tcp:80';
  // .3 has two checkers; .4 (smtp_alert off) fails only while the quorum is already lost
  const steps = (n: number[]) => [{ failing: [], mails: n[0] }, { failing: [81], mails: n[1] }, { failing: [81, 82, 83], mails: n[2] }, { failing: [], mails: n[3] }];

  it('quorum at start; a checker taking its server and the quorum down; a second checker of a server already down; a server without smtp_alert; recovery', async () => {
    expect(await run(false, steps([1, 3, 4, 7]))).toEqual([
      `${VS} - UP: => Starting with quorum up 3+0=3 <= 3 <=`,
      `${RS3} - DOWN: => TCP CHECK failed on service <=`,
      `${VS} - DOWN: => Lost quorum 3+0=3 <= 2 <=`,
      `${RS3} - DOWN: => TCP CHECK failed on service <=`,
      // the subject is the server's state: the first checker back leaves it down
      `${RS3} - DOWN: => TCP CHECK succeed on service <=`,
      `${RS3} - UP: => TCP CHECK succeed on service <=`,
      `${VS} - UP: => Gained quorum 3+0=3 <= 3 <=`,
    ]);
  });

  it('no_checker_emails: only the checker changes that change their server\'s state are mailed', async () => {
    expect(await run(true, steps([1, 3, 3, 5]))).toEqual([
      `${VS} - UP: => Starting with quorum up 3+0=3 <= 3 <=`,
      `${RS3} - DOWN: => TCP CHECK failed on service <=`,
      `${VS} - DOWN: => Lost quorum 3+0=3 <= 2 <=`,
      `${RS3} - UP: => TCP CHECK succeed on service <=`,
      `${VS} - UP: => Gained quorum 3+0=3 <= 3 <=`,
    ]);
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

describe('LVS engine: ha_suspend follows the host addresses (update_checker_activity)', () => {
  it("suspended at start without the address, activated when it arrives, suspended when its last copy goes, in keepalived's words", async () => {
    const text = 'virtual_server 192.168.1.202 80 {\n  delay_loop 60\n  protocol TCP\n  ha_suspend\n  real_server 10.0.100.2 80 {\n    TCP_CHECK {\n    }\n  }\n}\n' +
      'virtual_server 192.168.1.203 80 {\n  delay_loop 60\n  protocol TCP\n  real_server 10.0.100.3 80 {\n    TCP_CHECK {\n    }\n  }\n}\n';
    const r = parseConfigText(text, 'k.conf');
    if (!r.model) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
    const table = new Map<string, IpvsService>();
    const lines: string[] = [];
    const log = { error: () => undefined, warning: () => undefined, notice: () => undefined, info: (m: string) => void lines.push(m), debug: () => undefined, close: () => undefined };
    let emit: (e: { kind: 'added' | 'removed'; family: 4 | 6; address: string }) => void = () => undefined;
    const engine = new KernelLvsEngine(r.model, {
      openTable: async () => ({
        listServices: async () => structuredClone([...table.values()]),
        apply: async (ops: Op[]) => ops.map((op) => (applyToTable(table, op), { op })),
      }),
      prober: { probe: async () => ({ result: 'success' as const }) },
      log,
      notify: new NotifyRunner({ enableScriptSecurity: false, log }),
      hostAddresses: { list: async () => [{ family: 4, address: '10.0.0.1' }], onChange: (cb) => { emit = cb; } },
    });
    await engine.start();
    try {
      const ours = () => lines.filter((l) => l.includes('healthchecker'));
      expect(ours()).toEqual(['Deactivating healthchecker for service [10.0.100.2]:tcp:80 for VS [192.168.1.202]:tcp:80']);
      emit({ kind: 'added', family: 4, address: '192.168.1.202' });
      emit({ kind: 'added', family: 4, address: '192.168.1.202' });
      emit({ kind: 'removed', family: 4, address: '192.168.1.202' });
      emit({ kind: 'added', family: 4, address: '192.168.1.203' });
      emit({ kind: 'removed', family: 4, address: '192.168.1.202' });
      expect(ours()).toEqual([
        'Deactivating healthchecker for service [10.0.100.2]:tcp:80 for VS [192.168.1.202]:tcp:80',
        'Activating healthchecker for service [10.0.100.2]:tcp:80 for VS [192.168.1.202]:tcp:80',
        'Suspending healthchecker for service [10.0.100.2]:tcp:80 for VS [192.168.1.202]:tcp:80',
      ]);
    } finally {
      await engine.stop();
    }
  });
});

describe('LVS engine: nftables_ipvs fwmarks across a reload (keepalived 2.2.7 clear_diff_vsg, next_fwmark)', () => {
  const vsg = (name: string, addr: string) => `virtual_server_group ${name} {\n  ${addr} 80\n}\n`;
  const vs = (name: string) => `virtual_server group ${name} {\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n  real_server 10.0.100.2 8080 {\n    weight 1\n  }\n}\n`;
  const conf = (names: string[]) => {
    const text = `global_defs {\n  nftables_ipvs\n}\n${names.map((n, i) => vsg(n, `192.168.1.${10 + i}`)).join('')}${names.map(vs).join('')}`;
    const r = parseConfigText(text, 'k.conf');
    if (!r.model) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
    return r.model;
  };

  it('a group inserted before the others: theirs keep their fwmark services and map entries, the new one takes the next fwmark', async () => {
    const table = new Map<string, IpvsService>();
    const scripts: string[] = [];
    const engine = engineOn(conf(['A', 'B']), table, {
      prober: { probe: async () => ({ result: 'success' as const }) },
      nft: async (_args, input) => (scripts.push(input), { ok: true as const, value: '' }),
    });
    await engine.start();
    try {
      expect([...table.keys()].sort()).toEqual(['FWM 1000 IPv4', 'FWM 1001 IPv4']);
      // The new group N is first in the file: a first start would give it 1000.
      const preview = await engine.planReload(conf(['N', 'A', 'B']));
      expect(preview.ipvs).toEqual([
        { op: 'adding service FWM 1002 IPv4 (rr)' },
        { op: 'adding destination 10.0.100.2:8080 to service FWM 1002 IPv4 (masq, weight 1)' },
      ]);
      expect(await engine.reload(conf(['N', 'A', 'B']))).toEqual(preview);
      expect([...table.keys()].sort()).toEqual(['FWM 1000 IPv4', 'FWM 1001 IPv4', 'FWM 1002 IPv4']);
      // N's address (192.168.1.10 in the new file) goes to 1002; A's and B's keep theirs.
      const last = scripts[scripts.length - 1];
      expect(last).toContain('192.168.1.10 . 80 : 1002');
      expect(last).toContain('192.168.1.11 . 80 : 1000');
      expect(last).toContain('192.168.1.12 . 80 : 1001');
    } finally {
      await engine.stop();
    }
  });
});
