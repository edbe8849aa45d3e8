#!/usr/bin/env bash
# The whole test suite, every tier, from a fresh Debian 12 machine (run as root):
#   0. install what the tests need (deploy/install-deps.sh: apt packages, npm ci, build)
#   1. static: the committed generated parser is not stale; `tsc --noEmit` over src and test
#   2. unit tier: no privileges, no kernel
#   3. netns tier: root, network namespaces on the host kernel, keepalived as a peer
#   4. kernel VM tier: IPVS tests, directly where `modprobe ip_vs` works, else in the QEMU VM
#   5. lab tier: the thesis cluster's failover drill in every mode, twice, judged against its bounds,
#      and the drill's own tests (test/**/*.lab.test.ts) in a one-vCPU VM of their own
# Where the kernel has no IPVS the kernel VM tier runs in its one-vCPU VM beside the unit, netns
# and lab tiers (one emulated vCPU keeps one of this 2-core host's cores busy; the host tiers use
# the other, and the lab tier's VM has its own after the netns tier), and the lab tier's jest
# files follow it there: one after the other the tiers took ~115 min on a slow host, past CI's 90.
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
BG_PID=
summary() {
  local rc=$? passed=0 failed=0 skipped=0 line p f s t name
  if [ -n "$BG_PID" ] && kill -0 "$BG_PID" 2>/dev/null; then
    echo "test/run-all.sh: stopping the kernel VM tier, still running in the background (pid $BG_PID)"
    kill -TERM -- "-$BG_PID" 2>/dev/null || true
    wait "$BG_PID" 2>/dev/null || true
  fi
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

# the kernel VM tier in the background, in its own session (so that the EXIT trap can stop the
# VM with it), its output kept until it ends; directly on a kernel with IPVS it runs in turn below
VM_BESIDE=
if ! { [ "$(id -u)" = 0 ] && modprobe ip_vs 2>/dev/null; }; then
  VM_BESIDE=1
  step "kernel VM tier: started in its VM beside the other tiers, then the lab tier's jest files in a VM of their own (their output follows the lab tier's drill)"
  TIERS_RUN+=(vm lab)
  # both run whatever the first one's result; each one's exit code kept beside its output
  COUNTS=$COUNTS setsid bash -c 'bash test/vm/run-tier.sh > "$COUNTS/vm.out" 2>&1; echo $? > "$COUNTS/vm.rc"
    HALO_JEST_PROJECT=lab bash test/vm/run-tier.sh > "$COUNTS/lab.out" 2>&1; echo $? > "$COUNTS/lab.rc"' < /dev/null &
  BG_PID=$!
fi

step "unit tier"
jest_tier unit npx jest --selectProjects unit --ci

step "netns tier"
jest_tier netns npx jest --selectProjects netns --ci --runInBand

if [ -z "$VM_BESIDE" ]; then
  step "kernel VM tier"
  jest_tier vm bash test/vm/run-tier.sh
fi

step "lab tier: halo lab drill, every mode twice, bounds enforced (in the VM where the kernel has no IPVS)"
# Every mode (crash, graceful, link) twice. Fails (exit 1) on a violated invariant (not exactly
# one director holding every VIP, a hung client request, a restarted director not answering on
# its control socket, a request failing after a dead real server left, a connection-sync flow
# broken with lvs_sync_daemon or surviving without it) and on a phase beyond its bound: crash and
# link failover <= Master_Down_Interval + 0.3 s, graceful failover <= Skew_Time + 0.3 s, every
# failback <= 1 s from the restarted director's readiness, for HTTP and DNS as the client saw them.
# Fails (exit 3) when a phase stays inconclusive: a phase is measured again (up to --attempts,
# default 3 cycles of its mode) while the measuring client was stalled in its decisive window, or
# while it is beyond its bound and its directors' processes waited for a CPU (schedstat
# run_delay) long enough there to explain the excess; a starved figure is never reported as
# one. Without that evidence a slow director is judged: time a director spends sleeping or
# blocked (a slow VIP add) is no run_delay. The next step's test/lab/drill-regression.lab.test.ts
# holds the directors' VIP adds 3.5 s (a test-only preload) and checks this drill then exits 1
# naming a phase beyond its bound.
# On a machine too busy for the 1-vCPU emulated VM (see issue 9: at load 13-22 most phases
# starve), this tier exits 3 rather than pass or fail on figures that measure the machine.
# --attempts 5: a crash failover is the phase the one-vCPU VM starves most (lb2 waited 0.5-6.1 s
# for a CPU in every crash attempt of issue 9's idle benchmark, 8 of 11 attempts invalid); five
# cycles instead of three keep a starved host from ending the tier at exit 3 when a conclusive
# measurement was one cycle away, at ~2 min a cycle, only when needed.
# --conn-sync: long-lived flows through a crash failover with and without lvs_sync_daemon (checked
# here only: the VM tier no longer runs the same drill again in test/lab/conn-sync.vm.test.ts).
node dist/cli/main.js lab drill --mode all --repeat 2 --attempts 5 --conn-sync --json "${TMPDIR:-/tmp}/halo-lab-drill.json" --report "${TMPDIR:-/tmp}/halo-lab-report"

if [ -z "$VM_BESIDE" ]; then
  step "lab tier: the drill's regression test (test/**/*.lab.test.ts)"
  jest_tier lab env HALO_JEST_PROJECT=lab bash test/vm/run-tier.sh
else
  # the lab tier's jest files follow the kernel VM tier in the background: on a slow host the
  # drill above took ~45 min, and one after the other they passed CI's 90
  set +e
  wait "$BG_PID"
  set -e
  BG_PID=
  step "kernel VM tier: its result"
  cat "$COUNTS/vm.out"
  step "lab tier: the drill's regression test (test/**/*.lab.test.ts, in a VM of its own): its result"
  cat "$COUNTS/lab.out" 2>/dev/null || true
  vm_rc=$(cat "$COUNTS/vm.rc" 2>/dev/null || echo 1)
  lab_rc=$(cat "$COUNTS/lab.rc" 2>/dev/null || echo 1)
  [ "$vm_rc" = 0 ] || exit "$vm_rc"
  [ "$lab_rc" = 0 ] || exit "$lab_rc"
fi

step "all tiers passed"
