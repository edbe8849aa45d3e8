/** A director's IPVS table as the VM tests compare it: `ipvsadm -Ln` in its namespace. */
import type { Topology } from './netns';

/** One "VIP:PORT>RS:PORT" row per IPv4 destination of the TCP virtual services, in ipvsadm's order. */
export function ipvsRows(topo: Topology, host: string): string[] {
  const out = topo.exec(host, ['ipvsadm', '-Ln'], { allowFail: true });
  const rows: string[] = [];
  let svc = '';
  for (const line of out.split('\n')) {
    const s = /^TCP\s+(\S+)/.exec(line);
    if (s) svc = s[1];
    const d = /^\s+->\s+(\d+\.\d+\.\d+\.\d+:\d+)\s/.exec(line);
    if (d && svc) rows.push(`${svc}>${d[1]}`);
  }
  return rows;
}
