/**
 * The VRRP shell with every privileged edge replaced by an in-memory fake (DESIGN: the core never
 * knows whether it talks to the kernel): two engines on a fake LAN, jest's fake timers as the
 * clock. Pins the shell's own duties — timers, I/O order, the supervisor channel, reload.
 */
import { parseConfigText } from '../../src/config/load';
import type { Model, VrrpScript } from '../../src/config/model';
import type { AddressManager, VipSpec } from '../../src/net/addresses';
import type { GarpSender } from '../../src/net/garp';
import type { LinkEvent, LinkMonitor, LinkState } from '../../src/net/links';
import type { VrrpTransport } from '../../src/net/vrrp-socket';
import { VrrpEngine } from '../../src/daemon/vrrp-engine';
import { timeoutWakeTimer, type WakeTimerFactory } from '../../src/daemon/deadlines';
import { NetError } from '../../src/net/errors';
import type { HeldInstance } from '../../src/daemon/held';
import { NotifyRunner } from '../../src/daemon/notify';
import { SyncDaemonDriver } from '../../src/daemon/sync-daemon';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ok = <T>(value: T) => ({ ok: true as const, value });

interface HostOptions {
  /** The transport's sendNow (absent: the transport has none, every advert goes through send()). */
  sendNow?: (pkt: Buffer) => NetError | null | undefined;
  clockStepMs?: number;
  wakeTimer?: WakeTimerFactory;
}

/** A LAN: every packet sent by one host reaches every other host's transports. */
class Lan {
  readonly hosts: Host[] = [];
}

class Host {
  readonly vips = new Set<string>();
  readonly io: string[] = [];
  private receivers: Array<(p: Buffer, src: string) => void> = [];
  /** Opens of a VRRP socket so far, and how many of the next ones fail. */
  opens = 0;
  openFails = 0;
  /** Makes the current VRRP socket report a receive error. */
  failSocket: (message: string) => void = () => undefined;
  private linkCb: ((e: LinkEvent) => void) | null = null;
  readonly held: HeldInstance[] = [];
  readonly released: string[] = [];
  readonly logs: string[] = [];
  /** What each vrrp_script's next run exits with (the fake runner's processes). */
  readonly scriptOk: Record<string, boolean> = {};
  scriptRuns = 0;
  /** The fake file and process monitors: values at start, and the callbacks to report changes. */
  readonly fileValue: Record<string, number> = {};
  readonly quorum: Record<string, boolean> = {};
  fileChanged: (name: string, value: number) => void = () => undefined;
  quorumChanged: (name: string, up: boolean) => void = () => undefined;
  monitorStarts = 0;
  /** While set, a VIP add waits for this (a netlink request that hangs). */
  addGate: Promise<void> | null = null;

  removeGate: Promise<void> | null = null;
  engine!: VrrpEngine;
  /** With lvs_sync_daemon: the requests its driver made of the (fake) kernel, in order. */
  readonly kernelDaemons: string[] = [];
  syncDaemon: SyncDaemonDriver | null = null;

  /** Adverts that went out through the transport's sendNow / its send. */
  sentNow = 0;
  sentLater = 0;
  private clockReads = 0;

  constructor(readonly lan: Lan, readonly primary: string, text: string, readonly opts: HostOptions = {}) {
    lan.hosts.push(this);
    const r = parseConfigText(text, '/etc/keepalived/keepalived.conf');
    if (!r.model) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
    if (r.model.globalDefs.lvsSyncDaemon) {
      const k = this.kernelDaemons;
      this.syncDaemon = new SyncDaemonDriver({
        open: async () => ({
          startDaemon: async (d) => void k.push(`start ${d.state} ${d.mcastInterface} syncid ${d.syncId}`),
          stopDaemon: async (st) => void k.push(`stop ${st}`),
          getDaemons: async () => [],
          close: () => undefined,
        }),
        log: { info: () => undefined, warning: (m) => this.logs.push(m), error: (m) => this.logs.push(m) },
      });
      this.syncDaemon.configure(r.model.globalDefs.lvsSyncDaemon, true);
    }
    this.engine = new VrrpEngine(r.model, { ...this.deps(), syncDaemon: this.syncDaemon });
  }

  private link(up = true): LinkState {
    return { name: 'eth0', index: 2, mac: '02:00:00:00:00:01', adminUp: up, running: up, operstate: up ? 'up' : 'down', up, flags: up ? 0x11043 : 0x1003 };
  }

  private deps() {
    const log = (m: string) => this.logs.push(m);
    const addresses: AddressManager = {
      add: async (v: VipSpec) => {
        if (this.addGate) await this.addGate;
        this.io.push(`add ${v.address}`);
        this.vips.add(v.address);
        return ok(true);
      },
      addAll: (vs: readonly VipSpec[]) => Promise.all(vs.map((v) => addresses.add(v))),
      remove: async (v: VipSpec) => {
        if (this.removeGate) await this.removeGate;
        this.io.push(`remove ${v.address}`);
        return ok(this.vips.delete(v.address));
      },
      list: async () => ok([]),
      primaryIPv4: async () => ok(this.primary),
      removeResidual: async () => ({ removed: [], errors: [] }),
      close: () => undefined,
    };
    const links: LinkMonitor = {
      query: async (name: string) => ok(name === 'eth0' ? this.link() : null),
      list: async () => ok([this.link()]),
      onLink: (cb) => (this.linkCb = cb),
      onAddress: () => undefined,
      onFlags: () => undefined,
      onError: () => undefined,
      close: () => undefined,
    };
    const garp: GarpSender = { announce: async (a) => (this.io.push(`garp ${a.vips.join(',')} x${a.repeat}`), ok(a.vips.length * a.repeat)) };
    const openTransport = (): VrrpTransport => {
      if (this.openFails > 0) {
        this.openFails--;
        throw new Error('ENODEV setting SO_BINDTODEVICE eth0 on the VRRP socket of eth0');
      }
      this.opens++;
      const receivers: Array<(p: Buffer, src: string) => void> = [];
      let closed = false;
      const deliver = (pkt: Buffer) => {
        this.io.push(`advert prio ${pkt[20 + 2]}`);
        for (const h of this.lan.hosts) if (h !== this) h.receivers.forEach((r) => r(Buffer.from(pkt), this.primary));
      };
      const t: VrrpTransport = {
        send: async (pkt: Buffer) => {
          if (closed) throw new Error('EBADF sending VRRP: socket closed');
          this.sentLater++;
          deliver(pkt);
        },
        // as the addon's senders: on the wire on return (null), failed, or not possible now (undefined)
        ...(this.opts.sendNow ? {
          sendNow: (pkt: Buffer) => {
            const r = this.opts.sendNow!(pkt);
            if (r === null) {
              this.sentNow++;
              deliver(pkt);
            }
            return r;
          },
        } : {}),
        onPacket: (cb) => receivers.push(cb),
        onError: (cb) => (this.failSocket = (m: string) => cb(Object.assign(new Error(m), { code: 'ENETDOWN' }) as never)),
        close: () => {
          closed = true;
          this.receivers = [];
        },
      };
      this.receivers = receivers;
      return t;
    };
    const logger = { error: log, warning: log, notice: log, info: log, debug: log, close: () => undefined };
    return {
      addresses, links, garp, log: logger,
      openTransport,
      notify: new NotifyRunner({ enableScriptSecurity: false, log: logger }),
      onHeld: (h: HeldInstance) => this.held.push(h),
      onReleased: (n: string) => this.released.push(n),
      // clockStepMs: the clock moves on at every read, as a real one does while work is done
      now: () => Date.now() + (this.opts.clockStepMs ?? 0) * this.clockReads++,
      ...(this.opts.wakeTimer ? { wakeTimer: this.opts.wakeTimer } : {}),
      watchFiles: (_f: unknown, _l: unknown, onValue: (n: string, v: number) => void) => ({
        start: () => (this.monitorStarts++, this.fileChanged = onValue, { ...this.fileValue }),
        stop: () => undefined,
      }),
      watchProcesses: (_d: unknown, _l: unknown, onChange: (n: string, up: boolean) => void) => ({
        start: () => (this.monitorStarts++, this.quorumChanged = onChange, { ...this.quorum }),
        stop: () => undefined,
      }),
      // each script runs at start and every interval, like ScriptRunner, on the fake clock
      runScripts: (defs: VrrpScript[], _sec: boolean, _log: unknown, onResult: (n: string, ok: boolean) => void) => {
        const timers: NodeJS.Timeout[] = [];
        const run = (d: VrrpScript) => {
          this.scriptRuns++;
          onResult(d.name, this.scriptOk[d.name] ?? true);
        };
        return {
          start: () => defs.forEach((d) => (run(d), timers.push(setInterval(() => run(d), d.intervalMs)))),
          stop: () => timers.forEach(clearInterval),
        };
      },
    };
  }

  setLink(up: boolean): void {
    this.linkCb?.({ kind: 'change', link: this.link(up) });
  }

  state(): string {
    return this.engine.states.get('VI_1')!.state;
  }
}

const conf = (state: string, prio: number, vips = ['192.168.77.200/24'], extra = '') => `
vrrp_instance VI_1 {
  state ${state}
  interface eth0
  virtual_router_id 51
  priority ${prio}
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass mypasswd
  }
  virtual_ipaddress {
${vips.map((v) => `    ${v}`).join('\n')}
  }
${extra}
}
`;

/** Let queued I/O (promise chains) run, then move the fake clock. */
async function advance(ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 10) {
    await jest.advanceTimersByTimeAsync(10);
  }
}

describe('VRRP shell (engine) over fakes', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('elects the higher priority; MASTER I/O in keepalived order: advert, VIPs, GARPs; the supervisor learns of it', async () => {
    const lan = new Lan();
    const a = new Host(lan, '192.168.77.11', conf('MASTER', 150));
    const b = new Host(lan, '192.168.77.12', conf('BACKUP', 100));
    await a.engine.start();
    await b.engine.start();
    await advance(5000);
    expect(a.state()).toBe('MASTER');
    expect(b.state()).toBe('BACKUP');
    expect([...a.vips]).toEqual(['192.168.77.200']);
    expect([...b.vips]).toEqual([]);
    const firstMasterIo = a.io.filter((l) => !l.startsWith('remove')).slice(0, 3);
    expect(firstMasterIo).toEqual(['advert prio 150', 'add 192.168.77.200', 'garp 192.168.77.200 x5']);
    // what the supervisor would send if this worker died now: one priority-0 advert
    expect(a.held).toHaveLength(1);
    expect(a.held[0].packets).toHaveLength(1);
    expect(Buffer.from(a.held[0].packets[0].hex, 'hex')[22]).toBe(0);
  });

  it('graceful stop: priority 0, VIPs removed; the backup takes over after Skew_Time, not Master_Down_Interval', async () => {
    const lan = new Lan();
    const a = new Host(lan, '192.168.77.11', conf('MASTER', 150));
    const b = new Host(lan, '192.168.77.12', conf('BACKUP', 100));
    await a.engine.start();
    await b.engine.start();
    await advance(5000);
    const stopped = a.engine.stop();
    await advance(10);
    await stopped;
    expect(a.io.slice(-2)).toEqual(['advert prio 0', 'remove 192.168.77.200']);
    await advance(580);
    expect(b.state()).toBe('BACKUP'); // Skew_Time at priority 100 is 609 ms after the priority 0
    await advance(50);
    expect(b.state()).toBe('MASTER');
    expect([...b.vips]).toEqual(['192.168.77.200']);
  });

  it('traces the takeover: the priority 0 heard, the down timer armed Skew_Time after it, its wake-up, the first advert sent', async () => {
    const lan = new Lan();
    const a = new Host(lan, '192.168.77.11', conf('MASTER', 150));
    const b = new Host(lan, '192.168.77.12', conf('BACKUP', 100));
    await a.engine.start();
    await b.engine.start();
    await advance(5000);
    expect(b.engine.takeovers).toEqual([]); // a BACKUP since start has had none
    const stopped = a.engine.stop();
    await advance(10);
    await stopped;
    await advance(700);
    expect(b.state()).toBe('MASTER');
    const [t] = b.engine.takeovers;
    expect(t).toMatchObject({ instance: 'VI_1', heardPriority: 0 });
    expect(t.deadline - t.heardAt!).toBeCloseTo(609.375); // Skew_Time at priority 100 (v2)
    expect(t.firedAt).toBeGreaterThanOrEqual(t.deadline);
    expect(t.sentAt).not.toBeNull();
    expect(t.steppedAt!).toBeGreaterThanOrEqual(t.firedAt);
    expect(t.sentAt!).toBeGreaterThanOrEqual(t.steppedAt!);
    expect(t.timeOrigin).toBeGreaterThan(0); // (performance.timeOrigin: epoch ms of the clock's zero)
    // the first master took over at start on its own down timer, having heard nobody
    expect(a.engine.takeovers).toEqual([expect.objectContaining({ instance: 'VI_1', heardAt: null, heardPriority: null })]);
  });

  it('graceful stop of two instances: both priority-0 adverts go out before any VIP removal starts', async () => {
    const lan = new Lan();
    const two = conf('MASTER', 150) + conf('MASTER', 150, ['192.168.77.201/24']).replace('VI_1', 'VI_2').replace('virtual_router_id 51', 'virtual_router_id 52');
    const a = new Host(lan, '192.168.77.11', two);
    await a.engine.start();
    await advance(5000);
    expect(a.engine.states.get('VI_1')!.state).toBe('MASTER');
    expect(a.engine.states.get('VI_2')!.state).toBe('MASTER');
    const before = a.io.length;
    // the log lines in the same sequence as the I/O: none may come between the two adverts
    const push = a.logs.push.bind(a.logs);
    a.logs.push = (...m: string[]) => (a.io.push(`log ${m[0]}`), push(...m));
    const stopped = a.engine.stop();
    await advance(10);
    await stopped;
    const seen = a.io.slice(before);
    expect(seen.slice(0, 2)).toEqual(['advert prio 0', 'advert prio 0']);
    expect(seen).toContain('log (VI_1) sent 0 priority');
    expect(seen).toContain('log (VI_2) sent 0 priority');
    expect(seen.filter((l) => !l.startsWith('log '))).toEqual(['advert prio 0', 'advert prio 0', 'remove 192.168.77.200', 'remove 192.168.77.201']);
  });

  it('a stop that waits on its I/O says every 2 s what it still waits for (the supervisor SIGKILLs at 10 s)', async () => {
    const lan = new Lan();
    const a = new Host(lan, '192.168.77.11', conf('MASTER', 150));
    await a.engine.start();
    await advance(5000);
    let release!: () => void;
    a.removeGate = new Promise<void>((r) => (release = r));
    const stopped = a.engine.stop();
    await advance(4100);
    const waits = a.logs.filter((l) => l.startsWith('stopping: still waiting'));
    expect(waits).toHaveLength(2);
    expect(waits[0]).toMatch(/^stopping: still waiting after \d+ ms for \(VI_1\) removeVips for \d+ ms$/);
    release();
    await advance(10);
    await stopped;
    await advance(5000);
    expect(a.logs.filter((l) => l.startsWith('stopping: still waiting'))).toHaveLength(2);
    expect([...a.vips]).toEqual([]);
  });

  it('lvs_sync_daemon follows its instance as keepalived: backup from the start, master while MASTER, backup again on losing it, none after stop', async () => {
    const lan = new Lan();
    const sync = 'global_defs {\n  lvs_sync_daemon eth1 VI_1 maxlen 1400\n}\n';
    const a = new Host(lan, '192.168.77.11', sync + conf('MASTER', 150));
    const b = new Host(lan, '192.168.77.12', sync + conf('BACKUP', 100));
    await a.engine.start();
    await b.engine.start();
    await advance(5000);
    expect(a.state()).toBe('MASTER');
    // ipvs_syncd_master: stop the backup daemon, then start the master one (sync id = the VRID)
    expect(a.kernelDaemons).toEqual(['start backup eth1 syncid 51', 'stop backup', 'start master eth1 syncid 51']);
    expect(b.kernelDaemons).toEqual(['start backup eth1 syncid 51']);
    // a higher priority peer takes over: ipvs_syncd_backup on the old master
    const c = new Host(lan, '192.168.77.13', sync + conf('BACKUP', 200));
    await c.engine.start();
    await advance(5000);
    expect(c.state()).toBe('MASTER');
    expect(a.state()).toBe('BACKUP');
    expect(a.kernelDaemons.slice(3)).toEqual(['stop master', 'start backup eth1 syncid 51']);
    expect(b.kernelDaemons).toEqual(['start backup eth1 syncid 51']);
    // shutdown stops the daemon of the state it leaves
    const stopped = c.engine.stop();
    await advance(10);
    await stopped;
    await c.syncDaemon!.stop();
    expect(c.kernelDaemons).toEqual(['start backup eth1 syncid 51', 'stop backup', 'start master eth1 syncid 51', 'stop master']);
    expect(a.logs.filter((l) => l.startsWith('IPVS'))).toEqual([]);
  });

  it('the own interface going down is a FAULT: VIPs removed, the supervisor told to forget the instance', async () => {
    const lan = new Lan();
    const a = new Host(lan, '192.168.77.11', conf('MASTER', 150));
    await a.engine.start();
    await advance(5000);
    a.setLink(false);
    await advance(10);
    expect(a.state()).toBe('FAULT');
    expect([...a.vips]).toEqual([]);
    expect(a.released).toEqual(['VI_1']);
  });

  it('reload: unchanged config → no I/O at all; a changed VIP list → one add and one remove, still MASTER', async () => {
    const lan = new Lan();
    const a = new Host(lan, '192.168.77.11', conf('MASTER', 150, ['192.168.77.200/24', '192.168.77.201/24']));
    await a.engine.start();
    await advance(5000);
    const same = parseConfigText(conf('MASTER', 150, ['192.168.77.200/24', '192.168.77.201/24']), 'k.conf').model as Model;
    const ioBefore = a.io.filter((l) => !l.startsWith('advert')).length;
    await a.engine.reload(same);
    await advance(10);
    expect(a.io.filter((l) => !l.startsWith('advert')).length).toBe(ioBefore);
    const changed = parseConfigText(conf('MASTER', 150, ['192.168.77.200/24', '192.168.77.202/24']), 'k.conf').model as Model;
    await a.engine.reload(changed);
    await advance(10);
    expect(a.io.filter((l) => !l.startsWith('advert')).slice(ioBefore)).toEqual(['remove 192.168.77.201', 'add 192.168.77.202', 'garp 192.168.77.202 x5']);
    expect(a.state()).toBe('MASTER');
    expect([...a.vips].sort()).toEqual(['192.168.77.200', '192.168.77.202']);
    expect(a.engine.states.get('VI_1')!.stats.becameMaster).toBe(1);
  });

  it('reload keeps a MASTER\'s weighted track_script (rise 3) priority: same adverts, the peer never takes over', async () => {
    const script = `vrrp_script chk {\n  script "/bin/true"\n  interval 1\n  weight 60\n  rise 3\n  fall 3\n}\n`;
    const track = '  track_script {\n    chk\n  }';
    const lan = new Lan();
    const a = new Host(lan, '192.168.77.11', script + conf('BACKUP', 100, ['192.168.77.200/24'], track));
    const b = new Host(lan, '192.168.77.12', conf('BACKUP', 130));
    await a.engine.start();
    await b.engine.start();
    await advance(10_000);
    expect(a.state()).toBe('MASTER');
    expect(a.engine.states.get('VI_1')!.effectivePriority).toBe(160);
    const before = a.io.length;
    const runsBefore = a.scriptRuns;
    const next = parseConfigText(script + conf('BACKUP', 100, ['192.168.77.200/24'], `${track}\n  garp_master_repeat 3`), 'k.conf').model as Model;
    await a.engine.reload(next);
    await advance(10_000);
    expect(a.scriptRuns).toBeGreaterThan(runsBefore); // the scripts do run again after the reload
    const adverts = a.io.slice(before).filter((l) => l.startsWith('advert'));
    expect(adverts.length).toBeGreaterThanOrEqual(9);
    expect(new Set(adverts)).toEqual(new Set(['advert prio 160']));
    expect(a.io.slice(before).filter((l) => !l.startsWith('advert'))).toEqual([]);
    expect(a.state()).toBe('MASTER');
    expect(b.state()).toBe('BACKUP');
    expect(a.engine.states.get('VI_1')!.stats.becameMaster).toBe(1);
    expect(a.logs.filter((l) => l.includes('effective priority'))).toEqual(['(VI_1) Changing effective priority from 100 to 160']);
  });

  it('a VRRP socket error: MASTER → FAULT, priority 0 sent through the reopened socket, VIPs released; back after the 1 s re-check, and preempts again', async () => {
    const lan = new Lan();
    const a = new Host(lan, '192.168.77.11', conf('MASTER', 150));
    const b = new Host(lan, '192.168.77.12', conf('BACKUP', 100));
    await a.engine.start();
    await b.engine.start();
    await advance(5000);
    expect(a.state()).toBe('MASTER');
    const io0 = a.io.length;
    a.failSocket('ENETDOWN receiving on the VRRP socket of eth0');
    await advance(10);
    expect(a.state()).toBe('FAULT');
    expect(a.opens).toBe(2); // reopened at once
    expect(a.io.slice(io0)).toEqual(['advert prio 0', 'remove 192.168.77.200']);
    expect(a.released).toEqual(['VI_1']);
    expect(a.logs).toContain('VRRP socket on eth0: ENETDOWN receiving on the VRRP socket of eth0; reopening (next check in 1 s)');
    await advance(700);
    expect(b.state()).toBe('MASTER');
    expect([...b.vips]).toEqual(['192.168.77.200']);
    await advance(400);
    expect(a.logs).toContain('VRRP socket on eth0 reopened');
    expect(a.state()).toBe('BACKUP');
    await advance(5000);
    expect(a.state()).toBe('MASTER');
    expect(b.state()).toBe('BACKUP');
  });

  it('a socket that cannot be reopened: FAULT stays, re-checks back off 1 s, 2 s, 4 s; recovery when the open works', async () => {
    const lan = new Lan();
    const a = new Host(lan, '192.168.77.11', conf('MASTER', 150));
    await a.engine.start();
    await advance(5000);
    a.openFails = 3; // the immediate reopen and the re-checks at +1 s and +3 s fail
    a.failSocket('EBADF receiving on the VRRP socket of eth0');
    await advance(10);
    expect(a.state()).toBe('FAULT');
    expect(a.logs).toContain('(VI_1) cannot send advert with priority 0: no working VRRP socket on eth0');
    expect([...a.vips]).toEqual([]);
    await advance(3100);
    expect(a.state()).toBe('FAULT');
    expect(a.logs.filter((l) => l.startsWith('reopening VRRP socket on eth0 failed'))).toEqual([
      'reopening VRRP socket on eth0 failed: ENODEV setting SO_BINDTODEVICE eth0 on the VRRP socket of eth0',
      'reopening VRRP socket on eth0 failed: ENODEV setting SO_BINDTODEVICE eth0 on the VRRP socket of eth0; next check in 2 s',
      'reopening VRRP socket on eth0 failed: ENODEV setting SO_BINDTODEVICE eth0 on the VRRP socket of eth0; next check in 4 s',
    ]);
    await advance(4000);
    expect(a.opens).toBe(2);
    expect(a.state()).toBe('BACKUP');
    await advance(4000);
    expect(a.state()).toBe('MASTER');
  });

  it('track_file and track_process: values at start set the priority, changes move it, FAULT and back; a reload shows the trackers it restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trk-engine-'));
    try {
      writeFileSync(join(dir, 'a'), '2\n');
      writeFileSync(join(dir, 'b'), '0\n');
      const blocks = (path: string) => `track_file tf {\n file ${join(dir, path)}\n weight 5\n}\nvrrp_track_process tp {\n process no-such-process-trk\n weight 10\n}\n`;
      const trackers = '  track_file {\n    tf\n  }\n  track_process {\n    tp\n  }\n';
      const lan = new Lan();
      const a = new Host(lan, '192.168.77.11', blocks('a') + conf('BACKUP', 100, undefined, trackers));
      a.fileValue.tf = 2;
      a.quorum.tp = true;
      await a.engine.start();
      await advance(5000);
      expect(a.engine.states.get('VI_1')).toMatchObject({ state: 'MASTER', effectivePriority: 120 });
      a.quorumChanged('tp', false);
      a.fileChanged('tf', -60);
      await advance(10);
      expect(a.state()).toBe('FAULT'); // 100 − 300: keepalived's −254 floor is a FAULT
      a.fileChanged('tf', 1);
      await advance(5000);
      expect(a.engine.states.get('VI_1')).toMatchObject({ state: 'MASTER', effectivePriority: 105 });
      // the track_file now names another file (holding 0): the plan says so; the reload reads it
      const r = parseConfigText(blocks('b') + conf('BACKUP', 100, undefined, trackers), '/etc/keepalived/keepalived.conf');
      a.fileValue.tf = 0;
      a.quorum.tp = false; // what the restarted fake monitors read (the real ones read /proc and the file)
      const preview = await a.engine.planReload(r.model!);
      expect(preview.trackers).toEqual({
        stop: [`track_file tf (${join(dir, 'a')})`],
        start: [`track_file tf (${join(dir, 'b')}): value 0`],
      });
      expect(preview.changes.map((c) => [c.name, c.change, c.effects])).toEqual([['VI_1', 'update', ['Changing effective priority from 105 to 100']]]);
      const applied = await a.engine.reload(r.model!);
      expect(applied).toEqual(preview);
      expect(a.engine.states.get('VI_1')).toMatchObject({ state: 'MASTER', effectivePriority: 100 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reload plan: the preview changes nothing and equals what the reload then does (VIPs, started, stopped, updated)', async () => {
    const two = (vips: string[]) => conf('MASTER', 150, vips) + conf('MASTER', 150, ['192.168.77.210/24']).replace(/VI_1/g, 'VI_2').replace('virtual_router_id 51', 'virtual_router_id 52');
    const lan = new Lan();
    const a = new Host(lan, '192.168.77.11', two(['192.168.77.200/24', '192.168.77.201/24']));
    await a.engine.start();
    await advance(5000);
    expect(a.state()).toBe('MASTER');
    const nextText = conf('MASTER', 150, ['192.168.77.200/24', '192.168.77.202/24'])
      + conf('BACKUP', 100, ['192.168.77.220/24']).replace(/VI_1/g, 'VI_3').replace('virtual_router_id 51', 'virtual_router_id 53');
    const next = parseConfigText(nextText, 'k.conf').model as Model;
    const io0 = a.io.filter((l) => !l.startsWith('advert')).length;
    const preview = await a.engine.planReload(next);
    await advance(10);
    expect(a.io.filter((l) => !l.startsWith('advert')).length).toBe(io0); // nothing done
    expect([...a.engine.states.keys()]).toEqual(['VI_1', 'VI_2']);
    expect(preview).toEqual({
      unchanged: [],
      changes: [
        { name: 'VI_2', change: 'stop', state: 'MASTER', after: null, effects: ['advert with priority 0', 'remove VIP 192.168.77.210/24 dev eth0', 'notify VI_2 FAULT'] }, // removed without notify_deleted: keepalived's FAULT
        { name: 'VI_1', change: 'update', state: 'MASTER', after: 'MASTER', effects: [
          'remove VIP 192.168.77.201/24 dev eth0', 'add VIP 192.168.77.202/24 dev eth0', 'gratuitous ARP x5 for 192.168.77.202',
        ] },
        { name: 'VI_3', change: 'start', state: 'INIT', after: null, effects: [] },
      ],
    });
    const applied = await a.engine.reload(next);
    expect(applied).toEqual(preview);
    await advance(10);
    expect([...a.vips].sort()).toEqual(['192.168.77.200', '192.168.77.202']);
  });

  it('a reload that cannot be applied (a new instance on an interface that does not exist) changes nothing', async () => {
    const lan = new Lan();
    const a = new Host(lan, '192.168.77.11', conf('MASTER', 150, ['192.168.77.200/24', '192.168.77.201/24']));
    await a.engine.start();
    await advance(5000);
    const io0 = a.io.filter((l) => !l.startsWith('advert')).length;
    const next = parseConfigText(
      conf('MASTER', 150, ['192.168.77.200/24']) + conf('BACKUP', 100, ['192.168.77.230/24']).replace(/VI_1/g, 'VI_9').replace('interface eth0', 'interface eth9').replace('virtual_router_id 51', 'virtual_router_id 59'),
      'k.conf',
    ).model as Model;
    await expect(a.engine.reload(next)).rejects.toThrow('(VI_9) interface eth9 does not exist');
    await advance(10);
    expect(a.io.filter((l) => !l.startsWith('advert')).length).toBe(io0);
    expect([...a.vips].sort()).toEqual(['192.168.77.200', '192.168.77.201']);
    expect([...a.engine.states.keys()]).toEqual(['VI_1']);
    expect(a.state()).toBe('MASTER');
  });

  it('a VIP add that hangs holds back neither the adverts nor the backup: the master stays master', async () => {
    const lan = new Lan();
    const a = new Host(lan, '192.168.77.11', conf('MASTER', 150));
    const b = new Host(lan, '192.168.77.12', conf('BACKUP', 100));
    let release: () => void = () => undefined;
    a.addGate = new Promise<void>((r) => (release = r));
    await a.engine.start();
    await b.engine.start();
    await advance(12_000); // three Master_Down_Intervals with the add still hanging
    expect(a.state()).toBe('MASTER');
    expect(b.state()).toBe('BACKUP');
    expect(a.io.filter((l) => l === 'advert prio 150').length).toBeGreaterThanOrEqual(8);
    expect(a.io).not.toContain('add 192.168.77.200');
    release();
    await advance(100);
    // the VIPs, then the GARPs (the first burst and garp_master_delay's), once the add is
    // answered: the instance's own VIP/GARP order holds
    const rest = a.io.filter((l) => !l.startsWith('advert') && !l.startsWith('remove'));
    expect(rest[0]).toBe('add 192.168.77.200');
    expect(rest.slice(1).length).toBeGreaterThanOrEqual(1);
    expect(rest.slice(1).every((l) => l === 'garp 192.168.77.200 x5')).toBe(true);
  });
  it('a reload that adds a sync group starting in FAULT starts it in keepalived\'s start order, as start() does', async () => {
    const member = (name: string, vrid: number, extra: string) => `vrrp_instance ${name} {\n  interface eth0\n  virtual_router_id ${vrid}\n  priority 100\n  advert_int 1\n${extra}  virtual_ipaddress {\n    192.168.77.${vrid + 150}/24\n  }\n}\n`;
    // VI_A fails on its own (a unicast instance without peers: a config fault), so G starts in FAULT
    const group = `vrrp_sync_group G {\n  group {\n    VI_B\n    VI_A\n  }\n}\n${member('VI_A', 61, '  unicast_fault_no_peer\n')}${member('VI_B', 62, '')}${member('VI_C', 63, '')}`;
    const ours = (l: string) => /\((VI_A|VI_B|VI_C|G)\)|group G/.test(l);
    const fresh = new Host(new Lan(), '192.168.77.11', conf('BACKUP', 100) + group);
    await fresh.engine.start();
    await advance(10);
    const atStart = fresh.logs.filter(ours);
    await fresh.engine.stop();
    const a = new Host(new Lan(), '192.168.77.11', conf('BACKUP', 100));
    await a.engine.start();
    await advance(10);
    const mark = a.logs.length;
    await a.engine.reload(parseConfigText(conf('BACKUP', 100) + group, 'k.conf').model as Model);
    await advance(10);
    expect(atStart.length).toBeGreaterThan(0);
    expect(a.logs.slice(mark).filter(ours)).toEqual(atStart);
    expect(['VI_A', 'VI_B'].map((n) => a.engine.states.get(n)!.state)).toEqual(['FAULT', 'FAULT']);
    await a.engine.stop();
  });

  it('adverts a transport can send at once (sendNow) never wait for a promise; a failed one is logged and the instance carries on', async () => {
    const lan = new Lan();
    let fail = false;
    const a = new Host(lan, '192.168.77.11', conf('MASTER', 150), { sendNow: () => (fail ? new NetError('ENOBUFS', 'sending VRRP to 224.0.0.18 on eth0') : null) });
    const b = new Host(lan, '192.168.77.12', conf('BACKUP', 100));
    await a.engine.start();
    await b.engine.start();
    await advance(5000);
    expect(a.state()).toBe('MASTER');
    expect(b.state()).toBe('BACKUP');
    expect(a.sentNow).toBeGreaterThanOrEqual(2);
    expect(a.sentLater).toBe(0);
    fail = true;
    await advance(1000);
    expect(a.logs).toContain('(VI_1) sending advert: ENOBUFS sending VRRP to 224.0.0.18 on eth0');
    expect(a.state()).toBe('MASTER');
    fail = false;
    const stopped = a.engine.stop();
    await advance(10);
    await stopped;
    expect(a.io.slice(-2)).toEqual(['advert prio 0', 'remove 192.168.77.200']);
    expect(a.sentLater).toBe(0);
  });

  it('a reload that adds an instance, or moves one to another VRID, has its adverts heard by the right instance', async () => {
    const lan = new Lan();
    const second = (state: string, prio: number, vrid: number) => conf(state, prio, ['192.168.77.201/24']).replace('VI_1', 'VI_2').replace('virtual_router_id 51', `virtual_router_id ${vrid}`);
    const a = new Host(lan, '192.168.77.11', conf('MASTER', 150));
    const b = new Host(lan, '192.168.77.12', conf('BACKUP', 100));
    await a.engine.start();
    await b.engine.start();
    await advance(5000);
    expect([a.state(), b.state()]).toEqual(['MASTER', 'BACKUP']);
    // both add VI_2 (VRID 52): b's must hear a's adverts, so it stays BACKUP past its down interval
    await b.engine.reload(parseConfigText(conf('BACKUP', 100) + second('BACKUP', 100, 52), 'k.conf').model as Model);
    await a.engine.reload(parseConfigText(conf('MASTER', 150) + second('MASTER', 150, 52), 'k.conf').model as Model);
    await advance(8000);
    expect(a.engine.states.get('VI_2')!.state).toBe('MASTER');
    expect(b.engine.states.get('VI_2')!.state).toBe('BACKUP');
    // VI_2 moves to VRID 53 on both: the same again
    await b.engine.reload(parseConfigText(conf('BACKUP', 100) + second('BACKUP', 100, 53), 'k.conf').model as Model);
    await a.engine.reload(parseConfigText(conf('MASTER', 150) + second('MASTER', 150, 53), 'k.conf').model as Model);
    await advance(8000);
    expect(a.engine.states.get('VI_2')!.state).toBe('MASTER');
    expect(b.engine.states.get('VI_2')!.state).toBe('BACKUP');
    expect(b.state()).toBe('BACKUP');
    expect([...b.vips]).toEqual([]);
  });

  it('a transport that cannot send now (undefined: a full buffer) gets the advert through send()', async () => {
    const lan = new Lan();
    const a = new Host(lan, '192.168.77.11', conf('MASTER', 150), { sendNow: () => undefined });
    await a.engine.start();
    await advance(5000);
    expect(a.state()).toBe('MASTER');
    expect(a.sentNow).toBe(0);
    expect(a.sentLater).toBeGreaterThanOrEqual(2);
  });

  it('MASTER instances advertising together share one wake-up per interval, though the clock moves on while each is stepped', async () => {
    const instances = Array.from({ length: 5 }, (_, i) => conf('MASTER', 150, [`192.168.77.${200 + i}/24`]).replace('VI_1', `VI_${i}`).replace('virtual_router_id 51', `virtual_router_id ${51 + i}`)).join('');
    // wake-ups in which adverts were sent (setTimeout, the fallback wake-up source, may also
    // wake up to 1 ms early and find nothing due: those are not counted)
    let wakes = 0;
    const counting: WakeTimerFactory = (onExpire) => timeoutWakeTimer(() => {
      const before = a.io.length;
      onExpire();
      if (a.io.slice(before).some((l) => l.startsWith('advert'))) wakes++;
    });
    const a: Host = new Host(new Lan(), '192.168.77.11', instances, { clockStepMs: 0.25, wakeTimer: counting });
    await a.engine.start();
    await advance(10_000);
    expect([...a.engine.states.values()].every((s) => s.state === 'MASTER')).toBe(true);
    const adverts = a.io.filter((l) => l === 'advert prio 150').length;
    const w0 = wakes;
    const n0 = adverts;
    await advance(10_000);
    const sent = a.io.filter((l) => l === 'advert prio 150').length - n0;
    expect(sent).toBeGreaterThanOrEqual(45); // five instances, one advert a second each
    expect(wakes - w0).toBeLessThanOrEqual(11); // one wake-up a second sends all five adverts (not one each)
    await a.engine.stop();
  });
});

