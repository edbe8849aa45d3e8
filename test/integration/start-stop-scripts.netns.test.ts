/**
 * startup_script / shutdown_script (issue 10) beside Debian's keepalived 2.2.7, each on the same
 * config in its own namespace: the startup script runs before any instance starts, and the
 * daemon waits for it; a failing or timed-out startup script is logged and the daemon starts
 * anyway; the script's user, process group, standard fds, directory and environment are
 * keepalived's; a respawned child does not run it again; the shutdown script runs after the VIPs
 * are gone, before the pid file is, and the daemon waits for it.
 */
import { chmodSync, existsSync, symlinkSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { holds, type RunningDirector } from '../support/directors';
import { waitFor } from '../support/netns';
import { twoDirectorsOnABridge } from '../support/two-directors';
import { globalDefs, loneBackupInstance } from '../support/config-text';

jest.setTimeout(120_000);

const stage = twoDirectorsOnABridge('ssscr-', '192.168.78');
beforeAll(() => {
  // $1: where to write; $2: a file to wait for (bounded) before recording, or -; $3: the daemon's
  // pid file, or -; $4: the VIP; $5: seconds to go on for after recording (then $1.end), or 0
  writeFileSync(join(stage.tmp, 'record.sh'), [
    '#!/bin/sh',
    'touch "$1.started"',
    'if [ "$2" != - ]; then i=0; while [ ! -e "$2" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; fi',
    'fds="fd0=$(readlink /proc/$$/fd/0) fd1=$(readlink /proc/$$/fd/1) fd2=$(readlink /proc/$$/fd/2)"',
    '{',
    '  echo "id=$(id)"',
    '  echo "leader=$([ "$(ps -o pgid= -p $$ | tr -d " ")" = "$$" ] && echo yes || echo no)"',
    '  echo "$fds"',
    '  echo "cwd=$(pwd)"',
    '  echo "vip=$(ip -o -4 addr show dev eth0 | grep -c " $4/")"',
    '  echo "pidfile=$([ -s "$3" ] && echo present || echo absent)"',
    '  env | grep -v -E "^(_|SHLVL|PWD|OLDPWD)=" | sort | sed "s/^/env /"',
    '} > "$1.tmp"',
    'mv "$1.tmp" "$1"',
    'if [ "$5" != 0 ]; then sleep "$5"; touch "$1.end"; fi',
    '',
  ].join('\n'));
  chmodSync(join(stage.tmp, 'record.sh'), 0o755);
});

function conf(vrid: number, global: string[]): string {
  return [...globalDefs(global), ...loneBackupInstance({ vrid, net: '192.168.78' }), ''].join('\n');
}

const vip = (vrid: number) => `192.168.78.${vrid}`;
const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '');
const logHas = (d: RunningDirector, line: string) => d.log().includes(line);

/** Both daemons, halo on lb1 (VRID a), keepalived on lb2 (VRID b), each with `global(name)`. */
function both(a: number, b: number, global: (who: 'halo' | 'keepalived') => string[]): { halo: RunningDirector; ka: RunningDirector } {
  return { halo: stage.dirs.halo('lb1', conf(a, global('halo'))), ka: stage.dirs.keepalived('lb2', conf(b, global('keepalived'))) };
}

async function stop(d: RunningDirector): Promise<void> {
  d.signal('SIGTERM');
  await Promise.race([d.exited, new Promise((r) => setTimeout(r, 60_000).unref())]);
}

/** The recorded facts, with the lines that differ by design (the daemon's own paths) taken out. */
function facts(text: string): string {
  return text.split('\n').filter((l) => !/^env (INVOCATION_ID|JOURNAL_STREAM)=/.test(l)).join('\n');
}

test('the startup script runs before any instance starts, the daemon waits for it, and it runs as keepalived runs it', async () => {
  const out = join(stage.tmp, 'order');
  mkdirSync(out, { mode: 0o777 });
  chmodSync(out, 0o777);
  const go = join(out, 'go');
  const { halo, ka } = both(21, 22, (who) => [`startup_script "${join(stage.tmp, 'record.sh')} ${join(out, who)} ${go} - ${vip(who === 'halo' ? 21 : 22)} 0"`, 'startup_script_timeout 60']);
  expect(await waitFor(() => existsSync(join(out, 'halo.started')) && existsSync(join(out, 'keepalived.started')), 30_000)).toBe(true);
  // long enough for a started BACKUP alone on its LAN to become MASTER (3 adverts and skew)
  await new Promise((r) => setTimeout(r, 4500));
  writeFileSync(go, '');
  expect(await waitFor(() => read(join(out, 'halo')) !== '' && read(join(out, 'keepalived')) !== '', 30_000)).toBe(true);
  const h = read(join(out, 'halo'));
  const k = read(join(out, 'keepalived'));
  expect(h).toContain('vip=0'); // nothing started while the script ran
  expect(k).toContain('vip=0');
  expect(h).toMatch(/^id=uid=0\(root\) gid=0\(root\) groups=0\(root\)$/m);
  expect(h).toContain('leader=yes');
  expect(h).toContain('fd0=/dev/null fd1=/dev/null fd2=/dev/null');
  expect(facts(h)).toBe(facts(k));
  // then the daemons start
  expect(await waitFor(() => holds(stage.topo, 'lb1', vip(21)) && holds(stage.topo, 'lb2', vip(22)), 30_000)).toBe(true);
  await Promise.all([stop(halo), stop(ka)]);
});

test('a failing startup script is logged with keepalived\'s words and the daemon starts anyway', async () => {
  writeFileSync(join(stage.tmp, 'fail.sh'), '#!/bin/sh\nexit 3\n');
  chmodSync(join(stage.tmp, 'fail.sh'), 0o755);
  const { halo, ka } = both(23, 24, () => [`startup_script ${join(stage.tmp, 'fail.sh')}`]);
  const line = 'startup script script failed, status 3';
  expect(await waitFor(() => logHas(halo, line) && logHas(ka, line), 30_000)).toBe(true);
  expect(await waitFor(() => holds(stage.topo, 'lb1', vip(23)) && holds(stage.topo, 'lb2', vip(24)), 30_000)).toBe(true);
  await Promise.all([stop(halo), stop(ka)]);
});

test('a startup script past its timeout is killed with its process group, and the daemon starts', async () => {
  const out = join(stage.tmp, 'timeout');
  mkdirSync(out);
  // the script and a child of its own both hang; each records its pid
  writeFileSync(join(stage.tmp, 'hang.sh'), '#!/bin/sh\nsleep 300 &\necho $! > "$1.child"\necho $$ > "$1.self"\nwait\n');
  chmodSync(join(stage.tmp, 'hang.sh'), 0o755);
  const { halo, ka } = both(25, 26, (who) => [`startup_script "${join(stage.tmp, 'hang.sh')} ${join(out, who)}"`, 'startup_script_timeout 2']);
  const line = 'startup script timed out';
  expect(await waitFor(() => logHas(halo, line) && logHas(ka, line), 30_000)).toBe(true);
  expect(await waitFor(() => holds(stage.topo, 'lb1', vip(25)) && holds(stage.topo, 'lb2', vip(26)), 30_000)).toBe(true);
  const alive = (pidFile: string) => {
    const pid = Number(read(pidFile).trim());
    return pid > 0 && existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(read(`/proc/${pid}/status`));
  };
  for (const who of ['halo', 'keepalived']) {
    expect(await waitFor(() => !alive(join(out, `${who}.self`)) && !alive(join(out, `${who}.child`)), 10_000)).toBe(true);
  }
  await Promise.all([stop(halo), stop(ka)]);
});

test('a respawned worker (keepalived: VRRP child) does not run the startup script again', async () => {
  const out = join(stage.tmp, 'respawn');
  mkdirSync(out);
  writeFileSync(join(stage.tmp, 'count.sh'), '#!/bin/sh\necho run >> "$1"\n');
  chmodSync(join(stage.tmp, 'count.sh'), 0o755);
  const { halo, ka } = both(27, 28, (who) => [`startup_script "${join(stage.tmp, 'count.sh')} ${join(out, who)}"`]);
  expect(await waitFor(() => holds(stage.topo, 'lb1', vip(27)) && holds(stage.topo, 'lb2', vip(28)), 30_000)).toBe(true);
  const haloWorker = () => execFileSync('pgrep', ['-P', String(halo.proc.pid)], { encoding: 'utf8' }).split('\n').filter((p) => p && read(`/proc/${p}/cmdline`).includes('worker'))[0];
  const first = haloWorker();
  process.kill(Number(first), 'SIGKILL');
  const kaVrrp = Number(read(join(stage.dirs.dir, `${ka.confFile.split('/').pop()!.replace(/\.conf$/, '')}-vrrp.pid`)).trim());
  expect(kaVrrp).toBeGreaterThan(0);
  process.kill(kaVrrp, 'SIGKILL');
  expect(await waitFor(() => { try { const w = haloWorker(); return w !== undefined && w !== first; } catch { return false; } }, 30_000)).toBe(true);
  // both back as MASTER, and the script ran once each
  expect(await waitFor(() => holds(stage.topo, 'lb1', vip(27)) && holds(stage.topo, 'lb2', vip(28)), 30_000)).toBe(true);
  expect(read(join(out, 'halo'))).toBe('run\n');
  expect(read(join(out, 'keepalived'))).toBe('run\n');
  await Promise.all([stop(halo), stop(ka)]);
});

test('the shutdown script runs after the VIPs are released, before the pid file goes, and the daemon waits for it', async () => {
  const out = join(stage.tmp, 'shutdown');
  mkdirSync(out);
  // the daemon's own pid file is only known once started: each records whether its pid file
  // (passed as a file the test links to it) is there
  const link = (who: string) => join(out, `${who}.pid`);
  const { halo, ka } = both(29, 30, (who) => [`shutdown_script "${join(stage.tmp, 'record.sh')} ${join(out, who)} - ${link(who)} ${vip(who === 'halo' ? 29 : 30)} 2"`]);
  symlinkSync(halo.pidFile, link('halo'));
  symlinkSync(ka.pidFile, link('keepalived'));
  expect(await waitFor(() => holds(stage.topo, 'lb1', vip(29)) && holds(stage.topo, 'lb2', vip(30)), 30_000)).toBe(true);
  expect(existsSync(join(out, 'halo'))).toBe(false); // not at start
  halo.signal('SIGTERM');
  ka.signal('SIGTERM');
  const [hc, kc] = await Promise.all([halo.exited, ka.exited]);
  expect(existsSync(join(out, 'halo.end'))).toBe(true); // the daemon waited for it
  expect(existsSync(join(out, 'keepalived.end'))).toBe(true);
  expect(hc).toBe(kc);
  const h = read(join(out, 'halo'));
  const k = read(join(out, 'keepalived'));
  expect(h).toContain('vip=0');
  expect(h).toContain('pidfile=present');
  expect(facts(h)).toBe(facts(k));
});
