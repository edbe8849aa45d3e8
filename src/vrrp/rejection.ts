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
  'ah-next-header',
  'ah-bad-icv',
  'ah-bad-spi',
  'ah-replay',
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
  /**
   * auth_type AH: the packet's sequence number, when its ICV, SPI and sequence number passed
   * and a later check rejected it (keepalived has taken the number as seen by then).
   */
  ahSeq?: number;
}

export function reject(reason: RejectReason, message: string): Rejection {
  return { ok: false, reason, message };
}
