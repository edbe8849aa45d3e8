#!/usr/bin/env bash
# Issue 11's checker benches in one go, halo beside keepalived 2.2.7 in each: HTTP_GET with each
# target count (default 1,000 and 10,000), then TCP_CHECK with the last count, at delay_loop 1.
# Needs IPVS (keepalived's checker): on a kernel without it run
#   bash test/bench/check/http-run.sh --suite [SECONDS [N...]]
# The project's VM is software-emulated (TCG): there neither daemon keeps up with 1,000 targets,
# and a JIT (Node) pays more for emulation than C does; a small N (e.g. 200) still compares
# CPU per check where both keep their schedule.
set -uo pipefail
cd "$(dirname "$0")/../../.."
S=${1:-15}
shift || true
NS=("$@")
[ ${#NS[@]} -gt 0 ] || NS=(1000 10000)
for n in "${NS[@]}"; do node test/bench/check/http.js --targets "$n" --seconds "$S"; done
node test/bench/check/http.js --targets "${NS[-1]}" --seconds "$S" --check tcp
