/**
 * The IPVS table as plain data: what the kernel holds (decoded from GET_SERVICE/GET_DEST dumps)
 * and what halo wants it to hold (built from the config model and real-server health).
 * The reconciler diffs two of these; the client encodes them; `halo ipvs` prints them.
 * Constants follow the kernel's include/uapi/linux/ip_vs.h.
 */

/** IPPROTO_TCP / IPPROTO_UDP / IPPROTO_SCTP. */
export type IpvsProtocol = 6 | 17 | 132;

/** IP_VS_CONN_F_MASQ = 0, LOCALNODE = 1, TUNNEL = 2, DROUTE = 3 (ip_vs.h IP_VS_CONN_F_FWD_MASK). */
export type IpvsForward = 'masq' | 'local' | 'tunnel' | 'route';

export interface IpvsStats {
  conns: bigint;
  inpkts: bigint;
  outpkts: bigint;
  inbytes: bigint;
  outbytes: bigint;
  cps: bigint;
  inpps: bigint;
  outpps: bigint;
  inbps: bigint;
  outbps: bigint;
}

/** Identity of a service: AF + (fwmark | protocol + address + port). */
export type IpvsServiceKey =
  | { af: 4 | 6; fwmark: number }
  | { af: 4 | 6; protocol: IpvsProtocol; address: string; port: number };

export interface IpvsService {
  key: IpvsServiceKey;
  /** Scheduler name as the kernel knows it ("rr", "wlc", "mh", ...). */
  scheduler: string;
  /** IP_VS_SVC_F_* bits: PERSISTENT 0x1, HASHED 0x2, ONEPACKET 0x4, SCHED1..3 0x8/0x10/0x20. */
  flags: number;
  /** Persistence timeout in seconds (0 when not persistent). */
  timeout: number;
  /** Persistence granularity: 0xffffffff for /32 (IPv4), a prefix length for IPv6. */
  netmask: number;
  /** IPVS_SVC_ATTR_PE_NAME: the persistence engine ("sip"); absent: none. */
  peName?: string;
  destinations: IpvsDestination[];
  /** Only present in what the kernel reported. */
  stats?: IpvsStats;
}

export interface IpvsDestination {
  address: string;
  af: 4 | 6;
  port: number;
  forward: IpvsForward;
  weight: number;
  upperThreshold: number;
  lowerThreshold: number;
  /** Only present in what the kernel reported. */
  activeConns?: number;
  inactiveConns?: number;
  persistentConns?: number;
  stats?: IpvsStats;
}

export const IP_VS_SVC_F_PERSISTENT = 0x0001;
export const IP_VS_SVC_F_HASHED = 0x0002;
export const IP_VS_SVC_F_ONEPACKET = 0x0004;
export const IP_VS_SVC_F_SCHED1 = 0x0008;
export const IP_VS_SVC_F_SCHED2 = 0x0010;
export const IP_VS_SVC_F_SCHED3 = 0x0020;

/** A stable string for a service identity, for maps and log lines. */
export function serviceKeyString(key: IpvsServiceKey): string {
  if ('fwmark' in key) return `FWM ${key.fwmark} IPv${key.af}`;
  const proto = key.protocol === 6 ? 'TCP' : key.protocol === 17 ? 'UDP' : 'SCTP';
  const addr = key.af === 6 ? `[${key.address}]` : key.address;
  return `${proto} ${addr}:${key.port}`;
}
