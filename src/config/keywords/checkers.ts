/**
 * Health checkers (keepalived/check/check_*.c install_*_check_keyword, and check_api.c
 * install_checker_common_keywords): the checker keywords of real_server and each checker's
 * own block. TCP_CHECK is implemented; a real server checked by a checker halo does not
 * implement is refused ("not implemented in halo"), and under --allow-unimplemented starts
 * DOWN (never up).
 */
import type { RealServerDraft, TcpCheckDraft } from '../build-lvs';
import type { BuildContext } from '../context';
import { timingReader } from '../lvs-values';
import type { Statement } from '../parse';
import { acted, notImplemented, section, type KeywordSpec, type SectionTable } from './types';

/** The checker keywords of a real_server block. */
export const CHECKERS: KeywordSpec<RealServerDraft>[] = [
  notImplemented('MISC_CHECK', 'misc_check_handler', '', 'a script as health check', { apply: (_c, s, r) => { r.checkerStatements.push(s); } }),
  notImplemented('SMTP_CHECK', 'smtp_check_handler', '', 'SMTP health check', { apply: (_c, s, r) => { r.checkerStatements.push(s); } }),
  acted('TCP_CHECK', 'tcp_check_handler', '', 'a TCP connect', (_c, s, r) => { r.checkerStatements.push(s); }),
  notImplemented('PING_CHECK', 'ping_check_handler', '', 'ICMP echo health check', { apply: (_c, s, r) => { r.checkerStatements.push(s); } }),
  notImplemented('UDP_CHECK', 'udp_check_handler', '', 'UDP health check', { apply: (_c, s, r) => { r.checkerStatements.push(s); } }),
  notImplemented('HTTP_GET', 'http_get_handler', '', 'HTTP health check', { apply: (_c, s, r) => { r.checkerStatements.push(s); } }),
  notImplemented('SSL_GET', 'http_get_handler', '', 'HTTPS health check', { apply: (_c, s, r) => { r.checkerStatements.push(s); } }),
  notImplemented('DNS_CHECK', 'dns_check_handler', '', 'DNS health check', { apply: (_c, s, r) => { r.checkerStatements.push(s); } }),
  notImplemented('FILE_CHECK', 'file_check_handler', '', 'a file as health state', { apply: (_c, s, r) => { r.checkerStatements.push(s); } }),
  notImplemented('BFD_CHECK', 'bfd_check_handler', '', 'BFD session as health state', { apply: (_c, s, r) => { r.checkerStatements.push(s); } }),
];

type T = TcpCheckDraft;

function port(ctx: BuildContext, s: Statement): number | null {
  const w = ctx.arg(s, 0, 'a port');
  return w ? ctx.port(w, s.keyword.value) : null;
}

export const TCP_CHECK = section<T>('virtual_server/real_server/TCP_CHECK', [
  acted('connect_ip', 'co_ip_handler', "the real server's address", '', (ctx, s, t) => { t.check.connectIp = ctx.address(s)?.address ?? t.check.connectIp; }),
  acted('connect_port', 'co_port_handler', "the real server's port", '', (ctx, s, t) => { const p = port(ctx, s); if (p !== null) { t.check.connectPort = p; t.ownPort = true; } }),
  acted('bindto', 'co_srcip_handler', 'chosen by the kernel', '', (ctx, s, t) => { t.check.bindto = ctx.address(s)?.address ?? null; }),
  acted('bind_port', 'co_srcport_handler', 'chosen by the kernel', '', (ctx, s, t) => { t.check.bindPort = port(ctx, s); }),
  notImplemented('bind_if', 'co_srcif_handler', '', 'binding the check to an interface (IPv6 link-local)', { apply: (ctx, s, t) => { t.check.bindIf = ctx.str(s); } }),
  acted('connect_timeout', 'co_timeout_handler', "the real server's, else 5", '', timingReader('connectTimeoutMs')),
  notImplemented('fwmark', 'co_fwmark_handler', '', 'marking check packets (SO_MARK)', { apply: (ctx, s, t) => { t.check.fwmark = ctx.int(s, 0, 0xffffffff); } }),
  acted('retry', 'retry_handler', "the real server's, else 1", '', timingReader('retry')),
  acted('delay_before_retry', 'delay_before_retry_handler', "the real server's, else 1", '', timingReader('delayBeforeRetryMs')),
  acted('warmup', 'warmup_handler', 'delay_loop', '', timingReader('warmupMs')),
  acted('delay_loop', 'delay_handler', "the real server's, else 60", '', timingReader('delayLoopMs')),
  acted('alpha', 'alpha_handler', "the real server's", '', (ctx, s, t) => { t.check.alpha = ctx.bool(s); }),
  acted('log_all_failures', 'log_all_failures_handler', 'checker_log_all_failures', '', (ctx, s, t) => { t.check.logAllFailures = ctx.bool(s); }),
]);

/** The common keywords of checkers (install_checker_common_keywords), for the listing. */
const COMMON: [string, string, string][] = [
  ['connect_ip', 'co_ip_handler', "the real server's address"], ['connect_port', 'co_port_handler', "the real server's port"],
  ['bindto', 'co_srcip_handler', ''], ['bind_port', 'co_srcport_handler', ''], ['bind_if', 'co_srcif_handler', ''],
  ['connect_timeout', 'co_timeout_handler', '5'], ['fwmark', 'co_fwmark_handler', ''],
];
const COMMON_TIMING: [string, string, string][] = [
  ['retry', 'retry_handler', '1'], ['delay_before_retry', 'delay_before_retry_handler', '1'], ['warmup', 'warmup_handler', 'delay_loop'],
  ['delay_loop', 'delay_handler', '60'], ['alpha', 'alpha_handler', 'off'], ['log_all_failures', 'log_all_failures_handler', 'off'],
];

/** A checker block halo does not implement: listed, never read (its checker keyword is refused). */
function listed(path: string, rows: [string, string, string][], what: string): SectionTable<unknown> {
  return section<unknown>(path, rows.map(([n, h, d]) => notImplemented<unknown>(n, h, d, what)));
}

const URL: [string, string, string][] = [
  ['path', 'path_handler', ''], ['digest', 'digest_handler', ''], ['status_code', 'status_code_handler', '200-299'],
  ['virtualhost', 'url_virtualhost_handler', "the checker's"], ['regex', 'regex_handler', ''], ['regex_no_match', 'regex_no_match_handler', 'off'],
  ['regex_options', 'regex_options_handler', ''], ['regex_min_offset', 'regex_min_offset_handler', '0'],
  ['regex_max_offset', 'regex_max_offset_handler', 'unlimited'], ['regex_stack', 'regex_stack_handler', ''],
];
const HTTP: [string, string, string][] = [
  ...COMMON, ...COMMON_TIMING, ['nb_get_retry', 'http_get_retry_handler', '1'], ['virtualhost', 'virtualhost_handler', ''],
  ['http_protocol', 'http_protocol_handler', '1.0'], ['enable_sni', 'enable_sni_handler', 'off'],
  ['fast_recovery', 'fast_recovery_handler', 'off'], ['url', 'url_handler', ''],
];

/** Sections of the checkers halo does not implement yet, for `halo check --keywords`. */
export const UNIMPLEMENTED_CHECKER_SECTIONS: SectionTable<unknown>[] = [
  listed('SSL', [['password', 'sslpass_handler', ''], ['ca', 'sslca_handler', ''], ['certificate', 'sslcert_handler', ''], ['key', 'sslkey_handler', '']], 'client certificates of SSL_GET'),
  listed('virtual_server/real_server/HTTP_GET', HTTP, 'HTTP health check'),
  listed('virtual_server/real_server/HTTP_GET/url', URL, 'HTTP health check'),
  listed('virtual_server/real_server/SSL_GET', HTTP, 'HTTPS health check'),
  listed('virtual_server/real_server/SSL_GET/url', URL, 'HTTPS health check'),
  listed('virtual_server/real_server/MISC_CHECK', [
    ...COMMON_TIMING, ['misc_path', 'misc_path_handler', ''], ['misc_timeout', 'misc_timeout_handler', 'delay_loop'],
    ['misc_dynamic', 'misc_dynamic_handler', 'off'], ['user', 'misc_user_handler', 'script_user'],
  ], 'a script as health check'),
  listed('virtual_server/real_server/SMTP_CHECK', [['helo_name', 'smtp_helo_name_handler', 'smtp_helo_name'], ...COMMON, ...COMMON_TIMING, ['host', 'smtp_host_handler', '']], 'SMTP health check'),
  listed('virtual_server/real_server/SMTP_CHECK/host', [...COMMON, ...COMMON_TIMING], 'SMTP health check'),
  listed('virtual_server/real_server/DNS_CHECK', [...COMMON, ...COMMON_TIMING, ['type', 'dns_type_handler', 'SOA'], ['name', 'dns_name_handler', '.']], 'DNS health check'),
  listed('virtual_server/real_server/UDP_CHECK', [
    ...COMMON, ...COMMON_TIMING, ['payload', 'payload_handler', ''], ['require_reply', 'require_reply_handler', 'off'],
    ['min_reply_length', 'min_length_handler', '0'], ['max_reply_length', 'max_length_handler', 'unlimited'],
  ], 'UDP health check'),
  listed('virtual_server/real_server/PING_CHECK', [...COMMON, ...COMMON_TIMING], 'ICMP echo health check'),
  listed('virtual_server/real_server/FILE_CHECK', [['track_file', 'track_file_handler', ''], ['weight', 'track_file_weight_handler', '0']], 'a file as health state'),
  listed('virtual_server/real_server/BFD_CHECK', [['name', 'bfd_name_handler', ''], ['alpha', 'bfd_alpha_handler', 'off']], 'BFD session as health state'),
];
