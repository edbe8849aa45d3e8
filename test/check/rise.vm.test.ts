/**
 * How many successful checks bring a failed real server back, halo beside keepalived 2.2.7 on
 * the same servers in the same run (kernel VM tier: keepalived's checker process needs IPVS).
 *
 * keepalived's rule, from its sources (check_http.c epilog, check_tcp.c tcp_epilog,
 * check_misc.c): TCP_CHECK and MISC_CHECK come back on the first success; HTTP_GET and
 * SSL_GET remember the failed url, and its first success only clears that mark and restarts the
 * url list, so the server is up after the failed url plus one full pass over the list (2
 * successes for one url, 3 for two urls whose second failed); with fast_recovery the pass
 * follows at once instead of after delay_loop.
 *
 * Each server logs the requests it answers with the client's address (nginx's access log, a
 * TCP listener's accept log, the MISC_CHECK script's own log), so the successes each director
 * made between the recovery and the moment its `ipvsadm -Ln` shows the server again are
 * counted from the servers' side, for halo and keepalived alike.
 */
import { ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directors, RunningDirector, waitFor } from '../support/directors';
import { Topology, stopProcess } from '../support/netns';
import { NginxServer } from '../support/web';

jest.setTimeout(600_000);

/**
 * Long enough that a director's table change (and this test's poll of `ipvsadm -Ln`, slow in
 * the emulated VM: up to ~3.5 s seen) is seen before the next check could add a success.
 */
const DELAY_LOOP_S = 6;
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
let tcp: ChildProcess | null = null;
const running: Partial<Record<Who, RunningDirector>> = {};

interface Guarded {
  name: string;
  row: string; // VIP:PORT>RS:PORT as table() prints it
  expected: number; // keepalived's rule, from its sources
  /** Times (epoch s) of this check's successes from `src` in the server-side logs since byte offsets `from`. */
  successes(src: string, from: Offsets): number[];
}
type Offsets = { access: number; tcp: number; misc: number };

const tail = (file: string, from: number): string[] => (existsSync(file) ? readFileSync(file, 'utf8').slice(from).split('\n').filter(Boolean) : []);
const size = (file: string): number => (existsSync(file) ? statSync(file).size : 0);
const offsets = (): Offsets => ({ access: size(accessLog), tcp: size(tcpLog), misc: size(miscLog) });
/** nginx lines `msec src dst uri status` that are 200s from src to dst for one of `uris`. */
const http = (dst: string, uris: string[]) => (src: string, from: Offsets): number[] =>
  tail(accessLog, from.access).map((l) => l.split(' ')).filter(([, s, d, u, st]) => s === src && d === dst && uris.includes(u) && st === '200').map(([t]) => Number(t));

const GUARDED: Guarded[] = [
  { name: 'HTTP_GET, one url', row: `192.168.60.1:80>${WEB[0]}:80`, expected: 2, successes: http(`${WEB[0]}:80`, ['/a.html']) },
  { name: 'HTTP_GET, two urls (the second failed)', row: `192.168.60.1:80>${WEB[1]}:80`, expected: 3, successes: http(`${WEB[1]}:80`, ['/b1.html', '/b2.html']) },
  { name: 'HTTP_GET with fast_recovery', row: `192.168.60.1:80>${WEB[2]}:80`, expected: 2, successes: http(`${WEB[2]}:80`, ['/c.html']) },
  { name: 'SSL_GET', row: `192.168.60.1:443>${WEB[0]}:443`, expected: 2, successes: http(`${WEB[0]}:443`, ['/d.html']) },
  {
    name: 'TCP_CHECK', row: `192.168.60.1:8080>${WEB[3]}:8080`, expected: 1,
    successes: (src, from) => tail(tcpLog, from.tcp).map((l) => l.split(' ')).filter(([, s]) => s === src).map(([t]) => Number(t)),
  },
  {
    name: 'MISC_CHECK', row: `192.168.60.2:80>${WEB[3]}:80`, expected: 1,
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
    ...vs('192.168.60.2', 80, [
      `  real_server ${WEB[3]} 80 {`, '    MISC_CHECK {', `      misc_path "${join(tmp, 'misc.sh')} ${who}"`, '      misc_timeout 5', '    }', '  }',
    ]),
    '',
  ].join('\n');
}

/** `ipvsadm -Ln` of a director's namespace as "VIP:PORT>RS:PORT" rows. */
function table(host: string): string[] {
  const out = topo.exec(host, ['ipvsadm', '-Ln'], { allowFail: true });
  const rows: string[] = [];
  let svc = '';
  for (const line of out.split('\n')) {
    const s = /^TCP\s+(\S+)/.exec(line);
    if (s) svc = s[1];
    const d = /^\s+->\s+(\d+\.\d+\.\d+\.\d+:\d+)\s/.exec(line);
    if (d && svc) rows.push(`${svc}>${d[1]}`);
  }
  return rows.sort();
}

const ALL = GUARDED.map((g) => g.row).sort();

async function bothReach(want: string[], what: string): Promise<void> {
  const ok = await waitFor(() => (['ka', 'hl'] as Who[]).every((h) => JSON.stringify(table(h)) === JSON.stringify(want)), 120_000, 300);
  if (!ok) {
    throw new Error(`${what}: tables never reached ${JSON.stringify(want)}\nkeepalived: ${JSON.stringify(table('ka'))}\nhalo: ${JSON.stringify(table('hl'))}\n`
      + `--- keepalived log\n${running.ka!.log().slice(-3000)}\n--- halo log\n${running.hl!.log().slice(-3000)}`);
  }
}

/** A TCP listener in `web` that logs "msec src" for every connection it accepts, then closes it. */
function startTcp(): ChildProcess {
  const js = `const fs=require('fs');require('net').createServer((s)=>{fs.appendFileSync(${JSON.stringify(tcpLog)},Date.now()/1000+' '+s.remoteAddress+'\\n');s.destroy();})`
    + `.listen(8080,${JSON.stringify(WEB[3])},()=>console.log('ready'));`;
  return topo.spawn('web', [process.execPath, '-e', js], { stdio: ['ignore', 'pipe', 'inherit'] });
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
  await tcpListening(true);
  dirs = new Directors(topo, join(tmp, 'directors'));
  running.ka = dirs.keepalived('ka', conf('ka'), ['-C']);
  running.hl = dirs.halo('hl', conf('hl'), ['-C']);
});

afterAll(async () => {
  await dirs?.stopAll();
  await stopProcess(tcp);
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
    const none: Offsets = { access: 0, tcp: 0, misc: 0 };
    const ran = await waitFor(() => GUARDED.every((g) => g.successes(SRC.ka, none).length > 0 && g.successes(SRC.hl, none).length > 0), 60_000, 500);
    expect(ran).toBe(true);
    expect(table('hl')).toEqual(table('ka'));
  });

  it('every checker fails, then recovers: each director brings each server back after the same number of successes', async () => {
    for (const p of ['a.html', 'b2.html', 'c.html', 'd.html']) web.page(p, null); // 404
    writeFileSync(miscCode, '1');
    await stopProcess(tcp);
    tcp = null;
    await tcpListening(false);
    await bothReach([], 'failures');

    // Recover everything at once; from here on, count each director's successes per server.
    const from = offsets();
    for (const p of ['a.html', 'b2.html', 'c.html', 'd.html']) web.page(p, `${p}\n`);
    writeFileSync(miscCode, '0');
    tcp = startTcp();
    await tcpListening(true);

    const recoveredAt = Date.now() / 1000;
    const seen: Record<string, number> = {};
    const timeline: string[] = [];
    const ok = await waitFor(() => {
      for (const who of ['ka', 'hl'] as Who[]) {
        const rows = table(who);
        for (const g of GUARDED) {
          const key = `${g.name} / ${who === 'ka' ? 'keepalived' : 'halo'}`;
          if (seen[key] === undefined && rows.includes(g.row)) {
            const at = Date.now() / 1000;
            const ok = g.successes(SRC[who], from);
            seen[key] = ok.length;
            timeline.push(`${key}: successes at +${ok.map((t) => (t - recoveredAt).toFixed(2)).join(', +')} s; seen in the table at +${(at - recoveredAt).toFixed(2)} s`);
          }
        }
      }
      return Object.keys(seen).length === GUARDED.length * 2;
    }, 120_000, 100);
    if (!ok) {
      throw new Error(`not every server came back: ${JSON.stringify(seen)}\nkeepalived: ${JSON.stringify(table('ka'))}\nhalo: ${JSON.stringify(table('hl'))}\n`
        + `--- keepalived log\n${running.ka!.log().slice(-3000)}\n--- halo log\n${running.hl!.log().slice(-3000)}`);
    }
    const want: Record<string, number> = {};
    for (const g of GUARDED) {
      want[`${g.name} / keepalived`] = g.expected;
      want[`${g.name} / halo`] = g.expected;
    }
    console.log(`recovered at ${recoveredAt}\n${timeline.join('\n')}`);
    if (JSON.stringify(seen) !== JSON.stringify(want)) {
      console.log(`--- keepalived log\n${running.ka!.log().slice(-4000)}\n--- halo log\n${running.hl!.log().slice(-4000)}`);
    }
    expect(seen).toEqual(want);
  });
});
