/**
 * Health checkers (keepalived/check/check_*.c install_*_check_keyword, check_api.c
 * install_checker_common_keywords, trackers/track_file.c): the checker keywords of a
 * real_server and each checker's own block. The builders are in src/config/build-checker.ts;
 * these tables read each keyword into the checker's draft. BFD_CHECK (check_bfd.c) has no
 * probe: the named bfd_instance's session state is the checker's state (src/bfd).
 */
import type { RealServerDraft } from '../build-lvs';
import type { BuildContext } from '../context';
import { rawLine, scriptLine } from '../script-words';
import { timingReader, type CheckTiming } from '../lvs-values';
import type {
  CheckCommon, ConnOpts, DnsCheck, HttpCheck, HttpUrl, MiscCheck, PingCheck, SmtpCheck, SslConfig, TcpCheck, TrackFile, UdpCheck,
} from '../model';
import type { Statement } from '../parse';
import { acted, noEffect, section, type KeywordSpec, type SectionTable } from './types';

const collect = (_c: BuildContext, s: Statement, r: RealServerDraft): void => { r.checkerStatements.push(s); };

/** The checker keywords of a real_server block. */
export const CHECKERS: KeywordSpec<RealServerDraft>[] = [
  acted('MISC_CHECK', 'misc_check_handler', '', 'a script as health check (misc_path, misc_timeout, misc_dynamic, user)', collect),
  acted('SMTP_CHECK', 'smtp_check_handler', '', 'banner 220, HELO 250, QUIT; the 2.2.7 form and the deprecated host blocks', collect),
  acted('TCP_CHECK', 'tcp_check_handler', '', 'a TCP connect', collect),
  acted('PING_CHECK', 'ping_check_handler', '', 'ICMP echo, IPv4 and IPv6 (ICMPv6)', collect),
  acted('UDP_CHECK', 'udp_check_handler', '', 'a datagram, ICMP port unreachable is down; require_reply', collect),
  acted('HTTP_GET', 'http_get_handler', '', 'HTTP GET of each url: status code, MD5 digest, regex', collect),
  acted('SSL_GET', 'http_get_handler', '', 'HTTPS GET of each url (the certificate is not verified, as keepalived)', collect),
  acted('DNS_CHECK', 'dns_check_handler', '', 'a DNS query: a response with its id and rcode 0', collect),
  acted('FILE_CHECK', 'file_check_handler', '', 'a tracked file moves the weight or faults the server', collect),
  acted('BFD_CHECK', 'bfd_check_handler', '', "the named bfd_instance's session: Up is up, leaving Up is down", collect),
];

/** A checker block while it is read: the checker, its own timing, and whether it named its port. */
export interface CheckerDraft<C> {
  check: C;
  timing: CheckTiming;
  ownPort: boolean;
}

type Common = CheckerDraft<CheckCommon>;
type Conn = CheckerDraft<CheckCommon & ConnOpts>;

function port(ctx: BuildContext, s: Statement): number | null {
  const w = ctx.arg(s, 0, 'a port');
  return w ? ctx.port(w, s.keyword.value) : null;
}

/** retry … log_all_failures (install_checker_common_keywords' second half). */
function commonKeywords<D extends Common>(retryDefault = '1', dbrDefault = '1'): KeywordSpec<D>[] {
  return [
    acted('retry', 'retry_handler', `the real server's, else ${retryDefault}`, '', timingReader('retry')),
    acted('delay_before_retry', 'delay_before_retry_handler', `the real server's, else ${dbrDefault}`, '', timingReader('delayBeforeRetryMs')),
    acted('warmup', 'warmup_handler', 'delay_loop', '', timingReader('warmupMs')),
    acted('delay_loop', 'delay_handler', "the real server's, else 60", '', timingReader('delayLoopMs')),
    acted('alpha', 'alpha_handler', "the real server's", '', (ctx, s, t) => { t.check.alpha = ctx.bool(s); }),
    acted('log_all_failures', 'log_all_failures_handler', 'checker_log_all_failures', '', (ctx, s, t) => { t.check.logAllFailures = ctx.bool(s); }),
  ];
}

/**
 * connect_ip … fwmark (install_checker_common_keywords' connection half). `stream`: TCP
 * checkers (bind_if and fwmark through the native addon); `datagram`: UDP and DNS (bind_if and
 * fwmark on the native addon's datagram socket); `icmp`: PING_CHECK's raw ICMP/ICMPv6 socket, which takes bind_if and
 * fwmark as socket options but binds to no source address or port.
 */
function connKeywords<D extends Conn>(kind: 'stream' | 'datagram' | 'icmp'): KeywordSpec<D>[] {
  const bindIf = (ctx: BuildContext, s: Statement, t: D): void => {
    const w = ctx.arg(s, 0, 'an interface name');
    if (!w) return;
    if (w.value.length > 15) ctx.warn(w, `Interface name ${w.value} is too long - ignoring`);
    else t.check.bindIf = w.value;
  };
  const fwmark = (ctx: BuildContext, s: Statement, t: D): void => { t.check.fwmark = ctx.int(s, 0, 0xffffffff); };
  const bindto = (ctx: BuildContext, s: Statement, t: D): void => { t.check.bindto = ctx.address(s)?.address ?? null; };
  const bindPort = (ctx: BuildContext, s: Statement, t: D): void => { t.check.bindPort = port(ctx, s); };
  return [
    acted('connect_ip', 'co_ip_handler', "the real server's address", '', (ctx, s, t) => { t.check.connectIp = ctx.address(s)?.address ?? t.check.connectIp; }),
    acted('connect_port', 'co_port_handler', "the real server's port", '', (ctx, s, t) => { const p = port(ctx, s); if (p !== null) { t.check.connectPort = p; t.ownPort = true; } }),
    // keepalived 2.2.7 reads both for PING_CHECK and never uses them (check_ping.c binds nothing):
    // the kernel picks the ICMP source there as here, so the meaning is the same
    kind === 'icmp'
      ? noEffect('bindto', 'co_srcip_handler', 'chosen by the kernel', 'PING_CHECK: keepalived 2.2.7 reads it and never binds its ICMP socket (check_ping.c), so the kernel picks the source there as in halo')
      : acted('bindto', 'co_srcip_handler', 'chosen by the kernel', '', bindto),
    kind === 'icmp'
      ? noEffect('bind_port', 'co_srcport_handler', 'chosen by the kernel', 'PING_CHECK: ICMP has no ports; keepalived 2.2.7 reads it and ignores it')
      : acted('bind_port', 'co_srcport_handler', 'chosen by the kernel', '', bindPort),
    acted('bind_if', 'co_srcif_handler', '', kind === 'icmp' ? 'SO_BINDTODEVICE on the ICMP socket' : 'SO_BINDTODEVICE (native addon)', bindIf),
    acted('connect_timeout', 'co_timeout_handler', "the real server's, else 5", '', timingReader('connectTimeoutMs')),
    acted('fwmark', 'co_fwmark_handler', '', kind === 'icmp' ? 'SO_MARK on the ICMP socket' : 'SO_MARK (native addon)', fwmark),
  ];
}

export const TCP_CHECK = section<CheckerDraft<TcpCheck>>('virtual_server/real_server/TCP_CHECK', [
  ...connKeywords('stream'), ...commonKeywords(),
]);

/** An HTTP_GET/SSL_GET block while it is read. */
export interface HttpDraft extends CheckerDraft<HttpCheck> {
  /** The checker's own virtualhost (else the real server's, else the virtual server's). */
  virtualhost: string | null;
  urls: Statement[];
}

const bool = (field: 'enableSni' | 'fastRecovery') => (ctx: BuildContext, s: Statement, t: HttpDraft): void => { t.check[field] = ctx.bool(s); };

function httpKeywords(): KeywordSpec<HttpDraft>[] {
  return [
    ...connKeywords<HttpDraft>('stream'), ...commonKeywords<HttpDraft>('1', '3'),
    acted('nb_get_retry', 'http_get_retry_handler', '1', "deprecated spelling of retry, with keepalived's warning", (ctx, s, t) => {
      ctx.warn(s.keyword, "nb_get_retry is deprecated - please use 'retry'");
      t.timing.retry = ctx.int(s, 0, 1_000_000) ?? t.timing.retry;
    }),
    acted('virtualhost', 'virtualhost_handler', "the real server's, else the virtual server's", 'Host header (and SNI with enable_sni)', (ctx, s, t) => {
      t.virtualhost = ctx.arg(s, 0, 'a host name')?.value ?? t.virtualhost;
    }),
    acted('http_protocol', 'http_protocol_handler', '1.0', '1.0, 1.0C (1.0 + Connection: close), 1.1', (ctx, s, t) => {
      const w = ctx.arg(s, 0, '1.0, 1.0C or 1.1');
      if (!w) return;
      if (w.value === '1.0' || w.value === '1.1') t.check.httpProtocol = w.value;
      else if (w.value === '1.0C' || w.value === '1.0c') t.check.httpProtocol = '1.0C';
      else ctx.error(w, `Invalid http_protocol version ${w.value}`);
    }),
    acted('enable_sni', 'enable_sni_handler', 'off', 'SSL_GET sends the virtualhost as server name', bool('enableSni')),
    acted('fast_recovery', 'fast_recovery_handler', 'off', 'urls checked back to back at start and on recovery', bool('fastRecovery')),
    acted('url', 'url_handler', '', 'one url block per url', (ctx, s, t) => { if (ctx.needBlock(s)) t.urls.push(s); }),
  ];
}

export const HTTP_GET = section<HttpDraft>('virtual_server/real_server/HTTP_GET', httpKeywords());
export const SSL_GET = section<HttpDraft>('virtual_server/real_server/SSL_GET', httpKeywords());

/** A url block while it is read. */
export interface UrlDraft {
  url: HttpUrl;
  hasPath: boolean;
}

/** pcre2 options halo maps onto JavaScript RegExp flags. */
export const REGEX_OPTION_FLAGS: Record<string, string> = { caseless: 'i', multiline: 'm', dotall: 's', utf: 'u', ucp: 'u' };
/** pcre2 options that do not change what a pattern matches here. */
const REGEX_OPTION_NEUTRAL = new Set(['no_auto_possess', 'no_start_optimize', 'no_dotstar_anchor', 'never_ucp', 'never_utf', 'never_backslash_c', 'no_auto_capture', 'dupnames', 'auto_callout', 'use_offset_limit']);
const REGEX_OPTIONS_KNOWN = new Set([
  'allow_empty_class', 'alt_bsux', 'auto_callout', 'caseless', 'dollar_endonly', 'dotall', 'dupnames', 'extended', 'firstline',
  'match_unset_backref', 'multiline', 'never_ucp', 'never_utf', 'no_auto_capture', 'no_auto_possess', 'no_dotstar_anchor',
  'no_start_optimize', 'ucp', 'ungreedy', 'utf', 'never_backslash_c', 'alt_circumflex', 'alt_verbnames', 'use_offset_limit',
]);

function urlKeywords(): KeywordSpec<UrlDraft>[] {
  return [
    acted('path', 'path_handler', '', '', (ctx, s, t) => { const p = ctx.str(s); if (p !== null) { t.url.path = p; t.hasPath = true; } }),
    acted('digest', 'digest_handler', '', 'MD5 of the body, as halo genhash / genhash print it', (ctx, s, t) => {
      const w = ctx.arg(s, 0, 'an MD5 digest');
      if (!w) return;
      if (t.url.digest !== null) ctx.error(w, `Digest '${w.value}' is a duplicate`);
      else if (w.value.length !== 32) ctx.error(w, `digest '${w.value}' character length should be 32 rather than ${w.value.length}`);
      else if (!/^[0-9a-fA-F]{32}$/.test(w.value)) ctx.error(w, `Unable to interpret hex digit in '${w.value}'`);
      else t.url.digest = w.value.toLowerCase();
    }),
    acted('status_code', 'status_code_handler', '200-299', 'codes and ranges', (ctx, s, t) => {
      if (s.args.length === 0) ctx.error(s.keyword, "'status_code' needs a code or a range (200, 200-299)");
      for (const w of s.args) {
        const m = /^(\d+)(?:-(\d+))?$/.exec(w.value);
        const min = m ? Number(m[1]) : NaN;
        const max = m ? Number(m[2] ?? m[1]) : NaN;
        if (!m || min < 100 || max > 599 || min > max) ctx.error(w, `Invalid HTTP_GET status code '${w.value}'`);
        else t.url.statusCodes.push([min, max]);
      }
    }),
    acted('virtualhost', 'url_virtualhost_handler', "the checker's", '', (ctx, s, t) => { t.url.virtualhost = ctx.arg(s, 0, 'a host name')?.value ?? t.url.virtualhost; }),
    acted('regex', 'regex_handler', '', 'JavaScript regular expression (pcre2 in keepalived) over a 4 KiB window of the streamed body', (ctx, s, t) => {
      const w = ctx.arg(s, 0, 'a regular expression');
      if (!w) return;
      if (s.args.length > 1) ctx.error(s.args[1], 'regex missing or too many fields (quote a pattern with spaces)');
      t.url.regex = w.value;
    }),
    acted('regex_no_match', 'regex_no_match_handler', 'off', '', (_ctx, _s, t) => { t.url.regexNoMatch = true; }),
    acted('regex_options', 'regex_options_handler', '', 'caseless, multiline, dotall, utf, ucp honoured; options changing pcre2 semantics refused', (ctx, s, t) => {
      for (const w of s.args) {
        if (!REGEX_OPTIONS_KNOWN.has(w.value)) ctx.warn(w, `regex_options: unknown option '${w.value}' - ignoring`);
        else if (!REGEX_OPTION_FLAGS[w.value] && !REGEX_OPTION_NEUTRAL.has(w.value)) ctx.unimplemented(w, `regex_options '${w.value}' (halo matches with JavaScript regular expressions)`);
        else t.url.regexOptions.push(w.value);
      }
    }),
    acted('regex_min_offset', 'regex_min_offset_handler', '0', '', (ctx, s, t) => { t.url.regexMinOffset = ctx.int(s, 0, 0x7fffffff) ?? 0; }),
    acted('regex_max_offset', 'regex_max_offset_handler', 'unlimited', '', (ctx, s, t) => { const n = ctx.int(s, 0, 0x7fffffff); t.url.regexMaxOffset = n === null ? 0 : n + 1; }),
    acted('regex_stack', 'regex_stack_handler', '', 'a pcre2 JIT stack size: nothing to size for JavaScript regular expressions', () => undefined),
  ];
}

export const HTTP_GET_URL = section<UrlDraft>('virtual_server/real_server/HTTP_GET/url', urlKeywords());
export const SSL_GET_URL = section<UrlDraft>('virtual_server/real_server/SSL_GET/url', urlKeywords());

export const MISC_CHECK = section<CheckerDraft<MiscCheck>>('virtual_server/real_server/MISC_CHECK', [
  ...commonKeywords<CheckerDraft<MiscCheck>>('0'),
  acted('misc_path', 'misc_path_handler', '', 'run without a shell, in its own process group', (ctx, s, t) => {
    if (s.args.length === 0) ctx.error(s.keyword, "'misc_path' needs a script");
    else {
      // keepalived reads only the first word (quote the command line to give arguments).
      const line = scriptLine(rawLine(s));
      if ('error' in line) ctx.warn(s.args[0], line.error);
      else t.check.path = line.argv;
    }
  }),
  acted('misc_timeout', 'misc_timeout_handler', "the virtual server's delay_loop", 'SIGTERM to the group, SIGKILL 2 s later', (ctx, s, t) => { t.check.timeoutMs = (ctx.int(s, 0, 86400) ?? 0) * 1000; }),
  acted('misc_dynamic', 'misc_dynamic_handler', 'off', 'exit 2-255 sets the weight to status - 2', (_ctx, _s, t) => { t.check.dynamic = true; }),
  acted('user', 'misc_user_handler', 'script_user', 'user [group] the script runs as', (ctx, s, t) => { t.check.user = ctx.str(s); t.check.group = s.args[1]?.value ?? null; }),
]);

/** check_dns.c DNS_TYPE. */
export const DNS_TYPES: Record<string, number> = { A: 1, NS: 2, CNAME: 5, SOA: 6, MX: 15, TXT: 16, AAAA: 28, RRSIG: 46, DNSKEY: 48 };

export interface DnsDraft extends CheckerDraft<DnsCheck> {
  named: boolean;
}

export const DNS_CHECK = section<DnsDraft>('virtual_server/real_server/DNS_CHECK', [
  ...connKeywords<DnsDraft>('datagram'), ...commonKeywords<DnsDraft>('3', 'delay_loop'),
  acted('type', 'dns_type_handler', 'SOA', 'A, NS, CNAME, SOA, MX, TXT, AAAA, RRSIG, DNSKEY', (ctx, s, t) => {
    const w = ctx.arg(s, 0, 'a query type');
    if (w && DNS_TYPES[w.value.toUpperCase()] !== undefined) t.check.type = w.value.toUpperCase();
    else if (w) ctx.warn(w, `Unknown DNS check type ${w.value} - ignoring`);
  }),
  acted('name', 'dns_name_handler', '. (the root)', '', (ctx, s, t) => {
    const w = ctx.arg(s, 0, 'a domain name');
    if (!w) return;
    if (t.named) ctx.warn(w, 'DNS_CHECK name already specified - ignoring');
    else if ((w.value.startsWith('.') && w.value !== '.') || w.value.includes('..')) ctx.warn(w, `DNS_CHECK name '${w.value}' has empty label - ignoring`);
    else {
      t.check.name = w.value;
      t.named = true;
    }
  }),
]);

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
  // keepalived 2.2.7 tests its "bad digit" marker (0xff) against the last value read, so a
  // string ending in the byte ff is refused as invalid too; halo reads it the same way.
  if (data.length === 0 || data[data.length - 1] === 0xff) return null;
  return { data: Buffer.from(data), mask: usingMask ? Buffer.from(mask) : null };
}

export const UDP_CHECK = section<CheckerDraft<UdpCheck>>('virtual_server/real_server/UDP_CHECK', [
  ...connKeywords<CheckerDraft<UdpCheck>>('datagram'), ...commonKeywords<CheckerDraft<UdpCheck>>(),
  acted('payload', 'payload_handler', "keepalived's 32-byte filler", 'hex bytes', (ctx, s, t) => {
    if (s.args.length === 0) { ctx.error(s.keyword, 'UDP_CHECK payload requires a payload'); return; }
    const h = readHexString(s.args.map((w) => w.value).join(' '), false);
    if (!h) ctx.warn(s.args[0], 'Invalid hex string for UDP_CHECK payload');
    else t.check.payload = h.data.toString('hex');
  }),
  acted('require_reply', 'require_reply_handler', 'off', 'a reply within connect_timeout; hex bytes with X wildcard nibbles', (ctx, s, t) => {
    t.check.requireReply = true;
    if (s.args.length === 0) return;
    const h = readHexString(s.args.map((w) => w.value).join(' '), true);
    if (!h) ctx.warn(s.args[0], 'Invalid hex string for UDP_CHECK reply');
    else {
      t.check.replyData = h.data.toString('hex');
      t.check.replyMask = h.mask ? h.mask.toString('hex') : null;
    }
  }),
  acted('min_reply_length', 'min_length_handler', '0', '', (ctx, s, t) => { t.check.minReplyLength = ctx.int(s, 0, 65535) ?? t.check.minReplyLength; }),
  acted('max_reply_length', 'max_length_handler', '255', '', (ctx, s, t) => { t.check.maxReplyLength = ctx.int(s, 0, 65535) ?? t.check.maxReplyLength; }),
]);

export const PING_CHECK = section<CheckerDraft<PingCheck>>('virtual_server/real_server/PING_CHECK', [
  ...connKeywords<CheckerDraft<PingCheck>>('icmp'), ...commonKeywords<CheckerDraft<PingCheck>>(),
]);

/** An SMTP_CHECK block while it is read. */
export interface SmtpDraft extends CheckerDraft<SmtpCheck> {
  /** A connection keyword was given in the block itself (it is then a checker of its own). */
  ownConn: boolean;
  hosts: Statement[];
}

function smtpConn(): KeywordSpec<SmtpDraft>[] {
  return connKeywords<SmtpDraft>('stream').map((k) => ({
    ...k,
    apply: (ctx: BuildContext, s: Statement, t: SmtpDraft) => { k.apply?.(ctx, s, t); t.ownConn = true; },
  }));
}

export const SMTP_CHECK = section<SmtpDraft>('virtual_server/real_server/SMTP_CHECK', [
  acted('helo_name', 'smtp_helo_name_handler', 'smtpchecker.keepalived.org', '', (ctx, s, t) => { t.check.heloName = ctx.arg(s, 0, 'a host name')?.value ?? t.check.heloName; }),
  ...smtpConn(), ...commonKeywords<SmtpDraft>(),
  acted('host', 'smtp_host_handler', '', "deprecated: one checker per host block, with keepalived's warning", (_ctx, s, t) => { t.hosts.push(s); }),
]);

/** A host block of SMTP_CHECK: its own connection, the block's timing. */
export const SMTP_CHECK_HOST = section<CheckerDraft<SmtpCheck>>('virtual_server/real_server/SMTP_CHECK/host', [
  ...connKeywords<CheckerDraft<SmtpCheck>>('stream'), ...commonKeywords<CheckerDraft<SmtpCheck>>(),
]);

/** A FILE_CHECK block while it is read. */
export interface FileDraft {
  trackFiles: readonly TrackFile[];
  file: TrackFile | null;
  weight: number | null;
  reverse: boolean;
}

export const FILE_CHECK = section<FileDraft>('virtual_server/real_server/FILE_CHECK', [
  acted('track_file', 'track_file_handler', '', 'a track_file block defined above', (ctx, s, t) => {
    const w = ctx.arg(s, 0, 'a track_file name');
    if (!w) return;
    t.file = t.trackFiles.find((f) => f.name === w.value) ?? null;
    if (!t.file) ctx.error(w, `track_file ${w.value} not found`);
  }),
  acted('weight', 'track_file_weight_handler', "the track_file's", 'W [reverse|noreverse]: value × W moves the weight', (ctx, s, t) => {
    t.weight = ctx.int(s, -0x7fffffff, 0x7fffffff);
    const opt = s.args[1]?.value;
    if (opt === 'reverse') t.reverse = true;
    else if (opt !== undefined && opt !== 'noreverse') ctx.warn(s.args[1], `unknown track file weight option ${opt} - ignoring`);
  }),
]);

function trackFileKeywords(): KeywordSpec<TrackFile>[] {
  return [
    acted('file', 'track_file_file_handler', '', '', (ctx, s, t) => {
      if (t.path) ctx.warn(s.keyword, `File already set for track file ${t.name} - ignoring ${s.args[0]?.value ?? ''}`);
      else t.path = ctx.str(s) ?? t.path;
    }),
    acted('weight', 'track_file_weight_handler', '1', 'W [reverse], -254..254', (ctx, s, t) => {
      t.weight = ctx.int(s, -254, 254) ?? 1;
      const opt = s.args[1]?.value;
      if (opt === 'reverse') t.reverse = true;
      else if (opt !== undefined) ctx.warn(s.args[1], `track_file ${t.name} unknown weight option ${opt}`);
    }),
    acted('init_file', 'track_file_init_handler', 'off', '[VALUE] [overwrite]: create the file when halo starts', (ctx, s, t) => {
      const init = { value: 0, overwrite: false };
      for (const w of s.args) {
        if (/^-?\d+$/.test(w.value)) init.value = Number(w.value);
        else if (w.value === 'overwrite') init.overwrite = true;
        else ctx.warn(w, `Unknown track file init option ${w.value}`);
      }
      t.init = init;
    }),
  ];
}

export const TRACK_FILE = section<TrackFile>('track_file', trackFileKeywords());
export const VRRP_TRACK_FILE = section<TrackFile>('vrrp_track_file', trackFileKeywords());

/** Top-level `SSL { password ca certificate key }` (check_parser.c ssl_handler). */
export const SSL = section<SslConfig>('SSL', [
  acted('password', 'sslpass_handler', '', "the key's passphrase", (ctx, s, t) => { t.password = ctx.str(s); }),
  acted('ca', 'sslca_handler', '', 'loaded, not used to verify (as keepalived)', (ctx, s, t) => { t.ca = ctx.str(s); }),
  acted('certificate', 'sslcert_handler', '', 'client certificate', (ctx, s, t) => { t.certificate = ctx.str(s); }),
  acted('key', 'sslkey_handler', '', 'client key', (ctx, s, t) => { t.key = ctx.str(s); }),
]);

/** A BFD_CHECK block while it is read. */
export interface BfdCheckDraft {
  name: string | null;
  alpha: boolean;
}

export const BFD_CHECK = section<BfdCheckDraft>('virtual_server/real_server/BFD_CHECK', [
  acted('name', 'bfd_name_handler', '', 'a bfd_instance (checked once every block is read)', (ctx, s, d) => {
    if (s.args.length !== 1) ctx.warn(s.keyword, 'BFD_CHECK - No or too many names specified - skipping checker');
    else if (s.args[0].value.length >= 32) ctx.warn(s.args[0], `BFD_CHECK - BFD name ${s.args[0].value} too long`);
    else if (d.name !== null) ctx.warn(s.args[0], `BFD_CHECK - BFD ${s.args[0].value} already specified as ${d.name}`);
    else d.name = s.args[0].value;
  }),
  acted('alpha', 'bfd_alpha_handler', "the real server's", 'starts down until the session is Up', (ctx, s, d) => { d.alpha = s.args[0] ? ctx.bool(s) : true; }),
]);

/** Every checker section, in keepalived's order, for `halo check --keywords`. */
export const CHECKER_SECTIONS: SectionTable<never>[] = [
  SSL, TCP_CHECK, HTTP_GET, HTTP_GET_URL, SSL_GET, SSL_GET_URL, MISC_CHECK, SMTP_CHECK, SMTP_CHECK_HOST, DNS_CHECK, UDP_CHECK, PING_CHECK, FILE_CHECK,
  BFD_CHECK,
] as unknown as SectionTable<never>[];
