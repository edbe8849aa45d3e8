/**
 * An AgentX subagent (RFC 2741) serving read-only subtrees from a sorted varbind list, as
 * keepalived's `enable_snmp_*` does through net-snmp's agent library.
 *
 * The PDUs halo sends (Open, Register, Response, Close) are encoded by the npm package net-snmp
 * (its AgentXPdu codec); halo adds what its Subagent class lacks for this job: the master's
 * unix-domain socket (keepalived's default `snmp_socket`, `unix:/var/agentx/master`), PDU framing
 * on the stream (a read may hold part of a PDU or several), the `include` flag and end of each
 * search range, both byte orders, binary OctetString values (addresses, MACs), and reconnection
 * when snmpd goes away (keepalived: "AgentX master disconnected us, reconnecting in 15").
 * Requests are answered from `varbinds()`, called once per request PDU, so every value is read
 * from the live state at that moment.
 */
import { createConnection, Socket } from 'node:net';
import { compareOids, getNext, Varbind } from './vrrpv3-mib';

// net-snmp has no type declarations: the part of its AgentX codec used here.
interface SmartBufferLike {
  writeUInt32BE(v: number): void;
  writeUInt8(v: number): void;
  writeBuffer(b: Buffer): void;
}
interface SmartBufferLike16 extends SmartBufferLike {
  writeUInt16BE(v: number): void;
}
interface AgentXPduStatic {
  createFromVariables(vars: Record<string, unknown>): { toBuffer(): Buffer };
  writeOctetString(buffer: SmartBufferLike, value: string | Buffer): void;
  writeOid(buffer: SmartBufferLike, oid: string): void;
  writeVarBind(buffer: SmartBufferLike16, varbind: { type: number; oid: string; value: unknown }): void;
  __haloBinaryOctets?: boolean;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const netSnmp = require('net-snmp') as { AgentXPdu: AgentXPduStatic };
const AgentXPdu = netSnmp.AgentXPdu;
const IP_ADDRESS = 64;

// net-snmp writes OctetStrings with SmartBuffer.writeString, which takes text: binary values
// (InetAddress, MacAddress) go through as bytes instead.
if (!AgentXPdu.__haloBinaryOctets) {
  const text = AgentXPdu.writeOctetString;
  AgentXPdu.writeOctetString = (buffer, value) => {
    if (!Buffer.isBuffer(value)) return text(buffer, value);
    buffer.writeUInt32BE(value.length);
    buffer.writeBuffer(value);
    for (let i = value.length % 4 === 0 ? 4 : value.length % 4; i < 4; i++) buffer.writeUInt8(0);
  };
  // an IpAddress (RFC 2741 §5.4: an Octet String of 4 bytes) from its bytes; net-snmp's own path
  // takes a dotted string and writes it through a SmartBuffer method that does not exist
  const varBind = AgentXPdu.writeVarBind;
  AgentXPdu.writeVarBind = (buffer, varbind) => {
    if (varbind.type !== IP_ADDRESS || !Buffer.isBuffer(varbind.value)) return varBind(buffer, varbind);
    buffer.writeUInt16BE(IP_ADDRESS);
    buffer.writeUInt16BE(0);
    AgentXPdu.writeOid(buffer, varbind.oid);
    AgentXPdu.writeOctetString(buffer, varbind.value);
  };
  AgentXPdu.__haloBinaryOctets = true;
}

/** RFC 2741 §6.1 h.type values. */
export const enum PduType {
  Open = 1, Close = 2, Register = 3, Get = 5, GetNext = 6, GetBulk = 7, TestSet = 8, CommitSet = 9,
  UndoSet = 10, CleanupSet = 11, Notify = 12, Response = 18,
}
const FLAG_NETWORK_BYTE_ORDER = 0x10;
const FLAG_NON_DEFAULT_CONTEXT = 0x08;
const HEADER = 20;
const NO_SUCH_OBJECT = 128;
const NO_SUCH_INSTANCE = 129;
const END_OF_MIB_VIEW = 130;
const NOT_WRITABLE = 17;
/** How many start-up notifications wait for the first registration. */
const EARLY_NOTIFICATIONS = 256;

export interface SearchRange {
  start: number[];
  include: boolean;
  end: number[];
}

export interface DecodedPdu {
  type: number;
  flags: number;
  sessionID: number;
  transactionID: number;
  packetID: number;
  /** Response PDUs: res.error. */
  error?: number;
  nonRepeaters?: number;
  maxRepetitions?: number;
  ranges?: SearchRange[];
}

/** The length of the first whole PDU in `buf`, or 0 when more bytes are needed. */
export function pduLength(buf: Buffer): number {
  if (buf.length < HEADER) return 0;
  const be = (buf[2] & FLAG_NETWORK_BYTE_ORDER) !== 0;
  const total = HEADER + (be ? buf.readUInt32BE(16) : buf.readUInt32LE(16));
  return buf.length >= total ? total : 0;
}

/** Decodes the header and, for Get/GetNext/GetBulk and Response, the fields this agent needs. */
export function decodePdu(pdu: Buffer): DecodedPdu {
  const be = (pdu[2] & FLAG_NETWORK_BYTE_ORDER) !== 0;
  const u32 = (o: number) => (be ? pdu.readUInt32BE(o) : pdu.readUInt32LE(o));
  const u16 = (o: number) => (be ? pdu.readUInt16BE(o) : pdu.readUInt16LE(o));
  const d: DecodedPdu = { type: pdu[1], flags: pdu[2], sessionID: u32(4), transactionID: u32(8), packetID: u32(12) };
  let o = HEADER;
  if (d.type === PduType.Response) {
    d.error = u16(o + 4);
    return d;
  }
  if (d.type !== PduType.Get && d.type !== PduType.GetNext && d.type !== PduType.GetBulk) return d;
  if (d.flags & FLAG_NON_DEFAULT_CONTEXT) {
    const len = u32(o);
    o += 4 + len + ((4 - (len % 4)) % 4);
  }
  if (d.type === PduType.GetBulk) {
    d.nonRepeaters = u16(o);
    d.maxRepetitions = u16(o + 2);
    o += 4;
  }
  const oid = (): { oid: number[]; include: boolean } => {
    const n = pdu[o];
    const prefix = pdu[o + 1];
    const include = pdu[o + 2] === 1;
    o += 4;
    const ids: number[] = prefix ? [1, 3, 6, 1, prefix] : [];
    for (let i = 0; i < n; i++, o += 4) ids.push(u32(o));
    return { oid: ids, include };
  };
  d.ranges = [];
  while (o < pdu.length) {
    const start = oid();
    const end = oid();
    d.ranges.push({ start: start.oid, include: start.include, end: end.oid });
  }
  return d;
}

type WireVarbind = { oid: string; type: number; value: unknown };
// (a Varbind's nextOnly flag stays here: only the OID, type and value go on the wire)
const wire = (v: Varbind): WireVarbind => ({ oid: v.oid.join('.'), type: v.type, value: v.value });
const endOfView = (start: number[]): WireVarbind => ({ oid: start.join('.'), type: END_OF_MIB_VIEW, value: null });

const under = (oid: number[], object: number[]): boolean => oid.length >= object.length && object.every((n, k) => oid[k] === n);

/**
 * The varbinds answering one Get, GetNext or GetBulk (RFC 2741 §7.2.3). `objects`: the MIB's
 * objects (columns and scalars), which tell a Get's noSuchInstance from its noSuchObject.
 */
export function answer(req: DecodedPdu, sorted: Varbind[], objects: number[][] = []): WireVarbind[] {
  const ranges = req.ranges ?? [];
  if (req.type === PduType.Get) {
    return ranges.map((r) => {
      const hit = sorted.find((v) => !v.nextOnly && compareOids(v.oid, r.start) === 0);
      if (hit) return wire(hit);
      return { oid: r.start.join('.'), type: objects.some((o) => under(r.start, o)) ? NO_SUCH_INSTANCE : NO_SUCH_OBJECT, value: null };
    });
  }
  const next = (r: SearchRange): WireVarbind => {
    const v = getNext(sorted, r.start, r.include, r.end);
    return v ? wire(v) : endOfView(r.start);
  };
  if (req.type === PduType.GetNext) return ranges.map(next);
  const nonRep = Math.min(req.nonRepeaters ?? 0, ranges.length);
  const out = ranges.slice(0, nonRep).map(next);
  const repeaters = ranges.slice(nonRep).map((r) => ({ ...r }));
  for (let rep = 0; rep < (req.maxRepetitions ?? 0) && repeaters.length > 0; rep++) {
    let allEnded = true;
    for (const r of repeaters) {
      const v = getNext(sorted, r.start, r.include, r.end);
      if (v) {
        out.push(wire(v));
        r.start = v.oid;
        r.include = false;
        allEnded = false;
      } else out.push(endOfView(r.start));
    }
    if (allEnded) break;
  }
  return out;
}

export interface SubagentOptions {
  /** keepalived's snmp_socket: `unix:/path`, `/path`, `tcp:host:port`, `host:port`, `udp:` not supported. */
  socket: string;
  /** Registered one after the other once the session is open (keepalived registers each MIB). */
  subtrees: number[][];
  description: string;
  /** The served MIBs' objects (columns and scalars without instance sub-identifiers). */
  objects?: number[][];
  varbinds: () => Varbind[] | Promise<Varbind[]>;
  log: { info(m: string): void; warning(m: string): void };
  reconnectMs?: number;
}

export type MasterAddress = { path: string } | { host: string; port: number };

/** keepalived's snmp_socket syntax (net-snmp transport specifiers); null when not usable. */
export function parseSnmpSocket(spec: string): MasterAddress | null {
  const s = spec.trim();
  if (s.startsWith('unix:')) return s.length > 5 ? { path: s.slice(5) } : null;
  if (s.startsWith('/')) return { path: s };
  const m = /^(?:tcp:)?(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(s);
  if (m) return { host: m[1] ?? m[2], port: Number(m[3]) };
  const p = /^(?:tcp:)?(\d{1,5})$/.exec(s);
  if (p) return { host: 'localhost', port: Number(p[1]) };
  return null;
}

/** One AgentX session with the master, reopened whenever the master goes away. */
export class AgentxSubagent {
  private socket: Socket | null = null;
  private buf: Buffer = Buffer.alloc(0);
  private sessionID = 0;
  private packetID = 1;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private registered = false;
  /** Subtrees whose Register is answered, in this session. */
  private registeredCount = 0;
  /** Resolves each time every subtree is registered (tests and start-up wait on it). */
  private onRegistered: Array<() => void> = [];
  /**
   * Notifications asked for before the first registration (a start-up's), sent once registered:
   * keepalived's agent connects before its daemon starts, so it sends them; halo starts without
   * waiting long for snmpd. Dropped if the first session never comes (see notify()).
   */
  private early: Array<Array<{ oid: number[]; type: number; value: unknown }>> | null = [];

  constructor(private readonly opts: SubagentOptions, private readonly master: MasterAddress) {}

  start(): void {
    this.connect();
  }

  /** Waits until every subtree is registered with the master. */
  registeredOnce(): Promise<void> {
    return this.registered ? Promise.resolve() : new Promise((r) => this.onRegistered.push(r));
  }

  private connect(): void {
    if (this.stopped) return;
    const s = 'path' in this.master ? createConnection(this.master.path) : createConnection(this.master.port, this.master.host);
    this.socket = s;
    this.buf = Buffer.alloc(0);
    s.on('connect', () => this.send(PduType.Open, { timeout: 0, oid: null, descr: this.opts.description }));
    s.on('data', (chunk: Buffer) => this.onData(chunk));
    s.on('error', () => undefined); // 'close' follows and reconnects
    s.on('close', () => this.onClose(s));
  }

  private onClose(s: Socket): void {
    if (s !== this.socket) return;
    this.socket = null;
    this.sessionID = 0;
    const wasRegistered = this.registered;
    this.registered = false;
    if (this.stopped) return;
    const secs = Math.round((this.opts.reconnectMs ?? 15_000) / 1000);
    this.opts.log.warning(wasRegistered ? `AgentX master disconnected us, reconnecting in ${secs}` : `AgentX master not reachable, retrying in ${secs}`);
    this.timer = setTimeout(() => this.connect(), this.opts.reconnectMs ?? 15_000);
    this.timer.unref();
  }

  private send(type: PduType, vars: Record<string, unknown>, ids?: { transactionID: number; packetID: number }): void {
    const pdu = AgentXPdu.createFromVariables({
      pduType: type, sessionID: this.sessionID, transactionID: ids?.transactionID ?? 0, packetID: ids?.packetID ?? this.packetID++, ...vars,
    });
    this.socket?.write(pdu.toBuffer());
  }

  private register(): void {
    this.send(PduType.Register, { timeout: 0, priority: 127, rangeSubid: 0, oid: this.opts.subtrees[this.registeredCount].join('.') });
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    let n: number;
    while ((n = pduLength(this.buf)) > 0) {
      const one = this.buf.subarray(0, n);
      this.buf = this.buf.subarray(n);
      void this.handle(decodePdu(one));
    }
    if (this.buf.length > 1 << 20) this.socket?.destroy(); // no PDU is that large
  }

  private async handle(p: DecodedPdu): Promise<void> {
    const ids = { transactionID: p.transactionID, packetID: p.packetID };
    switch (p.type) {
      case PduType.Response:
        if (this.sessionID === 0) {
          if (p.error) {
            this.opts.log.warning(`AgentX master refused to open a session (error ${p.error})`);
            this.socket?.destroy();
            return;
          }
          this.sessionID = p.sessionID;
          this.registeredCount = 0;
          this.register();
        } else if (!this.registered) {
          const subtree = this.opts.subtrees[this.registeredCount].join('.');
          if (p.error) {
            this.opts.log.warning(`AgentX master refused ${subtree} (error ${p.error})`);
            return;
          }
          this.registeredCount++;
          if (this.registeredCount < this.opts.subtrees.length) {
            this.register();
            return;
          }
          this.registered = true;
          this.opts.log.info('AgentX subagent connected');
          for (const r of this.onRegistered.splice(0)) r();
          for (const n of this.early?.splice(0) ?? []) this.notify(n);
          this.early = null;
        }
        return;
      case PduType.Get:
      case PduType.GetNext:
      case PduType.GetBulk: {
        const sorted = await this.opts.varbinds();
        this.send(PduType.Response, { varbinds: answer(p, sorted, this.opts.objects) }, ids);
        return;
      }
      case PduType.TestSet:
        this.send(PduType.Response, { error: NOT_WRITABLE, index: 1 }, ids);
        return;
      case PduType.CommitSet:
      case PduType.UndoSet:
      case PduType.CleanupSet:
        this.send(PduType.Response, {}, ids);
        return;
      case PduType.Close:
        this.socket?.destroy();
        return;
    }
  }

  /**
   * Sends a notification (its varbinds, snmpTrapOID.0 first) through the master, as net-snmp's
   * send_v2trap does in a subagent; dropped while no session is registered. False when dropped.
   */
  notify(varbinds: Array<{ oid: number[]; type: number; value: unknown }>): boolean {
    if (!this.registered && this.early && this.early.length < EARLY_NOTIFICATIONS && !this.stopped) {
      this.early.push(varbinds);
      return true;
    }
    if (!this.registered || !this.socket) return false;
    this.send(PduType.Notify, { varbinds: varbinds.map((v) => ({ oid: v.oid.join('.'), type: v.type, value: v.value })) });
    return true;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.socket && this.sessionID) this.send(PduType.Close, {});
    this.socket?.end();
    this.socket = null;
  }
}
