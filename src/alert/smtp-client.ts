/**
 * A small SMTP client for alerts: one TCP connection per mail, every step bounded by the
 * connect timeout (smtp_connect_timeout), replies bounded in size, failures returned as a
 * named SmtpError carrying the line keepalived logs. It never throws past sendMail's promise
 * and never keeps a socket open after it settles.
 */
import { Socket } from 'node:net';
import { parseReply, type SmtpStep } from './smtp-message';

/** keepalived's SMTP_BUFFER_MAX is small; a server sending more than this without a full reply is hostile. */
export const MAX_REPLY_BYTES = 4096;

export type SmtpFailure = 'connect' | 'connect-timeout' | 'read-timeout' | 'closed' | 'overflow' | 'garbage' | 'code' | 'io';

export class SmtpError extends Error {
  constructor(readonly kind: SmtpFailure, message: string, readonly code?: number) {
    super(message);
    this.name = 'SmtpError';
  }
}

export interface SmtpServer {
  host: string;
  port: number;
}

/** keepalived's inet_sockaddrtopair: `[ADDRESS]:PORT`. */
export function formatServer(s: SmtpServer): string {
  return `[${s.host}]:${s.port}`;
}

export interface SendOptions {
  timeoutMs: number;
  /** Lines in keepalived's words ("Remote SMTP server [x]:25 connected."). */
  log?: (line: string) => void;
}

/** Sends `steps` after the 220 greeting, then QUIT. Resolves when the message was accepted. */
export function sendMail(server: SmtpServer, steps: readonly SmtpStep[], opts: SendOptions): Promise<void> {
  const where = formatServer(server);
  const log = opts.log ?? (() => undefined);
  return new Promise<void>((resolve, reject) => {
    const sock = new Socket();
    let buf = '';
    let stage = -1; // -1: waiting for the greeting; i: waiting for steps[i]'s reply
    let connected = false;
    let done = false;
    let timer: NodeJS.Timeout | null = null;

    const finish = (err: SmtpError | null): void => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      sock.removeAllListeners('data');
      if (err) log(err.message);
      if (connected && !sock.destroyed) {
        // QUIT politely but never wait for the answer
        sock.end('QUIT\r\n');
        setTimeout(() => sock.destroy(), 1000).unref();
      } else sock.destroy();
      if (err) reject(err);
      else resolve();
    };

    const arm = (onTimeout: () => SmtpError): void => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => finish(onTimeout()), opts.timeoutMs);
    };

    const send = (text: string): void => {
      sock.write(text);
      arm(() => new SmtpError('read-timeout', `Timeout reading data to remote SMTP server ${where}.`));
    };

    sock.on('error', (e: NodeJS.ErrnoException) => {
      finish(connected
        ? new SmtpError('io', `Error reading data from remote SMTP server ${where}. (${e.code ?? e.message})`)
        : new SmtpError('connect', `SMTP connection ERROR to ${where}. (${e.code ?? e.message})`));
    });
    sock.on('close', () => finish(new SmtpError('closed', `Remote SMTP server ${where} has closed the connection.`)));
    sock.on('data', (chunk: Buffer) => {
      buf += chunk.toString('latin1');
      for (;;) {
        const r = parseReply(buf);
        if (!r) {
          if (buf.length > MAX_REPLY_BYTES) {
            finish(new SmtpError('overflow', `Received buffer from remote SMTP server ${where} overflow our get read buffer length.`));
          }
          return;
        }
        buf = buf.slice(r.used);
        const name = stage < 0 ? 'connect' : steps[stage].name;
        const expect = stage < 0 ? 220 : steps[stage].expect;
        if (Number.isNaN(r.code)) {
          finish(new SmtpError('garbage', `Can not read data from remote SMTP server ${where}: no reply code after ${name}.`));
          return;
        }
        if (r.code !== expect) {
          finish(stage < 0
            ? new SmtpError('code', `Error connecting SMTP server ${where}. SMTP status code = ${r.code}`, r.code)
            : new SmtpError('code', `Error processing ${name} cmd on SMTP server ${where}. SMTP status code = ${r.code}`, r.code));
          return;
        }
        stage++;
        if (stage >= steps.length) {
          log('SMTP alert successfully sent.');
          finish(null);
          return;
        }
        send(steps[stage].send);
      }
    });

    arm(() => new SmtpError('connect-timeout', `Timeout connecting SMTP server ${where}.`));
    sock.connect({ host: server.host, port: server.port }, () => {
      connected = true;
      log(`Remote SMTP server ${where} connected.`);
      arm(() => new SmtpError('read-timeout', `Timeout reading data to remote SMTP server ${where}.`));
    });
  });
}
