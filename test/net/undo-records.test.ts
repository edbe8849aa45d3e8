/**
 * What the worker's parts record for the supervisor to undo should the worker die, and forget
 * when they take the thing away themselves: VmacSysctls (a parent's arp_ignore/arp_filter and
 * rp_filter, with the old values) and NftFirewall (each table, with its delete batch). Fakes
 * stand for /proc/sys and nft here; the real replay is crash-cleanup.netns.test.ts.
 */
import { VmacSysctls, type Sysctl } from '../../src/net/vmac';
import { NftFirewall, type NftRunner } from '../../src/net/nft-firewall';
import { ok } from '../../src/net/errors';
import { nftDeleteTableBatch, type UndoEntry, type UndoLog } from '../../src/net/undo-requests';

function recorder(): UndoLog & { now: Map<string, UndoEntry> } {
  const now = new Map<string, UndoEntry>();
  return { now, record: (k, e) => void now.set(k, e), forget: (k) => void now.delete(k) };
}

function fakeSysctl(values: Record<string, number>): Sysctl {
  return {
    get: (p) => values[p] ?? null,
    set: (p, v) => void (values[p] = v),
    interfaces: () => ['eth0', 'vrrp.1'],
  };
}

describe('undo records', () => {
  it('VmacSysctls: the parent and rp_filter values changed are recorded with their old values, and forgotten when restored', () => {
    const values: Record<string, number> = {
      'net/ipv4/conf/all/rp_filter': 1, 'net/ipv4/conf/default/rp_filter': 0, 'net/ipv4/conf/eth0/rp_filter': 1,
      'net/ipv4/conf/eth0/arp_ignore': 0, 'net/ipv4/conf/eth0/arp_filter': 1,
    };
    const undo = recorder();
    const s = new VmacSysctls(fakeSysctl(values), undo);
    s.apply('vrrp.1', 'eth0');
    s.apply('vrrp.2', 'eth0');
    expect(Object.fromEntries(undo.now)).toEqual({
      'sysctl net/ipv4/conf/all/rp_filter': { kind: 'sysctl', path: 'net/ipv4/conf/all/rp_filter', value: 1 },
      'sysctl net/ipv4/conf/default/rp_filter': { kind: 'sysctl', path: 'net/ipv4/conf/default/rp_filter', value: 0 },
      // arp_filter was 1 already: nothing changed, nothing to undo
      'sysctl net/ipv4/conf/eth0/arp_ignore': { kind: 'sysctl', path: 'net/ipv4/conf/eth0/arp_ignore', value: 0 },
    });
    s.release('eth0');
    expect(undo.now.size).toBe(3);
    s.release('eth0');
    expect(undo.now.size).toBe(0);
    expect(values['net/ipv4/conf/eth0/arp_ignore']).toBe(0);
    expect(values['net/ipv4/conf/all/rp_filter']).toBe(1);
  });

  it('NftFirewall: a table made is recorded with its delete batch; deleted at close, forgotten', async () => {
    const run: NftRunner = async (args) => ok(args[0] === '-j' ? '{"nftables": []}' : '');
    const undo = recorder();
    const fw = new NftFirewall({ table: 'keepalived', priority: -1, ifindex: false, counters: false }, { info: () => undefined, warning: () => undefined }, run, undo);
    expect((await fw.add('VI_1', [{ address: '10.0.0.1', family: 4, dev: 'eth0', byName: false }])).ok).toBe(true);
    expect([...undo.now.keys()]).toEqual(['nftables table ip keepalived']);
    expect(undo.now.get('nftables table ip keepalived')).toEqual({ kind: 'netlink', protocol: 12, datagram: nftDeleteTableBatch('ip', 'keepalived') });
    expect((await fw.add('VI_2', [{ address: 'fd00::1', family: 6, dev: 'eth0', byName: false }])).ok).toBe(true);
    expect([...undo.now.keys()].sort()).toEqual(['nftables table ip keepalived', 'nftables table ip6 keepalived']);
    expect((await fw.close()).ok).toBe(true);
    expect(undo.now.size).toBe(0);
  });
});
