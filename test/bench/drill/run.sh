#!/usr/bin/env bash
# Issue 9's benchmarks for the closing note, one command (as root, after `npm run build`):
#   1. idle: N consecutive `halo lab drill --mode all` runs (one lab, --repeat N) on the machine
#      as it is (run it on an otherwise idle machine);
#   2. busy: M more beside a busy loop pinned to CPU 0 (bounded: it ends by itself after 2 h);
#   3. start-up: `halo run` → its first VRRP state inside the same kind of VM (1 vCPU), beside
#      keepalived 2.2.7, alternately, R trials each (test/bench/startup/in-vm.sh: each trial
#      valid or inconclusive by the VM's own timer slip; then one traced halo run, where its
#      start-up goes);
#   4. one summary table (summary.js): per phase the outages with their validity verdicts
#      (min / median / max of the valid ones, each run's figure or why it has none), and the
#      start-up figures beside keepalived's with their ratio.
# The drill itself judges validity (a starved phase is "inconclusive", never a figure); this
# script never judges a figure. The drills run with --bounds report so that every batch is
# measured to its end; the verdicts are in the table.
#   usage: test/bench/drill/run.sh [-n IDLE_RUNS] [-b BUSY_RUNS] [-r START_TRIALS] [-a ATTEMPTS] [-o DIR]
#   defaults: -n 5 -b 2 -r 5 -a 3; a quick check that it works: -n 1 -b 0 -r 1 -a 1
set -uo pipefail
cd "$(dirname "$0")/../../.."
IDLE=5 BUSY=2 ROUNDS=5 ATTEMPTS=3 OUT=/var/tmp/halo-bench-drill-$(date +%Y%m%d-%H%M%S)
while getopts n:b:r:a:o: o; do
  case $o in n) IDLE=$OPTARG ;; b) BUSY=$OPTARG ;; r) ROUNDS=$OPTARG ;; a) ATTEMPTS=$OPTARG ;; o) OUT=$OPTARG ;; *) exit 2 ;; esac
done
mkdir -p "$OUT"
HALO=(node dist/cli/main.js)
LOOP=
stop_loop() { [ -n "$LOOP" ] && kill "$LOOP" 2>/dev/null; wait "$LOOP" 2>/dev/null; LOOP=; }
trap stop_loop EXIT

batch() { # NAME RUNS
  local name=$1 runs=$2
  [ "$runs" -gt 0 ] || return 0
  echo "=== $name: $runs × halo lab drill --mode all ($(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg))"
  "${HALO[@]}" lab drill --mode all --repeat "$runs" --attempts "$ATTEMPTS" --bounds report \
    --json "$OUT/$name.json" --report "$OUT/$name-report" --out "$OUT/$name-out" 2>&1 | tee "$OUT/$name.txt"
  echo "=== $name: drill exit ${PIPESTATUS[0]} (JSON $OUT/$name.json, pages $OUT/$name-report, logs $OUT/$name-out)"
}

batch idle "$IDLE"
if [ "$BUSY" -gt 0 ]; then
  taskset -c 0 timeout 7200 sh -c 'while :; do :; done' &
  LOOP=$!
  batch busy "$BUSY"
  stop_loop
fi
if [ "$ROUNDS" -gt 0 ]; then
  echo "=== start-up: $ROUNDS trials each of halo run and keepalived in the VM (load $(cut -d' ' -f1-3 /proc/loadavg))"
  deploy/vm/vmrun.sh -m 1024 -s 1 -t $((300 + 120 * ROUNDS)) test/bench/startup/in-vm.sh "$ROUNDS" 2>&1 | tee "$OUT/startup.txt"
fi
node test/bench/drill/summary.js "$OUT" | tee "$OUT/summary.txt"
echo "(everything in $OUT)"
