/**
 * One BFD session, single-hop asynchronous mode (RFC 5880 sections 6.8.1-6.8.7, RFC 5881), as
 * a pure state machine: `receive(…, now)` and `tick(…, now)` return the next session and the
 * actions (packets to send, log lines, Up/Down events). No sockets, no timers, no clock: the
 * shell (src/bfd/runner.ts) arms one timer at `nextDeadline(session)` and calls `tick`.
 *
 * Behaviour follows keepalived 2.2.7 (bfd/bfd.c, bfd/bfd_scheduler.c) where the RFC leaves a
 * choice: DesiredMinTxInterval is idle_tx while not Up, min_tx once Up (with a Poll Sequence);
 * intervals are recomputed on a packet received while not Up or with Poll/Final; a session
 * leaving Up takes a new local discriminator; after a Detection Time without packets in Down the
 * remote variables are reset. Times are milliseconds (the clock), intervals microseconds (the wire).
 */
import { BfdDiag, BfdState, DIAG_NAME, STATE_NAME, type BfdControl } from './codec';

export interface SessionConfig {
  /** The bfd_instance name, as keepalived logs it: "(name) Entering Up state". */
  name: string;
  requiredMinRxUs: number;
  desiredMinTxUs: number;
  idleTxUs: number;
  detectMult: number;
  passive: boolean;
}

export interface Session {
  state: BfdState;
  remoteState: BfdState;
  localDiscr: number;
  remoteDiscr: number;
  localDiag: number;
  remoteDiag: number;
  remoteMinRxUs: number;
  remoteMinTxUs: number;
  remoteDetectMult: number;
  remoteDemand: boolean;
  /** A Poll Sequence is under way: packets carry P until a packet with F arrives. */
  poll: boolean;
  /** The transmit interval in use (µs), before jitter. */
  localTxUs: number;
  /** The interval the remote system transmits at (µs): max(our RequiredMinRx, its DesiredMinTx). */
  remoteTxUs: number;
  /** Detection Time (µs) = remote DetectMult × remoteTxUs (section 6.8.4, asynchronous mode). */
  detectTimeUs: number;
  /** Clock times (ms) of the next periodic send, of detection expiry (Init/Up), of the reset in Down. */
  txAt: number | null;
  expireAt: number | null;
  resetAt: number | null;
}

export type Action =
  | { kind: 'send'; packet: BfdControl }
  | { kind: 'log'; level: 'info' | 'warning'; message: string }
  /** The session went Up, or left Up (keepalived's bfd_event_send to the VRRP and checker processes). */
  | { kind: 'event'; up: boolean };

export interface Step {
  session: Session;
  actions: Action[];
}

/** Random numbers the machine needs: a discriminator, a jitter fraction in [0, 1). */
export interface Random {
  discriminator(): number;
  fraction(): number;
}

export function createSession(cfg: SessionConfig, now: number, rnd: Random): Step {
  const localTxUs = cfg.idleTxUs;
  const s: Session = {
    state: BfdState.Down, remoteState: BfdState.Down, localDiscr: nonZero(rnd), remoteDiscr: 0,
    localDiag: BfdDiag.NoDiag, remoteDiag: BfdDiag.NoDiag,
    // Section 6.8.1: bfd.RemoteMinRxInterval starts at 1 (µs).
    remoteMinRxUs: 1, remoteMinTxUs: 0, remoteDetectMult: 0, remoteDemand: false,
    poll: false, localTxUs, remoteTxUs: 0, detectTimeUs: 0,
    // Section 6.1: a passive system sends nothing until it has received a packet.
    txAt: cfg.passive ? null : now, expireAt: null, resetAt: null,
  };
  return { session: s, actions: [] };
}

/** The earliest clock time at which `tick` has something to do, or null. */
export function nextDeadline(s: Session): number | null {
  let t: number | null = null;
  for (const v of [s.txAt, s.expireAt, s.resetAt]) if (v !== null && (t === null || v < t)) t = v;
  return t;
}

/** The packet this session sends now (bfd_build_packet). */
export function controlPacket(cfg: SessionConfig, s: Session, final = false): BfdControl {
  return {
    diag: s.localDiag, state: s.state, poll: s.poll && !final, final, controlPlaneIndependent: false,
    authPresent: false, demand: false, multipoint: false, detectMult: cfg.detectMult,
    myDiscriminator: s.localDiscr, yourDiscriminator: s.remoteDiscr,
    desiredMinTxUs: s.state === BfdState.Up ? cfg.desiredMinTxUs : cfg.idleTxUs,
    requiredMinRxUs: cfg.requiredMinRxUs, requiredMinEchoRxUs: 0,
  };
}

/**
 * Section 6.8.7: the interval between packets is the transmit interval reduced by a random 0-25%,
 * and with DetectMult 1 by 10-25% (no more than 90% of it).
 */
export function jitteredIntervalMs(cfg: SessionConfig, s: Session, rnd: Random): number {
  const minCut = cfg.detectMult === 1 ? 0.10 : 0;
  const cut = minCut + (0.25 - minCut) * rnd.fraction();
  return (s.localTxUs * (1 - cut)) / 1000;
}

/** Timers due at `now`: send the periodic packet, expire the session, reset the remote variables. */
export function tick(cfg: SessionConfig, s0: Session, now: number, rnd: Random): Step {
  let s = { ...s0 };
  const actions: Action[] = [];
  if (s.expireAt !== null && s.expireAt <= now && (s.state === BfdState.Up || s.state === BfdState.Init)) {
    // Section 6.8.4 / 6.8.1: a Detection Time without a packet: Down, diag 1, RemoteDiscr 0.
    const deadMs = now - (s.expireAt - s.detectTimeUs / 1000);
    if (s.state === BfdState.Up) {
      const overdueUs = Math.max(0, Math.round((deadMs * 1000) - s.detectTimeUs));
      actions.push({ kind: 'log', level: 'warning', message: `(${cfg.name}) Expired after ${Math.floor(deadMs)} ms (${overdueUs} usec overdue)` });
    }
    s.remoteDiscr = 0;
    s = goDown(cfg, s, BfdDiag.Expired, now, rnd, actions);
  }
  if (s.resetAt !== null && s.resetAt <= now) {
    // keepalived bfd_reset_state: the remote variables go back to their initial values.
    s = { ...s, resetAt: null, remoteState: BfdState.Down, remoteDiscr: 0, remoteDiag: BfdDiag.NoDiag, remoteDemand: false, poll: false };
    s.localTxUs = Math.max(cfg.idleTxUs, s.remoteMinRxUs);
  }
  if (s.txAt !== null && s.txAt <= now) {
    actions.push({ kind: 'send', packet: controlPacket(cfg, s) });
    s.txAt = sendsPeriodically(cfg, s) ? now + jitteredIntervalMs(cfg, s, rnd) : null;
  }
  return { session: s, actions };
}

/** A packet that passed the codec's checks and was matched to this session (section 6.8.6). */
export function receive(cfg: SessionConfig, s0: Session, p: BfdControl, now: number, rnd: Random): Step {
  const actions: Action[] = [];
  let s = { ...s0 };
  if (s.state === BfdState.AdminDown) return { session: s, actions };
  const oldDetect = s.detectTimeUs;
  const oldTx = s.localTxUs;
  s.remoteDiscr = p.myDiscriminator;
  s.remoteState = p.state;
  s.remoteDiag = p.diag;
  s.remoteMinRxUs = p.requiredMinRxUs;
  s.remoteMinTxUs = p.desiredMinTxUs;
  s.remoteDemand = p.demand;
  s.remoteDetectMult = p.detectMult;
  // Section 6.8.6: a Final terminates the Poll Sequence.
  if (p.final) s.poll = false;
  if (s.state !== BfdState.Up || p.poll || p.final) {
    const fast = s.remoteState === BfdState.Up && (s.state === BfdState.Init || s.state === BfdState.Up);
    s.localTxUs = Math.max(fast ? cfg.desiredMinTxUs : cfg.idleTxUs, s.remoteMinRxUs);
    s.remoteTxUs = Math.max(cfg.requiredMinRxUs, s.remoteMinTxUs);
  }
  s.detectTimeUs = s.remoteDetectMult * s.remoteTxUs;
  if (s.detectTimeUs !== oldDetect) {
    actions.push({ kind: 'log', level: 'info', message: `${' '.repeat(cfg.name.length + 2)} Detection time is ${s.detectTimeUs} us (was ${oldDetect} us)` });
  }
  // Section 6.8.6's state table.
  if (s.remoteState === BfdState.AdminDown) {
    if (s.state !== BfdState.Down) s = goDown(cfg, s, BfdDiag.NeighborSignaledDown, now, rnd, actions);
  } else if (s.state === BfdState.Down) {
    if (s.remoteState === BfdState.Down) s = goInit(cfg, s, now);
    else if (s.remoteState === BfdState.Init) s = goUp(cfg, s, now, actions);
  } else if (s.state === BfdState.Init) {
    if (s.remoteState === BfdState.Init || s.remoteState === BfdState.Up) s = goUp(cfg, s, now, actions);
  } else if (s.state === BfdState.Up && s.remoteState === BfdState.Down) {
    s = goDown(cfg, s, BfdDiag.NeighborSignaledDown, now, rnd, actions);
  }
  // The sender: a shorter interval takes effect now (keepalived bfd_sender_reschedule).
  if (!sendsPeriodically(cfg, s)) s.txAt = null;
  else if (s.txAt === null || (s.localTxUs < oldTx)) s.txAt = now + jitteredIntervalMs(cfg, s, rnd);
  // Section 6.8.6: a Poll is answered at once with a Final, outside the periodic schedule.
  // A Poll of our own pending is dropped: the Final carries our new parameters (keepalived
  // bfd_build_packet; section 6.8.3 allows it).
  if (p.poll) {
    actions.push({ kind: 'send', packet: controlPacket(cfg, s, true) });
    s.poll = false;
  }
  if (s.state === BfdState.Up || s.state === BfdState.Init) s.expireAt = now + s.detectTimeUs / 1000;
  return { session: s, actions };
}

/** Section 6.8.16: AdminDown, diag 7; the session stops sending (keepalived bfd_state_admindown). */
export function adminDown(cfg: SessionConfig, s0: Session): Step {
  const wasUp = s0.state === BfdState.Up;
  const s: Session = { ...s0, state: BfdState.AdminDown, localDiag: BfdDiag.AdminDown, txAt: null, expireAt: null, resetAt: null };
  const actions: Action[] = [{ kind: 'log', level: 'warning', message: `(${cfg.name}) Entering ${STATE_NAME[BfdState.AdminDown]} state` }];
  if (wasUp) actions.push({ kind: 'event', up: false });
  return { session: s, actions };
}

function sendsPeriodically(cfg: SessionConfig, s: Session): boolean {
  if (s.state === BfdState.AdminDown) return false;
  // Section 6.8.7: no periodic packets while the remote RequiredMinRxInterval is zero …
  if (s.remoteMinRxUs === 0) return false;
  // … nor in Demand mode once both are Up (keepalived does the same; halo never asks for Demand).
  if (s.remoteDemand && s.state === BfdState.Up && s.remoteState === BfdState.Up) return false;
  // A passive system that went back Down waits for the remote again (keepalived bfd_state_down).
  if (cfg.passive && s.state === BfdState.Down) return false;
  return true;
}

function goDown(cfg: SessionConfig, s0: Session, diag: BfdDiag, now: number, rnd: Random, actions: Action[]): Session {
  const wasUp = s0.state === BfdState.Up;
  const s: Session = { ...s0, state: BfdState.Down, localDiag: diag, expireAt: null };
  if (wasUp) {
    s.localDiscr = nonZero(rnd, s0.localDiscr);
    actions.push({
      kind: 'log', level: 'warning',
      message: `(${cfg.name}) Entering ${STATE_NAME[BfdState.Down]} state (Local diagnostic - ${DIAG_NAME[diag]}, Remote diagnostic - ${DIAG_NAME[s.remoteDiag] ?? s.remoteDiag})`,
    });
  }
  // Section 6.8.3: not Up, so DesiredMinTxInterval at least one second (idle_tx, >= 1 s by config).
  s.localTxUs = Math.max(cfg.idleTxUs, s.remoteMinRxUs);
  // keepalived bfd_reset_schedule: the remote variables are reset after a Detection Time.
  s.resetAt = now + Math.max(s.detectTimeUs, cfg.idleTxUs) / 1000;
  if (wasUp) actions.push({ kind: 'event', up: false });
  return s;
}

function goInit(_cfg: SessionConfig, s0: Session, now: number): Session {
  const s: Session = { ...s0, state: BfdState.Init, localDiag: BfdDiag.NoDiag, resetAt: null };
  if (s.txAt === null) s.txAt = now;
  return s;
}

function goUp(cfg: SessionConfig, s0: Session, now: number, actions: Action[]): Session {
  const s: Session = { ...s0, state: BfdState.Up, localDiag: BfdDiag.NoDiag, resetAt: null };
  actions.push({ kind: 'log', level: 'info', message: `(${cfg.name}) Entering ${STATE_NAME[BfdState.Up]} state` });
  // Section 6.8.3: DesiredMinTxInterval changes from idle_tx to min_tx: a Poll Sequence.
  if (cfg.idleTxUs !== cfg.desiredMinTxUs) s.poll = true;
  if (s.txAt === null) s.txAt = now;
  actions.push({ kind: 'event', up: true });
  return s;
}

function nonZero(rnd: Random, avoid = 0): number {
  for (let i = 0; i < 8; i++) {
    const d = rnd.discriminator() >>> 0;
    if (d !== 0 && d !== avoid) return d;
  }
  return avoid === 1 ? 2 : 1;
}
