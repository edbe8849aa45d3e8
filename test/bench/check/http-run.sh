#!/usr/bin/env bash
# HTTP_GET bench (test/bench/check/http.js), halo beside keepalived 2.2.7: directly when this
# kernel has IPVS, else inside the QEMU VM (keepalived's checker process needs IPVS to start).
# usage: test/bench/check/http-run.sh [--targets N] [--seconds S]
set -euo pipefail
cd "$(dirname "$0")/../../.."
if [ "$(id -u)" = 0 ] && modprobe ip_vs 2>/dev/null; then exec node test/bench/check/http.js "$@"; fi
W=$(mktemp /tmp/hbh-bench.XXXXXX.sh)
trap 'rm -f "$W"' EXIT
printf '#!/bin/sh\ncd %q\nexec node test/bench/check/http.js %s\n' "$PWD" "$*" > "$W"
exec deploy/vm/vmrun.sh -m 2048 -s "${HALO_VM_CPUS:-2}" -t 900 "$W"
