/**
 * `ipvsadm -L` output, byte for byte, from the plain-data table (pure; names are looked up
 * beforehand by the caller). Formats are those of ipvsadm 1.31's print_title,
 * print_service_entry and print_largenum; sorting follows ipvs_cmp_services/ipvs_cmp_dests
 * under glibc's qsort (a top-down merge sort), including the int-overflow quirk of comparing
 * addresses by subtraction.
 */
import { IpvsInfo } from './codec';
import {
  IP_VS_SVC_F_ONEPACKET,
  IP_VS_SVC_F_PERSISTENT,
  IP_VS_SVC_F_SCHED1,
  IP_VS_SVC_F_SCHED2,
  IP_VS_SVC_F_SCHED3,
  IpvsDestination,
  IpvsForward,
  IpvsService,
  IpvsStats,
} from './types';

export interface ListingFormat {
  /** -n: no host or service name lookups. */
  numeric: boolean;
  /** --stats */
  stats: boolean;
  /** --rate */
  rate: boolean;
  /** --exact: full numbers in --stats/--rate columns. */
  exact: boolean;
}

/** Name lookups done by the caller (gethostbyaddr / getservbyport equivalents). */
export interface NameLookup {
  host(af: 4 | 6, address: string): string | undefined;
  /** Service name of a port for protocol "tcp" | "udp" | "sctp". */
  service(port: number, protocol: 'tcp' | 'udp' | 'sctp'): string | undefined;
}

const NO_NAMES: NameLookup = { host: () => undefined, service: () => undefined };

// --- sorting ---------------------------------------------------------------------------------

/** A dotted quad's value (the listing sorts 50,000 of them: no split, no array). */
function ipv4Value(a: string): number {
  let v = 0;
  let part = 0;
  for (let i = 0; i < a.length; i++) {
    const c = a.charCodeAt(i);
    if (c === 46 /* . */) {
      v = v * 256 + part;
      part = 0;
    } else part = part * 10 + (c - 48);
  }
  return (v * 256 + part) >>> 0;
}

function ipv6Words(a: string): number[] {
  // expand "::" and embedded IPv4, then take four big-endian 32-bit words
  let [head, tail] = a.includes('::') ? a.split('::') : [a, undefined];
  const parse = (s: string | undefined): number[] => {
    if (!s) return [];
    const out: number[] = [];
    for (const part of s.split(':')) {
      if (part.includes('.')) {
        const v = ipv4Value(part);
        out.push(v >>> 16, v & 0xffff);
      } else out.push(parseInt(part, 16));
    }
    return out;
  };
  const h = parse(head);
  const t = parse(tail);
  const groups = tail === undefined ? h : [...h, ...new Array(8 - h.length - t.length).fill(0), ...t];
  head = '';
  return [0, 1, 2, 3].map((i) => ((groups[2 * i] << 16) | groups[2 * i + 1]) >>> 0);
}

/** C's `(int)(a - b)` for two unsigned 32-bit values. */
const subInt = (a: number, b: number): number => (a - b) | 0;

function cmpAddr(af: 4 | 6, a: string, b: string): number {
  if (af === 6) {
    const x = ipv6Words(a);
    const y = ipv6Words(b);
    let r = 0;
    for (let i = 0; r === 0 && i < 4; i++) r = subInt(x[i], y[i]);
    return r;
  }
  return subInt(ipv4Value(a), ipv4Value(b));
}

const AF_KERNEL = (af: 4 | 6): number => (af === 4 ? 2 : 10);

/** The fields ipvs_cmp_services compares, computed once per service (not per comparison). */
interface ServiceSortKey {
  fwmark: number;
  af: number;
  protocol: number;
  addr: number[];
  port: number;
}

function serviceSortKey(s: IpvsService): ServiceSortKey {
  const k = s.key;
  const address = 'address' in k ? k.address : undefined;
  return {
    fwmark: 'fwmark' in k ? k.fwmark : 0,
    af: AF_KERNEL(k.af),
    protocol: 'protocol' in k ? k.protocol : 0,
    addr: address === undefined ? [0, 0, 0, 0] : k.af === 6 ? ipv6Words(address) : [ipv4Value(address)],
    port: 'port' in k ? k.port : 0,
  };
}

function cmpWords(x: number[], y: number[]): number {
  let r = 0;
  for (let i = 0; r === 0 && i < x.length; i++) r = subInt(x[i], y[i] ?? 0);
  return r;
}

function compareSortKeys(k1: ServiceSortKey, k2: ServiceSortKey): number {
  let r = subInt(k1.fwmark, k2.fwmark);
  if (r !== 0) return r;
  r = k1.af - k2.af;
  if (r !== 0) return r;
  r = k1.protocol - k2.protocol;
  if (r !== 0) return r;
  r = cmpWords(k1.addr, k2.addr);
  if (r !== 0) return r;
  return k1.port - k2.port;
}

/** ipvs_cmp_services. */
export function compareServices(s1: IpvsService, s2: IpvsService): number {
  return compareSortKeys(serviceSortKey(s1), serviceSortKey(s2));
}

/** ipvs_cmp_dests (compared with the service's family, as ipvsadm does). */
export function compareDests(af: 4 | 6, d1: IpvsDestination, d2: IpvsDestination): number {
  const r = cmpAddr(d1.af ?? af, d1.address, d2.address);
  if (r !== 0) return r;
  return d1.port - d2.port;
}

/** Services in `ipvsadm -L` order. */
export function sortServices(services: IpvsService[]): IpvsService[] {
  const keyed = services.map((s) => ({ s, k: serviceSortKey(s) }));
  return glibcMergeSort(keyed, (a, b) => compareSortKeys(a.k, b.k)).map((x) => x.s);
}

/** glibc msort_with_tmp: top-down merge, left half n/2, ties (<= 0) taken from the left. */
export function glibcMergeSort<T>(items: T[], cmp: (a: T, b: T) => number): T[] {
  const a = items.slice();
  const tmp = new Array<T>(a.length);
  const sort = (lo: number, n: number): void => {
    if (n <= 1) return;
    const n1 = n >>> 1;
    const n2 = n - n1;
    sort(lo, n1);
    sort(lo + n1, n2);
    let i = lo;
    let j = lo + n1;
    const iEnd = lo + n1;
    const jEnd = lo + n;
    let k = 0;
    while (i < iEnd && j < jEnd) {
      if (cmp(a[i], a[j]) <= 0) tmp[k++] = a[i++];
      else tmp[k++] = a[j++];
    }
    while (i < iEnd) tmp[k++] = a[i++];
    // what is left of the right half is already in place
    for (let m = 0; m < k; m++) a[lo + m] = tmp[m];
  };
  sort(0, a.length);
  return a;
}

// --- printf helpers --------------------------------------------------------------------------

const SPACES = ' '.repeat(64);
const spaces = (n: number): string => (n <= 64 ? SPACES.slice(0, n) : ' '.repeat(n));
const padR = (s: string, w: number): string => (s.length >= w ? s : s + spaces(w - s.length));
const padL = (s: string, w: number): string => (s.length >= w ? s : spaces(w - s.length) + s);

/** print_largenum (numbers below 2^53 take the fast path: BigInt arithmetic is slow). */
export function largenum(i: bigint, exact: boolean): string {
  if (i > 9007199254740991n) return largenumBig(i, exact);
  const n = Number(i);
  if (exact) {
    const s = String(n);
    return padL(s, s.length <= 8 ? 9 : s.length + 1);
  }
  if (n < 1e8) return padL(String(n), 9);
  if (n < 1e9) return padL(String(Math.floor(n / 1e3)), 8) + 'K';
  if (n < 1e11) return padL(String(Math.floor(n / 1e6)), 8) + 'M';
  if (n < 1e14) return padL(String(Math.floor(n / 1e9)), 8) + 'G';
  return padL(String(Math.floor(n / 1e12)), 8) + 'T';
}

function largenumBig(i: bigint, exact: boolean): string {
  if (exact) {
    const s = i.toString();
    return padL(s, s.length + 1);
  }
  return padL((i / 1000000000000n).toString(), 8) + 'T';
}

const FORWARD_NAMES: Record<IpvsForward, string> = { masq: 'Masq', local: 'Local', tunnel: 'Tunnel', route: 'Route' };

const PROTO_NAMES: Record<number, string> = { 6: 'TCP', 17: 'UDP', 132: 'SCTP' };
const PROTO_SERV: Record<number, 'tcp' | 'udp' | 'sctp'> = { 6: 'tcp', 17: 'udp', 132: 'sctp' };

/** addrport_to_anyname (ipvsadm buffers it in 60 bytes). */
function addrPort(af: 4 | 6, address: string, port: number, protocol: number, fmt: ListingFormat, names: NameLookup): string {
  const open = af === 4 ? '' : '[';
  const close = af === 4 ? '' : ']';
  let s: string;
  if (fmt.numeric) {
    s = `${open}${address}${close}:${port}`;
  } else {
    const host = names.host(af, address) ?? address;
    const proto = PROTO_SERV[protocol];
    const serv = proto ? names.service(port, proto) : undefined;
    s = `${open}${host}${close}:${serv ?? port}`;
  }
  return s.length > 59 ? s.slice(0, 59) : s;
}

function maskString(netmask: number): string {
  return [24, 16, 8, 0].map((sh) => (netmask >>> sh) & 0xff).join('.');
}

/** print_sched_flags: scheduler-specific names, comma separated. */
function schedFlags(sched: string, flags: number): string {
  const out: string[] = [];
  const [f1, f2] = sched === 'sh' ? ['sh-fallback', 'sh-port'] : sched === 'mh' ? ['mh-fallback', 'mh-port'] : ['flag-1', 'flag-2'];
  if (flags & IP_VS_SVC_F_SCHED1) out.push(f1);
  if (flags & IP_VS_SVC_F_SCHED2) out.push(f2);
  if (flags & IP_VS_SVC_F_SCHED3) out.push('flag-3');
  return out.join(',');
}

const ZERO_STATS: IpvsStats = {
  conns: 0n, inpkts: 0n, outpkts: 0n, inbytes: 0n, outbytes: 0n, cps: 0n, inpps: 0n, outpps: 0n, inbps: 0n, outbps: 0n,
};

/** print_title. */
export function formatTitle(fmt: ListingFormat): string {
  const cols = (names: string[]): string => `${padR('Prot LocalAddress:Port', 33)}${names.map((n) => ' ' + padL(n, 8)).join('')}\n  -> RemoteAddress:Port\n`;
  if (fmt.stats) return cols(['Conns', 'InPkts', 'OutPkts', 'InBytes', 'OutBytes']);
  if (fmt.rate) return cols(['CPS', 'InPPS', 'OutPPS', 'InBPS', 'OutBPS']);
  return 'Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n';
}

/** print_service_entry: the service line and its (sorted) destination lines. */
export function formatService(se: IpvsService, fmt: ListingFormat, names: NameLookup = NO_NAMES): string {
  const key = se.key;
  const protocol = 'protocol' in key ? key.protocol : 0;
  let svcName: string;
  if ('fwmark' in key) {
    // printed with %d: a mark above 2^31 shows as negative, as in ipvsadm
    svcName = key.af === 6 ? `FWM  ${key.fwmark | 0} IPv6` : `FWM  ${key.fwmark | 0}`;
  } else {
    const vname = addrPort(key.af, key.address, key.port, key.protocol, fmt, names);
    svcName = `${padR(PROTO_NAMES[key.protocol] ?? '', 4)} ${vname}`;
    if (key.af !== 6) svcName = svcName.slice(0, 33);
  }
  const exact = fmt.exact;
  let out: string;
  if (fmt.stats || fmt.rate) {
    const s = se.stats ?? ZERO_STATS;
    const v = fmt.stats ? [s.conns, s.inpkts, s.outpkts, s.inbytes, s.outbytes] : [s.cps, s.inpps, s.outpps, s.inbps, s.outbps];
    out = padR(svcName, 33) + v.map((n) => largenum(n, exact)).join('');
  } else {
    out = `${svcName} ${se.scheduler}`;
    if (se.flags & (IP_VS_SVC_F_SCHED1 | IP_VS_SVC_F_SCHED2 | IP_VS_SVC_F_SCHED3)) out += ` (${schedFlags(se.scheduler, se.flags)})`;
    if (se.flags & IP_VS_SVC_F_PERSISTENT) {
      out += ` persistent ${se.timeout}`;
      if (key.af === 4 && se.netmask >>> 0 !== 0xffffffff) out += ` mask ${maskString(se.netmask)}`;
      if (key.af === 6 && se.netmask !== 128) out += ` mask ${se.netmask}`;
      if (se.peName) out += ` pe ${se.peName}`;
    }
    if (se.flags & IP_VS_SVC_F_ONEPACKET) out += ' ops';
  }
  const lines = [out];
  const dests =
    se.destinations.length < 2
      ? se.destinations
      : glibcMergeSort(
          se.destinations.map((d) => ({ d, addr: (d.af ?? key.af) === 6 ? ipv6Words(d.address) : [ipv4Value(d.address)] })),
          (a, b) => cmpWords(a.addr, b.addr) || a.d.port - b.d.port,
        ).map((x) => x.d);
  for (const e of dests) {
    // A tunnelled destination may be of the other family: printed in its own (e->af).
    const af = e.af ?? key.af;
    let dname = addrPort(af, e.address, e.port, protocol, fmt, names);
    if (af !== 6) dname = dname.slice(0, 28);
    if (fmt.stats) {
      const s = e.stats ?? ZERO_STATS;
      lines.push(`  -> ${padR(dname, 28)}${[s.conns, s.inpkts, s.outpkts, s.inbytes, s.outbytes].map((n) => largenum(n, exact)).join('')}`);
    } else if (fmt.rate) {
      const s = e.stats ?? ZERO_STATS;
      lines.push(`  -> ${padR(dname, 28)} ${padL(s.cps.toString(), 8)} ${padL(s.inpps.toString(), 8)} ${padL(s.outpps.toString(), 8)}${largenum(s.inbps, exact)}${largenum(s.outbps, exact)}`);
    } else {
      lines.push(
        `  -> ${padR(dname, 28)} ${padR(FORWARD_NAMES[e.forward], 7)} ${padR(String(e.weight | 0), 6)} ${padR(String(e.activeConns ?? 0), 10)} ${padR(String(e.inactiveConns ?? 0), 10)}`,
      );
    }
  }
  return lines.join('\n') + '\n';
}

/** `ipvsadm -L` of the whole table: version line, title, services in ipvsadm's order. */
export function formatListing(info: IpvsInfo, services: IpvsService[], fmt: ListingFormat, names: NameLookup = NO_NAMES): string {
  const v = info.version;
  const parts = [`IP Virtual Server version ${(v >> 16) & 0xff}.${(v >> 8) & 0xff}.${v & 0xff} (size=${info.connTableSize})\n`, formatTitle(fmt)];
  for (const se of sortServices(services)) parts.push(formatService(se, fmt, names));
  return parts.join('');
}

/** `ipvsadm -L -t|-u|-f ...` of one service: title and that service, no version line. */
export function formatOneService(se: IpvsService, fmt: ListingFormat, names: NameLookup = NO_NAMES): string {
  return formatTitle(fmt) + formatService(se, fmt, names);
}
