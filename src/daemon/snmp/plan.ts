/**
 * keepalived's SNMP switches, from global_defs: `enable_snmp_rfcv3` makes halo an AgentX subagent
 * serving VRRPv3-MIB on `snmp_socket`, `enable_snmp_rfcv2` VRRP-MIB (RFC 2787), and
 * `enable_snmp_rfc` both, on one session as keepalived does; `enable_traps` adds their
 * notifications (traps.ts); `enable_snmp_vrrp` (or its deprecated spelling
 * `enable_snmp_keepalived`, which in 2.2.7 turns on the VRRP part only) KEEPALIVED-MIB's global
 * and VRRP objects (keepalived-mib.ts); `enable_snmp_checker` its global and checker objects
 * (check-mib.ts). keepalived serves the last two from two processes, each registering the
 * global objects; halo's one session registers them once.
 */
import type { GlobalDefs } from '../../config/model';

/** net-snmp's default AgentX master socket, which keepalived uses when snmp_socket is unset. */
export const DEFAULT_SNMP_SOCKET = 'unix:/var/agentx/master';

export interface SnmpPlan {
  /** VRRPv3-MIB (RFC 6527). */
  rfcv3: boolean;
  /** VRRP-MIB (RFC 2787). */
  rfcv2: boolean;
  /** KEEPALIVED-MIB's global and VRRP objects (enable_snmp_vrrp). */
  keepalived: boolean;
  /** KEEPALIVED-MIB's global and checker objects (enable_snmp_checker). */
  checker: boolean;
  /** enable_traps: the served MIBs' notifications. */
  traps: boolean;
  socket: string;
}

export function snmpPlan(g: GlobalDefs): SnmpPlan {
  return {
    rfcv3: g.enableSnmpRfcv3, rfcv2: g.enableSnmpRfcv2, keepalived: g.enableSnmpVrrp === true, checker: g.enableSnmpChecker === true,
    traps: g.enableTraps, socket: g.snmpSocket ?? DEFAULT_SNMP_SOCKET,
  };
}

/**
 * What this process serves of `plan`: the VRRP MIBs when it runs VRRP (-P/-C: opts.vrrp), the
 * checker objects when it runs the checkers with virtual servers configured (as keepalived's
 * checker process serves them); null: no subagent at all.
 */
export function servedPlan(plan: SnmpPlan, run: { vrrp: boolean; lvs: boolean; virtualServers: number }): SnmpPlan | null {
  const served = {
    ...plan, rfcv2: plan.rfcv2 && run.vrrp, rfcv3: plan.rfcv3 && run.vrrp, keepalived: plan.keepalived && run.vrrp,
    checker: plan.checker && run.lvs && run.virtualServers > 0,
  };
  return served.rfcv2 || served.rfcv3 || served.keepalived || served.checker ? served : null;
}

/**
 * The subagent at a reload, as keepalived 2.2.7 ends up (vrrp_daemon.c start_vrrp and
 * reload_vrrp_thread; test/integration/snmp-reload.netns.test.ts): every switch off, it closes
 * and snmpd serves none of its MIBs; on from all off, it starts with the new config's MIBs
 * (keepalived's VRRP process crashes at that reload and its parent restarts it with them); on
 * before and after, the MIBs registered at start stay, whichever switches changed.
 */
export function snmpAtReload(running: boolean, next: SnmpPlan | null): 'stop' | 'start' | 'keep' {
  if (running && next === null) return 'stop';
  if (!running && next !== null) return 'start';
  return 'keep';
}
