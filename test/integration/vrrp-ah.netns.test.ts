/**
 * VRRPv2 `auth_type AH` between halo and Debian's keepalived 2.2.7 on one LAN, in both roles.
 * This kernel has no INET_AH: both sides build and check the IPsec AH header in user space and
 * read IP protocol 51 on a raw socket. Each takeover crosses the sequence-number rule (one
 * counter per instance, a packet must carry a higher number than the last one seen), so a side
 * that got it wrong would drop the other's adverts as replays and both would hold the VIP.
 * A peer with another password is refused by both, each saying why in keepalived's words.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureArmed, Directors, HALO, hearsMaster, holds, RunningDirector, statusOf, waitFor, waitInstance, waitSoleHolder } from '../support/directors';
import { sh, Topology } from '../support/netns';
import { conf, instance, InstanceOpts } from './vrrp-conf';
import { describeNeeding, file, root, tool } from '../support/prerequisites';

jest.setTimeout(120_000);

const VIP = '192.168.77.200';
const LBS = ['lb1', 'lb2'];
const AH: InstanceOpts = { version: 2, advertInt: 1, authType: 'AH', authPass: 'secret1' };
let topo: Topology;
let dirs: Directors;
let tmp: string;

const built = file(HALO, 'the built CLI dist/cli/main.js (npx tsc -p tsconfig.json)');
const d = describeNeeding(root, built, tool('keepalived'), tool('tcpdump'));

/** keepalived's complaints about a peer's packets; the AH config warning at start is not one. */
const COMPLAINT = /checksum|auth|invalid|mismatch|wrong|bad |unknown|already processed/i;
function complaints(dir: RunningDirector): string[] {
  return dir.log().split('\n').filter((l) => COMPLAINT.test(l) && !/script|SECURITY|Initial state master is incompatible with AH/i.test(l));
}

/** The sequence numbers of the AH adverts from `src` in a capture, in order. */
function sequences(pcap: string, src: string): number[] {
  const out = sh(['tcpdump', '-r', pcap, '-n', `src ${src} and ip proto 51`]);
  return [...out.matchAll(/seq=0x([0-9a-f]+)/g)].map((m) => parseInt(m[1], 16));
}

d('VRRPv2 auth_type AH: halo with keepalived 2.2.7 (netns)', () => {
  beforeAll(() => {
    topo = new Topology('hah-').build(['br0'], [
      { name: 'lb1', links: [['br0', '192.168.77.11/24']] },
      { name: 'lb2', links: [['br0', '192.168.77.12/24']] },
      { name: 'client', links: [['br0', '192.168.77.100/24']] },
    ]);
  });
  afterAll(() => topo.destroy());
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'halo-ah-'));
    dirs = new Directors(topo, tmp);
  });
  afterEach(async () => {
    await dirs.stopAll();
    for (const h of LBS) topo.exec(h, ['ip', 'addr', 'del', `${VIP}/24`, 'dev', 'eth0'], { allowFail: true });
    rmSync(tmp, { recursive: true, force: true });
  });

  function capture(): { file: string; ready: Promise<void>; stop(): Promise<string> } {
    const f = join(tmp, 'ah.pcap');
    const p = topo.spawn('client', ['tcpdump', '-U', '-n', '-i', 'eth0', '-w', f, 'ip proto 51']);
    return {
      file: f,
      ready: captureArmed(p),
      async stop() {
        await new Promise((r) => setTimeout(r, 300));
        p.kill('SIGTERM');
        await new Promise((r) => p.once('exit', r));
        return f;
      },
    };
  }

  it('keepalived master, halo backup: halo takes over on SIGTERM, keepalived preempts back', async () => {
    const cap = capture();
    await cap.ready;
    const ka = dirs.keepalived('lb1', conf('lb1', instance({ ...AH, state: 'MASTER', priority: 150 })));
    await waitSoleHolder(topo, LBS, 'lb1', VIP, 20_000);
    const h = dirs.halo('lb2', conf('lb2', instance({ ...AH, priority: 100 })));
    await waitInstance(h, 'VI_1', hearsMaster(4), 60_000, 'BACKUP hearing keepalived');
    expect(h.log()).not.toContain('Entering MASTER STATE');
    ka.signal('SIGTERM');
    await ka.exited;
    await waitSoleHolder(topo, LBS, 'lb2', VIP, 15_000);
    expect(h.log()).toContain('(VI_1) Backup received priority 0 advertisement');
    const sent = (await statusOf(h)).instances[0].advertsSent;
    await waitInstance(h, 'VI_1', (i) => i.advertsSent >= sent + 3, 30_000, 'sending adverts as MASTER');
    // keepalived starts again with its counter at 0: it learns halo's number, then preempts above it
    const ka2 = dirs.keepalived('lb1', conf('lb1', instance({ ...AH, state: 'MASTER', priority: 150 })));
    await waitSoleHolder(topo, LBS, 'lb1', VIP, 20_000);
    await waitInstance(h, 'VI_1', hearsMaster(2), 15_000, 'BACKUP hearing keepalived again');
    const pcap = await cap.stop();
    expect(ka2.log()).toContain('(VI_1) Initial state master is incompatible with AH authentication - clearing');
    expect(complaints(ka2)).toEqual([]);
    expect(complaints(ka)).toEqual([]);
    expect(h.log()).toMatch(/Master received advert from 192\.168\.77\.11 with higher priority 150, ours 100/);
    const drops = (await statusOf(h)).instances[0].drops;
    expect([drops['ah-bad-icv'] ?? 0, drops['ah-bad-spi'] ?? 0]).toEqual([0, 0]);
    // halo's own numbers run on from keepalived's last one (the counter follows the peer)
    const kaSeq = sequences(pcap, '192.168.77.11');
    const haloSeq = sequences(pcap, '192.168.77.12');
    expect(haloSeq.length).toBeGreaterThan(2);
    expect(haloSeq[0]).toBeGreaterThan(Math.min(...kaSeq));
    for (let i = 1; i < haloSeq.length; i++) expect(haloSeq[i]).toBeGreaterThan(haloSeq[i - 1]);
  });

  it('halo master, keepalived backup: keepalived takes over on SIGTERM, halo preempts back; a dead worker\'s priority 0 is accepted too', async () => {
    const h = dirs.halo('lb1', conf('lb1', instance({ ...AH, state: 'MASTER', priority: 150 })));
    await waitSoleHolder(topo, LBS, 'lb1', VIP, 20_000);
    expect(h.log()).toContain('(VI_1) Initial state master is incompatible with AH authentication - clearing');
    const ka = dirs.keepalived('lb2', conf('lb2', instance({ ...AH, priority: 100 })));
    expect(await waitFor(() => ka.log().includes('(VI_1) Entering BACKUP STATE'), 30_000)).toBe(true);
    const heard = (await statusOf(h)).instances[0].advertsSent;
    await waitInstance(h, 'VI_1', (i) => i.advertsSent >= heard + 4, 30_000, 'sending four more adverts');
    expect(ka.log()).not.toContain('Entering MASTER STATE');
    h.signal('SIGTERM');
    expect(await h.exited).toBe(0);
    await waitSoleHolder(topo, LBS, 'lb2', VIP, 15_000);
    expect(ka.log()).toContain('(VI_1) Backup received priority 0 advertisement');
    // halo again, counter at 0: it learns keepalived's number as BACKUP and preempts above it
    const h2 = dirs.halo('lb1', conf('lb1', instance({ ...AH, state: 'MASTER', priority: 150 })));
    await waitSoleHolder(topo, LBS, 'lb1', VIP, 20_000);
    expect(await waitFor(() => /Entering BACKUP STATE/.test(ka.log().split('Entering MASTER STATE').pop() ?? ''), 15_000)).toBe(true);
    // kill -9 of halo's worker: the supervisor's held priority-0 advert (numbered far ahead) is not a replay to keepalived
    const before = ka.log().split('Backup received priority 0 advertisement').length;
    await waitInstance(h2, 'VI_1', (i) => i.state === 'MASTER', 10_000, 'MASTER');
    const worker = h2.pids()[h2.pids().length - 1];
    process.kill(worker, 'SIGKILL');
    await waitSoleHolder(topo, LBS, 'lb2', VIP, 15_000);
    expect(h2.log()).toMatch(/released VI_1 for the dead worker: priority 0 advert sent, VIPs removed/);
    expect(ka.log().split('Backup received priority 0 advertisement').length).toBe(before + 1);
    expect(complaints(ka)).toEqual([]);
  });

  it('a peer with another password: both refuse its adverts as a bad ICV, in keepalived\'s words, and each stays MASTER', async () => {
    const ka = dirs.keepalived('lb1', conf('lb1', instance({ ...AH, priority: 150 })));
    await waitSoleHolder(topo, LBS, 'lb1', VIP, 20_000);
    const h = dirs.halo('lb2', conf('lb2', instance({ ...AH, authPass: 'other', priority: 100 })));
    await waitInstance(h, 'VI_1', (i) => i.state === 'MASTER', 30_000, 'MASTER (hearing no valid advert)');
    const icv = 'IPSEC-AH : invalid IPSEC HMAC-MD5 value. Due to fields mutation or bad password !';
    expect(await waitFor(() => h.log().includes(`(VI_1) ${icv}`), 10_000)).toBe(true);
    expect(await waitFor(() => ka.log().includes(`(VI_1) ${icv}`), 10_000)).toBe(true);
    // neither accepts the other: both hold the VIP, as two keepalived with different passwords do
    expect(holds(topo, 'lb1', VIP) && holds(topo, 'lb2', VIP)).toBe(true);
    const st = (await statusOf(h)).instances[0];
    expect(st.advertsReceived).toBe(0);
    expect(st.drops['ah-bad-icv']).toBeGreaterThan(0);
    expect(ka.log().split('(VI_1) Entering MASTER STATE').pop()).not.toContain('Entering BACKUP STATE');
  });
});
