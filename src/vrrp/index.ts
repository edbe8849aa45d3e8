/**
 * The VRRP core's public API, for the daemon: pure codec, state machine and sync-group rule.
 *
 *   createInstanceState(cfg, primaryAddress, opts?)      → InstanceState (state INIT)
 *   step(state, event, now)                              → { state, actions }
 *   createSyncGroupState(group)                          → SyncGroupState
 *   stepSyncGroupMember(group, members, name, event, now) → { group, members, actions }
 *   syncGroupStep(group, members, trigger, now)           → { group, members, actions }
 *   decodePacket(bytes, { v3Checksum })                   → DecodedPacket | Rejection
 *   encodePacket / encodeAdvert / encodeIpv4Header / decodeIpv4Header
 *   reconfigure(old, newConfig, environment)             → { state, actions } (reload)
 *   createScriptTracker / scriptResult / carryScriptTracker (vrrp_script rise/fall)
 *   masterDownIntervalMs / skewTimeMs                     (RFC timer arithmetic)
 *
 * See instance.ts for how to drive the machine and types.ts for events and actions.
 */
export * from './types';
export * from './rejection';
export { decodePacket, encodeAdvert, encodePacket, vrrpMessageLength } from './advert-codec';
export type { AdvertFields, DecodedPacket, DecodeOptions, DecodeResult, PacketFields, V3ChecksumMode, VrrpAdvert } from './advert-codec';
export { decodeIpv4Header, encodeIpv4Header, IPPROTO_VRRP, VRRP_IP_TTL, VRRP_IP_TOS } from './ipv4-header';
export type { Ipv4Header, Ipv4HeaderFields } from './ipv4-header';
export { internetChecksum } from './checksum';
export { masterDownIntervalMs, skewTimeMs } from './timers';
export {
  createInstanceState,
  step,
  advertPackets,
  protocolView,
  masterDownInterval,
  skewTime,
  DROP_LOG_INTERVAL_MS,
} from './instance';
export type { InstanceState, InstanceStats, InstanceOptions, InstanceEnv } from './instance';
export { createSyncGroupState, stepSyncGroupMember, syncGroupStep } from './sync-group';
export type { SyncGroupState, SyncGroupStepResult } from './sync-group';
export { carryScriptTracker, createScriptTracker, scriptResult } from './track-script';
export { reconfigure, vipDiff, vipKey } from './reconfigure';
export type { ReconfigureEnvironment } from './reconfigure';
export type { ScriptTrackerState } from './track-script';
