/**
 * interface_up_down_delays at run time: the interfaces with a delay, their records (see
 * src/vrrp/link-delays.ts, the pure rule) and their timers. The VRRP engine gives it every
 * rtnetlink flags report of such an interface, and is told back when an up or a down has lasted
 * long enough to act on.
 *
 * As keepalived 2.2.7 keeps them on its interface records:
 * - a delay read at a reload replaces the interface's, and one the new config no longer names
 *   stays (vrrp_if.c reset_interface_queue does not clear them);
 * - an interface that is deleted loses its delays (keepalived clears the record when the
 *   interface is made again), and so does one that was not there when the config was read
 *   (with dynamic_interfaces; without, it is warned about as keepalived's config error, and
 *   skipped: keepalived carries on);
 * - the instances' clamps (vrrp.c) change the interface's values for good.
 */
import type { InterfaceUpDownDelay, Model, VrrpInstance } from '../config/model';
import { formatDiagnostic } from '../config/model';
import type { LinkState } from '../net/links';
import { clampForInstance, clampToAdvert, delayEnded, reportFlags, type LinkDelay, type LinkRecord } from '../vrrp/link-delays';

export interface LinkDelayLog {
  info(line: string): void;
}

export class LinkDelayTable {
  private readonly delays = new Map<string, LinkDelay>();
  private readonly records = new Map<string, LinkRecord>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly log: LinkDelayLog, private readonly onChange: (ifname: string, up: boolean) => void) {}

  /** Has a delay: its up/down reports go through report(), not straight to the instances. */
  has(ifname: string): boolean {
    return this.records.has(ifname);
  }

  /**
   * The config's delays (at start and at each reload), then each instance's clamp in config
   * order; `query` is the interface as the kernel has it now (null: not there).
   */
  async configure(model: Model, query: (ifname: string) => Promise<LinkState | null>): Promise<void> {
    const lines: InterfaceUpDownDelay[] = model.globalDefs.interfaceUpDownDelays;
    const now = new Map<string, LinkState | null>();
    for (const d of lines) {
      if (!now.has(d.interface)) now.set(d.interface, await query(d.interface));
      if (now.get(d.interface) === null) {
        if (!model.globalDefs.dynamicInterfaces) this.log.info(formatDiagnostic({ severity: 'warning', message: `unknown interface ${d.interface} specified for up/down delay`, location: d.location }));
        continue;
      }
      this.delays.set(d.interface, { downUs: d.downUs, upUs: d.upUs });
    }
    for (const cfg of model.vrrpInstances) {
      const d = this.delays.get(cfg.interface);
      if (!d) continue;
      const c = clampForInstance(cfg.name, cfg.interface, d, cfg.advertIntMs * 1000, cfg.downTimerAdverts);
      if (c.log) this.log.info(c.log);
      this.delays.set(cfg.interface, c.delay);
    }
    for (const [ifname, delay] of this.delays) {
      const known = this.records.get(ifname);
      if (known) {
        this.records.set(ifname, { ...known, delay });
        continue;
      }
      const link = now.has(ifname) ? now.get(ifname)! : await query(ifname);
      if (!link) continue;
      this.records.set(ifname, { name: ifname, delay, flags: link.flags, seenUp: link.up, pending: null });
    }
  }

  /** One RTM_NEWLINK of an interface with a delay. */
  report(link: LinkState): void {
    const r = this.records.get(link.name);
    if (!r) return;
    const { record, step } = reportFlags(r, link.flags);
    this.records.set(link.name, record);
    if (step.kind === 'delay' || step.cancel) this.stopTimer(link.name);
    if (step.log) this.log.info(step.log);
    if (step.kind === 'delay') {
      const t = setTimeout(() => this.expire(link.name), step.us / 1000);
      this.timers.set(link.name, t);
    } else if (step.kind === 'apply') this.onChange(link.name, step.up);
  }

  /** The interface was deleted: its pending change is dropped and its delays forgotten. */
  removed(ifname: string): void {
    this.stopTimer(ifname);
    this.records.delete(ifname);
    this.delays.delete(ifname);
  }

  /**
   * A VRRPv3 master's lower advert interval was learnt (vrrp.c update_master_adver_int): the
   * instance's interface delays are cut below it as at start.
   */
  masterAdverInt(cfg: VrrpInstance, masterAdverIntMs: number): void {
    const d = this.delays.get(cfg.interface);
    const c = d && clampToAdvert(d, masterAdverIntMs * 1000, cfg.downTimerAdverts);
    if (!c) return;
    this.delays.set(cfg.interface, c);
    const r = this.records.get(cfg.interface);
    if (r) this.records.set(cfg.interface, { ...r, delay: c });
  }

  close(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private expire(ifname: string): void {
    this.timers.delete(ifname);
    const r = this.records.get(ifname);
    const ended = r ? delayEnded(r) : null;
    if (!ended) return;
    this.records.set(ifname, ended.record);
    this.onChange(ifname, ended.up);
  }

  private stopTimer(ifname: string): void {
    const t = this.timers.get(ifname);
    if (t) clearTimeout(t);
    this.timers.delete(ifname);
  }
}
