/**
 * The control socket: a root-only unix stream socket speaking one JSON request per line and one
 * JSON reply per line. `halo status` is its first client; reload and stop may follow.
 *
 * Root-only by construction: the socket's directory is created 0700 and the socket itself is
 * chmod'ed 0600 before the first connection can be accepted (listen happens on a umask'ed path).
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, Server, Socket } from 'node:net';
import { dirname } from 'node:path';

export type ControlRequest = { cmd: string; [k: string]: unknown };
export type ControlHandler = (req: ControlRequest) => unknown | Promise<unknown>;

export interface ControlServer {
  close(): Promise<void>;
}

function prepareSocketPath(path: string): void {
  const dir = dirname(path);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  else chmodSync(dir, 0o700);
  if (existsSync(path) && lstatSync(path).isSocket()) unlinkSync(path); // stale from a crash
}

export async function startControlServer(path: string, handler: ControlHandler): Promise<ControlServer> {
  prepareSocketPath(path);
  const server: Server = createServer((conn: Socket) => {
    let buf = '';
    conn.setEncoding('utf8');
    conn.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.length > 1 << 20) conn.destroy(); // a request is a few bytes; refuse floods
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        void answer(line).then((reply) => conn.write(`${JSON.stringify(reply, bigintReplacer)}\n`));
      }
    });
    conn.on('error', () => conn.destroy());
  });
  async function answer(line: string): Promise<unknown> {
    let req: ControlRequest;
    try {
      req = JSON.parse(line) as ControlRequest;
      if (typeof req?.cmd !== 'string') throw new Error('missing "cmd"');
    } catch (err) {
      return { ok: false, error: `bad request: ${(err as Error).message}` };
    }
    try {
      return { ok: true, result: await handler(req) };
    } catch (err) {
      return { ok: false, error: (err as Error).message };
    }
  }
  const oldUmask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
  } finally {
    process.umask(oldUmask);
  }
  chmodSync(path, 0o600);
  server.unref();
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        try {
          unlinkSync(path);
        } catch {
          /* already gone */
        }
      }),
  };
}

function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

export type ControlCallResult =
  | { ok: true; result: unknown }
  | { ok: false; error: string; noDaemon?: boolean };

/** One request, one reply; `noDaemon` when nothing listens on the path. */
export function controlCall(path: string, req: ControlRequest, timeoutMs = 3000): Promise<ControlCallResult> {
  return new Promise((resolve) => {
    const conn = createConnection(path);
    let buf = '';
    const timer = setTimeout(() => {
      conn.destroy();
      resolve({ ok: false, error: `no reply from ${path} within ${timeoutMs} ms` });
    }, timeoutMs);
    conn.setEncoding('utf8');
    conn.on('connect', () => conn.write(`${JSON.stringify(req)}\n`));
    conn.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      conn.end();
      try {
        resolve(JSON.parse(buf.slice(0, nl)) as ControlCallResult);
      } catch {
        resolve({ ok: false, error: `unreadable reply from ${path}` });
      }
    });
    conn.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const noDaemon = err.code === 'ENOENT' || err.code === 'ECONNREFUSED';
      resolve({ ok: false, error: noDaemon ? `no halo daemon is running (nothing listens on ${path})` : err.message, noDaemon });
    });
  });
}
