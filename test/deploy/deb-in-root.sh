#!/bin/bash
# Runs inside test/deploy/throwaway-root.sh with the .deb in /tmp/in: install it the way an
# operator would, use it from the installed files alone, remove and purge it, and print one
# "ok <what>" line per check (the test asserts them). Exits non-zero at the first failure.
set -euo pipefail
deb=$(ls /tmp/in/halo_*.deb)
fail() { echo "FAIL $*" >&2; exit 1; }
ok() { echo "ok $*"; }
cd /

find / -xdev -not -path '/proc/*' | sort > /tmp/before.txt
dpkg-query -W -f='${Status}\n' keepalived | grep -q 'install ok installed' || fail "keepalived is not installed beside halo"
dpkg -i "$deb" > /tmp/dpkg-i.log 2>&1 || { cat /tmp/dpkg-i.log >&2; fail "dpkg -i"; }
ok "dpkg -i beside keepalived $(dpkg-query -W -f='${Version}' keepalived)"
dpkg-query -W -f='${Status}\n' keepalived | grep -q 'install ok installed' || fail "keepalived was removed"
[ ! -e /etc/systemd/system/multi-user.target.wants/halo.service ] || fail "halo.service enabled on install"
ok "halo.service not enabled on install"

[ "$(command -v halo)" = /usr/sbin/halo ] || fail "halo not on the PATH"
ver=$(halo --version)
ok "halo --version: $ver"
[ -z "$(ls -A /work)" ] || fail "a checkout is visible in /work"
halo check -f /usr/share/doc/halo/examples/master.conf > /tmp/check.out 2>&1 || { cat /tmp/check.out >&2; fail "halo check of the installed example"; }
ok "halo check of /usr/share/doc/halo/examples/master.conf"
printf 'vrrp_instance VI_1 {\n  state MASTER\n  interface eth0\n  virtual_router_id 300\n  priority 100\n  virtual_ipaddress { 10.0.0.1 }\n}\n' > /tmp/bad.conf
rc=0; halo check -f /tmp/bad.conf > /tmp/bad.out 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q '^/tmp/bad.conf:[0-9]*:[0-9]*: error: ' /tmp/bad.out || { cat /tmp/bad.out >&2; fail "halo check of a bad file (rc $rc)"; }
ok "halo check of a bad file: exit 1, $(grep -m1 '^/tmp/bad.conf' /tmp/bad.out)"
rc=0; halo lab drill > /tmp/lab.out 2>&1 || rc=$?
[ "$rc" = 2 ] && grep -q 'not part of this installation' /tmp/lab.out || { cat /tmp/lab.out >&2; fail "halo lab in the package"; }
ok "halo lab: not part of this installation"

# the daemon from the installed files, in a network namespace of its own (a veth pair)
cat > /tmp/run.conf <<'CONF'
vrrp_instance VI_1 {
  state MASTER
  interface ops0
  virtual_router_id 51
  priority 150
  advert_int 1
  virtual_ipaddress { 192.168.77.250/24 }
}
CONF
cat > /tmp/run.sh <<'RUN'
set -eu
ip link set lo up
ip link add ops0 type veth peer name ops1
ip addr add 192.168.77.1/24 dev ops0
ip link set ops1 up
ip link set ops0 up
halo run -f /tmp/run.conf --pid-file /run/halo-test/halo.pid --control-socket /run/halo-test/halo.sock > /tmp/run.log 2>&1 &
pid=$!
for i in $(seq 1 100); do
  halo status --json --control-socket /run/halo-test/halo.sock 2>/dev/null | grep -q '"state": "MASTER"' && break
  sleep 0.1
done
halo status --control-socket /run/halo-test/halo.sock
ip -4 -o addr show dev ops0 | grep -q 192.168.77.250/24 || { echo "VIP not added"; cat /tmp/run.log; kill $pid; exit 1; }
kill -TERM $pid; wait $pid || true
ip -4 -o addr show dev ops0 | grep -q 192.168.77.250 && { echo "VIP left behind"; exit 1; }
exit 0
RUN
unshare --net bash /tmp/run.sh > /tmp/run.out 2>&1 || { cat /tmp/run.out /tmp/run.log >&2; fail "halo run"; }
grep -q 'VI_1: MASTER' /tmp/run.out || { cat /tmp/run.out >&2; fail "halo status"; }
grep -q 'Entering MASTER STATE' /tmp/run.log || fail "no MASTER log line"
ok "halo run from the package: MASTER, VIP added, removed on SIGTERM"

out=$(systemd-analyze verify /lib/systemd/system/halo.service 2>&1) || { echo "$out" >&2; fail "systemd-analyze verify"; }
[ -z "$out" ] || { echo "$out" >&2; fail "systemd-analyze verify warnings"; }
ok "systemd-analyze verify halo.service"

for page in halo halo.conf; do
  w=$(MANWIDTH=80 man --warnings "$page" 2>&1 >/dev/null) || fail "man $page"
  [ -z "$w" ] || { echo "$w" >&2; fail "man $page warnings"; }
done
man -w halo | grep -q '/usr/share/man/man8/halo.8.gz' || fail "man -w halo"
MANWIDTH=80 man halo.conf | grep -q 'keepalived.conf' || fail "halo.conf(5) does not point to keepalived.conf(5)"
ok "man halo, man halo.conf"

comp=$(bash -c 'source /usr/share/bash-completion/bash_completion; source /usr/share/bash-completion/completions/halo
  COMP_WORDS=(halo ch); COMP_CWORD=1; COMP_LINE="halo ch"; COMP_POINT=7; _halo halo ch halo; echo "${COMPREPLY[*]}"
  COMP_WORDS=(halo run --log-f); COMP_CWORD=2; COMP_LINE="halo run --log-f"; COMP_POINT=16; _halo halo --log-f run; echo "${COMPREPLY[*]}"
  COMP_WORDS=(halo run --log-format ""); COMP_CWORD=3; COMP_LINE="halo run --log-format "; COMP_POINT=22; _halo halo "" --log-format; echo "${COMPREPLY[*]}"')
[ "$comp" = $'check\n--log-format\nplain journald json' ] || { echo "$comp" >&2; fail "bash completion"; }
ok "bash completion"

grep -q '^HALO_CONF=/etc/keepalived/keepalived.conf$' /etc/default/halo || fail "/etc/default/halo"
dpkg -L halo | sort > /tmp/halo-files.txt
dpkg -r halo > /tmp/dpkg-r.log 2>&1 || { cat /tmp/dpkg-r.log >&2; fail "dpkg -r"; }
[ ! -e /usr/sbin/halo ] && [ ! -e /usr/lib/halo ] || fail "files left after dpkg -r"
[ -f /etc/default/halo ] || fail "conffile removed by dpkg -r (only purge removes it)"
ok "dpkg -r: program gone, /etc/default/halo kept"
dpkg -P halo > /tmp/dpkg-p.log 2>&1 || { cat /tmp/dpkg-p.log >&2; fail "dpkg -P"; }
dpkg-query -W halo >/dev/null 2>&1 && fail "dpkg still knows halo"
# every file the package installed is gone, and its own directories (shared ones may stay);
# judged on the package's own list, since the host below the overlay keeps changing (other work)
left=$(comm -23 /tmp/halo-files.txt /tmp/before.txt | while IFS= read -r f; do [ -d "$f" ] && [ ! -L "$f" ] && continue; [ -e "$f" ] || [ -L "$f" ] && echo "$f"; done || true)
for d in /usr/lib/halo /usr/share/halo /usr/share/doc/halo; do [ ! -e "$d" ] || left="$left $d"; done
[ -z "$left" ] || { echo "$left" >&2; fail "files left after purge"; }
ls /var/lib/systemd/deb-systemd-helper-enabled 2>/dev/null | grep -q halo && fail "systemd enablement state left after purge"
[ ! -e /etc/default/halo ] || fail "/etc/default/halo left after purge"
ok "dpkg -P: nothing left"
