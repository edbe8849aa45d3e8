/**
 * static_ipaddress, static_routes and static_rules as keepalived 2.2.7's VRRP process keeps
 * them (vrrp_daemon.c): at start the leftover static rules are deleted (a crashed run's), then
 * the addresses, routes and rules are added; at stop the rules, routes and addresses that were
 * added are deleted, in that order; a reload deletes what left the config and adds what came in.
 * Only an entry this run added is deleted (keepalived's `set`): one that was already there
 * (EEXIST) is left alone at stop, as keepalived leaves it.
 *
 * What keepalived puts back (keepalived_netlink.c, vrrp_static_track.c): a static address
 * someone else deleted (RTM_DELADDR; not `no_track`); a tracked static route or
 * rule likewise, while route and rule events are read; and when an interface comes up, every
 * static address and route on it that is not `no_track` (interface_up: the kernel drops the
 * routes of a downed interface without telling).
 */
import type { Model, VirtualIpAddress } from '../config/model';
import { listDiff, routeKey, ruleKey, type IpRoute, type IpRule } from '../config/routes-model';
import type { AddressManager, VipSpec } from '../net/addresses';
import { formatIpRoute, formatIpRule } from '../config/routes-format';
import { formatIpAddress } from '../config/address-format';
import type { RouteManager } from '../net/routes';
import { isOurRoute, isOurRule, type RouteNotice, type RuleNotice } from '../net/route-codec';
import type { Logger } from './logger';

export interface StaticEntriesDeps {
  addresses: Pick<AddressManager, 'add' | 'remove'>;
  routes: Pick<RouteManager, 'route' | 'rule'>;
  log: Logger;
  /** The static addresses now in place because this run added them (the supervisor removes them should the worker die). */
  onAddresses?(added: VipSpec[]): void;
}

export interface StaticSet {
  addresses: VirtualIpAddress[];
  routes: IpRoute[];
  rules: IpRule[];
}

export const NO_STATICS: StaticSet = { addresses: [], routes: [], rules: [] };

/**
 * keepalived's monitor_ipv4_routes & co.: route and rule events are read only when a tracked
 * virtual route or rule exists (vrrp_complete_instance) or a static one names a track_group
 * (process_static_entries, no_track or not); without them a deleted static route stays deleted.
 */
export const routeEventsWanted = (m: Model): boolean =>
  m.vrrpInstances.some((i) => [...i.virtualRoutes, ...i.virtualRules].some((r) => !r.noTrack)) ||
  [...m.staticRoutes, ...m.staticRules].some((r) => r.trackGroup !== undefined);

export const staticSetOf = (m: Model): StaticSet => ({ addresses: m.staticAddresses, routes: m.staticRoutes, rules: m.staticRules });

const addrKey = (a: VirtualIpAddress) => `${a.address}/${a.prefixLen} ${a.dev} ${a.scope} ${a.broadcast ?? ''} ${a.label ?? ''}`;
const spec = (a: VirtualIpAddress): VipSpec => ({
  address: a.address, family: a.family, prefixLen: a.prefixLen, broadcast: a.broadcast, dev: a.dev, scope: a.scope, label: a.label,
  preferredLft: a.preferredLft, noDad: a.noDad,
});

export class StaticEntries {
  /** Keys of the entries this run added. */
  private readonly set = new Set<string>();
  /** Stopped: nothing is put back any more. */
  private stopped = false;
  /** Keys of the static addresses halo itself is deleting (a reload): their RTM_DELADDR is claimed once. */
  private readonly ownDeletes = new Set<string>();

  constructor(private current: StaticSet, private readonly deps: StaticEntriesDeps) {}

  get entries(): StaticSet {
    return this.current;
  }

  get empty(): boolean {
    return this.current.addresses.length + this.current.routes.length + this.current.rules.length === 0;
  }

  /** Leftover static rules deleted (quietly when gone), then everything added. */
  async start(): Promise<void> {
    for (const r of this.current.rules) {
      const res = await this.deps.routes.rule('delete', r);
      if (!res.ok) this.deps.log.warning(`static rule leftover: ${res.error.message}`);
    }
    await this.add(this.current);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.remove(this.current);
  }

  /** The difference to `next`: removed ones first, then the new ones. Returns plan lines. */
  async reload(next: StaticSet): Promise<string[]> {
    const d = StaticEntries.diff(this.current, next);
    await this.remove(d.removed);
    this.current = next;
    await this.add(d.added);
    return StaticEntries.describe(d);
  }

  static diff(before: StaticSet, after: StaticSet): { added: StaticSet; removed: StaticSet } {
    const a = listDiff(before.addresses, after.addresses, addrKey);
    const r = listDiff(before.routes, after.routes, routeKey);
    const u = listDiff(before.rules, after.rules, ruleKey);
    return { added: { addresses: a.added, routes: r.added, rules: u.added }, removed: { addresses: a.removed, routes: r.removed, rules: u.removed } };
  }

  static describe(d: { added: StaticSet; removed: StaticSet }): string[] {
    return [
      ...d.removed.rules.map((r) => `remove static rule ${r.text}`),
      ...d.removed.routes.map((r) => `remove static route ${r.text}`),
      ...d.removed.addresses.map((a) => `remove static address ${a.address}/${a.prefixLen} dev ${a.dev}`),
      ...d.added.addresses.map((a) => `add static address ${a.address}/${a.prefixLen} dev ${a.dev}`),
      ...d.added.routes.map((r) => `add static route ${r.text}`),
      ...d.added.rules.map((r) => `add static rule ${r.text}`),
    ];
  }

  /** The addresses this run added, to the supervisor. */
  private reportAddresses(): void {
    this.deps.onAddresses?.(this.current.addresses.filter((a) => this.set.has(`a ${addrKey(a)}`)).map(spec));
  }

  private async add(s: StaticSet): Promise<void> {
    const { log } = this.deps;
    for (const a of s.addresses) {
      const r = await this.deps.addresses.add(spec(a));
      if (!r.ok) log.error(`static address: ${r.error.message}`);
      else if (r.value) this.set.add(`a ${addrKey(a)}`);
    }
    if (s.addresses.length > 0) this.reportAddresses();
    for (const x of s.routes) {
      const r = await this.deps.routes.route('add', x);
      if (!r.ok) log.error(`static route: ${r.error.message}`);
      else this.set.add(`r ${routeKey(x)}`);
    }
    for (const x of s.rules) {
      const r = await this.deps.routes.rule('add', x);
      if (!r.ok) log.error(`static rule: ${r.error.message}`);
      else this.set.add(`u ${ruleKey(x)}`);
    }
  }

  private async remove(s: StaticSet): Promise<void> {
    const { log } = this.deps;
    for (const x of s.rules) {
      if (!this.set.delete(`u ${ruleKey(x)}`)) continue;
      const r = await this.deps.routes.rule('delete', x);
      if (!r.ok) log.error(`static rule: ${r.error.message}`);
    }
    for (const x of s.routes) {
      if (!this.set.delete(`r ${routeKey(x)}`)) continue;
      const r = await this.deps.routes.route('delete', x);
      if (!r.ok) log.error(`static route: ${r.error.message}`);
    }
    for (const a of s.addresses) {
      const key = `a ${addrKey(a)}`;
      if (!this.set.delete(key)) continue;
      // its RTM_DELADDR is ours, not someone else's deletion
      this.ownDeletes.add(key);
      const r = await this.deps.addresses.remove(spec(a));
      if (!r.ok) {
        this.ownDeletes.delete(key);
        log.error(`static address: ${r.error.message}`);
      }
    }
    if (s.addresses.length > 0) this.reportAddresses();
  }

  /** A deleted route or rule that is one of the tracked static ones is put back. */
  async onNotice(n: RouteNotice | RuleNotice, indexOf: (name: string) => number | null): Promise<void> {
    if (n.op !== 'del') return;
    if (n.kind === 'route') {
      const r = this.current.routes.find((x) => !x.noTrack && isOurRoute(n, x, indexOf));
      if (r) await this.reinstate('route', r);
    } else {
      const r = this.current.rules.find((x) => !x.noTrack && isOurRule(n, x));
      if (r) await this.reinstate('rule', r);
    }
  }

  /**
   * RTM_DELADDR: a static address (not no_track) on that interface is put back, whoever had added
   * it (keepalived's netlink_if_address_filter → reinstate_static_address); not one halo itself
   * is deleting.
   */
  async onAddressDeleted(ev: { index: number; family: 4 | 6; address: string }, indexOf: (name: string) => number | null): Promise<void> {
    if (this.stopped) return;
    const a = this.current.addresses.find((x) => !x.noTrack && x.family === ev.family && x.address === ev.address && indexOf(x.dev) === ev.index);
    if (a && !this.ownDeletes.delete(`a ${addrKey(a)}`)) await this.reinstateAddress(a);
  }

  /**
   * An interface came up (keepalived's interface_up → static_track_group_reinstate_config): every
   * static address, then route, on it that is not no_track is added again, each with keepalived's
   * line, whether or not it was missing (an address still there gives EEXIST).
   */
  async interfaceUp(ifname: string): Promise<void> {
    if (this.stopped) return;
    for (const a of this.current.addresses) if (!a.noTrack && a.dev === ifname) await this.reinstateAddress(a);
    for (const r of this.current.routes) if (!r.noTrack && r.dev === ifname) await this.reinstate('route', r, true);
  }

  private async reinstateAddress(a: VirtualIpAddress): Promise<void> {
    const r = await this.deps.addresses.add(spec(a));
    this.deps.log.info(`Restoring deleted static address ${formatIpAddress(a, r.ok)}`);
    if (!r.ok) this.deps.log.error(`static address: ${r.error.message}`);
    else if (r.value) {
      this.set.add(`a ${addrKey(a)}`);
      this.reportAddresses();
    }
  }

  /**
   * keepalived's reinstate_static_route/rule: a tracked static route or rule (no no_track; a
   * route with a dev) that someone else deleted is put back, with keepalived's log line. `always`:
   * also one this run did not add (its interface came up).
   */
  async reinstate(kind: 'route' | 'rule', x: IpRoute | IpRule, always = false): Promise<void> {
    if (this.stopped) return;
    const key = kind === 'route' ? `r ${routeKey(x as IpRoute)}` : `u ${ruleKey(x as IpRule)}`;
    if (!always && !this.set.has(key)) return;
    this.set.delete(key);
    this.deps.log.info(`Restoring deleted static ${kind} ${kind === 'route' ? formatIpRoute(x as IpRoute) : formatIpRule(x as IpRule)}`);
    const r = kind === 'route' ? await this.deps.routes.route('add', x as IpRoute) : await this.deps.routes.rule('add', x as IpRule);
    if (!r.ok) this.deps.log.error(`static ${kind}: ${r.error.message}`);
    else this.set.add(key);
  }
}
