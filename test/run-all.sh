#!/usr/bin/env bash
# The whole test suite, every tier, from a fresh Debian 12 machine (run as root):
#   0. install what the tests need (deploy/install-deps.sh: apt packages, npm ci, build)
#   1. static: the committed generated parser is not stale; `tsc --noEmit` over src and test
#   2. unit tier: no privileges, no kernel
#   3. netns tier: root, network namespaces on the host kernel, keepalived as a peer
#   4. kernel VM tier: IPVS tests, directly where `modprobe ip_vs` works, else in the QEMU VM
#   5. lab tier: the thesis cluster's failover drill in every mode
# Exits non-zero on the first failing tier.
set -euo pipefail
cd "$(dirname "$0")/.."
export CI=${CI:-}

step() { printf '\n=== %s ===\n' "$*"; }

step "install"
bash deploy/install-deps.sh test

step "generated parser is fresh"
bash test/check-generated.sh

step "type check"
npx tsc --noEmit -p test/tsconfig.json

step "unit tier"
npx jest --selectProjects unit --ci

step "netns tier"
npx jest --selectProjects netns --ci --runInBand

step "kernel VM tier"
bash test/vm/run-tier.sh

step "lab tier: halo lab drill, every mode (in the VM where the kernel has no IPVS)"
# exits non-zero on any violated invariant: a phase where not exactly one director held every
# VIP of the sync group, a hung client request, a request failing after a dead real server left
node dist/cli/main.js lab drill --mode all --json "${TMPDIR:-/tmp}/halo-lab-drill.json"

step "all tiers passed"
