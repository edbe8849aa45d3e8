/**
 * `brd` on a VIP or static address, as keepalived 2.2.7 reads it (vrrp_ipaddress.c
 * alloc_ipaddress): `brd +` / `brd -` are worked out from the address and prefix once the line
 * is read (host bits set / clear, prefix ≤ 30; longer: a warning and no broadcast), an explicit
 * one is kept, 0.0.0.0 is none; a broadcast on an IPv6 address or one that is not an IPv4
 * address skips the address. The model holds the result: the address manager, the log lines
 * (format_ipaddress) and KEEPALIVED-MIB read it as it is. The kernel side, beside keepalived:
 * test/integration/vip-broadcast.netns.test.ts.
 */
import { formatIpAddress } from '../../src/config/address-format';
import { derivedBroadcast } from '../../src/config/vrrp-values';
import { messages, model } from './helpers';

const conf = (vips: string, statics = '') =>
  `${statics ? `static_ipaddress {\n${statics}\n}\n` : ''}vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n${vips}\n }\n}\n`;

describe('brd on virtual and static addresses', () => {
  it.each([
    ['10.1.2.3/24 brd +', '10.1.2.255'],
    ['10.1.2.3/24 brd -', '10.1.2.0'],
    ['10.1.2.3/24 broadcast +', '10.1.2.255'],
    ['10.1.2.130/25 brd +', '10.1.2.255'],
    ['10.1.2.130/25 brd -', '10.1.2.128'],
    ['10.1.2.5/30 brd +', '10.1.2.7'],
    ['10.1.2.5/30 brd -', '10.1.2.4'],
    ['10.1.2.3/8 brd +', '10.255.255.255'],
    ['10.1.2.3/0 brd +', '255.255.255.255'],
    ['10.1.2.3/24 brd 10.1.2.127', '10.1.2.127'],
    ['10.1.2.3/32 brd 10.1.2.255', '10.1.2.255'],
    ['10.1.2.3/24', null],
    ['10.1.2.3/24 brd 0.0.0.0', null],
    ['0.0.0.5/8 brd -', null],
    // keepalived: the last +/- wins over an address, whatever the order, when the prefix allows
    ['10.1.2.3/24 brd 10.1.2.9 brd -', '10.1.2.0'],
    ['10.1.2.3/24 brd + brd 10.1.2.9', '10.1.2.255'],
  ])('%s: broadcast %s', (line, broadcast) => {
    const m = model(conf(`  ${line}`, ` ${line} dev eth1`));
    expect(m.vrrpInstances[0].virtualIpAddresses[0].broadcast).toBe(broadcast);
    expect(m.staticAddresses[0].broadcast).toBe(broadcast);
    expect(messages(conf(`  ${line}`))).toEqual([]);
  });

  it.each([
    ['10.1.2.3/31 brd +', '10.1.2.3/31', '5:19: warning: Address prefix length 31 too long for broadcast'],
    ['10.1.2.3/32 brd -', '10.1.2.3', '5:19: warning: Address prefix length 32 too long for broadcast'],
    ['10.1.2.3 brd +', '10.1.2.3', '5:16: warning: Address prefix length 32 too long for broadcast'],
  ])('%s: no broadcast, with keepalived\'s warning', (line, shown, warning) => {
    const m = model(conf(`  ${line}`));
    expect(m.vrrpInstances[0].virtualIpAddresses[0].broadcast).toBeNull();
    expect(formatIpAddress(m.vrrpInstances[0].virtualIpAddresses[0], false)).toBe(`${shown} dev eth0 scope global`);
    expect(messages(conf(`  ${line}`))).toEqual([warning]);
  });

  it('an explicit broadcast stays when +/- cannot be worked out (prefix > 30)', () => {
    const m = model(conf('  10.1.2.3/31 brd 10.1.2.9 brd +'));
    expect(m.vrrpInstances[0].virtualIpAddresses[0].broadcast).toBe('10.1.2.9');
  });

  it.each([
    ['fd00::1/64 brd +', "6:14: warning: VRRP is trying to assign a broadcast brd to the IPv6 address fd00::1/64 !!?? WTF... skipping VIP..."],
    ['10.1.2.3/24 brd 10.1.2', '6:19: warning: VRRP is trying to assign invalid broadcast 10.1.2. skipping VIP...'],
    ['10.1.2.3/24 brd fd00::ff', '6:19: warning: VRRP is trying to assign invalid broadcast fd00::ff. skipping VIP...'],
  ])('%s: the address is skipped, as keepalived does', (line, warning) => {
    const text = conf(`  10.1.2.1/24\n  ${line}`);
    const m = model(text);
    expect(m.vrrpInstances[0].virtualIpAddresses.map((v) => v.address)).toEqual(['10.1.2.1']);
    expect(messages(text)).toEqual([warning]);
  });

  it('a duplicate track_group ends the line, and +/- is still worked out', () => {
    const text = 'track_group TG1 {\n group {\n  VI_1\n }\n}\n' + conf('  10.0.0.1', ' 10.1.2.3/24 brd + dev eth1 track_group TG1 track_group TG2 label x');
    const a = model(text).staticAddresses[0];
    expect(a.broadcast).toBe('10.1.2.255');
    expect(a.label).toBeNull();
  });

  it('log lines show the worked-out broadcast (format_ipaddress)', () => {
    const m = model(conf('  10.1.2.3/24 brd - dev eth0 label eth0:1'));
    expect(formatIpAddress(m.vrrpInstances[0].virtualIpAddresses[0], true)).toBe('10.1.2.3/24 brd 10.1.2.0 dev eth0 scope global label eth0:1 set');
  });

  it('derivedBroadcast sets or clears the host bits', () => {
    expect(derivedBroadcast('192.168.77.200', 24, '+')).toBe('192.168.77.255');
    expect(derivedBroadcast('192.168.77.200', 24, '-')).toBe('192.168.77.0');
    expect(derivedBroadcast('255.255.255.255', 1, '-')).toBe('128.0.0.0');
    expect(derivedBroadcast('1.2.3.4', 0, '-')).toBe('0.0.0.0');
  });
});
