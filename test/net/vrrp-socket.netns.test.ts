/**
 * The VRRP socket against the real kernel: two namespaces on a veth pair; adverts sent with
 * IP_HDRINCL from one side are read, whole, on the other with TTL 255 and the right source.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Agent } from './support/agent-client';
import { REGISTER } from './support/agent-client';
import { ADDR_A, ADDR_B, IF, Pair, createPair, ipJson, until } from './support/netns';
import { describeNeeding, root } from '../support/prerequisites';

const FIXTURES = path.resolve(__dirname, '../../../shared/fixtures/keepalived-2.2.7/hex');
/** The VRRPv3 message keepalived 2.2.7 sent (after its 20-byte IPv4 header). */
const VRRP = Buffer.from(fs.readFileSync(path.join(FIXTURES, 'v3-advert.ip.hex'), 'utf8').trim(), 'hex').subarray(20);

/** An IPv4 header as keepalived builds it: TOS 0xc0, DF clear, TTL 255, protocol 112. */
function ipv4(src: string, dst: string, payload: Buffer, id: number): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h[1] = 0xc0;
  h.writeUInt16BE(20 + payload.length, 2);
  h.writeUInt16BE(id, 4);
  h[8] = 255;
  h[9] = 112;
  h.set(src.split('.').map(Number), 12);
  h.set(dst.split('.').map(Number), 16);
  return Buffer.concat([h, payload]);
}

const d = describeNeeding(root);

d('VRRP socket (netns)', () => {
  let pair: Pair;
  let a: Agent;
  let b: Agent;
  let ifindexA: number;
  let ifindexB: number;

  beforeAll(async () => {
    pair = createPair('vrrp');
    ifindexA = ipJson(pair.a, 'link', 'show', IF)[0].ifindex;
    ifindexB = ipJson(pair.b, 'link', 'show', IF)[0].ifindex;
    [a, b] = await Promise.all([Agent.start(pair.a), Agent.start(pair.b)]);
  }, 30000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    pair?.cleanup();
  });

  it('multicast: the group member receives the whole packet with TTL 255 and the sender as source; a socket that did not join gets nothing (IP_MULTICAST_ALL=0)', async () => {
    const sender = await a.call<number>('vrrp.open', { ifname: IF, ifindex: ifindexA });
    const member = await b.call<number>('vrrp.open', { ifname: IF, ifindex: ifindexB });
    const bystander = await b.call<number>('vrrp.open', { ifname: IF, ifindex: ifindexB, group: null });
    const packet = ipv4(ADDR_A, '224.0.0.18', VRRP, 0x1234);
    for (let i = 0; i < 3; i++) await a.call('vrrp.send', sender, packet.toString('hex'), '224.0.0.18');

    await b.waitEvent((e) => e.event === 'packet' && e.socket === member);
    await new Promise((r) => setTimeout(r, 300)); // let the rest arrive (and any stray copy)
    const got = b.events.filter((e) => e.event === 'packet' && e.socket === member);
    expect(got).toHaveLength(3);
    const rx = Buffer.from(got[0].hex, 'hex');
    expect(got[0].source).toBe(ADDR_A);
    expect(rx[8]).toBe(255); // TTL
    expect(rx[9]).toBe(112);
    expect(rx[1]).toBe(0xc0);
    expect(rx.readUInt16BE(4)).toBe(0x1234); // our IP ID, not the kernel's
    expect(rx.readUInt16BE(6) & 0x4000).toBe(0); // DF clear
    expect(rx.subarray(16, 20)).toEqual(Buffer.from([224, 0, 0, 18]));
    expect(rx.subarray(20)).toEqual(VRRP);
    expect(b.events.filter((e) => e.event === 'packet' && e.socket === bystander)).toHaveLength(0);
    // Nothing looped back to the sender (IP_MULTICAST_LOOP=0, and it is on another host anyway).
    expect(a.events.filter((e) => e.event === 'packet' && e.socket === sender)).toHaveLength(0);

    await Promise.all([a.call('vrrp.close', sender), b.call('vrrp.close', member), b.call('vrrp.close', bystander)]);
  });

  it('after close (IP_DROP_MEMBERSHIP) the group is left: no membership for 224.0.0.18 remains', async () => {
    const s = await b.call<number>('vrrp.open', { ifname: IF, ifindex: ifindexB });
    const joined = () => ipJson(pair.b, 'maddr', 'show', 'dev', IF)[0]?.maddr?.some((m: any) => m.address === '224.0.0.18') ?? false;
    expect(joined()).toBe(true);
    await b.call('vrrp.close', s);
    expect(joined()).toBe(false);
  });

  it('unicast: sent to the peer address, received by a socket without a group, right source', async () => {
    const sender = await a.call<number>('vrrp.open', { ifname: IF, ifindex: ifindexA, group: null });
    const peer = await b.call<number>('vrrp.open', { ifname: IF, ifindex: ifindexB, group: null });
    const onLo = await b.call<number>('vrrp.open', { ifname: 'lo', ifindex: 1, group: null });
    const packet = ipv4(ADDR_A, ADDR_B, VRRP, 7);
    await a.call('vrrp.send', sender, packet.toString('hex'), ADDR_B);
    const got = await b.waitEvent((e) => e.event === 'packet' && e.socket === peer);
    expect(got.source).toBe(ADDR_A);
    const rx = Buffer.from(got.hex, 'hex');
    expect(rx.subarray(16, 20)).toEqual(Buffer.from([192, 0, 2, 2]));
    expect(rx.subarray(20)).toEqual(VRRP);
    await new Promise((r) => setTimeout(r, 200));
    // SO_BINDTODEVICE: a socket bound to another interface does not see it.
    expect(b.events.filter((e) => e.event === 'packet' && e.socket === onLo)).toHaveLength(0);
    await Promise.all([a.call('vrrp.close', sender), b.call('vrrp.close', peer), b.call('vrrp.close', onLo)]);
  });

  it('unicast to a peer with no VRRP socket: its ICMP protocol-unreachable replies do not break ours', async () => {
    const s = await a.call<number>('vrrp.open', { ifname: IF, ifindex: ifindexA, group: null });
    const packet = ipv4(ADDR_A, ADDR_B, VRRP, 9).toString('hex');
    for (let i = 0; i < 3; i++) {
      await a.call('vrrp.send', s, packet, ADDR_B);
      await new Promise((r) => setTimeout(r, 100)); // let the ICMP error come back
    }
    expect(a.events.filter((e) => e.event === 'socketError')).toEqual([]);
    await a.call('vrrp.close', s);
  });

  it('refuses a packet whose IPv4 header names another destination', async () => {
    const s = await a.call<number>('vrrp.open', { ifname: IF, ifindex: ifindexA, group: null });
    await expect(a.call('vrrp.send', s, ipv4(ADDR_A, ADDR_B, VRRP, 1).toString('hex'), '192.0.2.9')).rejects.toThrow(
      'EINVAL sending VRRP to 192.0.2.9 on hnet0: the IPv4 header says 192.0.2.2',
    );
    await a.call('vrrp.close', s);
  });

  it('an unknown interface is an error value naming the option and the errno', async () => {
    await expect(a.call('vrrp.open', { ifname: 'nosuch0', ifindex: 99 })).rejects.toThrow(
      'ENODEV setting SO_BINDTODEVICE nosuch0 on the VRRP socket of nosuch0',
    );
  });

  function runOpenClose(mode: 'close' | 'leave-open') {
    const child = spawn(
      'ip',
      ['netns', 'exec', pair.a, process.execPath, '-r', REGISTER, path.join(__dirname, 'support/open-close.ts'), IF, String(ifindexA), ADDR_A, mode],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, exited, output: () => out };
  }

  it('close() releases the event loop: the process exits by itself; without close it stays', async () => {
    const closed = runOpenClose('close');
    const timer = setTimeout(() => closed.child.kill('SIGKILL'), 8000);
    expect(await closed.exited).toBe(0);
    clearTimeout(timer);
    expect(closed.output()).toBe('sent\n');

    const open = runOpenClose('leave-open');
    // it has opened and sent (however long its start took here); then it must not exit by itself
    await until(() => open.output() === 'sent\n' || open.child.exitCode !== null, 15_000);
    const early = await Promise.race([open.exited, new Promise((r) => setTimeout(() => r('still running'), 2000))]);
    open.child.kill('SIGKILL'); // our own child, by PID
    await open.exited;
    expect(early).toBe('still running');
    expect(open.output()).toBe('sent\n');
  }, 40000);
});
