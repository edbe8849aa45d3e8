import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchResult, formatBench, parseAb } from '../../src/lab/bench';

describe('seed 003 benchmark report', () => {
  const report = readFileSync(join(__dirname, 'fixtures', 'ab-report.txt'), 'utf8');

  it('reads requests/s, failures and every percentile from ApacheBench', () => {
    expect(parseAb(report)).toEqual({
      requestsPerSecond: 3898.41, failed: 0, complete: 200,
      percentiles: { 50: 2, 66: 3, 75: 3, 80: 3, 90: 5, 95: 5, 98: 6, 99: 6, 100: 6 },
    });
  });

  it('refuses a report that is not one', () => {
    expect(() => parseAb('apr_socket_recv: Connection refused (111)')).toThrow(/ab output without/);
  });

  it('prints seed 003\'s layout: percentiles down, balancers across', () => {
    const r = parseAb(report);
    const b: BenchResult = {
      requests: 200, concurrency: 10,
      rounds: { 'IPVS (halo)': [r], HAProxy: [r], nginx: [r] },
      median: { 'IPVS (halo)': r, HAProxy: r, nginx: r },
    };
    const lines = formatBench(b).split('\n');
    expect(lines[0]).toBe('ab -k -n 200 -c 10, median of 1 interleaved rounds');
    expect(lines[1]).toBe('served within (ms)     IPVS (halo)       HAProxy         nginx');
    expect(lines[2]).toBe('50%                              2             2             2');
    expect(lines[11]).toBe('Requests/s                  3898.4        3898.4        3898.4');
  });
});
