/**
 * The VRRP shell: drives the pure per-instance state machines (src/vrrp) with real sockets,
 * timers, rtnetlink and scripts. It owns no protocol decision; it only
 *  - turns kernel happenings into events (a packet on an interface's VRRP socket, a link
 *    going down, a timer expiring, a track script settling),
 *  - carries out the actions each step returns, in order, per instance (advert first, then
 *    VIPs, then GARPs — the order the machine emits),
 *  - keeps one OS timer per (instance, timer) on a monotonic clock,
 *  - tells the supervisor what to release if this process dies while MASTER.
 */
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import type { Model, VirtualIpAddress, VrrpInstance, VrrpScript, VrrpSyncGroup } from '../config/model';
import type { AddressManager, VipSpec } from '../net/addresses';
import type { GarpSender } from '../net/garp';
import type { LinkMonitor } from '../net/links';
import type { VrrpTransport } from '../net/vrrp-socket';
import { VrrpSockets } from './vrrp-sockets';
import { decodePacket } from '../vrrp/advert-codec';
import { createInstanceState, InstanceState, step } from '../vrrp/instance';
import { createSyncGroupState, stepSyncGroupMember, syncGroupStep, SyncGroupState } from '../vrrp/sync-group';
import { reconfigure } from '../vrrp/reconfigure';
import { carryScriptTracker, scriptResult, ScriptTrackerState } from '../vrrp/track-script';
import type { TimerName, VrrpAction, VrrpEvent } from '../vrrp/types';
import type { Logger } from './logger';
import { describeVrrpActions, planVrrpReload } from './reload-plan';
import type { InstanceChange, InstanceUpdate, VrrpReloadReport } from './reload-plan';
import type { NotifyRunner } from './notify';
import type { HeldInstance } from './held';
import { ScriptRunner } from './script-runner';

export interface VrrpEngineDeps {
  addresses: AddressManager;
  garp: GarpSender;
  links: LinkMonitor;
  openTransport(ifname: string, ifindex: number, group: string | null): VrrpTransport;
  notify: NotifyRunner;
  /** SMTP alerts, sent at the same moments as the notify scripts (null/absent: none). */
  alerts?: { notify(kind: 'INSTANCE' | 'GROUP', name: string, state: 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP'): void } | null;
  log: Logger;
  /** The supervisor's channel: what to release if we die while MASTER. */
  onHeld?(held: HeldInstance): void;
  onReleased?(instance: string): void;
  /** Monotonic ms; injectable for tests. */
  now?: () => number;
  /** Runs the tracked vrrp_scripts and reports each exit (default: ScriptRunner, real processes). */
  runScripts?: ScriptRunnerFactory;
}

export type ScriptRunnerFactory = (
  scripts: VrrpScript[],
  scriptSecurity: boolean,
  log: Logger,
  onResult: (name: string, ok: boolean) => void,
) => { start(): void; stop(): void };

const realScripts: ScriptRunnerFactory = (scripts, security, log, onResult) => new ScriptRunner(scripts, security, log, onResult);

const monotonic = (): number => performance.now();
const TIMER_NAMES: TimerName[] = ['adver', 'masterDown', 'garpDelay', 'garpRefresh', 'garpLowerPrio'];

/** The vrrp_scripts some instance or sync group of `model` tracks. */
function usedScripts(model: Model): VrrpScript[] {
  const used = new Set(model.vrrpInstances.flatMap((i) => i.trackScripts.map((t) => t.name)));
  for (const g of model.vrrpSyncGroups) for (const t of g.trackScripts) used.add(t.name);
  return model.vrrpScripts.filter((s) => used.has(s.name));
}

function stopChange(name: string, state: string, actions: VrrpAction[], restart: boolean): InstanceChange {
  const effects = describeVrrpActions(actions);
  if (restart) effects.push('started again: its interface, VRID, version, family or sync group changed');
  return { name, change: restart ? 'restart' : 'stop', state, after: null, effects };
}

/** An update's effects; a VIP list change on an instance not holding its VIPs is shown as such. */
function updateEffects(u: InstanceUpdate, vipsHeld: boolean, actions: VrrpAction[]): string[] {
  const effects = describeVrrpActions(actions);
  if (!vipsHeld) {
    for (const v of u.vipsAdded) effects.push(`VIP ${v.address}/${v.prefixLen} dev ${v.dev} added to the config (not held now)`);
    for (const v of u.vipsRemoved) effects.push(`VIP ${v.address}/${v.prefixLen} dev ${v.dev} removed from the config (not held now)`);
  }
  if (effects.length === 0) effects.push('settings changed; no state change, no I/O');
  return effects;
}

function allVipsOf(model: Model): VipSpec[] {
  return model.vrrpInstances.flatMap((i) => [...i.virtualIpAddresses, ...i.virtualIpAddressesExcluded]).map(vipSpec);
}

function vipSpec(v: VirtualIpAddress): VipSpec {
  return { address: v.address, family: v.family, prefixLen: v.prefixLen, broadcast: v.broadcast, dev: v.dev, scope: v.scope, label: v.label };
}

export class VrrpEngine {
  readonly states = new Map<string, InstanceState>();
  /** When each instance entered its current state (wall clock, for status). */
  readonly since = new Map<string, Date>();
  /** When each instance was first created (ms since the epoch): VRRPv3-MIB's up time counts from it. */
  readonly startedAt = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly queues = new Map<string, Promise<void>>();
  private readonly sockets: VrrpSockets;
  private readonly scripts = new Map<string, ScriptTrackerState>();
  private scriptRunner: { start(): void; stop(): void } | null = null;
  private readonly groups = new Map<string, VrrpSyncGroup>();
  readonly groupStates = new Map<string, SyncGroupState>();
  private stopped = false;
  private readonly now: () => number;
  private model: Model;

  constructor(model: Model, private readonly deps: VrrpEngineDeps) {
    this.model = model;
    this.now = deps.now ?? monotonic;
    this.sockets = new VrrpSockets({
      open: (ifname, ifindex, group) => deps.openTransport(ifname, ifindex, group),
      ifindex: async (ifname) => {
        const l = await deps.links.query(ifname);
        return l.ok && l.value ? l.value.index : null;
      },
      log: deps.log,
      onPacket: (ifname, pkt) => this.onPacket(ifname, pkt),
      onDown: (ifname, reason) => this.feedInterface(ifname, { type: 'socket', up: false, reason }),
      onUp: (ifname) => this.feedInterface(ifname, { type: 'socket', up: true }),
    });
    for (const g of model.vrrpSyncGroups) {
      this.groups.set(g.name, g);
      this.groupStates.set(g.name, createSyncGroupState(g));
    }
  }

  private allVips(): VipSpec[] {
    return allVipsOf(this.model);
  }

  async start(): Promise<void> {
    const { log, addresses, links } = this.deps;
    // keepalived's remove_residual_vips: a crashed run may have left our VIPs behind
    const residual = await addresses.removeResidual(this.allVips());
    for (const v of residual.removed) log.notice(`Removing residual VIP ${v.address}/${v.prefixLen} from ${v.dev}`);
    for (const e of residual.errors) log.warning(`residual VIP removal: ${e.message}`);

    links.onLink((ev) => {
      if (this.sockets.has(ev.link.name)) {
        if (ev.kind === 'removed') this.sockets.failed(ev.link.name, `interface ${ev.link.name} removed`);
        else this.sockets.linkChanged(ev.link.name, ev.link.index);
      }
      for (const [name, s] of this.states) {
        if (ev.link.name === s.cfg.interface || s.cfg.trackInterfaces.some((t) => t.name === ev.link.name)) {
          this.feed(name, { type: 'interface', name: ev.link.name, up: ev.kind === 'change' ? ev.link.up : false });
        }
      }
    });

    for (const cfg of this.model.vrrpInstances) this.states.set(cfg.name, await this.createState(cfg));
    this.startScripts();
    for (const name of this.states.keys()) this.feed(name, { type: 'startup' });
  }

  /** What only the kernel knows about `cfg` now: its interface's index, primary address and link states. */
  private async environment(cfg: VrrpInstance, model = this.model): Promise<{ ifindex: number; primary: string; links: Record<string, boolean> }> {
    const { addresses, links } = this.deps;
    const vipAddrs = [...this.allVips(), ...allVipsOf(model)].map((v) => v.address);
    const link = await links.query(cfg.interface);
    if (!link.ok) throw link.error;
    if (!link.value) throw new Error(`(${cfg.name}) interface ${cfg.interface} does not exist`);
    const prim = await addresses.primaryIPv4(cfg.interface, vipAddrs);
    if (!prim.ok) throw prim.error;
    const primary = prim.value ?? cfg.unicastSrcIp ?? cfg.mcastSrcIp;
    if (!primary) throw new Error(`(${cfg.name}) interface ${cfg.interface} has no IPv4 address to send adverts from`);
    const linkStates: Record<string, boolean> = { [cfg.interface]: link.value.up };
    for (const t of cfg.trackInterfaces) {
      const l = await links.query(t.name);
      linkStates[t.name] = l.ok && l.value ? l.value.up : false;
    }
    return { ifindex: link.value.index, primary, links: linkStates };
  }

  /** A fresh instance state for `cfg`: its interface's primary address and link states now. */
  private async createState(cfg: VrrpInstance): Promise<InstanceState> {
    const env = await this.environment(cfg);
    const state = createInstanceState(cfg, env.primary, {
      globalDefs: this.model.globalDefs,
      vrrpScripts: this.model.vrrpScripts,
      syncGroup: cfg.syncGroup ? this.groups.get(cfg.syncGroup) ?? null : null,
      links: env.links,
    });
    for (const w of state.env.warnings) this.deps.log.warning(w);
    this.since.set(cfg.name, new Date());
    if (!this.startedAt.has(cfg.name)) this.startedAt.set(cfg.name, Date.now());
    this.openSocket(cfg, env.ifindex);
    return state;
  }

  /** Settled script states as a reload to `next` would carry them (see carryScriptTracker). */
  private carriedScriptStates(next: Model): Record<string, boolean | null> {
    const out: Record<string, boolean | null> = {};
    for (const d of usedScripts(next)) out[d.name] = carryScriptTracker(this.scripts.get(d.name), d).up;
    return out;
  }

  /**
   * reconfigure() of instance `name` for `next`, on its state *now* with the kernel's view `env`
   * (synchronous: nothing can step the instance between reading its state and the result).
   */
  private reconfigureNow(name: string, next: Model, env: { primary: string; links: Record<string, boolean>; ifindex: number }, scripts: Record<string, boolean | null>) {
    const old = this.states.get(name)!;
    const cfg = next.vrrpInstances.find((i) => i.name === name)!;
    const group = cfg.syncGroup ? next.vrrpSyncGroups.find((g) => g.name === cfg.syncGroup) ?? null : null;
    const r = reconfigure(old, cfg, {
      now: this.now(),
      primaryAddress: env.primary,
      links: env.links,
      scripts,
      globalDefs: next.globalDefs,
      vrrpScripts: next.vrrpScripts,
      syncGroup: group,
    });
    return { ...r, old, cfg, ifindex: env.ifindex };
  }

  /**
   * What a reload to `next` would do, computed and not done: the same plan (planVrrpReload) and
   * the same pure steps (reconfigure, shutdown) as reload(), on a copy of the live state.
   */
  async planReload(next: Model): Promise<VrrpReloadReport> {
    const plan = planVrrpReload(this.model, next);
    const restarted = new Set(plan.remove.filter((n) => plan.add.includes(n)));
    const changes: InstanceChange[] = [];
    for (const name of plan.remove) {
      const s = this.states.get(name)!;
      changes.push(stopChange(name, s.state, this.dryRun(name, { type: 'shutdown' }), restarted.has(name)));
    }
    const scripts = this.carriedScriptStates(next);
    for (const u of plan.update) {
      const env = await this.environment(next.vrrpInstances.find((i) => i.name === u.name)!, next);
      const r = this.reconfigureNow(u.name, next, env, scripts);
      changes.push({ name: u.name, change: 'update', state: r.old.state, after: r.state.state, effects: updateEffects(u, r.old.vipsSet, r.actions) });
    }
    for (const name of plan.add) if (!restarted.has(name)) changes.push({ name, change: 'start', state: 'INIT', after: null, effects: [] });
    return { unchanged: plan.keep, changes };
  }

  /**
   * SIGHUP with a valid new model: apply only the difference (see reload-plan.ts). Unchanged
   * instances are not stepped at all; updated ones go through reconfigure (src/vrrp), which
   * keeps their protocol and tracker state. Returns what was done, in planReload's terms.
   */
  async reload(next: Model): Promise<VrrpReloadReport> {
    const plan = planVrrpReload(this.model, next);
    const restarted = new Set(plan.remove.filter((n) => plan.add.includes(n)));
    const { log } = this.deps;
    // Everything that can fail (an interface gone, no address) is asked first, so a reload
    // that cannot be applied changes nothing.
    const envs = new Map<string, Awaited<ReturnType<VrrpEngine['environment']>>>();
    const byName = new Map(next.vrrpInstances.map((i) => [i.name, i]));
    for (const u of plan.update) envs.set(u.name, await this.environment(byName.get(u.name)!, next));
    for (const name of plan.add) await this.environment(byName.get(name)!, next);
    const changes: InstanceChange[] = [];
    for (const name of plan.remove) {
      const before = this.states.get(name)!.state;
      const actions = this.feed(name, { type: 'shutdown' });
      changes.push(stopChange(name, before, actions, restarted.has(name)));
      for (const t of TIMER_NAMES) this.cancel(name, t);
      await this.queues.get(name);
      this.states.delete(name);
      this.queues.delete(name);
      this.deps.onReleased?.(name);
    }
    // from here to the last update nothing awaits: no event can step an instance in between
    // the script trackers keep their settled state and rise/fall counts (see carryScriptTracker)
    const scripts = this.carriedScriptStates(next);
    this.model = next;
    this.groups.clear();
    for (const g of next.vrrpSyncGroups) {
      this.groups.set(g.name, g);
      const old = this.groupStates.get(g.name);
      this.groupStates.set(g.name, old && isDeepStrictEqual(old.members, g.group) ? old : createSyncGroupState(g));
    }
    for (const name of [...this.groupStates.keys()]) if (!this.groups.has(name)) this.groupStates.delete(name);
    this.scriptRunner?.stop();
    this.scriptRunner = null;
    this.carryScripts();
    for (const u of plan.update) {
      const r = this.reconfigureNow(u.name, next, envs.get(u.name)!, scripts);
      log.info(`(${u.name}) configuration changed; keeping state ${r.old.state}`);
      this.openSocket(r.cfg, r.ifindex);
      this.commit(r.state);
      this.execute(r.actions);
      const actions = [...r.actions];
      const now = this.states.get(u.name)!;
      if (r.state.env.syncGroup && (now.state !== r.old.state || now.wantState !== r.old.wantState)) actions.push(...this.regroup(u.name));
      const after = this.states.get(u.name)!;
      if (after.state === 'MASTER') this.deps.onHeld?.(this.heldOf(after));
      changes.push({ name: u.name, change: 'update', state: r.old.state, after: after.state, effects: updateEffects(u, r.old.vipsSet, actions) });
    }
    for (const name of plan.add) this.states.set(name, await this.createState(byName.get(name)!));
    for (const name of plan.add) {
      this.feed(name, { type: 'startup' });
      if (!restarted.has(name)) changes.push({ name, change: 'start', state: 'INIT', after: null, effects: [] });
    }
    // sockets of interfaces no instance uses any more
    const used = new Set(next.vrrpInstances.map((i) => i.interface));
    for (const ifname of this.sockets.interfaces()) if (!used.has(ifname)) this.sockets.close(ifname);
    this.startScripts();
    log.info(`Reload: ${plan.keep.length} instances unchanged, ${plan.update.length} updated, ${plan.add.length} added, ${plan.remove.length} removed`);
    return { unchanged: plan.keep, changes };
  }

  private openSocket(cfg: VrrpInstance, ifindex: number): void {
    const unicastOnly = this.model.vrrpInstances
      .filter((i) => i.interface === cfg.interface)
      .every((i) => i.unicastPeers.length > 0);
    this.sockets.ensure(cfg.interface, ifindex, unicastOnly ? null : this.model.globalDefs.vrrpMcastGroup4);
  }

  /** Feeds `event` to every instance on interface `ifname`. */
  private feedInterface(ifname: string, event: VrrpEvent): void {
    for (const [name, s] of this.states) if (s.cfg.interface === ifname) this.feed(name, event);
  }

  private onPacket(ifname: string, pkt: Buffer): void {
    const decoded = decodePacket(pkt, { v3Checksum: 'either' });
    const members = [...this.states.values()].filter((s) => s.cfg.interface === ifname);
    if (members.length === 0) return;
    let target: InstanceState | undefined;
    if (decoded.ok) target = members.find((s) => s.cfg.virtualRouterId === decoded.vrrp.virtualRouterId);
    // an invalid packet, or one for a VRID we do not run, is counted on the interface's first instance
    this.feed((target ?? members[0]).name, { type: 'advert', packet: decoded });
  }

  /** Trackers for the scripts now in use: carried by name from before, new ones from init_state. */
  private carryScripts(): void {
    const defs = usedScripts(this.model);
    const carried = new Map(defs.map((d) => [d.name, carryScriptTracker(this.scripts.get(d.name), d)]));
    this.scripts.clear();
    for (const [n, t] of carried) this.scripts.set(n, t);
  }

  private startScripts(): void {
    const defs = usedScripts(this.model);
    this.carryScripts();
    if (defs.length === 0) return;
    this.scriptRunner = (this.deps.runScripts ?? realScripts)(defs, this.model.globalDefs.enableScriptSecurity, this.deps.log, (name, ok) => {
      const def = defs.find((d) => d.name === name)!;
      const r = scriptResult(this.scripts.get(name)!, def, ok);
      this.scripts.set(name, r.state);
      if (r.log) this.deps.log.info(r.log);
      if (r.changed && r.state.up !== null) {
        for (const n of this.states.keys()) this.feed(n, { type: 'trackScript', name, up: r.state.up });
      }
    });
    this.scriptRunner.start();
  }

  /** The current state of each running member of a sync group, by name. */
  private groupMembers(names: readonly string[]): Record<string, InstanceState> {
    const members: Record<string, InstanceState> = {};
    for (const m of names) {
      const ms = this.states.get(m);
      if (ms) members[m] = ms;
    }
    return members;
  }

  /** Lets member `name`'s sync group follow a change made outside `step` (a reload). */
  private regroup(name: string): VrrpAction[] {
    const s = this.states.get(name)!;
    const group = this.groupStates.get(s.env.syncGroup!);
    if (!group) return [];
    const members = this.groupMembers(group.members);
    const r = syncGroupStep(group, members, name, this.now());
    this.groupStates.set(group.name, r.group);
    for (const ms of Object.values(r.members)) this.commit(ms);
    this.execute(r.actions);
    return r.actions;
  }

  /** The actions feed() would carry out for `event`, without changing anything (the machine is pure). */
  private dryRun(name: string, event: VrrpEvent): VrrpAction[] {
    const s = this.states.get(name)!;
    const now = this.now();
    if (s.env.syncGroup) {
      const group = this.groupStates.get(s.env.syncGroup)!;
      const members = this.groupMembers(group.members);
      return stepSyncGroupMember(group, members, name, event, now).actions;
    }
    return step(s, event, now).actions;
  }

  /** Step one instance (through its sync group if it has one) and carry out the actions. */
  feed(name: string, event: VrrpEvent): VrrpAction[] {
    const s = this.states.get(name);
    if (!s) return [];
    const now = this.now();
    if (s.env.syncGroup) {
      const group = this.groupStates.get(s.env.syncGroup)!;
      const members = this.groupMembers(group.members);
      const r = stepSyncGroupMember(group, members, name, event, now);
      this.groupStates.set(group.name, r.group);
      for (const ms of Object.values(r.members)) this.commit(ms);
      this.execute(r.actions);
      return r.actions;
    }
    const r = step(s, event, now);
    this.commit(r.state);
    this.execute(r.actions);
    return r.actions;
  }

  private commit(next: InstanceState): void {
    const prev = this.states.get(next.name);
    this.states.set(next.name, next);
    if (!prev || prev.state === next.state) return;
    this.since.set(next.name, new Date());
    if (next.state === 'MASTER') this.deps.onHeld?.(this.heldOf(next));
    else if (prev.state === 'MASTER') this.deps.onReleased?.(next.name);
  }

  /**
   * What the supervisor must send if we die now: exactly the priority-0 adverts a graceful
   * shutdown of this instance would send, taken from a dry-run step (the machine is pure, so
   * stepping a copy has no effect).
   */
  private heldOf(s: InstanceState): HeldInstance {
    const dryRun = step(s, { type: 'shutdown' }, this.now());
    const packets = dryRun.actions.flatMap((a) => (a.type === 'sendAdvert' && a.priority === 0 ? a.packets : []));
    return {
      instance: s.name,
      interface: s.cfg.interface,
      packets: packets.map((p) => ({ dst: p.dst, hex: p.bytes.toString('hex') })),
      vips: [...s.cfg.virtualIpAddresses, ...s.cfg.virtualIpAddressesExcluded].map(vipSpec),
    };
  }

  private execute(actions: VrrpAction[]): void {
    for (const a of actions) {
      switch (a.type) {
        case 'armTimer':
          this.arm(a.instance, a.timer, a.deadline);
          break;
        case 'cancelTimer':
          this.cancel(a.instance, a.timer);
          break;
        case 'log':
          this.deps.log[a.level](a.message);
          break;
        case 'count':
        case 'countDrop':
          break; // the state's own stats already hold these; status and metrics read them there
        case 'notify':
          this.runNotify(a);
          break;
        default:
          this.enqueue(a.instance, () => this.io(a));
      }
    }
  }

  /** Per-instance serial I/O: an instance's advert, VIPs and GARPs happen in the order emitted. */
  private enqueue(instance: string, fn: () => Promise<void>): void {
    const prev = this.queues.get(instance) ?? Promise.resolve();
    const next = prev.then(fn).catch((err: Error) => this.deps.log.error(`(${instance}) ${err.message}`));
    this.queues.set(instance, next);
  }

  private async io(a: VrrpAction): Promise<void> {
    const { addresses, garp, log } = this.deps;
    switch (a.type) {
      case 'sendAdvert': {
        const t = this.sockets.get(a.interface);
        if (!t) {
          log.warning(`(${a.instance}) cannot send advert with priority ${a.priority}: no working VRRP socket on ${a.interface}`);
          return;
        }
        for (const p of a.packets) await t.send(p.bytes, p.dst).catch((e: Error) => log.warning(`(${a.instance}) sending advert: ${e.message}`));
        return;
      }
      case 'addVips':
        for (const v of a.vips) {
          const r = await addresses.add(vipSpec(v));
          if (!r.ok) log.error(`(${a.instance}) ${r.error.message}`);
        }
        return;
      case 'removeVips':
        for (const v of a.vips) {
          const r = await addresses.remove(vipSpec(v));
          if (!r.ok) log.error(`(${a.instance}) ${r.error.message}`);
        }
        return;
      case 'sendGarps': {
        const byDev = new Map<string, string[]>();
        for (const v of a.vips) if (v.family === 4) byDev.set(v.dev, [...(byDev.get(v.dev) ?? []), v.address]);
        for (const [dev, vips] of byDev) {
          const r = await garp.announce({ ifname: dev, vips, repeat: a.repeat, intervalMs: a.intervalMs });
          if (!r.ok) log.warning(`(${a.instance}) ${r.error.message}`);
        }
        return;
      }
      default:
        return;
    }
  }

  private runNotify(a: Extract<VrrpAction, { type: 'notify' }>): void {
    const scripts = a.kind === 'GROUP' ? this.groups.get(a.name)?.notify : this.states.get(a.name)?.cfg.notify;
    if (!scripts) return;
    const specific = { MASTER: scripts.notifyMaster, BACKUP: scripts.notifyBackup, FAULT: scripts.notifyFault, STOP: scripts.notifyStop }[a.state];
    this.deps.notify.run(specific);
    this.deps.notify.notify(scripts.notify, { kind: a.kind, name: a.name, state: a.state, priority: a.priority });
    this.deps.alerts?.notify(a.kind, a.name, a.state);
  }

  private arm(instance: string, timer: TimerName, deadline: number): void {
    this.cancel(instance, timer);
    if (this.stopped) return;
    const key = `${instance}\0${timer}`;
    const t = setTimeout(() => {
      this.timers.delete(key);
      this.feed(instance, { type: 'timer', timer });
    }, Math.max(0, deadline - this.now()));
    this.timers.set(key, t);
  }

  private cancel(instance: string, timer: TimerName): void {
    const key = `${instance}\0${timer}`;
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.delete(key);
  }

  /** Graceful stop: every MASTER sends priority 0 and removes its VIPs; then sockets close. */
  async stop(): Promise<void> {
    for (const name of this.states.keys()) this.feed(name, { type: 'shutdown' });
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.scriptRunner?.stop();
    await Promise.all(this.queues.values());
    this.sockets.closeAll();
  }
}

