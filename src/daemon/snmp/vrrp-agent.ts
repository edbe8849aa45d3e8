/**
 * The VRRP MIBs' subagent of a running director: VRRPv3-MIB (enable_snmp_rfcv3) and VRRP-MIB
 * (enable_snmp_rfcv2), on one AgentX session (loaded only when one of them is on, so a director
 * without SNMP never loads net-snmp).
 */
import { AgentxSubagent, parseSnmpSocket } from './agentx';
import type { SnmpPlan } from './plan';
import { Varbind, Vrrpv3Instance, vrrpv3Varbinds, VRRPV3_MIB, VRRPV3_MIB_OBJECTS } from './vrrpv3-mib';
import { VRRP_MIB, VRRP_MIB_OBJECTS, vrrpMibVarbinds } from './vrrp-mib';
import { dropNotifications, newMasterNotifications, Notification } from './traps';
import type { RejectReason } from '../../vrrp/rejection';

export interface VrrpAgent {
  agent: AgentxSubagent;
  /** An instance's state change (the notify-script moment): sends enable_traps' notifications. */
  instanceState(name: string, state: string): void;
  /** An advert an instance rejected: enable_traps' error notifications. */
  instanceDrop(name: string, reason: RejectReason, src: string | undefined): void;
}

export function startVrrpAgent(
  plan: SnmpPlan,
  instances: () => Promise<Vrrpv3Instance[]>,
  /** When the VRRP process started (RFC 2787's uptime counts from it), Date.now() clock. */
  processStartedAtMs: number,
  log: { info(m: string): void; warning(m: string): void; error(m: string): void },
  /** One instance by name, as the MIBs see it now. */
  instance: (name: string) => Promise<Vrrpv3Instance | null>,
): VrrpAgent | null {
  const master = parseSnmpSocket(plan.socket);
  if (!master) {
    log.error(`snmp_socket ${plan.socket}: not a unix:PATH or [tcp:]HOST:PORT AgentX address; SNMP not started`);
    return null;
  }
  log.info('Starting SNMP subagent');
  // (VRRP-MIB's 1.3.6.1.2.1.68 sorts before VRRPv3-MIB's .207)
  const subtrees = [...(plan.rfcv2 ? [VRRP_MIB] : []), ...(plan.rfcv3 ? [VRRPV3_MIB] : [])];
  const objects = [...(plan.rfcv2 ? VRRP_MIB_OBJECTS : []), ...(plan.rfcv3 ? VRRPV3_MIB_OBJECTS : [])];
  const varbinds = async (): Promise<Varbind[]> => {
    const now = Date.now();
    const all = await instances();
    return [...(plan.rfcv2 ? vrrpMibVarbinds(all, processStartedAtMs) : []), ...(plan.rfcv3 ? vrrpv3Varbinds(all, now) : [])];
  };
  const agent = new AgentxSubagent(
    { socket: plan.socket, subtrees, objects, description: `halo ${[plan.rfcv2 ? 'VRRP-MIB' : '', plan.rfcv3 ? 'VRRPv3-MIB' : ''].filter(Boolean).join(' ')}`, varbinds, log },
    master,
  );
  agent.start();
  const send = (name: string, make: (i: Vrrpv3Instance) => Notification[]): void => {
    void instance(name).then((i) => {
      if (!i) return;
      for (const n of make(i)) {
        if (!agent.notify(n)) log.warning(`(${name}) SNMP notification not sent: no AgentX session`);
      }
    }, (err: Error) => log.warning(`(${name}) SNMP notification not sent: ${err.message}`));
  };
  return {
    agent,
    instanceState: (name, state) => {
      if (plan.traps && state === 'MASTER') send(name, (i) => newMasterNotifications(i, plan));
    },
    instanceDrop: (name, reason, src) => {
      if (plan.traps) send(name, (i) => dropNotifications(i, reason, src, plan));
    },
  };
}
