/**
 * DNS_CHECK, UDP_CHECK and PING_CHECK codecs and rules: golden bytes (the query keepalived's
 * dns_make_query builds, RFC 1071 checksums), keepalived's reply judgements, and DNS_CHECK's
 * retry rule; the UDP and DNS probes against responders on 127.0.0.1, including the bad
 * answers (wrong id, a query instead of a response, runts, mismatched reply, port unreachable).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as dgram from 'node:dgram';
import { encodeQuery, judgeDnsReply, dnsProbe } from '../../src/check/dns-probe';
import { onDnsResult } from '../../src/check/dns-retry';
import { decodeIcmp, decodeIcmp6, encodeEcho, icmpChecksum } from '../../src/check/ping-probe';
import { fillerPayload, udpProbe, udpReplyMatches } from '../../src/check/udp-probe';
import { readHexString } from '../../src/config/build-checker';
import { onProbeResult, initialCheckerState } from '../../src/check/retry';
import type { DnsCheck, UdpCheck } from '../../src/config/model';
import type { CheckerState } from '../../src/check/retry';

const here = { file: 't', line: 1, col: 1 };
const common = { retry: 1, delayBeforeRetryMs: 100, warmupMs: 0, delayLoopMs: 1000, alpha: false, logAllFailures: false, location: here };
const conn = { connectIp: '127.0.0.1', connectPort: 0, bindto: null, bindPort: null, bindIf: null, fwmark: null, connectTimeoutMs: 300 };

describe('DNS_CHECK', () => {
  test('the query: id, RD, one question, labels, type, class IN', () => {
    expect(encodeQuery(0x1234, 'www.example.org', 'A').toString('hex'))
      .toBe('123401000001000000000000' + '03777777076578616d706c65036f726700' + '0001' + '0001');
    expect(encodeQuery(1, '', 'SOA').toString('hex')).toBe('000101000001000000000000' + '00' + '0006' + '0001');
    expect(encodeQuery(1, 'example.org.', 'MX').subarray(12).toString('hex')).toBe('076578616d706c65036f726700000f0001');
  });

  test('reply judgement: wrong id, a query and runts are ignored; rcode fails', () => {
    const reply = (id: number, flags: number) => { const b = Buffer.alloc(12); b.writeUInt16BE(id, 0); b.writeUInt16BE(flags, 2); return b; };
    expect(judgeDnsReply(7, reply(7, 0x8180))).toEqual({ kind: 'ok' });
    expect(judgeDnsReply(7, reply(8, 0x8180))).toEqual({ kind: 'ignore' });
    expect(judgeDnsReply(7, reply(7, 0x0100))).toEqual({ kind: 'ignore' });
    expect(judgeDnsReply(7, Buffer.alloc(5))).toEqual({ kind: 'ignore' });
    expect(judgeDnsReply(7, reply(7, 0x8183))).toEqual({ kind: 'rcode', rcode: 3 });
  });

  test("keepalived's dns_final: retry 3, delay_before_retry = delay_loop, the last failure logged with 'after'", () => {
    const p = { retry: 3, delayLoopMs: 5000, delayBeforeRetryMs: 5000, logAllFailures: false };
    let s: CheckerState = { isUp: true, hasRun: false, retryIt: 3 };
    const steps: unknown[] = [];
    const feed = (err: string | null) => { const r = onDnsResult(s, err, p); s = r.state; steps.push([s.isUp, r.delayMs, r.log]); };
    feed(null); // first success
    feed('read timeout from socket');
    feed('read timeout from socket');
    feed('read timeout from socket');
    feed('read timeout from socket');
    feed(null);
    expect(steps).toEqual([
      [true, 5000, null],
      [true, 5000, null], [true, 5000, null], [true, 5000, null],
      [false, 5000, 'read timeout from socket after 3 retries'],
      [true, 5000, null],
    ]);
    // before the first verdict one failure is enough, logged without "after"
    expect(onDnsResult({ isUp: true, hasRun: false, retryIt: 3 }, 'x', p)).toMatchObject({ state: { isUp: false }, log: 'x' });
  });

  test('probe against a responder that first sends junk, a wrong id and a query, then the answer', async () => {
    const srv = dgram.createSocket('udp4');
    await new Promise<void>((r) => srv.bind(0, '127.0.0.1', () => r()));
    srv.on('message', (q, from) => {
      const id = q.readUInt16BE(0);
      const send = (b: Buffer) => srv.send(b, from.port, from.address);
      send(Buffer.from('junk'));
      const wrong = Buffer.from(q); wrong.writeUInt16BE((id + 1) & 0xffff, 0); wrong.writeUInt16BE(0x8180, 2); send(wrong);
      send(Buffer.from(q)); // the query itself (QR clear)
      const ok = Buffer.from(q); ok.writeUInt16BE(0x8180, 2); setTimeout(() => send(ok), 20);
    });
    try {
      const c: DnsCheck = { kind: 'DNS_CHECK', ...common, ...conn, connectPort: (srv.address()).port, type: 'A', name: 'x.test' };
      expect(await dnsProbe(c)).toEqual({ result: 'success' });
      // a server that only ever answers with the wrong id: a read timeout
      srv.removeAllListeners('message');
      srv.on('message', (q, from) => { const w = Buffer.from(q); w.writeUInt16BE((q.readUInt16BE(0) + 1) & 0xffff, 0); w.writeUInt16BE(0x8180, 2); srv.send(w, from.port, from.address); });
      expect(await dnsProbe(c)).toEqual({ result: 'timeout', reason: 'read timeout from socket' });
    } finally {
      srv.close();
    }
  });
});

describe('UDP_CHECK', () => {
  test("read_hex_str: blanks allowed, X wildcards only where allowed, invalid strings refused", () => {
    expect(readHexString('68 61 6c6f', false)).toEqual({ data: Buffer.from('halo'), mask: null });
    expect(readHexString('4f4b XX', true)).toEqual({ data: Buffer.from([0x4f, 0x4b, 0]), mask: Buffer.from([0, 0, 0xff]) });
    expect(readHexString('4X', true)).toEqual({ data: Buffer.from([0x40]), mask: Buffer.from([0x0f]) });
    expect(readHexString('4X', false)).toBeNull();
    expect(readHexString('zz', false)).toBeNull();
    expect(readHexString('', false)).toBeNull();
  });

  test("check_udp_reply: lengths, bytes, wildcards, only the shorter of reply and pattern compared", () => {
    const c = { minReplyLength: 0, maxReplyLength: 255, replyData: '4f4b00', replyMask: '0000ff' };
    expect(udpReplyMatches(c, Buffer.from('OK?'))).toBe(true);
    expect(udpReplyMatches(c, Buffer.from('OK'))).toBe(true);
    expect(udpReplyMatches(c, Buffer.from('NO!'))).toBe(false);
    expect(udpReplyMatches({ ...c, minReplyLength: 4 }, Buffer.from('OK?'))).toBe(false);
    expect(fillerPayload().toString()).toBe('keepalived check - keepalived ch');
  });

  test('probe: silence is success without require_reply, a timeout with it; port unreachable fails; mismatch fails', async () => {
    const srv = dgram.createSocket('udp4');
    await new Promise<void>((r) => srv.bind(0, '127.0.0.1', () => r()));
    const port = srv.address().port;
    const c: UdpCheck = { kind: 'UDP_CHECK', ...common, ...conn, connectPort: port, payload: null, requireReply: false, replyData: null, replyMask: null, minReplyLength: 0, maxReplyLength: 255 };
    try {
      expect(await udpProbe(c)).toEqual({ result: 'success' });
      expect(await udpProbe({ ...c, requireReply: true })).toEqual({ result: 'timeout', reason: 'no reply' });
      srv.on('message', (m, from) => srv.send(m.subarray(0, 3).toString() === 'kee' ? Buffer.from('PONG') : Buffer.from('nope'), from.port, from.address));
      expect(await udpProbe({ ...c, requireReply: true, replyData: Buffer.from('PONG').toString('hex') })).toEqual({ result: 'success' });
      expect(await udpProbe({ ...c, requireReply: true, payload: '00', replyData: Buffer.from('PONG').toString('hex') })).toEqual({ result: 'failed', reason: 'reply data mismatch' });
    } finally {
      srv.close();
    }
    expect(await udpProbe(c)).toEqual({ result: 'failed', reason: 'ICMP port unreachable' });
  });
});

describe('PING_CHECK codec', () => {
  test('echo request: type 8, id, sequence, keepalived filler, valid checksum; replies and errors decoded', () => {
    const e = encodeEcho(0xbeef, 7);
    expect([e[0], e.readUInt16BE(4), e.readUInt16LE(6), e.length]).toEqual([8, 0xbeef, 7, 8 + 128]);
    expect(icmpChecksum(e)).toBe(0);
    const ip = (src: number[], payload: Buffer) => Buffer.concat([Buffer.from([0x45, 0, 0, 0, 0, 0, 0, 0, 64, 1, 0, 0, ...src, 10, 0, 0, 1]), payload]);
    const reply = Buffer.from(e); reply[0] = 0;
    expect(decodeIcmp(ip([10, 0, 0, 9], reply))).toEqual({ kind: 'reply', type: 0, id: 0xbeef, seq: 7, about: '10.0.0.9' });
    const unreach = Buffer.concat([Buffer.from([3, 1, 0, 0, 0, 0, 0, 0]), Buffer.from([0x45, 0, 0, 0, 0, 0, 0, 0, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 9]), e.subarray(0, 8)]);
    expect(decodeIcmp(ip([10, 0, 0, 254], unreach))).toEqual({ kind: 'error', type: 3, id: 0xbeef, seq: 7, about: '10.0.0.9' });
    expect(decodeIcmp(ip([10, 0, 0, 9], e))).toBeNull(); // our own request looped back
  });

  test('ICMPv6 echo request: type 128, id, sequence, the same filler, checksum left to the kernel; replies and errors decoded', () => {
    const e = encodeEcho(0xbeef, 9, 6);
    expect([e[0], e[1], e.readUInt16BE(2), e.readUInt16BE(4), e.readUInt16LE(6), e.length]).toEqual([128, 0, 0, 0xbeef, 9, 8 + 128]);
    expect(e.subarray(8)).toEqual(encodeEcho(0xbeef, 9).subarray(8));
    const reply = Buffer.from(e); reply[0] = 129;
    expect(decodeIcmp6(reply, '2001:db8:0:0::9')).toEqual({ kind: 'reply', type: 129, id: 0xbeef, seq: 9, about: '2001:db8::9' });
    // destination unreachable (1, code 3 address unreachable) quoting our IPv6 header (next header 58) and echo
    const ip6 = Buffer.alloc(40);
    ip6[0] = 0x60; ip6[6] = 58; ip6[7] = 64;
    Buffer.from('20010db8000000000000000000000001', 'hex').copy(ip6, 8);
    Buffer.from('20010db8000000000000000000000009', 'hex').copy(ip6, 24);
    const unreach = Buffer.concat([Buffer.from([1, 3, 0, 0, 0, 0, 0, 0]), ip6, e]);
    expect(decodeIcmp6(unreach, '2001:db8::fe')).toEqual({ kind: 'error', type: 1, id: 0xbeef, seq: 9, about: '2001:db8::9' });
    expect(decodeIcmp6(e, '2001:db8::1')).toBeNull(); // our own request looped back
    expect(decodeIcmp6(Buffer.from([135, 0, 0, 0, 0, 0, 0, 0]), 'fe80::1')).toBeNull(); // neighbour solicitation
    expect(decodeIcmp6(Buffer.concat([Buffer.from([1, 3, 0, 0, 0, 0, 0, 0]), ip6.subarray(0, 20)]), '2001:db8::fe')).toBeNull(); // truncated quote
  });

  test("keepalived 2.2.7's echo request layout (check_ping.c ping6_it, read from its source): sequence in host order, 128 bytes of set_buf's filler", () => {
    // type 128, code 0, checksum 0 (the kernel's), identifier (keepalived: its ping socket's), sequence 1 as 01 00
    const filler = Buffer.from('keepalived check - '.repeat(7).slice(0, 128));
    const keepalived = Buffer.concat([Buffer.from([128, 0, 0, 0, 0x12, 0x34, 0x01, 0x00]), filler]);
    expect(encodeEcho(0x1234, 1, 6)).toEqual(keepalived);
    expect(encodeEcho(0x1234, 0x0102, 6).subarray(6, 8)).toEqual(Buffer.from([0x02, 0x01]));
    // IPv4 (ping_it): the same sequence order
    expect(encodeEcho(0x1234, 1).subarray(6, 8)).toEqual(Buffer.from([0x01, 0x00]));
  });

  test("keepalived 2.2.7's captured ICMPv6 echo request (fixture): halo's bytes but for the kernel's checksum", () => {
    const golden = Buffer.from(readFileSync(join(__dirname, '..', 'fixtures', 'keepalived-2.2.7-ipv6', 'ping6-echo-request.icmp6.hex'), 'utf8').trim(), 'hex');
    const ours = encodeEcho(golden.readUInt16BE(4), 0, 6); // keepalived's identifier (its ping socket's) and first sequence
    expect(ours.length).toBe(golden.length);
    expect(Buffer.concat([ours.subarray(0, 2), ours.subarray(4)])).toEqual(Buffer.concat([golden.subarray(0, 2), golden.subarray(4)]));
    // the checksum the kernel put in: over the IPv6 pseudo-header (fd00:62::1 → fd00:62::10, next header 58)
    const pseudo = Buffer.concat([Buffer.from('fd000062000000000000000000000001fd000062000000000000000000000010', 'hex'), Buffer.from([0, 0, 0, ours.length, 0, 0, 0, 58])]);
    expect(icmpChecksum(Buffer.concat([pseudo, ours]))).toBe(golden.readUInt16BE(2));
  });

  test("the real server's reply to keepalived's request (fixture): accepted as that probe's answer (identifier, sequence, source)", () => {
    const fixture = (name: string) => Buffer.from(readFileSync(join(__dirname, '..', 'fixtures', 'keepalived-2.2.7-ipv6', name), 'utf8').trim(), 'hex');
    const request = fixture('ping6-echo-request.icmp6.hex');
    const reply = fixture('ping6-echo-reply.icmp6.hex');
    // the kernel sees the reply without the IPv6 header, from the server (as the raw socket gives it)
    expect(decodeIcmp6(reply, 'fd00:62:0:0:0:0:0:10')).toEqual({ kind: 'reply', type: 129, id: request.readUInt16BE(4), seq: 0, about: 'fd00:62::10' });
    // type 129, the rest echoed: identifier, sequence (host order), keepalived's filler
    expect([reply[0], reply[1]]).toEqual([129, 0]);
    expect(reply.subarray(4)).toEqual(request.subarray(4));
    // the server's checksum, over the pseudo-header of fd00:62::10 → fd00:62::1
    const pseudo = Buffer.concat([Buffer.from('fd000062000000000000000000000010fd000062000000000000000000000001', 'hex'), Buffer.from([0, 0, 0, reply.length, 0, 0, 0, 58])]);
    expect(icmpChecksum(Buffer.concat([pseudo, reply]))).toBe(0);
  });
});

describe("TCP_CHECK keeps counting retries while down (2.2.7's tcp_epilog); UDP/ICMP do not", () => {
  test('delays while down', () => {
    const p = { retry: 1, delayLoopMs: 6000, delayBeforeRetryMs: 1000, alpha: false };
    const run = (retryWhileDown: boolean) => {
      let s = initialCheckerState(p);
      return ['failed', 'failed', 'failed', 'failed'].map((r) => { const st = onProbeResult(s, r as 'failed', { ...p, retryWhileDown }); s = st.state; return st.delayMs; });
    };
    expect(run(true)).toEqual([6000, 1000, 6000, 1000]);
    expect(run(false)).toEqual([6000, 6000, 6000, 6000]);
  });
});
