/**
 * SMTP alerts as keepalived 2.2.7 composes them (core/smtp.c, vrrp/vrrp.c): pure text, no I/O.
 * Subject `[ROUTER_ID] VRRP Instance NAME - Entering MASTER state`, body one line such as
 * `=> VRRP Instance is now owning VRRP VIPs <=`, headers Date, From, Subject, X-Mailer, To; and
 * the checker's (check/*.c, ipwrapper.c): real server and virtual server changes.
 */

export type AlertState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' | 'DELETED';

export interface Alert {
  subject: string;
  body: string;
}

const INSTANCE_TEXT: Record<AlertState, [string, string]> = {
  MASTER: ['Entering MASTER state', '=> VRRP Instance is now owning VRRP VIPs <='],
  BACKUP: ['Entering BACKUP state', '=> VRRP Instance is no longer owning VRRP VIPs <='],
  FAULT: ['Entering FAULT state', '=> VRRP Instance is no longer owning VRRP VIPs <='],
  STOP: ['Stopping', '=> VRRP Instance stopping <='],
  DELETED: ['Deleted', '=> VRRP Deleted at reload <='],
};

const GROUP_TEXT: Record<Exclude<AlertState, 'DELETED'>, [string, string]> = {
  MASTER: ['Entering MASTER state', '=> All VRRP group instances are now in MASTER state <='],
  BACKUP: ['Entering BACKUP state', '=> All VRRP group instances are now in BACKUP state <='],
  FAULT: ['Entering FAULT state', '=> All VRRP group instances are now in FAULT state <='],
  STOP: ['Stopping', '=> All VRRP group instances are now stopping <='],
};

/** keepalived's header buffer (MAX_HEADERS_LENGTH) and body buffer (MAX_BODY_LENGTH), minus the NUL. */
const MAX_SUBJECT = 255;
const MAX_BODY = 511;

export function instanceAlert(routerId: string, instance: string, state: AlertState): Alert {
  const [what, body] = INSTANCE_TEXT[state];
  return { subject: `[${routerId}] VRRP Instance ${instance} - ${what}`.slice(0, MAX_SUBJECT), body: body.slice(0, MAX_BODY) };
}

export function groupAlert(routerId: string, group: string, state: Exclude<AlertState, 'DELETED'>): Alert {
  const [what, body] = GROUP_TEXT[state];
  return { subject: `[${routerId}] VRRP Group ${group} - ${what}`.slice(0, MAX_SUBJECT), body: body.slice(0, MAX_BODY) };
}

/** SMTP_MSG_RS: `[ROUTER_ID] Realserver RS of virtual server VS - UP|DOWN` (the real server's state), the checker's body. */
export function realServerAlert(routerId: string, rs: string, vs: string, up: boolean, body: string): Alert {
  return { subject: `[${routerId}] Realserver ${rs} of virtual server ${vs} - ${up ? 'UP' : 'DOWN'}`.slice(0, MAX_SUBJECT), body: body.slice(0, MAX_BODY) };
}

/** SMTP_MSG_VS: `[ROUTER_ID] Virtualserver VS - UP|DOWN` (its quorum), do_vs_notifies' body. */
export function virtualServerAlert(routerId: string, vs: string, up: boolean, body: string): Alert {
  return { subject: `[${routerId}] Virtualserver ${vs} - ${up ? 'UP' : 'DOWN'}`.slice(0, MAX_SUBJECT), body: body.slice(0, MAX_BODY) };
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number): string => String(n).padStart(2, '0');

/** strftime "%a, %d %b %Y %H:%M:%S %z" in local time (RFC 5322 date), as keepalived writes Date. */
export function rfc822Date(d: Date): string {
  const off = -d.getTimezoneOffset();
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  return `${DAYS[d.getDay()]}, ${two(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ` +
    `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${sign}${two(Math.floor(abs / 60))}${two(abs % 60)}`;
}

export interface Envelope {
  heloName: string;
  from: string;
  to: readonly string[];
}

/** One SMTP step: what to send and the reply code that lets the dialogue go on. */
export interface SmtpStep {
  /** keepalived's name of the command in its error log ("Error processing HELO cmd ..."). */
  name: 'HELO' | 'MAIL' | 'RCPT' | 'DATA' | 'DOT';
  send: string;
  expect: number;
}

/** No CR or LF may reach the wire inside a command or header (no header or command injection). */
function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ');
}

/**
 * The DATA section keepalived sends: headers, blank line, body, CRLF, then the terminating dot.
 * Lines of the body starting with "." are dot-stuffed (RFC 5321 §4.5.2) so a body can never end
 * the message early; keepalived's own bodies never start a line with one.
 */
export function messageData(env: Envelope, alert: Alert, date: Date): string {
  const headers = `Date: ${rfc822Date(date)}\r\nFrom: ${oneLine(env.from)}\r\nSubject: ${oneLine(alert.subject)}\r\n` +
    `X-Mailer: Keepalived\r\nTo: ${env.to.map(oneLine).join(', ')}\r\n\r\n`;
  const body = alert.body.replace(/\r?\n/g, '\r\n').split('\r\n').map((l) => (l.startsWith('.') ? `.${l}` : l)).join('\r\n');
  return `${headers}${body}\r\n\r\n.\r\n`;
}

/** The whole dialogue after the server's 220 greeting (QUIT is sent whatever happens). */
export function dialogue(env: Envelope, alert: Alert, date: Date): SmtpStep[] {
  return [
    { name: 'HELO', send: `HELO ${oneLine(env.heloName)}\r\n`, expect: 250 },
    { name: 'MAIL', send: `MAIL FROM:<${oneLine(env.from)}>\r\n`, expect: 250 },
    ...env.to.map((to): SmtpStep => ({ name: 'RCPT', send: `RCPT TO:<${oneLine(to)}>\r\n`, expect: 250 })),
    { name: 'DATA', send: 'DATA\r\n', expect: 354 },
    { name: 'DOT', send: messageData(env, alert, date), expect: 250 },
  ];
}

/**
 * The reply code in `buf` once a complete reply is there (the first line whose fourth character
 * is not '-'), and how many bytes it used; null while more is needed. A line that does not start
 * with three digits is a protocol error (code NaN), never guessed at.
 */
export function parseReply(buf: string): { code: number; used: number } | null {
  let pos = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', pos);
    if (eol < 0) return null;
    const line = buf.slice(pos, eol);
    pos = eol + 2;
    if (line[3] === '-' && /^\d{3}$/.test(line.slice(0, 3))) continue;
    return { code: /^\d{3}( |$)/.test(line) ? Number(line.slice(0, 3)) : NaN, used: pos };
  }
}
