/**
 * `halo lab up | status | drill | bench | down`: the thesis cluster (seed 002 §3) in network
 * namespaces on this machine, run by two halo directors, with client traffic and failover
 * drills. `halo lab drill` alone does up → drill → down; it is the README's main command.
 *
 * IPVS is a kernel feature: on a kernel without it (`modprobe ip_vs` fails) the lab runs
 * itself inside the project's QEMU VM (deploy/vm/vmrun.sh, Debian's kernel) and says so.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { keepArtifacts } from '../lab/artifacts';
import { Cluster, HTTP_SERVICE } from '../lab/cluster';
import { Drill, DrillMode, DrillResult, formatDrill, formatSpreads, phaseSpreads } from '../lab/drill';
import { EXIT_FAILED, exitStatus } from '../lab/bounds';
import type { EcmpPhaseResult } from '../lab/ecmp-phase';
import type { ThroughputRow } from '../lab/ecmp-bench';
import { HALO_BFD, type BfdProfile } from '../announce/frr-config';
import { formatTopologies } from '../lab/topologies';
import { renderReport, reportFileName } from '../lab/report';
import { BenchResult, formatBench, runBench, startProxies } from '../lab/bench';
import { sideBySide } from '../lab/side-by-side';
import { ConnSyncDrill, formatConnSync } from '../lab/conn-sync';

const ROOT = resolve(__dirname, '..', '..');
const LAB_DIR = '/run/halo-lab';
const USAGE = `usage: halo lab drill [--topology vrrp] [--ipv6] [--mode crash|graceful|link|all] [--repeat N] [--json FILE] [--report DIR] [--out DIR] [--max-lag-ms MS] [--attempts N] [--bounds enforce|report] [--capture] [--conn-sync]
       halo lab drill --topology ecmp|vrrp+ecmp [--directors N] [--routing frr|bird] [--bfd MSxN] [--rate R] [--flows F] [--json FILE]
       halo lab bench [--requests N] [--concurrency C] [--rounds R] [--json FILE]
       halo lab bench --topology ecmp [--directors N] [--routing frr|bird] [--requests N] [--concurrency C] [--rounds R] [--json FILE]
       halo lab up [--ipv6] | status | down
  drill   build the cluster, run the drill(s) under client load, tear it all down; exit 0 when
          every phase was measured validly and within its bound, 1 when a phase was beyond its
          bound or an invariant broke, 3 when a phase stayed inconclusive (the measuring client
          was stalled beyond --max-lag-ms, default 100, in all --attempts cycles, default 3);
          --bounds report prints every bound verdict but fails only on a broken invariant;
          both directors' logs, final status --json and ipvsadm -Ln and the real servers' logs are
          kept in --out DIR (default /var/tmp/halo-lab/drill-TIME); --ipv6 builds the cluster dual
          stack (deploy/examples/dualstack-*.conf: IPv6 VIPs in virtual_ipaddress_excluded, an IPv6
          virtual server) and also measures HTTP over IPv6 through the IPv6 VIP in every phase,
          judged against the same bounds as HTTP; --capture keeps a tcpdump of the client's link
          (VRRP, ARP, the client's requests) in --out; every graceful failover prints where its
          time went (SIGTERM → priority 0 sent → received → lb2's timeout → MASTER → GARP → first answer);
          --conn-sync then carries long-lived TCP connections (slow HTTP downloads through the VIP)
          through a crash failover with lvs_sync_daemon (IPVS connection sync) and without it, and
          reports each flow: exit 1 when one breaks with sync or survives without it
          --topology ecmp: N (2-4, default 3) active directors behind a router with BGP ECMP and
          BFD (halo_announce, mh, DR), all running FRR or (--routing bird) BIRD 2; phases on the
          last director: graceful drain, added back, kill -9 of its halo worker (the supervisor
          withdraws and respawns it), kill -9 of both halo processes (+ halo cleanup), added
          back, links down, added back; per phase failed/timed-out/hung new connections (each
          attempt gives up at 500 ms, before the kernel's 1 s SYN retry: an unanswered SYN is a
          failure), the failing window (first → last failed attempt), slowest handshake, broken
          long-lived flows and the ECMP spread; exit 1 when
          an invariant broke (a failed request while draining, a drained director taking new
          flows, a hung request, no convergence), 3 when the client was starved in a phase;
          --bfd MSxN: the lab's BFD timers (default the shipped 300x3, which flaps in a starved
          emulated VM; the JSON names the timers used);
          --topology vrrp+ecmp: both drills in one run, one report and one --json
          ({ vrrp: [...], ecmp: {...} }) with the failovers side by side
  bench   seed 003's ab benchmark through IPVS (halo), HAProxy and nginx on the same director;
          --topology ecmp: requests/s through the VRRP lab's active director and through the
          ECMP lab with N (default 3), N-1, …, 1 active directors, one new connection per request,
          in one report (a row is inconclusive when the directors and the client share fewer CPUs
          than they are: then throughput cannot scale)
  up      build the cluster and leave it running (state in ${LAB_DIR})
  status  both directors' halo status and IPVS table
  down    stop everything the lab started and delete its namespaces
`;

function kernelHasIpvs(): boolean {
  if (existsSync('/proc/net/ip_vs')) return true;
  return spawnSync('modprobe', ['ip_vs'], { stdio: 'ignore' }).status === 0 && existsSync('/proc/net/ip_vs');
}

/**
 * Re-run this very command inside the VM. Its output streams back; the results line the VM
 * prints is turned into the --json file here, since the VM's own files vanish with it.
 */
function inVm(argv: string[], json: string | null, reportDir: string | null, cycles: number, out: string | null): Promise<number> {
  const vmrun = join(ROOT, 'deploy', 'vm', 'vmrun.sh');
  const script = join(ROOT, 'deploy', 'vm', 'in-vm-halo.sh');
  process.stdout.write(`halo lab: this kernel (${execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim()}) has no IPVS; running the lab inside a QEMU VM with Debian's kernel\n`);
  const hostOnly = ['--json', '--out'];
  const vmArgs = argv.filter((a, i) => !hostOnly.includes(a) && !hostOnly.includes(argv[i - 1]));
  // one vCPU: under software emulation a second one only adds contention (see vmrun.sh);
  // the drill writes its artifacts to $VMRUN_OUT in the VM, which vmrun.sh copies to `out`
  // the VM's time limit (a hung VM's, exit 124) grows with the cycles a starved drill may take
  // (every mode, every repeat, every attempt: about 4 min each at load 15), so that a drill
  // measured again until its attempts ran out ends with its own verdict (exit 3), not the limit's
  const child = spawn(vmrun, ['-m', process.env.HALO_LAB_VM_MEM ?? '2048', '-s', process.env.HALO_LAB_VM_CPUS ?? '1', '-t', process.env.HALO_LAB_VM_TIMEOUT ?? String(900 + 300 * cycles),
    ...(out ? ['-o', out] : []), script, 'lab', ...vmArgs], { stdio: ['ignore', 'pipe', 'inherit'] });
  let buf = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.startsWith(RESULTS_MARK)) {
        if (json) writeFileSync(json, JSON.stringify(JSON.parse(line.slice(RESULTS_MARK.length)), null, 2));
      } else if (line.startsWith(REPORT_MARK)) {
        // `HALO_LAB_REPORT NAME BASE64`: the report page, written here since the VM's files vanish
        const [name, b64] = line.slice(REPORT_MARK.length).split(' ');
        if (reportDir && /^[\w.-]+$/.test(name)) {
          mkdirSync(reportDir, { recursive: true });
          writeFileSync(join(reportDir, name), Buffer.from(b64, 'base64'));
          process.stdout.write(`halo lab: report ${join(reportDir, name)}\n`);
        }
      } else process.stdout.write(`${line}\n`);
    }
  });
  return new Promise((r) => child.once('exit', (code) => {
    if (out) {
      const kept = existsSync(out) ? readdirSync(out).length : 0;
      process.stdout.write(`halo lab: ${kept} files from the VM (directors' logs, halo status --json, ipvsadm -Ln, the VM console) kept in ${out}\n`);
    }
    r(code ?? 1);
  }));
}

const RESULTS_MARK = 'HALO_LAB_JSON ';
const REPORT_MARK = 'HALO_LAB_REPORT ';

interface LabArgs {
  cmd: string;
  topology: 'vrrp' | 'ecmp' | 'vrrp+ecmp';
  directors: number;
  routing: 'frr' | 'bird';
  /** --bfd MSxN: the ECMP lab's BFD timers (null: the shipped 300 ms x 3). */
  bfd: BfdProfile | null;
  rate: number;
  flows: number;
  modes: DrillMode[];
  json: string | null;
  report: string | null;
  /** Where the drill keeps the directors' logs, status and IPVS tables. */
  out: string;
  repeat: number;
  attempts: number;
  maxLagMs: number;
  bounds: 'enforce' | 'report';
  requests: number;
  concurrency: number;
  rounds: number;
  ipv6: boolean;
  capture: boolean;
  connSync: boolean;
}

function parse(argv: string[]): LabArgs | string {
  const [cmd, ...rest] = argv;
  let modes: DrillMode[] = ['crash'];
  let json: string | null = null;
  let report: string | null = null;
  let out: string | null = null;
  let repeat = 1;
  let attempts = 3;
  let maxLagMs = 100;
  let bounds: 'enforce' | 'report' = 'enforce';
  // seed 003 ran ab -n 100000 -c 100; under software emulation (the VM) that takes hours
  const inVmDefaults = !kernelHasIpvs() || !!process.env.HALO_IN_VM;
  let requests = inVmDefaults ? 2000 : 100_000;
  let concurrency = inVmDefaults ? 50 : 100;
  let rounds = 3;
  let ipv6 = false;
  let capture = false;
  let connSync = false;
  let topology: 'vrrp' | 'ecmp' | 'vrrp+ecmp' = 'vrrp';
  let directors = 3;
  let routing: 'frr' | 'bird' = 'frr';
  let bfd: BfdProfile | null = null;
  let rate = inVmDefaults ? 10 : 50;
  let flows = inVmDefaults ? 20 : 100;
  const count = (v: string | undefined): number | null => (v && /^\d+$/.test(v) && Number(v) > 0 ? Number(v) : null);
  for (let i = 0; i < rest.length; i++) {
    if (['--requests', '--concurrency', '--rounds', '--repeat', '--attempts', '--max-lag-ms'].includes(rest[i])) {
      const n = count(rest[i + 1]);
      if (n === null) return `${rest[i]} needs a positive number`;
      if (rest[i] === '--requests') requests = n;
      else if (rest[i] === '--concurrency') concurrency = n;
      else if (rest[i] === '--repeat') repeat = n;
      else if (rest[i] === '--attempts') attempts = n;
      else if (rest[i] === '--max-lag-ms') maxLagMs = n;
      else rounds = n;
      i++;
      continue;
    }
    if (['--directors', '--rate', '--flows'].includes(rest[i])) {
      const n = count(rest[i + 1]);
      if (n === null) return `${rest[i]} needs a positive number`;
      if (rest[i] === '--directors') {
        if (n < 2 || n > 4) return '--directors takes 2 to 4';
        directors = n;
      } else if (rest[i] === '--rate') rate = n;
      else flows = n;
      i++;
      continue;
    }
    if (rest[i] === '--bfd') {
      const m = /^(\d+)x(\d+)$/.exec(rest[i + 1] ?? '');
      if (!m || Number(m[1]) < 10 || Number(m[2]) < 1 || Number(m[2]) > 255) return '--bfd takes INTERVAL_MSxMULTIPLIER, e.g. 300x3';
      bfd = { name: 'halo', intervalMs: Number(m[1]), multiplier: Number(m[2]) };
      i++;
      continue;
    }
    if (rest[i] === '--routing') {
      if (rest[i + 1] !== 'frr' && rest[i + 1] !== 'bird') return '--routing takes frr or bird';
      routing = rest[++i] as 'frr' | 'bird';
      continue;
    }
    if (rest[i] === '--topology' && (rest[i + 1] === 'vrrp' || rest[i + 1] === 'ecmp' || rest[i + 1] === 'vrrp+ecmp')) {
      topology = rest[++i] as 'vrrp' | 'ecmp' | 'vrrp+ecmp';
      continue;
    }
    if (rest[i] === '--mode' && rest[i + 1]) {
      const m = rest[++i];
      if (m === 'all') modes = ['crash', 'graceful', 'link'];
      else if (m === 'crash' || m === 'graceful' || m === 'link') modes = [m];
      else return `unknown mode '${m}' (crash|graceful|link|all)`;
    } else if (rest[i] === '--ipv6') ipv6 = true;
    else if (rest[i] === '--capture') capture = true;
    else if (rest[i] === '--conn-sync') connSync = true;
    else if (rest[i] === '--bounds' && (rest[i + 1] === 'enforce' || rest[i + 1] === 'report')) bounds = rest[++i] as 'enforce' | 'report';
    else if (rest[i] === '--json' && rest[i + 1]) json = resolve(rest[++i]);
    else if (rest[i] === '--report' && rest[i + 1]) report = resolve(rest[++i]);
    else if (rest[i] === '--out' && rest[i + 1]) out = resolve(rest[++i]);
    else return `unknown option '${rest[i]}'`;
  }
  if (!['up', 'status', 'drill', 'bench', 'down'].includes(cmd ?? '')) return cmd ? `unknown lab command '${cmd}'` : 'missing lab command';
  out ??= process.env.VMRUN_OUT ?? join('/var/tmp/halo-lab', `${cmd}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  if (ipv6 && cmd !== 'drill' && cmd !== 'up') return `--ipv6 is for 'drill' and 'up'`;
  if (topology === 'ecmp' && cmd !== 'drill' && cmd !== 'bench') return `--topology ecmp is for 'halo lab drill' and 'halo lab bench'`;
  if (topology === 'vrrp+ecmp' && cmd !== 'drill') return `--topology vrrp+ecmp is for 'halo lab drill'`;
  if (topology !== 'vrrp' && ipv6) return `--ipv6 is for --topology vrrp`;
  if (routing !== 'frr' && topology === 'vrrp') return `--routing is for --topology ecmp`;
  if (bfd !== null && (topology === 'vrrp' || cmd !== 'drill')) return `--bfd is for 'halo lab drill --topology ecmp'`;
  if (connSync && (cmd !== 'drill' || topology !== 'vrrp')) return `--conn-sync is for 'halo lab drill' (--topology vrrp)`;
  return { cmd, topology, directors, routing, bfd, rate, flows, modes, json, report, out, repeat, attempts, maxLagMs, bounds, requests, concurrency, rounds, ipv6, capture, connSync };
}

/** The directors' logs, final status and IPVS tables into `out`, before the lab is torn down. */
async function keepLabArtifacts(cluster: Cluster, out: string): Promise<void> {
  try {
    const files = await keepArtifacts({
      dir: cluster.dir, directors: ['lb1', 'lb2'], namespace: (h) => cluster.topo.ns(h), controlSocket: (lb) => cluster.controlSocket(lb),
    }, out);
    // inside the VM the host's vmrun.sh copies them out and the host side names the directory
    if (!process.env.VMRUN_OUT) process.stdout.write(`halo lab: ${files.length} files (directors' logs, halo status --json, ipvsadm -Ln) kept in ${out}\n`);
  } catch (err) {
    process.stderr.write(`halo lab: could not keep the directors' logs and tables in ${out}: ${(err as Error).message}\n`);
  }
}

/** `halo lab drill --topology ecmp`: its own namespaces (hecl-), under the drill's out directory; prints its table. */
async function ecmpDrill(p: LabArgs): Promise<{ out: EcmpDrillReport; status: number }> {
  const { EcmpDrill } = await import('../lab/ecmp-drill');
  const { formatEcmpPhases } = await import('../lab/ecmp-phase');
  const d = new EcmpDrill({ directors: p.directors, routing: p.routing, ...(p.bfd ? { bfd: p.bfd } : {}), dir: join(LAB_DIR, 'ecmp'), rate: p.rate, flows: p.flows, log: (l) => process.stdout.write(`halo lab: ${l}\n`) });
  let results;
  try {
    await d.up();
    results = await d.run();
  } finally {
    await d.close();
    // the directors', router's and servers' logs and the generated configs, for a phase gone wrong
    try {
      cpSync(join(LAB_DIR, 'ecmp'), join(p.out, 'ecmp'), { recursive: true, filter: (f) => {
        const st = lstatSync(f);
        return st.isDirectory() || st.isFile();
      } });
    } catch (err) {
      process.stderr.write(`halo lab: could not keep the ECMP lab's logs in ${p.out}: ${(err as Error).message}\n`);
    }
  }
  process.stdout.write(formatEcmpPhases(results));
  const out: EcmpDrillReport = { topology: 'ecmp', directors: p.directors, routing: p.routing, bfd: p.bfd ?? HALO_BFD, rate: p.rate, flows: p.flows, phases: results };
  return { out, status: exitStatus(results.some((r) => r.violations.length > 0), results.some((r) => r.inconclusive)) };
}

interface EcmpDrillReport {
  topology: 'ecmp';
  directors: number;
  routing: 'frr' | 'bird';
  bfd: BfdProfile;
  rate: number;
  flows: number;
  phases: EcmpPhaseResult[];
}

/** The --json file and, inside the VM, the line the host turns into it. */
function emitJson(p: LabArgs, out: unknown): void {
  if (p.json) writeFileSync(p.json, JSON.stringify(out, null, 2));
  if (process.env.HALO_IN_VM) process.stdout.write(`${RESULTS_MARK}${JSON.stringify(out)}\n`);
}

/** `halo lab bench --topology ecmp`: the VRRP lab's active director, then the ECMP lab with N..1 directors, one report. */
async function ecmpBench(p: LabArgs, cluster: Cluster): Promise<number> {
  const { ecmpThroughput, formatThroughput, measure, throughputRow } = await import('../lab/ecmp-bench');
  const log = (l: string) => process.stdout.write(`halo lab: ${l}\n`);
  const d = new Drill(cluster);
  // a VRRP lab that never came up (a starved machine) leaves its row out, not the ECMP rows
  let vrrp: ThroughputRow | null = null;
  let vrrpError: string | null = null;
  try {
    await d.up();
    log(`vrrp, 1 active director: ab -n ${p.requests} -c ${p.concurrency} x ${p.rounds}`);
    const m = await measure(cluster.topo.ns('client'), `http://${HTTP_SERVICE}/`, p.requests, p.concurrency, p.rounds);
    vrrp = throughputRow('vrrp', 1, m.results, undefined, m.maxLagMs);
  } catch (err) {
    vrrpError = (err as Error).message.split('\n')[0];
    log(`vrrp: not measured: ${vrrpError}`);
  } finally {
    await d.close();
    await cluster.down();
  }
  const rows = [...(vrrp ? [vrrp] : []), ...(await ecmpThroughput({ dir: join(LAB_DIR, 'ecmp-bench'), directors: p.directors, routing: p.routing, requests: p.requests, concurrency: p.concurrency, rounds: p.rounds, log }))];
  process.stdout.write(formatThroughput(rows, p.requests, p.concurrency));
  if (vrrpError) process.stdout.write(`vrrp: not measured (${vrrpError})\n`);
  emitJson(p, { topology: 'ecmp+vrrp', requests: p.requests, concurrency: p.concurrency, rows, ...(vrrpError ? { vrrpError } : {}) });
  if (vrrpError) return EXIT_FAILED;
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const p = parse(argv);
  if (typeof p === 'string') {
    process.stderr.write(`halo lab: ${p}\n${USAGE}`);
    return 2;
  }
  if (process.getuid?.() !== 0) {
    process.stderr.write('halo lab: needs root (network namespaces, raw sockets, IPVS)\n');
    return 1;
  }
  if (!kernelHasIpvs() && !process.env.HALO_IN_VM) {
    if (p.cmd !== 'drill' && p.cmd !== 'bench') {
      process.stderr.write(`halo lab ${p.cmd}: this kernel has no IPVS and a VM does not outlive one command; use 'halo lab drill' or 'halo lab bench'\n`);
      return 1;
    }
    // bench: 5 of a drill's cycles' time per repeat, as before; drill: every mode × repeat × attempt
    const cycles = p.cmd === 'drill' ? p.modes.length * p.repeat * p.attempts + (p.connSync ? 2 : 0) : 5 * p.repeat;
    return inVm(argv, p.json, p.report, cycles, p.cmd === 'drill' ? p.out : null);
  }
  const cluster = new Cluster(LAB_DIR, p.ipv6 ? { ipv6: true } : {});
  switch (p.cmd) {
    case 'up': {
      const d = new Drill(cluster);
      await d.up();
      await d.close();
      return 0;
    }
    case 'down':
      await cluster.down();
      process.stdout.write('halo lab: stopped every lab process and deleted its namespaces\n');
      return 0;
    case 'status': {
      const columns = (['lb1', 'lb2'] as const).map((lb) => {
        let out = `=== ${lb}\n`;
        for (const args of [['status', '--control-socket', cluster.controlSocket(lb)], ['ipvs', '-Ln']]) {
          const r = spawnSync('ip', ['netns', 'exec', cluster.topo.ns(lb), process.execPath, join(ROOT, 'dist', 'cli', 'main.js'), ...args], { encoding: 'utf8' });
          out += r.stdout + r.stderr;
        }
        return out;
      });
      process.stdout.write(sideBySide(columns[0], columns[1]));
      return 0;
    }
    case 'bench': {
      if (p.topology === 'ecmp') return ecmpBench(p, cluster);
      const d = new Drill(cluster);
      let result: BenchResult;
      try {
        await d.up();
        startProxies(cluster);
        await new Promise((r) => setTimeout(r, 2000));
        result = await runBench(cluster, p.requests, p.concurrency, p.rounds, (l) => process.stdout.write(`${l}\n`));
      } finally {
        await d.close();
        await cluster.down();
      }
      process.stdout.write(formatBench(result));
      if (p.json) writeFileSync(p.json, JSON.stringify(result, null, 2));
      if (process.env.HALO_IN_VM) process.stdout.write(`${RESULTS_MARK}${JSON.stringify(result)}\n`);
      return 0;
    }
    case 'drill': {
      if (p.topology === 'ecmp') {
        const e = await ecmpDrill(p);
        emitJson(p, e.out);
        return e.status;
      }
      const d = new Drill(cluster, undefined, { attempts: p.attempts, maxLagMs: p.maxLagMs, bounds: p.bounds, capture: p.capture });
      const results: DrillResult[] = [];
      const startedAt = new Date();
      // with vrrp+ecmp a VRRP lab that failed (e.g. never came up on a starved machine) is reported, and the ECMP drill still runs
      let vrrpError: string | null = null;
      try {
        await d.up();
        for (let run = 1; run <= p.repeat; run++) for (const m of p.modes) results.push(await d.run(m, run));
        if (p.connSync) results[results.length - 1].connSync = await new ConnSyncDrill(cluster).run();
        const rs = await d.realServerDrill();
        results[results.length - 1].realServerFailure = rs;
        results[results.length - 1].violations.push(...rs.violations);
      } catch (err) {
        if (p.topology !== 'vrrp+ecmp') throw err;
        vrrpError = (err as Error).message.split('\n')[0];
        process.stdout.write(`halo lab: the VRRP drill failed: ${vrrpError}\n`);
      } finally {
        await d.close();
        await keepLabArtifacts(cluster, p.out);
        await cluster.down();
      }
      process.stdout.write(formatDrill(results));
      if (p.repeat > 1) process.stdout.write(formatSpreads(phaseSpreads(results)));
      const connSync = results.length > 0 ? results[results.length - 1].connSync : undefined;
      if (connSync) process.stdout.write(formatConnSync(connSync));
      const status = exitStatus(vrrpError !== null || results.some((r) => r.violations.length > 0) || (connSync?.violations.length ?? 0) > 0, p.bounds === 'enforce' && results.some((r) => r.inconclusive.length > 0));
      if (p.report) {
        const name = reportFileName(startedAt);
        const html = renderReport({ startedAt: startedAt.toISOString(), argv, results, traces: d.traces, timers: d.vrrpTimers(), maxLagMs: p.maxLagMs, exitStatus: status });
        if (process.env.HALO_IN_VM) process.stdout.write(`${REPORT_MARK}${name} ${Buffer.from(html).toString('base64')}\n`);
        else {
          mkdirSync(p.report, { recursive: true });
          writeFileSync(join(p.report, name), html);
          process.stdout.write(`halo lab: report ${join(p.report, name)}\n`);
        }
      }
      if (p.topology === 'vrrp+ecmp') {
        // the same drill on the ECMP topology after the VRRP one, one report: the failover of
        // the active/standby pair beside the loss of one of N active directors
        const e = await ecmpDrill(p);
        process.stdout.write(formatTopologies(results, e.out.phases));
        if (vrrpError) process.stdout.write(`vrrp: not measured (${vrrpError})\n`);
        emitJson(p, { topology: 'vrrp+ecmp', vrrp: results, ...(vrrpError ? { vrrpError } : {}), ecmp: e.out });
        return status === EXIT_FAILED || e.status === EXIT_FAILED ? EXIT_FAILED : Math.max(status, e.status);
      }
      emitJson(p, results);
      return status;
    }
  }
  return 2;
}
