/**
 * The TCP_CHECK probe: a non-blocking connect to connect_ip:connect_port (optionally from
 * bindto:bind_port), bounded by connect_timeout. Connected = success, then the socket is
 * destroyed at once (keepalived closes the fd without sending data).
 */
import * as net from 'node:net';
import type { ProbeResult } from './retry';

export interface ProbeTarget {
  connectIp: string;
  connectPort: number;
  bindto: string | null;
  bindPort: number | null;
  connectTimeoutMs: number;
}

export interface Prober {
  probe(target: ProbeTarget): Promise<ProbeResult>;
}

export const tcpProber: Prober = {
  probe(t: ProbeTarget): Promise<ProbeResult> {
    return new Promise((resolve) => {
      let settled = false;
      const opts: net.NetConnectOpts = { host: t.connectIp, port: t.connectPort, timeout: t.connectTimeoutMs };
      if (t.bindto !== null) opts.localAddress = t.bindto;
      if (t.bindPort !== null) opts.localPort = t.bindPort;
      const sock = net.connect(opts);
      const done = (r: ProbeResult) => {
        if (settled) return;
        settled = true;
        sock.destroy();
        resolve(r);
      };
      sock.once('connect', () => done('success'));
      sock.once('timeout', () => done('timeout'));
      sock.once('error', () => done('failed'));
    });
  },
};
