/**
 * The announcement shell: for each halo_announce block, keeps the VIP's address on the host
 * (default lo) exactly while decideAnnounce says so — the routing daemon's `network` +
 * import-check turns that presence into the BGP route — and at stop withdraws first, then waits
 * (drainStep) for the router to converge and the VIP's connections to end, before the caller
 * tears IPVS down.
 *
 * The supervisor is told what is announced (as a held VIP with no adverts), so a worker that
 * dies leaves no route behind: the supervisor removes the address before respawning.
 */
import { announceLine, decideAnnounce, drainStep, type AnnounceDecision } from '../announce/decide';
import { planAnnounceReload, type AnnounceReloadPlan } from '../announce/reload';
import { announcedServers } from '../config/build-announce';
import type { Announce, Model, RouterView, RoutingDaemonChoice } from '../config/model';
import { virtualServerId } from '../ipvs/desired';
import type { AddressManager, VipSpec } from '../net/addresses';
import type { LocalRoutes } from '../net/local-route';
import type { Logger } from './logger';
import type { BgpPrefixView } from '../announce/bgp-status';

export interface AnnounceStatus {
  name: string;
  address: string;
  interface: string;
  announced: boolean;
  reason: AnnounceDecision['reason'];
  draining: boolean;
  vtyshSocket: string | null;
  vtyshPathspace: string | null;
  routingDaemon: RoutingDaemonChoice;
  birdcSocket: string | null;
  router: RouterView | null;
  /** Filled in by `halo status` from the local routing daemon (vtysh or birdc), not by the daemon. */
  bgp?: BgpPrefixView | { error: string };
  /** Whose answer `bgp` is (auto-detected or configured). */
  bgpDaemon?: 'frr' | 'bird';
  /** Filled in by `halo status` from the upstream router's daemon (router_daemon), when configured. */
  routerBgp?: (BgpPrefixView & { daemon: 'frr' | 'bird'; viaUs: boolean }) | { error: string };
}

export interface AnnouncerDeps {
  addresses: Pick<AddressManager, 'add' | 'remove'>;
  /** The drain's acceptance holdover (a local-table route; absent: none). */
  localRoutes?: Pick<LocalRoutes, 'add' | 'remove'>;
  /** quorum_state_up of a virtual server by virtualServerId; null before the first judgement. */
  quorum(vsId: string): boolean | null;
  /** Active connections of the IPVS services on `address`; null when unreadable. */
  activeConnections(address: string): Promise<number | null>;
  log: Logger;
  /** The address is now on the host (announced) / gone. */
  onAnnounced?(name: string, vip: VipSpec): void;
  onWithdrawn?(name: string): void;
  now?: () => number;
  /** How often quorum is looked at (default 200 ms). */
  pollMs?: number;
}

interface Entry {
  cfg: Announce;
  serviceIds: string[];
  announced: boolean | null;
  decision: AnnounceDecision;
}

export function vipOf(a: Announce): VipSpec {
  return { address: a.address, family: a.family, prefixLen: a.prefixLen, broadcast: null, dev: a.interface, scope: 'global', label: null };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class Announcer {
  private entries: Entry[] = [];
  private timer: NodeJS.Timeout | null = null;
  private stopping = false;
  private draining = false;
  private busy: Promise<void> = Promise.resolve();
  /** Entries whose local route holds the VIP accepted through the drain. */
  private readonly held = new Set<Entry>();

  /**
   * `starting`: the daemon starts (the first pass removes a previous run's leftover address);
   * false when a reload brings the first block (nothing is removed that halo did not add).
   */
  constructor(model: Model, private readonly deps: AnnouncerDeps, starting = true) {
    this.configure(model, planAnnounceReload(null, model.announces, starting));
  }

  private configure(model: Model, plan: AnnounceReloadPlan): void {
    const before = new Map(this.entries.map((e) => [e.cfg.name, e]));
    this.entries = model.announces.map((cfg, i) => {
      const p = plan.entries[i];
      const old = before.get(cfg.name);
      return {
        cfg,
        serviceIds: announcedServers(cfg, model.virtualServers).map((vs) => virtualServerId(vs, model.virtualServerGroups)),
        announced: p.announced,
        decision: p.carried && old ? old.decision : { announce: false, reason: 'quorum not yet judged' },
      };
    });
  }

  /** What a reload to `model` would do (`halo reload --plan`), from the live state. */
  plan(model: Model): AnnounceReloadPlan {
    return planAnnounceReload(this.entries, model.announces);
  }

  start(): void {
    this.timer = setInterval(() => void this.evaluate(), this.deps.pollMs ?? 200);
    void this.evaluate();
  }

  /** Re-read the blocks (planAnnounceReload): a removed or moved VIP is withdrawn, the rest keep their state, a new one is never withdrawn first. */
  reload(model: Model): Promise<AnnounceReloadPlan> {
    return this.serial(async () => {
      const old = new Map(this.entries.map((e) => [e.cfg.name, e]));
      const plan = planAnnounceReload(this.entries, model.announces);
      this.configure(model, plan);
      for (const w of plan.withdraw) {
        const e = old.get(w.name);
        if (e) await this.withdraw(e, w.why);
      }
      await this.step();
      return plan;
    });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.busy.then(fn, fn);
    this.busy = next.then(() => undefined, () => undefined);
    return next;
  }

  evaluate(): Promise<void> {
    return this.serial(() => this.step());
  }

  private async step(): Promise<void> {
    for (const e of this.entries) {
      const d = decideAnnounce({ stopping: this.stopping, quorum: e.serviceIds.map((id) => this.deps.quorum(id)) });
      e.decision = d;
      if (d.announce === e.announced) continue;
      const line = announceLine(e.cfg.name, e.cfg.address, e.announced, d);
      if (d.announce) {
        const r = await this.deps.addresses.add(vipOf(e.cfg));
        if (!r.ok) {
          this.deps.log.error(`(${e.cfg.name}) cannot announce ${e.cfg.address}: ${r.error.message}`);
          continue;
        }
        if (line) this.deps.log.info(line);
        e.announced = true;
        this.deps.onAnnounced?.(e.cfg.name, vipOf(e.cfg));
      } else {
        // first pass included: a previous run's address is removed before anything is announced
        if (line) this.deps.log.info(line);
        await this.withdraw(e, null);
      }
    }
  }

  private async withdraw(e: Entry, why: string | null): Promise<void> {
    if (why) this.deps.log.info(`(${e.cfg.name}) Withdrawing ${e.cfg.address} (${why})`);
    const r = await this.deps.addresses.remove(vipOf(e.cfg));
    if (!r.ok) {
      this.deps.log.error(`(${e.cfg.name}) cannot withdraw ${e.cfg.address}: ${r.error.message}`);
      return;
    }
    e.announced = false;
    this.deps.onWithdrawn?.(e.cfg.name);
  }

  /**
   * Stop, step 1 (before IPVS is torn down): withdraw every VIP, then wait — drain_delay for
   * the router, then until the connections end or drain_timeout. Bounded by the largest
   * max(drain_delay, drain_timeout) of the blocks.
   */
  async drain(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.stopping = true;
    const now = this.deps.now ?? Date.now;
    const wasAnnounced = this.entries.filter((e) => e.announced === true);
    // the host keeps accepting the VIP (a local route the routing daemon does not see) while the
    // router still sends flows here: the address, i.e. the announcement, goes; the service stays
    for (const e of wasAnnounced) {
      const r = await this.deps.localRoutes?.add(vipOf(e.cfg));
      if (r && !r.ok) this.deps.log.error(`(${e.cfg.name}) cannot keep ${e.cfg.address} accepted while draining: ${r.error.message}`);
      else this.held.add(e);
    }
    await this.evaluate();
    if (wasAnnounced.length === 0) return;
    this.draining = true;
    const withdrawnAtMs = now();
    const pending = new Set(wasAnnounced);
    const deadline = withdrawnAtMs + Math.max(...wasAnnounced.map((e) => Math.max(e.cfg.drainDelayMs, e.cfg.drainTimeoutMs))) + 1000;
    while (pending.size > 0 && now() <= deadline) {
      let next = Infinity;
      for (const e of [...pending]) {
        const conns = await this.deps.activeConnections(e.cfg.address);
        const s = drainStep({ withdrawnAtMs, nowMs: now(), delayMs: e.cfg.drainDelayMs, timeoutMs: e.cfg.drainTimeoutMs, activeConnections: conns });
        if (s.done) {
          const left = s.reason === 'drain_timeout' ? `, ${conns ?? 'unknown'} connections left` : '';
          this.deps.log.info(`(${e.cfg.name}) ${e.cfg.address} drained after ${now() - withdrawnAtMs} ms (${s.reason}${left})`);
          pending.delete(e);
        } else next = Math.min(next, s.nextCheckAtMs);
      }
      if (pending.size > 0) await sleep(Math.max(10, Math.min(next, deadline) - now()));
    }
    this.draining = false;
  }

  /** After IPVS is gone: the drain's local routes go too. */
  async release(): Promise<void> {
    for (const e of [...this.held]) {
      const r = await this.deps.localRoutes?.remove(vipOf(e.cfg));
      if (r && !r.ok) this.deps.log.error(`(${e.cfg.name}) cannot remove the local route of ${e.cfg.address}: ${r.error.message}`);
      this.held.delete(e);
    }
  }

  /** Without drain (a failed start): remove what is announced at once. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.stopping = true;
    await this.evaluate();
  }

  status(): AnnounceStatus[] {
    return this.entries.map((e) => ({
      name: e.cfg.name,
      address: e.cfg.address,
      interface: e.cfg.interface,
      announced: e.announced === true,
      reason: e.decision.reason,
      draining: this.draining,
      vtyshSocket: e.cfg.vtyshSocket,
      vtyshPathspace: e.cfg.vtyshPathspace,
      routingDaemon: e.cfg.routingDaemon,
      birdcSocket: e.cfg.birdcSocket,
      router: e.cfg.router,
    }));
  }
}
