/**
 * A `local` route for a VIP in the kernel's local table (RTM_NEWROUTE / RTM_DELROUTE), with
 * halo's own metric: the host keeps accepting the VIP's packets (IPVS sees them) after the VIP's
 * address has left lo. The routing daemon does not see the local table, so the announcement
 * (the address) and the acceptance (this route) come apart during a drain: the route is
 * withdrawn while flows the router still sends here are served.
 *
 * Idempotent like the address manager: EEXIST on add and ESRCH on delete are "already so".
 */
import * as ipaddr from 'ipaddr.js';
import { FlagsNew } from 'netlink/dist/constants';
import * as rt from 'netlink/dist/rt/structs';
import { NetResult, fail, netError, ok } from './errors';
import { createRtnl } from './rtnl-channel';
import { serial } from './serial';

export interface LocalRouteSpec {
  address: string;
  family: 4 | 6;
  prefixLen: number;
  dev: string;
}

export interface LocalRoutes {
  add(r: LocalRouteSpec): Promise<NetResult<boolean>>;
  remove(r: LocalRouteSpec): Promise<NetResult<boolean>>;
  close(): void;
}

/** halo's metric: distinct from the kernel's own local route of an address (metric 0). */
export const HALO_LOCAL_METRIC = 77;
const RT_TABLE_LOCAL = 255;
const timeout = { timeout: 5000 };

export function createLocalRoutes(): LocalRoutes {
  // halo's request channel (src/net/rtnl-channel.ts): replies matched by sequence number, a
  // timeout judged on running time after the socket was read; each request reports its own failure
  const rtnl = createRtnl();
  const sock = rtnl.sock;
  const one = serial();

  async function message(r: LocalRouteSpec, operation: string): Promise<NetResult<[rt.Route, rt.RouteAttrs]>> {
    if (!ipaddr.isValid(r.address)) return fail('EINVAL', `${operation}: ${r.address} is not an IP address`);
    try {
      const link = (await one(() => sock.getLinks(undefined, undefined, timeout))).find((l) => l.attrs.ifname === r.dev);
      if (link?.data.index === undefined) return fail('ENODEV', operation);
      const data: rt.Route = { family: r.family === 4 ? 2 : 10, dstLen: r.prefixLen, table: RT_TABLE_LOCAL, protocol: 'STATIC', scope: 'HOST', type: 'LOCAL' };
      const attrs: rt.RouteAttrs = { dst: Buffer.from(ipaddr.parse(r.address).toByteArray()), oif: link.data.index, priority: HALO_LOCAL_METRIC, table: RT_TABLE_LOCAL };
      return ok([data, attrs]);
    } catch (err) {
      return { ok: false, error: netError(err, operation) };
    }
  }

  return {
    async add(r) {
      const operation = `adding local route ${r.address}/${r.prefixLen} dev ${r.dev}`;
      const m = await message(r, operation);
      if (!m.ok) return m;
      try {
        await one(() => sock.newRoute(m.value[0], m.value[1], { ...timeout, flags: FlagsNew.CREATE | FlagsNew.EXCL }));
        return ok(true);
      } catch (err) {
        const error = netError(err, operation);
        return error.code === 'EEXIST' ? ok(false) : { ok: false, error };
      }
    },
    async remove(r) {
      const operation = `removing local route ${r.address}/${r.prefixLen} dev ${r.dev}`;
      const m = await message(r, operation);
      if (!m.ok) return m;
      try {
        await one(() => sock.delRoute(m.value[0], m.value[1], timeout));
        return ok(true);
      } catch (err) {
        const error = netError(err, operation);
        return error.code === 'ESRCH' ? ok(false) : { ok: false, error };
      }
    },
    close() {
      rtnl.close();
    },
  };
}
