/**
 * The connection-sync drill's client: F long-lived HTTP downloads through the VIP (the lab web
 * servers' slow /stream, web-server.ts), each one TCP connection held open until SIGTERM, with
 * what each received over time. It only records; flows.ts judges.
 *
 * TCP keepalive is on (idle 1 s; the drill sets the client namespace's keepalive interval):
 * while a download is stalled the client keeps sending probes, so a director that takes the
 * VIP over without the connection answers one with a reset, and a broken flow ends instead of
 * waiting for data that never comes.
 *
 * Output: JSON lines in --out FILE, written every 250 ms (a file, not a pipe):
 *   {"k":"open","f":0,"t":1795356000100.2,"port":40312}     connected, from this local port
 *   {"k":"bytes","f":0,"t":1795356000350.0,"n":20480}       bytes received so far (when it grew)
 *   {"k":"end","f":0,"t":...,"n":20480,"err":"ECONNRESET"}  closed: an error code, "eof" when the
 *                                                           server closed, "stopped" at SIGTERM
 *
 * Run inside the client namespace:
 *   node dist/lab/stream-client.js --target 192.168.1.202:80 --path /stream --flows 4 --out /run/x.jsonl
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { connect, Socket } from 'node:net';
import { epochNow } from './client-lag';

export type FlowRecord =
  | { k: 'open'; f: number; t: number; port: number }
  | { k: 'bytes'; f: number; t: number; n: number }
  | { k: 'end'; f: number; t: number; n: number; err: string };

const KEEPALIVE_IDLE_MS = 1000;

interface Flow {
  socket: Socket;
  n: number;
  reported: number;
  ended: boolean;
  header: string;
}

function args(argv: string[]): { host: string; port: number; path: string; flows: number; out: string; firstPort: number | null } {
  const get = (k: string) => {
    const i = argv.indexOf(k);
    if (i < 0 || !argv[i + 1]) throw new Error(`stream-client: missing ${k}`);
    return argv[i + 1];
  };
  const target = get('--target');
  const m = /^(.+):(\d+)$/.exec(target);
  if (!m) throw new Error(`stream-client: --target HOST:PORT, not '${target}'`);
  const i = argv.indexOf('--first-port');
  const firstPort = i < 0 ? null : Number(argv[i + 1]);
  if (firstPort !== null && !(Number.isInteger(firstPort) && firstPort > 0 && firstPort < 65536)) throw new Error(`stream-client: --first-port PORT, not '${argv[i + 1]}'`);
  return { host: m[1], port: Number(m[2]), path: get('--path'), flows: Number(get('--flows')), out: get('--out'), firstPort };
}

function main(): void {
  const a = args(process.argv.slice(2));
  const fd = openSync(a.out, 'w');
  let pending: FlowRecord[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    writeSync(fd, pending.map((r) => JSON.stringify(r)).join('\n') + '\n');
    pending = [];
  };
  const flows: Flow[] = [];
  const end = (f: number, err: string) => {
    const flow = flows[f];
    if (flow.ended) return;
    flow.ended = true;
    pending.push({ k: 'end', f, t: epochNow(), n: flow.n, err });
  };
  for (let f = 0; f < a.flows; f++) {
    // --first-port: flow f from local port FIRST+f (the drill picks ports no earlier connection
    // of the lab used, so no old IPVS entry on a director can carry the flow: conn-sync.ts)
    const socket = connect({ host: a.host, port: a.port, ...(a.firstPort === null ? {} : { localPort: a.firstPort + f }) });
    const flow: Flow = { socket, n: 0, reported: 0, ended: false, header: '' };
    flows.push(flow);
    socket.on('connect', () => {
      socket.setKeepAlive(true, KEEPALIVE_IDLE_MS);
      pending.push({ k: 'open', f, t: epochNow(), port: socket.localPort ?? 0 });
      socket.write(`GET ${a.path} HTTP/1.1\r\nHost: ${a.host}\r\nUser-Agent: halo-lab-stream\r\n\r\n`);
    });
    socket.on('data', (chunk: Buffer) => {
      if (flow.n === 0 && flow.header.length < 64) {
        flow.header += chunk.subarray(0, 64).toString('latin1');
        if (flow.header.includes('\r\n') && !/^HTTP\/1\.1 200 /.test(flow.header)) {
          end(f, `http ${flow.header.split('\r\n')[0]}`);
          socket.destroy();
          return;
        }
      }
      flow.n += chunk.length;
    });
    socket.on('error', (e: NodeJS.ErrnoException) => end(f, e.code ?? e.message));
    socket.on('close', () => end(f, 'eof'));
  }
  const tick = setInterval(() => {
    const t = epochNow();
    flows.forEach((flow, f) => {
      if (!flow.ended && flow.n !== flow.reported) {
        flow.reported = flow.n;
        pending.push({ k: 'bytes', f, t, n: flow.n });
      }
    });
    flush();
  }, 250);
  process.once('SIGTERM', () => {
    clearInterval(tick);
    flows.forEach((flow, f) => {
      if (!flow.ended && flow.n !== flow.reported) pending.push({ k: 'bytes', f, t: epochNow(), n: flow.n });
      end(f, 'stopped');
      flow.socket.destroy();
    });
    flush();
    closeSync(fd);
    process.exit(0);
  });
}

if (require.main === module) main();
