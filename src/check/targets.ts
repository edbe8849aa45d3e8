/**
 * One check per distinct target: virtual servers that share a real server (keepalived issues
 * #2358, #2111) share its probe, and the result fans out to every (virtual server, real server)
 * that uses it. Two checkers are the same target when everything that changes what is probed
 * or how its result is judged is equal: the checker's whole settings, its source location
 * aside.
 */
import type { RealServer, RunCheck, VirtualServer, VirtualServerGroup } from '../config/model';
import { formatRealServer, formatVirtualServer } from '../ipvs/desired-format';

export interface CheckTarget {
  key: string;
  check: RunCheck;
  /** FMT_CHK of the first user: `[10.0.100.2]:tcp:80`. */
  name: string;
  /** FMT_VS of the first user (MISC_CHECK's log line). */
  vsName: string;
  users: { vs: VirtualServer; rs: RealServer }[];
}

/** The checker kinds halo runs; the others do not vote on a real server's health. */
export const RUN_KINDS = new Set<string>(['TCP_CHECK', 'HTTP_GET', 'SSL_GET', 'MISC_CHECK', 'DNS_CHECK', 'UDP_CHECK', 'PING_CHECK', 'SMTP_CHECK', 'FILE_CHECK', 'BFD_CHECK']);

export function isRunCheck(c: { kind: string }): c is RunCheck {
  return RUN_KINDS.has(c.kind);
}

export function checkKey(c: RunCheck): string {
  const { location: _location, ...rest } = c;
  return JSON.stringify(rest);
}

export function collectTargets(
  virtualServers: readonly VirtualServer[],
  groups: readonly VirtualServerGroup[],
  opts: { logAllFailures?: boolean } = {},
): CheckTarget[] {
  const byKey = new Map<string, CheckTarget>();
  for (const vs of virtualServers) {
    for (const rs of vs.realServers) {
      for (const c0 of rs.checkers) {
        if (!isRunCheck(c0)) continue;
        const c = opts.logAllFailures && c0.kind !== 'BFD_CHECK' && !c0.logAllFailures ? { ...c0, logAllFailures: true } : c0;
        const key = checkKey(c0);
        let t = byKey.get(key);
        if (!t) {
          t = { key, check: c, name: formatRealServer(rs, vs, groups), vsName: formatVirtualServer(vs, groups), users: [] };
          byKey.set(key, t);
        }
        if (!t.users.some((u) => u.vs === vs && u.rs === rs)) t.users.push({ vs, rs });
      }
    }
  }
  return [...byKey.values()];
}

/**
 * Checker states handed to a reload, as keepalived's migrate_checkers() moves them when a config
 * has copies of a virtual server: every old copy is matched to the first new one, so the first
 * copy's checker takes the state of the last old copy's equal checker; a later copy's checkers
 * start afresh (they are matched by nothing). `states` is keyed by checkKey().
 */
export function migrateCopyStates<S>(states: ReadonlyMap<string, S>): Map<string, S> {
  const copies: { copy: number; first: string; state: S }[] = [];
  const out = new Map<string, S>();
  for (const [key, state] of states) {
    const c = JSON.parse(key) as { copy?: number };
    if (c.copy === undefined) {
      out.set(key, state);
      continue;
    }
    const copy = c.copy;
    delete c.copy;
    copies.push({ copy, first: JSON.stringify(c), state });
  }
  for (const c of copies.sort((a, b) => a.copy - b.copy)) out.set(c.first, c.state);
  return out;
}
