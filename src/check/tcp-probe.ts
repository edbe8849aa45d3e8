/**
 * The TCP_CHECK probe: a non-blocking connect to connect_ip:connect_port (optionally from
 * bindto:bind_port), bounded by connect_timeout. Connected = success, then the socket is
 * destroyed at once (keepalived closes the fd without sending data). The timeout is a
 * Deadline: a connect that completed while the process was stalled wins over the timer, and a
 * stall longer than the timeout gives no verdict.
 */
import * as net from 'node:net';
import { armDeadline } from './deadline';
import type { ProbeOutcome } from './probe';

export type { ProbeResult } from './probe';

export interface ProbeTarget {
  connectIp: string;
  connectPort: number;
  bindto: string | null;
  bindPort: number | null;
  connectTimeoutMs: number;
}

/** Socket options for a checker's connection (bindto, bind_port). */
export function connectOptions(t: ProbeTarget): net.NetConnectOpts {
  const opts: net.NetConnectOpts = { host: t.connectIp, port: t.connectPort };
  if (t.bindto !== null) opts.localAddress = t.bindto;
  if (t.bindPort !== null) {
    opts.localPort = t.bindPort;
    if (t.bindto === null) opts.localAddress = t.connectIp.includes(':') ? '::' : '0.0.0.0';
  }
  return opts;
}

export function tcpProbe(t: ProbeTarget): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const sock = net.connect(connectOptions(t));
    const done = (r: ProbeOutcome) => {
      if (settled) return;
      settled = true;
      deadline.cancel();
      sock.destroy();
      resolve(r);
    };
    const deadline = armDeadline(t.connectTimeoutMs, (e) => {
      if (e.stalled) done({ result: 'stalled', lateMs: e.lateMs });
      else done({ result: 'timeout', reason: 'Timeout connecting' });
    });
    sock.once('connect', () => done({ result: 'success' }));
    sock.once('error', (err) => done({ result: 'failed', reason: `Error connecting (${(err as NodeJS.ErrnoException).code ?? err.message})` }));
  });
}
