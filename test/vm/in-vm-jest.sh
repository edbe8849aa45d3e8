#!/bin/sh
# Runs inside the VM (as root, cwd = the repository): the vm jest project, in band.
echo "in VM: kernel $(uname -r), $(nproc) vCPU, $(awk '/MemTotal/{print int($2/1024)}' /proc/meminfo) MiB"
exec npx jest --selectProjects vm --ci --runInBand "$@"
