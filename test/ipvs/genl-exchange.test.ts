/**
 * GenlExchange and halo_native's netlinkExchange: the synchronous path `halo ipvs -L` lists
 * through. The native side runs against the host kernel's nlctrl (generic netlink's own family,
 * present without IPVS and without privileges); the matching of replies to requests by
 * sequence number runs against hand-made datagrams.
 */
import * as C from '../../src/ipvs/constants';
import { decodeFamilyId, encodeGenlMessage, getFamilyRequest, parseGenl } from '../../src/ipvs/codec';
import { GenlExchange } from '../../src/ipvs/genl-exchange';
import { haloNative } from '../../src/net/native';

/** One netlink message as the kernel would put it in a datagram. */
function reply(type: number, seq: number, payload: Buffer): Buffer {
  const b = Buffer.alloc(16 + ((payload.length + 3) & ~3));
  b.writeUInt32LE(16 + payload.length, 0);
  b.writeUInt16LE(type, 4);
  b.writeUInt32LE(seq, 8);
  payload.copy(b, 16);
  return b;
}
const errno = (n: number): Buffer => {
  const b = Buffer.alloc(20);
  b.writeInt32LE(-n, 0);
  return b;
};

describe('halo_native netlinkExchange against the kernel (nlctrl)', () => {
  it('checks its arguments', () => {
    const { netlinkExchange } = haloNative();
    expect(() => (netlinkExchange as (...a: unknown[]) => Buffer)(16, 'x', 100)).toThrow('netlinkExchange(protocol: number, requests: Buffer, timeoutMs: number)');
    expect(() => netlinkExchange(C.NETLINK_GENERIC, Buffer.from([40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), 100)).toThrow(/malformed request/);
  });

  it('resolves a family, dumps every family and reports ENOENT, each outcome by its own request', () => {
    const ex = new GenlExchange({ timeoutMs: 2000 });
    const [byName, dump, missing] = ex.exchange(C.GENL_ID_CTRL, [
      getFamilyRequest('nlctrl'),
      { cmd: C.CTRL_CMD_GETFAMILY, flags: C.NLM_F_DUMP },
      getFamilyRequest('nosuchfam-ft'),
    ]);
    expect(byName.errno).toBe(0);
    expect(byName.replies).toHaveLength(1);
    expect(decodeFamilyId(parseGenl(byName.replies[0]))).toBe(C.GENL_ID_CTRL);
    expect(dump.errno).toBe(0);
    const ids = dump.replies.map((r) => decodeFamilyId(parseGenl(r)));
    expect(ids).toContain(C.GENL_ID_CTRL);
    expect(new Set(ids).size).toBe(ids.length);
    expect(missing).toEqual({ errno: 2 /* ENOENT */, replies: [] });
  });

  it('a thousand dumps back to back on one socket (no EBUSY: each ends before the next is sent)', () => {
    const reqs = Array.from({ length: 1000 }, () => ({ cmd: C.CTRL_CMD_GETFAMILY, flags: C.NLM_F_DUMP }));
    const outcomes = new GenlExchange().exchange(C.GENL_ID_CTRL, reqs);
    expect(outcomes.every((o) => o.errno === 0)).toBe(true);
    const n = outcomes[0].replies.length;
    expect(n).toBeGreaterThan(0);
    expect(outcomes.every((o) => o.replies.length === n)).toBe(true);
  });
});

describe('GenlExchange matching', () => {
  it('sends the requests in order with sequence numbers 1..n, ACK asked for non-dumps only', () => {
    let sent: Buffer | undefined;
    const ex = new GenlExchange({
      exchange: (protocol, requests) => {
        expect(protocol).toBe(C.NETLINK_GENERIC);
        sent = requests;
        return Buffer.concat([reply(C.NLMSG_ERROR, 1, errno(0)), reply(C.NLMSG_DONE, 2, Buffer.alloc(4))]);
      },
    });
    expect(ex.exchange(0x20, [{ cmd: 5, flags: 0 }, { cmd: 6, flags: C.NLM_F_DUMP }])).toEqual([
      { errno: 0, replies: [] },
      { errno: 0, replies: [] },
    ]);
    const golden = Buffer.concat([
      encodeGenlMessage(0x20, 5, C.IPVS_GENL_VERSION, { flags: C.NLM_F_REQUEST | C.NLM_F_ACK, seq: 1, pid: 0 }),
      encodeGenlMessage(0x20, 6, C.IPVS_GENL_VERSION, { flags: C.NLM_F_REQUEST | C.NLM_F_DUMP, seq: 2, pid: 0 }),
    ]);
    expect(sent?.toString('hex')).toBe(golden.toString('hex'));
  });

  it('replies go to their request by sequence number, errors stay with theirs, strays are ignored', () => {
    const ex = new GenlExchange({
      exchange: () =>
        Buffer.concat([
          reply(0x20, 1, Buffer.from([1, 1, 0, 0, 0xaa])),
          reply(0x20, 1, Buffer.from([1, 1, 0, 0, 0xbb])),
          reply(C.NLMSG_DONE, 1, Buffer.alloc(4)),
          reply(0x20, 77, Buffer.from([1, 1, 0, 0])), // no such request
          reply(C.NLMSG_ERROR, 2, errno(3 /* ESRCH */)),
          reply(C.NLMSG_DONE, 3, errno(16 /* EBUSY */)),
        ]),
    });
    const [a, b, c] = ex.exchange(0x20, [{ cmd: 1, flags: C.NLM_F_DUMP }, { cmd: 2, flags: 0 }, { cmd: 1, flags: C.NLM_F_DUMP }]);
    expect(a.errno).toBe(0);
    expect(a.replies.map((r) => r[4])).toEqual([0xaa, 0xbb]);
    expect(b).toEqual({ errno: 3, replies: [] });
    expect(c).toEqual({ errno: 16, replies: [] });
  });

  it('a failed exchange is every request\'s errno; a request never answered is EPROTO', () => {
    const failing = new GenlExchange({
      exchange: () => {
        throw Object.assign(new Error('recv: ETIMEDOUT'), { errno: 110 });
      },
    });
    expect(failing.exchange(0x20, [{ cmd: 1, flags: 0 }, { cmd: 2, flags: 0 }])).toEqual([
      { errno: 110, replies: [] },
      { errno: 110, replies: [] },
    ]);
    const short = new GenlExchange({ exchange: () => reply(C.NLMSG_ERROR, 1, errno(0)) });
    expect(short.exchange(0x20, [{ cmd: 1, flags: 0 }, { cmd: 2, flags: 0 }])[1]).toEqual({ errno: 71, replies: [] });
  });
});
