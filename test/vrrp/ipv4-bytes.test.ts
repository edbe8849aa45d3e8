/**
 * ipv4Bytes/writeIpv4 parse canonical dotted quads themselves (the advert path) and hand
 * everything else to ipaddr.js: both ways must give ipaddr.js's answer.
 */
import * as ipaddr from 'ipaddr.js';
import { ipv4Bytes, writeIpv4 } from '../../src/vrrp/ipv4-header';

describe('ipv4Bytes / writeIpv4', () => {
  const inputs = ['0.0.0.0', '192.168.77.11', '224.0.0.18', '255.255.255.255', '10.0.0.1', '1.2.3.4', '010.1.1.1', '0x7f.0.0.1', '127.1', '1.2.3'];

  it.each(inputs)('%s: the same bytes as ipaddr.js', (a) => {
    const want = ipaddr.IPv4.parse(a).toByteArray();
    expect(ipv4Bytes(a)).toEqual(want);
    const b = Buffer.alloc(6);
    writeIpv4(b, 1, a);
    expect([...b.subarray(1, 5)]).toEqual(want);
  });

  it.each(['256.1.1.1', '1.2.3.4.5', 'a.b.c.d', '', '1..2.3', '1.2.3.4 '])('%j is refused as ipaddr.js refuses it', (a) => {
    expect(() => ipaddr.IPv4.parse(a)).toThrow();
    expect(() => ipv4Bytes(a)).toThrow();
    expect(() => writeIpv4(Buffer.alloc(4), 0, a)).toThrow();
  });
});
