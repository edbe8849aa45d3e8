/** The short human summary `halo check` prints for a valid config. */
import type { Checker, Model, VirtualServer } from './model';

function vsName(v: VirtualServer): string {
  const k = v.key;
  if (k.kind === 'addr') return `${v.protocol} ${k.family === 6 ? `[${k.address}]` : k.address}:${k.port}`;
  if (k.kind === 'fwmark') return `FWM ${k.fwmark}${k.family === 6 ? ' IPv6' : ''}`;
  return `group ${k.group}`;
}

/** ADDR:PORT, an IPv6 address in brackets. */
const at = (ip: string, port: number): string => `${ip.includes(':') ? `[${ip}]` : ip}:${port}`;

function checkName(c: Checker): string {
  if (c.kind === 'BFD_CHECK') return `BFD_CHECK ${c.name}${c.alpha ? ' alpha' : ''}`;
  const every = `every ${c.delayLoopMs / 1000}s`;
  switch (c.kind) {
    case 'MISC_CHECK': return `MISC_CHECK ${c.path.join(' ')} ${every} timeout ${c.timeoutMs / 1000}s retry ${c.retry}${c.dynamic ? ' dynamic' : ''}`;
    case 'FILE_CHECK': return `FILE_CHECK ${c.trackFile} (${c.path}) weight ${c.weight}${c.reverse ? ' reverse' : ''}`;
    case 'HTTP_GET': case 'SSL_GET':
      return `${c.kind} ${at(c.connectIp, c.connectPort)} ${c.urls.map((u) => u.path).join(' ')} ${every} timeout ${c.connectTimeoutMs / 1000}s retry ${c.retry}`;
    case 'DNS_CHECK': return `DNS_CHECK ${at(c.connectIp, c.connectPort)} ${c.type} ${c.name || '.'} ${every} timeout ${c.connectTimeoutMs / 1000}s retry ${c.retry}`;
    default: return `${c.kind} ${c.kind === 'PING_CHECK' ? c.connectIp : at(c.connectIp, c.connectPort)} ${every} timeout ${c.connectTimeoutMs / 1000}s retry ${c.retry}`;
  }
}

export function summarize(m: Model): string {
  const out: string[] = [];
  const g = m.globalDefs;
  out.push(`${m.file}: valid`);
  out.push(`global: router_id ${g.routerId ?? '(hostname)'}, VRRP v${g.vrrpVersion}${g.vrrpStrict ? ', strict' : ''}`);
  out.push(`vrrp_instances: ${m.vrrpInstances.length}`);
  for (const i of m.vrrpInstances) {
    const vips = i.virtualIpAddresses.map((v) => `${v.address}/${v.prefixLen}`).join(' ');
    const flags = [i.nopreempt ? 'nopreempt' : '', i.authType !== 'NONE' ? `auth ${i.authType}` : '', i.unicastPeers.length ? `unicast to ${i.unicastPeers.map((p) => p.address).join(',')}` : '']
      .filter(Boolean)
      .join(', ');
    out.push(
      `  ${i.name}: ${i.initialState} on ${i.interface}, VRID ${i.virtualRouterId}, priority ${i.priority}, advert ${i.advertIntMs / 1000}s, v${i.version}` +
        (flags ? `, ${flags}` : ''),
    );
    out.push(`    VIPs: ${vips || '(none)'}`);
    for (const r of i.virtualRoutes) out.push(`    route: ${r.text}`);
    for (const r of i.virtualRules) out.push(`    rule: ${r.text}${/\b(priority|preference|order)\b/.test(r.text) ? '' : ` (priority ${r.priority})`}`);
  }
  for (const a of m.staticAddresses) out.push(`static address: ${a.address}/${a.prefixLen} dev ${a.dev}`);
  for (const r of m.staticRoutes) out.push(`static route: ${r.text}`);
  for (const r of m.staticRules) out.push(`static rule: ${r.text}${/\b(priority|preference|order)\b/.test(r.text) ? '' : ` (priority ${r.priority})`}`);
  out.push(`vrrp_sync_groups: ${m.vrrpSyncGroups.length}`);
  for (const s of m.vrrpSyncGroups) out.push(`  ${s.name}: ${s.group.join(' ')}`);
  if (m.bfdInstances.length > 0) {
    out.push(`bfd_instances: ${m.bfdInstances.length}`);
    for (const b of m.bfdInstances) {
      out.push(`  ${b.name}: neighbor ${b.neighborIp}${b.sourceIp ? ` from ${b.sourceIp}` : ''}, min_rx ${b.minRxUs / 1000}ms, min_tx ${b.minTxUs / 1000}ms, idle_tx ${b.idleTxUs / 1000}ms, multiplier ${b.multiplier}${b.passive ? ', passive' : ''}`);
    }
  }
  out.push(`virtual_servers: ${m.virtualServers.length}`);
  // indexed loops: this is most of the output, and it runs once, mostly before V8 optimises it.
  // Each service's lines are joined into one string as soon as they are written: a template
  // literal's string is a tree of its pieces until something flattens it, and 30,000 such trees
  // kept to the final join outlived the young generation (CHECK_V8_FLAGS) and were copied out
  // of it (100,000 lines: the summary took 92 ms of CPU, now 37, median of 7 new processes).
  const vss = m.virtualServers;
  for (let i = 0; i < vss.length; i++) {
    const v = vss[i];
    const persist = v.persistenceTimeout !== null ? `, persistent ${v.persistenceTimeout}s` : '';
    const lines = [`  ${vsName(v)} ${v.lvsSched} ${v.lvsMethod}, delay_loop ${v.delayLoopMs / 1000}s, quorum ${v.quorum}${persist}`];
    const rss = v.realServers;
    for (let j = 0; j < rss.length; j++) {
      const r = rss[j];
      lines.push(`    -> ${r.family === 6 ? `[${r.address}]` : r.address}:${r.port} weight ${r.weight} ${r.lvsMethod}${r.inhibitOnFailure ? ' inhibit_on_failure' : ''}`);
      const cs = r.checkers;
      for (let k = 0; k < cs.length; k++) lines.push(`       ${checkName(cs[k])}`);
    }
    out.push(lines.join('\n'));
  }
  if (m.announces.length > 0) {
    out.push(`halo_announce: ${m.announces.length}`);
    for (const a of m.announces) out.push(`  ${a.name}: ${a.address}/${a.prefixLen} on ${a.interface}, drain_delay ${a.drainDelayMs / 1000}s, drain_timeout ${a.drainTimeoutMs / 1000}s`);
  }
  // the last newline joined in too: one flat string for the output, not a rope of it and '\n'
  out.push('');
  return out.join('\n');
}
