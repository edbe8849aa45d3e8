/**
 * A fake clock and a fake LAN for driving the pure VRRP core in unit tests: hosts hold
 * instances (and sync groups), each instance's interface sits on a named segment, and every
 * `sendAdvert` packet is decoded and delivered to the other hosts' instances on that segment
 * at the same instant. Timers are the `armTimer`/`cancelTimer` actions, fired in deadline order.
 * Pure-logic fake: no sockets, no kernel.
 */
import type { VirtualIpAddress, VrrpInstance, VrrpScript, VrrpSyncGroup } from '../../src/config/model';
import { decodePacket } from '../../src/vrrp/advert-codec';
import { createInstanceState, InstanceState, step } from '../../src/vrrp/instance';
import { createSyncGroupState, stepSyncGroupMember, SyncGroupState } from '../../src/vrrp/sync-group';
import { startAll } from '../../src/vrrp/start';
import type { VrrpAction, VrrpEvent } from '../../src/vrrp/types';
import { reconfigure } from '../../src/vrrp/reconfigure';

const LOC = { file: 'test.conf', line: 1, col: 1 };

export function vip(address: string, dev = 'eth0', prefixLen = 24): VirtualIpAddress {
  return { address, family: 4, prefixLen, broadcast: null, dev, scope: 'global', label: null, excluded: false, location: LOC };
}

/** lb1 of the baseline: VI_1 eth0 vrid 51 prio 150 v2 PASS mypasswd, VIP 192.168.77.200/24. */
export function instanceCfg(o: Partial<VrrpInstance> = {}): VrrpInstance {
  return {
    name: 'VI_1',
    initialState: 'MASTER',
    interface: 'eth0',
    virtualRouterId: 51,
    priority: 150,
    advertIntMs: 1000,
    version: 2,
    family: 4,
    authType: 'PASS',
    authPass: 'mypasswd',
    virtualIpAddresses: [vip('192.168.77.200', o.interface ?? 'eth0')],
    virtualIpAddressesExcluded: [],
    virtualRoutes: [],
    virtualRules: [],
    trackInterfaces: [],
    trackScripts: [],
    trackFiles: [],
    trackProcesses: [],
    trackBfds: [],
    dontTrackPrimary: false,
    mcastSrcIp: null,
    unicastSrcIp: null,
    unicastPeers: [],
    nopreempt: false,
    preemptDelayMs: 0,
    garpMasterDelayMs: 5000,
    garpMasterRepeat: 5,
    garpMasterRefreshMs: 0,
    garpMasterRefreshRepeat: 1,
    garpExtraIfMs: 0,
    garpExtraIfVips: [],
    extraVmacs: [],
    garpLowerPrioDelayMs: 5000,
    garpLowerPrioRepeat: 5,
    accept: true,
    strictMode: false,
    v3ChecksumAsV2: false,
    lowerPrioNoAdvert: false,
    higherPrioSendAdvert: false,
    skipCheckAdvAddr: false,
    checkUnicastSrc: false,
    unicastTtl: null,
    mcastDstIp: null,
    unicastChecksumCompat: 'auto',
    faultNoPeer: false,
    promoteSecondaries: false,
    linkbeatUsePolling: false,
    downTimerAdverts: 3,
    notify: { notify: null, notifyMaster: null, notifyBackup: null, notifyFault: null, notifyStop: null },
    smtpAlert: null,
    lvsSyncDaemonInterface: null,
    vmac: null,
    syncGroup: null,
    location: LOC,
    ...o,
  };
}

export function script(name: string, o: Partial<VrrpScript> = {}): VrrpScript {
  return {
    name,
    script: ['/bin/true'],
    intervalMs: 1000,
    timeoutMs: null,
    weight: 0,
    weightReverse: false,
    rise: 1,
    fall: 1,
    user: null,
    runAs: null,
    initState: 'unknown',
    location: LOC,
    ...o,
  };
}

export function syncGroup(name: string, members: string[], o: Partial<VrrpSyncGroup> = {}): VrrpSyncGroup {
  return {
    name,
    group: members,
    notify: { notify: null, notifyMaster: null, notifyBackup: null, notifyFault: null, notifyStop: null },
    smtpAlert: null,
    trackInterfaces: [],
    trackScripts: [],
    trackFiles: [],
    trackProcesses: [],
    trackBfds: [],
    trackingWeight: false,
    location: LOC,
    ...o,
  };
}

/** Only the log lines of an action list. */
export function logs(actions: VrrpAction[]): string[] {
  return actions.flatMap((a) => (a.type === 'log' ? [a.message] : []));
}

export interface WireEvent {
  t: number;
  host: string;
  instance: string;
  segment: string;
  priority: number;
  bytes: Buffer;
}

export interface HostSpec {
  /** interface name → [segment, primary address] */
  interfaces: Record<string, { segment: string; address: string }>;
  instances: VrrpInstance[];
  groups?: VrrpSyncGroup[];
  scripts?: VrrpScript[];
}

interface Host {
  name: string;
  spec: HostSpec;
  instances: Record<string, InstanceState>;
  groups: SyncGroupState[];
  groupOf: Record<string, number>;
  links: Record<string, boolean>;
  alive: boolean;
}

export class Lan {
  now = 0;
  readonly hosts = new Map<string, Host>();
  readonly timers = new Map<string, { host: string; instance: string; timer: string; deadline: number }>();
  readonly wire: WireEvent[] = [];
  readonly actions: { t: number; host: string; action: VrrpAction }[] = [];
  /** segments cut apart: no delivery across them */
  readonly cut = new Set<string>();
  private queue: { host: string; segment: string; bytes: Buffer }[] = [];

  addHost(name: string, spec: HostSpec): void {
    const instances: Record<string, InstanceState> = {};
    const groups: SyncGroupState[] = [];
    const groupOf: Record<string, number> = {};
    for (const g of spec.groups ?? []) {
      groups.push(createSyncGroupState(g));
      for (const m of g.group) groupOf[m] = groups.length - 1;
    }
    for (const cfg of spec.instances) {
      const g = groupOf[cfg.name] !== undefined ? spec.groups![groupOf[cfg.name]] : null;
      instances[cfg.name] = createInstanceState(cfg, spec.interfaces[cfg.interface].address, { vrrpScripts: spec.scripts, syncGroup: g });
    }
    const links: Record<string, boolean> = {};
    for (const i of Object.keys(spec.interfaces)) links[i] = true;
    this.hosts.set(name, { name, spec, instances, groups, groupOf, links, alive: true });
  }

  /** As the engine starts: keepalived's order (src/vrrp/start.ts). */
  start(host: string): void {
    const h = this.h(host);
    if (!h.alive) return;
    const r = startAll(Object.keys(h.instances), h.instances, h.groups, this.now);
    h.instances = r.instances;
    h.groups = r.groups;
    this.apply(host, r.actions);
    this.flush();
  }

  h(name: string): Host {
    const h = this.hosts.get(name);
    if (!h) throw new Error(`no host ${name}`);
    return h;
  }

  state(host: string, instance = 'VI_1'): InstanceState {
    return this.h(host).instances[instance];
  }

  event(host: string, instance: string, ev: VrrpEvent): VrrpAction[] {
    const h = this.h(host);
    if (!h.alive) return [];
    let actions: VrrpAction[];
    const gi = h.groupOf[instance];
    if (gi !== undefined && h.groups[gi]) {
      const r = stepSyncGroupMember(h.groups[gi], h.instances, instance, ev, this.now);
      h.groups[gi] = r.group;
      h.instances = r.members;
      actions = r.actions;
    } else {
      const r = step(h.instances[instance], ev, this.now);
      h.instances = { ...h.instances, [instance]: r.state };
      actions = r.actions;
    }
    this.apply(host, actions);
    this.flush();
    return actions;
  }

  private apply(host: string, actions: VrrpAction[]): void {
    const h = this.h(host);
    for (const a of actions) {
      this.actions.push({ t: this.now, host, action: a });
      if (a.type === 'armTimer') this.timers.set(`${host}/${a.instance}/${a.timer}`, { host, instance: a.instance, timer: a.timer, deadline: a.deadline });
      if (a.type === 'cancelTimer') this.timers.delete(`${host}/${a.instance}/${a.timer}`);
      if (a.type === 'sendAdvert') {
        const ifname = a.interface;
        if (!h.links[ifname]) continue;
        const segment = h.spec.interfaces[ifname].segment;
        for (const p of a.packets) {
          this.wire.push({ t: this.now, host, instance: a.instance, segment, priority: a.priority, bytes: p.bytes });
          this.queue.push({ host, segment, bytes: p.bytes });
        }
      }
    }
  }

  private flush(): void {
    while (this.queue.length > 0) {
      const p = this.queue.shift()!;
      if (this.cut.has(p.segment)) continue;
      const packet = decodePacket(p.bytes);
      for (const h of this.hosts.values()) {
        if (h.name === p.host || !h.alive) continue;
        for (const [n, inst] of Object.entries(h.instances)) {
          const ifname = inst.cfg.interface;
          if (h.spec.interfaces[ifname].segment !== p.segment || !h.links[ifname]) continue;
          if (packet.ok && packet.vrrp.virtualRouterId !== inst.cfg.virtualRouterId) continue;
          this.event(h.name, n, { type: 'advert', packet });
        }
      }
    }
  }

  /** Fires every timer due up to `t` in deadline order, then sets the clock to `t`. */
  runUntil(t: number): void {
    for (let guard = 0; guard < 1_000_000; guard++) {
      let next: { key: string; host: string; instance: string; timer: string; deadline: number } | null = null;
      for (const [key, v] of this.timers) if (v.deadline <= t && (!next || v.deadline < next.deadline)) next = { key, ...v };
      if (!next) {
        this.now = t;
        return;
      }
      this.timers.delete(next.key);
      this.now = Math.max(this.now, next.deadline);
      this.event(next.host, next.instance, { type: 'timer', timer: next.timer as never });
    }
    throw new Error('runaway timers');
  }

  run(ms: number): void {
    this.runUntil(this.now + ms);
  }

  /**
   * SIGHUP on `host` with a new config for one (non-group) instance: `reconfigure` with the
   * host's links and the script states the shell would carry (`scripts`).
   */
  reload(host: string, cfg: VrrpInstance, o: { scripts?: Record<string, boolean | null>; vrrpScripts?: VrrpScript[] } = {}): VrrpAction[] {
    const h = this.h(host);
    const old = h.instances[cfg.name];
    const r = reconfigure(old, cfg, {
      now: this.now,
      primaryAddress: h.spec.interfaces[cfg.interface].address,
      links: { ...h.links },
      scripts: o.scripts ?? {},
      vrrpScripts: o.vrrpScripts ?? h.spec.scripts,
    });
    h.instances = { ...h.instances, [cfg.name]: r.state };
    this.apply(host, r.actions);
    this.flush();
    return r.actions;
  }

  /** kill -9: the host stops dead (no priority-0 advert, timers gone). */
  crash(host: string): void {
    this.h(host).alive = false;
    for (const [k, v] of this.timers) if (v.host === host) this.timers.delete(k);
  }

  setLink(host: string, ifname: string, up: boolean): void {
    const h = this.h(host);
    h.links[ifname] = up;
    for (const n of Object.keys(h.instances)) this.event(host, n, { type: 'interface', name: ifname, up });
  }

  /** Adverts on the wire from `host` (optionally one instance) at or after `since`. */
  sent(host: string, since = 0, instance?: string): WireEvent[] {
    return this.wire.filter((w) => w.host === host && w.t >= since && (!instance || w.instance === instance));
  }

  logsOf(host: string, since = 0): string[] {
    return this.actions.filter((a) => a.host === host && a.t >= since && a.action.type === 'log').map((a) => (a.action as { message: string }).message);
  }

  actionsOf(host: string, since = 0): VrrpAction[] {
    return this.actions.filter((a) => a.host === host && a.t >= since).map((a) => a.action);
  }
}

/** The two-director topology of the baseline: lb1 .11 and lb2 .12 on br0 (eth0), br1 (eth1). */
export function twoDirectors(lb1: Partial<VrrpInstance> = {}, lb2: Partial<VrrpInstance> = {}): Lan {
  const lan = new Lan();
  lan.addHost('lb1', {
    interfaces: { eth0: { segment: 'br0', address: '192.168.77.11' }, eth1: { segment: 'br1', address: '192.168.78.11' } },
    instances: [instanceCfg(lb1)],
  });
  lan.addHost('lb2', {
    interfaces: { eth0: { segment: 'br0', address: '192.168.77.12' }, eth1: { segment: 'br1', address: '192.168.78.12' } },
    instances: [instanceCfg({ initialState: 'BACKUP', priority: 100, ...lb2 })],
  });
  return lan;
}
