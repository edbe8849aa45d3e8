/**
 * The UDP_CHECK probe (check_udp.c, layer4.c udp_bind_connect/udp_socket_state): send the
 * payload (or keepalived's 32-byte filler) on a connected UDP socket; an ICMP port
 * unreachable (the socket's ECONNREFUSED) is a failure; with require_reply a reply must come
 * within connect_timeout, be min..max_reply_length long and match the reply bytes (X nibbles
 * are wildcards); without require_reply silence is success.
 */
import type { UdpCheck } from '../config/model';
import { datagramExchange } from './datagram-exchange';
import type { ProbeOutcome } from './probe';

/** layer4.c set_buf: "keepalived check - " repeated over the buffer. */
export function fillerPayload(len = 32): Buffer {
  const s = 'keepalived check - ';
  const b = Buffer.alloc(len);
  for (let i = 0; i < len; i++) b[i] = s.charCodeAt(i % s.length);
  return b;
}

/** check_udp_reply: true when the reply is acceptable. */
export function udpReplyMatches(c: Pick<UdpCheck, 'minReplyLength' | 'maxReplyLength' | 'replyData' | 'replyMask'>, reply: Buffer): boolean {
  if (reply.length < c.minReplyLength || reply.length > c.maxReplyLength) return false;
  if (c.replyData === null) return true;
  const want = Buffer.from(c.replyData, 'hex');
  const mask = c.replyMask ? Buffer.from(c.replyMask, 'hex') : null;
  const n = Math.min(want.length, reply.length);
  for (let i = 0; i < n; i++) if ((reply[i] ^ want[i]) & (mask ? ~mask[i] & 0xff : 0xff)) return false;
  return true;
}

export function udpProbe(c: UdpCheck): Promise<ProbeOutcome> {
  return datagramExchange({
    connectIp: c.connectIp, connectPort: c.connectPort, bindto: c.bindto, bindPort: c.bindPort, bindIf: c.bindIf, fwmark: c.fwmark, timeoutMs: c.connectTimeoutMs,
    payload: c.payload !== null ? Buffer.from(c.payload, 'hex') : fillerPayload(),
    // keepalived: a read timeout is success unless a reply is required.
    onTimeout: () => (c.requireReply ? { result: 'timeout', reason: 'no reply' } : { result: 'success' }),
    onError: (err) => ({ result: 'failed', reason: err.code === 'ECONNREFUSED' ? 'ICMP port unreachable' : `error ${err.code ?? err.message}` }),
    onSendError: (err) => ({ result: 'failed', reason: `error ${err.code ?? err.message}` }),
    onMessage: (msg) => (!c.requireReply || udpReplyMatches(c, msg) ? { result: 'success' } : { result: 'failed', reason: 'reply data mismatch' }),
  });
}
