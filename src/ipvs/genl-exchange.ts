/**
 * Generic-netlink requests for a short-lived command (`halo ipvs -L`): every request of a call
 * goes through one synchronous native exchange (halo_native's netlinkExchange) on a private
 * socket, one request at a time as the kernel wants dumps, each reply read as soon as it is
 * queued. The listing's 10,000 per-service destination dumps then cost a sendto and a recv or
 * two each, as in ipvsadm, instead of an event-loop turn, a JS callback and a Buffer per
 * datagram through the netlink package. It blocks the calling thread for the whole exchange,
 * so the daemon keeps GenlSocket; this is for commands that have nothing else to do meanwhile.
 */
import * as C from './constants';
import { AttrWriter } from './attr';
import { GenlRequest, appendGenlMessage } from './codec';
import type { GenlOutcome } from './genl-socket';
import { haloNative } from '../net/native';

/** halo_native's exchange (a fake in unit tests): every reply datagram, concatenated. */
export type NetlinkExchangeFn = (protocol: number, requests: Buffer, timeoutMs: number) => Buffer;

export class GenlExchange {
  private readonly timeoutMs: number;
  private readonly native: NetlinkExchangeFn;

  constructor(opts: { timeoutMs?: number; exchange?: NetlinkExchangeFn } = {}) {
    this.timeoutMs = opts.timeoutMs ?? C.DEFAULT_GENL_TIMEOUT_MS;
    this.native = opts.exchange ?? ((p, r, t) => haloNative().netlinkExchange(p, r, t));
  }

  /**
   * The requests in order (dumps and others alike), each outcome matched by sequence number.
   * A failed exchange (a socket error, ETIMEDOUT without a reply) is every unanswered
   * request's errno, as a broken GenlSocket reports it.
   */
  exchange(family: number, reqs: GenlRequest[]): GenlOutcome[] {
    const replies: Buffer[][] = reqs.map(() => []);
    const errnos = this.exchangeEach(family, reqs, (i, buf, start, end) => replies[i].push(buf.subarray(start, end)));
    return errnos.map((errno, i) => ({ errno, replies: replies[i] }));
  }

  /**
   * The same, handing each reply's genetlink payload to `onReply` as bounds in the exchange's
   * one buffer (no Buffer per reply: the listing reads 40,000). Returns each request's errno
   * (0: answered without error). An exception from `onReply` ends the exchange.
   */
  exchangeEach(family: number, reqs: GenlRequest[], onReply: (i: number, buf: Buffer, start: number, end: number) => void): number[] {
    if (reqs.length === 0) return [];
    const version = family === C.GENL_ID_CTRL ? 1 : C.IPVS_GENL_VERSION;
    const w = new AttrWriter(Math.max(256, reqs.length * 64));
    reqs.forEach((req, i) => {
      const dump = (req.flags & C.NLM_F_DUMP) === C.NLM_F_DUMP;
      const flags = C.NLM_F_REQUEST | req.flags | (dump ? 0 : C.NLM_F_ACK);
      appendGenlMessage(w, family, req.cmd, version, { flags, seq: i + 1, pid: 0 }, req.attrs);
    });
    let buf: Buffer;
    try {
      buf = this.native(C.NETLINK_GENERIC, w.bytes(), this.timeoutMs);
    } catch (e) {
      const errno = Math.abs((e as { errno?: number }).errno ?? 5 /* EIO */);
      return reqs.map(() => errno);
    }
    // -1: not ended yet
    const errnos = new Array<number>(reqs.length).fill(-1);
    let off = 0;
    while (off + C.NLMSG_HDRLEN <= buf.length) {
      const len = buf.readUInt32LE(off);
      if (len < C.NLMSG_HDRLEN || off + len > buf.length) throw new Error(`malformed netlink message at offset ${off}`);
      const i = buf.readUInt32LE(off + 8) - 1;
      if (i >= 0 && i < reqs.length && errnos[i] === -1) {
        const type = buf.readUInt16LE(off + 4);
        const start = off + C.NLMSG_HDRLEN;
        if (type === C.NLMSG_ERROR) errnos[i] = 0 - buf.readInt32LE(start);
        else if (type === C.NLMSG_DONE) {
          const err = len - C.NLMSG_HDRLEN >= 4 ? buf.readInt32LE(start) : 0;
          errnos[i] = err < 0 ? -err : 0;
        } else onReply(i, buf, start, off + len);
      }
      off += (len + 3) & ~3;
    }
    // the native side returns only once every request has ended; a gap is a protocol error
    return errnos.map((e) => (e === -1 ? 71 /* EPROTO */ : e));
  }

  request(family: number, req: GenlRequest): Promise<GenlOutcome> {
    return Promise.resolve(this.exchange(family, [req])[0]);
  }

  batch(family: number, reqs: GenlRequest[]): Promise<GenlOutcome[]> {
    return Promise.resolve(this.exchange(family, reqs));
  }

  close(): void {
    // nothing held between calls: each exchange opens and closes its own socket
  }
}
