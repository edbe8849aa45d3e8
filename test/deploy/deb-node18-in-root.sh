#!/bin/bash
# Runs inside test/deploy/throwaway-root.sh: replaces the machine's nodejs with Debian 12's own
# (18.x, from the Debian archive with apt-get), then runs deb-in-root.sh — the package must
# install and work with the nodejs a fresh Debian 12 has.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
v=$(apt-cache madison nodejs | awk -F'|' '$2 ~ /deb12/ { gsub(/ /, "", $2); print $2; exit }')
[ -n "$v" ] || { echo "FAIL no Debian 12 nodejs in the apt lists" >&2; exit 1; }
apt-get install -y -qq --allow-downgrades "nodejs=$v" > /tmp/apt-node.log 2>&1 || { tail -20 /tmp/apt-node.log >&2; echo "FAIL apt-get install nodejs=$v" >&2; exit 1; }
echo "ok Debian's nodejs $v: $(node --version)"
exec bash /tmp/in/deb-in-root.sh
