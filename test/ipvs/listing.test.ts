/**
 * The ipvsadm listing formatter, pure: column widths, number scaling, sched flags, persistence,
 * fwmark, and ipvsadm's sort order (including its int-overflow address comparison).
 * The byte-for-byte comparison with the real ipvsadm is in listing.vm.test.ts.
 */
import { formatListing, formatOneService, glibcMergeSort, largenum, sortServices } from '../../src/ipvs/listing';
import { IpvsService } from '../../src/ipvs/types';

const fmt = { numeric: true, stats: false, rate: false, exact: false };
const info = { version: 0x010201, connTableSize: 4096 };
const svc = (address: string, extra: Partial<IpvsService> = {}): IpvsService => ({
  key: { af: 4, protocol: 6, address, port: 80 },
  scheduler: 'rr',
  flags: 0,
  timeout: 0,
  netmask: 0xffffffff,
  destinations: [],
  ...extra,
});

test('header, title and a NAT destination line as ipvsadm prints them', () => {
  const s = svc('10.0.0.1', {
    destinations: [{ af: 4, address: '10.0.1.2', port: 80, forward: 'masq', weight: 1, upperThreshold: 0, lowerThreshold: 0, activeConns: 0, inactiveConns: 0 }],
  });
  expect(formatListing(info, [s], fmt)).toBe(
    'IP Virtual Server version 1.2.1 (size=4096)\n' +
      'Prot LocalAddress:Port Scheduler Flags\n' +
      '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n' +
      'TCP  10.0.0.1:80 rr\n' +
      '  -> 10.0.1.2:80                  Masq    1      0          0         \n',
  );
});

test('scheduler flags, persistence with mask, ops; fwmark printed with %d', () => {
  const sh = svc('10.0.0.2', { scheduler: 'sh', flags: 0x8 | 0x10 | 0x1, timeout: 300, netmask: 0xffffff00 });
  expect(formatOneService(sh, fmt).split('\n')[2]).toBe('TCP  10.0.0.2:80 sh (sh-fallback,sh-port) persistent 300 mask 255.255.255.0');
  const ops = { ...svc('10.0.0.3'), key: { af: 4 as const, protocol: 17 as const, address: '10.0.0.3', port: 53 }, flags: 0x4 };
  expect(formatOneService(ops, fmt).split('\n')[2]).toBe('UDP  10.0.0.3:53 rr ops');
  const fw = { ...svc('0.0.0.0'), key: { af: 4 as const, fwmark: 0xffffffff } };
  expect(formatOneService(fw, fmt).split('\n')[2]).toBe('FWM  -1 rr');
});

test('print_largenum scales at 10^8 and --exact widens', () => {
  expect(largenum(99999999n, false)).toBe(' 99999999');
  expect(largenum(100000000n, false)).toBe('  100000K');
  expect(largenum(123456789012n, false)).toBe('     123G');
  expect(largenum(123456789012n, true)).toBe(' 123456789012');
  expect(largenum(5n, true)).toBe('        5');
  expect(largenum(18446744073709551615n, true)).toBe(' 18446744073709551615');
  expect(largenum(18446744073709551615n, false)).toBe('18446744T');
  expect(largenum(123456789012345n, false)).toBe('     123T');
});

test('services sort as ipvsadm sorts them: addresses more than 2^31 apart compare by int overflow', () => {
  const order = sortServices([svc('200.0.0.1'), svc('10.0.0.1'), svc('1.0.0.1')]).map((s) => ('address' in s.key ? s.key.address : ''));
  // merge [200.0.0.1] with the sorted right half [1.0.0.1, 10.0.0.1]: (int)(0xc8000001 - 0x01000001)
  // is negative, so 200.0.0.1 comes first: the order real ipvsadm printed in listing.vm.test.ts
  expect(order).toEqual(['200.0.0.1', '1.0.0.1', '10.0.0.1']);
});

test('glibc merge sort keeps equal elements in input order', () => {
  const items = [3, 1, 2, 1, 3].map((v, i) => ({ v, i }));
  expect(glibcMergeSort(items, (a, b) => a.v - b.v).map((x) => x.i)).toEqual([1, 3, 2, 0, 4]);
});
