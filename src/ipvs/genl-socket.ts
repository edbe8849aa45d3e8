/**
 * A generic-netlink socket (NETLINK_GENERIC) over the netlink package's raw socket: sequence
 * numbers, ACK/ERROR/DONE matching, dumps, and pipelined batches of requests with one ACK
 * checked per message. Message bytes come from ./codec.ts; this file only moves them.
 *
 * Every request has a deadline: a reply that never comes (a lost ACK, a kernel that stopped
 * answering) ends the request with ETIMEDOUT after `timeoutMs` without progress (each reply of
 * a dump counts as progress), so the caller's error names the operation and nothing waits for
 * good. One sweep timer serves every pending request; a late reply to an expired request is
 * ignored (its sequence number is no longer pending). The timeout counts running time, judged
 * after the poll phase has read the socket (src/net/rtnl-channel.ts): after a stall of the
 * process, a reply already waiting wins over the sweep.
 */
// the raw socket only, not the package's index (which loads every family's structs); loaded on
// first use, so a command that never opens a GenlSocket (halo ipvs -L) never loads the package
import type { RawNetlinkSocket } from 'netlink/dist/raw';
import * as C from './constants';
import { GenlRequest, NetlinkMessage, encodeGenlMessage, parseErrorPayload, parseNetlinkMessages } from './codec';
import { WaitClock, creditTick, expired, judgeEvery, progressed, startClock } from '../net/rtnl-channel';

/** A request's outcome: errno 0 and the reply messages, or the kernel's (positive) errno. */
export interface GenlOutcome {
  errno: number;
  replies: Buffer[];
}

interface Pending {
  dump: boolean;
  replies: Buffer[];
  done: (outcome: GenlOutcome) => void;
  /** Running time waited without a reply (a stall of the process does not count). */
  clock: WaitClock;
}

/** The part of the netlink package's RawNetlinkSocket used here (a fake in unit tests). */
export interface NetlinkSocketLike {
  address(): { port: number };
  getRecvBufferSize(): number;
  on(event: 'message', cb: (buf: Buffer) => void): unknown;
  on(event: 'error', cb: (err: Error) => void): unknown;
  send(bufs: Buffer[], opts: object, cb: (err: (Error & { errno?: number }) | null) => void): void;
  close(): void;
}

export interface GenlSocketOptions {
  /** Time without any reply after which a request fails with ETIMEDOUT (default 10 s). */
  timeoutMs?: number;
  /** The socket to use (default: a new NETLINK_GENERIC RawNetlinkSocket). */
  socket?: NetlinkSocketLike;
}

const ETIMEDOUT = 110;

/** Most messages in flight on one socket; bounded so the ACKs fit in the receive buffer. */
const MAX_WINDOW = 512;
/** Bytes per sendmsg (must stay below the socket's send buffer). */
const MAX_SEND_BYTES = 64 * 1024;

export class GenlSocket {
  private readonly sock: NetlinkSocketLike;
  private readonly timeoutMs: number;
  private sweeper: NodeJS.Timeout | null = null;
  private readonly pending = new Map<number, Pending>();
  private seq = Math.floor(Math.random() * 0x7fffffff);
  private closed = false;
  private fatal: Error | undefined;
  readonly pid: number;
  /** Messages a batch keeps in flight (derived from the receive buffer the kernel granted). */
  readonly window: number;

  constructor(opts: GenlSocketOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? C.DEFAULT_GENL_TIMEOUT_MS;
    if (opts.socket) this.sock = opts.socket;
    else {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { RawNetlinkSocket: Raw } = require('netlink/dist/raw') as { RawNetlinkSocket: typeof RawNetlinkSocket };
      this.sock = new Raw(C.NETLINK_GENERIC, { recvBufferSize: 4 << 20, sendBufferSize: 1 << 20 }) as unknown as NetlinkSocketLike;
    }
    this.pid = this.sock.address().port;
    // An ACK costs the receive buffer roughly 1 KiB of skb truesize (more when it echoes an
    // erroneous request); a lost ACK would hang the batch, so stay well inside the buffer.
    this.window = Math.max(16, Math.min(MAX_WINDOW, Math.floor(this.sock.getRecvBufferSize() / 1024)));
    this.sock.on('message', (buf: Buffer) => this.onDatagram(buf));
    this.sock.on('error', (err: Error) => this.failAll(err));
    // Referenced while open (toggling per request costs ~0.1 ms under emulation): close() it.
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.failAll(new Error('netlink socket closed'));
    this.stopSweeper();
    this.sock.close();
  }

  /** Ends every request that waited its timeout in running time with ETIMEDOUT; stops itself when nothing is pending. */
  private sweep(): void {
    const now = Date.now();
    for (const [seq, p] of this.pending) {
      p.clock = creditTick(p.clock, now, this.sweepMs);
      if (expired(p.clock, this.timeoutMs)) this.finish(seq, p, { errno: ETIMEDOUT, replies: p.replies });
    }
    if (this.pending.size === 0) this.stopSweeper();
  }

  private get sweepMs(): number {
    return Math.max(10, Math.floor(this.timeoutMs / 4));
  }

  private startSweeper(): void {
    if (this.sweeper || this.closed) return;
    // Checked a few times per timeout: a request fails between timeoutMs and 1.25 × timeoutMs of
    // running time; judged in the check phase, after this turn's poll phase read the socket.
    this.sweeper = judgeEvery(this.sweepMs, () => this.sweep());
  }

  private stopSweeper(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
  }

  private nextSeq(): number {
    this.seq = (this.seq + 1) >>> 0;
    if (this.seq === 0) this.seq = 1;
    return this.seq;
  }

  private failAll(err: Error): void {
    this.fatal = err;
    const all = [...this.pending.values()];
    this.pending.clear();
    // ENOBUFS and friends: the kernel dropped something; every waiter learns it.
    const errno = (err as { errno?: number }).errno ?? 5; /* EIO */
    for (const p of all) p.done({ errno: Math.abs(errno), replies: [] });
  }

  private onDatagram(buf: Buffer): void {
    let msgs: NetlinkMessage[];
    try {
      msgs = parseNetlinkMessages(buf);
    } catch {
      return; // not ours to interpret; the waiter times out only if its ACK was inside
    }
    for (const m of msgs) {
      const p = this.pending.get(m.seq);
      if (!p) continue;
      if (m.type === C.NLMSG_ERROR) {
        this.finish(m.seq, p, { errno: -parseErrorPayload(m.payload), replies: p.replies });
      } else if (m.type === C.NLMSG_DONE) {
        const err = m.payload.length >= 4 ? parseErrorPayload(m.payload) : 0;
        this.finish(m.seq, p, { errno: err < 0 ? -err : 0, replies: p.replies });
      } else {
        p.replies.push(m.payload);
        p.clock = progressed(Date.now()); // a long dump is making progress
        // A non-dump GET is answered by one reply and then its ACK; nothing to do yet.
      }
    }
  }

  private finish(seq: number, p: Pending, outcome: GenlOutcome): void {
    this.pending.delete(seq);
    p.done(outcome);
  }

  private register(req: GenlRequest, family: number, done: (o: GenlOutcome) => void): Buffer {
    const seq = this.nextSeq();
    const dump = (req.flags & C.NLM_F_DUMP) === C.NLM_F_DUMP;
    // Dumps end with NLMSG_DONE and get no ACK; everything else asks for one.
    const flags = C.NLM_F_REQUEST | req.flags | (dump ? 0 : C.NLM_F_ACK);
    const msg = encodeGenlMessage(family, req.cmd, family === C.GENL_ID_CTRL ? 1 : C.IPVS_GENL_VERSION, { flags, seq, pid: this.pid }, req.attrs);
    this.pending.set(seq, { dump, replies: [], done, clock: startClock(Date.now()) });
    this.startSweeper();
    return msg;
  }

  private send(bufs: Buffer[], onError: (errno: number) => void): void {
    this.sock.send(bufs, {}, (err) => {
      if (err) onError(Math.abs(err.errno ?? 5));
    });
  }

  /** One request (a dump or not): resolves with its outcome, never rejects for kernel errors. */
  request(family: number, req: GenlRequest): Promise<GenlOutcome> {
    return new Promise((resolve) => this.requestCb(family, req, resolve));
  }

  /**
   * The same with a callback, called from the receive path: chaining dumps this way (one
   * GET_DEST per service, 10,000 of them) skips a promise and a microtask turn per request.
   */
  requestCb(family: number, req: GenlRequest, done: (o: GenlOutcome) => void): void {
    if (this.closed) {
      queueMicrotask(() => done({ errno: 9 /* EBADF */, replies: [] }));
      return;
    }
    const msg = this.register(req, family, done);
    const seq = msg.readUInt32LE(8);
    this.send([msg], (errno) => {
      const p = this.pending.get(seq);
      if (p) this.finish(seq, p, { errno, replies: [] });
    });
  }

  /**
   * Many non-dump requests, pipelined: up to `window` messages in flight, several per sendmsg,
   * each ACK matched to its request by sequence number. Outcomes come back in request order.
   * The kernel handles the messages of one sendmsg in order and carries on after an error,
   * so one failed op does not stop the others.
   */
  batch(family: number, reqs: GenlRequest[]): Promise<GenlOutcome[]> {
    const results: GenlOutcome[] = new Array(reqs.length);
    if (reqs.length === 0) return Promise.resolve(results);
    if (this.closed) return Promise.resolve(reqs.map(() => ({ errno: 9, replies: [] })));
    const lowWater = Math.floor(this.window / 2);
    let next = 0;
    let inFlight = 0;
    return new Promise((resolve) => {
      const pump = (): void => {
        if (next >= reqs.length && inFlight === 0) {
          resolve(results);
          return;
        }
        while (next < reqs.length && inFlight < this.window) {
          const bufs: Buffer[] = [];
          const seqs: number[] = [];
          let bytes = 0;
          while (next < reqs.length && inFlight < this.window && bytes < MAX_SEND_BYTES) {
            const i = next++;
            inFlight++;
            const msg = this.register(reqs[i], family, (o) => {
              results[i] = o;
              inFlight--;
              if (inFlight === lowWater || (next >= reqs.length && inFlight === 0)) pump();
            });
            seqs.push(msg.readUInt32LE(8));
            bufs.push(msg);
            bytes += msg.length;
          }
          this.send(bufs, (errno) => {
            for (const s of seqs) {
              const p = this.pending.get(s);
              if (p) this.finish(s, p, { errno, replies: [] });
            }
          });
        }
      };
      pump();
    });
  }

  /** Why the socket stopped working, if it did (e.g. ENOBUFS). */
  get error(): Error | undefined {
    return this.fatal;
  }
}
