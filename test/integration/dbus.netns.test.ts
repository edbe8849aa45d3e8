/**
 * enable_dbus: keepalived 2.2.7's D-Bus interface, halo beside keepalived on the same config and
 * the same private dbus-daemon (a test-owned bus with a system-bus policy: root may own
 * org.keepalived.Vrrp1 and nothing else; the directors find it through DBUS_SYSTEM_BUS_ADDRESS,
 * as GIO does). lb2's keepalived (no D-Bus) is MASTER of both VRIDs, so lb1 starts BACKUP; lb2
 * stops, lb1 becomes MASTER, lb1 stops. keepalived runs on lb1 first, then halo. Compared:
 * `busctl tree` / `introspect` / `get-property` / GetAll, the signals dbus-monitor sees, the
 * methods' effects and the log lines about D-Bus; then a missing bus and a refused name.
 *
 * What differs, by design (registry note of enable_dbus): PrintData writes halo's status, not
 * keepalived's dump; PrintStatsClear is refused with NotSupported (keepalived succeeds).
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Directors, RunningDirector, waitFor } from '../support/directors';
import { stopProcess, Topology } from '../support/netns';
import { describeNeeding, root, tool } from '../support/prerequisites';

jest.setTimeout(240_000);

let topo: Topology;
let dirs: Directors;
let tmp: string;
let bus: ChildProcess;
let address: string;

const NAME = 'org.keepalived.Vrrp1';
const VI_1 = '/org/keepalived/Vrrp1/Instance/eth0/51/IPv4';
const VI_6 = '/org/keepalived/Vrrp1/Instance/eth0/52/IPv6';
const VRRP = '/org/keepalived/Vrrp1/Vrrp';
/** The directors' TMPDIR (keepalived's set_tmp_dir; halo's dump-files.ts): their dump files are this test's alone. */
const dumps = () => join(tmp, 'dumps');
const DATA = () => join(dumps(), 'keepalived.data');

function busConfig(): string {
  return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=${join(tmp, 'bus.sock')}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <allow send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_type="method_return"/>
    <allow send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
  </policy>
  <policy user="root">
    <allow own="${NAME}"/>
    <allow send_destination="${NAME}"/>
  </policy>
</busconfig>
`;
}

const instance = (name: string, vrid: number, priority: number, vip: string) => `vrrp_instance ${name} {
  state BACKUP
  interface eth0
  virtual_router_id ${vrid}
  priority ${priority}
  advert_int 1
  virtual_ipaddress {
    ${vip}
  }
}
`;

const lb1Config = (globals: string[] = ['enable_dbus']) => `global_defs {
  router_id lb1
${globals.map((g) => `  ${g}\n`).join('')}}
${instance('VI_1', 51, 100, '192.168.77.200/24')}${instance('VI_6', 52, 100, 'fd00:77::200/64')}`;

const lb2Config = `global_defs {
  router_id lb2
}
${instance('VM_1', 51, 200, '192.168.77.200/24')}${instance('VM_6', 52, 200, 'fd00:77::200/64')}`;

const busctl = (...args: string[]): string => {
  try {
    return execFileSync('busctl', [`--address=${address}`, ...args], { encoding: 'utf8', timeout: 10_000 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return `FAILED: ${(e.stderr ?? '').trim()}${e.stdout ?? ''}`;
  }
};

/** dbus-monitor, started before a director (listening once it has printed its own NameAcquired) and read after it stops. */
async function monitor(): Promise<{ proc: ChildProcess; text: () => string }> {
  let out = '';
  const proc = spawn('dbus-monitor', ['--address', address], { stdio: ['ignore', 'pipe', 'ignore'] });
  proc.stdout!.on('data', (c: Buffer) => { out += c.toString(); });
  if (!(await waitFor(() => out.includes('member=NameAcquired'), 10_000, 50))) throw new Error('dbus-monitor did not start');
  return { proc, text: () => out };
}

/** SIGTERM to a director, and its exit awaited (bounded). */
async function stopDirector(d: RunningDirector): Promise<void> {
  d.signal('SIGTERM');
  await Promise.race([d.exited, new Promise((r) => setTimeout(r, 15_000))]);
  dirs.running.splice(dirs.running.indexOf(d), 1);
}

/** Our signals as "PATH MEMBER ARG…", in the order dbus-monitor printed them. */
function signals(text: string): string[] {
  const out: string[] = [];
  for (const block of text.split(/\n(?=\S)/)) {
    const m = /^signal .* path=(\/org\/keepalived[^;]*); interface=[^;]+; member=(\w+)/.exec(block);
    if (!m) continue;
    const args = block.split('\n').slice(1).map((l) => l.trim()).filter(Boolean);
    out.push([m[1], m[2], ...args].join(' '));
  }
  return out;
}

interface Taken {
  treeBackup: string;
  introspect: Record<string, string>;
  propsBackup: string[];
  propsMaster: string[];
  methods: Record<string, string>;
  signals: string[];
  dbusLog: string[];
  dataFile: boolean;
  data: string;
}

const DBUS_LINE = /DBus|session bus|Released DBus|DBus request/;
const logBody = (l: string) => l.replace(/^.*?\d{4}: /, '');
const dbusLines = (log: string) => log.split('\n').filter((l) => DBUS_LINE.test(l)).map(logBody);

const props = () => [
  busctl('get-property', NAME, VI_1, 'org.keepalived.Vrrp1.Instance', 'Name', 'State').trim(),
  busctl('get-property', NAME, VI_6, 'org.keepalived.Vrrp1.Instance', 'State').trim(),
  busctl('--json=short', 'get-property', NAME, VI_1, 'org.keepalived.Vrrp1.Instance', 'State').trim(),
  busctl('call', NAME, VI_6, 'org.freedesktop.DBus.Properties', 'GetAll', 's', 'org.keepalived.Vrrp1.Instance').trim(),
  busctl('get-property', NAME, VI_1, 'org.keepalived.Vrrp1.Instance', 'Nope').trim(),
  busctl('get-property', NAME, '/org/keepalived/Vrrp1/Instance/eth0/99/IPv4', 'org.keepalived.Vrrp1.Instance', 'Name').trim(),
];

async function runAndTake(start: () => RunningDirector): Promise<Taken> {
  const lb2 = dirs.keepalived('lb2', lb2Config);
  if (!(await waitFor(() => lb2.log().includes('(VM_1) Entering MASTER STATE') && lb2.log().includes('(VM_6) Entering MASTER STATE'), 30_000, 100))) {
    throw new Error(`lb2 did not become MASTER:\n${lb2.log()}`);
  }
  const mon = await monitor();
  const d = start();
  const backup = await waitFor(() => d.log().includes('(VI_1) Entering BACKUP STATE') && d.log().includes('(VI_6) Entering BACKUP STATE')
    && d.log().includes(`Acquired the name ${NAME} on the session bus`) && /State +\(us\) 1 "Backup"/.test(`State ${busctl('get-property', NAME, VI_6, 'org.keepalived.Vrrp1.Instance', 'State')}`), 30_000, 200);
  if (!backup) throw new Error(`${d.kind} did not come up BACKUP on the bus:\n${d.log()}\n${busctl('tree', NAME)}`);
  const t: Taken = { treeBackup: busctl('tree', NAME), introspect: {}, propsBackup: props(), propsMaster: [], methods: {}, signals: [], dbusLog: [], dataFile: false, data: '' };
  for (const p of ['/', '/org/keepalived/Vrrp1', VRRP, VI_1, VI_6, '/nowhere']) {
    t.introspect[p] = busctl('introspect', '--no-pager', NAME, p);
    // the XML itself, but for the comment naming the library (GDBus 2.74.6, halo)
    t.introspect[`${p} XML`] = busctl('call', NAME, p, 'org.freedesktop.DBus.Introspectable', 'Introspect').replace(/<!-- [^>]* -->/, '<!-- -->');
  }
  // lb2 goes: lb1 takes over both
  await stopDirector(lb2);
  const master = await waitFor(() => props()[0].includes('"Master"') && props()[1].includes('"Master"'), 30_000, 200);
  if (!master) throw new Error(`${d.kind} did not become MASTER:\n${d.log()}`);
  t.propsMaster = props();
  // this test's own TMPDIR: what is there after PrintData was written by this director
  rmSync(DATA(), { force: true });
  t.methods.SendGarp = busctl('call', NAME, VI_1, 'org.keepalived.Vrrp1.Instance', 'SendGarp');
  t.methods.SendGarpNowhere = busctl('call', NAME, '/org/keepalived/Vrrp1/Instance/eth9/51/IPv4', 'org.keepalived.Vrrp1.Instance', 'SendGarp');
  t.methods.PrintData = busctl('call', NAME, VRRP, 'org.keepalived.Vrrp1.Vrrp', 'PrintData');
  t.dataFile = await waitFor(() => existsSync(DATA()) && statSync(DATA()).size > 0, 5_000, 50);
  t.data = t.dataFile ? readFileSync(DATA(), 'utf8') : '';
  t.methods.PrintStatsClear = busctl('call', NAME, VRRP, 'org.keepalived.Vrrp1.Vrrp', 'PrintStatsClear');
  t.methods.Nope = busctl('call', NAME, VRRP, 'org.keepalived.Vrrp1.Vrrp', 'Nope');
  t.methods.WrongArgs = busctl('call', NAME, VRRP, 'org.keepalived.Vrrp1.Vrrp', 'PrintData', 's', 'x');
  t.methods.Ping = busctl('call', NAME, VRRP, 'org.freedesktop.DBus.Peer', 'Ping');
  t.methods.ReloadConfig = busctl('call', NAME, VRRP, 'org.keepalived.Vrrp1.Vrrp', 'ReloadConfig');
  if (!(await waitFor(() => signals(mon.text()).some((s) => s.endsWith('VrrpReloaded')), 30_000, 100))) throw new Error(`${d.kind}: no VrrpReloaded after ReloadConfig:\n${d.log()}\n${mon.text()}`);
  // the objects are still there after the reload
  t.methods.afterReload = busctl('get-property', NAME, VI_1, 'org.keepalived.Vrrp1.Instance', 'State');
  await stopDirector(d);
  await waitFor(() => signals(mon.text()).some((s) => s.endsWith('VrrpStopped')), 10_000, 100);
  await stopProcess(mon.proc);
  t.signals = signals(mon.text());
  t.dbusLog = dbusLines(d.log());
  return t;
}

/** Starts a director on a bus that is not there or refuses its name; it must still come up. */
async function degraded(start: () => RunningDirector): Promise<string[]> {
  const d = start();
  const up = await waitFor(() => d.log().includes('(VI_1) Entering MASTER STATE') && d.log().includes('on the session bus'), 30_000, 100);
  const log = d.log();
  await stopDirector(d);
  if (!up) throw new Error(`${d.kind} did not come up without the bus:\n${log}`);
  return dbusLines(d.log());
}

describeNeeding(root, tool('keepalived'), tool('dbus-daemon', 'dbus-daemon'), tool('dbus-monitor', 'dbus-bin'), tool('busctl', 'systemd'))('enable_dbus: the D-Bus interface, halo beside keepalived 2.2.7 (netns)', () => {
  let ka: Taken;
  let halo: Taken;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'halo-dbus-'));
    writeFileSync(join(tmp, 'bus.conf'), busConfig());
    bus = spawn('dbus-daemon', [`--config-file=${join(tmp, 'bus.conf')}`, '--nofork', '--print-address=1'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let printed = '';
    bus.stdout!.on('data', (c: Buffer) => { printed += c.toString(); });
    if (!(await waitFor(() => printed.includes('\n'), 10_000, 50))) throw new Error('dbus-daemon did not print its address');
    address = printed.trim();
    topo = new Topology('hdb-').build(['br0'], [{ name: 'lb1', links: [['br0', '192.168.77.11/24']] }, { name: 'lb2', links: [['br0', '192.168.77.12/24']] }]);
    dirs = new Directors(topo, tmp);
    // both directors are given it: GIO and halo read it
    dirs.env.DBUS_SYSTEM_BUS_ADDRESS = address;
    mkdirSync(dumps());
    dirs.env.TMPDIR = dumps();
    ka = await runAndTake(() => dirs.keepalived('lb1', lb1Config()));
    halo = await runAndTake(() => dirs.halo('lb1', lb1Config()));
  });

  afterAll(async () => {
    await dirs?.stopAll();
    await stopProcess(bus ?? null);
    topo?.destroy();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('keepalived serves its objects on the private bus (the oracle is really there)', () => {
    expect(ka.treeBackup).toContain(VI_1);
    expect(ka.treeBackup).toContain(VI_6);
    expect(ka.propsBackup[0]).toBe('(s) "VI_1"\n(us) 1 "Backup"');
    expect(ka.signals).toContain(`${VRRP} VrrpStarted`);
  });

  it('the same object tree and introspection (busctl tree / introspect)', () => {
    expect(halo.treeBackup).toBe(ka.treeBackup);
    for (const p of Object.keys(ka.introspect)) expect(`${p}\n${halo.introspect[p]}`).toBe(`${p}\n${ka.introspect[p]}`);
  });

  it('the same property values, as BACKUP and as MASTER (Name answered as "(s)", State as "(us)")', () => {
    console.log(`keepalived's answers:\n${[...ka.propsBackup, ...ka.propsMaster].join('\n')}`);
    expect(halo.propsBackup).toEqual(ka.propsBackup);
    expect(halo.propsMaster).toEqual(ka.propsMaster);
    expect(ka.propsMaster[0]).toContain('(us) 2 "Master"');
  });

  it('the same signals across BACKUP → MASTER → ReloadConfig → stop', () => {
    console.log(`keepalived's signals:\n${ka.signals.join('\n')}\nhalo's:\n${halo.signals.join('\n')}`);
    // per object, in order (two instances' takeovers may interleave differently); a state sent
    // twice in a row is once: keepalived's D-Bus thread races its VRRP thread at start, and an
    // instance's BACKUP can go out both from its notify and from on_bus_acquired
    const once = (x: string[]) => x.filter((y, k) => k === 0 || y !== x[k - 1]);
    // and an instance's first signal is its state when the bus was acquired: INIT (0) when
    // keepalived's D-Bus thread got there before its VRRP thread left INIT (seen in CI, one
    // instance of two), else BACKUP; a leading INIT is that race, not a transition
    const settled = (x: string[]) => (x[0]?.endsWith(' VrrpStatusChange uint32 0') ? x.slice(1) : x);
    for (const p of [VRRP, VI_1, VI_6]) {
      const of = (s: string[]) => settled(once(s.filter((x) => x.startsWith(`${p} `))));
      expect(of(halo.signals)).toEqual(of(ka.signals));
    }
    expect(settled(once(ka.signals.filter((s) => s.startsWith(`${VI_1} `))))).toEqual([`${VI_1} VrrpStatusChange uint32 1`, `${VI_1} VrrpStatusChange uint32 2`, `${VI_1} VrrpStatusChange uint32 98`]);
    expect(halo.signals[0]).toBe(`${VRRP} VrrpStarted`);
    expect(halo.signals[halo.signals.length - 1]).toBe(`${VRRP} VrrpStopped`);
  });

  it('the same method replies, except PrintStatsClear (refused by halo, documented)', () => {
    console.log(`keepalived's replies: ${JSON.stringify(ka.methods, null, 1)}`);
    const { PrintStatsClear: kaClear, ...kaRest } = ka.methods;
    const { PrintStatsClear: haloClear, ...haloRest } = halo.methods;
    expect(haloRest).toEqual(kaRest);
    expect(kaClear).toBe('');
    expect(haloClear).toMatch(/FAILED: Call failed: halo's VRRP counters are never cleared/);
    expect(ka.methods.afterReload.trim()).toBe('(us) 2 "Master"');
  });

  it('PrintData writes keepalived.data in $TMPDIR in both (keepalived its dump, halo its status)', () => {
    expect(ka.dataFile).toBe(true);
    expect(halo.dataFile).toBe(true);
    expect(ka.data).toContain('VRRP');
    expect(halo.data).toMatch(/^halo pid \d+/);
    expect(halo.data).toContain('VI_1');
  });

  it('the same log lines about D-Bus', () => {
    console.log(`keepalived's D-Bus lines:\n${ka.dbusLog.join('\n')}`);
    const clear = 'Printing and clearing VRRP stats on DBus request';
    expect(ka.dbusLog).toContain(clear);
    expect(halo.dbusLog).toEqual(ka.dbusLog.map((l) => (l === clear ? 'Refusing to clear VRRP stats on DBus request: halo never clears its counters' : l)));
    expect(ka.dbusLog).toEqual(expect.arrayContaining([`Acquired DBus bus ${NAME}`, 'Sending garps on VI_1 on DBus request', 'Printing VRRP data on DBus request', 'Released DBus']));
  });

  describe('a reload that removes VI_6 and adds VI_7 (SIGHUP)', () => {
    interface Reloaded { tree: string; signals: string[]; log: string[] }
    const reloaded = async (start: () => RunningDirector): Promise<Reloaded> => {
      const mon = await monitor();
      const d = start();
      const up = await waitFor(() => d.log().includes('(VI_6) Entering MASTER STATE') && d.log().includes(`Acquired the name ${NAME}`), 30_000, 100);
      if (!up) throw new Error(`${d.kind} did not come up:\n${d.log()}`);
      // the monitor has printed both MASTER signals before the reload's are counted
      const masters = () => [VI_1, VI_6].every((p) => signals(mon.text()).includes(`${p} VrrpStatusChange uint32 2`));
      if (!(await waitFor(masters, 10_000, 50))) throw new Error(`${d.kind}: no MASTER signals:\n${mon.text()}`);
      const from = signals(mon.text()).length;
      const logFrom = d.log().length;
      writeFileSync(d.confFile, lb1Config().replace(instance('VI_6', 52, 100, 'fd00:77::200/64'), instance('VI_7', 53, 100, '192.168.77.207/24')));
      d.signalMain('SIGHUP');
      const done = await waitFor(() => signals(mon.text()).some((x) => x.endsWith('VrrpReloaded')) && d.log().includes('(VI_7) Entering MASTER STATE'), 30_000, 100);
      if (!done) throw new Error(`${d.kind} did not reload:\n${d.log()}\n${mon.text()}`);
      const r = { tree: busctl('tree', NAME), signals: [] as string[], log: dbusLines(d.log().slice(logFrom)) };
      await stopDirector(d);
      await waitFor(() => signals(mon.text()).some((x) => x.endsWith('VrrpStopped')), 10_000, 100);
      await stopProcess(mon.proc);
      r.signals = signals(mon.text()).slice(from);
      return r;
    };
    let k: Reloaded;
    let h: Reloaded;

    beforeAll(async () => {
      k = await reloaded(() => dirs.keepalived('lb1', lb1Config()));
      h = await reloaded(() => dirs.halo('lb1', lb1Config()));
    });

    it('the same objects after the reload, the removed one deleted with keepalived\'s line', () => {
      console.log(`keepalived after the reload:\n${k.tree}\n${k.log.join('\n')}\n${k.signals.join('\n')}\nhalo:\n${h.signals.join('\n')}`);
      expect(k.tree).toContain('/org/keepalived/Vrrp1/Instance/eth0/53/IPv4');
      expect(k.tree).not.toContain(VI_6);
      expect(h.tree).toBe(k.tree);
      expect(h.log).toEqual(k.log);
    });

    it('the same signals from the reload to the stop (per object)', () => {
      for (const p of [VRRP, VI_1, VI_6, '/org/keepalived/Vrrp1/Instance/eth0/53/IPv4']) {
        const of = (x: string[]) => x.filter((y) => y.startsWith(`${p} `));
        expect(of(h.signals)).toEqual(of(k.signals));
      }
      // the added instance's first state after VrrpReloaded, the removed one's before
      for (const x of [k.signals, h.signals]) {
        const reloadedAt = x.indexOf(`${VRRP} VrrpReloaded`);
        expect(x.findIndex((y) => y.startsWith('/org/keepalived/Vrrp1/Instance/eth0/53/IPv4 '))).toBeGreaterThan(reloadedAt);
        expect(x.findIndex((y) => y.startsWith(`${VI_6} `))).toBeLessThan(reloadedAt);
      }
    });
  });

  describe('a reload that turns enable_dbus on, then off', () => {
    interface Toggled { signals: string[]; log: string[]; treeOn: string; treeOff: string }
    const toggled = async (start: () => RunningDirector): Promise<Toggled> => {
      const mon = await monitor();
      const d = start();
      if (!(await waitFor(() => d.log().includes('(VI_6) Entering MASTER STATE') && d.log().includes('(VI_1) Entering MASTER STATE'), 30_000, 100))) throw new Error(`${d.kind} did not come up:\n${d.log()}`);
      writeFileSync(d.confFile, lb1Config());
      d.signalMain('SIGHUP');
      if (!(await waitFor(() => d.log().includes(`Acquired the name ${NAME}`) && busctl('tree', NAME).includes(VI_6), 30_000, 100))) throw new Error(`${d.kind}: enable_dbus not started by the reload:\n${d.log()}`);
      const treeOn = busctl('tree', NAME);
      writeFileSync(d.confFile, lb1Config([]));
      d.signalMain('SIGHUP');
      if (!(await waitFor(() => d.log().includes('Released DBus'), 30_000, 100))) throw new Error(`${d.kind}: enable_dbus not stopped by the reload:\n${d.log()}`);
      const treeOff = busctl('tree', NAME);
      await stopDirector(d);
      await stopProcess(mon.proc);
      return { signals: signals(mon.text()), log: dbusLines(d.log()), treeOn, treeOff };
    };
    let k: Toggled;
    let h: Toggled;

    beforeAll(async () => {
      k = await toggled(() => dirs.keepalived('lb1', lb1Config([])));
      h = await toggled(() => dirs.halo('lb1', lb1Config([])));
    });

    it('started by the first reload, stopped by the second: the same objects, signals and lines', () => {
      console.log(`keepalived:\n${k.log.join('\n')}\n${k.signals.join('\n')}\n${k.treeOff}`);
      expect(k.treeOn).toContain(VI_1);
      expect(h.treeOn).toBe(k.treeOn);
      expect(h.treeOff).toBe(k.treeOff);
      expect(h.log).toEqual(k.log);
      expect(h.signals).toEqual(k.signals);
    });
  });

  describe('without a usable bus, both log it and carry on', () => {
    it('no bus at DBUS_SYSTEM_BUS_ADDRESS', async () => {
      dirs.env.DBUS_SYSTEM_BUS_ADDRESS = `unix:path=${join(tmp, 'missing.sock')}`;
      const k = await degraded(() => dirs.keepalived('lb1', lb1Config()));
      const h = await degraded(() => dirs.halo('lb1', lb1Config()));
      dirs.env.DBUS_SYSTEM_BUS_ADDRESS = address;
      expect(k).toEqual([`Lost the name ${NAME} on the session bus`, 'Released DBus']);
      expect(h).toEqual(k);
    });

    it('a dbus_service_name the bus refuses', async () => {
      const globals = ['enable_dbus', 'dbus_service_name org.example.Refused'];
      const k = await degraded(() => dirs.keepalived('lb1', lb1Config(globals)));
      const h = await degraded(() => dirs.halo('lb1', lb1Config(globals)));
      expect(k).toEqual(['Acquired DBus bus org.example.Refused', 'Lost the name org.example.Refused on the session bus', 'Released DBus']);
      expect(h).toEqual(k);
    });
  });
});
