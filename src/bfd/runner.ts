/**
 * The BFD shell: the bfd_instances' sessions (src/bfd/session.ts) on real sockets and timers, in
 * the director process. RFC 5881: control packets go to UDP 3784 from a source port in
 * 49152-65535 with TTL 255 (the bfd_instance's ttl); the listening socket on 3784 carries a
 * socket filter (RFC 5082 GTSM, through the native addon) so the kernel drops a packet whose TTL
 * is below its neighbour's session's ttl - max_hops. Packets the codec refuses are counted by
 * reason and dropped.
 *
 * Lateness: a session's expiry is never decided from a timer alone. When its detection timer
 * fires, the verdict waits one turn of the event loop (setImmediate runs after the poll phase),
 * so a packet that arrived while halo was stalled is read first and keeps the session Up. When a
 * timer fired later than the interval it guards (halo's own event loop stalled), the line
 * keepalived's scheduler writes ("A thread timer expired … seconds ago") is logged with the
 * session's name, and an expiry decided after such a stall says so.
 */
/** node:crypto, loaded on first use: a worker that never needs it does not pay its ~2 MB of RSS (issue 15). */
const crypto = () => require('node:crypto') as typeof import('node:crypto');
import * as dgram from 'node:dgram';
import type { BfdInstance } from '../config/model';
import { timerExpiredLine } from '../check/deadline';
import { haloNative } from '../net/native';
import { BFD_CONTROL_PORT, BFD_SOURCE_PORT_MAX, BFD_SOURCE_PORT_MIN, BfdState, DIAG_NAME, STATE_NAME, decode, encode, type BfdControl } from './codec';
import type { BfdStatus } from '../daemon/status';
import {
  adminDown, createSession, nextDeadline, receive, tick, type Action, type Random, type Session, type SessionConfig, type Step,
} from './session';

export interface BfdLog {
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
}

export interface BfdRunnerOptions {
  log: BfdLog;
  /**
   * A session went Up (`up`) or left Up, and every session's state at start and reload:
   * keepalived's bfd_event_send to the VRRP and checker processes.
   */
  onEvent(instance: BfdInstance, up: boolean): void;
  now?: () => number;
  random?: Random;
}

interface Live {
  cfg: BfdInstance;
  sc: SessionConfig;
  session: Session;
  out: dgram.Socket | null;
  sendFailing: boolean;
  timer: NodeJS.Timeout | null;
  /** When the pending timer is due (clock ms), and the due time whose lateness was logged. */
  due: number | null;
  lateNoted: number | null;
  immediate: NodeJS.Immediate | null;
  /** The loop was found stalled past this session's guard since the last expiry check. */
  stalledMs: number;
}

/** Drops before a session saw the packet, by reason (the codec's, plus lookup failures). */
export type DropCounters = Record<string, number>;

const systemRandom: Random = { discriminator: () => crypto().randomInt(1, 0xffffffff), fraction: () => Math.random() };

export function sessionConfig(b: BfdInstance): SessionConfig {
  return { name: b.name, requiredMinRxUs: b.minRxUs, desiredMinTxUs: b.minTxUs, idleTxUs: b.idleTxUs, detectMult: b.multiplier, passive: b.passive };
}

/** The config a running session keeps across a reload when it is unchanged. */
function sameInstance(a: BfdInstance, b: BfdInstance): boolean {
  const { location: _a, ...ra } = a;
  const { location: _b, ...rb } = b;
  return JSON.stringify(ra) === JSON.stringify(rb);
}

/**
 * IP_MINTTL for one family's listening socket: the laxest ttl - max_hops of its sessions; null = no
 * check. It is what a packet from any other source must carry (such a packet finds no session).
 */
export function listenerMinTtl(instances: readonly BfdInstance[]): number | null {
  if (instances.length === 0 || instances.some((b) => b.maxHops < 0)) return null;
  return Math.max(1, Math.min(...instances.map((b) => b.ttl - b.maxHops)));
}

/**
 * Per neighbour, the TTL / hop limit its packets must carry (keepalived's bfd_check_packet_ttl:
 * ttl - max_hops of the session, max_hops -1 = no check): the socket filter checks each packet
 * against its source's, as keepalived checks it against its session's. Two sessions with one
 * neighbour (different source addresses) share the laxer.
 */
export function listenerTtlRules(instances: readonly BfdInstance[]): Array<[string, number]> {
  const byNeighbor = new Map<string, number>();
  for (const b of instances) {
    const min = b.maxHops < 0 ? 0 : Math.max(1, b.ttl - b.maxHops);
    byNeighbor.set(b.neighborIp, Math.min(byNeighbor.get(b.neighborIp) ?? 255, min));
  }
  return [...byNeighbor].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export class BfdRunner {
  private readonly sessions = new Map<string, Live>();
  private readonly listeners = new Map<4 | 6, { sock: dgram.Socket; filter: string }>();
  private readonly now: () => number;
  private readonly rnd: Random;
  readonly drops: DropCounters = {};
  /** Timers found late past their guard (the event loop stalled). */
  stalls = 0;
  private running = false;

  constructor(private readonly opts: BfdRunnerOptions) {
    this.now = opts.now ?? (() => performance.now());
    this.rnd = opts.random ?? systemRandom;
  }

  async start(instances: readonly BfdInstance[]): Promise<void> {
    this.running = true;
    await this.apply(instances);
  }

  /** Reload: unchanged sessions keep running; removed ones stop; new ones start. */
  async reconfigure(instances: readonly BfdInstance[]): Promise<void> {
    await this.apply(instances);
  }

  stop(): void {
    this.running = false;
    for (const name of [...this.sessions.keys()]) this.remove(name);
    for (const l of this.listeners.values()) l.sock.close();
    this.listeners.clear();
  }

  /** What `halo status` shows. */
  status(): BfdStatus {
    return {
      sessions: [...this.sessions.values()].map((l) => ({
        name: l.cfg.name, neighbor: l.cfg.neighborIp, state: STATE_NAME[l.session.state], remoteState: STATE_NAME[l.session.remoteState],
        localDiag: DIAG_NAME[l.session.localDiag] ?? String(l.session.localDiag),
        txIntervalMs: l.session.localTxUs / 1000, detectTimeMs: l.session.detectTimeUs / 1000,
      })),
      drops: { ...this.drops },
      stalls: this.stalls,
    };
  }

  /** Each session's state, for status and tests. */
  states(): Map<string, Session> {
    return new Map([...this.sessions].map(([n, l]) => [n, l.session]));
  }

  private async apply(instances: readonly BfdInstance[]): Promise<void> {
    const wanted = new Map(instances.map((b) => [b.name, b]));
    for (const [name, l] of this.sessions) {
      const next = wanted.get(name);
      if (!next || !sameInstance(l.cfg, next)) this.remove(name);
    }
    await this.openListeners(instances);
    for (const b of instances) if (!this.sessions.has(b.name)) await this.add(b);
    // keepalived's bfd_register_workers: at start and on reload every session's state is sent.
    for (const l of this.sessions.values()) this.opts.onEvent(l.cfg, l.session.state === BfdState.Up);
  }

  private async openListeners(instances: readonly BfdInstance[]): Promise<void> {
    for (const family of [4, 6] as const) {
      const mine = instances.filter((b) => b.family === family);
      const minTtl = listenerMinTtl(mine);
      const rules = listenerTtlRules(mine);
      const filter = JSON.stringify([minTtl, rules]);
      const cur = this.listeners.get(family);
      if (cur && (mine.length === 0 || cur.filter !== filter)) {
        cur.sock.close();
        this.listeners.delete(family);
      }
      if (mine.length === 0 || this.listeners.has(family)) continue;
      const fd = haloNative().openDatagramSocket(family, null, BFD_CONTROL_PORT, null, null, minTtl ?? 0, true, rules);
      const sock = dgram.createSocket(family === 4 ? 'udp4' : 'udp6');
      sock.on('message', (msg, rinfo) => this.onPacket(msg, rinfo.address));
      sock.on('error', (err) => this.opts.log.error(`BFD listening socket (IPv${family}): ${err.message}`));
      await new Promise<void>((resolve) => sock.bind({ fd }, resolve));
      this.listeners.set(family, { sock, filter });
    }
  }

  private async add(b: BfdInstance): Promise<void> {
    const sc = sessionConfig(b);
    const created = createSession(sc, this.now(), this.rnd);
    const l: Live = { cfg: b, sc, session: created.session, out: null, sendFailing: false, timer: null, due: null, lateNoted: null, immediate: null, stalledMs: 0 };
    this.sessions.set(b.name, l);
    l.out = await this.openOut(b);
    if (l.out === null) {
      // The session stays AdminDown (logged) until a reload; keepalived instead retries the
      // socket every 60 s and when a packet arrives.
      this.step(l, adminDown(sc, l.session));
      return;
    }
    this.arm(l);
  }

  private remove(name: string): void {
    const l = this.sessions.get(name);
    if (!l) return;
    this.sessions.delete(name);
    if (l.timer) clearTimeout(l.timer);
    if (l.immediate) clearImmediate(l.immediate);
    try { l.out?.close(); } catch { /* closed */ }
    if (l.session.state === BfdState.Up) this.opts.onEvent(l.cfg, false);
  }

  /** The session's sending socket: source_ip, a free port in 49152-65535, TTL/hop limit `ttl`. */
  private async openOut(b: BfdInstance): Promise<dgram.Socket | null> {
    const span = BFD_SOURCE_PORT_MAX - BFD_SOURCE_PORT_MIN + 1;
    const first = crypto().randomInt(0, span);
    let lastErr: Error | null = null;
    for (let i = 0; i < 64; i++) {
      const port = BFD_SOURCE_PORT_MIN + ((first + i * 7919) % span);
      const sock = dgram.createSocket(b.family === 4 ? 'udp4' : 'udp6');
      try {
        await new Promise<void>((resolve, reject) => {
          sock.once('error', reject);
          sock.bind({ address: b.sourceIp ?? undefined, port, exclusive: true }, () => { sock.off('error', reject); resolve(); });
        });
        sock.setTTL(b.ttl);
        sock.on('error', (err) => this.opts.log.error(`(${b.name}) socket error: ${err.message}`));
        return sock;
      } catch (err) {
        lastErr = err as Error;
        try { sock.close(); } catch { /* closed */ }
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') break;
      }
    }
    this.opts.log.error(`(${b.name}) bind() error (${lastErr?.message ?? 'no free source port'})`);
    return null;
  }

  private onPacket(msg: Buffer, from: string): void {
    const d = decode(msg);
    if (!d.ok) return this.drop(d.reason);
    const p = d.packet;
    let l: Live | undefined;
    if (p.yourDiscriminator !== 0) {
      for (const s of this.sessions.values()) if (s.session.localDiscr === p.yourDiscriminator) l = s;
    } else {
      const matches = [...this.sessions.values()].filter((s) => s.cfg.neighborIp === from);
      if (matches.length > 1) return this.drop('ambiguous-session');
      l = matches[0];
    }
    if (!l) return this.drop('no-session');
    if (l.cfg.neighborIp !== from) return this.drop('wrong-source');
    // RFC 5880 section 6.8.6: authentication is not in use.
    if (p.authPresent) return this.drop('auth-present');
    const r = receive(l.sc, l.session, p, this.now(), this.rnd);
    this.step(l, r);
    l.stalledMs = 0;
  }

  private drop(reason: string): void {
    this.drops[reason] = (this.drops[reason] ?? 0) + 1;
  }

  private step(l: Live, r: Step): void {
    l.session = r.session;
    this.act(l, r.actions);
    if (this.sessions.get(l.cfg.name) === l) this.arm(l);
  }

  private act(l: Live, actions: Action[]): void {
    for (const a of actions) {
      if (a.kind === 'send') this.send(l, a.packet);
      else if (a.kind === 'log') (a.level === 'warning' ? this.opts.log.warning : this.opts.log.info)(a.message);
      else this.opts.onEvent(l.cfg, a.up);
    }
  }

  private send(l: Live, p: BfdControl): void {
    if (!l.out) return;
    l.out.send(encode(p), BFD_CONTROL_PORT, l.cfg.neighborIp, (err) => {
      if (err && !l.sendFailing) {
        l.sendFailing = true;
        this.opts.log.error(`(${l.cfg.name}) Error sending packet (${err.message})`);
      } else if (!err) l.sendFailing = false;
    });
  }

  /** One OS timer per session, at its next deadline. */
  private arm(l: Live): void {
    // A timer still pending past its time: a packet got here first, but the loop was late
    // (Node runs the poll phase's reads before timers that came due during a stall).
    if (l.timer && l.due !== null) this.noteLateness(l, this.now() - l.due);
    if (l.timer) clearTimeout(l.timer);
    l.timer = null;
    l.due = null;
    if (!this.running || l.immediate) return;
    const due = nextDeadline(l.session);
    if (due === null) return;
    l.due = due;
    l.timer = setTimeout(() => this.fire(l, due), Math.max(0, due - this.now()));
  }

  /**
   * A timer late by more than a whole interval (the shorter of ours and the remote's): halo's
   * own event loop stalled. Logged once per stall, in keepalived's scheduler words.
   */
  private noteLateness(l: Live, lateMs: number): void {
    const s = l.session;
    const guardMs = (s.remoteTxUs > 0 ? Math.min(s.localTxUs, s.remoteTxUs) : s.localTxUs) / 1000;
    if (lateMs <= guardMs || l.due === l.lateNoted) return;
    l.lateNoted = l.due;
    this.stalls++;
    l.stalledMs = Math.max(l.stalledMs, lateMs);
    this.opts.log.warning(`${timerExpiredLine(lateMs)} - (${l.cfg.name}) BFD timers ran late: halo's event loop was stalled`);
  }

  private fire(l: Live, due: number): void {
    l.timer = null;
    const now = this.now();
    this.noteLateness(l, now - due);
    l.due = null;
    const s = l.session;
    if (s.expireAt !== null && s.expireAt <= now) {
      // Read what arrived while we were late before judging the session (see the header).
      l.immediate = setImmediate(() => {
        l.immediate = null;
        if (this.sessions.get(l.cfg.name) !== l) return;
        const wasUp = l.session.state === BfdState.Up;
        const r = tick(l.sc, l.session, this.now(), this.rnd);
        if (wasUp && r.session.state !== BfdState.Up && l.stalledMs > 0) {
          this.opts.log.warning(`(${l.cfg.name}) Expiry decided after halo's event loop was stalled ${Math.round(l.stalledMs)} ms; no packet was pending from ${l.cfg.neighborIp}`);
        }
        l.stalledMs = 0;
        this.step(l, r);
      });
      return;
    }
    this.step(l, tick(l.sc, l.session, now, this.rnd));
  }
}
