/**
 * What `halo status` shows: a snapshot the daemon builds on request from its live state, sent
 * over the control socket as JSON, and its text rendering (pure, so it is unit-tested).
 */
import type { LatenessHistogram } from './deadlines';
import type { TakeoverTrace } from './takeover-trace';

export interface InstanceStatus {
  name: string;
  interface: string;
  virtualRouterId: number;
  version: 2 | 3;
  state: 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT';
  /** ISO time of the last transition. */
  since: string;
  basePriority: number;
  effectivePriority: number;
  /** The current master's primary address as last seen (ours when MASTER), or null. */
  masterAddress: string | null;
  advertIntMs: number;
  vips: string[];
  vipsHeld: boolean;
  syncGroup: string | null;
  /** Why the instance is in FAULT (a link, a tracked script, its VRRP socket …); empty otherwise. */
  faultReasons?: string[];
  advertsSent: number;
  advertsReceived: number;
  becameMaster: number;
  releasedMaster: number;
  drops: Record<string, number>;
}

export interface SyncGroupStatus {
  name: string;
  members: string[];
  state: string;
}

export interface RealServerStatus {
  address: string;
  port: number;
  healthy: boolean;
  /** Weight the kernel has now; null when the destination is not in the table. */
  kernelWeight: number | null;
  configuredWeight: number;
  lastCheck: { at: string; ok: boolean; detail: string } | null;
}

export interface VirtualServerStatus {
  /** `TCP 192.168.1.202:80`, `FWM 1`, as ipvsadm names services. */
  service: string;
  scheduler: string;
  quorumUp: boolean;
  realServers: RealServerStatus[];
}

/** One bfd_instance's session (src/bfd), in keepalived's words for states and diagnostics. */
export interface BfdSessionStatus {
  name: string;
  neighbor: string;
  state: string;
  remoteState: string;
  localDiag: string;
  /** The transmit interval in use and the detection time, in ms. */
  txIntervalMs: number;
  detectTimeMs: number;
}

export interface BfdStatus {
  sessions: BfdSessionStatus[];
  /** Packets dropped before a session saw them, by reason. */
  drops: Record<string, number>;
  /** Timers found late past a whole interval (halo's event loop stalled). */
  stalls: number;
}

export interface StatusSnapshot {
  pid: number;
  configFile: string;
  startedAt: string;
  /** `lastFailed`: the last reload was refused (the previous configuration still runs). */
  reloads: { ok: number; failed: number; lastError: string | null; lastFailed?: boolean };
  instances: InstanceStatus[];
  syncGroups: SyncGroupStatus[];
  virtualServers: VirtualServerStatus[];
  /** Present when bfd_instances run. */
  bfd?: BfdStatus;
  /** How late the VRRP timers fired (ms past their deadlines) since start; absent without VRRP. */
  vrrpTimerLateness?: LatenessHistogram;
  /** Each instance's last takeover on its down timer, step by step (src/daemon/takeover-trace.ts); absent without VRRP. */
  vrrpTakeovers?: TakeoverTrace[];
  /** halo_announce VIPs (absent from daemons older than the block). */
  announces?: AnnounceStatus[];
}

import type { AnnounceStatus } from './announcer';

function age(sinceIso: string, now: Date): string {
  const s = Math.max(0, Math.round((now.getTime() - Date.parse(sinceIso)) / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export function formatStatus(st: StatusSnapshot, now: Date = new Date()): string {
  const out: string[] = [];
  out.push(`halo pid ${st.pid}, config ${st.configFile}, up since ${st.startedAt}`);
  out.push(`reloads: ${st.reloads.ok} ok, ${st.reloads.failed} failed${st.reloads.lastError ? ` (last: ${st.reloads.lastError})` : ''}`);
  if (st.instances.length > 0) {
    out.push('');
    out.push('VRRP instances');
    for (const i of st.instances) {
      const prio = i.effectivePriority === i.basePriority ? `${i.basePriority}` : `${i.effectivePriority} (base ${i.basePriority})`;
      out.push(
        `  ${i.name}: ${i.state} for ${age(i.since, now)}  ${i.interface} vrid ${i.virtualRouterId} v${i.version} ` +
          `prio ${prio} advert ${i.advertIntMs / 1000}s master ${i.masterAddress ?? '-'}${i.syncGroup ? ` group ${i.syncGroup}` : ''}`,
      );
      if (i.faultReasons && i.faultReasons.length > 0) out.push(`    fault: ${i.faultReasons.join('; ')}`);
      out.push(`    VIPs ${i.vipsHeld ? 'held' : 'not held'}: ${i.vips.join(' ') || '-'}`);
      const drops = Object.entries(i.drops).filter(([, n]) => n > 0).map(([r, n]) => `${r}=${n}`);
      out.push(
        `    adverts sent ${i.advertsSent} received ${i.advertsReceived}; became master ${i.becameMaster}, released ${i.releasedMaster}; drops ${drops.join(' ') || 'none'}`,
      );
    }
  }
  if (st.syncGroups.length > 0) {
    out.push('');
    out.push('Sync groups');
    for (const g of st.syncGroups) out.push(`  ${g.name}: ${g.state}  members ${g.members.join(' ')}`);
  }
  if (st.virtualServers.length > 0) {
    out.push('');
    out.push('Virtual servers');
    for (const v of st.virtualServers) {
      out.push(`  ${v.service} ${v.scheduler}${v.quorumUp ? '' : '  QUORUM LOST'}`);
      for (const r of v.realServers) {
        const w = r.kernelWeight === null ? 'not in table' : `weight ${r.kernelWeight}/${r.configuredWeight}`;
        const last = r.lastCheck ? `last check ${r.lastCheck.ok ? 'ok' : 'failed'} ${age(r.lastCheck.at, now)} ago${r.lastCheck.detail ? ` (${r.lastCheck.detail})` : ''}` : 'not checked yet';
        out.push(`    -> ${r.address}:${r.port} ${r.healthy ? 'UP' : 'DOWN'}  ${w}  ${last}`);
      }
    }
  }
  if (st.bfd && st.bfd.sessions.length > 0) {
    out.push('');
    out.push('BFD sessions');
    for (const b of st.bfd.sessions) {
      out.push(`  ${b.name}: ${b.state} (remote ${b.remoteState})  neighbor ${b.neighbor}  tx ${b.txIntervalMs} ms  detect ${b.detectTimeMs} ms  diag ${b.localDiag}`);
    }
    const drops = Object.entries(st.bfd.drops).map(([r, n]) => `${r}=${n}`);
    out.push(`  drops ${drops.join(' ') || 'none'}; late timers ${st.bfd.stalls}`);
  }
  if (st.announces && st.announces.length > 0) {
    out.push('');
    out.push('Announcements (halo_announce)');
    for (const a of st.announces) {
      const state = a.announced ? `announced (${a.reason})` : `not announced (${a.reason})`;
      out.push(`  ${a.name} ${a.address} on ${a.interface}: ${state}${a.draining ? '  DRAINING' : ''}`);
      if (a.bgp) {
        // the local daemon's view: does it originate the route, and to whom did it send it
        const who = `local ${a.bgpDaemon === 'bird' ? 'BIRD' : a.bgpDaemon === 'frr' ? 'bgpd' : 'routing daemon'}`;
        if ('error' in a.bgp) out.push(`    ${who}: ${a.bgp.error}`);
        else {
          const orig = a.bgp.originated ? 'originated' : a.bgp.present ? 'configured, not originated (no route on the host)' : 'no such route';
          out.push(`    ${who}: ${orig}; advertised to ${a.bgp.advertisedTo.join(' ') || 'no peer'}`);
        }
      }
      if (a.routerBgp) {
        // the upstream router's own view: does it have the route, and through this director
        if ('error' in a.routerBgp) out.push(`    router (${a.router?.daemon ?? '?'}): ${a.routerBgp.error}`);
        else {
          const r = a.routerBgp;
          const has = r.usedFrom.length === 0 ? 'no route' : `route via ${r.usedFrom.join(' ')}`;
          out.push(`    router (${r.daemon}): ${has}; ${r.viaUs ? 'through this director' : 'not through this director'}`);
        }
      }
    }
  }
  return `${out.join('\n')}\n`;
}
