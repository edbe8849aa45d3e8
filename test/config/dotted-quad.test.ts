/**
 * BuildContext.addressWord's fast path (isCanonicalDottedQuad) against the ipaddr.js path it
 * short-cuts: it must take exactly the strings ipaddr.js accepts as four decimal parts and
 * prints back unchanged, so every address reads the same either way.
 */
import ipaddr from 'ipaddr.js';
import { isCanonicalDottedQuad } from '../../src/config/context';

function slowPath(v: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(v) && ipaddr.IPv4.parse(v).toString() === v;
}

describe('isCanonicalDottedQuad = ipaddr.js four-part decimal, printed back unchanged', () => {
  it('on the edge cases', () => {
    const cases = [
      '0.0.0.0', '255.255.255.255', '1.2.3.4', '10.0.0.1', '192.168.100.200', '256.1.1.1', '1.2.3.256', '01.2.3.4', '1.2.3.04',
      '1.2.3', '1.2.3.4.5', '1.2.3.4.', '.1.2.3.4', '1..2.3', '1.2.3.4 ', ' 1.2.3.4', '0x1.2.3.4', '1.2.3.0x4', '1e2.2.3.4',
      '1000.2.3.4', '00.0.0.0', '0.0.0.00', '', '1.2.3.-4', '+1.2.3.4', '1.2.3.4/32', '::1', '::ffff:1.2.3.4', '१.2.3.4',
    ];
    for (const v of cases) expect({ v, fast: isCanonicalDottedQuad(v) }).toEqual({ v, fast: slowPath(v) });
    expect(cases.filter(isCanonicalDottedQuad)).toEqual(['0.0.0.0', '255.255.255.255', '1.2.3.4', '10.0.0.1', '192.168.100.200']);
  });

  it('on 50,000 seeded random strings of digits and dots', () => {
    let seed = 15;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const alphabet = '0123456789.....x';
    let accepted = 0;
    for (let k = 0; k < 50_000; k++) {
      const len = 6 + rand(11);
      let v = '';
      for (let j = 0; j < len; j++) v += alphabet[rand(alphabet.length)];
      if (k % 2 === 0) v = [rand(300), rand(300), rand(300), rand(300)].map((p) => (rand(10) === 0 ? `0${p}` : `${p}`)).join('.');
      const fast = isCanonicalDottedQuad(v);
      if (fast !== slowPath(v)) throw new Error(`${JSON.stringify(v)}: fast ${fast}, ipaddr.js ${!fast}`);
      if (fast) accepted++;
    }
    // both sides of the question were asked
    expect(accepted).toBeGreaterThan(1000);
    expect(accepted).toBeLessThan(50_000);
  });
});
