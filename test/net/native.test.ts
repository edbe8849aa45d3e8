/**
 * halo_native as built by the install script (`node-gyp rebuild --directory native`), loaded
 * through the same loader the daemon uses. Sends nothing anywhere: only argument checks and the
 * shape of the error values (an ifindex no interface has fails in socket() without CAP_NET_RAW,
 * or in sendto() with it).
 */
import { execFileSync } from 'node:child_process';
import { haloNative } from '../../src/net/native';

describe('halo_native addon', () => {
  it('loads from native/build/Release relative to the package root', () => {
    const n = haloNative();
    expect([typeof n.openPacketSocket, typeof n.sendFrame, typeof n.closePacketSocket]).toEqual(['function', 'function', 'function']);
  });

  it('checks its arguments', () => {
    const { sendFrame } = haloNative();
    expect(() => sendFrame(0, 1, Buffer.alloc(13))).toThrow(/Ethernet header/);
    expect(() => sendFrame(0, 0, Buffer.alloc(42))).toThrow(/positive interface index/);
    expect(() => sendFrame(-1, 1, Buffer.alloc(42))).toThrow(/bad descriptor/);
    expect(() => (sendFrame as (...a: unknown[]) => number)(0, 'eth0', Buffer.alloc(42))).toThrow('sendFrame(fd: number, ifindex: number, frame: Buffer)');
  });

  it('failures carry the syscall and the errno name', () => {
    // Without CAP_NET_RAW the socket() fails; with it, sendto() to an ifindex no link has.
    let caught: unknown;
    let fd: number | null = null;
    try {
      fd = haloNative().openPacketSocket();
      haloNative().sendFrame(fd, 0x7ffffff0, Buffer.alloc(42));
    } catch (err) {
      caught = err;
    } finally {
      if (fd !== null) haloNative().closePacketSocket(fd);
    }
    const e = caught as Error & { code: string; syscall: string; errno: number };
    // (no instanceof: the addon's Error comes from Node's realm, not jest's sandbox)
    expect(e).toBeDefined();
    expect(['socket', 'sendto']).toContain(e.syscall);
    expect(e.code).toMatch(/^E[A-Z]+$/);
    expect(e.errno).toBeGreaterThan(0);
    expect(e.message).toMatch(new RegExp(`^${e.syscall}: ${e.code} \\(.+\\) AF_PACKET( on ifindex ${0x7ffffff0})?$`));
  });
});

describe('halo_native NetlinkEvents', () => {
  it('checks its arguments', () => {
    const { NetlinkEvents } = haloNative();
    expect(() => new (NetlinkEvents as unknown as new (...a: unknown[]) => unknown)(1, 0)).toThrow(
      'new NetlinkEvents(groups: number, rcvbuf: number, onData: function[, protocol: number])',
    );
    expect(() => new NetlinkEvents(1, 0, () => undefined, 4)).toThrow('NetlinkEvents: protocol must be NETLINK_ROUTE or NETLINK_CONNECTOR');
  });

  it('opens on the link group and closes (twice is harmless)', () => {
    const { NetlinkEvents } = haloNative();
    const events = new NetlinkEvents(1, 0, () => undefined);
    expect(() => {
      events.close();
      events.close();
    }).not.toThrow();
  });
});

describe('halo_native DeadlineTimer', () => {
  const { DeadlineTimer } = haloNative();

  it('checks its arguments', () => {
    expect(() => new (DeadlineTimer as unknown as new (...a: unknown[]) => unknown)()).toThrow('new DeadlineTimer(onExpire: function)');
    const t = new DeadlineTimer(() => undefined);
    expect(() => (t.arm as (...a: unknown[]) => void)('soon')).toThrow('arm(delayMs: number)');
    t.close();
    expect(() => t.arm(1)).toThrow(/closed/);
  });

  it('fires once per arming, never before its deadline; re-arming replaces; disarm cancels', async () => {
    const fired: number[] = [];
    let wake: () => void = () => undefined;
    const t = new DeadlineTimer(() => {
      fired.push(performance.now());
      wake();
    });
    try {
      const armedAt = performance.now();
      t.arm(500); // replaced at once by a 3.5 ms arming
      t.arm(3.5);
      await new Promise<void>((r) => (wake = r));
      expect(fired).toHaveLength(1);
      expect(fired[0] - armedAt).toBeGreaterThanOrEqual(3.5);
      t.arm(2);
      t.disarm();
      await new Promise((r) => setTimeout(r, 20));
      expect(fired).toHaveLength(1);
      t.arm(0); // zero or negative: the next poll
      await new Promise<void>((r) => (wake = r));
      await new Promise((r) => setTimeout(r, 20));
      expect(fired).toHaveLength(2);
    } finally {
      t.close();
      t.close();
    }
  });

  it('re-armed from its own callback it keeps firing (the descriptor stays watched between expiries)', async () => {
    let n = 0;
    await new Promise<void>((resolve) => {
      const t = new DeadlineTimer(() => {
        if (++n < 5) t.arm(0.5);
        else {
          t.close();
          resolve();
        }
      });
      t.arm(0.5);
    });
    expect(n).toBe(5);
  });

  it('holds the event loop only while armed: a process exits after the last expiry, and after a disarm', () => {
    // in a child process: the loop ending is the observable (a timer that held it would hang the child)
    const addon = JSON.stringify(require.resolve('../../native/build/Release/halo_native.node'));
    const run = (body: string) => execFileSync(process.execPath, ['-e', `const { DeadlineTimer } = require(${addon}); ${body}`], { encoding: 'utf8', timeout: 20000 });
    expect(run(`let n = 0; const t = new DeadlineTimer(() => { console.log('fired ' + ++n); if (n < 2) t.arm(1); }); t.arm(1);`)).toBe('fired 1\nfired 2\n');
    expect(run(`const t = new DeadlineTimer(() => console.log('fired')); t.arm(60000); t.disarm(); console.log('disarmed');`)).toBe('disarmed\n');
    expect(run(`const t = new DeadlineTimer(() => console.log('fired')); t.arm(1); t.disarm(); t.arm(2);`)).toBe('fired\n');
  });

  it('promise continuations started in the callback run right after it (a callback scope)', async () => {
    const order: string[] = [];
    const t = new DeadlineTimer(() => {
      setImmediate(() => order.push('immediate'));
      void Promise.resolve().then(() => order.push('microtask'));
      order.push('callback');
    });
    t.arm(1);
    await new Promise((r) => setTimeout(r, 30));
    t.close();
    expect(order).toEqual(['callback', 'microtask', 'immediate']);
  });
});

describe('halo_native IP sender (IPPROTO_RAW)', () => {
  it('checks its arguments', () => {
    const n = haloNative();
    expect(() => (n.openIpSender as (...a: unknown[]) => number)(1)).toThrow('openIpSender(ifname: string, ifindex: number)');
    expect(() => n.openIpSender('', 1)).toThrow(/bad interface name/);
    expect(() => n.openIpSender('eth0', 0)).toThrow(/positive interface index/);
    expect(() => n.sendIpPacket(0, Buffer.alloc(19), '224.0.0.18')).toThrow(/IPv4 header/);
    expect(() => n.sendIpPacket(0, Buffer.alloc(20), 'not-an-address')).toThrow(/not an IPv4 address/);
    expect(() => n.sendIpPacket(-1, Buffer.alloc(20), '224.0.0.18')).toThrow(/bad descriptor/);
  });

  it('failures name the call, the errno and the interface', () => {
    // without CAP_NET_RAW socket() fails; with it, SO_BINDTODEVICE to a name no link has
    let caught: unknown;
    try {
      n0().closeIpSender(n0().openIpSender('hl-no-such0', 1));
    } catch (err) {
      caught = err;
    }
    const e = caught as Error & { code: string; syscall: string };
    expect(['socket', 'setsockopt']).toContain(e.syscall);
    expect(e.message).toMatch(/IPPROTO_RAW on hl-no-such0$/);
  });
  const n0 = haloNative;
});
