#!/usr/bin/env node
// ipvsadm -R rules for N TCP services x D destinations (the perf-anchors.md shape:
// "-A -t 10.100.x.y:80 -s rr" + D x "-a -t ... -r 10.200.x.y:80 -m -w 1").
// usage: gen-rules.js [N=10000] [D=4] > rules
'use strict';
const n = Number(process.argv[2] ?? 10000);
const d = Number(process.argv[3] ?? 4);
const out = [];
for (let i = 0; i < n; i++) {
  const vip = `10.100.${i >> 8}.${i & 255}`;
  out.push(`-A -t ${vip}:80 -s rr`);
  for (let j = 0; j < d; j++) {
    const k = i * d + j;
    out.push(`-a -t ${vip}:80 -r 10.200.${(k >> 8) & 255}.${k & 255}:80 -m -w 1`);
  }
}
process.stdout.write(out.join('\n') + '\n');
