/**
 * What a director runs, in one comparable shape, from either side: halo's Model, or keepalived
 * 2.2.7's own dump of its parsed configuration (`keepalived -d`, dump_data_vrrp() and
 * dump_data_check(): "------< VRRP Topology >------", "------< LVS Topology >------" and the
 * health checkers queue). Pure: text and models in, differences out.
 */
import type { Model } from '../../src/config/model';

export interface RunningInstance {
  name: string;
  vrid: number;
  priority: number;
  interface: string;
  version: number;
  /** `ADDR[/PREFIX] dev IF`, the prefix only when it is not the host prefix; config order. */
  vips: string[];
}

export interface RunningRealServer {
  /** `ADDR:PORT` */
  key: string;
  weight: number;
  /** Checker keywords (TCP_CHECK, HTTP_GET, ...), sorted. */
  checkers: string[];
}

export interface RunningVirtualServer {
  /** `ADDR:PORT PROTO`, `FWMARK n` or `GROUP name`. */
  key: string;
  scheduler: string;
  method: string;
  /** Seconds; 0 = not persistent. */
  persistence: number;
  realServers: RunningRealServer[];
}

export interface RunningConfig {
  instances: RunningInstance[];
  virtualServers: RunningVirtualServer[];
}

const HOST_PREFIX = (addr: string): number => (addr.includes(':') ? 128 : 32);

function vipText(address: string, prefix: number, dev: string): string {
  return `${address}${prefix === HOST_PREFIX(address) ? '' : `/${prefix}`} dev ${dev}`;
}

/** halo's side. */
export function fromModel(m: Model): RunningConfig {
  return {
    instances: m.vrrpInstances.map((i) => ({
      name: i.name,
      vrid: i.virtualRouterId,
      priority: i.priority,
      // keepalived shows a use_vmac instance on its VMAC ("Interface = vrrp.51, vmac on eth0"),
      // and a VIP there as "dev vrrp.51@eth0"
      interface: i.vmac ? `${i.vmac.name} (vmac on ${i.interface})` : i.interface,
      version: i.version,
      vips: i.virtualIpAddresses.map((v) => vipText(v.address, v.prefixLen, i.vmac && v.dev === i.vmac.name ? `${v.dev}@${i.interface}` : v.dev)),
    })),
    virtualServers: m.virtualServers.map((v) => {
      const k = v.key;
      const key = k.kind === 'addr' ? `${hostPort(k.address, k.port)} ${v.protocol}` : k.kind === 'fwmark' ? `FWMARK ${k.fwmark}` : `GROUP ${k.group}`;
      return {
        key,
        scheduler: v.lvsSched,
        method: v.lvsMethod,
        persistence: v.persistenceTimeout ?? 0,
        realServers: v.realServers.map((r) => ({
          key: hostPort(r.address, r.port),
          weight: r.weight,
          checkers: r.checkers.map((c) => c.kind).sort(),
        })),
      };
    }),
  };
}

function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** keepalived's log lines without their "Mon Nov 30 11:04:40 2026: " prefix. */
function strip(text: string): string[] {
  return text.split('\n').map((l) => l.replace(/^\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4}: /, ''));
}

/** The lines of one "------< NAME >------" section (up to the next section header). */
function section(lines: string[], name: string): string[] | null {
  const start = lines.findIndex((l) => l === `------< ${name} >------`);
  if (start < 0) return null;
  const out: string[] = [];
  for (let i = start + 1; i < lines.length && !/^------< .* >------$/.test(lines[i]); i++) out.push(lines[i]);
  return out;
}

/** keepalived's VRRP dump (keepalived -d -P). Lines other processes log in between are not indented and are skipped. */
export function parseVrrpDump(text: string): RunningInstance[] {
  const lines = section(strip(text), 'VRRP Topology');
  if (lines === null) return [];
  const out: RunningInstance[] = [];
  let cur: RunningInstance | null = null;
  let list: 'vips' | null = null;
  for (const l of lines) {
    let m: RegExpExecArray | null;
    if ((m = /^ VRRP Instance = (.*)$/.exec(l))) {
      cur = { name: m[1], vrid: -1, priority: -1, interface: '', version: -1, vips: [] };
      out.push(cur);
      list = null;
      continue;
    }
    if (cur === null || !l.startsWith('   ')) continue;
    if (l.startsWith('     ')) {
      if (list === 'vips') {
        // keepalived's format_ipaddress(): ADDR[/LEN] [brd B] dev IF[@BASE] scope S [label L] ...
        const v = /^\s+(\S+?)(?:\/(\d+))?(?: brd \S+)? dev (\S+)/.exec(l);
        if (v) cur.vips.push(vipText(v[1], v[2] ? Number(v[2]) : HOST_PREFIX(v[1]), v[3]));
      }
      continue;
    }
    list = null;
    if ((m = /^ {3}Virtual Router ID = (\d+)$/.exec(l))) cur.vrid = Number(m[1]);
    else if ((m = /^ {3}Priority = (\d+)$/.exec(l))) cur.priority = Number(m[1]);
    else if ((m = /^ {3}VRRP Version = (\d+)$/.exec(l))) cur.version = Number(m[1]);
    else if ((m = /^ {3}Interface = ([^,\s]+)(?:, vmac on ([^,\s]+))?/.exec(l))) cur.interface = m[2] ? `${m[1]} (vmac on ${m[2]})` : m[1];
    else if (/^ {3}Virtual IP \(\d+\):$/.test(l)) list = 'vips';
  }
  return out;
}

/** keepalived's checker dump (keepalived -d -C): virtual and real servers, and each checker's type. */
export function parseCheckDump(text: string): RunningVirtualServer[] {
  const all = strip(text);
  const lines = section(all, 'LVS Topology');
  if (lines === null) return [];
  const out: RunningVirtualServer[] = [];
  let vs: RunningVirtualServer | null = null;
  let proto = '';
  let vip = '';
  for (const l of lines) {
    let m: RegExpExecArray | null;
    if ((m = /^ VS VIP = (\S+), VPORT = (\d+)$/.exec(l))) {
      vip = hostPort(m[1], Number(m[2]));
      vs = { key: vip, scheduler: '', method: '', persistence: 0, realServers: [] };
      out.push(vs);
      continue;
    }
    if ((m = /^ VS FWMARK = (\d+)$/.exec(l))) {
      vip = '';
      vs = { key: `FWMARK ${m[1]}`, scheduler: '', method: '', persistence: 0, realServers: [] };
      out.push(vs);
      continue;
    }
    if ((m = /^ VS GROUP = \[(.+)\]:\d+$/.exec(l))) {
      // format_vs(): "[NAME]:PORT" for a virtual_server_group service
      vip = '';
      vs = { key: `GROUP ${m[1]}`, scheduler: '', method: '', persistence: 0, realServers: [] };
      out.push(vs);
      continue;
    }
    if (vs === null) continue;
    if ((m = /^ {3}protocol = (\S+)$/.exec(l))) {
      proto = m[1];
      if (vip !== '') vs.key = `${vip} ${proto}`;
    } else if ((m = /^ {3}lvs_sched = (\S+)$/.exec(l))) vs.scheduler = m[1];
    else if ((m = /^ {3}persistence timeout = (\d+)$/.exec(l))) vs.persistence = Number(m[1]);
    else if ((m = /^ {3}default forwarding method = (\S+)$/.exec(l))) vs.method = m[1];
    else if ((m = /^ {3}RIP = (\S+), RPORT = (\d+), WEIGHT = (-?\d+)/.exec(l))) {
      vs.realServers.push({ key: hostPort(m[1], Number(m[2])), weight: Number(m[3]), checkers: [] });
    }
  }
  // The checkers queue: " [VIP]:proto:PORT -> [RIP]:proto:PORT" then "   Keepalive method = X".
  let target: RunningRealServer | null = null;
  for (const l of all) {
    const head = /^ (\S+|FWM \d+) -> \[?([^\]\s]+?)\]?:(?:\w+:)?(\d+)$/.exec(l);
    if (head) {
      const rs = hostPort(head[2], Number(head[3]));
      target = null;
      for (const v of out) {
        if (!vsMatches(v, head[1])) continue;
        target = v.realServers.find((r) => r.key === rs) ?? null;
        if (target) break;
      }
      continue;
    }
    const kind = /^ {3}Keepalive method = (\w+?)(?:, .*)?$/.exec(l);
    if (kind && target) {
      target.checkers.push(kind[1] === 'HTTP_GET' || kind[1] === 'SSL_GET' ? kind[1] : kind[1]);
      target.checkers.sort();
      target = null;
    }
  }
  return out;
}

/** keepalived's FMT_VS: "[10.0.0.1]:tcp:80", "FWM 5", "[group]" forms. */
function vsMatches(v: RunningVirtualServer, fmt: string): boolean {
  const a = /^\[?([^\]]+?)\]?:(\w+):(\d+)$/.exec(fmt);
  if (a) return v.key === `${hostPort(a[1], Number(a[3]))} ${a[2].toUpperCase()}`;
  const f = /^FWM (\d+)$/.exec(fmt);
  if (f) return v.key === `FWMARK ${f[1]}`;
  const g = /^\[(.+)\]:\d+$/.exec(fmt);
  return g !== null && v.key === `GROUP ${g[1]}`;
}

/** Every difference between what halo would run and what keepalived runs, one line each. */
export function diffRunning(halo: RunningConfig, keepalived: RunningConfig, sides: { vrrp: boolean; lvs: boolean } = { vrrp: true, lvs: true }): string[] {
  const out: string[] = [];
  if (sides.vrrp) {
    diffNamed(out, 'vrrp_instance', halo.instances, keepalived.instances, (h) => h.name, (h, k, at) => {
      for (const f of ['vrid', 'priority', 'interface', 'version'] as const) {
        if (h[f] !== k[f]) out.push(`${at} ${f}: halo ${h[f]}, keepalived ${k[f]}`);
      }
      if (h.vips.join(', ') !== k.vips.join(', ')) out.push(`${at} VIPs: halo [${h.vips.join(', ')}], keepalived [${k.vips.join(', ')}]`);
    });
  }
  if (sides.lvs) {
    diffNamed(out, 'virtual_server', mergeCopies(halo.virtualServers), mergeCopies(keepalived.virtualServers), (v) => v.key, (h, k, at) => {
      for (const f of ['scheduler', 'method', 'persistence'] as const) {
        if (h[f] !== k[f]) out.push(`${at} ${f}: halo ${h[f]}, keepalived ${k[f]}`);
      }
      diffNamed(out, `${at} real_server`, h.realServers, k.realServers, (r) => r.key, (hr, kr, rat) => {
        if (hr.weight !== kr.weight) out.push(`${rat} weight: halo ${hr.weight}, keepalived ${kr.weight}`);
        if (hr.checkers.join(',') !== kr.checkers.join(',')) out.push(`${rat} checkers: halo [${hr.checkers.join(', ')}], keepalived [${kr.checkers.join(', ')}]`);
      });
    });
  }
  return out;
}

/**
 * Copies of one virtual server (the same service written twice: keepalived keeps both) as one
 * entry keyed `KEY (N copies)`, so the number of copies is compared, with every copy's real
 * servers and, per real server, all the copies' checkers. keepalived's checker dump names a
 * checker by service and server only, so which copy a checker belongs to cannot be read from it.
 */
function mergeCopies(vss: RunningVirtualServer[]): RunningVirtualServer[] {
  const byKey = new Map<string, RunningVirtualServer[]>();
  for (const v of vss) byKey.set(v.key, [...(byKey.get(v.key) ?? []), v]);
  const out: RunningVirtualServer[] = [];
  for (const [key, copies] of byKey) {
    if (copies.length === 1) {
      out.push(copies[0]);
      continue;
    }
    const realServers = new Map<string, RunningRealServer>();
    for (const r of copies.flatMap((c) => c.realServers)) {
      const seen = realServers.get(r.key);
      realServers.set(r.key, seen ? { ...seen, checkers: [...seen.checkers, ...r.checkers].sort() } : { ...r });
    }
    out.push({ ...copies[0], key: `${key} (${copies.length} copies)`, realServers: [...realServers.values()] });
  }
  return out;
}

function diffNamed<T>(out: string[], what: string, halo: T[], ka: T[], key: (t: T) => string, same: (h: T, k: T, at: string) => void): void {
  const kaByKey = new Map(ka.map((k) => [key(k), k]));
  const haloKeys = new Set(halo.map(key));
  for (const h of halo) {
    const k = kaByKey.get(key(h));
    if (k === undefined) out.push(`${what} ${key(h)}: halo runs it, keepalived does not`);
    else same(h, k, `${what} ${key(h)}`);
  }
  for (const k of ka) if (!haloKeys.has(key(k))) out.push(`${what} ${key(k)}: keepalived runs it, halo does not`);
  const hOrder = halo.map(key).filter((x) => kaByKey.has(x));
  const kOrder = ka.map(key).filter((x) => haloKeys.has(x));
  if (hOrder.join('\n') !== kOrder.join('\n')) out.push(`${what}: order differs: halo [${hOrder.join(', ')}], keepalived [${kOrder.join(', ')}]`);
}

/** Every interface name the model mentions: keepalived must find them all or it stops. */
export function interfacesOf(m: Model): string[] {
  const out = new Set<string>();
  for (const i of m.vrrpInstances) {
    out.add(i.interface);
    // a VIP on the instance's VMAC: keepalived makes that interface itself (one made here
    // beforehand is "not a private macvlan", and keepalived would pick another name)
    for (const v of [...i.virtualIpAddresses, ...i.virtualIpAddressesExcluded]) if (v.dev !== i.vmac?.name) out.add(v.dev);
    for (const t of i.trackInterfaces) out.add(t.name);
    if (i.lvsSyncDaemonInterface) out.add(i.lvsSyncDaemonInterface);
  }
  for (const g of m.vrrpSyncGroups) for (const t of g.trackInterfaces) out.add(t.name);
  return [...out];
}

/** Whether keepalived's VRRP process needs IPVS for this config (the LVS sync daemon): not on a kernel without IPVS. */
export function vrrpNeedsIpvs(m: Model): boolean {
  return m.globalDefs.lvsSyncDaemon !== null || m.vrrpInstances.some((i) => i.lvsSyncDaemonInterface !== null);
}
