/**
 * What every section builder shares: located diagnostics and keepalived's value readers
 * (integers with ranges, timers in seconds, booleans, addresses), each reporting its own
 * error at the offending word and returning null so the builder keeps going.
 */
import type { TrackGroupDraft } from './track-groups';
import ipaddr from 'ipaddr.js';
import type { Diagnostic, RealServer, SourceLocation, VirtualServer } from './model';
import { resolveRunAs, type AccountFiles, type RunAs } from './script-user';
import type { Statement, Word } from './parse';
import type { SourceMap } from './source';
import { newRulePriorities } from './routes';
import { rawLine, scriptLine } from './script-words';
import { canonicalIpv4 } from '../net/dotted-quad';

/** Keywords whose value is a `{ }` block, in any section (unknown ones are warned anyway). */
const BLOCK_KEYWORDS = new Set([
  'global_defs', 'vrrp_script', 'vrrp_sync_group', 'vrrp_instance', 'virtual_server', 'virtual_server_group', 'real_server',
  'group', 'authentication', 'virtual_ipaddress', 'virtual_ipaddress_excluded', 'track_interface', 'track_script',
  'unicast_peer', 'notification_email', 'virtual_routes', 'virtual_rules', 'track_file', 'track_process', 'track_bfd',
  'auth_hmac', 'linkbeat_interfaces', 'interface_up_down_delays', 'TCP_CHECK', 'HTTP_GET', 'SSL_GET', 'MISC_CHECK', 'SMTP_CHECK', 'DNS_CHECK',
  'UDP_CHECK', 'PING_CHECK', 'FILE_CHECK', 'BFD_CHECK', 'url', 'host', 'static_ipaddress', 'static_routes',
  'static_rules', 'vrrp_track_file', 'vrrp_track_process', 'bfd_instance', 'garp_group', 'track_group', 'interfaces', 'net_namespace', 'SSL', 'halo_announce',
]);

export interface ParsedAddress {
  address: string;
  family: 4 | 6;
}

export interface BuildOptions {
  /** Accept features halo does not implement (a warning each) instead of refusing the config. */
  allowUnimplemented?: boolean;
  /** /etc/passwd and /etc/group contents, for script users (tests give their own). */
  accounts?: AccountFiles;
  /**
   * The host's VRF devices and their tables, and its interface names (`halo run`, its reloads,
   * `halo cleanup`): a route's `vrf NAME` is its table, looked up when the config is read, as
   * keepalived does. Unset: `vrf` leaves the table as it is (`halo check`).
   */
  vrfTables?: () => Record<string, number>;
  interfaces?: string[];
}

/**
 * The smtp_alert of every real and virtual server as written (null = inherit), resolved once
 * the whole file is read (keepalived's check_data.c does so after parsing).
 */
export interface SmtpUses {
  server: Word | null;
  emails: number;
  global: { any: boolean | null; vrrp: boolean | null; checker: boolean | null };
  realServers: { rs: RealServer; own: boolean | null }[];
  virtualServers: { vs: VirtualServer; own: boolean | null }[];
}

export class BuildContext {
  readonly diagnostics: Diagnostic[] = [];
  /** The global_defs script_user statement, resolved once the whole file is read. */
  scriptUser: Statement | null = null;
  /** The first script the config names (where keepalived reports a missing default script user). */
  scriptsUsed: Word | null = null;
  /** keepalived's countdown for rules written without a preference (per family, whole config). */
  readonly rulePriorities = newRulePriorities();
  /** The track_group blocks read so far, by name (static entries look their group up as they are read). */
  readonly trackGroups = new Map<string, TrackGroupDraft>();
  readonly smtp: SmtpUses = { server: null, emails: 0, global: { any: null, vrrp: null, checker: null }, realServers: [], virtualServers: [] };

  constructor(private readonly sources: SourceMap, readonly options: BuildOptions = {}) {}

  /**
   * A use of a feature keepalived acts on and halo does not: an error ("not implemented in
   * halo"), or with --allow-unimplemented a warning saying it is ignored.
   */
  unimplemented(w: Word, what: string): void {
    if (this.options.allowUnimplemented) {
      this.diagnostics.push({ severity: 'warning', message: `${what} is not implemented in halo; ignored (--allow-unimplemented)`, location: this.loc(w), unimplemented: true });
    }
    else this.error(w, `${what} is not implemented in halo (--allow-unimplemented to run without it)`);
  }

  loc(w: Word): SourceLocation {
    return this.sources.locate(w.line, w.col);
  }

  error(w: Word, message: string): void {
    this.diagnostics.push({ severity: 'error', message, location: this.loc(w) });
  }

  warn(w: Word, message: string): void {
    this.diagnostics.push({ severity: 'warning', message, location: this.loc(w) });
  }

  unknown(s: Statement, section: string): void {
    this.warn(s.keyword, `unknown keyword '${s.keyword.value}'${section ? ` in ${section}` : ''}`);
  }

  /** The statement's i-th argument, or an error naming what is missing. */
  arg(s: Statement, i = 0, what = 'a value'): Word | null {
    const w = s.args[i];
    if (w === undefined) {
      this.error(s.keyword, `'${s.keyword.value}' needs ${what}`);
      return null;
    }
    return w;
  }

  /** Argument as a string (the first one by default). */
  str(s: Statement, i = 0): string | null {
    return this.arg(s, i)?.value ?? null;
  }

  /** An integer in [min, max]; like keepalived's read_*_strvec, anything else is warned and ignored. */
  int(s: Statement, min: number, max: number, i = 0): number | null {
    const w = this.arg(s, i, 'a number');
    return w ? this.intWord(w, min, max, s.keyword.value) : null;
  }

  intWord(w: Word, min: number, max: number, what: string): number | null {
    if (!/^[-+]?\d+$/.test(w.value)) {
      this.warn(w, `${what}: '${w.value}' is not an integer - ignoring`);
      return null;
    }
    const n = Number(w.value);
    if (n < min || n > max) {
      this.warn(w, `${what}: ${n} is out of range ${min}-${max} - ignoring`);
      return null;
    }
    return n;
  }

  /** Whole seconds in [min, max], returned in milliseconds (keepalived's GARP delays). */
  secondsMs(s: Statement, min: number, max: number): number | null {
    const n = this.int(s, min, max);
    return n === null ? null : n * 1000;
  }

  /** A duration in seconds (fractions allowed), returned in milliseconds. */
  timerMs(s: Statement, minSec: number, maxSec: number, i = 0): number | null {
    const w = this.arg(s, i, 'a time in seconds');
    if (!w) return null;
    if (!/^\d+(\.\d+)?$|^\.\d+$/.test(w.value)) {
      this.warn(w, `${s.keyword.value}: '${w.value}' is not a number of seconds - ignoring`);
      return null;
    }
    const sec = Number(w.value);
    if (sec < minSec || sec > maxSec) {
      this.warn(w, `${s.keyword.value}: ${w.value} is out of range ${minSec}-${maxSec} seconds - ignoring`);
      return null;
    }
    return Math.round(sec * 1000);
  }

  /** `keyword` alone = true; `keyword on|true|yes|off|false|no` as keepalived's check_true_false(). */
  bool(s: Statement, i = 0): boolean {
    const w = s.args[i];
    if (w === undefined) return true;
    const v = w.value.toLowerCase();
    if (v === 'true' || v === 'on' || v === 'yes') return true;
    if (v === 'false' || v === 'off' || v === 'no') return false;
    this.error(w, `${s.keyword.value}: '${w.value}' is not one of on/off, true/false, yes/no`);
    return true;
  }

  /**
   * A flag keyword whose argument keepalived 2.2 does not read (virtual_server alpha, omega,
   * ha_suspend, ...): an on/off word is honoured as newer keepalived does, anything else is
   * ignored, as keepalived -t accepts it.
   */
  flag(s: Statement): boolean {
    const v = s.args[0]?.value.toLowerCase();
    return !(v === 'false' || v === 'off' || v === 'no');
  }

  /** A bare IPv4/IPv6 address (no prefix), canonical form. */
  /** `quiet`: return null without a message, for callers that report it in keepalived's words. */
  addressWord(w: Word, what: string, quiet = false): ParsedAddress | null {
    // The common case without ipaddr.js (its regexes and octet arrays were ~8% of a
    // 100,000-line `halo check`): a canonical dotted quad is its own canonical form.
    if (isCanonicalDottedQuad(w.value)) return { address: w.value, family: 4 };
    try {
      // inet_pton(3) rules, as keepalived: IPv4 only as four decimal parts (ipaddr.parse
      // would also take '10.1' or '0x0a.0.0.1').
      if (w.value.includes(':')) {
        if (!ipaddr.IPv6.isValid(w.value)) throw new Error('bad IPv6');
        return { address: ipaddr.IPv6.parse(w.value).toString(), family: 6 };
      }
      if (!ipaddr.IPv4.isValidFourPartDecimal(w.value)) throw new Error('bad IPv4');
      return { address: ipaddr.IPv4.parse(w.value).toString(), family: 4 };
    } catch {
      if (!quiet) this.error(w, `${what}: '${w.value}' is not a valid IP address`);
      return null;
    }
  }

  address(s: Statement, i = 0): ParsedAddress | null {
    const w = this.arg(s, i, 'an IP address');
    return w ? this.addressWord(w, s.keyword.value) : null;
  }

  port(w: Word, what: string): number | null {
    return this.intWord(w, 0, 65535, `${what} port`);
  }

  /**
   * A notify script as keepalived reads it (lib/notify.c notify_script_init): the first word is
   * the command line (quoted to give arguments), the next two are the user and group to run it
   * as: `runAs` undefined = none given (script_user applies), null = root. A user or group that
   * does not exist drops the script with keepalived's line.
   */
  commandAs(s: Statement, type = s.keyword.value): { argv: string[]; runAs: RunAs | null | undefined } | null {
    if (s.args.length === 0) {
      this.error(s.keyword, `'${s.keyword.value}' needs a script`);
      return null;
    }
    this.scriptsUsed ??= s.args[0];
    const line = scriptLine(rawLine(s));
    if ('error' in line) {
      this.warn(s.args[0], line.error);
      return null;
    }
    const { argv } = line;
    const [user, group] = line.rest;
    if (user !== undefined) ownUserScripts.add(argv);
    if (user === undefined) return { argv, runAs: undefined };
    const runAs = resolveRunAs(user, group ?? null, this.options.accounts);
    if (runAs === null) {
      this.warn(s.args[1] ?? s.keyword, `Invalid user/group for ${type} script ${argv[0]} - ignoring`);
      return null;
    }
    return { argv, runAs: runAs.uid === 0 && runAs.gid === 0 ? null : runAs };
  }

  /** Every argument of a statement must be used; report the first extra one. */
  noMoreArgs(s: Statement, used: number): void {
    const w = s.args[used];
    if (w !== undefined) this.warn(w, `'${s.keyword.value}': extra argument '${w.value}' ignored`);
  }

  /**
   * A `{ }` after a keyword that takes none, usually a brace on the line after a plain
   * statement: keepalived ignores it with this warning, and so does halo.
   */
  checkBlock(s: Statement): void {
    if (s.block !== null && !BLOCK_KEYWORDS.has(s.keyword.value)) this.warn(s.keyword, `Unexpected '{' after '${s.keyword.value}' - ignoring`);
  }

  /** A block keyword written without its block. */
  needBlock(s: Statement): Statement[] | null {
    if (s.block === null) {
      this.error(s.keyword, `'${s.keyword.value}' needs a { } block`);
      return null;
    }
    return s.block;
  }
}

/**
 * Four decimal parts 0-255 without leading zeros: exactly the strings inet_pton(AF_INET) takes
 * that ipaddr.js would print back unchanged (anything else goes the long way, and is refused or
 * canonicalised there).
 */
export const isCanonicalDottedQuad = (v: string): boolean => canonicalIpv4(v) >= 0;

/** Notify scripts that name their own user: keepalived does not give them the default user. */
export const ownUserScripts = new WeakSet<string[]>();
