/**
 * One HTTP GET as keepalived's HTTP_GET/SSL_GET performs it (check_http.c, check_ssl.c,
 * lib/html.c): a raw request ("GET path HTTP/1.x", User-Agent KeepAliveClient, optional
 * "Connection: close", Host = virtualhost or ip:port), then the raw response read to EOF.
 *
 *  - the header must fit keepalived's 4,096-byte buffer (else "Read, no data received from");
 *  - status code and Content-Length are extracted as lib/html.c does;
 *  - the body is hashed (MD5) as it streams, up to Content-Length when there is one, and
 *    searched for the url's regex in a bounded window: memory stays bounded whatever the
 *    server sends (endless, huge, garbage);
 *  - every wait has a timeout (connect_timeout per step, as keepalived), and the whole
 *    response is bounded too (keepalived has no such bound: a server dribbling bytes would
 *    hold its checker forever); a stalled process yields no verdict. Plain HTTP runs in the
 *    native connect prober (connect-prober.ts), which keeps these timeouts itself; SSL_GET on
 *    Node's TLS socket with a Deadline (deadline.ts).
 *
 * The verdict is a separate pure function (judgeResponse) shared with `halo genhash`.
 */
import type { Hash } from 'node:crypto';
/** node:crypto, loaded on first use: a worker that never needs it does not pay its ~2 MB of RSS (issue 15). */
const crypto = () => require('node:crypto') as typeof import('node:crypto');
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { HttpCheck, HttpUrl } from '../config/model';
import { regexFlags } from '../config/build-checker';
import { armDeadline } from './deadline';
import type { Deadline, Expiry } from './deadline';
import type { ProbeOutcome } from './probe';
import { connectProbe, needsSocketOptions } from './connect-prober';
import { checkerSocket, connectOptions } from './tcp-probe';
import type { ProbeTarget } from './tcp-probe';

/** keepalived's MAX_BUFFER_LENGTH: the response header must fit in it (one byte kept for '\0'). */
export const MAX_BUFFER_LENGTH = 4096;
/** How much of the body before a chunk is kept for a regex match spanning two chunks. */
export const REGEX_WINDOW = MAX_BUFFER_LENGTH;

export interface TlsSettings {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  passphrase?: string;
}

/** The connection fields are TCP_CHECK's (ProbeTarget); the rest is the HTTP exchange. */
export interface HttpGetRequest extends ProbeTarget {
  ssl: boolean;
  /** The whole exchange is abandoned after this long ("Timeout HTTP read"). */
  responseLimitMs: number;
  path: string;
  httpProtocol: HttpCheck['httpProtocol'];
  /** Host header (and SNI when enableSni); null = ip:port. */
  virtualhost: string | null;
  enableSni: boolean;
  tls: TlsSettings | null;
  /** Hash the body even without a digest to compare (genhash). */
  digest: boolean;
  regex: RegExp | null;
  regexMinOffset: number;
  regexMaxOffset: number;
  /** The request bytes (formatRequest), when the caller keeps them from one check to the next. */
  request?: Buffer;
  /** genhash -v: called with the raw header and each hashed body chunk. */
  onHeader?: (header: Buffer) => void;
  /**
   * `first`: the body bytes that came with the header (keepalived prints its "HTML Buffer" line
   * before them). The chunk is valid only during the call (it may lie in a shared buffer).
   */
  onBody?: (chunk: Buffer, first: boolean) => void;
}

export type HttpGetResult =
  | {
    kind: 'response';
    /** No complete header was received before EOF (keepalived's empty_buffer). */
    empty: boolean;
    statusCode: number;
    /** null when the header has no (valid) Content-Length. */
    contentLength: number | null;
    rxBytes: number;
    digest: string | null;
    regexMatched: boolean;
  }
  | { kind: 'error'; result: 'failed' | 'timeout'; reason: string }
  | { kind: 'stalled'; lateMs: number };

/** The request line and headers keepalived sends (request_template). */
export function formatRequest(r: Pick<HttpGetRequest, 'path' | 'httpProtocol' | 'virtualhost' | 'connectIp' | 'connectPort'>): string {
  const minor = r.httpProtocol === '1.1' ? 1 : 0;
  const close = r.httpProtocol === '1.0' ? '' : 'Connection: close\r\n';
  let host: string;
  if (r.virtualhost !== null) host = r.virtualhost;
  else host = `${r.connectIp.includes(':') ? `[${r.connectIp}]` : r.connectIp}:${r.connectPort}`;
  return `GET ${r.path} HTTP/1.${minor}\r\nUser-Agent: KeepAliveClient\r\n${close}Host: ${host}\r\n\r\n`;
}

/** lib/html.c extract_status_code: "HTTP/x.y NNN " → NNN, anything else → 0. */
export function extractStatusCode(head: Buffer): number {
  let i = 0;
  while (i < head.length && head[i] !== 0x20 && head[i] !== 0x0d) i++;
  if (head[i] !== 0x20) return 0;
  i++;
  if (i + 3 >= head.length || head[i] === 0x20 || head[i + 3] !== 0x20) return 0;
  const digits = head.toString('latin1', i, i + 3);
  return /^\d{3}$/.test(digits) ? Number(digits) : 0;
}

/** lib/html.c extract_content_length: "Content-Length:" (case as written) followed by a number ending the line. */
export function extractContentLength(buf: Buffer): number | null {
  const at = buf.indexOf('Content-Length:', 0, 'latin1');
  if (at < 0) return null;
  const from = at + 15;
  const text = buf.toString('latin1', from, Math.min(buf.length, from + 32));
  const m = /^[ \t]*(\d+)/.exec(text);
  // strtoul: without digits the end pointer stays right after the colon.
  const endChar = m ? text.charAt(m[0].length) : text.charAt(0);
  if (endChar !== '' && endChar !== '\r' && endChar !== '\n') return null;
  return m ? Number(m[1]) : 0;
}

/** The end of the header (index after CRLFCRLF), or -1. */
function headerEnd(buf: Buffer, len: number): number {
  const i = buf.subarray(0, len).indexOf('\r\n\r\n', 0, 'latin1');
  return i < 0 ? -1 : i + 4;
}

/** Streaming regex search over the body with a bounded look-back window and keepalived's offsets. */
class RegexScanner {
  matched = false;
  private window = '';
  /** Body offset of window[0]. */
  private windowStart = 0;

  constructor(private readonly re: RegExp, private readonly minOffset: number, private readonly maxOffset: number) {}

  push(chunk: Buffer, bodyOffset: number): void {
    if (this.matched) return;
    if (this.maxOffset && bodyOffset - this.window.length >= this.maxOffset) return;
    const text = chunk.toString('latin1');
    const keep = this.window.length > REGEX_WINDOW ? this.window.slice(-REGEX_WINDOW) : this.window;
    this.windowStart = bodyOffset - keep.length;
    this.window = keep + text;
    const re = this.re;
    re.lastIndex = Math.max(0, this.minOffset - this.windowStart);
    const m = re.exec(this.window);
    if (m) {
      const at = this.windowStart + m.index;
      if (at >= this.minOffset && (!this.maxOffset || at < this.maxOffset)) this.matched = true;
    }
  }
}

export function compileRegex(url: HttpUrl): RegExp | null {
  return url.regex === null ? null : new RegExp(url.regex, `${regexFlags(url.regexOptions)}g`);
}

export function httpGet(req: HttpGetRequest): Promise<HttpGetResult> {
  return new Promise((resolve) => {
    let settled = false;
    let step: Deadline | null = null;
    const started = performance.now();
    let phase: 'connect' | 'first-byte' | 'read' = 'connect';
    // keepalived's fixed header buffer, made only when the header spans chunks (rare: the
    // first read nearly always holds all of it, and 4 KB per check is most of a check's garbage)
    let head: Buffer | null = null;
    let headLen = 0;
    let extracted = false;
    let statusCode = 0;
    let contentLength: number | null = null;
    let rxBytes = 0;
    let hashed = 0;
    const hash: Hash | null = req.digest ? crypto().createHash('md5') : null;
    const scanner = req.regex ? new RegexScanner(req.regex, req.regexMinOffset, req.regexMaxOffset) : null;

    // SSL_GET on net.Socket/TLS; plain HTTP_GET in the native connect prober (its chunks lie in
    // the prober's shared buffer: onData keeps nothing pointing into it, the header buffer and
    // genhash's copies are its own). Both report through the handlers below (connected, onData,
    // the end, onError), defined before any event can come: neither connects synchronously.
    let conn: { write(buf: Buffer): void; close(): void };
    let tcpConnected = false;
    try {
      if (req.ssl) {
        const raw = needsSocketOptions(req) ? checkerSocket(req) : null;
        const opts: tls.ConnectionOptions = raw
          ? { socket: raw, rejectUnauthorized: false, ...(req.tls ?? {}) }
          : { ...(connectOptions(req) as tls.ConnectionOptions), rejectUnauthorized: false, ...(req.tls ?? {}) };
        if (req.enableSni && req.virtualhost !== null && !net.isIP(req.virtualhost)) opts.servername = req.virtualhost;
        const sock = tls.connect(opts);
        if (raw) raw.once('connect', () => sock.emit('connect'));
        sock.on('connect', () => { tcpConnected = true; });
        sock.on('secureConnect', () => onConnected());
        sock.on('data', (chunk: Buffer) => onData(chunk));
        sock.on('end', () => finish(response()));
        sock.on('error', (err: NodeJS.ErrnoException) => onError(err.code, err.syscall));
        sock.on('close', () => { if (!settled) finish(response()); });
        conn = { write: (buf) => { sock.write(buf); }, close: () => { sock.destroy(); } };
      } else {
        // the request goes out from native as soon as the connect completes
        const c = connectProbe(req, { stepMs: req.connectTimeoutMs, wholeMs: req.responseLimitMs, request: req.request ?? Buffer.from(formatRequest(req)) }, {
          onConnect: () => { tcpConnected = true; onConnected(); },
          onData: (chunk) => onData(chunk),
          onEnd: () => finish(response()),
          onError: (code, syscall) => onError(code, syscall),
          onTimeout: (connected, lateMs) => {
            if (!connected) phase = 'connect';
            onExpiry({ lateMs, stalled: lateMs > req.connectTimeoutMs }, phase === 'connect' ? 'Timeout connecting' : readTimeoutReason());
          },
        });
        conn = { write: () => { /* sent by the prober */ }, close: () => c.close() };
      }
    } catch (e) {
      resolve({ kind: 'error', result: 'failed', reason: `WEB socket bind failed: ${(e as Error).message}` });
      return;
    }

    const finish = (r: HttpGetResult): void => {
      if (settled) return;
      settled = true;
      step?.cancel();
      conn.close();
      resolve(r);
    };
    const fail = (result: 'failed' | 'timeout', reason: string): void => finish({ kind: 'error', result, reason });
    const onExpiry = (e: Expiry, reason: string): void => {
      if (e.stalled) finish({ kind: 'stalled', lateMs: e.lateMs });
      else fail('timeout', reason);
    };
    const readTimeoutReason = (): string => (phase === 'first-byte' ? 'Timeout WEB read' : req.ssl ? 'Timeout SSL read' : 'Timeout HTTP read');
    // One timer per check, for every step and the whole exchange: the connect and each read
    // only move lastActivity; when the timer fires after activity it is armed again for what
    // is left of the step (bounded by the whole exchange's limit), so a check that completes
    // in time (nearly all) arms one timer and cancels it.
    let lastActivity = started;
    const wholeDue = started + req.responseLimitMs;
    const armStep = (ms: number): void => {
      const armedAt = performance.now();
      const wholeLeft = wholeDue - armedAt;
      const whole = wholeLeft <= ms;
      step = armDeadline(Math.max(1, Math.min(ms, wholeLeft)), (e) => {
        if (!whole && phase !== 'connect' && lastActivity > armedAt && !e.stalled) {
          armStep(Math.max(1, req.connectTimeoutMs - (performance.now() - lastActivity)));
          return;
        }
        onExpiry(e, phase === 'connect' ? 'Timeout connecting' : readTimeoutReason());
      }, undefined, req.connectTimeoutMs);
    };
    if (req.ssl) armStep(req.connectTimeoutMs);

    const response = (): HttpGetResult => ({
      kind: 'response', empty: !extracted, statusCode, contentLength, rxBytes,
      digest: hash ? hash.digest('hex') : null, regexMatched: scanner?.matched ?? false,
    });

    const body = (chunk: Buffer, first = false): void => {
      if (chunk.length === 0) return;
      if (hash && (contentLength === null || hashed < contentLength)) {
        const part = contentLength === null ? chunk : chunk.subarray(0, Math.min(chunk.length, contentLength - hashed));
        hash.update(part);
        hashed += part.length;
        req.onBody?.(part, first);
      }
      scanner?.push(chunk, rxBytes);
      rxBytes += chunk.length;
    };

    const onConnected = (): void => {
      phase = 'first-byte';
      lastActivity = performance.now();
      // a failed write is seen as the connection's error (below): no per-check write callback;
      // plain HTTP's request went out from native already
      if (req.ssl) conn.write(req.request ?? Buffer.from(formatRequest(req)));
    };

    const onData = (chunk: Buffer): void => {
      lastActivity = performance.now();
      phase = 'read';
      if (extracted) {
        body(chunk);
        return;
      }
      // Header: accumulate into keepalived's fixed buffer; what does not fit is never read.
      const room = MAX_BUFFER_LENGTH - 1 - headLen;
      const take = Math.min(room, chunk.length);
      let all: Buffer;
      if (headLen === 0 && headerEnd(chunk, take) >= 0) {
        all = chunk.subarray(0, take); // the whole header in the first chunk: no copy
        headLen = take;
      } else {
        head ??= Buffer.allocUnsafe(MAX_BUFFER_LENGTH);
        chunk.copy(head, headLen, 0, take);
        headLen += take;
        all = head.subarray(0, headLen);
      }
      const end = headerEnd(all, headLen);
      if (end < 0) {
        if (headLen >= MAX_BUFFER_LENGTH - 1) fail('failed', 'Read, no data received from');
        return;
      }
      extracted = true;
      statusCode = extractStatusCode(all);
      contentLength = extractContentLength(all);
      req.onHeader?.(Buffer.from(all.subarray(0, end)));
      // no copy: body() hashes and scans synchronously (genhash's onBody too), keeping nothing
      body(all.subarray(end, headLen), true);
      if (take < chunk.length) body(chunk.subarray(take));
    };
    function onError(code: string | undefined, syscall: string | undefined): void {
      if (phase === 'connect') {
        if (tcpConnected) fail('failed', 'SSL handshake/communication error connecting to');
        else if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EHOSTUNREACH') fail('failed', 'Connection failed');
        else if (code === 'ENETUNREACH') fail('failed', 'HTTP_CHECK - network unreachable');
        else if (code === 'ETIMEDOUT') fail('timeout', 'Timeout connecting');
        else fail('failed', 'Error connecting');
        return;
      }
      // keepalived: a read error after the header was seen still judges what arrived (SSL),
      // a plain read error is a failure.
      if (req.ssl && extracted) finish(response());
      else if (syscall === 'write') fail('failed', 'Cannot send get request to');
      else fail('failed', req.ssl ? 'SSL read error from' : 'Read error with');
    }
  });
}

/** What the check decides from a response (http_handle_response), and keepalived's words for it. */
export function judgeResponse(url: HttpUrl, r: Extract<HttpGetResult, { kind: 'response' }>): ProbeOutcome {
  if (r.empty) return { result: 'failed', reason: 'Read, no data received from' };
  const code = r.statusCode;
  if (!url.statusCodes.some(([lo, hi]) => code >= lo && code <= hi)) return { result: 'failed', reason: 'HTTP status code error to' };
  let msg = 'HTTP status code';
  if (url.digest !== null) {
    if (r.digest !== url.digest) return { result: 'failed', reason: 'MD5 digest error to' };
    msg = 'MD5 digest';
  }
  if (url.regex !== null) {
    if (r.regexMatched === url.regexNoMatch) return { result: 'failed', reason: 'Regex match failed' };
    msg = 'Regex match';
  }
  return { result: 'success', reason: msg };
}
