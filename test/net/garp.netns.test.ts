/**
 * Gratuitous ARP through halo_native's AF_PACKET send, seen on the peer by tcpdump and decoded
 * independently by tshark: opcode request, sender IP = target IP = VIP, from our MAC.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { decodeArpFrame, encodeArpFrame, gratuitousArp } from '../../src/net/garp';
import { Agent } from './support/agent-client';
import { IF, Pair, createPair, ipJson, run } from './support/netns';
import { describeNeeding, root, tool } from '../support/prerequisites';

/** Frames of a classic pcap file: [seconds with µs, bytes]. */
function pcapFrames(file: string): Array<{ t: number; data: Buffer }> {
  const b = fs.readFileSync(file);
  expect(b.readUInt32LE(0)).toBe(0xa1b2c3d4); // microsecond pcap, little-endian (tcpdump's default)
  const frames = [];
  for (let at = 24; at + 16 <= b.length; ) {
    const caplen = b.readUInt32LE(at + 8);
    frames.push({ t: b.readUInt32LE(at) + b.readUInt32LE(at + 4) / 1e6, data: b.subarray(at + 16, at + 16 + caplen) });
    at += 16 + caplen;
  }
  return frames;
}

const d = describeNeeding(root, tool('tcpdump'), tool('tshark'));

d('gratuitous ARP (netns, tcpdump on the peer)', () => {
  let pair: Pair;
  let a: Agent;
  let dir: string;
  let tcpdump: ChildProcess | undefined;

  beforeAll(async () => {
    pair = createPair('garp');
    a = await Agent.start(pair.a);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hnet-garp-'));
  }, 30000);

  afterAll(async () => {
    if (tcpdump && tcpdump.exitCode === null) tcpdump.kill('SIGKILL'); // our own child, by PID
    await a?.stop();
    pair?.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Start tcpdump in the peer namespace for `count` ARP frames (or `filter`); resolves once it listens. */
  function capture(file: string, count: number, filter = 'arp'): Promise<{ exited: Promise<number | null> }> {
    const child = spawn('ip', ['netns', 'exec', pair.b, 'tcpdump', '-i', IF, '-U', '-c', String(count), '-w', file, filter], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    tcpdump = child;
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return new Promise((resolve, reject) => {
      let err = '';
      const timer = setTimeout(() => reject(new Error(`tcpdump did not start: ${err}`)), 10000);
      child.stderr!.on('data', (d) => {
        err += d;
        if (err.includes('listening on')) {
          clearTimeout(timer);
          resolve({ exited }); // wrapped: resolving with a promise would wait for tcpdump to exit
        }
      });
    });
  }

  it('sends repeat × VIPs frames; the peer sees keepalived-shaped GARPs', async () => {
    const file = path.join(dir, 'garp.pcap');
    const mac: string = ipJson(pair.a, 'link', 'show', IF)[0].address;
    const { exited: done } = await capture(file, 4);
    const r = await a.call('garp.announce', { ifname: IF, vips: ['192.0.2.200', '192.0.2.201'], repeat: 2 });
    expect(r).toEqual({ ok: true, value: 4 });
    const timer = setTimeout(() => tcpdump?.kill('SIGKILL'), 5000);
    expect(await done).toBe(0);
    clearTimeout(timer);

    // Our own decoder, and byte equality with the encoder (so with keepalived's golden shape).
    const frames = pcapFrames(file);
    expect(frames).toHaveLength(4);
    const vips = ['192.0.2.200', '192.0.2.201', '192.0.2.200', '192.0.2.201'];
    frames.forEach((f, i) => {
      expect(f.data.subarray(0, 42)).toEqual(encodeArpFrame(gratuitousArp(mac, vips[i])));
      const dec = decodeArpFrame(f.data);
      expect(dec.ok && dec.frame.senderIp === vips[i] && dec.frame.targetIp === vips[i]).toBe(true);
    });

    // An independent decoder: tshark.
    const fields = run('tshark', [
      '-r', file, '-T', 'fields', '-E', 'separator=,',
      '-e', 'eth.dst', '-e', 'eth.src', '-e', 'arp.opcode', '-e', 'arp.src.hw_mac', '-e', 'arp.src.proto_ipv4',
      '-e', 'arp.dst.hw_mac', '-e', 'arp.dst.proto_ipv4', '-e', 'arp.isgratuitous',
    ]).trim().split('\n');
    expect(fields).toEqual(vips.map((v) => `ff:ff:ff:ff:ff:ff,${mac},1,${mac},${v},ff:ff:ff:ff:ff:ff,${v},1`)); // isgratuitous = 1
    // And tcpdump's own reading.
    const text = run('tcpdump', ['-r', file, '-nn', '-e']);
    expect(text).toContain(`${mac} > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: Request who-has 192.0.2.200 (ff:ff:ff:ff:ff:ff) tell 192.0.2.200, length 28`);
  }, 30000);

  it('an unknown interface is ENODEV, what is not an address is refused; nothing is sent', async () => {
    const r = await a.call('garp.announce', { ifname: 'nosuch0', vips: ['192.0.2.200'], repeat: 1 });
    expect(r).toEqual({ ok: false, error: expect.objectContaining({ message: 'ENODEV sending gratuitous ARP on nosuch0' }) });
    const bad = await a.call('garp.announce', { ifname: IF, vips: ['vip'], repeat: 1 });
    expect(bad.ok).toBe(false);
    expect(bad.error.code).toBe('EAFNOSUPPORT');
  });

  it('an IPv6 VIP gets unsolicited neighbour adverts that tshark reads as keepalived\'s', async () => {
    const file = path.join(dir, 'na.pcap');
    const mac: string = ipJson(pair.a, 'link', 'show', IF)[0].address;
    const { exited: done } = await capture(file, 2, 'icmp6 and ip6[40] == 136');
    const r = await a.call('garp.announce', { ifname: IF, vips: ['2001:db8::200'], repeat: 2 });
    expect(r).toEqual({ ok: true, value: 2 });
    const timer = setTimeout(() => tcpdump?.kill('SIGKILL'), 5000);
    expect(await done).toBe(0);
    clearTimeout(timer);
    const frames = pcapFrames(file);
    expect(frames).toHaveLength(2);
    const fields = run('tshark', [
      '-r', file, '-T', 'fields', '-E', 'separator=,', '-e', 'eth.dst', '-e', 'ipv6.src', '-e', 'ipv6.dst', '-e', 'ipv6.hlim',
      '-e', 'icmpv6.nd.na.target_address', '-e', 'icmpv6.nd.na.flag.o', '-e', 'icmpv6.nd.na.flag.r', '-e', 'icmpv6.opt.linkaddr', '-e', 'icmpv6.checksum.status',
    ]).trim().split('\n');
    expect(fields).toEqual(new Array(2).fill(`33:33:00:00:00:01,2001:db8::200,ff02::1,255,2001:db8::200,1,0,${mac},1`));
  });

  it('a send on a link that is down is an error value from the kernel (ENETDOWN), naming the VIP', async () => {
    run('ip', ['-n', pair.a, 'link', 'set', IF, 'down']);
    try {
      const r = await a.call('garp.announce', { ifname: IF, vips: ['192.0.2.200'], repeat: 1 });
      expect(r).toEqual({ ok: false, error: expect.objectContaining({ message: 'ENETDOWN sending gratuitous ARP on hnet0 for 192.0.2.200' }) });
    } finally {
      run('ip', ['-n', pair.a, 'link', 'set', IF, 'up']);
    }
  });
});
