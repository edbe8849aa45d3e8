/**
 * Route and rule notifications (RTNLGRP_IPV4_ROUTE, _IPV6_ROUTE, _IPV4_RULE, _IPV6_RULE), for
 * keepalived's tracking of its routes and rules: a tracked virtual route deleted under a MASTER
 * sends the instance to BACKUP (and quickly back), a tracked static one is put back. Opened only
 * when a config has a tracked route or rule (keepalived's monitor_ipv4_routes & co.).
 *
 * On halo_native's NetlinkEvents socket, as the link monitor (see links.ts for why not the
 * netlink package's). Lost notifications (ENOBUFS) are reported: a deletion then goes unseen
 * until the next state change, as in keepalived.
 */
import { parseMessages } from 'netlink/dist/structs';
import { NetError, NetResult, errnoName, netError, ok } from './errors';
import { HaloNative, haloNative } from './native';
import { decodeRouteNotice, decodeRuleNotice, type RouteNotice, type RuleNotice } from './route-codec';

// RTMGRP_* bits for bind(): 1 << (RTNLGRP_x - 1)
const RTMGRP_IPV4_ROUTE = 0x40;
const RTMGRP_IPV4_RULE = 0x80;
const RTMGRP_IPV6_ROUTE = 0x400;
const RTMGRP_IPV6_RULE = 1 << 18;

export interface RouteWatch {
  close(): void;
}

export function createRouteWatch(
  onNotice: (n: RouteNotice | RuleNotice) => void,
  onError: (e: NetError) => void,
  native: () => HaloNative = haloNative,
  recvBufferSize = 1024 * 1024,
): NetResult<RouteWatch> {
  const onData = (datagram: Buffer | null, error?: Error): void => {
    if (!datagram) {
      onError(errnoName(error) === 'ENOBUFS' ? new NetError('ENOBUFS', 'receiving route and rule events (notifications lost)') : netError(error, 'receiving route and rule events'));
      return;
    }
    try {
      for (const m of parseMessages(datagram)) {
        const n = decodeRouteNotice(m.type, m.data) ?? decodeRuleNotice(m.type, m.data);
        if (n) onNotice(n);
      }
    } catch (err) {
      onError(netError(err, 'decoding a route or rule event'));
    }
  };
  try {
    const events = new (native().NetlinkEvents)(RTMGRP_IPV4_ROUTE | RTMGRP_IPV4_RULE | RTMGRP_IPV6_ROUTE | RTMGRP_IPV6_RULE, recvBufferSize, onData);
    return ok({ close: () => events.close() });
  } catch (err) {
    return { ok: false, error: netError(err, 'subscribing to route and rule events') };
  }
}
