/**
 * keepalived's SNMP switches, from global_defs: `enable_snmp_rfcv3` makes halo an AgentX subagent
 * serving VRRPv3-MIB on `snmp_socket`, `enable_snmp_rfcv2` VRRP-MIB (RFC 2787), and
 * `enable_snmp_rfc` both, on one session as keepalived does; `enable_traps` adds their
 * notifications (traps.ts); `enable_snmp_vrrp` (or `enable_snmp_keepalived`) KEEPALIVED-MIB's
 * global and VRRP objects (keepalived-mib.ts). Its checker objects (`enable_snmp_checker`) are
 * "not implemented" in the keyword registry: a config using them is refused, and under
 * --allow-unimplemented halo says at start-up what it leaves out.
 */
import type { GlobalDefs } from '../../config/model';

/** net-snmp's default AgentX master socket, which keepalived uses when snmp_socket is unset. */
export const DEFAULT_SNMP_SOCKET = 'unix:/var/agentx/master';

const NOT_SERVED: Record<string, string> = {
  enable_snmp_checker: 'KEEPALIVED-MIB (checker part)',
};

export interface SnmpPlan {
  /** VRRPv3-MIB (RFC 6527). */
  rfcv3: boolean;
  /** VRRP-MIB (RFC 2787). */
  rfcv2: boolean;
  /** KEEPALIVED-MIB's global and VRRP objects (enable_snmp_vrrp). */
  keepalived: boolean;
  /** enable_traps: the served MIBs' notifications. */
  traps: boolean;
  socket: string;
  /** Lines to log as warnings: switches halo does not serve (present only under --allow-unimplemented). */
  warnings: string[];
}

export function snmpPlan(g: GlobalDefs): SnmpPlan {
  const on = (k: string) => k in g.other;
  const warnings = Object.entries(NOT_SERVED)
    .filter(([k]) => on(k))
    .map(([k, what]) => `${k}: ${what} is not implemented in halo; only VRRP-MIB, VRRPv3-MIB and KEEPALIVED-MIB's global and VRRP objects are served`);
  return { rfcv3: g.enableSnmpRfcv3, rfcv2: g.enableSnmpRfcv2, keepalived: g.enableSnmpVrrp === true, traps: g.enableTraps, socket: g.snmpSocket ?? DEFAULT_SNMP_SOCKET, warnings };
}
