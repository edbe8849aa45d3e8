#!/usr/bin/env bash
# IPVS benchmark: halo vs ipvsadm in the same VM boot (see in-vm.sh for what is timed).
# usage: test/bench/ipvs/run.sh   (env: BENCH_SERVICES, BENCH_DESTS, BENCH_RUNS, BENCH_LIST_RUNS,
#        BENCH_BASE_DIST: a dist/ of another build, e.g. the commit before a change, listed alongside)
set -euo pipefail
cd "$(dirname "$0")/../../.."
node test/vm/build-halo-cli.js >/dev/null
HERE=test/bench/ipvs
ENVV=""
for v in BENCH_SERVICES BENCH_DESTS BENCH_RUNS BENCH_LIST_RUNS BENCH_BASE_DIST; do [ -n "${!v:-}" ] && ENVV+="$v=${!v} "; done
# the VM starts with a clean environment: pass the knobs through a wrapper script
W=$(mktemp /tmp/hipvs-bench.XXXXXX.sh)
printf '#!/bin/sh\ncd %q\nexec env %s bash %s/in-vm.sh\n' "$PWD" "$ENVV" "$HERE" > "$W"
# Whether the figures are valid: the emulated VM's time (and so every wall and CPU figure taken
# inside it) stretches whenever the host leaves its vCPU thread waiting for a CPU. The host reads
# that thread's schedstat (ns run, ns waited on the run queue) once a second while the VM runs.
deploy/vm/vmrun.sh -m 1536 -t 1700 "$W" &
VM=$!
SAMPLE=$(mktemp /tmp/hipvs-sched.XXXXXX)
trap 'rm -f "$W" "$SAMPLE"' EXIT
descendants() { local p; for p in $(pgrep -P "$1"); do echo "$p"; descendants "$p"; done; }
while kill -0 "$VM" 2>/dev/null; do
  for p in $(descendants "$VM"); do
    [ "$(cat /proc/"$p"/comm 2>/dev/null)" = qemu-system-x86 ] || continue
    # the vCPU thread is the one that has run the most
    cat /proc/"$p"/task/*/schedstat 2>/dev/null | sort -n -k1 | tail -1 > "$SAMPLE.new" && [ -s "$SAMPLE.new" ] && mv "$SAMPLE.new" "$SAMPLE"
  done
  sleep 1
done
rc=0; wait "$VM" || rc=$?
if [ -s "$SAMPLE" ]; then
  read -r ran waited _ < "$SAMPLE"
  pct=$(( 100 * waited / (ran + waited + 1) ))
  verdict=valid; [ "$pct" -lt 10 ] || verdict="INCONCLUSIVE (starved: every figure above is stretched)"
  echo "== host: the VM's vCPU ran $((ran / 1000000000)) s and waited $((waited / 1000000000)) s for a host CPU ($pct % of its runnable time): $verdict"
else
  echo "== host: no schedstat of the VM's vCPU read: validity unknown"
fi
exit "$rc"
