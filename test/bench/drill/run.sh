#!/usr/bin/env bash
# Issue 9's drill benchmark: N consecutive `halo lab drill --mode all` runs on the machine as it is,
# then M more with a busy loop pinned to CPU 0 beside them; each batch prints the drill's own
# min / median / max per phase over its valid measurements, with the validity verdicts, and keeps
# its JSON and timeline pages. A starved phase is reported "inconclusive" by the drill itself;
# this script only runs the batches and never judges a figure.
#   usage: test/bench/drill/run.sh [-n IDLE_RUNS] [-b BUSY_RUNS] [-o DIR]    (as root)
set -uo pipefail
cd "$(dirname "$0")/../../.."
IDLE=5 BUSY=2 OUT=/var/tmp/halo-bench-drill-$(date +%Y%m%d-%H%M%S)
while getopts n:b:o: o; do
  case $o in n) IDLE=$OPTARG ;; b) BUSY=$OPTARG ;; o) OUT=$OPTARG ;; *) exit 2 ;; esac
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
  "${HALO[@]}" lab drill --mode all --repeat "$runs" --bounds report \
    --json "$OUT/$name.json" --report "$OUT/$name-report" --out "$OUT/$name-out"
  echo "=== $name: drill exit $? (JSON $OUT/$name.json, pages $OUT/$name-report)"
}

batch idle "$IDLE"
if [ "$BUSY" -gt 0 ]; then
  # a bounded busy loop on CPU 0: it ends by itself after 2 h even if this script is killed
  taskset -c 0 timeout 7200 sh -c 'while :; do :; done' &
  LOOP=$!
  batch busy "$BUSY"
  stop_loop
fi
