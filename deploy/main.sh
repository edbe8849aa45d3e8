#!/usr/bin/env bash
# The main job, from a fresh Debian 12 machine as root: install what halo needs, check the
# thesis's director configs, then build the thesis cluster (seed 002 §3) in network namespaces,
# run both directors with halo, put client traffic through the VIPs, take the master down in
# every way (crash, graceful stop, link loss), bring it back, fail a web server, and report
# what the clients saw. On a kernel without IPVS the lab runs inside a QEMU VM by itself.
# Extra arguments go to `halo lab drill` (e.g. --mode crash --json results.json); without any,
# every mode runs and the timeline page goes to ${TMPDIR:-/tmp}/halo-lab-report (README: how to
# open it). Exit status: 0 every phase valid and within its bound, 1 a failure, 3 inconclusive.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh lab
for f in deploy/examples/master.conf deploy/examples/standby.conf; do
  echo "=== halo check -f $f"
  node dist/cli/main.js check -f "$f"
done
if [ $# -eq 0 ]; then set -- --mode all --report "${TMPDIR:-/tmp}/halo-lab-report"; fi
echo "=== halo lab drill $*"
exec node dist/cli/main.js lab drill "$@"
