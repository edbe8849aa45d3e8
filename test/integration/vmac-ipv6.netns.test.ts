/**
 * use_vmac on an IPv6 instance beside Debian's keepalived 2.2.7 (netns): the same config on halo
 * and on keepalived, each alone on its own segment so each becomes MASTER. The layout must match:
 * the macvlan (private mode, 00:00:5e:00:02:VRID: RFC 9568 §7.3's IPv6 virtual MAC, on eth0, up,
 * no link-local address generation), its addresses (the IPv6 VIP; its link-local address, written
 * relative to eth0's, which differs between the two sides), the IPv6 and IPv4 sysctls on it; the
 * adverts leave with the virtual MAC, the Neighbor Advertisement for the VIP carries it, and a stop
 * removes the VMAC. The nftables entries for the VMAC are keepalived's too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directors, HALO, RunningDirector, waitFor } from '../support/directors';
import { neighborAdvert } from '../support/vmac-capture';
import { Topology } from '../support/netns';
import { describeNeeding, file, root, tool } from '../support/prerequisites';

jest.setTimeout(120_000);

const VMAC = '00:00:5e:00:02:33';
const VIP = '2001:db8:79::200';
let topo: Topology;
let dirs: Directors;
let tmp: string;

const SIDES = { halo: { lb: 'lbh', client: 'clh' }, keepalived: { lb: 'lbk', client: 'clk' } } as const;
type Side = keyof typeof SIDES;

const CONFIG = [
  'vrrp_instance VI_6 {', '    state BACKUP', '    interface eth0', '    virtual_router_id 51', '    priority 100', '    advert_int 1',
  '    use_vmac', '    virtual_ipaddress {', `        ${VIP}/64`, '    }', '}', '',
].join('\n');

const SYSCTLS6 = ['disable_ipv6', 'accept_ra', 'accept_dad', 'autoconf', 'forwarding'];
const SYSCTLS4 = ['arp_ignore', 'accept_local', 'rp_filter', 'promote_secondaries'];

function addrs6(host: string, dev: string): Array<{ local: string; prefixlen: number; scope: string; flags: string[] }> {
  const out = topo.exec(host, ['ip', '-6', '-j', 'addr', 'show', 'dev', dev], { allowFail: true });
  const links = (out.trim() ? JSON.parse(out) : []) as Array<{ addr_info: Array<Record<string, unknown>> }>;
  return (links[0]?.addr_info ?? []).map((a) => ({
    local: a.local as string, prefixlen: a.prefixlen as number, scope: a.scope as string,
    flags: ['nodad', 'noprefixroute', 'tentative', 'dadfailed'].filter((f) => a[f] === true),
  }));
}

/** What an operator would compare: the VMAC link, its addresses (eth0's link-local named as such), the sysctls. */
function layout(host: string): Record<string, unknown> {
  const links = JSON.parse(topo.exec(host, ['ip', '-d', '-j', 'link', 'show', 'vrrp.51'], { allowFail: true }) || '[]') as Array<Record<string, any>>;
  const l = links[0];
  const eth0LinkLocal = addrs6(host, 'eth0').find((a) => a.scope === 'link')?.local;
  const named = (a: { local: string }) => ({ ...a, local: a.local === eth0LinkLocal ? "eth0's link-local" : a.local });
  const sys: Record<string, string> = {};
  for (const p of SYSCTLS6) sys[`ipv6.vrrp.51.${p}`] = topo.exec(host, ['cat', `/proc/sys/net/ipv6/conf/vrrp.51/${p}`], { allowFail: true }).trim();
  for (const p of SYSCTLS4) sys[`ipv4.vrrp.51.${p}`] = topo.exec(host, ['cat', `/proc/sys/net/ipv4/conf/vrrp.51/${p}`], { allowFail: true }).trim();
  for (const p of ['arp_ignore', 'arp_filter']) sys[`ipv4.eth0.${p}`] = topo.exec(host, ['cat', `/proc/sys/net/ipv4/conf/eth0/${p}`], { allowFail: true }).trim();
  return {
    vmac: l ? { mac: l.address, kind: l.linkinfo?.info_kind, mode: l.linkinfo?.info_data?.mode, parent: l.link, up: (l.flags as string[]).includes('UP'), addrGenMode: l.addr_gen_mode ?? l.inet6_addr_gen_mode } : null,
    vmacAddrs: addrs6(host, 'vrrp.51').map(named),
    eth0Addrs: addrs6(host, 'eth0').map(named),
    sysctls: l ? sys : null,
  };
}

const built = file(HALO, 'the built CLI dist/cli/main.js (npm run build)');
const d = describeNeeding(root, built, tool('keepalived'), tool('tcpdump'));

d('use_vmac on an IPv6 instance beside keepalived 2.2.7 (netns)', () => {
  beforeAll(async () => {
    topo = new Topology('hv6-').build(['br0', 'br1'], [
      { name: 'lbh', links: [['br0', '192.168.79.11/24']] },
      { name: 'clh', links: [['br0', '192.168.79.100/24']] },
      { name: 'lbk', links: [['br1', '192.168.79.11/24']] },
      { name: 'clk', links: [['br1', '192.168.79.100/24']] },
    ]);
    for (const s of Object.values(SIDES)) {
      topo.exec(s.lb, ['ip', 'addr', 'add', '2001:db8:79::11/64', 'dev', 'eth0', 'nodad']);
      topo.exec(s.client, ['ip', 'addr', 'add', '2001:db8:79::100/64', 'dev', 'eth0', 'nodad']);
    }
    // the link-local addresses (adverts come from the director's) past duplicate address detection
    const ready = await waitFor(() => Object.values(SIDES).every((s) => [s.lb, s.client].every((h) => addrs6(h, 'eth0').some((a) => a.scope === 'link' && !a.flags.includes('tentative')))), 30_000, 100);
    if (!ready) throw new Error('no usable IPv6 link-local addresses on eth0');
  });
  afterAll(() => topo?.destroy());
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'halo-vmac6-'));
    dirs = new Directors(topo, tmp);
  });
  afterEach(async () => {
    await dirs.stopAll();
    for (const s of Object.values(SIDES)) {
      topo.exec(s.lb, ['ip', 'link', 'del', 'vrrp.51'], { allowFail: true });
      for (const p of ['arp_ignore', 'arp_filter']) topo.exec(s.lb, ['sysctl', '-qw', `net.ipv4.conf.eth0.${p}=0`], { allowFail: true });
      for (const fam of ['ip', 'ip6']) topo.exec(s.lb, ['nft', 'delete', 'table', fam, 'keepalived'], { allowFail: true });
    }
    rmSync(tmp, { recursive: true, force: true });
  });

  it('the same VMAC (00:00:5e:00:02:VRID), addresses, sysctls, adverts, Neighbor Advertisement and clean-up as keepalived', async () => {
    const before = { halo: layout(SIDES.halo.lb), keepalived: layout(SIDES.keepalived.lb) };
    expect(before.halo).toEqual(before.keepalived);
    const running: Record<Side, RunningDirector> = { halo: dirs.halo(SIDES.halo.lb, CONFIG), keepalived: dirs.keepalived(SIDES.keepalived.lb, CONFIG) };
    for (const side of ['halo', 'keepalived'] as Side[]) {
      const ok = await waitFor(() => addrs6(SIDES[side].lb, 'vrrp.51').some((a) => a.local === VIP), 60_000, 100);
      if (!ok) throw new Error(`${side} never put the VIP on vrrp.51:\n${JSON.stringify(layout(SIDES[side].lb))}\n${running[side].log()}`);
    }
    const halo = layout(SIDES.halo.lb);
    const keepalived = layout(SIDES.keepalived.lb);
    expect(halo).toEqual(keepalived);
    // what the layout is, so two equally broken ones cannot agree
    expect(halo).toMatchObject({ vmac: { mac: VMAC, kind: 'macvlan', mode: 'private', parent: 'eth0', up: true } });
    expect((halo.vmacAddrs as Array<{ local: string }>).map((a) => a.local)).toContain(VIP);
    // the nftables entries keepalived makes for an IPv6 VMAC (firewall_add_vmac)
    const nft = (host: string) => topo.exec(host, ['nft', 'list', 'ruleset']).replace(/ # handle \d+/g, '');
    expect(nft(SIDES.halo.lb)).toEqual(nft(SIDES.keepalived.lb));
    expect(nft(SIDES.halo.lb)).toContain('vrrp.51');
    const seen: Record<string, string> = {};
    for (const side of ['halo', 'keepalived'] as Side[]) {
      const p = topo.spawn(SIDES[side].client, ['tcpdump', '-c', '1', '-e', '-n', '-l', '-i', 'eth0', 'ip6 proto 112']);
      let out = '';
      p.stdout!.on('data', (c) => (out += c));
      await waitFor(() => p.exitCode !== null, 20_000, 50);
      if (p.exitCode === null) p.kill('SIGKILL');
      seen[`${side} advert from`] = /^\S+ ([0-9a-f:]{17}) >/m.exec(out)?.[1] ?? `none: ${out}`;
      seen[`${side} NA`] = await neighborAdvert(topo, SIDES[side].client, VIP);
    }
    expect(seen).toEqual({
      'halo advert from': VMAC, 'halo NA': `from ${VMAC} for ${VMAC}`,
      'keepalived advert from': VMAC, 'keepalived NA': `from ${VMAC} for ${VMAC}`,
    });
    for (const side of ['halo', 'keepalived'] as Side[]) {
      running[side].signal('SIGTERM');
      await running[side].exited;
    }
    const after = { halo: layout(SIDES.halo.lb), keepalived: layout(SIDES.keepalived.lb) };
    expect(after.halo).toMatchObject({ vmac: null, vmacAddrs: [] });
    expect(after.keepalived).toMatchObject({ vmac: null, vmacAddrs: [] });
  });
});
