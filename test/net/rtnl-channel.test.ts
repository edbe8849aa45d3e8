/**
 * The rtnetlink request channel's rules: running-time timeouts, reply matching by sequence
 * number, late replies discarded, and a retired socket after an abandoned dump. The real socket
 * through a stall is test/net/addresses.netns.test.ts.
 */
import { formatMessage, NetlinkMessage, parseMessages } from 'netlink/dist/structs';
import { EventEmitter } from 'events';
import {
  RawSocketLike,
  RtnlChannel,
  absorb,
  creditTick,
  errnoNameOf,
  expired,
  startClock,
  typeName,
} from '../../src/net/rtnl-channel';
import { errnoName } from '../../src/net/errors';

const MULTI = 2;
const msg = (type: number, seq: number, flags = 0, data: Buffer = Buffer.alloc(0)): NetlinkMessage => ({ type, flags, seq, port: 0, data });
const errorMsg = (seq: number, errno: number) => {
  const data = Buffer.alloc(20);
  data.writeInt32LE(-errno, 0);
  return msg(2, seq, 0, data);
};

describe('running-time clock', () => {
  it('credits the time between ticks', () => {
    let c = startClock(1000);
    c = creditTick(c, 1250, 250);
    c = creditTick(c, 1500, 250);
    expect(c.waitedMs).toBe(500);
    expect(expired(c, 500)).toBe(true);
    expect(expired(c, 501)).toBe(false);
  });

  it('a stall credits at most two ticks, however long', () => {
    const c = creditTick(startClock(0), 60_000, 250);
    expect(c.waitedMs).toBe(500);
    expect(expired(c, 5000)).toBe(false);
  });

  it('a clock that went backwards credits nothing', () => {
    expect(creditTick(startClock(5000), 4000, 250).waitedMs).toBe(0);
  });
});

describe('reply rule (absorb)', () => {
  it('an ACK completes the request with what came before it', () => {
    expect(absorb([], errorMsg(7, 0))).toEqual({ kind: 'done', messages: [] });
  });
  it('a non-zero NLMSG_ERROR is the kernel refusing, with its errno', () => {
    expect(absorb([], errorMsg(7, 17))).toEqual({ kind: 'rejected', errno: 17 });
    expect(errnoNameOf(17)).toBe('EEXIST');
    expect(errnoNameOf(16)).toBe('EBUSY');
  });
  it('a dump is its NLM_F_MULTI parts up to NLMSG_DONE', () => {
    const p1 = msg(16, 9, MULTI);
    const p2 = msg(16, 9, MULTI);
    expect(absorb([], p1)).toEqual({ kind: 'part' });
    expect(absorb([p1, p2], msg(3, 9, MULTI))).toEqual({ kind: 'done', messages: [p1, p2] });
  });
  it('a single message without NLM_F_MULTI is a complete reply', () => {
    const m = msg(16, 9);
    expect(absorb([], m)).toEqual({ kind: 'done', messages: [m] });
  });
  it('names message types', () => {
    expect(typeName(20)).toBe('RTM_NEWADDR');
    expect(typeName(99)).toBe('rtnetlink message type 99');
  });
});

/** A stand-in raw socket: records what was sent, delivers what the test says the kernel replied. */
class FakeRaw extends EventEmitter implements RawSocketLike {
  sent: NetlinkMessage[] = [];
  datagrams: Buffer[] = [];
  closed = false;
  address = () => ({ port: 4242 });
  send(bufs: Uint8Array[], _o: object, cb: (err?: Error) => void) {
    const b = Buffer.concat(bufs);
    this.datagrams.push(b);
    this.sent.push({ type: b.readUInt16LE(4), flags: b.readUInt16LE(6), seq: b.readUInt32LE(8), port: b.readUInt32LE(12), data: b.subarray(16) });
    cb();
  }
  deliver(...msgs: NetlinkMessage[]) {
    this.emit('message', Buffer.concat(msgs.flatMap((m) => formatMessage(m))));
  }
  ref() {}
  unref() {}
  close() {
    this.closed = true;
  }
}

describe('RtnlChannel over a stand-in socket', () => {
  let sockets: FakeRaw[];
  let now: number;
  let ch: RtnlChannel;
  beforeEach(() => {
    sockets = [];
    now = 0;
    ch = new RtnlChannel({ open: () => (sockets.push(new FakeRaw()), sockets[sockets.length - 1]), now: () => now, tickMs: 5 });
  });
  afterEach(() => ch.close());
  const tick = () => new Promise((r) => setTimeout(r, 30));

  it('matches replies by sequence number, whatever their order', async () => {
    const a = ch.request(20, Buffer.alloc(8));
    const b = ch.request(21, Buffer.alloc(8));
    const [sa, sb] = sockets[0].sent.map((m) => m.seq);
    expect(sa).not.toBe(sb);
    expect(sockets[0].sent[0].flags & 5).toBe(5); // REQUEST | ACK
    sockets[0].deliver(errorMsg(sb, 99), errorMsg(sa, 0));
    await expect(a).resolves.toEqual([]);
    await expect(b).rejects.toMatchObject({ code: 'EADDRNOTAVAIL', message: 'Request rejected: EADDRNOTAVAIL' });
  });

  it('a batch is one datagram sent before requestBatch returns, each message 4-byte aligned, each request ending on its own', async () => {
    const [a, b] = ch.requestBatch([{ type: 20, data: Buffer.alloc(6) }, { type: 20, data: Buffer.alloc(8), options: { flags: 0x600 } }]);
    expect(sockets[0].datagrams).toHaveLength(1);
    const d = sockets[0].datagrams[0];
    // 16 + 6 = 22 bytes, padded to 24; the second message starts there (NLMSG_ALIGN)
    expect(d.readUInt32LE(0)).toBe(22);
    expect(d.readUInt32LE(24)).toBe(24);
    expect(d.length).toBe(48);
    const [ma, mb] = parseMessages(d);
    expect([ma.type, mb.type]).toEqual([20, 20]);
    expect(mb.flags & 0x600).toBe(0x600);
    expect(ma.seq).not.toBe(mb.seq);
    sockets[0].deliver(errorMsg(mb.seq, 17), errorMsg(ma.seq, 0));
    await expect(a).resolves.toEqual([]);
    await expect(b).rejects.toMatchObject({ code: 'EEXIST' });
    expect(ch.inFlight).toBe(0);
  });

  it('times out on running time only, with ETIMEDOUT naming the message type', async () => {
    const r = ch.request(20, Buffer.alloc(8), { timeout: 20 });
    const seen = r.catch((e: Error) => e);
    // the clock jumps a minute (a stall): no timeout yet
    now = 60_000;
    await tick();
    expect(ch.inFlight).toBe(1);
    for (let i = 0; i < 10 && ch.inFlight; i++) {
      now += 5;
      await tick();
    }
    const err = await seen;
    expect(err).toMatchObject({ code: 'ETIMEDOUT' });
    expect((err as Error).message).toMatch(/no reply to RTM_NEWADDR \(seq \d+\) in 20 ms of running time/);
    expect(errnoName(err)).toBe('ETIMEDOUT');
  });

  it('discards a late reply to an abandoned request and the ACK after a single reply', async () => {
    const r = ch.request(20, Buffer.alloc(8), { timeout: 10 });
    const seen = r.catch((e: Error) => e);
    for (let i = 0; i < 10 && ch.inFlight; i++) {
      now += 5;
      await tick();
    }
    await seen;
    const late = sockets[0].sent[0].seq;
    const next = ch.request(18, Buffer.alloc(16));
    const seq = sockets[0].sent[1].seq;
    const reply = msg(16, seq);
    sockets[0].deliver(errorMsg(late, 0), reply, errorMsg(seq, 0));
    await expect(next).resolves.toEqual([expect.objectContaining({ type: 16, seq })]);
    expect(ch.discarded).toBe(2);
  });

  it('an abandoned dump retires its socket: the next request goes out on a fresh one', async () => {
    const dump = ch.request(18, Buffer.alloc(16), { flags: 0x300, timeout: 10 }).catch((e: Error) => e);
    const seq = sockets[0].sent[0].seq;
    sockets[0].deliver(msg(16, seq, MULTI)); // half a dump, then nothing
    for (let i = 0; i < 10 && ch.inFlight; i++) {
      now += 5;
      await tick();
    }
    expect(await dump).toMatchObject({ code: 'ETIMEDOUT' });
    const next = ch.request(18, Buffer.alloc(16), { flags: 0x300 });
    expect(sockets).toHaveLength(2);
    expect(sockets[0].closed).toBe(true);
    const s2 = sockets[1].sent[0].seq;
    sockets[1].deliver(msg(16, s2, MULTI), msg(16, s2, MULTI), msg(3, s2, MULTI));
    await expect(next).resolves.toHaveLength(2);
    expect(ch.retired).toBe(1);
  });

  it('a dump making progress is not timed out', async () => {
    const dump = ch.request(18, Buffer.alloc(16), { flags: 0x300, timeout: 12 });
    const seq = sockets[0].sent[0].seq;
    for (let i = 0; i < 6; i++) {
      now += 5;
      sockets[0].deliver(msg(16, seq, MULTI));
      await tick();
    }
    sockets[0].deliver(msg(3, seq, MULTI));
    await expect(dump).resolves.toHaveLength(6);
  });

  it('a receive error fails what is pending with its errno and retires the socket', async () => {
    const r = ch.request(20, Buffer.alloc(8));
    const errors: Error[] = [];
    ch.on('error', (e) => errors.push(e));
    sockets[0].emit('error', Object.assign(new Error('recvmsg: No buffer space available'), { code: 'ENOBUFS' }));
    await expect(r).rejects.toMatchObject({ code: 'ENOBUFS' });
    expect(errors).toHaveLength(1);
    void ch.request(20, Buffer.alloc(8)).catch(() => undefined);
    expect(sockets).toHaveLength(2);
  });
});
