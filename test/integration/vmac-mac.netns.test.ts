/**
 * use_vmac with a MAC of its own and vmac_prefix, beside Debian's keepalived 2.2.7 (netns): the
 * same config on halo and on keepalived, each alone on its own segment so each becomes MASTER.
 * `use_vmac 02:11:22:33:44` (five octets: the sixth is the VRID) under `vmac_prefix vx` must give
 * both the same macvlan: named vx.53, MAC 02:11:22:33:44:35, private mode on eth0, the VIP on it;
 * the adverts leave with that MAC and ARP for the VIP is answered with it; a stop removes it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directors, HALO, RunningDirector, waitFor } from '../support/directors';
import { Topology } from '../support/netns';
import { describeNeeding, file, root, tool } from '../support/prerequisites';
import { advertSourceMac, arpAnswer } from '../support/vmac-capture';

jest.setTimeout(120_000);

const VIP = '192.168.86.200';
const MAC = '02:11:22:33:44:35';
const SIDES = { halo: { lb: 'lbh', client: 'clh' }, keepalived: { lb: 'lbk', client: 'clk' } } as const;
type Side = keyof typeof SIDES;
const BOTH: Side[] = ['halo', 'keepalived'];

const CONFIG = `global_defs {
    vmac_prefix vx
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 53
    priority 100
    advert_int 1
    use_vmac 02:11:22:33:44
    virtual_ipaddress {
        ${VIP}/24
    }
}
`;

let topo: Topology;
let dirs: Directors;
let tmp: string;

/** The VMAC links on the host as an operator reads them (`ip -d -j link`). */
function vmacs(host: string): unknown[] {
  const links = JSON.parse(topo.exec(host, ['ip', '-d', '-j', 'link', 'show', 'type', 'macvlan']) || '[]') as Array<Record<string, any>>;
  return links.map((l) => ({ name: l.ifname, mac: l.address, mode: l.linkinfo?.info_data?.mode, parent: l.link, up: (l.flags as string[]).includes('UP'), addrs: topo.addresses(host, l.ifname) }));
}

const built = file(HALO, 'the built CLI dist/cli/main.js (npm run build)');
const d = describeNeeding(root, built, tool('keepalived'), tool('tcpdump'));

d('use_vmac MAC and vmac_prefix beside keepalived 2.2.7 (netns)', () => {
  beforeAll(() => {
    topo = new Topology('vmm-').build(['br0', 'br1'], [
      { name: 'lbh', links: [['br0', '192.168.86.11/24']] },
      { name: 'clh', links: [['br0', '192.168.86.100/24']] },
      { name: 'lbk', links: [['br1', '192.168.86.11/24']] },
      { name: 'clk', links: [['br1', '192.168.86.100/24']] },
    ]);
  });
  afterAll(() => topo.destroy());
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'halo-vmac-mac-'));
    dirs = new Directors(topo, tmp);
  });
  afterEach(async () => {
    await dirs.stopAll();
    for (const s of Object.values(SIDES)) {
      topo.exec(s.lb, ['ip', 'link', 'del', 'vx.53'], { allowFail: true });
      for (const p of ['arp_ignore', 'arp_filter']) topo.exec(s.lb, ['sysctl', '-qw', `net.ipv4.conf.eth0.${p}=0`], { allowFail: true });
    }
    rmSync(tmp, { recursive: true, force: true });
  });

  it('the same VMAC name, MAC, adverts and ARP answer as keepalived; gone after a stop', async () => {
    const running: Record<Side, RunningDirector> = { halo: dirs.halo(SIDES.halo.lb, CONFIG), keepalived: dirs.keepalived(SIDES.keepalived.lb, CONFIG) };
    for (const side of BOTH) {
      if (!(await waitFor(() => topo.addresses(SIDES[side].lb, 'vx.53').includes(VIP), 60_000, 100))) {
        throw new Error(`${side} never put the VIP on vx.53:\n${JSON.stringify(vmacs(SIDES[side].lb))}\n${running[side].log()}`);
      }
    }
    const layout = vmacs(SIDES.halo.lb);
    expect(layout).toEqual(vmacs(SIDES.keepalived.lb));
    expect(layout).toEqual([{ name: 'vx.53', mac: MAC, mode: 'private', parent: 'eth0', up: true, addrs: [VIP] }]);
    for (const side of BOTH) {
      expect(await advertSourceMac(topo, SIDES[side].client)).toBe(MAC);
      expect(await arpAnswer(topo, SIDES[side].client, VIP)).toBe(MAC);
    }
    for (const side of BOTH) {
      running[side].signal('SIGTERM');
      await running[side].exited;
    }
    for (const side of BOTH) expect(vmacs(SIDES[side].lb)).toEqual([]);
  });
});
