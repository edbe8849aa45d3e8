/**
 * The kernel's IPVS connection sync daemon as keepalived 2.2.7 drives it (pure decisions; the
 * I/O is src/daemon/sync-daemon.ts):
 *  - with `lvs_sync_daemon IF INSTANCE`, keepalived's VRRP process runs the backup daemon from
 *    the instance's start (vrrp_init_state), swaps it for the master daemon when the instance
 *    becomes MASTER (ipvs_syncd_master: stop backup, start master), back when it leaves MASTER
 *    (ipvs_syncd_backup: stop master, start backup), and stops the one running at shutdown;
 *  - with `lvs_sync_daemon IF` alone, its checker process runs both from start to stop.
 */
import type { LvsSyncDaemon } from '../config/model';
import type { IpvsDaemon, IpvsDaemonState } from './codec';

export type SyncRole = IpvsDaemonState;

/** What should run: the roles, and the settings they run with (null: nothing). */
export interface SyncDaemonWant {
  cfg: LvsSyncDaemon | null;
  roles: SyncRole[];
}

export type SyncDaemonOp = { op: 'start'; daemon: IpvsDaemon } | { op: 'stop'; role: SyncRole; mcastInterface: string };

/**
 * The roles `cfg` wants while its instance is in `state` (null: the instance is not running;
 * 'STOP': it has been stopped). An instance-less daemon runs both roles while halo runs.
 */
export function wantedRoles(cfg: LvsSyncDaemon | null, state: string | null, running: boolean): SyncRole[] {
  if (!cfg || !running) return [];
  if (cfg.instance === null) return ['master', 'backup'];
  if (state === null || state === 'STOP') return [];
  return state === 'MASTER' ? ['master'] : ['backup'];
}

/** The kernel request that starts `role` with `cfg` (optional attributes only when set). */
export function daemonOf(cfg: LvsSyncDaemon, role: SyncRole): IpvsDaemon {
  const d: IpvsDaemon = { state: role, mcastInterface: cfg.interface, syncId: cfg.syncId ?? 0 };
  if (cfg.maxlen !== null) d.syncMaxLen = cfg.maxlen;
  if (cfg.group !== null) d.mcastGroup = cfg.group;
  if (cfg.port !== null) d.mcastPort = cfg.port;
  if (cfg.ttl !== null) d.mcastTtl = cfg.ttl;
  return d;
}

function sameSettings(a: LvsSyncDaemon | null, b: LvsSyncDaemon | null): boolean {
  if (!a || !b) return a === b;
  return a.interface === b.interface && a.syncId === b.syncId && a.maxlen === b.maxlen && a.port === b.port && a.ttl === b.ttl && a.group === b.group;
}

/**
 * From what runs to what is wanted: stops first, then starts (keepalived's order: a new master
 * daemon is started after the backup one is stopped). Changed settings (a reload) restart
 * every running role, as ipvs_syncd_changed makes keepalived do.
 */
export function syncDaemonOps(running: SyncDaemonWant, wanted: SyncDaemonWant): SyncDaemonOp[] {
  const restart = !sameSettings(running.cfg, wanted.cfg);
  const ops: SyncDaemonOp[] = [];
  const order: SyncRole[] = ['backup', 'master'];
  for (const role of order) {
    if (running.roles.includes(role) && (restart || !wanted.roles.includes(role))) {
      ops.push({ op: 'stop', role, mcastInterface: running.cfg!.interface });
    }
  }
  for (const role of order) {
    if (wanted.roles.includes(role) && (restart || !running.roles.includes(role))) ops.push({ op: 'start', daemon: daemonOf(wanted.cfg!, role) });
  }
  return ops;
}
