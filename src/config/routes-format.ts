/**
 * A route or rule in keepalived 2.2.7's words (format_iproute / format_iprule), for the lines
 * it logs about them ("Restoring deleted static route prepend 198.51.100.0/24 via inet
 * 192.168.79.1 dev eth0 table 100 proto 18 metric 5"). Pure.
 */
import { FR_ACT, type IpPrefix, type IpRoute, type IpRule } from './routes-model';
import { RTAX } from './routes';

const RTN_NAMES = ['unspec', 'unicast', 'local', 'broadcast', 'anycast', 'multicast', 'blackhole', 'unreachable', 'prohibit', 'throw', 'nat', 'xresolve'];
const rtnName = (n: number) => RTN_NAMES[n] ?? String(n);

/** ipaddresstos: the address, and /LEN unless it is a host prefix. */
function prefixText(p: IpPrefix, family: 4 | 6): string {
  return p.prefixLen === (family === 4 ? 32 : 128) ? p.address : `${p.address}/${p.prefixLen}`;
}

/** C's %g: at most 6 significant digits, no trailing zeros. */
const g = (x: number) => String(Number(x.toPrecision(6)));

const realmsText = (realms: number, hasFrom: boolean) => (hasFrom ? ` realms ${realms >>> 16}/` : ' realm ') + String(realms & 0xffff);

export function formatIpRoute(r: IpRoute): string {
  const lock = (bit: number) => (r.lock & (1 << bit) ? 'lock ' : '');
  const m = r.metrics;
  let out = `${r.mode} `;
  if (r.type !== 1) out += `${rtnName(r.type)} `;
  out += prefixText(r.dst, r.family);
  if (r.src) out += ` from ${prefixText(r.src, r.family)}`;
  if (r.prefSrc) out += ` src ${r.prefSrc}`;
  if (r.tos !== null) out += ` tos ${r.tos}`;
  if (r.via) out += ` via ${r.via.family === 6 ? 'inet6' : 'inet'} ${r.via.address}`;
  if (r.dev !== null) out += ` dev ${r.dev}`;
  if (r.table !== 254) out += ` table ${r.table}`;
  if (r.protocolSet) out += ` proto ${r.protocol}`;
  if (r.scope !== null) out += ` scope ${r.scope}`;
  if (r.metric !== null) out += ` metric ${r.metric}`;
  if (r.family === 4 && r.flags & 4) out += ' onlink';
  if (r.realms) out += realmsText(r.realms, (r.realms & 0xffff0000) !== 0);
  if (r.expires !== null) out += ` expires ${r.expires}sec`;
  if (m.congctl !== undefined) out += ` congctl ${m.congctl}${lock(RTAX.CC_ALGO)}`;
  if (m.rtt !== undefined) out += ` rtt${lock(RTAX.RTT) ? ' lock' : ''} ${m.rtt >= 8000 ? `${g(m.rtt / 8000)}s` : `${g(m.rtt / 8)}ms`}`;
  if (m.rttvar !== undefined) out += ` rttvar${lock(RTAX.RTTVAR) ? ' lock' : ''} ${m.rttvar >= 4000 ? `${g(m.rttvar / 4000)}s` : `${g(m.rttvar / 4)}ms`}`;
  if (m.rtoMin !== undefined) out += ` rto_min${lock(RTAX.RTO_MIN) ? ' lock' : ''} ${m.rtoMin >= 1000 ? `${g(m.rtoMin / 1000)}s` : `${m.rtoMin}ms`}`;
  if (m.features !== undefined && m.features & 1) out += ' features ecn';
  if (m.mtu !== undefined) out += ` mtu ${lock(RTAX.MTU)}${m.mtu}`;
  if (m.window !== undefined) out += ` window ${m.window}`;
  if (m.ssthresh !== undefined) out += ` ssthresh ${lock(RTAX.SSTHRESH)}${m.ssthresh}`;
  if (m.cwnd !== undefined) out += ` cwnd ${lock(RTAX.CWND)}${m.cwnd}`;
  if (m.advmss !== undefined) out += ` advmss ${lock(RTAX.ADVMSS)}${m.advmss}`;
  if (m.reordering !== undefined) out += ` reordering ${lock(RTAX.REORDERING)}${m.reordering}`;
  if (m.hoplimit !== undefined) out += ` hoplimit ${m.hoplimit}`;
  if (m.initcwnd !== undefined) out += ` initcwnd ${m.initcwnd}`;
  if (m.initrwnd !== undefined) out += ` initrwnd ${m.initrwnd}`;
  if (m.quickack !== undefined) out += ` quickack ${m.quickack}`;
  if (r.pref !== null) out += ` pref ${({ 3: 'low', 0: 'medium', 1: 'high' } as Record<number, string>)[r.pref] ?? 'unknown'}`;
  if (m.fastopenNoCookie !== undefined) out += ` fastopen_no_cookie ${m.fastopenNoCookie}`;
  if (r.ttlPropagate !== null) out += ` ttl-propagate ${r.ttlPropagate ? 'en' : 'dis'}abled`;
  for (const nh of r.nexthops) {
    out += ' nexthop';
    if (nh.via) out += ` via inet${nh.via.family === 4 ? '' : '6'} ${nh.via.address}`;
    if (nh.dev !== null) out += ` dev ${nh.dev}`;
    if (nh.hops !== null) out += ` weight ${nh.hops + 1}`;
    if (nh.flags & 4) out += ' onlink';
    // keepalived tests the route's realms here, not the nexthop's
    if (nh.realms) out += realmsText(nh.realms, ((r.realms ?? 0) & 0xffff0000) !== 0);
  }
  if (r.noTrack) out += ' no_track';
  if (r.trackGroup !== undefined) out += ` track_group ${r.trackGroup}`;
  return out;
}

export function formatIpRule(r: IpRule): string {
  let out = '';
  if (!r.to && !r.from && r.family === 6) out += 'inet6 ';
  if (r.invert) out += 'not ';
  out += r.from ? `from ${prefixText(r.from, r.family)}` : 'from all';
  if (r.to) out += ` to ${prefixText(r.to, r.family)}`;
  out += ` priority ${r.priority}`;
  out += ` tos 0x${r.tos.toString(16)}`;
  if (r.fwmark !== null) {
    out += ` fwmark 0x${r.fwmark.toString(16)}`;
    if (r.fwmask !== null && r.fwmask !== 0xffffffff) out += `/0x${r.fwmask.toString(16)}`;
  }
  if (r.iif !== null) out += ` iif ${r.iif}`;
  if (r.oif !== null) out += ` oif ${r.oif}`;
  if (r.suppressPrefixLen !== null) out += ` suppress_prefixlen ${r.suppressPrefixLen}`;
  if (r.suppressIfgroup !== null) out += ` suppress_ifgroup ${r.suppressIfgroup}`;
  if (r.tunnelId) out += ` tunnel-id ${r.tunnelId}`;
  if (r.uidRange) out += ` uidrange ${r.uidRange.start}-${r.uidRange.end}`;
  if (r.l3mdev) out += ' l3mdev';
  if (r.protocol !== null) out += ` protocol ${r.protocol}`;
  if (r.ipProto !== null) out += ` ipproto ${r.ipProto}`;
  if (r.sport) out += ` sport ${r.sport.start}-${r.sport.end}`;
  if (r.dport) out += ` dport ${r.dport.start}-${r.dport.end}`;
  if (r.realms) out += ` realms ${r.realms >>> 16}/${r.realms & 0xffff}`;
  if (r.action === FR_ACT.TO_TBL) out += ` lookup ${r.table}`;
  else if (r.action === FR_ACT.GOTO) out += ` goto ${r.gotoTarget}`;
  else if (r.action === FR_ACT.NOP) out += ' nop';
  else out += ` type ${rtnName(r.action)}`;
  if (r.noTrack) out += ' no_track';
  if (r.trackGroup !== undefined) out += ` track_group ${r.trackGroup}`;
  return out;
}
