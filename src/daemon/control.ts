/**
 * The control socket: a root-only unix stream socket speaking one JSON request per line and one
 * JSON reply per line. `halo status` is its first client; reload and stop may follow.
 *
 * Root-only by construction: the socket itself is created 0600 (listen happens under umask 0177)
 * and, when halo creates the socket's directory, that directory is 0700. A directory that
 * already exists is never changed (`--control-socket /tmp/halo.sock` must not make /tmp 0700
 * for everyone); it is refused when someone else owns it, or when group or others may write to
 * it without the sticky bit (they could swap the socket under us). Whatever is at the path is
 * never removed blindly: a socket another live daemon is listening on is refused (we connect to
 * it first), a stale socket from a crash is replaced, anything else is refused. On close the
 * socket is removed only if it is still ours.
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, Server, Socket } from 'node:net';
import { dirname } from 'node:path';

export type ControlRequest = { cmd: string; [k: string]: unknown };
export type ControlHandler = (req: ControlRequest) => unknown | Promise<unknown>;

export interface ControlServer {
  close(): Promise<void>;
}

/** Why the control socket may not live in `dir`, or null when it may. */
export function unsafeSocketDir(dir: string, st: { uid: number; mode: number; isDirectory(): boolean }, uid = process.getuid?.() ?? 0): string | null {
  if (!st.isDirectory()) return `${dir} is not a directory`;
  if (st.uid !== uid && st.uid !== 0) return `${dir} is owned by uid ${st.uid}`;
  if ((st.mode & 0o022) !== 0 && (st.mode & 0o1000) === 0) return `${dir} is writable by group or others and not sticky`;
  return null;
}

/** Whether something accepts connections on the unix socket at `path` (a live daemon). */
function probeSocket(path: string, timeoutMs = 1000): Promise<'live' | 'stale' | { error: string }> {
  return new Promise((resolve) => {
    const conn = createConnection(path);
    const timer = setTimeout(() => {
      conn.destroy();
      resolve('live'); // accepted but silent still means someone holds it
    }, timeoutMs);
    conn.once('connect', () => {
      clearTimeout(timer);
      conn.destroy();
      resolve('live');
    });
    conn.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(err.code === 'ECONNREFUSED' || err.code === 'ENOENT' ? 'stale' : { error: `${err.code ?? 'error'} connecting to ${path}` });
    });
  });
}

/** Makes `path` ready for listen(), or throws saying why it cannot be used. */
async function prepareSocketPath(path: string): Promise<void> {
  const dir = dirname(path);
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700); // ours: the umask must not widen it
  } else {
    const why = unsafeSocketDir(dir, statSync(dir));
    if (why) throw new Error(`refusing control socket ${path}: ${why}`);
  }
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return; // nothing there
  }
  if (!st.isSocket()) throw new Error(`refusing control socket ${path}: it exists and is not a socket`);
  const probe = await probeSocket(path);
  if (probe === 'live') throw new Error(`refusing control socket ${path}: another daemon is listening on it`);
  if (probe !== 'stale') throw new Error(`refusing control socket ${path}: ${probe.error}`);
  unlinkSync(path); // stale, from a crash
}

export async function startControlServer(path: string, handler: ControlHandler): Promise<ControlServer> {
  await prepareSocketPath(path);
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
  // Listen on a private name and rename it into place: the final path is never absent or
  // half-made, and Node's own unlink of the listening path at close hits only the private name.
  const tmp = `${path}.${process.pid}.new`;
  try {
    if (lstatSync(tmp).isSocket()) unlinkSync(tmp); // our pid's leftover from an earlier crash
  } catch {
    /* none */
  }
  const oldUmask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(tmp, () => resolve());
    });
  } finally {
    process.umask(oldUmask);
  }
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
  const ours = lstatSync(path);
  server.unref();
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        try {
          const now = lstatSync(path);
          if (now.ino === ours.ino && now.dev === ours.dev) unlinkSync(path); // never someone else's
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
