/**
 * The DNS_CHECK probe (check_dns.c): one UDP query (random id, RD set, QDCOUNT 1, the
 * configured type and name, class IN) to connect_ip:connect_port, then the first datagram that
 * is a response to it decides: an answer with another id, or a query (QR clear), or a runt is
 * ignored and the wait goes on, as keepalived does; rcode ≠ 0 is a failure; an ICMP error on
 * the connected socket is a failure; nothing in connect_timeout is "read timeout from socket".
 */
/** node:crypto, loaded on first use: a worker that never needs it does not pay its ~2 MB of RSS (issue 15). */
const crypto = () => require('node:crypto') as typeof import('node:crypto');
import { DNS_TYPES } from '../config/build-checker';
import type { DnsCheck } from '../config/model';
import { datagramExchange } from './datagram-exchange';
import type { ProbeOutcome } from './probe';

const HEADER = 12;

/** check_dns.c dns_make_query: the query packet for `name` and `type`. */
export function encodeQuery(id: number, name: string, type: string): Buffer {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(HEADER);
  head.writeUInt16BE(id, 0);
  head.writeUInt16BE(0x0100, 2); // RD
  head.writeUInt16BE(1, 4);
  parts.push(head);
  const labels = name === '' || name === '.' ? [] : name.replace(/\.$/, '').split('.');
  for (const l of labels) {
    const b = Buffer.from(l, 'latin1');
    parts.push(Buffer.from([b.length]), b);
  }
  const tail = Buffer.alloc(5);
  tail.writeUInt16BE(DNS_TYPES[type] ?? DNS_TYPES.SOA, 1);
  tail.writeUInt16BE(1, 3); // IN
  parts.push(tail);
  return Buffer.concat(parts);
}

export type DnsVerdict = { kind: 'ignore' } | { kind: 'ok' } | { kind: 'rcode'; rcode: number };

/** What a received datagram means for the query with `id` (dns_recv_thread). */
export function judgeDnsReply(id: number, msg: Buffer): DnsVerdict {
  if (msg.length < HEADER) return { kind: 'ignore' };
  if (msg.readUInt16BE(0) !== id) return { kind: 'ignore' };
  const flags = msg.readUInt16BE(2);
  if (!(flags & 0x8000)) return { kind: 'ignore' };
  const rcode = flags & 0x000f;
  return rcode ? { kind: 'rcode', rcode } : { kind: 'ok' };
}

export function dnsProbe(c: DnsCheck): Promise<ProbeOutcome> {
  const id = crypto().randomInt(0, 0x10000);
  return datagramExchange({
    connectIp: c.connectIp, connectPort: c.connectPort, bindto: c.bindto, bindPort: c.bindPort, bindIf: c.bindIf, fwmark: c.fwmark, timeoutMs: c.connectTimeoutMs,
    payload: encodeQuery(id, c.name, c.type),
    onTimeout: () => ({ result: 'timeout', reason: 'read timeout from socket' }),
    onError: (err) => ({ result: 'failed', reason: `failed to read socket; errno ${-(err.errno ?? 0) || ''} (${err.code ?? err.message})` }),
    onSendError: () => ({ result: 'failed', reason: 'failed to write socket.' }),
    onMessage: (msg) => {
      const v = judgeDnsReply(id, msg);
      if (v.kind === 'ok') return { result: 'success' };
      if (v.kind === 'rcode') return { result: 'failed', reason: `read error occurred. (rcode = ${v.rcode})` };
      return null;
    },
  });
}
