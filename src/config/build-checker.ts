/**
 * Checker blocks of a real_server → model: TCP_CHECK, HTTP_GET, SSL_GET and MISC_CHECK with
 * keepalived 2.2.7's keywords, defaults and corrections (check_api.c, check_tcp.c,
 * check_http.c, check_misc.c, check_data.c validate_check_config), and the global SSL block.
 * Timing is inherited checker ← real_server ← virtual_server ← the checker's own default.
 */
import type { BuildContext } from './context';
import { splitCommand } from './context';
import type {
  CheckCommon, Checker, ConnOpts, DnsCheck, FileCheck, HttpCheck, HttpUrl, MiscCheck, PingCheck, RealServer, SmtpCheck, SslConfig,
  TcpCheck, TrackFile, UdpCheck, UnsupportedCheck,
} from './model';
import type { Statement } from './parse';

export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_RETRY = 1;
export const DEFAULT_DELAY_BEFORE_RETRY_MS = 1_000;
/** check_http.c http_get_handler: default_delay_before_retry = 3 * TIMER_HZ. */
export const HTTP_DEFAULT_DELAY_BEFORE_RETRY_MS = 3_000;
export const DEFAULT_DELAY_LOOP_MS = 60_000;

/** The checker timing settings any level may give; null = inherit. */
export interface CheckTiming {
  connectTimeoutMs: number | null;
  retry: number | null;
  delayBeforeRetryMs: number | null;
  warmupMs: number | null;
  delayLoopMs: number | null;
}

export function noTiming(): CheckTiming {
  return { connectTimeoutMs: null, retry: null, delayBeforeRetryMs: null, warmupMs: null, delayLoopMs: null };
}

/** Timing keywords valid in virtual_server, real_server and checkers; true when `s` was one. */
export function timingKeyword(ctx: BuildContext, s: Statement, t: CheckTiming): boolean {
  switch (s.keyword.value) {
    case 'connect_timeout': t.connectTimeoutMs = ctx.timerMs(s, 0.001, 86400) ?? t.connectTimeoutMs; return true;
    case 'retry': t.retry = ctx.int(s, 0, 1_000_000) ?? t.retry; return true;
    case 'delay_before_retry': t.delayBeforeRetryMs = ctx.timerMs(s, 0, 86400) ?? t.delayBeforeRetryMs; return true;
    case 'warmup': t.warmupMs = ctx.timerMs(s, 0, 86400) ?? t.warmupMs; return true;
    case 'delay_loop': t.delayLoopMs = ctx.timerMs(s, 0.001, 86400) ?? t.delayLoopMs; return true;
    default: return false;
  }
}

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

/** The checker keywords a real_server block dispatches here. */
export const CHECKER_KEYWORDS = new Set([
  'TCP_CHECK', 'HTTP_GET', 'SSL_GET', 'MISC_CHECK', 'SMTP_CHECK', 'DNS_CHECK', 'UDP_CHECK', 'PING_CHECK', 'FILE_CHECK', 'BFD_CHECK',
]);

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

/** One checker block → its checkers (an SMTP_CHECK with `host` blocks stands for one checker per host). */
export function buildChecker(ctx: BuildContext, s: Statement, parent: CheckerParent): Checker[] {
  if (s.keyword.value === 'SMTP_CHECK') return buildSmtpChecks(ctx, s, parent);
  const c = buildOneChecker(ctx, s, parent);
  return c ? [c] : [];
}

function buildOneChecker(ctx: BuildContext, s: Statement, parent: CheckerParent): Checker | null {
  switch (s.keyword.value) {
    case 'TCP_CHECK': return buildTcpCheck(ctx, s, parent);
    case 'HTTP_GET': case 'SSL_GET': return buildHttpCheck(ctx, s, parent);
    case 'MISC_CHECK': return buildMiscCheck(ctx, s, parent);
    case 'DNS_CHECK': return buildDnsCheck(ctx, s, parent);
    case 'UDP_CHECK': return buildUdpCheck(ctx, s, parent);
    case 'PING_CHECK': return buildPingCheck(ctx, s, parent);
    case 'FILE_CHECK': return buildFileCheck(ctx, s, parent);
    default: return buildUnsupportedCheck(ctx, s);
  }
}

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

/** A keyword every checker takes (alpha, log_all_failures); true when `b` was one. */
function commonKeyword(ctx: BuildContext, b: Statement, c: CheckCommon): boolean {
  switch (b.keyword.value) {
    case 'alpha': c.alpha = ctx.bool(b); return true;
    case 'log_all_failures': c.logAllFailures = ctx.bool(b); return true;
    default: return false;
  }
}

/** Checkers on datagram/raw sockets, where halo cannot set SO_MARK / SO_BINDTODEVICE yet. */
const DGRAM_KINDS = new Set(['DNS_CHECK', 'UDP_CHECK', 'PING_CHECK']);

/** connect_ip, connect_port, bindto, bind_port, bind_if, fwmark; true when `b` was one. */
function connKeyword(ctx: BuildContext, b: Statement, c: ConnOpts & object, kind: string): boolean {
  switch (b.keyword.value) {
    case 'connect_ip': c.connectIp = ctx.address(b)?.address ?? c.connectIp; return true;
    case 'connect_port': {
      const w = ctx.arg(b, 0, 'a port');
      const p = w ? ctx.port(w, 'connect_port') : null;
      if (p !== null) {
        c.connectPort = p;
        ownPort.add(c);
      }
      return true;
    }
    case 'bindto': c.bindto = ctx.address(b)?.address ?? null; return true;
    case 'bind_port': { const w = ctx.arg(b, 0, 'a port'); c.bindPort = w ? ctx.port(w, 'bind_port') : null; return true; }
    case 'bind_if': {
      const w = ctx.arg(b, 0, 'an interface name');
      if (!w) return true;
      if (w.value.length > 15) ctx.warn(w, `Interface name ${w.value} is too long - ignoring`);
      else c.bindIf = w.value;
      if (DGRAM_KINDS.has(kind)) ctx.error(b.keyword, `${kind}: 'bind_if' is not implemented yet for UDP/ICMP checkers (SO_BINDTODEVICE)`);
      return true;
    }
    case 'fwmark':
      c.fwmark = ctx.int(b, 0, 0xffffffff);
      if (DGRAM_KINDS.has(kind)) ctx.error(b.keyword, `${kind}: 'fwmark' is not implemented yet for UDP/ICMP checkers (SO_MARK)`);
      return true;
    default: return false;
  }
}

function resolveTiming(c: CheckCommon, own: CheckTiming, parent: CheckerParent, d: KindDefaults): void {
  const t = parent.timing;
  c.retry = own.retry ?? t.retry ?? d.retry;
  c.delayLoopMs = own.delayLoopMs ?? t.delayLoopMs ?? DEFAULT_DELAY_LOOP_MS;
  c.delayBeforeRetryMs = own.delayBeforeRetryMs ?? t.delayBeforeRetryMs ?? d.delayBeforeRetryMs ?? c.delayLoopMs;
  c.warmupMs = own.warmupMs ?? t.warmupMs ?? c.delayLoopMs;
}

function buildTcpCheck(ctx: BuildContext, s: Statement, parent: CheckerParent): TcpCheck | null {
  const own = noTiming();
  const c: TcpCheck = { kind: 'TCP_CHECK', ...connOpts(parent), ...common(ctx, s, parent) };
  for (const b of s.block ?? []) {
    ctx.checkBlock(b);
    if (b.keyword.value === 'nb_get_retry') {
      ctx.warn(b.keyword, "'nb_get_retry' is only accepted in HTTP_GET; use 'retry'");
      continue;
    }
    if (timingKeyword(ctx, b, own) || commonKeyword(ctx, b, c) || connKeyword(ctx, b, c, 'TCP_CHECK')) continue;
    ctx.unknown(b, 'TCP_CHECK');
  }
  if (c.connectPort === 0) ctx.error(s.keyword, `TCP_CHECK for ${parent.rs.address}: no port to connect to (give connect_port)`);
  c.connectTimeoutMs = own.connectTimeoutMs ?? parent.timing.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  resolveTiming(c, own, parent, { retry: DEFAULT_RETRY, delayBeforeRetryMs: DEFAULT_DELAY_BEFORE_RETRY_MS });
  return c;
}

/** pcre2 options halo maps onto JavaScript RegExp flags; the others are refused. */
const REGEX_OPTION_FLAGS: Record<string, string> = { caseless: 'i', multiline: 'm', dotall: 's', utf: 'u', ucp: 'u' };
/** pcre2 options that do not change what matches a plain pattern here. */
const REGEX_OPTION_NEUTRAL = new Set(['no_auto_possess', 'no_start_optimize', 'no_dotstar_anchor', 'never_ucp', 'never_utf', 'never_backslash_c', 'no_auto_capture', 'dupnames', 'auto_callout', 'use_offset_limit']);
const REGEX_OPTIONS_KNOWN = new Set([
  'allow_empty_class', 'alt_bsux', 'auto_callout', 'caseless', 'dollar_endonly', 'dotall', 'dupnames', 'extended', 'firstline',
  'match_unset_backref', 'multiline', 'never_ucp', 'never_utf', 'no_auto_capture', 'no_auto_possess', 'no_dotstar_anchor',
  'no_start_optimize', 'ucp', 'ungreedy', 'utf', 'never_backslash_c', 'alt_circumflex', 'alt_verbnames', 'use_offset_limit',
]);

/** The JavaScript RegExp flags for a url's regex_options. */
export function regexFlags(options: readonly string[]): string {
  const flags = new Set<string>();
  for (const o of options) if (REGEX_OPTION_FLAGS[o]) flags.add(REGEX_OPTION_FLAGS[o]);
  return [...flags].join('');
}

function buildUrl(ctx: BuildContext, s: Statement): HttpUrl | null {
  const url: HttpUrl = {
    path: '', digest: null, statusCodes: [], virtualhost: null, regex: null, regexNoMatch: false, regexOptions: [],
    regexMinOffset: 0, regexMaxOffset: 0,
  };
  let hasPath = false;
  for (const b of ctx.needBlock(s) ?? []) {
    ctx.checkBlock(b);
    switch (b.keyword.value) {
      case 'path': { const p = ctx.str(b); if (p !== null) { url.path = p; hasPath = true; } break; }
      case 'digest': {
        const w = ctx.arg(b, 0, 'an MD5 digest');
        if (!w) break;
        if (url.digest !== null) ctx.error(w, `Digest '${w.value}' is a duplicate`);
        else if (w.value.length !== 32) ctx.error(w, `digest '${w.value}' character length should be 32 rather than ${w.value.length}`);
        else if (!/^[0-9a-fA-F]{32}$/.test(w.value)) ctx.error(w, `Unable to interpret hex digit in '${w.value}'`);
        else url.digest = w.value.toLowerCase();
        break;
      }
      case 'status_code':
        if (b.args.length === 0) ctx.error(b.keyword, "'status_code' needs a code or a range (200, 200-299)");
        for (const w of b.args) {
          const m = /^(\d+)(?:-(\d+))?$/.exec(w.value);
          const min = m ? Number(m[1]) : NaN;
          const max = m ? Number(m[2] ?? m[1]) : NaN;
          if (!m || min < 100 || max > 599 || min > max) ctx.error(w, `Invalid HTTP_GET status code '${w.value}'`);
          else url.statusCodes.push([min, max]);
        }
        break;
      case 'virtualhost': url.virtualhost = ctx.arg(b, 0, 'a host name')?.value ?? url.virtualhost; break;
      case 'regex': {
        const w = ctx.arg(b, 0, 'a regular expression');
        if (!w) break;
        if (b.args.length > 1) ctx.error(b.args[1], 'regex missing or too many fields (quote a pattern with spaces)');
        url.regex = w.value;
        break;
      }
      case 'regex_no_match': url.regexNoMatch = true; break;
      case 'regex_options':
        for (const w of b.args) {
          if (!REGEX_OPTIONS_KNOWN.has(w.value)) ctx.warn(w, `regex_options: unknown option '${w.value}' - ignoring`);
          else if (!REGEX_OPTION_FLAGS[w.value] && !REGEX_OPTION_NEUTRAL.has(w.value)) {
            ctx.error(w, `regex_options: '${w.value}' is not implemented (halo matches with JavaScript regular expressions: caseless, multiline, dotall, utf, ucp)`);
          } else url.regexOptions.push(w.value);
        }
        break;
      case 'regex_min_offset': url.regexMinOffset = ctx.int(b, 0, 0x7fffffff) ?? 0; break;
      case 'regex_max_offset': { const n = ctx.int(b, 0, 0x7fffffff); url.regexMaxOffset = n === null ? 0 : n + 1; break; }
      case 'regex_stack': ctx.warn(b.keyword, "'regex_stack' is a pcre2 JIT setting; no effect in halo"); break;
      default: ctx.unknown(b, 'url');
    }
  }
  if (!hasPath) {
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
  const own = noTiming();
  const c: HttpCheck = {
    kind, ...connOpts(parent), ...common(ctx, s, parent), urls: [], httpProtocol: '1.0', virtualhost: null,
    enableSni: false, fastRecovery: false,
  };
  let vhost: string | null = null;
  for (const b of s.block ?? []) {
    ctx.checkBlock(b);
    if (b.keyword.value === 'nb_get_retry') {
      ctx.warn(b.keyword, "nb_get_retry is deprecated - please use 'retry'");
      own.retry = ctx.int(b, 0, 1_000_000) ?? own.retry;
      continue;
    }
    if (timingKeyword(ctx, b, own) || commonKeyword(ctx, b, c) || connKeyword(ctx, b, c, kind)) continue;
    switch (b.keyword.value) {
      case 'virtualhost': vhost = ctx.arg(b, 0, 'a host name')?.value ?? vhost; break;
      case 'http_protocol': {
        const w = ctx.arg(b, 0, '1.0, 1.0C or 1.1');
        if (!w) break;
        if (w.value === '1.0' || w.value === '1.1') c.httpProtocol = w.value;
        else if (w.value === '1.0C' || w.value === '1.0c') c.httpProtocol = '1.0C';
        else ctx.error(w, `Invalid http_protocol version ${w.value}`);
        break;
      }
      case 'enable_sni': c.enableSni = ctx.bool(b); break;
      case 'fast_recovery': c.fastRecovery = ctx.bool(b); break;
      case 'url': { const u = buildUrl(ctx, b); if (u) c.urls.push(u); break; }
      default: ctx.unknown(b, kind);
    }
  }
  c.virtualhost = vhost ?? parent.virtualhost;
  if (c.urls.length === 0) {
    ctx.warn(s.keyword, 'HTTP/SSL_GET checker has no urls specified - ignoring');
    return null;
  }
  c.connectTimeoutMs = own.connectTimeoutMs ?? parent.timing.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  resolveTiming(c, own, parent, { retry: DEFAULT_RETRY, delayBeforeRetryMs: HTTP_DEFAULT_DELAY_BEFORE_RETRY_MS });
  return c;
}

function buildMiscCheck(ctx: BuildContext, s: Statement, parent: CheckerParent): MiscCheck | null {
  const own = noTiming();
  const c: MiscCheck = { kind: 'MISC_CHECK', path: [], timeoutMs: 0, dynamic: false, user: null, group: null, ...common(ctx, s, parent) };
  for (const b of s.block ?? []) {
    ctx.checkBlock(b);
    if (b.keyword.value === 'connect_timeout') {
      ctx.unknown(b, 'MISC_CHECK');
      continue;
    }
    if (timingKeyword(ctx, b, own) || commonKeyword(ctx, b, c)) continue;
    switch (b.keyword.value) {
      case 'misc_path': {
        if (b.args.length === 0) ctx.error(b.keyword, "'misc_path' needs a script");
        else c.path = b.args.length === 1 && b.args[0].quoted ? splitCommand(b.args[0].value) : b.args.map((w) => w.value);
        break;
      }
      case 'misc_timeout': c.timeoutMs = (ctx.int(b, 0, 86400) ?? 0) * 1000; break;
      case 'misc_dynamic': c.dynamic = true; break;
      case 'user': c.user = ctx.str(b); c.group = b.args[1]?.value ?? null; break;
      default: ctx.unknown(b, 'MISC_CHECK');
    }
  }
  if (c.path.length === 0) {
    ctx.error(s.keyword, 'MISC_CHECK has no misc_path');
    return null;
  }
  if (c.timeoutMs === 0) c.timeoutMs = parent.vsDelayLoopMs;
  resolveTiming(c, own, parent, { retry: 0, delayBeforeRetryMs: DEFAULT_DELAY_BEFORE_RETRY_MS });
  return c;
}

/** The common part of checkers with a connection: timing, alpha, log_all_failures and conn_opts keywords, then `own` for the rest. */
function connChecker<T extends CheckCommon & ConnOpts>(
  ctx: BuildContext, s: Statement, parent: CheckerParent, c: T, d: KindDefaults, own: (b: Statement) => boolean,
): T {
  const timing = noTiming();
  for (const b of s.block ?? []) {
    ctx.checkBlock(b);
    if (timingKeyword(ctx, b, timing) || commonKeyword(ctx, b, c) || connKeyword(ctx, b, c, s.keyword.value) || own(b)) continue;
    ctx.unknown(b, s.keyword.value);
  }
  c.connectTimeoutMs = timing.connectTimeoutMs ?? parent.timing.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  resolveTiming(c, timing, parent, d);
  return c;
}

/** check_dns.c DNS_TYPE. */
export const DNS_TYPES: Record<string, number> = { A: 1, NS: 2, CNAME: 5, SOA: 6, MX: 15, TXT: 16, AAAA: 28, RRSIG: 46, DNSKEY: 48 };

function buildDnsCheck(ctx: BuildContext, s: Statement, parent: CheckerParent): DnsCheck {
  const c: DnsCheck = { kind: 'DNS_CHECK', ...connOpts(parent), ...common(ctx, s, parent), type: 'SOA', name: '' };
  let named = false;
  return connChecker(ctx, s, parent, c, { retry: 3, delayBeforeRetryMs: null }, (b) => {
    if (b.keyword.value === 'type') {
      const w = ctx.arg(b, 0, 'a query type');
      if (w && DNS_TYPES[w.value.toUpperCase()] !== undefined) c.type = w.value.toUpperCase();
      else if (w) ctx.warn(w, `Unknown DNS check type ${w.value} - ignoring`);
      return true;
    }
    if (b.keyword.value === 'name') {
      const w = ctx.arg(b, 0, 'a domain name');
      if (!w) return true;
      if (named) ctx.warn(w, 'DNS_CHECK name already specified - ignoring');
      else if ((w.value.startsWith('.') && w.value !== '.') || w.value.includes('..')) ctx.warn(w, `DNS_CHECK name '${w.value}' has empty label - ignoring`);
      else {
        c.name = w.value;
        named = true;
      }
      return true;
    }
    return false;
  });
}

/** lib/parser.c read_hex_str: hex octets, blanks between them allowed; X a wildcard nibble when allowed. Null if invalid. */
export function readHexString(text: string, wildcard: boolean): { data: Buffer; mask: Buffer | null } | null {
  const data: number[] = [];
  const mask: number[] = [];
  let usingMask = false;
  const nib = (ch: string): number => {
    if (/^[0-9a-fA-F]$/.test(ch)) return parseInt(ch, 16);
    if (wildcard && (ch === 'x' || ch === 'X')) return -2;
    return -1;
  };
  let i = 0;
  for (;;) {
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (i >= text.length) break;
    let v = nib(text[i++]);
    if (v === -1) return null;
    let m = 0;
    if (v === -2) { m = 0x0f; v = 0; usingMask = true; }
    if (i < text.length && text[i] !== ' ') {
      let v2 = nib(text[i++]);
      if (v2 === -1) return null;
      let m2 = 0;
      if (v2 === -2) { m2 = 0x0f; v2 = 0; usingMask = true; }
      v = (v << 4) | v2;
      m = (m << 4) | m2;
    }
    data.push(v);
    mask.push(m);
  }
  if (data.length === 0) return null;
  return { data: Buffer.from(data), mask: usingMask ? Buffer.from(mask) : null };
}

function buildUdpCheck(ctx: BuildContext, s: Statement, parent: CheckerParent): UdpCheck {
  const c: UdpCheck = {
    kind: 'UDP_CHECK', ...connOpts(parent), ...common(ctx, s, parent), payload: null, requireReply: false, replyData: null,
    replyMask: null, minReplyLength: 0, maxReplyLength: 255,
  };
  connChecker(ctx, s, parent, c, { retry: DEFAULT_RETRY, delayBeforeRetryMs: DEFAULT_DELAY_BEFORE_RETRY_MS }, (b) => {
    const text = b.args.map((w) => w.value).join(' ');
    switch (b.keyword.value) {
      case 'payload': {
        if (b.args.length === 0) { ctx.error(b.keyword, 'UDP_CHECK payload requires a payload'); return true; }
        const h = readHexString(text, false);
        if (!h) ctx.error(b.args[0], 'Invalid hex string for UDP_CHECK payload');
        else c.payload = h.data.toString('hex');
        return true;
      }
      case 'require_reply': {
        c.requireReply = true;
        if (b.args.length === 0) return true;
        const h = readHexString(text, true);
        if (!h) ctx.error(b.args[0], 'Invalid hex string for UDP_CHECK reply');
        else {
          c.replyData = h.data.toString('hex');
          c.replyMask = h.mask ? h.mask.toString('hex') : null;
        }
        return true;
      }
      case 'min_reply_length': c.minReplyLength = ctx.int(b, 0, 65535) ?? c.minReplyLength; return true;
      case 'max_reply_length': c.maxReplyLength = ctx.int(b, 0, 65535) ?? c.maxReplyLength; return true;
      default: return false;
    }
  });
  if (c.minReplyLength > c.maxReplyLength) ctx.warn(s.keyword, `UDP_CHECK min_reply length ${c.minReplyLength} > max_reply_length ${c.maxReplyLength} - will always fail`);
  return c;
}

function buildPingCheck(ctx: BuildContext, s: Statement, parent: CheckerParent): PingCheck {
  const c: PingCheck = { kind: 'PING_CHECK', ...connOpts(parent), ...common(ctx, s, parent) };
  connChecker(ctx, s, parent, c, { retry: DEFAULT_RETRY, delayBeforeRetryMs: DEFAULT_DELAY_BEFORE_RETRY_MS }, () => false);
  if (parent.rs.family === 6 || c.connectIp.includes(':')) ctx.error(s.keyword, 'PING_CHECK: IPv6 (ICMPv6 echo) is not implemented yet');
  return c;
}

/** check_smtp.h SMTP_DEFAULT_HELO */
export const SMTP_DEFAULT_HELO = 'smtpchecker.keepalived.org';

/**
 * SMTP_CHECK (check_smtp.c): the 2.2.7 form (conn_opts in the block) and the deprecated
 * `host { }` blocks, each of which becomes a checker of its own; when the block itself sets no
 * connection option, the first host takes the block's place.
 */
function buildSmtpChecks(ctx: BuildContext, s: Statement, parent: CheckerParent): SmtpCheck[] {
  const timing = noTiming();
  const base: SmtpCheck = { kind: 'SMTP_CHECK', ...connOpts(parent), ...common(ctx, s, parent), heloName: SMTP_DEFAULT_HELO };
  let ownConn = false;
  let ownTimeout: number | null = null;
  const hosts: SmtpCheck[] = [];
  for (const b of s.block ?? []) {
    ctx.checkBlock(b);
    if (b.keyword.value === 'helo_name') {
      base.heloName = ctx.arg(b, 0, 'a host name')?.value ?? base.heloName;
      continue;
    }
    if (b.keyword.value === 'host') {
      const h: SmtpCheck = { ...base, ...connOpts(parent), location: ctx.loc(b.keyword) };
      let hostTimeout: number | null = null;
      for (const hb of b.block ?? []) {
        ctx.checkBlock(hb);
        if (hb.keyword.value === 'connect_timeout') { hostTimeout = ctx.timerMs(hb, 0.001, 86400); continue; }
        if (connKeyword(ctx, hb, h, 'SMTP_CHECK host')) continue;
        ctx.unknown(hb, 'SMTP_CHECK host');
      }
      (h as SmtpCheck & { ownTimeout?: number | null }).ownTimeout = hostTimeout;
      hosts.push(h);
      continue;
    }
    if (b.keyword.value === 'connect_timeout') { ownTimeout = ctx.timerMs(b, 0.001, 86400); ownConn = true; continue; }
    if (timingKeyword(ctx, b, timing) || commonKeyword(ctx, b, base)) continue;
    if (connKeyword(ctx, b, base, 'SMTP_CHECK')) { ownConn = true; continue; }
    ctx.unknown(b, 'SMTP_CHECK');
  }
  if (hosts.length > 0) ctx.warn(s.keyword, 'The SMTP_CHECK host block is deprecated. Please define additional checkers.');
  resolveTiming(base, timing, parent, { retry: DEFAULT_RETRY, delayBeforeRetryMs: DEFAULT_DELAY_BEFORE_RETRY_MS });
  const inherited = parent.timing.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  base.connectTimeoutMs = ownTimeout ?? inherited;
  const out: SmtpCheck[] = [];
  const first = ownConn || hosts.length === 0 ? base : null;
  if (first) out.push(first);
  for (const h of hosts) {
    const t = (h as SmtpCheck & { ownTimeout?: number | null }).ownTimeout;
    delete (h as SmtpCheck & { ownTimeout?: number | null }).ownTimeout;
    const own = ownPort.has(h);
    const c: SmtpCheck = {
      ...h, heloName: base.heloName, retry: base.retry, delayBeforeRetryMs: base.delayBeforeRetryMs, warmupMs: base.warmupMs,
      delayLoopMs: base.delayLoopMs, alpha: base.alpha, logAllFailures: base.logAllFailures, connectTimeoutMs: t ?? inherited,
    };
    if (own) ownPort.add(c);
    out.push(c);
  }
  return out;
}

function buildFileCheck(ctx: BuildContext, s: Statement, parent: CheckerParent): FileCheck | null {
  let file: TrackFile | null = null;
  let weight: number | null = null;
  let reverse = false;
  for (const b of s.block ?? []) {
    ctx.checkBlock(b);
    if (b.keyword.value === 'track_file') {
      const w = ctx.arg(b, 0, 'a track_file name');
      if (!w) continue;
      file = parent.trackFiles?.find((t) => t.name === w.value) ?? null;
      if (!file) ctx.error(w, `track_file ${w.value} not found`);
    } else if (b.keyword.value === 'weight') {
      weight = ctx.int(b, -0x7fffffff, 0x7fffffff);
      const opt = b.args[1]?.value;
      if (opt === 'reverse') reverse = true;
      else if (opt !== undefined && opt !== 'noreverse') ctx.warn(b.args[1], `unknown track file weight option ${opt} - ignoring`);
    } else ctx.unknown(b, 'FILE_CHECK');
  }
  if (!file) {
    ctx.warn(s.keyword, 'FILE_CHECK has no track_file specified - ignoring');
    return null;
  }
  return {
    kind: 'FILE_CHECK', trackFile: file.name, path: file.path, weight: weight ?? file.weight, reverse: weight === null ? file.reverse : reverse,
    ...common(ctx, s, parent), alpha: false, retry: 0, delayBeforeRetryMs: 0, warmupMs: 0, delayLoopMs: 0,
  };
}

/** Top-level `track_file NAME { … }` (and the deprecated `vrrp_track_file`), trackers/track_file.c. */
export function buildTrackFile(ctx: BuildContext, s: Statement): TrackFile | null {
  const name = ctx.arg(s, 0, 'a name');
  const block = ctx.needBlock(s);
  if (!name || !block) return null;
  if (s.keyword.value === 'vrrp_track_file') ctx.warn(s.keyword, '"vrrp_track_file" is deprecated, please use "track_file"');
  const t: TrackFile = { name: name.value, path: '', weight: 1, reverse: false, init: null, location: ctx.loc(s.keyword) };
  for (const b of block) {
    ctx.checkBlock(b);
    switch (b.keyword.value) {
      case 'file': t.path = ctx.str(b) ?? t.path; break;
      case 'weight': {
        t.weight = ctx.int(b, -254, 254) ?? 1;
        const opt = b.args[1]?.value;
        if (opt === 'reverse') t.reverse = true;
        else if (opt !== undefined) ctx.warn(b.args[1], `track_file ${t.name} unknown weight option ${opt}`);
        break;
      }
      case 'init_file': {
        const init = { value: 0, overwrite: false };
        for (const w of b.args) {
          if (/^-?\d+$/.test(w.value)) init.value = Number(w.value);
          else if (w.value === 'overwrite') init.overwrite = true;
          else ctx.warn(w, `Unknown track file init option ${w.value}`);
        }
        t.init = init;
        break;
      }
      default: ctx.unknown(b, `track_file ${t.name}`);
    }
  }
  if (!t.path) {
    ctx.warn(s.keyword, `No file set for track_file ${t.name} - ignoring`);
    return null;
  }
  return t;
}

function buildUnsupportedCheck(ctx: BuildContext, s: Statement): UnsupportedCheck {
  const settings: Record<string, string[]> = {};
  const collect = (stmts: Statement[], prefix: string): void => {
    for (const b of stmts) {
      const key = prefix + b.keyword.value;
      settings[key] = [...(settings[key] ?? []), ...b.args.map((w) => w.value)];
      if (b.block) collect(b.block, `${key}.`);
    }
  };
  collect(s.block ?? [], '');
  ctx.warn(s.keyword, `${s.keyword.value} is not supported yet: parsed, but this real server is not health-checked by it`);
  return { kind: s.keyword.value as UnsupportedCheck['kind'], settings, location: ctx.loc(s.keyword) };
}

/** Top-level `SSL { password ca certificate key }` (check_parser.c ssl_handler). */
export function buildSsl(ctx: BuildContext, s: Statement): SslConfig | null {
  const block = ctx.needBlock(s);
  if (!block) return null;
  const ssl: SslConfig = { password: null, ca: null, certificate: null, key: null };
  for (const b of block) {
    ctx.checkBlock(b);
    switch (b.keyword.value) {
      case 'password': ssl.password = ctx.str(b); break;
      case 'ca': ssl.ca = ctx.str(b); break;
      case 'certificate': ssl.certificate = ctx.str(b); break;
      case 'key': ssl.key = ctx.str(b); break;
      default: ctx.unknown(b, 'SSL');
    }
  }
  return ssl;
}
