/**
 * halo_native as built by the install script (`node-gyp rebuild --directory native`), loaded
 * through the same loader the daemon uses. Sends nothing anywhere: only argument checks and the
 * shape of the error values (an ifindex no interface has fails in socket() without CAP_NET_RAW,
 * or in sendto() with it).
 */
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
