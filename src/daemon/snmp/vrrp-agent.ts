/**
 * The VRRPv3-MIB subagent of a running director (loaded only when enable_snmp_rfcv3 is on, so a
 * director without SNMP never loads net-snmp).
 */
import { AgentxSubagent, parseSnmpSocket } from './agentx';
import type { SnmpPlan } from './plan';
import { Vrrpv3Instance, vrrpv3Varbinds, VRRPV3_MIB } from './vrrpv3-mib';

export function startVrrpv3Agent(
  plan: SnmpPlan,
  instances: () => Promise<Vrrpv3Instance[]>,
  log: { info(m: string): void; warning(m: string): void; error(m: string): void },
): AgentxSubagent | null {
  const master = parseSnmpSocket(plan.socket);
  if (!master) {
    log.error(`snmp_socket ${plan.socket}: not a unix:PATH or [tcp:]HOST:PORT AgentX address; SNMP not started`);
    return null;
  }
  log.info('Starting SNMP subagent');
  const agent = new AgentxSubagent(
    {
      socket: plan.socket,
      subtree: VRRPV3_MIB,
      description: 'halo VRRPv3-MIB',
      varbinds: async () => vrrpv3Varbinds(await instances(), Date.now()),
      log,
    },
    master,
  );
  agent.start();
  return agent;
}
