/**
 * nftables_ipvs beside Debian's keepalived 2.2.7, in the kernel VM (keepalived's checker process
 * needs IPVS): the same config in two namespaces. Groups of addresses only become fwmark
 * services (one per group and protocol, numbered from nftables_ipvs_start_fwmark), marked by
 * keepalived's nftables maps; a group with a fwmark entry stays as it is. `nft list ruleset`
 * (counter values left out) and `ipvsadm -Sn` must be the same under both, and a stop must remove
 * the tables under both. A reload keeps each service's fwmark and hands a new group the next one.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directors, HALO, RunningDirector, waitFor } from '../support/directors';
import { Topology } from '../support/netns';
import { describeNeeding, file, ipvsKernel, root, tool } from '../support/prerequisites';

jest.setTimeout(300_000);

const built = file(HALO, 'the built CLI dist/cli/main.js (npm run build)');
const d = describeNeeding(root, built, ipvsKernel, tool('ipvsadm'), tool('keepalived'), tool('nft', 'nftables'));

const rs = (addr: string, port?: number) => [`  real_server ${addr}${port === undefined ? '' : ` ${port}`} {`, '    weight 2', '  }'];
const conf = (globals: string[], first: string[] = []) => [
  'global_defs {', '  nftables_ipvs', '  nftables_ipvs_start_fwmark 2000', '  nftables_ipvs_priority -5', ...globals, '}',
  ...first,
  'virtual_server_group WEB {', '  192.168.1.10 80', '  192.168.1.20-22 443', '}',
  'virtual_server group WEB {', '  protocol TCP', '  lb_algo rr', '  lb_kind NAT', ...rs('10.0.100.2', 8080), ...rs('10.0.100.3', 8080), '}',
  'virtual_server group WEB {', '  protocol UDP', '  lb_algo wlc', '  lb_kind NAT', ...rs('10.0.100.2', 8080), '}',
  'virtual_server_group WEB6 {', '  2001:db8::10-1f 80', '}',
  'virtual_server group WEB6 {', '  protocol TCP', '  lb_algo rr', '  lb_kind DR', ...rs('2001:db8:100::2', 80), '}',
  'virtual_server_group MARKED {', '  fwmark 7', '}',
  'virtual_server group MARKED {', '  lb_algo rr', '  lb_kind DR', ...rs('10.0.100.4'), '}',
  '',
].join('\n');

type Host = 'halo' | 'ka';
const HOSTS: Host[] = ['halo', 'ka'];

d('nftables_ipvs beside keepalived 2.2.7 (kernel VM)', () => {
  let topo: Topology;
  let dirs: Directors;
  let tmp: string;

  beforeAll(() => {
    topo = new Topology('nfipvs-').build(['br0'], [
      { name: 'halo', links: [['br0', '10.0.100.1/24']] },
      { name: 'ka', links: [['br0', '10.0.100.11/24']] },
    ]);
    tmp = mkdtempSync(join(tmpdir(), 'nft-ipvs-'));
    dirs = new Directors(topo, tmp);
  });
  afterAll(async () => {
    await dirs?.stopAll();
    topo?.destroy();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const ruleset = (h: Host) => topo.exec(h, ['nft', 'list', 'ruleset']).replace(/counter packets \d+ bytes \d+/g, 'counter').trim();
  const table = (h: Host) => topo.exec(h, ['ipvsadm', '-Sn']).trim().split('\n').sort().join('\n');
  const ready = (h: Host) => table(h).includes('-f 2001') && table(h).includes('-f 7') && (ruleset(h).match(/map @/g) ?? []).length === 3;

  test.each([
    ['', []],
    [', with nftables_counters', ['  nftables_counters']],
  ])('the same fwmark services and nftables maps as keepalived%s, and none left after a stop', async (_name, globals) => {
    const CONF = conf(globals);
    const runs: Record<Host, RunningDirector> = { halo: dirs.halo('halo', CONF), ka: dirs.keepalived('ka', CONF) };
    for (const h of HOSTS) {
      if (!(await waitFor(() => ready(h), 120_000, 200))) throw new Error(`${h}: no fwmark services or maps:\n${table(h)}\n${ruleset(h)}\n${runs[h].log()}`);
    }
    const ka = ruleset('ka');
    console.log(`keepalived's ruleset:\n${ka}\nkeepalived's table:\n${table('ka')}`);
    expect(ruleset('halo')).toBe(ka);
    expect(table('halo')).toBe(table('ka'));
    // Not vacuous: the group services are fwmark services marked by the maps.
    expect(ka).toMatch(/table ip keepalived_ipvs/);
    expect(ka).toMatch(/table ip6 keepalived_ipvs/);
    expect(table('ka')).toMatch(/-A -f 2000 -s rr/);
    expect(table('ka')).toMatch(/-A -f 2001 -s wlc/);
    expect(table('ka')).not.toMatch(/192\.168\.1\.10/);
    expect(ka.includes('counter')).toBe(globals.length > 0);

    for (const h of HOSTS) runs[h].signal('SIGTERM');
    for (const h of HOSTS) {
      const stopped = await Promise.race([runs[h].exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 60_000).unref())]);
      if (!stopped) throw new Error(`${h} did not stop:\n${runs[h].log()}`);
    }
    expect(HOSTS.map((h) => ruleset(h).includes('keepalived_ipvs'))).toEqual([false, false]);
  });

  test('a reload that inserts a group before the others: the services keep their fwmarks, the new one takes the next, as keepalived', async () => {
    const runs: Record<Host, RunningDirector> = { halo: dirs.halo('halo', conf([])), ka: dirs.keepalived('ka', conf([])) };
    for (const h of HOSTS) {
      if (!(await waitFor(() => ready(h), 120_000, 200))) throw new Error(`${h}: no fwmark services or maps:\n${table(h)}\n${ruleset(h)}\n${runs[h].log()}`);
    }
    const NEW = ['virtual_server_group NEW {', '  192.168.1.50 80', '}', 'virtual_server group NEW {', '  protocol TCP', '  lb_algo rr', '  lb_kind NAT', ...rs('10.0.100.5', 8080), '}'];
    for (const h of HOSTS) {
      writeFileSync(runs[h].confFile, conf([], NEW));
      // The main process only: it passes the reload on (a SIGHUP to keepalived's checker as well reloads it twice).
      process.kill(runs[h].proc.pid!, 'SIGHUP');
    }
    const dests = (h: Host) => table(h).split('\n').filter((l) => l.startsWith('-a '));
    for (const h of HOSTS) {
      if (!(await waitFor(() => dests(h).some((l) => l.includes('10.0.100.5:8080')) && ruleset(h).includes('192.168.1.50'), 120_000, 200))) {
        throw new Error(`${h}: the new group service never came:\n${table(h)}\n${runs[h].log()}`);
      }
    }
    console.log(`keepalived's table after the reload:\n${table('ka')}\nits ruleset:\n${ruleset('ka')}\nits log:\n${runs.ka.log()}`);
    // A first start would give NEW 2000 and move the others up by one.
    expect(dests('halo')).toEqual([
      '-a -f 2000 -r 10.0.100.2:8080 -m -w 2',
      '-a -f 2000 -r 10.0.100.3:8080 -m -w 2',
      '-a -f 2001 -r 10.0.100.2:8080 -m -w 2',
      '-a -f 2002 -6 -r [2001:db8:100::2]:0 -g -w 2',
      '-a -f 2003 -r 10.0.100.5:8080 -m -w 2',
      '-a -f 7 -r 10.0.100.4:0 -g -w 2',
    ]);
    expect(table('halo')).toBe(table('ka'));
    // keepalived adds NEW's element to its map, halo writes the map whole: the same elements, in another order.
    const sorted = (r: string) => r.replace(/elements = \{([^}]*)\}/g, (_m, e: string) => `elements = { ${e.split(',').map((x) => x.trim()).sort().join(', ')} }`);
    expect(sorted(ruleset('halo'))).toBe(sorted(ruleset('ka')));
    expect(ruleset('ka')).toContain('192.168.1.50 . 80 : 0x000007d3');
    for (const h of HOSTS) runs[h].signal('SIGTERM');
    for (const h of HOSTS) await Promise.race([runs[h].exited, new Promise((r) => setTimeout(r, 60_000).unref())]);
  });
});
