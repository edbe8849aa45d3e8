/**
 * BFD Control packets (RFC 5880 section 4.1), the mandatory 24-byte section; no authentication
 * section (keepalived and halo support none). `decode` applies the reception checks of RFC 5880
 * section 6.8.6 that need no session (keepalived bfd.c bfd_check_packet): a failing packet is
 * dropped and counted by the reason returned.
 */

export const BFD_VERSION = 1;
export const BFD_CONTROL_LENGTH = 24;
/** RFC 5881 section 4: single-hop control packets go to UDP 3784 … */
export const BFD_CONTROL_PORT = 3784;
/** … from a source port in 49152-65535 … */
export const BFD_SOURCE_PORT_MIN = 49152;
export const BFD_SOURCE_PORT_MAX = 65535;
/** … with TTL/hop limit 255 (section 5, GTSM). */
export const BFD_CONTROL_TTL = 255;

/** bfd.SessionState values (section 4.1). */
export enum BfdState { AdminDown = 0, Down = 1, Init = 2, Up = 3 }

/** Diagnostic codes (section 4.1). */
export enum BfdDiag {
  NoDiag = 0, Expired = 1, EchoFailed = 2, NeighborSignaledDown = 3, ForwardingPlaneReset = 4,
  PathDown = 5, ConcatenatedPathDown = 6, AdminDown = 7, ReverseConcatenatedPathDown = 8,
}

/** keepalived's words for states and diagnostics (bfd.h BFD_STATE_STR, BFD_DIAG_STR). */
export const STATE_NAME: Record<BfdState, string> = { 0: 'AdminDown', 1: 'Down', 2: 'Init', 3: 'Up' };
export const DIAG_NAME: Record<number, string> = {
  0: 'No Diagnostic', 1: 'Control Detection Time Expired', 2: 'Echo Function Failed',
  3: 'Neighbor Signaled Session Down', 4: 'Forwarding Plane Reset', 5: 'Path Down',
  6: 'Concatenated Path Down', 7: 'Administratively Down', 8: 'Reverse Concatenated Path Down',
};

export interface BfdControl {
  diag: number;
  state: BfdState;
  poll: boolean;
  final: boolean;
  controlPlaneIndependent: boolean;
  authPresent: boolean;
  demand: boolean;
  multipoint: boolean;
  detectMult: number;
  myDiscriminator: number;
  yourDiscriminator: number;
  /** Microseconds, as on the wire. */
  desiredMinTxUs: number;
  requiredMinRxUs: number;
  requiredMinEchoRxUs: number;
}

export function encode(p: BfdControl): Buffer {
  const b = Buffer.alloc(BFD_CONTROL_LENGTH);
  b[0] = (BFD_VERSION << 5) | (p.diag & 0x1f);
  b[1] = (p.state << 6) | (p.poll ? 0x20 : 0) | (p.final ? 0x10 : 0) | (p.controlPlaneIndependent ? 0x08 : 0)
    | (p.authPresent ? 0x04 : 0) | (p.demand ? 0x02 : 0) | (p.multipoint ? 0x01 : 0);
  b[2] = p.detectMult;
  b[3] = BFD_CONTROL_LENGTH;
  b.writeUInt32BE(p.myDiscriminator >>> 0, 4);
  b.writeUInt32BE(p.yourDiscriminator >>> 0, 8);
  b.writeUInt32BE(p.desiredMinTxUs >>> 0, 12);
  b.writeUInt32BE(p.requiredMinRxUs >>> 0, 16);
  b.writeUInt32BE(p.requiredMinEchoRxUs >>> 0, 20);
  return b;
}

/** Why a packet was dropped before any session saw it; counted under these names. */
export type DropReason =
  | 'too-short' | 'length-mismatch' | 'bad-version' | 'zero-detect-mult' | 'multipoint'
  | 'zero-my-discriminator' | 'zero-your-discriminator' | 'poll-and-final' | 'bad-diag';

export type Decoded = { ok: true; packet: BfdControl } | { ok: false; reason: DropReason };

export function decode(buf: Buffer): Decoded {
  if (buf.length < BFD_CONTROL_LENGTH) return { ok: false, reason: 'too-short' };
  // Section 6.8.6: Length must be >= 24 (26 with auth) and not above the payload.
  if (buf[3] !== buf.length) return { ok: false, reason: 'length-mismatch' };
  if (buf[0] >> 5 !== BFD_VERSION) return { ok: false, reason: 'bad-version' };
  const packet: BfdControl = {
    diag: buf[0] & 0x1f,
    state: (buf[1] >> 6) as BfdState,
    poll: (buf[1] & 0x20) !== 0,
    final: (buf[1] & 0x10) !== 0,
    controlPlaneIndependent: (buf[1] & 0x08) !== 0,
    authPresent: (buf[1] & 0x04) !== 0,
    demand: (buf[1] & 0x02) !== 0,
    multipoint: (buf[1] & 0x01) !== 0,
    detectMult: buf[2],
    myDiscriminator: buf.readUInt32BE(4),
    yourDiscriminator: buf.readUInt32BE(8),
    desiredMinTxUs: buf.readUInt32BE(12),
    requiredMinRxUs: buf.readUInt32BE(16),
    requiredMinEchoRxUs: buf.readUInt32BE(20),
  };
  if (packet.detectMult === 0) return { ok: false, reason: 'zero-detect-mult' };
  if (packet.multipoint) return { ok: false, reason: 'multipoint' };
  if (packet.myDiscriminator === 0) return { ok: false, reason: 'zero-my-discriminator' };
  if (packet.yourDiscriminator === 0 && packet.state !== BfdState.Down && packet.state !== BfdState.AdminDown) {
    return { ok: false, reason: 'zero-your-discriminator' };
  }
  if (packet.poll && packet.final) return { ok: false, reason: 'poll-and-final' };
  if (packet.diag > BfdDiag.ReverseConcatenatedPathDown) return { ok: false, reason: 'bad-diag' };
  return { ok: true, packet };
}
