/**
 * garp_extra_if beside Debian's keepalived 2.2.7 (netns): the same config on halo and on
 * keepalived, each alone (two segments each) so each becomes MASTER. The instance sends adverts
 * on eth0 from its VMAC and has a second VIP on eth1; with `garp_extra_if 2 all` a MASTER keeps
 * re-announcing the eth1 VIP (one gratuitous ARP per interval), while the VMAC's VIP gets only the
 * one GARP of becoming MASTER (garp_master_repeat 1, no second burst). Counted with tcpdump on the
 * director's own interfaces (the VMAC's frames leave through eth0); no timing is asserted, only that the GARPs keep coming.
 */
import { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureArmed, Directors, HALO, RunningDirector, waitFor } from '../support/directors';
import { Topology } from '../support/netns';
import { describeNeeding, file, root, tool } from '../support/prerequisites';

jest.setTimeout(120_000);

const VIP0 = '192.168.87.200';
const VIP1 = '192.168.88.200';
const SIDES = { halo: 'lbh', keepalived: 'lbk' } as const;
type Side = keyof typeof SIDES;
const BOTH: Side[] = ['halo', 'keepalived'];

const CONFIG = `vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    use_vmac
    virtual_router_id 55
    priority 100
    advert_int 1
    garp_master_delay 0
    garp_master_repeat 1
    garp_extra_if 2 all
    virtual_ipaddress {
        ${VIP0}/24
        ${VIP1}/24 dev eth1
    }
}
`;

let topo: Topology;
let dirs: Directors;
let tmp: string;

/** Gratuitous ARPs (sender address = `vip`) leaving `dev`, counted as tcpdump prints them. */
async function countGarps(host: string, dev: string, vip: string): Promise<{ count: () => number; stop: () => void }> {
  const hex = vip.split('.').map((o) => Number(o).toString(16).padStart(2, '0')).join('');
  const p: ChildProcess = topo.spawn(host, ['tcpdump', '-n', '-l', '-i', dev, `arp and arp[14:4] == 0x${hex}`]);
  let out = '';
  p.stdout!.on('data', (c) => (out += c));
  await captureArmed(p);
  return { count: () => out.split('\n').filter((l) => l.includes(vip)).length, stop: () => p.kill('SIGKILL') };
}

const built = file(HALO, 'the built CLI dist/cli/main.js (npm run build)');
const d = describeNeeding(root, built, tool('keepalived'), tool('tcpdump'));

d('garp_extra_if beside keepalived 2.2.7 (netns)', () => {
  beforeAll(() => {
    topo = new Topology('gx-').build(['br0', 'br1', 'br2', 'br3'], [
      { name: 'lbh', links: [['br0', '192.168.87.11/24'], ['br1', '192.168.88.11/24']] },
      { name: 'lbk', links: [['br2', '192.168.87.11/24'], ['br3', '192.168.88.11/24']] },
    ]);
  });
  afterAll(() => topo.destroy());
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'halo-garp-extra-'));
    dirs = new Directors(topo, tmp);
  });
  afterEach(async () => {
    await dirs.stopAll();
    for (const host of Object.values(SIDES)) {
      topo.exec(host, ['ip', 'link', 'del', 'vrrp.55'], { allowFail: true });
      for (const p of ['arp_ignore', 'arp_filter']) topo.exec(host, ['sysctl', '-qw', `net.ipv4.conf.eth0.${p}=0`], { allowFail: true });
    }
    rmSync(tmp, { recursive: true, force: true });
  });

  it('a MASTER re-announces the VIP on the extra interface every interval, as keepalived; the VMAC VIP once', async () => {
    const captures: Record<Side, { extra: Awaited<ReturnType<typeof countGarps>>; vmac: Awaited<ReturnType<typeof countGarps>> }> = {} as never;
    for (const side of BOTH) captures[side] = { extra: await countGarps(SIDES[side], 'eth1', VIP1), vmac: await countGarps(SIDES[side], 'eth0', VIP0) };
    const running: Record<Side, RunningDirector> = { halo: dirs.halo(SIDES.halo, CONFIG), keepalived: dirs.keepalived(SIDES.keepalived, CONFIG) };
    try {
      for (const side of BOTH) {
        if (!(await waitFor(() => topo.addresses(SIDES[side], 'vrrp.55').includes(VIP0), 60_000, 100))) throw new Error(`${side} not MASTER:\n${running[side].log()}`);
      }
      // one GARP on becoming MASTER, then at least three more, one per interval
      for (const side of BOTH) {
        if (!(await waitFor(() => captures[side].extra.count() >= 4, 60_000, 100))) {
          throw new Error(`${side}: ${captures[side].extra.count()} GARPs for ${VIP1} on eth1\n${running[side].log()}`);
        }
      }
    } finally {
      for (const side of BOTH) {
        captures[side].extra.stop();
        captures[side].vmac.stop();
      }
    }
    // the VMAC's VIP (seen leaving through eth0): the one GARP of becoming MASTER, not re-announced
    for (const side of BOTH) expect({ side, count: captures[side].vmac.count() }).toEqual({ side, count: 1 });
    expect(running.halo.log()).toContain(`(VI_1) Sending/queueing gratuitous ARPs on eth1 for ${VIP1}`);
  });
});
