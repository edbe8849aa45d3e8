#!/usr/bin/env bash
# Checker benches (test/bench/check/http.js), halo beside keepalived 2.2.7: directly when this
# kernel has IPVS, else inside the QEMU VM (keepalived's checker process needs IPVS to start).
# usage: test/bench/check/http-run.sh [--targets N] [--seconds S] [--check http|tcp]
#        test/bench/check/http-run.sh --suite [SECONDS]   (suite.sh: HTTP_GET 1k and 10k, TCP_CHECK 10k)
set -euo pipefail
cd "$(dirname "$0")/../../.."
CMD="node test/bench/check/http.js"
if [ "${1:-}" = --suite ]; then shift; CMD="bash test/bench/check/suite.sh"; fi
if [ "$(id -u)" = 0 ] && modprobe ip_vs 2>/dev/null; then exec $CMD "$@"; fi
W=$(mktemp /tmp/hbh-bench.XXXXXX.sh)
trap 'rm -f "$W"' EXIT
printf '#!/bin/sh\ncd %q\nexec %s %s\n' "$PWD" "$CMD" "$*" > "$W"
exec deploy/vm/vmrun.sh -m "${HALO_VM_MEM:-4096}" -s "${HALO_VM_CPUS:-2}" -t 1500 "$W"
