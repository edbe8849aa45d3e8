#!/bin/sh
# Runs inside the VM (as root, cwd = the repository): `halo ARGS...` with the VM's IPVS.
export HALO_IN_VM=1
modprobe ip_vs 2>/dev/null
exec node dist/cli/main.js "$@"
