#!/bin/bash
# Runs inside the VM (test/bench/ipvs/run.sh boots it). Every timed run happens in a fresh
# network namespace (hipvs-bN) with lo up, timed with $EPOCHREALTIME inside that namespace,
# so neither `ip netns exec` nor the destination trash of an earlier run is in the figures.
set -uo pipefail
cd "$(dirname "$0")/../../.."
DIST=test/vm/cache/dist
N=${BENCH_SERVICES:-10000}
D=${BENCH_DESTS:-4}
RUNS=${BENCH_RUNS:-2}
LRUNS=${BENCH_LIST_RUNS:-3}
BASE=${BENCH_BASE_DIST:-}   # another build of the CLI (e.g. the commit before a change), listed in the same runs
RULES=/tmp/hipvs-rules
node test/bench/ipvs/gen-rules.js "$N" "$D" > $RULES
echo "kernel $(uname -r), $(nproc) vCPU; $N TCP services x $D destinations ($(wc -l < $RULES) rules)"
ns=0
fresh() { ns=$((ns+1)); ip netns add hipvs-b$ns && ip -n hipvs-b$ns link set lo up; echo hipvs-b$ns; }
drop() { ip netns del "$1"; }

# one timed command inside a namespace: prints milliseconds
timed() { # ns cmd...
  local n=$1; shift
  ip netns exec "$n" bash -c 't0=$EPOCHREALTIME; "$@" >/dev/null || echo "FAILED: $*" >&2; t1=$EPOCHREALTIME; echo "scale=1; ($t1-$t0)*1000/1" | bc' _ "$@"
}
# the same, printing "wall_ms cpu_ms" (the command's user+sys): CPU time stays meaningful when
# the host starves the VM of wall time less than wall time itself does
ctimed() { # ns cmd...
  local n=$1; shift
  ip netns exec "$n" bash -c 'TIMEFORMAT="%R %U %S"; { time "$@" >/dev/null || echo "FAILED: $*" >&2; } 2>&1 | tail -1' _ "$@" |
    awk '{ printf "%.0f %.0f\n", $1 * 1000, ($2 + $3) * 1000 }'
}
ratio() { echo "scale=2; $1/$2" | bc; }
median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

if [ "$RUNS" -gt 0 ]; then
echo "== program $N x $D from an empty table (fresh netns per run)"
A=(); H=()
for r in $(seq 1 "$RUNS"); do
  n=$(fresh); A+=("$(timed "$n" sh -c "ipvsadm -R < $RULES")"); c=$(ip netns exec "$n" ipvsadm -Sn | wc -l); drop "$n"
  [ "$c" = "$(wc -l < $RULES)" ] || echo "ipvsadm -R left $c rules" >&2
  n=$(fresh)
  H+=("$(timed "$n" sh -c "node test/bench/ipvs/halo-restore.js $DIST < $RULES > /tmp/hipvs-restore.json")")
  c=$(ip netns exec "$n" ipvsadm -Sn | wc -l); drop "$n"
  [ "$c" = "$(wc -l < $RULES)" ] || echo "halo left $c rules" >&2
  echo "  run $r: ipvsadm -R ${A[-1]} ms, halo ${H[-1]} ms (inside halo: $(cat /tmp/hipvs-restore.json))"
done
a=$(printf '%s\n' "${A[@]}" | median); h=$(printf '%s\n' "${H[@]}" | median)
printf '  %-44s %10s %10s %8s\n' "" "ipvsadm" "halo" "halo/ipvsadm"
printf '  %-44s %10s %10s %8s\n' "program $N svc x $D dst (median ms)" "$a" "$h" "$(ratio "$h" "$a")"
fi  # BENCH_RUNS=0: listing only

echo "== list $N services (-Ln > /dev/null), one table, $LRUNS runs each (wall ms / CPU ms, user+sys)"
n=$(fresh); ip netns exec "$n" sh -c "ipvsadm -R < $RULES"
A=(); H=(); B=(); AC=(); HC=(); BC=()
for r in $(seq 1 "$LRUNS"); do
  # (no process substitution: the VM has no /dev/fd)
  wc_=$(ctimed "$n" ipvsadm -Ln); A+=("${wc_% *}"); AC+=("${wc_#* }")
  wc_=$(ctimed "$n" node $DIST/cli/main.js ipvs -Ln); H+=("${wc_% *}"); HC+=("${wc_#* }")
  if [ -n "$BASE" ]; then wc_=$(ctimed "$n" node $BASE/cli/main.js ipvs -Ln); B+=("${wc_% *}"); BC+=("${wc_#* }"); fi
done
a=$(printf '%s\n' "${A[@]}" | median); h=$(printf '%s\n' "${H[@]}" | median)
ac=$(printf '%s\n' "${AC[@]}" | median); hc=$(printf '%s\n' "${HC[@]}" | median)
echo "  ipvsadm -Ln: ${A[*]} ms (CPU ${AC[*]}); halo ipvs -Ln: ${H[*]} ms (CPU ${HC[*]})"
for i in "${!A[@]}"; do echo "  round $((i + 1)): halo/ipvsadm wall $(ratio "${H[$i]}" "${A[$i]}"), CPU $(ratio "${HC[$i]}" "${AC[$i]}")"; done
printf '  %-44s %10s %10s %8s\n' "-Ln $N svc (median wall ms)" "$a" "$h" "$(ratio "$h" "$a")"
printf '  %-44s %10s %10s %8s\n' "-Ln $N svc (median CPU ms)" "$ac" "$hc" "$(ratio "$hc" "$ac")"
if [ -n "$BASE" ]; then
  b=$(printf '%s\n' "${B[@]}" | median); bc_=$(printf '%s\n' "${BC[@]}" | median)
  echo "  halo before ($BASE): ${B[*]} ms (CPU ${BC[*]})"
  printf '  %-44s %10s %10s %8s\n' "-Ln $N svc, halo before (median wall / CPU ms)" "$b" "$bc_" "$(ratio "$b" "$a") / $(ratio "$bc_" "$ac")"
fi
A2=$(timed "$n" ipvsadm -Ln --stats); H2=$(timed "$n" node $DIST/cli/main.js ipvs -Ln --stats)
printf '  %-44s %10s %10s %8s\n' "-Ln --stats $N svc (one run, ms)" "$A2" "$H2" "$(ratio "$H2" "$A2")"
ip netns exec "$n" ipvsadm -Ln > /tmp/hipvs-a.txt; ip netns exec "$n" node $DIST/cli/main.js ipvs -Ln > /tmp/hipvs-h.txt 2>/tmp/hipvs-h.err; hrc=$?
if cmp -s /tmp/hipvs-a.txt /tmp/hipvs-h.txt; then echo "  -Ln outputs identical ($(wc -l < /tmp/hipvs-a.txt) lines)"
else echo "  -Ln OUTPUTS DIFFER (halo rc $hrc: $(head -c 300 /tmp/hipvs-h.err))"; diff /tmp/hipvs-a.txt /tmp/hipvs-h.txt | head -8; fi
echo "  phases (native exchange): $(ip netns exec "$n" node test/bench/ipvs/list-phases.js $DIST x)"
echo "  phases (8 async sockets): $(ip netns exec "$n" node test/bench/ipvs/list-phases.js $DIST 8)"
T0=$(timed "$n" node $DIST/cli/main.js ipvs -Ln -t 10.100.19.136:80)
A1=$(timed "$n" ipvsadm -Ln -t 10.100.19.136:80)
printf '  %-44s %10s %10s %8s\n' "-Ln -t one service at $N (ms)" "$A1" "$T0" "$(ratio "$T0" "$A1")"
echo "== one changed weight at $N services"
A3=$(timed "$n" ipvsadm -e -t 10.100.19.136:80 -r 10.200.78.32:80 -m -w 9)
echo "  ipvsadm -e (process, ms): $A3"
echo "  halo: $(ip netns exec "$n" node test/bench/ipvs/one-op.js $DIST 10.100.19.136 10.200.78.32)"
drop "$n"
