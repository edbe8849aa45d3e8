/**
 * use_vmac beside Debian's keepalived 2.2.7 (netns): the same config on halo and on keepalived,
 * each alone on its own segment so each becomes MASTER. The layout must match: the macvlan
 * (private mode, 00:00:5e:00:01:VRID, on eth0, up, no link-local address generation), the
 * sysctls on it and on eth0, the VIP on the VMAC; the adverts leave with the virtual MAC (with
 * vmac_xmit_base: with eth0's), ARP for the VIP answers with the virtual MAC, and a stop removes
 * the VMAC and gives eth0 its ARP settings back.
 */
import { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directors, HALO, RunningDirector, waitFor } from '../support/directors';
import { advertSourceMac, arpAnswer } from '../support/vmac-capture';
import { Topology } from '../support/netns';
import { describeNeeding, file, root, tool } from '../support/prerequisites';

jest.setTimeout(120_000);

const VMAC = '00:00:5e:00:01:33';
let topo: Topology;
let dirs: Directors;
let tmp: string;

// halo on segment A (br0), keepalived on segment B (br1): same addresses, same VRID, never meeting
const SIDES = { halo: { lb: 'lbh', client: 'clh' }, keepalived: { lb: 'lbk', client: 'clk' } } as const;
type Side = keyof typeof SIDES;

function config(xmitBase: boolean): string {
  return [
    'vrrp_instance VI_1 {', '    state BACKUP', '    interface eth0', '    virtual_router_id 51', '    priority 100', '    advert_int 1',
    '    use_vmac', ...(xmitBase ? ['    vmac_xmit_base'] : []),
    '    virtual_ipaddress {', '        192.168.79.200/24', '    }', '}', '',
  ].join('\n');
}

const SYSCTLS: Array<[string, string]> = [
  ['vrrp.51', 'arp_ignore'], ['vrrp.51', 'accept_local'], ['vrrp.51', 'rp_filter'], ['vrrp.51', 'promote_secondaries'],
  ['eth0', 'arp_ignore'], ['eth0', 'arp_filter'], ['all', 'rp_filter'],
];

/** What an operator would compare: the VMAC link, the sysctls, the addresses. */
function layout(host: string): Record<string, unknown> {
  const links = JSON.parse(topo.exec(host, ['ip', '-d', '-j', 'link', 'show', 'vrrp.51'], { allowFail: true }) || '[]') as Array<Record<string, any>>;
  const l = links[0];
  const sys: Record<string, string> = {};
  for (const [dev, p] of SYSCTLS) sys[`${dev}.${p}`] = topo.exec(host, ['cat', `/proc/sys/net/ipv4/conf/${dev}/${p}`], { allowFail: true }).trim();
  sys['vrrp.51.disable_ipv6'] = topo.exec(host, ['cat', '/proc/sys/net/ipv6/conf/vrrp.51/disable_ipv6'], { allowFail: true }).trim();
  return {
    vmac: l ? { mac: l.address, kind: l.linkinfo?.info_kind, mode: l.linkinfo?.info_data?.mode, parent: l.link, up: (l.flags as string[]).includes('UP'), addrGenMode: l.addr_gen_mode ?? l.inet6_addr_gen_mode } : null,
    sysctls: sys,
    vmacAddrs: topo.addresses(host, 'vrrp.51'),
    eth0Addrs: topo.addresses(host, 'eth0'),
  };
}

function start(side: Side, xmitBase: boolean): RunningDirector {
  return side === 'halo' ? dirs.halo(SIDES.halo.lb, config(xmitBase)) : dirs.keepalived(SIDES.keepalived.lb, config(xmitBase));
}

const built = file(HALO, 'the built CLI dist/cli/main.js (npm run build)');
const d = describeNeeding(root, built, tool('keepalived'), tool('tcpdump'));

d('use_vmac beside keepalived 2.2.7 (netns)', () => {
  beforeAll(() => {
    topo = new Topology('hvm-').build(['br0', 'br1'], [
      { name: 'lbh', links: [['br0', '192.168.79.11/24']] },
      { name: 'clh', links: [['br0', '192.168.79.100/24']] },
      { name: 'lbk', links: [['br1', '192.168.79.11/24']] },
      { name: 'clk', links: [['br1', '192.168.79.100/24']] },
    ]);
  });
  afterAll(() => topo.destroy());
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'halo-vmac-'));
    dirs = new Directors(topo, tmp);
  });
  afterEach(async () => {
    await dirs.stopAll();
    for (const s of Object.values(SIDES)) {
      topo.exec(s.lb, ['ip', 'link', 'del', 'vrrp.51'], { allowFail: true });
      // keepalived leaves these at 1 after it stops (below); the next test starts from the defaults
      for (const p of ['arp_ignore', 'arp_filter']) topo.exec(s.lb, ['sysctl', '-qw', `net.ipv4.conf.eth0.${p}=0`], { allowFail: true });
    }
    rmSync(tmp, { recursive: true, force: true });
  });

  it.each([false, true])('vmac_xmit_base %s: the same layout, adverts, ARP answer and clean-up as keepalived', async (xmitBase) => {
    const before = { halo: layout(SIDES.halo.lb), keepalived: layout(SIDES.keepalived.lb) };
    expect(before.halo).toEqual(before.keepalived);
    const running = { halo: start('halo', xmitBase), keepalived: start('keepalived', xmitBase) };
    for (const side of ['halo', 'keepalived'] as Side[]) {
      const ok = await waitFor(() => topo.addresses(SIDES[side].lb, 'vrrp.51').includes('192.168.79.200'), 60_000, 100);
      if (!ok) throw new Error(`${side} never put the VIP on vrrp.51:\n${JSON.stringify(layout(SIDES[side].lb))}\n${running[side].log()}`);
    }
    const halo = layout(SIDES.halo.lb);
    expect(halo).toEqual(layout(SIDES.keepalived.lb));
    // what the layout is, so two equally broken ones cannot agree
    expect(halo).toMatchObject({
      vmac: { mac: VMAC, kind: 'macvlan', mode: 'private', parent: 'eth0', up: true },
      sysctls: { 'vrrp.51.arp_ignore': '1', 'vrrp.51.accept_local': '1', 'vrrp.51.rp_filter': '0', 'vrrp.51.promote_secondaries': '1', 'eth0.arp_ignore': '1', 'eth0.arp_filter': '1' },
      vmacAddrs: ['192.168.79.200'],
      eth0Addrs: ['192.168.79.11'],
    });
    const eth0Mac = (side: Side) => (JSON.parse(topo.exec(SIDES[side].lb, ['ip', '-j', 'link', 'show', 'eth0'])) as Array<{ address: string }>)[0].address;
    const seen: Record<string, string> = {};
    const named = (side: Side, mac: string) => (mac === eth0Mac(side) ? 'eth0' : mac);
    for (const side of ['halo', 'keepalived'] as Side[]) {
      seen[`${side} advert from`] = named(side, await advertSourceMac(topo, SIDES[side].client));
      seen[`${side} ARP answer`] = named(side, await arpAnswer(topo, SIDES[side].client, '192.168.79.200'));
    }
    expect(seen).toEqual({
      'halo advert from': xmitBase ? 'eth0' : VMAC, 'halo ARP answer': VMAC,
      'keepalived advert from': xmitBase ? 'eth0' : VMAC, 'keepalived ARP answer': VMAC,
    });
    for (const side of ['halo', 'keepalived'] as Side[]) {
      running[side].signal('SIGTERM');
      await running[side].exited;
    }
    const after = { halo: layout(SIDES.halo.lb), keepalived: layout(SIDES.keepalived.lb) };
    // One known difference: keepalived 2.2.7 leaves eth0's arp_ignore/arp_filter at 1 after it
    // stops, though its code saves them to restore (reset_interface_parameters); halo restores them.
    const restored = (l: Record<string, unknown>) => ({ ...l, sysctls: { ...(l.sysctls as object), 'eth0.arp_ignore': 'restored', 'eth0.arp_filter': 'restored' } });
    expect(restored(after.halo)).toEqual(restored(after.keepalived));
    expect((after.keepalived.sysctls as Record<string, string>)['eth0.arp_filter']).toBe('1');
    expect(after.halo).toMatchObject({ vmac: null, vmacAddrs: [] });
    expect(after.halo).toEqual(before.halo);
  });

  it('after kill -9 the VMAC and its VIP stay; halo cleanup -f removes both', async () => {
    const h = start('halo', false);
    if (!(await waitFor(() => topo.addresses(SIDES.halo.lb, 'vrrp.51').includes('192.168.79.200'), 60_000, 100))) throw new Error(h.log());
    h.signal('SIGKILL');
    await h.exited;
    expect(layout(SIDES.halo.lb)).toMatchObject({ vmac: { mac: VMAC }, vmacAddrs: ['192.168.79.200'] });
    const out = topo.exec(SIDES.halo.lb, [process.execPath, HALO, 'cleanup', '-f', h.confFile]);
    // keepalived makes IGMP rules for every VMAC (nftables): a crash leaves them too
    expect(out).toBe('removed VIP 192.168.79.200/24 from vrrp.51\nremoved VMAC interface vrrp.51\nremoved nftables table ip keepalived\n');
    expect(layout(SIDES.halo.lb)).toMatchObject({ vmac: null, vmacAddrs: [] });
  });
});

d('use_vmac: two halo directors on one segment (netns)', () => {
  const VIP = '192.168.79.200';
  let topo2: Topology;
  let dirs2: Directors;
  let tmp2: string;
  const servers: ChildProcess[] = [];
  beforeAll(() => {
    topo2 = new Topology('hvm2-').build(['br0'], [
      { name: 'lb1', links: [['br0', '192.168.79.11/24']] },
      { name: 'lb2', links: [['br0', '192.168.79.12/24']] },
      { name: 'client', links: [['br0', '192.168.79.100/24']] },
    ]);
    tmp2 = mkdtempSync(join(tmpdir(), 'halo-vmac2-'));
    dirs2 = new Directors(topo2, tmp2);
  });
  afterAll(async () => {
    await dirs2.stopAll();
    for (const p of servers) p.kill('SIGKILL');
    topo2.destroy();
    rmSync(tmp2, { recursive: true, force: true });
  });

  /** Who answers a TCP connection to the VIP (each director serves its own name on VIP:80 once it holds it). */
  function whoAnswers(): string {
    const js = `const s = require('net').connect(80, '${VIP}'); let d = ''; s.on('data', (c) => (d += c)); s.on('end', () => { console.log(d); process.exit(0); }); s.on('error', (e) => { console.log('error ' + e.code); process.exit(0); }); setTimeout(() => { console.log('timeout'); process.exit(0); }, 3000);`;
    return topo2.exec('client', [process.execPath, '-e', js], { allowFail: true }).trim();
  }

  it('the MASTER answers for the VIP through the virtual MAC; after it stops, the other one does', async () => {
    const conf = (prio: number) => config(false).replace('priority 100', `priority ${prio}`);
    const lb1 = dirs2.halo('lb1', conf(150));
    dirs2.halo('lb2', conf(100));
    for (const lb of ['lb1', 'lb2']) {
      // answers once the VIP is here (freebind: the listener may start before it)
      const js = `const n = require('net'); const srv = n.createServer((s) => s.end('${lb}')); srv.listen({ port: 80, host: '${VIP}', ipv6Only: false }, () => undefined);`;
      topo2.exec(lb, ['sysctl', '-qw', 'net.ipv4.ip_nonlocal_bind=1']);
      servers.push(topo2.spawn(lb, [process.execPath, '-e', js]));
    }
    if (!(await waitFor(() => topo2.addresses('lb1', 'vrrp.51').includes(VIP) && topo2.addresses('lb2', 'vrrp.51').length === 0, 60_000, 100))) {
      throw new Error(`lb1 never sole holder: ${topo2.addresses('lb1', 'vrrp.51')} / ${topo2.addresses('lb2', 'vrrp.51')}\n${lb1.log()}`);
    }
    // the backup has its VMAC too (same MAC): the segment must still deliver the VIP's traffic to the master
    expect(topo2.exec('lb2', ['ip', '-j', 'link', 'show', 'vrrp.51'])).toContain(VMAC);
    if (!(await waitFor(() => whoAnswers() === 'lb1', 20_000, 500))) throw new Error(`lb1 does not answer: ${whoAnswers()}`);
    lb1.signal('SIGTERM');
    await lb1.exited;
    if (!(await waitFor(() => topo2.addresses('lb2', 'vrrp.51').includes(VIP), 30_000, 100))) throw new Error('lb2 never took over');
    if (!(await waitFor(() => whoAnswers() === 'lb2', 20_000, 500))) throw new Error(`lb2 does not answer: ${whoAnswers()}`);
  });
});
