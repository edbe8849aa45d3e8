/**
 * The request side of an rtnetlink socket, in place of the netlink package's NetlinkSocket
 * (whose message formatters and parsers halo keeps using through RtNetlinkSocket).
 *
 * Why not the package's own request(): its timeout is a plain setTimeout. After an event-loop
 * stall (a starved VM, a long GC, SIGSTOP) the timers phase runs before the poll phase, so a
 * request's 5 s timer fires while its reply is already waiting in the socket; the request is
 * abandoned, its dump is left half read, and the next dump on the socket gets EBUSY from the
 * kernel (netlink_dump_start). Its multipart buffer is shared and not matched by sequence, so a
 * late dump's parts could be taken for the next request's.
 *
 * Here:
 *  - replies are matched to requests by sequence number; a reply for a sequence number no
 *    longer pending (an abandoned request, the ACK after a single-message reply) is discarded
 *    and counted;
 *  - a request's timeout counts running time, not wall time: a ticker credits each turn with at
 *    most two ticks, so a stalled process never times out its own request (pure: creditTick);
 *  - the verdict is taken in the check phase (setImmediate), after the poll phase has read
 *    whatever the socket holds: a reply already received always wins;
 *  - an abandoned dump (or a receive overrun) retires the socket: the next request goes out on a
 *    fresh one, so a half-read dump can never make it busy;
 *  - every request still ends: with its reply, the kernel's errno, or ETIMEDOUT naming the
 *    message type, in a `code` the callers' NetErrors carry with their operation.
 */
import { EventEmitter } from 'events';
import { Flags, FlagsGet, MessageType, Protocol } from 'netlink/dist/constants';
import type { NetlinkSocket } from 'netlink/dist/netlink';
import { RawNetlinkSocket } from 'netlink/dist/raw';
import { RtNetlinkSocket } from 'netlink/dist/rt/rt';
import { NetlinkMessage, formatMessage, parseMessages } from 'netlink/dist/structs';
import { getSystemErrorMap } from 'util';

/** A lost reply must not hang the daemon: a request gives up after this much running time. */
export const DEFAULT_RTNL_TIMEOUT_MS = 5000;
/** How often pending requests are judged. */
export const RTNL_TICK_MS = 250;

// ---------------------------------------------------------------------------------------------
// Pure parts

/** Running time a request has waited, judged tick by tick. */
export interface WaitClock {
  /** Running time credited so far (ms). */
  waitedMs: number;
  /** When it was last credited (ms, the caller's clock). */
  lastMs: number;
}

export const startClock = (now: number): WaitClock => ({ waitedMs: 0, lastMs: now });

/**
 * Credit the time since the last tick, but at most `2 × tickMs`: a gap longer than that is the
 * process not running (a stall), which must not count against a request whose reply may be
 * sitting in the socket. A clock that went backwards credits nothing.
 */
export function creditTick(clock: WaitClock, now: number, tickMs: number): WaitClock {
  const gap = Math.max(0, now - clock.lastMs);
  return { waitedMs: clock.waitedMs + Math.min(gap, 2 * tickMs), lastMs: now };
}

/** A reply part (a dump's message) is progress: the wait starts over. */
export const progressed = (now: number): WaitClock => startClock(now);

export const expired = (clock: WaitClock, timeoutMs: number): boolean => clock.waitedMs >= timeoutMs;

/** What one received message means for the request with its sequence number. */
export type Absorbed =
  | { kind: 'part' } // one message of a dump; more follow
  | { kind: 'done'; messages: NetlinkMessage[] } // the reply is complete
  | { kind: 'rejected'; errno: number }; // the kernel's NLMSG_ERROR with a non-zero errno

/**
 * The reply rule for one message of a pending request (`parts`: the dump's messages so far):
 * NLMSG_ERROR 0 is the ACK (the reply is what came before it), a non-zero one the kernel's
 * errno; NLMSG_DONE ends a dump; a NLM_F_MULTI message is a part; any other message is a
 * complete single reply (its trailing ACK then finds nothing pending and is discarded).
 */
export function absorb(parts: readonly NetlinkMessage[], msg: NetlinkMessage): Absorbed {
  if (msg.type === MessageType.ERROR) {
    const errno = msg.data.length >= 4 ? -msg.data.readInt32LE(0) : 5; // EIO for a short one
    return errno === 0 ? { kind: 'done', messages: [...parts] } : { kind: 'rejected', errno };
  }
  if (msg.type === MessageType.DONE) return { kind: 'done', messages: [...parts] };
  if (msg.flags & Flags.MULTI) return { kind: 'part' };
  return { kind: 'done', messages: [msg] };
}

const TYPE_NAMES: Record<number, string> = {
  16: 'RTM_NEWLINK', 17: 'RTM_DELLINK', 18: 'RTM_GETLINK', 19: 'RTM_SETLINK',
  20: 'RTM_NEWADDR', 21: 'RTM_DELADDR', 22: 'RTM_GETADDR',
  24: 'RTM_NEWROUTE', 25: 'RTM_DELROUTE', 26: 'RTM_GETROUTE',
};
export const typeName = (type: number): string => TYPE_NAMES[type] ?? `rtnetlink message type ${type}`;

let errnoNames: Map<number, string> | undefined;
/** `EEXIST` for 17; `E<n>` for a number libuv does not name. */
export function errnoNameOf(errno: number): string {
  if (!errnoNames) {
    errnoNames = new Map();
    for (const [neg, [name]] of getSystemErrorMap()) errnoNames.set(-neg, name);
  }
  return errnoNames.get(errno) ?? `E${errno}`;
}

/** An error whose `code` is the errno name (what src/net/errors.ts errnoName() reads). */
export class RtnlError extends Error {
  override readonly name = 'RtnlError';
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/**
 * Every `tickMs`, call `judge` in the check phase of that turn (setImmediate), i.e. after the poll
 * phase has read whatever the sockets already hold: a timer phase that runs first after a stall
 * never decides before the replies waiting are seen. At most one judgement is pending at a time.
 */
export function judgeEvery(tickMs: number, judge: () => void): NodeJS.Timeout {
  let judging = false;
  return setInterval(() => {
    if (judging) return;
    judging = true;
    setImmediate(() => {
      judging = false;
      judge();
    });
  }, tickMs);
}

// ---------------------------------------------------------------------------------------------
// The socket side

interface Pending {
  seq: number;
  type: number;
  dump: boolean;
  timeoutMs: number;
  clock: WaitClock;
  parts: NetlinkMessage[];
  resolve(messages: NetlinkMessage[]): void;
  reject(err: Error): void;
}

/** The raw socket as used here (a real RawNetlinkSocket, or a stand-in). */
export interface RawSocketLike {
  address(): { port: number };
  on(event: 'message', cb: (buf: Buffer) => void): unknown;
  on(event: 'error', cb: (err: Error) => void): unknown;
  send(msg: Uint8Array[], options: object, cb: (err?: Error) => void): void;
  ref(): void;
  unref(): void;
  close(): void;
}

export interface RtnlChannelOptions {
  /** A new raw socket (default: NETLINK_ROUTE). Called again when a socket is retired. */
  open?: () => RawSocketLike;
  /** The clock (default Date.now). */
  now?: () => number;
  tickMs?: number;
}

/** One request of a batch (RtnlChannel.requestBatch). */
export interface RtnlBatchItem {
  type: number;
  data: Uint8Array | Uint8Array[];
  options?: RtnlRequestOptions;
}

export interface RtnlRequestOptions {
  flags?: number;
  /** Running time after which the request fails with ETIMEDOUT (default 5 s). */
  timeout?: number;
}

export class RtnlChannel extends EventEmitter {
  private raw: RawSocketLike | null = null;
  private readonly openRaw: () => RawSocketLike;
  private readonly now: () => number;
  private readonly tickMs: number;
  private readonly pending = new Map<number, Pending>();
  private seq = 1;
  private ticker: NodeJS.Timeout | null = null;
  private retire = false;
  private closed = false;
  /** Replies that matched no pending request (late replies to abandoned ones, trailing ACKs). */
  discarded = 0;
  /** Sockets retired after an abandoned dump or a receive error. */
  retired = 0;

  constructor(opts: RtnlChannelOptions = {}) {
    super();
    this.openRaw = opts.open ?? (() => new RawNetlinkSocket(Protocol.ROUTE) as unknown as RawSocketLike);
    this.now = opts.now ?? Date.now;
    this.tickMs = opts.tickMs ?? RTNL_TICK_MS;
  }

  /** The socket for the next request: a fresh one after a retirement. */
  private socket(): RawSocketLike {
    if (this.raw && this.retire && this.pending.size === 0) {
      this.raw.close();
      this.raw = null;
      this.retired++;
    }
    if (!this.raw) {
      this.retire = false;
      const raw = this.openRaw();
      raw.on('message', (buf) => {
        if (this.raw === raw) this.receive(buf);
      });
      raw.on('error', (err) => {
        if (this.raw === raw) this.onSocketError(err);
      });
      raw.unref();
      this.raw = raw;
    }
    return this.raw;
  }

  request(type: number, data: Uint8Array | Uint8Array[], options: RtnlRequestOptions = {}): Promise<NetlinkMessage[]> {
    return this.requestBatch([{ type, data, options }])[0];
  }

  /**
   * Several requests in one datagram (one sendmsg, issued before this returns when nothing is
   * queued on the socket): the kernel's rtnetlink_rcv handles its messages one after the other
   * and answers each under its own sequence number, so a takeover's VIP adds cost one round
   * trip instead of one each. Every request still ends on its own (reply, errno, ETIMEDOUT).
   */
  requestBatch(requests: ReadonlyArray<RtnlBatchItem>): Array<Promise<NetlinkMessage[]>> {
    if (this.closed) return requests.map((r) => Promise.reject(new RtnlError('EBADF', `rtnetlink socket closed before ${typeName(r.type)}`)));
    let raw: RawSocketLike;
    try {
      raw = this.socket();
    } catch (err) {
      return requests.map(() => Promise.reject(err));
    }
    const port = raw.address().port;
    const bufs: Uint8Array[] = [];
    const sent: Pending[] = [];
    const promises = requests.map(({ type, data, options = {} }) => {
      const seq = this.nextSeq();
      const flags = Number(options.flags ?? 0) | Flags.REQUEST | Flags.ACK;
      const bytes = formatMessage({ type, flags, seq, port, data });
      bufs.push(...bytes);
      // NLMSG_ALIGN: the kernel steps to the next message at a 4-byte boundary
      const pad = bytes.reduce((n, b) => n + b.length, 0) % 4;
      if (pad !== 0) bufs.push(new Uint8Array(4 - pad));
      return new Promise<NetlinkMessage[]>((resolve, reject) => {
        const p: Pending = {
          seq,
          type,
          dump: (flags & FlagsGet.DUMP) === FlagsGet.DUMP,
          timeoutMs: options.timeout ?? DEFAULT_RTNL_TIMEOUT_MS,
          clock: startClock(this.now()),
          parts: [],
          resolve,
          reject,
        };
        if (this.pending.size === 0) raw.ref();
        this.pending.set(seq, p);
        sent.push(p);
      });
    });
    if (sent.length === 0) return promises;
    this.startTicker();
    raw.send(bufs, {}, (err) => {
      if (err) for (const p of sent) if (this.pending.get(p.seq) === p) this.finish(p, err);
    });
    return promises;
  }

  private nextSeq(): number {
    do this.seq = this.seq >= 0xffffffff ? 1 : this.seq + 1;
    while (this.pending.has(this.seq));
    return this.seq;
  }

  private receive(buf: Buffer): void {
    let msgs: NetlinkMessage[];
    try {
      msgs = parseMessages(buf);
    } catch {
      this.discarded++;
      return;
    }
    for (const m of msgs) {
      const p = this.pending.get(m.seq);
      if (!p) {
        this.discarded++;
        continue;
      }
      const a = absorb(p.parts, m);
      if (a.kind === 'part') {
        p.parts.push(m);
        p.clock = progressed(this.now());
      } else if (a.kind === 'done') {
        this.finish(p, null, a.messages);
      } else {
        const name = errnoNameOf(a.errno);
        this.finish(p, new RtnlError(name, `Request rejected: ${name}`));
      }
    }
  }

  private finish(p: Pending, err: Error | null, messages: NetlinkMessage[] = []): void {
    this.pending.delete(p.seq);
    if (this.pending.size === 0) {
      this.raw?.unref();
      this.stopTicker();
    }
    if (err) p.reject(err);
    else p.resolve(messages);
  }

  /** A receive error (ENOBUFS: the kernel dropped something) may have eaten any reply. */
  private onSocketError(err: Error): void {
    this.retire = true;
    const code = (err as { code?: string }).code ?? 'EIO';
    for (const p of [...this.pending.values()]) this.finish(p, new RtnlError(code, `${code} receiving the reply to ${typeName(p.type)}`));
    this.emit('error', err);
  }

  private startTicker(): void {
    if (this.ticker) return;
    this.ticker = judgeEvery(this.tickMs, () => this.judge());
  }

  private stopTicker(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
  }

  private judge(): void {
    const now = this.now();
    for (const p of [...this.pending.values()]) {
      p.clock = creditTick(p.clock, now, this.tickMs);
      if (!expired(p.clock, p.timeoutMs)) continue;
      // a dump left half read would keep the kernel's dump running on this socket (EBUSY)
      if (p.dump) this.retire = true;
      this.finish(p, new RtnlError('ETIMEDOUT', `ETIMEDOUT: no reply to ${typeName(p.type)} (seq ${p.seq}) in ${p.timeoutMs} ms of running time`));
    }
  }

  /** Requests waiting for their reply. */
  get inFlight(): number {
    return this.pending.size;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of [...this.pending.values()]) this.finish(p, new RtnlError('EBADF', `rtnetlink socket closed before the reply to ${typeName(p.type)}`));
    this.stopTicker();
    this.raw?.close();
    this.raw = null;
    this.emit('close');
  }
}

/**
 * The netlink package's NetlinkSocket.request() contract over an RtnlChannel: resolves with
 * `[messages, rinfo]`, the messages without the ACK or DONE.
 */
class ChannelAsNetlinkSocket extends EventEmitter {
  constructor(readonly channel: RtnlChannel) {
    super();
    channel.on('error', (err) => this.emit('error', err));
  }
  async request(type: number, data: Uint8Array | Uint8Array[], options?: RtnlRequestOptions): Promise<[NetlinkMessage[], object]> {
    return [await this.channel.request(type, data, options), {}];
  }
  close(): void {
    this.channel.close();
  }
}

export interface Rtnl {
  /** The package's message formatters and parsers, over a channel of halo's. */
  sock: RtNetlinkSocket;
  channel: RtnlChannel;
  /** Register a listener for receive errors (each request also reports its own). */
  onError(cb: (err: Error) => void): void;
  close(): void;
}

/** An rtnetlink request socket: the package's RtNetlinkSocket over an RtnlChannel. */
export function createRtnl(opts: RtnlChannelOptions = {}): Rtnl {
  const channel = new RtnlChannel(opts);
  const adapter = new ChannelAsNetlinkSocket(channel);
  adapter.on('error', () => undefined); // each request reports its own failure
  const sock = new RtNetlinkSocket(adapter as unknown as NetlinkSocket);
  return { sock, channel, onError: (cb) => void adapter.on('error', cb), close: () => channel.close() };
}
