/**
 * The address manager against the real kernel, checked with `ip -j addr` (iproute2), not with
 * our own listing.
 */
import { Agent } from './support/agent-client';
import { ADDR_A, IF, Pair, createPair, ipIn, ipJson } from './support/netns';
import { describeNeeding, root } from '../support/prerequisites';
import type { VipSpec } from '../../src/net/addresses';

const vip = (address: string, more: Partial<VipSpec> = {}): VipSpec => ({
  address,
  family: address.includes(':') ? 6 : 4,
  prefixLen: address.includes(':') ? 128 : 32,
  broadcast: null,
  dev: IF,
  scope: 'global',
  label: null,
  ...more,
});

interface IpAddrInfo {
  local: string;
  prefixlen: number;
  label?: string;
  scope: string;
  broadcast?: string;
  secondary?: boolean;
  dadfailed?: boolean;
  tentative?: boolean;
  nodad?: boolean;
}

const d = describeNeeding(root);

d('address manager (netns)', () => {
  let pair: Pair;
  let a: Agent;
  const kernel = (): IpAddrInfo[] => ipJson(pair.a, 'addr', 'show', 'dev', IF)[0].addr_info;
  const find = (local: string) => kernel().find((x) => x.local === local);

  beforeAll(async () => {
    pair = createPair('addr');
    a = await Agent.start(pair.a);
  }, 30000);

  afterAll(async () => {
    await a?.stop();
    pair?.cleanup();
  });

  it('adds a VIP with prefix, label and broadcast, as `ip addr` shows it', async () => {
    const v = vip('192.0.2.200', { prefixLen: 24, label: 'hnet0:vip', broadcast: '192.0.2.255' });
    expect(await a.call('addr.add', v)).toEqual({ ok: true, value: true });
    expect(find('192.0.2.200')).toMatchObject({
      prefixlen: 24,
      label: 'hnet0:vip',
      broadcast: '192.0.2.255',
      scope: 'global',
      secondary: true, // same subnet as the interface's own 192.0.2.1/24
    });
  });

  it('adds a VIP with a scope (its own /32, so the scope need not match the primary)', async () => {
    expect(await a.call('addr.add', vip('203.0.113.5', { scope: 'link' }))).toEqual({ ok: true, value: true });
    expect(find('203.0.113.5')).toMatchObject({ prefixlen: 32, scope: 'link' });
    expect(await a.call('addr.add', vip('203.0.113.6', { scope: 'host' }))).toEqual({ ok: true, value: true });
    expect(find('203.0.113.6')).toMatchObject({ scope: 'host' });
  });

  it('a secondary with another scope than its primary is refused by the kernel: EINVAL, as a value', async () => {
    const r = await a.call('addr.add', vip('192.0.2.202', { prefixLen: 24, scope: 'link' }));
    expect(r).toEqual({ ok: false, error: expect.objectContaining({ message: 'EINVAL adding 192.0.2.202/24 to hnet0' }) });
  });

  it('add is idempotent: EEXIST is "already so" (changed = false), the address stays once', async () => {
    const v = vip('192.0.2.201');
    expect(await a.call('addr.add', v)).toEqual({ ok: true, value: true });
    expect(await a.call('addr.add', v)).toEqual({ ok: true, value: false });
    expect(kernel().filter((x) => x.local === '192.0.2.201')).toHaveLength(1);
  });

  it('remove is idempotent: EADDRNOTAVAIL is "already so"', async () => {
    const v = vip('192.0.2.201');
    expect(await a.call('addr.remove', v)).toEqual({ ok: true, value: true });
    expect(find('192.0.2.201')).toBeUndefined();
    expect(await a.call('addr.remove', v)).toEqual({ ok: true, value: false });
  });

  it('IPv6 VIPs are added without DAD (usable at once) and removed', async () => {
    const v = vip('2001:db8::200');
    expect(await a.call('addr.add', v)).toEqual({ ok: true, value: true });
    const got = find('2001:db8::200');
    expect(got).toMatchObject({ prefixlen: 128, scope: 'global' });
    expect(got?.tentative).toBeUndefined();
    expect(await a.call('addr.add', v)).toEqual({ ok: true, value: false });
    expect(await a.call('addr.remove', v)).toEqual({ ok: true, value: true });
    expect(find('2001:db8::200')).toBeUndefined();
  });

  it('lists the interface addresses with flags, as the kernel has them', async () => {
    const r = await a.call('addr.list', IF);
    expect(r.ok).toBe(true);
    const own = r.value.find((x: any) => x.address === ADDR_A);
    expect(own).toMatchObject({ family: 4, prefixLen: 24, dev: IF, secondary: false, label: IF, broadcast: null });
    expect(r.value.find((x: any) => x.address === '192.0.2.200')).toMatchObject({ secondary: true, scope: 0, label: 'hnet0:vip', broadcast: '192.0.2.255' });
    expect(r.value.find((x: any) => x.address === '203.0.113.5')).toMatchObject({ secondary: false, scope: 253, prefixLen: 32 });
  });

  it('primary IPv4 is the first non-secondary address of the widest scope, skipping our own VIPs', async () => {
    // A /32 VIP is its own subnet, so the kernel does not mark it secondary.
    await a.call('addr.add', vip('198.51.100.7'));
    expect(find('198.51.100.7')?.secondary).toBeUndefined();
    expect(await a.call('addr.primary', IF)).toEqual({ ok: true, value: ADDR_A });
    // The kernel lists the host- and link-scope /32 VIPs before 192.0.2.1; they are not primary.
    const order = kernel().filter((x) => !x.secondary && !x.local.includes(':')).map((x) => x.local);
    expect(order.indexOf('203.0.113.6')).toBeLessThan(order.indexOf(ADDR_A));
    expect(await a.call('addr.primary', IF, [ADDR_A])).toEqual({ ok: true, value: '198.51.100.7' });
    expect(await a.call('addr.primary', IF, [ADDR_A, '198.51.100.7'])).toEqual({ ok: true, value: '203.0.113.5' });
    expect(await a.call('addr.primary', IF, [ADDR_A, '198.51.100.7', '203.0.113.5', '203.0.113.6'])).toEqual({ ok: true, value: null });
    expect(await a.call('addr.primary', 'lo')).toEqual({ ok: true, value: '127.0.0.1' });
    await a.call('addr.remove', vip('198.51.100.7'));
  });

  it('removeResidual deletes the VIPs a crashed run left behind, and only those', async () => {
    ipIn(pair.a, 'addr', 'add', '192.0.2.210/32', 'dev', IF);
    ipIn(pair.a, 'addr', 'add', '2001:db8::210/128', 'dev', IF, 'nodad');
    ipIn(pair.a, 'addr', 'add', '192.0.2.211/32', 'dev', IF); // not in the config: must stay
    const config = [vip('192.0.2.210'), vip('2001:db8::210'), vip('192.0.2.212'), vip('192.0.2.213', { dev: 'gone0' })];
    const r = await a.call('addr.removeResidual', config);
    expect(r.errors).toEqual([]);
    expect(r.removed.map((x: VipSpec) => x.address)).toEqual(['192.0.2.210', '2001:db8::210']);
    expect(find('192.0.2.210')).toBeUndefined();
    expect(find('2001:db8::210')).toBeUndefined();
    expect(find('192.0.2.211')).toBeDefined();
    expect(find(ADDR_A)).toBeDefined();
  });

  it('overlapping calls are serialised on the socket (a second dump would get EBUSY)', async () => {
    const vips = Array.from({ length: 12 }, (_, i) => vip(`192.0.2.${230 + i}`));
    const added = await Promise.all(vips.map((v) => a.call('addr.add', v)));
    expect(added).toEqual(vips.map(() => ({ ok: true, value: true })));
    expect(kernel().filter((x) => x.local.startsWith('192.0.2.23') || x.local.startsWith('192.0.2.24'))).toHaveLength(12);
    const removed = await Promise.all(vips.map((v) => a.call('addr.remove', v)));
    expect(removed).toEqual(vips.map(() => ({ ok: true, value: true })));
  });

  it('other kernel errors are values naming the errno and the operation', async () => {
    expect(await a.call('addr.add', vip('192.0.2.220', { dev: 'gone0' }))).toEqual({
      ok: false,
      error: expect.objectContaining({ message: 'ENODEV adding 192.0.2.220/32 to gone0', code: 'ENODEV' }),
    });
    const bad = await a.call('addr.add', vip('192.0.2.220', { prefixLen: 33 }));
    expect(bad.ok).toBe(false);
    expect(bad.error.message).toBe('EINVAL adding 192.0.2.220/33 to hnet0');
    expect(find('192.0.2.220')).toBeUndefined();
    const brd = await a.call('addr.add', vip('192.0.2.221', { broadcast: '+' }));
    expect(brd.error.message).toBe('EINVAL adding 192.0.2.221/32 to hnet0: broadcast + is not an IPv4 address');
    const fam = await a.call('addr.add', vip('192.0.2.222', { family: 6 }));
    expect(fam.error.message).toBe('EINVAL adding 192.0.2.222/32 to hnet0: 192.0.2.222 is not an IPv6 address');
  });

  // The netlink package's request timeout was a setTimeout: after a stall the timers phase runs
  // before the poll phase, so it fired with the reply already in the socket, and the next dump
  // got EBUSY. A stall longer than the 5 s timeout while a request is outstanding:
  it('a request outstanding through a 6 s stall of the loop uses its reply; the next requests work', async () => {
    const v = vip('192.0.2.225');
    expect(await a.call('addr.blocked', 'add', v, 6000)).toEqual({ ok: true, value: true });
    expect(find('192.0.2.225')).toBeDefined();
    expect(await a.call('addr.blocked', 'remove', v, 6000)).toEqual({ ok: true, value: true });
    expect(find('192.0.2.225')).toBeUndefined();
    // dumps (the link table, then the addresses) stalled half way, then the next requests
    const listed = await a.call('addr.blocked', 'list', IF, 6000);
    expect(listed.ok).toBe(true);
    expect(listed.value.map((x: { address: string }) => x.address)).toContain(ADDR_A);
    expect(await a.call('addr.add', v)).toEqual({ ok: true, value: true });
    expect((await a.call('addr.list', IF)).value.map((x: { address: string }) => x.address)).toContain('192.0.2.225');
    expect(await a.call('addr.remove', v)).toEqual({ ok: true, value: true });
  }, 60000);

  // An add or delete uses the interface index of the last link dump (one request on takeover);
  // an interface deleted and made again has a new index: the stale one meets ENODEV and the
  // operation is retried on a fresh dump.
  it('an interface recreated with a new index still gets its VIPs (stale cached index)', async () => {
    ipIn(pair.a, 'link', 'add', 'hre0', 'type', 'veth', 'peer', 'name', 'hre1');
    const v = vip('198.51.100.77', { dev: 'hre0' });
    expect(await a.call('addr.add', v)).toEqual({ ok: true, value: true });
    ipIn(pair.a, 'link', 'del', 'hre0');
    ipIn(pair.a, 'link', 'add', 'hre0', 'type', 'veth', 'peer', 'name', 'hre1');
    expect(await a.call('addr.add', v)).toEqual({ ok: true, value: true });
    expect(ipJson(pair.a, 'addr', 'show', 'dev', 'hre0')[0].addr_info.map((x: IpAddrInfo) => x.local)).toContain('198.51.100.77');
    expect(await a.call('addr.remove', v)).toEqual({ ok: true, value: true });
    ipIn(pair.a, 'link', 'del', 'hre0');
  });
});
