#!/bin/sh
# Runs inside the VM (as root, cwd = the repository): the vm jest project (or HALO_JEST_PROJECT's), in band.
# Leading NAME=VALUE arguments are exported first (the VM does not inherit the host's
# environment; run-tier.sh passes CI and HALO_FAIL_ON_SKIP this way).
while [ $# -gt 0 ]; do
  case $1 in
    [A-Z_]*=*) export "$1"; shift ;;
    *) break ;;
  esac
done
echo "in VM: kernel $(uname -r), $(nproc) vCPU, $(awk '/MemTotal/{print int($2/1024)}' /proc/meminfo) MiB"
exec npx jest --selectProjects "${HALO_JEST_PROJECT:-vm}" --ci --runInBand "$@"
