#!/bin/bash
# Build a tiny busybox initramfs that boots the Debian kernel, mounts the
# host's "/" over virtio-9p (read-only) with a tmpfs overlay on top, and runs
# a script handed over through a second (read-write) 9p share.
#
# halo's kernel VM tier harness (from shared/vm-recipe). Artefacts go to deploy/vm/cache/ (git-ignored).
# Needs (Debian 12): apt-get install qemu-system-x86 linux-image-amd64 busybox-static kmod cpio xz-utils
# Usage: build-initramfs.sh [KVER] [OUT]
# Also extracts the uncompressed ELF vmlinux-KVER next to this script: QEMU boots
# it directly through the PVH entry point (CONFIG_PVH=y in Debian's kernel), which
# skips the in-guest XZ decompression (~3 s under TCG).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
KVER=${1:-$(ls -1 /lib/modules | grep -- '-amd64$' | sort -V | tail -1)}
CACHE=$HERE/cache
mkdir -p "$CACHE"
OUT=${2:-$CACHE/initramfs-$KVER.cpio.gz}
MODDIR=/lib/modules/$KVER

[ -d "$MODDIR" ] || { echo "no $MODDIR" >&2; exit 1; }
[ -x /bin/busybox ] || { echo "need busybox-static (/bin/busybox)" >&2; exit 1; }
if grep -q "/lib64/ld-linux" /bin/busybox; then echo "/bin/busybox is dynamic (install busybox-static)" >&2; exit 1; fi

STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE"/{bin,dev,proc,sys,mnt/lower,mnt/rw,mnt/xfer,newroot,modules}
cp /bin/busybox "$STAGE/bin/busybox"
# a few applet links so /init can use plain names before "busybox --install"
for a in sh mount umount mkdir insmod cat echo sleep poweroff reboot chroot switch_root ln; do
  ln -s busybox "$STAGE/bin/$a"
done

# Modules needed *before* the host root is reachable: virtio-pci + 9p + overlay.
# Everything else (ip_vs, bridge, veth, ...) is loaded later by the host's own
# modprobe from the host's /lib/modules seen through 9p.
# modprobe --show-depends prints insmod lines in dependency order (with dups).
: > "$STAGE/modules/order"
modprobe --show-depends -S "$KVER" -a virtio_pci 9pnet_virtio 9p overlay |
  awk '$1=="insmod"{print $2}' | awk '!seen[$0]++' |
  while read -r ko; do
    base=$(basename "$ko")
    case "$ko" in
      *.ko)     cp "$ko" "$STAGE/modules/$base" ;;
      *.ko.xz)  base=${base%.xz};  xz -dc   "$ko" > "$STAGE/modules/$base" ;;
      *.ko.zst) base=${base%.zst}; zstd -dcq "$ko" > "$STAGE/modules/$base" ;;
      *.ko.gz)  base=${base%.gz};  gzip -dc "$ko" > "$STAGE/modules/$base" ;;
      *) echo "unknown module format $ko" >&2; exit 1 ;;
    esac
    echo "$base" >> "$STAGE/modules/order"
  done
echo "$KVER" > "$STAGE/modules/kver"

install -m 0755 "$HERE/init" "$STAGE/init"

( cd "$STAGE" && find . -print0 | cpio --null -o -H newc --quiet ) | gzip -1 > "$OUT"
VMLINUX=$CACHE/vmlinux-$KVER
[ -s "$VMLINUX" ] || "$HERE/extract-vmlinux.sh" "/boot/vmlinuz-$KVER" "$VMLINUX" || echo "warning: no vmlinux, will boot bzImage" >&2
echo "built $OUT ($(du -h "$OUT" | cut -f1)); modules: $(tr '\n' ' ' < "$STAGE/modules/order")"
