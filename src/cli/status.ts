/**
 * `halo status [--json] [--control-socket PATH]`: the running daemon's VRRP and IPVS state.
 * Exit 0 with the status, 3 when no daemon is running (one line saying so), 1 on other errors,
 * 2 on usage errors.
 */
import { controlCall } from '../daemon/control';
import { formatStatus, StatusSnapshot } from '../daemon/status';
import { DEFAULT_CONTROL_SOCKET } from '../daemon/paths';
import { execFile } from 'node:child_process';
import { parseBgpPrefix, vtyshArgv } from '../announce/bgp-status';
import type { AnnounceStatus } from '../daemon/announcer';

/** `vtysh -c 'show ip bgp VIP/32 json'`, bounded at 5 s; an error is shown, not thrown. */
function askBgpd(a: AnnounceStatus): Promise<NonNullable<AnnounceStatus['bgp']>> {
  const family = a.address.includes(':') ? 6 : 4;
  return new Promise((resolve) => {
    execFile('vtysh', vtyshArgv(a.address, family, a), { timeout: 5000 }, (err, stdout, stderr) => {
      if (err) return resolve({ error: `vtysh: ${(stderr || err.message).trim().split('\n')[0]}` });
      try {
        resolve(parseBgpPrefix(stdout));
      } catch (e) {
        resolve({ error: (e as Error).message });
      }
    });
  });
}

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
  // per announced VIP, what the local bgpd makes of it (and whether the router was sent it)
  for (const a of st.announces ?? []) a.bgp = await askBgpd(a);
  process.stdout.write(json ? `${JSON.stringify(st, null, 2)}\n` : formatStatus(st));
  return 0;
}
