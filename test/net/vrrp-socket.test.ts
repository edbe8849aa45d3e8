import { headerDestination, ipMreqn } from '../../src/net/vrrp-socket';

describe('VRRP socket helpers (pure)', () => {
  it('struct ip_mreqn: group, any local address, ifindex in host order', () => {
    expect(ipMreqn('224.0.0.18', 3).toString('hex')).toBe('e0000012' + '00000000' + '03000000');
    expect(ipMreqn('0.0.0.0', 258).toString('hex')).toBe('00000000' + '00000000' + '02010000');
  });

  it('reads the destination from an IPv4 header, and says why a buffer is not one', () => {
    const h = Buffer.from('45c0002800010000ff70ccdec0a84d0be0000012', 'hex'); // keepalived's v2 advert header
    expect(headerDestination(h)).toBe('224.0.0.18');
    expect(headerDestination(h.subarray(0, 19))).toEqual({ reason: '19 bytes is shorter than an IPv4 header' });
    const v6 = Buffer.from(h);
    v6[0] = 0x60;
    expect(headerDestination(v6)).toEqual({ reason: 'IP version 6, not 4' });
  });
});
