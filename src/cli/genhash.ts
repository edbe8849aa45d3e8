/**
 * `halo genhash`: the MD5 digest of a web page as keepalived's `genhash` computes it for
 * HTTP_GET/SSL_GET `digest` (same options, same output, same request on the wire): the
 * request and reading are the checker's own (src/check/http-get.ts).
 *
 *   halo genhash [-S] [-I] -s SERVER -p PORT -u URL [-V VHOST] [-P 1.0|1.0c|1.1] [-t SECONDS] [-v]
 */
import * as net from 'node:net';
import type { HttpCheck } from '../config/model';
import { httpGet } from '../check/http-get';

const DELIM_BEGIN = '-----------------------[';
const DELIM_END = ']-----------------------\n';
const HTTP_HEADER_HEXA = `${DELIM_BEGIN}    HTTP Header Buffer    ${DELIM_END}`;
const HTTP_HEADER_ASCII = `${DELIM_BEGIN} HTTP Header Ascii Buffer ${DELIM_END}`;
const HTML_HEADER_HEXA = `${DELIM_BEGIN}        HTML Buffer        ${DELIM_END}`;
const HTML_HASH = `${DELIM_BEGIN}    HTML hash resulting    ${DELIM_END}`;
const HTML_HASH_FINAL = `${DELIM_BEGIN} HTML hash final resulting ${DELIM_END}`;

function usage(): string {
  return 'Usage: halo genhash COMMAND [OPTIONS]\n'
    + 'Commands:\n   -s server-address -p port -u url\n   -S -s server-address -p port -u url\n   -h\n\n'
    + 'Options:\nEither long or short options are allowed.\n'
    + '   --use-ssl         -S       Use SSL connection to remote server.\n'
    + '   --use-sni         -I       Use SNI during SSL handshake (uses virtualhost setting; see -V).\n'
    + '   --server          -s       Use the specified remote server address.\n'
    + '   --port            -p       Use the specified remote server port.\n'
    + '   --url             -u       Use the specified remote server url.\n'
    + '   --use-virtualhost -V       Use the specified virtualhost in GET query.\n'
    + '   --verbose         -v       Use verbose mode output.\n'
    + '   --help            -h       Display this short inlined help screen.\n'
    + '   --fwmark          -m       Use the specified FW mark.\n'
    + "   --protocol        -P       Use the specified HTTP protocol - '1.0', 1.0c', '1.1'.\n"
    + "                                1.0c means 1.0 with 'Connection: close'\n"
    + '   --timeout         -t       Timeout in seconds\n';
}

/** lib/utils.c dump_buffer: "%.4zu " offset (decimal), "%3.2x" bytes, " -" after 8, ASCII after 16. */
export function dumpBuffer(buf: Buffer): string {
  let out = '';
  const count = buf.length;
  const c = count % 16 ? count + (16 - (count % 16)) : count;
  for (let i = 0; i < c; i++) {
    if (i % 16 === 0) out += `${String(i & 0xffff).padStart(4, '0')} `;
    out += i < count ? ` ${buf[i].toString(16).padStart(2, '0')}` : '   ';
    if ((i + 1) % 8 === 0) {
      if ((i + 1) % 16) out += ' -';
      else {
        out += '   ';
        for (let j = i - 15; j <= i; j++) out += j < count ? (buf[j] >= 0x20 && buf[j] <= 0x7e ? String.fromCharCode(buf[j]) : '.') : ' ';
        out += '\n';
      }
    }
  }
  return out;
}

interface Options {
  ssl: boolean;
  sni: boolean;
  server: string | null;
  port: number | null;
  url: string | null;
  vhost: string | null;
  verbose: boolean;
  protocol: HttpCheck['httpProtocol'];
  timeoutS: number | null;
}

const LONG: Record<string, string> = {
  help: 'h', verbose: 'v', 'use-ssl': 'S', 'use-sni': 'I', server: 's', 'use-virtualhost': 'V', port: 'p', url: 'u', fwmark: 'm',
  protocol: 'P', timeout: 't',
};
const WITH_ARG = new Set(['s', 'V', 'p', 'u', 'm', 'P', 't']);

function parse(argv: string[], err: (s: string) => void): Options | null {
  const o: Options = { ssl: false, sni: false, server: null, port: null, url: null, vhost: null, verbose: false, protocol: '1.0', timeoutS: null };
  if (argv.length < 2) return null;
  let bad = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    let opt: string;
    let val: string | undefined;
    if (a.startsWith('--')) {
      const [name, inline] = a.slice(2).split(/=(.*)/s, 2);
      if (!(name in LONG)) { err(`Unknown option ${a}\n`); bad = true; continue; }
      opt = LONG[name];
      val = inline;
      if (WITH_ARG.has(opt) && val === undefined) {
        val = argv[++i];
        if (val === undefined) { err(`Missing parameter for option --${name}\n`); bad = true; continue; }
      }
    } else if (a.startsWith('-') && a.length >= 2) {
      opt = a[1];
      if (!'hvSIsVpumPt'.includes(opt)) { err(`Unknown option -${opt}\n`); bad = true; continue; }
      if (WITH_ARG.has(opt)) {
        val = a.length > 2 ? a.slice(2) : argv[++i];
        if (val === undefined) { err(`Missing parameter for option -${opt}\n`); bad = true; continue; }
      }
    } else {
      err(`Unexpected argument(s): ${argv.slice(i).join(' ')}\n`);
      return null;
    }
    switch (opt) {
      case 'h': bad = true; break;
      case 'v': o.verbose = true; break;
      case 'S': o.ssl = true; break;
      case 'I': o.sni = true; break;
      case 's':
        if (!net.isIP(val!)) { err(`server should be an IP, not ${val}\n`); return null; }
        o.server = val!;
        break;
      case 'V': o.vhost = val!; break;
      case 'p': {
        const n = /^\d+$/.test(val!) ? Number(val) : NaN;
        if (!(n > 0 && n <= 65535)) { err(`invalid port number '${val}'\n`); return null; }
        o.port = n;
        break;
      }
      case 'u': o.url = val!; break;
      case 'm': err('halo genhash: --fwmark is not implemented yet (SO_MARK on checker sockets)\n'); return null;
      case 'P':
        if (val === '1.0' || val === '1.1') o.protocol = val;
        else if (val === '1.0c' || val === '1.0C') o.protocol = '1.0C';
        else { err(`invalid HTTP protocol version '${val}'\n`); return null; }
        break;
      case 't': {
        const t = val!.replace(/^[ \t]+/, '');
        if (!/^\d+$/.test(t)) { err(`invalid timeout '${val}'\n`); return null; }
        o.timeoutS = Number(t);
        break;
      }
    }
  }
  if (bad || o.server === null || o.port === null || o.url === null) return null;
  return o;
}

export async function main(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): Promise<number> {
  const o = parse(argv, err);
  if (!o) {
    err(usage());
    return 1;
  }
  const t0 = performance.now();
  // keepalived's default connect timeout when -t is not given (the checker default, 5 s).
  const timeoutMs = (o.timeoutS ?? 5) * 1000;
  let headerShown = false;
  const r = await httpGet({
    ssl: o.ssl, connectIp: o.server!, connectPort: o.port!, bindto: null, bindPort: null, connectTimeoutMs: timeoutMs,
    responseLimitMs: Math.max(timeoutMs, 60_000), path: o.url!, httpProtocol: o.protocol, virtualhost: o.vhost, enableSni: o.sni,
    tls: null, digest: true, regex: null, regexMinOffset: 0, regexMaxOffset: 0,
    ...(o.verbose ? {
      onHeader: (h: Buffer) => {
        headerShown = true;
        out(HTTP_HEADER_HEXA + dumpBuffer(h) + HTTP_HEADER_ASCII + `${h.toString('latin1')}\n`);
      },
      onBody: (chunk: Buffer, first: boolean) => out((first ? HTML_HEADER_HEXA : '') + dumpBuffer(chunk)),
    } : {}),
  });
  if (r.kind === 'error') out(`${r.reason}\n`);
  else if (r.kind === 'stalled') out('Timeout connecting\n');
  else if (r.empty) {
    if (o.verbose && !headerShown) out(HTTP_HEADER_HEXA);
    err('no data received from remote webserver\n');
  } else {
    if (o.verbose) out(`\n${HTML_HASH}${dumpBuffer(Buffer.from(r.digest!, 'hex'))}${HTML_HASH_FINAL}`);
    out(`${r.digest}\n`);
  }
  if (o.verbose) out(`\nGlobal response time for [${o.url}] = ${Math.round((performance.now() - t0) * 1000)} usecs\n`);
  return 0;
}
