/**
 * halo ↔ halo over a real bridge in network namespaces (topology of the keepalived baseline:
 * lb1 192.168.77.11, lb2 .12, client .100 on br0; lb1/lb2 also on br1 192.168.78.0/24).
 * Each test names the RFC rule or keepalived behaviour it pins. Adverts are VRRPv3 at 100 ms
 * where the rule does not depend on the version, so the suite stays fast.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureArmed, Directors, HALO, hearsMaster, holds, statusOf, waitFor, waitInstance, waitSoleHolder } from '../support/directors';
import { sh, Topology } from '../support/netns';
import { conf, instance } from './vrrp-conf';
import { describeNeeding, file, root, tool } from '../support/prerequisites';

jest.setTimeout(60_000);

const VIP = '192.168.77.200';
const LBS = ['lb1', 'lb2'];
const fast = { version: 3 as const, advertInt: 0.1 };

let topo: Topology;
let dirs: Directors;
let tmp: string;

const built = file(HALO, 'the built CLI dist/cli/main.js (npx tsc -p tsconfig.json)');
const d = describeNeeding(root, built, tool('tcpdump'));

d('halo with halo (netns)', () => {
  beforeAll(() => {
    topo = new Topology(process.env.HALO_TEST_NS_PREFIX ?? 'hvt-').build(['br0', 'br1'], [
      { name: 'lb1', links: [['br0', '192.168.77.11/24'], ['br1', '192.168.78.11/24']] },
      { name: 'lb2', links: [['br0', '192.168.77.12/24'], ['br1', '192.168.78.12/24']] },
      { name: 'client', links: [['br0', '192.168.77.100/24']] },
    ]);
  });
  afterAll(() => topo.destroy());
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'halo-vrrp-'));
    dirs = new Directors(topo, tmp);
  });
  afterEach(async () => {
    await dirs.stopAll();
    for (let h = 0; h < 3; h++) topo.setBridgePort(h, 0, 'br0', true);
    for (const h of LBS) for (const dev of ['eth0', 'eth1']) topo.exec(h, ['ip', 'link', 'set', dev, 'up'], { allowFail: true });
    // nothing may outlive a test: residual VIPs would skew the next one
    for (const h of LBS) for (const a of [VIP, '192.168.78.200']) topo.exec(h, ['ip', 'addr', 'del', `${a}/24`, 'dev', a.startsWith('192.168.77') ? 'eth0' : 'eth1'], { allowFail: true });
    rmSync(tmp, { recursive: true, force: true });
  });

  describe('halo ↔ halo', () => {
    it('elects the higher priority; the other stays BACKUP (RFC 5798 §6.4.1, §6.4.2)', async () => {
      // lb1 is MASTER before lb2 starts: a backup that starts first rightly becomes MASTER until
      // it hears lb1 (§6.4.2), so the order is made, not assumed
      const a = dirs.halo('lb1', conf('lb1', instance({ ...fast, state: 'MASTER', priority: 150 })));
      await waitInstance(a, 'VI_1', (i) => i.state === 'MASTER', 30_000, 'MASTER');
      await waitSoleHolder(topo, LBS, 'lb1', VIP, 10_000);
      const b = dirs.halo('lb2', conf('lb2', instance({ ...fast, priority: 100 })));
      // lb2 is up and has heard lb1 for a while (more than Master_Down_Interval's 3 adverts)
      await waitInstance(b, 'VI_1', hearsMaster(6), 30_000, 'BACKUP hearing the master');
      expect(holds(topo, 'lb2', VIP)).toBe(false);
      expect((await statusOf(a)).instances[0]).toMatchObject({ name: 'VI_1', state: 'MASTER', effectivePriority: 150 });
      expect((await statusOf(b)).instances[0]).toMatchObject({ state: 'BACKUP', masterAddress: '192.168.77.11' });
      expect(a.log()).toContain('(VI_1) Entering MASTER STATE');
      expect(b.log()).not.toContain('Entering MASTER STATE');
    });

    it('equal priorities: two masters resolve by the higher primary address (RFC 5798 §6.4.3)', async () => {
      // a backup accepts an equal-priority master (§6.4.2), so the tie-break only decides between
      // two masters: make both master by keeping them apart, then join them
      topo.setBridgePort(1, 0, 'br0', false);
      const a = dirs.halo('lb1', conf('lb1', instance({ ...fast, priority: 100 })));
      dirs.halo('lb2', conf('lb2', instance({ ...fast, priority: 100 })));
      expect(await waitFor(() => holds(topo, 'lb1', VIP) && holds(topo, 'lb2', VIP), 10_000)).toBe(true);
      topo.setBridgePort(1, 0, 'br0', true);
      await waitSoleHolder(topo, LBS, 'lb2', VIP, 15_000);
      await new Promise((r) => setTimeout(r, 1000));
      expect(holds(topo, 'lb1', VIP)).toBe(false);
      expect(a.log()).toMatch(/\(VI_1\) Master received advert from 192\.168\.77\.12 with same priority 100 but higher IP address than ours|Entering BACKUP STATE/);
    });

    it('kill -9 of every halo process: the backup takes over after Master_Down_Interval; the restart removes the residual VIP and preempts', async () => {
      const a = dirs.halo('lb1', conf('lb1', instance({ ...fast, state: 'MASTER', priority: 150 })));
      dirs.halo('lb2', conf('lb2', instance({ ...fast, priority: 100 })));
      await waitSoleHolder(topo, LBS, 'lb1', VIP, 10_000);
      a.signal('SIGKILL');
      // after Master_Down_Interval (at 100 ms, priority 100: 3 × 0.1 + 0.061 s) lb2 takes over
      expect(await waitFor(() => holds(topo, 'lb2', VIP), 15_000)).toBe(true);
      expect(holds(topo, 'lb1', VIP)).toBe(true); // nobody was left on lb1 to remove it
      const a2 = dirs.halo('lb1', conf('lb1', instance({ ...fast, state: 'MASTER', priority: 150 })));
      await waitSoleHolder(topo, LBS, 'lb1', VIP, 10_000);
      expect(a2.log()).toMatch(/Removing residual VIP 192\.168\.77\.200\/24 from eth0/);
    });

    it('halo cleanup -f removes the VIPs a killed director left behind (systemd ExecStopPost)', async () => {
      const text = conf('lb1', instance({ ...fast, state: 'MASTER', priority: 150 }));
      const a = dirs.halo('lb1', text);
      await waitSoleHolder(topo, LBS, 'lb1', VIP, 10_000);
      a.signal('SIGKILL');
      await a.exited;
      expect(holds(topo, 'lb1', VIP)).toBe(true);
      const out = topo.exec('lb1', [process.execPath, HALO, 'cleanup', '-f', a.confFile]);
      expect(out).toBe('removed VIP 192.168.77.200/24 from eth0\n');
      expect(holds(topo, 'lb1', VIP)).toBe(false);
      // idempotent: nothing left to do
      expect(topo.exec('lb1', [process.execPath, HALO, 'cleanup', '-f', a.confFile])).toBe('');
    });

    it('kill -9 of the worker only: the supervisor sends priority 0 and removes the VIPs; the backup takes over within Skew_Time', async () => {
      const a = dirs.halo('lb1', conf('lb1', instance({ state: 'MASTER', priority: 150 })));
      await waitSoleHolder(topo, LBS, 'lb1', VIP, 10_000);
      const b = dirs.halo('lb2', conf('lb2', instance({ priority: 100 })));
      await waitInstance(b, 'VI_1', hearsMaster(1), 30_000, 'BACKUP hearing the master');
      const worker = a.pids()[a.pids().length - 1];
      process.kill(worker, 'SIGKILL');
      // the supervisor's priority-0 advert makes lb2 take over after Skew_Time (v2, priority
      // 100: 156/256 s), not after Master_Down_Interval: lb2's log says which (how fast: the
      // failover benchmark, test/bench/failover)
      await waitSoleHolder(topo, LBS, 'lb2', VIP, 15_000).catch((err: Error) => {
        throw new Error(`${err.message}\n--- lb1 ---\n${a.log()}\n--- lb2 ---\n${b.log()}`);
      });
      expect(a.log()).toMatch(/released VI_1 for the dead worker: priority 0 advert sent, VIPs removed/);
      expect(b.log()).toContain('(VI_1) Backup received priority 0 advertisement');
    });

    it('SIGTERM: priority 0 advert, VIPs removed, exit 0; the backup takes over after Skew_Time (RFC 5798 §6.4.2)', async () => {
      const a = dirs.halo('lb1', conf('lb1', instance({ state: 'MASTER', priority: 150 })));
      await waitSoleHolder(topo, LBS, 'lb1', VIP, 10_000);
      const b = dirs.halo('lb2', conf('lb2', instance({ priority: 100 })));
      await waitInstance(b, 'VI_1', hearsMaster(1), 30_000, 'BACKUP hearing the master');
      a.signal('SIGTERM');
      expect(await a.exited).toBe(0);
      await waitSoleHolder(topo, LBS, 'lb2', VIP, 15_000);
      expect(a.log()).toContain('(VI_1) sent 0 priority');
      expect(b.log()).toContain('(VI_1) Backup received priority 0 advertisement');
    });

    it('nopreempt (initial state BACKUP): a returning higher priority does not take over', async () => {
      dirs.halo('lb2', conf('lb2', instance({ ...fast, priority: 100 })));
      await waitSoleHolder(topo, LBS, 'lb2', VIP, 10_000);
      const a = dirs.halo('lb1', conf('lb1', instance({ ...fast, priority: 150, nopreempt: true })));
      // lb1 has heard lb2's lower-priority adverts for 2 s (20 intervals) without preempting
      await waitInstance(a, 'VI_1', hearsMaster(20), 30_000, 'BACKUP hearing the lower-priority master');
      expect(holds(topo, 'lb2', VIP)).toBe(true);
      expect(holds(topo, 'lb1', VIP)).toBe(false);
      expect(a.log()).not.toContain('Entering MASTER STATE');
    });

    it('nopreempt with state MASTER is cleared with keepalived\'s warning and preempts', async () => {
      dirs.halo('lb2', conf('lb2', instance({ ...fast, priority: 100 })));
      await waitSoleHolder(topo, LBS, 'lb2', VIP, 10_000);
      const a = dirs.halo('lb1', conf('lb1', instance({ ...fast, state: 'MASTER', priority: 150, nopreempt: true })));
      await waitSoleHolder(topo, LBS, 'lb1', VIP, 10_000);
      expect(a.log()).toContain('(VI_1) Warning - nopreempt will not work with initial state MASTER - clearing');
    });

    it('preempt_delay holds a returning higher priority back for the delay', async () => {
      dirs.halo('lb2', conf('lb2', instance({ ...fast, priority: 100 })));
      await waitSoleHolder(topo, LBS, 'lb2', VIP, 10_000);
      const t0 = Date.now();
      dirs.halo('lb1', conf('lb1', instance({ ...fast, priority: 150, preemptDelay: 2 })));
      await waitSoleHolder(topo, LBS, 'lb1', VIP, 10_000);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(2000);
    });

    it('unicast peers: election and failover without multicast', async () => {
      const u1 = { unicastSrc: '192.168.77.11', unicastPeers: ['192.168.77.12'] };
      const u2 = { unicastSrc: '192.168.77.12', unicastPeers: ['192.168.77.11'] };
      const a = dirs.halo('lb1', conf('lb1', instance({ ...fast, ...u1, state: 'MASTER', priority: 150 })));
      dirs.halo('lb2', conf('lb2', instance({ ...fast, ...u2, priority: 100 })));
      await waitSoleHolder(topo, LBS, 'lb1', VIP, 10_000);
      a.signal('SIGTERM');
      expect(await a.exited).toBe(0);
      await waitSoleHolder(topo, LBS, 'lb2', VIP, 15_000);
      expect(a.log()).toContain('(VI_1) sent 0 priority');
    });

    it('sync group: one member\'s interface down on the master moves every VIP of the group (baseline §5)', async () => {
      const group = 'vrrp_sync_group VG_1 {\n    group {\n        VI_1\n        VI_2\n    }\n}';
      const i1 = (p: number, s: 'MASTER' | 'BACKUP') => instance({ ...fast, name: 'VI_1', state: s, priority: p });
      const i2 = (p: number, s: 'MASTER' | 'BACKUP') => instance({ ...fast, name: 'VI_2', iface: 'eth1', vrid: 52, state: s, priority: p, vips: ['192.168.78.200/24'] });
      const a = dirs.halo('lb1', conf('lb1', group, i1(150, 'MASTER'), i2(150, 'MASTER')));
      dirs.halo('lb2', conf('lb2', group, i1(100, 'BACKUP'), i2(100, 'BACKUP')));
      await waitSoleHolder(topo, LBS, 'lb1', VIP, 10_000);
      await waitSoleHolder(topo, LBS, 'lb1', '192.168.78.200', 10_000, 'eth1');
      topo.exec('lb1', ['ip', 'link', 'set', 'eth1', 'down']);
      await waitSoleHolder(topo, LBS, 'lb2', VIP, 15_000);
      await waitSoleHolder(topo, LBS, 'lb2', '192.168.78.200', 15_000, 'eth1');
      const st = await statusOf(a);
      expect(st.instances.map((i) => i.state)).toEqual(['FAULT', 'FAULT']);
      expect(st.syncGroups).toEqual([{ name: 'VG_1', members: ['VI_1', 'VI_2'], state: 'FAULT' }]);
      expect(a.log()).toContain('VRRP_Group(VG_1) Syncing instances to FAULT state');
      // link back: the group returns and preempts together
      topo.exec('lb1', ['ip', 'link', 'set', 'eth1', 'up']);
      await waitSoleHolder(topo, LBS, 'lb1', VIP, 15_000);
      await waitSoleHolder(topo, LBS, 'lb1', '192.168.78.200', 15_000, 'eth1');
    });

    it('gratuitous ARPs on takeover: requests with sender IP = target IP = VIP (fixture garp.frame)', async () => {
      const cap = topo.spawn('client', ['tcpdump', '-l', '-n', '-e', '-i', 'eth0', '-c', '5', 'arp']);
      let out = '';
      cap.stdout!.on('data', (c) => (out += c));
      await captureArmed(cap);
      dirs.halo('lb1', conf('lb1', instance({ ...fast, state: 'MASTER', priority: 150 })));
      await waitSoleHolder(topo, LBS, 'lb1', VIP, 10_000);
      const done = await waitFor(() => out.trim().split('\n').length >= 5, 15_000);
      cap.kill('SIGTERM');
      expect(done).toBe(true);
      const lines = out.trim().split('\n');
      for (const l of lines) {
        expect(l).toMatch(/ff:ff:ff:ff:ff:ff, ethertype ARP \(0x0806\), length 42: Request who-has 192\.168\.77\.200 \(ff:ff:ff:ff:ff:ff\) tell 192\.168\.77\.200, length 28/);
      }
    });

    it('split brain heals: the higher master re-sends GARPs on the lower master\'s adverts, which yields on the higher one\'s (keepalived #166, #14)', async () => {
      const a = dirs.halo('lb1', conf('lb1', instance({ state: 'MASTER', priority: 150 })));
      await waitSoleHolder(topo, LBS, 'lb1', VIP, 10_000);
      const b = dirs.halo('lb2', conf('lb2', instance({ priority: 100 })));
      // six adverts heard (> 5 s after lb1's takeover): lb1's delayed GARP burst is behind us
      await waitInstance(b, 'VI_1', hearsMaster(6), 60_000, 'BACKUP hearing the master');
      // one-way split, made on lb2's bridge port: multicast is no longer flooded to lb2, so lb1's
      // adverts stop reaching it and it becomes MASTER too, while lb1 goes on hearing lb2 (a full
      // cut would leave it to chance which of the two hears the other first once healed)
      const port = 'v10br0'; // src/lab/netns names the bridge end of host 1 (lb2), link 0, on br0
      const flood = (on: boolean) => sh(['ip', 'netns', 'exec', `${topo.prefix}br`, 'bridge', 'link', 'set', 'dev', port, 'mcast_flood', on ? 'on' : 'off']);
      flood(false);
      try {
        expect(await waitFor(() => holds(topo, 'lb2', VIP), 15_000)).toBe(true);
        expect(holds(topo, 'lb1', VIP)).toBe(true);
        // from now on, GARPs from lb1 answer lb2's lower-priority adverts
        const cap = topo.spawn('client', ['tcpdump', '-l', '-n', '-e', '-i', 'eth0', 'arp', 'and', 'ether', 'src', topo.exec('lb1', ['cat', '/sys/class/net/eth0/address']).trim()]);
        let garps = '';
        cap.stdout!.on('data', (c) => (garps += c));
        await captureArmed(cap);
        expect(await waitFor(() => garps.includes('Request who-has 192.168.77.200 (ff:ff:ff:ff:ff:ff) tell 192.168.77.200'), 15_000)).toBe(true);
        cap.kill('SIGTERM');
        expect(a.log()).toMatch(/\(VI_1\) Received advert from 192\.168\.77\.12 with lower priority 100, ours 150/);
      } finally {
        flood(true);
      }
      // healed: lb2 yields on lb1's advert (its log says so), not on a timer
      await waitSoleHolder(topo, LBS, 'lb1', VIP, 15_000);
      expect(b.log()).toMatch(/Master received advert from 192\.168\.77\.11 with higher priority 150, ours 100/);
    });
  });
});
