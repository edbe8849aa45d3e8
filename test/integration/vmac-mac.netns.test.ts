/**
 * use_vmac with a MAC of its own, vmac_prefix, use_vmac_addr and vmac_addr_prefix, beside Debian's keepalived 2.2.7 (netns): the
 * same config on halo and on keepalived, each alone on its own segment so each becomes MASTER.
 * `use_vmac 02:11:22:33:44` (five octets: the sixth is the VRID) under `vmac_prefix vx` must give
 * both the same macvlan: named vx.53, MAC 02:11:22:33:44:35, private mode on eth0, the VIP on it;
 * the adverts leave with that MAC and ARP for the VIP is answered with it; a stop removes it.
 * `use_vmac_addr` with `vmac_addr_prefix va` puts the VIP on eth1 on a VMAC of its own there
 * (va.57), with the same MAC, nftables entries and ARP answer as keepalived's; after a crash the
 * supervisor (worker killed) or halo cleanup (whole tree killed) removes both VMACs.
 * An address's own `use_vmac` (virtual_ipaddress option) puts that VIP, and only it, on a VMAC of
 * its own on its interface, as keepalived does.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

d('use_vmac MAC, vmac_prefix and use_vmac_addr beside keepalived 2.2.7 (netns)', () => {
  beforeAll(() => {
    // eth1 of each director on a segment of its own with a client: use_vmac_addr's VMAC is there
    topo = new Topology('vmm-').build(['br0', 'br1', 'br2', 'br3'], [
      { name: 'lbh', links: [['br0', '192.168.86.11/24'], ['br2', '192.168.89.11/24']] },
      { name: 'clh', links: [['br0', '192.168.86.100/24']] },
      { name: 'lbk', links: [['br1', '192.168.86.11/24'], ['br3', '192.168.89.11/24']] },
      { name: 'clk', links: [['br1', '192.168.86.100/24']] },
      { name: 'clh1', links: [['br2', '192.168.89.100/24']] },
      { name: 'clk1', links: [['br3', '192.168.89.100/24']] },
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
      for (const l of ['vx.53', 'vrrp.57', 'va.57', 'vrrp.58']) topo.exec(s.lb, ['ip', 'link', 'del', l], { allowFail: true });
      for (const fam of ['ip', 'ip6']) topo.exec(s.lb, ['nft', 'delete', 'table', fam, 'keepalived'], { allowFail: true });
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

  it('use_vmac_addr: the VIP on eth1 on a VMAC of its own there, named by vmac_addr_prefix, as keepalived; the same nftables entries', async () => {
    const conf = `global_defs {
    vmac_addr_prefix va
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 57
    priority 100
    advert_int 1
    use_vmac
    use_vmac_addr
    virtual_ipaddress {
        192.168.86.201/24
        192.168.89.201/24 dev eth1
    }
}
`;
    const running: Record<Side, RunningDirector> = { halo: dirs.halo(SIDES.halo.lb, conf), keepalived: dirs.keepalived(SIDES.keepalived.lb, conf) };
    for (const side of BOTH) {
      if (!(await waitFor(() => topo.addresses(SIDES[side].lb, 'va.57').includes('192.168.89.201') && topo.addresses(SIDES[side].lb, 'vrrp.57').includes('192.168.86.201'), 60_000, 100))) {
        throw new Error(`${side} never put the VIPs on vrrp.57 and va.57:\n${JSON.stringify(vmacs(SIDES[side].lb))}\n${running[side].log()}`);
      }
    }
    const layout = vmacs(SIDES.halo.lb);
    expect(layout).toEqual(vmacs(SIDES.keepalived.lb));
    expect(layout).toEqual([
      { name: 'vrrp.57', mac: '00:00:5e:00:01:39', mode: 'private', parent: 'eth0', up: true, addrs: ['192.168.86.201'] },
      { name: 'va.57', mac: '00:00:5e:00:01:39', mode: 'private', parent: 'eth1', up: true, addrs: ['192.168.89.201'] },
    ]);
    const nft = (host: string) => topo.exec(host, ['nft', 'list', 'ruleset']).replace(/ # handle \d+/g, '');
    expect(nft(SIDES.halo.lb)).toEqual(nft(SIDES.keepalived.lb));
    expect(nft(SIDES.halo.lb)).toContain('va.57');
    for (const [side, client] of [['halo', 'clh1'], ['keepalived', 'clk1']] as const) {
      expect({ side, mac: await arpAnswer(topo, client, '192.168.89.201') }).toEqual({ side, mac: '00:00:5e:00:01:39' });
    }
    for (const side of BOTH) {
      running[side].signal('SIGTERM');
      await running[side].exited;
    }
    for (const side of BOTH) expect(vmacs(SIDES[side].lb)).toEqual([]);

    // halo after a crash: the supervisor removes both VMACs of a killed worker; after kill -9 of
    // the whole tree, halo cleanup does
    const h = dirs.halo(SIDES.halo.lb, conf);
    const both = () => vmacs(SIDES.halo.lb).length === 2;
    if (!(await waitFor(both, 60_000, 100))) throw new Error(`no VMACs:\n${h.log()}`);
    const worker = Number(readFileSync(`/proc/${h.proc.pid}/task/${h.proc.pid}/children`, 'utf8').trim().split(/\s+/)[0]);
    process.kill(worker, 'SIGKILL');
    if (!(await waitFor(() => /removed VMAC va\.57 for the dead worker[^]*removed VMAC vrrp\.57 for the dead worker|removed VMAC vrrp\.57 for the dead worker[^]*removed VMAC va\.57 for the dead worker/.test(h.log()), 30_000, 100))) throw new Error(`not removed:\n${h.log()}`);
    if (!(await waitFor(both, 60_000, 100))) throw new Error(`not made again:\n${h.log()}`);
    h.signal('SIGKILL');
    await h.exited;
    const out = topo.exec(SIDES.halo.lb, [process.execPath, HALO, 'cleanup', '-f', h.confFile]);
    expect(out.split('\n').filter((l) => l.startsWith('removed VMAC')).sort()).toEqual(['removed VMAC interface va.57', 'removed VMAC interface vrrp.57']);
    expect(vmacs(SIDES.halo.lb)).toEqual([]);
  });

  it('an address\'s own use_vmac: that VIP alone on a VMAC of its own on its interface, as keepalived; the same nftables entries and ARP answers', async () => {
    const conf = `vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 58
    priority 100
    advert_int 1
    virtual_ipaddress {
        192.168.86.202/24 use_vmac
        192.168.86.203/24
    }
}
`;
    const running: Record<Side, RunningDirector> = { halo: dirs.halo(SIDES.halo.lb, conf), keepalived: dirs.keepalived(SIDES.keepalived.lb, conf) };
    for (const side of BOTH) {
      if (!(await waitFor(() => topo.addresses(SIDES[side].lb, 'vrrp.58').includes('192.168.86.202') && topo.addresses(SIDES[side].lb, 'eth0').includes('192.168.86.203'), 60_000, 100))) {
        throw new Error(`${side} never put the VIPs on vrrp.58 and eth0:\n${JSON.stringify(vmacs(SIDES[side].lb))}\n${running[side].log()}`);
      }
    }
    const layout = vmacs(SIDES.halo.lb);
    expect(layout).toEqual(vmacs(SIDES.keepalived.lb));
    expect(layout).toEqual([{ name: 'vrrp.58', mac: '00:00:5e:00:01:3a', mode: 'private', parent: 'eth0', up: true, addrs: ['192.168.86.202'] }]);
    expect(topo.addresses(SIDES.halo.lb, 'eth0')).toEqual(topo.addresses(SIDES.keepalived.lb, 'eth0'));
    const nft = (host: string) => topo.exec(host, ['nft', 'list', 'ruleset']).replace(/ # handle \d+/g, '');
    expect(nft(SIDES.halo.lb)).toEqual(nft(SIDES.keepalived.lb));
    const eth0Mac = (side: Side) => (JSON.parse(topo.exec(SIDES[side].lb, ['ip', '-j', 'link', 'show', 'eth0'])) as Array<{ address: string }>)[0].address;
    for (const side of BOTH) {
      const client = SIDES[side].client;
      const seen = { vmacVip: await arpAnswer(topo, client, '192.168.86.202'), plainVip: await arpAnswer(topo, client, '192.168.86.203') };
      expect({ side, ...seen }).toEqual({ side, vmacVip: '00:00:5e:00:01:3a', plainVip: eth0Mac(side) });
    }
    for (const side of BOTH) {
      running[side].signal('SIGTERM');
      await running[side].exited;
    }
    for (const side of BOTH) expect(vmacs(SIDES[side].lb)).toEqual([]);
  });
});
