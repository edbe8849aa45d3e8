/**
 * The netlink datagrams that undo what the worker installed, encoded ahead of time so the C
 * supervisor (native/src/supervisor.c) can replay them after a crash without knowing any codec:
 * an RTM_DELROUTE/RTM_DELRULE for a route or rule (route-codec.ts's bodies), an RTM_DELLINK for a
 * VMAC, and an nf_tables batch deleting a table (what
 * `nft delete table FAMILY NAME` sends). Every message asks for an ACK; the supervisor numbers
 * them (nlmsg_seq) when it sends.
 */
import type { Request } from './route-codec';
import { attr } from './route-codec';

/** What to do, should the worker die, to take one thing it installed away again. */
export type UndoEntry =
  | { kind: 'netlink'; protocol: number; datagram: Buffer }
  | { kind: 'sysctl'; path: string; value: number };

/**
 * Where the worker records each undo while the thing it undoes is in place (the supervisor
 * replays the records of a dead worker, newest first), and forgets it once it took the thing
 * away itself. A key names the thing in the supervisor's log (`route 10.9.0.0/16 dev eth0`).
 */
export interface UndoLog {
  record(key: string, entry: UndoEntry): void;
  forget(key: string): void;
}

export const NETLINK_ROUTE = 0;
export const NETLINK_NETFILTER = 12;

const NLM_F_REQUEST = 0x1;
const NLM_F_ACK = 0x4;
const RTM_DELLINK = 17;
const NFNL_MSG_BATCH_BEGIN = 0x10;
const NFNL_MSG_BATCH_END = 0x11;
const NFNL_SUBSYS_NFTABLES = 10;
const NFT_MSG_DELTABLE = 2;
const NFTA_TABLE_NAME = 1;
/** nf_tables' families: NFPROTO_IPV4 / NFPROTO_IPV6 (AF_INET / AF_INET6). */
const NFPROTO = { ip: 2, ip6: 10 } as const;

/** One whole netlink message: nlmsghdr (seq and pid 0) then the body. */
export function netlinkMessage(type: number, flags: number, body: Buffer): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt32LE(16 + body.length, 0);
  h.writeUInt16LE(type, 4);
  h.writeUInt16LE(flags, 6);
  return Buffer.concat([h, body]);
}

/** A route-codec request (an RTM_DELROUTE / RTM_DELRULE) as a whole message. */
export const requestMessage = (r: Request): Buffer => netlinkMessage(r.type, NLM_F_REQUEST | NLM_F_ACK | r.flags, r.body);

/** RTM_DELLINK of one interface by index. */
export function delLinkMessage(ifindex: number): Buffer {
  const ifi = Buffer.alloc(16);
  ifi.writeInt32LE(ifindex, 4);
  return netlinkMessage(RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, ifi);
}

/** struct nfgenmsg: family, version 0, res_id (big-endian). */
function nfgenmsg(family: number, resId: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt8(family, 0);
  b.writeUInt16BE(resId, 2);
  return b;
}

/** One nf_tables batch (begin, NFT_MSG_DELTABLE, end) deleting table `family name`. */
export function nftDeleteTableBatch(family: 'ip' | 'ip6', name: string): Buffer {
  const begin = netlinkMessage(NFNL_MSG_BATCH_BEGIN, NLM_F_REQUEST, nfgenmsg(0, NFNL_SUBSYS_NFTABLES));
  const del = netlinkMessage((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_DELTABLE, NLM_F_REQUEST | NLM_F_ACK,
    Buffer.concat([nfgenmsg(NFPROTO[family], 0), attr(NFTA_TABLE_NAME, Buffer.from(`${name}\0`))]));
  const end = netlinkMessage(NFNL_MSG_BATCH_END, NLM_F_REQUEST, nfgenmsg(0, NFNL_SUBSYS_NFTABLES));
  return Buffer.concat([begin, del, end]);
}
