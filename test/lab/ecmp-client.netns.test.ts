/**
 * The ECMP drill's client (src/lab/ecmp-client.ts, the built dist/lab/ecmp-client.js) against a
 * real kernel: while the server's answers are blackholed for a moment, the new connections
 * started then are answered only after the kernel sent their SYN again (1 s initial RTO). The
 * client must record those as "syn-retried" (a failure for "new connections fail ≤ 1.5 s"),
 * never as ok — checked against the client namespace's own SYN retransmission counter
 * (nstat TcpExtTCPSynRetrans).
 */
import { ChildProcess, execFile } from 'node:child_process';
import { resolve } from 'node:path';
import type { EcmpClientOptions, EcmpClientRecord } from '../../src/lab/ecmp-client';
import { Topology, waitFor } from '../support/netns';
import { describeNeeding, file, root, tool } from '../support/prerequisites';

jest.setTimeout(60_000);

const CLIENT = resolve(__dirname, '..', '..', 'dist', 'lab', 'ecmp-client.js');
const SERVER = '10.79.0.2';
const CLIENT_ADDR = '10.79.0.3';

const d = describeNeeding(root, tool('ip', 'iproute2'), tool('nstat', 'iproute2'), file(CLIENT, 'the built client dist/lab/ecmp-client.js (npm run build)'));

d('ECMP drill client: SYN retransmissions are failures (netns)', () => {
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

  it('connections started while the SYN-ACKs are lost are syn-retried with a handshake of about 1 s; the rest are ok', async () => {
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

    const retried = rec.newConns.filter((e) => e.result === 'syn-retried');
    const byResult = (r: string) => rec.newConns.filter((e) => e.result === r).length;
    expect({ failed: byResult('failed'), hung: byResult('hung') }).toEqual({ failed: 0, hung: 0 });
    expect(retried.length).toBeGreaterThan(0);
    // each one took a retransmitted SYN: its handshake spans the 1 s RTO
    for (const e of retried) expect(e.connectMs).toBeGreaterThanOrEqual(900);
    // the kernel counted (at least) one SYN retransmission for each connection the client called syn-retried
    expect(retrans).toBeGreaterThanOrEqual(retried.length);
    // every connection started inside the loss window (plus the client's own 50 ms pacing slack) waited for a second SYN
    const inLoss = rec.newConns.filter((e) => e.t >= lossFrom + 50 && e.t < lossTo - 50);
    expect(inLoss.length).toBeGreaterThan(0);
    expect(inLoss.filter((e) => e.result !== 'syn-retried')).toEqual([]);
    // and well outside it none did
    const clear = rec.newConns.filter((e) => e.t < lossFrom - 100 || e.t > lossTo + 1200);
    expect(clear.filter((e) => e.result !== 'ok')).toEqual([]);
    process.stderr.write(`client: ${rec.newConns.length} new connections, ${retried.length} syn-retried (kernel SYN retransmissions ${retrans}), handshakes ${retried.map((e) => Math.round(e.connectMs!)).join(' ')} ms\n`);
  });
});
