/**
 * A test agent: runs inside one network namespace and exposes src/net over JSON lines on
 * stdin/stdout, so a netns test in the host namespace can drive the real modules against the
 * namespace's kernel state. Requests: {"id":1,"method":"addr.add","args":[...]}; replies:
 * {"id":1,"result":...} or {"id":1,"error":{"message","code"}}; events: {"event":"packet",...}.
 * Buffers travel as hex. Exits when stdin closes or on "exit".
 */
import * as readline from 'readline';
import { createAddressManager, VipSpec } from '../../../src/net/addresses';
import { createGarpSender, GarpAnnouncement } from '../../../src/net/garp';
import { createLinkMonitor, createLinkQuery, LinkMonitor, LinkMonitorOptions } from '../../../src/net/links';
import { openVrrpSocket, VrrpSocketOptions, VrrpTransport } from '../../../src/net/vrrp-socket';
import { createRouteManager } from '../../../src/net/routes';
import { createRouteWatch } from '../../../src/net/route-watch';
import type { IpRoute, IpRule } from '../../../src/config/routes-model';

// Errors (NetError values inside results) keep their message, which JSON would drop.
const replacer = (_key: string, v: unknown) =>
  v instanceof Error ? { message: v.message, code: (v as { code?: string }).code, operation: (v as { operation?: string }).operation } : v;
const out = (msg: object) => process.stdout.write(`${JSON.stringify(msg, replacer)}\n`);
const addresses = createAddressManager();
const routes = createRouteManager();
let routeWatch: { close(): void } | null = null;
const query = createLinkQuery();
const garp = createGarpSender(query);
const sockets = new Map<number, VrrpTransport>();
let nextSocket = 1;
let monitor: LinkMonitor | null = null;

type Handler = (...args: any[]) => unknown;
const methods: Record<string, Handler> = {
  'addr.add': (vip: VipSpec) => addresses.add(vip),
  'addr.remove': (vip: VipSpec) => addresses.remove(vip),
  'addr.list': (dev: string) => addresses.list(dev),
  'addr.primary': (dev: string, exclude?: string[]) => addresses.primaryIPv4(dev, exclude),
  'addr.removeResidual': (vips: VipSpec[]) => addresses.removeResidual(vips),
  'link.query': (name: string) => query.query(name),
  'route.route': (op: 'add' | 'delete', r: IpRoute) => routes.route(op, r),
  'route.rule': (op: 'add' | 'delete', r: IpRule) => routes.rule(op, r),
  'route.watch': () => {
    const w = createRouteWatch((n) => out({ event: 'routeNotice', ...n }), (e) => out({ event: 'routeWatchError', message: e.message }));
    if (w.ok) routeWatch = w.value;
    return w.ok ? { ok: true } : w;
  },
  'garp.announce': (a: GarpAnnouncement) => garp.announce(a),
  'vrrp.open': (opts: VrrpSocketOptions) => {
    const id = nextSocket++;
    const s = openVrrpSocket(opts);
    s.onPacket((packet, source) => out({ event: 'packet', socket: id, hex: packet.toString('hex'), source }));
    s.onError((e) => out({ event: 'socketError', socket: id, message: e.message }));
    sockets.set(id, s);
    return id;
  },
  'vrrp.send': async (id: number, hex: string, dst: string) => {
    await sockets.get(id)!.send(Buffer.from(hex, 'hex'), dst);
    return true;
  },
  'vrrp.close': (id: number) => {
    sockets.get(id)!.close();
    sockets.delete(id);
    return true;
  },
  'monitor.start': async (opts?: LinkMonitorOptions) => {
    const m = await createLinkMonitor(opts);
    if (!m.ok) return m;
    monitor = m.value;
    monitor.onLink((e) => out({ event: 'link', ...e }));
    monitor.onAddress((e) => out({ event: 'address', ...e }));
    monitor.onError((e) => out({ event: 'monitorError', message: e.message, code: e.code }));
    return { ok: true };
  },
  'monitor.query': (name: string) => monitor!.query(name),
  /**
   * Start an address request, then block this process's event loop for `ms` while it is
   * outstanding (the reply waits in the socket): the request's result, as the caller sees it.
   */
  'addr.blocked': async (op: 'add' | 'remove' | 'list', arg: VipSpec | string, ms: number) => {
    const started = op === 'list' ? addresses.list(arg as string) : addresses[op](arg as VipSpec);
    // the request goes out in a microtask; its reply is then in the socket, unread, when the
    // check phase blocks (the poll phase that could read it comes after the next timers phase)
    await new Promise((resolve) => setImmediate(resolve));
    const until = Date.now() + ms;
    while (Date.now() < until);
    return started;
  },
  /** Block this process's event loop, so kernel notifications pile up unread. */
  busy: (ms: number) => {
    const until = Date.now() + ms;
    while (Date.now() < until);
    return true;
  },
};

function shutdown() {
  for (const s of sockets.values()) s.close();
  monitor?.close();
  garp.close();
  addresses.close();
  routes.close();
  routeWatch?.close();
  query.close();
  rl.close();
}

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', async (line) => {
  const { id, method, args } = JSON.parse(line) as { id: number; method: string; args: unknown[] };
  if (method === 'exit') {
    out({ id, result: true });
    shutdown();
    return;
  }
  try {
    const handler = methods[method];
    if (!handler) throw new Error(`no such method ${method}`);
    out({ id, result: await handler(...args) });
  } catch (err) {
    const e = err as { message?: string; code?: string };
    out({ id, error: { message: e.message ?? String(err), code: e.code } });
  }
});
rl.on('close', shutdown);
out({ event: 'ready', pid: process.pid });
