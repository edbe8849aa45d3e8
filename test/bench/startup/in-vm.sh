#!/bin/sh
# Runs inside the VM (deploy/vm/vmrun.sh, cwd = the repository): start → first VRRP state of
# Debian's keepalived 2.2.7 and of `halo run` on the thesis master's config (deploy/examples),
# alternately, ROUNDS times each, in one namespace with eth0/eth1; then one more halo run traced
# by trace.js for the per-step breakdown (report.js; the tracer's own cost is in that run only).
# halo is started as an operator starts it: `halo run` is bin/halo (the .deb's /usr/sbin/halo),
# which execs the C supervisor, which starts the worker: one Node start. With NODE_CLI=1 each
# round also runs `node dist/cli/main.js run` (the same start behind one more Node process).
# The first run of each is cold (the host's files not yet in the VM's page cache). A trial in
# which the VM's timers slipped over 100 ms (the host did not run the VM) is "inconclusive".
# With BASE (another checkout with its dist built, e.g. the commit before a change), each round
# also runs that checkout's `halo run`, interleaved with the others: a before/after in one VM.
# usage (host): deploy/vm/vmrun.sh -m 1024 -s 1 -t 900 test/bench/startup/in-vm.sh [ROUNDS [BASE]]
set -u
ROUNDS=${1:-3}
BASE=${2:-}
NODE_CLI=${NODE_CLI:-}
base_cmd() { if [ -x "$BASE/bin/halo" ]; then echo "$BASE/bin/halo"; else echo "node $BASE/dist/cli/main.js"; fi; }
HERE=$PWD/test/bench/startup   # vmrun.sh runs a copy of this script, from the repository
CONF=deploy/examples/master.conf
SERVICES=$(grep -c '^ *virtual_server ' $CONF)
W=$(mktemp -d /tmp/hstart.XXXXXX)
modprobe ip_vs
echo "in VM: kernel $(uname -r), $(nproc) vCPU, node $(node --version), uptime $(cut -d' ' -f1 /proc/uptime) s"
ip netns add hstart-lb; ip netns add hstart-br
ip -n hstart-lb link set lo up
for i in 0 1; do
  ip link add hstart-e$i netns hstart-br type veth peer name eth$i netns hstart-lb
  ip -n hstart-br link set hstart-e$i up; ip -n hstart-lb link set eth$i up
done
ip -n hstart-lb addr add 192.168.1.101/24 dev eth0; ip -n hstart-lb addr add 10.0.100.1/24 dev eth1
now() { date +%s%3N; }
# The VM's own timer slip, for each trial's validity: a bash loop (builtins only, no fork) stamps
# the time every 100 ms; a gap beyond 200 ms inside a trial means the VM (or its vCPU) was not run
# on time, so that trial's wall times measure the host, not the daemon: "inconclusive". It runs
# real-time (SCHED_FIFO) so that the daemon's own CPU use in the VM cannot delay it: a daemon slow
# by itself is timed, never excused.
mkfifo $W/tick
chrt -f 50 bash -c 'exec 3<>"$1"; while :; do echo "${EPOCHREALTIME/./}"; read -t 0.1 -u 3 _; done' probe $W/tick > $W/probe &
PROBE=$!
slip() {  # $1 $2 = epoch ms: the longest gap between stamps over [$1, $2] beyond the 100 ms period
  awk -v a=$(($1 * 1000)) -v b=$(($2 * 1000)) 'BEGIN { p = a; m = 0 }
    $1 > a && $1 <= b { if ($1 - p > m) m = $1 - p; p = $1 }
    END { if (b - p > m) m = b - p; m = int(m / 1000) - 100; print (m < 0 ? 0 : m) }' $W/probe
}
one() {  # $1 = keepalived|halo, $2 = run number, $3 = trace|base|node-cli (halo only)
  log=$W/$1-$2.log; : > "$log"
  t0=$(now)
  if [ "$1" = keepalived ]; then
    ip netns exec hstart-lb keepalived -n -l -f $CONF -p $W/k.pid -r $W/v.pid -c $W/c.pid > "$log" 2>&1 &
  elif [ "${3:-}" = trace ]; then
    mkdir -p $W/trace-$2
    HALO_TRACE_DIR=$W/trace-$2 NODE_OPTIONS="--require $HERE/trace.js" \
      ip netns exec hstart-lb bin/halo run -f $CONF --pid-file $W/h.pid --control-socket $W/h.sock > "$log" 2>&1 &
  elif [ "${3:-}" = base ]; then
    ip netns exec hstart-lb $(base_cmd) run -f $CONF --pid-file $W/h.pid --control-socket $W/h.sock > "$log" 2>&1 &
  elif [ "${3:-}" = node-cli ]; then
    ip netns exec hstart-lb node dist/cli/main.js run -f $CONF --pid-file $W/h.pid --control-socket $W/h.sock > "$log" 2>&1 &
  else
    ip netns exec hstart-lb bin/halo run -f $CONF --pid-file $W/h.pid --control-socket $W/h.sock > "$log" 2>&1 &
  fi
  p=$!
  until grep -q 'Entering [A-Z]* STATE' "$log"; do
    [ $(($(now) - t0)) -gt 90000 ] && { echo "$1 run $2: no VRRP state within 90 s; its log:"; tail "$log"; break; }
    sleep 0.02
  done
  t1=$(now)
  # the table is programmed when every virtual_server of the config is in the kernel
  until [ "$(ip netns exec hstart-lb ipvsadm -Sn | grep -c '^-A')" -ge "$SERVICES" ]; do
    [ $(($(now) - t0)) -gt 90000 ] && { echo "$1 run $2: IPVS not programmed within 90 s"; break; }
    sleep 0.02
  done
  t2=$(now)
  sleep 0.2  # the probe's stamp after t2
  sl=$(slip $t0 $t2)
  echo "$1${3:+ ($3)} run $2: start -> first VRRP state $((t1 - t0)) ms ($(grep -m1 -o 'Entering [A-Z]* STATE' "$log")), -> IPVS services programmed $((t2 - t0)) ms; the VM's timer slip max $sl ms: $([ "$sl" -le 100 ] && echo valid || echo inconclusive)" | tee -a $W/trials
  [ "${3:-}" = trace ] && echo "$t0" > $W/trace-$2/launched
  # stop: the whole tree (ip netns exec execs, so $p is the daemon)
  kill -TERM $p; n=0
  while kill -0 $p 2>/dev/null && [ $n -lt 500 ]; do sleep 0.02; n=$((n+1)); done
  kill -KILL $p 2>/dev/null; wait $p 2>/dev/null
  ip netns exec hstart-lb ipvsadm -C
  for a in 192.168.1.200 192.168.1.202; do ip -n hstart-lb addr del $a/32 dev eth0 2>/dev/null; done
  ip -n hstart-lb addr del 10.0.100.200/32 dev eth1 2>/dev/null
}
i=1
while [ $i -le "$ROUNDS" ]; do
  one halo $i; [ -n "$BASE" ] && one halo $i base; [ -n "$NODE_CLI" ] && one halo $i node-cli; one keepalived $i; i=$((i+1))
done
one halo $i trace
node "$HERE/report.js" "$W"
kill $PROBE
# the medians of the valid trials (cold run included), halo beside keepalived, and issue 15's
# VM target: start -> IPVS programmed within 3x keepalived's time in the same VM
awk '
  function median(a, n,   i, j, t) { for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
    return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2 }
  /^(halo|keepalived) run [0-9]+:/ { k = $1; all[k]++; if ($NF != "valid") next
    n[k]++; split($0, x, "first VRRP state "); split(x[2], y, " "); f[k, n[k]] = y[1]
    split($0, x, "programmed "); split(x[2], y, " "); p[k, n[k]] = y[1] }
  END {
    for (k in all) { for (i = 1; i <= n[k]; i++) { a[i] = f[k, i]; b[i] = p[k, i] } mf[k] = n[k] ? median(a, n[k]) : -1; mp[k] = n[k] ? median(b, n[k]) : -1
      printf "summary %s: %d of %d trials valid; median start -> first VRRP state %s, -> IPVS programmed %s\n", k, n[k], all[k], n[k] ? mf[k] " ms" : "inconclusive", n[k] ? mp[k] " ms" : "inconclusive" }
    if (mf["halo"] > 0 && mf["keepalived"] > 0)
      printf "summary ratio halo/keepalived: first VRRP state %.2fx, IPVS programmed %.2fx; target IPVS programmed <= 3x keepalived: %s\n", mf["halo"] / mf["keepalived"], mp["halo"] / mp["keepalived"], mp["halo"] <= 3 * mp["keepalived"] ? "met" : "NOT met"
    else print "summary ratio: inconclusive (no valid trial of one of them)"
  }' $W/trials
