/**
 * The notifications keepalived 2.2.7 sends with `enable_traps` for the RFC MIBs, as AgentX
 * Notify varbind lists (snmpTrapOID.0 first; the master puts sysUpTime.0 before it):
 *  - vrrpTrapNewMaster (VRRP-MIB, 1.3.6.1.2.1.68.0.1) when an instance becomes MASTER, with
 *    vrrpOperMasterIpAddr.<ifIndex>.<VRID> = the instance's own source address, for VRRP-MIB's
 *    instances (version 2, IPv4, a VIP) under enable_snmp_rfcv2;
 *  - vrrpv3NotifyNewMaster (VRRPv3-MIB, 1.3.6.1.2.1.207.0.1) then too, with
 *    vrrpv3OperationsMasterIpAddr (the source address, as an Octet String) and
 *    vrrpv3StatisticsNewMasterReason, for every instance with a VIP under enable_snmp_rfcv3.
 *  - vrrpTrapAuthFailure (1.3.6.1.2.1.68.0.2) for an advert a VRRP-MIB instance rejects for its
 *    authentication, with vrrpTrapPacketSrc and vrrpTrapAuthErrorType, both indexed by the
 *    instance (ifIndex, VRID) as keepalived writes them;
 *  - vrrpv3NotifyProtoError (1.3.6.1.2.1.207.0.2) for an advert with a wrong TTL/hop limit or
 *    VRRP version, with vrrpv3StatisticsProtoErrReason.
 * Each is sent per rejected advert, unthrottled, as keepalived does. A checksum error or an
 * invalid auth type (> 2) is found by halo while decoding, before the advert is matched to an
 * instance, so neither sends a notification (keepalived sends vrrpv3NotifyProtoError and
 * vrrpTrapAuthFailure for them).
 * keepalived's KEEPALIVED-MIB notifications (vrrpInstanceStateChange, vrrpSyncGroupStateChange)
 * belong to enable_snmp_vrrp: keepalived-mib.ts.
 */
import * as ipaddr from 'ipaddr.js';
import { rfc2787Rows, VRRP_MIB } from './vrrp-mib';
import type { RejectReason } from '../../vrrp/rejection';
import { SnmpType, Varbind, Vrrpv3Instance, VRRPV3_MIB } from './vrrpv3-mib';

/** snmpTrapOID.0 (SNMPv2-MIB). */
export const SNMP_TRAP_OID = [1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0];
/** AgentX's OBJECT IDENTIFIER type (RFC 2741 §5.4). */
export const OBJECT_IDENTIFIER = 6;

const MASTER_REASON = { notMaster: 0, priority: 1, preempted: 2, masterNoResponse: 3 } as const;

/** A notification: its varbinds after sysUpTime.0 (an OID value is written as dotted text). */
export type Notification = Array<Varbind | { oid: number[]; type: typeof OBJECT_IDENTIFIER; value: string }>;

/** The snmpTrapOID.0 varbind naming notification `oid`. */
export const trapOid = (oid: number[]) => ({ oid: SNMP_TRAP_OID, type: OBJECT_IDENTIFIER, value: oid.join('.') }) as const;
const v3Index = (i: Vrrpv3Instance) => [i.ifIndex, i.vrid, i.primaryAddress.includes(':') ? 2 : 1];

/** vrrpTrapAuthErrorType by halo's drop reason. */
const AUTH_ERROR: Partial<Record<RejectReason, number>> = {
  'bad-auth-type': 1,
  'auth-type-mismatch': 2,
  'auth-mismatch': 3,
  'ah-bad-icv': 3,
  'ah-bad-spi': 3,
  'ah-replay': 3,
};
/** vrrpv3StatisticsProtoErrReason by halo's drop reason. */
const PROTO_ERROR: Partial<Record<RejectReason, number>> = { 'bad-ttl': 1, 'version-mismatch': 2, 'bad-checksum': 3 };

/** The notifications keepalived sends when `i` rejects an advert from `src` for `reason`. */
export function dropNotifications(i: Vrrpv3Instance, reason: RejectReason, src: string | undefined, mibs: { rfcv2: boolean; rfcv3: boolean }): Notification[] {
  const out: Notification[] = [];
  const auth = AUTH_ERROR[reason];
  if (mibs.rfcv2 && auth !== undefined && src !== undefined && !src.includes(':') && rfc2787Rows([i]).length === 1) {
    out.push([
      trapOid([...VRRP_MIB, 0, 2]),
      { oid: [...VRRP_MIB, 1, 5, i.ifIndex, i.vrid], type: SnmpType.IpAddress, value: Buffer.from(ipaddr.parse(src).toByteArray()) },
      { oid: [...VRRP_MIB, 1, 6, i.ifIndex, i.vrid], type: SnmpType.Integer, value: auth },
    ]);
  }
  const proto = PROTO_ERROR[reason];
  // (no src: a decoding error, counted on the interface's first instance, not the advert's)
  if (mibs.rfcv3 && proto !== undefined && src !== undefined && i.vips.length > 0) {
    out.push([trapOid([...VRRPV3_MIB, 0, 2]), { oid: [...VRRPV3_MIB, 1, 2, 5, 1, 6, ...v3Index(i)], type: SnmpType.Integer, value: proto }]);
  }
  return out;
}

/** The notifications keepalived sends when `i` has just become MASTER. */
export function newMasterNotifications(i: Vrrpv3Instance, mibs: { rfcv2: boolean; rfcv3: boolean }): Notification[] {
  const out: Notification[] = [];
  const src = Buffer.from(ipaddr.parse(i.srcAddress).toByteArray());
  if (mibs.rfcv2 && rfc2787Rows([i]).length === 1) {
    out.push([trapOid([...VRRP_MIB, 0, 1]), { oid: [...VRRP_MIB, 1, 3, 1, 7, i.ifIndex, i.vrid], type: SnmpType.IpAddress, value: src }]);
  }
  if (mibs.rfcv3 && i.vips.length > 0) {
    const index = v3Index(i);
    out.push([
      trapOid([...VRRPV3_MIB, 0, 1]),
      { oid: [...VRRPV3_MIB, 1, 1, 1, 1, 3, ...index], type: SnmpType.OctetString, value: src },
      { oid: [...VRRPV3_MIB, 1, 2, 5, 1, 2, ...index], type: SnmpType.Integer, value: MASTER_REASON[i.masterReason] },
    ]);
  }
  return out;
}
