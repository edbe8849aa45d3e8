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
trap 'rm -f "$W"' EXIT
printf '#!/bin/sh\ncd %q\nexec env %s bash %s/in-vm.sh\n' "$PWD" "$ENVV" "$HERE" > "$W"
exec deploy/vm/vmrun.sh -m 1536 -t 1700 "$W"
