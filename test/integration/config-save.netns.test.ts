/**
 * config_save_dir beside Debian's keepalived 2.2.7: each reading of the config (start, then a
 * SIGHUP reload) is saved as keepalived.conf.PID.N with the same bytes keepalived saves (its
 * consolidated copy: `# FILE`, decommented lines, includes in place, `!` at each file's end),
 * PID being the daemon's own pid.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningDirector } from '../support/directors';
import { waitFor } from '../support/netns';
import { twoDirectorsOnABridge } from '../support/two-directors';

jest.setTimeout(120_000);

const stage = twoDirectorsOnABridge('cfgsave-', '192.168.82');
beforeAll(() => {
  mkdirSync(join(stage.tmp, 'saved')); // keepalived makes the last directory only
});

function write(who: string, vrid: number, priority: number): string {
  const dir = join(stage.tmp, who);
  mkdirSync(join(dir, 'conf.d'), { recursive: true });
  writeFileSync(join(dir, 'conf.d', 'vip.conf'), `   # the VIP\n virtual_ipaddress {\n    192.168.82.${vrid}/24   ! trailing\n }\n`);
  writeFileSync(join(dir, 'keepalived.conf'), [
    '! a comment line',
    'global_defs {',
    `    config_save_dir ${join(stage.tmp, 'saved', who)}/`,
    '}',
    '$PRIO=' + priority,
    '@nosuchhost router_id never',
    'vrrp_instance VI_1 {',
    '    state BACKUP',
    '    interface eth0',
    `    virtual_router_id ${vrid}`,
    '    priority $PRIO',
    '    advert_int 1',
    '    include conf.d/*.conf',
    '    include conf.d/{vip,missing}.conf',
    '}',
    '',
  ].join('\n'));
  return join(dir, 'keepalived.conf');
}

/** The saved copies of `d`, by N, with the daemon's own directory names made alike. */
function saved(who: string, d: RunningDirector): string[] {
  const dir = join(stage.tmp, 'saved', who);
  if (!existsSync(dir)) return [];
  const pid = d.proc.pid;
  return readdirSync(dir).filter((n) => n.startsWith(`keepalived.conf.${pid}.`)).sort()
    .map((n) => readFileSync(join(dir, n), 'utf8').split(d.confFile).join('MAIN').split(join(stage.tmp, 'saved', who)).join('SAVED').split(join(stage.tmp, who)).join('DIR'));
}

test('each reading of the config is saved with the bytes keepalived 2.2.7 saves', async () => {
  const haloConf = write('halo', 51, 100);
  const kaConf = write('keepalived', 51, 100); // peers of one VRID: the copies are then alike
  // the directors' own config (beside their logs) includes ours
  const halo = stage.dirs.halo('lb1', `include ${haloConf}\n`);
  const ka = stage.dirs.keepalived('lb2', `include ${kaConf}\n`);
  expect(await waitFor(() => saved('halo', halo).length === 1 && saved('keepalived', ka).length === 1, 30_000)).toBe(true);
  expect(statSync(join(stage.tmp, 'saved', 'halo')).mode & 0o777).toBe(statSync(join(stage.tmp, 'saved', 'keepalived')).mode & 0o777);
  expect(saved('halo', halo)).toEqual(saved('keepalived', ka));
  // a reload reads it again: .1
  // once both run (keepalived saves its copy before it handles signals: a SIGHUP then would end it)
  const running = (d: RunningDirector) => /Entering (BACKUP|MASTER) STATE/.test(d.log());
  expect(await waitFor(() => running(halo) && running(ka), 30_000)).toBe(true);
  // to the daemon's own process, once (its children are its business)
  halo.proc.kill('SIGHUP');
  ka.proc.kill('SIGHUP');
  const twice = await waitFor(() => saved('halo', halo).length === 2 && saved('keepalived', ka).length === 2, 30_000);
  if (!twice) throw new Error(`copies: halo ${saved('halo', halo).length}, keepalived ${saved('keepalived', ka).length}\n${halo.log()}\n${ka.log()}`);
  expect(saved('halo', halo)).toEqual(saved('keepalived', ka));
  expect(saved('halo', halo)[0]).toContain('\n# conf.d/vip.conf\n');
});
