/**
 * `halo reload [--plan] [-f FILE] [--json] [--control-socket PATH]`: asks the running daemon.
 *
 *   --plan -f FILE   what a SIGHUP with FILE as the config would do — VRRP instances started,
 *                    stopped or updated (VIPs added/removed, adverts, transitions), IPVS
 *                    operations, checkers started/stopped — computed by the daemon's own
 *                    planning code on its live state; nothing is done.
 *   (no --plan)      reload the daemon's config file (as SIGHUP) and print what was done, in the
 *                    same words; the daemon logs the same lines.
 *
 * Exit 0 done/previewed, 1 the config is invalid (every located error on stderr) or the daemon
 * refused, 2 usage, 3 no daemon running.
 */
import { resolve } from 'node:path';
import { controlCall } from '../daemon/control';
import { DEFAULT_CONTROL_SOCKET } from '../daemon/paths';
import type { ReloadOutcome } from '../daemon/director';

const USAGE = 'usage: halo reload [--plan] [-f FILE] [--json] [--control-socket PATH]\n';
/** A reload of a 100,000-line config or 10,000 services takes a while; wait for it. */
const RELOAD_TIMEOUT_MS = 120_000;

export async function main(argv: string[]): Promise<number> {
  let plan = false;
  let json = false;
  let file: string | undefined;
  let socket = DEFAULT_CONTROL_SOCKET;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--plan') plan = true;
    else if (a === '--json') json = true;
    else if ((a === '-f' || a === '--use-file') && argv[i + 1]) file = resolve(argv[++i]);
    else if ((a === '--control-socket' || a === '-S') && argv[i + 1]) socket = argv[++i];
    else if (a.startsWith('--control-socket=')) socket = a.slice('--control-socket='.length);
    else if (a === '-h' || a === '--help') {
      process.stdout.write(USAGE);
      return 0;
    } else {
      process.stderr.write(`halo reload: unknown option '${a}'\n${USAGE}`);
      return 2;
    }
  }
  const r = await controlCall(socket, { cmd: 'reload', plan, ...(file ? { file } : {}) }, RELOAD_TIMEOUT_MS);
  if (!r.ok) {
    process.stderr.write(`halo reload: ${r.error}\n`);
    return r.noDaemon ? 3 : 1;
  }
  const out = r.result as ReloadOutcome;
  if (json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  if (!out.ok) {
    for (const e of out.errors) process.stderr.write(`${e}\n`);
    process.stderr.write(`halo reload: ${plan ? 'the configuration is invalid; nothing would be applied' : 'the configuration is invalid; the daemon keeps the running one'}\n`);
    return 1;
  }
  if (!json) process.stdout.write(`${out.lines.join('\n')}\n`);
  return 0;
}
