/**
 * halo ↔ Debian's keepalived 2.2.7 on one LAN, in both roles: what a migration looks like.
 * The right node holds the VIP at every step, keepalived logs no checksum or authentication
 * complaint about halo's adverts, and tshark calls every halo advert's VRRP checksum Good.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directors, HALO, hearsMaster, RunningDirector, statusOf, waitFor, waitInstance, waitSoleHolder } from '../support/directors';
import { sh, Topology } from '../support/netns';
import { conf, instance, InstanceOpts } from './vrrp-conf';
import { describeNeeding, file, root, tool } from '../support/prerequisites';

jest.setTimeout(90_000);

const VIP = '192.168.77.200';
const LBS = ['lb1', 'lb2'];
let topo: Topology;
let dirs: Directors;
let tmp: string;

const built = file(HALO, 'the built CLI dist/cli/main.js (npx tsc -p tsconfig.json)');
const d = describeNeeding(root, built, tool('keepalived'), tool('tcpdump'));

d('halo with keepalived 2.2.7 (netns)', () => {
  beforeAll(() => {
    topo = new Topology('hvk-').build(['br0'], [
      { name: 'lb1', links: [['br0', '192.168.77.11/24']] },
      { name: 'lb2', links: [['br0', '192.168.77.12/24']] },
      { name: 'client', links: [['br0', '192.168.77.100/24']] },
    ]);
  });
  afterAll(() => topo.destroy());
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'halo-ka-'));
    dirs = new Directors(topo, tmp);
  });
  afterEach(async () => {
    await dirs.stopAll();
    for (const h of LBS) topo.exec(h, ['ip', 'addr', 'del', `${VIP}/24`, 'dev', 'eth0'], { allowFail: true });
    rmSync(tmp, { recursive: true, force: true });
  });

  /** keepalived's complaints about a peer's packets (checksum, auth, version, interval, ...). */
  const KEEPALIVED_COMPLAINT = /checksum|auth|invalid|mismatch|wrong|bad |unknown/i;

  function startCapture(): { file: string; ready: Promise<void>; stop(): Promise<string> } {
    const file = join(tmp, 'vrrp.pcap');
    const p = topo.spawn('client', ['tcpdump', '-U', '-n', '-i', 'eth0', '-w', file, 'ip proto 112']);
    // tcpdump says "listening on eth0" on stderr once the capture is armed
    const ready = new Promise<void>((resolve) => {
      let err = '';
      p.stderr!.on('data', (c) => {
        err += c;
        if (err.includes('listening on')) resolve();
      });
    });
    return {
      file,
      ready,
      async stop() {
        await new Promise((r) => setTimeout(r, 300));
        p.kill('SIGTERM');
        await new Promise((r) => p.once('exit', r));
        return file;
      },
    };
  }

  /** tshark's verdict on every VRRP packet from `src`: the list of checksum statuses. */
  function checksumStatuses(pcap: string, src: string, asV2: boolean): string[] {
    const out = sh(['tshark', '-r', pcap, '-o', `vrrp.v3_checksum_as_in_v2:${asV2 ? 'TRUE' : 'FALSE'}`, '-Y', `vrrp && ip.src == ${src}`, '-T', 'fields', '-e', 'vrrp.checksum.status']);
    return out.split('\n').filter(Boolean);
  }

  const modes: Array<{ title: string; o: InstanceOpts }> = [
    { title: 'VRRPv2 with PASS auth, advert_int 1', o: { version: 2, advertInt: 1 } },
    { title: 'VRRPv3 (pseudo-header checksum, keepalived\'s default), advert_int 0.1', o: { version: 3, advertInt: 0.1 } },
  ];

  describe.each(modes)('halo ↔ keepalived 2.2.7: $title', ({ o }) => {

    function noComplaints(ka: RunningDirector): void {
      const bad = ka.log().split('\n').filter((l) => KEEPALIVED_COMPLAINT.test(l) && !/script|SECURITY/i.test(l));
      expect(bad).toEqual([]);
    }

    it('keepalived master, halo backup: halo takes over on SIGTERM, keepalived preempts back', async () => {
      const cap = startCapture();
      await cap.ready;
      const ka = dirs.keepalived('lb1', conf('lb1', instance({ ...o, state: 'MASTER', priority: 150 })));
      await waitSoleHolder(topo, LBS, 'lb1', VIP, 15_000);
      const h = dirs.halo('lb2', conf('lb2', instance({ ...o, priority: 100 })));
      await waitInstance(h, 'VI_1', hearsMaster(5), 60_000, 'BACKUP hearing keepalived');
      expect(h.log()).not.toContain('Entering MASTER STATE');
      ka.signal('SIGTERM');
      await ka.exited;
      await waitSoleHolder(topo, LBS, 'lb2', VIP, 15_000);
      // halo as master for a few adverts, seen by tshark
      const sent = (await statusOf(h)).instances[0].advertsSent;
      await waitInstance(h, 'VI_1', (i) => i.advertsSent >= sent + 4, 30_000, 'sending adverts as MASTER');
      const ka2 = dirs.keepalived('lb1', conf('lb1', instance({ ...o, state: 'MASTER', priority: 150 })));
      await waitSoleHolder(topo, LBS, 'lb1', VIP, 15_000);
      const pcap = await cap.stop();
      noComplaints(ka2);
      expect(h.log()).toMatch(/received higher priority|Master received advert .* higher priority 150/);
      const st = checksumStatuses(pcap, '192.168.77.12', !!o.v3ChecksumAsV2);
      expect(st.length).toBeGreaterThan(2);
      expect(new Set(st)).toEqual(new Set(['1'])); // 1 = Good
    });

    it('halo master, keepalived backup: keepalived takes over on SIGTERM, halo preempts back', async () => {
      const h = dirs.halo('lb1', conf('lb1', instance({ ...o, state: 'MASTER', priority: 150 })));
      await waitSoleHolder(topo, LBS, 'lb1', VIP, 15_000);
      const ka = dirs.keepalived('lb2', conf('lb2', instance({ ...o, priority: 100 })));
      // keepalived has no status socket: wait for its BACKUP line, then give it five adverts
      expect(await waitFor(() => ka.log().includes('(VI_1) Entering BACKUP STATE'), 30_000)).toBe(true);
      const heard = (await statusOf(h)).instances[0].advertsSent;
      await waitInstance(h, 'VI_1', (i) => i.advertsSent >= heard + 5, 30_000, 'sending five more adverts');
      expect(ka.log()).not.toContain('Entering MASTER STATE');
      h.signal('SIGTERM');
      expect(await h.exited).toBe(0);
      await waitSoleHolder(topo, LBS, 'lb2', VIP, 15_000);
      expect(ka.log()).toContain('(VI_1) Backup received priority 0 advertisement');
      dirs.halo('lb1', conf('lb1', instance({ ...o, state: 'MASTER', priority: 150 })));
      await waitSoleHolder(topo, LBS, 'lb1', VIP, 15_000);
      expect(await waitFor(() => /Entering BACKUP STATE/.test(ka.log().split('Entering MASTER STATE').pop() ?? ''), 15_000)).toBe(true);
      noComplaints(ka);
    });
  });

  /**
   * RFC 9568's checksum (no pseudo-header, `v3_checksum_as_v2`) is not known to keepalived 2.2.7:
   * it rejects such adverts ("Invalid VRRPv3 checksum") and logs the keyword as unknown. halo
   * enforces each instance's own convention the same way, so both sides say plainly why they do
   * not hear each other: the two must be configured alike. halo ↔ halo speaks it fully.
   */
  describe('VRRPv3 with v3_checksum_as_v2 (RFC 9568)', () => {
    const o: InstanceOpts = { version: 3, advertInt: 0.1 };

    it('halo ↔ halo: election and failover; tshark (as_in_v2) calls every advert Good', async () => {
      const cap = startCapture();
      await cap.ready;
      const a = dirs.halo('lb1', conf('lb1', instance({ ...o, v3ChecksumAsV2: true, state: 'MASTER', priority: 150 })));
      await waitSoleHolder(topo, LBS, 'lb1', VIP, 15_000);
      const b = dirs.halo('lb2', conf('lb2', instance({ ...o, v3ChecksumAsV2: true, priority: 100 })));
      // lb2 accepts lb1's RFC 9568 adverts: it stays BACKUP hearing them
      await waitInstance(b, 'VI_1', hearsMaster(5), 30_000, 'BACKUP hearing the master');
      expect(await waitFor(() => checksumStatuses(cap.file, '192.168.77.11', true).length > 2, 15_000, 200)).toBe(true);
      a.signal('SIGTERM');
      await waitSoleHolder(topo, LBS, 'lb2', VIP, 15_000);
      expect(await waitFor(() => checksumStatuses(cap.file, '192.168.77.12', true).length > 2, 15_000, 200)).toBe(true);
      const pcap = await cap.stop();
      for (const src of ['192.168.77.11', '192.168.77.12']) {
        const st = checksumStatuses(pcap, src, true);
        expect(st.length).toBeGreaterThan(2);
        expect(new Set(st)).toEqual(new Set(['1']));
      }
    });

    it('halo in RFC 9568 mode and keepalived 2.2.7 (pseudo-header) reject each other\'s adverts and say why', async () => {
      const ka = dirs.keepalived('lb1', conf('lb1', instance({ ...o, state: 'MASTER', priority: 150 })));
      await waitSoleHolder(topo, LBS, 'lb1', VIP, 15_000);
      const h = dirs.halo('lb2', conf('lb2', instance({ ...o, v3ChecksumAsV2: true, priority: 100 })));
      expect(await waitFor(() => h.log().includes('Invalid VRRPv3 checksum (sender includes the IPv4 pseudo-header; v3_checksum_as_v2 is set here)'), 10_000)).toBe(true);
      expect(await waitFor(() => ka.log().includes('Invalid VRRPv3 checksum'), 10_000)).toBe(true);
    });
  });
});
