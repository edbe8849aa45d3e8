/**
 * Every generic-netlink request has a deadline: a socket whose replies never come (a lost ACK, a
 * kernel that stopped answering) ends each request with ETIMEDOUT naming the operation, and the
 * reconcile loop then resyncs. The socket is an in-memory fake that answers only what it is
 * told to (the real kernel always answers; the VM tier covers the real socket).
 */
import { GenlSocket, NetlinkSocketLike } from '../../src/ipvs/genl-socket';
import { IpvsClient } from '../../src/ipvs/client';
import { encodeGenlMessage } from '../../src/ipvs/codec';
import * as C from '../../src/ipvs/constants';
import { ReconcileLoop } from '../../src/ipvs/reconcile-loop';
import type { IpvsService } from '../../src/ipvs/types';
import { FakeClock } from '../check/fake-clock';
import { realServer, virtualServer } from '../check/model-fixtures';

const IPVS_FAMILY = 0x2a;

/** A netlink socket that answers nlctrl's family lookup and, while `answering`, ACKs everything else. */
class FakeNetlink implements NetlinkSocketLike {
  answering = false;
  readonly sent: { family: number; seq: number; cmd: number }[] = [];
  private onMessage: (b: Buffer) => void = () => undefined;
  address() {
    return { port: 4242 };
  }
  getRecvBufferSize() {
    return 1 << 20;
  }
  on(event: 'message' | 'error', cb: (x: never) => void) {
    if (event === 'message') this.onMessage = cb as (b: Buffer) => void;
    return this;
  }
  send(bufs: Buffer[], _o: object, cb: (err: null) => void) {
    for (const b of bufs) {
      const m = { family: b.readUInt16LE(4), seq: b.readUInt32LE(8), cmd: b.readUInt8(16) };
      this.sent.push(m);
      if (m.family === C.GENL_ID_CTRL) {
        const reply = encodeGenlMessage(C.GENL_ID_CTRL, 1, 1, { flags: 0, seq: m.seq, pid: 4242 }, (w) => w.u16(C.CTRL_ATTR_FAMILY_ID, IPVS_FAMILY));
        setImmediate(() => this.onMessage(Buffer.concat([reply, this.ack(b)])));
      } else if (this.answering) {
        setImmediate(() => this.onMessage(this.ack(b)));
      }
    }
    cb(null);
  }
  /** NLMSG_ERROR with error 0 echoing the request's header. */
  ack(req: Buffer): Buffer {
    const out = Buffer.alloc(16 + 4 + 16);
    out.writeUInt32LE(out.length, 0);
    out.writeUInt16LE(C.NLMSG_ERROR, 4);
    out.writeUInt32LE(req.readUInt32LE(8), 8);
    req.copy(out, 20, 0, 16);
    return out;
  }
  close() {}
}

describe('generic netlink request timeout', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] }));
  afterEach(() => jest.useRealTimers());

  it('a request that gets no reply ends with ETIMEDOUT after the timeout, not before', async () => {
    const sock = new GenlSocket({ timeoutMs: 2000, socket: new FakeNetlink() });
    let outcome: { errno: number } | null = null;
    void sock.request(IPVS_FAMILY, { cmd: C.IPVS_CMD_FLUSH, flags: 0 }).then((o) => (outcome = o));
    await jest.advanceTimersByTimeAsync(1900);
    expect(outcome).toBeNull();
    await jest.advanceTimersByTimeAsync(1000);
    expect(outcome).toEqual({ errno: 110, replies: [] });
    sock.close();
  });

  it('a stall of the process (the clock jumps a minute) does not time a request out: running time counts', async () => {
    const sock = new GenlSocket({ timeoutMs: 2000, socket: new FakeNetlink() });
    let outcome: { errno: number } | null = null;
    void sock.request(IPVS_FAMILY, { cmd: C.IPVS_CMD_FLUSH, flags: 0 }).then((o) => (outcome = o));
    jest.setSystemTime(Date.now() + 60_000);
    await jest.advanceTimersByTimeAsync(600);
    expect(outcome).toBeNull();
    await jest.advanceTimersByTimeAsync(2500);
    expect(outcome).toEqual({ errno: 110, replies: [] });
    sock.close();
  });

  it('the IPVS client names the operation: "ETIMEDOUT adding service TCP 10.0.0.1:80"; a batch reports each op', async () => {
    const fake = new FakeNetlink();
    const client = await IpvsClient.open({ newSocket: () => new GenlSocket({ timeoutMs: 1000, socket: fake }) });
    expect(client.family).toBe(IPVS_FAMILY);
    const svc: IpvsService = {
      key: { af: 4, protocol: 6, address: '10.0.0.1', port: 80 }, scheduler: 'rr', flags: 0, timeout: 0, netmask: 0xffffffff, destinations: [],
    };
    const single = client.addService(svc).catch((e: Error) => e);
    const batch = client.apply([{ op: 'add-service', service: svc }, { op: 'del-service', key: svc.key }]);
    await jest.advanceTimersByTimeAsync(1500);
    expect(((await single) as Error).message).toBe('ETIMEDOUT adding service TCP 10.0.0.1:80');
    expect((await batch).map((r) => r.error?.message)).toEqual([
      'ETIMEDOUT adding service TCP 10.0.0.1:80',
      'ETIMEDOUT deleting service TCP 10.0.0.1:80',
    ]);
    // the socket still works once the kernel answers again; the late ACKs of expired requests are ignored
    fake.answering = true;
    await expect(client.flush()).resolves.toBeUndefined();
    client.close();
  });

  it('a lost reply stalls nothing: the reconcile loop logs the error and resyncs (re-reads the kernel) until it converges', async () => {
    const fake = new FakeNetlink();
    const client = await IpvsClient.open({ newSocket: () => new GenlSocket({ timeoutMs: 1000, socket: fake }) });
    const clock = new FakeClock();
    const lines: string[] = [];
    // listing comes from memory (empty table); applying goes through the silent socket
    let lists = 0;
    const table = {
      listServices: async () => (lists++, [] as IpvsService[]),
      apply: (ops: Parameters<IpvsClient['apply']>[0]) => client.apply(ops),
    };
    const vs = virtualServer({ realServers: [realServer('10.0.100.2', 80, { checkers: [] })] });
    const loop = new ReconcileLoop({
      table, input: { virtualServers: [vs], virtualServerGroups: [] }, checkerUp: () => true, lvsFlush: false,
      log: (l) => lines.push(l), notify: () => undefined, clock,
    });
    const started = loop.start();
    await jest.advanceTimersByTimeAsync(1500);
    await started;
    expect(lines).toContain('ETIMEDOUT adding service TCP 192.168.1.202:80');
    expect(lines).toContain('IPVS: re-reading the kernel table in 1 s (attempt 1)');
    expect(loop.inSync).toBe(false);
    expect(lists).toBe(1);
    // the kernel answers again: the resync re-reads it and applies the service
    fake.answering = true;
    const sentBefore = fake.sent.length;
    await clock.advance(1000);
    for (let i = 0; i < 20 && !loop.inSync; i++) await new Promise((r) => setImmediate(r));
    expect(lists).toBe(2);
    expect(loop.inSync).toBe(true);
    expect(lines[lines.length - 1]).toBe('IPVS: table resynchronised');
    expect(fake.sent.slice(sentBefore).map((m) => m.cmd)).toEqual([C.IPVS_CMD_NEW_SERVICE, C.IPVS_CMD_NEW_DEST]);
    await loop.stop('off');
    client.close();
  });

  it('resync backoff: 1 s, 2 s, 4 s … capped at 30 s', () => {
    const { resyncDelayMs } = jest.requireActual('../../src/ipvs/reconcile-loop');
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(resyncDelayMs)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });
});
