/**
 * The VM tier's injected regression (test/lab/fixtures/slow-vip-add.js) holds exactly the
 * datagrams that carry an RTM_NEWADDR: read here on messages formatted as halo's rtnetlink
 * channel formats them (one datagram for a takeover's batch of VIP adds, each message padded to
 * 4 bytes), and on a real RawNetlinkSocket.send patched by the preload's loader hook.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { formatMessage } from 'netlink/dist/structs';
import { MessageType } from 'netlink/dist/rt/gen_structs';
import * as rt from 'netlink/dist/rt/structs';
import { AttrStream } from 'netlink/dist/structs';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { messageTypes } = require('./fixtures/slow-vip-add.js') as { messageTypes: (msg: Uint8Array | Uint8Array[]) => number[] };

function datagram(types: number[]): Uint8Array[] {
  const bufs: Uint8Array[] = [];
  types.forEach((type, i) => {
    const out = new AttrStream();
    rt.formatAddressMessage({ kind: 'address', data: { family: 2, prefixlen: 32, index: 2 }, attrs: { local: Buffer.from([192, 168, 1, 200 + i]), address: Buffer.from([192, 168, 1, 200 + i]) } }, out);
    const bytes = formatMessage({ type, flags: 0x605, seq: i + 1, port: 1234, data: out.bufs });
    bufs.push(...bytes);
    const pad = bytes.reduce((n, b) => n + b.length, 0) % 4;
    if (pad !== 0) bufs.push(new Uint8Array(4 - pad));
  });
  return bufs;
}

describe('the slow-VIP-add preload (VM tier regression)', () => {
  it('reads every message type of a datagram: a batch of adds, a delete, a link dump', () => {
    expect(messageTypes(datagram([MessageType.NEWADDR, MessageType.NEWADDR, MessageType.NEWADDR]))).toEqual([20, 20, 20]);
    expect(messageTypes(datagram([MessageType.DELADDR]))).toEqual([21]);
    expect(messageTypes(Buffer.concat(datagram([MessageType.GETLINK])))).toEqual([18]);
  });

  it('patches RawNetlinkSocket.send in a process that loads the preload, whichever way it reaches netlink/dist/raw', () => {
    const root = join(__dirname, '..', '..');
    const probe = (code: string) => execFileSync(process.execPath, ['--require', join(__dirname, 'fixtures', 'slow-vip-add.js'), '-e', code], { cwd: root, encoding: 'utf8' }).trim();
    // as the worker bundle loads it (external), and as unbundled code does (netlink's index → ./raw)
    expect(probe("process.stdout.write(String(require('netlink/dist/raw').RawNetlinkSocket.prototype.send.toString().includes('holding an RTM_NEWADDR')))")).toBe('true');
    expect(probe("require('netlink'); process.stdout.write(String(require('netlink/dist/raw').RawNetlinkSocket.prototype.send.toString().includes('holding an RTM_NEWADDR')))")).toBe('true');
    // without the preload, netlink's own
    expect(execFileSync(process.execPath, ['-e', "process.stdout.write(String(require('netlink/dist/raw').RawNetlinkSocket.prototype.send.toString().includes('holding')))"], { cwd: root, encoding: 'utf8' })).toBe('false');
  });
});
