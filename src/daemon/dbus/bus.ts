/**
 * A connection to a D-Bus message bus: the address as GIO finds the system bus
 * (DBUS_SYSTEM_BUS_ADDRESS, else /var/run/dbus/system_bus_socket), SASL EXTERNAL
 * authentication, Hello, method calls and replies, signals. Only what keepalived's VRRP
 * interface needs; messages are coded by ./wire.
 */
import * as net from 'node:net';
import { decodeMessage, encodeMessage, FLAG_NO_REPLY_EXPECTED, Message, MESSAGE_TYPE, messageLength, type DbusValue } from './wire';

export const SYSTEM_BUS_DEFAULT = 'unix:path=/var/run/dbus/system_bus_socket';
const BUS_NAME = 'org.freedesktop.DBus';
const BUS_PATH = '/org/freedesktop/DBus';

/** The socket path of the first unix: address in a D-Bus address list (abstract names start with NUL). */
export function socketPathOf(addresses: string): string {
  for (const address of addresses.split(';')) {
    const colon = address.indexOf(':');
    if (address.slice(0, colon) !== 'unix') continue;
    const params = new Map(address.slice(colon + 1).split(',').map((kv) => {
      const eq = kv.indexOf('=');
      return [kv.slice(0, eq), decodeURIComponent(kv.slice(eq + 1))] as [string, string];
    }));
    if (params.has('path')) return params.get('path')!;
    if (params.has('abstract')) return `\0${params.get('abstract')!}`;
  }
  throw new Error(`no unix: address in '${addresses}'`);
}

export function systemBusAddress(env: NodeJS.ProcessEnv = process.env): string {
  return env.DBUS_SYSTEM_BUS_ADDRESS || SYSTEM_BUS_DEFAULT;
}

export class DbusError extends Error {
  constructor(readonly name: string, message: string) {
    super(message);
  }
}

export type MethodCallHandler = (m: Message) => { signature?: string; body?: DbusValue[] } | DbusError;

export class BusConnection {
  private serial = 0;
  private readonly pending = new Map<number, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  private input: Buffer = Buffer.alloc(0);
  uniqueName = '';
  private closed = false;
  onMethodCall: MethodCallHandler = () => new DbusError('org.freedesktop.DBus.Error.UnknownMethod', 'no handler');
  onClose: () => void = () => undefined;

  private constructor(private readonly socket: net.Socket) {}

  /** Connects, authenticates as this process's uid and says Hello (bounded by `timeoutMs`). */
  static async connect(address: string, timeoutMs = 5000): Promise<BusConnection> {
    const path = socketPathOf(address);
    const socket = net.createConnection({ path });
    const timer = setTimeout(() => socket.destroy(new Error('timed out connecting')), timeoutMs);
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
      const uid = Buffer.from(String(process.getuid?.() ?? 0), 'ascii').toString('hex');
      socket.write(`\0AUTH EXTERNAL ${uid}\r\n`);
      const line = await readLine(socket);
      if (!line.startsWith('OK ')) throw new Error(`authentication refused (${line.trim()})`);
      socket.write('BEGIN\r\n');
      const bus = new BusConnection(socket);
      bus.listen();
      const hello = await bus.call({ destination: BUS_NAME, path: BUS_PATH, interface: BUS_NAME, member: 'Hello' });
      bus.uniqueName = String(hello.body[0]);
      return bus;
    } catch (err) {
      socket.destroy();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private listen(): void {
    this.socket.on('data', (chunk: Buffer) => {
      this.input = this.input.length ? Buffer.concat([this.input, chunk]) : chunk;
      try {
        for (let n = messageLength(this.input); n !== null && this.input.length >= n; n = messageLength(this.input)) {
          const m = decodeMessage(this.input.subarray(0, n));
          this.input = this.input.subarray(n);
          this.dispatch(m);
        }
      } catch (err) {
        this.socket.destroy(err as Error);
      }
    });
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => {
      this.closed = true;
      for (const p of this.pending.values()) p.reject(new Error('connection closed'));
      this.pending.clear();
      this.onClose();
    });
  }

  private dispatch(m: Message): void {
    if (m.type === MESSAGE_TYPE.methodReturn || m.type === MESSAGE_TYPE.error) {
      const p = m.replySerial !== undefined ? this.pending.get(m.replySerial) : undefined;
      if (!p) return;
      this.pending.delete(m.replySerial!);
      if (m.type === MESSAGE_TYPE.error) p.reject(new DbusError(m.errorName ?? '', String(m.body[0] ?? m.errorName)));
      else p.resolve(m);
      return;
    }
    if (m.type !== MESSAGE_TYPE.methodCall) return;
    let r: ReturnType<MethodCallHandler>;
    try {
      r = this.onMethodCall(m);
    } catch (err) {
      r = new DbusError('org.freedesktop.DBus.Error.Failed', (err as Error).message);
    }
    if (m.flags & FLAG_NO_REPLY_EXPECTED) return;
    if (r instanceof DbusError) {
      this.send({ type: MESSAGE_TYPE.error, flags: FLAG_NO_REPLY_EXPECTED, errorName: r.name, replySerial: m.serial, destination: m.sender, signature: 's', body: [r.message] });
    } else {
      this.send({ type: MESSAGE_TYPE.methodReturn, flags: FLAG_NO_REPLY_EXPECTED, replySerial: m.serial, destination: m.sender, signature: r.signature, body: r.body ?? [] });
    }
  }

  private send(m: Omit<Message, 'serial'>): number {
    const serial = ++this.serial;
    if (!this.closed) this.socket.write(encodeMessage({ ...m, serial }));
    return serial;
  }

  call(m: { destination: string; path: string; interface: string; member: string; signature?: string; body?: DbusValue[] }): Promise<Message> {
    if (this.closed) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => {
      const serial = this.send({ type: MESSAGE_TYPE.methodCall, flags: 0, ...m, body: m.body ?? [] });
      this.pending.set(serial, { resolve, reject });
    });
  }

  emitSignal(path: string, iface: string, member: string, signature?: string, body: DbusValue[] = []): void {
    this.send({ type: MESSAGE_TYPE.signal, flags: FLAG_NO_REPLY_EXPECTED, path, interface: iface, member, signature, body });
  }

  /** org.freedesktop.DBus.RequestName with no flags: 1 when we are now the primary owner. */
  async requestName(name: string): Promise<number> {
    const r = await this.call({ destination: BUS_NAME, path: BUS_PATH, interface: BUS_NAME, member: 'RequestName', signature: 'su', body: [name, 0] });
    return Number(r.body[0]);
  }

  async releaseName(name: string): Promise<void> {
    await this.call({ destination: BUS_NAME, path: BUS_PATH, interface: BUS_NAME, member: 'ReleaseName', signature: 's', body: [name] });
  }

  /** Resolves once what was written has gone to the socket, then closes it. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.end();
      // a bus that does not close its side within a second is cut off
      setTimeout(() => this.socket.destroy(), 1000).unref();
    });
  }
}

function readLine(socket: net.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const onData = (chunk: Buffer) => {
      got += chunk.toString('latin1');
      const nl = got.indexOf('\r\n');
      if (nl < 0) return;
      socket.off('data', onData);
      socket.off('close', onClose);
      resolve(got.slice(0, nl + 2));
    };
    const onClose = () => reject(new Error('connection closed during authentication'));
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}
