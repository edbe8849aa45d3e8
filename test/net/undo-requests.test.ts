/**
 * The undo datagrams the supervisor replays for a dead worker (src/net/undo-requests.ts), byte for
 * byte: the nf_tables batch is the one `nft delete table ip keepalived` sends (read with
 * `strace -xx` from nftables 1.0.6) with NLM_F_ACK added on the delete, so the supervisor knows
 * when it is done; RTM_DELLINK is `ip link del` by index; a route/rule delete is route-codec's
 * body under a header.
 */
import { delLinkMessage, netlinkMessage, nftDeleteTableBatch, requestMessage } from '../../src/net/undo-requests';
import { encodeWorkerMessage } from '../../src/daemon/held';

const hex = (s: string) => s.replace(/\s+/g, '');

describe('undo datagrams', () => {
  it('nft delete table ip keepalived: batch begin, NFT_MSG_DELTABLE (with ACK), batch end', () => {
    expect(nftDeleteTableBatch('ip', 'keepalived').toString('hex')).toBe(hex(`
      14000000 1000 0100 00000000 00000000  00 00 000a
      24000000 020a 0500 00000000 00000000  02 00 0000  0f00 0100 6b656570616c69766564 00 00
      14000000 1100 0100 00000000 00000000  00 00 000a`));
    // ip6: NFPROTO_IPV6
    expect(nftDeleteTableBatch('ip6', 'keepalived').subarray(20 + 16, 20 + 17)).toEqual(Buffer.from([10]));
  });

  it('RTM_DELLINK by index', () => {
    expect(delLinkMessage(7).toString('hex')).toBe(hex('20000000 1100 0500 00000000 00000000  00 00 0000 07000000 00000000 00000000'));
  });

  it('a route-codec request under a header: REQUEST|ACK and its own flags', () => {
    expect(requestMessage({ type: 25, flags: 0, body: Buffer.from('0102', 'hex') }).toString('hex')).toBe(hex('12000000 1900 0500 00000000 00000000 0102'));
    expect(netlinkMessage(33, 0x401, Buffer.alloc(0)).toString('hex')).toBe(hex('10000000 2100 0104 00000000 00000000'));
  });

  it('the supervisor messages: key and path in hex, the datagram in hex', () => {
    expect(encodeWorkerMessage({ type: 'undo', key: 'VMAC v', entry: { kind: 'netlink', protocol: 12, datagram: Buffer.from([1, 2]) } })).toBe('undo 564d41432076 nl 12 0102');
    expect(encodeWorkerMessage({ type: 'undo', key: 'k', entry: { kind: 'sysctl', path: 'a/b', value: 0 } })).toBe('undo 6b sysctl 612f62 0');
    expect(encodeWorkerMessage({ type: 'undone', key: 'k' })).toBe('undone 6b');
  });
});
