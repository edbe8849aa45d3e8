/**
 * BFD against Debian's FRR bfdd and beside keepalived 2.2.7's own BFD, in the same run (netns):
 * FRR peers with halo's director (track_bfd in two VRRP instances), with halo's checker engine
 * (BFD_CHECK on a real server; no IPVS on this kernel, so the checker's STATE lines stand for
 * the table) and with keepalived (same VRRP config). The session comes Up, goes Down when FRR
 * stops and when halo's link is cut, and comes back; the VRRP instances' FAULT and priority
 * follow track_bfd the same way in halo and in keepalived, and the real server leaves and
 * returns. A tcpdump shows halo's packets with TTL 255 from 49152-65535 to 3784.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { captureArmed, Directors, HALO, ROOT, statusOf, waitFor, type RunningDirector } from '../support/directors';
import { sh, Topology } from '../support/netns';
import { Bfdd, BFDD, forgeAdminDown } from '../support/bfdd';
import { describeNeeding, file, root, tool } from '../support/prerequisites';

jest.setTimeout(240_000);

const NET = '10.0.211';
const FRR = `${NET}.1`;
const HALO_IP = `${NET}.2`;
const KA_IP = `${NET}.3`;
const CHK_IP = `${NET}.4`;
const STALL_IP = `${NET}.5`;

let topo: Topology;
let dirs: Directors;
let tmp: string;
let bfdd: Bfdd;
let chk: ChildProcess | null = null;
let chkOut = '';

const d = describeNeeding(root, file(HALO, 'the built CLI dist/cli/main.js (npm run build)'), file(BFDD, "FRR's bfdd (apt-get install frr)"),
  tool('keepalived'), tool('vtysh', 'frr'), tool('tcpdump'), tool('tshark'));

function frrConf(): string {
  const peer = (ip: string) => [` peer ${ip} local-address ${FRR}`, '  receive-interval 300', '  transmit-interval 300', '  detect-multiplier 3', ' !'];
  // The stalled session's peer is slow to judge it (6 s) but sends every 300 ms: only our own
  // lateness could expire the session on our side (3 × 300 ms).
  const stallPeer = [` peer ${STALL_IP} local-address ${FRR}`, '  receive-interval 2000', '  transmit-interval 300', '  detect-multiplier 3', ' !'];
  return ['bfd', ...peer(HALO_IP), ...peer(KA_IP), ...peer(CHK_IP), ...stallPeer, '!', ''].join('\n');
}

function vrrpConf(src: string, vrid: number): string {
  return [
    'global_defs {', ' router_id bfdi', '}',
    'bfd_instance frr {', ` neighbor_ip ${FRR}`, ` source_ip ${src}`, ' min_rx 300', ' min_tx 300', ' multiplier 3', '}',
    'vrrp_instance VI_1 {', ' interface eth0', ` virtual_router_id ${vrid}`, ' priority 100', ' advert_int 1',
    ' virtual_ipaddress {', `  ${NET}.${vrid}/24`, ' }', ' track_bfd {', '  frr', ' }', '}',
    'vrrp_instance VI_2 {', ' interface eth0', ` virtual_router_id ${vrid + 1}`, ' priority 150', ' advert_int 1',
    ' virtual_ipaddress {', `  ${NET}.${vrid + 1}/24`, ' }', ' track_bfd {', '  frr weight -60', ' }', '}', '',
  ].join('\n');
}

function checkerConf(): string {
  return [
    'bfd_instance frr {', ` neighbor_ip ${FRR}`, ` source_ip ${CHK_IP}`, ' min_rx 300', ' min_tx 300', ' multiplier 3', '}',
    'virtual_server 192.168.211.1 80 {', ' delay_loop 5', ' lb_algo rr', ' lb_kind NAT', ' protocol TCP',
    ` real_server ${FRR} 80 {`, '  BFD_CHECK {', '   name frr', '  }', ' }', '}', '',
  ].join('\n');
}

const vtysh = (...cmds: string[]): string => bfdd.vtysh(...cmds);

const frrPeerUp = (ip: string): boolean => bfdd.peerUp(ip, FRR);

const instance = async (h: RunningDirector, name: string) => (await statusOf(h)).instances.find((i) => i.name === name)!;

async function until(what: string, pred: () => boolean | Promise<boolean>, logs: () => string): Promise<void> {
  if (!(await waitFor(pred, 30_000, 100))) throw new Error(`${what}: not reached in 30 s\n${logs().slice(-4000)}`);
}

function count(text: string, re: RegExp): number {
  return (text.match(new RegExp(re.source, `${re.flags.replace('g', '')}g`)) ?? []).length;
}

d('BFD: halo with FRR bfdd and keepalived 2.2.7 (netns)', () => {
  let halo: RunningDirector;
  let ka: RunningDirector;

  beforeAll(async () => {
    topo = new Topology('bfdi').build(['b0'], [
      { name: 'frr', links: [['b0', `${FRR}/24`]] },
      { name: 'halo', links: [['b0', `${HALO_IP}/24`]] },
      { name: 'ka', links: [['b0', `${KA_IP}/24`]] },
      { name: 'chk', links: [['b0', `${CHK_IP}/24`]] },
      { name: 'stall', links: [['b0', `${STALL_IP}/24`]] },
    ]);
    tmp = mkdtempSync(join(tmpdir(), 'halo-bfd-'));
    chmodSync(tmp, 0o777); // bfdd drops to the frr user and writes its sockets here
    writeFileSync(join(tmp, 'bfdd.conf'), frrConf());
    bfdd = new Bfdd(topo, 'frr', tmp);
    dirs = new Directors(topo, join(tmp, 'directors'));
    halo = dirs.halo('halo', vrrpConf(HALO_IP, 71), ['-P']);
    ka = dirs.keepalived('ka', vrrpConf(KA_IP, 81), ['-P']);
    writeFileSync(join(tmp, 'chk.conf'), checkerConf());
    chk = topo.spawn('chk', [process.execPath, join(ROOT, 'test', 'support', 'checker-runner.js'), join(tmp, 'chk.conf')], { env: { ...process.env, TABLE: '1' } });
    chk.stdout!.on('data', (c) => { chkOut += c; });
    chk.stderr!.on('data', (c) => { chkOut += c; });
  });

  afterAll(async () => {
    await bfdd?.stop();
    chk?.kill('SIGTERM');
    await dirs.stopAll();
    topo.destroy();
    rmSync(tmp, { recursive: true, force: true });
  });

  const logs = () => `--- halo\n${halo.log().slice(-2000)}\n--- keepalived\n${ka.log().slice(-2000)}\n--- checker\n${chkOut.slice(-1500)}`;
  /** The desired IPVS table's last line for the virtual server (its destinations). */
  const table = () => {
    const lines = chkOut.split('\n').filter((l) => l.startsWith('TABLE 192.168.211.1:80'));
    return lines.length ? lines[lines.length - 1] : null;
  };
  const inTable = `TABLE 192.168.211.1:80 ${FRR}:80:1`;
  const chkState = () => {
    const lines = chkOut.split('\n').filter((l) => l.startsWith(`STATE [${FRR}]:tcp:80 `));
    return lines.length ? lines[lines.length - 1].split(' ')[2] : 'initial';
  };

  it('before the peer runs: track_bfd holds VI_1 in FAULT and VI_2 at 150 - 60, in halo and in keepalived', async () => {
    await until('halo VI_1 FAULT', async () => (await instance(halo, 'VI_1').catch(() => null))?.state === 'FAULT', logs);
    expect((await instance(halo, 'VI_2')).effectivePriority).toBe(90);
    await until('keepalived VI_1 FAULT', () => /\(VI_1\) entering FAULT state/i.test(ka.log()), logs);
    expect(ka.log()).toContain('(VI_2) Changing effective priority from 150 to 90');
    // keepalived sends each session's state at start: a BFD_CHECK without alpha goes down at once
    await until('checker: BFD_CHECK down at start', () => chkState() === 'down', logs);
    expect(chkOut).toContain(`BFD check of [frr] RS([${FRR}]:tcp:80) is DOWN`);
    expect(table()).toBe('TABLE 192.168.211.1:80'); // the desired table has no destination
  });

  it('FRR starts: the sessions come Up; VI_1 leaves FAULT and VI_2 goes to 150 in both; the BFD_CHECK server is up', async () => {
    bfdd.start();
    await until('FRR sees halo, keepalived and the checker Up', () => frrPeerUp(HALO_IP) && frrPeerUp(KA_IP) && frrPeerUp(CHK_IP), logs);
    await until('halo VI_1 out of FAULT', async () => (await instance(halo, 'VI_1')).state !== 'FAULT', logs);
    await until('halo VI_2 priority 150', async () => (await instance(halo, 'VI_2')).effectivePriority === 150, logs);
    expect(halo.log()).toContain('(frr) Entering Up state');
    expect(halo.log()).toContain('VRRP_Instance(VI_1) Tracked BFD instance frr is UP');
    expect((await statusOf(halo)).bfd?.sessions).toEqual([
      { name: 'frr', neighbor: FRR, state: 'Up', remoteState: 'Up', localDiag: 'No Diagnostic', txIntervalMs: 300, detectTimeMs: 900 },
    ]);
    await until('keepalived VI_1 out of FAULT', () => /VRRP_Instance\(VI_1\) Tracked BFD instance frr is UP/.test(ka.log()) && /\(VI_1\) Entering (BACKUP|MASTER) STATE/.test(ka.log()), logs);
    await until('checker: BFD_CHECK up', () => chkOut.includes(`BFD check of [frr] RS([${FRR}]:tcp:80) is UP`), logs);
    expect(chkState()).toBe('up');
    expect(table()).toBe(inTable);
    expect(ka.log()).toContain('(VI_2) Changing effective priority from 90 to 150');
  });

  it('FRR is killed: every session expires (diag 1); FAULT and priority 90 again in both; the server leaves', async () => {
    await bfdd.stop();
    await until('halo VI_1 FAULT', async () => (await instance(halo, 'VI_1')).state === 'FAULT', logs);
    await until('halo VI_2 at 90', async () => (await instance(halo, 'VI_2')).effectivePriority === 90, logs);
    expect(halo.log()).toMatch(/\(frr\) Entering Down state \(Local diagnostic - Control Detection Time Expired/);
    await until('keepalived VI_1 FAULT again', () => count(ka.log(), /\(VI_1\) entering FAULT state/i) >= 2, logs);
    // keepalived logs VI_2's priority after VI_1's FAULT, sometimes a moment later
    await until('keepalived VI_2 at 90 again', () => count(ka.log(), /\(VI_2\) Changing effective priority from 150 to 90/) >= 2, logs);
    expect(count(ka.log(), /\(VI_2\) Changing effective priority from 150 to 90/)).toBe(2);
    expect(ka.log()).toMatch(/\(frr\) Entering Down state \(Local diagnostic - Control Detection Time Expired/);
    await until('checker: server down', () => chkState() === 'down', logs);
    expect(table()).toBe('TABLE 192.168.211.1:80');
    // each side's own measure of its detection (a figure, not a test: the machine may be busy)
    const expired = (text: string) => text.match(/\(frr\) Expired after \d+ ms \(\d+ usec overdue\)/g)?.pop() ?? '-';
    process.stdout.write(`BFD detection when FRR was killed (900 ms configured): halo ${expired(halo.log())}; keepalived ${expired(ka.log())}; halo checker ${expired(chkOut)}\n`);
    expect(count(chkOut, /BFD check of \[frr\] RS\(\[10\.0\.211\.1\]:tcp:80\) is DOWN/)).toBe(2);
  });

  it('FRR comes back: Up again everywhere', async () => {
    bfdd.start();
    await until('halo VI_1 out of FAULT', async () => (await instance(halo, 'VI_1')).state !== 'FAULT', logs);
    await until('halo VI_2 at 150', async () => (await instance(halo, 'VI_2')).effectivePriority === 150, logs);
    await until('keepalived back', () => count(ka.log(), /Tracked BFD instance frr is UP/) >= 2, logs);
    await until('checker: server up', () => chkState() === 'up', logs);
    expect([(await instance(halo, 'VI_2')).effectivePriority, chkState(), table()]).toEqual([150, 'up', inTable]);
  });

  it("halo's link is cut at the bridge: its session expires and comes back when the link returns", async () => {
    const before = count(halo.log(), /\(frr\) Entering Down state/);
    topo.setBridgePort(1, 0, 'b0', false);
    await until('halo VI_1 FAULT', async () => (await instance(halo, 'VI_1')).state === 'FAULT', logs);
    expect(count(halo.log(), /\(frr\) Entering Down state/)).toBe(before + 1);
    topo.setBridgePort(1, 0, 'b0', true);
    await until('halo VI_1 back', async () => (await instance(halo, 'VI_1')).state !== 'FAULT', logs);
  });

  it("FRR shuts the peer down (AdminDown): halo goes Down with diag 3, as keepalived does", async () => {
    vtysh('configure terminal', 'bfd', `peer ${HALO_IP} local-address ${FRR}`, 'shutdown');
    vtysh('configure terminal', 'bfd', `peer ${KA_IP} local-address ${FRR}`, 'shutdown');
    await until('halo down, signalled', () => halo.log().includes('(frr) Entering Down state (Local diagnostic - Neighbor Signaled Session Down'), logs);
    await until('keepalived down, signalled', () => ka.log().includes('(frr) Entering Down state (Local diagnostic - Neighbor Signaled Session Down'), logs);
    await until('halo VI_1 FAULT', async () => (await instance(halo, 'VI_1')).state === 'FAULT', logs);
    vtysh('configure terminal', 'bfd', `peer ${HALO_IP} local-address ${FRR}`, 'no shutdown');
    vtysh('configure terminal', 'bfd', `peer ${KA_IP} local-address ${FRR}`, 'no shutdown');
    await until('halo VI_1 back', async () => (await instance(halo, 'VI_1')).state !== 'FAULT', logs);
    expect(count(halo.log(), /\(frr\) Entering Down state \(Local diagnostic - Neighbor Signaled Session Down/)).toBe(1);
  });

  it('GTSM (RFC 5881 §5): an AdminDown forged from FRR\'s address with TTL 254 is dropped by both; at 255 it takes both Down', async () => {
    await until('both Up', () => frrPeerUp(HALO_IP) && frrPeerUp(KA_IP), logs);
    const send = (peer: string, ttl: number) => forgeAdminDown(topo, bfdd, FRR, peer, ttl);
    const downs = (text: string) => count(text, /\(frr\) Entering Down state \(Local diagnostic - Neighbor Signaled Session Down/);
    const before = [downs(halo.log()), downs(ka.log())];
    send(HALO_IP, 254);
    send(KA_IP, 254);
    // a bounded look: the packet was on the wire at once; 2 s is many receive intervals (300 ms)
    await new Promise((r) => setTimeout(r, 2000));
    expect([downs(halo.log()), downs(ka.log())]).toEqual(before);
    send(HALO_IP, 255);
    send(KA_IP, 255);
    await until('halo Down, signalled', () => downs(halo.log()) === before[0] + 1, logs);
    await until('keepalived Down, signalled', () => downs(ka.log()) === before[1] + 1, logs);
    await until('halo VI_1 back', async () => (await instance(halo, 'VI_1')).state !== 'FAULT', logs);
  });

  it('a reload keeps the Up session as it is, and a new instance tracking it learns it is Up at once', async () => {
    await until('halo VI_1 out of FAULT', async () => (await instance(halo, 'VI_1')).state !== 'FAULT', logs);
    const ups = count(halo.log(), /\(frr\) Entering Up state/);
    const downs = count(halo.log(), /\(frr\) Entering Down state/);
    const extra = ['vrrp_instance VI_3 {', ' interface eth0', ' virtual_router_id 73', ' priority 100', ' advert_int 1',
      ' virtual_ipaddress {', `  ${NET}.73/24`, ' }', ' track_bfd {', '  frr', ' }', '}', ''].join('\n');
    writeFileSync(halo.confFile, vrrpConf(HALO_IP, 71) + extra);
    const before = halo.log().length;
    process.kill(halo.proc.pid!, 'SIGHUP');
    await until('reload finished', () => halo.log().slice(before).includes('Reload finished'), logs);
    await until('VI_3 running', async () => (await statusOf(halo)).instances.some((i) => i.name === 'VI_3' && i.state !== 'INIT'), logs);
    expect((await instance(halo, 'VI_3')).state).not.toBe('FAULT');
    expect([count(halo.log(), /\(frr\) Entering Up state/), count(halo.log(), /\(frr\) Entering Down state/)]).toEqual([ups, downs]);
  });

  it("on the wire: halo's packets carry TTL 255, a source port in 49152-65535 and destination 3784", async () => {
    const pcap = join(tmp, 'bfd.pcap');
    const dump = topo.spawn('halo', ['tcpdump', '-U', '-n', '-i', 'eth0', '-w', pcap, `udp and src host ${HALO_IP}`]);
    await captureArmed(dump);
    // the session is Up (transmit interval 300 ms): wait for a bounded number of packets
    await waitFor(() => Number(sh(['tshark', '-r', pcap, '-T', 'fields', '-e', 'frame.number'], { allowFail: true }).trim().split('\n').pop() || 0) >= 25, 30_000, 200);
    dump.kill('SIGTERM');
    await new Promise((r) => dump.once('exit', r));
    const all = sh(['tshark', '-r', pcap], { allowFail: true });
    const rows = sh(['tshark', '-r', pcap, '-T', 'fields', '-e', 'ip.src', '-e', 'ip.ttl', '-e', 'udp.srcport', '-e', 'udp.dstport'])
      .trim().split('\n').map((l) => l.split('\t')).filter((f) => f[0] === HALO_IP);
    if (rows.length <= 20) throw new Error(`only ${rows.length} packets from halo in the capture:\n${all.slice(-3000)}`);
    for (const [, ttl, sport, dport] of rows) {
      expect(ttl).toBe('255');
      expect(Number(sport)).toBeGreaterThanOrEqual(49152);
      expect(dport).toBe('3784');
    }
  });

  it("halo's own event loop stalled 3 s (> detection time 0.9 s) while the peer kept sending: no false Down, the stall is logged", async () => {
    const p = topo.spawn('stall', [process.execPath, join(ROOT, 'test', 'support', 'bfd-stall.js'), FRR, STALL_IP, '3000']);
    let out = '';
    p.stdout!.on('data', (c) => { out += c; });
    p.stderr!.on('data', (c) => { out += c; });
    const exited = new Promise((r) => p.once('exit', r));
    try {
      await until('the stall run ends', () => out.includes('DONE'), () => out);
    } finally {
      if (p.exitCode === null) p.kill('SIGKILL');
      await exited;
    }
    // the state sent at start (Down), then Up; nothing after the stall until the run stops
    const events = out.slice(0, out.indexOf('DONE')).split('\n').filter((l) => l.startsWith('EVENT'));
    expect(events).toEqual(['EVENT down', 'EVENT up']);
    expect(out).toContain('STALL END');
    expect(out).not.toMatch(/Entering Down state/);
    expect(out).toMatch(/A thread timer expired [23]\.\d{6} seconds ago - \(stall\) BFD timers ran late: halo's event loop was stalled/);
  });
});
