/**
 * The destinations of every service as /proc/net/ip_vs shows them (the kernel's
 * ip_vs_info_seq_show): the whole table in one text read, where generic netlink needs one
 * GET_DEST dump per service (10,000 services: 10,000 dumps, each a sendto and two datagrams).
 * The text has what `ipvsadm -L` prints for a destination (address, port, forwarding method,
 * weight, active and inactive connections) but no thresholds, persistent connections, counters
 * or rates, and it names a firewall-mark service without its family. So it serves the plain
 * listing only, and only the services it names without doubt; the caller dumps the others.
 * Pure: the caller reads the file.
 */
import { decodeAddress } from './codec';
import { IpvsDestination, IpvsForward, IpvsService, IpvsServiceKey } from './types';

/** Where the table is (per network namespace: /proc/net is the reader's own). */
export const PROC_IPVS_TABLE = '/proc/net/ip_vs';

/**
 * Above this many services the listing dumps instead. The kernel writes the text 4 KiB per
 * read, and each read finds its first service by walking the table from the start
 * (ip_vs_info_array), so reading it costs the square of the table's size: in the emulated VM
 * at 10,000 services x 4 the read was 4.2 s of a 20 s profiled listing, the 10,000 dumps it
 * replaces about 6.5 s (both busy-machine figures), so the two meet near 15,000. Measured
 * better only up to 10,000.
 */
export const PROC_TABLE_MAX_SERVICES = 10_000;

/** ip_vs_fwd_name: anything else is printed "Masq". */
const FORWARD: Record<string, IpvsForward> = { Masq: 'masq', Local: 'local', Tunnel: 'tunnel', Route: 'route' };

/** ip_vs_proto_name for the protocols a service can have. */
const PROTOCOL: Record<number, string> = { 6: 'TCP', 17: 'UDP', 132: 'SCTP' };

/** A service's name in the table: "TCP 10.0.0.1 80", "UDP 2001:db8::1 53", "FWM 1". */
export function procServiceName(key: IpvsServiceKey): string {
  return 'fwmark' in key ? `FWM ${key.fwmark}` : `${PROTOCOL[key.protocol]} ${key.address} ${key.port}`;
}

const HEX4 = /^[0-9A-F]{8}:[0-9A-F]{4}$/;
const HEX6 = /^\[[0-9a-f]{4}(:[0-9a-f]{4}){7}\]:[0-9A-F]{4}$/;

/** "0A000001:0050" or "[2001:0db8:…:0001]:0050" (%pI6, every group written) → address, port. */
function addressPort(text: string, lineNo: number): { af: 4 | 6; address: string; port: number } {
  const colon = text.lastIndexOf(':');
  const port = parseInt(text.slice(colon + 1), 16);
  if (HEX4.test(text)) {
    const v = parseInt(text.slice(0, colon), 16);
    return { af: 4, address: `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`, port };
  }
  if (!HEX6.test(text)) throw new Error(`${PROC_IPVS_TABLE} line ${lineNo + 1}: unreadable address ${text}`);
  const bytes = Buffer.alloc(16);
  for (let i = 0; i < 8; i++) bytes.writeUInt16BE(parseInt(text.slice(1 + 5 * i, 5 + 5 * i), 16), 2 * i);
  return { af: 6, address: decodeAddress(6, bytes), port };
}

/**
 * The fields of one line, split on runs of spaces, into `out` (reused: the table has 50,000
 * lines at 10,000 services); returns how many.
 */
function fields(line: string, out: string[]): number {
  let n = 0;
  let i = 0;
  while (i < line.length) {
    while (i < line.length && line.charCodeAt(i) === 32) i++;
    if (i >= line.length) break;
    let j = i + 1;
    while (j < line.length && line.charCodeAt(j) !== 32) j++;
    out[n++] = line.slice(i, j);
    i = j;
  }
  return n;
}

/**
 * Each service's destinations in the kernel's order, by procServiceName. A name the text
 * holds twice (a firewall mark used by an IPv4 and an IPv6 service) maps to undefined: which
 * destinations belong to which service cannot be told. Throws on a line it cannot read.
 */
export function parseProcTable(text: string): Map<string, IpvsDestination[] | undefined> {
  const table = new Map<string, IpvsDestination[] | undefined>();
  const f: string[] = [];
  let current: IpvsDestination[] | undefined;
  let lineNo = 0;
  for (let start = 0; start < text.length; lineNo++) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    // the version line and two title lines
    if (lineNo < 3 || line.length === 0) continue;
    const n = fields(line, f);
    if (f[0] === '->') {
      const forward = FORWARD[f[2]];
      if (n !== 6 || current === undefined || forward === undefined) throw new Error(`${PROC_IPVS_TABLE} line ${lineNo + 1}: unexpected destination line`);
      const { af, address, port } = addressPort(f[1], lineNo);
      // printed %d; ipvsadm prints the connection counts unsigned
      current.push({ af, address, port, forward, weight: Number(f[3]) | 0, upperThreshold: 0, lowerThreshold: 0, activeConns: Number(f[4]) >>> 0, inactiveConns: Number(f[5]) >>> 0 });
      continue;
    }
    let name: string;
    if (f[0] === 'FWM' && /^[0-9A-F]{8}$/.test(f[1])) name = `FWM ${parseInt(f[1], 16)}`;
    else {
      const { address, port } = addressPort(n > 1 ? f[1] : '', lineNo);
      name = `${f[0]} ${address} ${port}`;
    }
    current = [];
    table.set(name, table.has(name) ? undefined : current);
  }
  return table;
}

/**
 * Fill each service's destinations from /proc/net/ip_vs's text where it names the service
 * without doubt; returns the services left to dump (all of them without a text).
 */
export function takeDestinations(services: IpvsService[], text: string | undefined): IpvsService[] {
  if (text === undefined) return services;
  let table: Map<string, IpvsDestination[] | undefined>;
  try {
    table = parseProcTable(text);
  } catch {
    return services; // a text this kernel writes otherwise: the dumps are the reference
  }
  // a name two services share (a firewall mark of both families) is dumped
  const names = services.map((svc) => procServiceName(svc.key));
  const seen = new Map<string, number>();
  for (const n of names) seen.set(n, (seen.get(n) ?? 0) + 1);
  return services.filter((svc, i) => {
    const dests = seen.get(names[i]) === 1 ? table.get(names[i]) : undefined;
    if (dests === undefined) return true;
    svc.destinations = dests;
    return false;
  });
}
