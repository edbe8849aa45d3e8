import { errnoName, netError } from '../../src/net/errors';

describe('errno names from the libraries halo uses', () => {
  it('netlink: plain Error whose message carries the name', () => {
    expect(errnoName(new Error('Request rejected: EEXIST'))).toBe('EEXIST');
  });
  it('Node / halo_native: .code', () => {
    expect(errnoName(Object.assign(new Error('boom'), { code: 'ENETDOWN' }))).toBe('ENETDOWN');
  });
  it('raw-socket: strerror text only', () => {
    expect(errnoName(new Error('Operation not permitted'))).toBe('EPERM');
    expect(errnoName(new Error('No such device'))).toBe('ENODEV');
    expect(errnoName(new Error('Cannot assign requested address'))).toBe('EADDRNOTAVAIL');
  });
  it('unknown text gives EUNKNOWN, never a guess', () => {
    expect(errnoName(new Error('something odd'))).toBe('EUNKNOWN');
  });
  it('NetError reads errno first, then the operation', () => {
    expect(netError(new Error('Request rejected: EPERM'), 'adding 192.168.1.200/32 to eth0').message).toBe(
      'EPERM adding 192.168.1.200/32 to eth0',
    );
  });
});
