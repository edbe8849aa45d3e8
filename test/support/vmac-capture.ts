/**
 * What a client on a VMAC's segment sees (tcpdump in its namespace): the source MAC of the next
 * VRRP advert, the MAC in the ARP reply for a VIP, and the Neighbor Advertisement for an IPv6 one.
 */
import { ChildProcess } from 'node:child_process';
import { captureArmed, waitFor } from './directors';
import type { Topology } from './netns';

/** The source MAC of the next VRRP advert seen on the client's segment. */
export function advertSourceMac(topo: Topology, client: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const p: ChildProcess = topo.spawn(client, ['tcpdump', '-c', '1', '-e', '-n', '-l', '-i', 'eth0', 'ip proto 112']);
    let out = '';
    const t = setTimeout(() => (p.kill('SIGKILL'), reject(new Error(`no advert seen: ${out}`))), 20_000);
    p.stdout!.on('data', (c) => (out += c));
    p.once('exit', () => {
      clearTimeout(t);
      const m = /^\S+ ([0-9a-f:]{17}) >/m.exec(out);
      if (m) resolve(m[1]);
      else reject(new Error(`no advert in: ${out}`));
    });
  });
}

/**
 * What tcpdump (`filter`, one packet) sees on the client while a TCP connection attempt to `vip`
 * resolves it, after flushing the client's neighbour entries.
 */
async function oneWhileConnecting(topo: Topology, client: string, vip: string, tcpdumpArgs: string[]): Promise<string> {
  topo.exec(client, ['ip', ...(vip.includes(':') ? ['-6'] : []), 'neigh', 'flush', 'dev', 'eth0'], { allowFail: true });
  const p: ChildProcess = topo.spawn(client, ['tcpdump', '-c', '1', '-n', '-l', '-i', 'eth0', ...tcpdumpArgs]);
  let out = '';
  p.stdout!.on('data', (c) => (out += c));
  await captureArmed(p);
  const js = `const s = require('net').connect(9, '${vip}'); const done = () => process.exit(0); s.on('error', done); s.on('connect', done); setTimeout(done, 3000);`;
  topo.exec(client, [process.execPath, '-e', js], { allowFail: true });
  const exited = await waitFor(() => p.exitCode !== null, 10_000, 50);
  if (!exited) p.kill('SIGKILL');
  return out;
}

/**
 * The MAC in the ARP reply for `vip`, captured on the client while a TCP connection attempt
 * resolves it. (Not the neighbour table: the director then ARPs for the client from eth0 with the
 * VIP as sender — its eth0 route comes first — which re-points the client's entry, keepalived's too.)
 */
export async function arpAnswer(topo: Topology, client: string, vip: string): Promise<string> {
  const hex = vip.split('.').map((o) => Number(o).toString(16).padStart(2, '0')).join('');
  const out = await oneWhileConnecting(topo, client, vip, [`arp and arp[6:2] == 2 and arp[14:4] == 0x${hex}`]);
  return /is-at ([0-9a-f:]{17})/.exec(out)?.[1] ?? `no reply: ${out}`;
}

/**
 * The Neighbor Advertisement for the IPv6 `vip` the client sees while it resolves it:
 * `from ETHER-SOURCE for TARGET-LINK-LAYER-ADDRESS`.
 */
export async function neighborAdvert(topo: Topology, client: string, vip: string): Promise<string> {
  const out = await oneWhileConnecting(topo, client, vip, ['-e', '-v', 'icmp6 and ip6[40] == 136']);
  const src = /^\S+ ([0-9a-f:]{17}) >/m.exec(out)?.[1];
  const tll = /link-address option \(2\), length \d+ \(\d\): ([0-9a-f:]{17})/.exec(out)?.[1];
  return out.includes(`tgt is ${vip}`) ? `from ${src} for ${tll}` : `no NA for ${vip}: ${out}`;
}
