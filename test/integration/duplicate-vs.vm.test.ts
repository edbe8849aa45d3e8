/**
 * The same virtual_server written twice (real-world corpus file 022 does it), halo beside Debian's
 * keepalived 2.2.7 in the same run on the same kernel (the kernel VM tier; each director in its
 * own namespace, so its own IPVS table). keepalived keeps both copies, each with its own
 * checkers; the kernel has one service, which each copy programs as if it were alone: the second
 * copy's adds find the service and the server there (EEXIST, logged, taken as done), and a copy
 * whose checker fails takes the server out whatever the other copy's checker says.
 *
 * Here copy 1 (rr, weight 10) checks the real server on port 8001 and copy 2 (wrr, weight 20) on
 * port 8002, so the two disagree when one listener stops. At each step both tables (`ipvsadm
 * -Sn`) and both daemons' pool lines (checker, Adding/Removing, quorum, IPVS errors, shutdown)
 * must be the same.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directors, HALO, RunningDirector, waitFor } from '../support/directors';
import { Topology } from '../support/netns';
import { TcpListeners } from '../support/tcp-listeners';
import { describeNeeding, file, ipvsKernel, root, tool } from '../support/prerequisites';

jest.setTimeout(600_000);

const RS = '10.0.124.20';
const VIP = '10.0.124.100';
let topo: Topology;
let dirs: Directors;
let tmp: string;
const listeners = new TcpListeners(() => topo, 'rs', RS);
const listen = (port: number): Promise<void> => listeners.listen(port);
const unlisten = (port: number): Promise<void> => listeners.unlisten(port);

function conf(): string {
  const copy = (sched: string, weight: number, port: number): string[] => [
    `virtual_server ${VIP} 80 {`, '    delay_loop 2', `    lb_algo ${sched}`, '    lb_kind DR', '    protocol TCP',
    `    real_server ${RS} 80 {`, `        weight ${weight}`,
    '        TCP_CHECK {', `            connect_port ${port}`, '            connect_timeout 1', '            retry 0', '            delay_before_retry 1', '        }',
    '    }', '}',
  ];
  return ['global_defs {', '    router_id dup', '}', ...copy('rr', 10, 8001), ...copy('wrr', 20, 8002), ''].join('\n');
}

/** A director's table as `ipvsadm -Sn` rules, sorted. */
function table(host: string): string[] {
  return topo.exec(host, ['ipvsadm', '-Sn'], { allowFail: true }).split('\n').filter((l) => l.trim()).sort();
}

/** A log's lines without keepalived's timestamp. */
function logLines(d: RunningDirector): string[] {
  return d.log().split('\n').map((l) => l.replace(/^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}: /, ''));
}

/** The pool's lines, in order (one copy changes at a time here, so their order is fixed). */
function poolLines(d: RunningDirector): string[] {
  return logLines(d).filter((l) => /^(IPVS cmd |Removing service |Adding service |Shutting down service |Gained quorum |Lost quorum )/.test(l));
}

/** The checkers' lines, sorted (the two copies' first checks run at random points of their warmup). */
function checkerLines(d: RunningDirector): string[] {
  return logLines(d).filter((l) => /^(TCP_CHECK on service |TCP connection to )/.test(l)).sort();
}

const count = (d: RunningDirector, prefix: string): number => [...poolLines(d), ...checkerLines(d)].filter((l) => l.startsWith(prefix)).length;

const need = describeNeeding(root, file(HALO, 'the built CLI dist/cli/main.js (npm run build)'), ipvsKernel, tool('ipvsadm'), tool('keepalived'));

need('a virtual_server written twice, beside keepalived 2.2.7 (kernel VM)', () => {
  let ka: RunningDirector;
  let hl: RunningDirector;

  beforeAll(() => {
    topo = new Topology('hvdup-').build(['br0'], [
      { name: 'rs', links: [['br0', `${RS}/24`]] },
      { name: 'hl', links: [['br0', '10.0.124.11/24']] },
      { name: 'ka', links: [['br0', '10.0.124.12/24']] },
    ]);
    tmp = mkdtempSync(join(tmpdir(), 'halo-dupvs-'));
    dirs = new Directors(topo, join(tmp, 'run'));
  });
  afterAll(async () => {
    await dirs?.stopAll();
    await listeners.closeAll();
    topo?.destroy();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const show = (): string => `keepalived: ${JSON.stringify(table('ka'))}\nhalo: ${JSON.stringify(table('hl'))}\n`
    + `--- keepalived\n${poolLines(ka).join('\n')}\n--- halo\n${poolLines(hl).join('\n')}\n--- halo log\n${hl.log().slice(-3000)}`;

  async function step(what: string, done: (d: RunningDirector) => boolean, want: string[]): Promise<void> {
    if (!(await waitFor(() => done(ka) && done(hl), 120_000, 250))) throw new Error(`${what}: not reached\n${show()}`);
    // a copy's transition and its table change come from one command: the table is settled once the line is there
    const settled = await waitFor(() => JSON.stringify(table('ka')) === JSON.stringify(want) && JSON.stringify(table('hl')) === JSON.stringify(want), 30_000, 250);
    expect({ what, settled, keepalived: table('ka'), halo: table('hl') }).toEqual({ what, settled: true, keepalived: want, halo: want });
    expect({ what, halo: poolLines(hl) }).toEqual({ what, halo: poolLines(ka) });
    expect({ what, halo: checkerLines(hl) }).toEqual({ what, halo: checkerLines(ka) });
  }

  it('one kernel service; each copy adds and removes the server on its own checker, the last command wins; the same lines', async () => {
    const service = `-A -t ${VIP}:80 -s rr`;
    await listen(8001);
    ka = dirs.keepalived('ka', conf());
    hl = dirs.halo('hl', conf());
    // start: both copies add (the second's adds fail with EEXIST), then copy 2's checker fails
    await step('copy 2 down at start', (d) => count(d, 'Removing service') === 1 && count(d, 'TCP connection to') === 1, [service]);
    const start = poolLines(ka);
    expect(start.slice(0, 4)).toEqual([
      'Gained quorum 1+0=1 <= 10 for VS [10.0.124.100]:tcp:80',
      'IPVS cmd IP_VS_SO_SET_ADD(1154) error: Service already exists(17) (10.0.124.100:tcp:80)',
      'IPVS cmd IP_VS_SO_SET_ADDDEST(1159) error: Destination already exists(17) (10.0.124.100:tcp:80 -> 10.0.124.20:80)',
      'Gained quorum 1+0=1 <= 20 for VS [10.0.124.100]:tcp:80',
    ]);
    // copy 2's checker back: it adds the server at its own weight
    await listen(8002);
    await step('copy 2 up', (d) => count(d, 'Adding service') === 1, [service, `-a -t ${VIP}:80 -r ${RS}:80 -g -w 20`]);
    // copy 1's checker fails: the server leaves the kernel though copy 2 says it is up
    await unlisten(8001);
    await step('copy 1 down, copy 2 up', (d) => count(d, 'Removing service') === 2, [service]);
    // copy 2's fails too: its delete finds nothing
    await unlisten(8002);
    await step('both down', (d) => count(d, 'Removing service') === 3 && count(d, 'IPVS cmd IP_VS_SO_SET_DELDEST') === 1, [service]);
    // reload, same config (clear_diff_services): both old copies are matched to the first new
    // one; the second starts afresh, so its service add fails (EEXIST), it adds the server again
    // (its new checker starts up), then its first check takes it out. keepalived also logs
    // "Changing weight from 20 to 10 for inactive service" (the first copy took the old second
    // copy's weight): halo does not log weight changes a reload makes, so that line is not compared.
    for (const d of [ka, hl]) d.signalMain('SIGHUP');
    await step('reloaded, copy 2 afresh then down', (d) => count(d, 'Removing service') === 4 && count(d, 'IPVS cmd IP_VS_SO_SET_ADD(') === 2, [service]);
    expect(poolLines(ka).slice(-4)).toEqual([
      'IPVS cmd IP_VS_SO_SET_ADD(1154) error: Service already exists(17) (10.0.124.100:tcp:80)',
      'Gained quorum 1+0=1 <= 20 for VS [10.0.124.100]:tcp:80',
      'Removing service [10.0.124.20]:tcp:80 from VS [10.0.124.100]:tcp:80',
      'Lost quorum 1-0=1 > 0 for VS [10.0.124.100]:tcp:80',
    ]);
    expect(logLines(ka)).toContain('Changing weight from 20 to 10 for inactive service [10.0.124.20]:tcp:80 of VS [10.0.124.100]:tcp:80');
    // stop: both copies shut the server down; the second copy's service delete finds it gone
    for (const d of [ka, hl]) d.signalMain('SIGTERM');
    for (const d of [ka, hl]) await d.exited;
    expect({ keepalived: table('ka'), halo: table('hl') }).toEqual({ keepalived: [], halo: [] });
    expect(poolLines(hl)).toEqual(poolLines(ka));
    expect(checkerLines(hl)).toEqual(checkerLines(ka));
    expect(poolLines(ka).slice(-3)).toEqual([
      'Shutting down service [10.0.124.20]:tcp:80 from VS [10.0.124.100]:tcp:80',
      'Shutting down service [10.0.124.20]:tcp:80 from VS [10.0.124.100]:tcp:80',
      'IPVS cmd IP_VS_SO_SET_DEL(1156) error: No such file or directory(2) (10.0.124.100:tcp:80)',
    ]);
  });
});
