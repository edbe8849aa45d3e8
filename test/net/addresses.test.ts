import { firstPrimaryIPv4, InterfaceAddress, scopeNumber, vipText } from '../../src/net/addresses';

const addr = (address: string, more: Partial<InterfaceAddress> = {}): InterfaceAddress => ({
  address,
  family: address.includes(':') ? 6 : 4,
  prefixLen: 24,
  dev: 'eth0',
  index: 2,
  scope: 0,
  label: 'eth0',
  broadcast: null,
  secondary: false,
  ...more,
});

describe('primary IPv4 choice (pure)', () => {
  it('takes the first non-secondary IPv4 of the widest scope, in kernel order', () => {
    const list = [
      addr('fe80::1', { scope: 253 }),
      addr('10.9.9.9', { prefixLen: 32, scope: 254 }), // host-scope /32 VIP: listed first by the kernel
      addr('10.8.8.8', { prefixLen: 32, scope: 253 }),
      addr('192.168.1.10'),
      addr('192.168.1.200', { secondary: true }),
      addr('172.16.0.1'),
    ];
    expect(firstPrimaryIPv4(list)).toBe('192.168.1.10');
    expect(firstPrimaryIPv4(list, ['192.168.1.10'])).toBe('172.16.0.1');
    expect(firstPrimaryIPv4(list, ['192.168.1.10', '172.16.0.1'])).toBe('10.8.8.8');
    expect(firstPrimaryIPv4([addr('2001:db8::1')])).toBeNull();
    expect(firstPrimaryIPv4([addr('192.168.1.200', { secondary: true })])).toBeNull();
  });
});

describe('VIP vocabulary', () => {
  it('maps keepalived scope names to RT_SCOPE numbers', () => {
    expect(['global', 'site', 'link', 'host', 'nowhere', 42].map((s) => scopeNumber(s as never))).toEqual([0, 200, 253, 254, 255, 42]);
  });
  it('writes a VIP as address/prefix', () => {
    expect(vipText({ address: '192.168.1.200', prefixLen: 32 })).toBe('192.168.1.200/32');
  });
});
