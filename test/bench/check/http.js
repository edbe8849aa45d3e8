#!/usr/bin/env node
'use strict';
/**
 * Checker scale bench: N real servers (default 1,000) checked with HTTP_GET (or TCP_CHECK with
 * `--check tcp`) at delay_loop 1 s
 * against one local nginx-light, halo beside keepalived 2.2.7 on the same targets in the same
 * run, one after the other, each as a real director (`halo run -C`, `keepalived -C`) in its own
 * namespace. keepalived's checker process needs IPVS to start, so on a kernel without it run
 * this inside the VM: `bash test/bench/check/http-run.sh`.
 *
 * The same external measurement for both: nginx logs every request with its arrival time
 * ($msec) and target ($host = ip:port), so the start drift of each check is the deviation of
 * each target's inter-request interval from delay_loop (p50/p99), measured over a window after
 * warmup. TCP_CHECK sends no request, so for it the same figure comes from the SYNs tcpdump
 * captures in the web namespace (one per check, with the kernel's timestamp). CPU is the
 * director's whole process tree (utime+stime) over the window, RSS at its end. The window is
 * reported "inconclusive" when the host itself was short of CPU: the director's own processes
 * or the measuring process waited for a CPU more than 10 % of the time (schedstat run delay).
 *
 *   node test/bench/check/http.js [--targets 1000] [--seconds 20] [--only halo|keepalived] [--check http|tcp] [--halo-node-options OPTS]
 * Requires root, nginx-light, keepalived and a built dist/.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Topology, waitFor } = require('../../../dist/lab/netns.js');
const { startDirector, stopDirector, pidsOf, cpuTicks, rssMb, runDelayMs: treeRunDelayMs } = require('../directors.js');

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const TARGETS = Math.min(Number(opt('targets', 1000)), 10000);
const SECONDS = Math.min(Number(opt('seconds', 20)), 300);
const ONLY = opt('only', null);
const CHECK = opt('check', 'http') === 'tcp' ? 'tcp' : 'http';
// A diagnosis, not halo as deployed: NODE_OPTIONS for halo's processes only (e.g. --jitless, to
// see how much of halo's cost in the software-emulated VM is emulating JIT-generated code).
const HALO_NODE_OPTIONS = opt('halo-node-options', null);
const WARMUP_S = 3;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'checkers-bench-http-'));
fs.chmodSync(tmp, 0o755); // nginx's workers run unprivileged
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Targets: 10.77.X.Y on the web namespace's interface, all served by one nginx on :80. */
const addr = (i) => `10.77.${Math.floor(i / 250)}.${(i % 250) + 1}`;

function conf() {
  const rs = [];
  for (let i = 0; i < TARGETS; i++) {
    if (CHECK === 'tcp') rs.push(`  real_server ${addr(i)} 80 {\n    TCP_CHECK {\n      connect_timeout 3\n      retry 1\n      delay_before_retry 1\n      warmup 1\n    }\n  }`);
    else rs.push(`  real_server ${addr(i)} 80 {\n    HTTP_GET {\n      url {\n        path /health\n        status_code 200\n      }\n      connect_timeout 3\n      retry 1\n      delay_before_retry 1\n      warmup 1\n    }\n  }`);
  }
  return `global_defs {\n  router_id bench\n}\nvirtual_server 192.168.77.1 80 {\n  delay_loop 1\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n${rs.join('\n')}\n}\n`;
}

function pct(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

function runDelayMs() {
  try { return Number(fs.readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6; } catch { return NaN; }
}

/**
 * The bench process's own schedule slip: a 50 ms timer's lateness, sampled over the window. In the
 * software-emulated VM a stolen vCPU is invisible to schedstat (the guest does not know the host
 * descheduled it), but every clock in the guest follows the host's, so the bench's own timers come
 * late as the directors' do. Slip p99 above SLIP_LIMIT_MS (the drift target itself) or a stall
 * over a second makes the window's drift figures inconclusive.
 */
const SLIP_PERIOD_MS = 50;
const SLIP_LIMIT_MS = 20;
function slipMonitor() {
  const slips = [];
  let due = performance.now() + SLIP_PERIOD_MS;
  const timer = setInterval(() => {
    const now = performance.now();
    slips.push(Math.max(0, now - due));
    due = now + SLIP_PERIOD_MS;
  }, SLIP_PERIOD_MS);
  return () => {
    clearInterval(timer);
    slips.sort((a, b) => a - b);
    return { p50: pct(slips, 50), p99: pct(slips, 99), max: slips.length ? slips[slips.length - 1] : NaN };
  };
}

/** Drift of each target's inter-request intervals from 1 s, from the nginx access log between t0 and t1 (epoch s). */
function driftOf(lines, t0, t1) {
  const last = new Map();
  const d = [];
  let requests = 0;
  for (const line of lines) {
    const [msec, host, status] = line.split(' ');
    const t = Number(msec);
    if (!(t >= t0 && t <= t1)) continue;
    requests++;
    if (status !== '200') continue;
    const prev = last.get(host);
    if (prev !== undefined) d.push(Math.abs((t - prev) * 1000 - 1000));
    last.set(host, t);
  }
  d.sort((a, b) => a - b);
  return { requests, p50: pct(d, 50), p99: pct(d, 99), targets: last.size };
}

/**
 * Start times of the checks from a pcap of SYNs (tcpdump -w, Ethernet): "msec dst 200" lines,
 * the access log's shape, so driftOf() reads both.
 */
function synLines(pcapFile) {
  const b = fs.readFileSync(pcapFile);
  if (b.length < 24) return [];
  const le = b.readUInt32LE(0) === 0xa1b2c3d4;
  const u32 = (o) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const lines = [];
  for (let o = 24; o + 16 <= b.length;) {
    const sec = u32(o);
    const usec = u32(o + 4);
    const incl = u32(o + 8);
    const pkt = o + 16;
    o = pkt + incl;
    if (o > b.length || incl < 14 + 20) break;
    if (b.readUInt16BE(pkt + 12) !== 0x0800) continue;
    const ip = pkt + 14;
    const dst = `${b[ip + 16]}.${b[ip + 17]}.${b[ip + 18]}.${b[ip + 19]}`;
    lines.push(`${sec + usec / 1e6} ${dst}:80 200`);
  }
  return lines;
}

/**
 * One director's run: started, one full round of checks seen (startup, IPVS programming and
 * warmup done), WARMUP_S more, then the measured window. `starts()` gives the check start
 * lines ("msec target status") the server side saw: nginx's access log for HTTP_GET, the SYNs
 * tcpdump captured in `web` for TCP_CHECK.
 */
async function measure(topo, kind, accessLog) {
  let cap = null;
  let starts;
  if (CHECK === 'tcp') {
    const pcap = path.join(tmp, `syn-${kind}.pcap`);
    cap = topo.spawn('web', ['tcpdump', '-i', 'eth0', '-n', '-U', '-s', '64', '-w', pcap, 'tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn and dst port 80'], { stdio: 'ignore' });
    await sleep(1000);
    starts = () => (fs.existsSync(pcap) ? synLines(pcap) : []);
  } else {
    fs.writeFileSync(accessLog, '');
    execFileSync('kill', ['-USR1', fs.readFileSync(path.join(tmp, 'nginx.pid'), 'utf8').trim()]); // reopen the log
    starts = () => fs.readFileSync(accessLog, 'utf8').split('\n').filter(Boolean);
  }
  const saved = process.env.NODE_OPTIONS;
  if (kind === 'halo' && HALO_NODE_OPTIONS) process.env.NODE_OPTIONS = HALO_NODE_OPTIONS;
  const p = startDirector(topo, tmp, kind === 'halo' ? 'hl' : 'ka', kind, conf(), ['-C']);
  if (saved === undefined) delete process.env.NODE_OPTIONS;
  else process.env.NODE_OPTIONS = saved;
  try {
    const t00 = Date.now();
    const up = await waitFor(() => starts().length >= TARGETS, 120_000, 500);
    const startupMs = Date.now() - t00;
    if (!up) console.error(`${kind}: not one round of checks within 120 s (${starts().length} checks)`);
    await sleep(WARMUP_S * 1000);
    const pids = pidsOf(p);
    const c0 = cpuTicks(pids);
    const rd0 = runDelayMs();
    const drd0 = treeRunDelayMs(pids);
    const t0 = Date.now();
    const slipEnd = slipMonitor();
    await sleep(SECONDS * 1000);
    const slip = slipEnd();
    const wall = Date.now() - t0;
    const cpu = ((cpuTicks(pidsOf(p)) - c0) * 10) / wall;
    const rss = rssMb(pidsOf(p));
    const starved = Math.max((runDelayMs() - rd0) / wall, (treeRunDelayMs(pids) - drd0) / wall);
    await sleep(500);
    const d = driftOf(starts(), t0 / 1000, (t0 + wall) / 1000);
    if (d.targets === 0) console.error(`${kind}: no successful checks in the window; its log ends with:\n${fs.readFileSync(p.logFile, 'utf8').slice(-1500)}`);
    return { kind, cpu, rss, ...d, starved, slip, startupMs, checksPerS: d.requests / (wall / 1000) };
  } finally {
    await stopDirector(p);
    if (cap) {
      cap.kill('SIGINT');
      await new Promise((r) => { if (cap.exitCode !== null) r(); else { cap.once('exit', r); setTimeout(r, 3000); } });
    }
  }
}

const GC_THRESH = { gc_thresh1: 16384, gc_thresh2: 32768, gc_thresh3: 65536 };
const savedGc = {};

async function main() {
  const topo = new Topology('checkers-bench-').build(['br0'], [
    { name: 'web', links: [['br0', '10.77.255.1/16']] },
    { name: 'hl', links: [['br0', '10.77.255.2/16']] },
    { name: 'ka', links: [['br0', '10.77.255.3/16']] },
  ]);
  let nginx = null;
  try {
    // 10,000 neighbours on one link: past the ARP table's default limit (gc_thresh3 1024), which
    // is the kernel's one table for every namespace (set in the initial one); restored below
    if (TARGETS > 500) {
      for (const [k, v] of Object.entries(GC_THRESH)) {
        savedGc[k] = fs.readFileSync(`/proc/sys/net/ipv4/neigh/default/${k}`, 'utf8').trim();
        fs.writeFileSync(`/proc/sys/net/ipv4/neigh/default/${k}`, String(v));
      }
    }
    const batch = [];
    for (let i = 0; i < TARGETS; i++) batch.push(`address add ${addr(i)}/16 dev eth0`);
    fs.writeFileSync(path.join(tmp, 'addrs.batch'), `${batch.join('\n')}\n`);
    topo.exec('web', ['ip', '-batch', path.join(tmp, 'addrs.batch')]);
    fs.mkdirSync(path.join(tmp, 'www'));
    fs.writeFileSync(path.join(tmp, 'www', 'health'), 'ok\n');
    const accessLog = path.join(tmp, 'access.log');
    fs.writeFileSync(path.join(tmp, 'nginx.conf'), `daemon off;\nworker_processes 1;\npid ${tmp}/nginx.pid;\nerror_log ${tmp}/error.log warn;\n`
      + `events { worker_connections 4096; }\nhttp {\n  log_format t '$msec $host $status';\n  access_log ${accessLog} t;\n`
      + `  client_body_temp_path ${tmp}/b; proxy_temp_path ${tmp}/p; fastcgi_temp_path ${tmp}/f; uwsgi_temp_path ${tmp}/u; scgi_temp_path ${tmp}/s;\n`
      + `  server {\n    listen 80 backlog=4096;\n    root ${tmp}/www;\n  }\n}\n`);
    nginx = topo.spawn('web', ['nginx', '-c', path.join(tmp, 'nginx.conf'), '-e', path.join(tmp, 'error.log')], { stdio: 'ignore' });
    if (!(await waitFor(() => fs.existsSync(path.join(tmp, 'nginx.pid')), 10000, 50))) throw new Error('nginx did not start');
    await sleep(300);
    const results = [];
    for (const kind of ['halo', 'keepalived']) {
      if (ONLY && ONLY !== kind) continue;
      results.push(await measure(topo, kind, accessLog));
    }
    console.log(`${CHECK === 'tcp' ? 'TCP_CHECK' : 'HTTP_GET'} bench: ${TARGETS} targets, delay_loop 1 s, ${SECONDS} s measured after ${WARMUP_S} s, ${os.cpus().length} CPUs, node ${process.version}`
      + `${HALO_NODE_OPTIONS ? `, halo under NODE_OPTIONS=${HALO_NODE_OPTIONS} (a diagnosis, not halo as deployed)` : ''}`);
    for (const r of results) {
      const why = [];
      if (r.starved > 0.1) why.push(`waited for a CPU ${(r.starved * 100).toFixed(0)} % of the window`);
      if (!(r.slip.p99 <= SLIP_LIMIT_MS) || r.slip.max > 1000) why.push(`the bench's own ${SLIP_PERIOD_MS} ms timer slipped p99 ${r.slip.p99.toFixed(1)} ms, max ${r.slip.max.toFixed(0)} ms`);
      const verdict = why.length ? ` (inconclusive: ${why.join('; ')})` : ` (bench timer slip p99 ${r.slip.p99.toFixed(1)} ms)`;
      // delay_loop 1 s: a director keeping its schedule makes TARGETS checks a second
      const kept = r.checksPerS / TARGETS;
      const drift = Number.isNaN(r.p99) ? 'start drift n/a (no target checked twice in the window)'
        : `start drift p50 ${r.p50.toFixed(1)} ms p99 ${r.p99.toFixed(1)} ms`;
      console.log(`  ${r.kind.padEnd(10)} checks ${r.checksPerS.toFixed(0)}/s on ${r.targets} targets (${(kept * 100).toFixed(0)} % of the schedule${kept < 0.95 ? ': behind, saturated' : ''}), CPU ${(r.cpu * 100).toFixed(1)}% of a core, `
        + `${r.checksPerS ? ((r.cpu * 1000) / r.checksPerS).toFixed(3) : 'NaN'} ms CPU per check, RSS ${r.rss.toFixed(1)} MB, `
        + `${drift} (first round after ${(r.startupMs / 1000).toFixed(1)} s)${verdict}`);
    }
    if (results.length === 2) {
      const [h, k] = results;
      console.log(`  ratio halo/keepalived: CPU per check ${(((h.cpu / h.checksPerS) / (k.cpu / k.checksPerS))).toFixed(2)}, RSS ${(h.rss / k.rss).toFixed(2)}, drift p99 ${(h.p99 / k.p99).toFixed(2)}`);
    }
  } finally {
    if (nginx) {
      try { process.kill(Number(fs.readFileSync(path.join(tmp, 'nginx.pid'), 'utf8')), 'SIGTERM'); } catch { /* gone */ }
      nginx.kill('SIGTERM');
    }
    await sleep(300);
    for (const [k, v] of Object.entries(savedGc)) fs.writeFileSync(`/proc/sys/net/ipv4/neigh/default/${k}`, v);
    topo.destroy();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e.stack || e.message);
  process.exit(1);
});
