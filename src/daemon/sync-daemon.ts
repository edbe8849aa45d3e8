/**
 * The shell of the IPVS sync daemon (decisions in src/ipvs/sync-daemon.ts): follows the state
 * of the instance lvs_sync_daemon names and starts/stops the kernel's master and backup daemons
 * over generic netlink, one request at a time, in order.
 *
 * Beyond keepalived: at the first use the daemons a crashed run left in the kernel are stopped
 * (keepalived's checker does so only for the instance-less form; its VRRP process would then
 * fail to start the master daemon with "File exists").
 */
import type { LvsSyncDaemon } from '../config/model';
import type { IpvsDaemon, IpvsDaemonState } from '../ipvs/codec';
import { syncDaemonOps, wantedRoles, type SyncDaemonWant } from '../ipvs/sync-daemon';
import type { Logger } from './logger';

/** What the driver needs of the IPVS client (src/ipvs/client.ts). */
export interface SyncDaemonTable {
  startDaemon(d: IpvsDaemon): Promise<void>;
  stopDaemon(state: IpvsDaemonState): Promise<void>;
  getDaemons(): Promise<IpvsDaemon[]>;
  close(): void;
}

export interface SyncDaemonDeps {
  open(): Promise<SyncDaemonTable>;
  log: Pick<Logger, 'info' | 'warning' | 'error'>;
}

export class SyncDaemonDriver {
  private cfg: LvsSyncDaemon | null = null;
  /** Last known state of each instance (the named one decides). */
  private readonly instanceStates = new Map<string, string>();
  private running: SyncDaemonWant = { cfg: null, roles: [] };
  private active = false;
  private table: SyncDaemonTable | null = null;
  private opening: Promise<SyncDaemonTable | null> | null = null;
  private queue: Promise<void> = Promise.resolve();
  /** Bumped by each change, so a late failure only corrects the newest view. */
  private generation = 0;

  constructor(private readonly deps: SyncDaemonDeps) {}

  /** (Re)configure: at start and after each reload. `active`: this process drives the daemon. */
  configure(cfg: LvsSyncDaemon | null, active: boolean): void {
    this.cfg = cfg;
    this.active = active;
    this.apply();
  }

  /** An instance's state changed (or was first known). */
  follow(instance: string, state: string): void {
    this.instanceStates.set(instance, state);
    if (this.cfg?.instance === instance) this.apply();
  }

  /** An instance went away (reload removed it). */
  forget(instance: string): void {
    this.instanceStates.delete(instance);
    if (this.cfg?.instance === instance) this.apply();
  }

  /** Stop whatever runs and release the netlink socket. */
  async stop(): Promise<void> {
    this.active = false;
    this.apply();
    await this.settled();
    this.table?.close();
    this.table = null;
  }

  /** Resolves once every queued request was answered. */
  settled(): Promise<void> {
    return this.queue;
  }

  /** What runs in the kernel now, as far as this driver knows. */
  roles(): readonly string[] {
    return this.running.roles;
  }

  private apply(): void {
    const cfg = this.cfg;
    const state = cfg?.instance ? this.instanceStates.get(cfg.instance) ?? null : null;
    const wanted: SyncDaemonWant = { cfg, roles: wantedRoles(cfg, state, this.active) };
    const ops = syncDaemonOps(this.running, wanted);
    if (ops.length === 0) return;
    this.running = wanted;
    const generation = ++this.generation;
    this.queue = this.queue.then(async () => {
      const t = await this.client();
      // a start that failed (or could not be asked) is not running: the next change retries it
      const failed = (role: string): void => {
        if (this.generation === generation) this.running = { cfg: this.running.cfg, roles: this.running.roles.filter((r) => r !== role) };
      };
      for (const o of ops) {
        if (!t) {
          if (o.op === 'start') failed(o.daemon.state);
          continue;
        }
        try {
          if (o.op === 'stop') await t.stopDaemon(o.role);
          else await t.startDaemon(o.daemon);
          const d = o.op === 'start' ? o.daemon : null;
          this.deps.log.info(
            o.op === 'start'
              ? `IPVS: started the ${d!.state} sync daemon on ${d!.mcastInterface} (syncid ${d!.syncId})`
              : `IPVS: stopped the ${o.role} sync daemon on ${o.mcastInterface}`,
          );
        } catch (err) {
          this.deps.log.error(`IPVS: ${(err as Error).message}`);
          if (o.op === 'start') failed(o.daemon.state);
        }
      }
    });
  }

  private client(): Promise<SyncDaemonTable | null> {
    if (this.table) return Promise.resolve(this.table);
    this.opening ??= this.deps.open().then(
      async (t) => {
        this.table = t;
        await this.clearResidual(t);
        return t;
      },
      (err: Error) => {
        this.opening = null;
        this.deps.log.error(`IPVS sync daemon: ${err.message}`);
        return null;
      },
    );
    return this.opening;
  }

  private async clearResidual(t: SyncDaemonTable): Promise<void> {
    let left: IpvsDaemon[];
    try {
      left = await t.getDaemons();
    } catch (err) {
      this.deps.log.warning(`IPVS: ${(err as Error).message}`);
      return;
    }
    for (const d of left) {
      this.deps.log.info(`IPVS: stopping the residual ${d.state} sync daemon on ${d.mcastInterface} (syncid ${d.syncId})`);
      await t.stopDaemon(d.state).catch((err: Error) => this.deps.log.warning(`IPVS: ${err.message}`));
    }
  }
}
