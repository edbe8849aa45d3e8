#!/usr/bin/env node
// The JavaScript side of `halo ipvs -Ln` on the host, where there is no IPVS: the client lists
// through a GenlExchange whose "kernel" answers with the datagrams a 6.1 kernel sends for N TCP
// services x D masq destinations (attributes in the kernel's order, STATS and STATS64 nests),
// then the listing is formatted. What it measures is encode + match + decode + format, the
// work left to JavaScript once the syscalls are the native exchange's.
// usage: list-host.js DIST_DIR [N=10000] [D=4] [RUNS=5]   (a --cpu-prof run shows the split)
'use strict';
const path = require('path');
const dist = path.resolve(process.argv[2] ?? 'dist');
const N = Number(process.argv[3] ?? 10000), D = Number(process.argv[4] ?? 4), RUNS = Number(process.argv[5] ?? 5);
const C = require(path.join(dist, 'ipvs/constants.js'));
const { AttrWriter } = require(path.join(dist, 'ipvs/attr.js'));
const { IpvsClient } = require(path.join(dist, 'ipvs/client.js'));
const { GenlExchange } = require(path.join(dist, 'ipvs/genl-exchange.js'));
const { formatListing } = require(path.join(dist, 'ipvs/listing.js'));

const ip = (s) => Buffer.concat([Buffer.from(s.split('.').map(Number)), Buffer.alloc(12)]);
const stats = (w, type, wide) => w.nest(type, () => { for (let t = 1; t <= 10; t++) wide || t >= 4 && t <= 5 ? w.put(t, Buffer.alloc(8)) : w.u32(t, 0); });
function message(type, seq, fill) {
  const w = new AttrWriter(512);
  w.raw(Buffer.alloc(16 + 4));
  fill(w);
  const b = w.bytes();
  b.writeUInt32LE(b.length, 0); b.writeUInt16LE(type, 4); b.writeUInt32LE(seq, 8); b[16] = C.IPVS_CMD_NEW_SERVICE; b[17] = 1;
  return b;
}
const done = (seq) => { const b = Buffer.alloc(20); b.writeUInt32LE(20, 0); b.writeUInt16LE(C.NLMSG_DONE, 4); b.writeUInt32LE(seq, 8); return b; };
const vip = (i) => `10.100.${i >> 8}.${i & 255}`;
const FAMILY = 0x22;
// the kernel's answers, by request kind (read from the request bytes)
function kernel(protocol, requests) {
  const out = [];
  let off = 0;
  while (off < requests.length) {
    const len = requests.readUInt32LE(off), family = requests.readUInt16LE(off + 4), seq = requests.readUInt32LE(off + 8), cmd = requests[off + 16];
    if (family === C.GENL_ID_CTRL) out.push(message(C.GENL_ID_CTRL, seq, (w) => w.u16(C.CTRL_ATTR_FAMILY_ID, FAMILY)), ack(seq));
    else if (cmd === C.IPVS_CMD_GET_INFO) out.push(message(FAMILY, seq, (w) => { w.u32(C.IPVS_INFO_ATTR_VERSION, 0x010201); w.u32(C.IPVS_INFO_ATTR_CONN_TAB_SIZE, 4096); }), ack(seq));
    else if (cmd === C.IPVS_CMD_GET_SERVICE) {
      for (let i = 0; i < N; i++) out.push(message(FAMILY, seq, (w) => w.nest(C.IPVS_CMD_ATTR_SERVICE, () => {
        w.u16(C.IPVS_SVC_ATTR_AF, C.AF_INET); w.u16(C.IPVS_SVC_ATTR_PROTOCOL, 6); w.put(C.IPVS_SVC_ATTR_ADDR, ip(vip(i))); w.be16(C.IPVS_SVC_ATTR_PORT, 80);
        w.str(C.IPVS_SVC_ATTR_SCHED_NAME, 'rr'); w.put(C.IPVS_SVC_ATTR_FLAGS, Buffer.from([2, 0, 0, 0, 0xff, 0xff, 0xff, 0xff])); w.u32(C.IPVS_SVC_ATTR_TIMEOUT, 0);
        w.u32(C.IPVS_SVC_ATTR_NETMASK, 0xffffffff); stats(w, C.IPVS_SVC_ATTR_STATS, false); stats(w, C.IPVS_SVC_ATTR_STATS64, true);
      })));
      out.push(done(seq));
    } else if (cmd === C.IPVS_CMD_GET_DEST) {
      const i = seq - 1; // GenlExchange numbers a call's requests from 1: request i is services[i - 1]
      for (let j = 0; j < D; j++) {
        const k = i * D + j;
        out.push(message(FAMILY, seq, (w) => w.nest(C.IPVS_CMD_ATTR_DEST, () => {
          w.put(C.IPVS_DEST_ATTR_ADDR, ip(`10.200.${(k >> 8) & 255}.${k & 255}`)); w.be16(C.IPVS_DEST_ATTR_PORT, 80); w.u32(C.IPVS_DEST_ATTR_FWD_METHOD, 0);
          w.u32(C.IPVS_DEST_ATTR_WEIGHT, 1); w.u32(C.IPVS_DEST_ATTR_U_THRESH, 0); w.u32(C.IPVS_DEST_ATTR_L_THRESH, 0); w.u32(C.IPVS_DEST_ATTR_ACTIVE_CONNS, 0);
          w.u32(C.IPVS_DEST_ATTR_INACT_CONNS, 0); w.u32(C.IPVS_DEST_ATTR_PERSIST_CONNS, 0); stats(w, C.IPVS_DEST_ATTR_STATS, false); stats(w, C.IPVS_DEST_ATTR_STATS64, true);
          w.u16(C.IPVS_DEST_ATTR_ADDR_FAMILY, C.AF_INET);
        })));
      }
      out.push(done(seq));
    } else throw new Error(`unexpected request cmd ${cmd}`);
    off += (len + 3) & ~3;
  }
  return Buffer.concat(out);
}
function ack(seq) { const b = Buffer.alloc(36); b.writeUInt32LE(36, 0); b.writeUInt16LE(C.NLMSG_ERROR, 4); b.writeUInt32LE(seq, 8); return b; }

// the replies are built before the timed runs, once per (family, command, number of requests)
const memo = new Map();
function count(requests) {
  let n = 0;
  for (let off = 0; off < requests.length; off += (requests.readUInt32LE(off) + 3) & ~3) n++;
  return n;
}
const keyOf = (family, cmd, n) => `${family}:${cmd}:${n}`;
function fakeKernel(protocol, requests) {
  const key = keyOf(requests.readUInt16LE(4), requests[16], count(requests));
  if (!memo.has(key)) memo.set(key, kernel(protocol, requests));
  return memo.get(key);
}
/** Headers-only requests, numbered from 1 as GenlExchange numbers them. */
function headers(family, cmd, n) {
  const b = Buffer.alloc(20 * n);
  for (let i = 0; i < n; i++) { b.writeUInt32LE(20, 20 * i); b.writeUInt16LE(family, 20 * i + 4); b.writeUInt32LE(i + 1, 20 * i + 8); b[20 * i + 16] = cmd; }
  return b;
}
for (const [family, cmd, n] of [[C.GENL_ID_CTRL, C.CTRL_CMD_GETFAMILY, 1], [FAMILY, C.IPVS_CMD_GET_INFO, 1], [FAMILY, C.IPVS_CMD_GET_SERVICE, 1], [FAMILY, C.IPVS_CMD_GET_DEST, N]]) {
  fakeKernel(C.NETLINK_GENERIC, headers(family, cmd, n));
}
const cpuMs = (c0) => { const d = process.cpuUsage(c0); return Math.round((d.user + d.system) / 1000); };
(async () => {
  const times = [];
  let text = '';
  for (let r = 0; r < RUNS; r++) {
    const c0 = process.cpuUsage();
    const ex = new GenlExchange({ exchange: fakeKernel });
    const client = await IpvsClient.open({ exchange: ex });
    const info = await client.getInfo();
    const services = await client.listServices({ stats: false });
    const list = cpuMs(c0);
    text = formatListing(info, services, { numeric: true, stats: false, rate: false, exact: false });
    times.push(`${cpuMs(c0)} (list ${list})`);
  }
  process.stdout.write(`list-host: ${N} services x ${D}: ${text.length} bytes, ${text.split('\n').length - 1} lines; CPU ms per listing (the first cold, as in the CLI): ${times.join(', ')}\n`);
})();
