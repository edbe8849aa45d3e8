/**
 * A real web server for the checker tests: Debian's nginx-light inside a test namespace,
 * HTTP on :80 and HTTPS on :443 with a certificate made by openssl at test time, serving files
 * the test rewrites (200 with a body it chooses, or 404 when the file is gone). Started and
 * stopped by PID; everything it writes lives in its own directory.
 */
import { ChildProcess, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Topology } from './netns';
import { hostPort, waitFor } from './netns';

export class NginxServer {
  private proc: ChildProcess | null = null;
  readonly docroot: string;
  readonly certFile: string;
  readonly keyFile: string;
  private readonly conf: string;

  /**
   * `accessLog`: a file nginx logs every request to, one line each:
   * `$msec $remote_addr $server_addr:$server_port $uri $status` (off when not given).
   */
  constructor(private readonly topo: Topology, private readonly host: string, readonly dir: string, private readonly addresses: string[],
    accessLog?: string) {
    this.docroot = join(dir, 'www');
    mkdirSync(this.docroot, { recursive: true });
    // nginx's workers run unprivileged: the docroot and every directory above it must be searchable.
    for (let d = this.docroot; d !== '/' && d !== '.'; d = join(d, '..')) {
      try { chmodSync(d, 0o755); } catch { /* not ours */ }
      if (d === '/tmp') break;
    }
    this.certFile = join(dir, 'cert.pem');
    this.keyFile = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', this.keyFile, '-out', this.certFile,
      '-days', '1', '-subj', '/CN=checkers.test'], { stdio: 'ignore' });
    this.conf = join(dir, 'nginx.conf');
    const listen = addresses.flatMap((a) => [`listen ${hostPort(a, 80)};`, `listen ${hostPort(a, 443)} ssl;`]).join('\n    ');
    writeFileSync(this.conf, `daemon off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 1024; }
http {
  ${accessLog ? `log_format rise '$msec $remote_addr $server_addr:$server_port $uri $status';\n  access_log ${accessLog} rise;` : 'access_log off;'}
  client_body_temp_path ${dir}/tmp_body;
  proxy_temp_path ${dir}/tmp_proxy;
  fastcgi_temp_path ${dir}/tmp_fcgi;
  uwsgi_temp_path ${dir}/tmp_uwsgi;
  scgi_temp_path ${dir}/tmp_scgi;
  default_type text/html;
  server {
    ${listen}
    ssl_certificate ${this.certFile};
    ssl_certificate_key ${this.keyFile};
    root ${this.docroot};
  }
}
`);
  }

  /** Write a page (200 with this body) or remove it (404). */
  page(name: string, body: string | null): void {
    const f = join(this.docroot, name);
    if (body === null) rmSync(f, { force: true });
    else writeFileSync(f, body);
  }

  async start(): Promise<void> {
    this.proc = this.topo.spawn(this.host, ['nginx', '-c', this.conf, '-e', join(this.dir, 'error.log')], { stdio: 'ignore' });
    const ok = await waitFor(() => this.listening(), 20_000, 50);
    if (!ok) throw new Error(`nginx did not start: ${existsSync(join(this.dir, 'error.log')) ? readFileSync(join(this.dir, 'error.log'), 'utf8') : ''}`);
  }

  private listening(): boolean {
    const out = this.topo.exec(this.host, ['ss', '-Hltn'], { allowFail: true });
    return this.addresses.every((a) => out.includes(`${hostPort(a, 80)} `) && out.includes(`${hostPort(a, 443)} `));
  }

  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (!p || p.exitCode !== null) return;
    const pidFile = join(this.dir, 'nginx.pid');
    const master = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : 0;
    try {
      if (master) process.kill(master, 'SIGTERM');
    } catch { /* gone */ }
    p.kill('SIGTERM');
    await waitFor(() => !this.listening(), 20_000, 50);
  }
}
