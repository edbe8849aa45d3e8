/**
 * `halo status [--json] [--control-socket PATH]`: the running daemon's VRRP and IPVS state.
 * Exit 0 with the status, 3 when no daemon is running (one line saying so), 1 on other errors,
 * 2 on usage errors.
 */
import { controlCall } from '../daemon/control';
import { formatStatus, StatusSnapshot } from '../daemon/status';
import { DEFAULT_CONTROL_SOCKET } from '../daemon/paths';
import { askRoutingDaemons } from './status-routing';

export async function main(argv: string[]): Promise<number> {
  let json = false;
  let socket = DEFAULT_CONTROL_SOCKET;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') json = true;
    else if ((a === '--control-socket' || a === '-S') && argv[i + 1]) socket = argv[++i];
    else if (a.startsWith('--control-socket=')) socket = a.slice('--control-socket='.length);
    else {
      process.stderr.write(`halo status: unknown option '${a}'\nusage: halo status [--json] [--control-socket PATH]\n`);
      return 2;
    }
  }
  const r = await controlCall(socket, { cmd: 'status' });
  if (!r.ok) {
    process.stderr.write(`halo status: ${r.error}\n`);
    return r.noDaemon ? 3 : 1;
  }
  const st = r.result as StatusSnapshot;
  // per announced VIP, what the local routing daemon makes of it (and whether the router was
  // sent it), and the router's own view where the block says where its daemon answers
  await askRoutingDaemons(st.announces ?? []);
  process.stdout.write(json ? `${JSON.stringify(st, null, 2)}\n` : formatStatus(st));
  return 0;
}
