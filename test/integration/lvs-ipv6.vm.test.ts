/**
 * IPv6 virtual servers from one keepalived.conf, halo beside keepalived 2.2.7 in the same run on
 * the same kernel (the kernel VM tier; each director in its own namespace, so its own IPVS
 * table): an IPv6 address service with IPv6 real servers (HTTP_GET, TCP_CHECK), a fwmark service
 * made IPv6 by its real servers (DR, persistence /64), a fwmark service made IPv6 by `ip_family
 * inet6` with an IPv4 tunnelled real server, and an IPv4 service with an IPv6 tunnelled real server
 * (PING_CHECK over ICMPv6). Both tables must be the same (`ipvsadm -Sn`), lose the same servers
 * when nginx stops or an IPv6 server leaves the segment, and get them back; `halo ipvs` prints
 * halo's table byte for byte as `ipvsadm`; `halo cleanup` clears what a crashed halo left.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directors, HALO, RunningDirector, waitFor } from '../support/directors';
import { Topology } from '../support/netns';
import { NginxServer } from '../support/web';
import { haloCli } from '../ipvs/vm-helpers';
import { describeNeeding, ipvsKernel, root, tool } from '../support/prerequisites';

jest.setTimeout(600_000);

const WEB6 = ['2001:db8:107::10', '2001:db8:107::11'];
const WEB4 = '10.0.107.10';

let topo: Topology;
let dirs: Directors;
let tmp: string;
let web: NginxServer;
let ka: RunningDirector;
let hl: RunningDirector;

function conf(): string {
  const t = ['            connect_timeout 3', '            retry 1', '            delay_before_retry 1'];
  const tcp = (port?: number): string[] => ['        TCP_CHECK {', ...(port ? [`            connect_port ${port}`] : []), ...t, '        }'];
  return [
    'global_defs {', '    router_id v6', '}',
    'virtual_server 2001:db8:ffff::1 80 {', '    delay_loop 2', '    lb_algo rr', '    lb_kind NAT', '    protocol TCP',
    `    real_server ${WEB6[0]} 80 {`, '        HTTP_GET {', '            url {', '                path /health.html', '                status_code 200', '            }', ...t, '        }', '    }',
    `    real_server ${WEB6[1]} 80 {`, ...tcp(), '    }',
    '}',
    'virtual_server fwmark 7 {', '    delay_loop 2', '    lb_algo wlc', '    lb_kind DR', '    persistence_timeout 60', '    persistence_granularity 64',
    `    real_server ${WEB6[0]} 0 {`, '        weight 2', ...tcp(80), '    }',
    '}',
    'virtual_server fwmark 8 {', '    ip_family inet6', '    delay_loop 2', '    lb_algo rr', '    lb_kind TUN',
    `    real_server ${WEB4} 0 {`, ...tcp(80), '    }',
    '}',
    'virtual_server 192.168.107.1 80 {', '    delay_loop 2', '    lb_algo rr', '    lb_kind TUN', '    protocol TCP',
    `    real_server ${WEB6[1]} 80 {`, '        PING_CHECK {', ...t, '        }', '    }',
    '}', '',
  ].join('\n');
}

/** A director's table as `ipvsadm -Sn` rules, sorted (the kernel lists services in hash order). */
function table(host: string): string[] {
  return topo.exec(host, ['ipvsadm', '-Sn'], { allowFail: true }).split('\n').filter((l) => l.trim()).sort();
}

const SERVICES = [
  '-A -f 7 -6 -s wlc -p 60 -M 64',
  '-A -f 8 -6 -s rr',
  '-A -t 192.168.107.1:80 -s rr',
  '-A -t [2001:db8:ffff::1]:80 -s rr',
];
const ALL = [
  ...SERVICES,
  `-a -f 7 -6 -r [${WEB6[0]}]:0 -g -w 2`,
  `-a -f 8 -6 -r ${WEB4}:0 -i -w 1 --tun-type ipip`,
  `-a -t 192.168.107.1:80 -r [${WEB6[1]}]:80 -i -w 1 --tun-type ipip`,
  `-a -t [2001:db8:ffff::1]:80 -r [${WEB6[0]}]:80 -m -w 1`,
  `-a -t [2001:db8:ffff::1]:80 -r [${WEB6[1]}]:80 -m -w 1`,
].sort();

async function bothReach(want: string[], what: string): Promise<void> {
  const ok = await waitFor(() => JSON.stringify(table('ka')) === JSON.stringify(want) && JSON.stringify(table('hl')) === JSON.stringify(want), 120_000, 500);
  if (!ok) {
    throw new Error(`${what}: tables never reached ${JSON.stringify(want, null, 1)}\nkeepalived: ${JSON.stringify(table('ka'), null, 1)}\nhalo: ${JSON.stringify(table('hl'), null, 1)}\n`
      + `--- keepalived log\n${ka.log().slice(-3000)}\n--- halo log\n${hl.log().slice(-3000)}`);
  }
  expect({ keepalived: table('ka'), halo: table('hl') }).toEqual({ keepalived: want, halo: want });
}

/** The pool lines of a log, without timestamps. */
function poolLines(d: RunningDirector): string[] {
  return d.log().split('\n')
    .map((l) => l.replace(/^\w{3} \w{3} +\d+ [\d:]+ \d{4}: (Keepalived_healthcheckers\[\d+\]: )?/, ''))
    .filter((l) => /^(Removing|Adding) service /.test(l));
}

const d = describeNeeding(root, ipvsKernel, tool('ipvsadm'), tool('keepalived'), tool('nginx'));

d('IPv6 virtual servers: halo and keepalived 2.2.7 on the same kernel (kernel VM)', () => {
  beforeAll(async () => {
    topo = new Topology('h6v-').build(['br0'], [
      { name: 'web', links: [['br0', `${WEB4}/24`]] },
      { name: 'ka', links: [['br0', '10.0.107.2/24']] },
      { name: 'hl', links: [['br0', '10.0.107.3/24']] },
    ]);
    WEB6.forEach((a) => topo.exec('web', ['ip', 'addr', 'add', `${a}/64`, 'dev', 'eth0', 'nodad']));
    topo.exec('ka', ['ip', 'addr', 'add', '2001:db8:107::2/64', 'dev', 'eth0', 'nodad']);
    topo.exec('hl', ['ip', 'addr', 'add', '2001:db8:107::3/64', 'dev', 'eth0', 'nodad']);
    tmp = mkdtempSync(join(tmpdir(), 'h6v-'));
    web = new NginxServer(topo, 'web', join(tmp, 'nginx'), [...WEB6, WEB4]);
    web.page('health.html', 'healthy\n');
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

  it('the same table in both: IPv6 services, an IPv6 fwmark service, tunnelled servers of the other family', async () => {
    await bothReach(ALL, 'start');
  });

  it('halo ipvs prints halo\'s IPv6 table as ipvsadm does, with every listing flag', () => {
    const args = [
      ['-Ln'], ['-L'], ['-L', '-n', '--stats'], ['-Ln', '--rate'], ['-Ln', '--stats', '--exact'], ['-Ln', '--exact'],
      ['-Ln', '-t', '[2001:db8:ffff::1]:80'], ['-L', '-t', '[2001:db8:ffff::1]:80'], ['-Ln', '-t', '192.168.107.1:80'],
      ['-Ln', '-f', '7', '-6'], ['-Ln', '--stats', '-f', '8', '-6'], ['-Ln', '-u', '[2001:db8:ffff::1]:80'],
    ];
    const inHl = (argv: string[]) => {
      const r = spawnSync('ip', ['netns', 'exec', topo.ns('hl'), ...argv], { encoding: 'utf8' });
      return { stdout: r.stdout, stderr: r.stderr, status: r.status };
    };
    const got = args.map((a) => ({ args: a.join(' '), ...inHl([process.execPath, haloCli(), 'ipvs', ...a]) }));
    const want = args.map((a) => ({ args: a.join(' '), ...inHl(['ipvsadm', ...a]) }));
    expect(got).toEqual(want);
  });

  it('nginx stops: both take the same IPv6 (and tunnelled IPv4) servers out; it starts: both put them back', async () => {
    await web.stop();
    await bothReach([...SERVICES, `-a -t 192.168.107.1:80 -r [${WEB6[1]}]:80 -i -w 1 --tun-type ipip`].sort(), 'nginx stopped');
    expect(poolLines(ka)).toEqual(expect.arrayContaining([
      `Removing service [${WEB6[0]}]:tcp:80 from VS [2001:db8:ffff::1]:tcp:80`,
      `Removing service [${WEB6[1]}]:tcp:80 from VS [2001:db8:ffff::1]:tcp:80`,
    ]));
    // halo logs the same pool transitions in keepalived's words (their order across services may differ)
    expect(poolLines(hl).sort()).toEqual(poolLines(ka).sort());
    await web.start();
    await bothReach(ALL, 'nginx started');
    expect(poolLines(hl).sort()).toEqual(poolLines(ka).sort());
  });

  it('an IPv6 real server gone from the segment: PING_CHECK (ICMPv6) and TCP_CHECK take it out in both; back: in again', async () => {
    topo.exec('web', ['ip', 'addr', 'del', `${WEB6[1]}/64`, 'dev', 'eth0']);
    await bothReach(ALL.filter((l) => !l.includes(`-r [${WEB6[1]}]`)), 'IPv6 server gone');
    expect(poolLines(hl).sort()).toEqual(poolLines(ka).sort());
    expect(poolLines(ka)).toContain(`Removing service [${WEB6[1]}]:tcp:80 from VS [192.168.107.1]:tcp:80`);
    topo.exec('web', ['ip', 'addr', 'add', `${WEB6[1]}/64`, 'dev', 'eth0', 'nodad']);
    await bothReach(ALL, 'IPv6 server back');
    expect(poolLines(hl).sort()).toEqual(poolLines(ka).sort());
  });

  it('after a crash (kill -9), halo cleanup removes the IPv6 services halo owned, fwmark ones included', async () => {
    hl.signal('SIGKILL');
    await hl.exited;
    expect(table('hl')).toEqual(ALL); // a crashed director leaves its table behind
    const r = spawnSync('ip', ['netns', 'exec', topo.ns('hl'), process.execPath, HALO, 'cleanup', '-f', hl.confFile], { encoding: 'utf8' });
    expect({ status: r.status, table: table('hl') }).toEqual({ status: 0, table: [] });
    expect(table('ka')).toEqual(ALL); // the other namespace's table is not ours
  });
});
