import { formatThroughput, scalingVerdict, throughputRow } from '../../src/lab/ecmp-bench';

const ab = (rps: number, failed = 0) => ({ requestsPerSecond: rps, failed, complete: 1000, percentiles: {} });

describe('ECMP throughput report', () => {
  it('median of the rounds, failures summed', () => {
    expect(throughputRow('ecmp', 2, [ab(410.4), ab(380), ab(900, 2)], 8)).toEqual({
      topology: 'ecmp', directors: 2, requestsPerSecond: 410, failed: 2, complete: 3000, rounds: [410, 380, 900], inconclusive: null,
    });
  });

  it('a row is inconclusive when the directors and the client share fewer CPUs than they are', () => {
    expect(scalingVerdict(3, 4)).toBeNull();
    expect(scalingVerdict(3, 1)).toBe('3 director(s) and the client share 1 CPU(s): throughput cannot scale here');
    // the VRRP lab has one active director
    expect(throughputRow('vrrp', 1, [ab(500)], 2).inconclusive).toBeNull();
  });

  it('one report: VRRP beside ECMP N = 3, 2, 1, with the ratios to one ECMP director', () => {
    const rows = [throughputRow('vrrp', 1, [ab(500)], 1), throughputRow('ecmp', 3, [ab(900)], 1), throughputRow('ecmp', 2, [ab(600)], 1), throughputRow('ecmp', 1, [ab(300)], 1)];
    const text = formatThroughput(rows, 1000, 10);
    expect(text).toContain('vrrp      1          500');
    expect(text).toContain('ecmp 3 / ecmp 1: 3.00x');
    expect(text).toContain('ecmp 2 / ecmp 1: 2.00x');
    expect(text).toMatch(/ecmp\s+3\s+900.*INCONCLUSIVE \(3 director\(s\) and the client share 1 CPU\(s\)/);
    // beside the active/standby pair, marked when either row is inconclusive
    expect(text).toContain('ecmp 3 / vrrp active-standby: 1.80x (inconclusive)');
    expect(text).toContain('ecmp 1 / vrrp active-standby: 0.60x');
  });

  it('a row measured while the lab process was starved is inconclusive, with the lateness', () => {
    const r = throughputRow('ecmp', 1, [ab(300)], 8, 250);
    expect(r).toMatchObject({ labLagMs: 250, inconclusive: 'starved: the lab process ran 250 ms late' });
    expect(throughputRow('ecmp', 1, [ab(300)], 8, 40).inconclusive).toBeNull();
    const valid = [throughputRow('vrrp', 1, [ab(500)], 8, 10), throughputRow('ecmp', 1, [ab(450)], 8, 12)];
    expect(formatThroughput(valid, 1000, 10)).toContain('ecmp 1 / vrrp active-standby: 0.90x\n');
  });
});
