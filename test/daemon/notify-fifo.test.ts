/**
 * The notify FIFOs: keepalived 2.2.7's line format (golden strings from vrrp_notify.c
 * notify_fifo()'s "%s \"%s\" %s %d\n" and ipwrapper.c's "VS %s %s\n" / "RS %s %s %s\n"), the
 * keywords as global_parser.c reads them, and a real FIFO made, written, read and removed.
 */
import { chmodSync, existsSync, lstatSync, mkdtempSync, openSync, readFileSync, readSync, closeSync, constants, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rsFifoLine, vrrpFifoLine, vsFifoLine } from '../../src/alert/notify-fifo-lines';
import { NotifyFifoSet, NotifyFifos } from '../../src/daemon/notify-fifo';
import { waitFor } from '../../src/lab/netns';
import { messages, model } from '../config/helpers';
import type { NotifyFifos as NotifyFifosConfig } from '../../src/config/model';


describe('FIFO lines, byte for byte as keepalived 2.2.7 writes them', () => {
  it('instance and group states, the priority of a group always 0', () => {
    expect(vrrpFifoLine('INSTANCE', 'VI_1', 'MASTER', 100)).toBe('INSTANCE "VI_1" MASTER 100\n');
    expect(vrrpFifoLine('INSTANCE', 'VI_1', 'FAULT', 1)).toBe('INSTANCE "VI_1" FAULT 1\n');
    expect(vrrpFifoLine('INSTANCE', 'inst with space', 'STOP', 255)).toBe('INSTANCE "inst with space" STOP 255\n');
    expect(vrrpFifoLine('GROUP', 'VG1', 'BACKUP', 0)).toBe('GROUP "VG1" BACKUP 0\n');
    expect(vrrpFifoLine('GROUP', 'VG1', 'MASTER', 150)).toBe('GROUP "VG1" MASTER 0\n');
  });

  it('the events: a lower-priority advert heard as MASTER, priority changes', () => {
    expect(vrrpFifoLine('INSTANCE', 'VI_1', 'MASTER_RX_LOWER_PRI', 150)).toBe('INSTANCE "VI_1" MASTER_RX_LOWER_PRI 150\n');
    expect(vrrpFifoLine('INSTANCE', 'VI_1', 'MASTER_PRIORITY', 105)).toBe('INSTANCE "VI_1" MASTER_PRIORITY 105\n');
    expect(vrrpFifoLine('INSTANCE', 'VI_1', 'BACKUP_PRIORITY', 97)).toBe('INSTANCE "VI_1" BACKUP_PRIORITY 97\n');
  });

  it('real and virtual servers in FMT_RS / FMT_VS terms', () => {
    expect(vsFifoLine('[192.168.1.1]:tcp:80', true)).toBe('VS [192.168.1.1]:tcp:80 UP\n');
    expect(vsFifoLine('FWM 3', false)).toBe('VS FWM 3 DOWN\n');
    expect(rsFifoLine('[10.0.0.2]:tcp:80', '[192.168.1.1]:tcp:80', false)).toBe('RS [10.0.0.2]:tcp:80 [192.168.1.1]:tcp:80 DOWN\n');
    expect(rsFifoLine('[2001:db8::2]:udp:53', '[2001:db8::1]:udp:53', true)).toBe('RS [2001:db8::2]:udp:53 [2001:db8::1]:udp:53 UP\n');
  });
});

const vi = (body: string, name = 'VI_1') => `vrrp_instance ${name} {\n interface eth0\n virtual_router_id 51\n${body} virtual_ipaddress {\n  10.0.0.1\n }\n}\n`;
const warnings = (text: string) => messages(text).map((m) => m.replace(/^\d+:\d+: /, ''));

describe('notify FIFO keywords as global_parser.c reads them', () => {
  it('each FIFO, its script (split, user kept apart), the first of each kept', () => {
    const text = 'global_defs {\n notify_fifo /run/g.fifo\n notify_fifo_script "/bin/reader -v"\n vrrp_notify_fifo /run/v.fifo root\n vrrp_notify_fifo_script /bin/vreader nobody\n lvs_notify_fifo /run/l.fifo\n notify_fifo /run/other\n}\n' + vi('');
    const f = model(text).globalDefs.notifyFifos!;
    expect(f.global).toEqual({ path: '/run/g.fifo', script: ['/bin/reader', '-v'] });
    expect(f.vrrp).toMatchObject({ path: '/run/v.fifo', owner: null, script: ['/bin/vreader'], scriptRunAs: { user: 'nobody', uid: 65534 } });
    expect(f.lvs).toEqual({ path: '/run/l.fifo', script: null });
    expect(warnings(text)).toContain('warning: notify_fifo already specified - ignoring /run/other');
  });

  it('no name, and an unknown user: keepalived\'s words, the line ignored', () => {
    expect(warnings('global_defs {\n vrrp_notify_fifo\n}\n' + vi(''))).toContain('warning: No vrrp_notify_fifo name specified');
    const t = 'global_defs {\n lvs_notify_fifo /run/l.fifo no_such_user_x\n}\n' + vi('');
    expect(warnings(t)).toContain('warning: Invalid user/group for lvs_ fifo /run/l.fifo - ignoring');
    expect(model(t).globalDefs.notifyFifos!.lvs.path).toBeNull();
  });

  it('notify_priority_changes: the instance\'s own, else its sync group\'s, else vrrp_notify_priority_changes', () => {
    const sg = (body: string) => `vrrp_sync_group VG1 {\n group {\n  VI_1\n  VI_2\n }\n${body}}\n`;
    const two = (b1: string, b2: string) => vi(b1) + vi(b2, 'VI_2').replace('virtual_router_id 51', 'virtual_router_id 52');
    const prio = (text: string) => model(text).vrrpInstances.map((i) => i.notifyPriorityChanges);
    expect(prio(two('', ''))).toEqual([false, false]);
    expect(prio('global_defs {\n vrrp_notify_priority_changes\n}\n' + two('', ' notify_priority_changes off\n'))).toEqual([true, false]);
    expect(prio('global_defs {\n vrrp_notify_priority_changes true\n}\n' + two('', '') + sg(' notify_priority_changes no\n'))).toEqual([false, false]);
    expect(prio(two(' notify_priority_changes yes\n', '') + sg(' notify_priority_changes false\n'))).toEqual([true, false]);
    expect(warnings(vi(' notify_priority_changes maybe\n'))).toContain("warning: Invalid value 'maybe' for (VI_1) notify_priority_changes specified");
  });
});

describe('a real FIFO', () => {
  let dir: string;
  const log = { info: jest.fn(), warning: jest.fn() };
  const cfg = (over: Partial<NotifyFifosConfig>): NotifyFifosConfig => ({
    global: { path: null, script: null }, vrrp: { path: null, script: null }, lvs: { path: null, script: null }, ...over,
  });
  const opts = { scriptRunAs: null, enableScriptSecurity: false, umask: 0o177, vrrp: true, lvs: true, log };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'halo-fifo-'));
    log.info.mockClear();
    log.warning.mockClear();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** What a reader opened before the writes gets. */
  function reader(path: string): () => string {
    const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    return () => {
      const buf = Buffer.alloc(4096);
      let n = 0;
      try {
        n = readSync(fd, buf);
      } catch {
        n = 0;
      }
      closeSync(fd);
      return buf.subarray(0, n).toString();
    };
  }

  it('made 0644 under keepalived\'s umask (0600), written, and removed at close; vrrp lines to global and vrrp, lvs lines to global and lvs', () => {
    const g = join(dir, 'g.fifo');
    const v = join(dir, 'v.fifo');
    const l = join(dir, 'l.fifo');
    const set = new NotifyFifoSet(cfg({ global: { path: g, script: null }, vrrp: { path: v, script: null }, lvs: { path: l, script: null } }), opts);
    set.open();
    for (const p of [g, v, l]) {
      const st = lstatSync(p);
      expect(st.isFIFO()).toBe(true);
      expect(st.mode & 0o777).toBe(0o600);
    }
    const [rg, rv, rl] = [g, v, l].map(reader);
    set.vrrp(vrrpFifoLine('INSTANCE', 'VI_1', 'MASTER', 100));
    set.lvs(vsFifoLine('[10.0.0.1]:tcp:80', true));
    expect(rg()).toBe('INSTANCE "VI_1" MASTER 100\nVS [10.0.0.1]:tcp:80 UP\n');
    expect(rv()).toBe('INSTANCE "VI_1" MASTER 100\n');
    expect(rl()).toBe('VS [10.0.0.1]:tcp:80 UP\n');
    set.close(true);
    for (const p of [g, v, l]) expect(existsSync(p)).toBe(false);
  });

  it('a FIFO that was there already is used and left in place', () => {
    const g = join(dir, 'mine.fifo');
    execFileSync('mkfifo', ['-m', '644', g]);
    const set = new NotifyFifoSet(cfg({ global: { path: g, script: null } }), opts);
    set.open();
    const r = reader(g);
    set.vrrp(vrrpFifoLine('GROUP', 'VG1', 'BACKUP', 0));
    expect(r()).toBe('GROUP "VG1" BACKUP 0\n');
    set.close(true);
    expect(lstatSync(g).isFIFO()).toBe(true);
    expect(lstatSync(g).mode & 0o777).toBe(0o644);
  });

  it('the same path for global and vrrp: the vrrp one is ignored with keepalived\'s words; a line is written once', () => {
    const g = join(dir, 'g.fifo');
    const set = new NotifyFifoSet(cfg({ global: { path: g, script: null }, vrrp: { path: g, script: null } }), opts);
    set.open();
    const r = reader(g);
    set.vrrp(vrrpFifoLine('INSTANCE', 'VI_1', 'BACKUP', 100));
    expect(r()).toBe('INSTANCE "VI_1" BACKUP 100\n');
    expect(log.info).toHaveBeenCalledWith(`notify FIFO ${g} has been specified for global and vrrp FIFO - ignoring vrrp FIFO`);
    set.close(true);
  });

  it('the script starts with the FIFO path as its last argument, reads the lines, and gets SIGTERM at stop', async () => {
    const g = join(dir, 'g.fifo');
    const out = join(dir, 'out');
    const script = join(dir, 'reader.sh');
    // after the FIFO's end (halo closes it before the SIGTERM) the script waits, so the SIGTERM finds it alive
    writeFileSync(script, `#!/bin/sh\necho "args: $*" > ${out}.args\ntrap 'echo TERM >> ${out}.args; kill $! 2>/dev/null; exit 0' TERM\nfor f; do :; done\nwhile read l; do echo "$l" >> ${out}; done < "$f"\nsleep 20 &\nwait $!\n`);
    chmodSync(script, 0o755);
    const fifos = new NotifyFifos(() => opts);
    const m = model('global_defs {\n notify_fifo ' + g + '\n notify_fifo_script "' + script + ' one"\n}\n' + vi(''));
    fifos.configure(m);
    fifos.vrrp(vrrpFifoLine('INSTANCE', 'VI_1', 'BACKUP', 100));
    expect(await waitFor(() => existsSync(out) && readFileSync(out, 'utf8') === 'INSTANCE "VI_1" BACKUP 100\n', 10_000)).toBe(true);
    expect(readFileSync(`${out}.args`, 'utf8')).toBe(`args: one ${g}\n`);
    // the script outlives the FIFO's end of file (it waits): only the SIGTERM ends it
    fifos.close();
    expect(existsSync(g)).toBe(false);
    expect(await waitFor(() => readFileSync(`${out}.args`, 'utf8').includes('TERM'), 10_000)).toBe(true);
  }, 30_000); // its bounded waits (10 s each) decide, not jest's 5 s default: a busy machine starts the script late
});
