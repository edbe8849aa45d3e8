#!/usr/bin/env node
'use strict';
/**
 * Failover benchmark, halo beside Debian's keepalived 2.2.7 in the same run, on the baseline's
 * topology (lb1 192.168.77.11 master prio 150, lb2 .12 backup prio 100, a capturing client).
 *
 *  crash:    kill -9 of every master process; measured from the master's last advert to the
 *            backup's first advert, pcap timestamps (target: Master_Down_Interval + ≤ 3 ms)
 *  graceful: SIGTERM to the master; measured from the signal to the backup's first advert
 *            (target: Skew_Time + ≤ 3 ms)
 *  cpu/rss:  a master with 1, 50 and 255 instances at advert_int 1 over DURATION seconds
 *
 * Both failovers run over IPv4 and over IPv6 (VRRPv3 to ff02::12 from the link-local
 * addresses, VIPs fe80::77:200 and fd00:77::200), `--families 4,6`. A round is set aside as
 * "starved" when the backup's processes (the ones that have to act) waited for a CPU for more
 * than STARVED_MS in total while it was taking over (schedstat run delay); figures are over
 * the other rounds, and a row whose every round was starved says "inconclusive".
 *
 *   node test/bench/failover/run.js [--rounds N] [--cpu-seconds S] [--only crash,graceful,cpu] [--families 4,6]
 * Requires root, keepalived, tcpdump, tshark (deploy/install-deps.sh installs them) and a
 * built dist/ (npm run build).
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Topology, waitFor } = require('../../../dist/lab/netns.js');
// namespaces named per run: two engineers' runs of this benchmark must not tear down each other's (Topology.build removes every namespace with its prefix)
const { startDirector, stopDirector, signalAll, pidsOf, cpuTicks, rssMb, runDelayMs } = require('../directors.js');

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const ROUNDS = Number(opt('rounds', '3'));
const CPU_SECONDS = Number(opt('cpu-seconds', '30'));
const ONLY = opt('only', 'crash,graceful,cpu').split(',');
const FAMILIES = opt('families', '4,6').split(',').map(Number);
/** A round whose backup waited longer than this for a CPU during the takeover is no figure. */
const STARVED_MS = 1;
const VIP = '192.168.77.200';
const VIP6 = 'fd00:77::200';
const LL_VIP6 = 'fe80::77:200';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'halo-bench-fo-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function conf(name, { state, priority, version, advertInt, instances = 1, family = 4 }) {
  const out = ['global_defs {', `  router_id ${name}`, '}'];
  for (let i = 0; i < instances; i++) {
    out.push(`vrrp_instance VI_${i + 1} {`, `  state ${state}`, '  interface eth0', `  virtual_router_id ${i + 1}`,
      `  priority ${priority}`, `  advert_int ${advertInt}`, `  version ${version}`);
    if (version === 2) out.push('  authentication {', '    auth_type PASS', '    auth_pass mypasswd', '  }');
    const vips = family === 6 ? [`${LL_VIP6}/64`, `${VIP6}/64`] : [`${i === 0 ? VIP : `192.168.${100 + Math.floor(i / 250)}.${(i % 250) + 1}`}/24`];
    out.push('  virtual_ipaddress {', ...vips.map((v) => `    ${v}`), '  }', '}');
  }
  return out.join('\n') + '\n';
}

/** IPv6 addresses of a host's eth0 that finished duplicate address detection. */
function addresses6(topo, host) {
  const out = topo.exec(host, ['ip', '-j', '-6', 'addr', 'show', 'dev', 'eth0', '-tentative'], { allowFail: true });
  return out.trim() ? JSON.parse(out).flatMap((l) => l.addr_info.flatMap((a) => (a.local ? [a.local] : []))) : [];
}
const linkLocal = (topo, host) => addresses6(topo, host).find((a) => a.startsWith('fe80:') && a !== LL_VIP6);

const holds = (topo, host, family = 4) => (family === 6 ? addresses6(topo, host).includes(VIP6) : topo.addresses(host, 'eth0').includes(VIP));

/** Adverts in a pcap: [{t, src, prio}] (IPv4 or IPv6 source). */
function adverts(pcap) {
  const out = execFileSync('tshark', ['-r', pcap, '-Y', 'vrrp', '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'ip.src', '-e', 'ipv6.src', '-e', 'vrrp.prio', '-e', 'vrrp.virt_rtr_id'], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean).map((l) => {
    const [t, src4, src6, prio, vrid] = l.split('\t');
    return { t: Number(t), src: src4 || src6, prio: Number(prio), vrid: Number(vrid) };
  }).filter((a) => a.vrid === 1);
}

let seq = 0;
/** tcpdump on the client, armed (it said "listening on") before this resolves. */
async function capture(topo) {
  const file = path.join(tmp, `cap-${++seq}.pcap`);
  const p = topo.spawn('client', ['tcpdump', '-U', '-n', '-i', 'eth0', '-w', file, 'ip proto 112 or ip6 proto 112'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  p.stderr.on('data', (c) => { err += c; });
  if (!(await waitFor(() => err.includes('listening on'), 15000, 10))) throw new Error(`tcpdump not listening: ${err}`);
  return { file, stop: async () => { await sleep(500); p.kill('SIGTERM'); await new Promise((r) => p.once('exit', r)); } };
}

function masterDownMs(version, advertMs, prio = 100) {
  const skew = version === 2 ? ((256 - prio) * 1000) / 256 : ((256 - prio) * advertMs) / 256;
  return { down: 3 * advertMs + skew, skew };
}

async function round(topo, impl, scenario, s) {
  const family = s.family ?? 4;
  const m = startDirector(topo, tmp, 'lb1', impl, conf('lb1', { state: 'MASTER', priority: 150, version: s.version, advertInt: s.advertInt, family }));
  if (!(await waitFor(() => holds(topo, 'lb1', family), 60000, 20))) {
    await stopDirector(m);
    throw new Error(`${impl}: lb1 never became master`);
  }
  const b = startDirector(topo, tmp, 'lb2', impl, conf('lb2', { state: 'BACKUP', priority: 100, version: s.version, advertInt: s.advertInt, family }));
  await sleep(Math.max(1500, s.advertInt * 5000));
  const cap = await capture(topo);
  await sleep(Math.max(500, s.advertInt * 3000));
  const backupPids = pidsOf(b);
  const rd0 = runDelayMs(backupPids);
  const signalAt = Date.now() / 1000;
  if (scenario === 'crash') signalAll(m, 'SIGKILL');
  else signalAll(m, 'SIGTERM');
  const ok = await waitFor(() => holds(topo, 'lb2', family), 15000, 5);
  const waited = runDelayMs(backupPids) - rd0;
  const srcB6 = family === 6 ? linkLocal(topo, 'lb2') : '192.168.77.12';
  // tcpdump writes packet by packet (-U), but late on a loaded host: wait for the new master's advert
  if (ok) await waitFor(() => adverts(cap.file).some((a) => a.src === srcB6), 10000, 100);
  await sleep(Math.max(300, s.advertInt * 3000));
  await cap.stop();
  await stopDirector(b);
  await stopDirector(m);
  const vips = family === 6 ? [`${LL_VIP6}/64`, `${VIP6}/64`] : [`${VIP}/24`];
  for (const h of ['lb1', 'lb2']) for (const v of vips) topo.exec(h, ['ip', 'addr', 'del', v, 'dev', 'eth0'], { allowFail: true });
  if (!ok) throw new Error(`${impl} ${scenario}: lb2 never took over`);
  const adv = adverts(cap.file);
  const [srcA, srcB] = family === 6 ? [linkLocal(topo, 'lb1'), linkLocal(topo, 'lb2')] : ['192.168.77.11', '192.168.77.12'];
  const firstB = adv.find((a) => a.src === srcB);
  const lastA = adv.filter((a) => a.src === srcA && a.prio > 0 && (!firstB || a.t < firstB.t)).pop();
  if (!firstB || !lastA) throw new Error(`${impl} ${scenario}: adverts missing in the capture`);
  // a backup that was already advertising before the signal did not take over: no figure
  if (firstB.t < signalAt - 0.005) throw new Error(`${impl} ${scenario}: lb2 was advertising before the signal (it never heard lb1)`);
  if (scenario === 'graceful') {
    const zero = adv.find((a) => a.src === srcA && a.prio === 0);
    if (zero && process.env.BENCH_DETAIL) console.log(`  ${impl}: signal → priority 0 ${((zero.t - signalAt) * 1000).toFixed(1)} ms, priority 0 → backup advert ${((firstB.t - zero.t) * 1000).toFixed(1)} ms`);
  }
  const ms = scenario === 'crash' ? (firstB.t - lastA.t) * 1000 : (firstB.t - signalAt) * 1000;
  if (process.env.BENCH_DETAIL) console.log(`  ${impl} ${scenario}: ${ms.toFixed(1)} ms, backup waited ${waited.toFixed(1)} ms for a CPU`);
  return { ms, starved: waited > STARVED_MS, waitedMs: waited };
}

/** min/median/max over the rounds that were not starved; null when every round was. */
function stats(rounds) {
  const s = rounds.filter((r) => !r.starved).map((r) => r.ms).sort((a, b) => a - b);
  const starved = rounds.length - s.length;
  if (s.length === 0) return { min: null, median: null, max: null, starved };
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1], starved };
}

async function cpuRss(topo, impl, instances) {
  const m = startDirector(topo, tmp, 'lb1', impl, conf('lb1', { state: 'MASTER', priority: 150, version: 2, advertInt: 1, instances }));
  await waitFor(() => holds(topo, 'lb1'), 15000, 50);
  await sleep(2000);
  const t0 = cpuTicks(pidsOf(m));
  const w0 = Date.now();
  await sleep(CPU_SECONDS * 1000);
  const cpu = ((cpuTicks(pidsOf(m)) - t0) / 100) / ((Date.now() - w0) / 1000) * 100;
  const rss = rssMb(pidsOf(m));
  const processes = pidsOf(m).length;
  await stopDirector(m);
  return { cpuPercent: cpu, rssMb: rss, processes };
}

(async () => {
  const topo = new Topology(`hbf${process.pid}-`).build(['br0'], [
    { name: 'lb1', links: [['br0', '192.168.77.11/24']] },
    { name: 'lb2', links: [['br0', '192.168.77.12/24']] },
    { name: 'client', links: [['br0', '192.168.77.100/24']] },
  ]);
  // IPv6 adverts leave from the link-local addresses once they are past duplicate address detection
  if (FAMILIES.includes(6) && !(await waitFor(() => ['lb1', 'lb2'].every((h) => linkLocal(topo, h)), 15000, 100))) throw new Error('no IPv6 link-local addresses');
  const results = { failover: [], cpu: [] };
  try {
    const v4 = FAMILIES.includes(4);
    const v6 = FAMILIES.includes(6);
    const scenarios = [
      ...(ONLY.includes('crash') ? [
        ...(v4 ? [['crash', { version: 2, advertInt: 1 }], ['crash', { version: 3, advertInt: 0.1 }], ['crash', { version: 3, advertInt: 0.01 }]] : []),
        ...(v6 ? [['crash', { version: 3, advertInt: 0.1, family: 6 }], ['crash', { version: 3, advertInt: 0.01, family: 6 }]] : []),
      ] : []),
      ...(ONLY.includes('graceful') ? [
        ...(v4 ? [['graceful', { version: 2, advertInt: 1 }], ['graceful', { version: 3, advertInt: 0.1 }]] : []),
        ...(v6 ? [['graceful', { version: 3, advertInt: 0.1, family: 6 }]] : []),
      ] : []),
    ];
    for (const [scenario, s] of scenarios) {
      const row = { scenario, ...s, expected: null, halo: null, keepalived: null };
      const md = masterDownMs(s.version, s.advertInt * 1000);
      row.expected = scenario === 'crash' ? md.down : md.skew;
      for (const impl of ['keepalived', 'halo']) {
        const xs = [];
        for (let i = 0; i < ROUNDS; i++) {
          // a round that lost its evidence (capture short of packets on a loaded host) is no figure either
          xs.push(await round(topo, impl, scenario, s).catch((e) => (console.error(`  ${e.message}: round left out`), { ms: null, starved: true })));
        }
        row[impl] = { ...stats(xs), rounds: xs };
      }
      results.failover.push(row);
      const f = (x) => (x === null ? 'n/a' : x.toFixed(1)).padStart(8);
      const side = (r) => (r.median === null ? `inconclusive (all ${r.starved} rounds starved)` : `min/med/max ${f(r.min)} ${f(r.median)} ${f(r.max)}${r.starved ? ` (${r.starved} starved rounds left out)` : ''}`);
      const verdict = row.halo.median === null ? 'inconclusive' : `${f(row.halo.median - row.expected)} ms`;
      console.log(`${scenario.padEnd(8)} IPv${s.family ?? 4} v${s.version} advert ${String(s.advertInt).padEnd(4)} expected ${f(row.expected)} ms | keepalived ${side(row.keepalived)} | halo ${side(row.halo)} | halo − expected (median) ${verdict}`);
    }
    if (ONLY.includes('cpu')) {
      for (const n of [1, 50, 255]) {
        const r = { instances: n };
        for (const impl of ['keepalived', 'halo']) r[impl] = await cpuRss(topo, impl, n);
        results.cpu.push(r);
        console.log(`master with ${String(n).padStart(3)} instances over ${CPU_SECONDS}s: keepalived ${r.keepalived.cpuPercent.toFixed(2)} % CPU ${r.keepalived.rssMb.toFixed(1)} MB RSS | halo ${r.halo.cpuPercent.toFixed(2)} % CPU ${r.halo.rssMb.toFixed(1)} MB RSS (ratio CPU ${(r.halo.cpuPercent / Math.max(0.01, r.keepalived.cpuPercent)).toFixed(1)}×, RSS ${(r.halo.rssMb / r.keepalived.rssMb).toFixed(1)}×)`);
      }
    }
    fs.writeFileSync(path.join(tmp, 'results.json'), JSON.stringify(results, null, 2));
    console.log(`results: ${path.join(tmp, 'results.json')}`);
  } finally {
    topo.destroy();
  }
})().catch((e) => {
  console.error(e.message);
  process.exitCode = 1;
});
