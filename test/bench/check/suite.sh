#!/usr/bin/env bash
# Issue 11's checker benches in one go, halo beside keepalived 2.2.7 in each: HTTP_GET with 1,000
# and 10,000 targets, TCP_CHECK with 10,000, all at delay_loop 1. Needs IPVS (keepalived's checker):
# run it through `bash test/bench/check/http-run.sh --suite [SECONDS]` on a kernel without it.
set -uo pipefail
cd "$(dirname "$0")/../../.."
S=${1:-15}
node test/bench/check/http.js --targets 1000 --seconds "$S"
node test/bench/check/http.js --targets 10000 --seconds "$S"
node test/bench/check/http.js --targets 10000 --seconds "$S" --check tcp
