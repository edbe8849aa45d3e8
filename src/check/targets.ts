/**
 * One check per distinct target: virtual servers that share a real server (keepalived issues
 * #2358, #2111) share its probe, and the result fans out to every (virtual server, real server)
 * that uses it. Two TCP_CHECKs are the same target when everything that changes what is probed
 * or how its result is judged is equal.
 */
import type { RealServer, TcpCheck, VirtualServer, VirtualServerGroup } from '../config/model';
import { formatRealServer } from '../ipvs/desired-format';
import type { RetryParams } from './retry';
import type { ProbeTarget } from './tcp-probe';

export interface CheckTarget extends ProbeTarget, RetryParams {
  key: string;
  warmupMs: number;
  logAllFailures: boolean;
  /** FMT_CHK of the first user: `[10.0.100.2]:tcp:80`. */
  name: string;
  users: { vs: VirtualServer; rs: RealServer }[];
}

export function checkKey(c: TcpCheck): string {
  return JSON.stringify([
    c.connectIp, c.connectPort, c.bindto, c.bindPort, c.bindIf, c.fwmark, c.connectTimeoutMs,
    c.retry, c.delayBeforeRetryMs, c.delayLoopMs, c.alpha, c.logAllFailures,
  ]);
}

export function collectTargets(virtualServers: readonly VirtualServer[], groups: readonly VirtualServerGroup[]): CheckTarget[] {
  const byKey = new Map<string, CheckTarget>();
  for (const vs of virtualServers) {
    for (const rs of vs.realServers) {
      for (const c of rs.checkers) {
        if (c.kind !== 'TCP_CHECK') continue;
        const key = checkKey(c);
        let t = byKey.get(key);
        if (!t) {
          t = {
            key,
            connectIp: c.connectIp,
            connectPort: c.connectPort,
            bindto: c.bindto,
            bindPort: c.bindPort,
            connectTimeoutMs: c.connectTimeoutMs,
            retry: c.retry,
            delayLoopMs: c.delayLoopMs,
            delayBeforeRetryMs: c.delayBeforeRetryMs,
            alpha: c.alpha,
            warmupMs: c.warmupMs,
            logAllFailures: c.logAllFailures,
            name: formatRealServer(rs, vs, groups),
            users: [],
          };
          byKey.set(key, t);
        }
        if (!t.users.some((u) => u.vs === vs && u.rs === rs)) t.users.push({ vs, rs });
      }
    }
  }
  return [...byKey.values()];
}
