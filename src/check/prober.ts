/**
 * The probe of each checker kind behind one interface: the engine hands over a target and its
 * state (HTTP_GET checks the url the state points at) and gets a ProbeOutcome back.
 */
import { readFileSync } from 'node:fs';
import type { HttpCheck, HttpUrl, MiscCheck, SslConfig, TrackFile } from '../config/model';
import { scriptInsecurity } from '../daemon/notify';
import { compileRegex, formatRequest, httpGet, judgeResponse } from './http-get';
import type { HttpGetRequest, TlsSettings } from './http-get';
import { miscProbe, resolveUser } from './misc-probe';
import type { ProbeOutcome } from './probe';
import type { CheckerState } from './retry';
import type { CheckTarget } from './targets';
import { tcpProbe } from './tcp-probe';
import { dnsProbe } from './dns-probe';
import { udpProbe } from './udp-probe';
import { Pinger } from './ping-probe';
import { smtpProbe } from './smtp-probe';
import { FileWatcher, initTrackFile } from './file-probe';

export interface Prober {
  probe(target: CheckTarget, state: CheckerState): Promise<ProbeOutcome>;
  /** Release shared sockets (PING_CHECK's ICMP socket). */
  close?(): void;
}

export interface ProberOptions {
  /** The global SSL block (SSL_GET client certificate, CA, key password). */
  ssl?: SslConfig | null;
  enableScriptSecurity?: boolean;
  /** global_defs script_user: MISC_CHECK's default user. */
  scriptUser?: string | null;
  /** track_file blocks: init_file is applied when the prober is made. */
  trackFiles?: readonly TrackFile[];
  /** How init_file applies: at start, at a reload (no overwrite), or not at all (a reload preview). */
  initFiles?: 'start' | 'reload' | 'none';
}

/** Reads the SSL block's files once; a missing file is an error keepalived reports the same way. */
export function tlsSettings(ssl: SslConfig | null | undefined): TlsSettings | null {
  if (!ssl) return null;
  const t: TlsSettings = {};
  const read = (file: string, what: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (e) {
      throw new Error(`SSL error : Cant load ${what} file ${file}: ${(e as Error).message}`);
    }
  };
  if (ssl.ca) t.ca = read(ssl.ca, 'CA');
  if (ssl.certificate) t.cert = read(ssl.certificate, 'certificate');
  if (ssl.key) t.key = read(ssl.key, 'key');
  if (ssl.password) t.passphrase = ssl.password;
  return t;
}

export function checkProber(opts: ProberOptions = {}): Prober {
  const tls = tlsSettings(opts.ssl);
  // Per url of a target (the config's own url object): the whole exchange's description (its
  // compiled regex and request bytes included), made at its first check and kept, so a check
  // builds none of it again.
  const perUrl = new WeakMap<HttpUrl, HttpGetRequest>();
  const pinger = new Pinger();
  const files = new FileWatcher();
  const inited = new Set<string>();
  for (const t of opts.initFiles === 'none' ? [] : opts.trackFiles ?? []) {
    if (t.init && !inited.has(t.path)) {
      inited.add(t.path);
      try { initTrackFile(t.path, t.init, opts.initFiles === 'reload'); } catch { /* keepalived: "Unable to initialise track file" — the value reads as 0 */ }
    }
  }
  const http = async (c: HttpCheck, state: CheckerState): Promise<ProbeOutcome> => {
    const i = state.urlIt ?? 0;
    const url = c.urls[Math.min(i, c.urls.length - 1)];
    let req = perUrl.get(url);
    if (!req) {
      const virtualhost = url.virtualhost ?? c.virtualhost;
      const request = Buffer.from(formatRequest({ path: url.path, httpProtocol: c.httpProtocol, virtualhost, connectIp: c.connectIp, connectPort: c.connectPort }));
      req = {
        ssl: c.kind === 'SSL_GET', connectIp: c.connectIp, connectPort: c.connectPort, bindto: c.bindto, bindPort: c.bindPort, bindIf: c.bindIf, fwmark: c.fwmark,
        connectTimeoutMs: c.connectTimeoutMs, responseLimitMs: c.connectTimeoutMs + Math.max(c.delayLoopMs, c.connectTimeoutMs),
        path: url.path, httpProtocol: c.httpProtocol, virtualhost, enableSni: c.enableSni, tls, request,
        digest: url.digest !== null, regex: compileRegex(url), regexMinOffset: url.regexMinOffset, regexMaxOffset: url.regexMaxOffset,
      };
      perUrl.set(url, req);
    }
    const r = await httpGet(req);
    if (r.kind === 'stalled') return { result: 'stalled', lateMs: r.lateMs };
    if (r.kind === 'error') return { result: r.result, reason: r.reason };
    return judgeResponse(url, r);
  };
  const misc = async (c: MiscCheck): Promise<ProbeOutcome> => {
    if (opts.enableScriptSecurity) {
      const why = scriptInsecurity(c.path[0]);
      if (why) return { result: 'failed', exitCode: 126, reason: `SECURITY VIOLATION - ${why}; MISC_CHECK not run, counted as failed` };
    }
    const user = c.user ?? opts.scriptUser ?? null;
    const ids = user !== null ? resolveUser(user, c.group) : null;
    if (user !== null && ids === null) return { result: 'failed', exitCode: 126, reason: `MISC_CHECK user ${user} does not exist; script not run` };
    const run = await miscProbe({ path: c.path, timeoutMs: c.timeoutMs, ...(ids ?? {}) });
    const ok = run.status === 0 || (c.dynamic && run.status !== null && run.status >= 2 && run.status <= 255);
    return {
      result: ok ? 'success' : run.timedOut ? 'timeout' : 'failed',
      ...(run.status !== null ? { exitCode: run.status } : {}),
      ...(run.signal !== null ? { signal: run.signal } : {}),
      timedOut: run.timedOut,
    };
  };
  return {
    close: () => { pinger.close(); files.close(); },
    // Not async: each kind's own promise is handed on as it is (an async wrapper would add a
    // promise and two turns of the microtask queue to every check); a synchronous throw reaches
    // the engine, which counts it as the checker's error as it does a rejection.
    probe(t: CheckTarget, state: CheckerState): Promise<ProbeOutcome> {
      const c = t.check;
      switch (c.kind) {
        case 'TCP_CHECK': return tcpProbe(c);
        case 'DNS_CHECK': return dnsProbe(c);
        case 'UDP_CHECK': return udpProbe(c);
        case 'PING_CHECK': return pinger.probe(c);
        case 'SMTP_CHECK': return smtpProbe(c);
        case 'FILE_CHECK': return files.probe(c, state.fileValue);
        // Never scheduled (health-checker.ts): a BFD_CHECK's state comes from its session.
        case 'BFD_CHECK': return Promise.resolve({ result: 'failed', reason: 'BFD_CHECK has no probe' });
        case 'HTTP_GET': case 'SSL_GET': return http(c, state);
        case 'MISC_CHECK': return misc(c);
      }
    },
  };
}
