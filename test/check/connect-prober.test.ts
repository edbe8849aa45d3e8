/**
 * The native connect prober (native/src/connect_prober.cc through src/check/connect-prober.ts)
 * against real sockets on loopback: success, refused, a connect that times out (a listener
 * whose accept queue is full drops the SYN), a read that times out, the whole-exchange limit,
 * a stall of the process itself, bindto / bind_port / bind_if / fwmark, cancel, many probes at
 * once, and the descriptor handed to Node for SSL_GET / SMTP_CHECK.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import { checkerSocketFd, connectionsInFlight, connectProbe, timeoutsPending } from '../../src/check/connect-prober';
import type { ConnLimits, ConnTarget } from '../../src/check/connect-prober';
import { tcpProbe } from '../../src/check/tcp-probe';

jest.setTimeout(30_000);

type Seen =
  | { ev: 'connect' }
  | { ev: 'data'; bytes: string }
  | { ev: 'end' }
  | { ev: 'error'; code: string; syscall: string }
  | { ev: 'timeout'; connected: boolean; lateMs: number };

/** Runs one probe to its last event; every event in order (data chunks joined). */
function run(t: Partial<ConnTarget> & { connectPort: number }, limits: Partial<ConnLimits> = {}): Promise<Seen[]> {
  return new Promise((resolve) => {
    const seen: Seen[] = [];
    let bytes = '';
    const flush = () => {
      if (bytes) seen.push({ ev: 'data', bytes });
      bytes = '';
    };
    const target = { connectIp: '127.0.0.1', bindto: null, bindPort: null, ...t };
    connectProbe(target, { stepMs: 1000, wholeMs: 1000, request: null, ...limits }, {
      onConnect: () => {
        seen.push({ ev: 'connect' });
        if (!limits.request) resolve(seen);
      },
      onData: (chunk) => { bytes += chunk.toString('latin1'); },
      onEnd: () => { flush(); seen.push({ ev: 'end' }); resolve(seen); },
      onError: (code, syscall) => { flush(); seen.push({ ev: 'error', code, syscall }); resolve(seen); },
      onTimeout: (connected, lateMs) => { flush(); seen.push({ ev: 'timeout', connected, lateMs }); resolve(seen); },
    });
  });
}

function listen(onConn: (c: net.Socket) => void, host = '127.0.0.1'): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer((c) => { c.on('error', () => undefined); onConn(c); });
    srv.once('error', reject);
    srv.listen(0, host, () => resolve(srv));
  });
}
const portOf = (s: net.Server) => (s.address() as net.AddressInfo).port;
const servers: net.Server[] = [];
const sockets = new Set<net.Socket>();
async function server(onConn: (c: net.Socket) => void = (c) => c.destroy(), host?: string): Promise<number> {
  const s = await listen((c) => { sockets.add(c); c.on('close', () => sockets.delete(c)); onConn(c); }, host);
  servers.push(s);
  return portOf(s);
}
async function closedPort(): Promise<number> {
  const s = await listen(() => undefined);
  const port = portOf(s);
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* the process is stalled */ }
}

/**
 * A listener that never accepts, with its accept queue (backlog 0) already full: the kernel
 * drops every further SYN, so a connect to it stays pending until its timeout.
 */
let blackhole: { port: number; child: ChildProcess } | null = null;
async function blackholePort(): Promise<number> {
  if (blackhole) return blackhole.port;
  const py = [
    'import socket, sys',
    's = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)',
    'port = s.getsockname()[1]',
    'fill = []',
    'for i in range(3):',
    '    c = socket.socket(); c.setblocking(False); c.connect_ex(("127.0.0.1", port)); fill.append(c)',
    'print(port, flush=True)',
    'sys.stdin.read()',
  ].join('\n');
  const child = spawn('python3', ['-c', py], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`python3 blackhole exited ${code}`)));
    child.stdout!.once('data', (d) => resolve(Number(String(d).trim())));
  });
  blackhole = { port, child };
  return port;
}

afterAll(async () => {
  blackhole?.child.stdin?.end();
  blackhole?.child.kill();
  for (const c of sockets) c.destroy();
  for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
});

afterEach(async () => {
  expect(connectionsInFlight()).toBe(0);
  // a test ends inside the prober's pass (its last result's callback); the pass ends first
  await new Promise((r) => setImmediate(r));
  expect(timeoutsPending()).toBe(0);
});

test('success: a connect alone ends at the connect, the socket closed', async () => {
  let accepted = 0;
  const port = await server((c) => { accepted++; c.destroy(); });
  expect(await run({ connectPort: port })).toEqual([{ ev: 'connect' }]);
  expect(await tcpProbe({ connectIp: '127.0.0.1', connectPort: port, bindto: null, bindPort: null, connectTimeoutMs: 1000 })).toEqual({ result: 'success' });
  await new Promise((r) => setTimeout(r, 50));
  expect(accepted).toBe(2);
});

test('refused: ECONNREFUSED from connect, on IPv4 and IPv6', async () => {
  const port = await closedPort();
  expect(await run({ connectPort: port })).toEqual([{ ev: 'error', code: 'ECONNREFUSED', syscall: 'connect' }]);
  const v6 = await server(undefined, '::1');
  expect(await run({ connectIp: '::1', connectPort: v6 })).toEqual([{ ev: 'connect' }]);
  expect(await run({ connectIp: '::1', connectPort: port })).toEqual([{ ev: 'error', code: 'ECONNREFUSED', syscall: 'connect' }]);
});

test('a connect that gets no answer times out, not connected; TCP_CHECK says "Timeout connecting"', async () => {
  const port = await blackholePort();
  const t0 = performance.now();
  const seen = await run({ connectPort: port }, { stepMs: 200, wholeMs: 200 });
  expect(performance.now() - t0).toBeGreaterThanOrEqual(199);
  expect(seen).toEqual([{ ev: 'timeout', connected: false, lateMs: expect.any(Number) }]);
  expect(await tcpProbe({ connectIp: '127.0.0.1', connectPort: port, bindto: null, bindPort: null, connectTimeoutMs: 100 }))
    .toEqual({ result: 'timeout', reason: 'Timeout connecting' });
});

test('a timeout seen later than the whole connect_timeout is a stall of the process: no verdict', async () => {
  const port = await blackholePort();
  const p = tcpProbe({ connectIp: '127.0.0.1', connectPort: port, bindto: null, bindPort: null, connectTimeoutMs: 50 });
  busy(250);
  const r = await p;
  expect(r.result).toBe('stalled');
  expect(r.lateMs).toBeGreaterThan(50);
});

test('a connect that completed while the process was stalled wins over the timeout due with it', async () => {
  const port = await server();
  for (let i = 0; i < 3; i++) {
    const p = run({ connectPort: port }, { stepMs: 100, wholeMs: 100 });
    busy(150);
    expect(await p).toEqual([{ ev: 'connect' }]);
  }
});

test('with a request: sent once connected, the response read to EOF', async () => {
  const got: string[] = [];
  const port = await server((c) => c.once('data', (d) => { got.push(String(d)); c.end('HTTP/1.0 200 OK\r\n\r\nhello'); }));
  const seen = await run({ connectPort: port }, { request: Buffer.from('GET / HTTP/1.0\r\n\r\n') });
  expect(seen).toEqual([{ ev: 'connect' }, { ev: 'data', bytes: 'HTTP/1.0 200 OK\r\n\r\nhello' }, { ev: 'end' }]);
  expect(got).toEqual(['GET / HTTP/1.0\r\n\r\n']);
});

test('a large response arrives whole, in order, across passes', async () => {
  const body = Buffer.alloc(3 * 1024 * 1024);
  for (let i = 0; i < body.length; i++) body[i] = (i * 7) & 0xff;
  const port = await server((c) => c.once('data', () => c.end(body)));
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    connectProbe({ connectIp: '127.0.0.1', connectPort: port, bindto: null, bindPort: null }, { stepMs: 5000, wholeMs: 10000, request: Buffer.from('x') }, {
      onConnect: () => undefined,
      onData: (c) => chunks.push(Buffer.from(c)),
      onEnd: () => resolve(),
      onError: (code) => reject(new Error(code)),
      onTimeout: () => reject(new Error('timeout')),
    });
  });
  expect(Buffer.concat(chunks).equals(body)).toBe(true);
});

test('no answer after the connect: a read timeout, connected', async () => {
  const port = await server(() => undefined);
  const seen = await run({ connectPort: port }, { stepMs: 150, wholeMs: 1000, request: Buffer.from('GET / HTTP/1.0\r\n\r\n') });
  expect(seen).toEqual([{ ev: 'connect' }, { ev: 'timeout', connected: true, lateMs: expect.any(Number) }]);
});

test('each read moves the step timeout on: a response slower in all than one step still ends', async () => {
  // five chunks 300 ms apart (1.2 s in all) against a 1 s step: only a step that restarts at
  // each read lets it end at EOF
  const port = await server((c) => {
    let n = 0;
    const t = setInterval(() => {
      if (c.destroyed) return clearInterval(t);
      if (++n < 5) c.write(`${n}`);
      else { clearInterval(t); c.end('5'); }
    }, 300);
  });
  const seen = await run({ connectPort: port }, { stepMs: 1000, wholeMs: 20_000, request: Buffer.from('GET\r\n\r\n') });
  expect(seen).toEqual([{ ev: 'connect' }, { ev: 'data', bytes: '12345' }, { ev: 'end' }]);
});

test('the whole exchange is bounded even while data keeps coming', async () => {
  const port = await server((c) => {
    const t = setInterval(() => { if (!c.destroyed) c.write('x'); }, 20);
    c.on('close', () => clearInterval(t));
  });
  // a step that never runs out while bytes come: only the whole limit can end it
  const seen = await run({ connectPort: port }, { stepMs: 60_000, wholeMs: 300, request: Buffer.from('GET\r\n\r\n') });
  expect(seen[0]).toEqual({ ev: 'connect' });
  expect(seen[seen.length - 1]).toMatchObject({ ev: 'timeout', connected: true });
});

test('bindto and bind_port: the source the server sees; a bind error thrown, named', async () => {
  const peers: string[] = [];
  const port = await server((c) => { peers.push(`${c.remoteAddress}:${c.remotePort}`); c.destroy(); });
  const src = await closedPort();
  const src2 = await closedPort();
  expect(await run({ connectPort: port, bindto: '127.0.0.2', bindPort: src })).toEqual([{ ev: 'connect' }]);
  expect(await run({ connectPort: port, bindPort: src2 })).toEqual([{ ev: 'connect' }]); // a port alone: the wildcard address
  await new Promise((r) => setTimeout(r, 50));
  expect(peers).toEqual([`127.0.0.2:${src}`, `127.0.0.1:${src2}`]);
  expect(() => connectProbe({ connectIp: '127.0.0.1', connectPort: port, bindto: '192.0.2.1', bindPort: null }, { stepMs: 100, wholeMs: 100, request: null }, {
    onConnect: () => undefined, onError: () => undefined, onTimeout: () => undefined,
  })).toThrow('bind 192.0.2.1:0: EADDRNOTAVAIL');
  expect(await tcpProbe({ connectIp: '127.0.0.1', connectPort: port, bindto: '192.0.2.1', bindPort: null, connectTimeoutMs: 100 }))
    .toEqual({ result: 'failed', reason: 'TCP socket bind failed: bind 192.0.2.1:0: EADDRNOTAVAIL' });
});

test('bind_if and fwmark are set on the socket: lo connects, a missing device is refused by name', async () => {
  const port = await server();
  expect(await run({ connectPort: port, bindIf: 'lo', fwmark: 7 })).toEqual([{ ev: 'connect' }]);
  expect(await tcpProbe({ connectIp: '127.0.0.1', connectPort: port, bindto: null, bindPort: null, bindIf: 'halo-nodev0', connectTimeoutMs: 100 }))
    .toEqual({ result: 'failed', reason: expect.stringMatching(/^TCP socket bind failed: setsockopt: ENODEV .*SO_BINDTODEVICE halo-nodev0$/) });
});

test('close() right after the start: nothing reported, nothing left in flight', async () => {
  const port = await server(() => undefined);
  const events: string[] = [];
  const c = connectProbe({ connectIp: '127.0.0.1', connectPort: port, bindto: null, bindPort: null }, { stepMs: 100, wholeMs: 100, request: Buffer.from('x') }, {
    onConnect: () => events.push('connect'), onData: () => events.push('data'), onEnd: () => events.push('end'),
    onError: () => events.push('error'), onTimeout: () => events.push('timeout'),
  });
  c.close();
  c.close();
  await new Promise((r) => setTimeout(r, 250));
  expect(events).toEqual([]);
});

test('2,000 probes at once: each gets exactly its own result', async () => {
  const up = await server();
  const down = await closedPort();
  const results = await Promise.all(Array.from({ length: 2000 }, (_, i) => run({ connectPort: i % 2 ? down : up }, { stepMs: 5000, wholeMs: 5000 })));
  results.forEach((seen, i) => {
    expect(seen).toEqual(i % 2 ? [{ ev: 'error', code: 'ECONNREFUSED', syscall: 'connect' }] : [{ ev: 'connect' }]);
  });
});

test('the timeouts of probes that ended leave at once: none held to wake the loop at their due time', async () => {
  const up = await server();
  const ended = Promise.all(Array.from({ length: 200 }, () => run({ connectPort: up }, { stepMs: 60_000, wholeMs: 60_000 })));
  expect(timeoutsPending()).toBe(200);
  await ended;
  await new Promise((r) => setImmediate(r));
  expect(connectionsInFlight()).toBe(0);
  expect(timeoutsPending()).toBe(0);
});

test("a descriptor for Node's socket (SSL_GET, SMTP_CHECK with bind_if / fwmark) connects through net.Socket", async () => {
  const port = await server((c) => c.end('220 hi\r\n'));
  const fd = checkerSocketFd({ connectIp: '127.0.0.1', connectPort: port, bindto: '127.0.0.3', bindPort: null, bindIf: 'lo', fwmark: null });
  const sock = new net.Socket({ fd, manualStart: true } as net.SocketConstructorOpts);
  const got = await new Promise<string>((resolve, reject) => {
    let s = '';
    sock.on('data', (d) => { s += d; });
    sock.on('end', () => resolve(s));
    sock.on('error', reject);
    sock.connect({ host: '127.0.0.1', port });
  });
  expect(got).toBe('220 hi\r\n');
  expect(sock.localAddress).toBe('127.0.0.3');
  sock.destroy();
});
