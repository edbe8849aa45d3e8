/**
 * The ECMP drill's client (src/lab/ecmp-client.ts, the built dist/lab/ecmp-client.js) against a
 * real kernel: while the server's answers are blackholed for a moment, the new connections
 * started then would be answered only after the kernel sent their SYN again (1 s initial RTO).
 * The client abandons each attempt before that (its connect timeout) and records it as
 * "timeout" — a failure for "new connections fail ≤ 1.5 s", never an ok — so its failing
 * window is the loss window, and the client kernel sent no second SYN for any of them (nstat
 * TcpExtTCPSynRetrans), unless the client's own timer fired late.
 */
import { ChildProcess, execFile } from 'node:child_process';
import { resolve } from 'node:path';
import type { EcmpClientOptions, EcmpClientRecord } from '../../src/lab/ecmp-client';
import { outageMs } from '../../src/lab/ecmp-phase';
import { Topology, waitFor } from '../support/netns';
import { describeNeeding, file, root, tool } from '../support/prerequisites';

jest.setTimeout(60_000);

const CLIENT = resolve(__dirname, '..', '..', 'dist', 'lab', 'ecmp-client.js');
const SERVER = '10.79.0.2';
const CLIENT_ADDR = '10.79.0.3';

const d = describeNeeding(root, tool('ip', 'iproute2'), tool('nstat', 'iproute2'), file(CLIENT, 'the built client dist/lab/ecmp-client.js (npm run build)'));

d('ECMP drill client: a new connection not established before the SYN RTO is a failure (netns)', () => {
  let topo: Topology;
  let server: ChildProcess;

  beforeAll(async () => {
    topo = new Topology('ecc-').build(['lan'], [
      { name: 'srv', links: [['lan', `${SERVER}/24`]] },
      { name: 'cli', links: [['lan', `${CLIENT_ADDR}/24`]] },
    ]);
    server = topo.spawn('srv', [process.execPath, '-e', "require('http').createServer((q, r) => r.end('srv\\n')).listen(80)"]);
    expect(await waitFor(() => topo.exec('cli', ['bash', '-c', `exec 3<>/dev/tcp/${SERVER}/80 && echo up`], { allowFail: true }).includes('up'), 20_000, 200)).toBe(true);
  });

  afterAll(() => {
    server?.kill('SIGKILL');
    topo?.destroy();
  });

  const synRetrans = () => Number(/TcpExtTCPSynRetrans\s+(\d+)/.exec(topo.exec('cli', ['nstat', '-az', 'TcpExtTCPSynRetrans']))?.[1] ?? NaN);

  it('connections started while the SYN-ACKs are lost time out (one SYN each, never retried by the kernel); the rest are ok', async () => {
    const o: EcmpClientOptions = { host: SERVER, port: 80, durationMs: 4000, newRate: 20, newTimeoutMs: 3000, flows: 0, flowIntervalMs: 200, flowTimeoutMs: 3000 };
    const before = synRetrans();
    const run = new Promise<EcmpClientRecord>((res, rej) => execFile('ip', ['netns', 'exec', topo.ns('cli'), process.execPath, CLIENT, JSON.stringify(o)], { timeout: 30_000 }, (err, stdout) => {
      if (err) return rej(err);
      res(JSON.parse(stdout) as EcmpClientRecord);
    }));
    await new Promise((r) => setTimeout(r, 1500));
    // the server's replies to the client vanish for 400 ms: SYNs arrive, SYN-ACKs do not leave
    const lossFrom = Date.now();
    topo.exec('srv', ['ip', 'route', 'add', 'blackhole', `${CLIENT_ADDR}/32`]);
    await new Promise((r) => setTimeout(r, 400));
    topo.exec('srv', ['ip', 'route', 'del', 'blackhole', `${CLIENT_ADDR}/32`]);
    const lossTo = Date.now();
    const rec = await run;
    const retrans = synRetrans() - before;

    const timedOut = rec.newConns.filter((e) => e.result === 'timeout');
    const byResult = (r: string) => rec.newConns.filter((e) => e.result === r).length;
    expect({ failed: byResult('failed'), hung: byResult('hung') }).toEqual({ failed: 0, hung: 0 });
    expect(timedOut.length).toBeGreaterThan(0);
    // every connection started inside the loss window (plus the client's own 50 ms pacing slack) timed out
    const inLoss = rec.newConns.filter((e) => e.t >= lossFrom + 50 && e.t < lossTo - 50);
    expect(inLoss.length).toBeGreaterThan(0);
    expect(inLoss.filter((e) => e.result !== 'timeout')).toEqual([]);
    // and none started outside it failed: the failing window lies within the loss window
    expect(timedOut.filter((e) => e.t < lossFrom - 20 || e.t > lossTo)).toEqual([]);
    expect(outageMs(rec.newConns, 0, Infinity)).toBeLessThanOrEqual(lossTo - lossFrom + 20);
    // the kernel sent no second SYN, except for attempts whose timer fired after its 1 s RTO (a stalled client)
    const late = timedOut.filter((e) => Number(/in (\d+) ms/.exec(e.detail)?.[1] ?? 0) >= 1000).length;
    expect(retrans).toBeLessThanOrEqual(late);
    process.stderr.write(`client: ${rec.newConns.length} new connections, ${timedOut.length} timed out over ${outageMs(rec.newConns, 0, Infinity)} ms of a ${lossTo - lossFrom} ms loss (kernel SYN retransmissions ${retrans}, late timers ${late})\n`);
  });
});
