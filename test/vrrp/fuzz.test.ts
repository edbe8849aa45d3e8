/**
 * Fuzz (issue 3): a million random and mutated packets — truncations, extensions, bit flips,
 * wrong lengths, address counts, versions, types, TTLs, protocols, with and without the
 * checksums repaired so the deeper checks are reached — built from keepalived's fixtures and
 * captures, through `decodePacket` and into `step` of a v2 or a v3 instance (alternately).
 * Pinned: nothing throws; an invalid packet never changes the protocol state; every rejection
 * is counted exactly once under its reason, and only valid packets count as received.
 * Seeded PRNG, so a failure reproduces; the seed and the case number are in the message.
 */
import { decodePacket, DecodeResult } from '../../src/vrrp/advert-codec';
import { internetChecksum } from '../../src/vrrp/checksum';
import { createInstanceState, InstanceState, step } from '../../src/vrrp/instance';
import { REJECT_REASONS, RejectReason } from '../../src/vrrp/rejection';
import { hexFixture, ipv4OfEthernet, pcapFiles, readPcap } from './fixtures';
import { instanceCfg } from './harness';
import { prng } from '../support/prng';

const SEED = 0x5eed_7a1e;
const N = Number(process.env.HALO_FUZZ_N ?? 1_000_000);


function seeds(): Buffer[] {
  const out = ['v2-pass-advert', 'v2-prio0-advert', 'v3-advert', 'v3-100ms-advert', 'v3-prio0-advert'].map((n) => hexFixture(`${n}.ip.hex`));
  for (const f of pcapFiles()) {
    for (const fr of readPcap(f).frames) {
      const ip = ipv4OfEthernet(fr.data);
      if (ip) out.push(Buffer.from(ip));
    }
  }
  return out;
}

function fixIp(b: Buffer): void {
  if (b.length < 20) return;
  b.writeUInt16BE(0, 10);
  b.writeUInt16BE(internetChecksum(b, 0, Math.min(b.length, (b[0] & 0x0f) * 4 || 20)), 10);
}

function fixVrrp(b: Buffer): void {
  if (b.length < 28) return;
  const ihl = (b[0] & 0x0f) * 4;
  const end = Math.min(b.length, b.readUInt16BE(2));
  if (ihl + 8 > end) return;
  b.writeUInt16BE(0, ihl + 6);
  let acc = 0;
  if (b[ihl] >> 4 === 3) {
    // v3 pseudo-header: src, dst, 0, 112, length
    for (let i = 12; i < 20; i += 2) acc += b.readUInt16BE(i);
    acc += 112 + (end - ihl);
  }
  b.writeUInt16BE(internetChecksum(b, ihl, end, acc), ihl + 6);
}

/** Adds or removes one IPv4 address, keeping count, lengths and layout coherent. */
function resizeAddresses(b: Buffer, delta: 1 | -1, last: number): Buffer {
  if (b.length < 28 || b[9] !== 112 || (b[0] & 0x0f) !== 5) return b;
  const count = b[23];
  const v2 = b[20] >> 4 === 2;
  const addrEnd = 28 + 4 * count;
  if (b.length < addrEnd || (delta < 0 && count === 0) || (delta > 0 && count === 255)) return b;
  const extra = delta > 0 ? Buffer.from([192, 168, 77, last]) : Buffer.alloc(0);
  const head = b.subarray(0, delta > 0 ? addrEnd : addrEnd - 4);
  const tail = v2 ? b.subarray(addrEnd, addrEnd + 8) : Buffer.alloc(0);
  const out = Buffer.concat([head, extra, tail]);
  out[23] = count + delta;
  out.writeUInt16BE(out.length, 2);
  return out;
}

function mutate(rnd: () => number, base: Buffer[]): Buffer {
  const pick = (n: number) => Math.floor(rnd() * n);
  if (rnd() < 0.05) {
    const b = Buffer.alloc(pick(80));
    for (let i = 0; i < b.length; i++) b[i] = pick(256);
    return b;
  }
  let b: Buffer = Buffer.from(base[pick(base.length)]);
  const ops = 1 + pick(3);
  for (let k = 0; k < ops; k++) {
    switch (pick(13)) {
      case 12: b = resizeAddresses(b, rnd() < 0.5 ? 1 : -1, pick(256)); break; // coherent count change
      case 0: b = b.subarray(0, pick(b.length + 1)); break; // truncation
      case 1: b = Buffer.concat([b, Buffer.from(Array.from({ length: 1 + pick(12) }, () => pick(256)))]); break; // extension
      case 2: if (b.length) b[pick(b.length)] ^= 1 << pick(8); break; // bit flip
      case 3: if (b.length) b[pick(b.length)] = pick(256); break; // byte set
      case 4: if (b.length > 23) b[23] = pick(256); break; // address count
      case 5: if (b.length > 20) b[20] = (pick(16) << 4) | (b[20] & 0x0f); break; // VRRP version
      case 6: if (b.length > 20) b[20] = (b[20] & 0xf0) | pick(16); break; // VRRP type
      case 7: if (b.length > 3) b.writeUInt16BE(pick(100), 2); break; // IP total length
      case 8: if (b.length > 8) b[8] = rnd() < 0.5 ? 255 : pick(256); break; // TTL
      case 9: if (b.length > 9) b[9] = rnd() < 0.6 ? 112 : rnd() < 0.5 ? 51 : pick(256); break; // protocol (AH = 51)
      case 10: if (b.length > 25) b[rnd() < 0.5 ? 24 : 25] = pick(4); break; // auth type / interval
      case 11: if (b.length) b[0] = (pick(16) << 4) | pick(16); break; // IP version / IHL
    }
  }
  // Repair checksums most of the time so the structural and instance checks get exercised.
  if (rnd() < 0.8) fixIp(b);
  if (rnd() < 0.6) fixVrrp(b);
  return b;
}

/** Whether two states agree on everything but counters and log bookkeeping (one level deep). */
function sameProtocolState(a: InstanceState, b: InstanceState): boolean {
  const pa = a as unknown as Record<string, unknown>;
  const pb = b as unknown as Record<string, unknown>;
  for (const k in pa) {
    if (k === 'stats' || k === 'dropLog') continue;
    const x = pa[k];
    const y = pb[k];
    if (x === y) continue;
    if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
    const xo = x as Record<string, unknown>;
    const yo = y as Record<string, unknown>;
    for (const kk in xo) if (xo[kk] !== yo[kk]) return false;
    for (const kk in yo) if (!(kk in xo)) return false;
  }
  for (const k in pb) if (!(k in pa)) return false;
  return true;
}

function dropsTotal(s: InstanceState): number {
  let n = 0;
  for (const v of Object.values(s.stats.drops)) n += v ?? 0;
  return n;
}

test(`fuzz: ${N} mutated packets through decode and step (seed ${SEED.toString(16)})`, () => {
  const rnd = prng(SEED);
  const base = seeds();
  const v2cfg = instanceCfg({ initialState: 'BACKUP', priority: 100 });
  const v3cfg = instanceCfg({ name: 'VI_3', initialState: 'BACKUP', priority: 100, version: 3, authType: 'NONE', authPass: null });
  let now = 0;
  let insts = [v2cfg, v3cfg].map((c) => step(createInstanceState(c, '192.168.77.12'), { type: 'startup' }, now).state);
  const tally: Partial<Record<RejectReason | 'accepted', number>> = {};
  const started = Date.now();

  for (let i = 0; i < N; i++) {
    const bytes = mutate(rnd, base);
    let packet: DecodeResult;
    try {
      packet = decodePacket(bytes, { v3Checksum: i % 7 === 0 ? 'either' : 'pseudo-header' });
    } catch (e) {
      throw new Error(`case ${i} (seed ${SEED}): decodePacket threw ${String(e)} on ${bytes.toString('hex')}`);
    }
    now += 3;
    // Each packet meets one instance; v2 and v3 instances take turns.
    for (let k = i & 1; k <= (i & 1); k++) {
      const before = insts[k];
      const dropsBefore = dropsTotal(before);
      const rcvdBefore = before.stats.advertsReceived;
      let after: InstanceState;
      try {
        after = step(before, { type: 'advert', packet }, now).state;
      } catch (e) {
        throw new Error(`case ${i} (seed ${SEED}): step threw ${String(e)} on ${bytes.toString('hex')}`);
      }
      const dropped = dropsTotal(after) - dropsBefore;
      const received = after.stats.advertsReceived - rcvdBefore;
      if (dropped + received !== 1) throw new Error(`case ${i}: ${dropped} drops + ${received} receipts for one packet (${bytes.toString('hex')})`);
      if (dropped === 1) {
        if (!sameProtocolState(before, after)) throw new Error(`case ${i}: a rejected packet changed the state (${bytes.toString('hex')})`);
        const reason = !packet.ok ? packet.reason : (Object.keys(after.stats.drops) as RejectReason[]).find((r) => after.stats.drops[r] !== before.stats.drops[r])!;
        if (after.stats.drops[reason] !== (before.stats.drops[reason] ?? 0) + 1) throw new Error(`case ${i}: ${reason} not counted`);
        if (!packet.ok && reason !== packet.reason) throw new Error(`case ${i}: decode said ${packet.reason}, counted as ${reason}`);
        tally[reason] = (tally[reason] ?? 0) + 1;
      } else {
        if (!packet.ok) throw new Error(`case ${i}: a packet the decoder rejected (${packet.reason}) was received`);
        tally.accepted = (tally.accepted ?? 0) + 1;
      }
      insts[k] = after;
    }
    // Let time pass now and then, so the instances also meet packets as MASTER.
    if (i % 5000 === 4999) {
      now += 5000;
      insts = insts.map((s) => {
        for (const t of Object.keys(s.timers) as (keyof typeof s.timers)[]) {
          if ((s.timers[t] ?? Infinity) <= now) s = step(s, { type: 'timer', timer: t }, now).state;
        }
        return s;
      });
    }
  }

  const elapsed = Date.now() - started;
  process.stdout.write(`fuzz: ${N} packets in ${elapsed} ms; ${JSON.stringify(tally)}\n`);
  const total = Object.values(tally).reduce((a, b) => a + (b ?? 0), 0);
  expect(total).toBe(N);
  for (const r of Object.keys(tally)) if (r !== 'accepted') expect(REJECT_REASONS).toContain(r);
  // The mutations reach deep: valid packets, and most reasons, both structural and per-instance.
  expect(tally.accepted ?? 0).toBeGreaterThan(1000);
  for (const r of ['too-short', 'bad-ip-total-length', 'bad-ip-checksum', 'not-vrrp', 'bad-version', 'bad-type', 'bad-length', 'bad-checksum', 'bad-ttl', 'version-mismatch', 'vrid-mismatch', 'addr-count-mismatch', 'addr-list-mismatch', 'bad-auth-type'] as RejectReason[]) {
    expect({ reason: r, hit: (tally[r] ?? 0) > 0 }).toEqual({ reason: r, hit: true });
  }
  // The counters the instances keep agree with the tally.
  const kept: Partial<Record<string, number>> = {};
  for (const s of insts) for (const [r, n] of Object.entries(s.stats.drops)) kept[r] = (kept[r] ?? 0) + (n ?? 0);
  for (const [r, n] of Object.entries(tally)) if (r !== 'accepted') expect(kept[r]).toBe(n);
}, 600_000); // a bound for a starved machine (52 s seen at load 9 on 2 cores), not a speed claim
