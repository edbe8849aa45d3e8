/**
 * Why a received packet was not accepted. Every drop is counted under one of these codes
 * (RFC 3768/5798 §7.1 receive checks, plus keepalived's extra ones), and logged with a line in
 * keepalived's wording, rate-limited per code (RFC 9568 asks for rate-limited error logging).
 */
export const DECODE_REJECT_REASONS = [
  'too-short',
  'bad-ip-version',
  'bad-ip-header-length',
  'bad-ip-total-length',
  'bad-ip-checksum',
  'ip-fragment',
  'not-vrrp',
  'auth-ah',
  'bad-version',
  'bad-type',
  'bad-length',
  'bad-auth-type',
  'bad-adver-int',
  'bad-checksum',
] as const;

export const INSTANCE_REJECT_REASONS = [
  'bad-ttl',
  'wrong-group',
  'not-link-local',
  'version-mismatch',
  'vrid-mismatch',
  'auth-type-mismatch',
  'auth-mismatch',
  'adver-int-mismatch',
  'addr-count-mismatch',
  'addr-list-mismatch',
  'not-unicast-peer',
  'own-address',
] as const;

export type DecodeRejectReason = (typeof DECODE_REJECT_REASONS)[number];
export type InstanceRejectReason = (typeof INSTANCE_REJECT_REASONS)[number];
export type RejectReason = DecodeRejectReason | InstanceRejectReason;

export const REJECT_REASONS: readonly RejectReason[] = [...DECODE_REJECT_REASONS, ...INSTANCE_REJECT_REASONS];

export interface Rejection {
  ok: false;
  reason: RejectReason;
  /** One line in keepalived's wording, without the "(VI_1) " prefix. */
  message: string;
}

export function reject(reason: RejectReason, message: string): Rejection {
  return { ok: false, reason, message };
}
