/**
 * HTTP_GET's wire behaviour against real sockets on 127.0.0.1, with keepalived 2.2.7's own
 * `genhash` (the same check_http.c code in genhash mode) as the oracle for the request bytes
 * and the digest; and every bad answer a server can give — garbage, endless and huge bodies,
 * a close mid-header, a slowloris, a TLS failure — ends in a verdict with keepalived's reason,
 * with bounded memory.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { extractContentLength, extractStatusCode, formatRequest, httpGet, judgeResponse } from '../../src/check/http-get';
import type { HttpGetRequest, HttpGetResult } from '../../src/check/http-get';
import type { HttpUrl } from '../../src/config/model';

jest.setTimeout(60_000);

type Behaviour = (c: net.Socket, request: Buffer) => void;

/** A server that records each request and answers with `behaviour`. */
async function server(behaviour: Behaviour, secure?: { key: Buffer; cert: Buffer }): Promise<{ port: number; requests: Buffer[]; close(): Promise<void> }> {
  const requests: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const onConn = (c: net.Socket): void => {
    sockets.add(c);
    c.on('close', () => sockets.delete(c));
    c.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    let answered = false;
    c.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!answered && buf.includes('\r\n\r\n')) {
        answered = true;
        requests.push(buf);
        behaviour(c, buf);
      }
    });
  };
  const srv = secure ? tls.createServer(secure, onConn) : net.createServer(onConn);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return {
    port: (srv.address() as net.AddressInfo).port,
    requests,
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      srv.close(() => r());
    }),
  };
}

const answer = (body: Buffer | string, head = 'HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n'): Behaviour => (c) => {
  const b = Buffer.from(body);
  c.end(Buffer.concat([Buffer.from(`${head}Content-Length: ${b.length}\r\n\r\n`), b]));
};

function request(port: number, over: Partial<HttpGetRequest> = {}): HttpGetRequest {
  return {
    ssl: false, connectIp: '127.0.0.1', connectPort: port, bindto: null, bindPort: null, connectTimeoutMs: 2000,
    responseLimitMs: 5000, path: '/', httpProtocol: '1.0', virtualhost: null, enableSni: false, tls: null, digest: true,
    regex: null, regexMinOffset: 0, regexMaxOffset: 0, ...over,
  };
}

function url(over: Partial<HttpUrl> = {}): HttpUrl {
  return {
    path: '/', digest: null, statusCodes: [[200, 299]], virtualhost: null, regex: null, regexNoMatch: false, regexOptions: [],
    regexMinOffset: 0, regexMaxOffset: 0, ...over,
  };
}

function genhash(args: string[]): Promise<string> {
  return new Promise((resolve) => execFile('genhash', args, { timeout: 20_000 }, (_e, out, err) => resolve(`${out}${err}`.trim())));
}

function response(r: HttpGetResult): Extract<HttpGetResult, { kind: 'response' }> {
  if (r.kind !== 'response') throw new Error(`expected a response, got ${JSON.stringify(r)}`);
  return r;
}

const md5 = (b: Buffer | string): string => createHash('md5').update(b).digest('hex');

describe('the request keepalived sends', () => {
  test.each([
    ['1.0', [], null],
    ['1.0C', ['-P', '1.0c'], null],
    ['1.1', ['-P', '1.1'], null],
    ['1.0', ['-V', 'www.example.org'], 'www.example.org'],
  ] as const)('http_protocol %s %j: the same bytes as genhash', async (proto, extra, vhost) => {
    const srv = await server(answer('x'));
    try {
      const out = await genhash(['-s', '127.0.0.1', '-p', String(srv.port), '-u', '/health?a=1', ...extra]);
      expect(out).toBe(md5('x'));
      const mine = formatRequest({ path: '/health?a=1', httpProtocol: proto, virtualhost: vhost, connectIp: '127.0.0.1', connectPort: srv.port });
      expect(srv.requests[0].toString('latin1')).toBe(mine);
      await httpGet(request(srv.port, { path: '/health?a=1', httpProtocol: proto, virtualhost: vhost }));
      expect(srv.requests[1].toString('latin1')).toBe(mine);
    } finally {
      await srv.close();
    }
  });

  test('IPv6 literal in Host is bracketed (RFC 2732)', () => {
    expect(formatRequest({ path: '/', httpProtocol: '1.1', virtualhost: null, connectIp: 'fd00::1', connectPort: 8080 }))
      .toBe('GET / HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: [fd00::1]:8080\r\n\r\n');
  });
});

describe('digest: MD5 of the body as genhash computes it', () => {
  const bodies: [string, Behaviour][] = [
    ['with Content-Length', answer('<html>hello</html>\n')],
    ['without Content-Length, to EOF', (c) => c.end('HTTP/1.0 200 OK\r\n\r\nstreamed body without length')],
    ['bytes beyond Content-Length are not hashed', (c) => c.end('HTTP/1.0 200 OK\r\nContent-Length: 4\r\n\r\nabcdEXTRA')],
    ['binary body in many writes', (c) => {
      c.write('HTTP/1.0 200 OK\r\n');
      c.write('\r\n');
      for (let i = 0; i < 50; i++) c.write(Buffer.alloc(1000, i));
      c.end();
    }],
    ['non-2xx status still hashed by genhash', answer('not here', 'HTTP/1.1 404 Not Found\r\n')],
  ];
  test.each(bodies)('%s', async (_name, behaviour) => {
    const srv = await server(behaviour);
    try {
      const oracle = await genhash(['-s', '127.0.0.1', '-p', String(srv.port), '-u', '/']);
      const r = response(await httpGet(request(srv.port)));
      expect(r.digest).toBe(oracle);
    } finally {
      await srv.close();
    }
  });
});

describe('the verdict (http_handle_response)', () => {
  const base = { kind: 'response' as const, empty: false, statusCode: 200, contentLength: 5, rxBytes: 5, digest: md5('hello'), regexMatched: false };
  test('status codes and ranges', () => {
    expect(judgeResponse(url(), base)).toEqual({ result: 'success', reason: 'HTTP status code' });
    expect(judgeResponse(url(), { ...base, statusCode: 404 })).toEqual({ result: 'failed', reason: 'HTTP status code error to' });
    expect(judgeResponse(url({ statusCodes: [[200, 200], [400, 404]] }), { ...base, statusCode: 404 }).result).toBe('success');
    expect(judgeResponse(url({ statusCodes: [[200, 200]] }), { ...base, statusCode: 0 }).reason).toBe('HTTP status code error to');
  });
  test('digest, regex, regex_no_match, no data', () => {
    expect(judgeResponse(url({ digest: md5('hello') }), base)).toEqual({ result: 'success', reason: 'MD5 digest' });
    expect(judgeResponse(url({ digest: md5('other') }), base)).toEqual({ result: 'failed', reason: 'MD5 digest error to' });
    expect(judgeResponse(url({ regex: 'h.llo' }), { ...base, regexMatched: true })).toEqual({ result: 'success', reason: 'Regex match' });
    expect(judgeResponse(url({ regex: 'h.llo' }), base)).toEqual({ result: 'failed', reason: 'Regex match failed' });
    expect(judgeResponse(url({ regex: 'error', regexNoMatch: true }), base).result).toBe('success');
    expect(judgeResponse(url(), { ...base, empty: true })).toEqual({ result: 'failed', reason: 'Read, no data received from' });
  });
  test('lib/html.c extraction quirks', () => {
    expect(extractStatusCode(Buffer.from('HTTP/1.1 204 No Content\r\n'))).toBe(204);
    expect(extractStatusCode(Buffer.from('HTTP/1.1 2040 x\r\n'))).toBe(0);
    expect(extractStatusCode(Buffer.from('garbage\r\n'))).toBe(0);
    expect(extractContentLength(Buffer.from('X: y\r\nContent-Length: 42\r\n'))).toBe(42);
    expect(extractContentLength(Buffer.from('content-length: 42\r\n'))).toBeNull();
    expect(extractContentLength(Buffer.from('Content-Length: 42x\r\n'))).toBeNull();
  });
});

describe('regex over a streamed body (bounded window, offsets)', () => {
  test('a match across two writes, and regex_min_offset / regex_max_offset', async () => {
    const srv = await server((c) => {
      c.write('HTTP/1.0 200 OK\r\n\r\n');
      c.write(`${'a'.repeat(10_000)}STA`);
      setTimeout(() => c.end(`TUS=OK${'b'.repeat(10_000)}`), 50);
    });
    try {
      const at = 10_000;
      const run = async (min: number, max: number) => response(await httpGet(request(srv.port, { regex: /STATUS=OK/g, regexMinOffset: min, regexMaxOffset: max }))).regexMatched;
      expect(await run(0, 0)).toBe(true);
      expect(await run(at, 0)).toBe(true);
      expect(await run(at + 1, 0)).toBe(false);
      expect(await run(0, at + 1)).toBe(true);
      expect(await run(0, at)).toBe(false);
    } finally {
      await srv.close();
    }
  });
});

describe('bad answers: a verdict with the reason, bounded memory, no crash', () => {
  test('garbage instead of HTTP: no status code', async () => {
    const srv = await server((c) => c.end(Buffer.from('\x00\xff garbage \r\n\r\n more garbage', 'latin1')));
    try {
      const r = response(await httpGet(request(srv.port)));
      expect(judgeResponse(url(), r)).toEqual({ result: 'failed', reason: 'HTTP status code error to' });
    } finally {
      await srv.close();
    }
  });

  test('a reset mid-header: "Read error with"', async () => {
    // the header part is on the wire before the RST (SO_LINGER 0), so the read error comes after data
    const srv = await server((c) => c.write('HTTP/1.0 200 OK\r\nContent-Le', () => setTimeout(() => c.resetAndDestroy(), 50)));
    try {
      expect(await httpGet(request(srv.port))).toEqual({ kind: 'error', result: 'failed', reason: 'Read error with' });
    } finally {
      await srv.close();
    }
  });

  test('close mid-header: no data', async () => {
    const srv = await server((c) => c.end('HTTP/1.0 200 OK\r\nContent-Le'));
    try {
      expect(judgeResponse(url(), response(await httpGet(request(srv.port))))).toEqual({ result: 'failed', reason: 'Read, no data received from' });
    } finally {
      await srv.close();
    }
  });

  test('a header larger than keepalived\'s 4 KiB buffer', async () => {
    const srv = await server((c) => c.end(`HTTP/1.0 200 OK\r\nX-Big: ${'z'.repeat(100_000)}\r\n\r\nbody`));
    try {
      expect(await httpGet(request(srv.port))).toEqual({ kind: 'error', result: 'failed', reason: 'Read, no data received from' });
    } finally {
      await srv.close();
    }
  });

  test('a huge body is hashed as it streams: memory stays bounded', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const total = 256 * chunk.length; // 16 MiB
    const srv = await server((c) => {
      c.write(`HTTP/1.0 200 OK\r\nContent-Length: ${total}\r\n\r\n`);
      let n = 0;
      const pump = (): void => {
        while (n < 256) {
          n++;
          if (!c.write(chunk)) {
            c.once('drain', pump);
            return;
          }
        }
        c.end();
      };
      pump();
    });
    try {
      global.gc?.();
      const before = process.memoryUsage().rss;
      let peak = before;
      const sample = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 5);
      const r = response(await httpGet(request(srv.port, { responseLimitMs: 30_000 })));
      clearInterval(sample);
      expect(r.rxBytes).toBe(total);
      const h = createHash('md5');
      for (let i = 0; i < 256; i++) h.update(chunk);
      expect(r.digest).toBe(h.digest('hex'));
      expect(peak - before).toBeLessThan(total / 2);
    } finally {
      await srv.close();
    }
  });

  test('an endless body is cut at the response limit ("Timeout HTTP read")', async () => {
    const srv = await server((c) => {
      c.write('HTTP/1.0 200 OK\r\n\r\n');
      const t = setInterval(() => c.write(Buffer.alloc(1024, 0x62)), 5);
      c.on('close', () => clearInterval(t));
    });
    try {
      expect(await httpGet(request(srv.port, { connectTimeoutMs: 500, responseLimitMs: 1500 }))).toEqual({ kind: 'error', result: 'timeout', reason: 'Timeout HTTP read' });
    } finally {
      await srv.close();
    }
  });

  test('slowloris: a header dribbled one byte at a time is cut at the response limit', async () => {
    const srv = await server((c) => {
      const head = 'HTTP/1.0 200 OK\r\nX-Slow: ' + 'y'.repeat(1000);
      let i = 0;
      const t = setInterval(() => { if (i < head.length) c.write(head[i++]); }, 100);
      c.on('close', () => clearInterval(t));
    });
    try {
      expect(await httpGet(request(srv.port, { connectTimeoutMs: 500, responseLimitMs: 1500 }))).toEqual({ kind: 'error', result: 'timeout', reason: 'Timeout HTTP read' });
    } finally {
      await srv.close();
    }
  });

  test('a silent server: "Timeout WEB read"; a refused port: "Connection failed"', async () => {
    const srv = await server(() => undefined);
    const closed = await server(() => undefined);
    const closedPort = closed.port;
    await closed.close();
    try {
      expect(await httpGet(request(srv.port, { connectTimeoutMs: 300 }))).toEqual({ kind: 'error', result: 'timeout', reason: 'Timeout WEB read' });
      expect(await httpGet(request(closedPort))).toEqual({ kind: 'error', result: 'failed', reason: 'Connection failed' });
    } finally {
      await srv.close();
    }
  });
});

describe('SSL_GET', () => {
  let dir: string;
  let cert: { key: Buffer; cert: Buffer };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'checkers-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'),
      '-days', '1', '-subj', '/CN=checkers.test'], { stdio: 'ignore' });
    cert = { key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('a self-signed server answers (keepalived does not verify); digest as genhash -S', async () => {
    const srv = await server(answer('secure hello'), cert);
    try {
      const oracle = await genhash(['-S', '-s', '127.0.0.1', '-p', String(srv.port), '-u', '/']);
      const r = response(await httpGet(request(srv.port, { ssl: true })));
      expect(r.statusCode).toBe(200);
      expect(r.digest).toBe(oracle);
      expect(oracle).toBe(md5('secure hello'));
    } finally {
      await srv.close();
    }
  });

  test('enable_sni sends the virtualhost as the server name', async () => {
    let seen: string | false = false;
    const conns = new Set<net.Socket>();
    const inner = tls.createServer({ ...cert, SNICallback: (name, cb) => { seen = name; cb(null, tls.createSecureContext(cert)); } }, (c) => {
      conns.add(c);
      c.on('error', () => undefined);
      c.once('data', () => c.end('HTTP/1.0 200 OK\r\n\r\nx'));
    });
    await new Promise<void>((r) => inner.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (inner.address() as net.AddressInfo).port;
      expect(response(await httpGet(request(port, { ssl: true, virtualhost: 'www.checkers.test', enableSni: true }))).statusCode).toBe(200);
      expect(seen).toBe('www.checkers.test');
      seen = false;
      response(await httpGet(request(port, { ssl: true, virtualhost: 'www.checkers.test', enableSni: false })));
      expect(seen).toBe(false);
    } finally {
      for (const c of conns) c.destroy();
      await new Promise<void>((r) => inner.close(() => r()));
    }
  });

  test('the global SSL block: a server that requires a client certificate accepts the one configured, and only it', async () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-keyout', join(dir, 'ck.pem'), '-out', join(dir, 'cc.pem'),
      '-days', '1', '-subj', '/CN=halo-client', '-passout', 'pass:s3cret'], { stdio: 'ignore' });
    const clientCert = readFileSync(join(dir, 'cc.pem'));
    const srv = tls.createServer({ ...cert, requestCert: true, rejectUnauthorized: true, ca: [clientCert] }, (c) => {
      c.on('error', () => undefined);
      c.once('data', () => c.end('HTTP/1.0 200 OK\r\n\r\nmutual'));
    });
    srv.on('tlsClientError', () => undefined);
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (srv.address() as net.AddressInfo).port;
      const { tlsSettings } = await import('../../src/check/prober');
      const withCert = tlsSettings({ ca: null, certificate: join(dir, 'cc.pem'), key: join(dir, 'ck.pem'), password: 's3cret' });
      expect(response(await httpGet(request(port, { ssl: true, tls: withCert }))).statusCode).toBe(200);
      const r = await httpGet(request(port, { ssl: true }));
      expect(r.kind === 'error' || (r.kind === 'response' && r.empty)).toBe(true);
      expect(() => tlsSettings({ ca: null, certificate: join(dir, 'missing.pem'), key: null, password: null })).toThrow(/Cant load certificate file/);
    } finally {
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });

  test('TLS failure (a plain HTTP server on the port): SSL handshake error', async () => {
    const plain = net.createServer((c) => {
      c.on('error', () => undefined);
      c.once('data', () => c.end('HTTP/1.0 400 Bad Request\r\n\r\n'));
    });
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', () => r()));
    try {
      const r = await httpGet(request((plain.address() as net.AddressInfo).port, { ssl: true }));
      expect(r).toEqual({ kind: 'error', result: 'failed', reason: 'SSL handshake/communication error connecting to' });
    } finally {
      await new Promise<void>((r) => plain.close(() => r()));
    }
  });
});
