/**
 * enable_dbus: keepalived 2.2.7's D-Bus interface (vrrp_dbus.c) on the system bus. Loaded by the
 * worker only when a config enables it. As keepalived: the objects are registered and
 * VrrpStarted and each instance's state are signalled once the bus is connected, before the
 * name is requested; a bus that is missing or refuses the name is logged and halo carries on.
 */
import { readFileSync } from 'node:fs';
import { BusConnection, DbusError, systemBusAddress } from './bus';
import type { DbusValue, Message } from './wire';
import {
  DBUS_SERVICE_NAME, INSTANCE_INTERFACE, INTERFACES, instanceObjectPath, introspect, objectRoot, STATE_CODE, stateString, VRRP_INTERFACE, vrrpObjectPath, type StateName,
} from './objects';

export interface DbusInstance {
  name: string;
  /** The configured interface (keepalived's VRRP_CONFIGURED_IFP). */
  interface: string;
  vrid: number;
  family: 4 | 6;
  state: StateName;
}

export interface VrrpDbusConfig {
  serviceName: string | null;
  netNamespace: string | null;
  instanceName: string | null;
  /** The bus address (DBUS_SYSTEM_BUS_ADDRESS or the system bus socket). */
  address?: string;
}

export interface VrrpDbusDeps {
  log: { info(message: string): void };
  /** The running VRRP instances, in config order. */
  instances(): DbusInstance[];
  sendGarp(name: string): boolean;
  reloadConfig(): void;
  /**
   * PrintData / PrintStats: write halo's status to the file keepalived writes its dump ('data':
   * keepalived.data) or its statistics ('stats': keepalived.stats) to (src/daemon/dump-files.ts).
   */
  print(what: 'data' | 'stats'): void;
}

const ERR_UNKNOWN_METHOD = 'org.freedesktop.DBus.Error.UnknownMethod';
const ERR_UNKNOWN_OBJECT = 'org.freedesktop.DBus.Error.UnknownObject';
const ERR_INVALID_ARGS = 'org.freedesktop.DBus.Error.InvalidArgs';
const ERR_NOT_SUPPORTED = 'org.freedesktop.DBus.Error.NotSupported';

const STOP_WAIT_MS = 1000;

function within(ms: number, p: Promise<unknown>): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise((resolve) => { timer = setTimeout(resolve, ms); })]).finally(() => clearTimeout(timer));
}

function machineId(): string {
  for (const f of ['/var/lib/dbus/machine-id', '/etc/machine-id']) {
    try {
      return readFileSync(f, 'utf8').trim();
    } catch {
      // the next one
    }
  }
  return '';
}

export class VrrpDbus {
  private bus: BusConnection | null = null;
  /** Registered objects: path → interface; instance paths also by instance name. */
  private readonly objects = new Map<string, string>();
  private readonly byName = new Map<string, string>();
  /** State changes of instances a reload is adding, sent once their objects exist. */
  private pending: Array<[string, StateName]> = [];
  private stopping = false;
  private readonly serviceName: string;
  private readonly root: string;
  readonly connected: Promise<void>;

  constructor(cfg: VrrpDbusConfig, private readonly deps: VrrpDbusDeps) {
    this.serviceName = cfg.serviceName ?? DBUS_SERVICE_NAME;
    this.root = objectRoot(cfg.netNamespace, cfg.instanceName);
    this.connected = this.connect(cfg.address ?? systemBusAddress());
  }

  private lost(): void {
    this.deps.log.info(`Lost the name ${this.serviceName} on the session bus`);
    this.objects.clear();
    this.byName.clear();
  }

  private async connect(address: string): Promise<void> {
    let bus: BusConnection;
    try {
      bus = await BusConnection.connect(address);
    } catch {
      this.lost();
      return;
    }
    if (this.stopping) {
      await bus.close();
      return;
    }
    this.bus = bus;
    bus.onMethodCall = (m) => this.handle(m);
    bus.onClose = () => {
      if (this.bus !== bus) return;
      this.bus = null;
      if (!this.stopping) this.lost();
    };
    // on_bus_acquired
    this.deps.log.info(`Acquired DBus bus ${this.serviceName}`);
    this.objects.set(vrrpObjectPath(this.root), VRRP_INTERFACE);
    const instances = this.deps.instances();
    if (instances.length > 0) {
      for (const i of instances) this.register(i);
      bus.emitSignal(vrrpObjectPath(this.root), VRRP_INTERFACE, 'VrrpStarted');
      for (const i of instances) this.stateChange(i.name, i.state);
    }
    let reply = 0;
    try {
      reply = await bus.requestName(this.serviceName);
    } catch {
      // AccessDenied by the bus policy
    }
    if (reply === 1) this.deps.log.info(`Acquired the name ${this.serviceName} on the session bus`);
    else {
      this.bus = null;
      this.lost();
      await bus.close();
    }
  }

  private register(i: DbusInstance): void {
    const path = instanceObjectPath(this.root, i.interface, i.vrid, i.family);
    this.objects.set(path, INSTANCE_INTERFACE);
    this.byName.set(i.name, path);
  }

  /**
   * VrrpStatusChange of an instance (keepalived's dbus_send_state_signal), once the bus is there.
   * An instance a reload adds changes state before its object exists (halo starts it while
   * applying the reload): its signals wait for reloaded(), after VrrpReloaded, as keepalived's
   * new instances only start once the reload is done.
   */
  stateChange(name: string, state: StateName): void {
    const i = this.deps.instances().find((x) => x.name === name);
    if (!this.bus || !i) return;
    if (!this.byName.has(name)) {
      this.pending.push([name, state]);
      return;
    }
    this.bus.emitSignal(instanceObjectPath(this.root, i.interface, i.vrid, i.family), INSTANCE_INTERFACE, 'VrrpStatusChange', 'u', [STATE_CODE[state]]);
  }

  /**
   * After a reload (clear_diff_vrrp, then dbus_reload): objects of instances gone are deleted,
   * new ones registered, and VrrpReloaded sent.
   */
  reloaded(): void {
    if (!this.bus) return;
    const now = this.deps.instances();
    const paths = new Set(now.map((i) => instanceObjectPath(this.root, i.interface, i.vrid, i.family)));
    for (const [name, path] of [...this.byName]) {
      if (paths.has(path)) continue;
      this.byName.delete(name);
      this.objects.delete(path);
      this.deps.log.info(`Deleted DBus object for instance ${name}`);
    }
    for (const [name, path] of [...this.byName]) if (!now.some((i) => i.name === name)) this.byName.delete(name);
    for (const i of now) this.register(i);
    this.bus.emitSignal(vrrpObjectPath(this.root), VRRP_INTERFACE, 'VrrpReloaded');
    const pending = this.pending;
    this.pending = [];
    for (const [name, state] of pending) this.stateChange(name, state);
  }

  /** dbus_stop: VrrpStopped, the name released, the connection closed; "Released DBus". */
  async stop(): Promise<void> {
    this.stopping = true;
    // a bus that does not answer holds the stop up no longer than keepalived's 1 s wait for its
    // D-Bus thread; a connection made after that is closed at once (connect())
    await within(STOP_WAIT_MS, this.connected);
    const bus = this.bus;
    this.bus = null;
    if (bus) {
      this.objects.clear();
      bus.emitSignal(vrrpObjectPath(this.root), VRRP_INTERFACE, 'VrrpStopped');
      await within(STOP_WAIT_MS, bus.releaseName(this.serviceName).catch(() => undefined));
      await within(STOP_WAIT_MS, bus.close());
    }
    this.deps.log.info('Released DBus');
  }

  private instanceAt(path: string): DbusInstance | undefined {
    return this.deps.instances().find((i) => instanceObjectPath(this.root, i.interface, i.vrid, i.family) === path);
  }

  private notFound(path: string): DbusError {
    // get_interface_ids: the last three components, as written in the path
    const [ifname, vrid, family] = path.split('/').slice(-3);
    return new DbusError(ERR_INVALID_ARGS, `Instance '${ifname}/${Number.parseInt(vrid, 10) & 0xff}/${family === 'IPv4' || family === 'IPv6' ? family : 'None'}' not found`);
  }

  private property(path: string, name: string): DbusValue | DbusError {
    const i = this.instanceAt(path);
    if (!i) return this.notFound(path);
    // keepalived answers both as structs: Name's variant is "(s)", not the "s" it declares
    if (name === 'Name') return { signature: '(s)', value: [i.name] };
    return { signature: '(us)', value: [STATE_CODE[i.state], stateString(STATE_CODE[i.state])] };
  }

  private handle(m: Message): { signature?: string; body?: DbusValue[] } | DbusError {
    const path = m.path ?? '/';
    const iface = m.interface ?? '';
    const member = m.member ?? '';
    const sig = m.signature ?? '';
    const wrongArgs = (want: string) => new DbusError(ERR_INVALID_ARGS, `Type of message, “(${sig})”, does not match expected type “(${want})”`);
    if (iface === 'org.freedesktop.DBus.Peer') {
      if (member === 'Ping') return {};
      if (member === 'GetMachineId') return { signature: 's', body: [machineId()] };
    }
    if (iface === 'org.freedesktop.DBus.Introspectable' && member === 'Introspect') {
      return { signature: 's', body: [introspect(path, this.objects)] };
    }
    const objectIface = this.objects.get(path);
    if (objectIface === undefined) return new DbusError(ERR_UNKNOWN_OBJECT, `Object does not exist at path “${path}”`);
    if (iface === 'org.freedesktop.DBus.Properties') {
      const known = INTERFACES[objectIface].properties;
      const [ifaceArg, prop] = m.body as string[];
      if (member === 'Get' || member === 'Set') {
        if (member === 'Get' && sig !== 'ss') return wrongArgs('ss');
        if (member === 'Set' && sig !== 'ssv') return wrongArgs('ssv');
        if (ifaceArg !== objectIface) return new DbusError(ERR_INVALID_ARGS, `No such interface “${ifaceArg}”`);
        if (!(prop in known)) return new DbusError(ERR_INVALID_ARGS, `No such property “${prop}”`);
        if (member === 'Set') return new DbusError(ERR_INVALID_ARGS, `Property “${prop}” is not writable`);
        const v = this.property(path, prop);
        return v instanceof DbusError ? v : { signature: 'v', body: [v] };
      }
      if (member === 'GetAll') {
        if (sig !== 's') return wrongArgs('s');
        if (ifaceArg !== objectIface) return new DbusError(ERR_INVALID_ARGS, `No such interface “${ifaceArg}”`);
        const all: DbusValue[] = [];
        for (const p of Object.keys(known)) {
          const v = this.property(path, p);
          if (!(v instanceof DbusError)) all.push([p, v]);
        }
        return { signature: 'a{sv}', body: [all] };
      }
      return new DbusError(ERR_UNKNOWN_METHOD, `No such method “${member}”`);
    }
    if (iface !== objectIface) return new DbusError(ERR_UNKNOWN_METHOD, `No such interface “${iface}” on object at path ${path}`);
    if (!INTERFACES[iface].methods.includes(member)) return new DbusError(ERR_UNKNOWN_METHOD, `No such method “${member}”`);
    if (sig !== '') return wrongArgs('');
    return this.method(path, member);
  }

  private method(path: string, member: string): { signature?: string; body?: DbusValue[] } | DbusError {
    const log = this.deps.log;
    switch (member) {
      case 'PrintData':
        log.info('Printing VRRP data on DBus request');
        this.deps.print('data');
        return {};
      case 'PrintStats':
        log.info('Printing VRRP stats on DBus request');
        this.deps.print('stats');
        return {};
      case 'PrintStatsClear':
        // the counters are also the metrics' counters, which must never go back
        log.info('Refusing to clear VRRP stats on DBus request: halo never clears its counters');
        return new DbusError(ERR_NOT_SUPPORTED, "halo's VRRP counters are never cleared (they feed its metrics); PrintStats writes them");
      case 'ReloadConfig':
        // keepalived replies, then signals its parent (SIGHUP): the whole daemon reloads
        setImmediate(() => this.deps.reloadConfig());
        return {};
      case 'SendGarp': {
        const i = this.instanceAt(path);
        if (!i) return this.notFound(path);
        log.info(`Sending garps on ${i.name} on DBus request`);
        this.deps.sendGarp(i.name);
        return {};
      }
      default:
        return new DbusError(ERR_UNKNOWN_METHOD, `No such method “${member}”`);
    }
  }
}
