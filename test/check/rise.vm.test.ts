/**
 * How many successful checks bring a failed real server back, halo beside keepalived 2.2.7 on
 * the same servers in the same run (kernel VM tier: keepalived's checker process needs IPVS).
 *
 * keepalived's rule, from its sources (check_http.c epilog, check_tcp.c tcp_epilog,
 * check_misc.c, check_dns.c): TCP_CHECK, MISC_CHECK and DNS_CHECK come back on the first success; HTTP_GET and
 * SSL_GET remember the failed url, and its first success only clears that mark and restarts the
 * url list, so the server is up after the failed url plus one full pass over the list (2
 * successes for one url, 3 for two urls whose second failed); with fast_recovery the pass
 * follows at once instead of after delay_loop.
 *
 * Each server logs the requests it answers with the client's address and time (nginx's access
 * log, a TCP listener's accept log, the MISC_CHECK script's own log, bind9's query log), so the
 * successes each director made between the recovery and its decision (its "Adding service"
 * line) are counted from the servers' side, for halo and keepalived alike, once both
 * `ipvsadm -Ln` show every server again.
 */
import { ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directors, RunningDirector, waitFor } from '../support/directors';
import { ipvsRows } from '../support/ipvs-table';
import { Topology, stopProcess } from '../support/netns';
import { NginxServer } from '../support/web';
import { NamedServer } from '../support/named';

jest.setTimeout(600_000);

/**
 * A director's log has the time to the second: successes this far apart leave no doubt which
 * of them its "Adding service" line followed, even when the emulated VM makes it late.
 */
const DELAY_LOOP_S = 6;
/** How far a server's log may trail the director's (the same VM clock; the next success is DELAY_LOOP_S away). */
const LOG_SLACK_S = 2;
const WEB = ['10.0.102.10', '10.0.102.11', '10.0.102.12', '10.0.102.13'];
const SRC = { ka: '10.0.102.2', hl: '10.0.102.3' } as const;
type Who = keyof typeof SRC;

let topo: Topology;
let dirs: Directors;
let tmp: string;
let web: NginxServer;
let accessLog: string;
let tcpLog: string;
let miscLog: string;
let miscCode: string;
let dnsLog: string;
let named: NamedServer;
let tcp: ChildProcess | null = null;
const running: Partial<Record<Who, RunningDirector>> = {};

interface Guarded {
  name: string;
  row: string; // VIP:PORT>RS:PORT as table() prints it
  expected: number; // keepalived's rule, from its sources
  adding: string; // the pool line both daemons log when the server is put back
  /** Times (epoch s) of this check's successes from `src` in the server-side logs since byte offsets `from`. */
  successes(src: string, from: Offsets): number[];
}
type Offsets = { access: number; tcp: number; misc: number; dns: number };

const tail = (file: string, from: number): string[] => (existsSync(file) ? readFileSync(file, 'utf8').slice(from).split('\n').filter(Boolean) : []);
const size = (file: string): number => (existsSync(file) ? statSync(file).size : 0);
const offsets = (): Offsets => ({ access: size(accessLog), tcp: size(tcpLog), misc: size(miscLog), dns: size(dnsLog) });
/** bind's "30-Nov-2026 17:29:38.437 client @0x… 10.0.102.2#60522 (www.checkers.test): query: …" → [epoch s, client]. */
const dnsQuery = (l: string): [number, string] => {
  const m = /^(\d+)-(\w+)-(\d+) ([\d:.]+) client \S+ ([\d.]+)#/.exec(l);
  return m ? [new Date(`${m[1]} ${m[2]} ${m[3]} ${m[4]}`).getTime() / 1000, m[5]] : [NaN, ''];
};
/** nginx lines `msec src dst uri status` that are 200s from src to dst for one of `uris`. */
const http = (dst: string, uris: string[]) => (src: string, from: Offsets): number[] =>
  tail(accessLog, from.access).map((l) => l.split(' ')).filter(([, s, d, u, st]) => s === src && d === dst && uris.includes(u) && st === '200').map(([t]) => Number(t));

const GUARDED: Guarded[] = [
  { name: 'HTTP_GET, one url', row: `192.168.60.1:80>${WEB[0]}:80`, adding: `Adding service [${WEB[0]}]:tcp:80 to VS [192.168.60.1]:tcp:80`, expected: 2, successes: http(`${WEB[0]}:80`, ['/a.html']) },
  { name: 'HTTP_GET, two urls (the second failed)', row: `192.168.60.1:80>${WEB[1]}:80`, adding: `Adding service [${WEB[1]}]:tcp:80 to VS [192.168.60.1]:tcp:80`, expected: 3, successes: http(`${WEB[1]}:80`, ['/b1.html', '/b2.html']) },
  { name: 'HTTP_GET with fast_recovery', row: `192.168.60.1:80>${WEB[2]}:80`, adding: `Adding service [${WEB[2]}]:tcp:80 to VS [192.168.60.1]:tcp:80`, expected: 2, successes: http(`${WEB[2]}:80`, ['/c.html']) },
  { name: 'SSL_GET', row: `192.168.60.1:443>${WEB[0]}:443`, adding: `Adding service [${WEB[0]}]:tcp:443 to VS [192.168.60.1]:tcp:443`, expected: 2, successes: http(`${WEB[0]}:443`, ['/d.html']) },
  {
    name: 'TCP_CHECK', row: `192.168.60.1:8080>${WEB[3]}:8080`, adding: `Adding service [${WEB[3]}]:tcp:8080 to VS [192.168.60.1]:tcp:8080`, expected: 1,
    successes: (src, from) => tail(tcpLog, from.tcp).map((l) => l.split(' ')).filter(([, s]) => s === src).map(([t]) => Number(t)),
  },
  {
    name: 'DNS_CHECK', row: `192.168.60.3:53>${WEB[3]}:53`, adding: `Adding service [${WEB[3]}]:tcp:53 to VS [192.168.60.3]:tcp:53`, expected: 1,
    successes: (src, from) => tail(dnsLog, from.dns).map(dnsQuery).filter(([, s]) => s === src).map(([t]) => t),
  },
  {
    name: 'MISC_CHECK', row: `192.168.60.2:80>${WEB[3]}:80`, adding: `Adding service [${WEB[3]}]:tcp:80 to VS [192.168.60.2]:tcp:80`, expected: 1,
    successes: (src, from) => tail(miscLog, from.misc).map((l) => l.split(' ')).filter(([, who, code]) => src === SRC[who as Who] && code === '0').map(([t]) => Number(t)),
  },
];

function conf(who: Who): string {
  const timing = ['      connect_timeout 3', '      retry 1', '      delay_before_retry 1'];
  const vs = (vip: string, port: number, body: string[]): string[] => [
    `virtual_server ${vip} ${port} {`, `  delay_loop ${DELAY_LOOP_S}`, '  lb_algo rr', '  lb_kind NAT', '  protocol TCP', ...body, '}'];
  const url = (path: string): string[] => ['      url {', `        path ${path}`, '        status_code 200', '      }'];
  return [
    'global_defs {', '  router_id rise', '}',
    ...vs('192.168.60.1', 80, [
      `  real_server ${WEB[0]} 80 {`, '    HTTP_GET {', ...url('/a.html'), ...timing, '    }', '  }',
      `  real_server ${WEB[1]} 80 {`, '    HTTP_GET {', ...url('/b1.html'), ...url('/b2.html'), ...timing, '    }', '  }',
      `  real_server ${WEB[2]} 80 {`, '    HTTP_GET {', ...url('/c.html'), ...timing, '      fast_recovery', '    }', '  }',
    ]),
    ...vs('192.168.60.1', 443, [`  real_server ${WEB[0]} 443 {`, '    SSL_GET {', ...url('/d.html'), ...timing, '    }', '  }']),
    ...vs('192.168.60.1', 8080, [`  real_server ${WEB[3]} 8080 {`, '    TCP_CHECK {', ...timing, '    }', '  }']),
    ...vs('192.168.60.3', 53, [`  real_server ${WEB[3]} 53 {`, '    DNS_CHECK {', '      type A', '      name www.checkers.test', ...timing, '    }', '  }']),
    ...vs('192.168.60.2', 80, [
      `  real_server ${WEB[3]} 80 {`, '    MISC_CHECK {', `      misc_path "${join(tmp, 'misc.sh')} ${who}"`, '      misc_timeout 5', '    }', '  }',
    ]),
    '',
  ].join('\n');
}

/** `ipvsadm -Ln` of a director's namespace as "VIP:PORT>RS:PORT" rows. */
const table = (host: string): string[] => ipvsRows(topo, host).sort();

const ALL = GUARDED.map((g) => g.row).sort();

async function bothReach(want: string[], what: string): Promise<void> {
  const ok = await waitFor(() => (['ka', 'hl'] as Who[]).every((h) => JSON.stringify(table(h)) === JSON.stringify(want)), 120_000, 300);
  if (!ok) {
    throw new Error(`${what}: tables never reached ${JSON.stringify(want)}\nkeepalived: ${JSON.stringify(table('ka'))}\nhalo: ${JSON.stringify(table('hl'))}\n`
      + `--- keepalived log\n${running.ka!.log().slice(-3000)}\n--- halo log\n${running.hl!.log().slice(-3000)}`);
  }
}

/**
 * A TCP server in `web` that logs "msec src" for every connection it accepts, then closes it.
 * It listens or stops listening (refused) when told on stdin, so that the one process, already
 * started and idle, logs each accept at once (a process started at the recovery would log the
 * first connections late: the kernel completes them before its first turn).
 */
function startTcp(): ChildProcess {
  const js = `const fs=require('fs');const srv=require('net').createServer((s)=>{fs.appendFileSync(${JSON.stringify(tcpLog)},Date.now()/1000+' '+s.remoteAddress+'\\n');s.destroy();});`
    + `process.stdin.on('data',(d)=>{if(String(d).includes('listen'))srv.listen(8080,${JSON.stringify(WEB[3])});else srv.close();});`;
  return topo.spawn('web', [process.execPath, '-e', js], { stdio: ['pipe', 'ignore', 'inherit'] });
}

async function tcpListening(up: boolean): Promise<void> {
  const ok = await waitFor(() => topo.exec('web', ['ss', '-Hltn'], { allowFail: true }).includes(`${WEB[3]}:8080 `) === up, 20_000, 50);
  if (!ok) throw new Error(`TCP listener ${up ? 'did not start' : 'did not stop'}`);
}

beforeAll(async () => {
  topo = new Topology('rise-vm-').build(['br0'], [
    { name: 'web', links: [['br0', `${WEB[0]}/24`]] },
    { name: 'ka', links: [['br0', `${SRC.ka}/24`]] },
    { name: 'hl', links: [['br0', `${SRC.hl}/24`]] },
  ]);
  for (const a of WEB.slice(1)) topo.exec('web', ['ip', 'addr', 'add', `${a}/24`, 'dev', 'eth0']);
  tmp = mkdtempSync(join(tmpdir(), 'rise-vm-'));
  chmodSync(tmp, 0o755);
  accessLog = join(tmp, 'access.log');
  tcpLog = join(tmp, 'tcp.log');
  miscLog = join(tmp, 'misc.log');
  miscCode = join(tmp, 'misc-code');
  writeFileSync(miscCode, '0');
  writeFileSync(join(tmp, 'misc.sh'), `#!/bin/sh\nc=$(cat ${miscCode})\necho "$(date +%s.%N) $1 $c" >> ${miscLog}\nexit $c\n`);
  chmodSync(join(tmp, 'misc.sh'), 0o755);
  web = new NginxServer(topo, 'web', join(tmp, 'nginx'), WEB.slice(0, 3), accessLog);
  for (const p of ['a.html', 'b1.html', 'b2.html', 'c.html', 'd.html']) web.page(p, `${p}\n`);
  await web.start();
  tcp = startTcp();
  tcp.stdin!.write('listen\n');
  await tcpListening(true);
  dnsLog = join(tmp, 'queries.log');
  mkdirSync(join(tmp, 'named'));
  named = new NamedServer(topo, 'web', join(tmp, 'named'), [WEB[3]], dnsLog);
  await named.start();
  dirs = new Directors(topo, join(tmp, 'directors'));
  running.ka = dirs.keepalived('ka', conf('ka'), ['-C']);
  running.hl = dirs.halo('hl', conf('hl'), ['-C']);
});

afterAll(async () => {
  await dirs?.stopAll();
  await stopProcess(tcp);
  await named?.stop();
  await web?.stop();
  topo?.destroy();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('successes needed to bring a real server back: halo and keepalived 2.2.7 count the same', () => {
  it('all up at start, and every checker has run once in each director', async () => {
    await bothReach(ALL, 'start');
    // Checkers start up (no alpha): wait for each one's first success, so that the failures
    // below meet checkers that have run (keepalived's first failure of a checker that never
    // ran takes it down at once, retries or not).
    const none: Offsets = { access: 0, tcp: 0, misc: 0, dns: 0 };
    const ran = await waitFor(() => GUARDED.every((g) => g.successes(SRC.ka, none).length > 0 && g.successes(SRC.hl, none).length > 0), 60_000, 500);
    expect(ran).toBe(true);
    expect(table('hl')).toEqual(table('ka'));
  });

  it('every checker fails, then recovers: each director brings each server back after the same number of successes', async () => {
    for (const p of ['a.html', 'b2.html', 'c.html', 'd.html']) web.page(p, null); // 404
    writeFileSync(miscCode, '1');
    tcp!.stdin!.write('close\n');
    await tcpListening(false);
    await named.stop(); // ICMP port unreachable
    await bothReach([], 'failures');

    // Recover everything at once; from here on, count each director's successes per server.
    const from = offsets();
    const logFrom = { ka: running.ka!.log().length, hl: running.hl!.log().length };
    for (const p of ['a.html', 'b2.html', 'c.html', 'd.html']) web.page(p, `${p}\n`);
    writeFileSync(miscCode, '0');
    tcp!.stdin!.write('listen\n');
    // named takes seconds to start in the VM: the tables are watched meanwhile, not after
    const namedUp = named.start().then(() => null, (e: Error) => e);

    const recoveredAt = Date.now() / 1000;
    await bothReach(ALL, 'recovery');
    const namedFailed = await namedUp;
    if (namedFailed) throw namedFailed;

    // The moment each director decided: its "Adding service [RS] to VS [VIP]" line after the
    // recovery (both daemons log it as they put the server back; to the second). Successes are
    // delay_loop (6 s) apart, so those up to the end of that second (and LOG_SLACK_S) are the ones it needed.
    const seen: Record<string, number> = {};
    const timeline: string[] = [];
    for (const who of ['ka', 'hl'] as Who[]) {
      const log = running[who]!.log().slice(logFrom[who]).split('\n');
      for (const g of GUARDED) {
        const key = `${g.name} / ${who === 'ka' ? 'keepalived' : 'halo'}`;
        const line = log.find((l) => l.includes(`: ${g.adding}`));
        const m = line ? /^\w{3} (\w{3}) +(\d+) ([\d:]+) (\d{4}):/.exec(line) : null;
        const decided = m ? new Date(`${m[1]} ${m[2]} ${m[4]} ${m[3]}`).getTime() / 1000 : NaN;
        const ok = g.successes(SRC[who], from);
        seen[key] = ok.filter((t) => t < decided + 1 + LOG_SLACK_S).length;
        timeline.push(`${key}: successes at +${ok.map((t) => (t - recoveredAt).toFixed(2)).join(', +')} s; "${g.adding}" logged in the second from +${(decided - recoveredAt).toFixed(2)} s`);
      }
    }
    const want: Record<string, number> = {};
    for (const who of ['keepalived', 'halo']) for (const g of GUARDED) want[`${g.name} / ${who}`] = g.expected;
    console.log(`recovered at ${recoveredAt}\n${timeline.join('\n')}`);
    if (JSON.stringify(seen) !== JSON.stringify(want)) {
      console.log(`--- keepalived log\n${running.ka!.log().slice(-4000)}\n--- halo log\n${running.hl!.log().slice(-4000)}`);
    }
    expect(seen).toEqual(want);
  });
});
