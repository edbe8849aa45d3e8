#!/usr/bin/env bash
# Installs everything halo and its tests need on Debian 12, idempotently:
#   - Debian packages (only the missing ones; apt-get update only when something is missing)
#   - node modules with `npm ci` (only when package-lock.json changed since the last install),
#     which also builds the native addon and the TypeScript.
# Usage: deploy/install-deps.sh [runtime|lab|package|test]   (default: test, the superset)
set -euo pipefail
cd "$(dirname "$0")/.."

profile=${1:-test}
# runtime: what `halo run`, `halo check` and `halo ipvs` need on a director (node-gyp builds the
# small native addon, so a compiler and python come with it). nftables gives nft, which installs
# the VIP drop rules of vrrp_strict / no_accept instances as keepalived's tables (src/net/nft-firewall.ts).
runtime_pkgs=(iproute2 nftables kmod make g++ python3)
# lab: `halo lab` — the thesis cluster's DNS servers and client tools, and the QEMU VM harness
# (deploy/vm) that boots Debian's kernel where the running one has no IPVS. frr (zebra, bgpd,
# bfdd) and bird2 are the routing daemons of the ECMP topology (halo_announce): the lab and the
# tests run them in namespaces with their own -N pathspace, config, pid and vty paths.
lab_pkgs=(bind9 bind9-dnsutils curl ipvsadm apache2-utils haproxy nginx-light qemu-system-x86 linux-image-amd64 busybox-static cpio xz-utils frr bird2)
# package: what deploy/build-deb.sh needs besides dpkg-deb (lintian judges the .deb).
package_pkgs=(lintian)
# test: the reference tools the tests compare against, the wire tools, and a headless browser
# that renders the drill report (test/lab/report-render.test.ts); promtool (Debian's
# prometheus) lints the metrics, the alerting rules and the dashboard's queries; snmpd and
# snmpwalk (snmp) serve and read the VRRP MIBs halo and keepalived register over AgentX, and
# snmptrapd receives their notifications (run by the test in a namespace, never as a service);
# bash-completion runs the packaged completion in the package test.
# exim4-daemon-light is the real SMTP server SMTP_CHECK is tested against and SMTP alerts are
# sent to (run by the tests in a namespace, never as a service).
# frr gives bfdd and vtysh, the BFD peer test/bfd/ runs in a namespace (never as a service).
# dbus-daemon (a private bus per test, never the system's), dbus-bin (dbus-monitor) and systemd
# (busctl) compare halo's enable_dbus interface with keepalived's.
test_pkgs=(keepalived tcpdump tshark bc chromium prometheus snmpd snmp snmptrapd bash-completion exim4-daemon-light frr dbus-daemon dbus-bin systemd)

pkgs=("${runtime_pkgs[@]}")
case "$profile" in
  runtime) ;;
  lab) pkgs+=("${lab_pkgs[@]}") ;;
  package) pkgs+=("${package_pkgs[@]}") ;;
  test) pkgs+=("${lab_pkgs[@]}" "${package_pkgs[@]}" "${test_pkgs[@]}") ;;
  *) echo "usage: $0 [runtime|lab|package|test]" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=900 update -qq
  apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's frr and bird services would run a routing daemon in the host's own namespace, and
# snmptrapd's would listen on the host's port 162: keep them disabled and stopped (where
# systemd runs at all).
if [ -d /run/systemd/system ]; then
  for unit in frr.service bird.service snmptrapd.socket snmptrapd.service; do
    systemctl list-unit-files "$unit" >/dev/null 2>&1 && systemctl disable --now "$unit" >/dev/null 2>&1 || true
  done
fi

# npm ci when the lock file (or the native addon's sources, which npm ci builds) differs from
# the one the current node_modules came from.
stamp=node_modules/.halo-lock.sha256
want=$(sha256sum package-lock.json package.json native/binding.gyp native/src/* | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || [ ! -f dist/cli/main.js ]; then
  echo "install-deps: npm ci"
  log=$(mktemp)
  if ! npm ci --no-audit --no-fund >"$log" 2>&1; then
    cat "$log" >&2; rm -f "$log"; echo "install-deps: npm ci failed" >&2; exit 1
  fi
  rm -f "$log"
  echo "$want" > "$stamp"
else
  npm run -s build
fi
