/**
 * Debian's bind9 (`named`) as a real DNS server for the checker tests: authoritative for
 * checkers.test only, run in the foreground in a namespace with its own directory, listening on
 * the given addresses (IPv4 and/or IPv6). Started and stopped by PID.
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Topology } from './netns';
import { hostPort, stopProcess, waitFor } from './netns';

export class NamedServer {
  private proc: ChildProcess | null = null;

  /** `queryLog`: a file named logs every query to (bind's query log, with the time to the ms). */
  constructor(private readonly topo: Topology, private readonly host: string, private readonly dir: string, private readonly addresses: string[],
    queryLog?: string) {
    const v4 = addresses.filter((a) => !a.includes(':'));
    const v6 = addresses.filter((a) => a.includes(':'));
    const list = (l: string[]): string => (l.length ? `{ ${l.map((a) => `${a};`).join(' ')} }` : '{ none; }');
    writeFileSync(join(dir, 'named.conf'), `options {
  directory "${dir}";
  pid-file "${dir}/named.pid";
  listen-on ${list(v4)};
  listen-on-v6 ${list(v6)};
  recursion no;${queryLog ? '\n  querylog yes;' : ''}
  allow-query { any; };
  dnssec-validation no;
};
zone "checkers.test" { type master; file "${dir}/checkers.test.zone"; };
${queryLog ? `logging { channel q { file "${queryLog}"; print-time yes; }; category queries { q; }; };\n` : ''}`);
    const records = addresses.map((a) => `${a.includes(':') ? 'AAAA' : 'A'} ${a}`);
    writeFileSync(join(dir, 'checkers.test.zone'), [
      '$TTL 60', '@ IN SOA ns.checkers.test. admin.checkers.test. 1 60 60 600 60', '@ IN NS ns.checkers.test.',
      ...records.map((r) => `ns IN ${r}`), ...records.map((r) => `www IN ${r}`), '',
    ].join('\n'));
  }

  /** Start named and wait until it listens on every address (UDP 53). */
  async start(): Promise<void> {
    this.proc = this.topo.spawn(this.host, ['named', '-f', '-u', 'root', '-c', join(this.dir, 'named.conf'), '-n', '1'], { stdio: 'ignore' });
    const up = await waitFor(() => this.listening(), 20_000, 50);
    if (!up) throw new Error('named did not start');
  }

  private listening(): boolean {
    const out = this.topo.exec(this.host, ['ss', '-Hlun'], { allowFail: true });
    return this.addresses.every((a) => out.includes(`${hostPort(a, 53)} `));
  }

  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    await stopProcess(p, 'SIGTERM');
  }
}
