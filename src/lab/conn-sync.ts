/**
 * The connection-sync drill (`halo lab drill --conn-sync`): long-lived TCP connections through
 * the VIP — slow HTTP downloads from the web servers' /stream — through a crash failover, once
 * with IPVS connection sync between the directors (`lvs_sync_daemon eth1 VI_I` in global_defs:
 * the kernel's sync daemon as master on the VRRP master, as backup on the backup) and once
 * without it (deploy/examples' configs as they are).
 *
 * With sync the backup's IPVS table holds every connection before the fault (the drill waits
 * for it in /proc/net/ip_vs_conn), so once it takes the VIPs over it forwards the downloads'
 * segments to the same real servers and they go on. Without it the new master's kernel knows no
 * such connection: the client's next segment (a keepalive probe while the download is stalled)
 * is answered with a reset, or the flow stalls. Each run reports per flow; a run is a violation
 * when a flow broke with sync or survived without it, or when the run measured nothing (a flow
 * not streaming before the fault, not synced with sync on, no takeover).
 *
 * Both runs restart both directors on their run's configs; the drill ends on deploy/examples'
 * configs with lb1 master, as the other drills expect.
 */
import { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Cluster, Director, DIRECTOR_ARGS, HOSTS, HTTP_SERVICE, soleHolder } from './cluster';
import { establishedPorts, flowsDecided, FlowVerdict, flowsStreaming, judgeFlows, openPorts, parseFlowRecords, parseIpvsConns, tally } from './flows';
import { waitFor } from './netns';
import { alive } from './procs';
import { epochNow } from './client-lag';
import { STREAM_PATH } from './web-server';

/** What keepalived's global_defs gets for the sync runs: the internal LAN, the internal instance. */
export const SYNC_DAEMON = 'lvs_sync_daemon eth1 VI_I';
const [VIP, VPORT] = HTTP_SERVICE.split(':');
const CLIENT = HOSTS.client.ext.split('/')[0];
/** Under software emulation (the VM) everything takes an order of magnitude longer. */
const SLOW = process.env.HALO_IN_VM ? 3 : 1;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ConnSyncRun {
  sync: boolean;
  flows: FlowVerdict[];
  /** Flows the backup's IPVS table held as ESTABLISHED when the master was killed. */
  onBackupAtFault: number;
  /** Every VIP was seen on lb2 after the fault. */
  takenOver: boolean;
  survived: number;
  broke: number;
  ends: Record<string, number>;
  violations: string[];
}

export interface ConnSyncResult {
  flows: number;
  service: string;
  syncDaemon: string;
  runs: ConnSyncRun[];
  violations: string[];
}

/** A lab config with connection sync: the example's, after a global_defs naming the sync daemon. */
export function withSyncDaemon(conf: string): string {
  return `! ${SYNC_DAEMON} added by halo lab drill --conn-sync (src/lab/conn-sync.ts)\nglobal_defs {\n    ${SYNC_DAEMON}\n}\n\n${conf}`;
}

/** A run's verdict: with sync every flow survives; without it none does; a run that measured nothing is void. */
/**
 * The first local port of a run's flows: below Linux's ephemeral range (32768 up), a block of its
 * own for each run (with / without sync) and each drill (a random offset: a director's synced
 * entries outlive a drill by up to 15 min), so no earlier connection of the lab shares a flow's
 * 4-tuple.
 */
export function flowPortBase(sync: boolean, flows: number, random: () => number = Math.random): number {
  const block = Math.max(16, flows);
  const blocks = Math.floor(10_000 / (2 * block));
  return 20_000 + Math.floor(random() * blocks) * 2 * block + (sync ? 0 : block);
}

export function runViolations(r: Pick<ConnSyncRun, 'sync' | 'flows' | 'onBackupAtFault' | 'takenOver'>): string[] {
  const v: string[] = [];
  const name = r.sync ? 'with lvs_sync_daemon' : 'without lvs_sync_daemon';
  const t = tally(r.flows);
  if (!r.takenOver) v.push(`${name}: lb2 did not take every VIP over after the crash`);
  if (t.void > 0) v.push(`${name}: ${t.void} of ${r.flows.length} flows were not streaming when the master was killed (${r.flows.filter((f) => f.outcome === 'not-established' || f.outcome === 'ended-before-fault').map((f) => `flow ${f.f} ${f.outcome}`).join(', ')})`);
  if (r.sync && r.onBackupAtFault < r.flows.length) v.push(`${name}: only ${r.onBackupAtFault} of ${r.flows.length} connections had reached the backup's IPVS table when the master was killed`);
  if (r.sync && t.broke > 0) v.push(`${name}: ${t.broke} of ${r.flows.length} long-lived connections broke in the crash failover (${Object.entries(t.ends).map(([e, n]) => `${e} ×${n}`).join(', ')})`);
  if (!r.sync && t.survived > 0) v.push(`${name}: ${t.survived} of ${r.flows.length} long-lived connections survived the crash failover, which only a synced connection table allows`);
  return v;
}

export class ConnSyncDrill {
  private client: ChildProcess | null = null;

  constructor(readonly cluster: Cluster, readonly log: (line: string) => void = (l) => process.stdout.write(`${l}\n`), readonly flows = 4) {}

  /** With sync, then without (the drill ends on the example configs). */
  async run(): Promise<ConnSyncResult> {
    const c = this.cluster;
    // keepalive probes every second while a download is stalled, and enough of them to outlast
    // any failover: a broken flow is reset by the new master, a live one is never given up
    c.topo.exec('client', ['sysctl', '-qw', 'net.ipv4.tcp_keepalive_intvl=1', 'net.ipv4.tcp_keepalive_probes=120']);
    const dir = join(c.dir, 'conn-sync');
    mkdirSync(dir, { recursive: true });
    const configs: Partial<Record<Director, string>> = {};
    for (const lb of ['lb1', 'lb2'] as const) {
      configs[lb] = join(dir, `${lb}.conf`);
      writeFileSync(configs[lb]!, withSyncDaemon(readFileSync(c.exampleConfig(lb), 'utf8')));
    }
    const runs: ConnSyncRun[] = [];
    try {
      await this.restart(configs);
      runs.push(await this.once(true));
    } finally {
      await this.restart(undefined);
    }
    runs.push(await this.once(false));
    return { flows: this.flows, service: HTTP_SERVICE, syncDaemon: SYNC_DAEMON, runs, violations: runs.flatMap((r) => r.violations) };
  }

  /** Both directors stopped, then started on `configs` (undefined: deploy/examples'); lb1 master and serving. */
  private async restart(configs: Partial<Record<Director, string>> | undefined): Promise<void> {
    const c = this.cluster;
    this.log(`conn-sync: restarting both directors ${configs ? `with ${SYNC_DAEMON}` : 'on the example configs (no connection sync)'}`);
    for (const lb of ['lb1', 'lb2'] as const) c.signalDirector(lb, 'SIGTERM');
    const pids = [...c.directorPids('lb1'), ...c.directorPids('lb2')];
    if (!(await waitFor(() => pids.every((p) => !alive(p)), 60_000, 100))) {
      for (const lb of ['lb1', 'lb2'] as const) c.signalDirector(lb, 'SIGKILL');
      await waitFor(() => pids.every((p) => !alive(p)), 10_000, 50);
      await Promise.all([c.cleanupDirector('lb1'), c.cleanupDirector('lb2')]);
    }
    c.useConfigs(configs);
    c.startDirector('lb1', DIRECTOR_ARGS);
    c.startDirector('lb2', DIRECTOR_ARGS);
    await this.lb1Serving();
  }

  private async lb1Serving(): Promise<void> {
    const c = this.cluster;
    const held = await waitFor(() => soleHolder(c).holder === 'lb1', 90_000, 200);
    if (!held) throw new Error(`conn-sync: lb1 did not hold every VIP within 90 s: ${JSON.stringify(c.vipHolders())}\n${c.logTail('lb1')}\n${c.logTail('lb2')}`);
    const served = await waitFor(() => c.topo.exec('client', ['curl', '-s', '-m', '1', `http://${HTTP_SERVICE}/`], { allowFail: true }).includes('<h1>web'), 60_000, 200);
    if (!served) throw new Error(`conn-sync: no HTTP answer through the VIP within 60 s\n${c.logTail('lb1')}`);
  }

  private conns(lb: Director) {
    return parseIpvsConns(this.cluster.topo.exec(lb, ['cat', '/proc/net/ip_vs_conn'], { allowFail: true }));
  }

  /** One run: downloads streaming, lb1 killed (+ halo cleanup), lb2 takes over, each flow's fate, lb1 back. */
  private async once(sync: boolean): Promise<ConnSyncRun> {
    const c = this.cluster;
    const name = sync ? 'with lvs_sync_daemon' : 'without lvs_sync_daemon';
    const out = join(c.dir, `conn-sync-${sync ? 'on' : 'off'}.jsonl`);
    rmSync(out, { force: true });
    const script = join(resolve(__dirname, '..', '..'), 'dist', 'lab', 'stream-client.js');
    // Each run's flows come from their own local ports, below the kernel's ephemeral range (where
    // the drill's load and earlier flows take theirs): a port an earlier connection used through
    // lb2 may still have an IPVS entry there (TIME_WAIT, or a synced one for 15 min), and lb2
    // forwards a flow that matches one, so a flow without sync could survive by that alone (seen
    // once in CI: 1 of 4 survived without lvs_sync_daemon).
    const firstPort = flowPortBase(sync, this.flows);
    this.client = c.topo.spawn('client', [process.execPath, script, '--target', HTTP_SERVICE, '--path', STREAM_PATH, '--flows', String(this.flows), '--out', out, '--first-port', String(firstPort)], { stdio: ['ignore', 'ignore', 'inherit'] });
    const records = () => (existsSync(out) ? parseFlowRecords(readFileSync(out, 'utf8')) : []);
    try {
      this.log(`conn-sync ${name}: ${this.flows} slow downloads through ${HTTP_SERVICE}`);
      await waitFor(() => flowsStreaming(records(), this.flows), 60_000 * SLOW, 250);
      const ports = openPorts(records());
      // with sync, the backup holds the connections before the fault (its daemon got them)
      if (sync) await waitFor(() => establishedPorts(this.conns('lb2'), CLIENT, VIP, Number(VPORT), ports).length === ports.length, 60_000 * SLOW, 500);
      else await sleep(2000 * SLOW); // as long as a sync message could take (the kernel flushes every 2 s)
      const onBackupAtFault = establishedPorts(this.conns('lb2'), CLIENT, VIP, Number(VPORT), ports).length;
      this.log(`conn-sync ${name}: ${onBackupAtFault} of ${ports.length} connections in lb2's IPVS table; killing lb1 (kill -9, then halo cleanup)`);
      const faultAt = epochNow();
      c.signalDirector('lb1', 'SIGKILL');
      await waitFor(() => c.directorPids('lb1').every((p) => !alive(p)), 10_000, 20);
      await c.cleanupDirector('lb1');
      const moved = await waitFor(() => soleHolder(this.cluster).holder === 'lb2', 30_000 * SLOW, 50);
      const takeoverAt = moved ? epochNow() : null;
      if (takeoverAt !== null) await waitFor(() => flowsDecided(records(), this.flows, takeoverAt), 60_000 * SLOW, 250);
      await this.stopClient();
      const flows = judgeFlows(records(), this.flows, faultAt, takeoverAt);
      const t = tally(flows);
      const run: ConnSyncRun = { sync, flows, onBackupAtFault, takenOver: takeoverAt !== null, survived: t.survived, broke: t.broke, ends: t.ends, violations: [] };
      run.violations = runViolations(run);
      this.log(`conn-sync ${name}: ${formatRun(run)}`);
      return run;
    } finally {
      await this.stopClient();
      await this.recoverLb1();
    }
  }

  private async stopClient(): Promise<void> {
    const p = this.client;
    if (!p) return;
    this.client = null;
    if (p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await Promise.race([exited, sleep(10_000)]);
  }

  /** lb1 back on its config after the crash (it preempts); returns when it serves again. */
  private async recoverLb1(): Promise<void> {
    const c = this.cluster;
    if (c.directorPids('lb1').some((p) => alive(p))) return;
    c.startDirector('lb1', DIRECTOR_ARGS);
    await this.lb1Serving();
  }
}

export const kb = (n: number) => `${Math.round(n / 1024)} KiB`;

/** One run in a line: how many flows the backup held, the takeover, survived/broke and how they ended. */
export function formatRun(r: ConnSyncRun): string {
  const ends = Object.entries(r.ends).map(([e, n]) => `${e} ×${n}`).join(', ');
  return `${r.onBackupAtFault}/${r.flows.length} on lb2 before the crash, ${r.takenOver ? 'lb2 took every VIP over' : 'lb2 did NOT take the VIPs over'}; ${r.survived} survived, ${r.broke} broke${ends ? ` (${ends})` : ''}`;
}

/** The drill's output for the connection-sync runs: a line a run, a line a flow, the violations. */
export function formatConnSync(res: ConnSyncResult): string {
  const rows = [`connection sync: ${res.flows} long-lived HTTP downloads through ${res.service} over a crash failover (kill -9 of lb1, halo cleanup)`];
  for (const r of res.runs) {
    rows.push(`  ${(r.sync ? `with ${res.syncDaemon}` : 'without lvs_sync_daemon').padEnd(36)} ${formatRun(r)}`);
    for (const f of r.flows) rows.push(`    flow ${f.f} port ${f.port}: ${f.outcome}, ${kb(f.bytesBeforeFault)} before the fault, ${kb(f.bytesAfterTakeover)} after the takeover${f.end && f.end !== 'stopped' ? `, ended ${f.end}` : ''}`);
  }
  for (const v of res.violations) rows.push(`VIOLATION (conn-sync): ${v}`);
  return `${rows.join('\n')}\n`;
}
