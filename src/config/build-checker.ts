/**
 * Checker blocks of a real_server → model, with keepalived 2.2.7's defaults and corrections
 * (check_api.c, check_tcp.c, check_http.c, check_misc.c, check_dns.c, check_udp.c,
 * check_ping.c, check_smtp.c, check_file.c, check_data.c validate_check_config); each block's
 * keywords are read through its table in src/config/keywords/checkers.ts. Also the top-level
 * SSL and track_file blocks. Timing is inherited checker ← real_server ← virtual_server ← the
 * checker's own default.
 */
import type { BuildContext } from './context';
import { applySection } from './keywords/apply';
import {
  BFD_CHECK, DNS_CHECK, FILE_CHECK, HTTP_GET, HTTP_GET_URL, MISC_CHECK, PING_CHECK, REGEX_OPTION_FLAGS, SMTP_CHECK, SMTP_CHECK_HOST, SSL_GET,
  SSL, SSL_GET_URL, TCP_CHECK, TRACK_FILE, UDP_CHECK, VRRP_TRACK_FILE,
  type BfdCheckDraft, type CheckerDraft, type DnsDraft, type FileDraft, type HttpDraft, type SmtpDraft, type UrlDraft,
} from './keywords/checkers';
import {
  DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_DELAY_BEFORE_RETRY_MS, DEFAULT_DELAY_LOOP_MS, DEFAULT_RETRY, noTiming, type CheckTiming,
} from './lvs-values';
import type {
  CheckCommon, Checker, ConnOpts, DnsCheck, FileCheck, HttpCheck, HttpUrl, MiscCheck, PingCheck, RealServer, SmtpCheck, SslConfig,
  TcpCheck, TrackFile, UdpCheck, BfdCheck,
} from './model';
import type { Statement } from './parse';

export { DNS_TYPES, readHexString } from './keywords/checkers';

/** check_http.c http_get_handler: default_delay_before_retry = 3 * TIMER_HZ. */
export const HTTP_DEFAULT_DELAY_BEFORE_RETRY_MS = 3_000;
/** check_smtp.h SMTP_DEFAULT_HELO */
export const SMTP_DEFAULT_HELO = 'smtpchecker.keepalived.org';

/** What a checker inherits from its real server and virtual server. */
export interface CheckerParent {
  rs: RealServer;
  timing: CheckTiming;
  /** real_server virtualhost, else virtual_server virtualhost (HTTP_GET/SSL_GET Host). */
  virtualhost: string | null;
  /** The virtual server's delay_loop: MISC_CHECK's default misc_timeout. */
  vsDelayLoopMs: number;
  /** global_defs checker_log_all_failures. */
  logAllFailures: boolean;
  /** The track_file blocks read so far (keepalived needs them defined before FILE_CHECK uses them). */
  trackFiles?: readonly TrackFile[];
}

/**
 * Checkers whose port is the real server's (not set by connect_port): keepalived's
 * validate_check_config corrects a real server's port after the checkers were read, and such
 * checkers follow it. Identity marks only, so the model stays plain data.
 */
const ownPort = new WeakSet<object>();

/** The checker follows its real server's (corrected) port. */
export function followsServerPort(c: Checker): c is TcpCheck | HttpCheck | DnsCheck | UdpCheck | SmtpCheck {
  return 'connectPort' in c && !ownPort.has(c);
}

/** The JavaScript RegExp flags for a url's regex_options. */
export function regexFlags(options: readonly string[]): string {
  const flags = new Set<string>();
  for (const o of options) if (REGEX_OPTION_FLAGS[o]) flags.add(REGEX_OPTION_FLAGS[o]);
  return [...flags].join('');
}

/** One checker block → its checkers (an SMTP_CHECK with `host` blocks stands for one checker per host). */
export function buildChecker(ctx: BuildContext, s: Statement, parent: CheckerParent): Checker[] {
  switch (s.keyword.value) {
    case 'SMTP_CHECK': return buildSmtpChecks(ctx, s, parent);
    case 'TCP_CHECK': return [buildTcpCheck(ctx, s, parent)];
    case 'HTTP_GET': case 'SSL_GET': return opt(buildHttpCheck(ctx, s, parent));
    case 'MISC_CHECK': return opt(buildMiscCheck(ctx, s, parent));
    case 'DNS_CHECK': return [buildDnsCheck(ctx, s, parent)];
    case 'UDP_CHECK': return [buildUdpCheck(ctx, s, parent)];
    case 'PING_CHECK': return [buildPingCheck(ctx, s, parent)];
    case 'FILE_CHECK': return opt(buildFileCheck(ctx, s, parent));
    case 'BFD_CHECK': return opt(buildBfdCheck(ctx, s, parent));
    default: throw new Error(`buildChecker: ${s.keyword.value} is not a checker`);
  }
}

const opt = <T>(c: T | null): T[] => (c ? [c] : []);

/** Defaults of one checker kind (queue_checker's default_retry / default_delay_before_retry). */
interface KindDefaults {
  retry: number;
  /** null = delay_loop (DNS_CHECK). */
  delayBeforeRetryMs: number | null;
}

function common(ctx: BuildContext, s: Statement, parent: CheckerParent): CheckCommon {
  return {
    retry: 0, delayBeforeRetryMs: 0, warmupMs: 0, delayLoopMs: 0, alpha: parent.rs.alpha,
    logAllFailures: parent.logAllFailures, location: ctx.loc(s.keyword),
  };
}

function connOpts(parent: CheckerParent): ConnOpts {
  return {
    connectIp: parent.rs.address, connectPort: parent.rs.port, bindto: null, bindPort: null, bindIf: null, fwmark: null,
    connectTimeoutMs: 0,
  };
}

function draft<C>(check: C): CheckerDraft<C> {
  return { check, timing: noTiming(), ownPort: false };
}

function resolveTiming(c: CheckCommon, own: CheckTiming, parent: CheckerParent, d: KindDefaults): void {
  const t = parent.timing;
  c.retry = own.retry ?? t.retry ?? d.retry;
  c.delayLoopMs = own.delayLoopMs ?? t.delayLoopMs ?? DEFAULT_DELAY_LOOP_MS;
  c.delayBeforeRetryMs = own.delayBeforeRetryMs ?? t.delayBeforeRetryMs ?? d.delayBeforeRetryMs ?? c.delayLoopMs;
  c.warmupMs = own.warmupMs ?? t.warmupMs ?? c.delayLoopMs;
}

/** Connection timeout and timing of a checker with conn_opts, and its own-port mark. */
function finishConn<C extends CheckCommon & ConnOpts>(d: CheckerDraft<C>, parent: CheckerParent, k: KindDefaults): C {
  const c = d.check;
  c.connectTimeoutMs = d.timing.connectTimeoutMs ?? parent.timing.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  resolveTiming(c, d.timing, parent, k);
  if (d.ownPort) ownPort.add(c);
  return c;
}

const STANDARD: KindDefaults = { retry: DEFAULT_RETRY, delayBeforeRetryMs: DEFAULT_DELAY_BEFORE_RETRY_MS };

function buildTcpCheck(ctx: BuildContext, s: Statement, parent: CheckerParent): TcpCheck {
  const d = draft<TcpCheck>({ kind: 'TCP_CHECK', ...connOpts(parent), ...common(ctx, s, parent) });
  applySection(ctx, s.block ?? [], TCP_CHECK, d, 'TCP_CHECK');
  if (d.check.connectPort === 0) ctx.error(s.keyword, `TCP_CHECK for ${parent.rs.address}: no port to connect to (give connect_port)`);
  return finishConn(d, parent, STANDARD);
}

function buildUrl(ctx: BuildContext, s: Statement, ssl: boolean): HttpUrl | null {
  const d: UrlDraft = {
    url: {
      path: '', digest: null, statusCodes: [], virtualhost: null, regex: null, regexNoMatch: false, regexOptions: [],
      regexMinOffset: 0, regexMaxOffset: 0,
    },
    hasPath: false,
  };
  applySection(ctx, s.block ?? [], ssl ? SSL_GET_URL : HTTP_GET_URL, d, 'url');
  const { url } = d;
  if (!d.hasPath) {
    ctx.warn(s.keyword, 'HTTP/SSL_GET checker url has no path - ignoring');
    return null;
  }
  if (url.statusCodes.length === 0) url.statusCodes.push([200, 299]);
  if (url.regex !== null) {
    try {
      new RegExp(url.regex, regexFlags(url.regexOptions));
    } catch (e) {
      ctx.error(s.keyword, `Invalid regex: '${url.regex}': ${(e as Error).message}`);
    }
  } else if (url.regexOptions.length > 0 || url.regexNoMatch || url.regexMinOffset || url.regexMaxOffset) {
    ctx.warn(s.keyword, 'regex parameters specified without regex');
    url.regexOptions = [];
    url.regexNoMatch = false;
    url.regexMinOffset = 0;
    url.regexMaxOffset = 0;
  }
  if (url.regexMaxOffset && url.regexMinOffset >= url.regexMaxOffset) {
    ctx.warn(s.keyword, `regex min offset ${url.regexMinOffset} > regex_max_offset ${url.regexMaxOffset - 1} - ignoring`);
    url.regexMinOffset = 0;
    url.regexMaxOffset = 0;
  }
  return url;
}

function buildHttpCheck(ctx: BuildContext, s: Statement, parent: CheckerParent): HttpCheck | null {
  const kind = s.keyword.value as HttpCheck['kind'];
  const d: HttpDraft = {
    ...draft<HttpCheck>({
      kind, ...connOpts(parent), ...common(ctx, s, parent), urls: [], httpProtocol: '1.0', virtualhost: null,
      enableSni: false, fastRecovery: false,
    }),
    virtualhost: null,
    urls: [],
  };
  applySection(ctx, s.block ?? [], kind === 'SSL_GET' ? SSL_GET : HTTP_GET, d, kind);
  const c = d.check;
  for (const u of d.urls) {
    const url = buildUrl(ctx, u, kind === 'SSL_GET');
    if (url) c.urls.push(url);
  }
  c.virtualhost = d.virtualhost ?? parent.virtualhost;
  if (c.urls.length === 0) {
    ctx.warn(s.keyword, 'HTTP/SSL_GET checker has no urls specified - ignoring');
    return null;
  }
  return finishConn(d, parent, { retry: DEFAULT_RETRY, delayBeforeRetryMs: HTTP_DEFAULT_DELAY_BEFORE_RETRY_MS });
}

function buildMiscCheck(ctx: BuildContext, s: Statement, parent: CheckerParent): MiscCheck | null {
  const d = draft<MiscCheck>({ kind: 'MISC_CHECK', path: [], timeoutMs: 0, dynamic: false, user: null, group: null, ...common(ctx, s, parent) });
  applySection(ctx, s.block ?? [], MISC_CHECK, d, 'MISC_CHECK');
  const c = d.check;
  if (c.path.length === 0) {
    // keepalived dequeues the checker and runs without it
    ctx.warn(s.keyword, 'No script path has been specified for MISC_CHECKER - skipping');
    return null;
  }
  if (c.timeoutMs === 0) c.timeoutMs = parent.vsDelayLoopMs;
  resolveTiming(c, d.timing, parent, { retry: 0, delayBeforeRetryMs: DEFAULT_DELAY_BEFORE_RETRY_MS });
  return c;
}

function buildDnsCheck(ctx: BuildContext, s: Statement, parent: CheckerParent): DnsCheck {
  const d: DnsDraft = { ...draft<DnsCheck>({ kind: 'DNS_CHECK', ...connOpts(parent), ...common(ctx, s, parent), type: 'SOA', name: '' }), named: false };
  applySection(ctx, s.block ?? [], DNS_CHECK, d, 'DNS_CHECK');
  return finishConn(d, parent, { retry: 3, delayBeforeRetryMs: null });
}

function buildUdpCheck(ctx: BuildContext, s: Statement, parent: CheckerParent): UdpCheck {
  const d = draft<UdpCheck>({
    kind: 'UDP_CHECK', ...connOpts(parent), ...common(ctx, s, parent), payload: null, requireReply: false, replyData: null,
    replyMask: null, minReplyLength: 0, maxReplyLength: 255,
  });
  applySection(ctx, s.block ?? [], UDP_CHECK, d, 'UDP_CHECK');
  const c = d.check;
  if (c.minReplyLength > c.maxReplyLength) ctx.warn(s.keyword, `UDP_CHECK min_reply length ${c.minReplyLength} > max_reply_length ${c.maxReplyLength} - will always fail`);
  return finishConn(d, parent, STANDARD);
}

function buildPingCheck(ctx: BuildContext, s: Statement, parent: CheckerParent): PingCheck {
  const d = draft<PingCheck>({ kind: 'PING_CHECK', ...connOpts(parent), ...common(ctx, s, parent) });
  applySection(ctx, s.block ?? [], PING_CHECK, d, 'PING_CHECK');
  return finishConn(d, parent, STANDARD);
}

/**
 * SMTP_CHECK (check_smtp.c): the 2.2.7 form (conn_opts in the block) and the deprecated
 * `host { }` blocks, each of which becomes a checker of its own; when the block itself sets no
 * connection option, the first host takes the block's place.
 */
function buildSmtpChecks(ctx: BuildContext, s: Statement, parent: CheckerParent): SmtpCheck[] {
  const d: SmtpDraft = {
    ...draft<SmtpCheck>({ kind: 'SMTP_CHECK', ...connOpts(parent), ...common(ctx, s, parent), heloName: SMTP_DEFAULT_HELO }),
    ownConn: false,
    hosts: [],
  };
  applySection(ctx, s.block ?? [], SMTP_CHECK, d, 'SMTP_CHECK');
  if (d.hosts.length > 0) ctx.warn(s.keyword, 'The SMTP_CHECK host block is deprecated. Please define additional checkers.');
  const base = finishConn(d, parent, STANDARD);
  const out: SmtpCheck[] = [];
  if (d.ownConn || d.timing.connectTimeoutMs !== null || d.hosts.length === 0) out.push(base);
  for (const h of d.hosts) {
    const hd = draft<SmtpCheck>({ ...base, ...connOpts(parent), location: ctx.loc(h.keyword) });
    applySection(ctx, h.block ?? [], SMTP_CHECK_HOST, hd, 'SMTP_CHECK host');
    const c = hd.check;
    c.connectTimeoutMs = hd.timing.connectTimeoutMs ?? parent.timing.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    if (hd.ownPort) ownPort.add(c);
    out.push(c);
  }
  return out;
}

function buildFileCheck(ctx: BuildContext, s: Statement, parent: CheckerParent): FileCheck | null {
  const d: FileDraft = { trackFiles: parent.trackFiles ?? [], file: null, weight: null, reverse: false };
  applySection(ctx, s.block ?? [], FILE_CHECK, d, 'FILE_CHECK');
  if (!d.file) {
    ctx.warn(s.keyword, 'FILE_CHECK has no track_file specified - ignoring');
    return null;
  }
  return {
    kind: 'FILE_CHECK', trackFile: d.file.name, path: d.file.path, weight: d.weight ?? d.file.weight,
    reverse: d.weight === null ? d.file.reverse : d.reverse,
    ...common(ctx, s, parent), alpha: false, retry: 0, delayBeforeRetryMs: 0, warmupMs: 0, delayLoopMs: 0,
  };
}

/** BFD_CHECK { name alpha } (check_bfd.c); the name is resolved once every bfd_instance is read (build.ts). */
function buildBfdCheck(ctx: BuildContext, s: Statement, parent: CheckerParent): BfdCheck | null {
  const d: BfdCheckDraft = { name: null, alpha: parent.rs.alpha };
  applySection(ctx, s.block ?? [], BFD_CHECK, d, 'BFD_CHECK');
  if (d.name === null) {
    ctx.warn(s.keyword, `(${parent.rs.address}:${parent.rs.port}) No name has been specified for BFD_CHECKER - skipping`);
    return null;
  }
  return { kind: 'BFD_CHECK', name: d.name, alpha: d.alpha, location: ctx.loc(s.keyword) };
}

/** Top-level `SSL { password ca certificate key }` (check_parser.c ssl_handler). */
export function buildSsl(ctx: BuildContext, s: Statement): SslConfig | null {
  const block = ctx.needBlock(s);
  if (!block) return null;
  const ssl: SslConfig = { password: null, ca: null, certificate: null, key: null };
  applySection(ctx, block, SSL, ssl, 'SSL');
  return ssl;
}

/** Top-level `track_file NAME { … }` (and the deprecated `vrrp_track_file`), trackers/track_file.c. */
export function buildTrackFile(ctx: BuildContext, s: Statement): TrackFile | null {
  const name = ctx.arg(s, 0, 'a name');
  const block = ctx.needBlock(s);
  if (!name || !block) return null;
  const deprecated = s.keyword.value === 'vrrp_track_file';
  if (deprecated) ctx.warn(s.keyword, '"vrrp_track_file" is deprecated, please use "track_file"');
  const t: TrackFile = { name: name.value, path: '', weight: 1, reverse: false, init: null, location: ctx.loc(s.keyword) };
  applySection(ctx, block, deprecated ? VRRP_TRACK_FILE : TRACK_FILE, t, `track_file ${t.name}`);
  if (!t.path) {
    ctx.warn(s.keyword, `No file set for track_file ${t.name} - ignoring`);
    return null;
  }
  return t;
}
