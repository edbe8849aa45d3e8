/**
 * Debian's exim4 (exim4-daemon-light) as a real SMTP server for tests: run in the foreground
 * (-bdf) in a namespace with its own small configuration (every recipient accepted, every
 * message appended to one maildir), never as a system service. With -C exim drops root, so it
 * listens on an unprivileged port and its directory belongs to Debian-exim.
 */
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { hostPort, stopProcess, type Topology } from './netns';

export interface ReceivedMail {
  envelopeTo: string;
  /** Header name → value, in order, as received (Received/Return-path/Envelope-to added by exim left out). */
  headers: [string, string][];
  body: string;
}

export class Exim {
  private proc: ChildProcess | null = null;
  readonly maildir: string;

  constructor(private readonly topo: Topology, private readonly host: string, readonly address: string, readonly port: number, private readonly dir: string) {
    this.maildir = join(dir, 'mail');
  }

  start(): void {
    const uid = Number(execFileSync('id', ['-u', 'Debian-exim'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'Debian-exim'], { encoding: 'utf8' }).trim());
    for (const d of [this.dir, this.maildir, join(this.dir, 'spool')]) {
      mkdirSync(d, { recursive: true });
      chownSync(d, uid, gid);
    }
    chmodSync(this.dir, 0o755);
    const conf = join(this.dir, 'exim.conf');
    writeFileSync(conf, [
      'primary_hostname = mx.halo.test',
      'acl_smtp_rcpt = accept_all', 'acl_smtp_data = accept_all',
      `log_file_path = ${this.dir}/%slog`, `spool_directory = ${this.dir}/spool`,
      'helo_accept_junk_hosts = *', `daemon_smtp_ports = ${this.port}`,
      'begin acl', 'accept_all:', '  accept',
      'begin routers', 'all:', '  driver = accept', '  transport = to_maildir',
      'begin transports', 'to_maildir:', '  driver = appendfile', `  directory = ${this.maildir}`, '  maildir_format', '  envelope_to_add', '  user = Debian-exim',
      'begin retry', '* * F,1m,1m', '',
    ].join('\n'));
    chownSync(conf, 0, 0);
    chmodSync(conf, 0o644);
    this.proc = this.topo.spawn(this.host, ['exim4', '-C', conf, '-bdf', '-odi', '-oX', `${this.address.includes(":") ? "<; " : ""}${this.address}.${this.port}`, '-oP', join(this.dir, 'exim.pid')], { stdio: 'ignore' });
  }

  listening(): boolean {
    return this.topo.exec(this.host, ['ss', '-Hltn'], { allowFail: true }).includes(`${hostPort(this.address, this.port)} `);
  }

  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    await stopProcess(p, 'SIGTERM');
  }

  /** Every message delivered so far. */
  mails(): ReceivedMail[] {
    const out: ReceivedMail[] = [];
    for (const sub of ['new', 'cur']) {
      const d = join(this.maildir, sub);
      if (!existsSync(d)) continue;
      for (const f of readdirSync(d).sort()) out.push(parseMail(readFileSync(join(d, f), 'latin1')));
    }
    return out;
  }
}

function parseMail(text: string): ReceivedMail {
  const sep = text.indexOf('\n\n');
  const head = text.slice(0, sep).replace(/\n[ \t]+/g, ' ');
  const body = text.slice(sep + 2);
  const all = head.split('\n').map((l): [string, string] => { const i = l.indexOf(':'); return [l.slice(0, i), l.slice(i + 1).trim()]; });
  const envelopeTo = all.find(([k]) => k === 'Envelope-to')?.[1] ?? '';
  return { envelopeTo, headers: all.filter(([k]) => !['Received', 'Envelope-to', 'Return-path'].includes(k)), body };
}

/** A mail with this director's own names replaced by WHO, and the date left out. */
export function normalised(m: ReceivedMail, who: string): string {
  const h = m.headers.map(([k, v]) => `${k}: ${k === 'Date' ? (/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$/.test(v) ? 'DATE' : `BAD DATE ${v}`) : v.split(who).join('WHO')}`);
  return [`Envelope-to: ${m.envelopeTo.split(who).join('WHO')}`, ...h, '', m.body].join('\n');
}
