/**
 * /proc/net/ip_vs read as the listing reads it, on text laid out by the kernel's
 * ip_vs_info_seq_show formats (6.1). That the kernel's own text gives what the dumps give is
 * checked in listing.vm.test.ts.
 */
import { parseProcTable, procServiceName, takeDestinations } from '../../src/ipvs/proc-table';
import type { IpvsService, IpvsServiceKey } from '../../src/ipvs/types';

const TEXT = [
  'IP Virtual Server version 1.2.1 (size=4096)',
  'Prot LocalAddress:Port Scheduler Flags',
  '  -> RemoteAddress:Port Forward Weight ActiveConn InActConn',
  // "%s  %08X:%04X %s %s " then "persistent %d %08X\n" or "\n"
  'TCP  0A640001:0050 rr ',
  '  -> 0AC80002:1F90      Masq    1      0          3         ',
  '  -> 0AC80001:0050      Route   -1     4294967295 0         ',
  'UDP  0A030004:0035 rr ops persistent 60 FFFFFFFF',
  // "%s  [%pI6]:%04X %s "
  'TCP  [2001:0db8:0000:0000:0000:0000:0000:0001]:0050 wlc persistent 120 00000040',
  '  -> [2001:0db8:0002:0000:0000:0000:0000:0002]:0050      Tunnel  3      0          0         ',
  '  -> 0ACE0002:0050      Local   0      0          0         ',
  // "FWM  %08X %s %s"
  'FWM  00000003 rr ',
  '  -> [2001:0db8:0001:0000:0000:0000:0000:0001]:0000      Route   1      0          0         ',
  'FWM  00000001 wlc ',
  '  -> 0ACD0001:0000      Route   5      0          0         ',
  'FWM  00000001 rr ',
  '  -> [2001:0db8:0001:0000:0000:0000:0000:0009]:0000      Route   4      0          0         ',
  '',
].join('\n');

test('every service by name, its destinations in the kernel order, counts unsigned', () => {
  const t = parseProcTable(TEXT);
  expect([...t.keys()]).toEqual(['TCP 10.100.0.1 80', 'UDP 10.3.0.4 53', 'TCP 2001:db8::1 80', 'FWM 3', 'FWM 1']);
  expect(t.get('TCP 10.100.0.1 80')).toEqual([
    { af: 4, address: '10.200.0.2', port: 8080, forward: 'masq', weight: 1, upperThreshold: 0, lowerThreshold: 0, activeConns: 0, inactiveConns: 3 },
    { af: 4, address: '10.200.0.1', port: 80, forward: 'route', weight: -1, upperThreshold: 0, lowerThreshold: 0, activeConns: 4294967295, inactiveConns: 0 },
  ]);
  expect(t.get('UDP 10.3.0.4 53')).toEqual([]);
  expect(t.get('TCP 2001:db8::1 80')!.map((d) => [d.af, d.address, d.port, d.forward, d.weight])).toEqual([
    [6, '2001:db8:2::2', 80, 'tunnel', 3],
    [4, '10.206.0.2', 80, 'local', 0],
  ]);
  expect(t.get('FWM 3')!.map((d) => d.address)).toEqual(['2001:db8:1::1']);
});

test('a mark two services share names neither', () => {
  const t = parseProcTable(TEXT);
  expect(t.has('FWM 1')).toBe(true);
  expect(t.get('FWM 1')).toBeUndefined();
});

test('names of service keys match the names of the text', () => {
  expect(procServiceName({ af: 4, protocol: 6, address: '10.100.0.1', port: 80 })).toBe('TCP 10.100.0.1 80');
  expect(procServiceName({ af: 6, protocol: 132, address: '2001:db8::1', port: 0 })).toBe('SCTP 2001:db8::1 0');
  expect(procServiceName({ af: 6, fwmark: 3 })).toBe('FWM 3');
});

test('a line it cannot read is an error with its place', () => {
  expect(() => parseProcTable(TEXT.replace('Masq', 'Bypass'))).toThrow('/proc/net/ip_vs line 5: unexpected destination line');
  expect(() => parseProcTable(TEXT.replace('0A030004:0035', '10.3.0.4:53'))).toThrow('/proc/net/ip_vs line 7: unreadable address 10.3.0.4:53');
  expect(() => parseProcTable(['a', 'b', 'c', '  -> 0ACD0001:0000      Route   5      0          0'].join('\n'))).toThrow('line 4: unexpected destination line');
});

const service = (key: IpvsServiceKey): IpvsService => ({ key, scheduler: 'rr', flags: 0, timeout: 0, netmask: 0xffffffff, destinations: [] });

test('services the text names alone take its destinations; the rest are left to dump', () => {
  const services = [
    service({ af: 4, protocol: 6, address: '10.100.0.1', port: 80 }),
    service({ af: 4, fwmark: 1 }),
    service({ af: 6, fwmark: 1 }),
    service({ af: 4, protocol: 6, address: '10.100.0.9', port: 80 }), // added after the read
    service({ af: 6, fwmark: 3 }),
  ];
  const left = takeDestinations(services, TEXT);
  expect(left.map((s) => s.key)).toEqual([{ af: 4, fwmark: 1 }, { af: 6, fwmark: 1 }, { af: 4, protocol: 6, address: '10.100.0.9', port: 80 }]);
  expect(services[0].destinations.map((d) => d.address)).toEqual(['10.200.0.2', '10.200.0.1']);
  expect(services[4].destinations.map((d) => d.address)).toEqual(['2001:db8:1::1']);
  expect(left.every((s) => s.destinations.length === 0)).toBe(true);
});

test('one service of a mark takes the destinations even when the text holds the mark once', () => {
  const [v6] = [service({ af: 6, fwmark: 3 })];
  expect(takeDestinations([v6], TEXT)).toEqual([]);
  // two services of one mark are dumped, whatever the text holds
  const two = [service({ af: 4, fwmark: 3 }), service({ af: 6, fwmark: 3 })];
  expect(takeDestinations(two, TEXT)).toEqual(two);
});

test('no text, or a text it cannot read: every service is dumped', () => {
  const services = [service({ af: 4, protocol: 6, address: '10.100.0.1', port: 80 })];
  expect(takeDestinations(services, undefined)).toEqual(services);
  expect(takeDestinations(services, TEXT.replace('Masq', 'Bypass'))).toEqual(services);
  expect(services[0].destinations).toEqual([]);
});
