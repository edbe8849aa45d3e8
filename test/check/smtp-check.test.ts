/**
 * SMTP_CHECK's dialogue against scripted servers on 127.0.0.1 (the real exim4 is in
 * smtp-exim.netns.test.ts): banner 220, HELO 250, QUIT; keepalived's words for each bad answer,
 * and smtp_final's retry rule.
 */
import * as net from 'node:net';
import { smtpProbe, smtpStatus } from '../../src/check/smtp-probe';
import { onSmtpResult } from '../../src/check/smtp-retry';
import type { SmtpCheck } from '../../src/config/model';
import type { CheckerState } from '../../src/check/retry';

async function server(script: (c: net.Socket) => void): Promise<{ port: number; lines: string[]; close(): Promise<void> }> {
  const lines: string[] = [];
  const socks = new Set<net.Socket>();
  const srv = net.createServer((c) => {
    socks.add(c);
    c.on('error', () => undefined);
    c.on('data', (d) => lines.push(...d.toString().split('\r\n').filter(Boolean)));
    script(c);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return { port: (srv.address() as net.AddressInfo).port, lines, close: () => new Promise<void>((r) => { for (const s of socks) s.destroy(); srv.close(() => r()); }) };
}

const check = (port: number): SmtpCheck => ({
  kind: 'SMTP_CHECK', connectIp: '127.0.0.1', connectPort: port, bindto: null, bindPort: null, bindIf: null, fwmark: null,
  connectTimeoutMs: 500, retry: 1, delayBeforeRetryMs: 100, warmupMs: 0, delayLoopMs: 1000, alpha: false, logAllFailures: false,
  location: { file: 't', line: 1, col: 1 }, heloName: 'lb.test',
});

/** A server that answers each client line with the next reply. */
const dialogue = (banner: string | null, replies: string[]) => (c: net.Socket) => {
  if (banner !== null) c.write(banner);
  let i = 0;
  c.on('data', () => { if (i < replies.length) c.write(replies[i++]); });
};

test('smtp_get_status', () => {
  expect(smtpStatus('220 mx ESMTP\r\n')).toBe(220);
  expect(smtpStatus('220\r\n')).toBe(220);
  expect(smtpStatus('220-first of many\r\n')).toBe(-1);
  expect(smtpStatus('22 short\r\n')).toBe(-1);
});

test.each([
  ['a good server', dialogue('220 mx ESMTP\r\n', ['250 mx Hello\r\n', '221 bye\r\n']), { result: 'success' }],
  ['a 554 banner', dialogue('554 go away\r\n', []), { result: 'failed', reason: 'Bad greeting banner from server [127.0.0.1]:PORT' }],
  ['a multi-line banner (keepalived 2.2.7 rejects it too)', dialogue('220-mx\r\n220 ESMTP\r\n', ['250 ok\r\n', '221\r\n']), { result: 'failed', reason: 'Bad greeting banner from server [127.0.0.1]:PORT' }],
  ['a refused HELO', dialogue('220 mx\r\n', ['501 no\r\n']), { result: 'failed', reason: 'Bad HELO response from server [127.0.0.1]:PORT' }],
  ['silence', dialogue(null, []), { result: 'timeout', reason: 'Read timeout from server [127.0.0.1]:PORT' }],
  ['a close after the banner', (c: net.Socket) => { c.write('220 mx\r\n'); c.on('data', () => c.destroy()); }, { result: 'failed', reason: 'Read failure from server [127.0.0.1]:PORT' }],
  ['garbage without a newline, endlessly', (c: net.Socket) => { const t = setInterval(() => c.write('x'.repeat(100)), 5); c.on('close', () => clearInterval(t)); }, { result: 'timeout', reason: 'Read timeout from server [127.0.0.1]:PORT' }],
] as const)('%s', async (_n, script, want) => {
  const srv = await server(script as (c: net.Socket) => void);
  try {
    const r = await smtpProbe(check(srv.port));
    expect(r).toEqual(JSON.parse(JSON.stringify(want).replace('PORT', String(srv.port))));
  } finally {
    await srv.close();
  }
});

test('the lines sent: HELO helo_name, QUIT', async () => {
  const srv = await server(dialogue('220 mx\r\n', ['250 ok\r\n', '221 bye\r\n']));
  try {
    await smtpProbe(check(srv.port));
    expect(srv.lines).toEqual(['HELO lb.test', 'QUIT']);
  } finally {
    await srv.close();
  }
});

test("smtp_final: retry, the last failure logged, 'succeed' when it comes up", () => {
  const p = { retry: 1, delayLoopMs: 5000, delayBeforeRetryMs: 1000, logAllFailures: false };
  let s: CheckerState = { isUp: true, hasRun: false, retryIt: 1 };
  const out: unknown[] = [];
  for (const e of [null, 'x', 'x', 'x', null]) {
    const r = onSmtpResult(s, e, p);
    s = r.state;
    out.push([s.isUp, r.delayMs, r.log, r.succeed]);
  }
  expect(out).toEqual([
    [true, 5000, null, true],
    [true, 1000, null, false],
    [false, 5000, 'x', false],
    [false, 5000, null, false],
    [true, 5000, null, true],
  ]);
});
