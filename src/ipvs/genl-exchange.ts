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
import { GenlRequest, encodeGenlMessage, parseErrorPayload } from './codec';
import { DEFAULT_GENL_TIMEOUT_MS, GenlOutcome } from './genl-socket';
import { haloNative } from '../net/native';

/** halo_native's exchange (a fake in unit tests): every reply datagram, concatenated. */
export type NetlinkExchangeFn = (protocol: number, requests: Buffer, timeoutMs: number) => Buffer;

export class GenlExchange {
  private readonly timeoutMs: number;
  private readonly native: NetlinkExchangeFn;

  constructor(opts: { timeoutMs?: number; exchange?: NetlinkExchangeFn } = {}) {
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_GENL_TIMEOUT_MS;
    this.native = opts.exchange ?? ((p, r, t) => haloNative().netlinkExchange(p, r, t));
  }

  /**
   * The requests in order (dumps and others alike), each outcome matched by sequence number.
   * A failed exchange (a socket error, ETIMEDOUT without a reply) is every unanswered
   * request's errno, as a broken GenlSocket reports it.
   */
  exchange(family: number, reqs: GenlRequest[]): GenlOutcome[] {
    const outcomes: (GenlOutcome | undefined)[] = new Array(reqs.length);
    const replies: Buffer[][] = reqs.map(() => []);
    if (reqs.length === 0) return [];
    const version = family === C.GENL_ID_CTRL ? 1 : C.IPVS_GENL_VERSION;
    const msgs = reqs.map((req, i) => {
      const dump = (req.flags & C.NLM_F_DUMP) === C.NLM_F_DUMP;
      const flags = C.NLM_F_REQUEST | req.flags | (dump ? 0 : C.NLM_F_ACK);
      return encodeGenlMessage(family, req.cmd, version, { flags, seq: i + 1, pid: 0 }, req.attrs);
    });
    let buf: Buffer;
    try {
      buf = this.native(C.NETLINK_GENERIC, Buffer.concat(msgs), this.timeoutMs);
    } catch (e) {
      const errno = Math.abs((e as { errno?: number }).errno ?? 5 /* EIO */);
      return reqs.map(() => ({ errno, replies: [] }));
    }
    let off = 0;
    while (off + C.NLMSG_HDRLEN <= buf.length) {
      const len = buf.readUInt32LE(off);
      if (len < C.NLMSG_HDRLEN || off + len > buf.length) throw new Error(`malformed netlink message at offset ${off}`);
      const i = buf.readUInt32LE(off + 8) - 1;
      if (i >= 0 && i < reqs.length && outcomes[i] === undefined) {
        const type = buf.readUInt16LE(off + 4);
        const payload = buf.subarray(off + C.NLMSG_HDRLEN, off + len);
        if (type === C.NLMSG_ERROR) outcomes[i] = { errno: 0 - parseErrorPayload(payload), replies: replies[i] };
        else if (type === C.NLMSG_DONE) {
          const err = payload.length >= 4 ? parseErrorPayload(payload) : 0;
          outcomes[i] = { errno: err < 0 ? -err : 0, replies: replies[i] };
        } else replies[i].push(payload);
      }
      off += (len + 3) & ~3;
    }
    // the native side returns only once every request has ended; a gap is a protocol error
    return Array.from(outcomes, (o) => o ?? { errno: 71 /* EPROTO */, replies: [] });
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
