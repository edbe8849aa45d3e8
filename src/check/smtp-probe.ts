/**
 * The SMTP_CHECK probe (check_smtp.c smtp_engine_thread): connect, read the banner (a line
 * with status 220), send "HELO helo_name", read a 250 line, send QUIT, read any line; then the
 * server is good. Lines are read into keepalived's 512-byte buffer (a longer line starts over,
 * as keepalived does), each read bounded by connect_timeout; keepalived's words for every
 * failure. Status parsing is smtp_get_status: exactly three digits, then a blank or the end.
 */
import * as net from 'node:net';
import type { SmtpCheck } from '../config/model';
import { armDeadline } from './deadline';
import type { Deadline } from './deadline';
import type { ProbeOutcome } from './probe';
import { checkerSocket } from './tcp-probe';

const SMTP_BUFF_MAX = 512;

/** smtp_get_status: 3 digits then a blank or the end of the line, else -1. */
export function smtpStatus(line: string): number {
  const m = /^(\d+)(.?)/.exec(line);
  if (!m || m[1].length !== 3 || (m[2] !== '' && m[2] !== ' ' && m[2] !== '\r' && m[2] !== '\n')) return -1;
  return Number(m[1]);
}

/** FMT_SMTP_RS: inet_sockaddrtopair, "[ip]:port". */
export const smtpName = (c: SmtpCheck): string => `[${c.connectIp}]:${c.connectPort}`;

export function smtpProbe(c: SmtpCheck): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const who = smtpName(c);
    let settled = false;
    let step: Deadline | null = null;
    let buf = '';
    let state: 'banner' | 'helo' | 'quit' | 'connect' = 'connect';
    let sock: net.Socket;
    try {
      sock = checkerSocket(c);
    } catch (e) {
      resolve({ result: 'failed', reason: `Error connecting to server ${who}: ${(e as Error).message}` });
      return;
    }
    const done = (o: ProbeOutcome): void => {
      if (settled) return;
      settled = true;
      step?.cancel();
      sock.destroy();
      resolve(o);
    };
    const fail = (reason: string, timeout = false): void => done({ result: timeout ? 'timeout' : 'failed', reason });
    const arm = (reason: string): void => {
      step?.cancel();
      step = armDeadline(c.connectTimeoutMs, (e) => (e.stalled ? done({ result: 'stalled', lateMs: e.lateMs }) : fail(reason, true)));
    };
    const send = (line: string): void => {
      sock.write(line, (err) => { if (err) fail(`Write failure to server ${who}`); });
    };
    arm(`Connection timeout to server ${who}`);
    sock.once('connect', () => {
      state = 'banner';
      arm(`Read timeout from server ${who}`);
    });
    sock.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      if (buf.length >= SMTP_BUFF_MAX - 1 && !buf.includes('\n')) buf = ''; // keepalived's overflow: start over
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      const line = buf.slice(0, nl + 1);
      buf = '';
      arm(`Read timeout from server ${who}`);
      if (state === 'banner') {
        if (smtpStatus(line) !== 220) return fail(`Bad greeting banner from server ${who}`);
        state = 'helo';
        send(`HELO ${c.heloName}\r\n`);
      } else if (state === 'helo') {
        if (smtpStatus(line) !== 250) return fail(`Bad HELO response from server ${who}`);
        state = 'quit';
        send('QUIT\r\n');
      } else if (state === 'quit') {
        done({ result: 'success' });
      }
    });
    sock.once('error', (err: NodeJS.ErrnoException) => {
      if (state === 'connect') {
        if (err.code === 'ECONNREFUSED' || err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH') fail(`Could not connect to server ${who}`);
        else fail(`Error connecting to server ${who}`);
      } else fail(`Read failure from server ${who}`);
    });
    sock.once('close', () => fail(`Read failure from server ${who}`));
  });
}
