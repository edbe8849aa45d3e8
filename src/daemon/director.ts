/**
 * One director's engines, wired: the VRRP engine (instances, sync groups, VIPs) and the LVS
 * engine (health checks → desired table → reconciler → kernel), plus the status snapshot both
 * feed. `-P` runs only the first, `-C` only the second, as with keepalived.
 */
import type { Model } from '../config/model';
import { formatDiagnostic } from '../config/model';
import { loadConfigOffThread } from './config-loader';
import { loadOptions, type RunOptions } from './options';
import type { InstanceStatus, StatusSnapshot } from './status';
import { VrrpEngine, VrrpEngineDeps } from './vrrp-engine';
import type { LvsEngine } from './lvs-engine';

export type DirectorDeps = VrrpEngineDeps & { lvs?: (model: Model) => LvsEngine };

export class Director {
  private vrrp: VrrpEngine | null = null;
  private lvs: LvsEngine | null = null;
  private readonly startedAt = new Date();
  private reloads = { ok: 0, failed: 0, lastError: null as string | null };

  constructor(private model: Model, private readonly opts: RunOptions, private readonly deps: DirectorDeps) {}

  async start(): Promise<void> {
    if (this.opts.lvs && this.deps.lvs && this.model.virtualServers.length > 0) {
      this.lvs = this.deps.lvs(this.model);
      await this.lvs.start();
    }
    if (this.opts.vrrp && this.model.vrrpInstances.length > 0) {
      this.vrrp = new VrrpEngine(this.model, this.deps);
      await this.vrrp.start();
    }
  }

  async stop(): Promise<void> {
    await this.vrrp?.stop();
    await this.lvs?.stop();
  }

  /**
   * SIGHUP: re-read the config off the event loop (adverts keep leaving meanwhile); when it is
   * invalid, log every located error and keep running the old one unchanged. Otherwise apply
   * only the difference: unchanged instances are not touched at all.
   */
  async reload(): Promise<{ ok: boolean; errors: string[] }> {
    const log = this.deps.log;
    log.info(`Reloading configuration file ${this.opts.configFile}`);
    const r = await loadConfigOffThread(this.opts.configFile, loadOptions(this.opts));
    const errors = r.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
    for (const d of r.diagnostics) (d.severity === 'error' ? log.error : log.warning)(formatDiagnostic(d));
    if (!r.model) {
      this.reloads.failed++;
      this.reloads.lastError = errors[0] ?? 'invalid configuration';
      log.error(`Reload of ${this.opts.configFile} failed (${errors.length} errors); keeping the running configuration`);
      return { ok: false, errors };
    }
    const next = r.model;
    if (this.opts.vrrp) {
      if (this.vrrp) await this.vrrp.reload(next);
      else if (next.vrrpInstances.length > 0) {
        this.vrrp = new VrrpEngine(next, this.deps);
        await this.vrrp.start();
      }
    }
    if (this.opts.lvs) {
      if (this.lvs) await this.lvs.reload(next);
      else if (this.deps.lvs && next.virtualServers.length > 0) {
        this.lvs = this.deps.lvs(next);
        await this.lvs.start();
      }
    }
    this.model = next;
    this.reloads.ok++;
    log.info('Reload finished');
    return { ok: true, errors: [] };
  }

  status(): StatusSnapshot {
    const instances: InstanceStatus[] = [];
    if (this.vrrp) {
      for (const [name, s] of this.vrrp.states) {
        instances.push({
          name,
          interface: s.cfg.interface,
          virtualRouterId: s.cfg.virtualRouterId,
          version: s.cfg.version,
          state: s.state === 'STOP' ? 'INIT' : s.state,
          since: (this.vrrp.since.get(name) ?? this.startedAt).toISOString(),
          basePriority: s.basePriority,
          effectivePriority: s.effectivePriority,
          masterAddress: s.state === 'MASTER' ? s.srcAddress : s.masterAddress,
          advertIntMs: s.cfg.advertIntMs,
          vips: [...s.cfg.virtualIpAddresses, ...s.cfg.virtualIpAddressesExcluded].map((v) => `${v.address}/${v.prefixLen}`),
          vipsHeld: s.vipsSet,
          syncGroup: s.env.syncGroup,
          advertsSent: s.stats.advertsSent,
          advertsReceived: s.stats.advertsReceived,
          becameMaster: s.stats.becameMaster,
          releasedMaster: s.stats.releasedMaster,
          drops: { ...s.stats.drops } as Record<string, number>,
        });
      }
    }
    return {
      pid: process.pid,
      configFile: this.opts.configFile,
      startedAt: this.startedAt.toISOString(),
      reloads: { ...this.reloads },
      instances,
      syncGroups: this.vrrp
        ? [...this.vrrp.groupStates.values()].map((g) => ({ name: g.name, members: [...g.members], state: g.state }))
        : [],
      virtualServers: this.lvs?.status() ?? [],
    };
  }
}
