#!/usr/bin/env node
'use strict';
/**
 * The worker's own share of an idle MASTER's CPU, without the kernel: the real VRRP engine
 * (dist/daemon/vrrp-engine.js) with N MASTER instances at advert_int 1 on in-memory fakes (a
 * transport that only counts, addresses and links that answer at once), driven by its own
 * deadlines on a clock that runs in real time. Prints, per advert: CPU time, bytes allocated on
 * the V8 heap, and how many wake-ups (OS timer expiries) the engine asked for per second of
 * protocol time (keepalived, whose timers read one cached clock per loop turn, wakes once per
 * second for N instances started together).
 *
 *   node test/bench/daemon/advert-path.js [--instances 50] [--seconds 600] [--rounds 5] [--backup] [--alloc-prof FILE]
 *
 * --backup: the other side, N BACKUP instances (priority 100) hearing a MASTER's adverts (priority
 * 150, one per instance per second, handed to the engine as its socket would): CPU and bytes per
 * advert received.
 *
 * Protocol time is simulated (600 s of adverts run in well under a second of CPU), so this runs
 * anywhere, without root; CPU figures are process CPU time (process.cpuUsage), the median of
 * the rounds. Allocation is the heap growth between GCs (v8.GCProfiler) over the round.
 * Requires a built dist/.
 */
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const dist = process.env.HALO_DIST || path.resolve(__dirname, '..', '..', '..', 'dist');
const { parseConfigText } = require(path.join(dist, 'config', 'load.js'));
const { VrrpEngine } = require(path.join(dist, 'daemon', 'vrrp-engine.js'));

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const n = opt('instances', 50);
const seconds = opt('seconds', 600);
const rounds = opt('rounds', 5);
const backup = args.includes('--backup');

function masters(count) {
  const out = ['global_defs {', '  router_id lb1', '}'];
  for (let i = 0; i < count; i++) {
    out.push(`vrrp_instance VI_${i} {`, `  state ${backup ? 'BACKUP' : 'MASTER'}`, '  interface eth0', `  virtual_router_id ${(i % 255) + 1}`, `  priority ${backup ? 100 : 150}`, '  advert_int 1',
      '  virtual_ipaddress {', `    10.${77 + (i >> 8)}.${i & 255}.1/32`, '  }', '}');
  }
  return out.join('\n') + '\n';
}

const ok = (value) => ({ ok: true, value });
const quiet = () => undefined;

/**
 * The engine's clock: real time plus an offset that jumps forward when the engine sleeps, so that
 * each wake-up happens `latencyMs` after the deadline it was armed for and the work done after it
 * takes the real time it takes (as in the daemon, where the timerfd fires ~0.05 ms late).
 */
function simulatedClock(latencyMs = 0.05) {
  let offset = 0;
  const now = () => performance.now() + offset;
  /** Every wake-up source the engine made (its deadlines, the GARP pacer) and what each is armed for. */
  const timers = new Set();
  const wake = (onExpire) => {
    const t = { at: Infinity, onExpire };
    timers.add(t);
    return {
      arm(delayMs) { t.at = now() + Math.max(0, delayMs); },
      disarm() { t.at = Infinity; },
      close() { timers.delete(t); },
    };
  };
  /** Sleeps until the earliest armed deadline (+ latency) and fires it; false when nothing is armed. */
  const step = () => {
    let next = null;
    for (const t of timers) if (t.at !== Infinity && (!next || t.at < next.at)) next = t;
    if (!next) return false;
    const late = next.at + latencyMs - now();
    if (late > 0) offset += late;
    next.at = Infinity;
    next.onExpire();
    return true;
  };
  /** Fires whatever is due now, without sleeping; how many. */
  const due = () => {
    let fired = 0;
    for (;;) {
      let next = null;
      for (const t of timers) if (t.at !== Infinity && (!next || t.at < next.at)) next = t;
      if (!next || next.at > now()) return fired;
      next.at = Infinity;
      next.onExpire();
      fired++;
    }
  };
  return { now, wake, step, due, advance: (ms) => { offset += ms; } };
}

async function run() {
  const parsed = parseConfigText(masters(n), '/etc/keepalived/keepalived.conf');
  if (!parsed.model) throw new Error(parsed.diagnostics.map((d) => d.message).join('\n'));
  const clock = simulatedClock();
  let sent = 0;
  const receivers = [];
  const link = { name: 'eth0', index: 2, mac: '02:00:00:00:00:01', adminUp: true, running: true, operstate: 'up', up: true, flags: 0x11043 };
  const addresses = {
    add: async () => ok(true),
    addAll: async (vs) => vs.map(() => ok(true)),
    remove: async () => ok(true),
    list: async () => ok([]),
    primaryIPv4: async () => ok('192.168.77.11'),
    removeResidual: async () => ({ removed: [], errors: [] }),
    close: quiet,
  };
  const links = { query: async (name) => ok(name === 'eth0' ? link : null), list: async () => ok([link]), onLink: quiet, onAddress: quiet, onFlags: quiet, onError: quiet, close: quiet };
  const log = { error: quiet, warning: quiet, notice: quiet, info: quiet, debug: quiet, close: quiet };
  const engine = new VrrpEngine(parsed.model, {
    addresses, links, log,
    garp: { announce: async (a) => ok(a.vips.length * a.repeat) },
    openTransport: () => ({
      // as the addon's senders: on the wire on return (sendNow), or a settled promise (send)
      sendNow: () => { sent++; return null; },
      send: () => { sent++; return Promise.resolve(); },
      onPacket: (cb) => receivers.push(cb), onError: quiet, close: quiet,
    }),
    notify: { run: quiet, notify: quiet, close: quiet },
    now: clock.now,
    wakeTimer: clock.wake,
  });
  await engine.start();
  // let the transitions' I/O settle, then run the adverts
  const settle = () => new Promise((r) => setImmediate(r));
  for (let i = 0; i < 20; i++) await settle();
  const inState = (st) => [...engine.states.values()].filter((s) => s.state === st).length;
  // --backup: the peer's adverts, one per instance (VRID), as keepalived 2.2.7 sends them
  const { encodePacket } = require(path.join(dist, 'vrrp', 'advert-codec.js'));
  const heard = backup
    ? Array.from({ length: n }, (_, i) => encodePacket({ version: 2, virtualRouterId: (i % 255) + 1, priority: 150, adverIntMs: 1000, ipAddresses: [`10.${77 + (i >> 8)}.${i & 255}.1`], authType: 'NONE', authPass: null, ipId: i + 1, src: '192.168.77.12', dst: '224.0.0.18' }))
    : [];
  let received = 0;
  /** One second of the peer's adverts, each delivered as the socket would (a copy of the packet). */
  const hear = () => {
    clock.advance(1000);
    for (const p of heard) for (const cb of receivers) cb(Buffer.from(p), '192.168.77.12');
    received += heard.length;
    return clock.due(); // a down timer the adverts did not push back would fire here
  };

  const v8 = require('node:v8');
  // --alloc-prof FILE: a sampling profile of every allocation of the measured rounds (dead ones too)
  const ai = args.indexOf('--alloc-prof');
  const session = ai >= 0 ? new (require('node:inspector').Session)() : null;
  const post = (method, params) => new Promise((res, rej) => session.post(method, params, (e, r) => (e ? rej(e) : res(r))));
  const results = [];
  for (let r = 0; r <= rounds; r++) {
    const t0 = clock.now();
    const s0 = backup ? received : sent;
    let wakes = 0;
    // bytes allocated: what each GC found used beyond what the previous one left, plus the rest
    const gc = new v8.GCProfiler();
    const used0 = v8.getHeapStatistics().used_heap_size;
    gc.start();
    const cpu0 = process.cpuUsage();
    while (clock.now() - t0 < seconds * 1000) {
      if (backup) wakes += hear();
      else if (!clock.step()) throw new Error('nothing armed: the instances stopped advertising');
      else wakes++;
      // microtasks (the sends' promise chains) are part of the work
      await null;
      await null;
    }
    const cpu = process.cpuUsage(cpu0);
    const used1 = v8.getHeapStatistics().used_heap_size;
    const stats = gc.stop().statistics;
    let allocated = 0;
    let last = used0;
    for (const g of stats) {
      allocated += g.beforeGC.heapStatistics.usedHeapSize - last;
      last = g.afterGC.heapStatistics.usedHeapSize;
    }
    allocated += used1 - last;
    const adverts = (backup ? received : sent) - s0;
    if (r === 0) {
      if (session) {
        session.connect();
        await post('HeapProfiler.startSampling', { samplingInterval: 32, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
      }
      continue; // warm-up round: V8 optimises the path
    }
    results.push({ usPerAdvert: (cpu.user + cpu.system) / adverts, bytesPerAdvert: allocated / adverts, wakesPerS: wakes / seconds, advertsPerS: adverts / seconds, gcs: stats.length });
  }
  if (session) {
    const { profile } = await post('HeapProfiler.stopSampling');
    require('node:fs').writeFileSync(args[ai + 1], JSON.stringify(profile));
    session.disconnect();
  }
  const med = (k) => { const s = results.map((x) => x[k]).sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
  const role = backup ? 'BACKUP' : 'MASTER';
  console.log(`advert path (engine on fakes, no kernel): ${n} ${role} instances (${inState(role)} ${role} at the end), advert_int 1, ${seconds} s of protocol time x ${rounds} rounds after a warm-up round`);
  if (backup) console.log(`  ${med('advertsPerS').toFixed(1)} adverts/s received; ${med('wakesPerS').toFixed(1)} timer expiries/s (0: every down timer pushed back)`);
  else console.log(`  ${med('advertsPerS').toFixed(1)} adverts/s; ${med('wakesPerS').toFixed(1)} wake-ups/s (keepalived: 1 for instances started together)`);
  console.log(`  CPU ${med('usPerAdvert').toFixed(2)} us per advert ${backup ? 'received' : 'sent'} (median of rounds: ${results.map((x) => x.usPerAdvert.toFixed(2)).join(' ')})${backup ? '' : ', including the wake-ups\' JS'}; ${(med('usPerAdvert') * n / 1e4).toFixed(4)} % of a core at ${n} adverts/s`);
  console.log(`  allocated ${med('bytesPerAdvert').toFixed(0)} bytes per advert on the V8 heap (${med('gcs')} GCs per round)`);
  await engine.stop();
}

run().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
