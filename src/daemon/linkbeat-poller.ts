/**
 * linkbeat_use_polling / linkbeat_interfaces at run time (keepalived 2.2.7 vrrp_if.c
 * init_interface_linkbeat, if_linkbeat_refresh_thread): the polled interfaces' links are read
 * from their drivers once a second (src/vrrp/linkbeat.ts), and rtnetlink's up/down reports of
 * them are not used. A change is logged "Linkbeat reports IF up/down" and told to the engine.
 *
 * Which interfaces: those of linkbeat_interfaces, and each instance's own interface when the
 * root keyword or the instance's asks; one no instance runs on or tracks is not polled, nor a
 * VMAC (netlink works for them), each with keepalived's line. Set again at every reload, as
 * keepalived's VRRP process starts its polling threads again after reading the config.
 */
import type { LinkbeatType, Model } from '../config/model';
import { formatDiagnostic } from '../config/model';
import type { LinkState } from '../net/links';
import { initLinkbeatStatus, pollLinkbeat, type LinkProbe } from '../vrrp/linkbeat';

/** keepalived's POLLING_DELAY: one second between polls of an interface. */
export const POLLING_DELAY_MS = 1000;

interface Polled {
  configured: LinkbeatType | null;
  /** The probe found to work; null until the interface has been probed. */
  type: LinkbeatType | null;
  up: boolean;
  timer: NodeJS.Timeout | null;
}

export class LinkbeatPoller {
  private readonly polled = new Map<string, Polled>();

  constructor(
    private readonly log: { info(line: string): void },
    private readonly probe: LinkProbe,
    private readonly onChange: (ifname: string, up: boolean) => void,
  ) {}

  polls(ifname: string): boolean {
    return this.polled.has(ifname);
  }

  /** The polled link state (null: not polled). */
  state(ifname: string): boolean | null {
    return this.polled.get(ifname)?.up ?? null;
  }

  /** Which interfaces to poll under `model`, their first reading, and their polling started. `links`: the kernel's, in index order. */
  configure(model: Model, links: LinkState[]): void {
    this.close();
    this.polled.clear();
    const g = model.globalDefs;
    const exists = new Set(links.map((l) => l.name));
    const want = new Map<string, LinkbeatType | null>();
    for (const l of g.linkbeatInterfaces) {
      if (!exists.has(l.interface) && !g.dynamicInterfaces) {
        this.log.info(formatDiagnostic({ severity: 'warning', message: `unknown interface ${l.interface} specified for linkbeat interface`, location: l.location }));
        continue;
      }
      want.set(l.interface, l.type);
    }
    const vmacs = new Set(model.vrrpInstances.flatMap((i) => [...(i.vmac ? [i.vmac.name] : []), ...i.extraVmacs.map((x) => x.name)]));
    for (const cfg of model.vrrpInstances) {
      if (!cfg.linkbeatUsePolling && !g.linkbeatUsePolling) continue;
      const ifname = cfg.vmac && !cfg.vmac.xmitBase ? cfg.vmac.name : cfg.interface;
      if (!want.has(ifname)) want.set(ifname, null);
    }
    const tracked = new Set([
      ...model.vrrpInstances.flatMap((i) => [i.interface, ...(i.vmac ? [i.vmac.name] : []), ...i.trackInterfaces.map((t) => t.name)]),
      ...model.vrrpSyncGroups.flatMap((sg) => sg.trackInterfaces.map((t) => t.name)),
    ]);
    // keepalived walks its interface list, in the kernel's order
    const order = [...links.map((l) => l.name).filter((n) => want.has(n)), ...[...want.keys()].filter((n) => !exists.has(n))];
    for (const ifname of order) {
      if (!tracked.has(ifname)) {
        this.log.info(`Turning off linkbeat for ${ifname} since not used for tracking`);
        continue;
      }
      if (vmacs.has(ifname)) {
        this.log.info(`Turning off linkbeat for ${ifname} since netlink works for vmacs/ipvlans`);
        continue;
      }
      const p: Polled = { configured: want.get(ifname)!, type: null, up: false, timer: null };
      if (exists.has(ifname)) this.first(ifname, p);
      this.polled.set(ifname, p);
      this.schedule(ifname, p);
    }
    if (this.polled.size > 0) this.log.info('Using MII-BMSR/ETHTOOL NIC polling thread(s)...');
  }

  /** A polled interface was deleted: it is down (the engine tells its instances), without a linkbeat line. */
  removed(ifname: string): void {
    const p = this.polled.get(ifname);
    if (p) p.up = false;
  }

  close(): void {
    for (const p of this.polled.values()) if (p.timer) clearTimeout(p.timer);
  }

  private first(ifname: string, p: Polled): void {
    const r = initLinkbeatStatus(this.probe, ifname, p.configured);
    for (const l of r.log) this.log.info(l);
    p.type = r.type;
    p.up = r.up;
  }

  private schedule(ifname: string, p: Polled): void {
    p.timer = setTimeout(() => this.poll(ifname, p), POLLING_DELAY_MS);
  }

  private poll(ifname: string, p: Polled): void {
    if (this.polled.get(ifname) !== p) return;
    const was = p.up;
    // an interface not there (keepalived's ifindex 0) is down, and probed once it is there
    if (p.type === null && this.probe(ifname, 'flags').status === -1) p.up = false;
    else if (p.type === null) this.first(ifname, p);
    else {
      const r = pollLinkbeat(this.probe, ifname, p.type);
      for (const l of r.log) this.log.info(l);
      p.up = r.up;
    }
    if (p.up !== was) {
      this.log.info(`Linkbeat reports ${ifname} ${p.up ? 'up' : 'down'}`);
      this.onChange(ifname, p.up);
    }
    this.schedule(ifname, p);
  }
}
