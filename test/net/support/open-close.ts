/**
 * Opens a VRRP socket, sends one advert-sized packet to the group, then closes it
 * ("close") or leaves it open ("leave-open"). With "close" the process must exit by itself:
 * that is the proof that close() releases the event loop.
 * Usage: node -r ts-register.js open-close.ts IFNAME IFINDEX SRC close|leave-open
 */
import { openVrrpSocket } from '../../../src/net/vrrp-socket';

const [ifname, ifindex, src, mode] = process.argv.slice(2);
const sock = openVrrpSocket({ ifname, ifindex: Number(ifindex) });
// reachable for the life of the process, as the daemon's socket map keeps its sockets: an
// unreachable raw-socket may be collected by the next GC, which closes it and frees the loop
(globalThis as { vrrpSocket?: unknown }).vrrpSocket = sock;
const header = Buffer.from('45c0002800000000ff700000', 'hex');
const packet = Buffer.concat([header, Buffer.from(src.split('.').map(Number)), Buffer.from([224, 0, 0, 18]), Buffer.alloc(20)]);
sock.send(packet, '224.0.0.18').then(
  () => {
    process.stdout.write('sent\n');
    if (mode === 'close') sock.close();
  },
  (err) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  },
);
