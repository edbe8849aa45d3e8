#!/usr/bin/env bash
# The kernel VM tier: every test/**/*.vm.test.ts through jest. Directly when the running kernel
# has IPVS (`modprobe ip_vs` works), otherwise inside one QEMU VM (deploy/vm/vmrun.sh) booted from
# Debian's kernel, with the repository seen through the host's read-only root.
# HALO_JEST_PROJECT=lab runs the lab tier's jest files (test/**/*.lab.test.ts: drills that need
# the VM's one vCPU to themselves) the same way, in a VM of their own.
# Extra arguments go to jest (e.g. a test path). Exit code: jest's, or 124 if the VM hung.
set -uo pipefail
cd "$(dirname "$0")/../.."
PROJECT=${HALO_JEST_PROJECT:-vm}
case $PROJECT in vm | lab) ;; *) echo "run-tier.sh: HALO_JEST_PROJECT must be vm or lab, not '$PROJECT'" >&2; exit 2 ;; esac
JEST=(npx jest --selectProjects "$PROJECT" --ci --runInBand)
# the tests run the real `halo ipvs` CLI, transpiled from the current sources
node test/vm/build-halo-cli.js >/dev/null || exit 1
if [ "$(id -u)" = 0 ] && modprobe ip_vs 2>/dev/null; then
  echo "kernel VM tier ($PROJECT): ip_vs loads on this kernel ($(uname -r)); running the IPVS tests directly"
  exec "${JEST[@]}" "$@"
fi
echo "kernel VM tier ($PROJECT): no IPVS in this kernel ($(uname -r)); running the IPVS tests in a QEMU VM (deploy/vm/vmrun.sh)"
# the VM timeout is a hang guard: on a slower host (session 12: ipvsadm -Ln of 10,000 services 19.7 s
# in the VM against 6.1 s before) the tier ran past 45 min with every finished test passing
exec deploy/vm/vmrun.sh -m "${HALO_VM_MEM:-1536}" -s "${HALO_VM_CPUS:-1}" -t "${HALO_VM_TIMEOUT:-3600}" test/vm/in-vm-jest.sh \
  "CI=${CI:-}" "HALO_JEST_PROJECT=$PROJECT" "HALO_FAIL_ON_SKIP=${HALO_FAIL_ON_SKIP:-}" "$@"
