#!/bin/bash
# halo's QEMU harness (adapted from shared/vm-recipe; see test/vm/README.md): `halo lab` and the
# kernel VM test tier run through it where the running kernel has no IPVS.
# Run a host script as root inside a throw-away QEMU VM booted from the Debian
# kernel, with the host's "/" visible read-only (+ tmpfs overlay).
#
# usage: vmrun.sh [-a tcg|kvm] [-m MiB] [-s cpus] [-t timeout_s] [-k KVER] [-o DIR] SCRIPT [ARGS...]
# The script's stdout/stderr are printed on the host's stdout/stderr, and
# vmrun.sh exits with the script's exit code (255/124 on VM failure/timeout).
# -o DIR: the script finds a writable directory in $VMRUN_OUT (/run/vmrun/out, on the transfer
# share); whatever it left there is copied to DIR on the host after the VM stops, also when the
# script failed or the VM timed out, together with the VM's console log (vm-console.log).
# Env: VMRUN_KEEP=1 keeps the transfer dir; VMRUN_CACHE=loose|none|mmap|fscache;
#      VMRUN_CONSOLE=FILE writes the VM console (kernel log) to FILE;
#      VMRUN_BIOS=seabios uses SeaBIOS instead of qboot; VMRUN_APPEND adds kernel args
#      (vmrun.overlay=0: no overlay, ro 9p root + tmpfs /tmp /var/tmp /root; vmrun.debug=1).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ACCEL=tcg MEM=512 CPUS=1 TMO=300 OUT=   # -smp 1: see REPORT (MTTCG -smp 2 is erratic on a loaded 2-core host)
KVER=$(ls -1 /lib/modules | grep -- '-amd64$' | sort -V | tail -1)
while getopts a:m:s:t:k:o: o; do
  case $o in a) ACCEL=$OPTARG;; m) MEM=$OPTARG;; s) CPUS=$OPTARG;; t) TMO=$OPTARG;; k) KVER=$OPTARG;; o) OUT=$OPTARG;;
             *) exit 2;; esac
done
shift $((OPTIND-1))
[ $# -ge 1 ] || { echo "usage: $0 [-a tcg|kvm] [-m MiB] [-s cpus] [-t s] [-o DIR] SCRIPT [ARGS...]" >&2; exit 2; }
if [ -n "$OUT" ]; then mkdir -p "$OUT" || exit 2; fi
SCRIPT=$1; shift

INITRD=$HERE/cache/initramfs-$KVER.cpio.gz
[ -f "$INITRD" ] || "$HERE/build-initramfs.sh" "$KVER" "$INITRD" >&2 || exit 255
# uncompressed ELF vmlinux (PVH boot, made by build-initramfs.sh) is ~3 s faster under TCG
KERNEL=$HERE/cache/vmlinux-$KVER
[ -s "$KERNEL" ] && [ "${VMRUN_KERNEL:-}" != bzimage ] || KERNEL=/boot/vmlinuz-$KVER

X=$(mktemp -d /tmp/vmrun.XXXXXX)
[ "${VMRUN_KEEP:-0}" = 1 ] || trap 'rm -rf "$X"' EXIT
cp "$SCRIPT" "$X/script"; chmod 0755 "$X/script"
q() { printf "'%s'" "$(printf %s "$1" | sed "s/'/'\\\\''/g")"; }
[ -n "$OUT" ] && mkdir "$X/out"
{
  printf 'cd %s 2>/dev/null || cd /\n' "$(q "$PWD")"
  [ -n "$OUT" ] && printf 'export VMRUN_OUT=/run/vmrun/out\n'
  printf 'exec /run/vmrun/script'
  for a in "$@"; do printf ' %s' "$(q "$a")"; done
  printf '\n'
} > "$X/cmd"

case $ACCEL in
  kvm) ACC=(-accel kvm -cpu host) ;;   # NOT usable on the probe host (kvm_pvm), see REPORT
  tcg) ACC=(-accel "tcg,thread=multi${VMRUN_TBSIZE:+,tb-size=$VMRUN_TBSIZE}" -cpu "${VMRUN_CPU:-max}") ;;
  *) echo "bad accel $ACCEL" >&2; exit 2 ;;
esac
CONSOLE=${VMRUN_CONSOLE:-$X/console.log}
# what the script left in $VMRUN_OUT, and the console, reach the host whatever happened
keep_out() { [ -n "$OUT" ] || return 0; cp -a "$X/out/." "$OUT/" 2>/dev/null; cp "$CONSOLE" "$OUT/vm-console.log" 2>/dev/null; }
BIOS=(-bios /usr/share/qemu/qboot.rom)          # qboot (SeaBIOS measured no slower: VMRUN_BIOS=seabios)
[ "${VMRUN_BIOS:-qboot}" = seabios ] && BIOS=()

# A kernel that dies before init starts the script (seen once under heavy host load: "IO-APIC +
# timer doesn't work", a panic in early boot) is booted again, at most twice; nothing of the script
# has run then, so a second boot repeats nothing. A failure after "starting cmd" is never retried.
boot() {
  timeout --foreground -k 5 "$TMO" qemu-system-x86_64 "${ACC[@]}" \
    -machine pc -m "$MEM" -smp "$CPUS" \
    "${BIOS[@]}" \
    -nodefaults -no-user-config -display none -vga none -no-reboot \
    -serial "file:$CONSOLE" \
    -kernel "$KERNEL" -initrd "$INITRD" \
    -append "console=ttyS0 quiet loglevel=3 panic=-1 rdinit=/init vmrun.cache=${VMRUN_CACHE:-loose} ${VMRUN_APPEND:-}" \
    -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
    -virtfs local,path="$X",mount_tag=xfer,security_model=none,multidevs=remap \
    </dev/null
  qrc=$?
}
attempt=1
while :; do
  : > "$CONSOLE"
  boot
  [ -f "$X/rc" ] || [ $qrc = 124 ] || grep -q 'vmrun-init: starting cmd' "$CONSOLE" 2>/dev/null || [ $attempt -ge 3 ] && break
  echo "vmrun: the VM failed before the script started (qemu rc=$qrc; console: $(grep -m1 -i -E 'panic|fatal' "$CONSOLE" | tr -d '\r' | cut -c1-120)); booting again (attempt $((attempt + 1)) of 3)" >&2
  attempt=$((attempt + 1))
done
keep_out

[ -f "$X/stdout" ] && cat "$X/stdout"
[ -f "$X/stderr" ] && cat "$X/stderr" >&2
if [ -f "$X/rc" ]; then
  exit "$(cat "$X/rc")"
fi
if [ $qrc = 124 ]; then
  echo "vmrun: the VM did not finish within ${TMO}s and was killed; console tail follows" >&2
else
  echo "vmrun: no exit code from VM (qemu rc=$qrc); console tail follows" >&2
fi
tail -n 40 "$CONSOLE" >&2
[ $qrc = 124 ] && exit 124
exit 255
