/**
 * The SNMP subagent of a running director: VRRPv3-MIB (enable_snmp_rfcv3), VRRP-MIB
 * (enable_snmp_rfcv2), KEEPALIVED-MIB's global and VRRP objects (enable_snmp_vrrp) and its global
 * and checker objects (enable_snmp_checker), on one AgentX session (loaded only when one of them
 * is on, so a director without SNMP never loads net-snmp).
 */
import { AgentxSubagent, parseSnmpSocket } from './agentx';
import type { SnmpPlan } from './plan';
import { Varbind, Vrrpv3Instance, vrrpv3Varbinds, VRRPV3_MIB, VRRPV3_MIB_OBJECTS } from './vrrpv3-mib';
import { VRRP_MIB, VRRP_MIB_OBJECTS, vrrpMibVarbinds } from './vrrp-mib';
import { dropNotifications, newMasterNotifications, Notification } from './traps';
import type { RejectReason } from '../../vrrp/rejection';
import {
  groupStateNotification, instanceStateNotification, KEEPALIVED_GLOBAL, KEEPALIVED_GLOBAL_OBJECTS, KEEPALIVED_VRRP, KEEPALIVED_VRRP_OBJECTS, KeepalivedMibView,
  keepalivedGlobalVarbinds, keepalivedVrrpVarbinds, KmNotification,
} from './keepalived-mib';
import { CheckMibView, checkMibVarbinds, KEEPALIVED_CHECK, KEEPALIVED_CHECK_OBJECTS, poolNotification } from './check-mib';
import type { PoolTrap } from '../../ipvs/desired';
import { compareOids } from './vrrpv3-mib';

/** What KEEPALIVED-MIB reads from the director (enable_snmp_vrrp). */
export interface KeepalivedMibSource {
  view(): Promise<KeepalivedMibView>;
  /** The config in force and the host name: all a notification needs (view() reads interfaces too). */
  config(): Pick<KeepalivedMibView, 'model' | 'hostname'>;
  /** keepalived's version_string (halo's own). */
  version: string;
}

/** What KEEPALIVED-MIB's checker objects read (enable_snmp_checker). */
export interface CheckMibSource {
  view(): Promise<CheckMibView>;
}

export interface VrrpAgent {
  agent: AgentxSubagent;
  /** An instance's state change (the notify-script moment): sends enable_traps' notifications. */
  instanceState(name: string, state: 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP'): void;
  /** A sync group's state change (its notify moment): KEEPALIVED-MIB's notification. */
  groupState(name: string, state: 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP'): void;
  /** Resolves once the notifications asked for so far are handed to the master (before a stop). */
  flush(): Promise<void>;
  /** An advert an instance rejected: enable_traps' error notifications. */
  instanceDrop(name: string, reason: RejectReason, src: string | undefined): void;
  /** A real server's or a quorum's change: KEEPALIVED-MIB's checker notification. */
  poolTrap(t: PoolTrap): void;
}

/** How long one view of the MIBs answers requests. */
export const VARBINDS_CACHE_MS = 1000;

export function startVrrpAgent(
  plan: SnmpPlan,
  instances: () => Promise<Vrrpv3Instance[]>,
  /** When the VRRP process started (RFC 2787's uptime counts from it), Date.now() clock. */
  processStartedAtMs: number,
  log: { info(m: string): void; warning(m: string): void; error(m: string): void },
  /** One instance by name, as the MIBs see it now. */
  instance: (name: string) => Promise<Vrrpv3Instance | null>,
  keepalived: KeepalivedMibSource | null = null,
  checker: CheckMibSource | null = null,
): VrrpAgent | null {
  const master = parseSnmpSocket(plan.socket);
  if (!master) {
    log.error(`snmp_socket ${plan.socket}: not a unix:PATH or [tcp:]HOST:PORT AgentX address; SNMP not started`);
    return null;
  }
  log.info('Starting SNMP subagent');
  // (VRRP-MIB's 1.3.6.1.2.1.68 sorts before VRRPv3-MIB's .207, both before KEEPALIVED-MIB's 1.3.6.1.4.1.9586)
  const km = plan.keepalived && keepalived ? keepalived : null;
  const cm = plan.checker && checker ? checker : null;
  const global = km !== null || cm !== null;
  const subtrees = [
    ...(plan.rfcv2 ? [VRRP_MIB] : []), ...(plan.rfcv3 ? [VRRPV3_MIB] : []), ...(global ? [KEEPALIVED_GLOBAL] : []), ...(km ? [KEEPALIVED_VRRP] : []), ...(cm ? [KEEPALIVED_CHECK] : []),
  ];
  const objects = [
    ...(plan.rfcv2 ? VRRP_MIB_OBJECTS : []), ...(plan.rfcv3 ? VRRPV3_MIB_OBJECTS : []), ...(global ? KEEPALIVED_GLOBAL_OBJECTS : []),
    ...(km ? KEEPALIVED_VRRP_OBJECTS : []), ...(cm ? KEEPALIVED_CHECK_OBJECTS : []),
  ];
  const build = async (): Promise<Varbind[]> => {
    const now = Date.now();
    const all = plan.rfcv2 || plan.rfcv3 ? await instances() : [];
    const kmView = km ? await km.view() : null;
    const keepalivedPart = global ? [
      ...keepalivedGlobalVarbinds(kmView ?? { ...keepalived!.config(), version: keepalived!.version }),
      ...(kmView ? keepalivedVrrpVarbinds(kmView) : []),
      ...(cm ? checkMibVarbinds(await cm.view()) : []),
    ].sort((a, b) => compareOids(a.oid, b.oid)) : [];
    return [
      ...(plan.rfcv2 ? vrrpMibVarbinds(all, processStartedAtMs) : []),
      ...(plan.rfcv3 ? vrrpv3Varbinds(all, now) : []),
      ...keepalivedPart,
    ];
  };
  // One view serves the requests of the next VARBINDS_CACHE_MS (net-snmp's table caches do the
  // same): snmpd turns a GetBulk into one request per repetition, and building the whole view,
  // the IPVS counters included, for each made a bulk walk time out in the emulated VM.
  let cached: { at: number; value: Promise<Varbind[]> } | null = null;
  const varbinds = (): Promise<Varbind[]> => {
    const now = Date.now();
    if (!cached || now - cached.at >= VARBINDS_CACHE_MS) {
      const value = build();
      cached = { at: now, value };
      value.catch(() => {
        if (cached?.value === value) cached = null;
      });
    }
    return cached.value;
  };
  const agent = new AgentxSubagent(
    { socket: plan.socket, subtrees, objects, description: `halo ${[plan.rfcv2 ? 'VRRP-MIB' : '', plan.rfcv3 ? 'VRRPv3-MIB' : '', global ? 'KEEPALIVED-MIB' : ''].filter(Boolean).join(' ')}`, varbinds, log },
    master,
  );
  agent.start();
  const pending = new Set<Promise<void>>();
  const track = (p: Promise<void>): void => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };
  const send = (name: string, make: (i: Vrrpv3Instance) => Notification[]): void => {
    track(instance(name).then((i) => {
      if (!i) return;
      for (const n of make(i)) {
        if (!agent.notify(n)) log.warning(`(${name}) SNMP notification not sent: no AgentX session`);
      }
    }, (err: Error) => log.warning(`(${name}) SNMP notification not sent: ${err.message}`)));
  };
  const sendKm = (what: string, make: (v: Pick<KeepalivedMibView, 'model' | 'hostname'>) => KmNotification | null): void => {
    const n = make(keepalived!.config());
    if (n && !agent.notify(n)) log.warning(`${what} SNMP notification not sent: no AgentX session`);
  };
  return {
    agent,
    flush: async () => {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    instanceState: (name, state) => {
      // keepalived's order (send_instance_notifies): KEEPALIVED-MIB's, then the RFC MIBs' new master
      if (plan.traps && km) {
        sendKm(`(${name})`, (v) => {
          const i = v.model.vrrpInstances.find((c) => c.name === name);
          return i ? instanceStateNotification(i, state, v.model.globalDefs, v.hostname) : null;
        });
      }
      if (plan.traps && state === 'MASTER') send(name, (i) => newMasterNotifications(i, plan));
    },
    groupState: (name, state) => {
      if (plan.traps && km) sendKm(`VRRP_Group(${name})`, (v) => groupStateNotification(name, state, v.model.globalDefs, v.hostname));
    },
    instanceDrop: (name, reason, src) => {
      if (plan.traps) send(name, (i) => dropNotifications(i, reason, src, plan));
    },
    poolTrap: (t) => {
      if (!plan.traps || !cm) return;
      sendKm('checker', (v) => poolNotification(t, v.model.globalDefs.routerId ?? v.hostname));
    },
  };
}
