/**
 * The IPVS client: the kernel's load-balancing table over generic netlink ("IPVS" family,
 * resolved through nlctrl, which also auto-loads ip_vs). Thin methods over ./codec.ts and
 * ./genl-socket.ts; kernel errors become IpvsError values ("EEXIST adding service TCP ...").
 */
import * as codec from './codec';
import type { GenlSocket, GenlOutcome } from './genl-socket';
import { GenlExchange } from './genl-exchange';
import { PROC_TABLE_MAX_SERVICES, takeDestinations } from './proc-table';
import * as C from './constants';
import { IpvsError } from './errors';
import type { IpvsDestinationKey, Op } from './ops';
import { IpvsDestination, IpvsService, IpvsServiceKey, serviceKeyString } from './types';

export type { IpvsInfo, IpvsTimeouts, IpvsDaemon, IpvsDaemonState } from './codec';

/** What `apply` reports for each op, in the order given: `error` is absent on success. */
export interface OpResult {
  op: Op;
  error?: IpvsError;
}

const destString = (d: IpvsDestinationKey): string => (d.af === 6 ? `[${d.address}]:${d.port}` : `${d.address}:${d.port}`);

/** The words of an error message for an op: "adding service TCP 10.0.0.1:80". */
export function describeOp(op: Op): string {
  switch (op.op) {
    case 'flush':
      return 'flushing the IPVS table';
    case 'add-service':
      return `adding service ${serviceKeyString(op.service.key)}`;
    case 'edit-service':
      return `editing service ${serviceKeyString(op.service.key)}`;
    case 'del-service':
      return `deleting service ${serviceKeyString(op.key)}`;
    case 'add-dest':
      return `adding destination ${destString(op.dest)} to service ${serviceKeyString(op.key)}`;
    case 'edit-dest':
      return `editing destination ${destString(op.dest)} in service ${serviceKeyString(op.key)}`;
    case 'del-dest':
      return `deleting destination ${destString(op.dest)} from service ${serviceKeyString(op.key)}`;
  }
}

/** The one generic-netlink command an op becomes. */
export function opRequest(op: Op): codec.GenlRequest {
  switch (op.op) {
    case 'flush':
      return codec.flush();
    case 'add-service':
      return codec.newService(op.service);
    case 'edit-service':
      return codec.setService(op.service);
    case 'del-service':
      return codec.delService(op.key);
    case 'add-dest':
      return codec.newDest(op.key, op.dest);
    case 'edit-dest':
      return codec.setDest(op.key, op.dest);
    case 'del-dest':
      return codec.delDest(op.key, op.dest);
  }
}

export interface ListOptions {
  /** Sockets used to fetch destinations in parallel (one dump per socket at a time). */
  parallelism?: number;
  /** Decode the traffic counters (default true; the reconciler and `-L` without --stats skip them). */
  stats?: boolean;
  /**
   * /proc/net/ip_vs's text, read after the service dump (proc-table.ts), or undefined: the
   * destinations of every service it names without doubt are taken from it instead of a dump
   * each, without thresholds (0) or persistent connections. For a listing without counters;
   * not read above PROC_TABLE_MAX_SERVICES services.
   */
  destinationText?: () => string | undefined;
}

/**
 * A GenlSocket opened in `netns` (halo's own when null). Loaded on first use: the socket needs
 * the netlink package and the namespace helper nft's runner, which a listing command (the
 * synchronous GenlExchange) never uses and, under emulation, takes seconds to load.
 */
function asyncSocketIn(netns: string | null, timeoutMs: number | undefined): GenlSocket {
  const { GenlSocket: Socket } = require('./genl-socket') as typeof import('./genl-socket');
  const { openIn } = require('./ipvs-netns') as typeof import('./ipvs-netns');
  return openIn(netns, () => new Socket({ timeoutMs }));
}

export class IpvsClient {
  private readonly pool: GenlSocket[] = [];

  private constructor(
    private readonly sock: GenlSocket | GenlExchange,
    /** The IPVS family id nlctrl gave us. */
    readonly family: number,
    private readonly newSocket: () => GenlSocket,
  ) {}

  /**
   * Open a socket and resolve the IPVS family (loads ip_vs if it is a module). Every request
   * times out after `timeoutMs` without a reply (GenlSocket): the error names the operation.
   * With `exchange`, every request goes through that synchronous exchange instead (a command
   * that only lists: no event-loop turn per reply, the whole listing in one native call).
   */
  static async open(opts: { timeoutMs?: number; newSocket?: () => GenlSocket; exchange?: GenlExchange; netns?: string | null } = {}): Promise<IpvsClient> {
    // net_namespace_ipvs: every socket opened in that namespace (ipvs-netns.ts)
    const netns = opts.netns ?? null;
    const newSocket = opts.newSocket ?? (() => asyncSocketIn(netns, opts.timeoutMs));
    const sock = opts.exchange ?? newSocket();
    const o = await sock.request(C.GENL_ID_CTRL, codec.getFamilyRequest(C.IPVS_GENL_NAME));
    if (o.errno !== 0) {
      sock.close();
      throw new IpvsError(o.errno, 'resolving generic netlink family IPVS (is ip_vs available in this kernel?)');
    }
    return new IpvsClient(sock, codec.decodeFamilyId(codec.parseGenl(o.replies[0])), newSocket);
  }

  close(): void {
    this.sock.close();
    for (const s of this.pool) s.close();
    this.pool.length = 0;
  }

  private async call(req: codec.GenlRequest, operation: string, sock: GenlSocket | GenlExchange = this.sock): Promise<Buffer[]> {
    const o = await sock.request(this.family, req);
    if (o.errno !== 0) throw new IpvsError(o.errno, operation);
    return o.replies;
  }

  // --- services -------------------------------------------------------------------------------

  /** Every service with its destinations (and stats), in kernel order. */
  async listServices(opts: ListOptions = {}): Promise<IpvsService[]> {
    const replies = await this.call(codec.dumpServices(), 'listing services');
    const withStats = opts.stats ?? true;
    const services = replies.map((r) => codec.decodeService(codec.parseGenl(r), withStats));
    const main = this.sock;
    if (main instanceof GenlExchange) {
      // the rest (or all) in one native call: the kernel's dumps back to back, as ipvsadm
      // issues them, each destination decoded in place from the exchange's buffer
      const fromText = !withStats && services.length <= PROC_TABLE_MAX_SERVICES;
      const dumped = fromText ? takeDestinations(services, opts.destinationText?.()) : services;
      const errnos = main.exchangeEach(this.family, dumped.map((svc) => codec.dumpDests(svc.key)), (i, buf, start, end) => {
        const svc = dumped[i];
        svc.destinations.push(codec.decodeDestPayload(buf, svc.key.af, withStats, start, end));
      });
      errnos.forEach((errno, i) => {
        if (errno !== 0) throw new IpvsError(errno, `listing destinations of service ${serviceKeyString(dumped[i].key)}`);
      });
      return services;
    }
    const width = Math.max(1, Math.min(opts.parallelism ?? 4, services.length));
    while (this.pool.length < width - 1) this.pool.push(this.newSocket());
    const sockets = [main, ...this.pool.slice(0, width - 1)];
    // Each socket can run one dump at a time (the kernel answers EBUSY otherwise), so a
    // handful of sockets pull services off a shared index, each chaining its next dump from
    // the reply callback of the previous one.
    await new Promise<void>((resolve, reject) => {
      let next = 0;
      let active = sockets.length;
      let failure: unknown;
      const pull = (sock: GenlSocket): void => {
        if (failure !== undefined || next >= services.length) {
          if (--active === 0) (failure === undefined ? resolve() : reject(failure));
          return;
        }
        const svc = services[next++];
        sock.requestCb(this.family, codec.dumpDests(svc.key), (o) => {
          if (o.errno !== 0) failure ??= new IpvsError(o.errno, `listing destinations of service ${serviceKeyString(svc.key)}`);
          else {
            try {
              svc.destinations = o.replies.map((r) => codec.decodeDest(codec.parseGenl(r), svc.key.af, withStats));
            } catch (e) {
              failure ??= e;
            }
          }
          pull(sock);
        });
      };
      for (const sock of sockets) pull(sock);
    });
    return services;
  }

  private async dests(svc: IpvsService, sock: GenlSocket | GenlExchange, withStats = true): Promise<IpvsDestination[]> {
    const replies = await this.call(codec.dumpDests(svc.key), `listing destinations of service ${serviceKeyString(svc.key)}`, sock);
    return replies.map((r) => codec.decodeDest(codec.parseGenl(r), svc.key.af, withStats));
  }

  /** One service with its destinations; ESRCH when it does not exist. */
  async getService(key: IpvsServiceKey): Promise<IpvsService> {
    const replies = await this.call(codec.getService(key), `getting service ${serviceKeyString(key)}`);
    if (replies.length === 0) throw new IpvsError(61 /* ENODATA */, `getting service ${serviceKeyString(key)}`);
    const svc = codec.decodeService(codec.parseGenl(replies[0]));
    svc.destinations = await this.dests(svc, this.sock);
    return svc;
  }

  async addService(service: IpvsService): Promise<void> {
    await this.applyOne({ op: 'add-service', service });
  }
  async editService(service: IpvsService): Promise<void> {
    await this.applyOne({ op: 'edit-service', service });
  }
  async deleteService(key: IpvsServiceKey): Promise<void> {
    await this.applyOne({ op: 'del-service', key });
  }

  // --- destinations ---------------------------------------------------------------------------

  async addDestination(key: IpvsServiceKey, dest: IpvsDestination): Promise<void> {
    await this.applyOne({ op: 'add-dest', key, dest });
  }
  async editDestination(key: IpvsServiceKey, dest: IpvsDestination): Promise<void> {
    await this.applyOne({ op: 'edit-dest', key, dest });
  }
  async deleteDestination(key: IpvsServiceKey, dest: IpvsDestinationKey): Promise<void> {
    await this.applyOne({ op: 'del-dest', key, dest });
  }

  // --- whole table ----------------------------------------------------------------------------

  async flush(): Promise<void> {
    await this.applyOne({ op: 'flush' });
  }

  /** Zero the counters of one service, or of all services when `key` is absent. */
  async zero(key?: IpvsServiceKey): Promise<void> {
    await this.call(codec.zero(key), key ? `zeroing counters of service ${serviceKeyString(key)}` : 'zeroing counters');
  }

  async getInfo(): Promise<codec.IpvsInfo> {
    const [r] = await this.call(codec.getInfo(), 'getting IPVS info');
    return codec.decodeInfo(codec.parseGenl(r));
  }

  async getTimeouts(): Promise<codec.IpvsTimeouts> {
    const [r] = await this.call(codec.getConfig(), 'getting IPVS timeouts');
    return codec.decodeConfig(codec.parseGenl(r));
  }

  /** Set connection timeouts (seconds); a value left out is not changed. */
  async setTimeouts(t: Partial<codec.IpvsTimeouts>): Promise<void> {
    await this.call(codec.setConfig(t), 'setting IPVS timeouts');
  }

  // --- sync daemon ----------------------------------------------------------------------------

  async startDaemon(d: codec.IpvsDaemon): Promise<void> {
    await this.call(codec.newDaemon(d), `starting ${d.state} sync daemon on ${d.mcastInterface}`);
  }
  async stopDaemon(state: codec.IpvsDaemonState): Promise<void> {
    await this.call(codec.delDaemon(state), `stopping ${state} sync daemon`);
  }
  async getDaemons(): Promise<codec.IpvsDaemon[]> {
    const replies = await this.call(codec.dumpDaemons(), 'listing sync daemons');
    return replies.map((r) => codec.decodeDaemon(codec.parseGenl(r)));
  }

  // --- batches --------------------------------------------------------------------------------

  private async applyOne(op: Op): Promise<void> {
    const o = await this.sock.request(this.family, opRequest(op));
    if (o.errno !== 0) throw new IpvsError(o.errno, describeOp(op));
  }

  /**
   * Apply ops in order, pipelined (many messages per sendmsg, one ACK checked per message).
   * Every op is attempted; each result carries its own error. The kernel handles the
   * messages of one send strictly in order, so the reconciler's ordering guarantees hold.
   */
  async apply(ops: Op[]): Promise<OpResult[]> {
    const outcomes: GenlOutcome[] = await this.sock.batch(this.family, ops.map(opRequest));
    return ops.map((op, i) => (outcomes[i].errno === 0 ? { op } : { op, error: new IpvsError(outcomes[i].errno, describeOp(op)) }));
  }
}
