#!/usr/bin/env node
'use strict';
/**
 * The backup's own takeover work, halo beside Debian's keepalived 2.2.7 in the same run (issue 9):
 * a graceful failover of the lab's shape, a sync group of two instances with three VIPs, and on
 * the wire (pcap on a third host) how long the new master takes from its first advert to the
 * first gratuitous ARP of its last VIP ("MASTER → GARP (all)"): its VIP adds and GARP sends,
 * which keepalived does in a few ms. Also priority 0 → first advert (Skew_Time plus the sync
 * group's spread) for reference.
 *
 * A round is starved when the backup's processes waited for a CPU (schedstat run_delay, summed
 * over its processes) more than --starved-ms during the takeover window; a row with fewer than
 * half its rounds valid prints "inconclusive". Not a timed test: it prints figures side by side.
 *
 *   node test/bench/failover/takeover.js [--rounds N] [--starved-ms MS] [--before DIST]   (root; npm run build first)
 * --before DIST adds a column for another build of halo (its dist/ directory), for before/after.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Topology, waitFor } = require('../../../dist/lab/netns.js');
const { startDirector, stopDirector, signalAll, pidsOf, runDelayMs, capture: captureOn } = require('../directors.js');

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const ROUNDS = Number(opt('rounds', '5'));
const STARVED_MS = Number(opt('starved-ms', '20'));
const IMPLS = opt('impls', 'keepalived,halo').split(',');
// --before DIST: a second halo column from another build (e.g. a copy of dist/ taken before a change)
const BEFORE = opt('before', null);
const VIPS = { VI_E: ['192.168.77.200', '192.168.77.202'], VI_I: ['192.168.77.210'] };
const ALL = Object.values(VIPS).flat();
const SRC = { lb1: '192.168.77.11', lb2: '192.168.77.12' };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'halo-bench-takeover-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function conf(name, state, priority) {
  const out = ['global_defs {', `  router_id ${name}`, '}', 'vrrp_sync_group VG1 {', '  group {', '    VI_E', '    VI_I', '  }', '}'];
  let vrid = 51;
  for (const [vi, vips] of Object.entries(VIPS)) {
    out.push(`vrrp_instance ${vi} {`, `  state ${state}`, '  interface eth0', `  virtual_router_id ${vrid++}`, `  priority ${priority}`, '  advert_int 1',
      '  authentication {', '    auth_type PASS', '    auth_pass mypasswd', '  }', '  virtual_ipaddress {', ...vips.map((v) => `    ${v}/24`), '  }', '}');
  }
  return out.join('\n') + '\n';
}

const holdsAll = (topo, host) => {
  const a = topo.addresses(host, 'eth0');
  return ALL.every((v) => a.includes(v));
};
const macOf = (topo, host) => JSON.parse(topo.exec(host, ['ip', '-j', 'link', 'show', 'dev', 'eth0']))[0].address;

/** VRRP adverts and gratuitous ARPs in a pcap, in capture order. */
function packets(pcap) {
  const out = execFileSync('tshark', ['-r', pcap, '-Y', 'vrrp or arp', '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'eth.src', '-e', 'ip.src', '-e', 'vrrp.prio', '-e', 'arp.src.proto_ipv4', '-e', 'arp.dst.proto_ipv4'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return out.split('\n').filter(Boolean).map((l) => {
    const [t, mac, ipSrc, prio, arpSrc, arpDst] = l.split('\t');
    return { t: Number(t) * 1000, mac, ipSrc, prio: prio === '' ? null : Number(prio), garp: arpSrc !== '' && arpSrc === arpDst ? arpSrc : null };
  });
}

const capture = (topo) => captureOn(topo, 'client', path.join(tmp, `cap-${Date.now()}.pcap`), 'ip proto 112 or arp');

async function round(topo, column) {
  const impl = column === 'halo-before' ? 'halo' : column;
  const main = column === 'halo-before' ? path.resolve(BEFORE, 'cli', 'main.js') : undefined;
  const m = startDirector(topo, tmp, 'lb1', impl, conf('lb1', 'MASTER', 150), [], main);
  if (!(await waitFor(() => holdsAll(topo, 'lb1'), 60000, 20))) {
    await stopDirector(m);
    throw new Error(`${impl}: lb1 never became master`);
  }
  const b = startDirector(topo, tmp, 'lb2', impl, conf('lb2', 'BACKUP', 100), [], main);
  // past lb1's garp_master_delay (5 s) burst and lb2's start-up
  await sleep(7000);
  const cap = await capture(topo);
  await sleep(1500);
  const pids = pidsOf(b);
  const rd0 = runDelayMs(pids);
  const signalAt = Date.now();
  signalAll(m, 'SIGTERM');
  const ok = await waitFor(() => holdsAll(topo, 'lb2'), 15000, 5);
  await sleep(Number(process.env.BENCH_TAIL_MS || 1500));
  const starvedMs = runDelayMs(pids) - rd0;
  await cap.stop();
  await stopDirector(b);
  await stopDirector(m);
  for (const h of ['lb1', 'lb2']) for (const v of ALL) topo.exec(h, ['ip', 'addr', 'del', `${v}/24`, 'dev', 'eth0'], { allowFail: true });
  if (!ok) throw new Error(`${impl}: lb2 never held every VIP`);
  const mac2 = macOf(topo, 'lb2');
  const pk = packets(cap.file).filter((p) => p.t >= signalAt - 5);
  const zero = pk.find((p) => p.ipSrc === SRC.lb1 && p.prio === 0);
  const firstAdvert = pk.find((p) => p.ipSrc === SRC.lb2 && p.prio !== null);
  if (!zero || !firstAdvert) throw new Error(`${impl}: adverts missing in the capture`);
  const garps = ALL.map((v) => pk.find((p) => p.mac === mac2 && p.garp === v && p.t >= firstAdvert.t - 1));
  if (garps.some((g) => !g)) throw new Error(`${impl}: a VIP's gratuitous ARP missing in the capture`);
  const firstGarp = Math.min(...garps.map((g) => g.t));
  const lastGarp = Math.max(...garps.map((g) => g.t));
  return {
    zeroToAdvert: firstAdvert.t - zero.t,
    advertToFirstGarp: firstGarp - firstAdvert.t,
    advertToAllGarps: lastGarp - firstAdvert.t,
    starvedMs,
    starved: starvedMs > STARVED_MS,
  };
}

function stats(rs, key) {
  const s = rs.filter((r) => !r.starved && Number.isFinite(r[key])).map((r) => r[key]).sort((a, b) => a - b);
  if (s.length === 0) return 'no figure';
  if (s.length * 2 < rs.length) return `inconclusive (${rs.length - s.length} of ${rs.length} rounds starved)`;
  const med = s[Math.floor((s.length - 1) / 2)];
  return `min ${s[0].toFixed(1)} med ${med.toFixed(1)} max ${s[s.length - 1].toFixed(1)} ms (${s.length}/${rs.length} rounds)`;
}

(async () => {
  const topo = new Topology(process.env.BENCH_NS_PREFIX || `hbt${process.pid}-`).build(['br0'], [
    { name: 'lb1', links: [['br0', `${SRC.lb1}/24`]] },
    { name: 'lb2', links: [['br0', `${SRC.lb2}/24`]] },
    { name: 'client', links: [['br0', '192.168.77.100/24']] },
  ]);
  const results = {};
  try {
    console.log(`takeover bench: ${ROUNDS} rounds each, ${os.cpus().length} CPUs, load ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
    // the columns take turns round by round, so a change in the host's load falls on all of them
    const columns = [...IMPLS, ...(BEFORE ? ['halo-before'] : [])];
    for (const c of columns) results[c] = [];
    for (let i = 0; i < ROUNDS; i++) {
      for (const impl of columns) {
        try {
          const r = await round(topo, impl);
          results[impl].push(r);
          if (process.env.BENCH_DETAIL) console.log(`  ${impl} round ${i + 1}: ${JSON.stringify(r, (k, v) => (typeof v === 'number' ? Math.round(v * 10) / 10 : v))}`);
        } catch (e) {
          console.log(`  ${impl} round ${i + 1}: not measured: ${e.message}`);
          results[impl].push({ starved: true, error: e.message });
        }
      }
    }
    for (const impl of columns) {
      const rs = results[impl];
      console.log(`${impl.padEnd(11)} first advert → first GARP: ${stats(rs, 'advertToFirstGarp')}`);
      console.log(`${impl.padEnd(11)} first advert → GARP of every VIP: ${stats(rs, 'advertToAllGarps')}; every round, starved or not: ${stats(rs.map((r) => ({ ...r, starved: false })), 'advertToAllGarps')}`);
      console.log(`${impl.padEnd(11)} priority 0 → first advert (Skew_Time 609.4): ${stats(rs, 'zeroToAdvert')}`);
    }
    fs.writeFileSync(path.join(tmp, 'results.json'), JSON.stringify(results, null, 2));
    console.log(`results: ${path.join(tmp, 'results.json')}`);
  } finally {
    topo.destroy();
  }
})().catch((e) => {
  console.error(e.message);
  process.exitCode = 1;
});
