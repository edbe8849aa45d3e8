import { listenerMinTtl, listenerTtlRules } from '../../src/bfd/runner';
import { BfdDiag, BfdState, decode, encode, type BfdControl } from '../../src/bfd/codec';
import {
  adminDown, createSession, jitteredIntervalMs, nextDeadline, receive, tick, type Action, type Random, type Session, type SessionConfig,
} from '../../src/bfd/session';
import { prng } from '../support/prng';

const cfgA: SessionConfig = { name: 'A', requiredMinRxUs: 300_000, desiredMinTxUs: 300_000, idleTxUs: 1_000_000, detectMult: 3, passive: false };
const cfgB: SessionConfig = { ...cfgA, name: 'B', requiredMinRxUs: 200_000, desiredMinTxUs: 100_000, detectMult: 5 };

function random(seed: number): Random {
  const r = prng(seed);
  return { discriminator: () => Math.floor(r() * 0xffffffff), fraction: r };
}

/** Two sessions on a fake clock, packets delivered through the codec after `delayMs`, links cuttable. */
class Pair {
  now = 0;
  s: Record<'A' | 'B', Session>;
  cfg = { A: cfgA, B: cfgB };
  rnd = { A: random(1), B: random(2) };
  link = { AB: true, BA: true };
  inflight: { at: number; to: 'A' | 'B'; bytes: Buffer }[] = [];
  events: { at: number; who: string; up: boolean }[] = [];
  logs: string[] = [];
  sent: { at: number; from: 'A' | 'B'; p: BfdControl }[] = [];

  constructor(public delayMs = 1) {
    this.s = { A: createSession(cfgA, 0, this.rnd.A).session, B: createSession(cfgB, 0, this.rnd.B).session };
  }

  private apply(who: 'A' | 'B', actions: Action[]): void {
    for (const a of actions) {
      if (a.kind === 'send') {
        this.sent.push({ at: this.now, from: who, p: a.packet });
        const to = who === 'A' ? 'B' : 'A';
        if (this.link[who === 'A' ? 'AB' : 'BA']) this.inflight.push({ at: this.now + this.delayMs, to, bytes: encode(a.packet) });
      } else if (a.kind === 'event') this.events.push({ at: this.now, who, up: a.up });
      else this.logs.push(a.message);
    }
  }

  /** Runs every timer and delivery in time order up to now + ms (bounded in steps). */
  run(ms: number): void {
    const end = this.now + ms;
    for (let i = 0; i < 100_000; i++) {
      const dl = (['A', 'B'] as const).map((w) => [w, nextDeadline(this.s[w])] as const).filter(([, t]) => t !== null) as ['A' | 'B', number][];
      const next = [...dl.map(([, t]) => t), ...this.inflight.map((f) => f.at)].reduce((m, t) => Math.min(m, t), Infinity);
      if (next > end) { this.now = end; return; }
      this.now = next;
      const due = this.inflight.filter((f) => f.at <= this.now);
      this.inflight = this.inflight.filter((f) => f.at > this.now);
      for (const f of due) {
        const d = decode(f.bytes);
        if (!d.ok) throw new Error(d.reason);
        const st = receive(this.cfg[f.to], this.s[f.to], d.packet, this.now, this.rnd[f.to]);
        this.s[f.to] = st.session;
        this.apply(f.to, st.actions);
      }
      for (const [w, t] of dl) {
        if (t <= this.now) {
          const st = tick(this.cfg[w], this.s[w], this.now, this.rnd[w]);
          this.s[w] = st.session;
          this.apply(w, st.actions);
        }
      }
    }
    throw new Error('simulation did not reach its end time');
  }
}

describe('BFD session (RFC 5880 asynchronous mode) on a fake clock', () => {
  it('comes Up through Down -> Init -> Up on both sides and agrees on intervals with a Poll/Final', () => {
    const p = new Pair();
    p.run(5000);
    expect([p.s.A.state, p.s.B.state]).toEqual([BfdState.Up, BfdState.Up]);
    expect(p.events.map((e) => `${e.who}:${e.up}`).sort()).toEqual(['A:true', 'B:true']);
    // A transmits at max(A min_tx 300 ms, B min_rx 200 ms); B at max(100, 300) = 300 ms.
    expect(p.s.A.localTxUs).toBe(300_000);
    expect(p.s.B.localTxUs).toBe(300_000);
    // Detection time = remote DetectMult × agreed remote interval: A sees B (mult 5) at 300 ms.
    expect(p.s.A.detectTimeUs).toBe(5 * 300_000);
    expect(p.s.B.detectTimeUs).toBe(3 * 300_000);
    // Each side sent a Poll once Up and got a Final back; no poll is left pending.
    expect(p.sent.some((x) => x.from === 'A' && x.p.poll && x.p.state === BfdState.Up)).toBe(true);
    expect(p.sent.some((x) => x.from === 'B' && x.p.final)).toBe(true);
    expect([p.s.A.poll, p.s.B.poll]).toEqual([false, false]);
    expect(p.logs).toContain('(A) Entering Up state');
    // While Down every packet advertised idle_tx; once Up, min_tx.
    expect(p.sent.filter((x) => x.p.state !== BfdState.Up).every((x) => x.p.desiredMinTxUs === 1_000_000)).toBe(true);
    expect(p.sent.filter((x) => x.from === 'B' && x.p.state === BfdState.Up).every((x) => x.p.desiredMinTxUs === 100_000)).toBe(true);
  });

  it('goes Down with "Control Detection Time Expired" one detection time after the peer stops, then comes back', () => {
    const p = new Pair();
    p.run(5000);
    const cutAt = p.now;
    p.link.BA = false;
    p.run(3000);
    expect(p.s.A.state).toBe(BfdState.Down);
    expect(p.s.A.localDiag).toBe(BfdDiag.Expired);
    const down = p.events.find((e) => e.who === 'A' && !e.up);
    // The last packet from B came at most one B interval before the cut; A expires 1.5 s after it.
    expect(down!.at - cutAt).toBeGreaterThan(1500 - 300);
    expect(down!.at - cutAt).toBeLessThanOrEqual(1500 + 1);
    expect(p.logs.some((l) => /^\(A\) Expired after 1500 ms \(\d+ usec overdue\)$/.test(l))).toBe(true);
    expect(p.logs).toContain('(A) Entering Down state (Local diagnostic - Control Detection Time Expired, Remote diagnostic - No Diagnostic)');
    // B hears A's Down and follows (Neighbor Signaled Session Down).
    expect(p.s.B.state).not.toBe(BfdState.Up);
    p.link.BA = true;
    p.run(6000);
    expect([p.s.A.state, p.s.B.state]).toEqual([BfdState.Up, BfdState.Up]);
    expect(p.events.filter((e) => e.who === 'A').map((e) => e.up)).toEqual([true, false, true]);
  });

  it('takes a new local discriminator when leaving Up', () => {
    const p = new Pair();
    p.run(5000);
    const before = p.s.A.localDiscr;
    p.link.BA = false;
    p.run(3000);
    expect(p.s.A.localDiscr).not.toBe(before);
    expect(p.s.A.localDiscr).not.toBe(0);
  });

  it('follows a peer that signals AdminDown (FRR\'s shutdown, captured) to Down with diag 3', () => {
    const rnd = random(3);
    let s = createSession(cfgA, 0, rnd).session;
    // FRR's Init, captured, answers our Down: we go straight Up.
    const init = decode(Buffer.from('208003187d011704316c6d15000f4240000f42400000c350', 'hex'));
    if (!init.ok) throw new Error('fixture');
    const r1 = receive(cfgA, { ...s, localDiscr: 0x316c6d15 }, init.packet, 10, rnd);
    s = r1.session;
    expect(s.state).toBe(BfdState.Up);
    expect(r1.actions).toContainEqual({ kind: 'event', up: true });
    expect(s.poll).toBe(true);
    const admin = decode(Buffer.from('200003187d011704316c6d15000493e0000493e00000c350', 'hex'));
    if (!admin.ok) throw new Error('fixture');
    const r2 = receive(cfgA, s, admin.packet, 20, rnd);
    expect(r2.session.state).toBe(BfdState.Down);
    expect(r2.session.localDiag).toBe(BfdDiag.NeighborSignaledDown);
    expect(r2.actions).toContainEqual({ kind: 'event', up: false });
  });

  it('answers a Poll at once with a Final carrying its parameters', () => {
    const p = new Pair();
    p.run(5000);
    const upPoll = decode(Buffer.from('20e003187d011704316c6d15000493e0000493e00000c350', 'hex'));
    if (!upPoll.ok) throw new Error('fixture');
    const r = receive(cfgA, p.s.A, { ...upPoll.packet, myDiscriminator: p.s.A.remoteDiscr, yourDiscriminator: p.s.A.localDiscr }, p.now, p.rnd.A);
    const sends = r.actions.filter((a) => a.kind === 'send');
    expect(sends).toHaveLength(1);
    expect(sends[0].kind === 'send' && [sends[0].packet.final, sends[0].packet.poll]).toEqual([true, false]);
  });

  it('a passive session sends nothing until it hears the peer', () => {
    const rnd = random(4);
    const cfg = { ...cfgA, passive: true };
    const s = createSession(cfg, 0, rnd).session;
    expect(nextDeadline(s)).toBeNull();
    const down = decode(Buffer.from('20400318316c6d1500000000000f4240000493e000000000', 'hex'));
    if (!down.ok) throw new Error('fixture');
    const r = receive(cfg, s, down.packet, 100, rnd);
    expect(r.session.state).toBe(BfdState.Init);
    expect(r.session.txAt).toBe(100);
  });

  it('jitters the interval down by 0-25%, and by 10-25% with DetectMult 1 (section 6.8.7)', () => {
    const s = createSession(cfgA, 0, random(5)).session;
    const at = (f: number, cfg = cfgA) => jitteredIntervalMs(cfg, { ...s, localTxUs: 1_000_000 }, { discriminator: () => 1, fraction: () => f });
    expect(at(0)).toBe(1000);
    expect(at(0.999999)).toBeCloseTo(750, 0);
    const one = { ...cfgA, detectMult: 1 };
    expect(at(0, one)).toBe(900);
    expect(at(0.999999, one)).toBeCloseTo(750, 0);
    const p = new Pair();
    p.run(10_000);
    const aUp = p.sent.filter((x) => x.from === 'A' && x.p.state === BfdState.Up && !x.p.final).map((x) => x.at);
    const gaps = aUp.slice(1).map((t, i) => t - aUp[i]).filter((g) => g > 0);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(225);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(300);
  });

  it('AdminDown stops sending and reports the session down', () => {
    const p = new Pair();
    p.run(5000);
    const r = adminDown(cfgA, p.s.A);
    expect(r.session.state).toBe(BfdState.AdminDown);
    expect(nextDeadline(r.session)).toBeNull();
    expect(r.actions).toContainEqual({ kind: 'event', up: false });
  });
});

describe('the listening socket\'s TTL filter (keepalived bfd_check_packet_ttl, per session)', () => {
  const b = (neighborIp: string, ttl: number, maxHops: number) => ({ neighborIp, ttl, maxHops }) as unknown as import('../../src/config/model').BfdInstance;
  it('each neighbour its own ttl - max_hops; max_hops -1: no check; one neighbour in two sessions: the laxer; others: the laxest', () => {
    const set = [b('fd00::1', 255, 0), b('fd00::11', 64, 0), b('fd00::2', 255, 2), b('fd00::3', 255, -1), b('fd00::2', 200, 0)];
    expect(listenerTtlRules(set)).toEqual([['fd00::1', 255], ['fd00::11', 64], ['fd00::2', 200], ['fd00::3', 0]]);
    expect(listenerMinTtl(set)).toBeNull();
    expect(listenerMinTtl(set.slice(0, 3))).toBe(64);
  });
});
