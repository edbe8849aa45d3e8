#!/usr/bin/env bash
# Runs SCRIPT as root inside a throw-away copy of this Debian 12 machine: a private mount
# namespace, an overlay whose lower layer is the host's / (read-only through the overlay) and
# whose upper layer is a tmpfs, chrooted into. What the script installs, changes or removes dies
# with the namespace. /work (every checkout), /tmp, /root and /run are empty tmpfs inside, so
# nothing there can be found by accident: what runs, runs from the installed files.
#   usage: throwaway-root.sh SCRIPT [FILE...]   (each FILE is copied to /tmp/in/ inside)
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 SCRIPT [FILE...]" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "$0: needs root (mount namespaces)" >&2; exit 2; }
t=$(mktemp -d /tmp/halo-throwaway.XXXXXX)
trap 'rmdir "$t"' EXIT
unshare --mount --propagation private -- bash -euo pipefail -c '
  t=$1; shift
  mount -t tmpfs -o size=2g,mode=0755 throwaway "$t"
  mkdir "$t/upper" "$t/work" "$t/root"
  mount -t overlay overlay -o "lowerdir=/,upperdir=$t/upper,workdir=$t/work" "$t/root"
  r=$t/root
  mount -t proc proc "$r/proc"
  mount --rbind /sys "$r/sys"
  mount --rbind /dev "$r/dev"
  for d in work tmp root run; do mount -t tmpfs -o mode=0755 "throwaway-$d" "$r/$d"; done
  chmod 1777 "$r/tmp"
  mkdir -p "$r/tmp/in" "$r/run/lock"
  script=$1; shift
  cp "$script" "$r/tmp/in/script"
  for f in "$@"; do cp "$f" "$r/tmp/in/"; done
  cd /
  rc=0
  chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 /bin/bash /tmp/in/script || rc=$?
  exit $rc
' throwaway "$t" "$@"
