#!/usr/bin/env node
'use strict';
/**
 * Failover benchmark, halo beside Debian's keepalived 2.2.7 in the same run, on the baseline's
 * topology (lb1 192.168.77.11 and lb2 .12 on one bridge, a capturing client .100).
 *
 * Takeover rows (issue 15's timer targets, issue 13's IPv6 ones), ROUNDS takeovers each between
 * two directors of the same kind, both BACKUP priority 100: roles alternate, each round signals
 * the master and restarts it as the new backup (see series()).
 *  crash:    kill -9 of every master process; the master's last advert → the backup's first
 *            advert, pcap timestamps (target Master_Down_Interval + 1 ms median, + 3 ms p99;
 *            IPv6 + 3 ms)
 *  graceful: SIGTERM to the master; the signal → the backup's first advert (target Skew_Time
 *            + 2 ms; IPv6 + 3 ms), split into signal → priority 0 and priority 0 → advert
 *  worker:   kill -9 of halo's worker only (its supervisor releases for it); the signal → the
 *            backup holds the VIP (`ip -ts monitor address` on the backup; target Skew_Time +
 *            100 ms). keepalived has no such split (its parent respawns a killed VRRP child,
 *            which resumes as MASTER): its column is n/a.
 *  Each halo backup also reports its own trace of the takeover (halo status: vrrpTakeovers), set
 *  beside the capture: wire → heard (receive path), armed interval, deadline → fired (timer
 *  lateness), fired → advert sent (the step), sent → wire.
 *  cpu/rss:  a master with 1, 50 and 255 instances at advert_int 1 over DURATION seconds, and
 *            how far each VRID's advert intervals stray from 1 s on the wire (p50/p99)
 *
 * IPv6 rows (`--families 4,6`): VRRPv3 to ff02::12 from the link-local addresses, VIPs
 * fe80::77:200 and fd00:77::200. VRRPv2 is IPv4 only, so the IPv6 rows take the v3 sets; the
 * worker and cpu rows are IPv4.
 *
 *   node test/bench/failover/run.js [--rounds 20] [--cpu-seconds S] [--instances 1,50,255] [--only crash,graceful,worker,cpu]
 *        [--sets v3-0.1]    (version-advert_int pairs of the takeover rows: v2-1, v3-0.1, v3-0.01;
 *                            the targets are excesses in ms, whatever the interval: v3-0.1 keeps
 *                            20 rounds of every row within ~5 minutes)
 *        [--families 4,6]   (IPv4 and/or IPv6 takeover rows)
 *        [--starved-ms 2]
 *        [--before DIST]    (a column for another build of halo, e.g. main's dist/: a before/after in one run)
 * The timer targets in one command (≤ 5 min): --only crash,graceful,worker
 * Namespaces are named BENCH_NS_PREFIX, by default `hbf<pid>-` (Topology.build removes every
 * namespace with its prefix, so two runs must not share one).
 *
 * Figures per row: median and p99 (the max at 20 rounds) over the rounds that were not starved.
 * A round is starved when the processes its figure depends on waited for a CPU (schedstat
 * run_delay) more than STARVED_MS during the takeover window, or the bench took over 1 ms to
 * send the signal: its figure measures the host, not the director. A row with fewer than half
 * of its rounds valid prints "inconclusive"; every row prints halo's verdict against its target.
 * Requires root, keepalived, tcpdump, tshark (deploy/install-deps.sh installs them) and a
 * built dist/ (npm run build).
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Topology, waitFor } = require('../../../dist/lab/netns.js');
const { takeoverTimeline } = require('../../../dist/daemon/takeover-trace.js');
const { signalTree } = require('../../../dist/lab/procs.js');
const { HALO, startDirector, stopDirector, pidsOf, cpuTicks, rssMb, runDelayMs, capture: captureOn } = require('../directors.js');

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const ROUNDS = Number(opt('rounds', '20'));
const CPU_SECONDS = Number(opt('cpu-seconds', '30'));
const CPU_INSTANCES = opt('instances', '1,50,255').split(',').map(Number);
const ONLY = opt('only', 'crash,graceful,worker,cpu').split(',');
const SETS = opt('sets', 'v3-0.1').split(',');
const FAMILIES = opt('families', '4,6').split(',').map(Number);
const STARVED_MS = Number(opt('starved-ms', '2'));
// --before DIST: a column for another build of halo (its dist/ directory, inside a checkout with its native/ built)
const BEFORE = opt('before', null);
const VIP = '192.168.77.200';
const VIP6 = 'fd00:77::200';
const LL_VIP6 = 'fe80::77:200';
const SRC4 = { lb1: '192.168.77.11', lb2: '192.168.77.12' };
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
/** The host's own link-local address (an IPv6 advert's source), not the link-local VIP. */
const linkLocal = (topo, host) => addresses6(topo, host).find((a) => a.startsWith('fe80:') && a !== LL_VIP6);

const holds = (topo, host, family = 4) => (family === 6 ? addresses6(topo, host).includes(VIP6) : topo.addresses(host, 'eth0').includes(VIP));

/** Adverts in a pcap: [{t, src, prio, vrid}] (IPv4 or IPv6 source). */
function adverts(pcap, allVrids = false) {
  const out = execFileSync('tshark', ['-r', pcap, '-Y', 'vrrp', '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'ip.src', '-e', 'ipv6.src', '-e', 'vrrp.prio', '-e', 'vrrp.virt_rtr_id'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return out.split('\n').filter(Boolean).map((l) => {
    const [t, src4, src6, prio, vrid] = l.split('\t');
    return { t: Number(t), src: src4 || src6, prio: Number(prio), vrid: Number(vrid) };
  }).filter((a) => allVrids || a.vrid === 1);
}

/** Each VRID's advert intervals' deviation from advert_int (ms): the master's timer lateness, seen on the wire. */
function intervalDeviation(adv, advertMs) {
  const last = new Map();
  const d = [];
  for (const a of adv) {
    const prev = last.get(a.vrid);
    if (prev !== undefined) d.push(Math.abs((a.t - prev) * 1000 - advertMs));
    last.set(a.vrid, a.t);
  }
  d.sort((x, y) => x - y);
  const at = (q) => (d.length ? d[Math.min(d.length - 1, Math.ceil(q * d.length) - 1)] : NaN);
  return { intervals: d.length, p50: at(0.5), p99: at(0.99), max: d.length ? d[d.length - 1] : NaN };
}

let seq = 0;
/** tcpdump on the client, armed (it said "listening on") before this resolves. */
/** tcpdump on the client, armed before this resolves. */
const capture = (topo) => captureOn(topo, 'client', path.join(tmp, `cap-${++seq}.pcap`), 'ip proto 112 or ip6 proto 112');

function masterDownMs(version, advertMs, prio = 100) {
  const skew = version === 2 ? ((256 - prio) * 1000) / 256 : ((256 - prio) * advertMs) / 256;
  return { down: 3 * advertMs + skew, skew };
}

/** The backup's own view of its timers (halo only): lateness histogram from its status. */
function haloTimerLateness(p) {
  try {
    const st = JSON.parse(execFileSync(process.execPath, [HALO, 'status', '--json', '--control-socket', p.conf.replace(/\.conf$/, '.sock')], { encoding: 'utf8', timeout: 5000 }));
    return st.vrrpTimerLateness ?? null;
  } catch { return null; }
}

/**
 * `ip -ts monitor address dev eth0` on a host, for a whole series: when each address came and
 * went there (epoch s; iproute2 stamps each event with gettimeofday, in µs). A passive listener:
 * nothing polls the namespaces while a takeover is being timed.
 */
function addressMonitor(topo, host) {
  const p = topo.spawn(host, ['ip', '-ts', 'monitor', 'address', 'dev', 'eth0'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const events = [];
  let buf = '';
  p.stdout.setEncoding('utf8');
  p.stdout.on('data', (c) => {
    buf += c;
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      // [2026-12-01T06:20:01.123456] Deleted 2: eth0    inet 192.168.77.200/24 scope global secondary eth0
      const m = /^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d+)\]\s+(Deleted\s+)?\d+:\s+\S+\s+inet6?\s+([0-9a-fA-F.:]+)\//.exec(line);
      if (m) events.push({ t: new Date(m[1]).getTime() / 1000 + Number(`0.${m[2]}`), added: !m[3], address: m[4] });
    }
  });
  return { events, stop: () => p.kill('SIGTERM') };
}

/** The VRRP process of a keepalived (its child that is not the checker) or halo's worker. */
function childOf(p) {
  const pids = pidsOf(p);
  return pids.length > 1 ? pids[pids.length - 1] : null;
}

/** halo's own takeover trace (halo status over its control socket, no process spawned): the instance's last one. */
async function haloTrace(p) {
  const { controlCall } = require('../../../dist/daemon/control.js');
  const r = await controlCall(p.conf.replace(/\.conf$/, '.sock'), { cmd: 'status' }, 3000);
  if (!r.ok) return null;
  const t = (r.result.vrrpTakeovers ?? []).find((x) => x.instance === 'VI_1');
  return t ? { ...t, lateness: r.result.vrrpTimerLateness ?? null } : null;
}

/** Occurrences of `text` in a director's log file. */
const logCount = (p, text) => {
  try {
    return fs.readFileSync(p.logFile, 'utf8').split(text).length - 1;
  } catch { return 0; }
};

/**
 * One row: ROUNDS takeovers between two directors of the same kind, both `state BACKUP`
 * priority 100, so the roles alternate and no round waits for a preemption. The first to start
 * becomes master; each round signals the master (kill -9 of every process, SIGTERM, or kill -9
 * of halo's worker), lets the backup take over, then restarts the signalled host as the new
 * backup. One capture on the client and one address monitor per host cover the whole row.
 * A round is starved when the processes that decide its figure waited for a CPU more than
 * STARVED_MS (the backup up to its first advert, or its VIP for the worker row; the master up
 * to its priority 0), or when the signal itself took over 1 ms to send (the bench was
 * descheduled). Waits after those moments (the new master's VIPs, logs) do not count.
 */
async function series(topo, impl, scenario, s) {
  const family = s.family ?? 4;
  const adv = s.advertInt * 1000;
  const md = masterDownMs(s.version, adv);
  const expected = scenario === 'crash' ? md.down : md.skew;
  const vip = family === 6 ? VIP6 : VIP;
  const vips = family === 6 ? [`${LL_VIP6}/64`, `${VIP6}/64`] : [`${VIP}/24`];
  const clean = (h) => { for (const v of vips) topo.exec(h, ['ip', 'addr', 'del', v, 'dev', 'eth0'], { allowFail: true }); };
  const src = family === 6 ? { lb1: linkLocal(topo, 'lb1'), lb2: linkLocal(topo, 'lb2') } : SRC4;
  const text = (h) => conf(h, { state: 'BACKUP', priority: 100, version: s.version, advertInt: s.advertInt, family });
  // impl 'before': halo from another build (--before DIST), for a before/after in one run
  const launch = (h) => (impl === 'before' ? startDirector(topo, tmp, h, 'halo', text(h), [], path.join(path.resolve(BEFORE), 'cli', 'main.js')) : startDirector(topo, tmp, h, impl, text(h)));
  const d = {};
  const rounds = [];
  for (const h of ['lb1', 'lb2']) clean(h);
  const mon = { lb1: addressMonitor(topo, 'lb1'), lb2: addressMonitor(topo, 'lb2') };
  const cap = await capture(topo);
  /** Starts `h` as the backup and waits until it is in BACKUP and has heard the master a few times. */
  const startBackup = async (h) => {
    const p = launch(h);
    if (!(await waitFor(() => logCount(p, 'Entering BACKUP STATE') > 0, 30000, 10))) throw new Error(`${impl}: ${h} never entered BACKUP (log ${p.logFile})`);
    return p;
  };
  try {
    d.lb1 = launch('lb1');
    if (!(await waitFor(() => holds(topo, 'lb1', family), 30000, 20))) throw new Error(`${impl}: lb1 never became master`);
    d.lb2 = await startBackup('lb2');
    let [master, backup] = ['lb1', 'lb2'];
    for (let i = 0; i < ROUNDS; i++) {
      await sleep(Math.max(300, 4 * adv)); // the backup's down timer runs from the master's adverts
      const bPids = pidsOf(d[backup]);
      const mPids = scenario === 'crash' ? [] : pidsOf(d[master]);
      // cumulative CPU waits (schedstat run_delay) of the backup's and the master's processes,
      // sampled densely where the figure is decided; a process gone keeps its last reading
      const last = new Map([...bPids, ...mPids].map((pid) => [pid, runDelayMs([pid])]));
      const read = (pids) => pids.reduce((sum, pid) => {
        const v = runDelayMs([pid]);
        if (v > 0) last.set(pid, v);
        return sum + last.get(pid);
      }, 0);
      const samples = [];
      const sample = () => samples.push({ t: Date.now() / 1000, b: read(bPids), m: read(mPids) });
      sample();
      // the process tree is read before the clock: the signals alone lie between before and after
      const tree = pidsOf(d[master]);
      const worker = childOf(d[master]);
      const before = Date.now();
      if (scenario === 'crash') signalTree(tree, 'SIGKILL');
      else if (scenario === 'worker') process.kill(worker, 'SIGKILL');
      else signalTree(tree, 'SIGTERM');
      const after = Date.now();
      const r = { impl, scenario, master, backup, signalAt: before / 1000, signalSlipMs: after - before, samples };
      // passive until the takeover is done (reading /proc only, no process is spawned): every
      // 2 ms around the moments that decide the figure, every 10 ms between
      const dense = (t) => t - after < 15 || (t - after > expected - adv - 5 && t - after < expected + 15);
      for (const end = after + expected + 40; Date.now() < end;) {
        sample();
        await sleep(dense(Date.now()) ? 2 : 10);
      }
      sample();
      await sleep(110);
      const took = await waitFor(() => mon[backup].events.some((e) => e.added && e.address === vip && e.t >= r.signalAt), 5000, 10);
      if (!took) {
        rounds.push({ ...r, error: `${backup} never took over` });
        break; // the pair is in an unknown state: the row ends here (its missing rounds count as starved)
      }
      if (impl !== 'keepalived') r.trace = await haloTrace(d[backup]).catch(() => null);
      rounds.push(r);
      // the old master is gone (crash), stopping (graceful) or released by its supervisor (worker): restart it as the backup
      await stopDirector(d[master]);
      clean(master);
      d[master] = await startBackup(master);
      [master, backup] = [backup, master];
    }
  } finally {
    for (const p of Object.values(d)) await stopDirector(p);
    await cap.stop();
    mon.lb1.stop();
    mon.lb2.stop();
    for (const h of ['lb1', 'lb2']) clean(h);
  }
  return judge(rounds, adverts(cap.file), src, mon, vip, expected, scenario, s);
}

/** Each round's figures from the row's capture and address monitors (see series). */
function judge(rounds, adv, src, mon, vip, expected, scenario, s) {
  return rounds.map((r, i) => {
    if (r.error) return { ms: NaN, starved: true, error: r.error };
    const next = rounds[i + 1]?.signalAt ?? Infinity;
    const a = src[r.master];
    const b = src[r.backup];
    const err = (e) => ({ ms: NaN, starved: true, error: `${r.impl} ${scenario} round ${i + 1}: ${e}` });
    const firstB = adv.find((x) => x.src === b && x.t >= r.signalAt - 0.005 && x.t < next);
    if (!firstB) return err('the new master\'s first advert is not in the capture');
    // the backup must have been silent up to the signal: one that advertised never heard the master
    if (adv.some((x) => x.src === b && x.prio > 0 && x.t < r.signalAt - 0.005 && x.t > r.signalAt - 4 * s.advertInt)) return err(`${r.backup} was advertising before the signal`);
    const lastA = adv.filter((x) => x.src === a && x.prio > 0 && x.t < firstB.t).pop();
    const zeroA = adv.find((x) => x.src === a && x.prio === 0 && x.t >= r.signalAt - 0.005 && x.t < firstB.t);
    if (!lastA) return err('the master\'s last advert is not in the capture');
    const held = mon[r.backup].events.find((e) => e.added && e.address === vip && e.t >= r.signalAt - 0.005);
    // the CPU waits that could have moved the figure: the backup's up to its first advert (and,
    // for the worker row, its VIP), the master's up to its priority 0; read at the first sample
    // at or after that moment, so at most ~2 ms of later waits are counted with them
    const at = (t, k) => (r.samples.find((x) => x.t >= t) ?? r.samples[r.samples.length - 1])[k] - r.samples[0][k];
    const backupUntil = scenario === 'worker' && held ? Math.max(firstB.t, held.t) : firstB.t;
    const waitedMs = at(backupUntil, 'b') + (zeroA ? at(zeroA.t, 'm') : 0);
    const out = {
      ms: scenario === 'crash' ? (firstB.t - lastA.t) * 1000 : (firstB.t - r.signalAt) * 1000,
      holdsMs: held ? (held.t - r.signalAt) * 1000 : NaN,
      signalToZeroMs: zeroA ? (zeroA.t - r.signalAt) * 1000 : NaN,
      zeroToAdvertMs: zeroA ? (firstB.t - zeroA.t) * 1000 : NaN,
      waitedMs,
      starved: waitedMs > STARVED_MS || r.signalSlipMs > 1,
    };
    if (r.trace) {
      // halo's backup, on its own clock: where the ms between the two adverts on the wire went
      const tl = takeoverTimeline(r.trace);
      const heardWire = scenario === 'crash' ? lastA : zeroA ?? lastA;
      out.trace = {
        receiveMs: tl.epoch.heard === null ? NaN : tl.epoch.heard - heardWire.t * 1000,
        armedMs: tl.armedMs ?? NaN,
        latenessMs: tl.latenessMs,
        stepMs: tl.stepMs ?? NaN,
        machineMs: tl.machineMs ?? NaN,
        ioMs: tl.ioMs ?? NaN,
        transmitMs: tl.epoch.sent === null ? NaN : firstB.t * 1000 - tl.epoch.sent,
      };
    }
    return out;
  });
}

/** Median and p99 of the rounds that were not starved; null (inconclusive) if fewer than half were. */
function stats(rounds, key = 'ms') {
  // (a figure the capture or the monitor could not give counts as a starved round)
  const s = rounds.filter((r) => !r.starved && Number.isFinite(r[key])).map((r) => r[key]).sort((a, b) => a - b);
  const starved = rounds.length - s.length;
  if (s.length === 0 || s.length * 2 < rounds.length) return { inconclusive: true, starved, rounds: rounds.length };
  const at = (q) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return { min: s[0], median: at(0.5), p99: at(0.99), max: s[s.length - 1], starved, rounds: rounds.length };
}

async function cpuRss(topo, impl, instances) {
  const m = startDirector(topo, tmp, 'lb1', impl, conf('lb1', { state: 'MASTER', priority: 150, version: 2, advertInt: 1, instances }));
  await waitFor(() => holds(topo, 'lb1'), 15000, 50);
  await sleep(2000);
  const cap = await capture(topo);
  await sleep(500);
  const t0 = cpuTicks(pidsOf(m));
  const rd0 = runDelayMs(pidsOf(m));
  const w0 = Date.now();
  await sleep(CPU_SECONDS * 1000);
  const wall = Date.now() - w0;
  const cpu = ((cpuTicks(pidsOf(m)) - t0) / 100) / (wall / 1000) * 100;
  // waiting for a CPU more than 1 % of the window: the advert timing below measures the host
  const waitedShare = (runDelayMs(pidsOf(m)) - rd0) / wall;
  const rss = rssMb(pidsOf(m));
  const processes = pidsOf(m).length;
  await cap.stop();
  const lateness = impl === 'halo' ? haloTimerLateness(m) : null;
  await stopDirector(m);
  const deviation = intervalDeviation(adverts(cap.file, true).filter((a) => a.src === SRC4.lb1), 1000);
  return { cpuPercent: cpu, rssMb: rss, processes, deviation, waitedShare, lateness };
}

(async () => {
  // per run by default: Topology.build removes every namespace with its prefix, so two runs of this
  // benchmark (two engineers, or a leftover) must not share one
  const topo = new Topology(process.env.BENCH_NS_PREFIX || `hbf${process.pid}-`).build(['br0'], [
    { name: 'lb1', links: [['br0', `${SRC4.lb1}/24`]] },
    { name: 'lb2', links: [['br0', `${SRC4.lb2}/24`]] },
    { name: 'client', links: [['br0', '192.168.77.100/24']] },
  ]);
  const results = { failover: [], cpu: [] };
  try {
    // IPv6 adverts leave from the link-local addresses once they are past duplicate address detection
    if (FAMILIES.includes(6) && !(await waitFor(() => ['lb1', 'lb2'].every((h) => linkLocal(topo, h)), 15000, 100))) throw new Error('no IPv6 link-local addresses on lb1/lb2');
    const sets = { 'v2-1': { version: 2, advertInt: 1 }, 'v3-0.1': { version: 3, advertInt: 0.1 }, 'v3-0.01': { version: 3, advertInt: 0.01 } };
    for (const k of SETS) if (!sets[k]) throw new Error(`--sets: unknown set ${k} (known: ${Object.keys(sets).join(', ')})`);
    for (const fam of FAMILIES) if (fam !== 4 && fam !== 6) throw new Error(`--families: ${fam} is neither 4 nor 6`);
    // VRRPv2 is IPv4 only: the IPv6 rows take the v3 sets
    const rows = (scenario, keys) => FAMILIES.flatMap((family) => keys.filter((k) => SETS.includes(k) && (family === 4 || sets[k].version === 3))
      .map((k) => [scenario, family === 4 ? sets[k] : { ...sets[k], family }]));
    const scenarios = [
      ...(ONLY.includes('crash') ? rows('crash', SETS) : []),
      ...(ONLY.includes('graceful') ? rows('graceful', SETS) : []),
      ...(ONLY.includes('worker') ? SETS.map((k) => ['worker', sets[k]]) : []),
    ];
    const f = (x) => (Number.isFinite(x) ? x.toFixed(2) : ' n/a').padStart(8);
    const show = (st, expected) => (st.notApplicable ? 'n/a (no supervisor)' : st.inconclusive ? `inconclusive (${st.starved} of ${st.rounds} rounds starved)`
      : `med ${f(st.median)} p99 ${f(st.p99)} (+${f(st.median - expected).trim()} / +${f(st.p99 - expected).trim()})${st.starved ? ` [${st.starved}/${st.rounds} starved left out]` : ''}`);
    const med = (rs, key) => stats(rs.filter((r) => Number.isFinite(r[key])), key);
    for (const [scenario, s] of scenarios) {
      const family = s.family ?? 4;
      const row = { scenario, ...s, expected: null, halo: null, keepalived: null };
      const md = masterDownMs(s.version, s.advertInt * 1000);
      row.expected = scenario === 'crash' ? md.down : md.skew;
      for (const impl of ['keepalived', 'halo', ...(BEFORE ? ['before'] : [])]) {
        if (scenario === 'worker' && impl === 'keepalived') {
          // its parent respawns a killed VRRP child at once and that child resumes as MASTER:
          // the backup never takes over, so there is nothing to time (the issue's "VIP on neither")
          row.keepalived = row.keepalivedHolds = { notApplicable: true };
          continue;
        }
        let rs;
        try {
          rs = await series(topo, impl, scenario, s);
        } catch (e) {
          console.log(`  ${impl} ${scenario} IPv${family}: not measured: ${e.message}`);
          rs = [{ ms: NaN, starved: true, error: e.message }];
        }
        for (const r of rs) if (r.error) console.log(`  ${r.error}`);
        // a round that could not be measured counts as starved; rounds never run too
        while (rs.length < ROUNDS) rs.push({ ms: NaN, starved: true, error: 'not run' });
        row[impl] = stats(rs);
        row[`${impl}Holds`] = stats(rs, 'holdsMs');
        row[`${impl}Rounds`] = rs;
      }
      results.failover.push(row);
      // issue 15's targets (IPv4) and issue 13's (IPv6): takeover median +1 / p99 +3 ms (IPv6 +3),
      // graceful +2 ms (IPv6 +3), worker kill -9 → VIP held Skew_Time + 100 ms
      const target = scenario === 'crash' ? (family === 6 ? { median: 3, p99: 3 } : { median: 1, p99: 3 }) : scenario === 'graceful' ? { median: family === 6 ? 3 : 2 } : { median: 100 };
      const judged = scenario === 'worker' ? row.haloHolds : row.halo;
      row.verdict = judged.inconclusive ? 'inconclusive' : (judged.median - row.expected <= target.median && (target.p99 === undefined || judged.p99 - row.expected <= target.p99)) ? 'within' : 'beyond';
      const ratio = row.keepalived.median && row.halo.median ? ` | ratio of medians halo/keepalived ${(row.halo.median / row.keepalived.median).toFixed(4)}` : '';
      console.log(`${scenario.padEnd(8)} IPv${family} v${s.version} advert ${String(s.advertInt).padEnd(4)} expected ${f(row.expected)} ms | keepalived ${show(row.keepalived, row.expected)} | halo ${show(row.halo, row.expected)}${ratio}`);
      if (BEFORE) console.log(`         halo before (${BEFORE}): ${show(row.before, row.expected)}${scenario === 'worker' ? ` | holds the VIP ${show(row.beforeHolds, row.expected)}` : ''}`);
      if (scenario === 'worker') console.log(`         signal → backup holds the VIP: halo ${show(row.haloHolds, row.expected)} (target Skew_Time + 100 ms)`);
      if (scenario === 'graceful') {
        const part = (impl) => `signal → priority 0 ${f(med(row[`${impl}Rounds`], 'signalToZeroMs').median)}, priority 0 → advert − Skew_Time ${f(med(row[`${impl}Rounds`], 'zeroToAdvertMs').median - row.expected)}`;
        console.log(`         medians: keepalived ${part('keepalived')} | halo ${part('halo')}`);
      }
      const traced = (row.haloRounds ?? []).filter((r) => r.trace && !r.starved);
      if (traced.length) {
        const tm = (k) => f(stats(traced.map((r) => ({ v: r.trace[k] })).filter((x) => Number.isFinite(x.v)), 'v').median);
        console.log(`         halo backup's own trace, medians over ${traced.length} rounds (ms): wire → heard ${tm('receiveMs')} | armed ${tm('armedMs')} | deadline → fired ${tm('latenessMs')} | fired → advert sent ${tm('stepMs')} (step ${tm('machineMs')} + I/O ${tm('ioMs')}) | sent → wire ${tm('transmitMs')}`);
      }
      console.log(`         verdict (halo, target +${target.median}${target.p99 !== undefined ? ` median / +${target.p99} p99` : ''} ms): ${row.verdict}`);
    }
    if (ONLY.includes('cpu')) {
      for (const n of CPU_INSTANCES) {
        const r = { instances: n };
        for (const impl of ['keepalived', 'halo']) r[impl] = await cpuRss(topo, impl, n);
        results.cpu.push(r);
        console.log(`master with ${String(n).padStart(3)} instances over ${CPU_SECONDS}s: keepalived ${r.keepalived.cpuPercent.toFixed(2)} % CPU ${r.keepalived.rssMb.toFixed(1)} MB RSS | halo ${r.halo.cpuPercent.toFixed(2)} % CPU ${r.halo.rssMb.toFixed(1)} MB RSS (ratio CPU ${(r.halo.cpuPercent / Math.max(0.01, r.keepalived.cpuPercent)).toFixed(1)}×, RSS ${(r.halo.rssMb / r.keepalived.rssMb).toFixed(1)}×)`);
        const dev = (x) => (x.waitedShare > 0.01 ? `inconclusive (waited for a CPU ${(x.waitedShare * 100).toFixed(1)} % of the window)` : `p50 ${x.deviation.p50.toFixed(2)} p99 ${x.deviation.p99.toFixed(2)} max ${x.deviation.max.toFixed(2)} ms over ${x.deviation.intervals} intervals`);
        console.log(`    advert interval − 1 s on the wire: keepalived ${dev(r.keepalived)} | halo ${dev(r.halo)}`);
        if (r.halo.lateness) console.log(`    halo timer lateness (its own histogram since start): ${r.halo.lateness.expiries} expiries, mean ${(r.halo.lateness.sumMs / Math.max(1, r.halo.lateness.expiries)).toFixed(3)} ms, max ${r.halo.lateness.maxMs.toFixed(3)} ms; counts ≤${r.halo.lateness.bucketsMs.join('/')} ms: ${r.halo.lateness.counts.join(' ')}`);
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
