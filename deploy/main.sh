#!/usr/bin/env bash
# The main job, from a fresh Debian 12 machine as root: install what halo needs, build it, and
# validate the shipped director configs with `halo check`, printing what each one defines.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh runtime
rc=0
for f in deploy/examples/*.conf; do
  echo "=== halo check -f $f"
  node dist/cli/main.js check -f "$f" || rc=$?
done
exit $rc
