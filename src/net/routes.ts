/**
 * Routes and policy rules over rtnetlink (RTM_NEWROUTE/DELROUTE, RTM_NEWRULE/DELRULE), with the
 * bodies keepalived sends (route-codec.ts). Every request has a timeout and fails as a NetError
 * naming the errno and the route (`EEXIST adding route 10.1.0.0/16 via 10.0.0.1 table 100`).
 *
 * As keepalived: adding a rule or an `add` route that is already there, or deleting one that is
 * gone (ESRCH/ENOENT), is reported by the caller only when it matters; here both are values.
 */
import { createRtNetlink, RtNetlinkSocket } from 'netlink/dist/rt/rt';
import type { IpRoute, IpRule } from '../config/routes-model';
import { NetResult, fail, netError, ok } from './errors';
import { encodeRoute, encodeRule, routeOperation, ruleOperation, type Request } from './route-codec';
import { serial } from './serial';
import { NETLINK_ROUTE, requestMessage, type UndoLog } from './undo-requests';

/** A lost reply must not hang the daemon. */
const REQUEST_TIMEOUT_MS = 5000;

export interface RouteManager {
  /** value true = the kernel changed; false = already so (delete of a route/rule that is gone). */
  route(op: 'add' | 'delete', r: IpRoute): Promise<NetResult<boolean>>;
  rule(op: 'add' | 'delete', r: IpRule): Promise<NetResult<boolean>>;
  close(): void;
}

/** Deleting what is not there: the kernel's answers for a route (ESRCH) and a rule (ENOENT). */
const GONE = new Set(['ESRCH', 'ENOENT']);

/**
 * `undo`: each route and rule put in is recorded with its delete request (the supervisor replays
 * it should the worker die), and forgotten when taken away.
 */
export function createRouteManager(timeoutMs = REQUEST_TIMEOUT_MS, undo: UndoLog | null = null): RouteManager {
  const sock: RtNetlinkSocket = createRtNetlink();
  sock.socket.on('error', () => undefined);
  const one = serial();

  async function indexes(names: string[], operation: string): Promise<NetResult<Map<string, number>>> {
    const map = new Map<string, number>();
    if (names.length === 0) return ok(map);
    try {
      const links = await one(() => sock.getLinks(undefined, undefined, { timeout: timeoutMs }));
      for (const n of names) {
        const l = links.find((x) => x.attrs.ifname === n);
        if (l?.data.index === undefined) return fail('ENODEV', `${operation}: no interface ${n}`);
        map.set(n, l.data.index);
      }
      return ok(map);
    } catch (err) {
      return { ok: false, error: netError(err, operation) };
    }
  }

  async function send(req: Request, operation: string, del: boolean): Promise<NetResult<boolean>> {
    try {
      await one(() => sock.request(req.type, req.body, { timeout: timeoutMs, flags: req.flags }));
      return ok(true);
    } catch (err) {
      const error = netError(err, operation);
      return del && GONE.has(error.code) ? ok(false) : { ok: false, error };
    }
  }

  function track(key: string, op: 'add' | 'delete', res: NetResult<boolean>, deleteRequest: () => Request): void {
    if (!undo || !res.ok) return;
    if (op === 'add') undo.record(key, { kind: 'netlink', protocol: NETLINK_ROUTE, datagram: requestMessage(deleteRequest()) });
    else undo.forget(key);
  }

  return {
    async route(op, r) {
      const operation = routeOperation(op, r);
      const names = [r.dev, ...r.nexthops.map((n) => n.dev)].filter((n): n is string => n !== null);
      const idx = await indexes(names, operation);
      if (!idx.ok) return idx;
      const indexOf = (n: string) => idx.value.get(n)!;
      const res = await send(encodeRoute(r, op, indexOf), operation, op === 'delete');
      track(`route ${r.text}`, op, res, () => encodeRoute(r, 'delete', indexOf));
      return res;
    },
    async rule(op, r) {
      const res = await send(encodeRule(r, op), ruleOperation(op, r), op === 'delete');
      track(`rule ${r.text}`, op, res, () => encodeRule(r, 'delete'));
      return res;
    },
    close: () => sock.socket.close(),
  };
}
