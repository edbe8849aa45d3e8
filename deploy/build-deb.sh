#!/usr/bin/env bash
# Builds the Debian package of halo from this checkout, on Debian 12:
#   build/halo_<version>_<arch>.deb
# with the compiled JavaScript (compiled afresh from src/), the production node_modules and the
# native addons (stripped), /usr/sbin/halo, halo.service, /etc/default/halo, the man pages
# halo(8) and halo.conf(5), bash completion, and the Prometheus rules and Grafana dashboard in
# /usr/share/halo. `halo lab` is not packaged (it needs the checkout: QEMU harness, thesis
# configs, test servers). lintian judges the result; any error fails the build.
#
# Usage: deploy/build-deb.sh [--no-lintian] [--no-deps]
#   --no-deps: do not run deploy/install-deps.sh (node_modules and dist already there)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

lintian=1 deps=1
for a in "$@"; do
  case $a in
    --no-lintian) lintian=0 ;;
    --no-deps) deps=0 ;;
    *) echo "usage: $0 [--no-lintian] [--no-deps]" >&2; exit 2 ;;
  esac
done
[ "$deps" = 1 ] && bash deploy/install-deps.sh package

version=$(node -p "require('./package.json').version")
arch=$(dpkg --print-architecture)
# reproducible: every timestamp is the last commit's (or now, outside git)
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH
date_rfc2822=$(date -u -R -d "@$SOURCE_DATE_EPOCH")
maintainer='halo maintainers <halo@example.org>'

out=$ROOT/build
stage=$out/deb/halo_${version}_${arch}
deb=$out/halo_${version}_${arch}.deb
rm -rf "$stage" "$deb"
mkdir -p "$stage/DEBIAN"
app=$stage/usr/lib/halo
doc=$stage/usr/share/doc/halo
mkdir -p "$app" "$doc" "$stage/usr/sbin" "$stage/lib/systemd/system" "$stage/etc/default" \
  "$stage/usr/share/man/man8" "$stage/usr/share/man/man5" "$stage/usr/share/bash-completion/completions" \
  "$stage/usr/share/halo/prometheus" "$stage/usr/share/halo/grafana" "$stage/usr/share/doc/halo/examples"

echo "build-deb: compiling src/ into the package"
npx tsc -p tsconfig.json --outDir "$app/dist" --sourceMap false
rm -rf "$app/dist/lab" "$app/dist/cli/lab.js"
node -e '
  const p = require("./package.json");
  const keep = ["name", "version", "description", "license", "private", "engines", "bin", "main", "dependencies"];
  const out = Object.fromEntries(keep.filter((k) => k in p).map((k) => [k, p[k]]));
  process.stdout.write(JSON.stringify(out, null, 2) + "\n");' > "$app/package.json"
node deploy/bundle-worker.js "$app/dist"   # the worker in one file + its V8 code cache (src/daemon/worker-start.ts)

echo "build-deb: production node_modules (npm prune --omit=dev on a copy)"
prune=$out/deb/prune
rm -rf "$prune" && mkdir -p "$prune"
cp package.json package-lock.json "$prune/"
cp -a node_modules "$prune/"
(cd "$prune" && npm prune --omit=dev --no-audit --no-fund >/dev/null)
mv "$prune/node_modules" "$app/node_modules"
rm -rf "$prune"
nm=$app/node_modules
rm -rf "$nm/.bin" "$nm/.package-lock.json" "$nm/.halo-lock.sha256"
# native modules: keep the loadable .node of this architecture only, no build intermediates
case $arch in amd64) napi=linux-x64 ;; arm64) napi=linux-arm64 ;; armhf) napi=linux-arm ;; i386) napi=linux-ia32 ;; *) napi=none ;; esac
for d in "$nm"/netlink/prebuilds/*; do [ "$(basename "$d")" = "$napi" ] || rm -rf "$d"; done
rm -rf "$nm/raw-socket/build/Release/obj.target" "$nm/raw-socket/build/Release/.deps" \
  "$nm/raw-socket/build/Makefile" "$nm/raw-socket/build/"*.mk "$nm/raw-socket/build/config.gypi" \
  "$nm/raw-socket/build/binding.Makefile" "$nm/raw-socket/build/Release/.forge-meta" "$nm/raw-socket/example"
find "$nm" -mindepth 1 -depth -type d -empty -delete   # scope directories npm prune emptied
find "$nm" -depth \( -name '.github' -o -name '.travis.yml' -o -name '.npmignore' -o -name '.eslintrc*' \
  -o -name '.editorconfig' -o -name '*.map' -o -name '.gitattributes' -o -name '.jshintrc' \) -exec rm -rf {} +
# raw-socket is a nan addon, bound to one Node ABI: ship it built for the ABI of the node that
# builds the package and for Debian 12's own nodejs (18.x, ABI 108; headers from Debian's
# libnode-dev and libuv1-dev, downloaded and unpacked, not installed), and load the one that
# matches the running node.
build_abi=$(node -p process.versions.modules)
rs=$nm/raw-socket
mv "$rs/build/Release/raw.node" "$rs/build/Release/raw-abi$build_abi.node"
abis=("$build_abi")
if [ "$build_abi" != 108 ] && [ "$arch" = "$(dpkg --print-architecture)" ]; then
  hdr=$out/deb/node18-headers
  if [ ! -f "$hdr/usr/include/node/node.h" ]; then
    echo "build-deb: Node 18 headers (Debian's libnode-dev, libuv1-dev) for raw-socket"
    rm -rf "$hdr" && mkdir -p "$hdr/debs"
    (cd "$hdr/debs" && apt-get download libnode-dev libuv1-dev >/dev/null 2>&1) || { echo "build-deb: apt-get download libnode-dev libuv1-dev failed" >&2; exit 1; }
    for f in "$hdr"/debs/*.deb; do dpkg-deb -x "$f" "$hdr"; done
  fi
  work=$out/deb/rs18/node_modules
  rm -rf "$out/deb/rs18" && mkdir -p "$work"
  cp -a node_modules/raw-socket node_modules/nan "$work/"
  rm -rf "$work/raw-socket/build"
  gyp=$(dirname "$(command -v npm)")/../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js
  [ -f "$gyp" ] || gyp=/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js
  # npm_config_nodedir (npm/npx export it from an .npmrc's nodedir=) outranks --nodedir in
  # node-gyp: unset it, or the "Node 18" build silently uses the building node's headers.
  (cd "$work/raw-socket" && CXXFLAGS="-I$hdr/usr/include" env -u npm_config_nodedir -u NPM_CONFIG_NODEDIR \
    node "$gyp" rebuild --nodedir="$hdr/usr" >"$out/deb/rs18.log" 2>&1) \
    || { tail -20 "$out/deb/rs18.log" >&2; echo "build-deb: building raw-socket for Node 18 failed" >&2; exit 1; }
  grep -q "node_root_dir=$hdr/usr'" "$out/deb/rs18.log" \
    || { echo "build-deb: raw-socket for Node 18 was not built against Node 18's headers (see $out/deb/rs18.log)" >&2; exit 1; }
  install -m 0644 "$work/raw-socket/build/Release/raw.node" "$rs/build/Release/raw-abi108.node"
  rm -rf "$out/deb/rs18"
  abis+=(108)
fi
sed -i 's|require ("./build/Release/raw.node")|require ("./build/Release/raw-abi" + process.versions.modules + ".node") /* halo package: one build per Node ABI */|' "$rs/index.js"
grep -q 'raw-abi" + process.versions.modules' "$rs/index.js" || { echo "build-deb: could not point raw-socket at its per-ABI builds" >&2; exit 1; }
echo "build-deb: raw-socket built for Node ABIs ${abis[*]}"
node_major=$(node -p 'process.versions.node.split(".")[0]')
mkdir -p "$app/native/build/Release"
install -m 0644 native/build/Release/halo_native.node "$app/native/build/Release/"
# the supervisor `halo run` execs into (native/src/supervisor.c)
install -m 0755 -s native/build/Release/halo_supervisor "$app/native/build/Release/"
find "$app" -name '*.node' -exec strip --strip-unneeded --remove-section=.comment --remove-section=.note {} +

echo "build-deb: command, unit, defaults, man pages, completion, docs"
install -m 0755 deploy/debian/halo "$stage/usr/sbin/halo"
install -m 0644 deploy/systemd/halo.service "$stage/lib/systemd/system/halo.service"
install -m 0644 deploy/debian/default "$stage/etc/default/halo"
# enable_dbus: the bus policy letting root own org.keepalived.Vrrp1 (keepalived's package has its
# own in /etc/dbus-1/system.d; this path does not clash with it)
install -D -m 0644 deploy/dbus/org.keepalived.Vrrp1.conf "$stage/usr/share/dbus-1/system.d/org.keepalived.Vrrp1.conf"
install -m 0644 deploy/debian/halo.bash-completion "$stage/usr/share/bash-completion/completions/halo"
sed "s/@VERSION@/$version/" deploy/man/halo.8 | gzip -9n > "$stage/usr/share/man/man8/halo.8.gz"
sed "s/@VERSION@/$version/" deploy/man/halo.conf.5 | gzip -9n > "$stage/usr/share/man/man5/halo.conf.5.gz"
install -m 0644 deploy/prometheus/halo-alerts.yml deploy/prometheus/halo-alerts.test.yml "$stage/usr/share/halo/prometheus/"
install -m 0644 deploy/grafana/halo-dashboard.json "$stage/usr/share/halo/grafana/"
install -m 0644 deploy/examples/*.conf "$doc/examples/"
gzip -9nc README.md > "$doc/README.md.gz"
[ -f docs/logging.md ] && gzip -9nc docs/logging.md > "$doc/logging.md.gz"
mkdir -p "$stage/usr/share/lintian/overrides"
# overrides for files this build really ships (a dependency change may drop one)
while IFS= read -r line; do
  case $line in
    '#'*|'') printf '%s\n' "$line" ;;
    *) f=$(printf '%s' "$line" | sed -n 's/.*\[\(.*\)\]$/\1/p'); [ -z "$f" ] || [ -e "$stage/$f" ] && printf '%s\n' "$line" ;;
  esac
done < deploy/debian/lintian-overrides > "$stage/usr/share/lintian/overrides/halo"
grep -q "^halo:" "$stage/usr/share/lintian/overrides/halo" || { rm -f "$stage/usr/share/lintian/overrides/halo"; rmdir "$stage/usr/share/lintian/overrides" "$stage/usr/share/lintian"; }
# the keepalived configuration directory halo.service reads by default (shared with keepalived)
mkdir -p "$stage/etc/keepalived"

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
cat > "$out/deb/changelog" <<EOF
halo ($version) unstable; urgency=medium

  * Built from the halo checkout at commit $commit.

 -- $maintainer  $date_rfc2822
EOF
gzip -9nc "$out/deb/changelog" > "$doc/changelog.gz"   # a native package: no changelog.Debian
rm -f "$out/deb/changelog"

# copyright: halo's own licence, then every bundled node module's, as its package.json declares
{
  echo 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/'
  echo 'Upstream-Name: halo'
  echo
  echo 'Files: *'
  echo "Copyright: $(date -u -d "@$SOURCE_DATE_EPOCH" +%Y) halo developers"
  echo 'License: MIT'
  node -e '
    const fs = require("fs"), path = require("path");
    const root = process.argv[1];
    const seen = [];
    const walk = (dir) => {
      for (const e of fs.readdirSync(dir)) {
        if (e.startsWith(".")) continue;
        const d = path.join(dir, e);
        if (e.startsWith("@")) { walk(d); continue; }
        const pj = path.join(d, "package.json");
        if (!fs.existsSync(pj)) continue;
        const p = JSON.parse(fs.readFileSync(pj, "utf8"));
        const lic = typeof p.license === "string" ? p.license : (p.license && p.license.type) || "UNKNOWN";
        const author = typeof p.author === "string" ? p.author : (p.author && p.author.name) || p.name + " authors";
        seen.push({ files: path.relative(path.dirname(path.dirname(root)), d).replace(/^lib\/halo\//, "usr/lib/halo/"), name: p.name, version: p.version, lic, author });
        if (fs.existsSync(path.join(d, "node_modules"))) walk(path.join(d, "node_modules"));
      }
    };
    walk(root);
    for (const s of seen) {
      process.stdout.write(`\nFiles: ${s.files}/*\nCopyright: ${s.author.replace(/\s+/g, " ")}\nComment: ${s.name} ${s.version} (npm)\nLicense: ${s.lic}\n`);
    }' "$nm"
  echo
  echo 'License: MIT'
  echo ' Permission is hereby granted, free of charge, to any person obtaining a copy'
  echo ' of this software and associated documentation files (the "Software"), to deal'
  echo ' in the Software without restriction, including without limitation the rights'
  echo ' to use, copy, modify, merge, publish, distribute, sublicense, and/or sell'
  echo ' copies of the Software, and to permit persons to whom the Software is'
  echo ' furnished to do so, subject to the following conditions:'
  echo ' .'
  echo ' The above copyright notice and this permission notice shall be included in'
  echo ' all copies or substantial portions of the Software.'
  echo ' .'
  echo ' THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR'
  echo ' IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,'
  echo ' FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE'
  echo ' AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER'
  echo ' LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,'
  echo ' OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE'
  echo ' SOFTWARE.'
} > "$doc/copyright"

# maintainer scripts and the conffile list
install -m 0755 deploy/debian/postinst deploy/debian/prerm deploy/debian/postrm "$stage/DEBIAN/"
echo /etc/default/halo > "$stage/DEBIAN/conffiles"

# shared-library dependencies of the native addons, as dpkg-shlibdeps computes them
shl=$out/deb/shlibdeps
rm -rf "$shl" && mkdir -p "$shl/debian"
printf 'Source: halo\n\nPackage: halo\nArchitecture: any\n' > "$shl/debian/control"
shlibs=$(cd "$shl" && dpkg-shlibdeps -O $(find "$app" -name '*.node') "$app/native/build/Release/halo_supervisor" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
rm -rf "$shl"

# permissions: directories 0755, files 0644 unless meant to run
find "$stage" -type d -exec chmod 0755 {} +
find "$stage/usr" "$stage/etc" "$stage/lib" -type f -exec chmod 0644 {} +
chmod 0755 "$stage/usr/sbin/halo" "$app/native/build/Release/halo_supervisor"
# scripts with a #! line (node module tools, the CLI's entry) keep it meaningful
grep -rlZ --include='*.js' -m1 '^#!' "$app" | while IFS= read -r -d '' f; do
  head -c2 "$f" | grep -q '#!' && chmod 0755 "$f"
done

installed_kb=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
# Debian's nodejs 18 and the builder's node major (raw-socket's two ABIs); a newer node needs a rebuild
node_dep="nodejs (>= 18), nodejs (<< $((node_major > 18 ? node_major + 1 : 19))~)"
cat > "$stage/DEBIAN/control" <<EOF
Package: halo
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $installed_kb
Depends: $node_dep, iproute2, nftables${shlibs:+, $shlibs}
Recommends: kmod
Suggests: keepalived, ipvsadm, snmpd, prometheus
Section: net
Priority: optional
Description: keepalived-compatible VRRP and IPVS high-availability director
 halo runs a Linux load balancer director from an existing keepalived.conf:
 two directors elect a master with VRRP (RFC 3768 v2, RFC 5798/9568 v3), the
 master holds the virtual IP addresses and announces them with gratuitous
 ARP, and every director programs the kernel's IPVS table from the same file,
 keeping it in step with TCP health checks of the real servers.
 .
 It peers with keepalived on the same LAN during a migration, lists the IPVS
 table exactly as ipvsadm does, logs in keepalived's words, serves Prometheus
 metrics and the VRRPv3-MIB over AgentX. The service is not started on
 install; it conflicts with keepalived.service at run time only.
EOF

(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -print0 | sort -z | xargs -0 md5sum | sed 's| \./| |') > "$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/conffiles" "$stage/DEBIAN/md5sums"
find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "build-deb: $deb ($(du -h "$deb" | cut -f1), installed $installed_kb KiB)"

if [ "$lintian" = 1 ]; then
  echo "build-deb: lintian"
  set +e
  report=$(lintian --tag-display-limit 0 "$deb" 2>&1)
  set -e
  [ -n "$report" ] && printf '%s\n' "$report"
  if printf '%s\n' "$report" | grep -q '^E: '; then
    echo "build-deb: lintian reports errors" >&2
    exit 1
  fi
  echo "build-deb: lintian: no errors ($(printf '%s\n' "$report" | grep -c '^W: ') warnings)"
fi
