/**
 * KEEPALIVED-MIB's building blocks (keepalived-mib.ts): the view of the VRRP side the objects are
 * read from, the value helpers, and the table shape: one (sub-identifier, type, getter) row per
 * OID, rows numbered by list position as keepalived numbers its lists.
 */
import * as ipaddr from 'ipaddr.js';
import type { Model, VirtualIpAddress, VrrpInstance } from '../../config/model';
import { SnmpType } from './vrrpv3-mib';

export type Value = number | bigint | Buffer;
export type KmState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP';

/** One instance as the MIB sees it: its configuration and the live values. */
export interface KmInstance {
  cfg: VrrpInstance;
  state: KmState;
  /** The state it is heading for (keepalived's wantstate). */
  wantState: KmState;
  basePriority: number;
  effectivePriority: number;
  vipsSet: boolean;
  preempt: boolean;
}

/** A vrrp_script's live result: null before the first settled result. */
export interface KmScript {
  up: boolean | null;
}

export interface KeepalivedMibView {
  model: Model;
  /** keepalived's version_string (halo's own here). */
  version: string;
  hostname: string;
  instances: KmInstance[];
  groupStates: Record<string, KmState>;
  scripts: Record<string, KmScript>;
  /** Tracked files' last values, by track_file name. */
  files: Record<string, number>;
  /** BFD sessions Up, by bfd_instance name (absent: not Up). */
  bfds: Record<string, boolean>;
  /** Interface indexes by name (0 when not found). */
  ifindex: Record<string, number>;
  /** Whether static_ipaddress is on the host. */
  staticAddressesSet: boolean;
  /** Each script's first word as keepalived shows it (command-path.ts); absent: as written. */
  commandPaths: Record<string, string>;
}

export const text = (s: string): Buffer => Buffer.from(s, 'utf8');
export const truth = (b: boolean): number => (b ? 1 : 2);
export const ipBytes = (a: string): Buffer => Buffer.from(ipaddr.parse(a).toByteArray());
export const inetType = (a: string): number => (a.includes(':') ? 2 : 1);
export const STATE: Record<KmState, number> = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3, STOP: 4 };
/** InetScopeType of a Linux scope (core/snmp.c snmp_scope). */
export const SCOPE: Record<string, number> = { global: 14, nowhere: 0, host: 1, link: 2, site: 5 };
export const SCOPE_NUMBER: Record<number, number> = { 0: 14, 255: 0, 254: 1, 253: 2, 200: 5 };
export const scopeOf = (s: VirtualIpAddress['scope']): number => (typeof s === 'number' ? SCOPE_NUMBER[s] ?? 0 : SCOPE[s] ?? 0);


export interface Scalar<V = KeepalivedMibView> {
  sub: number[];
  type: SnmpType;
  get: (v: V) => Value | undefined;
}
/** What the global objects read: served by the VRRP side (enable_snmp_vrrp) or the checker side (enable_snmp_checker). */
export type GlobalView = Pick<KeepalivedMibView, 'model' | 'version' | 'hostname'>;
export interface Column<R, V = KeepalivedMibView> {
  col: number;
  type: SnmpType;
  get: (r: R, v: V) => Value | undefined;
}
export interface Table<R, V = KeepalivedMibView> {
  /** The entry's OID under the subtree (…, table, 1). */
  entry: number[];
  rows: (v: V) => Array<{ index: number[]; row: R }>;
  columns: Column<R, V>[];
}

/** A table's cells under `root`, column by column (each column's rows in index order). */
export function tableVarbinds<R, V>(root: number[], t: Table<R, V>, v: V, out: Array<{ oid: number[]; type: SnmpType; value: Value }>): void {
  const rows = t.rows(v);
  for (const c of t.columns) {
    for (const { index, row } of rows) {
      const value = c.get(row, v);
      if (value !== undefined) out.push({ oid: [...root, ...t.entry, c.col, ...index], type: c.type, value });
    }
  }
}

/** 1-based positions, as keepalived numbers its lists. */
export const numbered = <T>(xs: T[]): Array<{ index: number[]; row: T }> => xs.map((row, k) => ({ index: [k + 1], row }));
/** Two-index rows: (owner's position, element's position). */
export const nested = <O, T>(owners: O[], of: (o: O) => T[]): Array<{ index: number[]; row: T }> =>
  owners.flatMap((o, k) => of(o).map((row, m) => ({ index: [k + 1, m + 1], row })));

