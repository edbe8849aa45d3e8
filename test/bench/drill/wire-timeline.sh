#!/usr/bin/env bash
# What the client's link carried around each graceful takeover of a `halo lab drill --capture`
# run: for every priority-0 VRRP advert of the external instance (VRID 51), the times (ms after
# it, pcap clock = the VM's clock, the same as the directors' logs) of
#   the new master's first advert, its first gratuitous ARP for each external VIP, the client's
#   ARP requests for a VIP, ICMP redirects to the client, the client's first HTTP SYN after the
#   GARP and the first SYN-ACK it got, and the first DNS reply after the GARP.
#   usage: test/bench/drill/wire-timeline.sh OUT_DIR   (the drill's --out; needs tshark)
set -euo pipefail
pcap=${1:?usage: $0 OUT_DIR}/capture-client-eth0.pcap
[ -r "$pcap" ] || { echo "no capture: $pcap (run the drill with --capture)" >&2; exit 2; }
tshark -r "$pcap" -n -T fields -E separator='|' \
  -e frame.time_epoch -e ip.src -e ip.dst -e vrrp.virt_rtr_id -e vrrp.prio \
  -e arp.opcode -e arp.src.proto_ipv4 -e arp.dst.proto_ipv4 -e eth.src \
  -e tcp.srcport -e tcp.dstport -e tcp.flags.syn -e tcp.flags.ack -e tcp.flags.reset \
  -e udp.srcport -e udp.dstport -e icmp.type 2>/dev/null |
awk -F'|' '
  function ms(t) { return sprintf("%7.1f", (t - p0) * 1000) }
  function flush() {
    if (!p0) return
    printf "priority 0 at %.3f: lb2 first advert %s | GARP .200 %s .202 %s | client ARP for a VIP %s | ICMP redirect %s | first SYN after GARP %s, its SYN-ACK %s | first DNS reply after GARP %s\n",
      p0, adv, g200, g202, carp, redir, syn, synack, dns
  }
  {
    t = $1; src = $2; dst = $3; vrid = $4; prio = $5; op = $6; asrc = $7; adst = $8
    if (vrid == 51 && prio == 0 && src == "192.168.1.101") {
      if (!p0 || t - p0 > 2) { flush(); p0 = t; adv = g200 = g202 = carp = redir = syn = synack = dns = "-"; garp = 0; synport = "" }
      next
    }
    if (!p0 || t - p0 > 3) next
    if (vrid == 51 && src == "192.168.1.102" && adv == "-") adv = ms(t)
    if (op == 1 && asrc == adst) {
      if (asrc == "192.168.1.200" && g200 == "-") { g200 = ms(t); garp = t }
      if (asrc == "192.168.1.202" && g202 == "-") { g202 = ms(t); garp = t }
    }
    if (op == 1 && asrc == "192.168.1.10" && (adst == "192.168.1.200" || adst == "192.168.1.202") && carp == "-") carp = ms(t) " (" adst ")"
    if ($17 == 5 && redir == "-") redir = ms(t)
    if (garp && $12 == 1 && $13 == 0 && src == "192.168.1.10" && syn == "-") { syn = ms(t); synport = $10 }
    if (synport != "" && $12 == 1 && $13 == 1 && $11 == synport && synack == "-") synack = ms(t)
    if (garp && $15 == 53 && dst == "192.168.1.10" && dns == "-") dns = ms(t)
  }
  END { flush() }'
