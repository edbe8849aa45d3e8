/**
 * The SMTP client against scripted servers on loopback: a well-behaved one (the exact bytes
 * received), and hostile ones (garbage, stalls, 5xx, floods, early close). Every failure is a
 * named SmtpError in keepalived's words, within the timeout, and leaves no socket open.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { SmtpError, sendMail, MAX_REPLY_BYTES } from '../../src/alert/smtp-client';
import { dialogue, instanceAlert } from '../../src/alert/smtp-message';

type Script = (sock: Socket, received: string[]) => void;

async function serve(script: Script): Promise<{ server: Server; port: number; received: string[]; sockets: Set<Socket> }> {
  const received: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    script(sock, received);
    sock.resume(); // a silent server still notices the client going away
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port, received, sockets };
}

/** A server that answers each line with the next reply of `replies` (DATA's content until the dot counts as one). */
function replying(greeting: string, replies: (line: string) => string | null): Script {
  return (sock, received) => {
    sock.write(greeting);
    let buf = '';
    let inData = false;
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      for (;;) {
        const end = inData ? buf.indexOf('\r\n.\r\n') : buf.indexOf('\r\n');
        if (end < 0) return;
        const unit = buf.slice(0, end + (inData ? 5 : 2));
        buf = buf.slice(unit.length);
        received.push(unit);
        const r = replies(inData ? '<data>' : unit);
        if (unit === 'DATA\r\n' && r?.startsWith('354')) inData = true;
        else inData = false;
        if (r === null) return;
        sock.write(r);
      }
    });
  };
}

const good = (line: string): string | null => {
  if (line.startsWith('HELO') || line.startsWith('MAIL') || line.startsWith('RCPT') || line === '<data>') return '250 OK\r\n';
  if (line === 'DATA\r\n') return '354 go ahead\r\n';
  if (line === 'QUIT\r\n') return '221 bye\r\n';
  return '500 what\r\n';
};

const env = { heloName: 'lb1', from: 'keepalived@lb1', to: ['a@example.org', 'b@example.org'] };
const date = new Date(2026, 0, 5, 7, 8, 9);
const steps = dialogue(env, instanceAlert('lb1', 'VI_1', 'MASTER'), date);

async function attempt(script: Script, timeoutMs = 300): Promise<{ err: SmtpError | null; log: string[]; received: string[]; openAfter: number }> {
  const s = await serve(script);
  const log: string[] = [];
  let err: SmtpError | null = null;
  try {
    await sendMail({ host: '127.0.0.1', port: s.port }, steps, { timeoutMs, log: (l) => log.push(l) });
  } catch (e) {
    err = e as SmtpError;
  }
  // our side is closed at once (or after QUIT's short grace); wait for the server to see it
  for (let i = 0; i < 100 && s.sockets.size > 0; i++) await new Promise((r) => setTimeout(r, 20));
  const openAfter = s.sockets.size;
  for (const k of s.sockets) k.destroy();
  await new Promise((r) => s.server.close(r));
  return { err, log, received: s.received, openAfter };
}

describe('sendMail', () => {
  it('a good server gets exactly keepalived\'s dialogue, and QUIT', async () => {
    const r = await attempt(replying('220-mail.example ESMTP\r\n220 ready\r\n', (l) => (l.startsWith('HELO') ? '250-mail.example\r\n250-SIZE 10\r\n250 HELP\r\n' : good(l))), 2000);
    expect(r.err).toBeNull();
    expect(r.received).toEqual([...steps.map((s) => s.send), 'QUIT\r\n']);
    expect(r.log[0]).toMatch(/^Remote SMTP server \[127\.0\.0\.1\]:\d+ connected\.$/);
    expect(r.log).toContain('SMTP alert successfully sent.');
    expect(r.openAfter).toBe(0);
  });

  it.each([
    ['a 5xx greeting', replying('554 go away\r\n', good), 'code', /^Error connecting SMTP server \[127\.0\.0\.1\]:\d+\. SMTP status code = 554$/],
    ['HELO refused', replying('220 hi\r\n', (l) => (l.startsWith('HELO') ? '501 bad helo\r\n' : good(l))), 'code', /^Error processing HELO cmd on SMTP server .*SMTP status code = 501$/],
    ['a recipient refused', replying('220 hi\r\n', (l) => (l.startsWith('RCPT TO:<b@') ? '550 no such user\r\n' : good(l))), 'code', /^Error processing RCPT cmd on .* = 550$/],
    ['the message refused', replying('220 hi\r\n', (l) => (l === '<data>' ? '552 too big\r\n' : good(l))), 'code', /^Error processing DOT cmd on .* = 552$/],
    ['garbage instead of a reply', replying('\x00\xff garbage\r\n', good), 'garbage', /^Can not read data from remote SMTP server/],
    ['a stalled greeting', (() => undefined) as Script, 'read-timeout', /^Timeout reading data to remote SMTP server \[127\.0\.0\.1\]:\d+\.$/],
    ['a stall after MAIL', replying('220 hi\r\n', (l) => (l.startsWith('MAIL') ? null : good(l))), 'read-timeout', /^Timeout reading data/],
    ['a reply dripped forever without an end of line', ((sock) => { const t = setInterval(() => sock.write('2'), 10); sock.on('close', () => clearInterval(t)); }) as Script, 'read-timeout', /^Timeout reading data/],
    ['an endless reply line', ((sock) => { sock.write('220 ' + 'x'.repeat(MAX_REPLY_BYTES * 4)); }) as Script, 'overflow', /overflow our get read buffer length\.$/],
    ['the server closing mid-dialogue', ((sock) => { sock.write('220 hi\r\n'); sock.once('data', () => sock.end()); }) as Script, 'closed', /has closed the connection\.$/],
  ])('%s: a named error in keepalived\'s words, no socket left', async (_what, script, kind, line) => {
    const r = await attempt(script);
    expect(r.err).toBeInstanceOf(SmtpError);
    expect(r.err!.kind).toBe(kind);
    expect(r.log[r.log.length - 1]).toMatch(line);
    expect(r.log).not.toContain('SMTP alert successfully sent.');
    expect(r.openAfter).toBe(0);
  });

  it('nobody listening: a connection error, not a throw', async () => {
    const s = await serve(() => undefined);
    const port = s.port;
    await new Promise((r) => s.server.close(r));
    const log: string[] = [];
    await expect(sendMail({ host: '127.0.0.1', port }, steps, { timeoutMs: 2000, log: (l) => log.push(l) })).rejects.toMatchObject({ name: 'SmtpError', kind: 'connect' });
    expect(log[0]).toMatch(/^SMTP connection ERROR to \[127\.0\.0\.1\]:\d+\. \(ECONNREFUSED\)$/);
  });
});
