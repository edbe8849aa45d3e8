/**
 * The real prober and scheduler against real sockets on 127.0.0.1 (no privileges needed):
 * a listener closes, its checker goes down after retry + 1 failures; it reopens, the checker
 * comes back up on the first success.
 */
import * as net from 'node:net';
import { HealthChecker } from '../../src/check/health-checker';
import { collectTargets } from '../../src/check/targets';
import { tcpProbe } from '../../src/check/tcp-probe';
import type { TcpCheck } from '../../src/config/model';
import { realServer, tcpCheck, virtualServer } from './model-fixtures';

function listen(port = 0): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer((c) => c.destroy());
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => resolve(srv));
  });
}
const close = (s: net.Server) => new Promise<void>((r) => s.close(() => r()));
const portOf = (s: net.Server) => (s.address() as net.AddressInfo).port;

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('tcpProber on loopback', () => {
  const servers: net.Server[] = [];
  afterAll(async () => {
    for (const s of servers) if (s.listening) await close(s);
  });

  test('success on a listener, failed on a closed port, bindto honoured', async () => {
    const a = await listen();
    servers.push(a);
    const b = await listen();
    const closed = portOf(b);
    await close(b);
    const t = { connectIp: '127.0.0.1', bindto: null, bindPort: null, connectTimeoutMs: 1000 };
    expect((await tcpProbe({ ...t, connectPort: portOf(a) })).result).toBe('success');
    expect(await tcpProbe({ ...t, connectPort: closed })).toEqual({ result: 'failed', reason: 'Error connecting (ECONNREFUSED)' });
    expect((await tcpProbe({ ...t, connectPort: portOf(a), bindto: '127.0.0.1' })).result).toBe('success');
  });

  test('bind_port is the source port the server sees; a bindto the host lacks fails with the bind error, named', async () => {
    const seen: number[] = [];
    const a = await new Promise<net.Server>((resolve) => {
      const srv = net.createServer((c) => { seen.push(c.remotePort ?? -1); c.destroy(); });
      srv.listen(0, '127.0.0.1', () => resolve(srv));
    });
    servers.push(a);
    const free = await listen();
    const src = portOf(free); // a port nobody else holds once closed
    await close(free);
    const t = { connectIp: '127.0.0.1', connectPort: portOf(a), bindto: null, bindPort: src, connectTimeoutMs: 1000 };
    expect(await tcpProbe(t)).toEqual({ result: 'success' });
    await waitFor(() => seen.length === 1, 2000);
    expect(seen).toEqual([src]);
    expect(await tcpProbe({ ...t, bindPort: null, bindto: '192.0.2.1' }))
      .toEqual({ result: 'failed', reason: 'TCP socket bind failed: bind 192.0.2.1:0: EADDRNOTAVAIL' });
  });

  test('IPv6: success on a ::1 listener, refused on a closed port', async () => {
    const a = await new Promise<net.Server>((resolve, reject) => {
      const srv = net.createServer((c) => c.destroy());
      srv.once('error', reject);
      srv.listen(0, '::1', () => resolve(srv));
    });
    servers.push(a);
    const t = { connectIp: '::1', connectPort: portOf(a), bindto: null, bindPort: null, connectTimeoutMs: 1000 };
    expect(await tcpProbe(t)).toEqual({ result: 'success' });
    expect(await tcpProbe({ ...t, bindto: '::1' })).toEqual({ result: 'success' });
    const b = await listen();
    const closed = portOf(b);
    await close(b);
    expect(await tcpProbe({ ...t, connectPort: closed })).toEqual({ result: 'failed', reason: 'Error connecting (ECONNREFUSED)' });
  });

  test('a closed listener goes down after retry+1 failures and comes back up when reopened', async () => {
    const up = await listen();
    const flap = await listen();
    servers.push(up);
    const flapPort = portOf(flap);
    const timing = { delayLoopMs: 200, delayBeforeRetryMs: 50, warmupMs: 0, retry: 2, connectTimeoutMs: 500 };
    const rs = (port: number) => realServer('127.0.0.1', port, { checkers: [tcpCheck({ connectIp: '127.0.0.1', connectPort: port, ...timing })] });
    const vs = virtualServer({ realServers: [rs(portOf(up)), rs(flapPort)] });
    const lines: string[] = [];
    const changes: { up: boolean; trailingFailures: number }[] = [];
    const flapResults: string[] = [];
    const trailingFailures = () => {
      let n = 0;
      for (let i = flapResults.length - 1; i >= 0 && flapResults[i] !== 'success'; i--) n++;
      return n;
    };
    const hc = new HealthChecker({
      targets: collectTargets([vs], []),
      prober: {
        probe: async (t) => {
          const c = t.check as TcpCheck;
          const r = await tcpProbe(c);
          if (c.connectPort === flapPort) flapResults.push(r.result);
          return r;
        },
      },
      log: (l) => lines.push(l),
      onChange: (t, isUp) => changes.push({ up: isUp, trailingFailures: trailingFailures() }),
    });
    try {
      hc.start();
      await waitFor(() => lines.length >= 2, 2000);
      expect(lines).toContain(`TCP connection to [127.0.0.1]:tcp:${flapPort} success.`);

      await close(flap);
      await waitFor(() => changes.length === 1, 3000);
      expect(changes[0].up).toBe(false);
      expect(changes[0].trailingFailures).toBe(3); // retry 2 → down on the third consecutive failure
      expect(lines).toContain(`TCP_CHECK on service [127.0.0.1]:tcp:${flapPort} failed after 2 retries.`);
      expect(hc.checkerUp(vs.realServers[1].checkers[0] as never)).toBe(false);
      expect(hc.checkerUp(vs.realServers[0].checkers[0] as never)).toBe(true);

      const again = await listen(flapPort);
      servers.push(again);
      await waitFor(() => changes.length === 2, 3000);
      expect(changes[1].up).toBe(true);
      expect(lines[lines.length - 1]).toBe(`TCP connection to [127.0.0.1]:tcp:${flapPort} success.`);
    } finally {
      hc.stop();
    }
  }, 15000);
});
