/**
 * vrrp_track_process and track_file beside Debian's keepalived 2.2.7 (issue 12 §2): the same
 * config on both, the same real processes started and killed and the same file written; each
 * director's advertised priority, read off the wire by tcpdump, must go through the same
 * sequence, FAULT included.
 *
 * The kernel's process connector only serves sockets of the initial network namespace
 * (elsewhere PROC_CN_MCAST_LISTEN is refused with ECONNREFUSED, for keepalived as for halo), so
 * both directors run in the initial namespace, each alone on its own veth (trkh0 / trkk0, names
 * unique to this file, after HALO_NETNS_TAG) whose other end sits in an observer namespace running tcpdump. The
 * tracked processes are copies of sleep under names no other process on the host has.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directors, HALO, RunningDirector, statusOf, waitFor } from '../support/directors';
import { sh, Topology } from '../support/netns';
import { describeNeeding, file, root, tool } from '../support/prerequisites';

jest.setTimeout(120_000);

const built = file(HALO, 'the built CLI dist/cli/main.js (npm run build)');
const d = describeNeeding(root, built, tool('keepalived'), tool('tcpdump'));

interface Side {
  kind: 'halo' | 'keepalived';
  ifname: string;
  ns: string;
  subnet: string;
  prios: number[];
  capture?: ChildProcess;
  director?: RunningDirector;
}

/**
 * HALO_NETNS_TAG (2-4 letters) goes in front of the namespaces and of the veths in the initial
 * namespace, and picks the subnets, so runs of this file from two checkouts at once neither
 * delete each other's links nor put the same addresses in the initial namespace.
 */
const TAG = process.env.HALO_NETNS_TAG ?? '';
const NET = TAG ? 100 + ([...TAG].reduce((n, c) => n * 31 + c.charCodeAt(0), 0) % 70) * 2 : 71;

const SIDES: Side[] = [
  { kind: 'halo', ifname: `${TAG}trkh0`, ns: `${TAG}trk-obs-h`, subnet: `10.231.${NET}`, prios: [] },
  { kind: 'keepalived', ifname: `${TAG}trkk0`, ns: `${TAG}trk-obs-k`, subnet: `10.231.${NET + 1}`, prios: [] },
];

/** Directors' spawn in the initial namespace (Directors only calls topo.spawn). */
const initialNs = { spawn: (_host: string, argv: string[], opts = {}) => spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], ...opts }) } as unknown as Topology;

function cleanLinks(): void {
  for (const s of SIDES) {
    sh(['ip', 'link', 'del', s.ifname], { allowFail: true });
    sh(['ip', 'netns', 'del', s.ns], { allowFail: true });
  }
}

d('track_process and track_file beside keepalived 2.2.7 (initial netns, veths)', () => {
  let tmp: string;
  let dirs: Directors;
  const procs: ChildProcess[] = [];
  let bin: { a: string; b: string; sh: string };

  beforeAll(() => {
    cleanLinks();
    tmp = mkdtempSync(join(tmpdir(), 'trk-'));
    chmodSync(tmp, 0o755);
    const tag = String(process.pid % 100000);
    bin = { a: join(tmp, `trkA${tag}`), b: join(tmp, `trkB${tag}`), sh: join(tmp, `trkS${tag}`) };
    copyFileSync('/bin/sleep', bin.a);
    copyFileSync('/bin/sleep', bin.b);
    copyFileSync('/bin/dash', bin.sh);
    for (const p of Object.values(bin)) chmodSync(p, 0o755);
    for (const s of SIDES) {
      sh(['ip', 'netns', 'add', s.ns]);
      sh(['ip', 'link', 'add', s.ifname, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', s.ns]);
      sh(['ip', 'addr', 'add', `${s.subnet}.1/24`, 'dev', s.ifname]);
      sh(['ip', 'link', 'set', s.ifname, 'up']);
      sh(['ip', '-n', s.ns, 'addr', 'add', `${s.subnet}.2/24`, 'dev', 'eth0']);
      sh(['ip', '-n', s.ns, 'link', 'set', 'eth0', 'up']);
    }
    dirs = new Directors(initialNs, join(tmp, 'run'));
  });

  afterAll(async () => {
    await dirs?.stopAll();
    for (const s of SIDES) s.capture?.kill('SIGTERM');
    for (const p of procs) p.kill('SIGKILL');
    cleanLinks();
    rmSync(tmp, { recursive: true, force: true });
  });

  const start = (path: string, args = ['600']): ChildProcess => {
    const p = spawn(path, args, { stdio: 'ignore' });
    procs.push(p);
    return p;
  };
  const stop = async (p: ChildProcess): Promise<void> => {
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await gone;
  };

  function config(s: Side, trackFile: string, weightedExtra: string[] = []): string {
    return [
      'vrrp_track_process trk_weighted {',
      `    process ${bin.a.split('/').pop()}`,
      '    quorum 2',
      '    weight 20',
      ...weightedExtra.map((l) => `    ${l}`),
      '}',
      'vrrp_track_process trk_needed {',
      `    process ${bin.b.split('/').pop()}`,
      '}',
      'track_file trk_file {',
      `    file ${trackFile}`,
      '    weight 3',
      '}',
      ...instance(s, ['track_process {', '    trk_weighted', '    trk_needed', '}', 'track_file {', '    trk_file', '}']),
    ].join('\n');
  }

  /** The one instance, alone on its veth (it becomes MASTER), with `tracking` inside. */
  function instance(s: Side, tracking: string[]): string[] {
    return [
      'vrrp_instance VI_1 {',
      '    state BACKUP',
      `    interface ${s.ifname}`,
      '    virtual_router_id 51',
      '    priority 100',
      '    advert_int 1',
      ...tracking.map((l) => `    ${l}`),
      '    virtual_ipaddress {',
      `        ${s.subnet}.100/32`,
      '    }',
      '}',
      '',
    ];
  }

  async function startCaptures(): Promise<void> {
    for (const s of SIDES) {
      s.prios = [];
      const cap = spawn('ip', ['netns', 'exec', s.ns, 'tcpdump', '-l', '-n', '-i', 'eth0', 'ip proto 112'], { stdio: ['ignore', 'pipe', 'pipe'] });
      s.capture = cap;
      let buf = '';
      cap.stdout!.on('data', (c: Buffer) => {
        buf += c.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          const m = /prio (\d+)/.exec(line);
          if (m) s.prios.push(Number(m[1]));
        }
      });
      await new Promise<void>((resolve, reject) => {
        let err = '';
        cap.stderr!.on('data', (c) => { err += c; if (err.includes('listening on')) resolve(); });
        cap.once('exit', (code) => reject(new Error(`tcpdump exited (${code}): ${err}`)));
      });
    }
  }

  async function stopAll(): Promise<void> {
    await dirs.stopAll();
    for (const s of SIDES) s.capture?.kill('SIGTERM');
    for (const s of SIDES) sh(['ip', 'addr', 'del', `${s.subnet}.100/32`, 'dev', s.ifname], { allowFail: true });
  }

  const folded = (p: number[]) => p.filter((v, i) => i === 0 || p[i - 1] !== v);

  /** The last advertised priority of every side is `prio` (0 = a priority-0 advert, then silence). */
  async function allAdvertise(prio: number, what: string): Promise<void> {
    const ok = await waitFor(() => SIDES.every((s) => s.prios[s.prios.length - 1] === prio), 20_000, 100);
    if (!ok) throw new Error(`${what}: expected both to advertise priority ${prio}; last seen ${SIDES.map((s) => `${s.kind} ${s.prios.slice(-3).join(',')}`).join('; ')}`);
  }

  test('priorities and FAULT follow the same processes and file on halo and keepalived', async () => {
    const trackFile = join(tmp, 'track');
    writeFileSync(trackFile, '0\n');
    // before the directors start: one of the two weighted processes, the needed one
    const a1 = start(bin.a);
    let b1 = start(bin.b);
    await startCaptures();
    for (const s of SIDES) s.director = s.kind === 'halo' ? dirs.halo('init', config(s, trackFile)) : dirs.keepalived('init', config(s, trackFile));

    // one weighted process (quorum 2 not met), the needed one running, the file 0: base priority
    await allAdvertise(100, 'at start');
    // the second weighted process: quorum, +20
    const a2 = start(bin.a);
    await allAdvertise(120, 'after the second weighted process started');
    // the file says 4: + 4 × 3
    writeFileSync(trackFile, '4\n');
    await allAdvertise(132, 'after writing 4 to the track file');
    // the needed (unweighted) process dies: FAULT (a MASTER leaving says priority 0, then nothing)
    await stop(b1);
    await allAdvertise(0, 'after the needed process was killed');
    const halo = SIDES[0].director!;
    const st = (await statusOf(halo)).instances.find((i) => i.name === 'VI_1')!;
    expect(st.state).toBe('FAULT');
    expect(await waitFor(() => SIDES[1].director!.log().includes('Entering FAULT STATE'), 5000, 100)).toBe(true);
    // it comes back: out of FAULT, MASTER again at the same priority
    b1 = start(bin.b);
    await allAdvertise(132, 'after the needed process came back');
    // one weighted process exits: quorum lost, −20
    await stop(a2);
    await allAdvertise(112, 'after a weighted process exited');
    // the file is removed: read as 0
    rmSync(trackFile);
    await allAdvertise(100, 'after the track file was removed');

    // the whole sequence of advertised priorities, repeats folded, is the same on both
    expect(folded(SIDES[0].prios)).toEqual(folded(SIDES[1].prios));
    expect(folded(SIDES[0].prios)).toEqual([100, 120, 132, 0, 132, 112, 100]);
    // and both say so in keepalived's words
    for (const s of SIDES) {
      expect(s.director!.log()).toContain('Quorum gained for tracked process trk_weighted');
      expect(s.director!.log()).toContain('Quorum lost for tracked process trk_needed');
    }
    await stop(a1);
    await stop(b1);
    await stopAll();
  });

  test('terminate_delay: a weighted process replaced within the delay moves no priority, one gone for good does after it', async () => {
    const trackFile = join(tmp, 'track2');
    writeFileSync(trackFile, '0\n');
    const a1 = start(bin.a);
    const a2 = start(bin.a);
    const b1 = start(bin.b);
    await startCaptures();
    for (const s of SIDES) {
      const text = config(s, trackFile, ['terminate_delay 4', 'fork_delay 3']);
      s.director = s.kind === 'halo' ? dirs.halo('init', text) : dirs.keepalived('init', text);
    }
    await allAdvertise(120, 'at start (quorum held)');
    // a2 dies and a3 starts at once: within terminate_delay, so the quorum is never lost
    await stop(a2);
    const a3 = start(bin.a);
    const seen = SIDES.map((s) => s.prios.length);
    // wait past terminate_delay: at least 6 more adverts from each side
    expect(await waitFor(() => SIDES.every((s, i) => s.prios.length >= seen[i] + 6), 20_000, 100)).toBe(true);
    await allAdvertise(120, 'after a weighted process was replaced within terminate_delay');
    // a3 dies for good: after terminate_delay the quorum is lost
    await stop(a3);
    await allAdvertise(100, 'after terminate_delay');
    for (const s of SIDES) expect(folded(s.prios)).toEqual([120, 100]);
    await stop(a1);
    await stop(b1);
    await stopAll();
  });

  test.each([
    ['without fork_delay: a fork that gains the quorum counts at once, its exec into another name loses it', [] as string[], 1],
    ['with fork_delay 3: the same short-lived fork moves nothing', ['fork_delay 3'], 0],
  ])('%s (the same on both)', async (_title, extra, expected) => {
    const forkConf = (s: Side) => [
      'vrrp_track_process trk_fork {',
      `    process ${bin.sh.split('/').pop()}`,
      '    quorum 3',
      '    weight 20',
      ...extra.map((l) => `    ${l}`),
      '}',
      ...instance(s, ['track_process {', '    trk_fork', '}']),
    ].join('\n');
    // one shell waiting (two commands: dash does not exec the first): 1 of the 3 needed
    const waiting = start(bin.sh, ['-c', 'sleep 600; :']);
    await startCaptures();
    for (const s of SIDES) s.director = s.kind === 'halo' ? dirs.halo('init', forkConf(s)) : dirs.keepalived('init', forkConf(s));
    await allAdvertise(100, 'at start');
    // the runner is the 2nd (counted at its exec); its child shell the 3rd, by fork; the child then
    // execs sleep (dash runs a lone -c command by exec) and stops counting
    const runner = start(bin.sh, ['-c', `${bin.sh} -c "sleep 1" & wait`]);
    await new Promise((r) => runner.once('exit', r));
    const seen = SIDES.map((s) => s.prios.length);
    // past fork_delay: at least 5 more adverts from each
    expect(await waitFor(() => SIDES.every((s, i) => s.prios.length >= seen[i] + 5), 20_000, 100)).toBe(true);
    const gained = SIDES.map((s) => s.director!.log().split('\n').filter((l) => l.includes('Quorum gained for tracked process trk_fork')).length);
    const lost = SIDES.map((s) => s.director!.log().split('\n').filter((l) => l.includes('Quorum lost for tracked process trk_fork')).length);
    expect({ gained, lost }).toEqual({ gained: [expected, expected], lost: [expected, expected] });
    await allAdvertise(100, 'after the fork (no quorum at the end)');
    await stop(waiting);
    await stopAll();
  });
});
