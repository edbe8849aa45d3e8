import { headerDestination, ipMreqn, openVrrpSocket } from '../../src/net/vrrp-socket';

describe('VRRP socket helpers (pure)', () => {
  it('struct ip_mreqn: group, any local address, ifindex in host order', () => {
    expect(ipMreqn('224.0.0.18', 3).toString('hex')).toBe('e0000012' + '00000000' + '03000000');
    expect(ipMreqn('0.0.0.0', 258).toString('hex')).toBe('00000000' + '00000000' + '02010000');
  });

  it('reads the destination from an IPv4 header, and says why a buffer is not one', () => {
    const h = Buffer.from('45c0002800010000ff70ccdec0a84d0be0000012', 'hex'); // keepalived's v2 advert header
    expect(headerDestination(h)).toBe('224.0.0.18');
    expect(headerDestination(h.subarray(0, 19))).toEqual({ reason: '19 bytes is shorter than an IPv4 header' });
    const v6 = Buffer.from(h);
    v6[0] = 0x60;
    expect(headerDestination(v6)).toEqual({ reason: 'IP version 6, not 4' });
  });
});

describe('openVrrpSocket sends (raw-socket and the addon faked)', () => {
  const header = (dst: number[]) => Buffer.from([0x45, 0xc0, 0, 40, 0, 1, 0, 0, 255, 112, 0, 0, 192, 168, 77, 11, ...dst, ...new Array(20).fill(0)]);
  const GROUP = header([224, 0, 0, 18]);
  function rig(senderErr: string | null | 'none' = null) {
    const queued: string[] = [];
    const direct: string[] = [];
    const raw = () => ({
      createSocket: () => ({
        setOption: () => undefined,
        send: (_b: Buffer, _o: number, len: number, addr: string, cb: (e: Error | null, n: number) => void) => {
          queued.push(addr);
          setImmediate(() => cb(null, len));
        },
        on: () => undefined,
        close: () => undefined,
      }),
    });
    const sender = senderErr === 'none' ? () => null : () => ({
      open: () => 7,
      send: (_fd: number, p: Buffer, dst: string) => {
        if (senderErr) throw Object.assign(new Error(`${senderErr} sendto`), { code: senderErr });
        direct.push(dst);
        return p.length;
      },
      close: () => undefined,
    });
    const t = openVrrpSocket({ ifname: 'eth0', ifindex: 2 }, raw as never, sender);
    return { t, queued, direct };
  }

  it('the addon\'s sender: sendNow puts the packet on the wire on return (null), send() resolves, no queue', async () => {
    const r = rig();
    expect(r.t.sendNow!(GROUP, '224.0.0.18')).toBeNull();
    await expect(r.t.send(GROUP, '224.0.0.18')).resolves.toBeUndefined();
    expect(r.direct).toEqual(['224.0.0.18', '224.0.0.18']);
    expect(r.queued).toEqual([]);
  });

  it('a full send buffer (EAGAIN): sendNow cannot (undefined), send() queues it on raw-socket', async () => {
    const r = rig('EAGAIN');
    expect(r.t.sendNow!(GROUP, '224.0.0.18')).toBeUndefined();
    await expect(r.t.send(GROUP, '224.0.0.18')).resolves.toBeUndefined();
    expect(r.queued).toEqual(['224.0.0.18']);
  });

  it('any other error is the answer, from sendNow and send() alike', async () => {
    const r = rig('ENETUNREACH');
    expect(r.t.sendNow!(GROUP, '224.0.0.18')).toMatchObject({ name: 'NetError', code: 'ENETUNREACH' });
    await expect(r.t.send(GROUP, '224.0.0.18')).rejects.toMatchObject({ code: 'ENETUNREACH', message: expect.stringContaining('sending VRRP to 224.0.0.18 on eth0') });
    expect(r.queued).toEqual([]);
  });

  it('without the addon sendNow cannot, and send() goes through raw-socket', async () => {
    const r = rig('none');
    expect(r.t.sendNow!(GROUP, '224.0.0.18')).toBeUndefined();
    await expect(r.t.send(GROUP, '224.0.0.18')).resolves.toBeUndefined();
    expect(r.queued).toEqual(['224.0.0.18']);
  });

  it('a header naming another destination, or a closed socket, is refused before any send', async () => {
    const r = rig();
    expect(r.t.sendNow!(GROUP, '192.168.77.12')).toMatchObject({ code: 'EINVAL', message: expect.stringContaining('the IPv4 header says 224.0.0.18') });
    await expect(r.t.send(GROUP, '192.168.77.12')).rejects.toMatchObject({ code: 'EINVAL' });
    r.t.close();
    expect(r.t.sendNow!(GROUP, '224.0.0.18')).toMatchObject({ code: 'EBADF' });
    await expect(r.t.send(GROUP, '224.0.0.18')).rejects.toMatchObject({ code: 'EBADF' });
    expect(r.direct).toEqual([]);
  });
});
