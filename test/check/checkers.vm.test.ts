/**
 * HTTP_GET, SSL_GET and MISC_CHECK against real servers, halo beside keepalived 2.2.7 in the
 * same run (the kernel VM tier: keepalived's checker process needs IPVS to start). Three
 * namespaces on one bridge: `web` runs Debian's nginx-light (HTTP, and HTTPS with a
 * certificate made by openssl now), `ka` runs keepalived -C, `hl` runs halo run -C, each with
 * its own IPVS table (IPVS is per namespace) from the same keepalived.conf. For every failure
 * mode — MD5 digest, regex, status code, TLS page gone, script exit code, connection refused —
 * both directors must take the same real servers out of their table, log the same checker
 * lines, and put them back on recovery.
 */
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directors, RunningDirector, waitFor } from '../support/directors';
import { Topology } from '../support/netns';
import { NginxServer } from '../support/web';

jest.setTimeout(600_000);

const WEB = ['10.0.101.10', '10.0.101.11', '10.0.101.12'];
const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
const HEALTH = '<html><body>healthy</body></html>\n';

let topo: Topology;
let dirs: Directors;
let tmp: string;
let web: NginxServer;
let miscCode: string;
let ka: RunningDirector;
let hl: RunningDirector;

function conf(): string {
  const timing = ['            connect_timeout 3', '            retry 1', '            delay_before_retry 1'];
  return [
    'global_defs {', '    router_id checkers', '}',
    'virtual_server 192.168.50.1 80 {', '    delay_loop 2', '    lb_algo rr', '    lb_kind NAT', '    protocol TCP',
    `    real_server ${WEB[0]} 80 {`, '        HTTP_GET {', '            url {', '                path /health.html', `                digest ${md5(HEALTH)}`, '            }', ...timing, '        }', '    }',
    `    real_server ${WEB[1]} 80 {`, '        HTTP_GET {', '            url {', '                path /status.html', '                status_code 200-299', '                regex "STATUS=(OK|DEGRADED)"', '            }', ...timing, '        }', '    }',
    '}',
    'virtual_server 192.168.50.1 443 {', '    delay_loop 2', '    lb_algo rr', '    lb_kind NAT', '    protocol TCP',
    `    real_server ${WEB[2]} 443 {`, '        SSL_GET {', '            url {', '                path /tls.html', '                status_code 200', '            }', ...timing, '        }', '    }',
    '}',
    'virtual_server 192.168.50.2 80 {', '    delay_loop 2', '    lb_algo rr', '    lb_kind NAT', '    protocol TCP',
    `    real_server ${WEB[0]} 80 {`, '        MISC_CHECK {', `            misc_path ${join(tmp, 'misc.sh')}`, '            misc_timeout 5', '        }', '    }',
    '}', '',
  ].join('\n');
}

/** `ipvsadm -Ln` of a director's namespace, reduced to "VIP:PORT>RS:PORT" for each destination. */
function table(host: string): string[] {
  const out = topo.exec(host, ['ipvsadm', '-Ln'], { allowFail: true });
  const rows: string[] = [];
  let svc = '';
  for (const line of out.split('\n')) {
    const s = /^TCP\s+(\S+)/.exec(line);
    if (s) svc = s[1];
    const d = /^\s+->\s+(\d+\.\d+\.\d+\.\d+:\d+)\s+\S+\s+(\d+)/.exec(line);
    if (d && svc) rows.push(`${svc}>${d[1]}/${d[2]}`);
  }
  return rows.sort();
}

const ALL = [
  `192.168.50.1:443>${WEB[2]}:443/1`, `192.168.50.1:80>${WEB[0]}:80/1`, `192.168.50.1:80>${WEB[1]}:80/1`, `192.168.50.2:80>${WEB[0]}:80/1`,
];

/** Both directors' tables equal `want` (each may take its time); returns them for the assertion message. */
async function bothReach(want: string[], what: string): Promise<void> {
  const ok = await waitFor(() => {
    const a = table('ka');
    const b = table('hl');
    return JSON.stringify(a) === JSON.stringify(want) && JSON.stringify(b) === JSON.stringify(want);
  }, 90_000, 500);
  if (!ok) {
    throw new Error(`${what}: tables never reached ${JSON.stringify(want)}\nkeepalived: ${JSON.stringify(table('ka'))}\nhalo: ${JSON.stringify(table('hl'))}\n`
      + `--- keepalived log\n${ka.log().slice(-3000)}\n--- halo log\n${hl.log().slice(-3000)}`);
  }
  expect({ keepalived: table('ka'), halo: table('hl') }).toEqual({ keepalived: want, halo: want });
}

/** The checker and pool lines of a log, without timestamps, in order. */
function checkerLines(d: RunningDirector): string[] {
  return d.log().split('\n')
    .map((l) => l.replace(/^\w{3} \w{3} +\d+ [\d:]+ \d{4}: (Keepalived_healthcheckers\[\d+\]: )?/, ''))
    .filter((l) => /HTTP_CHECK|Remote Web server|success to|MD5 digest|Misc check|Removing service|Adding service/.test(l));
}

beforeAll(async () => {
  topo = new Topology('checkers-vm-').build(['br0'], [
    { name: 'web', links: [['br0', `${WEB[0]}/24`]] },
    { name: 'ka', links: [['br0', '10.0.101.2/24']] },
    { name: 'hl', links: [['br0', '10.0.101.3/24']] },
  ]);
  for (const a of WEB.slice(1)) topo.exec('web', ['ip', 'addr', 'add', `${a}/24`, 'dev', 'eth0']);
  tmp = mkdtempSync(join(tmpdir(), 'checkers-vm-'));
  chmodSync(tmp, 0o755);
  miscCode = join(tmp, 'misc-code');
  writeFileSync(miscCode, '0');
  writeFileSync(join(tmp, 'misc.sh'), `#!/bin/sh\nexit $(cat ${miscCode})\n`);
  chmodSync(join(tmp, 'misc.sh'), 0o755);
  web = new NginxServer(topo, 'web', join(tmp, 'nginx'), WEB);
  web.page('health.html', HEALTH);
  web.page('status.html', 'app STATUS=OK\n');
  web.page('tls.html', 'secure\n');
  await web.start();
  dirs = new Directors(topo, join(tmp, 'directors'));
  ka = dirs.keepalived('ka', conf(), ['-C']);
  hl = dirs.halo('hl', conf(), ['-C']);
});

afterAll(async () => {
  await dirs?.stopAll();
  await web?.stop();
  topo?.destroy();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('HTTP_GET, SSL_GET and MISC_CHECK: halo and keepalived 2.2.7 on the same servers', () => {
  it('all up while every server answers right', async () => {
    await bothReach(ALL, 'start');
  });

  it('digest, regex, status code and script failures take the same servers out; recovery puts them back', async () => {
    web.page('health.html', '<html><body>changed</body></html>\n'); // MD5 digest error
    web.page('status.html', 'app STATUS=FAILED\n'); // regex does not match
    web.page('tls.html', null); // 404 over TLS
    writeFileSync(miscCode, '1'); // script exit 1
    await bothReach([], 'failures');
    for (const d of [ka, hl]) {
      const lines = checkerLines(d);
      expect(lines).toEqual(expect.arrayContaining([
        `HTTP_CHECK on service [${WEB[0]}]:tcp:80 failed after 1 retries.`,
        `HTTP_CHECK on service [${WEB[1]}]:tcp:80 failed after 1 retries.`,
        `HTTP_CHECK on service [${WEB[2]}]:tcp:443 failed after 1 retries.`,
        `Removing service [${WEB[0]}]:tcp:80 from VS [192.168.50.1]:tcp:80`,
        `Removing service [${WEB[2]}]:tcp:443 from VS [192.168.50.1]:tcp:443`,
        `Removing service [${WEB[0]}]:tcp:80 from VS [192.168.50.2]:tcp:80`,
      ]));
      expect(lines.some((l) => l.startsWith(`Misc check for [[${WEB[0]}]:tcp:80 VS [192.168.50.2]:tcp:80] by [${join(tmp, 'misc.sh')}] failed`))).toBe(true);
    }

    web.page('health.html', HEALTH);
    web.page('status.html', 'app STATUS=DEGRADED\n');
    web.page('tls.html', 'secure again\n');
    writeFileSync(miscCode, '0');
    await bothReach(ALL, 'recovery');
    for (const d of [ka, hl]) {
      const lines = checkerLines(d);
      expect(lines).toEqual(expect.arrayContaining([
        `MD5 digest success to [${WEB[0]}]:tcp:80 url(/health.html)`,
        `Regex match success to [${WEB[1]}]:tcp:80 url(/status.html)`,
        `HTTP status code success to [${WEB[2]}]:tcp:443 url(/tls.html)`,
        `Remote Web server [${WEB[0]}]:tcp:80 succeed on service.`,
        `Adding service [${WEB[0]}]:tcp:80 to VS [192.168.50.1]:tcp:80`,
      ]));
    }
  });

  it('the web server stops (refused): every HTTP and SSL server out; it starts again: back in', async () => {
    await web.stop();
    await bothReach([`192.168.50.2:80>${WEB[0]}:80/1`], 'nginx stopped');
    await web.start();
    await bothReach(ALL, 'nginx started');
  });
});
