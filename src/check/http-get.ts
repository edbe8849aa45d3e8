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
import type { ConnEvents, Connection } from './connect-prober';
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

const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');

/** The end of the header within the first `len` bytes of `buf` (index after CRLFCRLF), or -1. */
function headerEnd(buf: Buffer, len: number): number {
  const i = buf.indexOf(CRLFCRLF);
  return i < 0 || i + 4 > len ? -1 : i + 4;
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
  return new Promise((resolve) => new HttpExchange(req, resolve).start());
}


/**
 * One exchange's state and handlers. A class rather than closures: the native prober calls its
 * ConnEvents methods directly, so a check allocates this one object, not two dozen closures
 * (HTTP_GET's garbage at 10,000 checks a second).
 *
 * SSL_GET runs on net.Socket/TLS; plain HTTP_GET in the native connect prober (its chunks lie
 * in the prober's shared buffer: onData keeps nothing pointing into it, the header buffer and
 * genhash's copies are its own). Both report through the same methods (connected, onData, the
 * end, onError), and neither connects synchronously.
 */
class HttpExchange implements ConnEvents {
  private settled = false;
  private step: Deadline | null = null;
  private readonly started = performance.now();
  private phase: 'connect' | 'first-byte' | 'read' = 'connect';
  // keepalived's fixed header buffer, made only when the header spans chunks (rare: the
  // first read nearly always holds all of it, and 4 KB per check is most of a check's garbage)
  private head: Buffer | null = null;
  private headLen = 0;
  private extracted = false;
  private statusCode = 0;
  private contentLength: number | null = null;
  private rxBytes = 0;
  private hashed = 0;
  private readonly hash: Hash | null;
  private readonly scanner: RegexScanner | null;
  private native: Connection | null = null;
  private sock: tls.TLSSocket | null = null;
  private tcpConnected = false;
  // One timer per SSL_GET check, for every step and the whole exchange: the connect and each
  // read only move lastActivity; when the timer fires after activity it is armed again for what
  // is left of the step (bounded by the whole exchange's limit), so a check that completes in
  // time (nearly all) arms one timer and cancels it. Plain HTTP's timeouts are the prober's.
  private lastActivity: number;
  private readonly wholeDue: number;

  constructor(private readonly req: HttpGetRequest, private readonly resolve: (r: HttpGetResult) => void) {
    this.hash = req.digest ? crypto().createHash('md5') : null;
    this.scanner = req.regex ? new RegexScanner(req.regex, req.regexMinOffset, req.regexMaxOffset) : null;
    this.lastActivity = this.started;
    this.wholeDue = this.started + req.responseLimitMs;
  }

  start(): void {
    const req = this.req;
    try {
      if (req.ssl) {
        const raw = needsSocketOptions(req) ? checkerSocket(req) : null;
        const opts: tls.ConnectionOptions = raw
          ? { socket: raw, rejectUnauthorized: false, ...(req.tls ?? {}) }
          : { ...(connectOptions(req) as tls.ConnectionOptions), rejectUnauthorized: false, ...(req.tls ?? {}) };
        if (req.enableSni && req.virtualhost !== null && !net.isIP(req.virtualhost)) opts.servername = req.virtualhost;
        const sock = tls.connect(opts);
        this.sock = sock;
        if (raw) raw.once('connect', () => sock.emit('connect'));
        sock.on('connect', () => { this.tcpConnected = true; });
        sock.on('secureConnect', () => this.onConnected());
        sock.on('data', (chunk: Buffer) => this.onData(chunk));
        sock.on('end', () => this.finish(this.response()));
        sock.on('error', (err: NodeJS.ErrnoException) => this.onError(err.code, err.syscall));
        sock.on('close', () => { if (!this.settled) this.finish(this.response()); });
      } else {
        // the request goes out from native as soon as the connect completes
        this.native = connectProbe(req, { stepMs: req.connectTimeoutMs, wholeMs: req.responseLimitMs, request: req.request ?? Buffer.from(formatRequest(req)) }, this);
      }
    } catch (e) {
      this.resolve({ kind: 'error', result: 'failed', reason: `WEB socket bind failed: ${(e as Error).message}` });
      return;
    }
    if (req.ssl) this.armStep(req.connectTimeoutMs);
  }

  // ConnEvents (the native prober)
  onConnect(): void {
    this.tcpConnected = true;
    this.onConnected();
  }

  onEnd(): void {
    this.finish(this.response());
  }

  onTimeout(connected: boolean, lateMs: number): void {
    if (!connected) this.phase = 'connect';
    this.onExpiry({ lateMs, stalled: lateMs > this.req.connectTimeoutMs }, this.phase === 'connect' ? 'Timeout connecting' : this.readTimeoutReason());
  }

  onData(chunk: Buffer): void {
    this.lastActivity = performance.now();
    this.phase = 'read';
    if (this.extracted) {
      this.body(chunk);
      return;
    }
    // Header: accumulate into keepalived's fixed buffer; what does not fit is never read.
    const room = MAX_BUFFER_LENGTH - 1 - this.headLen;
    const take = Math.min(room, chunk.length);
    let all: Buffer;
    if (this.headLen === 0 && headerEnd(chunk, take) >= 0) {
      all = chunk; // the whole header in the first chunk: no copy
      this.headLen = take;
    } else {
      this.head ??= Buffer.allocUnsafe(MAX_BUFFER_LENGTH);
      chunk.copy(this.head, this.headLen, 0, take);
      this.headLen += take;
      all = this.head;
    }
    const headLen = this.headLen;
    const end = headerEnd(all, headLen);
    if (end < 0) {
      if (headLen >= MAX_BUFFER_LENGTH - 1) this.fail('failed', 'Read, no data received from');
      return;
    }
    this.extracted = true;
    const header = all.length === headLen ? all : all.subarray(0, headLen);
    this.statusCode = extractStatusCode(header);
    this.contentLength = extractContentLength(header);
    this.req.onHeader?.(Buffer.from(all.subarray(0, end)));
    // no copy: body() hashes and scans synchronously (genhash's onBody too), keeping nothing
    if (end < headLen) this.body(all.subarray(end, headLen), true);
    if (take < chunk.length) this.body(chunk.subarray(take));
  }

  onError(code: string | undefined, syscall: string | undefined): void {
    if (this.phase === 'connect') {
      if (this.tcpConnected) this.fail('failed', 'SSL handshake/communication error connecting to');
      else if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EHOSTUNREACH') this.fail('failed', 'Connection failed');
      else if (code === 'ENETUNREACH') this.fail('failed', 'HTTP_CHECK - network unreachable');
      else if (code === 'ETIMEDOUT') this.fail('timeout', 'Timeout connecting');
      else this.fail('failed', 'Error connecting');
      return;
    }
    // keepalived: a read error after the header was seen still judges what arrived (SSL),
    // a plain read error is a failure.
    if (this.req.ssl && this.extracted) this.finish(this.response());
    else if (syscall === 'write') this.fail('failed', 'Cannot send get request to');
    else this.fail('failed', this.req.ssl ? 'SSL read error from' : 'Read error with');
  }

  private finish(r: HttpGetResult): void {
    if (this.settled) return;
    this.settled = true;
    this.step?.cancel();
    this.native?.close();
    this.sock?.destroy();
    this.resolve(r);
  }

  private fail(result: 'failed' | 'timeout', reason: string): void {
    this.finish({ kind: 'error', result, reason });
  }

  private onExpiry(e: Expiry, reason: string): void {
    if (e.stalled) this.finish({ kind: 'stalled', lateMs: e.lateMs });
    else this.fail('timeout', reason);
  }

  private readTimeoutReason(): string {
    return this.phase === 'first-byte' ? 'Timeout WEB read' : this.req.ssl ? 'Timeout SSL read' : 'Timeout HTTP read';
  }

  private armStep(ms: number): void {
    const armedAt = performance.now();
    const wholeLeft = this.wholeDue - armedAt;
    const whole = wholeLeft <= ms;
    this.step = armDeadline(Math.max(1, Math.min(ms, wholeLeft)), (e) => {
      if (!whole && this.phase !== 'connect' && this.lastActivity > armedAt && !e.stalled) {
        this.armStep(Math.max(1, this.req.connectTimeoutMs - (performance.now() - this.lastActivity)));
        return;
      }
      this.onExpiry(e, this.phase === 'connect' ? 'Timeout connecting' : this.readTimeoutReason());
    }, undefined, this.req.connectTimeoutMs);
  }

  private response(): HttpGetResult {
    return {
      kind: 'response', empty: !this.extracted, statusCode: this.statusCode, contentLength: this.contentLength, rxBytes: this.rxBytes,
      digest: this.hash ? this.hash.digest('hex') : null, regexMatched: this.scanner?.matched ?? false,
    };
  }

  private body(chunk: Buffer, first = false): void {
    if (chunk.length === 0) return;
    const hash = this.hash;
    const contentLength = this.contentLength;
    if (hash && (contentLength === null || this.hashed < contentLength)) {
      const part = contentLength === null ? chunk : chunk.subarray(0, Math.min(chunk.length, contentLength - this.hashed));
      hash.update(part);
      this.hashed += part.length;
      this.req.onBody?.(part, first);
    }
    this.scanner?.push(chunk, this.rxBytes);
    this.rxBytes += chunk.length;
  }

  private onConnected(): void {
    this.phase = 'first-byte';
    this.lastActivity = performance.now();
    // a failed write is seen as the connection's error (above): no per-check write callback;
    // plain HTTP's request went out from native already
    if (this.req.ssl) this.sock?.write(this.req.request ?? Buffer.from(formatRequest(this.req)));
  }
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
