#!/usr/bin/env bash
# The whole test suite, every tier, from a fresh Debian 12 machine (run as root):
#   0. install what the tests need (deploy/install-deps.sh: apt packages, npm ci, build)
#   1. static: the committed generated parser is not stale; `tsc --noEmit` over src and test
#   2. unit tier: no privileges, no kernel
#   3. netns tier: root, network namespaces on the host kernel, keepalived as a peer
#   4. kernel VM tier: IPVS tests, directly where `modprobe ip_vs` works, else in the QEMU VM
#   5. lab tier: the thesis cluster's failover drill in every mode, twice, judged against its bounds
# Exits non-zero on the first failing tier. A skipped or todo test fails its tier (the reporter
# test/support/no-skip-reporter.js; under CI=true a missing prerequisite is a failing test).
# The last line is always the jest tiers' sum, alone on its line: `N passed, N failed, N skipped`.
set -euo pipefail
cd "$(dirname "$0")/.."
export CI=${CI:-}
export HALO_FAIL_ON_SKIP=1

step() { printf '\n=== %s ===\n' "$*"; }

# Each jest tier's stdout is kept; its reporter line `halo-tests: tier=T passed=N failed=N
# skipped=N todo=N` is summed at exit, whatever step stopped the run.
COUNTS=$(mktemp -d "${TMPDIR:-/tmp}/halo-test-counts.XXXXXX")
TIERS_RUN=()
jest_tier() { # NAME COMMAND...: run one jest tier, keep its output for the reporter's line
  local name=$1
  shift
  TIERS_RUN+=("$name")
  "$@" | tee "$COUNTS/$name.out"
}
summary() {
  local rc=$? passed=0 failed=0 skipped=0 line p f s t name
  for name in "${TIERS_RUN[@]}"; do
    line=$(grep -a '^halo-tests: tier=' "$COUNTS/$name.out" 2>/dev/null | tail -1 || true)
    if [ -z "$line" ]; then
      echo "$name tier: no counts reported (jest did not finish): counted as 1 failed"
      failed=$((failed + 1))
      continue
    fi
    p=$(sed 's/.* passed=\([0-9]*\).*/\1/' <<<"$line"); f=$(sed 's/.* failed=\([0-9]*\).*/\1/' <<<"$line")
    s=$(sed 's/.* skipped=\([0-9]*\).*/\1/' <<<"$line"); t=$(sed 's/.* todo=\([0-9]*\).*/\1/' <<<"$line")
    echo "$name tier: $p passed, $f failed, $s skipped, $t todo"
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s + t))
  done
  rm -rf "$COUNTS"
  [ "$rc" = 0 ] || echo "test/run-all.sh: FAILED (exit $rc)"
  echo "$passed passed, $failed failed, $skipped skipped"
  exit "$rc"
}
trap summary EXIT

step "install"
bash deploy/install-deps.sh test

step "generated parser is fresh"
bash test/check-generated.sh

step "type check"
npx tsc --noEmit -p test/tsconfig.json

step "unit tier"
jest_tier unit npx jest --selectProjects unit --ci

step "netns tier"
jest_tier netns npx jest --selectProjects netns --ci --runInBand

step "kernel VM tier"
jest_tier vm bash test/vm/run-tier.sh

step "lab tier: halo lab drill, every mode twice (in the VM where the kernel has no IPVS)"
# Fails on a violated invariant: not exactly one director holding every VIP, a hung client
# request, a restarted director not answering on its control socket, a request failing after a
# dead real server left. The bound verdicts (crash/link failover <= Master_Down_Interval + 0.3 s,
# graceful <= Skew_Time + 0.3 s, failback <= 1 s, each only when the measuring client was not
# stalled and no director starved) are printed, kept in the JSON and drawn in the timeline page
# (--report), but they do not gate this tier yet (--bounds report). A phase is inconclusive when
# the client stalled, or when it is beyond its bound and its directors' processes waited for a
# CPU (schedstat run_delay) long enough inside the decisive window to explain the excess; without
# that evidence a slow director is judged. On this 2-core machine at load 13-22 (eight engineers,
# their VMs) the 1-vCPU emulated VM starves: of the 12 phases of one `--mode all --repeat 2`
# run, 10 had a stalled client (up to 40 s) and directors waiting 0.6-66 s for a CPU, 2 were
# valid and within (graceful failover 756 ms HTTP, link failback 173 ms), so enforced bounds
# would exit 3 here; the check that they fail a real regression (500 ms injected before the VIP
# adds) was inconclusive too. Enforce them once two consecutive runs on a quieter machine pass and the injected delay
# fails (issue 9). `halo lab drill` without --bounds enforces them (exit 1 beyond a bound, 3
# when a phase stayed inconclusive).
# --conn-sync: long-lived flows through a crash failover with and without lvs_sync_daemon (an
# invariant: a flow broken with sync, or surviving without it, fails the tier).
node dist/cli/main.js lab drill --mode all --repeat 2 --bounds report --conn-sync --json "${TMPDIR:-/tmp}/halo-lab-drill.json" --report "${TMPDIR:-/tmp}/halo-lab-report"

step "all tiers passed"
